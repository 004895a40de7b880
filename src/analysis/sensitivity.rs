//! Sensitivity: how far each source's reliability and bias, each item's
//! likelihoods and each written prior would have to move to change the
//! answer; which items and sources are linchpins; and each item's weight of
//! evidence with its exact leave-one-out effect.
//!
//! Each parameter is swept over its plausible range by default (see
//! [`super::ranges`]: an interval, a verbal band, an Admiralty grade either
//! way, a point number's band), or over [0, 1] with [`RangeMode::Full`].
//!
//! Every sweep holds out only the items the swept parameter touches (see
//! [`Incremental::hold_out`]): the rest of the model is combined once per
//! parameter, and each grid point recompiles just the held-out items.

use crate::model::{
    Estimate, HypothesisId, ItemId, Model, Override, Probability, Reliability, ReportId, SourceId,
    rescaled_priors,
};
use crate::network::Factor;
use crate::network::factor::log_sum_exp;
use crate::network::incremental::{EventMessages, HeldOut, item_factor, items_of_source};
use crate::network::{Incremental, InferError};

use super::ranges::{self, PlausibleRange, RangeMode};
use super::{AnalysisError, DIAGNOSTIC_THRESHOLD_DB, budget, leader, weight_of_evidence};

/// Grid points per parameter unless asked otherwise.
pub const DEFAULT_POINTS: usize = 21;

/// A flip point is bracketed to this width on the parameter.
pub const FLIP_TOLERANCE: f64 = 1e-6;

/// One parameter a sweep moves over [0, 1].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parameter {
    /// A source's reliability r as a point value. For a source whose
    /// reliability is an interval (a latent node) this asks "what if its
    /// reliability were known to be r".
    Reliability(SourceId),
    /// The hit rate h of a source given as `{ hit, false_alarm }`.
    Hit(SourceId),
    /// The false-alarm rate f of a source given as `{ hit, false_alarm }`.
    FalseAlarm(SourceId),
    /// A source's bias b.
    Bias(SourceId),
    /// P(E | h) of an item.
    Likelihood(ItemId, HypothesisId),
    /// A hypothesis's prior, the others rescaled in proportion (as a
    /// scenario that sets one prior does). Swept only where the model
    /// writes priors.
    Prior(HypothesisId),
}

impl Parameter {
    /// The parameter as an override path (`.hit` and `.false_alarm` name the
    /// halves of a credibility pair).
    pub fn path(&self, model: &Model) -> String {
        let source = |s: &SourceId| &model.sources[s.0].id;
        match self {
            Parameter::Reliability(s) => format!("sources.{}.reliability", source(s)),
            Parameter::Hit(s) => format!("sources.{}.reliability.hit", source(s)),
            Parameter::FalseAlarm(s) => format!("sources.{}.reliability.false_alarm", source(s)),
            Parameter::Bias(s) => format!("sources.{}.bias", source(s)),
            Parameter::Likelihood(i, h) => format!(
                "evidence.{}.likelihood.{}",
                model.items[i.0].id, model.hypotheses[h.0].id
            ),
            Parameter::Prior(h) => format!("hypotheses.{}.prior", model.hypotheses[h.0].id),
        }
    }

    /// The parameter in words, for a reader who does not know the ids:
    /// "The Wall Street Journal: reliability", "About 500 fighters trained
    /// in Iran: P(E | Iran directed the attack)", "prior of Iran directed
    /// the attack".
    pub fn label(&self, model: &Model) -> String {
        let source = |s: &SourceId| &model.sources[s.0].title;
        match self {
            Parameter::Reliability(s) => format!("{}: reliability", source(s)),
            Parameter::Hit(s) => format!("{}: hit rate", source(s)),
            Parameter::FalseAlarm(s) => format!("{}: false-alarm rate", source(s)),
            Parameter::Bias(s) => format!("{}: bias", source(s)),
            Parameter::Likelihood(i, h) => format!(
                "{}: P(E | {})",
                model.items[i.0].claim, model.hypotheses[h.0].title
            ),
            Parameter::Prior(h) => format!("prior of {}", model.hypotheses[h.0].title),
        }
    }

    /// The model's own value; `None` for an interval reliability, which no
    /// point of the sweep reproduces.
    pub fn value(&self, model: &Model) -> Option<f64> {
        match self {
            Parameter::Reliability(s) => match &model.sources[s.0].reliability {
                Reliability::Accuracy(e) if !e.is_uncertain() => Some(e.point.get()),
                _ => None,
            },
            Parameter::Hit(s) | Parameter::FalseAlarm(s) => match &model.sources[s.0].reliability {
                Reliability::Credibility { hit, false_alarm } => Some(
                    if matches!(self, Parameter::Hit(_)) {
                        hit
                    } else {
                        false_alarm
                    }
                    .point
                    .get(),
                ),
                Reliability::Accuracy(_) => None,
            },
            Parameter::Bias(s) => Some(model.sources[s.0].bias_point().get()),
            Parameter::Likelihood(i, h) => Some(model.items[i.0].likelihood[h.0].point.get()),
            Parameter::Prior(h) => Some(model.hypotheses[h.0].prior.get()),
        }
    }

    /// The model's value as written.
    pub fn written(&self, model: &Model) -> String {
        match self {
            Parameter::Reliability(s) => match &model.sources[s.0].reliability {
                Reliability::Accuracy(e) => e.to_string(),
                Reliability::Credibility { .. } => "a credibility pair".to_string(),
            },
            Parameter::Hit(s) | Parameter::FalseAlarm(s) => match &model.sources[s.0].reliability {
                Reliability::Credibility { hit, false_alarm } => {
                    if matches!(self, Parameter::Hit(_)) {
                        hit.to_string()
                    } else {
                        false_alarm.to_string()
                    }
                }
                Reliability::Accuracy(e) => e.to_string(),
            },
            Parameter::Bias(s) => match &model.sources[s.0].bias {
                Some(b) => b.to_string(),
                None => "0.5 (default)".to_string(),
            },
            Parameter::Likelihood(i, h) => model.items[i.0].likelihood[h.0].to_string(),
            Parameter::Prior(h) => match &model.hypotheses[h.0].prior_written {
                Some(e) => e.to_string(),
                None => format!("{} (uniform)", model.hypotheses[h.0].prior.get()),
            },
        }
    }

    /// Set the parameter to `x` in `model`, everything else unchanged.
    pub fn set(&self, model: &mut Model, x: f64) {
        let e = Estimate::exact(Probability::clamped(x));
        match self {
            Parameter::Reliability(s) => model.sources[s.0].reliability = Reliability::Accuracy(e),
            Parameter::Hit(s) | Parameter::FalseAlarm(s) => {
                if let Reliability::Credibility { hit, false_alarm } =
                    &mut model.sources[s.0].reliability
                {
                    if matches!(self, Parameter::Hit(_)) {
                        *hit = e;
                    } else {
                        *false_alarm = e;
                    }
                }
            }
            Parameter::Bias(s) => model.sources[s.0].bias = Some(e),
            Parameter::Likelihood(i, h) => model.items[i.0].likelihood[h.0] = e,
            Parameter::Prior(h) => model.set_prior(*h, e.point),
        }
    }

    /// Put back the value `base` has.
    fn reset(&self, model: &mut Model, base: &Model) {
        match self {
            Parameter::Reliability(s) | Parameter::Hit(s) | Parameter::FalseAlarm(s) => {
                model.sources[s.0].reliability = base.sources[s.0].reliability.clone();
            }
            Parameter::Bias(s) => model.sources[s.0].bias = base.sources[s.0].bias.clone(),
            Parameter::Likelihood(i, h) => {
                model.items[i.0].likelihood[h.0] = base.items[i.0].likelihood[h.0].clone();
            }
            Parameter::Prior(_) => {
                for (hyp, b) in model.hypotheses.iter_mut().zip(&base.hypotheses) {
                    hyp.prior = b.prior;
                }
            }
        }
    }

    /// The items whose factor depends on this parameter.
    pub fn items(&self, model: &Model) -> Vec<ItemId> {
        match self {
            Parameter::Reliability(s)
            | Parameter::Hit(s)
            | Parameter::FalseAlarm(s)
            | Parameter::Bias(s) => items_of_source(model, *s),
            Parameter::Likelihood(i, _) => vec![*i],
            Parameter::Prior(_) => Vec::new(),
        }
    }
}

/// Sources reported by at least one enabled item, in model order: the ones
/// a sweep or a removal can move.
pub fn reported_sources(model: &Model) -> Vec<SourceId> {
    (0..model.sources.len())
        .map(SourceId)
        .filter(|&s| {
            model
                .items
                .iter()
                .any(|i| i.enabled && i.reports.iter().any(|r| r.source == s))
        })
        .collect()
}

/// The parameters of one source: its reliability (or both halves of a
/// credibility pair) and, for a reliability r, its bias.
pub fn source_parameters(model: &Model, s: SourceId) -> Vec<Parameter> {
    match &model.sources[s.0].reliability {
        Reliability::Accuracy(_) => vec![Parameter::Reliability(s), Parameter::Bias(s)],
        Reliability::Credibility { .. } => vec![Parameter::Hit(s), Parameter::FalseAlarm(s)],
    }
}

/// The priors a sweep moves: every hypothesis's, where the model writes
/// priors (a model that gives none has the uniform convention, not a
/// judgement to test).
pub fn prior_parameters(model: &Model) -> Vec<Parameter> {
    if model.hypotheses.iter().any(|h| h.prior_written.is_none()) {
        return Vec::new();
    }
    (0..model.hypotheses.len())
        .map(|h| Parameter::Prior(HypothesisId(h)))
        .collect()
}

/// Every parameter swept: each reported source's, then each enabled item's
/// likelihood under each hypothesis, then the priors (where written).
pub fn parameters(model: &Model) -> Vec<Parameter> {
    let mut out: Vec<Parameter> = reported_sources(model)
        .into_iter()
        .flat_map(|s| source_parameters(model, s))
        .collect();
    for (i, item) in model.items.iter().enumerate() {
        if item.enabled {
            out.extend(
                (0..model.hypotheses.len())
                    .map(|h| Parameter::Likelihood(ItemId(i), HypothesisId(h))),
            );
        }
    }
    out.extend(prior_parameters(model));
    out
}

/// The reliability that makes a report worthless: h = f = 0.5.
fn worthless() -> Reliability {
    let half = Estimate::exact(Probability::HALF);
    Reliability::Credibility {
        hit: half.clone(),
        false_alarm: half,
    }
}

/// Removing a source: every report of it made worthless (h = f), in every
/// item. For an observed report that is exactly deleting it, since its
/// factor is then the same under every state of its parent and cancels in
/// the posterior. Deleting the node itself would not do: a relay of it
/// would be left relaying nothing, and an item whose reports were all
/// deleted would read as established. A worthless report instead leaves
/// its relays carrying nothing of it, and such an item saying nothing.
/// h = f = 0.5 rather than r = 0 because r = 0 with a bias of 0 or 1 would
/// make a report of the other state impossible.
pub fn removal_overrides(model: &Model, s: SourceId) -> Vec<Override> {
    let mut out = Vec::new();
    for (i, item) in model.items.iter().enumerate() {
        for (r, report) in item.reports.iter().enumerate() {
            if report.source == s {
                out.push(Override::ReportReliability(
                    ItemId(i),
                    ReportId(r),
                    worthless(),
                ));
            }
        }
    }
    out
}

/// A change of leader between two points of a sweep, bracketed so that the
/// leader is `from` at `below` and `to` at `above`, going up.
#[derive(Clone, Debug, PartialEq)]
pub struct Flip {
    /// The midpoint of the bracket.
    pub at: f64,
    /// The bracket's lower end, where `from` leads.
    pub below: f64,
    /// The bracket's upper end, where `to` leads.
    pub above: f64,
    /// The leader below the flip.
    pub from: HypothesisId,
    /// The leader above it.
    pub to: HypothesisId,
    /// False when bisection met a point where the evidence is impossible
    /// and stopped with a bracket wider than [`FLIP_TOLERANCE`].
    pub resolved: bool,
}

/// One parameter swept over its range.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The number swept.
    pub parameter: Parameter,
    /// What the sweep covers, and why.
    pub range: PlausibleRange,
    /// The model's own value (`None` for an interval reliability).
    pub value: Option<f64>,
    /// How many items each point recompiles.
    pub items: usize,
    /// Each grid point and the posterior there (`None` where the evidence is
    /// impossible, e.g. a hit rate of 0 under a report that asserts).
    pub grid: Vec<(f64, Option<Vec<f64>>)>,
    /// Per hypothesis, the lowest and highest posterior over the grid;
    /// `None` when no grid point is possible.
    pub ranges: Option<Vec<(f64, f64)>>,
    /// The largest swing (max - min) of any posterior over the grid.
    pub impact: f64,
    /// Every change of leader along the sweep, in increasing order.
    pub flips: Vec<Flip>,
}

impl Sweep {
    /// The index in `flips` of the flip closest to `reference` (the
    /// model's value, or an interval's midpoint); the first of equally
    /// close ones.
    pub fn nearest_flip(&self, reference: f64) -> Option<usize> {
        (0..self.flips.len()).min_by(|&a, &b| {
            (self.flips[a].at - reference)
                .abs()
                .total_cmp(&(self.flips[b].at - reference).abs())
        })
    }
}

/// One enabled item: its weight of evidence and what removing it does.
#[derive(Clone, Debug)]
pub struct ItemSensitivity {
    /// The item.
    pub item: ItemId,
    /// ln P(reports | h) per hypothesis.
    pub log_likelihood: Vec<f64>,
    /// Weight of evidence per hypothesis against the rest, decibans.
    pub woe_db: Vec<f64>,
    /// The posterior with the item disabled (`None` when the rest of the
    /// evidence is impossible without it).
    pub without: Option<Vec<f64>>,
}

impl ItemSensitivity {
    /// The largest |weight of evidence| over hypotheses.
    pub fn strength_db(&self) -> f64 {
        self.woe_db.iter().map(|w| w.abs()).fold(0.0, f64::max)
    }

    /// Whether it moves some hypothesis by at least
    /// [`DIAGNOSTIC_THRESHOLD_DB`].
    pub fn is_diagnostic(&self) -> bool {
        self.strength_db() >= DIAGNOSTIC_THRESHOLD_DB
    }
}

/// One reported source and the posterior with it removed.
#[derive(Clone, Debug)]
pub struct SourceRemoval {
    /// The source.
    pub source: SourceId,
    /// `None` when the rest of the evidence is impossible without it.
    pub without: Option<Vec<f64>>,
}

/// What `credence sensitivity` computes: every parameter swept one at a
/// time, the flips of the leader, and what removing each item or source does.
#[derive(Clone, Debug)]
pub struct Sensitivity {
    /// The ranges the parameters were swept over.
    pub mode: RangeMode,
    /// Grid points per sweep.
    pub points: usize,
    /// The posterior of each hypothesis under the model as written.
    pub baseline: Vec<f64>,
    /// The baseline's leading hypothesis.
    pub leader: HypothesisId,
    /// Largest impact first (a tornado); ties in model order.
    pub sweeps: Vec<Sweep>,
    /// Enabled items, in model order.
    pub items: Vec<ItemSensitivity>,
    /// Reported sources, in model order.
    pub sources: Vec<SourceRemoval>,
}

impl Sensitivity {
    fn changes_leader(&self, without: &Option<Vec<f64>>) -> bool {
        without.as_ref().is_some_and(|p| leader(p) != self.leader)
    }

    /// Items whose removal alone changes the leading hypothesis.
    pub fn linchpin_items(&self) -> impl Iterator<Item = &ItemSensitivity> {
        self.items
            .iter()
            .filter(|i| self.changes_leader(&i.without))
    }

    /// Sources whose removal alone changes the leading hypothesis.
    pub fn linchpin_sources(&self) -> impl Iterator<Item = &SourceRemoval> {
        self.sources
            .iter()
            .filter(|s| self.changes_leader(&s.without))
    }
}

/// An impossible-evidence outcome is a point of the sweep, not a failure.
pub(crate) fn feasible(r: Result<Vec<f64>, InferError>) -> Result<Option<Vec<f64>>, AnalysisError> {
    match r {
        Ok(p) => Ok(Some(p)),
        Err(InferError::ImpossibleEvidence) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// How a sweep evaluates one point. Everything but the touched items is
/// combined once (`held`). A likelihood moves only its item's factor, which
/// is rebuilt from the item's event messages. A source parameter x moves each
/// report of the source through its hit and false-alarm rates, both affine
/// in x (h = r + (1-r)b and f = (1-r)b are affine in r and in b), and an
/// item's factor is a sum of products holding one CPT entry of each report:
/// so the factor of an item with one report of the source is exactly
/// (1-x) F(0) + x F(1), two compiles for the whole sweep, mixed without
/// cancellation. Items with several reports of the source are recompiled at
/// each point in a scratch copy of the model.
///
/// A prior moves no item: the posterior is the priors times the likelihood
/// of all the evidence under each hypothesis, which the engine gives once.
pub(crate) struct Evaluator<'e, 'm> {
    held: &'e HeldOut<'e>,
    how: How<'e, 'm>,
}

enum How<'e, 'm> {
    Messages {
        messages: Option<&'e EventMessages>,
        likelihood: Vec<f64>,
        h: usize,
    },
    Source {
        scratch: &'m mut Model,
        base: &'e Model,
        parts: Vec<Part>,
    },
    Prior {
        /// ln P(evidence | h).
        log_likelihood: Vec<f64>,
        priors: Vec<f64>,
        h: HypothesisId,
    },
}

/// How one held-out item's factor follows a source parameter.
enum Part {
    /// F(0) and F(1): the factor at x is their mixture.
    Affine(Factor, Factor),
    Recompile(ItemId),
}

impl Evaluator<'_, '_> {
    /// An evaluator of `parameter` over `held` (which holds out exactly
    /// `parameter.items(base)`); `messages` the held item's event messages
    /// for a likelihood. `scratch` must equal `base` and is left so by
    /// [`Evaluator::finish`].
    pub(crate) fn new<'e, 'm>(
        held: &'e HeldOut<'e>,
        messages: Option<&'e EventMessages>,
        scratch: &'m mut Model,
        base: &'e Model,
        parameter: Parameter,
    ) -> Result<Evaluator<'e, 'm>, AnalysisError> {
        let how = match parameter {
            Parameter::Likelihood(i, h) => How::Messages {
                messages,
                likelihood: base.items[i.0]
                    .likelihood
                    .iter()
                    .map(|l| l.point.get())
                    .collect(),
                h: h.0,
            },
            Parameter::Reliability(s)
            | Parameter::Hit(s)
            | Parameter::FalseAlarm(s)
            | Parameter::Bias(s) => {
                let mut parts = Vec::new();
                for &i in held.items() {
                    let item = &base.items[i.0];
                    if !item.enabled {
                        continue;
                    }
                    let reports = item.reports.iter().filter(|r| r.source == s).count();
                    let mut ends = || -> Result<Option<Part>, AnalysisError> {
                        if reports != 1 {
                            return Ok(None);
                        }
                        parameter.set(scratch, 0.0);
                        let f0 = item_factor(scratch, i)?;
                        parameter.set(scratch, 1.0);
                        let f1 = item_factor(scratch, i)?;
                        parameter.reset(scratch, base);
                        Ok(match (f0, f1) {
                            (Some(a), Some(b)) if a.vars() == b.vars() => Some(Part::Affine(a, b)),
                            _ => None,
                        })
                    };
                    parts.push(ends()?.unwrap_or(Part::Recompile(i)));
                }
                How::Source {
                    scratch,
                    base,
                    parts,
                }
            }
            Parameter::Prior(h) => How::Prior {
                log_likelihood: held.engine().hypothesis_log_likelihood()?,
                priors: base.priors(),
                h,
            },
        };
        Ok(Evaluator { held, how })
    }

    /// The posterior with the parameter at `x`; `None` where the evidence
    /// is impossible.
    pub(crate) fn eval(
        &mut self,
        parameter: Parameter,
        x: f64,
    ) -> Result<Option<Vec<f64>>, AnalysisError> {
        let factors: Vec<Factor> = match &mut self.how {
            How::Messages {
                messages,
                likelihood,
                h,
            } => {
                likelihood[*h] = x;
                messages.iter().map(|m| m.factor(likelihood)).collect()
            }
            How::Source { scratch, parts, .. } => {
                if parts.iter().any(|p| matches!(p, Part::Recompile(_))) {
                    parameter.set(scratch, x);
                }
                let mut factors = Vec::with_capacity(parts.len());
                for part in parts.iter() {
                    match part {
                        Part::Affine(f0, f1) => factors.push(mix(f0, f1, x)),
                        Part::Recompile(i) => factors.extend(item_factor(scratch, *i)?),
                    }
                }
                factors
            }
            How::Prior {
                log_likelihood,
                priors,
                h,
            } => {
                let priors = rescaled_priors(priors, *h, Probability::clamped(x));
                let logs: Vec<f64> = priors
                    .iter()
                    .zip(log_likelihood.iter())
                    .map(|(p, l)| p.get().ln() + l)
                    .collect();
                return Ok(Factor::from_logs(&[0], &[logs.len()], logs).normalized());
            }
        };
        feasible(self.held.hypotheses_with_factors(&factors))
    }

    /// Leave the scratch model as it was.
    pub(crate) fn finish(self, parameter: Parameter) {
        if let How::Source { scratch, base, .. } = self.how {
            parameter.reset(scratch, base);
        }
    }
}

/// (1 - x) F0 + x F1 entry by entry, for log factors over the same variables.
fn mix(f0: &Factor, f1: &Factor, x: f64) -> Factor {
    let (w0, w1) = ((1.0 - x).ln(), x.ln());
    let logs = f0
        .log_values()
        .iter()
        .zip(f1.log_values())
        .map(|(&a, &b)| log_sum_exp(&[w0 + a, w1 + b]))
        .collect();
    Factor::from_logs(f0.vars(), f0.cards(), logs)
}

/// The posterior with `parameter` set to `x` and everything else as in the
/// engine's model, computed as a sweep computes it; `None` where the
/// evidence is impossible.
pub fn evaluate(
    engine: &Incremental,
    parameter: Parameter,
    x: f64,
) -> Result<Option<Vec<f64>>, AnalysisError> {
    let model = engine.model();
    let held = engine.hold_out(&parameter.items(model))?;
    let mut scratch = model.clone();
    let messages = match parameter {
        Parameter::Likelihood(i, _) => EventMessages::new(&mut scratch, i)?,
        _ => None,
    };
    let mut e = Evaluator::new(&held, messages.as_ref(), &mut scratch, model, parameter)?;
    e.eval(parameter, x)
}

/// `points` evenly spaced values over [0, 1], both ends included.
pub fn grid(points: usize) -> Vec<f64> {
    let n = points.max(2);
    (0..n).map(|j| j as f64 / (n - 1) as f64).collect()
}

fn sweep(
    held: &HeldOut<'_>,
    messages: Option<&EventMessages>,
    scratch: &mut Model,
    base: &Model,
    parameter: Parameter,
    points: usize,
    mode: RangeMode,
) -> Result<Sweep, AnalysisError> {
    let range = ranges::range(base, parameter, mode);
    let mut evaluator = Evaluator::new(held, messages, scratch, base, parameter)?;
    let mut eval = |x: f64| evaluator.eval(parameter, x);
    let mut grid_out = Vec::with_capacity(points);
    for x in range.grid(points) {
        grid_out.push((x, eval(x)?));
    }
    let k = base.hypotheses.len();
    let mut ranges: Option<Vec<(f64, f64)>> = None;
    for p in grid_out.iter().filter_map(|(_, p)| p.as_ref()) {
        let r = ranges.get_or_insert_with(|| vec![(f64::INFINITY, f64::NEG_INFINITY); k]);
        for (range, &v) in r.iter_mut().zip(p) {
            range.0 = range.0.min(v);
            range.1 = range.1.max(v);
        }
    }
    let impact = ranges.as_ref().map_or(0.0, |r| {
        r.iter().map(|(lo, hi)| hi - lo).fold(0.0, f64::max)
    });
    let mut flips = Vec::new();
    let mut previous: Option<(f64, HypothesisId)> = None;
    for (x, p) in grid_out.clone() {
        let Some(p) = p else { continue };
        let here = leader(&p);
        if let Some((x0, from)) = previous
            && here != from
        {
            flips.push(bisect(&mut eval, x0, x, from, here)?);
        }
        previous = Some((x, here));
    }
    evaluator.finish(parameter);
    Ok(Sweep {
        parameter,
        range,
        value: parameter.value(base),
        items: held.items().len(),
        grid: grid_out,
        ranges,
        impact,
        flips,
    })
}

/// Narrow a bracket [lo, hi] with leader `from` at lo and `to` at hi down to
/// [`FLIP_TOLERANCE`], keeping that invariant.
fn bisect(
    eval: &mut impl FnMut(f64) -> Result<Option<Vec<f64>>, AnalysisError>,
    mut lo: f64,
    mut hi: f64,
    from: HypothesisId,
    mut to: HypothesisId,
) -> Result<Flip, AnalysisError> {
    let mut resolved = true;
    while hi - lo > FLIP_TOLERANCE {
        let mid = 0.5 * (lo + hi);
        let Some(p) = eval(mid)? else {
            resolved = false;
            break;
        };
        let here = leader(&p);
        if here == from {
            lo = mid;
        } else {
            hi = mid;
            to = here;
        }
    }
    Ok(Flip {
        at: 0.5 * (lo + hi),
        below: lo,
        above: hi,
        from,
        to,
        resolved,
    })
}

/// What a full run costs: each sweep keeps `points` posteriors; each point
/// is one inference, as large as the model's largest elimination table,
/// over the held-out items (one for a likelihood, the source's items for a
/// source parameter, none for a prior). Flip bisection adds a few points
/// per flip, not counted.
pub fn estimate(model: &Model, engine: &Incremental, points: usize) -> budget::Estimate {
    let k = model.hypotheses.len() as f64;
    let items = model.items.iter().filter(|i| i.enabled).count() as f64;
    let (mut parameters, mut source_evaluations) = (0.0, 0.0);
    // Each point also rewrites the held-out items' tables, as large as
    // their reports: a likelihood's item for each hypothesis, a source
    // parameter's items.
    let mut rewritten: f64 = model
        .items
        .iter()
        .filter(|i| i.enabled)
        .map(|i| k * budget::item_entries(model, i, true))
        .sum();
    for s in reported_sources(model) {
        let n = source_parameters(model, s).len() as f64;
        let held_out = items_of_source(model, s);
        parameters += n;
        source_evaluations += n * held_out.len().max(1) as f64;
        rewritten += n * held_out
            .iter()
            .map(|i| budget::item_entries(model, &model.items[i.0], true))
            .sum::<f64>();
    }
    let priors = prior_parameters(model).len() as f64;
    parameters += priors;
    source_evaluations += priors;
    let points = points as f64;
    let per_inference = engine.elimination_entries();
    budget::Estimate {
        results: (items * k + parameters) * points * k,
        results_budget: budget::MAX_PRINTED_RESULTS,
        work: points * (per_inference * (items * k + source_evaluations) + rewritten),
    }
}

/// Sweep every parameter over `points` values of its plausible range (see
/// [`super::ranges`]), find linchpins, and weigh every enabled item.
pub fn analyse(model: &Model, points: usize) -> Result<Sensitivity, AnalysisError> {
    analyse_over(model, points, RangeMode::Plausible)
}

/// As [`analyse`], each parameter swept over its range in `mode`.
pub fn analyse_over(
    model: &Model,
    points: usize,
    mode: RangeMode,
) -> Result<Sensitivity, AnalysisError> {
    let points = points.max(2);
    let engine = Incremental::new(model)?;
    estimate(model, &engine, points).check(
        "sensitivity",
        || {
            "each of the items' likelihoods, for each hypothesis, is swept and every point's posterior kept: use fewer --points, or split the model (fewer hypotheses or items)".to_string()
        },
        || {
            "every sweep point is one inference over the latent reliabilities the model ties together: use fewer --points, give some sources a point reliability (or a lower reliability_levels), or use `credence simulate`".to_string()
        },
    )?;
    let baseline = engine.hypotheses()?;
    let priors = model.priors();
    let mut scratch = model.clone();
    let mut sweeps = Vec::new();
    let mut sources = Vec::new();
    for s in reported_sources(model) {
        let held = engine.hold_out(&items_of_source(model, s))?;
        for p in source_parameters(model, s) {
            sweeps.push(sweep(&held, None, &mut scratch, model, p, points, mode)?);
        }
        let removed = crate::model::overrides::apply(model, &removal_overrides(model, s));
        sources.push(SourceRemoval {
            source: s,
            without: feasible(held.hypotheses_with(&removed))?,
        });
    }
    let mut items = Vec::new();
    for (i, item) in model.items.iter().enumerate() {
        if !item.enabled {
            continue;
        }
        let i = ItemId(i);
        let held = engine.hold_out(&[i])?;
        let messages = EventMessages::new(&mut scratch, i)?;
        for h in 0..model.hypotheses.len() {
            let p = Parameter::Likelihood(i, HypothesisId(h));
            sweeps.push(sweep(
                &held,
                messages.as_ref(),
                &mut scratch,
                model,
                p,
                points,
                mode,
            )?);
        }
        let log_likelihood = engine
            .item_log_likelihood(i)?
            .unwrap_or_else(|| vec![0.0; priors.len()]);
        items.push(ItemSensitivity {
            item: i,
            woe_db: weight_of_evidence(&log_likelihood, &priors),
            log_likelihood,
            without: feasible(held.hypotheses_without())?,
        });
    }
    let prior_sweeps = prior_parameters(model);
    if !prior_sweeps.is_empty() {
        let held = engine.hold_out(&[])?;
        for p in prior_sweeps {
            sweeps.push(sweep(&held, None, &mut scratch, model, p, points, mode)?);
        }
    }
    // Stable: equal impacts keep model order.
    sweeps.sort_by(|a, b| b.impact.total_cmp(&a.impact));
    Ok(Sensitivity {
        mode,
        points,
        leader: leader(&baseline),
        baseline,
        sweeps,
        items,
        sources,
    })
}
