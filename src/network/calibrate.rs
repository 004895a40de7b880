//! Every node's marginal from one calibration: the bucket tree of one
//! elimination order, passed over twice (Shenoy-Shafer). The collect pass
//! is variable elimination that keeps each bucket's outgoing message; the
//! distribute pass sends each bucket, from the roots down, the product of
//! everything else it heard, so every bucket ends with its clique's joint
//! with the evidence. No division, so zeros need no care. What `query --all`
//! runs instead of one elimination per node.

use super::factor::VarId;
use super::graph::Network;
use super::order::{Order, best_by_part, joined};
use super::scaled::{ScaledFactor, absorb_subsets, multiply_marginalize, needs_log};
use super::ve::{
    DEFAULT_BUDGET_BYTES, InferError, budget_entries, check_held, fuse, held_by, prepare_scaled,
    reduced_scopes,
};

/// Every node's posterior given one evidence set.
#[derive(Clone, Debug, PartialEq)]
pub struct AllMarginals {
    /// P(state | evidence) for each node (by id), in the order of its
    /// states; an observed node is certain of its state.
    pub probs: Vec<Vec<f64>>,
    /// ln P(evidence).
    pub log_evidence: f64,
}

/// The order the calibration eliminates in (every unobserved node), without
/// building any table: what to name when it is over budget.
pub fn calibration_order(net: &Network, evidence: &[(VarId, usize)]) -> Order {
    calibration_order_within(net, evidence, DEFAULT_BUDGET_BYTES)
}

/// The order [`all_marginals_within`] eliminates in under `budget_bytes`,
/// without building any table.
pub fn calibration_order_within(
    net: &Network,
    evidence: &[(VarId, usize)],
    budget_bytes: usize,
) -> Order {
    let (scopes, eliminate) = reduced_scopes(net, |_| true, evidence, &[]);
    let refs: Vec<&[VarId]> = scopes.iter().map(Vec::as_slice).collect();
    joined(&best_by_part(
        &refs,
        &eliminate,
        &net.cards(),
        budget_entries(budget_bytes),
    ))
}

/// The posterior of every node of `net` given `evidence` (variable, state)
/// pairs, from one collect and one distribute pass, within
/// [`DEFAULT_BUDGET_BYTES`].
pub fn all_marginals(
    net: &Network,
    evidence: &[(VarId, usize)],
) -> Result<AllMarginals, InferError> {
    all_marginals_within(net, evidence, DEFAULT_BUDGET_BYTES)
}

/// The most table entries one calibration in `order` holds at once,
/// simulated on the scopes before any table is built, following
/// [`all_marginals_within`] step by step: every input table and every
/// collect message stays until the distribute pass reaches its bucket;
/// there each child's distribute message is built (and held until the
/// child's own turn), then the bucket's tables, its own distribute message
/// and its children's collect messages are freed.
fn calibration_peak(scopes: &[&[VarId]], order: &[VarId], cards: &[usize]) -> f64 {
    let size = |scope: &[VarId]| -> f64 { scope.iter().map(|&v| cards[v] as f64).product() };
    let mut position = vec![usize::MAX; cards.len()];
    for (i, &v) in order.iter().enumerate() {
        position[v] = i;
    }
    let first = |scope: &[VarId]| scope.iter().map(|&v| position[v]).min();
    let mut own_scopes: Vec<Vec<VarId>> = vec![Vec::new(); order.len()];
    let mut own_entries = vec![0.0; order.len()];
    for scope in scopes {
        if let Some(bucket) = first(scope) {
            own_scopes[bucket].extend_from_slice(scope);
            own_entries[bucket] += size(scope);
        }
    }
    let mut held: f64 = own_entries.iter().sum();
    let mut peak = held;
    let mut up_entries = vec![0.0; order.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
    let mut up_scopes: Vec<Vec<VarId>> = Vec::with_capacity(order.len());
    for (i, &v) in order.iter().enumerate() {
        let mut scope = own_scopes[i].clone();
        for &c in &children[i] {
            scope.extend_from_slice(&up_scopes[c]);
        }
        scope.retain(|&u| u != v);
        scope.sort_unstable();
        scope.dedup();
        up_entries[i] = size(&scope);
        held += up_entries[i];
        peak = peak.max(held);
        if let Some(parent) = first(&scope) {
            children[parent].push(i);
        }
        up_scopes.push(scope);
    }
    let mut down_entries = vec![0.0; order.len()];
    for i in (0..order.len()).rev() {
        for &c in &children[i] {
            down_entries[c] = up_entries[c];
            held += down_entries[c];
            peak = peak.max(held);
        }
        held -= own_entries[i] + down_entries[i];
        held -= children[i].iter().map(|&c| up_entries[c]).sum::<f64>();
    }
    peak
}

/// As [`all_marginals`], refused before any table is built when one
/// elimination in the order would hold more than `budget_bytes` at once
/// ([`InferError::TooLarge`]) or when the calibration's tables, messages
/// kept for the second pass included, would
/// ([`InferError::CalibrationTooLarge`], [`calibration_peak`]).
pub fn all_marginals_within(
    net: &Network,
    evidence: &[(VarId, usize)],
    budget_bytes: usize,
) -> Result<AllMarginals, InferError> {
    let cards = net.cards();
    let prepared = prepare_scaled(net, |_| true, evidence, &[]);
    let scopes: Vec<&[VarId]> = prepared.factors.iter().map(ScaledFactor::vars).collect();
    // The parts the evidence separates, each ordered alone: the bucket
    // tree of the joined order is a forest, one tree per part.
    let order = joined(&best_by_part(
        &scopes,
        &prepared.eliminate,
        &cards,
        budget_entries(budget_bytes),
    ));
    check_held(held_by(&scopes, &order.order, &cards), budget_bytes)?;
    let total = calibration_peak(&scopes, &order.order, &cards);
    let total_bytes = total * std::mem::size_of::<f64>() as f64;
    if total_bytes > budget_bytes as f64 {
        return Err(InferError::CalibrationTooLarge {
            entries: total,
            mib: total_bytes / (1024.0 * 1024.0),
            budget_mib: budget_bytes / (1024 * 1024),
        });
    }
    let buckets = order.order.len();
    let mut position = vec![usize::MAX; cards.len()];
    for (i, &v) in order.order.iter().enumerate() {
        position[v] = i;
    }
    let mut constant = prepared.constant;
    // Each table goes to the bucket of its first variable eliminated.
    let mut own: Vec<Vec<ScaledFactor>> = vec![Vec::new(); buckets];
    for factor in prepared.factors {
        if let Some(bucket) = factor.vars().iter().map(|&v| position[v]).min() {
            own[bucket].push(factor);
        }
    }

    // Collect: bucket i sends its tables' product, with its variable summed
    // out, to the bucket of the first variable eliminated among what is
    // left (its parent in the bucket tree).
    let mut up: Vec<ScaledFactor> = Vec::with_capacity(buckets);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); buckets];
    for i in 0..buckets {
        let v = order.order[i];
        absorb_subsets(&mut own[i]);
        make_log_if_needed(&mut own[i], &mut up, &children[i]);
        let heard: Vec<&ScaledFactor> = own[i]
            .iter()
            .chain(children[i].iter().map(|&c| &up[c]))
            .collect();
        let message = multiply_marginalize(&heard, |u| u != v);
        match message.vars().iter().map(|&u| position[u]).min() {
            Some(p) => children[p].push(i),
            None => constant.absorb_total(&message),
        }
        up.push(message);
    }
    let log_evidence = constant.ln();
    if !log_evidence.is_finite() {
        return Err(InferError::ImpossibleEvidence);
    }

    // Distribute, roots first (a parent comes later in the order): each
    // child gets the product of everything else its parent's bucket heard
    // (its own tables, the message from above, its siblings' messages),
    // summed down to the child's message's variables, in one fused pass.
    // Each bucket's belief is the same product summed down to its variable.
    let mut down: Vec<Option<ScaledFactor>> = vec![None; buckets];
    let mut probs: Vec<Vec<f64>> = vec![Vec::new(); cards.len()];
    for i in (0..buckets).rev() {
        let mut base = std::mem::take(&mut own[i]);
        base.extend(down[i].take());
        absorb_subsets(&mut base);
        let kids = &children[i];
        make_log_if_needed(&mut base, &mut up, kids);
        for (k, &c) in kids.iter().enumerate() {
            let others: Vec<&ScaledFactor> = base
                .iter()
                .chain(
                    kids.iter()
                        .enumerate()
                        .filter(|&(j, _)| j != k)
                        .map(|(_, &s)| &up[s]),
                )
                .collect();
            let keep = up[c].vars();
            down[c] = Some(multiply_marginalize(&others, |u| {
                keep.binary_search(&u).is_ok()
            }));
        }
        let v = order.order[i];
        let mut heard: Vec<ScaledFactor> = base;
        // The children's collect messages are not needed again: move them.
        heard.extend(
            kids.iter()
                .map(|&c| std::mem::replace(&mut up[c], ScaledFactor::one())),
        );
        let belief = fuse(&mut heard, |u| u == v);
        probs[v] = belief.normalized().ok_or(InferError::ImpossibleEvidence)?;
    }
    for &(v, s) in evidence {
        let mut certain = vec![0.0; cards[v]];
        certain[s] = 1.0;
        probs[v] = certain;
    }
    Ok(AllMarginals {
        probs,
        log_evidence,
    })
}

/// When the product of `own` and the messages `up[kids]` must be taken in
/// log space, convert them in place (they stay the same tables), so the
/// fused products that follow need no converted copies.
fn make_log_if_needed(own: &mut [ScaledFactor], up: &mut [ScaledFactor], kids: &[usize]) {
    let all: Vec<&ScaledFactor> = own.iter().chain(kids.iter().map(|&c| &up[c])).collect();
    if needs_log(&all) {
        own.iter_mut().for_each(ScaledFactor::make_log);
        for &c in kids {
            up[c].make_log();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::bif;
    use crate::network::ve::posterior;

    const NET: &str = "network n { }
variable a { type discrete [ 2 ] { y, n }; }
variable b { type discrete [ 3 ] { p, q, r }; }
variable c { type discrete [ 2 ] { y, n }; }
variable d { type discrete [ 2 ] { y, n }; }
variable e { type discrete [ 2 ] { y, n }; }
probability ( a ) { table 0.3, 0.7; }
probability ( b | a ) { (y) 0.1, 0.2, 0.7; (n) 0.5, 0.25, 0.25; }
probability ( c | a ) { (y) 0.9, 0.1; (n) 0.2, 0.8; }
probability ( d | b, c ) { (p, y) 0.1, 0.9; (q, y) 0.6, 0.4; (r, y) 0.3, 0.7; (p, n) 0.5, 0.5; (q, n) 0.99, 0.01; (r, n) 0.0, 1.0; }
probability ( e | c ) { (y) 0.4, 0.6; (n) 0.7, 0.3; }
";

    #[test]
    fn the_tables_of_both_passes_together_are_budgeted() {
        let net = bif::parse(NET).expect("parses").net;
        // Every table alone fits in 64 bytes; all of them together do not.
        // Budgets in entries: the smallest that answers is refused one
        // entry lower for the calibration's kept messages, while a single
        // entry is below what one elimination holds.
        let outcome = |entries: usize| all_marginals_within(&net, &[], entries * 8);
        let fits = (1..10_000)
            .find(|&e| outcome(e).is_ok())
            .expect("a budget fits");
        let Err(InferError::CalibrationTooLarge { entries, .. }) = outcome(fits - 1) else {
            panic!("expected a calibration refusal at {}", fits - 1);
        };
        assert_eq!(entries, fits as f64);
        assert!(matches!(outcome(1), Err(InferError::TooLarge { .. })));
        assert!(all_marginals_within(&net, &[], 1 << 20).is_ok());
    }

    #[test]
    fn equals_one_elimination_per_node() {
        let net = bif::parse(NET).expect("parses").net;
        for evidence in [vec![], vec![(3, 0)], vec![(3, 1), (4, 0)], vec![(0, 1)]] {
            let all = all_marginals(&net, &evidence).expect("answers");
            for v in 0..net.len() {
                let one = posterior(&net, &evidence, v).expect("answers");
                for (a, b) in all.probs[v].iter().zip(&one.probs) {
                    assert!((a - b).abs() < 1e-14, "{v} {evidence:?}: {a} vs {b}");
                }
                // And the log-space engine's (one elimination per node).
                let logs = log_space_posterior(&net, &evidence, v);
                for (a, b) in all.probs[v].iter().zip(&logs) {
                    assert!((a - b).abs() < 1e-14, "{v} {evidence:?}: {a} vs {b}");
                }
                assert!((all.log_evidence - one.log_evidence).abs() < 1e-12);
            }
        }
    }

    /// `v`'s posterior by log-space variable elimination (the analyst
    /// models' engine) over every CPT.
    fn log_space_posterior(net: &Network, evidence: &[(VarId, usize)], v: VarId) -> Vec<f64> {
        let factors = (0..net.len()).map(|u| net.cpt_factor(u)).collect();
        let result = crate::network::ve::eliminate(factors, evidence, &[v], &net.cards(), 1 << 30)
            .expect("answers");
        if result.vars().is_empty() {
            let mut p = vec![0.0; net.card(v)];
            p[evidence.iter().find(|e| e.0 == v).expect("observed").1] = 1.0;
            return p;
        }
        result.normalized().expect("possible")
    }

    #[test]
    fn impossible_evidence_is_refused() {
        let net = bif::parse(NET).expect("parses").net;
        // d = y is impossible when b = r and c = n.
        let got = all_marginals(&net, &[(1, 2), (2, 1), (3, 0)]);
        assert_eq!(got, Err(InferError::ImpossibleEvidence));
    }
}
