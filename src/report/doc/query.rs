//! The documents of `query --all` and `query --evidence-file`: the
//! evidence entered and a node / state / probability table per evidence
//! set.

use super::{Cell, Doc, Header, Line, Table, code, text, words};
use crate::report::query::{AllView, EvidenceEntry, FileEvidence, NodePosterior, SetsView};

fn header<'a>(network: &'a Option<String>, file: &'a str) -> Header<'a> {
    Header {
        title: network.as_deref().unwrap_or(file),
        question: None,
        as_of: None,
    }
}

fn about(d: &mut Doc<'_>, file: &str, network: &Option<String>, variables: usize) {
    d.para(vec![
        code(file),
        words(format!(
            ": network {} ({variables} variables)",
            network.as_deref().unwrap_or("(unnamed)")
        )),
    ]);
}

fn evidence(d: &mut Doc<'_>, entries: &[EvidenceEntry]) {
    if entries.is_empty() {
        d.para(text("Evidence: none."));
        return;
    }
    d.para(text("Evidence:"));
    d.list(
        entries
            .iter()
            .map(|e| -> Line {
                vec![
                    code(&e.node),
                    words(" = "),
                    code(&e.state),
                    words(format!(" ({})", e.from.label())),
                ]
            })
            .collect(),
    );
}

fn file_evidence(d: &mut Doc<'_>, file: &FileEvidence) {
    let lines = file.lines;
    if lines == 0 {
        return;
    }
    let (count, it) = if lines == 1 {
        ("1 `property evidence` line".to_string(), "it")
    } else {
        (format!("{lines} `property evidence` lines"), "them")
    };
    d.note(if file.entered {
        format!(
            "File evidence: the file's {count} entered (--ignore-file-evidence leaves {it} out)."
        )
    } else {
        format!("File evidence: the file's {count} ignored (--ignore-file-evidence).")
    });
}

fn posteriors(d: &mut Doc<'_>, marginals: &[NodePosterior], log_evidence: f64) {
    let mut table = Table::plain(&["node", "state", "probability"], &[2]);
    for m in marginals {
        for (k, s) in m.posterior.iter().enumerate() {
            let node = match (k, m.observed) {
                (0, false) => Cell::code(&m.node),
                (0, true) => Cell::code(&m.node).with_subline("observed"),
                _ => Cell::empty(),
            };
            table.row(vec![
                node,
                Cell::text(&s.state),
                Cell::text(format!("{:.6}", s.probability)),
            ]);
        }
    }
    d.table(table);
    d.para(text(format!(
        "ln P(evidence) = {}",
        crate::report::format::fixed(log_evidence, 6)
    )));
}

/// The document of a `query --all` view.
pub fn query_all(view: &AllView) -> Doc<'_> {
    let mut d = Doc::new(
        header(&view.network, &view.file),
        "query",
        "Every node's posterior",
    );
    about(&mut d, &view.file, &view.network, view.variables);
    evidence(&mut d, &view.evidence);
    file_evidence(&mut d, &view.file_evidence);
    posteriors(&mut d, &view.marginals, view.log_evidence);
    d
}

/// The document of a `query --evidence-file` view.
pub fn query_sets(view: &SetsView) -> Doc<'_> {
    let mut d = Doc::new(
        header(&view.network, &view.file),
        "query",
        "Posteriors per evidence set",
    );
    about(&mut d, &view.file, &view.network, view.variables);
    d.para(
        vec![
            words(format!("{} evidence sets from ", view.sets.len())),
            code(&view.evidence_file),
        ]
        .into_iter()
        .chain(match &view.target {
            Some(t) => vec![words(": the posterior of "), code(t), words(".")],
            None => vec![words(": every node's posterior.")],
        })
        .collect(),
    );
    file_evidence(&mut d, &view.file_evidence);
    for (k, set) in view.sets.iter().enumerate() {
        d.h2(format!("Set {} (line {})", k + 1, set.line));
        evidence(&mut d, &set.evidence);
        posteriors(&mut d, &set.marginals, set.log_evidence);
    }
    d
}

impl crate::report::View for AllView {
    fn document(&self) -> Doc<'_> {
        query_all(self)
    }
}

impl crate::report::View for SetsView {
    fn document(&self) -> Doc<'_> {
        query_sets(self)
    }
}
