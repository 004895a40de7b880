//! Plausible ranges: how far each number of a model could reasonably be off,
//! by the model's own statement of its uncertainty; and the nearest change
//! within those ranges that overturns a judgement about the posterior.
//!
//! The range of a parameter follows from how the analyst wrote it:
//!
//! * an interval `[low, high]`: the interval;
//! * an ICD 203 term (`"likely"`): its band in the model's scale;
//! * an Admiralty letter for a reliability: the neighbouring grades, one
//!   either way (B, 0.8, spans C 0.6 to A 0.95; the top and bottom grades
//!   stop at their own value); F, "cannot be judged", is its interval [0, 1];
//! * an ACH rating (`"C"`) for a likelihood: halfway to the neighbouring
//!   ratings (C, 0.8, spans 0.65 to 0.875), so the ratings tile their scale
//!   as the ICD 203 bands do;
//! * a point number: its odds multiplied and divided by
//!   [`POINT_ODDS_FACTOR`] (1.5): 0.5 spans 0.4 to 0.6 (±0.1, the common
//!   rule of thumb), 0.8 spans 0.727 to 0.857, 0.95 spans 0.927 to 0.966,
//!   0.02 spans 0.0134 to 0.0297. A fixed band in probability would not do:
//!   ±0.1 takes 0.99 to 1 and 0.02 to 0, turning a strong statement into
//!   certainty or impossibility, a change no analyst means by "about 0.02".
//!   A band in log-odds shrinks near 0 and 1 as the meaning of a digit does,
//!   and is narrower than a verbal term's band (which spans a factor of 2.5
//!   to 5 in odds): a number is written more precisely than a word.
//!   Exactly 0 and 1 are statements of certainty and are not moved (write
//!   an interval to test them);
//! * a bias nobody wrote: the default 0.5's point band, 0.4 to 0.6;
//! * a prior: as any other number (swept only where the model writes
//!   priors).
//!
//! `RangeMode::Full` replaces every range by [0, 1].
//!
//! The flip search ([`flips_within`]) moves one parameter at a time from its
//! reference value (the model's value, or an interval's midpoint) towards
//! each end of its range and finds the nearest value at which a caller's
//! predicate on the posterior fails, bracketed by bisection on the
//! incremental engine to [`FLIP_TOLERANCE`]. Distance is measured as the
//! share of the range used: the change over the distance from the
//! reference to the end of the range on that side (0 at the reference, 1 at
//! the end), so a reliability given to a grade and a likelihood given to a
//! digit compare by how much of their own stated uncertainty it takes. The
//! change in probability is given beside it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::model::{Estimate, HypothesisId, ItemId, Model, Reliability, Scales, SourceId};
use crate::network::Incremental;
use crate::network::incremental::HeldOut;
use crate::network::incremental::{EventMessages, items_of_source};

use super::sensitivity::{
    Evaluator, FLIP_TOLERANCE, Parameter, parameters, prior_parameters, reported_sources,
    source_parameters,
};
use super::{AnalysisError, budget};

/// A point number's plausible range multiplies and divides its odds by
/// this factor (see the module documentation for why).
pub const POINT_ODDS_FACTOR: f64 = 1.5;

/// Steps from the reference to each end of a range at which the flip
/// search evaluates the engine before bisecting, for parameters each of
/// whose values costs a recombination (a source's reliability or bias).
pub const ENGINE_STEPS: usize = 16;

/// Steps to each end for parameters whose posterior is known in closed form
/// along the range (a likelihood, a prior): these cost no inference.
pub const CLOSED_FORM_STEPS: usize = 64;

/// Which range a sweep or a flip search moves each parameter over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RangeMode {
    /// The range the model states (see the module documentation).
    #[default]
    Plausible,
    /// [0, 1] for every parameter.
    Full,
}

/// Why a parameter's range is what it is.
#[derive(Clone, Debug, PartialEq)]
pub enum Basis {
    /// [0, 1], as asked (`--range full`).
    Full,
    /// An interval, as written.
    Interval,
    /// The band of an ICD 203 term.
    Verbal(String),
    /// An ACH rating: halfway to the neighbouring ratings.
    Ach(String),
    /// An Admiralty letter: from the grade below to the grade above (`None`
    /// where the letter is the lowest or highest grade).
    Admiralty {
        /// The letter as written.
        letter: String,
        /// The next grade down.
        below: Option<String>,
        /// The next grade up.
        above: Option<String>,
    },
    /// An Admiralty letter that stands for an interval (F: reliability
    /// cannot be judged).
    AdmiraltyInterval(String),
    /// A point number: its odds multiplied and divided by
    /// [`POINT_ODDS_FACTOR`].
    Point,
    /// A bias the model does not write: the point band of the default 0.5.
    DefaultBias,
    /// 0 or 1: certainty, not moved.
    Certain,
}

impl Basis {
    /// A one-word name: `full`, `interval`, `verbal`, `ach`, `admiralty`,
    /// `point`, `default` or `certain`.
    pub fn kind(&self) -> &'static str {
        match self {
            Basis::Full => "full",
            Basis::Interval => "interval",
            Basis::Verbal(_) => "verbal",
            Basis::Ach(_) => "ach",
            Basis::Admiralty { .. } | Basis::AdmiraltyInterval(_) => "admiralty",
            Basis::Point => "point",
            Basis::DefaultBias => "default",
            Basis::Certain => "certain",
        }
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::Full => write!(f, "the full range [0, 1]"),
            Basis::Interval => write!(f, "the interval as written"),
            Basis::Verbal(term) => write!(f, "the ICD 203 band of \"{term}\""),
            Basis::Ach(rating) => {
                write!(f, "ACH \"{rating}\": halfway to the neighbouring ratings")
            }
            Basis::Admiralty {
                letter,
                below,
                above,
            } => {
                let grade = |g: &Option<String>| g.clone().unwrap_or_else(|| letter.clone());
                write!(
                    f,
                    "Admiralty {letter}, one grade either way ({} to {})",
                    grade(below),
                    grade(above)
                )
            }
            Basis::AdmiraltyInterval(letter) => {
                write!(f, "Admiralty {letter}: reliability cannot be judged")
            }
            Basis::Point => write!(f, "a point number: odds ×/÷ {POINT_ODDS_FACTOR}"),
            Basis::DefaultBias => write!(f, "the default bias 0.5: odds ×/÷ {POINT_ODDS_FACTOR}"),
            Basis::Certain => write!(f, "certainty (0 or 1), not moved"),
        }
    }
}

/// The range a parameter is moved over, and where it is measured from.
#[derive(Clone, Debug, PartialEq)]
pub struct PlausibleRange {
    /// The lowest value swept.
    pub low: f64,
    /// The highest value swept.
    pub high: f64,
    /// The model's value, or an interval's midpoint (for an interval
    /// reliability, which `report` treats as a latent node, the point
    /// value the sweep starts from). Within `[low, high]`.
    pub reference: f64,
    /// Why the range is what it is.
    pub basis: Basis,
}

impl PlausibleRange {
    fn new(low: f64, high: f64, reference: f64, basis: Basis) -> PlausibleRange {
        PlausibleRange {
            low,
            high,
            reference: reference.clamp(low, high),
            basis,
        }
    }

    /// `points` evenly spaced values from `low` to `high`, both ends
    /// included exactly.
    pub fn grid(&self, points: usize) -> Vec<f64> {
        let n = points.max(2);
        (0..n)
            .map(|j| {
                if j == n - 1 {
                    self.high
                } else {
                    self.low + (self.high - self.low) * j as f64 / (n - 1) as f64
                }
            })
            .collect()
    }

    /// True when the range is a single value: nothing to move.
    pub fn is_fixed(&self) -> bool {
        self.low >= self.high
    }

    /// How much of the range `x` uses: |x − reference| over the distance
    /// from the reference to the end on x's side (0 at the reference, 1 at
    /// that end).
    pub fn share(&self, x: f64) -> f64 {
        let end = if x < self.reference {
            self.low
        } else {
            self.high
        };
        let span = (end - self.reference).abs();
        if span > 0.0 {
            ((x - self.reference).abs() / span).min(1.0)
        } else {
            0.0
        }
    }
}

/// The range of a point number `x` with basis `basis`: its odds multiplied
/// and divided by [`POINT_ODDS_FACTOR`]; 0 and 1 stay where they are.
pub fn point_band(x: f64, basis: Basis) -> PlausibleRange {
    if x <= 0.0 || x >= 1.0 {
        return PlausibleRange::new(x, x, x, Basis::Certain);
    }
    let odds = x / (1.0 - x);
    let at = |o: f64| o / (1.0 + o);
    PlausibleRange::new(
        at(odds / POINT_ODDS_FACTOR),
        at(odds * POINT_ODDS_FACTOR),
        x,
        basis,
    )
}

/// The range of a likelihood-like estimate: an interval or verbal band as
/// written, an ACH rating halfway to its neighbours, a number its point band.
fn estimate_range(e: &Estimate, scales: &Scales) -> PlausibleRange {
    let x = e.point.get();
    if let Some(r) = e.range.filter(|_| e.is_uncertain()) {
        let basis = e.label.clone().map_or(Basis::Interval, Basis::Verbal);
        return PlausibleRange::new(r.low().get(), r.high().get(), x, basis);
    }
    if let Some(label) = &e.label
        && let Some((low, high)) = ach_band(scales, label)
    {
        return PlausibleRange::new(low, high, x, Basis::Ach(label.clone()));
    }
    point_band(x, Basis::Point)
}

/// Halfway from an ACH rating's value to its neighbours' (its own value at
/// the ends of the scale).
fn ach_band(scales: &Scales, rating: &str) -> Option<(f64, f64)> {
    let value = scales.ach.iter().find(|(t, _)| t == rating)?.1.get();
    let below = scales
        .ach
        .iter()
        .map(|(_, v)| v.get())
        .filter(|&v| v < value)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let above = scales
        .ach
        .iter()
        .map(|(_, v)| v.get())
        .filter(|&v| v > value)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))));
    Some((
        below.map_or(value, |b| (b + value) / 2.0),
        above.map_or(value, |a| (a + value) / 2.0),
    ))
}

/// The range of a reliability r: an Admiralty letter's neighbouring grades,
/// an interval as written, a number its point band.
fn reliability_range(e: &Estimate, scales: &Scales) -> PlausibleRange {
    let x = e.point.get();
    match (&e.label, e.range.filter(|_| e.is_uncertain())) {
        (Some(letter), Some(r)) => PlausibleRange::new(
            r.low().get(),
            r.high().get(),
            x,
            Basis::AdmiraltyInterval(letter.clone()),
        ),
        (None, Some(r)) => PlausibleRange::new(r.low().get(), r.high().get(), x, Basis::Interval),
        (Some(letter), None) => {
            // The graded letters (those that stand for a point), by value.
            let graded: Vec<(&str, f64)> = scales
                .admiralty
                .iter()
                .filter(|(_, g)| !g.is_uncertain())
                .map(|(l, g)| (l.as_str(), g.point.get()))
                .collect();
            let below = graded
                .iter()
                .filter(|(_, v)| *v < x)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let above = graded
                .iter()
                .filter(|(_, v)| *v > x)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            PlausibleRange::new(
                below.map_or(x, |g| g.1),
                above.map_or(x, |g| g.1),
                x,
                Basis::Admiralty {
                    letter: letter.clone(),
                    below: below.map(|g| g.0.to_string()),
                    above: above.map(|g| g.0.to_string()),
                },
            )
        }
        (None, None) => point_band(x, Basis::Point),
    }
}

/// The plausible range of one parameter, by how the model writes it.
pub fn plausible_range(model: &Model, parameter: Parameter) -> PlausibleRange {
    let scales = &model.scales;
    match parameter {
        Parameter::Reliability(s) => match &model.sources[s.0].reliability {
            Reliability::Accuracy(e) => reliability_range(e, scales),
            // `source_parameters` gives a credibility pair's halves instead.
            Reliability::Credibility { .. } => PlausibleRange::new(0.0, 1.0, 0.5, Basis::Full),
        },
        Parameter::Hit(s) | Parameter::FalseAlarm(s) => match &model.sources[s.0].reliability {
            Reliability::Credibility { hit, false_alarm } => estimate_range(
                if matches!(parameter, Parameter::Hit(_)) {
                    hit
                } else {
                    false_alarm
                },
                scales,
            ),
            Reliability::Accuracy(e) => reliability_range(e, scales),
        },
        Parameter::Bias(s) => match &model.sources[s.0].bias {
            Some(e) => estimate_range(e, scales),
            None => point_band(0.5, Basis::DefaultBias),
        },
        Parameter::Likelihood(i, h) => estimate_range(&model.items[i.0].likelihood[h.0], scales),
        Parameter::Prior(h) => {
            let hyp = &model.hypotheses[h.0];
            let x = hyp.prior.get();
            match &hyp.prior_written {
                Some(e) if e.is_uncertain() => {
                    let mut r = estimate_range(e, scales);
                    // The normalised prior, which inference uses.
                    r.reference = x.clamp(r.low, r.high);
                    r
                }
                _ => point_band(x, Basis::Point),
            }
        }
    }
}

/// The range a parameter moves over in `mode`.
pub fn range(model: &Model, parameter: Parameter, mode: RangeMode) -> PlausibleRange {
    let plausible = plausible_range(model, parameter);
    match mode {
        RangeMode::Plausible => plausible,
        RangeMode::Full => PlausibleRange::new(0.0, 1.0, plausible.reference, Basis::Full),
    }
}

/// Every parameter a sweep or a flip search moves, with its range in
/// `mode`, in the order of [`parameters`].
pub fn ranges(model: &Model, mode: RangeMode) -> Vec<(Parameter, PlausibleRange)> {
    parameters(model)
        .into_iter()
        .map(|p| (p, range(model, p, mode)))
        .collect()
}

/// The nearest value of one parameter, within its range, at which a
/// predicate on the posterior fails.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeFlip {
    /// The parameter moved (its path and words: [`Parameter::path`],
    /// [`Parameter::label`]).
    pub parameter: Parameter,
    /// Its range in the mode searched.
    pub range: PlausibleRange,
    /// Where the predicate fails: the end of the bracket away from the
    /// reference (the reference itself when it fails there).
    pub value: f64,
    /// The other end of the bracket, where the predicate still holds.
    pub holds_at: f64,
    /// |value − reference|, in probability.
    pub distance: f64,
    /// How much of the range on that side the change uses, in (0, 1]
    /// (see [`PlausibleRange::share`]); what flips are ranked by.
    pub share: f64,
    /// The posterior of the hypotheses at `value`, by the engine.
    pub posterior: Vec<f64>,
    /// False when bisection met a value where the evidence is impossible
    /// and stopped with a bracket wider than [`FLIP_TOLERANCE`].
    pub resolved: bool,
}

/// For every parameter whose range holds a value where `holds` fails, the
/// nearest such value to its reference: nearest first (by share of the
/// range, then by distance, then in parameter order).
///
/// `holds` is asked of hypothesis posteriors (model order); it should hold
/// at the model as written. Each source's parameters are evaluated on the
/// engine with the source's items held out (a recombination per value);
/// a likelihood or a prior moves the posterior along a known curve (the
/// joint of its hypothesis is affine in the likelihood; priors multiply
/// the likelihood of the evidence), so two engine evaluations fix it and
/// the search costs no more. The posterior at each flip is the engine's.
pub fn flips_within(
    engine: &Incremental,
    mode: RangeMode,
    holds: &(dyn Fn(&[f64]) -> bool + Sync),
) -> Result<Vec<RangeFlip>, AnalysisError> {
    flips_within_reusing(&HoldOuts::new(engine), mode, holds)
}

/// The engine's hold-outs ([`Incremental::hold_out`]), each combined once
/// however often it is asked for: the searches for several statements, and
/// the linchpins after them, hold out the same sources and items.
pub struct HoldOuts<'e> {
    engine: &'e Incremental,
    made: Mutex<HashMap<Vec<ItemId>, HeldOut<'e>>>,
}

impl<'e> HoldOuts<'e> {
    /// None made yet.
    pub fn new(engine: &'e Incremental) -> HoldOuts<'e> {
        HoldOuts {
            engine,
            made: Mutex::new(HashMap::new()),
        }
    }

    /// The engine they are held out of.
    pub fn engine(&self) -> &'e Incremental {
        self.engine
    }

    /// The engine with `items` held out: the same as `hold_out(items)`.
    pub fn of(&self, items: &[ItemId]) -> Result<HeldOut<'e>, AnalysisError> {
        let mut key = items.to_vec();
        key.sort_unstable();
        key.dedup();
        // A poisoned lock only means another search panicked: what it
        // holds is still whole.
        let made = |m: &Mutex<HashMap<Vec<ItemId>, HeldOut<'e>>>| {
            m.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&key)
                .cloned()
        };
        if let Some(held) = made(&self.made) {
            return Ok(held);
        }
        let held = self.engine.hold_out(&key)?;
        self.made
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, held.clone());
        Ok(held)
    }
}

/// [`flips_within`], with the hold-outs taken from (and kept in) `held`.
pub fn flips_within_reusing(
    held: &HoldOuts<'_>,
    mode: RangeMode,
    holds: &(dyn Fn(&[f64]) -> bool + Sync),
) -> Result<Vec<RangeFlip>, AnalysisError> {
    let engine = held.engine();
    let model = engine.model();
    // Each source's and each item's search is independent of every other:
    // they run on every core, each with its own scratch copy of the model,
    // and are gathered in model order, each the same arithmetic as one at
    // a time (so the result does not depend on the threads).
    let sources: Vec<Result<Vec<RangeFlip>, AnalysisError>> = reported_sources(model)
        .par_iter()
        .map_init(
            || model.clone(),
            |scratch, &s| source_flips(held, scratch, s, mode, holds),
        )
        .collect();
    let mut out: Vec<RangeFlip> = Vec::new();
    for flips in sources {
        out.extend(flips?);
    }
    // Every item's event messages, in two compiles of the model.
    let messages = EventMessages::all(model)?;
    let baseline = engine.hypotheses()?;
    let items: Vec<Result<Vec<RangeFlip>, AnalysisError>> = (0..model.items.len())
        .into_par_iter()
        .filter(|&i| model.items[i].enabled)
        .map_init(
            || model.clone(),
            |scratch, i| {
                let messages = messages[i].as_ref();
                item_flips(held, scratch, ItemId(i), messages, &baseline, mode, holds)
            },
        )
        .collect();
    for flips in items {
        out.extend(flips?);
    }
    let priors = movable(model, prior_parameters(model), mode);
    if !priors.is_empty() {
        let mut scratch = model.clone();
        let held = held.of(&[])?;
        for (p, r) in priors {
            let mut ev = Evaluator::new(&held, None, &mut scratch, model, p)?;
            let found = search(&mut |x| ev.eval(p, x), &r, CLOSED_FORM_STEPS, holds)?;
            ev.finish(p);
            out.extend(found.map(|f| f.into_flip(p, r)));
        }
    }
    // Stable: equal shares and distances keep parameter order.
    out.sort_by(|a, b| {
        a.share
            .total_cmp(&b.share)
            .then(a.distance.total_cmp(&b.distance))
    });
    Ok(out)
}

/// The parameters whose range in `mode` is more than a point, with it.
fn movable(
    model: &Model,
    parameters: impl IntoIterator<Item = Parameter>,
    mode: RangeMode,
) -> Vec<(Parameter, PlausibleRange)> {
    parameters
        .into_iter()
        .map(|p| (p, range(model, p, mode)))
        .filter(|(_, r)| !r.is_fixed())
        .collect()
}

/// The flips of source `s`'s parameters (evaluated with the source's items
/// held out), in parameter order. `scratch` equals the engine's model, and
/// is left so.
fn source_flips(
    held_outs: &HoldOuts<'_>,
    scratch: &mut Model,
    s: SourceId,
    mode: RangeMode,
    holds: &dyn Fn(&[f64]) -> bool,
) -> Result<Vec<RangeFlip>, AnalysisError> {
    let model = held_outs.engine().model();
    let params = movable(model, source_parameters(model, s), mode);
    let mut out = Vec::new();
    if params.is_empty() {
        return Ok(out);
    }
    let held = held_outs.of(&items_of_source(model, s))?;
    for (p, r) in params {
        let mut ev = Evaluator::new(&held, None, scratch, model, p)?;
        let found = search(&mut |x| ev.eval(p, x), &r, ENGINE_STEPS, holds)?;
        ev.finish(p);
        out.extend(found.map(|f| f.into_flip(p, r)));
    }
    Ok(out)
}

/// The flips of (enabled) item `i`'s likelihoods, in hypothesis order:
/// in closed form where the item has no latent reliability, else along the
/// curve through the engine's posteriors at the range's ends (or by the
/// engine at each value). `msg` is the item's event messages; `scratch`
/// equals the engine's model, and is left so.
fn item_flips(
    held_outs: &HoldOuts<'_>,
    scratch: &mut Model,
    i: ItemId,
    msg: Option<&EventMessages>,
    baseline: &[f64],
    mode: RangeMode,
    holds: &dyn Fn(&[f64]) -> bool,
) -> Result<Vec<RangeFlip>, AnalysisError> {
    let engine = held_outs.engine();
    let model = engine.model();
    let k = model.hypotheses.len();
    let params = movable(
        model,
        (0..k).map(|h| Parameter::Likelihood(i, HypothesisId(h))),
        mode,
    );
    let mut out = Vec::new();
    if params.is_empty() {
        return Ok(out);
    }
    // The item's own factor, per hypothesis, when it is over H alone.
    let scalar: Option<&[f64]> = msg
        .filter(|m| m.is_scalar())
        .and(engine.factor(i))
        .filter(|f| f.vars() == [0])
        .map(|f| f.log_values());
    let mut held = None;
    for (p, r) in params {
        let Parameter::Likelihood(_, h) = p else {
            continue;
        };
        // Exact in closed form: only h's joint moves, by the ratio of
        // the item's factor at x to its factor now.
        if let (Some(m), Some(own)) = (msg, scalar)
            && own[h.0].is_finite()
        {
            let current = model.items[i.0].likelihood[h.0].point.get();
            let curve = Scaled::new(baseline, h.0, m, current);
            let found = search(&mut |x| Ok(curve.at(x)), &r, CLOSED_FORM_STEPS, holds)?;
            out.extend(found.map(|f| f.into_flip(p, r)));
            continue;
        }
        if held.is_none() {
            held = Some(held_outs.of(&[i])?);
        }
        let Some(held) = held.as_ref() else {
            continue;
        };
        let mut ev = Evaluator::new(held, msg, scratch, model, p)?;
        let found = match Affine::fit(&mut ev, p, &r, h)? {
            Some(curve) => {
                let found = search(&mut |x| Ok(Some(curve.at(x))), &r, CLOSED_FORM_STEPS, holds)?;
                // Report the engine's posterior, not the curve's.
                match found {
                    Some(mut f) => {
                        if let Some(post) = ev.eval(p, f.value)? {
                            f.posterior = post;
                        }
                        Some(f)
                    }
                    None => None,
                }
            }
            None => search(&mut |x| ev.eval(p, x), &r, ENGINE_STEPS, holds)?,
        };
        ev.finish(p);
        out.extend(found.map(|f| f.into_flip(p, r)));
    }
    Ok(out)
}

/// Evaluations behind a likelihood fitted by [`Affine`]: both ends of its
/// range and the posterior reported at the flip.
const AFFINE_EVALUATIONS: f64 = 3.0;

/// What one [`flips_within`] costs at most: every parameter's search
/// evaluates up to both ends' steps (bisection adds a few, not counted).
/// A likelihood's or a prior's posterior is in closed form along its range,
/// `k` numbers a step; a source parameter's step is one inference over the
/// source's held-out items. Every flip found keeps its posterior (`k`
/// numbers).
pub fn flip_search_estimate(engine: &Incremental) -> budget::Estimate {
    let model = engine.model();
    let k = model.hypotheses.len() as f64;
    let closed_steps = (2 * CLOSED_FORM_STEPS + 1) as f64;
    let engine_steps = (2 * ENGINE_STEPS + 1) as f64;
    let per_inference = engine.elimination_entries();
    let likelihoods = model.items.iter().filter(|i| i.enabled).count() as f64 * k;
    let priors = prior_parameters(model).len() as f64;
    // A likelihood not in closed form (an item over latent reliabilities)
    // is fitted from its item's table rewritten a few times; a source
    // parameter's step rewrites each of its items: as large as its reports.
    let fitted: f64 = model
        .items
        .iter()
        .filter(|i| i.enabled && i.reports.iter().any(|r| model.uses_latent_reliability(r)))
        .map(|i| k * AFFINE_EVALUATIONS * budget::item_entries(model, i, true))
        .sum();
    let (mut source_parameters_count, mut source_work, mut rewritten) = (0.0, 0.0, 0.0);
    for s in reported_sources(model) {
        let n = source_parameters(model, s).len() as f64;
        let held_out = items_of_source(model, s);
        source_parameters_count += n;
        source_work += n * held_out.len().max(1) as f64;
        rewritten += n * held_out
            .iter()
            .map(|i| budget::item_entries(model, &model.items[i.0], true))
            .sum::<f64>();
    }
    budget::Estimate {
        results: (likelihoods + priors + source_parameters_count) * k,
        results_budget: budget::MAX_HELD_RESULTS,
        work: likelihoods * closed_steps * k
            + fitted
            + priors * closed_steps * per_inference
            + source_work * engine_steps * per_inference
            + rewritten * engine_steps,
    }
}

/// The nearest flip of all: the first of [`flips_within`], or `None` when
/// `holds` survives every parameter over its whole range.
pub fn nearest_flip(
    engine: &Incremental,
    mode: RangeMode,
    holds: &(dyn Fn(&[f64]) -> bool + Sync),
) -> Result<Option<RangeFlip>, AnalysisError> {
    Ok(flips_within(engine, mode, holds)?.into_iter().next())
}

/// The posterior along a likelihood's range: the joint P(h, evidence) of
/// the likelihood's hypothesis is affine in it (the item's factor is
/// (1 − l) m0 + l m1 for every value of the latent reliabilities, and the
/// rest does not depend on l), and every other hypothesis's joint does not
/// move. So the odds of h against the rest are affine in l, and the rest
/// keep their proportions.
struct Affine {
    low: f64,
    high: f64,
    /// Odds of h against the rest at `low` and at `high`.
    odds_low: f64,
    odds_high: f64,
    /// The others' posteriors at `low` over their sum (h's entry unused).
    rest: Vec<f64>,
    h: usize,
}

impl Affine {
    /// The curve through the engine's posteriors at the two ends of the
    /// range; `None` where an end is impossible or h holds everything (the
    /// search then asks the engine at each value).
    fn fit(
        ev: &mut Evaluator<'_, '_>,
        p: Parameter,
        r: &PlausibleRange,
        h: HypothesisId,
    ) -> Result<Option<Affine>, AnalysisError> {
        let (Some(at_low), Some(at_high)) = (ev.eval(p, r.low)?, ev.eval(p, r.high)?) else {
            return Ok(None);
        };
        let h = h.0;
        let others = |post: &[f64]| -> f64 {
            post.iter()
                .enumerate()
                .filter(|(j, _)| *j != h)
                .map(|(_, x)| x)
                .sum()
        };
        let (rest_low, rest_high) = (others(&at_low), others(&at_high));
        if rest_low <= 0.0 || rest_high <= 0.0 {
            return Ok(None);
        }
        Ok(Some(Affine {
            low: r.low,
            high: r.high,
            odds_low: at_low[h] / rest_low,
            odds_high: at_high[h] / rest_high,
            rest: at_low.iter().map(|x| x / rest_low).collect(),
            h,
        }))
    }

    fn at(&self, x: f64) -> Vec<f64> {
        let t = if self.high > self.low {
            ((x - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let odds = (1.0 - t) * self.odds_low + t * self.odds_high;
        let mut post: Vec<f64> = self.rest.iter().map(|w| w / (1.0 + odds)).collect();
        post[self.h] = odds / (1.0 + odds);
        post
    }
}

/// The posterior along a likelihood's range for an item with no latent
/// reliability: the item's factor under h is (1 − l) m0 + l m1, so moving l
/// from its value c to x multiplies h's joint by
/// ρ(x) = ((1 − x) m0 + x m1) / ((1 − c) m0 + c m1) and leaves every other
/// hypothesis's joint as it is. No logarithm or exponential per value: the
/// flip search asks this many times.
struct Scaled<'a> {
    baseline: &'a [f64],
    h: usize,
    /// m0 and m1 over their larger one.
    m0: f64,
    m1: f64,
    /// (1 − c) m0 + c m1.
    now: f64,
    /// The other hypotheses' share of the baseline, summed apart so that it
    /// keeps its precision when h holds nearly everything.
    rest: f64,
}

impl Scaled<'_> {
    fn new<'a>(baseline: &'a [f64], h: usize, m: &EventMessages, current: f64) -> Scaled<'a> {
        let (l0, l1) = m.scalar_logs();
        let top = l0.max(l1);
        let (m0, m1) = ((l0 - top).exp(), (l1 - top).exp());
        Scaled {
            baseline,
            h,
            m0,
            m1,
            now: (1.0 - current) * m0 + current * m1,
            rest: baseline
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != h)
                .map(|(_, p)| p)
                .sum(),
        }
    }

    fn at(&self, x: f64) -> Option<Vec<f64>> {
        let moved = self.baseline[self.h] * ((1.0 - x) * self.m0 + x * self.m1) / self.now;
        let total = self.rest + moved;
        if !(total > 0.0 && total.is_finite()) {
            return None;
        }
        let mut post: Vec<f64> = self.baseline.iter().map(|p| p / total).collect();
        post[self.h] = moved / total;
        Some(post)
    }
}

/// A flip found by [`search`], before it is tied to its parameter.
struct Found {
    value: f64,
    holds_at: f64,
    reference: f64,
    share: f64,
    posterior: Vec<f64>,
    resolved: bool,
}

impl Found {
    fn into_flip(self, parameter: Parameter, range: PlausibleRange) -> RangeFlip {
        RangeFlip {
            parameter,
            distance: (self.value - self.reference).abs(),
            value: self.value,
            holds_at: self.holds_at,
            share: self.share,
            posterior: self.posterior,
            resolved: self.resolved,
            range,
        }
    }
}

type Eval<'a> = dyn FnMut(f64) -> Result<Option<Vec<f64>>, AnalysisError> + 'a;

/// The nearest value to `range.reference` within the range where `holds`
/// fails: `steps` evenly spaced values from the reference to each end, the
/// first failure on each side bracketed by bisection, the side using the
/// smaller share of its range kept. Values where the evidence is
/// impossible neither hold nor fail.
fn search(
    eval: &mut Eval<'_>,
    range: &PlausibleRange,
    steps: usize,
    holds: &dyn Fn(&[f64]) -> bool,
) -> Result<Option<Found>, AnalysisError> {
    let reference = range.reference;
    if let Some(p) = eval(reference)?
        && !holds(&p)
    {
        return Ok(Some(Found {
            value: reference,
            holds_at: reference,
            reference,
            share: 0.0,
            posterior: p,
            resolved: true,
        }));
    }
    let mut best: Option<Found> = None;
    for end in [range.low, range.high] {
        if end == reference {
            continue;
        }
        let mut last_hold = reference;
        for j in 1..=steps {
            let x = if j == steps {
                end
            } else {
                reference + (end - reference) * j as f64 / steps as f64
            };
            match eval(x)? {
                None => continue,
                Some(p) if holds(&p) => last_hold = x,
                Some(p) => {
                    let found = bisect(eval, last_hold, x, p, holds)?;
                    let share = range.share(found.0);
                    let candidate = Found {
                        value: found.0,
                        holds_at: found.1,
                        reference,
                        share,
                        posterior: found.2,
                        resolved: found.3,
                    };
                    let better = best.as_ref().is_none_or(|b| {
                        (candidate.share, (candidate.value - reference).abs())
                            < (b.share, (b.value - reference).abs())
                    });
                    if better {
                        best = Some(candidate);
                    }
                    break;
                }
            }
        }
    }
    Ok(best)
}

/// Narrow a bracket from `good` (holds) to `bad` (fails, posterior
/// `at_bad`) down to [`FLIP_TOLERANCE`]: (fails at, holds at, posterior
/// where it fails, resolved).
fn bisect(
    eval: &mut Eval<'_>,
    mut good: f64,
    mut bad: f64,
    mut at_bad: Vec<f64>,
    holds: &dyn Fn(&[f64]) -> bool,
) -> Result<(f64, f64, Vec<f64>, bool), AnalysisError> {
    let mut resolved = true;
    while (bad - good).abs() > FLIP_TOLERANCE {
        let mid = 0.5 * (good + bad);
        let Some(p) = eval(mid)? else {
            resolved = false;
            break;
        };
        if holds(&p) {
            good = mid;
        } else {
            bad = mid;
            at_bad = p;
        }
    }
    Ok((bad, good, at_bad, resolved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_band_is_symmetric_in_odds() {
        let r = point_band(0.5, Basis::Point);
        assert!((r.low - 0.4).abs() < 1e-12 && (r.high - 0.6).abs() < 1e-12);
        let r = point_band(0.8, Basis::Point);
        assert!((r.low - 8.0 / 11.0).abs() < 1e-12, "{}", r.low);
        assert!((r.high - 6.0 / 7.0).abs() < 1e-12, "{}", r.high);
        assert!(point_band(1.0, Basis::Point).is_fixed());
        assert!(point_band(0.0, Basis::Point).is_fixed());
    }

    #[test]
    fn share_measures_each_side_by_its_own_span() {
        let r = PlausibleRange::new(0.6, 0.95, 0.8, Basis::Point);
        assert!((r.share(0.7) - 0.5).abs() < 1e-12);
        assert!((r.share(0.95) - 1.0).abs() < 1e-12);
        assert_eq!(r.share(0.8), 0.0);
    }

    #[test]
    fn ach_ratings_tile_their_scale() {
        let s = Scales::default();
        assert_eq!(ach_band(&s, "C"), Some((0.65, 0.875)));
        assert_eq!(ach_band(&s, "CC"), Some((0.875, 0.95)));
        assert_eq!(ach_band(&s, "II"), Some((0.05, 0.125)));
    }
}
