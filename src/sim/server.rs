//! The simulator's HTTP face: `/metrics`, `/state`, the host-step control endpoint and
//! fault injection, all answered from the shared [`Fleet`] on the wall clock.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;

use super::control::Operation;
use super::exposition;
use super::fault::Fault;
use super::http::{Request, Response};
use super::model::Fleet;

/// The fleet shared by the server and its handle.
pub type SharedFleet = Arc<Mutex<Fleet>>;

/// Locks the fleet; a panic while it was held leaves a usable fleet, so poison is ignored.
pub fn lock(fleet: &SharedFleet) -> MutexGuard<'_, Fleet> {
    fleet
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

const INDEX: &str = "ripcord simulated fleet
GET    /metrics                  Prometheus metrics of every host
GET    /state                    hosts as JSON (name, version, up, upgraded)
POST   /control/{step}/{host}    backup | verify_backup | precheck | upgrade | verify | rollback | verify_rollback
POST   /fault/{scenario}         5xx | latency | boot | slow-burn | one-bad-host
DELETE /fault                    clear the fault
";

/// Answers one request.
pub fn route(fleet: &SharedFleet, request: &Request) -> Response {
    let now = Utc::now();
    let method = request.method.as_str();
    match (method, request.segments().as_slice()) {
        ("GET" | "HEAD", []) => Response::text(200, INDEX),
        ("GET" | "HEAD", ["metrics"]) => {
            let mut fleet = lock(fleet);
            fleet.advance(now);
            let text = exposition::render(&fleet, now);
            Response::new(200, exposition::CONTENT_TYPE, text)
        }
        ("GET" | "HEAD", ["state"]) => {
            let mut fleet = lock(fleet);
            fleet.advance(now);
            Response::json(200, &fleet.snapshot(now))
        }
        ("POST", ["control", step, host]) => {
            let op = match step.parse::<Operation>() {
                Ok(op) => op,
                Err(err) => return Response::text(400, err.to_string()),
            };
            match lock(fleet).control(op, host, now) {
                Ok(answer) if answer.ok => Response::text(200, answer.text),
                Ok(answer) => Response::text(500, answer.text),
                Err(err) => Response::text(404, err.to_string()),
            }
        }
        ("POST", ["fault", scenario]) => match scenario.parse::<Fault>() {
            Ok(fault) => {
                lock(fleet).inject(Some(fault), now);
                Response::text(200, format!("fault {fault} injected"))
            }
            Err(err) => Response::text(400, err.to_string()),
        },
        ("DELETE", ["fault"]) => {
            lock(fleet).inject(None, now);
            Response::text(200, "fault cleared")
        }
        (_, ["metrics" | "state"]) => not_allowed(method, "GET, HEAD"),
        (_, ["control", _, _] | ["fault", _]) => not_allowed(method, "POST"),
        (_, ["fault"]) => not_allowed(method, "DELETE"),
        _ => Response::text(404, format!("nothing at {}\n\n{INDEX}", request.path)),
    }
}

fn not_allowed(method: &str, allow: &str) -> Response {
    Response::text(
        405,
        format!("{method} is not allowed here (use {allow})\n\n{INDEX}"),
    )
    .with_header("Allow", allow)
}
