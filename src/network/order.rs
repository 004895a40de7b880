//! Elimination order: greedy min-fill with min-weight tie-breaking, and the
//! size of the largest table that order will build (checked against the
//! memory budget before any table is allocated).

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use super::factor::VarId;

/// Nodes with more neighbours than this are scored by an upper bound on
/// their fill instead of an exact count: exact counting is quadratic in the
/// degree and such hubs (the hypothesis node) are eliminated last anyway.
const EXACT_FILL_MAX_DEGREE: usize = 48;

/// A chosen order and the largest factor (in entries) it creates.
pub struct Order {
    /// The variables to eliminate, first to last.
    pub order: Vec<VarId>,
    /// Entries of the largest factor the order builds (a float: it may be far
    /// beyond `usize`).
    pub max_entries: f64,
}

/// Greedy min-fill over the interaction graph of `scopes`, eliminating every
/// variable in `eliminate`. `cards[v]` is the number of states of `v`.
pub fn min_fill(scopes: &[&[VarId]], eliminate: &[VarId], cards: &[usize]) -> Order {
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
    let score = |adj: &Vec<BTreeSet<VarId>>, v: VarId| -> (usize, u64) {
        let d = adj[v].len();
        if d > EXACT_FILL_MAX_DEGREE {
            // Upper bounds only: a hub is rescored every time a neighbour goes,
            // so anything linear in its degree here would be quadratic overall.
            return (d * (d - 1) / 2, u64::MAX);
        }
        let nb: Vec<VarId> = adj[v].iter().copied().collect();
        let mut fill = 0;
        for (i, &a) in nb.iter().enumerate() {
            for &b in &nb[i + 1..] {
                if !adj[a].contains(&b) {
                    fill += 1;
                }
            }
        }
        // Weight as log2 of the clique's table size, in fixed point, so that
        // wide cliques cannot overflow.
        let weight: f64 =
            nb.iter().map(|&u| (cards[u] as f64).log2()).sum::<f64>() + (cards[v] as f64).log2();
        (fill, (weight * 1024.0) as u64)
    };
    let mut version = vec![0u32; n];
    let mut heap = BinaryHeap::new();
    for &v in eliminate {
        let (f, w) = score(&adj, v);
        heap.push(Reverse((f, w, v, 0u32)));
    }
    let mut order = Vec::with_capacity(eliminate.len());
    let mut max_entries: f64 = 1.0;
    while let Some(Reverse((_, _, v, ver))) = heap.pop() {
        if !pending[v] || ver != version[v] {
            continue;
        }
        pending[v] = false;
        order.push(v);
        let nb: Vec<VarId> = adj[v].iter().copied().collect();
        let size: f64 = nb.iter().map(|&u| cards[u] as f64).product::<f64>() * cards[v] as f64;
        max_entries = max_entries.max(size);
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
    Order { order, max_entries }
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
}
