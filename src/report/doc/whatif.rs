//! The `whatif` document: every scenario beside the baseline.

use super::super::format::{four_decimals, signed_four_decimals};
use super::super::whatif::WhatIfView;
use super::figure::{ScenarioBars, ScenarioChart, Shift};
use super::{Cell, Doc, Figure, Line, Table, Tone, change_cell, code, strong, text, words};

/// Baseline and every scenario, grouped by hypothesis.
fn scenario_chart(view: &WhatIfView) -> Figure<'_> {
    Figure::Scenarios(ScenarioChart {
        hypotheses: view
            .hypotheses
            .iter()
            .map(|h| (h.id.as_str(), h.title.as_str()))
            .collect(),
        baseline: view
            .baseline
            .posteriors
            .iter()
            .map(|p| p.posterior)
            .collect(),
        scenarios: view
            .scenarios
            .iter()
            .map(|s| ScenarioBars {
                id: &s.id,
                leader_changed: s.leader_changed,
                shifts: s.error.is_none().then(|| {
                    s.hypotheses
                        .iter()
                        .map(|h| Shift {
                            posterior: h.posterior,
                            change: h.change,
                        })
                        .collect()
                }),
            })
            .collect(),
    })
}

/// Each scenario's group posteriors beside the baseline's, and whether the
/// leading group changes.
fn groups(d: &mut Doc<'_>, view: &WhatIfView) {
    d.note("Groups: each group's posterior is the sum of its members'. A group leads when its posterior is above that of every hypothesis outside it; the leading group is the highest such (none when no group leads).");
    let mut header = vec![text("Scenario")];
    header.extend(view.groups.iter().map(|g| vec![code(&g.id)]));
    header.push(text("Leading group"));
    let k = view.groups.len();
    let mut tab = Table::new(header, &(1..=k).collect::<Vec<_>>());
    let mut row = vec![Cell::text("(baseline)").tone(Tone::Leading)];
    row.extend(
        view.baseline
            .groups
            .iter()
            .map(|g| Cell::text(four_decimals(g.posterior))),
    );
    let before = view
        .baseline
        .leading_group
        .clone()
        .unwrap_or_else(|| "none".to_string());
    row.push(Cell::code(&before));
    tab.row(row);
    for s in &view.scenarios {
        let mut row = vec![Cell::code(&s.id)];
        if s.error.is_some() {
            row.extend((0..=k).map(|_| Cell::text("n/a").tone(Tone::Muted)));
        } else {
            row.extend(
                s.groups
                    .iter()
                    .map(|g| Cell::text(four_decimals(g.posterior))),
            );
            let lead = s
                .leading_group
                .clone()
                .unwrap_or_else(|| "none".to_string());
            row.push(if s.leading_group_changed {
                Cell::line(vec![code(lead), words(" (was "), code(&before), words(")")])
                    .tone(Tone::Warning)
            } else {
                Cell::line(vec![code(lead), words(" (unchanged)")])
            });
        }
        tab.row(row);
    }
    d.table(tab);
}

/// The what-if view laid out as a document.
pub fn whatif(view: &WhatIfView) -> Doc<'_> {
    let mut d = Doc::new(&view.model, "whatif", "What if");
    d.h2("Scenarios side by side");
    if view.scenarios.is_empty() {
        d.para(text(
            "The model has no scenarios; name one with --scenario ID or give overrides with --set PATH=VALUE.",
        ));
    }
    d.figure(scenario_chart(view));
    let mut header = vec![text("Scenario")];
    header.extend(view.hypotheses.iter().map(|h| vec![code(&h.id)]));
    header.push(text("Leading"));
    let k = view.hypotheses.len();
    let mut tab = Table::new(header, &(1..=k).collect::<Vec<_>>());
    let mut row = vec![Cell::text("(baseline)").tone(Tone::Leading)];
    row.extend(
        view.baseline
            .posteriors
            .iter()
            .map(|p| Cell::text(four_decimals(p.posterior))),
    );
    row.push(Cell::code(&view.baseline.leading));
    tab.row(row);
    for s in &view.scenarios {
        let mut row = vec![Cell::code(&s.id).with_subline(&s.title)];
        if let Some(e) = &s.error {
            row.extend((0..k).map(|_| Cell::text("n/a").tone(Tone::Muted)));
            // The items, when named; the full sentence follows below.
            let said = if s.impossible_items.is_empty() {
                Cell::text(format!("impossible: {e}"))
            } else {
                let mut line = vec![words("impossible: ")];
                for (k, item) in s.impossible_items.iter().enumerate() {
                    if k > 0 {
                        line.push(words(", "));
                    }
                    line.push(code(&item.id));
                }
                line.push(words(" cannot hold together"));
                Cell::line(line)
            };
            row.push(said.tone(Tone::Warning));
        } else {
            row.extend(
                s.hypotheses
                    .iter()
                    .map(|h| Cell::text(four_decimals(h.posterior))),
            );
            let lead = s.leading.clone().unwrap_or_default();
            row.push(if s.leader_changed {
                Cell::line(vec![
                    code(lead),
                    words(" (was "),
                    code(&s.leading_before),
                    words(")"),
                ])
                .tone(Tone::Warning)
            } else {
                Cell::line(vec![code(lead), words(" (unchanged)")])
            });
        }
        tab.row(row);
    }
    d.table(tab);
    if !view.groups.is_empty() {
        groups(&mut d, view);
    }
    let changed = view.scenarios.iter().filter(|s| s.leader_changed).count();
    if !view.scenarios.is_empty() {
        d.note(format!(
            "{changed} of {} scenarios change the leading hypothesis.",
            view.scenarios.len()
        ));
    }

    for s in &view.scenarios {
        let mut h: Line = vec![code(&s.id)];
        if !s.title.is_empty() && s.title != s.id {
            h.push(words(format!(": {}", s.title)));
        }
        d.h3(h);
        if let Some(why) = &s.why {
            d.para(vec![strong("Why: "), words(why)]);
        }
        d.list(
            s.overrides
                .iter()
                .map(|o| {
                    let mut line = vec![code(&o.path), words(" = "), code(&o.value)];
                    if o.from_set {
                        line.push(words(" (--set)"));
                    }
                    line
                })
                .collect(),
        );
        if let Some(e) = &s.error {
            d.para(vec![strong("No posterior: "), words(e)]);
            continue;
        }
        let mut tab = Table::plain(
            &["Hypothesis", "Baseline", "Scenario", "Change", "ICD 203"],
            &[1, 2, 3],
        );
        for h in &s.hypotheses {
            let icd = if h.icd203 == h.baseline_icd203 {
                h.icd203.clone()
            } else {
                format!("{} → {}", h.baseline_icd203, h.icd203)
            };
            tab.row(vec![
                Cell::code(&h.id),
                Cell::text(four_decimals(h.baseline)),
                Cell::text(four_decimals(h.posterior)),
                change_cell(h.change, signed_four_decimals(h.change)),
                Cell::text(icd),
            ]);
        }
        d.table(tab);
        let lead = s.leading.clone().unwrap_or_default();
        d.para(if s.leader_changed {
            vec![
                strong("The leading hypothesis changes: "),
                code(&s.leading_before),
                words(" → "),
                code(lead),
                words("."),
            ]
        } else {
            vec![
                words("The leading hypothesis is unchanged: "),
                code(lead),
                words("."),
            ]
        });
    }
    d
}

impl super::super::View for WhatIfView {
    fn document(&self) -> Doc<'_> {
        whatif(self)
    }
}
