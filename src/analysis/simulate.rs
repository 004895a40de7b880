//! Monte Carlo over every uncertain number of a model: which numbers are
//! sampled, one seeded draw per sample, exact inference on each draw, and the
//! spread of each hypothesis's posterior.
//!
//! Each sample draws every uncertain number uniformly from its range and
//! builds the model with those draws as point values, so a source whose
//! reliability is an interval gets one sampled reliability per draw instead
//! of `report`'s latent node (which the evidence then informs). The spread
//! therefore shows how much the answer depends on numbers the analyst could
//! not pin down.
//!
//! Reproducibility does not depend on the thread count: sample `i` draws from
//! its own generator, ChaCha8 seeded with the seed and set to stream `i`, and
//! results are gathered in sample order before any statistic is computed.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::AnalysisError;
use crate::model::{
    Estimate, GroupId, HypothesisId, Interval, ItemId, Model, Probability, Reliability, ReportId,
    SourceId,
};
use crate::network::{self, InferError};

/// The most samples one run takes: every posterior of every sample is kept
/// (for exact percentiles), so memory grows with samples × hypotheses.
pub const MAX_SAMPLES: u64 = 1_000_000;

/// Samples are run in chunks of this size: results are gathered in order
/// chunk by chunk, so memory holds only the posteriors, not per-sample
/// vectors.
const CHUNK: u64 = 4096;

/// The percentiles reported, in percent.
pub const PERCENTILES: [f64; 3] = [5.0, 50.0, 95.0];

/// How many samples to draw, and the seed of the draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Taken within 1..=[`MAX_SAMPLES`].
    pub samples: u64,
    /// The same seed gives the same samples on any thread count.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            samples: 10_000,
            seed: 0,
        }
    }
}

/// Told of finished samples, from any thread, in no particular order.
pub trait Progress: Sync {
    /// `samples` more samples are done.
    fn advance(&self, samples: u64);
}

/// Progress that nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _: u64) {}
}

/// Which part of a reliability a sampled number replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The accuracy r of `reliability = r` (combined with a bias).
    Accuracy,
    /// The hit rate of `{ hit, false_alarm }`.
    Hit,
    /// The false-alarm rate of `{ hit, false_alarm }`.
    FalseAlarm,
}

/// Where in the model a sampled number goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A hypothesis's prior (the priors are then normalised).
    Prior(HypothesisId),
    /// P(E | h) of an item.
    Likelihood(ItemId, HypothesisId),
    /// Part of a source's reliability.
    SourceReliability(SourceId, Part),
    /// A source's bias.
    SourceBias(SourceId),
    /// Part of one report's own reliability.
    ReportReliability(ItemId, ReportId, Part),
    /// One report's own bias.
    ReportBias(ItemId, ReportId),
}

/// One uncertain number: its override-style path (`sources.wsj.reliability`),
/// the range it is drawn from, and where it goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// Its override-style path.
    pub name: String,
    /// The range it is drawn from, uniformly.
    pub range: Interval,
    /// Where the drawn value goes.
    pub target: Target,
}

/// The spread of one hypothesis's posterior over the samples.
#[derive(Clone, Debug, PartialEq)]
pub struct HypothesisSpread {
    /// The hypothesis.
    pub id: HypothesisId,
    /// The exact posterior `report` gives (`None` when the latent
    /// reliability nodes make that network too large for exact inference).
    pub report: Option<f64>,
    /// Mean posterior over the samples used.
    pub mean: f64,
    /// Nearest-rank percentiles, in the order of [`PERCENTILES`].
    pub percentiles: [f64; 3],
    /// Share of samples in which this hypothesis has the highest posterior
    /// (an exact tie goes to the first in model order).
    pub leads: f64,
}

/// The result of a Monte Carlo run: the numbers sampled and the spread of
/// each posterior.
/// The spread of one group's posterior (the sum of its members') over the
/// samples.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSpread {
    /// Which group.
    pub id: GroupId,
    /// The group's posterior by `report` (`None` as for hypotheses).
    pub report: Option<f64>,
    /// Mean of the group's posterior over the samples.
    pub mean: f64,
    /// Nearest-rank percentiles, in the order of [`PERCENTILES`].
    pub percentiles: [f64; 3],
    /// Share of samples in which the group leads: its posterior is above
    /// that of every hypothesis outside it ([`super::group_leads`]).
    pub leads: f64,
    /// Share of samples in which its posterior exceeds 0.5: it is more
    /// likely than not.
    pub above_half: f64,
}

/// The outcome of a simulation: what was drawn and the spread of every
/// posterior.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// The samples and seed asked for.
    pub options: Options,
    /// Every uncertain number sampled, in draw order.
    pub parameters: Vec<Parameter>,
    /// Per hypothesis, indexed by `HypothesisId`.
    pub hypotheses: Vec<HypothesisSpread>,
    /// Per group, indexed by `GroupId` (empty without groups).
    pub groups: Vec<GroupSpread>,
    /// Samples whose draws made the evidence impossible (probability 0
    /// under every hypothesis); they are left out of every statistic.
    pub impossible: u64,
    /// Samples the statistics are over: `options.samples - impossible`.
    pub used: u64,
}

impl Simulation {
    /// No number was uncertain: every sample is the same model.
    pub fn is_degenerate(&self) -> bool {
        self.parameters.is_empty()
    }

    /// The hypothesis that leads in the most samples (the first on a tie).
    pub fn most_often_leading(&self) -> HypothesisId {
        let shares: Vec<f64> = self.hypotheses.iter().map(|h| h.leads).collect();
        super::leader(&shares)
    }
}

/// The uncertain numbers that reach the network, in a fixed order (priors,
/// then sources, then items, each in model order), which is also the order
/// in which every sample draws them.
///
/// A number is uncertain when its range has width > 0: an interval, an ICD
/// 203 term, Admiralty F. Numbers nothing uses are left out: a disabled
/// item's, a source reliability every report overrides, a bias under a
/// `{ hit, false_alarm }` reliability.
pub fn parameters(model: &Model) -> Vec<Parameter> {
    let mut out = Vec::new();
    let mut push = |name: String, e: &Estimate, target: Target| {
        if let Some(range) = e.range.filter(|_| e.is_uncertain()) {
            out.push(Parameter {
                name,
                range,
                target,
            });
        }
    };
    for (h, hyp) in model.hypotheses.iter().enumerate() {
        if let Some(e) = &hyp.prior_written {
            push(
                format!("hypotheses.{}.prior", hyp.id),
                e,
                Target::Prior(HypothesisId(h)),
            );
        }
    }
    let mut reliability_used = vec![false; model.sources.len()];
    let mut bias_used = vec![false; model.sources.len()];
    for item in model.items.iter().filter(|i| i.enabled) {
        for r in &item.reports {
            let s = r.source.0;
            reliability_used[s] |= r.reliability.is_none();
            let effective = r
                .reliability
                .as_ref()
                .unwrap_or(&model.sources[s].reliability);
            bias_used[s] |= r.bias.is_none() && matches!(effective, Reliability::Accuracy(_));
        }
    }
    for (s, src) in model.sources.iter().enumerate() {
        let id = SourceId(s);
        if reliability_used[s] {
            let base = format!("sources.{}.reliability", src.id);
            for (suffix, e, part) in parts(&src.reliability) {
                push(
                    format!("{base}{suffix}"),
                    e,
                    Target::SourceReliability(id, part),
                );
            }
        }
        if let Some(b) = src.bias.as_ref().filter(|_| bias_used[s]) {
            push(
                format!("sources.{}.bias", src.id),
                b,
                Target::SourceBias(id),
            );
        }
    }
    for (i, item) in model.items.iter().enumerate() {
        if !item.enabled {
            continue;
        }
        let iid = ItemId(i);
        for (h, e) in item.likelihood.iter().enumerate() {
            push(
                format!("evidence.{}.likelihood.{}", item.id, model.hypotheses[h].id),
                e,
                Target::Likelihood(iid, HypothesisId(h)),
            );
        }
        for (r, report) in item.reports.iter().enumerate() {
            let rid = ReportId(r);
            let base = format!("evidence.{}.reports.{}", item.id, report.id);
            if let Some(rel) = &report.reliability {
                for (suffix, e, part) in parts(rel) {
                    push(
                        format!("{base}.reliability{suffix}"),
                        e,
                        Target::ReportReliability(iid, rid, part),
                    );
                }
            }
            let (effective, _) = model.report_reliability(report);
            if let Some(b) = &report.bias
                && matches!(effective, Reliability::Accuracy(_))
            {
                push(format!("{base}.bias"), b, Target::ReportBias(iid, rid));
            }
        }
    }
    out
}

fn parts(rel: &Reliability) -> Vec<(&'static str, &Estimate, Part)> {
    match rel {
        Reliability::Accuracy(r) => vec![("", r, Part::Accuracy)],
        Reliability::Credibility { hit, false_alarm } => vec![
            (".hit", hit, Part::Hit),
            (".false_alarm", false_alarm, Part::FalseAlarm),
        ],
    }
}

/// The generator of sample `index`: independent of every other sample, so
/// any thread can run any sample.
fn generator(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// The numbers sample `index` draws, one per parameter in order.
pub fn draw(parameters: &[Parameter], seed: u64, index: u64) -> Vec<Probability> {
    let mut rng = generator(seed, index);
    parameters
        .iter()
        .map(|p| p.range.lerp(rng.random::<f64>()))
        .collect()
}

/// Write drawn values into `model` as point values. Every parameter is
/// overwritten, so the result does not depend on what `model` held for them
/// before (a worker reuses one copy of the model across samples).
pub fn apply(model: &mut Model, parameters: &[Parameter], values: &[Probability]) {
    let mut priors = false;
    for (p, &v) in parameters.iter().zip(values) {
        let e = Estimate::exact(v);
        match p.target {
            Target::Prior(h) => {
                model.hypotheses[h.0].prior_written = Some(e);
                priors = true;
            }
            Target::Likelihood(i, h) => model.items[i.0].likelihood[h.0] = e,
            Target::SourceReliability(s, part) => {
                set_part(&mut model.sources[s.0].reliability, part, e)
            }
            Target::SourceBias(s) => model.sources[s.0].bias = Some(e),
            Target::ReportReliability(i, r, part) => {
                if let Some(rel) = &mut model.items[i.0].reports[r.0].reliability {
                    set_part(rel, part, e);
                }
            }
            Target::ReportBias(i, r) => model.items[i.0].reports[r.0].bias = Some(e),
        }
    }
    if priors {
        // Priors are normalised only when one was drawn, so a model without
        // prior intervals keeps exactly the priors validation computed.
        let written: Vec<f64> = model
            .hypotheses
            .iter()
            .map(|h| h.prior_written.as_ref().map_or(0.0, |e| e.point.get()))
            .collect();
        let sum: f64 = written.iter().sum();
        let n = written.len() as f64;
        for (h, w) in model.hypotheses.iter_mut().zip(&written) {
            // Every drawn prior 0 (probability ~0): fall back to uniform.
            h.prior = Probability::clamped(if sum > 0.0 { w / sum } else { 1.0 / n });
        }
    }
}

fn set_part(rel: &mut Reliability, part: Part, e: Estimate) {
    match (rel, part) {
        (rel, Part::Accuracy) => *rel = Reliability::Accuracy(e),
        (Reliability::Credibility { hit, .. }, Part::Hit) => *hit = e,
        (Reliability::Credibility { false_alarm, .. }, Part::FalseAlarm) => *false_alarm = e,
        // `parameters` only makes Hit/FalseAlarm targets of a credibility pair.
        (Reliability::Accuracy(_), _) => {}
    }
}

/// The model sample `index` runs on.
pub fn sampled_model(model: &Model, parameters: &[Parameter], seed: u64, index: u64) -> Model {
    let mut m = model.clone();
    apply(&mut m, parameters, &draw(parameters, seed, index));
    m
}

/// The items whose numbers some parameter sets, sorted: the only ones a
/// sample has to rewrite.
fn touched_items(model: &Model, parameters: &[Parameter]) -> Vec<ItemId> {
    let mut items: Vec<ItemId> = parameters
        .iter()
        .flat_map(|p| match p.target {
            Target::Prior(_) => Vec::new(),
            Target::Likelihood(i, _)
            | Target::ReportReliability(i, ..)
            | Target::ReportBias(i, _) => {
                vec![i]
            }
            Target::SourceReliability(s, _) | Target::SourceBias(s) => {
                network::incremental::items_of_source(model, s)
            }
        })
        .collect();
    items.sort_unstable();
    items.dedup();
    items
}

/// What a run costs: every sample keeps one posterior per hypothesis and
/// rewrites the touched items, each as large as its reports make it, then
/// sums every item's likelihood per hypothesis (the sampled models have no
/// latent reliability).
pub fn estimate(model: &Model, touched: &[ItemId], samples: u64) -> super::budget::Estimate {
    let k = model.hypotheses.len() as f64;
    let samples = samples as f64;
    let rewritten: f64 = touched
        .iter()
        .map(|i| super::budget::item_entries(model, &model.items[i.0], false))
        .sum();
    super::budget::Estimate {
        results: samples * k,
        results_budget: super::budget::MAX_HELD_RESULTS,
        work: samples * (k * model.items.len() as f64 + rewritten),
    }
}

/// One thread's copy of the model and of its compiled network. Every
/// sample draws all parameters, so a sample's model does not depend on the
/// samples the worker ran before; its network is the one a fresh compile
/// would build (same structure, the touched items' numbers rewritten), so
/// the posterior is the same whichever thread runs it.
struct Worker {
    model: Model,
    compiled: network::Compiled,
    /// The untouched items' log-likelihoods: the same in every sample.
    cache: network::LikelihoodCache,
    /// Per item, whether some parameter sets its numbers (filled on the
    /// first sample).
    touched: Vec<bool>,
}

impl Worker {
    fn new(model: &Model, parameters: &[Parameter], seed: u64) -> Worker {
        // Any sample's model has the structure of every other (all
        // intervals drawn to points), so compile the first.
        let model = sampled_model(model, parameters, seed, 0);
        let compiled = network::compile(&model);
        Worker {
            model,
            compiled,
            cache: Default::default(),
            touched: Vec::new(),
        }
    }

    fn sample(
        &mut self,
        parameters: &[Parameter],
        touched: &[ItemId],
        seed: u64,
        index: u64,
    ) -> Result<Vec<f64>, InferError> {
        apply(&mut self.model, parameters, &draw(parameters, seed, index));
        self.compiled.refresh_shared(&self.model);
        let mut fresh = true;
        for &i in touched {
            fresh &= self.compiled.refresh_item(&self.model, i);
        }
        if !fresh {
            self.compiled = network::compile(&self.model);
            self.cache = Default::default();
        }
        // Only the touched items' numbers differ from sample to sample.
        if self.touched.len() != self.model.items.len() {
            self.touched = vec![false; self.model.items.len()];
            for &i in touched {
                self.touched[i.0] = true;
            }
        }
        let flags = &self.touched;
        let changed = |i: ItemId| flags[i.0];
        match self.compiled.infer_reusing(&mut self.cache, &changed) {
            Some(posterior) => posterior.map(|p| p.hypotheses),
            None => self.compiled.infer().map(|p| p.hypotheses),
        }
    }
}

/// The posteriors of a run of samples, column by column.
pub struct Sampled {
    /// Column h holds hypothesis h's posterior in every usable sample, in
    /// sample order.
    pub columns: Vec<Vec<f64>>,
    /// Samples whose draws made the evidence impossible (left out).
    pub impossible: u64,
    /// Samples in the columns.
    pub used: u64,
    /// Samples drawn: `options.samples` within 1..=[`MAX_SAMPLES`].
    pub samples: u64,
}

impl Sampled {
    /// How many usable samples satisfy `holds` (asked of each sample's
    /// hypothesis posteriors, model order).
    pub fn count(&self, holds: &dyn Fn(&[f64]) -> bool) -> u64 {
        let mut row = vec![0.0; self.columns.len()];
        let mut n = 0;
        for s in 0..self.used as usize {
            for (h, column) in self.columns.iter().enumerate() {
                row[h] = column[s];
            }
            n += u64::from(holds(&row));
        }
        n
    }
}

/// Draw `options.samples` samples of `parameters` and infer each: the
/// sampling behind [`simulate`], for callers that ask their own question
/// of every sample. Parallel, and identical for any number of threads.
pub fn sample_columns(
    model: &Model,
    params: &[Parameter],
    options: Options,
    progress: &dyn Progress,
) -> Result<Sampled, AnalysisError> {
    let touched = touched_items(model, params);
    let k = model.hypotheses.len();
    let samples = options.samples.clamp(1, MAX_SAMPLES);
    estimate(model, &touched, samples).check(
        "simulate",
        || {
            format!(
                "every sample's posterior is kept for the percentiles: use fewer --samples (at most {} with {k} hypotheses)",
                (super::budget::MAX_HELD_RESULTS / k as f64).floor()
            )
        },
        || {
            "every sample is one inference over every item: use fewer --samples, or split the model".to_string()
        },
    )?;
    // Column h holds hypothesis h's posterior in every usable sample, in
    // sample order.
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(samples as usize); k];
    let mut impossible = 0;
    let mut start = 0;
    while start < samples {
        let end = (start + CHUNK).min(samples);
        let chunk: Vec<Result<Vec<f64>, InferError>> = (start..end)
            .into_par_iter()
            .map_init(
                || Worker::new(model, params, options.seed),
                |w, index| {
                    let result = w.sample(params, &touched, options.seed, index);
                    progress.advance(1);
                    result
                },
            )
            .collect();
        for result in chunk {
            match result {
                Ok(post) => {
                    for (column, p) in columns.iter_mut().zip(post) {
                        column.push(p);
                    }
                }
                Err(InferError::ImpossibleEvidence) => impossible += 1,
                Err(e) => return Err(e.into()),
            }
        }
        start = end;
    }
    Ok(Sampled {
        columns,
        impossible,
        used: samples - impossible,
        samples,
    })
}

/// Run the simulation. Parallel over samples (rayon's current pool); the
/// result is identical for any number of threads.
pub fn simulate(
    model: &Model,
    options: Options,
    progress: &dyn Progress,
) -> Result<Simulation, AnalysisError> {
    let params = parameters(model);
    // What `report` says, for comparison. Too large is no reason to stop:
    // the sampled models have no latent nodes and may well be small enough.
    let report = match network::compile(model).infer() {
        Ok(p) => Some(p.hypotheses),
        Err(InferError::TooLarge { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let k = model.hypotheses.len();
    let Sampled {
        columns,
        impossible,
        used,
        samples,
    } = sample_columns(model, &params, options, progress)?;
    if used == 0 {
        return Err(InferError::ImpossibleEvidence.into());
    }
    let mut lead_counts = vec![0u64; k];
    let mut row = vec![0.0; k];
    for s in 0..used as usize {
        for (h, column) in columns.iter().enumerate() {
            row[h] = column[s];
        }
        lead_counts[super::leader(&row).0] += 1;
    }
    let groups = group_spreads(model, &columns, report.as_deref(), used as usize);
    let hypotheses = columns
        .into_iter()
        .enumerate()
        .map(|(h, mut values)| {
            let mean = mean(&values);
            values.sort_by(f64::total_cmp);
            HypothesisSpread {
                id: HypothesisId(h),
                report: report.as_ref().map(|r| r[h]),
                mean,
                percentiles: PERCENTILES.map(|p| percentile(&values, p)),
                leads: lead_counts[h] as f64 / used as f64,
            }
        })
        .collect();
    Ok(Simulation {
        options: Options { samples, ..options },
        parameters: params,
        hypotheses,
        groups,
        impossible,
        used,
    })
}

/// Each group's spread over the samples, from the hypotheses' columns.
fn group_spreads(
    model: &Model,
    columns: &[Vec<f64>],
    report: Option<&[f64]>,
    used: usize,
) -> Vec<GroupSpread> {
    if model.groups.is_empty() {
        return Vec::new();
    }
    let mut group_columns: Vec<Vec<f64>> = vec![Vec::with_capacity(used); model.groups.len()];
    let mut row = vec![0.0; columns.len()];
    let mut lead_counts = vec![0u64; model.groups.len()];
    for s in 0..used {
        for (h, column) in columns.iter().enumerate() {
            row[h] = column[s];
        }
        for ((g, count), column) in model
            .groups
            .iter()
            .zip(&mut lead_counts)
            .zip(&mut group_columns)
        {
            column.push(g.total(&row));
            *count += u64::from(super::group_leads(g, &row));
        }
    }
    group_columns
        .into_iter()
        .enumerate()
        .map(|(g, mut values)| {
            let mean = mean(&values);
            let above = values.iter().filter(|&&v| v > 0.5).count();
            values.sort_by(f64::total_cmp);
            GroupSpread {
                id: GroupId(g),
                report: report.map(|r| model.groups[g].total(r)),
                mean,
                percentiles: PERCENTILES.map(|p| percentile(&values, p)),
                leads: lead_counts[g] as f64 / used as f64,
                above_half: above as f64 / used as f64,
            }
        })
        .collect()
}

/// The mean, taken as the first value plus the mean deviation from it: a
/// column of equal values has exactly that value as its mean (a plain sum
/// divided by n can be off by a rounding step), and it loses less precision.
pub fn mean(values: &[f64]) -> f64 {
    let Some(&first) = values.first() else {
        return f64::NAN;
    };
    let deviation: f64 = values.iter().map(|v| v - first).sum();
    first + deviation / values.len() as f64
}

/// Nearest-rank percentile of ascending `sorted` values: the smallest value
/// with at least `p` percent of the values at or below it, i.e. the
/// ⌈p/100 · n⌉-th smallest (the smallest for p = 0). Always one of the values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let n = sorted.len();
    let rank = (p / 100.0 * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 5.0), 1.0);
        assert_eq!(percentile(&v, 50.0), 10.0);
        assert_eq!(percentile(&v, 95.0), 19.0);
        assert_eq!(percentile(&v, 100.0), 20.0);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&[0.3], 95.0), 0.3);
    }

    #[test]
    fn mean_of_equal_values_is_exact() {
        let v = vec![0.1; 3];
        assert_eq!(mean(&v), 0.1);
        assert_ne!(v.iter().sum::<f64>() / 3.0, 0.1);
    }

    #[test]
    fn draws_are_reproducible_and_in_range() {
        let range =
            Interval::new(Probability::clamped(0.2), Probability::clamped(0.4)).expect("ordered");
        let params = vec![Parameter {
            name: "x".into(),
            range,
            target: Target::Prior(HypothesisId(0)),
        }];
        let a = draw(&params, 7, 3);
        assert_eq!(a, draw(&params, 7, 3));
        assert_ne!(a, draw(&params, 7, 4));
        assert_ne!(a, draw(&params, 8, 3));
        for i in 0..100 {
            let v = draw(&params, 1, i)[0].get();
            assert!((0.2..0.4).contains(&v));
        }
    }
}
