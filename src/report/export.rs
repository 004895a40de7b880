//! `credence export`: the compiled network as BIF (via [`crate::network::bif`])
//! for GeNIe, Netica and pgmpy, and the validated model as JSON (its own
//! serializable view, schema 1, kind `credence.export`; docs/JSON.md).

use serde::Serialize;

use crate::model::{Estimate, Model, Override, Reliability, hit_false_alarm};
use crate::network::{Compiled, bif};

/// Output formats of the `export` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Bif,
    Json,
}

/// The compiled network as BIF: the hypothesis node `hypothesis` with one
/// state per hypothesis id, binary (`false`, `true`) item and report nodes,
/// latent reliability nodes, and `property evidence = STATE ;` on every
/// observed report and established item.
pub fn bif(model: &Model, compiled: &Compiled) -> String {
    let mut comments = vec![
        format!("credence model: {}", model.meta.title),
        "Written by `credence export --format bif`. The node `hypothesis` has one state per hypothesis id;".into(),
        "item_* are evidence items (states false, true), report_* their reports, reliability_* latent".into(),
        "source reliabilities. `property evidence` marks observed reports and established items.".into(),
    ];
    let disabled: Vec<&str> = model
        .items
        .iter()
        .filter(|i| !i.enabled)
        .map(|i| i.id.as_str())
        .collect();
    if !disabled.is_empty() {
        comments.push(format!("Disabled items, left out: {}", disabled.join(", ")));
    }
    bif::write(
        &compiled.net,
        &bif::WriteOptions {
            name: "credence".into(),
            comments,
            evidence: compiled.evidence.clone(),
        },
    )
}

/// A probability as written: the point value used for inference, the range
/// it stands for, the words.
#[derive(Clone, Debug, Serialize)]
pub struct EstimateView {
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub label: Option<String>,
}

impl From<&Estimate> for EstimateView {
    fn from(e: &Estimate) -> Self {
        EstimateView {
            value: e.point.get(),
            low: e.range.map(|r| r.low().get()),
            high: e.range.map(|r| r.high().get()),
            label: e.label.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReliabilityView {
    /// Probability of reporting accurately (number, letter or interval).
    Accuracy { accuracy: EstimateView },
    /// Schum's credibility pair set directly.
    Credibility {
        hit: EstimateView,
        false_alarm: EstimateView,
    },
}

impl From<&Reliability> for ReliabilityView {
    fn from(r: &Reliability) -> Self {
        match r {
            Reliability::Accuracy(e) => ReliabilityView::Accuracy { accuracy: e.into() },
            Reliability::Credibility { hit, false_alarm } => ReliabilityView::Credibility {
                hit: hit.into(),
                false_alarm: false_alarm.into(),
            },
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportView {
    pub schema: u32,
    pub kind: &'static str,
    pub model: MetaView,
    pub hypotheses: Vec<HypothesisExport>,
    pub groups: Vec<GroupExport>,
    pub sources: Vec<SourceExport>,
    pub items: Vec<ItemExport>,
    pub dependencies: Vec<DependencyExport>,
    pub scenarios: Vec<ScenarioExport>,
    pub scales: ScalesExport,
}

#[derive(Clone, Debug, Serialize)]
pub struct MetaView {
    pub title: String,
    pub question: Option<String>,
    pub as_of: Option<String>,
    pub notes: Option<String>,
    pub reliability_levels: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct HypothesisExport {
    pub id: String,
    pub title: String,
    /// Normalised prior used for inference.
    pub prior: f64,
    /// As written; null when the model gives no priors (uniform).
    pub prior_written: Option<EstimateView>,
    pub rationale: Option<String>,
}

/// A `[[groups]]` entry: member hypothesis ids in the order written.
#[derive(Clone, Debug, Serialize)]
pub struct GroupExport {
    pub id: String,
    pub title: String,
    pub members: Vec<String>,
    pub rationale: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SourceExport {
    pub id: String,
    pub title: String,
    pub reliability: ReliabilityView,
    pub bias: Option<EstimateView>,
    /// Hit and false-alarm rates at point values.
    pub hit: f64,
    pub false_alarm: f64,
    /// Whether the source gets a latent reliability node.
    pub latent: bool,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LikelihoodExport {
    pub hypothesis: String,
    #[serde(flatten)]
    pub estimate: EstimateView,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportExport {
    pub id: String,
    pub source: String,
    /// Id of the report this one relays, after `[[dependencies]]` sugar.
    pub via: Option<String>,
    /// Strength of the relay link (null without `via`).
    pub strength: Option<f64>,
    /// The `[[dependencies]]` entry (its id, or its position from 0) that
    /// created the link.
    pub dependency: Option<String>,
    pub observed: bool,
    pub asserts: bool,
    /// Report-level overrides of the source's reliability and bias.
    pub reliability: Option<ReliabilityView>,
    pub bias: Option<EstimateView>,
    /// Effective hit and false-alarm rates at point values (for a source
    /// with a latent reliability, at the interval's midpoint).
    pub hit: f64,
    pub false_alarm: f64,
    /// Uses its source's latent reliability node.
    pub latent_reliability: bool,
    pub document: Option<String>,
    pub quote: Option<String>,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemExport {
    pub id: String,
    pub claim: String,
    pub likelihood: Vec<LikelihoodExport>,
    pub rationale: Option<String>,
    pub enabled: bool,
    /// No reports: taken as observed true.
    pub established: bool,
    pub reports: Vec<ReportExport>,
    /// Ids of the independent origins (reports relaying nothing).
    pub origins: Vec<String>,
    /// Ids of reports relayed with 0 < strength < 1.
    pub partly_dependent: Vec<String>,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DependencyExport {
    pub id: Option<String>,
    pub sources: Vec<String>,
    pub strength: f64,
    pub why: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OverrideExport {
    pub path: String,
    /// The value as TOML (`0.3`, `[0.2, 0.4]`, `"likely"`, `true`).
    pub value: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioExport {
    pub id: String,
    pub title: String,
    pub why: Option<String>,
    pub overrides: Vec<OverrideExport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TermExport {
    pub term: String,
    #[serde(flatten)]
    pub estimate: EstimateView,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScalesExport {
    pub icd203: Vec<TermExport>,
    pub ach: Vec<TermExport>,
    pub admiralty: Vec<TermExport>,
}

fn estimate_toml(e: &Estimate) -> String {
    match (&e.label, e.range) {
        (Some(label), _) => format!("{label:?}"),
        (None, Some(r)) if r.width() > 0.0 => format!("[{}, {}]", r.low(), r.high()),
        _ => format!("{}", e.point),
    }
}

fn reliability_toml(r: &Reliability) -> String {
    match r {
        Reliability::Accuracy(e) => estimate_toml(e),
        Reliability::Credibility { hit, false_alarm } => format!(
            "{{ hit = {}, false_alarm = {} }}",
            estimate_toml(hit),
            estimate_toml(false_alarm)
        ),
    }
}

fn override_toml(o: &Override) -> String {
    match o {
        Override::SourceReliability(_, r) | Override::ReportReliability(_, _, r) => {
            reliability_toml(r)
        }
        Override::SourceBias(_, e)
        | Override::Likelihood(_, _, e)
        | Override::ReportBias(_, _, e) => estimate_toml(e),
        Override::ItemEnabled(_, b) | Override::ReportObserved(_, _, b) => b.to_string(),
        Override::Prior(_, p)
        | Override::ReportStrength(_, _, p)
        | Override::DependencyStrength(_, p) => p.to_string(),
    }
}

/// The validated model as its JSON view.
pub fn build(model: &Model) -> ExportView {
    let dependency_name = |d: usize| {
        model.dependencies[d]
            .id
            .clone()
            .unwrap_or_else(|| d.to_string())
    };
    ExportView {
        schema: 1,
        kind: "credence.export",
        model: MetaView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
            notes: model.meta.notes.clone(),
            reliability_levels: model.meta.reliability_levels,
        },
        hypotheses: model
            .hypotheses
            .iter()
            .map(|h| HypothesisExport {
                id: h.id.clone(),
                title: h.title.clone(),
                prior: h.prior.get(),
                prior_written: h.prior_written.as_ref().map(Into::into),
                rationale: h.rationale.clone(),
            })
            .collect(),
        groups: model
            .groups
            .iter()
            .map(|g| GroupExport {
                id: g.id.clone(),
                title: g.title.clone(),
                members: g
                    .members
                    .iter()
                    .map(|m| model.hypotheses[m.0].id.clone())
                    .collect(),
                rationale: g.rationale.clone(),
            })
            .collect(),
        sources: model
            .sources
            .iter()
            .map(|s| {
                let (hit, fa) = s.reliability.hit_false_alarm(s.bias_point());
                SourceExport {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    reliability: (&s.reliability).into(),
                    bias: s.bias.as_ref().map(Into::into),
                    hit: hit.get(),
                    false_alarm: fa.get(),
                    latent: s.latent_range().is_some(),
                    notes: s.notes.clone(),
                }
            })
            .collect(),
        items: model
            .items
            .iter()
            .map(|item| {
                let origins = item.origins();
                let name = |r: &crate::model::ReportId| item.reports[r.0].id.clone();
                ItemExport {
                    id: item.id.clone(),
                    claim: item.claim.clone(),
                    likelihood: model
                        .hypotheses
                        .iter()
                        .zip(&item.likelihood)
                        .map(|(h, l)| LikelihoodExport {
                            hypothesis: h.id.clone(),
                            estimate: l.into(),
                        })
                        .collect(),
                    rationale: item.rationale.clone(),
                    enabled: item.enabled,
                    established: item.reports.is_empty(),
                    reports: item
                        .reports
                        .iter()
                        .map(|r| {
                            let (rel, bias) = model.report_reliability(r);
                            let (hit, fa) = match rel {
                                Reliability::Accuracy(e) => hit_false_alarm(e.point, bias),
                                other => other.hit_false_alarm(bias),
                            };
                            ReportExport {
                                id: r.id.clone(),
                                source: model.sources[r.source.0].id.clone(),
                                via: r.via.as_ref().map(|l| item.reports[l.parent.0].id.clone()),
                                strength: r.via.as_ref().map(|l| l.strength.get()),
                                dependency: r
                                    .via
                                    .as_ref()
                                    .and_then(|l| l.dependency)
                                    .map(|d| dependency_name(d.0)),
                                observed: r.observed,
                                asserts: r.asserts,
                                reliability: r.reliability.as_ref().map(Into::into),
                                bias: r.bias.as_ref().map(Into::into),
                                hit: hit.get(),
                                false_alarm: fa.get(),
                                latent_reliability: model.uses_latent_reliability(r),
                                document: r.document.clone(),
                                quote: r.quote.clone(),
                                notes: r.notes.clone(),
                            }
                        })
                        .collect(),
                    origins: origins.independent.iter().map(name).collect(),
                    partly_dependent: origins.partly_dependent.iter().map(name).collect(),
                    notes: item.notes.clone(),
                }
            })
            .collect(),
        dependencies: model
            .dependencies
            .iter()
            .map(|d| DependencyExport {
                id: d.id.clone(),
                sources: d
                    .sources
                    .iter()
                    .map(|s| model.sources[s.0].id.clone())
                    .collect(),
                strength: d.strength.get(),
                why: d.why.clone(),
            })
            .collect(),
        scenarios: model
            .scenarios
            .iter()
            .map(|s| ScenarioExport {
                id: s.id.clone(),
                title: s.title.clone(),
                why: s.why.clone(),
                overrides: s
                    .overrides
                    .iter()
                    .map(|(path, o)| OverrideExport {
                        path: path.clone(),
                        value: override_toml(o),
                    })
                    .collect(),
            })
            .collect(),
        scales: ScalesExport {
            icd203: model
                .scales
                .icd203
                .iter()
                .map(|(t, r)| TermExport {
                    term: t.clone(),
                    estimate: (&Estimate::interval(*r)).into(),
                })
                .collect(),
            ach: model
                .scales
                .ach
                .iter()
                .map(|(t, p)| TermExport {
                    term: t.clone(),
                    estimate: (&Estimate::exact(*p)).into(),
                })
                .collect(),
            admiralty: model
                .scales
                .admiralty
                .iter()
                .map(|(t, e)| TermExport {
                    term: t.clone(),
                    estimate: EstimateView {
                        label: None,
                        ..e.into()
                    },
                })
                .collect(),
        },
    }
}
