//! `credence query`: the exact posterior of one node of a BIF network
//! ([`crate::network::query`]), as its own view (schema 1, kind
//! `credence.query`; docs/JSON.md) with a text printer (JSON is
//! [`super::write_json`]).

use std::io::{self, Write};

use serde::Serialize;

use super::SCHEMA_VERSION;
use super::doc::{Cell, Table};
use crate::network::bif::Bif;
use crate::network::query::{Answer, EvidenceFrom};

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
