//! A query of any discrete network read from BIF: the target and the
//! evidence named as a user writes them, resolved against the network (exact
//! names, else a unique case-insensitive match, with "did you mean" when
//! neither), the file's own `property evidence` merged in, and the exact
//! posterior of the target. `credence query` is this, plus reading the file
//! and printing [`crate::report::query::QueryView`].

use std::collections::HashMap;

use super::bif::{self, Bif, UnknownName};
use super::calibrate::{
    AllMarginals, Calibration, all_marginals_planned, all_marginals_within,
    calibration_order_within, plan_within,
};
use super::order::Order;
use super::ve::{
    DEFAULT_BUDGET_BYTES, PosteriorPlan, posterior_order_within, posterior_plan_within,
    posterior_planned, posterior_within,
};
use super::{InferError, Marginal, Network, VarId};

/// Names listed in a hint before the rest are only counted.
const MAX_LISTED: usize = 12;

/// Where an observation came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum EvidenceFrom {
    /// A `property evidence = STATE ;` line of the file.
    #[serde(rename = "file")]
    File,
    /// Given with the query (`--evidence`).
    #[serde(rename = "command line")]
    Query,
    /// A line of the evidence file (`--evidence-file`).
    #[serde(rename = "evidence file")]
    Set,
}

impl EvidenceFrom {
    /// `file` or `command line`, as in the JSON.
    pub fn label(self) -> &'static str {
        match self {
            EvidenceFrom::File => "file",
            EvidenceFrom::Query => "command line",
            EvidenceFrom::Set => "evidence file",
        }
    }
}

/// One node observed in one state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The node observed.
    pub node: VarId,
    /// The index of its state.
    pub state: usize,
    /// Who said so.
    pub from: EvidenceFrom,
}

/// What to compute: the posterior of `target` given `evidence`
/// (`(node, state)` names) and, when `file_evidence`, the file's own
/// evidence; the query's evidence wins on a node both name.
#[derive(Clone, Copy, Debug)]
pub struct Query<'a> {
    /// The node whose posterior to compute.
    pub target: &'a str,
    /// Observed nodes and their states, by name.
    pub evidence: &'a [(&'a str, &'a str)],
    /// Enter the file's `property evidence` lines too.
    pub file_evidence: bool,
}

/// A query's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The target node.
    pub target: VarId,
    /// The evidence entered: the file's first (in declaration order), then
    /// the query's, in the order given.
    pub evidence: Vec<Observation>,
    /// Number of `property evidence` lines in the file (entered or not).
    pub file_evidence_lines: usize,
    /// Whether they were entered.
    pub file_evidence_entered: bool,
    /// The target's posterior, in the order of its states, and
    /// ln P(evidence).
    pub marginal: Marginal,
}

/// Every node's posterior given one evidence set (`query --all`).
#[derive(Clone, Debug, PartialEq)]
pub struct AllAnswer {
    /// The evidence entered, as in [`Answer::evidence`].
    pub evidence: Vec<Observation>,
    /// Number of `property evidence` lines in the file (entered or not).
    pub file_evidence_lines: usize,
    /// Whether they were entered.
    pub file_evidence_entered: bool,
    /// Each node's posterior (by id) and ln P(evidence).
    pub marginals: AllMarginals,
}

/// Why a query has no answer.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// The target names no node.
    #[error("the network has no node `{}`", .unknown.name)]
    UnknownTarget {
        /// The name and the suggestion.
        unknown: UnknownName,
        /// What to do.
        hint: String,
    },
    /// An observation names no node.
    #[error("evidence: the network has no node `{}`", .unknown.name)]
    UnknownNode {
        /// The name and the suggestion.
        unknown: UnknownName,
        /// What to do.
        hint: String,
    },
    /// An observation names no state of its node.
    #[error("evidence: node `{node}` has no state `{}`", .unknown.name)]
    UnknownState {
        /// The node, as declared.
        node: String,
        /// The state name and the suggestion.
        unknown: UnknownName,
        /// What to do.
        hint: String,
    },
    /// The query's evidence gives one node two different states.
    #[error("evidence gives node `{node}` two states, `{first}` and `{second}`")]
    TwoStates {
        /// The node, as declared.
        node: String,
        /// The state given first.
        first: String,
        /// The other.
        second: String,
    },
    /// The tables the elimination order (or, for `--all`, the calibration)
    /// holds at once are over the memory budget.
    #[error(
        "exact inference would hold tables of {entries:.3e} entries at once (about {}), over the budget of {}: {} tie the network together under this evidence",
        memory_text(*.bytes),
        memory_text(*.budget_bytes as f64),
        .nodes.join(", ")
    )]
    TooLarge {
        /// Entries of the tables held at once.
        entries: f64,
        /// Their size in bytes.
        bytes: f64,
        /// The budget in bytes (`--memory`).
        budget_bytes: usize,
        /// The nodes of the largest table, quoted (`name`), the first few
        /// then a count.
        nodes: Vec<String>,
        /// What to do.
        hint: String,
    },
    /// The evidence has probability 0 in the network: said in a network's
    /// terms (nodes, states, CPTs), not an analyst model's.
    #[error(
        "the evidence is impossible in this network: its CPTs give the observed states together probability 0 ({})",
        .observed.join(", ")
    )]
    ImpossibleEvidence {
        /// The observations entered, `` `node` = `state` ``, the first few
        /// then a count.
        observed: Vec<String>,
        /// What to do.
        hint: String,
    },
    /// Inference refused for another reason.
    #[error(transparent)]
    Infer(#[from] InferError),
}

impl QueryError {
    /// How to fix it: "did you mean", or the names there are.
    pub fn hint(&self) -> Option<&str> {
        match self {
            QueryError::UnknownTarget { hint, .. }
            | QueryError::UnknownNode { hint, .. }
            | QueryError::UnknownState { hint, .. }
            | QueryError::TooLarge { hint, .. }
            | QueryError::ImpossibleEvidence { hint, .. } => Some(hint),
            QueryError::TwoStates { .. } => Some(
                "observe each node once: give one --evidence NODE=STATE per node, and one state per node on an evidence-file line",
            ),
            QueryError::Infer(_) => Some(
                "the budget counts every table held at once: raise it with --memory SIZE (e.g. --memory 2GiB), or ask for one --target",
            ),
        }
    }

    /// A problem with the query as asked (a name, two states), rather than
    /// with the network or its evidence.
    pub fn is_usage(&self) -> bool {
        !matches!(
            self,
            QueryError::Infer(_)
                | QueryError::TooLarge { .. }
                | QueryError::ImpossibleEvidence { .. }
        )
    }
}

/// "did you mean `x`?", or the first names of `names`.
fn hint_for(unknown: &UnknownName, names: Vec<&str>) -> String {
    if let Some(s) = &unknown.suggestion {
        return format!("did you mean `{s}`?");
    }
    let shown: Vec<String> = names
        .iter()
        .take(MAX_LISTED)
        .map(|n| format!("`{n}`"))
        .collect();
    match names.len().saturating_sub(MAX_LISTED) {
        0 => format!("known: {}", shown.join(", ")),
        more => format!("known: {} and {more} more", shown.join(", ")),
    }
}

fn node_names(net: &Network) -> Vec<&str> {
    net.graph.node_weights().map(|n| n.name.as_str()).collect()
}

/// The network's node names by hash, built once per query: a query naming
/// a fifth of munin's 1,041 nodes, or an evidence file of such sets beside
/// as many `--evidence` pairs, looked every name up by a pass over all the
/// names (100 such sets on munin: 7.3 s of CPU, 6 s of it looking names
/// up). An exact name is found at once, a unique case-insensitive match
/// by a second index built the first time one is needed (an evidence file
/// naming every node in another case looked each up by a pass over all
/// names); an unknown name goes to [`bif::find_variable`] for its "did
/// you mean". Built once per command: an evidence file's lines share it
/// (built per line, 2,000 lines on 200,000 nodes took a minute).
pub struct NodeNames<'a> {
    net: &'a Network,
    exact: HashMap<&'a str, VarId>,
    /// By ASCII-lowercased name: the node, or `None` where two names fold
    /// to the same one.
    folded: std::cell::OnceCell<HashMap<String, Option<VarId>>>,
}

impl<'a> NodeNames<'a> {
    /// The names of `net`'s nodes, indexed.
    pub fn new(net: &'a Network) -> Self {
        let mut exact = HashMap::with_capacity(net.len());
        for (v, node) in net.graph.node_weights().enumerate() {
            // The first of two equal names, as `find_variable` finds it.
            exact.entry(node.name.as_str()).or_insert(v);
        }
        NodeNames {
            net,
            exact,
            folded: std::cell::OnceCell::new(),
        }
    }

    fn find(&self, name: &str) -> Result<VarId, UnknownName> {
        if let Some(&v) = self.exact.get(name) {
            return Ok(v);
        }
        let folded = self.folded.get_or_init(|| {
            let mut folded: HashMap<String, Option<VarId>> = HashMap::with_capacity(self.net.len());
            for (v, node) in self.net.graph.node_weights().enumerate() {
                folded
                    .entry(node.name.to_ascii_lowercase())
                    .and_modify(|found| *found = None)
                    .or_insert(Some(v));
            }
            folded
        });
        match folded.get(&name.to_ascii_lowercase()) {
            Some(Some(v)) => Ok(*v),
            _ => bif::find_variable(self.net, name),
        }
    }

    /// The target named `name`.
    fn target(&self, name: &str) -> Result<VarId, QueryError> {
        self.find(name)
            .map_err(|unknown| QueryError::UnknownTarget {
                hint: hint_for(&unknown, node_names(self.net)),
                unknown,
            })
    }
}

/// A refusal in a BIF network's terms (inference speaks an analyst
/// model's: reports, hypotheses, sources): impossible `evidence` listed by
/// node and state; over the budget (one elimination's tables, or a
/// calibration's), the nodes of the largest table `order` builds, with
/// advice a BIF file's user can follow.
fn refusal(
    net: &Network,
    evidence: &[Observation],
    budget_bytes: usize,
    error: InferError,
    order: impl FnOnce() -> Order,
) -> QueryError {
    let (entries, bytes, every_node) = match error {
        InferError::TooLarge { entries, mib, .. } => (entries, mib * 1024.0 * 1024.0, false),
        InferError::CalibrationTooLarge { entries, mib, .. } => {
            (entries, mib * 1024.0 * 1024.0, true)
        }
        InferError::ImpossibleEvidence => return impossible(net, evidence),
        other => return QueryError::Infer(other),
    };
    let clique = order().largest_clique;
    let mut nodes: Vec<String> = clique
        .iter()
        .take(MAX_LISTED)
        .map(|&v| format!("`{}`", net.node(v).name))
        .collect();
    if clique.len() > MAX_LISTED {
        nodes.push(format!("{} more nodes", clique.len() - MAX_LISTED));
    }
    let target = if every_node {
        // One target's elimination keeps no message for a second pass and
        // reads only the tables its posterior depends on.
        "ask for one node at a time (--target NODE) instead of --all"
    } else {
        "ask for a target with fewer of them among its ancestors and the evidence's"
    };
    QueryError::TooLarge {
        entries,
        bytes,
        budget_bytes,
        nodes,
        hint: format!(
            "observe some of these nodes (--evidence NODE=STATE, or `property evidence` in the file), \
             or {target}, or raise the budget with --memory SIZE (e.g. --memory 2GiB); \
             the budget counts every table held at once"
        ),
    }
}

/// A memory size as a refusal shows it: whole MiB from 1 MiB up (as the
/// default budget reads, 512 MiB), else KiB or bytes, so a small
/// `--memory` never reads "0 MiB".
fn memory_text(bytes: f64) -> String {
    const KIB: f64 = 1024.0;
    if bytes >= KIB * KIB {
        format!("{:.0} MiB", bytes / (KIB * KIB))
    } else if bytes >= KIB {
        format!("{:.1} KiB", bytes / KIB)
    } else {
        format!("{bytes:.0} bytes")
    }
}

/// Impossible `evidence`, by node and state.
fn impossible(net: &Network, evidence: &[Observation]) -> QueryError {
    let mut observed: Vec<String> = evidence
        .iter()
        .take(MAX_LISTED)
        .map(|o| {
            let node = net.node(o.node);
            format!("`{}` = `{}`", node.name, node.states[o.state])
        })
        .collect();
    if evidence.len() > MAX_LISTED {
        observed.push(format!("{} more", evidence.len() - MAX_LISTED));
    }
    let from_file = evidence.iter().any(|o| o.from == EvidenceFrom::File);
    let hint = format!(
        "look for a 0 in the CPT rows of these nodes for the states observed, or leave an observation out{}",
        if from_file {
            " (--ignore-file-evidence leaves out the file's `property evidence`)"
        } else {
            ""
        }
    );
    QueryError::ImpossibleEvidence { observed, hint }
}

/// Resolve `query` against `bif` and compute the target's posterior,
/// within [`DEFAULT_BUDGET_BYTES`].
pub fn run(bif: &Bif, query: &Query<'_>) -> Result<Answer, QueryError> {
    run_within(bif, query, DEFAULT_BUDGET_BYTES)
}

/// As [`run`], with the tables held at once under `budget_bytes`
/// (`query --memory`).
pub fn run_within(bif: &Bif, query: &Query<'_>, budget_bytes: usize) -> Result<Answer, QueryError> {
    let names = NodeNames::new(&bif.net);
    let target = names.target(query.target)?;
    let given: Vec<_> = query
        .evidence
        .iter()
        .map(|&(n, s)| (n, s, EvidenceFrom::Query))
        .collect();
    let evidence = resolve_evidence(bif, &names, &given, query.file_evidence)?;
    answer_one(
        bif,
        target,
        evidence,
        query.file_evidence,
        budget_bytes,
        None,
    )
}

/// The posterior of `target` given the resolved `evidence`, in `plan` when
/// one was made for them.
fn answer_one(
    bif: &Bif,
    target: VarId,
    evidence: Vec<Observation>,
    file_evidence: bool,
    budget_bytes: usize,
    plan: Option<&PosteriorPlan>,
) -> Result<Answer, QueryError> {
    let net = &bif.net;
    let pairs: Vec<(VarId, usize)> = evidence.iter().map(|o| (o.node, o.state)).collect();
    let marginal = match plan {
        Some(plan) => posterior_planned(net, &pairs, target, plan, budget_bytes),
        None => posterior_within(net, &pairs, target, budget_bytes),
    };
    let marginal = marginal.map_err(|e| {
        refusal(net, &evidence, budget_bytes, e, || match plan {
            Some(plan) => plan.order(),
            None => posterior_order_within(net, &pairs, target, budget_bytes),
        })
    })?;
    Ok(Answer {
        target,
        evidence,
        file_evidence_lines: bif.evidence.len(),
        file_evidence_entered: file_evidence,
        marginal,
    })
}

/// Resolve `evidence` against `bif` and compute every node's posterior from
/// one calibration ([`super::calibrate::all_marginals`]), within
/// [`DEFAULT_BUDGET_BYTES`].
pub fn run_all(
    bif: &Bif,
    evidence: &[(&str, &str)],
    file_evidence: bool,
) -> Result<AllAnswer, QueryError> {
    run_all_within(bif, evidence, file_evidence, DEFAULT_BUDGET_BYTES)
}

/// As [`run_all`], with the tables held at once under `budget_bytes`.
pub fn run_all_within(
    bif: &Bif,
    evidence: &[(&str, &str)],
    file_evidence: bool,
    budget_bytes: usize,
) -> Result<AllAnswer, QueryError> {
    let given: Vec<_> = evidence
        .iter()
        .map(|&(n, s)| (n, s, EvidenceFrom::Query))
        .collect();
    let evidence = resolve_evidence(bif, &NodeNames::new(&bif.net), &given, file_evidence)?;
    answer_all(bif, evidence, file_evidence, budget_bytes, None)
}

/// Every node's posterior given the resolved `evidence`, in `plan` when one
/// was made for them.
fn answer_all(
    bif: &Bif,
    evidence: Vec<Observation>,
    file_evidence: bool,
    budget_bytes: usize,
    plan: Option<&Calibration>,
) -> Result<AllAnswer, QueryError> {
    let net = &bif.net;
    let pairs: Vec<(VarId, usize)> = evidence.iter().map(|o| (o.node, o.state)).collect();
    let marginals = match plan {
        Some(plan) => all_marginals_planned(net, &pairs, plan, budget_bytes),
        None => all_marginals_within(net, &pairs, budget_bytes),
    };
    let marginals = marginals.map_err(|e| {
        refusal(net, &evidence, budget_bytes, e, || match plan {
            Some(plan) => plan.order.clone(),
            None => calibration_order_within(net, &pairs, budget_bytes),
        })
    })?;
    Ok(AllAnswer {
        evidence,
        file_evidence_lines: bif.evidence.len(),
        file_evidence_entered: file_evidence,
        marginals,
    })
}

/// The observations a query enters: the file's (when `file_evidence`),
/// then `given`'s by name, which override the file's on the same node.
fn resolve_evidence(
    bif: &Bif,
    names: &NodeNames<'_>,
    given_names: &[(&str, &str, EvidenceFrom)],
    file_evidence: bool,
) -> Result<Vec<Observation>, QueryError> {
    let net = &bif.net;
    // The state each node is given, by node id: one look-up per pair, where
    // a list searched for every pair grows with the square of their number.
    let mut given: Vec<Option<usize>> = vec![None; net.len()];
    let mut entered: Vec<Observation> = Vec::new();
    for &(node_name, state_name, from) in given_names {
        let node = names
            .find(node_name)
            .map_err(|unknown| QueryError::UnknownNode {
                hint: hint_for(&unknown, node_names(net)),
                unknown,
            })?;
        let states = &net.node(node).states;
        let state =
            bif::find_state(net, node, state_name).map_err(|unknown| QueryError::UnknownState {
                node: net.node(node).name.clone(),
                hint: hint_for(&unknown, states.iter().map(String::as_str).collect()),
                unknown,
            })?;
        if let Some(first) = given[node] {
            if first != state {
                return Err(QueryError::TwoStates {
                    node: net.node(node).name.clone(),
                    first: states[first].clone(),
                    second: states[state].clone(),
                });
            }
            continue;
        }
        given[node] = Some(state);
        entered.push(Observation { node, state, from });
    }
    // The file's evidence first, in its order, less the nodes the query
    // names (the query overrides the file on the same node); then the
    // query's.
    let mut evidence: Vec<Observation> = Vec::new();
    if file_evidence {
        evidence.extend(
            bif.evidence
                .iter()
                .filter(|&&(node, _)| given[node].is_none())
                .map(|&(node, state)| Observation {
                    node,
                    state,
                    from: EvidenceFrom::File,
                }),
        );
    }
    evidence.extend(entered);
    Ok(evidence)
}

/// One evidence set's answer: a single target's or every node's.
#[derive(Clone, Debug, PartialEq)]
pub enum SetAnswer {
    /// With a target.
    One(Answer),
    /// With `--all`.
    All(AllAnswer),
}

/// Answer one evidence set: `evidence` (--evidence) and then the set's
/// pairs, which win on a node both name, over the file's evidence when
/// `file_evidence`; `target`'s posterior, or every node's when `None`;
/// within [`DEFAULT_BUDGET_BYTES`].
pub fn run_set(
    bif: &Bif,
    target: Option<&str>,
    evidence: &[(&str, &str)],
    set: &EvidenceSet,
    file_evidence: bool,
) -> Result<SetAnswer, QueryError> {
    run_set_within(
        bif,
        &NodeNames::new(&bif.net),
        target,
        evidence,
        set,
        file_evidence,
        DEFAULT_BUDGET_BYTES,
    )
}

/// As [`run_set`], with the tables held at once under `budget_bytes`.
pub fn run_set_within(
    bif: &Bif,
    names: &NodeNames<'_>,
    target: Option<&str>,
    evidence: &[(&str, &str)],
    set: &EvidenceSet,
    file_evidence: bool,
    budget_bytes: usize,
) -> Result<SetAnswer, QueryError> {
    let (target, resolved) = resolve_set(bif, names, target, evidence, set, file_evidence)?;
    answer_set(bif, target, resolved, file_evidence, budget_bytes, None)
}

/// `target`'s posterior (every node's when `None`) given the resolved
/// observations, in `plan` when one was made for them.
fn answer_set(
    bif: &Bif,
    target: Option<VarId>,
    resolved: Vec<Observation>,
    file_evidence: bool,
    budget_bytes: usize,
    plan: Option<&SetPlan>,
) -> Result<SetAnswer, QueryError> {
    let one = plan.and_then(SetPlan::one);
    let all = plan.and_then(SetPlan::all);
    Ok(match target {
        Some(t) => SetAnswer::One(answer_one(
            bif,
            t,
            resolved,
            file_evidence,
            budget_bytes,
            one,
        )?),
        None => SetAnswer::All(answer_all(bif, resolved, file_evidence, budget_bytes, all)?),
    })
}

/// The most bytes [`SetWork`] keeps in plans: a file of many distinct sets
/// orders the ones past it again when answering them, rather than holding
/// every plan (a calibration's plan on munin is about 0.2 MB).
const MAX_PLAN_BYTES: usize = 64 * 1024 * 1024;

/// How one evidence set is answered: one target's elimination or the
/// calibration of `--all`.
#[derive(Clone, Debug)]
enum SetPlan {
    One(PosteriorPlan),
    All(Calibration),
}

impl SetPlan {
    /// The plan for `target` (every node when `None`) given `pairs`.
    fn new(
        net: &Network,
        target: Option<VarId>,
        pairs: &[(VarId, usize)],
        budget_bytes: usize,
    ) -> SetPlan {
        match target {
            Some(t) => SetPlan::One(posterior_plan_within(net, pairs, t, budget_bytes)),
            None => SetPlan::All(plan_within(net, pairs, budget_bytes)),
        }
    }

    /// The plan of one target's elimination, if it is one.
    fn one(&self) -> Option<&PosteriorPlan> {
        match self {
            SetPlan::One(plan) => Some(plan),
            SetPlan::All(_) => None,
        }
    }

    /// The plan of a calibration, if it is one.
    fn all(&self) -> Option<&Calibration> {
        match self {
            SetPlan::All(plan) => Some(plan),
            SetPlan::One(_) => None,
        }
    }

    /// The entries its order's tables total: its work.
    fn work(&self) -> f64 {
        match self {
            SetPlan::One(plan) => plan.order().total_entries,
            SetPlan::All(plan) => plan.order.total_entries,
        }
    }

    /// About the bytes it holds.
    fn heap_bytes(&self) -> usize {
        match self {
            SetPlan::One(plan) => plan.heap_bytes(),
            SetPlan::All(plan) => plan.heap_bytes(),
        }
    }
}

/// One distinct evidence set seen: its work, and its plan while the cache
/// has room.
struct Known {
    work: f64,
    plan: Option<SetPlan>,
}

/// Evidence sets of one file (`query --evidence-file`), each distinct set
/// ordered once: [`SetWork::add`] adds up the table entries answering them
/// would touch (each set's elimination order's total, with the set's own
/// evidence entered and the irrelevant nodes left out, as
/// [`run_set_within`] eliminates), without building a table, before any
/// line is answered; [`SetWork::answer`] then answers each line in the plan
/// made for its set (kept up to [`MAX_PLAN_BYTES`]), so a set is not
/// ordered again, nor a repeated set twice.
pub struct SetWork<'a> {
    bif: &'a Bif,
    names: NodeNames<'a>,
    budget_bytes: usize,
    known: HashMap<PlanKey, Known>,
    plan_bytes: usize,
    plans_made: usize,
    /// The entries added so far.
    pub total: f64,
}

impl<'a> SetWork<'a> {
    /// Nothing added yet; sets are ordered and answered under
    /// `budget_bytes`.
    pub fn new(bif: &'a Bif, budget_bytes: usize) -> Self {
        SetWork {
            bif,
            names: NodeNames::new(&bif.net),
            budget_bytes,
            known: HashMap::new(),
            plan_bytes: 0,
            plans_made: 0,
            total: 0.0,
        }
    }

    /// How many plans (orders) were made so far: one per distinct set
    /// while the cache has room.
    pub fn plans_made(&self) -> usize {
        self.plans_made
    }

    /// Add one set's work (arguments as [`run_set_within`]'s); an error
    /// is the one answering the set would give.
    pub fn add(
        &mut self,
        target: Option<&str>,
        evidence: &[(&str, &str)],
        set: &EvidenceSet,
        file_evidence: bool,
    ) -> Result<(), QueryError> {
        let (target, resolved) =
            resolve_set(self.bif, &self.names, target, evidence, set, file_evidence)?;
        let key = plan_key(target, &resolved);
        self.remember(&key);
        self.total += self.known.get(&key).map_or(0.0, |k| k.work);
        Ok(())
    }

    /// Answer one set as [`run_set_within`] does (same arguments, the
    /// budget given to [`SetWork::new`]), in the plan made for its set.
    pub fn answer(
        &mut self,
        target: Option<&str>,
        evidence: &[(&str, &str)],
        set: &EvidenceSet,
        file_evidence: bool,
    ) -> Result<SetAnswer, QueryError> {
        let (target, resolved) =
            resolve_set(self.bif, &self.names, target, evidence, set, file_evidence)?;
        let key = plan_key(target, &resolved);
        let spare = self.remember(&key);
        let plan = spare
            .as_ref()
            .or_else(|| self.known.get(&key).and_then(|k| k.plan.as_ref()));
        answer_set(
            self.bif,
            target,
            resolved,
            file_evidence,
            self.budget_bytes,
            plan,
        )
    }

    /// Make the plan of `key`'s set unless one is kept: kept while the
    /// plans held stay under [`MAX_PLAN_BYTES`], else returned to be used
    /// once (its work is kept either way).
    fn remember(&mut self, key: &PlanKey) -> Option<SetPlan> {
        if self.known.get(key).is_some_and(|k| k.plan.is_some()) {
            return None;
        }
        let plan = SetPlan::new(&self.bif.net, key.0, &key.1, self.budget_bytes);
        self.plans_made += 1;
        let bytes = plan.heap_bytes();
        if self.plan_bytes + bytes > MAX_PLAN_BYTES {
            self.known.entry(key.clone()).or_insert(Known {
                work: plan.work(),
                plan: None,
            });
            return Some(plan);
        }
        self.plan_bytes += bytes;
        self.known.insert(
            key.clone(),
            Known {
                work: plan.work(),
                plan: Some(plan),
            },
        );
        None
    }
}

/// What identifies a set's plan: the target (`None` for every node) and
/// the observations, sorted (the order they were given in changes no
/// table).
type PlanKey = (Option<VarId>, Vec<(VarId, usize)>);

/// The [`PlanKey`] of `target` given `resolved`.
fn plan_key(target: Option<VarId>, resolved: &[Observation]) -> PlanKey {
    let mut pairs: Vec<(VarId, usize)> = resolved.iter().map(|o| (o.node, o.state)).collect();
    pairs.sort_unstable();
    (target, pairs)
}

/// The target and the observations one evidence set enters, as
/// [`run_set_within`] describes.
fn resolve_set(
    bif: &Bif,
    names: &NodeNames<'_>,
    target: Option<&str>,
    evidence: &[(&str, &str)],
    set: &EvidenceSet,
    file_evidence: bool,
) -> Result<(Option<VarId>, Vec<Observation>), QueryError> {
    let target = target.map(|name| names.target(name)).transpose()?;
    // The set's pairs replace --evidence on the same node (as --evidence
    // replaces the file's): drop from --evidence the nodes the set names.
    let mut named = vec![false; bif.net.len()];
    for (m, _) in &set.pairs {
        if let Ok(v) = names.find(m) {
            named[v] = true;
        }
    }
    let mut given: Vec<(&str, &str, EvidenceFrom)> = Vec::new();
    for &(n, s) in evidence {
        if !names.find(n).is_ok_and(|v| named[v]) {
            given.push((n, s, EvidenceFrom::Query));
        }
    }
    given.extend(
        set.pairs
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str(), EvidenceFrom::Set)),
    );
    Ok((target, resolve_evidence(bif, names, &given, file_evidence)?))
}

/// One line of an evidence file (`query --evidence-file`): a JSON object
/// `{ "node": "state", ... }`, its pairs in the order written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceSet {
    /// The line it was on (1-based).
    pub line: usize,
    /// The line's text, to place a later error (an unknown name) on it.
    pub text: String,
    /// `(node, state)` as written.
    pub pairs: Vec<(String, String)>,
}

impl EvidenceSet {
    /// The 1-based column (in characters) where `name` is written as a JSON
    /// string on the line, if it is.
    pub fn column_of(&self, name: &str) -> Option<usize> {
        let quoted = serde_json::to_string(name).ok()?;
        let at = self.text.find(&quoted)?;
        Some(self.text[..at].chars().count() + 1)
    }
}

/// A line of an evidence file that is not an object of strings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct EvidenceFileError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

/// The pairs of one JSON object, in the order written (a map type would
/// sort them or drop a repeated key silently).
struct OrderedPairs(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for OrderedPairs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = OrderedPairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of node names to state names")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(OrderedPairs(pairs))
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

/// The evidence sets of a JSON Lines file: one object per non-blank line.
pub fn parse_evidence_sets(text: &str) -> Result<Vec<EvidenceSet>, EvidenceFileError> {
    let mut sets = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<OrderedPairs>(line) {
            Ok(OrderedPairs(pairs)) => sets.push(EvidenceSet {
                line: index + 1,
                text: line.to_string(),
                pairs,
            }),
            Err(e) => {
                // serde_json counts columns in bytes; a message shows
                // characters.
                let byte = e.column().saturating_sub(1).min(line.len());
                let column = line.char_indices().take_while(|(at, _)| *at < byte).count() + 1;
                let message = e.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_string();
                return Err(EvidenceFileError {
                    line: index + 1,
                    column,
                    message,
                    hint: r#"write one JSON object per line, node names to state names, e.g. {"Smoker": "yes", "XRay": "positive"} ({} for no evidence)"#.to_string(),
                });
            }
        }
    }
    if sets.is_empty() {
        return Err(EvidenceFileError {
            line: 1,
            column: 1,
            message: "the file has no evidence set".to_string(),
            hint: r#"write one JSON object per line, e.g. {"Smoker": "yes"}"#.to_string(),
        });
    }
    Ok(sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_sets_keep_order_and_place_errors() {
        let sets = parse_evidence_sets("{\"b\": \"y\", \"a\": \"n\"}\n\n{}\n").expect("parses");
        assert_eq!(sets.len(), 2);
        assert_eq!(
            sets[0].pairs,
            vec![("b".into(), "y".into()), ("a".into(), "n".into())]
        );
        assert_eq!(sets[1].line, 3);
        assert_eq!(sets[0].column_of("a"), Some(12));
        let e = parse_evidence_sets("{}\n{\"é\": 3}\n").expect_err("a number");
        assert_eq!((e.line, e.column), (2, 7), "{e:?}");
        assert!(e.message.contains("expected a string"), "{}", e.message);
        let e = parse_evidence_sets("[1]").expect_err("not an object");
        assert_eq!(e.line, 1);
        assert!(parse_evidence_sets("\n \n").is_err());
    }

    /// Evidence is entered in one order whatever the look-up: the file's
    /// (in its order, less what the query names), then the query's (in the
    /// order given); an evidence-file line replaces --evidence on a node
    /// both name, found by exact or case-insensitive name.
    #[test]
    fn evidence_order_and_overrides() {
        let bif = bif::parse(
            "variable A { type discrete [ 2 ] { y, n }; property evidence = y ; }\n\
             variable B { type discrete [ 2 ] { y, n }; property evidence = n ; }\n\
             variable C { type discrete [ 2 ] { y, n }; property evidence = y ; }\n\
             variable D { type discrete [ 2 ] { y, n }; }\n\
             probability ( A ) { table 0.5, 0.5; }\n\
             probability ( B | A ) { (y) 0.3, 0.7; (n) 0.6, 0.4; }\n\
             probability ( C | B ) { (y) 0.2, 0.8; (n) 0.9, 0.1; }\n\
             probability ( D | C ) { (y) 0.1, 0.9; (n) 0.4, 0.6; }\n",
        )
        .expect("parses");
        let nodes = |evidence: &[Observation]| -> Vec<(String, usize, EvidenceFrom)> {
            evidence
                .iter()
                .map(|o| (bif.net.node(o.node).name.clone(), o.state, o.from))
                .collect()
        };
        let query = Query {
            target: "D",
            evidence: &[("c", "n"), ("A", "n"), ("C", "n")],
            file_evidence: true,
        };
        let answer = run(&bif, &query).expect("answers");
        use EvidenceFrom::{File, Query as Given, Set};
        assert_eq!(
            nodes(&answer.evidence),
            vec![
                ("B".to_string(), 1, File),
                ("C".to_string(), 1, Given),
                ("A".to_string(), 1, Given),
            ]
        );
        let set = &parse_evidence_sets(r#"{"a": "y", "D": "n"}"#).expect("parses")[0];
        let SetAnswer::One(answer) =
            run_set(&bif, Some("B"), &[("A", "n"), ("C", "n")], set, true).expect("answers")
        else {
            panic!("a target was given");
        };
        assert_eq!(
            nodes(&answer.evidence),
            vec![
                ("B".to_string(), 1, File),
                ("C".to_string(), 1, Given),
                ("A".to_string(), 0, Set),
                ("D".to_string(), 1, Set),
            ]
        );
    }
}
