//! The `sensitivity` output (kind `credence.sensitivity`, schema 1,
//! docs/JSON.md): its serializable view, a text printer (tornado, flip
//! points, linchpins, weight of evidence) and a JSON printer.

use serde::Serialize;

use super::{ModelView, SCHEMA_VERSION, finite};
use crate::analysis::leader;
use crate::analysis::ranges::RangeMode;
use crate::analysis::sensitivity::{FLIP_TOLERANCE, Parameter, Sensitivity};
use crate::model::{Model, Probability};

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
        parameters,
        linchpins,
        sources_removed,
        evidence,
    }
}
