//! What-if: the posterior under each scenario of the model, or under ad-hoc
//! `--set PATH=VALUE` overrides, beside the baseline. Each scenario
//! recompiles only the items its overrides touch (see
//! [`crate::network::incremental`]).

use crate::diag::{Diagnostic, SourceFile, did_you_mean};
use crate::model::{HypothesisId, Model, Override};
use crate::network::{Incremental, InferError};

use super::impossible::{self, Finding};
use super::{AnalysisError, leader};

/// The id of the ad-hoc scenario made of `--set` overrides alone.
pub const SET_SCENARIO: &str = "--set";

/// One scenario to run: its overrides in the order they apply.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioRun {
    /// The scenario's id (`--set` for the ad-hoc one).
    pub id: String,
    /// What it supposes.
    pub title: String,
    /// Why it is worth asking.
    pub why: Option<String>,
    /// The scenario's own overrides, then any `--set` ones on top.
    pub overrides: Vec<(String, Override)>,
    /// How many of `overrides`, at the end, came from `--set`.
    pub from_set: usize,
}

/// A command-line value that names nothing in the model: the argument as a
/// pseudo-file and the diagnostics about it, to render like model errors.
#[derive(Clone, Debug)]
pub struct BadArgument {
    /// The argument, as a file to point into.
    pub file: SourceFile,
    /// What is wrong with it.
    pub diagnostics: Vec<Diagnostic>,
}

/// Choose the scenarios to run.
///
/// * No `--scenario`, `--all` or `--set`: every scenario of the model.
/// * `--scenario ID` (repeatable) picks scenarios, in the order given;
///   `--all` picks every one.
/// * `sets` (`--set PATH=VALUE`, each already resolved against the model
///   with [`overrides::parse_assignment`], the path as written beside it)
///   alone form one ad-hoc scenario, id `--set`. Beside `--scenario` or
///   `--all` they apply on top of each chosen scenario, after the
///   scenario's own overrides (so on the same path, `--set` wins). To see
///   `--set` alone, leave out `--scenario`.
///
/// [`overrides::parse_assignment`]: crate::model::overrides::parse_assignment
pub fn select(
    model: &Model,
    scenario_ids: &[String],
    sets: &[(String, Override)],
    all: bool,
) -> Result<Vec<ScenarioRun>, BadArgument> {
    let extra = sets.to_vec();
    let mut chosen: Vec<usize> = Vec::new();
    if all || (scenario_ids.is_empty() && sets.is_empty()) {
        chosen.extend(0..model.scenarios.len());
    }
    for id in scenario_ids {
        let Some(k) = model.scenarios.iter().position(|s| &s.id == id) else {
            return Err(unknown_scenario(model, id));
        };
        if !chosen.contains(&k) {
            chosen.push(k);
        }
    }
    if chosen.is_empty() && !extra.is_empty() {
        return Ok(vec![ScenarioRun {
            id: SET_SCENARIO.to_string(),
            title: "Overrides given with --set".to_string(),
            why: None,
            from_set: extra.len(),
            overrides: extra,
        }]);
    }
    Ok(chosen
        .into_iter()
        .map(|k| {
            let s = &model.scenarios[k];
            let mut overrides = s.overrides.clone();
            overrides.extend(extra.iter().cloned());
            ScenarioRun {
                id: s.id.clone(),
                title: s.title.clone(),
                why: s.why.clone(),
                overrides,
                from_set: extra.len(),
            }
        })
        .collect())
}

fn unknown_scenario(model: &Model, id: &str) -> BadArgument {
    let names: Vec<&str> = model.scenarios.iter().map(|s| s.id.as_str()).collect();
    let mut d = Diagnostic::error(format!("unknown scenario `{id}`")).at(0..id.len());
    d = match did_you_mean(id, names.iter().copied()) {
        Some(s) => d.label(crate::look_alike::did_you_mean_label(id, s)),
        None => d.label("not a scenario of this model"),
    };
    d = if names.is_empty() {
        d.hint("this model has no [[scenarios]]; try --set PATH=VALUE")
    } else {
        d.hint(format!("scenarios in this model: {}", names.join(", ")))
    };
    BadArgument {
        file: SourceFile::new("--scenario", id),
        diagnostics: vec![d],
    }
}

/// One scenario's outcome.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The scenario run.
    pub scenario: ScenarioRun,
    /// The posterior of each hypothesis; an error where the scenario makes
    /// the evidence impossible (or the network too large).
    pub posterior: Result<Vec<f64>, InferError>,
    /// Where the scenario makes the evidence impossible: the fewest items
    /// that cannot hold together under it.
    pub impossible: Option<Finding>,
}

impl Outcome {
    /// The hypothesis with the highest posterior under the scenario; `None` when
    /// it has no posterior.
    pub fn leader(&self) -> Option<HypothesisId> {
        self.posterior.as_ref().ok().map(|p| leader(p))
    }
}

/// The baseline and every scenario's outcome.
#[derive(Clone, Debug)]
pub struct WhatIf {
    /// The posterior of each hypothesis under the model as written.
    pub baseline: Vec<f64>,
    /// The baseline's leading hypothesis.
    pub leader: HypothesisId,
    /// One per scenario, in the order run.
    pub outcomes: Vec<Outcome>,
}

/// Run scenarios against a model. The baseline must be computable (else the
/// model is inconsistent); a scenario that cannot be is reported as such.
pub fn run(model: &Model, scenarios: Vec<ScenarioRun>) -> Result<WhatIf, AnalysisError> {
    run_on(&Incremental::new(model)?, scenarios)
}

/// [`run`] on an engine already built for the model (with no overrides):
/// for a caller that needs the engine itself too.
pub fn run_on(engine: &Incremental, scenarios: Vec<ScenarioRun>) -> Result<WhatIf, AnalysisError> {
    let baseline = engine.hypotheses()?;
    let outcomes = scenarios
        .into_iter()
        .map(|scenario| {
            let overrides: Vec<Override> =
                scenario.overrides.iter().map(|(_, o)| o.clone()).collect();
            let mut e = engine.clone();
            let posterior = e.apply(&overrides).and_then(|()| e.hypotheses());
            let impossible = matches!(posterior, Err(InferError::ImpossibleEvidence))
                .then(|| impossible::find(&e))
                .filter(|f| *f != Finding::Possible);
            Outcome {
                scenario,
                posterior,
                impossible,
            }
        })
        .collect();
    Ok(WhatIf {
        leader: leader(&baseline),
        baseline,
        outcomes,
    })
}

/// A warning for each outcome whose scenario makes the evidence
/// impossible, naming the items at their lines (labelled from the model
/// with the scenario's overrides applied) and pointing at the scenario
/// when it is one of the model's.
pub fn impossible_diagnostics(model: &Model, w: &WhatIf) -> Vec<Diagnostic> {
    w.outcomes
        .iter()
        .filter_map(|o| {
            let finding = o.impossible.as_ref()?;
            let s = &o.scenario;
            let under = match model.scenarios.iter().find(|m| m.id == s.id) {
                Some(scenario) if s.id != SET_SCENARIO => {
                    let mut under = impossible::Under::scenario(scenario);
                    if s.from_set > 0 {
                        under.name.push_str(" with the --set overrides");
                    }
                    under
                }
                _ => impossible::Under {
                    name: "the --set overrides".to_string(),
                    span: None,
                },
            };
            let overrides: Vec<Override> = s.overrides.iter().map(|(_, o)| o.clone()).collect();
            let changed = crate::model::overrides::apply(model, &overrides);
            let mut d = impossible::diagnostic(&changed, finding, Some(&under))?;
            d.severity = crate::diag::Severity::Warning;
            Some(d)
        })
        .collect()
}
