//! What `check` adds to validation: whether exact inference runs on the
//! model, and whether its evidence hangs together. A model can be valid,
//! every key and number in range, and still be inconsistent (its observed
//! evidence has probability 0 under every hypothesis) or too large for
//! exact inference; only inference tells, and `check` must say so as the
//! report commands would. Evidence in conflict (Hugin's measure above
//! [`conflict::THRESHOLD_BITS`]) is a warning.

use super::{conflict, impossible, tied};
use crate::diag::{Diagnostic, Severity};
use crate::model::{Model, Override, overrides};
use crate::network::{self, Incremental, InferError};

/// What inference finds: an error that keeps a valid model from being
/// analysed, or a warning that its evidence is in conflict; empty when
/// inference runs and the evidence hangs together. A scenario of the model
/// that makes the evidence impossible (or the network too large) is a
/// warning naming the scenario and the items.
pub fn consistency(model: &Model) -> Vec<Diagnostic> {
    let compiled = network::compile(model);
    match compiled.infer() {
        Ok(posterior) => {
            let mut found: Vec<Diagnostic> =
                case_conflict(model, &compiled, posterior.log_evidence)
                    .into_iter()
                    .collect();
            found.extend(scenarios(model));
            found
        }
        Err(e) => refusal(model, &e),
    }
}

/// Why exact inference refused `model`, as diagnostics at the lines that
/// cause it: impossible evidence names the fewest items that cannot hold
/// together ([`impossible`]), a network over the budget the sources and
/// items that tie it ([`tied`]). What `check` and every command that
/// infers print.
pub fn refusal(model: &Model, error: &InferError) -> Vec<Diagnostic> {
    match error {
        InferError::ImpossibleEvidence => {
            let named = Incremental::new(model)
                .ok()
                .and_then(|engine| impossible::diagnostic(model, &impossible::find(&engine), None));
            vec![named.unwrap_or_else(|| {
                Diagnostic::error(error.to_string()).hint(
                    "`credence explain` shows each item's likelihood under every hypothesis and each source's hit and false-alarm rates",
                )
            })]
        }
        InferError::TooLarge { .. } => vec![tied::diagnostic(model, &error.to_string())],
        // Only `query --all` on a BIF network calibrates; a model never does.
        InferError::CalibrationTooLarge { .. } | InferError::UnknownVariable(_) => {
            vec![
                Diagnostic::error(error.to_string())
                    .hint("this is a bug in credence; please report it"),
            ]
        }
    }
}

/// A warning for each scenario of the model under which inference fails:
/// the evidence impossible (the items named) or the network over budget.
fn scenarios(model: &Model) -> Vec<Diagnostic> {
    if model.scenarios.is_empty() {
        return Vec::new();
    }
    let Ok(engine) = Incremental::new(model) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for scenario in &model.scenarios {
        let overrides: Vec<Override> = scenario.overrides.iter().map(|(_, o)| o.clone()).collect();
        let mut changed = engine.clone();
        let failed = match changed
            .apply(&overrides)
            .and_then(|()| changed.hypotheses())
        {
            Ok(_) => continue,
            Err(e) => e,
        };
        let mut d = match failed {
            InferError::ImpossibleEvidence => {
                let finding = impossible::find(&changed);
                let under = impossible::Under::scenario(scenario);
                impossible::diagnostic(changed.model(), &finding, Some(&under)).unwrap_or_else(
                    || {
                        Diagnostic::error(format!(
                            "under scenario `{}`, the evidence is impossible",
                            scenario.id
                        ))
                        .at(scenario.span.start..scenario.span.start + 1)
                    },
                )
            }
            other => {
                let mut d = tied::diagnostic(
                    &overrides::apply(model, &overrides),
                    &format!("under scenario `{}`, {other}", scenario.id),
                );
                d.related.insert(
                    0,
                    (
                        scenario.span.start..scenario.span.start + 1,
                        format!("scenario `{}`", scenario.id),
                    ),
                );
                d
            }
        };
        d.severity = Severity::Warning;
        found.push(d);
    }
    found
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
