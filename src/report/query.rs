//! `credence query`: the exact posterior of one node of a BIF network, as
//! its own view (schema 1, kind `credence.query`; docs/JSON.md) with a text
//! and a JSON printer.

use std::io::{self, Write};

use serde::Serialize;

use super::doc::{Cell, Table};

#[derive(Clone, Debug, Serialize)]
pub struct QueryView {
    pub schema: u32,
    pub kind: &'static str,
    /// The file as given on the command line.
    pub file: String,
    /// The name after `network` in the file.
    pub network: Option<String>,
    /// Number of variables in the network.
    pub variables: usize,
    pub target: String,
    /// The evidence entered, in the order given (file evidence first).
    pub evidence: Vec<EvidenceEntry>,
    pub posterior: Vec<StateProbability>,
    /// ln P(evidence).
    pub log_evidence: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct EvidenceEntry {
    pub node: String,
    pub state: String,
    /// `command line` or `file` (a `property evidence` of the file).
    pub from: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct StateProbability {
    pub state: String,
    pub probability: f64,
}

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
            writeln!(out, "  {} = {}  ({})", e.node, e.state, e.from)?;
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
    writeln!(out, "ln P(evidence) = {:.6}", view.log_evidence)
}
