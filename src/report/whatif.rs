//! The `whatif` view (kind `credence.whatif`, schema 1, docs/JSON.md): every
//! scenario beside the baseline, laid out as a `Doc` in
//! report/doc/whatif.rs.

use serde::Serialize;

use super::{ModelView, SCHEMA_VERSION};
use crate::analysis::impossible;
use crate::analysis::whatif::WhatIf;
use crate::model::{Model, Override, Probability, Reliability};

/// The `whatif` view (kind `credence.whatif`; docs/JSON.md): every scenario
/// beside the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct WhatIfView {
    /// The schema version.
    pub schema: u32,
    /// `credence.whatif`.
    pub kind: &'static str,
    /// The model's title, question and cut-off.
    pub model: ModelView,
    /// The hypotheses, in model order.
    pub hypotheses: Vec<HypothesisRef>,
    /// The model's `[[groups]]`, in model order (empty when it has none).
    pub groups: Vec<GroupRef>,
    /// The posteriors under the model as written.
    pub baseline: BaselineView,
    /// One per scenario run, in the order run.
    pub scenarios: Vec<ScenarioView>,
}

/// A hypothesis group: its posterior is the sum of its members'.
#[derive(Clone, Debug, Serialize)]
pub struct GroupRef {
    /// The group's id.
    pub id: String,
    /// The group's title.
    pub title: String,
    /// Member hypothesis ids, in the order written.
    pub members: Vec<String>,
}

/// A hypothesis's id and title.
#[derive(Clone, Debug, Serialize)]
pub struct HypothesisRef {
    /// Its id.
    pub id: String,
    /// What it says.
    pub title: String,
}

/// The posteriors under the model as written.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineView {
    /// In hypothesis order.
    pub posteriors: Vec<PosteriorView>,
    /// The id of the leading hypothesis.
    pub leading: String,
    /// In group order.
    pub groups: Vec<PosteriorView>,
    /// The leading group: among the groups whose posterior is above that of
    /// every hypothesis outside them, the highest (the first on a tie); null
    /// when no group leads.
    pub leading_group: Option<String>,
}

/// One hypothesis's posterior.
#[derive(Clone, Debug, Serialize)]
pub struct PosteriorView {
    /// The hypothesis id.
    pub id: String,
    /// Its posterior.
    pub posterior: f64,
    /// The ICD 203 words for it.
    pub icd203: String,
}

/// One scenario's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioView {
    /// The scenario's id, or `--set` for overrides given alone.
    pub id: String,
    /// What it supposes.
    pub title: String,
    /// Why it is worth asking.
    pub why: Option<String>,
    /// In the order they apply.
    pub overrides: Vec<OverrideView>,
    /// Why no posterior could be computed (the evidence is impossible under
    /// this scenario); null otherwise.
    pub error: Option<String>,
    /// Where the scenario makes the evidence impossible: the fewest items
    /// that cannot hold together under it (each impossible alone, or none
    /// of them can be left out), in model order; empty otherwise.
    pub impossible_items: Vec<ImpossibleItemView>,
    /// In hypothesis order; empty when `error` is set.
    pub hypotheses: Vec<ScenarioHypothesisView>,
    /// The leading hypothesis under the scenario; null when `error` is set.
    pub leading: Option<String>,
    /// The baseline's leading hypothesis.
    pub leading_before: String,
    /// Whether the leading hypothesis differs from the baseline's.
    pub leader_changed: bool,
    /// In group order, shaped as `hypotheses`; empty when `error` is set.
    pub groups: Vec<ScenarioHypothesisView>,
    /// The leading group under the scenario (as in the baseline); null
    /// with `error` or when no group leads.
    pub leading_group: Option<String>,
    /// Whether it differs from the baseline's leading group (with no
    /// `error`).
    pub leading_group_changed: bool,
}

/// An item of the evidence a scenario makes impossible.
#[derive(Clone, Debug, Serialize)]
pub struct ImpossibleItemView {
    /// The item id.
    pub id: String,
    /// The hypotheses under which the item alone is possible under the
    /// scenario (empty: under none).
    pub possible_under: Vec<String>,
}

/// One override a scenario applies.
#[derive(Clone, Debug, Serialize)]
pub struct OverrideView {
    /// The dotted path it sets.
    pub path: String,
    /// The value set, as an analyst would write it.
    pub value: String,
    /// Given on the command line with `--set` (applied after the scenario's
    /// own overrides).
    pub from_set: bool,
}

/// One hypothesis under a scenario, beside the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioHypothesisView {
    /// The hypothesis id.
    pub id: String,
    /// Its baseline posterior.
    pub baseline: f64,
    /// Its posterior under the scenario.
    pub posterior: f64,
    /// `posterior - baseline`.
    pub change: f64,
    /// The ICD 203 words for the scenario's posterior.
    pub icd203: String,
    /// The ICD 203 words for the baseline posterior.
    pub baseline_icd203: String,
}

fn describe_reliability(r: &Reliability) -> String {
    match r {
        Reliability::Accuracy(e) => e.to_string(),
        Reliability::Credibility { hit, false_alarm } => {
            format!("{{ hit = {hit}, false_alarm = {false_alarm} }}")
        }
    }
}

/// The value an override sets, as an analyst would write it.
pub fn describe(o: &Override) -> String {
    match o {
        Override::SourceReliability(_, r) | Override::ReportReliability(_, _, r) => {
            describe_reliability(r)
        }
        Override::SourceBias(_, e)
        | Override::Likelihood(_, _, e)
        | Override::ReportBias(_, _, e) => e.to_string(),
        Override::ItemEnabled(_, b) | Override::ReportObserved(_, _, b) => b.to_string(),
        Override::Prior(_, p)
        | Override::ReportStrength(_, _, p)
        | Override::DependencyStrength(_, p) => p.to_string(),
    }
}

/// Build the view of a what-if run.
pub fn build(model: &Model, w: &WhatIf) -> WhatIfView {
    let term = |p: f64| {
        model
            .scales
            .icd203_term(Probability::clamped(p))
            .to_string()
    };
    let id = |h: usize| model.hypotheses[h].id.clone();
    let leading_before = id(w.leader.0);
    let group_posteriors =
        |p: &[f64]| -> Vec<f64> { model.groups.iter().map(|g| g.total(p)).collect() };
    let leading_group = |p: &[f64]| -> Option<String> {
        crate::analysis::leading_group(model, p).map(|g| model.groups[g.0].id.clone())
    };
    let baseline_groups = group_posteriors(&w.baseline);
    let group_before = leading_group(&w.baseline);
    let scenarios = w
        .outcomes
        .iter()
        .map(|o| {
            let s = &o.scenario;
            let first_set = s.overrides.len() - s.from_set;
            let overrides = s
                .overrides
                .iter()
                .enumerate()
                .map(|(k, (path, ov))| OverrideView {
                    path: path.clone(),
                    value: describe(ov),
                    from_set: k >= first_set,
                })
                .collect();
            let (groups, leading_group) = match &o.posterior {
                Ok(p) => (
                    group_posteriors(p)
                        .into_iter()
                        .zip(&baseline_groups)
                        .enumerate()
                        .map(|(g, (post, &base))| ScenarioHypothesisView {
                            id: model.groups[g].id.clone(),
                            baseline: base,
                            posterior: post,
                            change: post - base,
                            icd203: term(post),
                            baseline_icd203: term(base),
                        })
                        .collect(),
                    leading_group(p),
                ),
                Err(_) => (Vec::new(), None),
            };
            let (error, hypotheses, leading) = match &o.posterior {
                Ok(p) => (
                    None,
                    p.iter()
                        .zip(&w.baseline)
                        .enumerate()
                        .map(|(h, (&post, &base))| ScenarioHypothesisView {
                            id: id(h),
                            baseline: base,
                            posterior: post,
                            change: post - base,
                            icd203: term(post),
                            baseline_icd203: term(base),
                        })
                        .collect(),
                    o.leader().map(|l| id(l.0)),
                ),
                Err(e) => {
                    let named = o
                        .impossible
                        .as_ref()
                        .and_then(|f| impossible::summary(model, f));
                    let error = match named {
                        Some(summary) => {
                            format!("the evidence is impossible under this scenario: {summary}")
                        }
                        None => e.to_string(),
                    };
                    (Some(error), Vec::new(), None)
                }
            };
            let impossible_items = o
                .impossible
                .as_ref()
                .map(|f| {
                    impossible::culprits(f)
                        .iter()
                        .map(|c| ImpossibleItemView {
                            id: model.items[c.item.0].id.clone(),
                            possible_under: c.possible_under.iter().map(|h| id(h.0)).collect(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            ScenarioView {
                id: s.id.clone(),
                title: s.title.clone(),
                why: s.why.clone(),
                overrides,
                error,
                impossible_items,
                hypotheses,
                leader_changed: leading.as_ref().is_some_and(|l| *l != leading_before),
                leading,
                leading_before: leading_before.clone(),
                groups,
                leading_group_changed: o.posterior.is_ok() && leading_group != group_before,
                leading_group,
            }
        })
        .collect();
    WhatIfView {
        schema: SCHEMA_VERSION,
        kind: "credence.whatif",
        model: ModelView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
        },
        hypotheses: model
            .hypotheses
            .iter()
            .map(|h| HypothesisRef {
                id: h.id.clone(),
                title: h.title.clone(),
            })
            .collect(),
        baseline: BaselineView {
            posteriors: w
                .baseline
                .iter()
                .enumerate()
                .map(|(h, &p)| PosteriorView {
                    id: id(h),
                    posterior: p,
                    icd203: term(p),
                })
                .collect(),
            leading: leading_before,
            groups: baseline_groups
                .iter()
                .enumerate()
                .map(|(g, &p)| PosteriorView {
                    id: model.groups[g].id.clone(),
                    posterior: p,
                    icd203: term(p),
                })
                .collect(),
            leading_group: group_before,
        },
        groups: model
            .groups
            .iter()
            .map(|g| GroupRef {
                id: g.id.clone(),
                title: g.title.clone(),
                members: g
                    .members
                    .iter()
                    .map(|m| model.hypotheses[m.0].id.clone())
                    .collect(),
            })
            .collect(),
        scenarios,
    }
}
