//! Elimination order: greedy min-fill with min-weight tie-breaking (the
//! analyst models' order), the other greedy heuristics BIF networks choose
//! among (min-weight, weighted min-fill) and randomised restarts of them
//! within a counted work budget ([`best`]), and the size of the tables an
//! order will build (largest and total, checked against the memory budget
//! before any table is allocated). Every order is deterministic for its
//! input: the restarts draw from a generator seeded by the input's hash and
//! stop on counted work, not on a clock.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use petgraph::unionfind::UnionFind;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::factor::VarId;
use super::graph::Network;
use super::ve::DEFAULT_BUDGET_BYTES;

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
    /// Which of [`best`]'s randomised restarts found it (1-based); `None`
    /// for a plain greedy run.
    pub restart: Option<usize>,
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

/// The largest table [`best`] aims to stay under, in entries: the default
/// memory budget ([`DEFAULT_BUDGET_BYTES`]) in 8-byte numbers.
pub const DEFAULT_BUDGET_ENTRIES: f64 = (DEFAULT_BUDGET_BYTES / 8) as f64;

/// Randomised restarts [`best`] runs at most, beside its three greedy runs.
pub const MAX_RESTARTS: usize = 64;

/// Search work (adjacency operations, counted) [`best`]'s randomised
/// restarts may spend per table entry of the best greedy order. Measured on
/// the bnlearn networks, an adjacency operation of a greedy run costs about
/// as much as one or two table entries of the fused elimination (4 to 8 ns
/// against 2.5 to 6), and restarts gain a few per cent of the total where
/// they gain anything (munin with every leaf observed: 1.5% for 3.4e6
/// operations, 30 ms of search against a 100 ms elimination): so the
/// restarts get about a tenth of the elimination they try to shorten. A
/// restart is started only when a whole run fits in what is left
/// ([`best_within`]), and only after every greedy heuristic has run. Small
/// problems (asia, alarm, a fifth of pathfinder observed) get no restarts.
pub const SEARCH_WORK_PER_ENTRY: f64 = 0.1;

/// The most work one greedy run may take, per table entry of min-fill's
/// order, for [`best`] to try the other greedy heuristics too: where a run
/// costs more than about a twentieth of the elimination, the few per cent
/// another heuristic may gain do not pay for it (munin3 with a fifth
/// observed: a run is 0.24 adjacency operations per entry, about as long as
/// a quarter of the elimination, and the best heuristic saves 3.6% of the
/// tables), while where runs are cheap beside the tables one heuristic can
/// beat another twofold (munin with every leaf observed: 0.008 operations
/// per entry, weighted min-fill 45% below min-fill).
pub const GREEDY_WORK_PER_ENTRY: f64 = 0.05;

/// The most search work [`best`] spends whatever the tables (about half a
/// second), also when the best greedy order is over the budget.
pub const MAX_SEARCH_WORK: u64 = 100_000_000;

/// The candidates a stochastic restart chooses among, best first, and the
/// weight of each (the best is chosen half the time).
const TOP_WEIGHTS: [u32; 3] = [2, 1, 1];

/// Tied candidates a tie-breaking restart chooses among at most.
const MAX_TIES: usize = 8;

/// The order of smallest total table size (the smaller largest table on a
/// tie) among every [`Heuristic`] and a few randomised restarts, preferring
/// any order whose largest table fits the default memory budget
/// ([`best_within`] with [`DEFAULT_BUDGET_ENTRIES`]). Computes orders only,
/// no tables.
pub fn best(scopes: &[&[VarId]], eliminate: &[VarId], cards: &[usize]) -> Order {
    best_within(scopes, eliminate, cards, DEFAULT_BUDGET_ENTRIES)
}

/// As [`best`], preferring orders whose largest table has at most
/// `budget_entries` entries.
///
/// First each greedy [`Heuristic`] (ties by the lowest variable id; the
/// first in [`Heuristic::ALL`] wins a tie), the second and third only when
/// a run costs at most [`GREEDY_WORK_PER_ENTRY`] adjacency operations per
/// table entry of the best order so far, or that order's largest table is
/// over the budget. Then randomised restarts of the
/// same heuristics in turn (Kjaerulff's randomised greedy triangulation):
/// even restarts break ties at random, odd ones pick at random among the
/// three best candidates (the best half the time); a node that adds no
/// fill-in is always taken first. A restart is abandoned as soon as its
/// tables already total more than the best order's. Deterministic: the
/// generator (ChaCha8) is seeded from a hash of the input, and the search
/// stops on counted work, never on a clock: at most [`MAX_RESTARTS`], each
/// started only while a whole run (as long as the longest greedy run) fits
/// in [`SEARCH_WORK_PER_ENTRY`] adjacency operations per table entry of the
/// best greedy order, or in [`MAX_SEARCH_WORK`] when that order's largest
/// table is over the budget (where a better order decides whether the query
/// is answered at all).
pub fn best_within(
    scopes: &[&[VarId]],
    eliminate: &[VarId],
    cards: &[usize],
    budget_entries: f64,
) -> Order {
    let seed = structure_hash(scopes, eliminate, cards);
    best_seeded(scopes, eliminate, cards, budget_entries, seed)
}

/// [`best_within`] with the restarts' generator seeded by `seed`.
fn best_seeded(
    scopes: &[&[VarId]],
    eliminate: &[VarId],
    cards: &[usize],
    budget_entries: f64,
    seed: u64,
) -> Order {
    let base = Graph::new(scopes, cards.len());
    let mut graph = base.clone();
    let log_cards: Vec<f64> = cards.iter().map(|&c| (c as f64).log2()).collect();
    let mut chosen: Option<Order> = None;
    // The work of the longest greedy run: what one more run is expected to
    // cost.
    let mut per_run = 0u64;
    for heuristic in Heuristic::ALL {
        if let Some(best) = &chosen
            && best.max_entries <= budget_entries
            && per_run as f64 > GREEDY_WORK_PER_ENTRY * best.total_entries
        {
            // Another run would cost more than it may save.
            return best.clone();
        }
        let run = Run {
            eliminate,
            cards,
            log_cards: &log_cards,
            heuristic,
            bound: chosen.as_ref().map(|c| Bound::of(c, budget_entries)),
            work_limit: u64::MAX,
        };
        let mut work = 0u64;
        graph.reset_to(&base);
        let result = run.go(&mut graph, &mut Pick::First, &mut work);
        per_run = per_run.max(work);
        if let Some(order) = result
            && chosen
                .as_ref()
                .is_none_or(|c| is_better(&order, c, budget_entries))
        {
            chosen = Some(order);
        }
    }
    let Some(mut chosen) = chosen else {
        // Unreachable: the first run has no bound, so it finishes.
        return greedy(scopes, eliminate, cards, Heuristic::MinFill);
    };
    let allowance = if chosen.max_entries > budget_entries {
        MAX_SEARCH_WORK
    } else {
        (chosen.total_entries * SEARCH_WORK_PER_ENTRY).min(MAX_SEARCH_WORK as f64) as u64
    };
    if per_run > allowance {
        return chosen;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut work = 0u64;
    for restart in 0..MAX_RESTARTS {
        if work.saturating_add(per_run) > allowance {
            break;
        }
        let run = Run {
            eliminate,
            cards,
            log_cards: &log_cards,
            heuristic: Heuristic::ALL[restart % Heuristic::ALL.len()],
            bound: Some(Bound::of(&chosen, budget_entries)),
            work_limit: allowance,
        };
        let mut pick = if restart % 2 == 0 {
            Pick::Ties(&mut rng)
        } else {
            Pick::Top(&mut rng)
        };
        graph.reset_to(&base);
        let result = run.go(&mut graph, &mut pick, &mut work);
        if let Some(mut order) = result
            && is_better(&order, &chosen, budget_entries)
        {
            order.restart = Some(restart + 1);
            chosen = order;
        }
    }
    chosen
}

/// One connected part of an elimination problem: the tables (indices into
/// the problem's scopes) whose variables the part links, and the best order
/// of its own variables.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// Indices of the part's tables, ascending.
    pub tables: Vec<usize>,
    /// The order of the part's variables to eliminate ([`best_within`] on
    /// the part alone).
    pub order: Order,
}

/// [`best_within`] for each connected part of the problem on its own:
/// tables sharing no variable, directly or through other tables, never
/// meet in an elimination, so each part is ordered alone (with its own
/// search allowance, proportional to its own tables), over its variables
/// renumbered densely so a small part costs what it holds, not what the
/// network holds. Parts come in the order of their first table; a part
/// with nothing to eliminate (only kept variables) has an empty order.
pub fn best_by_part(
    scopes: &[&[VarId]],
    eliminate: &[VarId],
    cards: &[usize],
    budget_entries: f64,
) -> Vec<Part> {
    let n = cards.len();
    let mut sets: UnionFind<usize> = UnionFind::new(n);
    for scope in scopes {
        for pair in scope.windows(2) {
            sets.union(pair[0], pair[1]);
        }
    }
    // Each part's tables and variables, parts numbered by first table.
    let mut part_of_root = vec![usize::MAX; n];
    let mut tables: Vec<Vec<usize>> = Vec::new();
    for (t, scope) in scopes.iter().enumerate() {
        let Some(&first) = scope.first() else {
            continue;
        };
        let root = sets.find(first);
        if part_of_root[root] == usize::MAX {
            part_of_root[root] = tables.len();
            tables.push(Vec::new());
        }
        tables[part_of_root[root]].push(t);
    }
    let mut to_eliminate: Vec<Vec<VarId>> = vec![Vec::new(); tables.len()];
    for &v in eliminate {
        let part = part_of_root[sets.find(v)];
        if part != usize::MAX {
            to_eliminate[part].push(v);
        }
    }
    // Dense local ids, in the same relative order as the global ones (so
    // ties still go to the lowest id), reused across parts.
    let mut local = vec![usize::MAX; n];
    tables
        .into_iter()
        .zip(to_eliminate)
        .map(|(part_tables, part_eliminate)| {
            let mut vars: Vec<VarId> = part_tables
                .iter()
                .flat_map(|&t| scopes[t].iter().copied())
                .collect();
            vars.sort_unstable();
            vars.dedup();
            for (i, &v) in vars.iter().enumerate() {
                local[v] = i;
            }
            let local_scopes: Vec<Vec<VarId>> = part_tables
                .iter()
                .map(|&t| scopes[t].iter().map(|&v| local[v]).collect())
                .collect();
            let local_refs: Vec<&[VarId]> = local_scopes.iter().map(Vec::as_slice).collect();
            let local_eliminate: Vec<VarId> = part_eliminate.iter().map(|&v| local[v]).collect();
            let local_cards: Vec<usize> = vars.iter().map(|&v| cards[v]).collect();
            // Seeded from the part in the network's own numbering, so the
            // draws do not depend on the renumbering (a network that is one
            // part draws what the whole problem would). Only a part holding
            // most of the network hashes every domain size: at most one part
            // does, so hashing stays linear in the network (10,000
            // unconnected nodes each hashing all 10,000 sizes took 2 s).
            let global_scopes: Vec<&[VarId]> = part_tables.iter().map(|&t| scopes[t]).collect();
            let hashed_cards = if 2 * vars.len() > n {
                cards
            } else {
                &local_cards[..]
            };
            let seed = structure_hash(&global_scopes, &part_eliminate, hashed_cards);
            let mut order = best_seeded(
                &local_refs,
                &local_eliminate,
                &local_cards,
                budget_entries,
                seed,
            );
            order.order.iter_mut().for_each(|v| *v = vars[*v]);
            order.largest_clique.iter_mut().for_each(|v| *v = vars[*v]);
            Part {
                tables: part_tables,
                order,
            }
        })
        .collect()
}

/// The parts' orders as one (each part's in turn, in the order given):
/// their largest table, their tables' total, and the heuristic and restart
/// of the part with the largest table (the first on a tie).
pub fn joined(parts: &[Part]) -> Order {
    let mut joined = Order {
        order: Vec::new(),
        max_entries: 1.0,
        total_entries: 0.0,
        largest_clique: Vec::new(),
        heuristic: Heuristic::MinFill,
        restart: None,
    };
    for part in parts {
        let order = &part.order;
        joined.order.extend_from_slice(&order.order);
        joined.total_entries += order.total_entries;
        if order.max_entries > joined.max_entries || joined.largest_clique.is_empty() {
            joined.max_entries = joined.max_entries.max(order.max_entries);
            joined.largest_clique.clone_from(&order.largest_clique);
            joined.heuristic = order.heuristic;
            joined.restart = order.restart;
        }
    }
    joined
}

/// Whether `a` beats `b`: fits the budget where `b` does not, else fewer
/// entries in all, else a smaller largest table.
fn is_better(a: &Order, b: &Order, budget_entries: f64) -> bool {
    let key = |o: &Order| {
        (
            o.max_entries > budget_entries,
            o.total_entries,
            o.max_entries,
        )
    };
    let (a, b) = (key(a), key(b));
    (a.0, a.1) < (b.0, b.1) || ((a.0, a.1) == (b.0, b.1) && a.2 < b.2)
}

/// When a run can no longer beat the best order so far.
#[derive(Clone, Copy)]
struct Bound {
    /// The best order's total entries: a run past it has lost...
    total: f64,
    /// ...unless the best is over the budget and the run is not.
    over_budget: bool,
    budget_entries: f64,
}

impl Bound {
    fn of(order: &Order, budget_entries: f64) -> Bound {
        Bound {
            total: order.total_entries,
            over_budget: order.max_entries > budget_entries,
            budget_entries,
        }
    }

    fn beaten_by(&self, total: f64, max: f64) -> bool {
        total > self.total && (!self.over_budget || max > self.budget_entries)
    }
}

/// A 64-bit FNV-1a hash of the elimination problem (scopes, variables to
/// eliminate, domain sizes): the restarts' seed, the same on every machine.
fn structure_hash(scopes: &[&[VarId]], eliminate: &[VarId], cards: &[usize]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |x: u64| {
        for byte in x.to_le_bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    };
    for scope in scopes {
        feed(scope.len() as u64);
        scope.iter().for_each(|&v| feed(v as u64));
    }
    feed(eliminate.len() as u64);
    eliminate.iter().for_each(|&v| feed(v as u64));
    cards.iter().for_each(|&c| feed(c as u64));
    hash
}

/// The best of the greedy [`Heuristic`]s alone, without restarts (by
/// total entries; the first in [`Heuristic::ALL`] wins a tie): what [`best`]
/// improves on, for measuring it.
pub fn best_greedy(scopes: &[&[VarId]], eliminate: &[VarId], cards: &[usize]) -> Order {
    let mut chosen = greedy(scopes, eliminate, cards, Heuristic::MinFill);
    for heuristic in &Heuristic::ALL[1..] {
        let candidate = greedy(scopes, eliminate, cards, *heuristic);
        if candidate.total_entries < chosen.total_entries {
            chosen = candidate;
        }
    }
    chosen
}

/// The elimination problem of every node's marginal of `net` given
/// evidence on `observed` (what `query --all` orders, before pruning
/// constants): each CPT's scope without the observed nodes, and the
/// unobserved nodes to eliminate. Evidence states never change an order.
pub fn observed_problem(net: &Network, observed: &[VarId]) -> (Vec<Vec<VarId>>, Vec<VarId>) {
    let mut is_observed = vec![false; net.len()];
    for &v in observed {
        is_observed[v] = true;
    }
    let scopes = (0..net.len())
        .map(|v| {
            std::iter::once(v)
                .chain(net.node(v).parents.iter().copied())
                .filter(|&u| !is_observed[u])
                .collect()
        })
        .collect();
    let eliminate = (0..net.len()).filter(|&v| !is_observed[v]).collect();
    (scopes, eliminate)
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
    greedy_with_work(scopes, eliminate, cards, heuristic).0
}

/// As [`greedy`], with the adjacency operations the run counted.
fn greedy_with_work(
    scopes: &[&[VarId]],
    eliminate: &[VarId],
    cards: &[usize],
    heuristic: Heuristic,
) -> (Order, u64) {
    let log_cards: Vec<f64> = cards.iter().map(|&c| (c as f64).log2()).collect();
    let run = Run {
        eliminate,
        cards,
        log_cards: &log_cards,
        heuristic,
        bound: None,
        work_limit: u64::MAX,
    };
    let mut work = 0;
    let order = run
        .go(
            &mut Graph::new(scopes, cards.len()),
            &mut Pick::First,
            &mut work,
        )
        .unwrap_or_else(|| Order {
            // Unreachable: a run without bound or work limit finishes.
            order: Vec::new(),
            max_entries: f64::INFINITY,
            total_entries: f64::INFINITY,
            largest_clique: Vec::new(),
            heuristic,
            restart: None,
        });
    (order, work)
}

/// A variable's neighbours, ascending: a sorted vector beats a tree set at
/// the degrees elimination sees (a few dozen) and clones in one copy.
#[derive(Default)]
struct Neighbours(Vec<VarId>);

impl Clone for Neighbours {
    fn clone(&self) -> Neighbours {
        Neighbours(self.0.clone())
    }

    /// Into the allocation already there: every run of [`best_within`]
    /// starts from a copy of the same graph.
    fn clone_from(&mut self, source: &Neighbours) {
        self.0.clone_from(&source.0);
    }
}

impl Neighbours {
    fn contains(&self, v: &VarId) -> bool {
        self.0.binary_search(v).is_ok()
    }

    /// Add `v`; false when it was there already.
    fn insert(&mut self, v: VarId) -> bool {
        match self.0.binary_search(&v) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, v);
                true
            }
        }
    }

    fn remove(&mut self, v: &VarId) {
        if let Ok(at) = self.0.binary_search(v) {
            self.0.remove(at);
        }
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<'a> IntoIterator for &'a Neighbours {
    type Item = &'a VarId;
    type IntoIter = std::slice::Iter<'a, VarId>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The interaction graph: each variable's neighbours.
#[derive(Clone)]
struct Graph {
    adj: Vec<Neighbours>,
}

impl Graph {
    fn new(scopes: &[&[VarId]], n: usize) -> Graph {
        let mut adj: Vec<Neighbours> = vec![Neighbours::default(); n];
        for scope in scopes {
            for (i, &a) in scope.iter().enumerate() {
                for &b in &scope[i + 1..] {
                    adj[a].insert(b);
                    adj[b].insert(a);
                }
            }
        }
        Graph { adj }
    }

    /// Make this graph a copy of `base`, reusing its allocations.
    fn reset_to(&mut self, base: &Graph) {
        self.adj.clone_from(&base.adj);
    }
}

/// How a run picks the next variable among the best-scored.
enum Pick<'r> {
    /// The best (ties by the lowest id): plain greedy.
    First,
    /// Uniformly among the candidates tied with the best.
    Ties(&'r mut ChaCha8Rng),
    /// Among the few best, weighted by [`TOP_WEIGHTS`].
    Top(&'r mut ChaCha8Rng),
}

/// A heap entry: the score (lower first), the variable, and the version of
/// its score (stale entries are skipped).
type Entry = Reverse<((u64, u64), VarId, u32)>;

/// One greedy elimination of the graph.
struct Run<'a> {
    eliminate: &'a [VarId],
    cards: &'a [usize],
    /// log2 of each variable's number of states (one call per variable, not
    /// one per score).
    log_cards: &'a [f64],
    heuristic: Heuristic,
    /// Give up once the best order so far can no longer be beaten.
    bound: Option<Bound>,
    /// Give up once `work` reaches this.
    work_limit: u64,
}

impl Run<'_> {
    /// The score of eliminating `v` now (lower is better), adding the
    /// adjacency operations it took to `work`.
    fn score(&self, adj: &[Neighbours], v: VarId, work: &mut u64) -> (u64, u64) {
        let cards = self.cards;
        let d = adj[v].len();
        if d > EXACT_FILL_MAX_DEGREE {
            // Upper bounds only: a hub is rescored every time a neighbour goes,
            // so anything linear in its degree here would be quadratic overall.
            let bound = (d * (d - 1) / 2) as u64;
            return match self.heuristic {
                Heuristic::MinFill => (bound, u64::MAX),
                Heuristic::MinWeight | Heuristic::WeightedMinFill => {
                    (u64::MAX / 2 + bound, u64::MAX)
                }
            };
        }
        let nb = &adj[v].0;
        *work += (d * d / 2 + d) as u64;
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
        let log_cards = self.log_cards;
        let weight: f64 = nb.iter().map(|&u| log_cards[u]).sum::<f64>() + log_cards[v];
        let weight = (weight * 1024.0) as u64;
        match self.heuristic {
            Heuristic::MinFill => (fill, weight),
            Heuristic::MinWeight => (weight, fill),
            Heuristic::WeightedMinFill => (weighted_fill, weight),
        }
    }

    /// Whether eliminating a variable of this score adds no fill-in (it is
    /// simplicial): always a safe choice, so restarts never randomise it.
    fn adds_no_fill(&self, score: (u64, u64)) -> bool {
        match self.heuristic {
            Heuristic::MinFill | Heuristic::WeightedMinFill => score.0 == 0,
            Heuristic::MinWeight => score.1 == 0,
        }
    }

    /// Eliminate every variable of the run from `graph`, choosing by
    /// `pick`; `None` when the run was abandoned (past the bound or the
    /// work limit).
    fn go(&self, graph: &mut Graph, pick: &mut Pick<'_>, work: &mut u64) -> Option<Order> {
        let cards = self.cards;
        let n = cards.len();
        let adj = &mut graph.adj;
        let mut pending = vec![false; n];
        for &v in self.eliminate {
            pending[v] = true;
        }
        let mut version = vec![0u32; n];
        let mut heap: BinaryHeap<Entry> = BinaryHeap::with_capacity(self.eliminate.len());
        for &v in self.eliminate {
            heap.push(Reverse((self.score(adj, v, work), v, 0u32)));
        }
        let mut order = Vec::with_capacity(self.eliminate.len());
        let mut max_entries: f64 = 1.0;
        let mut total_entries: f64 = 0.0;
        let mut largest_clique: Vec<VarId> = Vec::new();
        // Variables to rescore after an elimination, each once (`stamp`
        // marks those already listed in step `order.len()`).
        let mut touched: Vec<VarId> = Vec::new();
        let mut stamp = vec![usize::MAX; n];
        // The eliminated variable's neighbours, copied out so its own list
        // keeps its allocation for the next run.
        let mut nb: Vec<VarId> = Vec::new();
        while let Some(v) = self.next(&mut heap, &pending, &version, pick) {
            pending[v] = false;
            order.push(v);
            let step = order.len();
            nb.clear();
            nb.extend_from_slice(&adj[v].0);
            adj[v].0.clear();
            let size: f64 = nb.iter().map(|&u| cards[u] as f64).product::<f64>() * cards[v] as f64;
            total_entries += size;
            if size > max_entries || largest_clique.is_empty() {
                max_entries = max_entries.max(size);
                largest_clique = nb.iter().copied().chain([v]).collect();
                largest_clique.sort_unstable();
            }
            if self
                .bound
                .is_some_and(|b| b.beaten_by(total_entries, max_entries))
                || *work > self.work_limit
            {
                return None;
            }
            *work += (nb.len() * nb.len() / 2 + 1) as u64;
            touched.clear();
            for &u in &nb {
                adj[u].remove(&v);
                stamp[u] = step;
                touched.push(u);
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
                        *work += adj[small].len() as u64;
                        for &w in &adj[small] {
                            if w != big
                                && pending[w]
                                && adj[w].len() <= EXACT_FILL_MAX_DEGREE
                                && adj[big].contains(&w)
                                && stamp[w] != step
                            {
                                stamp[w] = step;
                                touched.push(w);
                            }
                        }
                    }
                }
            }
            for &w in &touched {
                if pending[w] {
                    version[w] += 1;
                    let score = self.score(adj, w, work);
                    heap.push(Reverse((score, w, version[w])));
                }
            }
        }
        Some(Order {
            order,
            max_entries,
            total_entries,
            largest_clique,
            heuristic: self.heuristic,
            restart: None,
        })
    }

    /// The next variable to eliminate, taken off the heap (the candidates
    /// not chosen are put back).
    fn next(
        &self,
        heap: &mut BinaryHeap<Entry>,
        pending: &[bool],
        version: &[u32],
        pick: &mut Pick<'_>,
    ) -> Option<VarId> {
        let first = pop_current(heap, pending, version)?;
        let Reverse((best_score, v, _)) = first;
        let ties_only = matches!(pick, Pick::Ties(_));
        let rng: &mut ChaCha8Rng = match pick {
            Pick::First => return Some(v),
            Pick::Ties(rng) | Pick::Top(rng) => rng,
        };
        if self.adds_no_fill(best_score) {
            return Some(v);
        }
        let limit = if ties_only {
            MAX_TIES
        } else {
            TOP_WEIGHTS.len()
        };
        let mut candidates = vec![first];
        while candidates.len() < limit {
            let Some(entry) = pop_current(heap, pending, version) else {
                break;
            };
            if ties_only && entry.0.0 != best_score {
                heap.push(entry);
                break;
            }
            candidates.push(entry);
        }
        let chosen = if ties_only {
            (rng.next_u32() % candidates.len() as u32) as usize
        } else {
            let weights = &TOP_WEIGHTS[..candidates.len()];
            let mut draw = rng.next_u32() % weights.iter().sum::<u32>();
            weights
                .iter()
                .position(|&w| {
                    let here = draw < w;
                    draw = draw.saturating_sub(w);
                    here
                })
                .unwrap_or(0)
        };
        let Reverse((_, v, _)) = candidates.swap_remove(chosen);
        heap.extend(candidates);
        Some(v)
    }
}

/// The best heap entry whose variable is still pending and whose score is
/// current, skipping stale ones.
fn pop_current(heap: &mut BinaryHeap<Entry>, pending: &[bool], version: &[u32]) -> Option<Entry> {
    while let Some(entry) = heap.pop() {
        let Reverse((_, v, ver)) = entry;
        if pending[v] && ver == version[v] {
            return Some(entry);
        }
    }
    None
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

    /// Random moral graphs (a fixed linear congruential generator, so the
    /// cases are the same everywhere): parents drawn among earlier nodes,
    /// three to six states each.
    fn random_network(seed: u64, nodes: usize) -> (Vec<Vec<VarId>>, Vec<usize>) {
        let mut state = seed;
        let mut draw = |below: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % below as u64) as usize
        };
        let cards: Vec<usize> = (0..nodes).map(|_| 3 + draw(4)).collect();
        let scopes = (0..nodes)
            .map(|v| {
                let mut scope = vec![v];
                for _ in 0..draw(4).min(v) {
                    let parent = draw(v);
                    if !scope.contains(&parent) {
                        scope.push(parent);
                    }
                }
                scope
            })
            .collect();
        (scopes, cards)
    }

    #[test]
    fn restarts_only_ever_improve_and_are_deterministic() {
        let mut improved = 0;
        for seed in 0..40 {
            let (s, cards) = random_network(seed, 60);
            let scopes: Vec<&[VarId]> = s.iter().map(Vec::as_slice).collect();
            let all: Vec<VarId> = (0..cards.len()).collect();
            let chosen = best(&scopes, &all, &cards);
            let mut sorted = chosen.order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, all, "seed {seed}: every variable once");
            let greedy_total = Heuristic::ALL
                .iter()
                .map(|&h| greedy(&scopes, &all, &cards, h).total_entries)
                .fold(f64::INFINITY, f64::min);
            let min_fill_total = min_fill(&scopes, &all, &cards).total_entries;
            assert!(chosen.total_entries <= min_fill_total, "seed {seed}");
            if chosen.restart.is_some() {
                // Restarts come after every greedy heuristic.
                assert!(chosen.total_entries < greedy_total, "seed {seed}");
                improved += 1;
            }
            // The same input, the same order (no clock, a seeded generator).
            assert_eq!(chosen, best(&scopes, &all, &cards), "seed {seed}");
        }
        // These tangled graphs leave greedy room: restarts must find some.
        assert!(improved >= 5, "restarts improved {improved} of 40");
    }

    #[test]
    fn the_search_costs_in_proportion_to_the_tables() {
        let mut cheap = 0;
        let mut dear = 0;
        for seed in 0..40 {
            // Binary nodes: small tables beside the search; four to seven
            // states: large ones.
            for (nodes, extra_states) in [(120, 0), (50, 1)] {
                let (s, mut cards) = random_network(seed, nodes);
                for c in &mut cards {
                    *c = if extra_states == 0 {
                        2
                    } else {
                        *c + extra_states
                    };
                }
                let scopes: Vec<&[VarId]> = s.iter().map(Vec::as_slice).collect();
                let all: Vec<VarId> = (0..cards.len()).collect();
                let chosen = best(&scopes, &all, &cards);
                let runs: Vec<(Order, u64)> = Heuristic::ALL
                    .iter()
                    .map(|&h| greedy_with_work(&scopes, &all, &cards, h))
                    .collect();
                if runs[0].0.max_entries > DEFAULT_BUDGET_ENTRIES {
                    continue;
                }
                // The heuristics [`best`] could afford: each next one while
                // the longest run so far costs at most a twentieth of the
                // best tables so far.
                let mut afforded = 1;
                let mut longest = runs[0].1;
                let mut smallest = runs[0].0.total_entries;
                while afforded < runs.len() && longest as f64 <= GREEDY_WORK_PER_ENTRY * smallest {
                    longest = longest.max(runs[afforded].1);
                    smallest = smallest.min(runs[afforded].0.total_entries);
                    afforded += 1;
                }
                for (order, _) in &runs[..afforded] {
                    assert!(chosen.total_entries <= order.total_entries, "seed {seed}");
                }
                if afforded == 1 {
                    // Min-fill's order alone, no other run.
                    assert_eq!(chosen, runs[0].0, "seed {seed}");
                    cheap += 1;
                } else if afforded == runs.len() {
                    dear += 1;
                }
            }
        }
        assert!(cheap >= 10 && dear >= 10, "{cheap} cheap, {dear} dear");
    }

    #[test]
    fn an_order_that_fits_the_budget_beats_a_smaller_total_that_does_not() {
        let fits = Order {
            order: vec![0],
            max_entries: 100.0,
            total_entries: 1000.0,
            largest_clique: vec![0],
            heuristic: Heuristic::MinFill,
            restart: None,
        };
        let over = Order {
            max_entries: 600.0,
            total_entries: 700.0,
            ..fits.clone()
        };
        assert!(is_better(&fits, &over, 500.0));
        assert!(is_better(&over, &fits, 1000.0));
        let smaller_max = Order {
            max_entries: 50.0,
            ..fits.clone()
        };
        assert!(is_better(&smaller_max, &fits, 500.0));
        assert!(!is_better(&fits, &fits, 500.0));
    }
}
