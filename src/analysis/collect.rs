//! What to collect next: each pending evidence item (`pending = true`, a
//! collection requirement) valued, exactly, by what its planned sources
//! could report.
//!
//! A pending item's outcome is the joint answer of its observed reports
//! (each asserts or denies the claim): 2^k outcomes for k reports. Under the
//! current posterior (every enabled item's evidence in, every latent
//! source reliability kept jointly with the hypothesis, so a source whose
//! reliability the evidence has informed is weighed as it now stands) the
//! engine computes P(h, outcome) for every hypothesis and outcome, and from
//! it:
//!
//! - the expected information gain, the mutual information I(H; O) in bits
//!   between the hypothesis and the outcome (and I(G; O) for each group G,
//!   the binary question "is the truth in G");
//! - each outcome's probability and the posterior after it;
//! - the probability that collecting it changes the bottom line's
//!   judgement: the outcomes under which the judgement no longer holds,
//!   weighed by their probability;
//! - the indicators: per hypothesis and group, the items whose positive
//!   outcome (every planned report asserts) would raise it most, with the
//!   likelihood ratio P(positive | h) / P(positive | not h) that multiplies
//!   its current odds.
//!
//! Everything is computed in log space from one joint table per item; no
//! pending item ever enters a posterior other than its own "after" ones.

use super::budget;
use super::judgement::Statement;
use super::{AnalysisError, leader};
use crate::model::{HypothesisId, Item, Model, ReportId, SourceId};
use crate::network::incremental::{HYPOTHESIS, lone_item_factor};
use crate::network::{Factor, Incremental};

/// Indicators kept per hypothesis and per group, strongest first.
pub const INDICATORS_KEPT: usize = 3;

/// An indicator's likelihood ratio must exceed 1 by more than this: a
/// ratio of 1 up to rounding raises nothing.
pub const RAISES_BY: f64 = 1e-9;

/// One possible answer of a pending item and what it would do.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Per planned observed report (in [`Candidate::reports`] order): true
    /// when the source would assert the claim, false when it would deny it.
    pub asserts: Vec<bool>,
    /// P(this outcome | the evidence so far).
    pub probability: f64,
    /// The posterior of the hypotheses after this outcome, in model order
    /// (the current posterior when the outcome is impossible).
    pub posterior: Vec<f64>,
    /// Whether the judgement still holds under that posterior.
    pub judgement_holds: bool,
}

/// One pending item, valued.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Its position in `Model::pending`.
    pub item: usize,
    /// The reports whose answers make up an outcome: the item's observed
    /// reports, in the order written.
    pub reports: Vec<ReportId>,
    /// I(H; O) in bits: how much, on average, collecting it would reduce
    /// the uncertainty about the hypotheses.
    pub expected_information_bits: f64,
    /// I(G; O) in bits for each group, in group order.
    pub group_information_bits: Vec<f64>,
    /// Every outcome: answers counted down from "every report asserts"
    /// (the first report's answer varies slowest).
    pub outcomes: Vec<Outcome>,
    /// The probability that collecting it overturns the judgement.
    pub p_changes_judgement: f64,
}

impl Candidate {
    /// The positive outcome: every planned report asserts the claim.
    pub fn positive(&self) -> &Outcome {
        &self.outcomes[0]
    }
}

/// What a pending item's positive outcome would do to one hypothesis or
/// group.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    /// The pending item, by its position in `Model::pending`.
    pub item: usize,
    /// P(positive | in) / P(positive | not in), the not-in side weighed by
    /// the current posterior: the factor by which the positive outcome
    /// multiplies the current odds. Infinite when nothing outside could
    /// produce it.
    pub likelihood_ratio: f64,
    /// The probability after the positive outcome.
    pub after: f64,
}

/// The collection plan of a model.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The current posterior (the pending items left out), model order.
    pub posterior: Vec<f64>,
    /// The entropy of the current posterior, in bits: no item can yield
    /// more information than this.
    pub entropy_bits: f64,
    /// The statement whose survival `p_changes_judgement` measures.
    pub judgement: Statement,
    /// The hypotheses it asserts, model order.
    pub judgement_members: Vec<HypothesisId>,
    /// The enabled pending items, by expected information (most first),
    /// ties by id.
    pub candidates: Vec<Candidate>,
    /// Per hypothesis (model order), up to [`INDICATORS_KEPT`] pending
    /// items whose positive outcome raises it, strongest first.
    pub hypothesis_indicators: Vec<Vec<Indicator>>,
    /// Per group (model order), as `hypothesis_indicators`.
    pub group_indicators: Vec<Vec<Indicator>>,
}

/// The work of valuing every pending item: outcomes times the table each
/// touches. Refused over the budget before anything is allocated.
pub fn estimate(model: &Model) -> budget::Estimate {
    let k = model.hypotheses.len() as f64;
    let levels = model.meta.reliability_levels as f64;
    let mut results = 0.0;
    let mut work = 0.0;
    for item in model.pending.iter().filter(|i| i.enabled) {
        let answers = item.reports.iter().filter(|r| r.observed).count() as f64;
        let outcomes = 2f64.powf(answers);
        let latent = latent_sources_of(model, item).len();
        results += outcomes * (k + answers + 1.0);
        work += outcomes * k * levels.powi(latent as i32) * (item.reports.len() as f64 + 1.0);
    }
    budget::Estimate {
        results,
        results_budget: budget::MAX_PRINTED_RESULTS,
        work,
    }
}

/// The sources whose latent reliability a pending item's reports use.
fn latent_sources_of(model: &Model, item: &Item) -> Vec<SourceId> {
    let mut out: Vec<SourceId> = item
        .reports
        .iter()
        .filter(|r| model.uses_latent_reliability(r))
        .map(|r| r.source)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `Ok` when valuing every pending item is within the work budget; else
/// the refusal with the estimate and what to change.
pub fn check_budget(model: &Model) -> Result<(), budget::OverBudget> {
    estimate(model).check(
        "collect",
        || {
            "plan fewer reports per pending item (each doubles its outcomes), or split the item"
                .to_string()
        },
        || {
            "plan fewer reports per pending item, or give their sources point reliabilities"
                .to_string()
        },
    )
}

/// Value every enabled pending item of `model`. `judgement` is the bottom
/// line's statement; `None` (no bottom line) measures the leader instead.
pub fn plan(model: &Model, judgement: Option<&Statement>) -> Result<Plan, AnalysisError> {
    check_budget(model)?;
    let engine = Incremental::new(model)?;
    let posterior = engine.hypotheses()?;
    let judgement = judgement
        .cloned()
        .unwrap_or_else(|| Statement::Leads(leader(&posterior)));
    let judgement_members = judgement.members(model);
    let masks: Vec<Vec<bool>> = model
        .groups
        .iter()
        .map(|g| g.mask(model.hypotheses.len()))
        .collect();
    let mut candidates = Vec::new();
    for (p, item) in model.pending.iter().enumerate() {
        if !item.enabled {
            continue;
        }
        let joint = outcome_joint(model, &engine, item)?;
        let reports: Vec<ReportId> = (0..item.reports.len())
            .filter(|&r| item.reports[r].observed)
            .map(ReportId)
            .collect();
        let outcomes: Vec<Outcome> = joint
            .iter()
            .enumerate()
            .map(|(o, logs)| {
                let total = log_sum_exp(logs);
                let after: Vec<f64> = if total.is_finite() {
                    logs.iter().map(|l| (l - total).exp()).collect()
                } else {
                    posterior.clone()
                };
                Outcome {
                    asserts: answers(o, reports.len()),
                    probability: total.exp(),
                    judgement_holds: judgement.holds(&judgement_members, &after),
                    posterior: after,
                }
            })
            .collect();
        let everyone: Vec<bool> = vec![true; model.hypotheses.len()];
        let expected_information_bits = mutual_information(&joint, &everyone, false);
        let group_information_bits = masks
            .iter()
            .map(|mask| mutual_information(&joint, mask, true))
            .collect();
        let p_changes_judgement = outcomes
            .iter()
            .filter(|o| !o.judgement_holds)
            .map(|o| o.probability)
            // From +0: an empty float sum is -0, which would print "-0".
            .fold(0.0, |a, b| a + b)
            .min(1.0);
        candidates.push(Candidate {
            item: p,
            reports,
            expected_information_bits,
            group_information_bits,
            outcomes,
            p_changes_judgement,
        });
    }
    candidates.sort_by(|a, b| {
        b.expected_information_bits
            .total_cmp(&a.expected_information_bits)
            .then_with(|| model.pending[a.item].id.cmp(&model.pending[b.item].id))
    });
    let hypothesis_indicators = (0..model.hypotheses.len())
        .map(|h| {
            let mut mask = vec![false; model.hypotheses.len()];
            mask[h] = true;
            indicators(model, &candidates, &posterior, &mask)
        })
        .collect();
    let group_indicators = masks
        .iter()
        .map(|mask| indicators(model, &candidates, &posterior, mask))
        .collect();
    Ok(Plan {
        entropy_bits: entropy_bits(&posterior),
        posterior,
        judgement,
        judgement_members,
        candidates,
        hypothesis_indicators,
        group_indicators,
    })
}

/// The answers of outcome `o` of `n` reports: outcome 0 is every report
/// asserting, the first report's answer varying slowest.
fn answers(o: usize, n: usize) -> Vec<bool> {
    (0..n).map(|r| (o >> (n - 1 - r)) & 1 == 0).collect()
}

/// ln P(h, outcome | evidence) for every outcome (outer, in [`answers`]
/// order) and hypothesis (inner, model order).
fn outcome_joint(
    model: &Model,
    engine: &Incremental,
    item: &Item,
) -> Result<Vec<Vec<f64>>, AnalysisError> {
    let latent = latent_sources_of(model, item);
    let base = engine.joint_over(&latent)?;
    let evidence = base.log_total();
    let observed: Vec<usize> = (0..item.reports.len())
        .filter(|&r| item.reports[r].observed)
        .collect();
    let mut answered = item.clone();
    let mut out = Vec::with_capacity(1 << observed.len());
    for o in 0..(1usize << observed.len()) {
        for (&r, asserts) in observed.iter().zip(answers(o, observed.len())) {
            answered.reports[r].asserts = asserts;
        }
        let factor = lone_item_factor(model, &answered)?;
        let mut joint = base.product(&factor);
        for &v in factor.vars().iter().chain(base.vars()) {
            if v != HYPOTHESIS && joint.vars().contains(&v) {
                joint = joint.sum_out(v);
            }
        }
        out.push(per_hypothesis(&joint, model.hypotheses.len(), evidence));
    }
    Ok(out)
}

/// A factor over the hypothesis alone (or a constant) as ln values per
/// hypothesis, less `evidence`.
fn per_hypothesis(f: &Factor, k: usize, evidence: f64) -> Vec<f64> {
    if f.vars().is_empty() {
        let each = f.log_total() - evidence - (k as f64).ln();
        return vec![each; k];
    }
    f.log_values().iter().map(|l| l - evidence).collect()
}

/// ln Σ exp(x) of a slice.
fn log_sum_exp(xs: &[f64]) -> f64 {
    super::log_sum_exp(xs.iter().copied())
}

/// I(X; O) in bits, X the hypothesis (`binary` false: every hypothesis its
/// own value) or whether the truth is among `members` (`binary` true), from
/// ln P(h, o). Each term is P(x, o) log2 [P(x, o) / (P(x) P(o))], summed in
/// log space; the result is never below 0 (a rounding below it is 0).
pub fn mutual_information(joint: &[Vec<f64>], members: &[bool], binary: bool) -> f64 {
    // ln P(x, o), x the values of X.
    let cells: Vec<Vec<f64>> = joint
        .iter()
        .map(|logs| {
            if binary {
                let side = |inside: bool| {
                    log_sum_exp(
                        &logs
                            .iter()
                            .zip(members)
                            .filter(|(_, m)| **m == inside)
                            .map(|(l, _)| *l)
                            .collect::<Vec<f64>>(),
                    )
                };
                vec![side(true), side(false)]
            } else {
                logs.clone()
            }
        })
        .collect();
    let width = cells.first().map_or(0, Vec::len);
    let marginal_x: Vec<f64> = (0..width)
        .map(|x| log_sum_exp(&cells.iter().map(|c| c[x]).collect::<Vec<f64>>()))
        .collect();
    let mut total = 0.0;
    for c in &cells {
        let marginal_o = log_sum_exp(c);
        for (x, &l) in c.iter().enumerate() {
            if l == f64::NEG_INFINITY {
                continue;
            }
            total += l.exp() * (l - marginal_x[x] - marginal_o);
        }
    }
    (total / std::f64::consts::LN_2).max(0.0)
}

/// The entropy of a distribution, in bits.
pub fn entropy_bits(p: &[f64]) -> f64 {
    p.iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| -x * x.log2())
        .sum::<f64>()
        .max(0.0)
}

/// The pending items whose positive outcome raises the probability of the
/// hypotheses in `mask` most, at most [`INDICATORS_KEPT`].
fn indicators(
    model: &Model,
    candidates: &[Candidate],
    posterior: &[f64],
    mask: &[bool],
) -> Vec<Indicator> {
    let inside: f64 = posterior
        .iter()
        .zip(mask)
        .filter(|(_, m)| **m)
        .map(|(p, _)| p)
        .sum();
    let mut out: Vec<Indicator> = candidates
        .iter()
        .filter_map(|c| {
            let positive = c.positive();
            let after: f64 = positive
                .posterior
                .iter()
                .zip(mask)
                .filter(|(_, m)| **m)
                .map(|(p, _)| p)
                .sum();
            if positive.probability <= 0.0 || inside <= 0.0 {
                return None;
            }
            // Posterior odds = prior odds × LR; computed from the
            // probabilities of "in" jointly with the positive outcome.
            let joint_in = after * positive.probability;
            let joint_out = positive.probability - joint_in;
            let likelihood_ratio = if inside >= 1.0 || joint_out <= 0.0 {
                f64::INFINITY
            } else {
                (joint_in / inside) / (joint_out / (1.0 - inside))
            };
            // A ratio within rounding of 1 raises nothing.
            (likelihood_ratio > 1.0 + RAISES_BY).then_some(Indicator {
                item: c.item,
                likelihood_ratio,
                after,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.likelihood_ratio
            .total_cmp(&a.likelihood_ratio)
            .then_with(|| model.pending[a.item].id.cmp(&model.pending[b.item].id))
    });
    out.truncate(INDICATORS_KEPT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_count_down_from_all_asserting() {
        assert_eq!(answers(0, 2), vec![true, true]);
        assert_eq!(answers(1, 2), vec![true, false]);
        assert_eq!(answers(2, 2), vec![false, true]);
        assert_eq!(answers(3, 2), vec![false, false]);
    }

    #[test]
    fn information_of_a_perfect_binary_test() {
        // P(h, o): h and o perfectly correlated, equal priors: 1 bit.
        let l = 0.5f64.ln();
        let joint = vec![vec![l, f64::NEG_INFINITY], vec![f64::NEG_INFINITY, l]];
        let mi = mutual_information(&joint, &[true, true], false);
        assert!((mi - 1.0).abs() < 1e-12);
        assert!((entropy_bits(&[0.5, 0.5]) - 1.0).abs() < 1e-12);
    }
}
