//! The `collect` output (kind `credence.collect`, schema 1, docs/JSON.md):
//! what to collect next. Each pending item with its expected information
//! (bits), every outcome's probability and posterior, the chance it
//! overturns the judgement, and the indicators to watch per hypothesis and
//! group.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::judgement::{StatementView, statement_of};
use super::{ModelView, SCHEMA_VERSION};
use crate::analysis::collect::{Indicator, Plan};
use crate::model::Model;

/// Values keyed by id, serialized as a JSON object in the order held
/// (model order): numbers by hypothesis or group id, answers by report id.
#[derive(Clone, Debug, PartialEq)]
pub struct ById<T>(pub Vec<(String, T)>);

impl<T: Serialize> Serialize for ById<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, x) in &self.0 {
            map.serialize_entry(id, x)?;
        }
        map.end()
    }
}

/// The `collect` view (kind `credence.collect`; docs/JSON.md).
#[derive(Clone, Debug, Serialize)]
pub struct CollectView {
    /// The schema version.
    pub schema: u32,
    /// `credence.collect`.
    pub kind: &'static str,
    /// The model's title, question and cut-off.
    pub model: ModelView,
    /// The current posterior (pending items left out), by hypothesis id.
    pub posterior: ById<f64>,
    /// The hypotheses' titles, by id, in model order (for the document).
    #[serde(skip)]
    pub titles: Vec<(String, String)>,
    /// The groups' ids and titles, in model order.
    #[serde(skip)]
    pub group_titles: Vec<(String, String)>,
    /// The entropy of the current posterior in bits: the most any item
    /// could yield.
    pub entropy_bits: f64,
    /// The statement `p_changes_judgement` measures: the bottom line's
    /// judgement, or the leader when there is no bottom line.
    pub judgement: JudgementRef,
    /// Every enabled pending item, by expected information (most first),
    /// ties by id.
    pub candidates: Vec<CandidateView>,
    /// Pending items left out (`enabled = false`), by id.
    pub disabled: Vec<String>,
    /// The indicators to watch per hypothesis and group.
    pub indicators: IndicatorsView,
}

/// The statement whose survival is measured.
#[derive(Clone, Debug, Serialize)]
pub struct JudgementRef {
    /// `bottom_line` when it is the report's judgement, `leader` when the
    /// bottom line could not be computed.
    pub from: &'static str,
    /// Its kind, id and title (as `bottom_line.statement` in `report`).
    pub statement: StatementView,
    /// The hypothesis ids it asserts.
    pub members: Vec<String>,
}

/// One pending item, valued.
#[derive(Clone, Debug, Serialize)]
pub struct CandidateView {
    /// The item's id.
    pub id: String,
    /// The claim to collect on.
    pub claim: String,
    /// The sources that would be asked, one per planned observed report, in
    /// the order written (report id and source id).
    pub ask: Vec<AskView>,
    /// I(H; O) in bits.
    pub expected_information_bits: f64,
    /// I(G; O) in bits per group, by group id.
    pub group_information_bits: ById<f64>,
    /// Every outcome, starting from "every report asserts".
    pub outcomes: Vec<OutcomeView>,
    /// The probability that collecting it overturns the judgement.
    pub p_changes_judgement: f64,
    /// Free text of the item (why it is worth tasking).
    pub notes: Option<String>,
}

/// A source to ask.
#[derive(Clone, Debug, Serialize)]
pub struct AskView {
    /// The report's id.
    pub report: String,
    /// The source's id.
    pub source: String,
    /// The source's title.
    pub title: String,
}

/// One possible answer.
#[derive(Clone, Debug, Serialize)]
pub struct OutcomeView {
    /// Per planned report id: true when it would assert the claim.
    pub reports: ById<bool>,
    /// Its probability under the current posterior.
    pub probability: f64,
    /// The posterior after it, by hypothesis id.
    pub posterior: ById<f64>,
    /// The leading hypothesis after it.
    pub leading: String,
    /// Whether the judgement still holds after it.
    pub judgement_holds: bool,
}

/// The indicators to watch.
#[derive(Clone, Debug, Serialize)]
pub struct IndicatorsView {
    /// One per hypothesis, model order.
    pub hypotheses: Vec<IndicatorSet>,
    /// One per group, model order.
    pub groups: Vec<IndicatorSet>,
}

/// The pending items whose positive outcome would raise one hypothesis or
/// group most.
#[derive(Clone, Debug, Serialize)]
pub struct IndicatorSet {
    /// The hypothesis or group id.
    pub id: String,
    /// Its current probability.
    pub probability: f64,
    /// Strongest first, at most 3; empty when no pending item raises it.
    pub items: Vec<IndicatorView>,
}

/// One indicator.
#[derive(Clone, Debug, Serialize)]
pub struct IndicatorView {
    /// The pending item's id.
    pub id: String,
    /// P(every planned report asserts | in) / P(... | not in), the not-in
    /// side weighed by the current posterior; null when infinite.
    pub likelihood_ratio: Option<f64>,
    /// The probability after that positive outcome.
    pub after: f64,
}

fn by_id(model: &Model, values: &[f64]) -> ById<f64> {
    ById(
        model
            .hypotheses
            .iter()
            .zip(values)
            .map(|(h, &p)| (h.id.clone(), p))
            .collect(),
    )
}

fn indicator_set(
    model: &Model,
    id: &str,
    probability: f64,
    indicators: &[Indicator],
) -> IndicatorSet {
    IndicatorSet {
        id: id.to_string(),
        probability,
        items: indicators
            .iter()
            .map(|i| IndicatorView {
                id: model.pending[i.item].id.clone(),
                likelihood_ratio: super::finite(i.likelihood_ratio),
                after: i.after,
            })
            .collect(),
    }
}

/// The view of a collection plan. `from_bottom_line` says whether the
/// plan's judgement is the bottom line's (else the leader's).
pub fn build(model: &Model, plan: &Plan, from_bottom_line: bool) -> CollectView {
    let candidates = plan
        .candidates
        .iter()
        .map(|c| {
            let item = &model.pending[c.item];
            CandidateView {
                id: item.id.clone(),
                claim: item.claim.clone(),
                ask: c
                    .reports
                    .iter()
                    .map(|r| {
                        let report = &item.reports[r.0];
                        let source = &model.sources[report.source.0];
                        AskView {
                            report: report.id.clone(),
                            source: source.id.clone(),
                            title: source.title.clone(),
                        }
                    })
                    .collect(),
                expected_information_bits: c.expected_information_bits,
                group_information_bits: ById(
                    model
                        .groups
                        .iter()
                        .zip(&c.group_information_bits)
                        .map(|(g, &b)| (g.id.clone(), b))
                        .collect(),
                ),
                outcomes: c
                    .outcomes
                    .iter()
                    .map(|o| OutcomeView {
                        reports: ById(
                            c.reports
                                .iter()
                                .zip(&o.asserts)
                                .map(|(r, &a)| (item.reports[r.0].id.clone(), a))
                                .collect(),
                        ),
                        probability: o.probability,
                        posterior: by_id(model, &o.posterior),
                        leading: model.hypotheses[crate::analysis::leader(&o.posterior).0]
                            .id
                            .clone(),
                        judgement_holds: o.judgement_holds,
                    })
                    .collect(),
                p_changes_judgement: c.p_changes_judgement,
                notes: item.notes.clone(),
            }
        })
        .collect();
    CollectView {
        schema: SCHEMA_VERSION,
        kind: "credence.collect",
        model: ModelView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
        },
        posterior: by_id(model, &plan.posterior),
        titles: model
            .hypotheses
            .iter()
            .map(|h| (h.id.clone(), h.title.clone()))
            .collect(),
        group_titles: model
            .groups
            .iter()
            .map(|g| (g.id.clone(), g.title.clone()))
            .collect(),
        entropy_bits: plan.entropy_bits,
        judgement: JudgementRef {
            from: if from_bottom_line {
                "bottom_line"
            } else {
                "leader"
            },
            statement: statement_of(model, &plan.judgement),
            members: plan
                .judgement_members
                .iter()
                .map(|h| model.hypotheses[h.0].id.clone())
                .collect(),
        },
        candidates,
        disabled: model
            .pending
            .iter()
            .filter(|i| !i.enabled)
            .map(|i| i.id.clone())
            .collect(),
        indicators: indicators_view(model, plan),
    }
}

/// The indicators to watch of a plan (also in `report`).
pub fn indicators_view(model: &Model, plan: &Plan) -> IndicatorsView {
    let hypotheses = model
        .hypotheses
        .iter()
        .zip(&plan.hypothesis_indicators)
        .zip(&plan.posterior)
        .map(|((h, ind), &p)| indicator_set(model, &h.id, p, ind))
        .collect();
    let groups = model
        .groups
        .iter()
        .zip(&plan.group_indicators)
        .map(|(g, ind)| indicator_set(model, &g.id, g.total(&plan.posterior), ind))
        .collect();
    IndicatorsView { hypotheses, groups }
}
