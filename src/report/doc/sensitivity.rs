//! The `sensitivity` document: tornado, flip points, linchpins, weight of
//! evidence and leave-one-out.

use super::super::format::{four_decimals, signed_four_decimals};
use super::super::sensitivity::{ParameterView, SensitivityView};
use super::figure::{TornadoChart, TornadoRow};
use super::{
    Cell, Doc, Figure, Line, Table, Tone, change_cell, code, strong, text, woe_cell, words,
};

/// How many parameters the tornado draws and lists (the JSON has every one).
const TOP_PARAMETERS: usize = 20;

/// The tornado of the parameters with the largest swing.
fn tornado_chart(view: &SensitivityView) -> Figure<'_> {
    Figure::Tornado(TornadoChart {
        hypotheses: view
            .hypotheses
            .iter()
            .map(|h| (h.id.as_str(), h.posterior))
            .collect(),
        parameters: view
            .parameters
            .iter()
            .take(TOP_PARAMETERS)
            .map(|p| TornadoRow {
                path: &p.path,
                written: &p.written,
                impact: p.impact,
                ranges: p
                    .ranges
                    .iter()
                    .map(|r| (r.hypothesis.as_str(), r.min, r.max))
                    .collect(),
            })
            .collect(),
    })
}
/// How many flip points are listed, closest first.
const TOP_FLIPS: usize = 10;

/// The flip nearest the model's value: "below X: H" (moving the parameter
/// down past X makes H lead) or "above X: H".
fn nearest_flip_line(p: &ParameterView) -> Line {
    let Some(f) = p.nearest_flip.and_then(|k| p.flips.get(k)) else {
        return text("never");
    };
    let mut line = if f.at < p.reference {
        vec![
            words(format!("below {}: ", four_decimals(f.at))),
            code(&f.from),
        ]
    } else {
        vec![
            words(format!("above {}: ", four_decimals(f.at))),
            code(&f.to),
        ]
    };
    if !f.resolved {
        line.push(words(" (approx.)"));
    }
    if p.flips.len() > 1 {
        line.push(words(format!(" (+{} more)", p.flips.len() - 1)));
    }
    line
}

/// What the sweep covered, in words.
pub fn sweep_note(view: &SensitivityView) -> String {
    let over = if view.range_mode == "full" {
        "over [0, 1] (--range full)"
    } else {
        "over its plausible range (an interval as written, a verbal term's ICD 203 band, an Admiralty letter one grade either way, an ACH rating halfway to its neighbours, a point number its odds ×/÷ 1.5; 0 and 1 stay fixed; --range full sweeps [0, 1])"
    };
    format!(
        "Each parameter is swept {over} at {} points with everything else as in the model; a change of leader between points is bracketed by bisection to {:e}. An interval reliability is swept as a point value (what if the source's reliability were known).",
        view.points, view.flip_tolerance
    )
}

/// The sensitivity view laid out as a document.
pub fn sensitivity(view: &SensitivityView) -> Doc<'_> {
    let mut d = Doc::new(&view.model, "sensitivity", "Sensitivity");
    let k = view.hypotheses.len();
    let mut line = vec![strong("Baseline: ")];
    for (n, h) in view.hypotheses.iter().enumerate() {
        if n > 0 {
            line.push(words(", "));
        }
        line.push(code(&h.id));
        line.push(words(format!(" {}", four_decimals(h.posterior))));
    }
    line.push(words("; leading: "));
    line.push(code(&view.leading));
    line.push(words("."));
    d.para(line);
    d.note(sweep_note(view));

    d.h2("Tornado");
    d.note("Parameters by the largest swing of any posterior: each bar spans a hypothesis' posterior as the parameter moves over its range; the tick is the baseline. \"Favours\" names the hypothesis that leads at the low and at the high end of the range.");
    if !view.parameters.is_empty() {
        d.figure(tornado_chart(view));
    }
    let mut header = vec![
        text("Parameter"),
        text("Model value"),
        text("Range"),
        text("Swing"),
    ];
    header.extend(
        view.hypotheses
            .iter()
            .map(|h| vec![code(&h.id), words(" range")]),
    );
    header.extend(
        view.groups
            .iter()
            .map(|g| vec![words("group "), code(&g.id), words(" range")]),
    );
    header.push(text("Favours (low / high end)"));
    header.push(text("Leader changes (nearest)"));
    let groups = view.groups.len();
    let mut tab = Table::new(header, &(3..4 + k + groups).collect::<Vec<_>>());
    for p in view.parameters.iter().take(TOP_PARAMETERS) {
        let mut row = vec![
            Cell::text(&p.label).with_subline(&p.path),
            Cell::code(&p.written),
            Cell::text(format!(
                "{}–{}",
                four_decimals(p.range[0]),
                four_decimals(p.range[1])
            ))
            .with_subline(&p.range_note),
            Cell::text(four_decimals(p.impact)),
        ];
        if p.ranges.is_empty() {
            row.extend((0..k).map(|_| Cell::text("impossible").tone(Tone::Muted)));
        } else {
            row.extend(
                p.ranges.iter().map(|r| {
                    Cell::text(format!("{}–{}", four_decimals(r.min), four_decimals(r.max)))
                }),
            );
        }
        if p.group_ranges.is_empty() {
            row.extend((0..groups).map(|_| Cell::text("impossible").tone(Tone::Muted)));
        } else {
            row.extend(
                p.group_ranges.iter().map(|r| {
                    Cell::text(format!("{}–{}", four_decimals(r.min), four_decimals(r.max)))
                }),
            );
        }
        let end = |h: &Option<String>| h.as_deref().map_or_else(|| words("impossible"), code);
        row.push(Cell::line(vec![
            end(&p.leading_at_low),
            words(" / "),
            end(&p.leading_at_high),
        ]));
        let flips = !p.flips.is_empty();
        row.push(Cell::line(nearest_flip_line(p)).tone(if flips {
            Tone::Warning
        } else {
            Tone::Plain
        }));
        tab.row(row);
    }
    if tab.is_empty() {
        d.para(text(
            "No parameter: no enabled item has a report or a likelihood to sweep.",
        ));
    } else {
        d.table(tab);
    }
    let rest = view.parameters.len().saturating_sub(TOP_PARAMETERS);
    let flips = view
        .parameters
        .iter()
        .filter(|p| !p.flips.is_empty())
        .count();
    let mut note = format!(
        "{flips} of {} parameters can change the leader on their own.",
        view.parameters.len()
    );
    if rest > 0 {
        note.push_str(&format!(
            " The {TOP_PARAMETERS} with the largest swing are shown; {rest} more are in --format json, with every grid point."
        ));
    }
    d.note(note);

    let closest = &view.closest_flips;
    if !closest.is_empty() {
        d.h2("Closest flip points");
        d.note("The smallest change to one parameter that changes the leading hypothesis.");
        let mut tab = Table::plain(
            &[
                "Parameter",
                "Model value",
                "Flips at",
                "Change",
                "Then leads",
            ],
            &[2, 3],
        );
        for c in closest.iter().take(TOP_FLIPS) {
            let Some(p) = view.parameters.get(c.parameter) else {
                continue;
            };
            let Some(f) = p.flips.get(c.flip) else {
                continue;
            };
            let change = c.change;
            tab.row(vec![
                Cell::text(&p.label).with_subline(&p.path),
                Cell::code(&p.written),
                Cell::text(format!(
                    "{}{}",
                    four_decimals(f.at),
                    if f.resolved { "" } else { " (approx.)" }
                )),
                Cell::text(signed_four_decimals(change)),
                Cell::code(if change > 0.0 { &f.to } else { &f.from }),
            ]);
        }
        d.table(tab);
        if closest.len() > TOP_FLIPS {
            d.note(format!("… and {} more.", closest.len() - TOP_FLIPS));
        }
    }

    d.h2("Linchpins");
    d.note("An item or source whose removal alone changes the leading hypothesis. A source is removed by making each of its reports worthless (hit = false alarm).");
    let mut items: Vec<Line> = Vec::new();
    for (what, list) in [
        ("item ", &view.linchpins.items),
        ("source ", &view.linchpins.sources),
    ] {
        for r in list {
            let lead = r.leading.clone().unwrap_or_else(|| "?".to_string());
            let at = r
                .posteriors
                .as_deref()
                .and_then(|p| {
                    view.hypotheses
                        .iter()
                        .position(|h| h.id == lead)
                        .and_then(|h| p.get(h))
                })
                .map_or_else(String::new, |p| format!(" at {}", four_decimals(*p)));
            items.push(vec![
                words(what),
                code(&r.id),
                words(": without it "),
                code(lead),
                words(format!("{at} leads (instead of ")),
                code(&view.leading),
                words(")"),
            ]);
        }
    }
    if items.is_empty() {
        d.para(text(
            "None: no single item or source removed changes the leader.",
        ));
    } else {
        d.list(items);
    }

    d.h2("Weight of evidence and leave-one-out");
    d.note("Weight: 10 log10 of the likelihood ratio of the item's reports, in decibans, each hypothesis against the rest. Δ: the posterior with the item disabled minus the baseline, exact.");
    let mut header = vec![text("Item")];
    header.extend(
        view.hypotheses
            .iter()
            .map(|h| vec![words("dB "), code(&h.id)]),
    );
    header.push(text("Diagnostic"));
    header.extend(
        view.hypotheses
            .iter()
            .map(|h| vec![words("Δ "), code(&h.id)]),
    );
    let right: Vec<usize> = (1..=k).chain(k + 2..k + 2 + k).collect();
    let mut tab = Table::new(header, &right);
    let ranked = view
        .evidence_ranking
        .iter()
        .filter_map(|&k| view.evidence.get(k));
    for e in ranked {
        let mut row = vec![Cell::code(&e.id)];
        row.extend(e.weight_of_evidence_db.iter().map(|w| woe_cell(*w)));
        row.push(if e.diagnostic {
            Cell::text("yes")
        } else {
            Cell::text("no").tone(Tone::Muted)
        });
        match &e.leave_one_out {
            Some(x) => row.extend(x.iter().map(|x| change_cell(*x, signed_four_decimals(*x)))),
            None => row.extend((0..k).map(|_| Cell::text("impossible").tone(Tone::Muted))),
        }
        tab.row(row);
    }
    if tab.is_empty() {
        d.para(text("No enabled items."));
    } else {
        d.table(tab);
    }
    d
}

impl super::super::View for SensitivityView {
    fn document(&self) -> Doc<'_> {
        sensitivity(self)
    }
}
