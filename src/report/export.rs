//! `credence export`: the compiled network as BIF (via [`crate::network::bif`])
//! for GeNIe, Netica and pgmpy, and the validated model as JSON (its own
//! serializable view, schema 1, kind `credence.export`; docs/JSON.md), and
//! the model's ACH matrix as a spreadsheet (CSV with the header names
//! `credence import ach` reads, [`crate::model::ach_csv`]).

use serde::Serialize;

use crate::model::{Estimate, Model, Override, Reliability, hit_false_alarm};
use crate::network::{Compiled, bif};

/// Output formats of the `export` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// The compiled network as BIF, with the evidence (`--format bif`).
    Bif,
    /// The validated model as JSON (`--format json`).
    Json,
    /// The ACH matrix as CSV (`--format ach-csv`).
    AchCsv,
    /// The compiled network as XMLBIF (`--format xmlbif`).
    Xmlbif,
    /// The compiled network as GeNIe's XDSL (`--format xdsl`).
    Xdsl,
}

/// The compiled network as BIF: the hypothesis node `hypothesis` with one
/// state per hypothesis id, binary (`false`, `true`) item and report nodes,
/// latent reliability nodes, and `property evidence = STATE ;` on every
/// observed report and established item.
pub fn bif(model: &Model, compiled: &Compiled) -> String {
    bif::write(
        &compiled.net,
        &network_options(model, compiled, "BIF", "`property evidence`"),
    )
}

/// The compiled network as XMLBIF or XDSL (`format`; any other format is
/// read as XMLBIF): the nodes, states, names and evidence of [`bif`], the
/// evidence as `<PROPERTY>evidence = STATE</PROPERTY>` (XMLBIF) or
/// `<property id="evidence">STATE</property>` (XDSL).
pub fn xml(model: &Model, compiled: &Compiled, format: ExportFormat) -> String {
    use crate::network::xml;
    if format == ExportFormat::Xdsl {
        let options = network_options(model, compiled, "XDSL", "`<property id=\"evidence\">`");
        xml::write_xdsl(&compiled.net, &options)
    } else {
        let options = network_options(model, compiled, "XMLBIF", "`<PROPERTY>evidence = STATE`");
        xml::write_xmlbif(&compiled.net, &options)
    }
}

/// The header comments, name and evidence every network export writes.
fn network_options(
    model: &Model,
    compiled: &Compiled,
    format: &str,
    evidence: &str,
) -> bif::WriteOptions {
    let mut comments = vec![
        format!("credence model: {}", model.meta.title),
        // (An XML comment may not hold `--`, so the XML formats name theirs.)
        if format == "BIF" {
            "Written by `credence export --format bif`. The node `hypothesis` has one state per hypothesis id;".into()
        } else {
            format!("Written by `credence export` as {format}. The node `hypothesis` has one state per hypothesis id;")
        },
        "item_* are evidence items (states false, true), report_* their reports, reliability_* latent".into(),
        format!("source reliabilities. {evidence} marks observed reports and established items."),
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
    let pending: Vec<&str> = model.pending.iter().map(|i| i.id.as_str()).collect();
    if !pending.is_empty() {
        comments.push(format!(
            "Pending evidence (not yet collected), left out: {}",
            pending.join(", ")
        ));
    }
    bif::WriteOptions {
        name: "credence".into(),
        comments,
        evidence: compiled.evidence.clone(),
    }
}

/// A probability as `credence import ach` reads it back: the letter, the
/// interval or the number as written.
fn credibility_text(r: &Reliability) -> Option<String> {
    match r {
        Reliability::Accuracy(e) => Some(match (&e.label, e.range) {
            (Some(label), _) => label.clone(),
            (None, Some(range)) if range.width() > 0.0 => {
                format!("[{}, {}]", range.low(), range.high())
            }
            _ => format!("{}", e.point),
        }),
        // A hit and false-alarm pair has no place in an ACH credibility.
        Reliability::Credibility { .. } => None,
    }
}

/// The model's ACH matrix as CSV (docs/ACH_CSV.md): `Evidence`, one column
/// per hypothesis (its title) with the item's rating of the claim, then
/// `Source`, `Credibility` (when any item has reports) and `Relevance` (when
/// an imported item recorded one). A cell written as an ACH rating keeps it;
/// any other likelihood gets the rating `credence ach` derives from it (for
/// the claim as written, never mirrored). Disabled items are left out.
pub fn ach_csv(model: &Model) -> String {
    use crate::analysis::ach::{Rating, ratios_db};
    use crate::model::ach_csv::{
        CREDIBILITY_HEADER, EVIDENCE_HEADER, RELEVANCE_HEADER, RELEVANCE_NOTE, SOURCE_HEADER,
        UNATTRIBUTED, spreadsheet_cell,
    };
    let items: Vec<&crate::model::Item> = model.items.iter().filter(|i| i.enabled).collect();
    let with_sources = items.iter().any(|i| !i.reports.is_empty());
    let relevance = |item: &crate::model::Item| {
        item.notes
            .as_deref()
            .and_then(|n| n.strip_prefix(RELEVANCE_NOTE))
            .map(str::to_string)
    };
    let with_relevance = items.iter().any(|i| relevance(i).is_some());
    let mut header: Vec<String> = vec![EVIDENCE_HEADER.to_string()];
    header.extend(model.hypotheses.iter().map(|h| h.title.clone()));
    if with_sources {
        header.push(SOURCE_HEADER.into());
        header.push(CREDIBILITY_HEADER.into());
    }
    if with_relevance {
        header.push(RELEVANCE_HEADER.into());
    }
    let mut rows = vec![header];
    for item in items {
        let likelihoods: Vec<f64> = item.likelihood.iter().map(|l| l.point.get()).collect();
        let ratios = ratios_db(&likelihoods);
        let mut row = vec![item.claim.clone()];
        row.extend(item.likelihood.iter().enumerate().map(|(h, l)| {
            match l
                .label
                .as_ref()
                .filter(|t| model.scales.ach.iter().any(|(code, _)| code == *t))
            {
                Some(code) => code.clone(),
                None => Rating::from_db(ratios[h]).code().to_string(),
            }
        }));
        if with_sources {
            let mut names = Vec::new();
            let mut credibilities = Vec::new();
            for report in &item.reports {
                let source = &model.sources[report.source.0];
                let mut name = if source.id == UNATTRIBUTED {
                    String::new()
                } else {
                    source.title.clone()
                };
                if !report.asserts {
                    name.push_str(" (denies)");
                }
                names.push(name.trim().to_string());
                credibilities.push(credibility_text(model.report_reliability(report).0));
            }
            row.push(names.join("; "));
            // One credibility per report, or none when one cannot be written.
            let written: Option<Vec<String>> = credibilities.into_iter().collect();
            row.push(written.map(|c| c.join("; ")).unwrap_or_default());
        }
        if with_relevance {
            row.push(relevance(item).unwrap_or_default());
        }
        rows.push(row);
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for row in &rows {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(row.iter().map(|cell| spreadsheet_cell(cell)));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A probability as written: the point value used for inference, the range
/// it stands for, the words.
#[derive(Clone, Debug, Serialize)]
pub struct EstimateView {
    /// The point value used for inference.
    pub value: f64,
    /// The lower bound of the range it stands for, if any.
    pub low: Option<f64>,
    /// The upper bound of the range it stands for, if any.
    pub high: Option<f64>,
    /// The word written (an ICD 203 term, an ACH rating, an Admiralty letter).
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

/// A reliability as written, tagged by its `kind`.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReliabilityView {
    /// Probability of reporting accurately (number, letter or interval).
    Accuracy {
        /// The reliability r.
        accuracy: EstimateView,
    },
    /// Schum's credibility pair set directly.
    Credibility {
        /// h = P(asserts | true).
        hit: EstimateView,
        /// f = P(asserts | false).
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

/// The validated model as `credence export --format json` writes it
/// (docs/JSON.md).
#[derive(Clone, Debug, Serialize)]
pub struct ExportView {
    /// The schema version.
    pub schema: u32,
    /// `credence.export`.
    pub kind: &'static str,
    /// The `[model]` table.
    pub model: MetaView,
    /// In model order.
    pub hypotheses: Vec<HypothesisExport>,
    /// In model order.
    pub groups: Vec<GroupExport>,
    /// In model order.
    pub sources: Vec<SourceExport>,
    /// In model order, disabled ones included.
    pub items: Vec<ItemExport>,
    /// Pending evidence (collection requirements, `pending = true`), in
    /// model order; left out of the JSON when there is none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<ItemExport>,
    /// In model order.
    pub dependencies: Vec<DependencyExport>,
    /// In model order.
    pub scenarios: Vec<ScenarioExport>,
    /// The word-to-number tables in force.
    pub scales: ScalesExport,
}

/// The `[model]` table.
#[derive(Clone, Debug, Serialize)]
pub struct MetaView {
    /// The model's title.
    pub title: String,
    /// The question the hypotheses answer.
    pub question: Option<String>,
    /// The information cut-off, as written.
    pub as_of: Option<String>,
    /// Free text.
    pub notes: Option<String>,
    /// Levels of each latent reliability node.
    pub reliability_levels: usize,
}

/// A hypothesis.
#[derive(Clone, Debug, Serialize)]
pub struct HypothesisExport {
    /// Its id.
    pub id: String,
    /// What it says.
    pub title: String,
    /// Normalised prior used for inference.
    pub prior: f64,
    /// As written; null when the model gives no priors (uniform).
    pub prior_written: Option<EstimateView>,
    /// Why this prior.
    pub rationale: Option<String>,
}

/// A `[[groups]]` entry: member hypothesis ids in the order written.
#[derive(Clone, Debug, Serialize)]
pub struct GroupExport {
    /// The group's id.
    pub id: String,
    /// What the group says.
    pub title: String,
    /// Ids of its member hypotheses.
    pub members: Vec<String>,
    /// Why these hypotheses belong together.
    pub rationale: Option<String>,
}

/// A source.
#[derive(Clone, Debug, Serialize)]
pub struct SourceExport {
    /// Its id.
    pub id: String,
    /// Who or what it is.
    pub title: String,
    /// Its reliability as written.
    pub reliability: ReliabilityView,
    /// Its bias as written; null for the default 0.5.
    pub bias: Option<EstimateView>,
    /// Hit rate at point values.
    pub hit: f64,
    /// False-alarm rate at point values.
    pub false_alarm: f64,
    /// Whether the source gets a latent reliability node.
    pub latent: bool,
    /// Why this reliability and bias.
    pub notes: Option<String>,
}

/// P(E | h) for one hypothesis.
#[derive(Clone, Debug, Serialize)]
pub struct LikelihoodExport {
    /// The hypothesis id.
    pub hypothesis: String,
    /// The likelihood as written.
    #[serde(flatten)]
    pub estimate: EstimateView,
}

/// A report.
#[derive(Clone, Debug, Serialize)]
pub struct ReportExport {
    /// Its id, local to the item.
    pub id: String,
    /// The id of its source.
    pub source: String,
    /// Id of the report this one relays, after `[[dependencies]]` sugar.
    pub via: Option<String>,
    /// Strength of the relay link (null without `via`).
    pub strength: Option<f64>,
    /// The `[[dependencies]]` entry (its id, or its position from 0) that
    /// created the link.
    pub dependency: Option<String>,
    /// False for a report held only second-hand (latent).
    pub observed: bool,
    /// False when the source denies the claim.
    pub asserts: bool,
    /// A report-level override of the source's reliability.
    pub reliability: Option<ReliabilityView>,
    /// A report-level override of the source's bias.
    pub bias: Option<EstimateView>,
    /// Effective hit rate at point values (for a source with a latent
    /// reliability, at the interval's midpoint).
    pub hit: f64,
    /// Effective false-alarm rate, as `hit`.
    pub false_alarm: f64,
    /// Uses its source's latent reliability node.
    pub latent_reliability: bool,
    /// The seed-document record behind it.
    pub document: Option<String>,
    /// The exact words, where they are the evidence.
    pub quote: Option<String>,
    /// Free text.
    pub notes: Option<String>,
}

/// An evidence item.
#[derive(Clone, Debug, Serialize)]
pub struct ItemExport {
    /// Its id.
    pub id: String,
    /// The claim E.
    pub claim: String,
    /// P(E | h), one per hypothesis in model order.
    pub likelihood: Vec<LikelihoodExport>,
    /// Why these likelihoods.
    pub rationale: Option<String>,
    /// False when the item is left out.
    pub enabled: bool,
    /// No reports: taken as observed true.
    pub established: bool,
    /// Its reports, in the order written.
    pub reports: Vec<ReportExport>,
    /// Ids of the independent origins (reports relaying nothing).
    pub origins: Vec<String>,
    /// Ids of reports relayed with 0 < strength < 1.
    pub partly_dependent: Vec<String>,
    /// Free text.
    pub notes: Option<String>,
}

/// A `[[dependencies]]` entry.
#[derive(Clone, Debug, Serialize)]
pub struct DependencyExport {
    /// Its id, if given.
    pub id: Option<String>,
    /// Source ids, in the order written.
    pub sources: Vec<String>,
    /// The strength of every link it makes.
    pub strength: f64,
    /// Free text.
    pub why: Option<String>,
}

/// One override of a scenario.
#[derive(Clone, Debug, Serialize)]
pub struct OverrideExport {
    /// The dotted path it sets.
    pub path: String,
    /// The value as TOML (`0.3`, `[0.2, 0.4]`, `"likely"`, `true`).
    pub value: String,
}

/// A scenario.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioExport {
    /// Its id.
    pub id: String,
    /// What it supposes.
    pub title: String,
    /// Why it is worth asking.
    pub why: Option<String>,
    /// Its overrides, in the order written.
    pub overrides: Vec<OverrideExport>,
}

/// One entry of a word-to-number table.
#[derive(Clone, Debug, Serialize)]
pub struct TermExport {
    /// The word or letter.
    pub term: String,
    /// What it stands for.
    #[serde(flatten)]
    pub estimate: EstimateView,
}

/// The word-to-number tables in force.
#[derive(Clone, Debug, Serialize)]
pub struct ScalesExport {
    /// ICD 203 terms, ascending.
    pub icd203: Vec<TermExport>,
    /// ACH ratings, most consistent first.
    pub ach: Vec<TermExport>,
    /// Admiralty letters.
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
    let item_export = |item: &crate::model::Item| {
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
        items: model.items.iter().map(item_export).collect(),
        pending: model.pending.iter().map(item_export).collect(),
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
