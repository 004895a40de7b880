//! Every node's marginal from one calibration (Shenoy-Shafer) over the
//! junction tree of one elimination order. Each variable's bucket (its
//! tables and the messages it hears) is a clique; a bucket whose whole
//! clique lies inside a child's is merged into that child when that costs
//! no more passes (the standard step from a bucket tree to a junction tree
//! of maximal cliques), so the large table they share is never kept. The
//! collect pass is variable elimination that keeps each clique's outgoing
//! message; the distribute pass sends each clique, from the roots down,
//! the product of everything else its parent heard, summed to their
//! separator in one fused pass; each clique's beliefs are read from the
//! same product, and nothing of a clique is kept once its turn is past. No
//! division, so zeros need no care. What `query --all` runs instead of one
//! elimination per node.
//!
//! Memory: only separator messages are kept (the clique tables are never
//! built), and at each clique the message to its child with the largest
//! separator is built after that child's collect message is freed, so the
//! two directions of the widest separator are never held at once. The plan
//! ([`Calibration`]) is simulated on the scopes before any table is built,
//! step by step as it runs, and refused over the budget with that peak.

use super::factor::VarId;
use super::graph::Network;
use super::order::{Order, best_by_part, joined};
use super::scaled::{ScaledFactor, absorb_subsets, multiply_marginalize, needs_log};
use super::ve::{
    DEFAULT_BUDGET_BYTES, InferError, Prepared, budget_entries, prepare_scaled, reduced_scopes,
};

/// Beliefs of a clique's eliminated variables are read from one fused pass
/// over their joint when it has at most this many entries (one pass for
/// all of them), else from one pass each.
const JOINT_BELIEF_MAX: f64 = 4096.0;

/// Every node's posterior given one evidence set.
#[derive(Clone, Debug, PartialEq)]
pub struct AllMarginals {
    /// P(state | evidence) for each node (by id), in the order of its
    /// states; an observed node is certain of its state.
    pub probs: Vec<Vec<f64>>,
    /// ln P(evidence).
    pub log_evidence: f64,
}

/// One clique of the junction tree: the buckets of one or more variables of
/// the elimination order.
#[derive(Clone, Debug, PartialEq)]
struct Clique {
    /// The variables summed out here, in the order eliminated.
    eliminated: Vec<VarId>,
    /// The variables shared with the parent, ascending: the scope of the
    /// collect message sent up and of the distribute message received
    /// (empty at a root).
    separator: Vec<VarId>,
    /// Entries of the separator's table (1 at a root: a scalar).
    separator_entries: f64,
    /// The clique's variables, ascending.
    vars: Vec<VarId>,
    /// Entries of the clique's joint (never built): what one fused pass
    /// over it walks.
    entries: f64,
    /// Entries of the input tables assigned here.
    own_entries: f64,
    /// The child cliques, ascending.
    children: Vec<usize>,
    /// The last bucket of the order merged here.
    top: usize,
}

impl Clique {
    /// The position in `children` of the child whose messages are the
    /// largest (the first such): its distribute message is built last,
    /// after its collect message is freed.
    fn widest_child(&self, cliques: &[Clique]) -> Option<usize> {
        let mut widest: Option<usize> = None;
        for (k, &c) in self.children.iter().enumerate() {
            if widest.is_none_or(|w| {
                cliques[c].separator_entries > cliques[self.children[w]].separator_entries
            }) {
                widest = Some(k);
            }
        }
        widest
    }

    /// Entries of the table each belief pass builds: the joint of the
    /// eliminated variables when small enough to read them all from one
    /// pass, else one variable's states.
    fn belief_entries(&self, cards: &[usize]) -> f64 {
        let joint: f64 = self.eliminated.iter().map(|&v| cards[v] as f64).product();
        if joint <= JOINT_BELIEF_MAX {
            joint
        } else {
            self.eliminated
                .iter()
                .map(|&v| cards[v] as f64)
                .fold(0.0, f64::max)
        }
    }
}

/// How one calibration runs: the elimination order, its junction tree
/// (cliques in collect order, every child before its parent), which clique
/// each input table goes to, and the most table entries it holds at once.
/// Built from the scopes alone, before any table exists.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The elimination order the tree comes from.
    pub order: Order,
    cliques: Vec<Clique>,
    /// For each input table (in the order of the scopes given), its clique.
    table_clique: Vec<Option<usize>>,
    /// The most table entries held at once: input tables, kept messages of
    /// both passes, and the table being built.
    pub peak_entries: f64,
}

impl Calibration {
    /// The number of cliques of its junction tree: one per variable of the
    /// order, less one per merge.
    pub fn cliques(&self) -> usize {
        self.cliques.len()
    }

    /// About the bytes it holds (its index vectors).
    pub fn heap_bytes(&self) -> usize {
        let words: usize = self
            .cliques
            .iter()
            .map(|c| c.eliminated.len() + c.separator.len() + c.vars.len() + c.children.len())
            .sum::<usize>()
            + 2 * self.table_clique.len()
            + self.order.order.len()
            + self.order.largest_clique.len();
        words * std::mem::size_of::<usize>() + std::mem::size_of_val(self.cliques.as_slice())
    }
}

/// One variable's bucket in the elimination order: its clique (its
/// tables' variables and its children's separators) and its separator.
struct Bucket {
    /// The clique's variables, ascending.
    vars: Vec<VarId>,
    /// The clique's variables but the bucket's own, ascending.
    separator: Vec<VarId>,
    /// The bucket of the separator's first variable eliminated.
    parent: Option<usize>,
    /// Entries of the tables assigned here.
    own_entries: f64,
}

impl Calibration {
    /// The junction tree of `order` over tables of `scopes` (variables of
    /// sizes `cards`) and its peak: one clique per bucket while the peak
    /// fits `budget_entries`; over it, the widest separators are merged
    /// away one at a time (a separator's two messages are kept no more;
    /// the merged clique's passes walk the union of both cliques), each
    /// merge allowed only when the union is no larger than the order's
    /// largest clique nor twice the budget's entries. When no grouping
    /// fits, the one with the lowest peak is kept (what a refusal states).
    pub fn new(
        scopes: &[&[VarId]],
        order: Order,
        cards: &[usize],
        budget_entries: f64,
    ) -> Calibration {
        let (buckets, table_bucket) = bucket_tree(scopes, &order.order, cards);
        let size = |scope: &[VarId]| -> f64 { scope.iter().map(|&v| cards[v] as f64).product() };
        // A merged clique is never larger than the order's largest nor
        // than twice the entries the budget holds (one binary variable
        // wider than the largest table it allows), so a pass over it walks
        // no more than an unmerged one could: merging trades memory for
        // passes, never for unbounded work.
        let largest = buckets
            .iter()
            .map(|b| size(&b.vars))
            .fold(1.0, f64::max)
            .min(2.0 * budget_entries);
        // Each bucket's group: the buckets merged into one clique.
        let mut group: Vec<usize> = (0..buckets.len()).collect();
        // The grouping with the lowest peak so far, kept when none fits:
        // the refusal then states the least this order can hold.
        let mut best: Option<(f64, Vec<usize>)> = None;
        let mut settled = false;
        loop {
            let (cliques, clique_of) = assemble(&buckets, &group, &order.order, cards);
            let peak_entries = peak(&cliques, cards);
            let widest = (!settled && peak_entries > budget_entries)
                .then(|| {
                    cliques
                        .iter()
                        .enumerate()
                        .filter_map(|(c, clique)| {
                            let parent = clique_of[buckets[clique.top].parent?];
                            let mut union = clique.vars.clone();
                            union.extend_from_slice(&cliques[parent].vars);
                            union.sort_unstable();
                            union.dedup();
                            (size(&union) <= largest).then_some((c, parent))
                        })
                        .max_by(|&(a, _), &(b, _)| {
                            cliques[a]
                                .separator_entries
                                .total_cmp(&cliques[b].separator_entries)
                                .then(b.cmp(&a))
                        })
                })
                .flatten();
            let Some((child, parent)) = widest else {
                settled = true;
                if let Some((lowest, grouping)) = best.take()
                    && lowest < peak_entries
                {
                    group = grouping;
                    continue;
                }
                let table_clique = table_bucket
                    .iter()
                    .map(|b| b.map(|b| clique_of[b]))
                    .collect();
                return Calibration {
                    order,
                    cliques,
                    table_clique,
                    peak_entries,
                };
            };
            if best
                .as_ref()
                .is_none_or(|(lowest, _)| peak_entries < *lowest)
            {
                best = Some((peak_entries, group.clone()));
            }
            let (from, to) = (group[cliques[child].top], group[cliques[parent].top]);
            for g in &mut group {
                if *g == from {
                    *g = to;
                }
            }
        }
    }
}

/// The bucket of each variable of `order` over tables of `scopes`, and
/// each table's bucket (that of its first variable eliminated).
fn bucket_tree(
    scopes: &[&[VarId]],
    order: &[VarId],
    cards: &[usize],
) -> (Vec<Bucket>, Vec<Option<usize>>) {
    let size = |scope: &[VarId]| -> f64 { scope.iter().map(|&v| cards[v] as f64).product() };
    let mut position = vec![usize::MAX; cards.len()];
    for (i, &v) in order.iter().enumerate() {
        position[v] = i;
    }
    let first = |scope: &[VarId]| scope.iter().map(|&v| position[v]).min();
    let mut vars: Vec<Vec<VarId>> = vec![Vec::new(); order.len()];
    let mut own_entries = vec![0.0; order.len()];
    let table_bucket: Vec<Option<usize>> = scopes
        .iter()
        .map(|scope| {
            let bucket = first(scope);
            if let Some(b) = bucket {
                vars[b].extend_from_slice(scope);
                own_entries[b] += size(scope);
            }
            bucket
        })
        .collect();
    let mut buckets: Vec<Bucket> = Vec::with_capacity(order.len());
    for (i, &v) in order.iter().enumerate() {
        let mut clique = std::mem::take(&mut vars[i]);
        clique.sort_unstable();
        clique.dedup();
        let mut separator = clique.clone();
        separator.retain(|&u| u != v);
        let parent = first(&separator);
        if let Some(p) = parent {
            vars[p].extend_from_slice(&separator);
        }
        buckets.push(Bucket {
            vars: clique,
            separator,
            parent,
            own_entries: own_entries[i],
        });
    }
    (buckets, table_bucket)
}

/// The cliques of the buckets grouped by `group` (a bucket's group is any
/// bucket of it), in collect order (by their last bucket: a parent's last
/// bucket comes after its children's), and each bucket's clique.
fn assemble(
    buckets: &[Bucket],
    group: &[usize],
    order: &[VarId],
    cards: &[usize],
) -> (Vec<Clique>, Vec<usize>) {
    let size = |scope: &[VarId]| -> f64 { scope.iter().map(|&v| cards[v] as f64).product() };
    // A group's last bucket, and the cliques numbered by it.
    let mut top = vec![0; buckets.len()];
    for (b, &g) in group.iter().enumerate() {
        top[g] = top[g].max(b);
    }
    let mut clique_of = vec![usize::MAX; buckets.len()];
    let mut cliques: Vec<Clique> = Vec::new();
    for (b, bucket) in buckets.iter().enumerate() {
        if top[group[b]] != b {
            continue;
        }
        clique_of[b] = cliques.len();
        cliques.push(Clique {
            eliminated: Vec::new(),
            vars: Vec::new(),
            separator: bucket.separator.clone(),
            separator_entries: size(&bucket.separator),
            entries: 0.0,
            own_entries: 0.0,
            children: Vec::new(),
            top: b,
        });
    }
    for (b, bucket) in buckets.iter().enumerate() {
        let c = clique_of[top[group[b]]];
        clique_of[b] = c;
        let clique = &mut cliques[c];
        clique.eliminated.push(order[b]);
        clique.vars.extend_from_slice(&bucket.vars);
        clique.own_entries += bucket.own_entries;
    }
    for c in 0..cliques.len() {
        let clique = &mut cliques[c];
        clique.vars.sort_unstable();
        clique.vars.dedup();
        clique.entries = size(&clique.vars);
        if let Some(parent) = buckets[clique.top].parent {
            let p = clique_of[parent];
            cliques[p].children.push(c);
        }
    }
    (cliques, clique_of)
}

/// The most table entries a calibration over `cliques` holds at once,
/// following [`run`] step by step: every input table and every collect
/// message stays until the distribute pass reaches its clique; there the
/// messages to its children are built (each held until the child's turn),
/// the widest last, after its collect message is freed, then its beliefs;
/// then its tables, its own distribute message and its children's collect
/// messages are freed.
fn peak(cliques: &[Clique], cards: &[usize]) -> f64 {
    let mut held: f64 = cliques.iter().map(|c| c.own_entries).sum();
    for clique in cliques {
        held += clique.separator_entries;
    }
    let mut peak = held;
    for clique in cliques.iter().rev() {
        let widest = clique.widest_child(cliques);
        let others: f64 = clique
            .children
            .iter()
            .enumerate()
            .filter(|&(k, _)| Some(k) != widest)
            .map(|(_, &c)| cliques[c].separator_entries)
            .sum();
        peak = peak.max(held + others + clique.belief_entries(cards));
        // Each child's collect message is replaced by its distribute
        // message of the same size; the clique's tables and its own
        // distribute message go (a root's scalar stays).
        held -= clique.own_entries;
        if !clique.separator.is_empty() {
            held -= clique.separator_entries;
        }
    }
    peak
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
    ordered(&refs, &eliminate, &net.cards(), budget_bytes)
}

/// The calibration [`all_marginals_within`] runs under `budget_bytes`,
/// planned on the scopes alone (no table built): to estimate its work and
/// memory, and to answer the same evidence later with
/// [`all_marginals_planned`] without ordering again.
pub fn plan_within(net: &Network, evidence: &[(VarId, usize)], budget_bytes: usize) -> Calibration {
    let (scopes, eliminate) = reduced_scopes(net, |_| true, evidence, &[]);
    let refs: Vec<&[VarId]> = scopes.iter().map(Vec::as_slice).collect();
    let cards = net.cards();
    Calibration::new(
        &refs,
        ordered(&refs, &eliminate, &cards, budget_bytes),
        &cards,
        budget_entries(budget_bytes),
    )
}

/// The parts the evidence separates, each ordered alone: the junction tree
/// of the joined order is a forest, one tree per part.
fn ordered(
    scopes: &[&[VarId]],
    eliminate: &[VarId],
    cards: &[usize],
    budget_bytes: usize,
) -> Order {
    joined(&best_by_part(
        scopes,
        eliminate,
        cards,
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

/// As [`all_marginals`], refused before any table is built when one
/// elimination in the order would hold more than `budget_bytes` at once
/// ([`InferError::TooLarge`]) or when the calibration's tables, messages
/// kept for the second pass included, would
/// ([`InferError::CalibrationTooLarge`], [`Calibration::peak_entries`]).
pub fn all_marginals_within(
    net: &Network,
    evidence: &[(VarId, usize)],
    budget_bytes: usize,
) -> Result<AllMarginals, InferError> {
    let cards = net.cards();
    let prepared = prepare_scaled(net, |_| true, evidence, &[]);
    let scopes: Vec<&[VarId]> = prepared.factors.iter().map(ScaledFactor::vars).collect();
    let order = ordered(&scopes, &prepared.eliminate, &cards, budget_bytes);
    let calibration = Calibration::new(&scopes, order, &cards, budget_entries(budget_bytes));
    check(&calibration, budget_bytes)?;
    run(net, evidence, prepared, &calibration)
}

/// As [`all_marginals_within`], in `calibration`, which [`plan_within`]
/// made for the same network and evidence (it is not ordered again).
pub fn all_marginals_planned(
    net: &Network,
    evidence: &[(VarId, usize)],
    calibration: &Calibration,
    budget_bytes: usize,
) -> Result<AllMarginals, InferError> {
    let prepared = prepare_scaled(net, |_| true, evidence, &[]);
    if prepared.factors.len() != calibration.table_clique.len() {
        // Planned for other evidence: plan again rather than misplace a
        // table.
        return all_marginals_within(net, evidence, budget_bytes);
    }
    check(calibration, budget_bytes)?;
    run(net, evidence, prepared, calibration)
}

/// `Err(CalibrationTooLarge)` when the calibration would hold more than
/// `budget_bytes` at once.
fn check(calibration: &Calibration, budget_bytes: usize) -> Result<(), InferError> {
    let total = calibration.peak_entries;
    let total_bytes = total * std::mem::size_of::<f64>() as f64;
    if total_bytes > budget_bytes as f64 {
        return Err(InferError::CalibrationTooLarge {
            entries: total,
            mib: total_bytes / (1024.0 * 1024.0),
            budget_mib: budget_bytes / (1024 * 1024),
        });
    }
    Ok(())
}

/// Run `calibration` on the `prepared` tables of `net` with `evidence`
/// entered: collect, then distribute, exactly as [`peak`] simulates.
fn run(
    net: &Network,
    evidence: &[(VarId, usize)],
    prepared: Prepared,
    calibration: &Calibration,
) -> Result<AllMarginals, InferError> {
    let cards = net.cards();
    let cliques = &calibration.cliques;
    let mut constant = prepared.constant;
    let mut own: Vec<Vec<ScaledFactor>> = vec![Vec::new(); cliques.len()];
    for (factor, clique) in prepared.factors.into_iter().zip(&calibration.table_clique) {
        if let Some(c) = *clique {
            own[c].push(factor);
        }
    }

    // Collect: each clique sends the product of its tables and its
    // children's messages, summed down to its separator, to its parent.
    let mut up: Vec<ScaledFactor> = Vec::with_capacity(cliques.len());
    for (i, clique) in cliques.iter().enumerate() {
        absorb_subsets(&mut own[i]);
        make_log_if_needed(&mut own[i], &mut up, &clique.children);
        let heard: Vec<&ScaledFactor> = own[i]
            .iter()
            .chain(clique.children.iter().map(|&c| &up[c]))
            .collect();
        let keep = &clique.separator;
        let message = multiply_marginalize(&heard, |u| keep.binary_search(&u).is_ok());
        if keep.is_empty() {
            constant.absorb_total(&message);
        }
        up.push(message);
    }
    let log_evidence = constant.ln();
    if !log_evidence.is_finite() {
        return Err(InferError::ImpossibleEvidence);
    }

    // Distribute, roots first (a parent comes later): each child gets the
    // product of everything else its parent heard (the parent's tables,
    // its message from above, its other children's messages), summed down
    // to the child's separator in one fused pass.
    let mut down: Vec<Option<ScaledFactor>> = vec![None; cliques.len()];
    let mut probs: Vec<Vec<f64>> = vec![Vec::new(); cards.len()];
    for (i, clique) in cliques.iter().enumerate().rev() {
        let mut base = std::mem::take(&mut own[i]);
        base.extend(down[i].take());
        absorb_subsets(&mut base);
        let kids = &clique.children;
        make_log_if_needed(&mut base, &mut up, kids);
        let message_to = |k: usize, up: &[ScaledFactor]| {
            let others: Vec<&ScaledFactor> = base
                .iter()
                .chain(
                    kids.iter()
                        .enumerate()
                        .filter(|&(j, _)| j != k)
                        .map(|(_, &s)| &up[s]),
                )
                .collect();
            let keep = &cliques[kids[k]].separator;
            multiply_marginalize(&others, |u| keep.binary_search(&u).is_ok())
        };
        let widest = clique.widest_child(cliques);
        for k in (0..kids.len()).filter(|&k| Some(k) != widest) {
            down[kids[k]] = Some(message_to(k, &up));
        }
        let heard: Vec<&ScaledFactor> = base.iter().chain(kids.iter().map(|&c| &up[c])).collect();
        beliefs(clique, &heard, &cards, &mut probs)?;
        if let Some(k) = widest {
            // Its collect message is not an input of its own distribute
            // message: freed first, so the two are never held together.
            up[kids[k]] = ScaledFactor::one();
            down[kids[k]] = Some(message_to(k, &up));
        }
        for &c in kids {
            up[c] = ScaledFactor::one();
        }
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

/// The posteriors of `clique`'s eliminated variables from the product of
/// `heard` (everything the clique heard): one fused pass to their joint
/// when it is small ([`JOINT_BELIEF_MAX`]), each variable then summed from
/// it, else one pass per variable.
fn beliefs(
    clique: &Clique,
    heard: &[&ScaledFactor],
    cards: &[usize],
    probs: &mut [Vec<f64>],
) -> Result<(), InferError> {
    let eliminated = &clique.eliminated;
    let joint: f64 = eliminated.iter().map(|&v| cards[v] as f64).product();
    if eliminated.len() > 1 && joint <= JOINT_BELIEF_MAX {
        let table = multiply_marginalize(heard, |u| eliminated.contains(&u));
        for &v in eliminated {
            let belief = multiply_marginalize(&[&table], |u| u == v);
            probs[v] = belief.normalized().ok_or(InferError::ImpossibleEvidence)?;
        }
    } else {
        for &v in eliminated {
            let belief = multiply_marginalize(heard, |u| u == v);
            probs[v] = belief.normalized().ok_or(InferError::ImpossibleEvidence)?;
        }
    }
    Ok(())
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
        assert!(matches!(
            outcome(1),
            Err(InferError::CalibrationTooLarge { .. })
        ));
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
