//! Exact inference by variable elimination.
//!
//! Barren nodes (neither an ancestor of the query nor of the evidence) are
//! pruned, evidence is entered by reducing factors, the rest is eliminated in
//! min-fill order (analyst models) or the best of several greedy orders (BIF
//! networks, [`posterior`]: [`super::order::best`]). The memory the order
//! needs is estimated first; a network over budget is refused before any
//! large table is allocated.

use super::factor::{Factor, VarId};
use super::graph::Network;
use super::order::{Order, best, min_fill};

/// The largest single table exact inference may build, in bytes.
pub const DEFAULT_BUDGET_BYTES: usize = 512 * 1024 * 1024;

/// Why exact inference gave no answer. It never returns a wrong number
/// instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InferError {
    #[error(
        "the evidence is impossible under this model: the observed reports and established items have probability 0 under every hypothesis; check likelihoods of 0 or 1 and reliabilities of 1"
    )]
    /// The evidence has probability 0 under every hypothesis.
    ImpossibleEvidence,
    #[error(
        "exact inference would need a table of {entries:.3e} entries (about {mib:.0} MiB), over the budget of {budget_mib} MiB; the network ties too many uncertain sources together: use `credence simulate`, or give some sources a point reliability"
    )]
    /// Elimination would build a table over the memory budget.
    TooLarge {
        /// Entries of the largest table.
        entries: f64,
        /// Its size in MiB.
        mib: f64,
        /// The budget in MiB.
        budget_mib: usize,
    },
    #[error(
        "answering every node at once keeps {entries:.3e} table entries (about {mib:.0} MiB) for the second pass, over the budget of {budget_mib} MiB: ask for one node at a time (--target), or add evidence"
    )]
    /// Every table of one calibration together would be over the budget
    /// (each table alone fits).
    CalibrationTooLarge {
        /// Entries of every table the elimination order builds, summed.
        entries: f64,
        /// Their size in MiB.
        mib: f64,
        /// The budget in MiB.
        budget_mib: usize,
    },
    /// A query named a variable the network does not have.
    #[error("unknown variable {0}")]
    UnknownVariable(VarId),
}

/// A marginal distribution and the log-probability of the evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Marginal {
    /// P(state | evidence) for each state of the variable; they sum to 1.
    pub probs: Vec<f64>,
    /// ln P(evidence).
    pub log_evidence: f64,
}

/// The posterior of `target` given `evidence` (variable, state) pairs, in
/// the best order of [`super::order::best`].
pub fn posterior(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
) -> Result<Marginal, InferError> {
    if target >= net.len() {
        return Err(InferError::UnknownVariable(target));
    }
    let result = eliminate_with(
        relevant_factors(net, evidence, target),
        evidence,
        &[target],
        &net.cards(),
        DEFAULT_BUDGET_BYTES,
        best,
    )?;
    // Evidence on the target itself leaves a constant factor.
    let probs = if result.vars().is_empty() {
        let mut p = vec![0.0; net.card(target)];
        if let Some(&(_, s)) = evidence.iter().find(|e| e.0 == target) {
            p[s] = 1.0;
        }
        p
    } else {
        result.normalized().ok_or(InferError::ImpossibleEvidence)?
    };
    let log_evidence = result.log_total();
    if !log_evidence.is_finite() {
        return Err(InferError::ImpossibleEvidence);
    }
    Ok(Marginal {
        probs,
        log_evidence,
    })
}

/// The order [`posterior`] eliminates in for `target` given `evidence`,
/// computed without building any table: what to name when it is over
/// budget.
pub fn posterior_order(net: &Network, evidence: &[(VarId, usize)], target: VarId) -> Order {
    let (factors, eliminate) = prepare(
        relevant_factors(net, evidence, target),
        evidence,
        &[target],
        &net.cards(),
    );
    let scopes: Vec<&[VarId]> = factors.iter().flatten().map(Factor::vars).collect();
    best(&scopes, &eliminate, &net.cards())
}

/// The CPTs of `target`'s and the evidence's ancestors: the rest are barren
/// (each sums to 1 over its node) and change nothing.
fn relevant_factors(net: &Network, evidence: &[(VarId, usize)], target: VarId) -> Vec<Factor> {
    let relevant = ancestors(net, evidence.iter().map(|e| e.0).chain([target]));
    relevant
        .iter()
        .enumerate()
        .filter(|(_, r)| **r)
        .map(|(v, _)| net.cpt_factor(v))
        .collect()
}

/// Mark the ancestors of `roots` (inclusive).
fn ancestors(net: &Network, roots: impl Iterator<Item = VarId>) -> Vec<bool> {
    let mut seen = vec![false; net.len()];
    let mut stack: Vec<VarId> = roots.collect();
    while let Some(v) = stack.pop() {
        if std::mem::replace(&mut seen[v], true) {
            continue;
        }
        stack.extend(net.node(v).parents.iter().copied());
    }
    seen
}

/// As [`eliminate`], for a few factors of a large network: the variables
/// are first renumbered densely so the cost depends on the factors, not on
/// the network's size.
pub fn eliminate_local(
    factors: Vec<Factor>,
    evidence: impl Fn(VarId) -> Option<usize>,
    keep: &[VarId],
    card: impl Fn(VarId) -> usize,
    budget_bytes: usize,
) -> Result<Factor, InferError> {
    let mut vars: Vec<VarId> = factors
        .iter()
        .flat_map(|f| f.vars().iter().copied())
        .chain(keep.iter().copied())
        .collect();
    vars.sort_unstable();
    vars.dedup();
    let local = |v: VarId| vars.binary_search(&v).unwrap_or(0);
    let local_factors: Vec<Factor> = factors.into_iter().map(|f| f.relabel(local)).collect();
    let local_evidence: Vec<(VarId, usize)> = vars
        .iter()
        .enumerate()
        .filter_map(|(i, &v)| evidence(v).map(|s| (i, s)))
        .collect();
    let local_keep: Vec<VarId> = keep.iter().map(|&v| local(v)).collect();
    let cards: Vec<usize> = vars.iter().map(|&v| card(v)).collect();
    let result = eliminate(
        local_factors,
        &local_evidence,
        &local_keep,
        &cards,
        budget_bytes,
    )?;
    Ok(result.relabel(|i| vars[i]))
}

/// Multiply `factors`, enter `evidence`, and sum out every variable except
/// `keep`, in min-fill order. The result is a factor over the kept variables
/// that remain.
pub fn eliminate(
    factors: Vec<Factor>,
    evidence: &[(VarId, usize)],
    keep: &[VarId],
    cards: &[usize],
    budget_bytes: usize,
) -> Result<Factor, InferError> {
    eliminate_with(factors, evidence, keep, cards, budget_bytes, min_fill)
}

/// `factors` with `evidence` entered, and the variables left to eliminate
/// (every one still in a factor, except `keep`), ascending.
pub(super) fn prepare(
    factors: Vec<Factor>,
    evidence: &[(VarId, usize)],
    keep: &[VarId],
    cards: &[usize],
) -> (Vec<Option<Factor>>, Vec<VarId>) {
    let mut is_evidence = vec![None; cards.len()];
    for &(v, s) in evidence {
        is_evidence[v] = Some(s);
    }
    let live: Vec<Option<Factor>> = factors
        .into_iter()
        .map(|mut f| {
            let vars: Vec<VarId> = f.vars().to_vec();
            for v in vars {
                if let Some(s) = is_evidence[v] {
                    f = f.reduce(v, s);
                }
            }
            Some(f)
        })
        .collect();
    let mut present = vec![false; cards.len()];
    for f in live.iter().flatten() {
        for &v in f.vars() {
            present[v] = true;
        }
    }
    let eliminate: Vec<VarId> = (0..cards.len())
        .filter(|&v| present[v] && !keep.contains(&v))
        .collect();
    (live, eliminate)
}

/// `Err(TooLarge)` when `order`'s largest table is over `budget_bytes`.
pub(super) fn check_budget(order: &Order, budget_bytes: usize) -> Result<(), InferError> {
    let bytes = order.max_entries * 8.0;
    if bytes > budget_bytes as f64 {
        return Err(InferError::TooLarge {
            entries: order.max_entries,
            mib: bytes / (1024.0 * 1024.0),
            budget_mib: budget_bytes / (1024 * 1024),
        });
    }
    Ok(())
}

/// A rule for the elimination order: scopes, variables to eliminate,
/// domain sizes.
type ChooseOrder = fn(&[&[VarId]], &[VarId], &[usize]) -> Order;

/// As [`eliminate`], in the order `choose` picks.
fn eliminate_with(
    factors: Vec<Factor>,
    evidence: &[(VarId, usize)],
    keep: &[VarId],
    cards: &[usize],
    budget_bytes: usize,
    choose: ChooseOrder,
) -> Result<Factor, InferError> {
    let (mut live, eliminate) = prepare(factors, evidence, keep, cards);
    let scopes: Vec<&[VarId]> = live.iter().flatten().map(Factor::vars).collect();
    let order = choose(&scopes, &eliminate, cards);
    check_budget(&order, budget_bytes)?;
    let mut by_var: Vec<Vec<usize>> = vec![Vec::new(); cards.len()];
    for (i, f) in live.iter().enumerate() {
        if let Some(f) = f {
            for &v in f.vars() {
                by_var[v].push(i);
            }
        }
    }
    for v in order.order {
        let ids = std::mem::take(&mut by_var[v]);
        let bucket: Vec<Factor> = ids.into_iter().filter_map(|i| live[i].take()).collect();
        if bucket.is_empty() {
            continue;
        }
        let product = product_all(bucket);
        let summed = product.sum_out(v);
        let id = live.len();
        for &u in summed.vars() {
            by_var[u].push(id);
        }
        live.push(Some(summed));
    }
    Ok(product_all(live.into_iter().flatten().collect()))
}

/// The product of many factors, combined as a balanced tree: each entry is
/// then a sum of logs added pairwise, whose rounding error grows with the
/// logarithm of the count rather than the count (100,000 items stay exact to
/// about 1e-12).
pub(super) fn product_all(mut factors: Vec<Factor>) -> Factor {
    if factors.is_empty() {
        return Factor::unit();
    }
    while factors.len() > 1 {
        let mut next = Vec::with_capacity(factors.len().div_ceil(2));
        let mut it = factors.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => a.product(&b),
                None => a,
            });
        }
        factors = next;
    }
    factors.pop().unwrap_or_else(Factor::unit)
}
