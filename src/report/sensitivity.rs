//! The `sensitivity` output (kind `credence.sensitivity`, schema 1,
//! docs/JSON.md): its serializable view, a text printer (tornado, flip
//! points, linchpins, weight of evidence) and a JSON printer.

use std::io::{self, Write};

use serde::Serialize;

use super::{ModelView, SCHEMA_VERSION, Table};
use crate::analysis::ranges::RangeMode;
use crate::analysis::sensitivity::{FLIP_TOLERANCE, Parameter, Sensitivity};
use crate::analysis::{DIAGNOSTIC_THRESHOLD_DB, leader};
use crate::model::{Model, Probability};

/// How many parameters the text tornado lists.
const TOP_PARAMETERS: usize = 20;
/// How many flip points the text lists, closest first.
const TOP_FLIPS: usize = 10;
/// Characters of a parameter's label the text tornado shows.
const LABEL_WIDTH: usize = 48;

/// Columns the text's method note is wrapped to.
const NOTE_WIDTH: usize = 92;

#[derive(Clone, Debug, Serialize)]
pub struct SensitivityView {
    pub schema: u32,
    pub kind: &'static str,
    pub model: ModelView,
    /// `plausible` (each parameter over its stated range) or `full` ([0, 1]).
    pub range_mode: &'static str,
    /// Grid points per parameter, over its range with both ends.
    pub points: usize,
    pub flip_tolerance: f64,
    /// Baseline posteriors, in hypothesis order.
    pub hypotheses: Vec<BaselineHypothesis>,
    pub leading: String,
    /// The model's groups with their baseline posteriors (sums of their
    /// members'); empty when it has none.
    pub groups: Vec<BaselineHypothesis>,
    /// Largest impact first.
    pub parameters: Vec<ParameterView>,
    pub linchpins: Linchpins,
    /// Every source reported by an enabled item, removed alone.
    pub sources_removed: Vec<RemovalView>,
    /// Every enabled item, in model order.
    pub evidence: Vec<ItemView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BaselineHypothesis {
    pub id: String,
    pub title: String,
    pub posterior: f64,
    pub icd203: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParameterView {
    pub path: String,
    /// The parameter in words: "Source title: reliability", "claim: P(E |
    /// hypothesis title)", "prior of hypothesis title".
    pub label: String,
    /// reliability, hit, false_alarm, bias, likelihood or prior.
    pub kind: &'static str,
    pub source: Option<String>,
    pub item: Option<String>,
    pub hypothesis: Option<String>,
    /// The model's own value; null for an interval reliability (a latent
    /// node), which the sweep replaces by a point value.
    pub value: Option<f64>,
    /// The model's value, or an interval's midpoint: where "nearest" flips
    /// are measured from.
    pub reference: f64,
    pub written: String,
    /// `[low, high]`: what the sweep covers.
    pub range: [f64; 2],
    /// Why: full, interval, verbal, ach, admiralty, point, default or certain.
    pub range_basis: &'static str,
    /// The basis in words, e.g. "Admiralty B, one grade either way (C to A)".
    pub range_note: String,
    /// The leading hypothesis at the low and at the high end of the range
    /// (null where the evidence is impossible there): which hypothesis each
    /// end favours.
    pub leading_at_low: Option<String>,
    pub leading_at_high: Option<String>,
    /// Items recompiled at each point.
    pub items_recompiled: usize,
    /// Largest swing of any posterior over the grid.
    pub impact: f64,
    /// Per hypothesis; empty when no grid point is possible.
    pub ranges: Vec<RangeView>,
    /// Per group (`hypothesis` holds the group id): the lowest and highest
    /// group posterior over the grid; empty without groups or possible
    /// points.
    pub group_ranges: Vec<RangeView>,
    /// Every change of leader along the sweep, going up.
    pub flips: Vec<FlipView>,
    pub grid: Vec<GridPoint>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RangeView {
    pub hypothesis: String,
    pub min: f64,
    pub max: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlipView {
    pub at: f64,
    /// The leader is `from` at `below` and `to` at `above`.
    pub below: f64,
    pub above: f64,
    pub from: String,
    pub to: String,
    /// False when the bracket could not be narrowed to `flip_tolerance`.
    pub resolved: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct GridPoint {
    pub value: f64,
    /// Per hypothesis; null where the evidence is impossible.
    pub posteriors: Option<Vec<f64>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Linchpins {
    pub items: Vec<RemovalView>,
    pub sources: Vec<RemovalView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RemovalView {
    pub id: String,
    /// Posteriors without it; null when the rest is impossible without it.
    pub posteriors: Option<Vec<f64>>,
    pub leading: Option<String>,
    pub changes_leader: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemView {
    pub id: String,
    /// Per hypothesis against the rest, decibans; null where infinite.
    pub weight_of_evidence_db: Vec<Option<f64>>,
    pub strength_db: Option<f64>,
    pub diagnostic: bool,
    /// Posterior with the item disabled minus the baseline, per hypothesis;
    /// null when the rest of the evidence is impossible without it.
    pub leave_one_out: Option<Vec<f64>>,
    pub leading_without: Option<String>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn kind(p: &Parameter) -> &'static str {
    match p {
        Parameter::Reliability(_) => "reliability",
        Parameter::Hit(_) => "hit",
        Parameter::FalseAlarm(_) => "false_alarm",
        Parameter::Bias(_) => "bias",
        Parameter::Likelihood(..) => "likelihood",
        Parameter::Prior(_) => "prior",
    }
}

/// Each group's lowest and highest posterior over a sweep's possible grid
/// points.
fn group_ranges(model: &Model, grid: &[(f64, Option<Vec<f64>>)]) -> Vec<RangeView> {
    model
        .groups
        .iter()
        .filter_map(|g| {
            let totals = grid
                .iter()
                .filter_map(|(_, p)| p.as_ref())
                .map(|p| g.total(p));
            let (min, max) = totals.fold(None, |acc: Option<(f64, f64)>, v| {
                Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
            })?;
            Some(RangeView {
                hypothesis: g.id.clone(),
                min,
                max,
            })
        })
        .collect()
}

/// Build the view of a sensitivity analysis.
pub fn build(model: &Model, a: &Sensitivity) -> SensitivityView {
    let hid = |h: usize| model.hypotheses[h].id.clone();
    let leading = hid(a.leader.0);
    let removal = |id: String, without: &Option<Vec<f64>>| {
        let lead = without.as_ref().map(|p| leader(p));
        RemovalView {
            id,
            posteriors: without.clone(),
            leading: lead.map(|l| hid(l.0)),
            changes_leader: lead.is_some_and(|l| l != a.leader),
        }
    };
    let parameters = a
        .sweeps
        .iter()
        .map(|s| {
            let p = &s.parameter;
            let (source, item, hypothesis) = match p {
                Parameter::Reliability(x)
                | Parameter::Hit(x)
                | Parameter::FalseAlarm(x)
                | Parameter::Bias(x) => (Some(model.sources[x.0].id.clone()), None, None),
                Parameter::Likelihood(i, h) => {
                    (None, Some(model.items[i.0].id.clone()), Some(hid(h.0)))
                }
                Parameter::Prior(h) => (None, None, Some(hid(h.0))),
            };
            let leading_at = |end: Option<&(f64, Option<Vec<f64>>)>| {
                end.and_then(|(_, p)| p.as_ref()).map(|p| hid(leader(p).0))
            };
            ParameterView {
                path: p.path(model),
                label: p.label(model),
                kind: kind(p),
                source,
                item,
                hypothesis,
                value: s.value,
                reference: s.range.reference,
                written: p.written(model),
                range: [s.range.low, s.range.high],
                range_basis: s.range.basis.kind(),
                range_note: s.range.basis.to_string(),
                leading_at_low: leading_at(s.grid.first()),
                leading_at_high: leading_at(s.grid.last()),
                items_recompiled: s.items,
                impact: s.impact,
                ranges: s
                    .ranges
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(h, &(min, max))| RangeView {
                        hypothesis: hid(h),
                        min,
                        max,
                    })
                    .collect(),
                flips: s
                    .flips
                    .iter()
                    .map(|f| FlipView {
                        at: f.at,
                        below: f.below,
                        above: f.above,
                        from: hid(f.from.0),
                        to: hid(f.to.0),
                        resolved: f.resolved,
                    })
                    .collect(),
                group_ranges: group_ranges(model, &s.grid),
                grid: s
                    .grid
                    .iter()
                    .map(|(x, p)| GridPoint {
                        value: *x,
                        posteriors: p.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let sources_removed: Vec<RemovalView> = a
        .sources
        .iter()
        .map(|s| removal(model.sources[s.source.0].id.clone(), &s.without))
        .collect();
    let evidence: Vec<ItemView> = a
        .items
        .iter()
        .map(|i| ItemView {
            id: model.items[i.item.0].id.clone(),
            weight_of_evidence_db: i.woe_db.iter().map(|w| finite(*w)).collect(),
            strength_db: finite(i.strength_db()),
            diagnostic: i.is_diagnostic(),
            leave_one_out: i.without.as_ref().map(|p| {
                p.iter()
                    .zip(&a.baseline)
                    .map(|(without, base)| without - base)
                    .collect()
            }),
            leading_without: i.without.as_ref().map(|p| hid(leader(p).0)),
        })
        .collect();
    let linchpins = Linchpins {
        items: a
            .items
            .iter()
            .map(|i| removal(model.items[i.item.0].id.clone(), &i.without))
            .filter(|r| r.changes_leader)
            .collect(),
        sources: sources_removed
            .iter()
            .filter(|r| r.changes_leader)
            .cloned()
            .collect(),
    };
    SensitivityView {
        schema: SCHEMA_VERSION,
        kind: "credence.sensitivity",
        model: ModelView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
        },
        range_mode: match a.mode {
            RangeMode::Plausible => "plausible",
            RangeMode::Full => "full",
        },
        points: a.points,
        flip_tolerance: FLIP_TOLERANCE,
        hypotheses: model
            .hypotheses
            .iter()
            .zip(&a.baseline)
            .map(|(h, &p)| BaselineHypothesis {
                id: h.id.clone(),
                title: h.title.clone(),
                posterior: p,
                icd203: model
                    .scales
                    .icd203_term(Probability::clamped(p))
                    .to_string(),
            })
            .collect(),
        leading,
        groups: model
            .groups
            .iter()
            .map(|g| {
                let p = g.total(&a.baseline);
                BaselineHypothesis {
                    id: g.id.clone(),
                    title: g.title.clone(),
                    posterior: p,
                    icd203: model
                        .scales
                        .icd203_term(Probability::clamped(p))
                        .to_string(),
                }
            })
            .collect(),
        parameters,
        linchpins,
        sources_removed,
        evidence,
    }
}

/// The flip nearest the model's value, as "below X: H" (moving the
/// parameter down past X makes H lead) or "above X: H".
fn nearest_flip(p: &ParameterView) -> String {
    let Some(f) = p.flips.iter().min_by(|a, b| {
        (a.at - p.reference)
            .abs()
            .total_cmp(&(b.at - p.reference).abs())
    }) else {
        return "never".to_string();
    };
    let mut s = if f.at < p.reference {
        format!("below {:.4}: {}", f.at, f.from)
    } else {
        format!("above {:.4}: {}", f.at, f.to)
    };
    if !f.resolved {
        s.push_str(" (approx.)");
    }
    if p.flips.len() > 1 {
        s.push_str(&format!(" (+{} more)", p.flips.len() - 1));
    }
    s
}

fn leading_of(view: &SensitivityView, posteriors: &[f64], lead: &str) -> String {
    let at = view
        .hypotheses
        .iter()
        .position(|h| h.id == lead)
        .and_then(|h| posteriors.get(h))
        .map_or_else(String::new, |p| format!(" at {p:.4}"));
    format!("{lead}{at}")
}

pub fn write_text(view: &SensitivityView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", view.model.title)?;
    if let Some(q) = &view.model.question {
        writeln!(out, "Question: {q}")?;
    }
    writeln!(out)?;
    let baseline: Vec<String> = view
        .hypotheses
        .iter()
        .map(|h| format!("{} {:.4}", h.id, h.posterior))
        .collect();
    writeln!(
        out,
        "Baseline: {}; leading: {}",
        baseline.join(", "),
        view.leading
    )?;
    for line in super::graph::wrap(&super::doc::sweep_note(view), NOTE_WIDTH) {
        writeln!(out, "{line}")?;
    }

    writeln!(out)?;
    writeln!(
        out,
        "Tornado: parameters by the largest swing of any posterior"
    )?;
    let mut header: Vec<String> = vec![
        "Parameter".into(),
        "Path".into(),
        "Model value".into(),
        "Range".into(),
        "Swing".into(),
    ];
    header.extend(view.hypotheses.iter().map(|h| format!("{} range", h.id)));
    header.push("Favours low/high".into());
    header.push("Leader changes (nearest)".into());
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let k = view.hypotheses.len();
    let mut t = Table::new(&header_refs).right_align(4..5 + k);
    for p in view.parameters.iter().take(TOP_PARAMETERS) {
        let mut row = vec![
            super::html::clip(&p.label, LABEL_WIDTH),
            p.path.clone(),
            p.written.clone(),
            format!("{:.4}-{:.4}", p.range[0], p.range[1]),
            format!("{:.4}", p.impact),
        ];
        if p.ranges.is_empty() {
            row.extend((0..k).map(|_| "impossible".to_string()));
        } else {
            row.extend(
                p.ranges
                    .iter()
                    .map(|r| format!("{:.4}-{:.4}", r.min, r.max)),
            );
        }
        let end = |h: &Option<String>| h.clone().unwrap_or_else(|| "impossible".into());
        row.push(format!(
            "{} / {}",
            end(&p.leading_at_low),
            end(&p.leading_at_high)
        ));
        row.push(nearest_flip(p));
        t.row(row);
    }
    if t.is_empty() {
        writeln!(
            out,
            "  (no parameter: no enabled item has a report or a likelihood to sweep)"
        )?;
    } else {
        t.write(out, "  ")?;
    }
    let rest = view.parameters.len().saturating_sub(TOP_PARAMETERS);
    if rest > 0 {
        writeln!(
            out,
            "  ... and {rest} more parameters (--format json lists all, with every grid point)"
        )?;
    }
    let flips = view
        .parameters
        .iter()
        .filter(|p| !p.flips.is_empty())
        .count();
    writeln!(
        out,
        "  {flips} of {} parameters can change the leader on their own.",
        view.parameters.len()
    )?;

    // From the model's own value to the nearest flip: how far one number
    // has to be wrong for the answer to change. Interval reliabilities have
    // no single value to measure from and are left out.
    let mut closest: Vec<(&ParameterView, &FlipView, f64)> = view
        .parameters
        .iter()
        .filter_map(|p| {
            let value = p.value?;
            let f = p
                .flips
                .iter()
                .min_by(|a, b| (a.at - value).abs().total_cmp(&(b.at - value).abs()))?;
            Some((p, f, f.at - value))
        })
        .collect();
    closest.sort_by(|a, b| a.2.abs().total_cmp(&b.2.abs()));
    if !closest.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Closest flip points: the smallest change to one parameter that changes the leader"
        )?;
        let mut t = Table::new(&[
            "Parameter",
            "Model value",
            "Flips at",
            "Change",
            "Then leads",
        ])
        .right_align([2, 3]);
        for (p, f, change) in closest.iter().take(TOP_FLIPS) {
            t.row(vec![
                p.path.clone(),
                p.written.clone(),
                format!("{:.4}{}", f.at, if f.resolved { "" } else { " (approx.)" }),
                format!("{change:+.4}"),
                if *change > 0.0 {
                    f.to.clone()
                } else {
                    f.from.clone()
                },
            ]);
        }
        t.write(out, "  ")?;
        if closest.len() > TOP_FLIPS {
            writeln!(out, "  ... and {} more", closest.len() - TOP_FLIPS)?;
        }
    }

    writeln!(out)?;
    writeln!(
        out,
        "Linchpins: removal alone changes the leading hypothesis"
    )?;
    if view.linchpins.items.is_empty() && view.linchpins.sources.is_empty() {
        writeln!(
            out,
            "  none: no single item or source removed changes the leader"
        )?;
    }
    for (what, list) in [
        ("item", &view.linchpins.items),
        ("source", &view.linchpins.sources),
    ] {
        for r in list {
            let lead = r.leading.as_deref().unwrap_or("?");
            let without = r
                .posteriors
                .as_deref()
                .map_or_else(|| lead.to_string(), |p| leading_of(view, p, lead));
            writeln!(
                out,
                "  {what} {}: without it {without} leads (instead of {})",
                r.id, view.leading
            )?;
        }
    }
    writeln!(
        out,
        "  (a source is removed by making each of its reports worthless, hit = false alarm: for an\n   observed report that is the same as deleting it, and what only relays it then carries nothing)"
    )?;

    writeln!(out)?;
    writeln!(out, "Weight of evidence and leave-one-out")?;
    writeln!(
        out,
        "(weight: 10 log10 of the likelihood ratio of the item's reports, decibans, each hypothesis\n against the rest; Δ: posterior with the item disabled minus the baseline, exact)"
    )?;
    let mut header: Vec<String> = vec!["Item".into()];
    header.extend(view.hypotheses.iter().map(|h| format!("dB {}", h.id)));
    header.push("Diagnostic".into());
    header.extend(view.hypotheses.iter().map(|h| format!("Δ {}", h.id)));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new(&header_refs).right_align((1..=k).chain(k + 2..k + 2 + k));
    let mut ranked: Vec<&ItemView> = view.evidence.iter().collect();
    ranked.sort_by(|a, b| {
        let sa = a.strength_db.unwrap_or(f64::INFINITY);
        let sb = b.strength_db.unwrap_or(f64::INFINITY);
        sb.total_cmp(&sa)
    });
    for e in ranked {
        let mut row = vec![e.id.clone()];
        row.extend(e.weight_of_evidence_db.iter().map(|w| match w {
            Some(w) => format!("{w:+.2}"),
            None => "rules out/in".to_string(),
        }));
        row.push(if e.diagnostic {
            "yes".to_string()
        } else {
            "not diagnostic".to_string()
        });
        match &e.leave_one_out {
            Some(d) => row.extend(d.iter().map(|x| format!("{x:+.4}"))),
            None => row.extend((0..k).map(|_| "impossible".to_string())),
        }
        t.row(row);
    }
    if t.is_empty() {
        writeln!(out, "  (no enabled items)")?;
    } else {
        t.write(out, "  ")?;
    }
    writeln!(
        out,
        "  (not diagnostic: below {DIAGNOSTIC_THRESHOLD_DB} dB for every hypothesis)"
    )?;
    Ok(())
}
