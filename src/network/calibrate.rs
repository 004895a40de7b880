//! Every node's marginal from one calibration: the bucket tree of one
//! elimination order, passed over twice (Shenoy-Shafer). The collect pass
//! is variable elimination that keeps each bucket's outgoing message; the
//! distribute pass sends each bucket, from the roots down, the product of
//! everything else it heard, so every bucket ends with its clique's joint
//! with the evidence. No division, so zeros need no care. What `query --all`
//! runs instead of one elimination per node.

use super::factor::{Factor, VarId};
use super::graph::Network;
use super::order::{Order, best};
use super::ve::{DEFAULT_BUDGET_BYTES, InferError, check_budget, prepare, product_all};

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
    let cards = net.cards();
    let (factors, eliminate) = prepare(cpts(net), evidence, &[], &cards);
    let scopes: Vec<&[VarId]> = factors.iter().flatten().map(Factor::vars).collect();
    best(&scopes, &eliminate, &cards)
}

fn cpts(net: &Network) -> Vec<Factor> {
    (0..net.len()).map(|v| net.cpt_factor(v)).collect()
}

/// Sum out every variable of `factor` not in `keep` (ascending).
fn marginalize(factor: &Factor, keep: &[VarId]) -> Factor {
    let mut out = factor.clone();
    for &v in factor.vars() {
        if keep.binary_search(&v).is_err() {
            out = out.sum_out(v);
        }
    }
    out
}

/// The posterior of every node of `net` given `evidence` (variable, state)
/// pairs, from one collect and one distribute pass.
pub fn all_marginals(
    net: &Network,
    evidence: &[(VarId, usize)],
) -> Result<AllMarginals, InferError> {
    all_marginals_within(
        net,
        evidence,
        DEFAULT_BUDGET_BYTES,
        CALIBRATION_BUDGET_BYTES,
    )
}

/// Every table one calibration keeps between its two passes, summed: the
/// collect pass's messages stay until the distribute pass has used them,
/// so unlike one elimination the whole order's tables can be alive at once.
pub const CALIBRATION_BUDGET_BYTES: usize = 1024 * 1024 * 1024;

/// As [`all_marginals`], with the largest table under `table_budget` bytes
/// and every table of the order together under `total_budget` bytes, both
/// checked before any table is built.
fn all_marginals_within(
    net: &Network,
    evidence: &[(VarId, usize)],
    table_budget: usize,
    total_budget: usize,
) -> Result<AllMarginals, InferError> {
    let cards = net.cards();
    let (factors, eliminate) = prepare(cpts(net), evidence, &[], &cards);
    let scopes: Vec<&[VarId]> = factors.iter().flatten().map(Factor::vars).collect();
    let order = best(&scopes, &eliminate, &cards);
    check_budget(&order, table_budget)?;
    let total_bytes = order.total_entries * 8.0;
    if total_bytes > total_budget as f64 {
        return Err(InferError::CalibrationTooLarge {
            entries: order.total_entries,
            mib: total_bytes / (1024.0 * 1024.0),
            budget_mib: total_budget / (1024 * 1024),
        });
    }
    let buckets = order.order.len();
    let mut position = vec![usize::MAX; cards.len()];
    for (i, &v) in order.order.iter().enumerate() {
        position[v] = i;
    }
    // Each factor goes to the bucket of its first variable eliminated;
    // constants (factors left with no variable by the evidence) only scale
    // P(evidence).
    let mut own: Vec<Vec<Factor>> = vec![Vec::new(); buckets];
    let mut log_evidence = 0.0;
    for factor in factors.into_iter().flatten() {
        match factor.vars().iter().map(|&v| position[v]).min() {
            Some(bucket) => own[bucket].push(factor),
            None => log_evidence += factor.log_total(),
        }
    }
    let own: Vec<Factor> = own.into_iter().map(product_all).collect();

    // Collect: bucket i sends its product, with its variable summed out, to
    // the bucket of the first variable eliminated among what is left.
    let mut up: Vec<Factor> = Vec::with_capacity(buckets);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); buckets];
    for i in 0..buckets {
        let mut heard = vec![own[i].clone()];
        heard.extend(children[i].iter().map(|&c| up[c].clone()));
        let message = product_all(heard).sum_out(order.order[i]);
        let next = message.vars().iter().map(|&v| position[v]).min();
        match next {
            Some(p) => children[p].push(i),
            None => log_evidence += message.log_total(),
        }
        up.push(message);
    }
    if !log_evidence.is_finite() {
        return Err(InferError::ImpossibleEvidence);
    }

    // Distribute, roots first (a parent comes later in the order): each
    // child gets its bucket's own factor, the message from above and its
    // siblings' messages, summed down to what the child shares with it.
    // Prefix and suffix products over the children keep this linear in
    // their number.
    let mut down: Vec<Option<Factor>> = vec![None; buckets];
    let mut probs: Vec<Vec<f64>> = vec![Vec::new(); cards.len()];
    for i in (0..buckets).rev() {
        let base = match down[i].take() {
            Some(from_parent) => own[i].product(&from_parent),
            None => own[i].clone(),
        };
        let kids = &children[i];
        let mut prefix = Vec::with_capacity(kids.len() + 1);
        prefix.push(base);
        for &c in kids {
            let next = prefix[prefix.len() - 1].product(&up[c]);
            prefix.push(next);
        }
        let mut suffix: Option<Factor> = None;
        for (k, &c) in kids.iter().enumerate().rev() {
            let others = match &suffix {
                Some(s) => prefix[k].product(s),
                None => prefix[k].clone(),
            };
            down[c] = Some(marginalize(&others, up[c].vars()));
            suffix = Some(match suffix {
                Some(s) => s.product(&up[c]),
                None => up[c].clone(),
            });
        }
        let v = order.order[i];
        let belief = marginalize(&prefix[kids.len()], &[v]);
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
        let refused = all_marginals_within(&net, &[], 64 * 8, 16 * 8);
        let Err(InferError::CalibrationTooLarge { entries, .. }) = refused else {
            panic!("expected a refusal, got {refused:?}");
        };
        assert!(entries > 16.0, "{entries}");
        assert!(all_marginals_within(&net, &[], 64 * 8, 1 << 20).is_ok());
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
                assert!((all.log_evidence - one.log_evidence).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn impossible_evidence_is_refused() {
        let net = bif::parse(NET).expect("parses").net;
        // d = y is impossible when b = r and c = n.
        let got = all_marginals(&net, &[(1, 2), (2, 1), (3, 0)]);
        assert_eq!(got, Err(InferError::ImpossibleEvidence));
    }
}
