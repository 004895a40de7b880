//! Plain-text printer: aligned tables for the terminal.

use std::io::{self, Write};

use super::{ReportView, Table};

/// How many items the "moved it most" table lists.
const TOP_ITEMS: usize = 10;

pub(crate) fn write(view: &ReportView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", view.model.title)?;
    if let Some(q) = &view.model.question {
        writeln!(out, "Question: {q}")?;
    }
    if let Some(d) = &view.model.as_of {
        writeln!(out, "As of: {d}")?;
    }
    writeln!(out)?;
    writeln!(out, "Hypotheses")?;
    for h in &view.hypotheses {
        writeln!(out, "  {}: {}", h.id, h.title)?;
    }
    writeln!(out)?;

    let mut t = Table::new(&[
        "Hypothesis",
        "Prior",
        "Posterior",
        "ICD 203",
        "Δ log-odds (dB)",
    ])
    .right_align([1, 2, 4]);
    for h in &view.hypotheses {
        t.row(vec![
            h.id.clone(),
            format!("{:.4}", h.prior),
            format!("{:.4}", h.posterior),
            h.icd203.clone(),
            h.delta_log_odds_db
                .map_or_else(|| "n/a".to_string(), |d| format!("{d:+.2}")),
        ]);
    }
    t.write(out, "")?;
    if let Some(lead) = view.hypotheses.iter().find(|h| h.id == view.leading) {
        writeln!(
            out,
            "\nLeading: {} at {:.4} ({}).",
            lead.id, lead.posterior, lead.icd203
        )?;
    }

    write_groups(view, out)?;

    let mut ranked: Vec<_> = view
        .evidence
        .iter()
        .filter(|e| e.enabled && e.diagnostic)
        .collect();
    ranked.sort_by(|a, b| {
        let sa = a.strength_db.unwrap_or(f64::INFINITY);
        let sb = b.strength_db.unwrap_or(f64::INFINITY);
        sb.total_cmp(&sa).then_with(|| a.id.cmp(&b.id))
    });
    writeln!(out)?;
    writeln!(out, "Evidence that moved it most")?;
    writeln!(
        out,
        "(weight of evidence: 10 log10 of the likelihood ratio of the item's reports, in decibans, each\n hypothesis against the rest; effect: the leading posterior with the item minus without it)"
    )?;
    let leader = view
        .hypotheses
        .iter()
        .position(|h| h.id == view.leading)
        .unwrap_or(0);
    let effect_header = format!("effect on P({})", view.leading);
    let mut header: Vec<&str> = vec!["Item"];
    header.extend(view.hypotheses.iter().map(|h| h.id.as_str()));
    header.push(&effect_header);
    let mut t = Table::new(&header).right_align(1..=view.hypotheses.len() + 1);
    for e in ranked.iter().take(TOP_ITEMS) {
        let mut row = vec![e.id.clone()];
        row.extend(e.weight_of_evidence_db.iter().map(|w| match w {
            Some(w) => format!("{w:+.2}"),
            None => "rules out/in".to_string(),
        }));
        row.push(
            e.effect
                .as_ref()
                .and_then(|x| x.get(leader))
                .map_or_else(|| "n/a".to_string(), |d| format!("{d:+.4}")),
        );
        t.row(row);
    }
    if t.is_empty() {
        writeln!(out, "  (no item moved the posterior)")?;
    } else {
        t.write(out, "  ")?;
    }
    if ranked.len() > TOP_ITEMS {
        writeln!(
            out,
            "  ... and {} more diagnostic items (--format json lists all)",
            ranked.len() - TOP_ITEMS
        )?;
    }
    let flat: Vec<&str> = view
        .evidence
        .iter()
        .filter(|e| e.enabled && !e.diagnostic)
        .map(|e| e.id.as_str())
        .collect();
    if !flat.is_empty() {
        writeln!(
            out,
            "  Not diagnostic (equally expected under every hypothesis): {}",
            flat.join(", ")
        )?;
    }
    let disabled: Vec<&str> = view
        .evidence
        .iter()
        .filter(|e| !e.enabled)
        .map(|e| e.id.as_str())
        .collect();
    if !disabled.is_empty() {
        writeln!(out, "  Disabled: {}", disabled.join(", "))?;
    }

    writeln!(out)?;
    writeln!(out, "Reports and independent origins")?;
    for e in &view.evidence {
        if e.established {
            writeln!(out, "  {}: no reports; taken as established", e.id)?;
            continue;
        }
        let mut line = format!(
            "  {}: {} report{}, {} independent origin{}",
            e.id,
            e.reports,
            plural(e.reports),
            e.origins,
            plural(e.origins)
        );
        if e.partly_dependent > 0 {
            line.push_str(&format!(" (+{} partly dependent)", e.partly_dependent));
        }
        if !e.origin_reports.is_empty() && e.reports > e.origins {
            line.push_str(&format!(" [{}]", e.origin_reports.join(", ")));
        }
        writeln!(out, "{line}")?;
    }

    write_ledger(view, out)?;

    let learned: Vec<_> = view
        .sources
        .iter()
        .filter_map(|s| s.learned.as_ref().map(|l| (s, l)))
        .collect();
    if !learned.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "What the evidence says of uncertain sources (mean reliability)"
        )?;
        let mut t = Table::new(&["Source", "Written", "Prior", "Posterior", "Change"])
            .right_align([2, 3, 4]);
        for (s, l) in learned {
            t.row(vec![
                s.id.clone(),
                s.reliability.clone(),
                format!("{:.4}", l.prior_mean),
                format!("{:.4}", l.posterior_mean),
                format!("{:+.4}", l.posterior_mean - l.prior_mean),
            ]);
        }
        t.write(out, "  ")?;
    }
    Ok(())
}

/// The origin ledger (kept apart so the move to rendering the report's
/// `Doc` can drop it whole; the Doc's note explains the apportioning).
fn write_ledger(view: &ReportView, out: &mut dyn Write) -> io::Result<()> {
    let ledger = &view.origin_ledger;
    if ledger.origins.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "Origin ledger (weight of evidence resting on each independent origin; an item's weight split\n among its origins by Shapley value)"
    )?;
    let mut header: Vec<&str> = vec!["Origin", "Items"];
    header.extend(view.hypotheses.iter().map(|h| h.id.as_str()));
    header.extend(["weight dB", "share"]);
    let mut t = Table::new(&header).right_align(1..=view.hypotheses.len() + 3);
    for o in ledger.origins.iter().take(20) {
        let mut row = vec![o.source.clone(), o.items.len().to_string()];
        row.extend(o.weight_of_evidence_db.iter().map(|w| match w {
            Some(w) => format!("{w:+.2}"),
            None => "rules out/in".to_string(),
        }));
        row.push(format!("{:.2}", o.weight_db));
        row.push(format!("{:.1}%", 100.0 * o.share));
        t.row(row);
    }
    t.write(out, "  ")?;
    if let Some(e) = &ledger.established {
        writeln!(
            out,
            "  Established items (no reports): {:.2} dB, {:.1}%",
            e.weight_db,
            100.0 * e.share
        )?;
    }
    if let Some(top) = ledger.origins.first().filter(|o| o.share > 0.5) {
        writeln!(
            out,
            "  One origin carries most of the weight: {} ({:.1}%).",
            top.source,
            100.0 * top.share
        )?;
    }
    Ok(())
}

/// The groups of hypotheses (kept apart so the move to rendering the
/// report's `Doc` can drop it whole).
fn write_groups(view: &ReportView, out: &mut dyn Write) -> io::Result<()> {
    if view.groups.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "Groups of hypotheses (prior and posterior: the sums of the members')"
    )?;
    let mut t = Table::new(&[
        "Group",
        "Members",
        "Prior",
        "Posterior",
        "ICD 203",
        "Δ log-odds (dB)",
    ])
    .right_align([2, 3, 5]);
    for g in &view.groups {
        t.row(vec![
            g.id.clone(),
            g.members.join(", "),
            format!("{:.4}", g.prior),
            format!("{:.4}", g.posterior),
            g.icd203.clone(),
            g.delta_log_odds_db
                .map_or_else(|| "n/a".to_string(), |d| format!("{d:+.2}")),
        ]);
    }
    t.write(out, "")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
