//! The shipped message templates, per event kind and audience. The first line of a rendered
//! message is its title (Slack header, DingTalk title, email subject).
//!
//! Internal messages say who or what caused the event and why (the rule, value, threshold, or
//! the person), and where the run stands. External ones never name hosts (the scrubber enforces
//! it too) and promise no resolution time (there is none in their context).

/// Kind key used when no template exists for the event's kind.
pub const GENERIC: &str = "_";

/// Internal templates: `(kind, source)`.
pub const INTERNAL: &[(&str, &str)] = &[
    (
        GENERIC,
        "[{{ run.plan }}] {{ line }}
{% if severity %}Fault level: {{ severity }}.
{% endif %}By {{ by }} at {{ at }}.
Where it stands: {{ status.stands }}; {{ status.doing }}.",
    ),
    (
        "run_started",
        "[{{ run.plan }}] Run {{ run.id }} started by {{ by }}
{{ run.hosts.total }} hosts in {{ run.waves }} waves, {{ run.risk }} risk, {{ run.environment }}, {{ run.upgrade_kind }}.
Next update: {{ status.next_update }}.",
    ),
    (
        "wave_completed",
        "[{{ run.plan }}] {{ line }}
Where it stands: {{ status.stands }}.
Next: {{ status.doing }}.",
    ),
    (
        "rule_breached",
        "[{{ run.plan }}] {{ rule.name }}: {{ rule.state }}{% if rule.host %} on {{ rule.host }}{% endif %}{% if severity %} ({{ severity }} fault){% endif %}
Value {{ rule.value }}{% if rule.series %} {{ rule.series }}{% endif %} against threshold {{ rule.threshold }}{% if rule.baseline %} (baseline {{ rule.baseline }}){% endif %}, held for {{ rule.for }}.
Query: {{ rule.query }}
Where it stands: {{ status.stands }}; {{ status.doing }}.",
    ),
    (
        "rule_cleared",
        "[{{ run.plan }}] {{ rule.name }} back to ok{% if rule.host %} on {{ rule.host }}{% endif %}
Value {{ rule.value }} against threshold {{ rule.threshold }}.
Where it stands: {{ status.stands }}; {{ status.doing }}.",
    ),
    (
        "no_data",
        "[{{ run.plan }}] {{ rule.name }}: {{ rule.state }}{% if rule.error %} ({{ rule.error }}){% endif %}
The rule cannot see its metric; no new host starts while it is blind (unless the plan says otherwise).
Query: {{ rule.query }}
Where it stands: {{ status.stands }}; {{ status.doing }}.",
    ),
    (
        "fault_declared",
        "[{{ run.plan }}] {{ severity|upper }} fault declared by {{ by }}
Reason: {{ event.reason }}
Where it stands: {{ status.stands }}; {{ status.doing }}.
{%- if severity == \"severe\" %}
{%- if contacts.traffic_switch %}
Traffic switch: {{ contacts.traffic_switch }}
{%- endif %}
{%- if contacts.vendor_support %}
Vendor support: {{ contacts.vendor_support }}
{%- endif %}
{%- if contacts.escalation %}
Escalation: {{ contacts.escalation }}
{%- endif %}
{%- endif %}",
    ),
    (
        "rollback_requested",
        "[{{ run.plan }}] {{ line }}
Asked by {{ by }} at {{ at }}{% if severity %}; fault level {{ severity }}{% endif %}.
Where it stands: {{ status.stands }}; {{ status.doing }}.",
    ),
    (
        "rollback_started",
        "[{{ run.plan }}] {{ line }}
Started by {{ by }} at {{ at }}{% if severity %}; fault level {{ severity }}{% endif %}.
Where it stands: {{ status.stands }}.",
    ),
    (
        "rollback_completed",
        "[{{ run.plan }}] {{ line }}
Where it stands: {{ status.stands }}; {{ status.doing }}.
Impact: {{ status.impact }}.",
    ),
    (
        "run_completed",
        "[{{ run.plan }}] Run {{ run.id }} completed
{{ status.stands }}.
Impact: {{ status.impact }}.",
    ),
    (
        "run_halted",
        "[{{ run.plan }}] Run {{ run.id }} halted: {{ event.reason }}
It needs a decision; {{ status.doing }}.
Where it stands: {{ status.stands }}.",
    ),
    (
        "status_update",
        "[{{ run.plan }}] Status update {{ at }}
Where it stands: {{ status.stands }}.
What changed: {{ status.changed }}.
{%- for line in status.changes %}
  - {{ line }}
{%- endfor %}
Impact: {{ status.impact }}.
What is being done: {{ status.doing }}.
Next update: {{ status.next_update }}.",
    ),
];

/// External templates: `(kind, source)`.
pub const EXTERNAL: &[(&str, &str)] = &[
    (
        GENERIC,
        "Maintenance update: {{ run.plan }}
Where we stand: {{ status.stands }}.
What we are doing: {{ status.doing }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "run_started",
        "Planned maintenance started: {{ run.plan }}
We are upgrading the service in {{ run.waves }} stages and checking it closely after each one.
Impact: {{ status.impact }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "wave_completed",
        "Maintenance progress: {{ run.plan }}
Stage {{ wave }} of {{ run.waves }} is complete. Where we stand: {{ status.stands }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "rule_breached",
        "Service issue during maintenance: {{ run.plan }}
We detected {{ rule.name }} outside its normal range; {{ status.doing }}.
Impact: {{ status.impact }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "fault_declared",
        "Service issue during maintenance: {{ run.plan }}
We found a problem during the maintenance; {{ status.doing }}.
Impact: {{ status.impact }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "rollback_started",
        "Reverting the change: {{ run.plan }}
To protect the service we are reverting the change made during the maintenance.
Impact: {{ status.impact }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "rollback_completed",
        "Change reverted: {{ run.plan }}
The change has been reverted; we are verifying that the service works normally.
Impact: {{ status.impact }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "run_completed",
        "Maintenance complete: {{ run.plan }}
The planned maintenance has finished. Where we stand: {{ status.stands }}.",
    ),
    (
        "paused",
        "Maintenance paused: {{ run.plan }}
What we are doing: {{ status.doing }}.
Impact: {{ status.impact }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "run_halted",
        "Maintenance paused: {{ run.plan }}
What we are doing: {{ status.doing }}.
Impact: {{ status.impact }}.
Next update by {{ status.next_update }}.",
    ),
    (
        "status_update",
        "Status update: {{ run.plan }}
Where we stand: {{ status.stands }}.
What changed: {{ status.changed }}.
Impact: {{ status.impact }}.
What we are doing: {{ status.doing }}.
Next update by {{ status.next_update }}.",
    ),
];
