//! Evidence sets for the bnlearn networks, the same on every machine: a
//! seeded forward sample (xorshift) of the network, observed on every leaf
//! or on every fifth node. Shared by tests/it/scaled.rs and the `query`
//! benchmarks (benches/engine.rs).

use credence::network::{Network, VarId};

/// A seeded forward sample of `net`: every node's state, by id.
pub fn forward_sample(net: &Network, seed: u64) -> Vec<usize> {
    let mut state = seed.max(1);
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut sample: Vec<Option<usize>> = vec![None; net.len()];
    while sample.iter().any(Option::is_none) {
        for v in 0..net.len() {
            let node = net.node(v);
            if sample[v].is_some() || node.parents.iter().any(|&p| sample[p].is_none()) {
                continue;
            }
            let mut row = 0;
            for &p in &node.parents {
                row = row * net.card(p) + sample[p].unwrap_or(0);
            }
            let card = net.card(v);
            let probs = &node.cpt[row * card..(row + 1) * card];
            let u = uniform() * probs.iter().sum::<f64>();
            let mut acc = 0.0;
            let mut chosen = (0..card).rev().find(|&s| probs[s] > 0.0).unwrap_or(0);
            for (s, &p) in probs.iter().enumerate() {
                acc += p;
                if u < acc && p > 0.0 {
                    chosen = s;
                    break;
                }
            }
            sample[v] = Some(chosen);
        }
    }
    sample.into_iter().map(|s| s.unwrap_or(0)).collect()
}

/// The seed every evidence set here is sampled with.
const SEED: u64 = 20_261_130;

/// Every fifth node (by id) observed in its sampled state.
pub fn a_fifth_observed(net: &Network) -> Vec<(VarId, usize)> {
    let sample = forward_sample(net, SEED);
    (0..net.len()).step_by(5).map(|v| (v, sample[v])).collect()
}

/// Every leaf (node without children) observed in its sampled state.
pub fn leaves_observed(net: &Network) -> Vec<(VarId, usize)> {
    let sample = forward_sample(net, SEED);
    (0..net.len())
        .filter(|&v| net.children(v).next().is_none())
        .map(|v| (v, sample[v]))
        .collect()
}

/// The first node `evidence` leaves unobserved.
pub fn first_unobserved(net: &Network, evidence: &[(VarId, usize)]) -> Option<VarId> {
    (0..net.len()).find(|v| !evidence.iter().any(|e| e.0 == *v))
}
