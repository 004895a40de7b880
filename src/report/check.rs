//! The `check` view (kind `credence.check`, schema 1, docs/JSON.md): whether
//! the model is valid, what it holds, and every diagnostic with its line
//! and column. `check`'s text and JSON are both printed from it, so they
//! cannot disagree.

use serde::Serialize;

use super::SCHEMA_VERSION;
use crate::diag::{Diagnostic, LocatedDiagnostic, Severity, SourceFile};
use crate::model::Model;

/// The outcome of `credence check`.
#[derive(Clone, Debug, Serialize)]
pub struct CheckView {
    /// The JSON schema version.
    pub schema: u32,
    /// Always `credence.check`.
    pub kind: &'static str,
    /// The model file as given.
    pub file: String,
    /// No error: the model validates and exact inference runs on it (its
    /// evidence is possible, its network within the budget). `check` exits
    /// 0 exactly when this is true.
    pub valid: bool,
    /// What the model holds; null when it does not validate.
    pub model: Option<ModelSummary>,
    /// Number of error diagnostics.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of notes.
    pub notes: usize,
    /// Every diagnostic, in the order found.
    pub diagnostics: Vec<LocatedDiagnostic>,
}

/// Counts of what a validated model holds.
#[derive(Clone, Debug, Serialize)]
pub struct ModelSummary {
    /// `[model] title`.
    pub title: String,
    /// Number of hypotheses.
    pub hypotheses: usize,
    /// Number of evidence items.
    pub evidence_items: usize,
    /// Number of reports over every item.
    pub reports: usize,
    /// Number of sources.
    pub sources: usize,
    /// Number of scenarios.
    pub scenarios: usize,
}

/// The view of a check: `model` when the file validated, `diagnostics` the
/// validation's and inference's findings about `file`.
pub fn build(file: &SourceFile, model: Option<&Model>, diagnostics: &[Diagnostic]) -> CheckView {
    let count = |severity: Severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let errors = count(Severity::Error);
    CheckView {
        schema: SCHEMA_VERSION,
        kind: "credence.check",
        file: file.name.clone(),
        valid: model.is_some() && errors == 0,
        model: model.map(|m| ModelSummary {
            title: m.meta.title.clone(),
            hypotheses: m.hypotheses.len(),
            evidence_items: m.items.len(),
            reports: m.items.iter().map(|i| i.reports.len()).sum(),
            sources: m.sources.len(),
            scenarios: m.scenarios.len(),
        }),
        errors,
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        diagnostics: diagnostics.iter().map(|d| file.locate(d)).collect(),
    }
}

impl CheckView {
    /// The one-line verdict `check` prints after the diagnostics: `ok: ...
    /// is valid: ...` (standard output) or `error: ... is invalid: ...`
    /// (standard error).
    pub fn verdict(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match (&self.model, self.valid) {
            (Some(m), true) => format!(
                "ok: {} is valid: {} hypotheses, {} evidence items, {} reports, {} sources, {} scenarios; {} warning{}",
                self.file,
                m.hypotheses,
                m.evidence_items,
                m.reports,
                m.sources,
                m.scenarios,
                self.warnings,
                plural(self.warnings)
            ),
            _ => format!(
                "error: {} is invalid: {} error{}",
                self.file,
                self.errors,
                plural(self.errors)
            ),
        }
    }
}
