//! Exact inference by variable elimination.
//!
//! Barren nodes (neither an ancestor of the query nor of the evidence) are
//! pruned, evidence is entered by reducing factors, the rest is eliminated in
//! min-fill order (analyst models: [`eliminate`], log-space
//! [`Factor`]s) or the best of several greedy orders (BIF networks,
//! [`posterior`]: [`super::order::best_by_part`], linear-space
//! [`ScaledFactor`]s, each variable eliminated by one fused
//! multiply-and-sum-out). On BIF networks the evidence-entered tables fall
//! into parts that share no unobserved variable: the target's part holds
//! the CPTs its posterior depends on ([`requisite`], Bayes-ball's requisite
//! nodes), the others only scale P(evidence); each part is ordered and
//! eliminated alone. The memory the order needs is estimated first; a
//! network over budget is refused before any large table is allocated (for
//! BIF networks: every table held at once, simulated on the scopes).

use super::factor::{Factor, VarId};
use super::graph::Network;
use petgraph::unionfind::UnionFind;

use super::order::{Order, Part, best_by_part, joined, min_fill};
use super::scaled::{Scale, ScaledFactor, absorb_subsets, multiply_marginalize, needs_log};

/// The memory exact inference may use for its tables, in bytes: for the
/// analyst models the largest single table, for BIF networks every table
/// held at once (`query --memory` changes it).
pub const DEFAULT_BUDGET_BYTES: usize = 512 * 1024 * 1024;

/// A memory size as a user writes it (`query --memory`): a number with an
/// optional unit, `B`, `KB`, `MB`, `GB`, `TB` (powers of 1000) or `KiB`,
/// `MiB`, `GiB`, `TiB` (powers of 1024; `K`, `M`, `G`, `T` alone too),
/// any case, e.g. `2GiB`, `800MB`, `1.5G`; in bytes.
pub fn parse_memory_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let hint = "write a size such as 2GiB, 800MB or 1073741824 (bytes)";
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a number: {hint}"))?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown unit `{other}` in `{text}`: {hint}")),
    };
    let bytes = (value * scale).floor();
    if bytes < 1.0 {
        return Err(format!("`{text}` is not a positive size: {hint}"));
    }
    if bytes > usize::MAX as f64 {
        return Err(format!("`{text}` is larger than this machine can address"));
    }
    Ok(bytes as usize)
}

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
        "answering every node at once would hold {entries:.3e} table entries at once (about {mib:.0} MiB), over the budget of {budget_mib} MiB: ask for one node at a time (--target), add evidence, or raise the budget (--memory SIZE)"
    )]
    /// The tables one calibration holds at once (its input tables and the
    /// messages kept between its two passes) would be over the budget.
    CalibrationTooLarge {
        /// Entries of the tables held at once at the calibration's peak.
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
/// the best order of [`super::order::best`], within
/// [`DEFAULT_BUDGET_BYTES`].
pub fn posterior(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
) -> Result<Marginal, InferError> {
    posterior_within(net, evidence, target, DEFAULT_BUDGET_BYTES)
}

/// As [`posterior`], refused when the tables the elimination holds at once
/// (the CPTs with the evidence entered, the messages not yet used and the
/// one being built) would be over `budget_bytes`, before any is built; the
/// orders prefer those whose largest table fits `budget_bytes`.
/// Linear-space tables with a scale exponent, each variable eliminated by
/// one fused multiply-and-sum-out ([`super::scaled`]).
///
/// Relevance: only the CPTs of the target's and the evidence's ancestors
/// are read (the rest sum to 1), and with the evidence entered they fall
/// into parts that share no unobserved variable ([`requisite`]). The
/// target's posterior is its own part's elimination; every other part only
/// scales P(evidence) and is summed out on its own, in its own order.
pub fn posterior_within(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
    budget_bytes: usize,
) -> Result<Marginal, InferError> {
    let prepared = prepare_for(net, evidence, target)?;
    let cards = net.cards();
    let scopes: Vec<&[VarId]> = prepared.factors.iter().map(ScaledFactor::vars).collect();
    let parts = best_by_part(
        &scopes,
        &prepared.eliminate,
        &cards,
        budget_entries(budget_bytes),
    );
    eliminate_parts(net, evidence, target, prepared, &parts, budget_bytes)
}

/// The tables `target`'s posterior reads (its and the evidence's
/// ancestors' CPTs) with `evidence` entered.
fn prepare_for(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
) -> Result<Prepared, InferError> {
    if target >= net.len() {
        return Err(InferError::UnknownVariable(target));
    }
    let relevant = ancestors(net, evidence.iter().map(|e| e.0).chain([target]));
    Ok(prepare_scaled(net, |v| relevant[v], evidence, &[target]))
}

/// How [`posterior_within`] eliminates for one target and evidence set:
/// the parts of the evidence-entered tables and each part's order, made on
/// the scopes alone (no table built), to estimate the work and to answer
/// the same question later ([`posterior_planned`]) without ordering again.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorPlan {
    parts: Vec<Part>,
    /// The number of tables the parts index (a check that the plan fits
    /// the tables it is run on).
    tables: usize,
}

impl PosteriorPlan {
    /// The parts' orders as one ([`joined`]): its largest clique and the
    /// entries its tables total.
    pub fn order(&self) -> Order {
        joined(&self.parts)
    }

    /// About the bytes it holds (its index vectors).
    pub fn heap_bytes(&self) -> usize {
        let words: usize = self
            .parts
            .iter()
            .map(|p| p.tables.len() + p.order.order.len() + p.order.largest_clique.len())
            .sum();
        words * std::mem::size_of::<usize>() + std::mem::size_of_val(self.parts.as_slice())
    }
}

/// The plan [`posterior_within`] follows for `target` given `evidence`
/// under `budget_bytes`.
pub fn posterior_plan_within(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
    budget_bytes: usize,
) -> PosteriorPlan {
    let relevant = ancestors(net, evidence.iter().map(|e| e.0).chain([target]));
    let (scopes, eliminate) = reduced_scopes(net, |v| relevant[v], evidence, &[target]);
    let refs: Vec<&[VarId]> = scopes.iter().map(Vec::as_slice).collect();
    PosteriorPlan {
        parts: best_by_part(
            &refs,
            &eliminate,
            &net.cards(),
            budget_entries(budget_bytes),
        ),
        tables: scopes.len(),
    }
}

/// As [`posterior_within`], in `plan`, which [`posterior_plan_within`]
/// made for the same network, evidence and target (nothing is ordered).
pub fn posterior_planned(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
    plan: &PosteriorPlan,
    budget_bytes: usize,
) -> Result<Marginal, InferError> {
    let prepared = prepare_for(net, evidence, target)?;
    if prepared.factors.len() != plan.tables {
        // Planned for another question: order again rather than misplace a
        // table.
        return posterior_within(net, evidence, target, budget_bytes);
    }
    eliminate_parts(net, evidence, target, prepared, &plan.parts, budget_bytes)
}

/// Eliminate the `prepared` tables part by part in `parts`' orders, after
/// checking what they hold at once against `budget_bytes`: the target's
/// part gives its posterior, every other part scales P(evidence).
fn eliminate_parts(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
    prepared: Prepared,
    parts: &[Part],
    budget_bytes: usize,
) -> Result<Marginal, InferError> {
    let cards = net.cards();
    let scopes: Vec<&[VarId]> = prepared.factors.iter().map(ScaledFactor::vars).collect();
    check_held(held_by(&scopes, &joined(parts).order, &cards), budget_bytes)?;
    let Prepared {
        factors,
        mut constant,
        ..
    } = prepared;
    let mut slots: Vec<Option<ScaledFactor>> = factors.into_iter().map(Some).collect();
    let mut posterior = None;
    for part in parts {
        let tables: Vec<ScaledFactor> = part
            .tables
            .iter()
            .filter_map(|&t| slots[t].take())
            .collect();
        let holds_target = tables.iter().any(|t| t.vars().contains(&target));
        let result = eliminate_scaled(tables, &part.order.order, cards.len());
        if holds_target {
            posterior = Some(result);
        } else {
            constant.absorb_total(&result);
        }
    }
    // Evidence on the target itself leaves no table with it.
    let probs = match &posterior {
        Some(result) => result.normalized().ok_or(InferError::ImpossibleEvidence)?,
        None => {
            let mut p = vec![0.0; net.card(target)];
            if let Some(&(_, s)) = evidence.iter().find(|e| e.0 == target) {
                p[s] = 1.0;
            }
            p
        }
    };
    if let Some(result) = &posterior {
        constant.absorb_total(result);
    }
    let log_evidence = constant.ln();
    if !log_evidence.is_finite() {
        return Err(InferError::ImpossibleEvidence);
    }
    Ok(Marginal {
        probs,
        log_evidence,
    })
}

/// The largest table, in 8-byte entries, a budget of `budget_bytes`
/// holds: what the order search prefers to stay under.
pub(super) fn budget_entries(budget_bytes: usize) -> f64 {
    budget_bytes as f64 / std::mem::size_of::<f64>() as f64
}

/// The nodes whose CPTs P(`target` | `evidence`) depends on (Shachter's
/// requisite probability nodes, which Bayes-ball finds): of the target's
/// and the evidence's ancestors (the others are barren: their CPTs sum to
/// 1), those whose CPT, with the evidence entered, is linked to the target
/// through unobserved variables. A CPT in no such chain (a d-separated
/// ancestor of the evidence, or an observed node whose parents are all
/// observed) only scales P(evidence). Empty when the target is observed.
pub fn requisite(net: &Network, evidence: &[(VarId, usize)], target: VarId) -> Vec<bool> {
    let relevant = ancestors(net, evidence.iter().map(|e| e.0).chain([target]));
    let observed = observed_states(net.len(), evidence);
    let mut sets: UnionFind<usize> = UnionFind::new(net.len());
    let scope = |v: VarId| {
        net.node(v)
            .parents
            .iter()
            .copied()
            .chain([v])
            .filter(|&u| observed[u].is_none())
    };
    for v in (0..net.len()).filter(|&v| relevant[v]) {
        let mut free = scope(v);
        if let Some(first) = free.next() {
            free.for_each(|u| {
                sets.union(first, u);
            });
        }
    }
    if observed[target].is_some() {
        return vec![false; net.len()];
    }
    let root = sets.find(target);
    (0..net.len())
        .map(|v| relevant[v] && scope(v).next().is_some_and(|u| sets.find(u) == root))
        .collect()
}

/// The order [`posterior`] eliminates in for `target` given `evidence`,
/// computed without building any table: what to name when it is over
/// budget.
pub fn posterior_order(net: &Network, evidence: &[(VarId, usize)], target: VarId) -> Order {
    posterior_order_within(net, evidence, target, DEFAULT_BUDGET_BYTES)
}

/// The order [`posterior_within`] eliminates in under `budget_bytes`
/// (every part's in turn), without building any table.
pub fn posterior_order_within(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
    budget_bytes: usize,
) -> Order {
    posterior_plan_within(net, evidence, target, budget_bytes).order()
}

/// The CPTs `relevant` marks as linear-space tables with `evidence`
/// entered: those left with variables, the product of those left with none,
/// and the variables to eliminate.
pub(super) struct Prepared {
    /// The tables with at least one variable, in variable order.
    pub factors: Vec<ScaledFactor>,
    /// The product of the tables the evidence left without a variable.
    pub constant: Scale,
    /// Every variable of a table except the kept ones, ascending.
    pub eliminate: Vec<VarId>,
}

/// The CPT of each variable `relevant` marks, with `evidence` entered
/// (no logarithm taken), and what is left to eliminate keeping `keep`.
pub(super) fn prepare_scaled(
    net: &Network,
    relevant: impl Fn(VarId) -> bool,
    evidence: &[(VarId, usize)],
    keep: &[VarId],
) -> Prepared {
    let observed = observed_states(net.len(), evidence);
    let mut factors = Vec::new();
    let mut constant = Scale::one();
    for v in (0..net.len()).filter(|&v| relevant(v)) {
        let node = net.node(v);
        let mut vars = node.parents.clone();
        vars.push(v);
        let cards: Vec<usize> = vars.iter().map(|&u| net.card(u)).collect();
        let f = ScaledFactor::from_table(&vars, &cards, &node.cpt, |u| observed[u]);
        if f.vars().is_empty() {
            constant.absorb_total(&f);
        } else {
            factors.push(f);
        }
    }
    let eliminate = to_eliminate(net.len(), factors.iter().map(ScaledFactor::vars), keep);
    Prepared {
        factors,
        constant,
        eliminate,
    }
}

/// The scopes [`prepare_scaled`] would give its tables (those left with a
/// variable), and the variables to eliminate, without building a table.
pub(super) fn reduced_scopes(
    net: &Network,
    relevant: impl Fn(VarId) -> bool,
    evidence: &[(VarId, usize)],
    keep: &[VarId],
) -> (Vec<Vec<VarId>>, Vec<VarId>) {
    let observed = observed_states(net.len(), evidence);
    let scopes: Vec<Vec<VarId>> = (0..net.len())
        .filter(|&v| relevant(v))
        .map(|v| {
            let mut scope: Vec<VarId> = net.node(v).parents.clone();
            scope.push(v);
            scope.retain(|&u| observed[u].is_none());
            scope.sort_unstable();
            scope
        })
        .filter(|s| !s.is_empty())
        .collect();
    let eliminate = to_eliminate(net.len(), scopes.iter().map(Vec::as_slice), keep);
    (scopes, eliminate)
}

/// The state each variable is observed in, by id.
fn observed_states(n: usize, evidence: &[(VarId, usize)]) -> Vec<Option<usize>> {
    let mut observed = vec![None; n];
    for &(v, s) in evidence {
        observed[v] = Some(s);
    }
    observed
}

/// Every variable of `scopes` not in `keep`, ascending.
fn to_eliminate<'a>(
    n: usize,
    scopes: impl Iterator<Item = &'a [VarId]>,
    keep: &[VarId],
) -> Vec<VarId> {
    let mut present = vec![false; n];
    for scope in scopes {
        for &v in scope {
            present[v] = true;
        }
    }
    (0..n)
        .filter(|&v| present[v] && !keep.contains(&v))
        .collect()
}

/// The most table entries eliminating `order` from tables over `scopes`
/// holds at once, simulated on the scopes alone before any table is
/// built: every table not yet used plus the message being built (each
/// variable's tables are replaced by one message over their other
/// variables; the fused product never builds the clique's table).
pub(super) fn held_by(scopes: &[&[VarId]], order: &[VarId], cards: &[usize]) -> f64 {
    let size = |scope: &[VarId]| -> f64 { scope.iter().map(|&v| cards[v] as f64).product() };
    let mut live: Vec<Option<Vec<VarId>>> = scopes.iter().map(|s| Some(s.to_vec())).collect();
    let mut by_var: Vec<Vec<usize>> = vec![Vec::new(); cards.len()];
    for (i, s) in scopes.iter().enumerate() {
        for &v in s.iter() {
            by_var[v].push(i);
        }
    }
    let mut held: f64 = scopes.iter().map(|s| size(s)).sum();
    let mut peak = held;
    for &v in order {
        let mut scope: Vec<VarId> = Vec::new();
        let mut bucket = 0.0;
        for i in std::mem::take(&mut by_var[v]) {
            if let Some(s) = live[i].take() {
                bucket += size(&s);
                scope.extend(s.into_iter().filter(|&u| u != v));
            }
        }
        scope.sort_unstable();
        scope.dedup();
        let message = size(&scope);
        // The bucket's tables are freed only once the message is complete.
        peak = peak.max(held + message);
        held += message - bucket;
        let id = live.len();
        for &u in &scope {
            by_var[u].push(id);
        }
        live.push(Some(scope));
    }
    peak
}
/// `Err(TooLarge)` when holding `entries` table entries at once is over
/// `budget_bytes`.
pub(super) fn check_held(entries: f64, budget_bytes: usize) -> Result<(), InferError> {
    let bytes = entries * std::mem::size_of::<f64>() as f64;
    if bytes > budget_bytes as f64 {
        return Err(InferError::TooLarge {
            entries,
            mib: bytes / (1024.0 * 1024.0),
            budget_mib: budget_bytes / (1024 * 1024),
        });
    }
    Ok(())
}

/// Eliminate `order` from `factors` (over variables below `n`): each
/// variable's tables are replaced by their fused product with it summed
/// out, then what is left is multiplied.
fn eliminate_scaled(factors: Vec<ScaledFactor>, order: &[VarId], n: usize) -> ScaledFactor {
    let mut by_var: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, f) in factors.iter().enumerate() {
        for &v in f.vars() {
            by_var[v].push(i);
        }
    }
    let mut live: Vec<Option<ScaledFactor>> = factors.into_iter().map(Some).collect();
    for &v in order {
        let mut bucket: Vec<ScaledFactor> = std::mem::take(&mut by_var[v])
            .into_iter()
            .filter_map(|i| live[i].take())
            .collect();
        if bucket.is_empty() {
            continue;
        }
        let message = fuse(&mut bucket, |u| u != v);
        drop(bucket);
        let id = live.len();
        for &u in message.vars() {
            by_var[u].push(id);
        }
        live.push(Some(message));
    }
    let mut rest: Vec<ScaledFactor> = live.into_iter().flatten().collect();
    fuse(&mut rest, |_| true)
}

/// The fused product of `tables` keeping the variables `keep` accepts
/// ([`multiply_marginalize`]), after multiplying each table whose
/// variables are all among a larger one's into it in place
/// ([`absorb_subsets`]); when it must be taken in log space the tables are
/// converted in place, so the fallback allocates nothing more.
pub(super) fn fuse(tables: &mut Vec<ScaledFactor>, keep: impl Fn(VarId) -> bool) -> ScaledFactor {
    absorb_subsets(tables);
    if needs_log(&tables.iter().collect::<Vec<_>>()) {
        tables.iter_mut().for_each(ScaledFactor::make_log);
    }
    multiply_marginalize(&tables.iter().collect::<Vec<_>>(), keep)
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
