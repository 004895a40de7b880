//! What `check` adds to validation: whether exact inference runs on the
//! model. A model can be valid, every key and number in range, and still be
//! inconsistent (its observed evidence has probability 0 under every
//! hypothesis) or too large for exact inference; only inference tells, and
//! `check` must say so as the report commands would.

use crate::diag::Diagnostic;
use crate::model::Model;
use crate::network::{self, InferError};

/// The finding that keeps a valid model from being analysed, as an error
/// diagnostic beside the validation's own; `None` when inference runs.
pub fn consistency(model: &Model) -> Option<Diagnostic> {
    let error = network::compile(model).infer().err()?;
    let hint = match error {
        InferError::ImpossibleEvidence => {
            "`credence explain` shows each item's likelihood under every hypothesis and each source's hit and false-alarm rates"
        }
        InferError::TooLarge { .. } => {
            "give some sources a point reliability instead of an interval, or use `credence simulate`"
        }
        InferError::UnknownVariable(_) => "this is a bug in credence; please report it",
    };
    Some(Diagnostic::error(error.to_string()).hint(hint))
}
