//! Elimination order: greedy min-fill with min-weight tie-breaking (the
//! analyst models' order), the other greedy heuristics BIF networks choose
//! among (min-weight, weighted min-fill: [`best`]), and the size of the
//! tables an order will build (largest and total, checked against the memory
//! budget before any table is allocated).

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use super::factor::VarId;

/// Nodes with more neighbours than this are scored by an upper bound on
/// their fill instead of an exact count: exact counting is quadratic in the
/// degree and such hubs (the hypothesis node) are eliminated last anyway.
const EXACT_FILL_MAX_DEGREE: usize = 48;

/// A chosen order and the tables (in entries) it creates.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    /// The variables to eliminate, first to last.
    pub order: Vec<VarId>,
    /// Entries of the largest factor the order builds (a float: it may be far
    /// beyond `usize`).
    pub max_entries: f64,
    /// Entries of every clique table the order builds, summed: the work of
    /// one elimination, and what [`best`] minimises.
    pub total_entries: f64,
    /// The variables of the largest clique (the eliminated variable and its
    /// neighbours then), ascending: the nodes that tie the network together.
    pub largest_clique: Vec<VarId>,
    /// The heuristic that found it.
    pub heuristic: Heuristic,
}

/// A greedy rule for the next variable to eliminate. Every rule breaks its
/// remaining ties by the lowest variable id, so an order is deterministic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heuristic {
    /// Fewest fill-in edges, then the smallest clique table.
    MinFill,
    /// Smallest clique table (product of domain sizes), then fewest fill-in
    /// edges.
    MinWeight,
    /// Smallest sum over fill-in edges of the product of the two ends'
    /// domain sizes, then the smallest clique table.
    WeightedMinFill,
}

impl Heuristic {
    /// Every heuristic, in the order [`best`] tries them (the first wins a
    /// tie).
    pub const ALL: [Heuristic; 3] = [
        Heuristic::MinFill,
        Heuristic::MinWeight,
        Heuristic::WeightedMinFill,
    ];

    /// `min-fill`, `min-weight`, `weighted-min-fill`.
    pub fn label(self) -> &'static str {
        match self {
            Heuristic::MinFill => "min-fill",
            Heuristic::MinWeight => "min-weight",
            Heuristic::WeightedMinFill => "weighted-min-fill",
        }
    }
}

/// The order of smallest total table size among every [`Heuristic`] (ties:
/// the first in [`Heuristic::ALL`]). Computes orders only, no tables.
pub fn best(scopes: &[&[VarId]], eliminate: &[VarId], cards: &[usize]) -> Order {
    let mut chosen = greedy(scopes, eliminate, cards, Heuristic::MinFill);
    for heuristic in &Heuristic::ALL[1..] {
        let candidate = greedy(scopes, eliminate, cards, *heuristic);
        if candidate.total_entries < chosen.total_entries {
            chosen = candidate;
        }
    }
    chosen
}

/// Greedy min-fill over the interaction graph of `scopes`, eliminating every
/// variable in `eliminate`. `cards[v]` is the number of states of `v`.
pub fn min_fill(scopes: &[&[VarId]], eliminate: &[VarId], cards: &[usize]) -> Order {
    greedy(scopes, eliminate, cards, Heuristic::MinFill)
}

/// The greedy order `heuristic` picks over the interaction graph of
/// `scopes`, eliminating every variable in `eliminate`.
pub fn greedy(
    scopes: &[&[VarId]],
    eliminate: &[VarId],
    cards: &[usize],
    heuristic: Heuristic,
) -> Order {
    let n = cards.len();
    let mut adj: Vec<BTreeSet<VarId>> = vec![BTreeSet::new(); n];
    for scope in scopes {
        for (i, &a) in scope.iter().enumerate() {
            for &b in &scope[i + 1..] {
                adj[a].insert(b);
                adj[b].insert(a);
            }
        }
    }
    let mut pending = vec![false; n];
    for &v in eliminate {
        pending[v] = true;
    }
    let score = |adj: &Vec<BTreeSet<VarId>>, v: VarId| -> (u64, u64) {
        let d = adj[v].len();
        if d > EXACT_FILL_MAX_DEGREE {
            // Upper bounds only: a hub is rescored every time a neighbour goes,
            // so anything linear in its degree here would be quadratic overall.
            let bound = (d * (d - 1) / 2) as u64;
            return match heuristic {
                Heuristic::MinFill => (bound, u64::MAX),
                Heuristic::MinWeight | Heuristic::WeightedMinFill => {
                    (u64::MAX / 2 + bound, u64::MAX)
                }
            };
        }
        let nb: Vec<VarId> = adj[v].iter().copied().collect();
        let mut fill = 0u64;
        let mut weighted_fill = 0u64;
        for (i, &a) in nb.iter().enumerate() {
            for &b in &nb[i + 1..] {
                if !adj[a].contains(&b) {
                    fill += 1;
                    weighted_fill = weighted_fill.saturating_add((cards[a] * cards[b]) as u64);
                }
            }
        }
        // Weight as log2 of the clique's table size, in fixed point, so that
        // wide cliques cannot overflow.
        let weight: f64 =
            nb.iter().map(|&u| (cards[u] as f64).log2()).sum::<f64>() + (cards[v] as f64).log2();
        let weight = (weight * 1024.0) as u64;
        match heuristic {
            Heuristic::MinFill => (fill, weight),
            Heuristic::MinWeight => (weight, fill),
            Heuristic::WeightedMinFill => (weighted_fill, weight),
        }
    };
    let mut version = vec![0u32; n];
    let mut heap = BinaryHeap::new();
    for &v in eliminate {
        let (f, w) = score(&adj, v);
        heap.push(Reverse((f, w, v, 0u32)));
    }
    let mut order = Vec::with_capacity(eliminate.len());
    let mut max_entries: f64 = 1.0;
    let mut total_entries: f64 = 0.0;
    let mut largest_clique: Vec<VarId> = Vec::new();
    while let Some(Reverse((_, _, v, ver))) = heap.pop() {
        if !pending[v] || ver != version[v] {
            continue;
        }
        pending[v] = false;
        order.push(v);
        let nb: Vec<VarId> = adj[v].iter().copied().collect();
        let size: f64 = nb.iter().map(|&u| cards[u] as f64).product::<f64>() * cards[v] as f64;
        total_entries += size;
        if size > max_entries || largest_clique.is_empty() {
            max_entries = max_entries.max(size);
            largest_clique = nb.iter().copied().chain([v]).collect();
            largest_clique.sort_unstable();
        }
        let mut touched: BTreeSet<VarId> = nb.iter().copied().collect();
        for &u in &nb {
            adj[u].remove(&v);
        }
        for (i, &a) in nb.iter().enumerate() {
            for &b in &nb[i + 1..] {
                if adj[a].insert(b) {
                    adj[b].insert(a);
                    // Common neighbours of a new edge lose one missing pair.
                    let (small, big) = if adj[a].len() < adj[b].len() {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    for &w in &adj[small] {
                        if w != big
                            && pending[w]
                            && adj[w].len() <= EXACT_FILL_MAX_DEGREE
                            && adj[big].contains(&w)
                        {
                            touched.insert(w);
                        }
                    }
                }
            }
        }
        adj[v].clear();
        for w in touched {
            if pending[w] {
                version[w] += 1;
                let (f, s) = score(&adj, w);
                heap.push(Reverse((f, s, w, version[w])));
            }
        }
    }
    Order {
        order,
        max_entries,
        total_entries,
        largest_clique,
        heuristic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_go_first_and_hub_last() {
        // A star: hub 0 with chains 0-1-2, 0-3-4.
        let s: Vec<Vec<VarId>> = vec![vec![0, 1], vec![1, 2], vec![0, 3], vec![3, 4]];
        let scopes: Vec<&[VarId]> = s.iter().map(Vec::as_slice).collect();
        let o = min_fill(&scopes, &[0, 1, 2, 3, 4], &[3, 2, 2, 2, 2]);
        assert_eq!(o.order.len(), 5);
        // A tree has a perfect order: no clique beyond an edge.
        assert!(o.max_entries <= 6.0, "{}", o.max_entries);
    }

    #[test]
    fn best_keeps_the_smallest_total_and_names_the_largest_clique() {
        // A 4-cycle 0-1-2-3-0 with a wide node 0 and a pendant 4 on 2.
        let s: Vec<Vec<VarId>> = vec![vec![0, 1], vec![1, 2], vec![2, 3], vec![0, 3], vec![2, 4]];
        let scopes: Vec<&[VarId]> = s.iter().map(Vec::as_slice).collect();
        let cards = [10, 2, 2, 2, 3];
        let all = [0, 1, 2, 3, 4];
        let chosen = best(&scopes, &all, &cards);
        for h in Heuristic::ALL {
            let o = greedy(&scopes, &all, &cards, h);
            assert_eq!(o.order.len(), 5, "{h:?}");
            assert!(chosen.total_entries <= o.total_entries, "{h:?}");
            // Deterministic: the same input gives the same order.
            assert_eq!(o, greedy(&scopes, &all, &cards, h));
        }
        let product: f64 = chosen
            .largest_clique
            .iter()
            .map(|&v| cards[v] as f64)
            .product();
        assert_eq!(product, chosen.max_entries);
        // Eliminating the wide node 0 early would build a 10x2x2 table or
        // more; a cycle needs one triangle, and the best one avoids node 0
        // until the end.
        assert!(chosen.max_entries <= 40.0, "{chosen:?}");
    }
}
