//! Step argv templates: `{host}`, `{hosts}`, `{wave}`, `{run}`, `{step}` expand inside one
//! argument and never split it (DESIGN §3 rule 6); host names are checked first.

use thiserror::Error;

use crate::runbook::StepName;

/// The placeholders a step's argv may use.
pub const PLACEHOLDERS: [&str; 5] = ["host", "hosts", "wave", "run", "step"];

/// Values for the placeholders of one step process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vars {
    /// Run id (`{run}`).
    pub run: String,
    /// 1-based wave number (`{wave}`).
    pub wave: usize,
    /// The step (`{step}`, its snake_case name).
    pub step: StepName,
    /// The host of a per-host step (`{host}`); `None` for a per-wave step.
    pub host: Option<String>,
    /// The hosts the process acts on (`{hosts}`, comma-joined).
    pub hosts: Vec<String>,
}

/// Why a step's argv could not be expanded. Messages name the argument and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExpandError {
    /// The step has no argv at all.
    #[error(
        "the step has an empty command: give at least the program, e.g. run = [\"./scripts/upgrade.sh\", \"{{host}}\"]"
    )]
    Empty,
    /// `{name}` is not a known placeholder.
    #[error(
        "unknown placeholder {{{name}}} in argument \"{arg}\": known are {{host}}, {{hosts}}, {{wave}}, {{run}}, {{step}}; write {{{{ and }}}} for literal braces"
    )]
    Unknown {
        /// The placeholder's name.
        name: String,
        /// The argument it appeared in.
        arg: String,
    },
    /// `{host}` in a step that runs once per wave.
    #[error(
        "placeholder {{host}} in argument \"{arg}\" only works in a per = \"host\" step; a per = \"wave\" step acts on several hosts: use {{hosts}}"
    )]
    HostInWaveStep {
        /// The argument it appeared in.
        arg: String,
    },
    /// A `{` without its `}`.
    #[error(
        "unclosed \"{{\" in argument \"{arg}\": close the placeholder, or write {{{{ for a literal brace"
    )]
    Unclosed {
        /// The argument.
        arg: String,
    },
    /// A lone `}`.
    #[error("stray \"}}\" in argument \"{arg}\": write }}}} for a literal brace")]
    StrayClose {
        /// The argument.
        arg: String,
    },
    /// A host name with characters that could be read as something else.
    #[error(
        "host name \"{host}\" refused: a host name may only hold letters, digits, '.', '_', ':' and '-', and may not start with '-'"
    )]
    BadHost {
        /// The refused name (as given).
        host: String,
    },
}

/// True when `name` is safe to hand to a step: non-empty, only `[A-Za-z0-9._:-]`, and not
/// starting with `-` (which a program would read as an option).
pub fn valid_host_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Checks every host named in `vars`.
pub fn check_hosts(vars: &Vars) -> Result<(), ExpandError> {
    match vars
        .host
        .iter()
        .chain(&vars.hosts)
        .find(|h| !valid_host_name(h))
    {
        Some(bad) => Err(ExpandError::BadHost { host: bad.clone() }),
        None => Ok(()),
    }
}

/// Expands the placeholders of every argument. Each input argument gives exactly one output
/// argument, whatever the values hold: `--limit={hosts}` stays one argument.
pub fn expand_argv(argv: &[String], vars: &Vars) -> Result<Vec<String>, ExpandError> {
    if argv.is_empty() {
        return Err(ExpandError::Empty);
    }
    check_hosts(vars)?;
    argv.iter().map(|arg| expand_arg(arg, vars)).collect()
}

/// Expands one argument.
fn expand_arg(arg: &str, vars: &Vars) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if tail.starts_with('}') {
            return Err(ExpandError::StrayClose {
                arg: arg.to_owned(),
            });
        } else {
            let Some(close) = tail.find('}') else {
                return Err(ExpandError::Unclosed {
                    arg: arg.to_owned(),
                });
            };
            let name = &tail[1..close];
            out.push_str(&value_of(name, arg, vars)?);
            rest = &tail[close + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn value_of(name: &str, arg: &str, vars: &Vars) -> Result<String, ExpandError> {
    Ok(match name {
        "host" => match &vars.host {
            Some(h) => h.clone(),
            None => {
                return Err(ExpandError::HostInWaveStep {
                    arg: arg.to_owned(),
                });
            }
        },
        "hosts" => vars.hosts.join(","),
        "wave" => vars.wave.to_string(),
        "run" => vars.run.clone(),
        "step" => vars.step.as_str().to_owned(),
        _ => {
            return Err(ExpandError::Unknown {
                name: name.to_owned(),
                arg: arg.to_owned(),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(host: Option<&str>, hosts: &[&str]) -> Vars {
        Vars {
            run: "r-20261124 a b".into(),
            wave: 2,
            step: StepName::VerifyBackup,
            host: host.map(str::to_owned),
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
        }
    }

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn placeholders_expand_inside_one_argument() {
        let v = vars(Some("web-001"), &["web-001"]);
        let out = expand_argv(
            &argv(&[
                "./x.sh",
                "{host}",
                "--run={run}",
                "w{wave}/{step}",
                "--limit={hosts}",
            ]),
            &v,
        );
        assert_eq!(
            out,
            Ok(argv(&[
                "./x.sh",
                "web-001",
                "--run=r-20261124 a b",
                "w2/verify_backup",
                "--limit=web-001"
            ]))
        );
    }

    #[test]
    fn hosts_join_with_commas_and_stay_one_argument() {
        let v = vars(None, &["a-1", "b.2", "c:3"]);
        let out = expand_argv(&argv(&["pb", "--limit", "{hosts}"]), &v);
        assert_eq!(out, Ok(argv(&["pb", "--limit", "a-1,b.2,c:3"])));
    }

    #[test]
    fn doubled_braces_are_literal() {
        let v = vars(Some("h1"), &["h1"]);
        let out = expand_argv(&argv(&["echo", "{{\"host\": \"{host}\"}}", "}}{{"]), &v);
        assert_eq!(out, Ok(argv(&["echo", "{\"host\": \"h1\"}", "}{"])));
    }

    #[test]
    fn unknown_placeholder_is_named() {
        let v = vars(Some("h1"), &["h1"]);
        let err = expand_argv(&argv(&["x", "--zone={zone}"]), &v);
        assert_eq!(
            err,
            Err(ExpandError::Unknown {
                name: "zone".into(),
                arg: "--zone={zone}".into()
            })
        );
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("{zone}") && msg.contains("{hosts}"), "{msg}");
    }

    #[test]
    fn host_in_a_wave_step_is_an_error() {
        let err = expand_argv(&argv(&["x", "{host}"]), &vars(None, &["a", "b"]));
        assert_eq!(
            err,
            Err(ExpandError::HostInWaveStep {
                arg: "{host}".into()
            })
        );
    }

    #[test]
    fn unbalanced_braces_are_errors() {
        let v = vars(Some("h"), &["h"]);
        assert!(matches!(
            expand_argv(&argv(&["x{host"]), &v),
            Err(ExpandError::Unclosed { .. })
        ));
        assert!(matches!(
            expand_argv(&argv(&["x}"]), &v),
            Err(ExpandError::StrayClose { .. })
        ));
        assert_eq!(expand_argv(&[], &v), Err(ExpandError::Empty));
    }

    #[test]
    fn bad_host_names_are_refused_before_expansion() {
        for bad in [
            "",
            "web 1",
            "a;rm -rf /",
            "-rf",
            "h$(id)",
            "ü",
            "a/b",
            "a\nb",
        ] {
            assert!(!valid_host_name(bad), "{bad:?}");
            let err = expand_argv(&argv(&["x"]), &vars(Some(bad), &[bad]));
            assert_eq!(err, Err(ExpandError::BadHost { host: bad.into() }));
        }
        for good in [
            "web-001",
            "db_1.eu-west.example.com",
            "10.0.0.1",
            "fe80::1",
            "a-",
        ] {
            assert!(valid_host_name(good), "{good}");
        }
    }
}
