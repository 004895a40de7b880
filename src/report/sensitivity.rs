//! The `sensitivity` view (kind `credence.sensitivity`, schema 1,
//! docs/JSON.md): every parameter's sweep and flips, the closest flips,
//! linchpins, weight of evidence and leave-one-out, ranked here once for
//! every format (the document, `doc/sensitivity.rs`, only lays it out).

use serde::Serialize;

use super::{ModelView, SCHEMA_VERSION, finite};
use crate::analysis::leader;
use crate::analysis::ranges::RangeMode;
use crate::analysis::sensitivity::{FLIP_TOLERANCE, Parameter, Sensitivity};
use crate::model::{Model, Probability};

/// The `sensitivity` view (kind `credence.sensitivity`; docs/JSON.md): every
/// parameter swept over its range, flips, linchpins and leave-one-out.
#[derive(Clone, Debug, Serialize)]
pub struct SensitivityView {
    /// The schema version.
    pub schema: u32,
    /// `credence.sensitivity`.
    pub kind: &'static str,
    /// The model's title, question and cut-off.
    pub model: ModelView,
    /// `plausible` (each parameter over its stated range) or `full` ([0, 1]).
    pub range_mode: &'static str,
    /// Grid points per parameter, over its range with both ends.
    pub points: usize,
    /// How narrowly bisection brackets each flip.
    pub flip_tolerance: f64,
    /// Baseline posteriors, in hypothesis order.
    pub hypotheses: Vec<BaselineHypothesis>,
    /// The baseline's leading hypothesis.
    pub leading: String,
    /// The model's groups with their baseline posteriors (sums of their
    /// members'); empty when it has none.
    pub groups: Vec<BaselineHypothesis>,
    /// Largest impact first.
    pub parameters: Vec<ParameterView>,
    /// For each parameter with a value of its own (not an interval
    /// reliability) that can change the leader: its flip nearest that value,
    /// smallest change first.
    pub closest_flips: Vec<ClosestFlipView>,
    /// Items and sources whose removal alone changes the leader.
    pub linchpins: Linchpins,
    /// Every source reported by an enabled item, removed alone.
    pub sources_removed: Vec<RemovalView>,
    /// Every enabled item, in model order.
    pub evidence: Vec<ItemView>,
    /// Indices into `evidence`, strongest weight first (an infinite weight
    /// first; ties in model order).
    pub evidence_ranking: Vec<usize>,
}

/// The smallest change to one parameter that changes the leader.
#[derive(Clone, Debug, Serialize)]
pub struct ClosestFlipView {
    /// Index into `parameters`.
    pub parameter: usize,
    /// Index into that parameter's `flips`.
    pub flip: usize,
    /// The flip's point minus the parameter's value.
    pub change: f64,
}

/// One hypothesis's baseline posterior.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineHypothesis {
    /// The hypothesis id.
    pub id: String,
    /// What it says.
    pub title: String,
    /// Its posterior under the model as written.
    pub posterior: f64,
    /// The ICD 203 words for it.
    pub icd203: String,
}

/// One parameter swept over its range.
#[derive(Clone, Debug, Serialize)]
pub struct ParameterView {
    /// Its override path.
    pub path: String,
    /// The parameter in words: "Source title: reliability", "claim: P(E |
    /// hypothesis title)", "prior of hypothesis title".
    pub label: String,
    /// reliability, hit, false_alarm, bias, likelihood or prior.
    pub kind: &'static str,
    /// The source id, for a source's reliability or bias.
    pub source: Option<String>,
    /// The item id, for a likelihood.
    pub item: Option<String>,
    /// The hypothesis id, for a likelihood or a prior.
    pub hypothesis: Option<String>,
    /// The model's own value; null for an interval reliability (a latent
    /// node), which the sweep replaces by a point value.
    pub value: Option<f64>,
    /// The model's value, or an interval's midpoint: where "nearest" flips
    /// are measured from.
    pub reference: f64,
    /// The value as the model writes it.
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
    /// The leading hypothesis at the high end (null where the evidence is
    /// impossible there).
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
    /// Index into `flips` of the flip nearest `reference`; null when none.
    pub nearest_flip: Option<usize>,
    /// Each grid point and the posteriors there.
    pub grid: Vec<GridPoint>,
}

/// The lowest and highest posterior of one hypothesis over a sweep.
#[derive(Clone, Debug, Serialize)]
pub struct RangeView {
    /// The hypothesis id.
    pub hypothesis: String,
    /// Its lowest posterior.
    pub min: f64,
    /// Its highest posterior.
    pub max: f64,
}

/// A change of leader along a sweep.
#[derive(Clone, Debug, Serialize)]
pub struct FlipView {
    /// Where, to within `flip_tolerance`: the bracket's midpoint.
    pub at: f64,
    /// The leader is `from` at `below` and `to` at `above`.
    pub below: f64,
    /// The bracket's upper end, where `to` leads.
    pub above: f64,
    /// The leader below the flip.
    pub from: String,
    /// The leader above it.
    pub to: String,
    /// False when the bracket could not be narrowed to `flip_tolerance`.
    pub resolved: bool,
}

/// One point of a sweep.
#[derive(Clone, Debug, Serialize)]
pub struct GridPoint {
    /// The parameter's value there.
    pub value: f64,
    /// Per hypothesis; null where the evidence is impossible.
    pub posteriors: Option<Vec<f64>>,
}

/// What removal alone changes the leader.
#[derive(Clone, Debug, Serialize)]
pub struct Linchpins {
    /// Items whose removal changes the leader.
    pub items: Vec<RemovalView>,
    /// Sources whose removal changes the leader.
    pub sources: Vec<RemovalView>,
}

/// An item or source removed alone.
#[derive(Clone, Debug, Serialize)]
pub struct RemovalView {
    /// Its id.
    pub id: String,
    /// Posteriors without it; null when the rest is impossible without it.
    pub posteriors: Option<Vec<f64>>,
    /// The leader without it.
    pub leading: Option<String>,
    /// Whether that differs from the baseline's leader.
    pub changes_leader: bool,
}

/// One enabled item's weight of evidence and leave-one-out.
#[derive(Clone, Debug, Serialize)]
pub struct ItemView {
    /// The item id.
    pub id: String,
    /// Per hypothesis against the rest, decibans; null where infinite.
    pub weight_of_evidence_db: Vec<Option<f64>>,
    /// The largest |weight| over hypotheses; null where infinite.
    pub strength_db: Option<f64>,
    /// False when every weight is below 0.05 dB.
    pub diagnostic: bool,
    /// Posterior with the item disabled minus the baseline, per hypothesis;
    /// null when the rest of the evidence is impossible without it.
    pub leave_one_out: Option<Vec<f64>>,
    /// The leader with the item disabled.
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
                nearest_flip: s.nearest_flip(s.range.reference),
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
    // From the model's own value to the nearest flip: how far one number
    // has to be wrong for the answer to change. Interval reliabilities have
    // no single value to measure from and are left out.
    let mut closest_flips: Vec<ClosestFlipView> = a
        .sweeps
        .iter()
        .enumerate()
        .filter_map(|(parameter, s)| {
            let value = s.value?;
            let flip = s.nearest_flip(value)?;
            Some(ClosestFlipView {
                parameter,
                flip,
                change: s.flips[flip].at - value,
            })
        })
        .collect();
    closest_flips.sort_by(|a, b| a.change.abs().total_cmp(&b.change.abs()));
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
    let mut evidence_ranking: Vec<usize> = (0..evidence.len()).collect();
    let strength = |k: usize| evidence[k].strength_db.unwrap_or(f64::INFINITY);
    evidence_ranking.sort_by(|&a, &b| strength(b).total_cmp(&strength(a)));
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
        closest_flips,
        linchpins,
        sources_removed,
        evidence,
        evidence_ranking,
    }
}
