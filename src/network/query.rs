//! A query of any discrete network read from BIF: the target and the
//! evidence named as a user writes them, resolved against the network (exact
//! names, else a unique case-insensitive match, with "did you mean" when
//! neither), the file's own `property evidence` merged in, and the exact
//! posterior of the target. `credence query` is this, plus reading the file
//! and printing [`crate::report::query::QueryView`].

use super::bif::{self, Bif, UnknownName};
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
}

impl EvidenceFrom {
    /// `file` or `command line`, as in the JSON.
    pub fn label(self) -> &'static str {
        match self {
            EvidenceFrom::File => "file",
            EvidenceFrom::Query => "command line",
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
    /// Inference refused: the evidence is impossible, or the network too
    /// large.
    #[error(transparent)]
    Infer(#[from] InferError),
}

impl QueryError {
    /// How to fix it: "did you mean", or the names there are.
    pub fn hint(&self) -> Option<&str> {
        match self {
            QueryError::UnknownTarget { hint, .. }
            | QueryError::UnknownNode { hint, .. }
            | QueryError::UnknownState { hint, .. } => Some(hint),
            QueryError::TwoStates { .. } | QueryError::Infer(_) => None,
        }
    }

    /// A problem with the query as asked (a name, two states), rather than
    /// with the network or its evidence.
    pub fn is_usage(&self) -> bool {
        !matches!(self, QueryError::Infer(_))
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

/// Resolve `query` against `bif` and compute the target's posterior.
pub fn run(bif: &Bif, query: &Query<'_>) -> Result<Answer, QueryError> {
    let net = &bif.net;
    let target =
        bif::find_variable(net, query.target).map_err(|unknown| QueryError::UnknownTarget {
            hint: hint_for(&unknown, node_names(net)),
            unknown,
        })?;
    let mut evidence: Vec<Observation> = Vec::new();
    if query.file_evidence {
        evidence.extend(bif.evidence.iter().map(|&(node, state)| Observation {
            node,
            state,
            from: EvidenceFrom::File,
        }));
    }
    let mut given: Vec<(VarId, usize)> = Vec::new();
    for &(node_name, state_name) in query.evidence {
        let node =
            bif::find_variable(net, node_name).map_err(|unknown| QueryError::UnknownNode {
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
        if let Some(&(_, first)) = given.iter().find(|(v, _)| *v == node) {
            if first != state {
                return Err(QueryError::TwoStates {
                    node: net.node(node).name.clone(),
                    first: states[first].clone(),
                    second: states[state].clone(),
                });
            }
            continue;
        }
        given.push((node, state));
        // The query overrides the file's evidence on the same node.
        evidence.retain(|o| o.node != node);
        evidence.push(Observation {
            node,
            state,
            from: EvidenceFrom::Query,
        });
    }
    let pairs: Vec<(VarId, usize)> = evidence.iter().map(|o| (o.node, o.state)).collect();
    let marginal = super::posterior(net, &pairs, target)?;
    Ok(Answer {
        target,
        evidence,
        file_evidence_lines: bif.evidence.len(),
        file_evidence_entered: query.file_evidence,
        marginal,
    })
}
