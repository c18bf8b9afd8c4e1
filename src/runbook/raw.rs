//! The runbook TOML exactly as written (DESIGN §9 key names), before any validation.
//!
//! Values that validation must judge and point at are kept as text or numbers inside
//! [`Spanned`], so a bad duration or an unknown risk gets its own line and column and every
//! problem is reported at once; serde only checks the TOML types here.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

pub use super::raw_watch::{RawAlert, RawPrometheus, RawScrape, RawWatch};

/// A value with its byte range in the runbook.
pub type S<T> = Spanned<T>;

/// A number or a text: `size = 25` or `size = "10%"`, `max_failed = 2` or `"10%"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum NumOrText {
    /// An integer.
    Num(i64),
    /// A text such as `"10%"` or `"rest"`.
    Text(String),
}

/// One text or a list of texts: `host_kind = "linux"` or `["linux", "database"]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One text.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The texts, in order.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// The whole runbook. Every section is optional here; validation says what is missing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRunbook {
    /// `[plan]`.
    pub plan: Option<S<RawPlan>>,
    /// `[policy]`.
    pub policy: Option<S<RawPolicy>>,
    /// `[fleet]`.
    pub fleet: Option<S<RawFleet>>,
    /// `[[wave]]`.
    #[serde(default)]
    pub wave: Vec<S<RawWave>>,
    /// `[steps.NAME]`.
    pub steps: Option<S<RawSteps>>,
    /// `[prometheus]`.
    pub prometheus: Option<S<RawPrometheus>>,
    /// `[scrape]`.
    pub scrape: Option<S<RawScrape>>,
    /// `[[watch]]`.
    #[serde(default)]
    pub watch: Vec<S<RawWatch>>,
    /// `[[alerts]]`.
    #[serde(default)]
    pub alerts: Vec<S<RawAlert>>,
    /// `[roles.NAME]`.
    pub roles: Option<S<RawRoles>>,
    /// `[[notify]]`.
    #[serde(default)]
    pub notify: Vec<S<RawNotify>>,
    /// `[contacts]`.
    pub contacts: Option<S<RawContacts>>,
    /// `[drill]`.
    pub drill: Option<S<RawDrill>>,
}

impl RawRunbook {
    /// Takes every section `other` has; used to assemble a runbook parsed section by section.
    pub fn absorb(&mut self, other: RawRunbook) {
        fn take<T>(mine: &mut Option<T>, theirs: Option<T>) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        take(&mut self.plan, other.plan);
        take(&mut self.policy, other.policy);
        take(&mut self.fleet, other.fleet);
        take(&mut self.steps, other.steps);
        take(&mut self.prometheus, other.prometheus);
        take(&mut self.scrape, other.scrape);
        take(&mut self.roles, other.roles);
        take(&mut self.contacts, other.contacts);
        take(&mut self.drill, other.drill);
        self.wave.extend(other.wave);
        self.watch.extend(other.watch);
        self.alerts.extend(other.alerts);
        self.notify.extend(other.notify);
    }
}

/// `[plan]`: what the change is and its targets.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    /// Human name of the upgrade.
    pub name: Option<S<String>>,
    /// high | medium | low.
    pub risk: Option<S<String>>,
    /// production | staging | test.
    pub environment: Option<S<String>>,
    /// One host kind or a list (`host_kinds` is accepted too).
    #[serde(alias = "host_kinds")]
    pub host_kind: Option<S<OneOrMany>>,
    /// patch | kernel | major-version | runtime | middleware.
    pub upgrade_kind: Option<S<String>>,
    /// Duration text.
    pub downtime_budget: Option<S<String>>,
    /// Duration text.
    pub rollback_start_within: Option<S<String>>,
    /// Duration text.
    pub restore_within: Option<S<String>>,
    /// Duration text.
    pub status_update_every: Option<S<String>>,
    /// A TOML date: `reviewed = 2026-10-01`.
    pub reviewed: Option<S<Datetime>>,
}

/// `[policy]`: overrides of the risk row.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// Failures allowed in the whole run.
    pub max_failed_total: Option<S<i64>>,
    /// Default failures allowed per wave: a count or `"10%"`.
    pub max_failed: Option<S<NumOrText>>,
    /// commander | auto.
    pub approve_waves: Option<S<String>>,
    /// pause | rollback-wave | rollback-hosts.
    pub on_breach: Option<S<String>>,
    /// pause-run | pause-wave | rollback-host.
    pub on_host_failure: Option<S<String>>,
    /// commander | technician.
    pub rollback_confirm: Option<S<String>>,
    /// all | none | `"10%"`.
    pub reverify: Option<S<String>>,
    /// Duration text.
    pub soak: Option<S<String>>,
    /// Hosts in flight at once.
    pub parallel: Option<S<i64>>,
    /// verified-restore | required | snapshot.
    pub backups: Option<S<String>>,
}

/// `[fleet]`: the hosts, inline or from a file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFleet {
    /// `"name key=value ..."` entries.
    pub hosts: Option<S<Vec<S<String>>>>,
    /// A file of `name key=value ...` lines, relative to the runbook.
    pub hosts_file: Option<S<String>>,
    /// An Ansible inventory (for the Ansible executor; carried, not read here).
    pub ansible_inventory: Option<S<String>>,
    /// An Ansible host pattern within that inventory.
    pub pattern: Option<S<String>>,
}

/// `[[wave]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWave {
    /// Display name.
    pub name: Option<S<String>>,
    /// `"10%"`, `25` or `"rest"`.
    pub size: Option<S<NumOrText>>,
    /// Label selector: `{ group = "canary" }`.
    pub select: Option<S<BTreeMap<String, String>>>,
    /// Duration text.
    pub soak: Option<S<String>>,
    /// A count or `"10%"` of the wave.
    pub max_failed: Option<S<NumOrText>>,
    /// Hosts in flight at once.
    pub parallel: Option<S<i64>>,
    /// commander | auto.
    pub approval: Option<S<String>>,
}

/// `[steps]`: one table per standard step.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSteps {
    /// `[steps.backup]`.
    pub backup: Option<S<RawStep>>,
    /// `[steps.verify_backup]`.
    pub verify_backup: Option<S<RawStep>>,
    /// `[steps.precheck]`.
    pub precheck: Option<S<RawStep>>,
    /// `[steps.upgrade]`.
    pub upgrade: Option<S<RawStep>>,
    /// `[steps.verify]`.
    pub verify: Option<S<RawStep>>,
    /// `[steps.rollback]`.
    pub rollback: Option<S<RawStep>>,
    /// `[steps.verify_rollback]`.
    pub verify_rollback: Option<S<RawStep>>,
}

/// `[steps.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// argv with placeholders.
    pub run: Option<S<Vec<S<String>>>>,
    /// Duration text.
    pub timeout: Option<S<String>>,
    /// host | wave.
    pub per: Option<S<String>>,
    /// Extra environment.
    pub env: Option<BTreeMap<String, S<String>>>,
    /// Run `run[0]` through `sh -c`.
    pub shell: Option<S<bool>>,
    /// The explicit acknowledgement `shell = true` needs.
    pub shell_acknowledged: Option<S<bool>>,
    /// command | ansible.
    pub kind: Option<S<String>>,
    /// Ansible playbook.
    pub playbook: Option<S<String>>,
    /// Ansible inventory.
    pub inventory: Option<S<String>>,
    /// Ansible `--extra-vars`.
    pub extra_vars: Option<BTreeMap<String, S<String>>>,
    /// Ansible `--tags`.
    pub tags: Option<Vec<String>>,
    /// Ansible `--forks`.
    pub forks: Option<S<i64>>,
}

/// `[roles]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoles {
    /// `[roles.commander]`.
    pub commander: Option<S<RawRole>>,
    /// `[roles.technician]`.
    pub technician: Option<S<RawRole>>,
    /// `[roles.impact]`.
    pub impact: Option<S<RawRole>>,
    /// `[roles.communicator]`.
    pub communicator: Option<S<RawRole>>,
}

/// `[roles.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    /// Checklist items.
    pub checklist: Option<Vec<S<RawItem>>>,
}

/// A checklist item: a text, or `{ text = "...", phase = "each-wave" }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawItem {
    /// Just the text; due before wave 1.
    Text(String),
    /// Text and phase.
    Full(RawItemTable),
}

/// `{ text = "...", phase = "..." }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItemTable {
    /// What to do.
    pub text: String,
    /// before | each-wave | on-fault | after.
    pub phase: Option<String>,
}

/// `[[notify]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotify {
    /// Channel name.
    pub name: Option<S<String>>,
    /// slack | webhook | wecom | dingtalk | command | email.
    pub kind: Option<S<String>>,
    /// Refused: a webhook URL is a secret (use `url_env` / `url_file`).
    pub url: Option<S<String>>,
    /// Env var with the URL.
    pub url_env: Option<S<String>>,
    /// File with the URL.
    pub url_file: Option<S<String>>,
    /// Env var with a signing secret.
    pub secret_env: Option<S<String>>,
    /// argv for `command`.
    pub command: Option<S<Vec<S<String>>>>,
    /// SMTP relay.
    pub smtp: Option<S<String>>,
    /// Recipients.
    pub to: Option<Vec<S<String>>>,
    /// Sender.
    pub from: Option<S<String>>,
    /// Event kinds.
    pub on: Option<Vec<S<String>>>,
    /// minor | functional | severe.
    pub min_severity: Option<S<String>>,
    /// internal | external.
    pub audience: Option<S<String>>,
    /// Template overrides by event kind.
    pub templates: Option<BTreeMap<String, S<String>>>,
}

/// `[contacts]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContacts {
    /// Vendor support line.
    pub vendor_support: Option<String>,
    /// Escalation path.
    pub escalation: Option<String>,
    /// How traffic is switched away.
    pub traffic_switch: Option<String>,
}

/// `[drill]`: the fault a rehearsal of this plan injects, and when.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDrill {
    /// Scenario name.
    pub fault: Option<S<String>>,
    /// 1-based wave whose start injects it.
    pub wave: Option<S<i64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_values_and_untagged_values_keep_them() {
        let text = "[plan]\nname = \"x\"\nhost_kinds = [\"linux\", \"database\"]\nreviewed = 2026-10-01\n\n[[wave]]\nsize = \"10%\"\n\n[[wave]]\nsize = 25\n";
        let raw: RawRunbook = toml::from_str(text).unwrap();
        let plan = raw.plan.unwrap().into_inner();
        let name = plan.name.unwrap();
        assert_eq!(&text[name.span()], "\"x\"");
        assert_eq!(
            plan.host_kind.unwrap().into_inner().to_vec(),
            vec!["linux", "database"]
        );
        assert_eq!(
            plan.reviewed.unwrap().into_inner().to_string(),
            "2026-10-01"
        );
        let size = raw.wave[1].get_ref().size.clone().unwrap();
        assert_eq!(size.get_ref(), &NumOrText::Num(25));
        assert_eq!(&text[size.span()], "25");
        assert_eq!(&text[raw.wave[0].span()], "[[wave]]");
    }

    #[test]
    fn checklist_items_are_texts_or_tables() {
        let text =
            "[roles.commander]\nchecklist = [\"a\", { text = \"b\", phase = \"each-wave\" }]\n";
        let raw: RawRunbook = toml::from_str(text).unwrap();
        let items = raw
            .roles
            .unwrap()
            .into_inner()
            .commander
            .unwrap()
            .into_inner()
            .checklist
            .unwrap();
        assert_eq!(items[0].get_ref(), &RawItem::Text("a".into()));
        assert_eq!(
            items[1].get_ref(),
            &RawItem::Full(RawItemTable {
                text: "b".into(),
                phase: Some("each-wave".into())
            })
        );
    }
}
