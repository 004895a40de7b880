//! What `check` adds to validation: whether exact inference runs on the
//! model, and whether its evidence hangs together. A model can be valid,
//! every key and number in range, and still be inconsistent (its observed
//! evidence has probability 0 under every hypothesis) or too large for
//! exact inference; only inference tells, and `check` must say so as the
//! report commands would. Evidence in conflict (Hugin's measure above
//! [`conflict::THRESHOLD_BITS`]) is a warning.

use super::conflict;
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::network::{self, InferError};

/// What inference finds: an error that keeps a valid model from being
/// analysed, or a warning that its evidence is in conflict; empty when
/// inference runs and the evidence hangs together.
pub fn consistency(model: &Model) -> Vec<Diagnostic> {
    let compiled = network::compile(model);
    let error = match compiled.infer() {
        Ok(posterior) => {
            return case_conflict(model, &compiled, posterior.log_evidence)
                .into_iter()
                .collect();
        }
        Err(e) => e,
    };
    let hint = match error {
        InferError::ImpossibleEvidence => {
            "`credence explain` shows each item's likelihood under every hypothesis and each source's hit and false-alarm rates"
        }
        InferError::TooLarge { .. } => {
            "give some sources a point reliability instead of an interval, or use `credence simulate`"
        }
        // Only `query --all` on a BIF network calibrates; a model never does.
        InferError::CalibrationTooLarge { .. } | InferError::UnknownVariable(_) => {
            "this is a bug in credence; please report it"
        }
    };
    vec![Diagnostic::error(error.to_string()).hint(hint)]
}

/// A warning when the whole case is in conflict: log2 [Π_i P(e_i) / P(e)]
/// above the threshold.
fn case_conflict(
    model: &Model,
    compiled: &network::Compiled,
    log_evidence: f64,
) -> Option<Diagnostic> {
    let priors = model.priors();
    let mut marginals = Vec::with_capacity(compiled.items.len());
    for nodes in &compiled.items {
        // An item too large to take alone leaves the measure unknown, not
        // wrong: no warning.
        let ll = compiled.item_log_likelihood(nodes).ok()?;
        marginals.push(conflict::log_marginal(&ll, &priors));
    }
    let bits = conflict::case_bits(marginals.into_iter(), log_evidence);
    conflict::in_conflict(bits).then(|| {
        Diagnostic::warning(format!(
            "the evidence is in conflict: {bits:.2} bits (Hugin's measure, above {} bit): taken together it is less than half as probable as its items are one by one",
            conflict::THRESHOLD_BITS
        ))
        .hint("`credence report` flags the items inconsistent with the rest of the evidence; check their likelihoods and sources, or whether a hypothesis is missing")
    })
}
