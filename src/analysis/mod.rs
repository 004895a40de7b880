//! Stage 3: what the posterior means. Per hypothesis the prior, posterior and
//! change in log-odds; per item its weight of evidence and independent
//! origins; per uncertain source what the evidence says of its reliability.

pub mod ach;
pub mod budget;
pub mod check;
pub mod collect;
pub mod compare;
pub mod conflict;
pub mod credibility;
pub mod explain;
pub mod impossible;
pub mod judgement;
pub mod ledger;
pub mod ranges;
pub mod sensitivity;
pub mod simulate;
pub mod tied;
pub mod whatif;

use rayon::prelude::*;

use crate::model::{GroupId, HypothesisId, ItemId, LogOdds, Model, Origins, Probability, SourceId};
use crate::network::{self, InferError};

/// Below this magnitude (in decibans, for every hypothesis) an item is
/// reported as not diagnostic: a 0.05 dB shift is a likelihood ratio of 1.01.
pub const DIAGNOSTIC_THRESHOLD_DB: f64 = 0.05;

/// One hypothesis's prior and posterior.
#[derive(Clone, Debug)]
pub struct HypothesisResult {
    /// The hypothesis.
    pub id: HypothesisId,
    /// Its normalised prior.
    pub prior: f64,
    /// Its exact posterior given every enabled item.
    pub posterior: f64,
    /// Change in log-odds, in decibans; `None` when the posterior is 0 or 1.
    pub delta_db: Option<f64>,
}

/// A group of hypotheses: its prior and posterior are the sums of its
/// members'.
#[derive(Clone, Debug)]
pub struct GroupResult {
    /// The group.
    pub id: GroupId,
    /// The sum of its members' priors.
    pub prior: f64,
    /// The sum of its members' posteriors.
    pub posterior: f64,
    /// Change in log-odds, in decibans; `None` when the posterior is 0 or 1.
    pub delta_db: Option<f64>,
}

impl GroupResult {
    /// The group's prior, posterior and change in log-odds from the
    /// hypotheses' priors and posteriors.
    pub fn of(model: &Model, id: GroupId, priors: &[f64], posterior: &[f64]) -> GroupResult {
        let group = &model.groups[id.0];
        let prior = group.total(priors);
        let posterior = group.total(posterior);
        GroupResult {
            id,
            prior,
            posterior,
            delta_db: delta_db(prior, posterior),
        }
    }
}

/// What one evidence item contributes.
#[derive(Clone, Debug)]
pub struct ItemResult {
    /// The item.
    pub item: ItemId,
    /// False for a disabled item, which contributes nothing.
    pub enabled: bool,
    /// ln P(reports | h) per hypothesis (empty when disabled).
    pub log_likelihood: Vec<f64>,
    /// Weight of evidence for each hypothesis against the others, in
    /// decibans: `-inf` where the item rules the hypothesis out, `+inf` where
    /// it rules out every other.
    pub woe_db: Vec<f64>,
    /// Weight of evidence for each group against the hypotheses outside it,
    /// in decibans, in group order (empty when disabled).
    pub group_woe_db: Vec<f64>,
    /// How much this item moves each posterior: the posterior with every
    /// item minus the posterior without this one. `None` when disabled, or
    /// when it could not be computed cheaply (see `leave_one_out`).
    pub effect: Option<Vec<f64>>,
    /// Its conflict with the rest of the evidence (Hugin's measure), in
    /// bits: log2 [P(e_i) P(e_rest) / P(e)]. Above
    /// [`conflict::THRESHOLD_BITS`] it is inconsistent with the rest. `None`
    /// when disabled, or when the rest's evidence could not be computed
    /// cheaply (as `effect`).
    pub conflict_bits: Option<f64>,
    /// Its information credibility on the Admiralty 1-6 scale
    /// ([`credibility::grade`]); `None` when disabled.
    pub credibility: Option<credibility::Grade>,
    /// How its reports trace back to independent origins.
    pub origins: Origins,
}

impl ItemResult {
    /// The largest |weight of evidence| over hypotheses (infinite if the
    /// item rules one out).
    pub fn strength_db(&self) -> f64 {
        self.woe_db.iter().map(|w| w.abs()).fold(0.0, f64::max)
    }

    /// Whether the item is enabled and moves some hypothesis by at least
    /// [`DIAGNOSTIC_THRESHOLD_DB`].
    pub fn is_diagnostic(&self) -> bool {
        self.enabled && self.strength_db() >= DIAGNOSTIC_THRESHOLD_DB
    }
}

/// What the evidence says of a source whose reliability is an interval.
#[derive(Clone, Debug)]
pub struct LearnedReliability {
    /// The source.
    pub source: SourceId,
    /// The reliability r at each level of its latent node.
    pub levels: Vec<f64>,
    /// P(level | evidence), in the order of `levels`.
    pub posterior: Vec<f64>,
    /// Mean reliability before the evidence (the levels are equally likely).
    pub prior_mean: f64,
    /// Mean reliability after the evidence.
    pub posterior_mean: f64,
}

/// Everything `report` shows, computed from one model.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Per hypothesis, indexed by `HypothesisId`.
    pub hypotheses: Vec<HypothesisResult>,
    /// One per `[[groups]]` entry, in model order.
    pub groups: Vec<GroupResult>,
    /// Per item, indexed by `ItemId` (disabled items included).
    pub items: Vec<ItemResult>,
    /// Per source with an uncertain reliability, in source order.
    pub reliability: Vec<LearnedReliability>,
    /// How much weight rests on each independent origin.
    pub ledger: ledger::Ledger,
    /// ln P(all observed reports).
    pub log_evidence: f64,
    /// The whole case's conflict (Hugin's measure), in bits:
    /// log2 [Π_i P(e_i) / P(e)] over the enabled items.
    pub conflict_bits: f64,
    /// The hypothesis with the highest posterior (the first, on a tie).
    pub leader: HypothesisId,
}

/// Why a model could not be analysed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// Exact inference refused (impossible evidence, or a network too large).
    #[error(transparent)]
    Infer(#[from] InferError),
    /// A run over its work budget, refused before it started.
    #[error(transparent)]
    OverBudget(#[from] budget::OverBudget),
}

/// Compile the model, infer, and derive everything the report shows.
pub fn analyse(model: &Model) -> Result<Analysis, AnalysisError> {
    let compiled = network::compile(model);
    let posterior = compiled.infer()?;
    let priors = model.priors();
    let hypotheses: Vec<HypothesisResult> = posterior
        .hypotheses
        .iter()
        .zip(&priors)
        .enumerate()
        .map(|(h, (&post, &prior))| HypothesisResult {
            id: HypothesisId(h),
            prior,
            posterior: post,
            delta_db: delta_db(prior, post),
        })
        .collect();
    let leader = leader(&posterior.hypotheses);
    let groups = (0..model.groups.len())
        .map(|g| GroupResult::of(model, GroupId(g), &priors, &posterior.hypotheses))
        .collect();
    let masks: Vec<Vec<bool>> = model
        .groups
        .iter()
        .map(|g| g.mask(model.hypotheses.len()))
        .collect();
    let mut items: Vec<ItemResult> = model
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| ItemResult {
            item: ItemId(i),
            enabled: false,
            log_likelihood: Vec::new(),
            woe_db: Vec::new(),
            group_woe_db: Vec::new(),
            effect: None,
            conflict_bits: None,
            credibility: None,
            origins: item.origins(),
        })
        .collect();
    let weigher = EvidenceWeigher::new(&priors);
    for nodes in &compiled.items {
        let ll = compiled.item_log_likelihood(nodes)?;
        let result = &mut items[nodes.item.0];
        result.enabled = true;
        result.woe_db = weigher.weigh(&ll);
        result.group_woe_db = masks
            .iter()
            .map(|mask| set_weight_of_evidence(&ll, &priors, mask))
            .collect();
        result.log_likelihood = ll;
    }
    let without = leave_one_out(model, &compiled, &posterior.hypotheses)?;
    for (nodes, left) in compiled.items.iter().zip(without) {
        let result = &mut items[nodes.item.0];
        result.conflict_bits = left.as_ref().map(|l| {
            conflict::item_bits(
                conflict::log_marginal(&result.log_likelihood, &priors),
                l.log_evidence,
                posterior.log_evidence,
            )
        });
        result.effect = left.map(|l| {
            posterior
                .hypotheses
                .iter()
                .zip(&l.posterior)
                .map(|(a, b)| a - b)
                .collect()
        });
    }
    for (item, result) in model.items.iter().zip(items.iter_mut()) {
        if result.enabled {
            result.credibility = Some(credibility::grade(model, item, result));
        }
    }
    let conflict_bits = conflict::case_bits(
        items
            .iter()
            .filter(|i| i.enabled)
            .map(|i| conflict::log_marginal(&i.log_likelihood, &priors)),
        posterior.log_evidence,
    );
    let reliability = compiled
        .reliability
        .iter()
        .zip(&posterior.reliability)
        .map(|(q, post)| LearnedReliability {
            source: q.source,
            prior_mean: q.levels.iter().sum::<f64>() / q.levels.len() as f64,
            posterior_mean: q.levels.iter().zip(post).map(|(r, p)| r * p).sum(),
            levels: q.levels.clone(),
            posterior: post.clone(),
        })
        .collect();
    let ledger = ledger::ledger(model, &items)?;
    Ok(Analysis {
        hypotheses,
        groups,
        items,
        reliability,
        ledger,
        log_evidence: posterior.log_evidence,
        conflict_bits,
        leader,
    })
}

/// Joint tables up to this size (hypotheses × latent reliability levels) are
/// used to take items out exactly; larger ones fall back to recomputing.
const MAX_JOINT_ENTRIES: usize = 1 << 20;
/// At most this many items are recomputed from scratch for leave-one-out.
const MAX_RECOMPUTED: usize = 64;

/// The evidence without one item: the posterior and ln P(the rest).
#[derive(Clone, Debug)]
pub struct LeftOut {
    /// The posterior of the hypotheses without the item.
    pub posterior: Vec<f64>,
    /// ln P(every other item's observed reports): what the conflict
    /// measure needs.
    pub log_evidence: f64,
}

/// The posterior (and the evidence) without each enabled item, in
/// `compiled.items` order.
///
/// Items are independent given the hypothesis and the latent reliabilities,
/// so taking one out divides the joint P(h, q | evidence) by the item's
/// factor P(reports_i | h, q). This is exact where items share a latent
/// source reliability, unlike dividing the hypothesis posterior alone.
/// Where that is impossible (a factor with zeros, or a joint too large)
/// the model is recomputed without the item, for up to `MAX_RECOMPUTED`
/// items; beyond that the effect is left out rather than guessed.
pub fn leave_one_out(
    model: &Model,
    compiled: &network::Compiled,
    posterior: &[f64],
) -> Result<Vec<Option<LeftOut>>, AnalysisError> {
    let joint = compiled.joint_with_latent(MAX_JOINT_ENTRIES)?;
    // Each item's division is independent of every other: they run on
    // every core and are gathered in item order, each the same arithmetic
    // as one at a time (so the result does not depend on the threads).
    let divided: Vec<Result<Option<LeftOut>, InferError>> = match &joint {
        Some(j) => compiled
            .items
            .par_iter()
            .map(|nodes| {
                let f = compiled.item_factor(nodes)?;
                Ok(j.divide(&f).and_then(|mut g| {
                    for q in &compiled.reliability {
                        g = g.sum_out(q.var);
                    }
                    Some(LeftOut {
                        posterior: g.normalized()?,
                        log_evidence: g.log_total(),
                    })
                }))
            })
            .collect(),
        None => compiled.items.iter().map(|_| Ok(None)).collect(),
    };
    let mut recomputed = 0;
    let mut out = Vec::with_capacity(compiled.items.len());
    for (nodes, divided) in compiled.items.iter().zip(divided) {
        let result = match divided? {
            Some(p) => Some(p),
            None if recomputed < MAX_RECOMPUTED => {
                recomputed += 1;
                let m = crate::model::overrides::apply(
                    model,
                    &[crate::model::Override::ItemEnabled(nodes.item, false)],
                );
                match network::compile(&m).infer() {
                    Ok(p) => Some(LeftOut {
                        posterior: p.hypotheses,
                        log_evidence: p.log_evidence,
                    }),
                    // Without this item the rest is impossible: it is the
                    // only thing that made the evidence coherent.
                    Err(InferError::ImpossibleEvidence) => None,
                    Err(e) => return Err(e.into()),
                }
            }
            None => None,
        };
        out.push(result.filter(|p| p.posterior.len() == posterior.len()));
    }
    Ok(out)
}

/// Whether `group` leads in `posterior`: its posterior (the sum of its
/// members') is above that of every hypothesis outside it.
pub fn group_leads(group: &crate::model::Group, posterior: &[f64]) -> bool {
    let total = group.total(posterior);
    posterior
        .iter()
        .enumerate()
        .all(|(h, &p)| group.contains(HypothesisId(h)) || total > p)
}

/// Among the groups that lead ([`group_leads`]), the one with the highest
/// posterior (the first on an exact tie); `None` when no group leads.
pub fn leading_group(model: &Model, posterior: &[f64]) -> Option<crate::model::GroupId> {
    let mut best: Option<(usize, f64)> = None;
    for (g, group) in model.groups.iter().enumerate() {
        if !group_leads(group, posterior) {
            continue;
        }
        let total = group.total(posterior);
        if best.is_none_or(|(_, b)| total > b) {
            best = Some((g, total));
        }
    }
    best.map(|(g, _)| crate::model::GroupId(g))
}

/// The hypothesis with the highest posterior (the first, on an exact tie).
pub fn leader(posterior: &[f64]) -> HypothesisId {
    let mut best = 0;
    for (h, p) in posterior.iter().enumerate() {
        if *p > posterior[best] {
            best = h;
        }
    }
    HypothesisId(best)
}

fn delta_db(prior: f64, posterior: f64) -> Option<f64> {
    let finite = |p: f64| p > 0.0 && p < 1.0;
    (finite(prior) && finite(posterior)).then(|| {
        LogOdds::of(Probability::clamped(posterior)).decibans()
            - LogOdds::of(Probability::clamped(prior)).decibans()
    })
}

/// 10 log10 [ P(reports | h) / P(reports | not h) ], where "not h" weighs the
/// other hypotheses by their priors. For many items under one set of priors,
/// [`EvidenceWeigher`] does the priors' share of the work once.
pub fn weight_of_evidence(log_likelihood: &[f64], priors: &[f64]) -> Vec<f64> {
    EvidenceWeigher::new(priors).weigh(log_likelihood)
}

/// Weight of evidence ([`weight_of_evidence`]) for many items under one set
/// of priors, in time linear in the hypotheses' count for logarithms and
/// exponentials.
///
/// Taken one hypothesis at a time, "not h" is a log-sum-exp over the other
/// hypotheses: hypotheses² exponentials per item, 37 s of a 1,000-hypothesis
/// × 1,000-item report. The result here is the same to the last bit: every
/// hypothesis but (at most) one shares the largest term with the whole set,
/// so each exponential is taken once and shared, and each "sum of the
/// others" ([`sums_leaving_out_each`]) is the very additions, in the very
/// order, of summing the others one hypothesis at a time. The one hypothesis
/// that alone holds the largest term is worked out on its own, as before.
pub struct EvidenceWeigher {
    /// The priors, as given.
    priors: Vec<f64>,
    /// ln of each prior.
    ln_priors: Vec<f64>,
    /// Per hypothesis, the sum of the other hypotheses' priors.
    others_weight: Vec<f64>,
    /// ln of `others_weight`.
    ln_others_weight: Vec<f64>,
}

impl EvidenceWeigher {
    /// Work out what depends on the priors alone.
    pub fn new(priors: &[f64]) -> EvidenceWeigher {
        let others_weight = sums_leaving_out_each(priors);
        EvidenceWeigher {
            priors: priors.to_vec(),
            ln_priors: priors.iter().map(|p| p.ln()).collect(),
            ln_others_weight: others_weight.iter().map(|w| w.ln()).collect(),
            others_weight,
        }
    }

    /// The priors it weighs by.
    pub fn priors(&self) -> &[f64] {
        &self.priors
    }

    /// Per hypothesis, the sum of the other hypotheses' priors (bit for
    /// bit as summing them one hypothesis at a time).
    pub fn others_weight(&self) -> &[f64] {
        &self.others_weight
    }

    /// The weight of evidence, in decibans, of an item with these
    /// per-hypothesis log-likelihoods for each hypothesis against the
    /// others: `-inf` where it rules the hypothesis out, `+inf` where it
    /// rules out every other.
    pub fn weigh(&self, log_likelihood: &[f64]) -> Vec<f64> {
        let n = log_likelihood.len();
        if n != self.priors.len() {
            // Hypotheses without a prior (or priors without a hypothesis)
            // drop out of "the others" as a zip drops them: one at a time.
            return (0..n)
                .map(|h| {
                    woe_db(
                        log_likelihood[h],
                        log_not_direct(log_likelihood, &self.priors, h),
                    )
                })
                .collect();
        }
        // Each hypothesis's term in "not h": ln P(reports | j) + ln P(j).
        let terms: Vec<f64> = log_likelihood
            .iter()
            .zip(&self.ln_priors)
            .map(|(ll, ln_p)| ll + ln_p)
            .collect();
        let largest = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // The hypothesis that alone holds the largest term, if one does: the
        // others' largest term is a smaller one there.
        let holders = terms.iter().filter(|&&t| t == largest).count();
        let sole_holder = (holders == 1)
            .then(|| terms.iter().position(|&t| t == largest))
            .flatten();
        let scaled_sums = (largest != f64::NEG_INFINITY).then(|| {
            let scaled: Vec<f64> = terms.iter().map(|t| (t - largest).exp()).collect();
            sums_leaving_out_each(&scaled)
        });
        (0..n)
            .map(|h| {
                let others_weighed = self.others_weight[h] > 0.0;
                let log_not = if !others_weighed || Some(h) == sole_holder {
                    log_not_direct(log_likelihood, &self.priors, h)
                } else {
                    let log_others = match &scaled_sums {
                        Some(sums) => largest + sums[h].ln(),
                        None => f64::NEG_INFINITY,
                    };
                    log_others - self.ln_others_weight[h]
                };
                woe_db(log_likelihood[h], log_not)
            })
            .collect()
    }
}

/// ln P(reports | not h), the others weighed by their priors (equally where
/// every other prior is 0), one hypothesis at a time.
fn log_not_direct(log_likelihood: &[f64], priors: &[f64], h: usize) -> f64 {
    let others = || {
        log_likelihood
            .iter()
            .zip(priors)
            .enumerate()
            .filter(move |(j, _)| *j != h)
            .map(|(_, (&ll, &p))| (ll, p))
    };
    let weight: f64 = others().map(|(_, p)| p).sum();
    if weight > 0.0 {
        log_sum_exp(others().map(|(ll, p)| ll + p.ln())) - weight.ln()
    } else {
        // Every other hypothesis has prior 0: weigh them equally.
        log_sum_exp(others().map(|(ll, _)| ll)) - ((log_likelihood.len() - 1) as f64).ln()
    }
}

/// 10 log10 of P(reports | h) over P(reports | not h), from their logarithms.
fn woe_db(ll: f64, log_not: f64) -> f64 {
    match (ll == f64::NEG_INFINITY, log_not == f64::NEG_INFINITY) {
        (true, true) => 0.0,
        (true, false) => f64::NEG_INFINITY,
        (false, true) => f64::INFINITY,
        (false, false) => (ll - log_not) * 10.0 / std::f64::consts::LN_10,
    }
}

/// For each index h, the sum of every value but `values[h]`: bit for bit
/// `values.iter().enumerate().filter(|(j, _)| *j != h).map(|(_, v)| v).sum()`
/// (the same additions in the same order, from the same -0.0), for every h
/// at once. Still n² additions, as floating-point addition does not
/// associate, but plain ones the compiler vectorises across h, instead of
/// n² of whatever each term costs.
pub fn sums_leaving_out_each(values: &[f64]) -> Vec<f64> {
    let mut sums = vec![-0.0; values.len()];
    for (j, &value) in values.iter().enumerate() {
        let (before, from) = sums.split_at_mut(j);
        for sum in before {
            *sum += value;
        }
        for sum in &mut from[1..] {
            *sum += value;
        }
    }
    sums
}

/// 10 log10 [ P(reports | S) / P(reports | not S) ] for a set S of
/// hypotheses (`members[h]`), each side weighing its hypotheses by their
/// priors (equally, where every prior on that side is 0). For a set of one
/// this is [`weight_of_evidence`] of that hypothesis.
pub fn set_weight_of_evidence(log_likelihood: &[f64], priors: &[f64], members: &[bool]) -> f64 {
    let side = |inside: bool| {
        let chosen = || {
            log_likelihood
                .iter()
                .zip(priors)
                .zip(members)
                .filter(move |(_, m)| **m == inside)
                .map(|((&ll, &p), _)| (ll, p))
        };
        let weight: f64 = chosen().map(|(_, p)| p).sum();
        if weight > 0.0 {
            log_sum_exp(chosen().map(|(ll, p)| ll + p.ln())) - weight.ln()
        } else {
            let n = chosen().count().max(1) as f64;
            log_sum_exp(chosen().map(|(ll, _)| ll)) - n.ln()
        }
    };
    let (log_in, log_out) = (side(true), side(false));
    match (log_in == f64::NEG_INFINITY, log_out == f64::NEG_INFINITY) {
        (true, true) => 0.0,
        (true, false) => f64::NEG_INFINITY,
        (false, true) => f64::INFINITY,
        (false, false) => (log_in - log_out) * 10.0 / std::f64::consts::LN_10,
    }
}

/// ln Σ exp(x), stable for very negative x.
pub fn log_sum_exp(xs: impl Iterator<Item = f64>) -> f64 {
    let xs: Vec<f64> = xs.collect();
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + xs.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Weight of evidence one hypothesis at a time, as it was computed
    /// before [`EvidenceWeigher`]: the reference it must equal bit for bit.
    fn one_at_a_time(log_likelihood: &[f64], priors: &[f64]) -> Vec<f64> {
        (0..log_likelihood.len())
            .map(|h| woe_db(log_likelihood[h], log_not_direct(log_likelihood, priors, h)))
            .collect()
    }

    /// A log-likelihood: often ruled out (-inf), often tied with another.
    fn log_likelihood() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => -60.0f64..0.0,
            1 => Just(f64::NEG_INFINITY),
            1 => Just(0.0),
            1 => Just(-1.5),
        ]
    }

    /// A prior: sometimes 0.
    fn prior() -> impl Strategy<Value = f64> {
        prop_oneof![4 => 0.0f64..1.0, 1 => Just(0.0), 1 => Just(0.25)]
    }

    proptest! {
        #[test]
        fn the_weigher_equals_one_hypothesis_at_a_time_bit_for_bit(
            cases in (2usize..40).prop_flat_map(|n| (
                proptest::collection::vec(log_likelihood(), n),
                proptest::collection::vec(prior(), n),
            ))
        ) {
            let (ll, priors) = cases;
            let fast = EvidenceWeigher::new(&priors).weigh(&ll);
            let reference = one_at_a_time(&ll, &priors);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            prop_assert_eq!(bits(&fast), bits(&reference));
        }

        #[test]
        fn sums_leaving_out_each_equal_filtered_sums_bit_for_bit(
            values in proptest::collection::vec(
                prop_oneof![3 => 0.0f64..1e6, 1 => 0.0f64..1e-12, 1 => Just(0.0)],
                0..50,
            )
        ) {
            let sums = sums_leaving_out_each(&values);
            for (h, sum) in sums.iter().enumerate() {
                let filtered: f64 = values
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != h)
                    .map(|(_, v)| v)
                    .sum();
                prop_assert_eq!(sum.to_bits(), filtered.to_bits());
            }
        }
    }

    #[test]
    fn the_weigher_with_mismatched_priors_drops_the_unmatched_hypotheses() {
        let ll = [0.7f64.ln(), 0.2f64.ln(), 0.4f64.ln()];
        let priors = [0.5, 0.5];
        let w = EvidenceWeigher::new(&priors).weigh(&ll);
        let reference = one_at_a_time(&ll, &priors);
        assert_eq!(w, reference);
        // Hypothesis 0 against hypothesis 1 alone (2 has no prior).
        assert!((w[0] - 10.0 * (0.7f64 / 0.2).log10()).abs() < 1e-12);
    }

    #[test]
    fn woe_of_a_two_hypothesis_item() {
        // Likelihood ratio 4 => 6.02 dB for, -6.02 dB against.
        let w = weight_of_evidence(&[0.8f64.ln(), 0.2f64.ln()], &[0.5, 0.5]);
        assert!((w[0] - 6.0206).abs() < 1e-3);
        assert!((w[1] + 6.0206).abs() < 1e-3);
    }

    #[test]
    fn set_woe_of_one_member_is_the_hypothesis_woe() {
        let ll = [0.7f64.ln(), 0.2f64.ln(), 0.4f64.ln()];
        let priors = [0.2, 0.5, 0.3];
        let w = weight_of_evidence(&ll, &priors);
        for h in 0..3 {
            let mut mask = [false; 3];
            mask[h] = true;
            assert!((set_weight_of_evidence(&ll, &priors, &mask) - w[h]).abs() < 1e-12);
        }
        // {0, 1} against {2}: (0.2 * 0.7 + 0.5 * 0.2) / 0.7 over 0.4.
        let both = set_weight_of_evidence(&ll, &priors, &[true, true, false]);
        let expected = 10.0 * ((0.14 + 0.1) / 0.7 / 0.4f64).log10();
        assert!((both - expected).abs() < 1e-12);
    }
}
