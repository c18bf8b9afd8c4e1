//! The standard host steps (backup, precheck, upgrade, verify, rollback ...) as the simulated
//! fleet answers them: what a real host's automation would do and say.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::model::{Fleet, Host, Power, millis};

/// A host step the simulator's control endpoint understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Take a snapshot of the host.
    Backup,
    /// Check that the host's snapshot restores.
    VerifyBackup,
    /// Dependent services up, kernel modules compatible, cron paused, logins locked.
    Precheck,
    /// Install the new version and reboot into it.
    Upgrade,
    /// Boot log, service status and a smoke test on the new version.
    Verify,
    /// Reboot into the old version.
    Rollback,
    /// The same checks as verify, on the old version.
    VerifyRollback,
}

impl Operation {
    /// Every operation, in step order.
    pub const ALL: [Operation; 7] = [
        Operation::Backup,
        Operation::VerifyBackup,
        Operation::Precheck,
        Operation::Upgrade,
        Operation::Verify,
        Operation::Rollback,
        Operation::VerifyRollback,
    ];

    /// The name in the control URL (`/control/verify_backup/web-001`).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Backup => "backup",
            Operation::VerifyBackup => "verify_backup",
            Operation::Precheck => "precheck",
            Operation::Upgrade => "upgrade",
            Operation::Verify => "verify",
            Operation::Rollback => "rollback",
            Operation::VerifyRollback => "verify_rollback",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An operation name the simulator does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown host step `{0}`: use one of backup, verify_backup, precheck, upgrade, verify, rollback, verify_rollback"
)]
pub struct UnknownOperation(pub String);

impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Operation::ALL
            .into_iter()
            .find(|op| op.name() == wanted)
            .ok_or_else(|| UnknownOperation(s.to_string()))
    }
}

/// The answer of a host step: success or failure, and a short text for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Whether the step succeeded.
    pub ok: bool,
    /// What happened, or why it failed.
    pub text: String,
}

impl Answer {
    fn ok(text: String) -> Answer {
        Answer { ok: true, text }
    }

    fn failed(text: String) -> Answer {
        Answer { ok: false, text }
    }
}

/// A host name that is not in the simulated fleet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no host `{name}` in the simulated fleet (it has {count} hosts, web-001 to {last})")]
pub struct UnknownHost {
    /// The name asked for.
    pub name: String,
    /// How many hosts the fleet has.
    pub count: usize,
    /// The last host's name.
    pub last: String,
}

impl Fleet {
    /// Runs a host step at `now`, as the host's automation would.
    pub fn control(
        &mut self,
        op: Operation,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Answer, UnknownHost> {
        self.advance(now);
        let Some(index) = self.hosts.iter().position(|h| h.name == name) else {
            return Err(UnknownHost {
                name: name.to_string(),
                count: self.hosts.len(),
                last: self
                    .hosts
                    .last()
                    .map_or_else(String::new, |h| h.name.clone()),
            });
        };
        let now_ms = millis(now);
        let old = self.config.old_version.clone();
        let new = self.config.new_version.clone();
        let host = &self.hosts[index];
        let answer = match op {
            Operation::Backup => {
                let text = format!("{name}: snapshot {name}-{} taken", host.version);
                self.hosts[index].backed_up = true;
                Answer::ok(text)
            }
            Operation::VerifyBackup if host.backed_up => Answer::ok(format!(
                "{name}: snapshot restored to a scratch volume and checked"
            )),
            Operation::VerifyBackup => {
                Answer::failed(format!("{name}: no backup found; run backup first"))
            }
            Operation::Precheck => match not_up(host, now_ms) {
                Some(reason) => Answer::failed(format!("{reason}: precheck needs the host up")),
                None => Answer::ok(format!(
                    "{name}: dependent services up, kernel modules fit {new}, cron paused, logins locked"
                )),
            },
            Operation::Upgrade => self.reboot(index, &new, now_ms),
            Operation::Rollback => self.reboot(index, &old, now_ms),
            Operation::Verify => self.verify(index, &new, now),
            Operation::VerifyRollback => self.verify(index, &old, now),
        };
        Ok(answer)
    }

    /// Upgrade or rollback: reboot into `version` unless the host already runs it.
    fn reboot(&mut self, index: usize, version: &str, now_ms: i64) -> Answer {
        let host = &self.hosts[index];
        let name = host.name.clone();
        if let Power::Restarting { until_ms } = host.power
            && now_ms < until_ms
        {
            let secs = (until_ms - now_ms) as f64 / 1000.0;
            return Answer::failed(format!(
                "{name} is rebooting (back in about {secs:.0}s); try again when it is up"
            ));
        }
        if host.version == version && host.is_up_at(now_ms) {
            return Answer::ok(format!("{name} already runs {version}; nothing to do"));
        }
        let was = host.version.clone();
        let upgrading = version == self.config.new_version;
        let comes_back = !(upgrading && self.fault().is_some_and(|f| f.fails_boot(host.number)));
        if upgrading && host.upgrade_rank.is_none() {
            self.upgrades += 1;
            self.hosts[index].upgrade_rank = Some(self.upgrades);
        }
        let restart = self.config.restart;
        self.hosts[index].reboot(version, now_ms, restart, comes_back);
        let verb = if upgrading {
            "installed"
        } else {
            "rolled back to"
        };
        Answer::ok(format!("{name}: {verb} {version} (was {was}), rebooting"))
    }

    /// Verify or verify_rollback: up, on `version`, and a smoke test that mostly succeeds.
    fn verify(&self, index: usize, version: &str, now: DateTime<Utc>) -> Answer {
        let host = &self.hosts[index];
        let name = &host.name;
        if let Some(reason) = not_up(host, millis(now)) {
            return Answer::failed(reason);
        }
        if host.version != version {
            return Answer::failed(format!("{name} runs {}, expected {version}", host.version));
        }
        let ratio = self.steady_error_ratio(host, now).unwrap_or(1.0);
        let limit = self.config.verify_max_error_ratio;
        if ratio > limit {
            return Answer::failed(format!(
                "{name}: smoke test failed, {:.1}% of requests answered with errors (limit {:.1}%)",
                ratio * 100.0,
                limit * 100.0
            ));
        }
        Answer::ok(format!(
            "{name}: up on {version}, services running, smoke test passed ({:.1}% errors)",
            ratio * 100.0
        ))
    }
}

/// Why a host is not answering at `now_ms`, or `None` when it is up.
fn not_up(host: &Host, now_ms: i64) -> Option<String> {
    let name = &host.name;
    match host.power {
        _ if host.is_up_at(now_ms) => None,
        Power::Restarting { until_ms } => Some(format!(
            "{name} is still rebooting (back in about {:.0}s)",
            (until_ms - now_ms) as f64 / 1000.0
        )),
        Power::Down | Power::Up { .. } => Some(format!(
            "{name} is down: it did not come back from its last reboot"
        )),
    }
}
