//! `credence query`: the exact posterior of one node of a BIF network
//! ([`crate::network::query`]), as its own view (schema 1, kind
//! `credence.query`; docs/JSON.md) with a text printer (JSON is
//! [`super::write_json`]); and the views of `query --all` (every node's
//! posterior, kind `credence.query-all`) and `query --evidence-file` (one
//! answer per evidence set, kind `credence.query-sets`), whose documents
//! are laid out in `doc/query.rs`.

use std::io::{self, Write};

use serde::Serialize;

use super::SCHEMA_VERSION;
use super::doc::{Cell, Table};
use crate::network::bif::{self, Bif};
use crate::network::query::{AllAnswer, Answer, EvidenceFrom, Observation, SetAnswer as SetResult};

/// The `query` view (kind `credence.query`; docs/JSON.md): one node's exact
/// posterior in a BIF network.
#[derive(Clone, Debug, Serialize)]
pub struct QueryView {
    /// The schema version.
    pub schema: u32,
    /// `credence.query`.
    pub kind: &'static str,
    /// The file as given on the command line.
    pub file: String,
    /// The name after `network` in the file.
    pub network: Option<String>,
    /// Number of variables in the network.
    pub variables: usize,
    /// The node queried.
    pub target: String,
    /// The evidence entered, in the order given (file evidence first).
    pub evidence: Vec<EvidenceEntry>,
    /// The file's own evidence, and whether it was entered.
    pub file_evidence: FileEvidence,
    /// P(state | evidence) for each of its states, in the file's order.
    pub posterior: Vec<StateProbability>,
    /// ln P(evidence).
    pub log_evidence: f64,
}

/// One node fixed to a state.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceEntry {
    /// The node.
    pub node: String,
    /// Its state.
    pub state: String,
    /// `command line` or `file` (a `property evidence` of the file).
    pub from: EvidenceFrom,
}

/// The file's `property evidence` lines: how many, and whether they were
/// entered (the default) or left out (`--ignore-file-evidence`).
#[derive(Clone, Debug, Serialize)]
pub struct FileEvidence {
    /// Number of `property evidence` lines in the file.
    pub lines: usize,
    /// Whether they were entered (where `--evidence` names the same node,
    /// the command line's state is entered instead).
    pub entered: bool,
}

/// One state and its posterior probability.
#[derive(Clone, Debug, Serialize)]
pub struct StateProbability {
    /// The state.
    pub state: String,
    /// P(state | evidence).
    pub probability: f64,
}

/// The view of a query's answer; `file` is the file's name as given.
pub fn build(file: &str, bif: &Bif, answer: &Answer) -> QueryView {
    let net = &bif.net;
    let target = net.node(answer.target);
    QueryView {
        schema: SCHEMA_VERSION,
        kind: "credence.query",
        file: file.to_string(),
        network: bif.name.clone(),
        variables: net.len(),
        target: target.name.clone(),
        evidence: answer
            .evidence
            .iter()
            .map(|o| EvidenceEntry {
                node: net.node(o.node).name.clone(),
                state: net.node(o.node).states[o.state].clone(),
                from: o.from,
            })
            .collect(),
        file_evidence: FileEvidence {
            lines: answer.file_evidence_lines,
            entered: answer.file_evidence_entered,
        },
        posterior: target
            .states
            .iter()
            .zip(&answer.marginal.probs)
            .map(|(state, &probability)| StateProbability {
                state: state.clone(),
                probability,
            })
            .collect(),
        log_evidence: answer.marginal.log_evidence,
    }
}

/// The query as text: the network, the evidence and where it came from,
/// the posterior table and ln P(evidence).
pub fn write_text(view: &QueryView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}: network {} ({} variables)",
        view.file,
        view.network.as_deref().unwrap_or("(unnamed)"),
        view.variables
    )?;
    if view.evidence.is_empty() {
        writeln!(out, "evidence: none")?;
    } else {
        writeln!(out, "evidence:")?;
        for e in &view.evidence {
            writeln!(out, "  {} = {}  ({})", e.node, e.state, e.from.label())?;
        }
    }
    let lines = view.file_evidence.lines;
    if lines > 0 {
        let (count, it) = if lines == 1 {
            ("1 `property evidence` line".to_string(), "it")
        } else {
            (format!("{lines} `property evidence` lines"), "them")
        };
        if view.file_evidence.entered {
            writeln!(
                out,
                "file evidence: the file's {count} entered (--ignore-file-evidence leaves {it} out)"
            )?;
        } else {
            writeln!(
                out,
                "file evidence: the file's {count} ignored (--ignore-file-evidence)"
            )?;
        }
    }
    writeln!(out, "posterior of {}:", view.target)?;
    let mut table = Table::plain(&["state", "probability"], &[1]);
    for s in &view.posterior {
        table.row(vec![
            Cell::text(&s.state),
            Cell::text(format!("{:.6}", s.probability)),
        ]);
    }
    super::text::write_table(out, &table, "  ", false)?;
    writeln!(
        out,
        "ln P(evidence) = {}",
        super::format::fixed(view.log_evidence, 6)
    )
}

/// One node's posterior in a `query --all` or `--evidence-file` answer.
#[derive(Clone, Debug, Serialize)]
pub struct NodePosterior {
    /// The node.
    pub node: String,
    /// Whether the evidence fixes it (its posterior is then certain).
    pub observed: bool,
    /// P(state | evidence) for each of its states, in the file's order.
    pub posterior: Vec<StateProbability>,
}

/// The `query --all` view (kind `credence.query-all`; docs/JSON.md): every
/// node's exact posterior given one evidence set, from one calibration.
#[derive(Clone, Debug, Serialize)]
pub struct AllView {
    /// The schema version.
    pub schema: u32,
    /// `credence.query-all`.
    pub kind: &'static str,
    /// The file as given on the command line.
    pub file: String,
    /// The name after `network` in the file.
    pub network: Option<String>,
    /// Number of variables in the network.
    pub variables: usize,
    /// The evidence entered, in the order given (file evidence first).
    pub evidence: Vec<EvidenceEntry>,
    /// The file's own evidence, and whether it was entered.
    pub file_evidence: FileEvidence,
    /// Every node's posterior, in the file's order.
    pub marginals: Vec<NodePosterior>,
    /// ln P(evidence).
    pub log_evidence: f64,
}

/// One evidence set's answer in a `query --evidence-file` view.
#[derive(Clone, Debug, Serialize)]
pub struct SetAnswer {
    /// The line of the evidence file (1-based).
    pub line: usize,
    /// The evidence entered (the file's first unless
    /// --ignore-file-evidence, then the line's).
    pub evidence: Vec<EvidenceEntry>,
    /// The target's posterior, or every node's (`--all`), in the file's
    /// order.
    pub marginals: Vec<NodePosterior>,
    /// ln P(evidence).
    pub log_evidence: f64,
}

/// The `query --evidence-file` view (kind `credence.query-sets`;
/// docs/JSON.md): one answer per line of the evidence file, from one parse
/// of the network.
#[derive(Clone, Debug, Serialize)]
pub struct SetsView {
    /// The schema version.
    pub schema: u32,
    /// `credence.query-sets`.
    pub kind: &'static str,
    /// The network file as given on the command line.
    pub file: String,
    /// The evidence file as given on the command line.
    pub evidence_file: String,
    /// The name after `network` in the network file.
    pub network: Option<String>,
    /// Number of variables in the network.
    pub variables: usize,
    /// The target (absent with `--all`).
    pub target: Option<String>,
    /// The network file's own evidence, and whether it was entered.
    pub file_evidence: FileEvidence,
    /// One answer per evidence set, in the file's order.
    pub sets: Vec<SetAnswer>,
}

fn evidence_entries(bif: &Bif, evidence: &[Observation]) -> Vec<EvidenceEntry> {
    let net = &bif.net;
    evidence
        .iter()
        .map(|o| EvidenceEntry {
            node: net.node(o.node).name.clone(),
            state: net.node(o.node).states[o.state].clone(),
            from: o.from,
        })
        .collect()
}

/// `node`'s posterior `probs` with its state names.
pub fn node_posterior(bif: &Bif, node: usize, probs: &[f64], observed: bool) -> NodePosterior {
    let n = bif.net.node(node);
    NodePosterior {
        node: n.name.clone(),
        observed,
        posterior: n
            .states
            .iter()
            .zip(probs)
            .map(|(state, &probability)| StateProbability {
                state: state.clone(),
                probability,
            })
            .collect(),
    }
}

/// Every node's posterior in the file's order.
fn all_posteriors(bif: &Bif, answer: &AllAnswer) -> Vec<NodePosterior> {
    bif.file_order()
        .into_iter()
        .map(|v| {
            let observed = answer.evidence.iter().any(|o| o.node == v);
            node_posterior(bif, v, &answer.marginals.probs[v], observed)
        })
        .collect()
}

/// The view of a `query --all` answer; `file` is the file's name as given.
pub fn build_all(file: &str, bif: &Bif, answer: &AllAnswer) -> AllView {
    AllView {
        schema: SCHEMA_VERSION,
        kind: "credence.query-all",
        file: file.to_string(),
        network: bif.name.clone(),
        variables: bif.net.len(),
        evidence: evidence_entries(bif, &answer.evidence),
        file_evidence: FileEvidence {
            lines: answer.file_evidence_lines,
            entered: answer.file_evidence_entered,
        },
        marginals: all_posteriors(bif, answer),
        log_evidence: answer.marginals.log_evidence,
    }
}

/// The view of a `query --evidence-file` run: `answers` pairs each set's
/// line with its answer.
pub fn build_sets(
    file: &str,
    evidence_file: &str,
    bif: &Bif,
    target: Option<&str>,
    file_evidence: bool,
    answers: &[(usize, SetResult)],
) -> SetsView {
    let sets = answers
        .iter()
        .map(|(line, result)| match result {
            SetResult::One(a) => SetAnswer {
                line: *line,
                evidence: evidence_entries(bif, &a.evidence),
                marginals: vec![node_posterior(
                    bif,
                    a.target,
                    &a.marginal.probs,
                    a.evidence.iter().any(|o| o.node == a.target),
                )],
                log_evidence: a.marginal.log_evidence,
            },
            SetResult::All(a) => SetAnswer {
                line: *line,
                evidence: evidence_entries(bif, &a.evidence),
                marginals: all_posteriors(bif, a),
                log_evidence: a.marginals.log_evidence,
            },
        })
        .collect();
    SetsView {
        schema: SCHEMA_VERSION,
        kind: "credence.query-sets",
        file: file.to_string(),
        evidence_file: evidence_file.to_string(),
        network: bif.name.clone(),
        variables: bif.net.len(),
        target: target.map(|t| {
            bif::find_variable(&bif.net, t)
                .map(|v| bif.net.node(v).name.clone())
                .unwrap_or_else(|_| t.to_string())
        }),
        file_evidence: FileEvidence {
            lines: bif.evidence.len(),
            entered: file_evidence,
        },
        sets,
    }
}
