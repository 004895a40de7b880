//! The `report` document: posterior, the evidence that moved it, reports and
//! independent origins, sources.

use super::super::format::{
    count_of, four_decimals, percent, rounded_percent, signed_four_decimals, signed_two_decimals,
    two_decimals,
};
use super::super::posterior_report::EvidenceView;
use super::super::{ModelView, ReportView};
use super::figure::{Band, EvidenceGraph, GraphItem, GraphReport, HypothesisMark, PosteriorChart};
use super::{
    Cell, Doc, Figure, Header, Table, Tone, change_cell, code, code_list, strong, text, woe_cell,
    words,
};

/// Every view's `model` block heads its page.
impl<'a> From<&'a ModelView> for Header<'a> {
    fn from(model: &'a ModelView) -> Header<'a> {
        Header {
            title: &model.title,
            question: model.question.as_deref(),
            as_of: model.as_of.as_deref(),
        }
    }
}

/// Each hypothesis as the charts mark it.
fn hypothesis_marks(view: &ReportView) -> Vec<HypothesisMark<'_>> {
    view.hypotheses
        .iter()
        .map(|h| HypothesisMark {
            id: &h.id,
            title: &h.title,
            prior: h.prior,
            posterior: h.posterior,
            leading: h.id == view.leading,
        })
        .collect()
}

/// The posterior bars over the ICD 203 bands.
fn posterior_chart(view: &ReportView) -> Figure<'_> {
    Figure::Posterior(PosteriorChart {
        bands: view
            .icd203_scale
            .iter()
            .map(|b| Band {
                term: &b.term,
                low: b.low,
                high: b.high,
            })
            .collect(),
        standard_bands: view.icd203_standard,
        hypotheses: hypothesis_marks(view),
    })
}

/// The hypotheses, items, reports and relay chains.
fn evidence_graph(view: &ReportView) -> Figure<'_> {
    Figure::EvidenceGraph(EvidenceGraph {
        hypotheses: hypothesis_marks(view),
        items: view
            .evidence
            .iter()
            .map(|e| GraphItem {
                id: &e.id,
                claim: &e.claim,
                enabled: e.enabled,
                established: e.established,
                report_count: e.reports,
                origin_count: e.origins,
                reports: e
                    .report_details
                    .iter()
                    .map(|r| GraphReport {
                        id: &r.id,
                        source: &r.source,
                        via: r.via.as_deref(),
                        strength: r.strength,
                        observed: r.observed,
                        asserts: r.asserts,
                        hit: r.hit,
                        false_alarm: r.false_alarm,
                        document: r.document.as_deref(),
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The groups of hypotheses, shaped as the posterior table.
fn groups<'a>(d: &mut Doc<'a>, view: &'a ReportView) {
    if view.groups.is_empty() {
        return;
    }
    d.h2("Groups of hypotheses");
    d.note("A group's prior and posterior are the sums of its members'.");
    let mut tab = Table::plain(
        &[
            "Group",
            "Members",
            "Prior",
            "Posterior",
            "ICD 203",
            "Δ log-odds (dB)",
        ],
        &[2, 3, 5],
    );
    for g in &view.groups {
        tab.row(vec![
            Cell::code(&g.id).with_subline(&g.title),
            Cell::line(code_list(&g.members)),
            Cell::text(four_decimals(g.prior)),
            Cell::text(four_decimals(g.posterior)),
            Cell::text(&g.icd203),
            g.delta_log_odds_db.map_or_else(
                || Cell::text("n/a").tone(Tone::Muted),
                |x| change_cell(x, signed_two_decimals(x)),
            ),
        ]);
    }
    d.table(tab);
}

/// The bottom line: the judgement, its likelihood and confidence, why, and
/// what would change it.
fn bottom_line<'a>(d: &mut Doc<'a>, view: &'a ReportView) {
    let Some(line) = &view.bottom_line else {
        return;
    };
    d.h2("Bottom line");
    d.para(ticks(&line.text));
    d.para(vec![
        strong("Likelihood: "),
        words(format!(
            "{} ({}). ",
            line.likelihood,
            rounded_percent(line.probability)
        )),
        strong("Analytic confidence: "),
        words(format!("{}.", line.confidence)),
    ]);
    d.h3(text("Why"));
    d.list(line.reasons.iter().map(|r| ticks(r)).collect());
    d.h3(text("What would change it"));
    d.list(line.what_would_change.iter().map(|r| ticks(r)).collect());
}

/// Our sentences mark ids and paths with backticks: code spans.
fn ticks(s: &str) -> super::Line {
    s.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(k, part)| if k % 2 == 1 { code(part) } else { words(part) })
        .collect()
}

/// Origins listed in the ledger table; JSON lists all.
const LEDGER_ROWS: usize = 20;

/// The origin ledger: weight resting on each independent origin.
fn origin_ledger<'a>(d: &mut Doc<'a>, view: &'a ReportView) {
    let ledger = &view.origin_ledger;
    if ledger.origins.is_empty() && ledger.established.is_none() {
        return;
    }
    d.h2("Origin ledger");
    d.note(
        "Weight of evidence resting on each independent origin (the source at the root of a relay tree), summed over the items it is an origin of, each hypothesis against the rest. An item with several origins splits its weight by Shapley value: each origin's marginal weight averaged over every order of adding them, so the shares add up to the item's weight. Weight: per item the largest |dB| of the origin's share, summed; share: of all that weight.",
    );
    let mut header = vec![text("Origin"), text("Reliability"), text("Items")];
    header.extend(
        view.hypotheses
            .iter()
            .map(|h| vec![words("dB "), code(&h.id)]),
    );
    header.push(text("Weight (dB)"));
    header.push(text("Share"));
    let k = view.hypotheses.len();
    let right: Vec<usize> = (2..=k + 4).collect();
    let mut tab = Table::new(header, &right);
    for o in ledger.origins.iter().take(LEDGER_ROWS) {
        let mut row = vec![
            Cell::code(&o.source).with_subline(&o.title),
            Cell::text(&o.reliability),
            Cell::text(o.items.len().to_string()),
        ];
        row.extend(o.weight_of_evidence_db.iter().map(|w| woe_cell(*w)));
        row.push(Cell::text(two_decimals(o.weight_db)));
        row.push(Cell::text(percent(o.share)).tone(if o.share > 0.5 {
            Tone::Warning
        } else {
            Tone::Plain
        }));
        tab.row(row);
    }
    if let Some(e) = &ledger.established {
        tab.start_summary();
        let mut row = vec![
            Cell::text("established").with_subline("items with no reports"),
            Cell::text("").tone(Tone::Muted),
            Cell::text(e.items.len().to_string()),
        ];
        row.extend(e.weight_of_evidence_db.iter().map(|w| woe_cell(*w)));
        row.push(Cell::text(two_decimals(e.weight_db)));
        row.push(Cell::text(percent(e.share)));
        tab.row(row);
    }
    d.table(tab);
    if ledger.origins.len() > LEDGER_ROWS {
        d.note(format!(
            "... and {} more origins (--format json lists all).",
            ledger.origins.len() - LEDGER_ROWS
        ));
    }
    if let Some(top) = ledger.origins.first().filter(|o| o.share > 0.5) {
        d.note_line(vec![
            strong("One origin carries most of the weight: "),
            code(&top.source),
            words(format!(
                " ({}) carries {} of all diagnostic weight; the case rests on its word.",
                top.title,
                percent(top.share)
            )),
        ]);
    }
    if !ledger.split_equally.is_empty() {
        let mut line = text(format!(
            "Split equally among their origins (more than {} origins in one item): ",
            crate::analysis::ledger::MAX_SHAPLEY_ORIGINS
        ));
        line.extend(code_list(&ledger.split_equally));
        line.push(words("."));
        d.note_line(line);
    }
}

/// Hugin's conflict measure: the case, and the items inconsistent with the
/// rest of the evidence.
fn conflict(d: &mut Doc<'_>, view: &ReportView) {
    let c = &view.conflict;
    let mut line = vec![words(format!(
        "Conflict (Hugin's measure, log2 of the product of each item's probability over the probability of all the evidence): {} bits for the whole case",
        signed_two_decimals(c.bits)
    ))];
    if c.in_conflict {
        line.push(strong(format!(
            ", above {} bit: the evidence pulls in different directions",
            c.threshold_bits
        )));
    }
    line.push(words("."));
    d.note_line(line);
    if c.inconsistent_items.is_empty() {
        return;
    }
    let mut line = vec![strong("Inconsistent with the rest of the evidence: ")];
    for (n, id) in c.inconsistent_items.iter().enumerate() {
        if n > 0 {
            line.push(words(", "));
        }
        line.push(code(id));
        if let Some(bits) = view
            .evidence
            .iter()
            .find(|e| &e.id == id)
            .and_then(|e| e.conflict_bits)
        {
            line.push(words(format!(" ({} bits)", signed_two_decimals(bits))));
        }
    }
    line.push(words(format!(
        ". The rest of the evidence makes each less than half as probable as it is on its own (conflict above {} bit): check the item, its likelihoods and its sources.",
        c.threshold_bits
    )));
    d.para(line);
}

/// The report view laid out as a document.
pub fn report(view: &ReportView) -> Doc<'_> {
    let mut d = Doc::new(&view.model, "report", "Posterior report");
    let leader = view
        .hypotheses
        .iter()
        .position(|h| h.id == view.leading)
        .unwrap_or(0);

    bottom_line(&mut d, view);

    d.h2("Posterior");
    d.figure(posterior_chart(view));
    let mut tab = Table::plain(
        &[
            "Hypothesis",
            "Prior",
            "Posterior",
            "ICD 203",
            "Δ log-odds (dB)",
        ],
        &[1, 2, 4],
    );
    for (k, h) in view.hypotheses.iter().enumerate() {
        let tone = if k == leader {
            Tone::Leading
        } else {
            Tone::Plain
        };
        tab.row(vec![
            Cell::code(&h.id).with_subline(&h.title),
            Cell::text(four_decimals(h.prior)),
            Cell::text(four_decimals(h.posterior)).tone(tone),
            Cell::text(&h.icd203),
            h.delta_log_odds_db.map_or_else(
                || Cell::text("n/a").tone(Tone::Muted),
                |x| change_cell(x, signed_two_decimals(x)),
            ),
        ]);
    }
    d.table(tab);
    if let Some(lead) = view.hypotheses.get(leader) {
        d.para(vec![
            strong("Leading: "),
            code(&lead.id),
            words(format!(
                " at {} ({}).",
                four_decimals(lead.posterior),
                lead.icd203
            )),
        ]);
    }

    groups(&mut d, view);

    d.h2("Evidence");
    d.note(
        "Weight of evidence: 10 log10 of the likelihood ratio of the item's reports, in decibans (dB), each hypothesis against the rest; positive supports the hypothesis. Effect: the leading hypothesis' posterior with the item minus without it. Strongest items first.",
    );
    let mut header = vec![text("Item")];
    header.extend(
        view.hypotheses
            .iter()
            .map(|h| vec![words("dB "), code(&h.id)]),
    );
    header.push(vec![words("Effect on P("), code(&view.leading), words(")")]);
    header.push(text("Reports"));
    header.push(text("Origins"));
    header.push(text("Credibility"));
    let k = view.hypotheses.len();
    let right: Vec<usize> = (1..=k + 4).collect();
    let mut tab = super::Table::new(header, &right);
    let ranked = view
        .evidence_ranking
        .iter()
        .filter_map(|&k| view.evidence.get(k));
    for e in ranked {
        let mut row = vec![Cell::code(&e.id).with_subline(&e.claim)];
        if !e.enabled {
            row.extend((0..k).map(|_| Cell::text("disabled").tone(Tone::Muted)));
        } else {
            row.extend(e.weight_of_evidence_db.iter().map(|w| woe_cell(*w)));
        }
        row.push(e.effect.as_ref().and_then(|x| x.get(leader)).map_or_else(
            || Cell::text("n/a").tone(Tone::Muted),
            |x| change_cell(*x, signed_four_decimals(*x)),
        ));
        if e.established {
            row.push(Cell::text("given").tone(Tone::Muted));
            row.push(Cell::text("").tone(Tone::Muted));
        } else {
            row.push(Cell::text(e.reports.to_string()));
            row.push(Cell::text(e.origins.to_string()));
        }
        row.push(match &e.credibility {
            Some(c) if e.inconsistent => {
                Cell::text(format!("{} (conflict)", c.grade)).tone(Tone::Warning)
            }
            Some(c) => Cell::text(c.grade.to_string()),
            None => Cell::text("n/a").tone(Tone::Muted),
        });
        tab.row(row);
    }
    if tab.is_empty() {
        d.para(text("The model has no evidence items."));
    } else {
        d.table(tab);
        d.note("Credibility: the information's Admiralty grade, from its independent origins, their sources' reliability and whether the rest of the evidence agrees: 1 confirmed by other sources, 2 probably true, 3 possibly true, 4 doubtful, 5 improbable, 6 truth cannot be judged (docs/FORMAT.md, \"Credibility grades\"). A relay never confirms.");
        conflict(&mut d, view);
    }
    let flat: Vec<String> = view
        .evidence
        .iter()
        .filter(|e| e.enabled && !e.diagnostic)
        .map(|e| e.id.clone())
        .collect();
    if !flat.is_empty() {
        let mut line = text("Not diagnostic (equally expected under every hypothesis): ");
        line.extend(code_list(&flat));
        line.push(words("."));
        d.note_line(line);
    }

    if let Some(indicators) = &view.indicators {
        d.h2("Indicators to watch");
        super::collect::indicators(&mut d, &indicators.hypotheses, &indicators.groups);
        d.note("From the model's pending evidence: `credence collect` ranks it by expected information.");
    }

    d.h2("Reports and independent origins");
    d.note(
        "Each report is a node of the network. A relay (via) depends on the report it repeats, not on the event, so a chain of relays is one origin however long it is. Only independent origins add weight.",
    );
    d.figure(evidence_graph(view));
    let mut tab = Table::plain(
        &[
            "Item",
            "Reports",
            "Independent origins",
            "Partly dependent",
            "Origin reports",
        ],
        &[1, 2, 3],
    );
    for e in &view.evidence {
        if e.established {
            tab.row(vec![
                Cell::code(&e.id),
                Cell::text("0"),
                Cell::text("given").tone(Tone::Muted),
                Cell::text(""),
                Cell::text("no reports: taken as established").tone(Tone::Muted),
            ]);
            continue;
        }
        let many = e.reports > e.origins;
        tab.row(vec![
            Cell::code(&e.id),
            Cell::text(e.reports.to_string()),
            Cell::text(e.origins.to_string()).tone(if many { Tone::Warning } else { Tone::Plain }),
            Cell::text(e.partly_dependent.to_string()),
            Cell::line(code_list(&e.origin_reports)),
        ]);
    }
    if !tab.is_empty() {
        d.table(tab);
    }
    let echoed: Vec<&EvidenceView> = view
        .evidence
        .iter()
        .filter(|e| !e.established && e.reports > e.origins)
        .collect();
    if !echoed.is_empty() {
        let total: usize = echoed.iter().map(|e| e.reports).sum();
        let origins: usize = echoed.iter().map(|e| e.origins).sum();
        d.note(format!(
            "{} on {} come from {}: counting them as independent confirmations would overstate the evidence.",
            count_of(total as u64, "report", "reports"),
            count_of(echoed.len() as u64, "item", "items"),
            count_of(origins as u64, "independent origin", "independent origins"),
        ));
    }

    origin_ledger(&mut d, view);

    d.h2("Sources");
    let learned = view.sources.iter().any(|s| s.learned.is_some());
    let mut header = vec!["Source", "Reliability (as written)", "Bias"];
    if learned {
        header.extend(["Mean reliability: prior", "posterior", "change"]);
    }
    let mut tab = Table::plain(&header, &[2, 3, 4, 5]);
    for s in &view.sources {
        let mut row = vec![
            Cell::code(&s.id).with_subline(&s.title),
            Cell::text(&s.reliability),
            Cell::text(four_decimals(s.bias)),
        ];
        if learned {
            match &s.learned {
                Some(l) => row.extend([
                    Cell::text(four_decimals(l.prior_mean)),
                    Cell::text(four_decimals(l.posterior_mean)),
                    Cell::text(signed_four_decimals(l.posterior_mean - l.prior_mean)),
                ]),
                None => row.extend((0..3).map(|_| Cell::empty())),
            }
        }
        tab.row(row);
    }
    if tab.is_empty() {
        d.para(text("The model has no sources."));
    } else {
        d.table(tab);
    }
    if learned {
        d.note(
            "A source whose reliability is an interval gets a latent reliability node shared by all its reports; its posterior mean is what the evidence says of it.",
        );
    }
    d.note(format!(
        "Log evidence, ln P(all observed reports): {}.",
        four_decimals(view.log_evidence)
    ));
    d
}

impl super::super::View for ReportView {
    fn document(&self) -> Doc<'_> {
        report(self)
    }
}
