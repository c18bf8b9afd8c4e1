//! The blameless review: sections for people to fill in, seeded with pointers from the journal.

use super::Ctx;
use super::clock::hms;
use super::doc::{Block, Doc, Inline, text};

/// Root cause, trigger, what went well / badly, luck, action items and plan changes.
pub fn review(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Review (blameless)");
    doc.p("Describe what happened and why the system allowed it, not who is to blame. The sections below are for the review meeting to fill in.");
    doc.h(3, "Root cause");
    doc.push(Block::FillIn(
        "What made the upgrade fail? Which condition in the system made it possible?".into(),
    ));
    doc.h(3, "Trigger");
    if let Some(d) = &c.k.detected {
        doc.push(Block::Para(vec![
            Inline::Text("The journal's first sign: ".into()),
            Inline::Strong(c.redact(&d.how)),
            Inline::Text(format!(" at {} (#{}).", hms(d.at), d.seq)),
        ]));
    }
    doc.push(Block::FillIn("What set the fault off, and when?".into()));
    doc.h(3, "What went well");
    doc.push(Block::FillIn(
        "Which gates, checks, people or tools helped?".into(),
    ));
    doc.h(3, "What went badly");
    doc.push(Block::FillIn(
        "What slowed detection, acknowledgement or recovery? Which target was missed, and why?"
            .into(),
    ));
    doc.h(3, "Where we got lucky");
    doc.push(Block::FillIn(
        "What could have made this worse and did not?".into(),
    ));
    doc.h(3, "Action items");
    doc.push(Block::Table(
        ["Action", "Owner", "Due date", "Tracking"]
            .map(String::from)
            .to_vec(),
        vec![vec![text(" "), text(" "), text(" "), text(" ")]; 3],
    ));
    doc.h(3, "Plan changes");
    doc.push(Block::FillIn(
        "What should change in the runbook (waves, soak, rules, thresholds, checklists, targets)?"
            .into(),
    ));
    let reviewed = c.reviewed.map_or_else(
        || "its current date could not be read (the runbook was not found)".to_string(),
        |d| format!("it is now {d}"),
    );
    doc.push(Block::Para(vec![
        Inline::Text("When the plan has been reviewed, set ".into()),
        Inline::Code("reviewed".into()),
        Inline::Text(" in ".into()),
        Inline::Code(c.state.runbook.clone()),
        Inline::Text(format!(" to the review's date ({reviewed}); ")),
        Inline::Code("ripcord check".into()),
        Inline::Text(" warns once it is older than 90 days.".into()),
    ]));
}
