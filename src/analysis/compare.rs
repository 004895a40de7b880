//! Several analysts' models of one question, side by side: what aligns by
//! id and what does not, each model's posterior and bottom line, the linear
//! and logarithmic pools, the spread, the cruxes (every parameter on which
//! the models differ, and what adopting another model's value alone does to
//! each posterior, exactly, on the incremental engine), and an ACH consensus
//! per cell in the manner of Open Synthesis. docs/COMPARE.md documents every
//! rule; this module does no IO.
//!
//! Choices:
//!
//! - Models align by id: hypotheses, items, sources, reports (within an
//!   item), dependencies. What is in some models only, or has the same id
//!   and a different claim or title, is listed.
//! - Posteriors are compared over the hypotheses every model has (the
//!   shared set): each model's posterior is conditioned on the shared set
//!   (renormalised over it). With no shared hypothesis there is nothing to
//!   compare ([`CompareError::NoSharedHypothesis`], a usage error).
//! - A crux adopts one parameter's value from a donor model into a
//!   receiver and recomputes the receiver's posterior. An item the receiver
//!   lacks is added to it (translated by ids; its sources too); an item the
//!   donor lacks is disabled in the receiver. Priors are cruxes only when
//!   every model has the same hypotheses (otherwise they are not the same
//!   numbers). Cruxes are ranked by their effect on the ranking hypothesis:
//!   the linear pool's leader.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Deref;

use crate::model::overrides;
use crate::model::{
    Estimate, Item, ItemId, Model, Override, Probability, Reliability, Report, ReportId, SourceId,
};
use crate::network::incremental;
use crate::network::{Factor, Incremental, InferError};

use super::ach::{self, Rating};
use super::judgement::{self, BottomLine};
use super::{Analysis, AnalysisError, budget};

/// A consensus cell is disputed when its disagreement (the sample standard
/// deviation of the ratings on the five-point scale) is at least one step.
pub const DISPUTED: f64 = 1.0;

/// Why models could not be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    /// The models have no hypothesis id in common: a usage error.
    #[error("the models share no hypothesis id, so their posteriors answer different questions")]
    NoSharedHypothesis,
    /// One model could not be analysed (impossible evidence, too large).
    #[error("{model}: {error}")]
    Analysis {
        /// The model's name.
        model: String,
        /// What went wrong.
        error: AnalysisError,
    },
    /// The crux computations are over the work budget.
    #[error(transparent)]
    OverBudget(#[from] budget::OverBudget),
}

/// Names for the models: each file's stem (the title where the stem is
/// empty), made unique by appending `-2`, `-3`, ... in order.
pub fn unique_names(stems: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(stems.len());
    for stem in stems {
        let mut name = stem.clone();
        let mut n = 2;
        while out.contains(&name) {
            name = format!("{stem}-{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

/// Something that does not align across the models.
#[derive(Clone, Debug, PartialEq)]
pub struct Misaligned {
    /// `hypothesis`, `item`, `source`, `report` or `dependency`.
    pub kind: &'static str,
    /// The id (`item/report` for a report).
    pub id: String,
    /// The models that have it, by index.
    pub present_in: Vec<usize>,
    /// Per model, what it says under this id (title, claim, or a report's
    /// source and link), when the models that have it say different things;
    /// empty otherwise.
    pub differs: Vec<Option<String>>,
}

/// Every id the models share and every one they do not.
#[derive(Clone, Debug, Default)]
pub struct Alignment {
    /// Hypothesis ids every model has, in the first model's order.
    pub shared_hypotheses: Vec<String>,
    /// Whether every model has exactly the shared hypotheses.
    pub same_hypotheses: bool,
    /// What is in some models only, or differs under one id.
    pub misaligned: Vec<Misaligned>,
    /// Aligned counts: items, sources, reports present in every model.
    pub shared_items: usize,
    /// Sources present in every model.
    pub shared_sources: usize,
}

/// One model's own results.
#[derive(Clone, Debug)]
pub struct ModelResult {
    /// Its name in the comparison.
    pub name: String,
    /// Its analysis (posterior over its own hypotheses, items...).
    pub analysis: Analysis,
    /// Its posterior conditioned on the shared hypotheses, in shared order.
    pub shared_posterior: Vec<f64>,
    /// Its bottom line; `None` when the robustness checks failed (the
    /// reason beside).
    pub bottom_line: Result<BottomLine, AnalysisError>,
}

/// One adoption: a receiver model takes a donor's value of a parameter.
#[derive(Clone, Debug)]
pub struct Adoption {
    /// The receiver, by index.
    pub model: usize,
    /// The donor, by index.
    pub from: usize,
    /// The receiver's posterior over the shared hypotheses after adopting
    /// the value, or why there is none (the evidence becomes impossible).
    pub posterior: Result<Vec<f64>, InferError>,
    /// Change in the ranking hypothesis's posterior (0 with no posterior).
    pub change: f64,
}

/// A parameter on which the models differ, and what each adoption does.
#[derive(Clone, Debug)]
pub struct Crux {
    /// The parameter's path, as `whatif --set` writes it (`evidence.E` for
    /// an item present in some models only, `evidence.E.reports` for an
    /// item whose reports differ in structure).
    pub path: String,
    /// In words: "us_intelligence's reliability".
    pub label: String,
    /// Per model, the value as written (with the point used where it is
    /// an interval or a word); `None` where the model lacks the parameter.
    pub values: Vec<Option<String>>,
    /// Per model, the point value inference uses, where it is one number.
    pub points: Vec<Option<f64>>,
    /// Every adoption computed, receiver by receiver.
    pub adoptions: Vec<Adoption>,
    /// The change of largest magnitude on the ranking hypothesis (signed).
    pub effect: f64,
}

/// What no adoption could carry over, with why.
#[derive(Clone, Debug, PartialEq)]
pub struct NotAdopted {
    /// The parameter's path.
    pub path: String,
    /// The receiver.
    pub model: usize,
    /// The donor.
    pub from: usize,
    /// Why.
    pub reason: String,
}

/// One cell of the ACH consensus: an item against a shared hypothesis.
#[derive(Clone, Debug)]
pub struct ConsensusCell {
    /// The item's id.
    pub item: String,
    /// The hypothesis's index in the shared set.
    pub hypothesis: usize,
    /// Per model, its rating; `None` (N/A) where the item is absent or
    /// disabled.
    pub ratings: Vec<Option<Rating>>,
    /// Open Synthesis's consensus: N/A when more models lack the item than
    /// rate it, else the mean rating rounded (a half toward N).
    pub consensus: Option<Rating>,
    /// The larger of the sample standard deviations of the ratings (CC 5
    /// to II 1) and of rated-or-not (1 or 0).
    pub disagreement: f64,
    /// `disagreement >= DISPUTED`.
    pub disputed: bool,
}

/// The whole comparison.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Model names, in the order given.
    pub names: Vec<String>,
    /// What aligns.
    pub alignment: Alignment,
    /// Per model.
    pub models: Vec<ModelResult>,
    /// The mean of the shared posteriors.
    pub linear_pool: Vec<f64>,
    /// The normalised geometric mean of the shared posteriors; `None` when
    /// every hypothesis is ruled out by some model.
    pub logarithmic_pool: Option<Vec<f64>>,
    /// Per shared hypothesis: (min, max) over the models.
    pub spread: Vec<(f64, f64)>,
    /// The linear pool's leader, index in the shared set: cruxes are ranked
    /// by their effect on it.
    pub ranking: usize,
    /// Largest effect first (then path).
    pub cruxes: Vec<Crux>,
    /// Adoptions that could not be made.
    pub not_adopted: Vec<NotAdopted>,
    /// Items in any model (first appearance order) × shared hypotheses.
    pub consensus: Vec<ConsensusCell>,
}

/// Compare models (`names[k]` names `models[k]`; at least one).
pub fn compare(names: &[String], models: &[&Model]) -> Result<Comparison, CompareError> {
    let indexed: Vec<Indexed> = models
        .iter()
        .map(|m| Indexed::new(Cow::Borrowed(*m)))
        .collect();
    let alignment = align(&indexed);
    if alignment.shared_hypotheses.is_empty() {
        return Err(CompareError::NoSharedHypothesis);
    }
    let shared = &alignment.shared_hypotheses;
    let fail = |k: usize| {
        let model = names[k].clone();
        move |error: AnalysisError| CompareError::Analysis { model, error }
    };
    let mut results = Vec::with_capacity(models.len());
    for (k, m) in models.iter().enumerate() {
        let analysis = super::analyse(m).map_err(fail(k))?;
        let own: Vec<f64> = analysis.hypotheses.iter().map(|h| h.posterior).collect();
        let bottom_line = judgement::bottom_line(m, &analysis);
        results.push(ModelResult {
            name: names[k].clone(),
            shared_posterior: restrict(m, shared, &own),
            analysis,
            bottom_line,
        });
    }
    let columns: Vec<&[f64]> = results
        .iter()
        .map(|r| r.shared_posterior.as_slice())
        .collect();
    let linear_pool = linear_pool(&columns);
    let logarithmic_pool = logarithmic_pool(&columns);
    let spread = (0..shared.len())
        .map(|h| {
            let values = columns.iter().map(|c| c[h]);
            (
                values.clone().fold(f64::INFINITY, f64::min),
                values.fold(f64::NEG_INFINITY, f64::max),
            )
        })
        .collect();
    let ranking = super::leader(&linear_pool).0;
    let (cruxes, not_adopted) = cruxes(&indexed, names, &alignment, ranking)?;
    let consensus = consensus(&indexed, &results, &alignment)?;
    Ok(Comparison {
        names: names.to_vec(),
        alignment,
        models: results,
        linear_pool,
        logarithmic_pool,
        spread,
        ranking,
        cruxes,
        not_adopted,
        consensus,
    })
}

/// A model with its item and source ids indexed: a lookup by id is
/// otherwise a scan, and the comparison looks up every id of a 1,000-item
/// model in each of the others. Its `item` and `source` shadow the
/// model's own.
struct Indexed<'m> {
    model: Cow<'m, Model>,
    item_ids: BTreeMap<String, ItemId>,
    source_ids: BTreeMap<String, SourceId>,
}

impl<'m> Indexed<'m> {
    fn new(model: Cow<'m, Model>) -> Indexed<'m> {
        let mut items = BTreeMap::new();
        for (i, item) in model.items.iter().enumerate() {
            items.entry(item.id.clone()).or_insert(ItemId(i));
        }
        let mut sources = BTreeMap::new();
        for (i, source) in model.sources.iter().enumerate() {
            sources.entry(source.id.clone()).or_insert(SourceId(i));
        }
        Indexed {
            model,
            item_ids: items,
            source_ids: sources,
        }
    }

    fn item(&self, id: &str) -> Option<ItemId> {
        self.item_ids.get(id).copied()
    }

    fn source(&self, id: &str) -> Option<SourceId> {
        self.source_ids.get(id).copied()
    }
}

impl Deref for Indexed<'_> {
    type Target = Model;

    fn deref(&self) -> &Model {
        &self.model
    }
}

/// The mean of the columns, each entry summed in ascending order so that
/// the order of the models cannot change a bit of it.
pub fn linear_pool(columns: &[&[f64]]) -> Vec<f64> {
    let k = columns.first().map_or(0, |c| c.len());
    (0..k)
        .map(|h| sorted_sum(columns.iter().map(|c| c[h])) / columns.len() as f64)
        .collect()
}

/// The normalised geometric mean of the columns (sums of logs in ascending
/// order, as [`linear_pool`]); `None` when every entry is ruled out by some
/// column.
pub fn logarithmic_pool(columns: &[&[f64]]) -> Option<Vec<f64>> {
    let k = columns.first().map_or(0, |c| c.len());
    let logs: Vec<f64> = (0..k)
        .map(|h| {
            if columns.iter().any(|c| c[h] <= 0.0) {
                f64::NEG_INFINITY
            } else {
                sorted_sum(columns.iter().map(|c| c[h].ln())) / columns.len() as f64
            }
        })
        .collect();
    let total = super::log_sum_exp(logs.iter().copied());
    (total > f64::NEG_INFINITY).then(|| logs.iter().map(|l| (l - total).exp()).collect())
}

fn sorted_sum(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v.iter().sum()
}

/// A posterior over the model's own hypotheses, conditioned on the shared
/// ones (renormalised over them), in shared order.
fn restrict(model: &Model, shared: &[String], posterior: &[f64]) -> Vec<f64> {
    let picked: Vec<f64> = shared
        .iter()
        .map(|id| model.hypothesis(id).map_or(0.0, |h| posterior[h.0]))
        .collect();
    let total: f64 = picked.iter().sum();
    if total > 0.0 {
        picked.iter().map(|p| p / total).collect()
    } else {
        picked
    }
}

/// Ids in first-appearance order over the models, with the models having
/// each.
fn union<'m, M: Deref<Target = Model> + 'm>(
    models: &'m [M],
    ids: impl Fn(&'m Model) -> Vec<&'m str>,
) -> Vec<(&'m str, Vec<usize>)> {
    let mut order: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, m) in models.iter().enumerate() {
        for id in ids(m) {
            match index.get(id) {
                Some(&at) => {
                    if order[at].1.last() != Some(&k) {
                        order[at].1.push(k);
                    }
                }
                None => {
                    index.insert(id, order.len());
                    order.push((id, vec![k]));
                }
            }
        }
    }
    order
}

/// Per model, a description when the models that have the id say
/// different things (empty when they agree).
fn differing(models: usize, said: Vec<(usize, String)>) -> Vec<Option<String>> {
    let first = said.first().map(|s| s.1.trim().to_string());
    if said
        .iter()
        .all(|(_, s)| Some(s.trim().to_string()) == first)
    {
        return Vec::new();
    }
    let mut out = vec![None; models];
    for (k, s) in said {
        out[k] = Some(s);
    }
    out
}

/// A report's shape: its source, whether it asserts, and what it relays.
fn report_shape(model: &Model, item: &Item, r: &Report) -> String {
    let mut s = format!("source {}", model.sources[r.source.0].id);
    if !r.asserts {
        s.push_str(", denies");
    }
    if let Some(link) = &r.via {
        s.push_str(&format!(", via {}", item.reports[link.parent.0].id));
    }
    s
}

/// An item's reports in short: how many, how many origins, and each relay
/// or denial.
fn reports_text(m: &Model, item: &Item) -> String {
    if item.reports.is_empty() {
        return "none (established)".to_string();
    }
    let origins = item.origins().independent.len();
    let mut text = format!(
        "{} report{}, {} origin{}",
        item.reports.len(),
        if item.reports.len() == 1 { "" } else { "s" },
        origins,
        if origins == 1 { "" } else { "s" }
    );
    let details: Vec<String> = item
        .reports
        .iter()
        .filter_map(|r| {
            let source = &m.sources[r.source.0].id;
            let name = if &r.id == source {
                r.id.clone()
            } else {
                format!("{} ({source})", r.id)
            };
            let denies = if r.asserts { "" } else { ", denies" };
            match &r.via {
                Some(link) => Some(format!(
                    "{name} via {}{denies}",
                    item.reports[link.parent.0].id
                )),
                None if !r.asserts => Some(format!("{name} denies")),
                None => None,
            }
        })
        .collect();
    // The key compares every report; the text shows the first few links.
    const SHOWN: usize = 4;
    if !details.is_empty() {
        text.push_str(": ");
        text.push_str(&details[..details.len().min(SHOWN)].join(", "));
        if details.len() > SHOWN {
            text.push_str(&format!(" and {} more", details.len() - SHOWN));
        }
    }
    text
}

/// Align the models by id.
fn align(models: &[Indexed<'_>]) -> Alignment {
    let n = models.len();
    let mut out = Alignment::default();
    let mut note = |kind, id: String, present_in: Vec<usize>, differs| {
        out.misaligned.push(Misaligned {
            kind,
            id,
            present_in,
            differs,
        })
    };
    let hypotheses = union(models, |m| {
        m.hypotheses.iter().map(|h| h.id.as_str()).collect()
    });
    let mut shared_hypotheses = Vec::new();
    for (id, present) in &hypotheses {
        let said = present
            .iter()
            .filter_map(|&k| {
                let h = models[k].hypothesis(id)?;
                Some((k, models[k].hypotheses[h.0].title.clone()))
            })
            .collect();
        let differs = differing(n, said);
        if present.len() == n {
            shared_hypotheses.push(id.to_string());
        }
        if present.len() < n || !differs.is_empty() {
            note("hypothesis", id.to_string(), present.clone(), differs);
        }
    }
    let same_hypotheses = models
        .iter()
        .all(|m| m.hypotheses.len() == shared_hypotheses.len());
    let sources = union(models, |m| {
        m.sources.iter().map(|s| s.id.as_str()).collect()
    });
    let mut shared_sources = 0;
    for (id, present) in &sources {
        let said = present
            .iter()
            .filter_map(|&k| {
                let s = models[k].source(id)?;
                Some((k, models[k].sources[s.0].title.clone()))
            })
            .collect();
        let differs = differing(n, said);
        shared_sources += usize::from(present.len() == n);
        if present.len() < n || !differs.is_empty() {
            note("source", id.to_string(), present.clone(), differs);
        }
    }
    let items = union(models, |m| m.items.iter().map(|i| i.id.as_str()).collect());
    let mut shared_items = 0;
    for (id, present) in &items {
        let found: Vec<(usize, &Item)> = present
            .iter()
            .filter_map(|&k| models[k].item(id).map(|i| (k, &models[k].items[i.0])))
            .collect();
        let said = found.iter().map(|(k, i)| (*k, i.claim.clone())).collect();
        let differs = differing(n, said);
        shared_items += usize::from(present.len() == n);
        if present.len() < n || !differs.is_empty() {
            note("item", id.to_string(), present.clone(), differs);
        }
        if found.len() < 2 {
            continue;
        }
        // Reports align within an item the models share.
        let holders: Vec<&Model> = found.iter().map(|(k, _)| &*models[*k]).collect();
        let reports = union(&holders, |m| {
            m.items
                .iter()
                .find(|x| x.id == *id)
                .map(|i| i.reports.iter().map(|r| r.id.as_str()).collect())
                .unwrap_or_default()
        });
        for (rid, local) in reports {
            let holders: Vec<usize> = local.iter().map(|&j| found[j].0).collect();
            let said = local
                .iter()
                .filter_map(|&j| {
                    let (k, item) = found[j];
                    let r = item.reports.iter().find(|r| r.id == rid)?;
                    Some((k, report_shape(&models[k], item, r)))
                })
                .collect();
            let differs = differing(n, said);
            if holders.len() < found.len() || !differs.is_empty() {
                note("report", format!("{id}/{rid}"), holders, differs);
            }
        }
    }
    let dependencies = union(models, |m| {
        m.dependencies
            .iter()
            .filter_map(|d| d.id.as_deref())
            .collect()
    });
    for (id, present) in &dependencies {
        let said = present
            .iter()
            .filter_map(|&k| {
                let m = &models[k];
                let d = m
                    .dependencies
                    .iter()
                    .find(|d| d.id.as_deref() == Some(id))?;
                let ids: Vec<&str> = d
                    .sources
                    .iter()
                    .map(|s| m.sources[s.0].id.as_str())
                    .collect();
                Some((k, ids.join(", ")))
            })
            .collect();
        let differs = differing(n, said);
        if present.len() < n || !differs.is_empty() {
            note("dependency", id.to_string(), present.clone(), differs);
        }
    }
    out.shared_hypotheses = shared_hypotheses;
    out.same_hypotheses = same_hypotheses;
    out.shared_items = shared_items;
    out.shared_sources = shared_sources;
    out
}

/// A number as written, exactly enough to tell two apart.
fn number(x: f64) -> String {
    format!("{x}")
}

/// An estimate as an analyst wrote it, with the point inference uses where
/// that is not the number written.
pub fn estimate_text(e: &Estimate) -> String {
    match (&e.label, e.range) {
        (Some(label), _) => format!("{label} ({})", number(e.point.get())),
        (None, Some(r)) if r.width() > 0.0 => format!(
            "{}-{} ({})",
            number(r.low().get()),
            number(r.high().get()),
            number(e.point.get())
        ),
        _ => number(e.point.get()),
    }
}

/// What makes two estimates the same number: the point and the range.
fn estimate_key(e: &Estimate) -> String {
    let (lo, hi) = e.range.map_or((e.point.get(), e.point.get()), |r| {
        (r.low().get(), r.high().get())
    });
    format!("{:?}/{lo:?}/{hi:?}", e.point.get())
}

fn reliability_text(r: &Reliability) -> String {
    match r {
        Reliability::Accuracy(e) => estimate_text(e),
        Reliability::Credibility { hit, false_alarm } => format!(
            "{{ hit = {}, false_alarm = {} }}",
            estimate_text(hit),
            estimate_text(false_alarm)
        ),
    }
}

fn reliability_key(r: &Reliability) -> String {
    match r {
        Reliability::Accuracy(e) => format!("r{}", estimate_key(e)),
        Reliability::Credibility { hit, false_alarm } => {
            format!("c{}/{}", estimate_key(hit), estimate_key(false_alarm))
        }
    }
}

fn reliability_point(r: &Reliability) -> Option<f64> {
    match r {
        Reliability::Accuracy(e) => Some(e.point.get()),
        Reliability::Credibility { .. } => None,
    }
}

/// One parameter a model may have.
#[derive(Clone, Debug, PartialEq)]
enum Param {
    Prior(String),
    SourceReliability(String),
    SourceBias(String),
    DependencyStrength(String),
    Presence(String),
    Enabled(String),
    Likelihood(String, String),
    Reports(String),
    ReportReliability(String, String),
    ReportBias(String, String),
    ReportObserved(String, String),
    ReportStrength(String, String),
}

impl Param {
    fn path(&self) -> String {
        match self {
            Param::Prior(h) => format!("hypotheses.{h}.prior"),
            Param::SourceReliability(s) => format!("sources.{s}.reliability"),
            Param::SourceBias(s) => format!("sources.{s}.bias"),
            Param::DependencyStrength(d) => format!("dependencies.{d}.strength"),
            Param::Presence(i) => format!("evidence.{i}"),
            Param::Enabled(i) => format!("evidence.{i}.enabled"),
            Param::Likelihood(i, h) => format!("evidence.{i}.likelihood.{h}"),
            Param::Reports(i) => format!("evidence.{i}.reports"),
            Param::ReportReliability(i, r) => format!("evidence.{i}.reports.{r}.reliability"),
            Param::ReportBias(i, r) => format!("evidence.{i}.reports.{r}.bias"),
            Param::ReportObserved(i, r) => format!("evidence.{i}.reports.{r}.observed"),
            Param::ReportStrength(i, r) => format!("evidence.{i}.reports.{r}.strength"),
        }
    }

    fn label(&self) -> String {
        match self {
            Param::Prior(h) => format!("the prior of {h}"),
            Param::SourceReliability(s) => format!("{s}'s reliability"),
            Param::SourceBias(s) => format!("{s}'s bias"),
            Param::DependencyStrength(d) => format!("the strength of dependency {d}"),
            Param::Presence(i) => format!("whether {i} is evidence"),
            Param::Enabled(i) => format!("whether {i} is enabled"),
            Param::Likelihood(i, h) => format!("P({i} | {h})"),
            Param::Reports(i) => format!("who reports {i}, and through whom"),
            Param::ReportReliability(i, r) => format!("the reliability of {r}'s report of {i}"),
            Param::ReportBias(i, r) => format!("the bias of {r}'s report of {i}"),
            Param::ReportObserved(i, r) => format!("whether {r}'s report of {i} is observed"),
            Param::ReportStrength(i, r) => format!("the strength of {r}'s relay of {i}"),
        }
    }

    /// The model's value: (equality key, text, point); `None` where the
    /// model lacks the parameter.
    fn value(&self, m: &Indexed) -> Option<(String, String, Option<f64>)> {
        let item = |i: &str| m.item(i).map(|x| &m.items[x.0]);
        let report = |i: &str, r: &str| item(i).and_then(|x| x.reports.iter().find(|p| p.id == r));
        match self {
            Param::Prior(h) => {
                let hyp = &m.hypotheses[m.hypothesis(h)?.0];
                let p = hyp.prior.get();
                let text = match &hyp.prior_written {
                    Some(e) if e.point.get() != p => {
                        format!("{} (normalised {})", estimate_text(e), number(p))
                    }
                    Some(e) => estimate_text(e),
                    None => format!("uniform ({})", number(p)),
                };
                Some((format!("{p:?}"), text, Some(p)))
            }
            Param::SourceReliability(s) => {
                let r = &m.sources[m.source(s)?.0].reliability;
                Some((
                    reliability_key(r),
                    reliability_text(r),
                    reliability_point(r),
                ))
            }
            Param::SourceBias(s) => {
                let src = &m.sources[m.source(s)?.0];
                let e = src
                    .bias
                    .clone()
                    .unwrap_or_else(|| Estimate::exact(Probability::HALF));
                let text = match &src.bias {
                    Some(b) => estimate_text(b),
                    None => "0.5 (unwritten)".to_string(),
                };
                Some((estimate_key(&e), text, Some(e.point.get())))
            }
            Param::DependencyStrength(d) => {
                let dep = m.dependencies.iter().find(|x| x.id.as_deref() == Some(d))?;
                let s = dep.strength.get();
                Some((format!("{s:?}"), number(s), Some(s)))
            }
            Param::Presence(i) => Some(match item(i) {
                Some(x) if x.enabled => ("1".into(), "present".into(), None),
                Some(_) => ("0".into(), "present, disabled".into(), None),
                None => ("0".into(), "absent".into(), None),
            }),
            Param::Enabled(i) => {
                let on = item(i)?.enabled;
                Some((on.to_string(), on.to_string(), None))
            }
            Param::Likelihood(i, h) => {
                let e = &item(i)?.likelihood[m.hypothesis(h)?.0];
                Some((estimate_key(e), estimate_text(e), Some(e.point.get())))
            }
            Param::Reports(i) => {
                let x = item(i)?;
                let key: Vec<String> = x
                    .reports
                    .iter()
                    .map(|r| format!("{}: {}", r.id, report_shape(m, x, r)))
                    .collect();
                Some((key.join("; "), reports_text(m, x), None))
            }
            Param::ReportReliability(i, r) => {
                let p = report(i, r)?;
                Some(match &p.reliability {
                    Some(x) => (
                        reliability_key(x),
                        reliability_text(x),
                        reliability_point(x),
                    ),
                    None => ("-".into(), "the source's".into(), None),
                })
            }
            Param::ReportBias(i, r) => {
                let p = report(i, r)?;
                Some(match &p.bias {
                    Some(b) => (estimate_key(b), estimate_text(b), Some(b.point.get())),
                    None => ("-".into(), "the source's".into(), None),
                })
            }
            Param::ReportObserved(i, r) => {
                let o = report(i, r)?.observed;
                Some((o.to_string(), o.to_string(), None))
            }
            Param::ReportStrength(i, r) => {
                let link = report(i, r)?.via.as_ref()?;
                let s = link.strength.get();
                Some((format!("{s:?}"), number(s), Some(s)))
            }
        }
    }
}

/// Every parameter some model has that could differ, in a fixed order:
/// priors, sources, dependencies, then item by item.
fn parameters(models: &[Indexed], alignment: &Alignment) -> Vec<Param> {
    let mut out = Vec::new();
    if alignment.same_hypotheses {
        out.extend(
            alignment
                .shared_hypotheses
                .iter()
                .cloned()
                .map(Param::Prior),
        );
    }
    for (id, _) in union(models, |m| {
        m.sources.iter().map(|s| s.id.as_str()).collect()
    }) {
        out.push(Param::SourceReliability(id.to_string()));
        out.push(Param::SourceBias(id.to_string()));
    }
    for (id, _) in union(models, |m| {
        m.dependencies
            .iter()
            .filter_map(|d| d.id.as_deref())
            .collect()
    }) {
        out.push(Param::DependencyStrength(id.to_string()));
    }
    for (id, present) in union(models, |m| m.items.iter().map(|i| i.id.as_str()).collect()) {
        if present.len() < models.len() {
            out.push(Param::Presence(id.to_string()));
        }
        if present.len() < 2 {
            continue;
        }
        out.push(Param::Enabled(id.to_string()));
        for h in &alignment.shared_hypotheses {
            out.push(Param::Likelihood(id.to_string(), h.clone()));
        }
        let holders: Vec<&Item> = present
            .iter()
            .filter_map(|&k| models[k].item(id).map(|i| &models[k].items[i.0]))
            .collect();
        let structure = Param::Reports(id.to_string());
        let shapes: Vec<Option<String>> = present
            .iter()
            .map(|&k| structure.value(&models[k]).map(|v| v.0))
            .collect();
        if shapes.windows(2).any(|w| w[0] != w[1]) {
            out.push(structure);
            continue;
        }
        for r in &holders[0].reports {
            let (i, r) = (id.to_string(), r.id.clone());
            out.push(Param::ReportReliability(i.clone(), r.clone()));
            out.push(Param::ReportBias(i.clone(), r.clone()));
            out.push(Param::ReportObserved(i.clone(), r.clone()));
            out.push(Param::ReportStrength(i, r));
        }
    }
    out
}

/// How a receiver takes a donor's value.
enum Change {
    /// Overrides, and the overrides that put the receiver back.
    Overrides(Vec<Override>, Vec<Override>),
    /// Replace one item of the receiver (its id there) by this one.
    Item(ItemId, Box<Item>),
}

/// A receiver model with every item and source the others have added (the
/// items disabled), so that adopting an item is enabling it.
struct Receiver {
    model: Indexed<'static>,
    /// (item id, donor) -> the donor's version of an item the receiver
    /// lacks, added to `model`.
    added: BTreeMap<(String, usize), ItemId>,
    /// Why an item could not be added, per (item id, donor).
    refused: BTreeMap<(String, usize), String>,
}

/// A donor's item in the receiver's terms: hypotheses, sources and
/// dependencies matched by id. `Err` names what the receiver has and the
/// donor's item does not.
fn translate(receiver: &Indexed, donor: &Model, item: &Item) -> Result<Item, String> {
    let likelihood = receiver
        .hypotheses
        .iter()
        .map(|h| {
            donor
                .hypothesis(&h.id)
                .map(|d| item.likelihood[d.0].clone())
                .ok_or_else(|| format!("it gives no likelihood for hypothesis {}", h.id))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let reports = item
        .reports
        .iter()
        .map(|r| {
            let id = &donor.sources[r.source.0].id;
            let source = receiver
                .source(id)
                .ok_or_else(|| format!("source {id} is missing"))?;
            let mut out = r.clone();
            out.source = source;
            if let Some(link) = &mut out.via {
                link.dependency = link.dependency.and_then(|d| {
                    let name = donor.dependencies[d.0].id.as_deref()?;
                    receiver
                        .dependencies
                        .iter()
                        .position(|x| x.id.as_deref() == Some(name))
                        .map(crate::model::DependencyId)
                });
            }
            Ok(out)
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Item {
        likelihood,
        reports,
        ..item.clone()
    })
}

fn receiver(models: &[Indexed], k: usize) -> Receiver {
    let mut with_sources = models[k].model.clone().into_owned();
    for donor in models {
        for s in &donor.sources {
            if models[k].source(&s.id).is_none()
                && !with_sources.sources[models[k].sources.len()..]
                    .iter()
                    .any(|x| x.id == s.id)
            {
                with_sources.sources.push(s.clone());
            }
        }
    }
    let mut model = Indexed::new(Cow::Owned(with_sources));
    let mut added = BTreeMap::new();
    let mut refused = BTreeMap::new();
    for (d, donor) in models.iter().enumerate() {
        if d == k {
            continue;
        }
        for item in &donor.items {
            if models[k].item(&item.id).is_some() {
                continue;
            }
            match translate(&model, donor, item) {
                Ok(mut x) => {
                    x.enabled = false;
                    added.insert((item.id.clone(), d), ItemId(model.items.len()));
                    model.model.to_mut().items.push(x);
                }
                Err(why) => {
                    refused.insert((item.id.clone(), d), why);
                }
            }
        }
    }
    Receiver {
        model,
        added,
        refused,
    }
}

/// How receiver `r` (model `k`) takes donor `d`'s value of `param`; `Err`
/// says why it cannot.
fn change(
    param: &Param,
    r: &Receiver,
    k: usize,
    models: &[Indexed],
    d: usize,
) -> Result<Change, String> {
    let m = &r.model;
    let donor = &models[d];
    let missing = || "the receiver lacks it".to_string();
    let item_of = |i: &str| m.item(i).ok_or_else(missing);
    let report_of = |i: ItemId, rid: &str| {
        m.items[i.0]
            .reports
            .iter()
            .position(|x| x.id == rid)
            .map(ReportId)
            .ok_or_else(missing)
    };
    let donor_item = |i: &str| {
        donor
            .item(i)
            .map(|x| &donor.items[x.0])
            .ok_or_else(|| "the donor lacks it".to_string())
    };
    let donor_report = |i: &str, rid: &str| {
        donor_item(i)?
            .reports
            .iter()
            .find(|x| x.id == rid)
            .ok_or_else(|| "the donor lacks it".to_string())
    };
    let overrides = |to: Override, back: Override| Ok(Change::Overrides(vec![to], vec![back]));
    match param {
        Param::Prior(h) => {
            let at = m.hypothesis(h).ok_or_else(missing)?;
            let p = donor.hypotheses[donor.hypothesis(h).ok_or_else(missing)?.0].prior;
            overrides(
                Override::Prior(at, p),
                Override::Prior(at, m.hypotheses[at.0].prior),
            )
        }
        Param::SourceReliability(s) => {
            let at = m.source(s).ok_or_else(missing)?;
            let value = donor.sources[donor.source(s).ok_or_else(missing)?.0]
                .reliability
                .clone();
            overrides(
                Override::SourceReliability(at, value),
                Override::SourceReliability(at, m.sources[at.0].reliability.clone()),
            )
        }
        Param::SourceBias(s) => {
            let at = m.source(s).ok_or_else(missing)?;
            let value = donor.sources[donor.source(s).ok_or_else(missing)?.0]
                .bias
                .clone()
                .unwrap_or_else(|| Estimate::exact(Probability::HALF));
            let back = m.sources[at.0]
                .bias
                .clone()
                .unwrap_or_else(|| Estimate::exact(Probability::HALF));
            overrides(
                Override::SourceBias(at, value),
                Override::SourceBias(at, back),
            )
        }
        Param::DependencyStrength(name) => {
            let find = |x: &Model| {
                x.dependencies
                    .iter()
                    .position(|dep| dep.id.as_deref() == Some(name))
            };
            let at = find(m).ok_or_else(missing)?;
            let value = donor.dependencies[find(donor).ok_or_else(missing)?].strength;
            let id = crate::model::DependencyId(at);
            overrides(
                Override::DependencyStrength(id, value),
                Override::DependencyStrength(id, m.dependencies[at].strength),
            )
        }
        Param::Presence(i) => {
            if models[k].item(i).is_some() {
                // The donor lacks it: the receiver leaves it out.
                let at = item_of(i)?;
                overrides(
                    Override::ItemEnabled(at, false),
                    Override::ItemEnabled(at, m.items[at.0].enabled),
                )
            } else {
                let key = (i.clone(), d);
                if let Some(why) = r.refused.get(&key) {
                    return Err(format!("cannot add the donor's item: {why}"));
                }
                let at = *r.added.get(&key).ok_or_else(missing)?;
                overrides(
                    Override::ItemEnabled(at, true),
                    Override::ItemEnabled(at, false),
                )
            }
        }
        Param::Enabled(i) => {
            let at = item_of(i)?;
            overrides(
                Override::ItemEnabled(at, donor_item(i)?.enabled),
                Override::ItemEnabled(at, m.items[at.0].enabled),
            )
        }
        Param::Likelihood(i, h) => {
            let at = item_of(i)?;
            let hyp = m.hypothesis(h).ok_or_else(missing)?;
            let dh = donor.hypothesis(h).ok_or_else(missing)?;
            overrides(
                Override::Likelihood(at, hyp, donor_item(i)?.likelihood[dh.0].clone()),
                Override::Likelihood(at, hyp, m.items[at.0].likelihood[hyp.0].clone()),
            )
        }
        Param::Reports(i) => {
            let at = item_of(i)?;
            let theirs = translate(m, donor, donor_item(i)?)?;
            let mut item = m.items[at.0].clone();
            item.reports = theirs.reports;
            Ok(Change::Item(at, Box::new(item)))
        }
        Param::ReportReliability(i, rid) => {
            let at = item_of(i)?;
            let rep = report_of(at, rid)?;
            let value = donor_report(i, rid)?.reliability.clone();
            match (value, &m.items[at.0].reports[rep.0].reliability) {
                (Some(v), Some(mine)) => overrides(
                    Override::ReportReliability(at, rep, v),
                    Override::ReportReliability(at, rep, mine.clone()),
                ),
                (value, _) => {
                    let mut item = m.items[at.0].clone();
                    item.reports[rep.0].reliability = value;
                    Ok(Change::Item(at, Box::new(item)))
                }
            }
        }
        Param::ReportBias(i, rid) => {
            let at = item_of(i)?;
            let rep = report_of(at, rid)?;
            let value = donor_report(i, rid)?.bias.clone();
            match (value, &m.items[at.0].reports[rep.0].bias) {
                (Some(v), Some(mine)) => overrides(
                    Override::ReportBias(at, rep, v),
                    Override::ReportBias(at, rep, mine.clone()),
                ),
                (value, _) => {
                    let mut item = m.items[at.0].clone();
                    item.reports[rep.0].bias = value;
                    Ok(Change::Item(at, Box::new(item)))
                }
            }
        }
        Param::ReportObserved(i, rid) => {
            let at = item_of(i)?;
            let rep = report_of(at, rid)?;
            overrides(
                Override::ReportObserved(at, rep, donor_report(i, rid)?.observed),
                Override::ReportObserved(at, rep, m.items[at.0].reports[rep.0].observed),
            )
        }
        Param::ReportStrength(i, rid) => {
            let at = item_of(i)?;
            let rep = report_of(at, rid)?;
            let theirs = donor_report(i, rid)?.via.as_ref().ok_or_else(missing)?;
            let mine = m.items[at.0].reports[rep.0]
                .via
                .as_ref()
                .ok_or_else(missing)?;
            overrides(
                Override::ReportStrength(at, rep, theirs.strength),
                Override::ReportStrength(at, rep, mine.strength),
            )
        }
    }
}

/// What [`swap_items`] keeps per receiver: a copy of its model to change
/// one item of, the sources it makes latent, and the joint posteriors of H
/// and some latent reliabilities (per set of sources) as it stands.
struct SwapState {
    scratch: Model,
    latent: Vec<SourceId>,
    marginals: BTreeMap<Vec<SourceId>, Factor>,
}

/// One item's change: overrides and their undo, or a new version of it.
#[derive(Clone, Copy)]
enum Edit<'a> {
    Overrides(&'a [Override], &'a [Override]),
    Item(ItemId, &'a Item),
}

/// The receiver's posterior with the items `edit` touches changed (on the
/// state's copy of the engine's model, then undone): their factors
/// swapped in the joint posterior of H and the latent reliability they
/// use, P'(h) ∝ Σ_q M(h, q) Π_i F'_i(h, q) / F_i(h, q). Exact, since items
/// are independent given H and the latent reliabilities; `None` where it
/// does not apply (a prior, a factor with a zero, a reliability the model
/// does not make latent, more than one latent source among the items), and
/// the caller recombines the model instead.
fn swap_items(
    engine: &Incremental,
    state: &mut SwapState,
    edit: Edit<'_>,
) -> Option<Result<Vec<f64>, InferError>> {
    let scratch = &mut state.scratch;
    let (items, new) = match edit {
        Edit::Overrides(to, back) => {
            if to.iter().any(|o| matches!(o, Override::Prior(..))) {
                return None;
            }
            let mut items: Vec<ItemId> = to
                .iter()
                .flat_map(|o| incremental::touched(scratch, o).items)
                .collect();
            items.sort_unstable();
            items.dedup();
            overrides::apply_in_place(scratch, to);
            let new: Result<Vec<_>, _> = items
                .iter()
                .map(|&i| incremental::item_factor(scratch, i))
                .collect();
            overrides::apply_in_place(scratch, back);
            (items, new)
        }
        Edit::Item(at, item) => {
            let kept = std::mem::replace(&mut scratch.items[at.0], item.clone());
            let new = incremental::item_factor(scratch, at).map(|f| vec![f]);
            scratch.items[at.0] = kept;
            (vec![at], new)
        }
    };
    let new = new.ok()?;
    let old: Vec<Option<&Factor>> = items.iter().map(|&i| engine.factor(i)).collect();
    let (latent, marginals) = (&state.latent, &mut state.marginals);
    let mut sources: Vec<SourceId> = old
        .iter()
        .flatten()
        .copied()
        .chain(new.iter().flatten())
        .flat_map(|f| f.vars().iter().copied())
        .filter(|&v| v != 0)
        .map(|v| SourceId(v - 1))
        .collect();
    sources.sort_unstable();
    sources.dedup();
    if sources.len() > 1 || sources.iter().any(|s| !latent.contains(s)) {
        return None;
    }
    if !marginals.contains_key(&sources) {
        marginals.insert(sources.clone(), engine.joint_marginal(&sources).ok()?);
    }
    let mut joint = marginals.get(&sources)?.clone();
    for f in old.into_iter().flatten() {
        joint = joint.divide(f)?;
    }
    for f in new.iter().flatten() {
        joint = joint.product(f);
    }
    for s in &sources {
        joint = joint.sum_out(1 + s.0);
    }
    Some(if joint.log_total().is_finite() {
        joint.normalized().ok_or(InferError::ImpossibleEvidence)
    } else {
        Err(InferError::ImpossibleEvidence)
    })
}

/// Items a change recomputes, for the work estimate.
fn touched_items(param: &Param, m: &Indexed) -> usize {
    match param {
        Param::Prior(_) => 0,
        Param::SourceReliability(s) | Param::SourceBias(s) => m.source(s).map_or(0, |s| {
            crate::network::incremental::items_of_source(m, s).len()
        }),
        Param::DependencyStrength(_) => m.items.len(),
        _ => 1,
    }
}

/// Every (parameter, receiver, donor) whose values differ, with each
/// parameter's values.
type Differences = Vec<(
    Param,
    Vec<Option<(String, String, Option<f64>)>>,
    Vec<(usize, usize)>,
)>;

fn differences(models: &[Indexed], alignment: &Alignment) -> Differences {
    parameters(models, alignment)
        .into_iter()
        .filter_map(|p| {
            let values: Vec<_> = models.iter().map(|m| p.value(m)).collect();
            let mut pairs = Vec::new();
            for (k, mine) in values.iter().enumerate() {
                for (d, theirs) in values.iter().enumerate() {
                    // A value one model lacks (an item's likelihood where
                    // it has no such item) is carried by `Presence`.
                    if let (Some(a), Some(b)) = (mine, theirs)
                        && d != k
                        && a.0 != b.0
                    {
                        pairs.push((k, d));
                    }
                }
            }
            (!pairs.is_empty()).then_some((p, values, pairs))
        })
        .collect()
}

fn cruxes(
    models: &[Indexed],
    names: &[String],
    alignment: &Alignment,
    ranking: usize,
) -> Result<(Vec<Crux>, Vec<NotAdopted>), CompareError> {
    let shared = &alignment.shared_hypotheses;
    let diffs = differences(models, alignment);
    let adoptions: usize = diffs.iter().map(|d| d.2.len()).sum();
    // The work: every adoption is one change and its undo, each
    // recomputing the items it touches and one posterior.
    let mut engines = Vec::with_capacity(models.len());
    let mut receivers = Vec::with_capacity(models.len());
    let mut work = 0.0;
    for (k, name) in names.iter().enumerate() {
        let r = receiver(models, k);
        let engine = Incremental::new(&r.model).map_err(|e| CompareError::Analysis {
            model: name.clone(),
            error: e.into(),
        })?;
        let per_inference = engine.elimination_entries();
        let k_hyp = r.model.hypotheses.len() as f64;
        for (p, _, pairs) in &diffs {
            let n = pairs.iter().filter(|(m, _)| *m == k).count() as f64;
            work += n * 2.0 * (per_inference + touched_items(p, &r.model) as f64 * k_hyp);
        }
        engines.push(engine);
        receivers.push(r);
    }
    budget::Estimate {
        results: adoptions as f64 * shared.len() as f64,
        results_budget: budget::MAX_PRINTED_RESULTS,
        work,
    }
    .check(
        "compare",
        || "every adoption's posterior is kept: compare fewer or closer models".to_string(),
        || {
            "each adoption is an inference over the receiving model: compare fewer or closer models, or give uncertain sources a point reliability".to_string()
        },
    )?;
    let mut baselines = Vec::with_capacity(models.len());
    for (k, engine) in engines.iter().enumerate() {
        let p = engine.hypotheses().map_err(|e| CompareError::Analysis {
            model: names[k].clone(),
            error: e.into(),
        })?;
        baselines.push(restrict(&receivers[k].model, shared, &p));
    }
    let mut cruxes = Vec::with_capacity(diffs.len());
    let mut not_adopted = Vec::new();
    // Priors change no item: they are adopted last, so that putting one
    // back (a rescaling) cannot touch any other adoption's numbers.
    let mut order: Vec<usize> = (0..diffs.len()).collect();
    order.sort_by_key(|&c| matches!(diffs[c].0, Param::Prior(_)));
    let mut results: Vec<Vec<Adoption>> = vec![Vec::new(); diffs.len()];
    let mut swaps: Vec<SwapState> = receivers
        .iter()
        .map(|r| SwapState {
            scratch: (*r.model).clone(),
            latent: incremental::latent_sources(&r.model),
            marginals: BTreeMap::new(),
        })
        .collect();
    for &c in &order {
        let (param, _, pairs) = &diffs[c];
        for &(k, d) in pairs {
            let r = &receivers[k];
            let engine = &mut engines[k];
            let posterior = match change(param, r, k, models, d) {
                Err(reason) => {
                    not_adopted.push(NotAdopted {
                        path: param.path(),
                        model: k,
                        from: d,
                        reason,
                    });
                    continue;
                }
                Ok(Change::Overrides(to, back))
                    if let Some(p) =
                        swap_items(engine, &mut swaps[k], Edit::Overrides(&to, &back)) =>
                {
                    p
                }
                Ok(Change::Item(at, item))
                    if let Some(p) = swap_items(engine, &mut swaps[k], Edit::Item(at, &item)) =>
                {
                    p
                }
                Ok(Change::Overrides(to, back)) => {
                    let applied = engine.apply(&to);
                    let p = applied.clone().and_then(|()| engine.hypotheses());
                    // On an error `apply` has put the model back itself.
                    if applied.is_ok() {
                        engine.apply(&back).map_err(|e| CompareError::Analysis {
                            model: names[k].clone(),
                            error: e.into(),
                        })?;
                    }
                    p
                }
                Ok(Change::Item(at, item)) => {
                    let mut variant = r.model.clone();
                    variant.items[at.0] = *item;
                    let applied = engine.update(variant, &[at]);
                    let p = applied.clone().and_then(|()| engine.hypotheses());
                    if applied.is_ok() {
                        engine.update(r.model.clone(), &[at]).map_err(|e| {
                            CompareError::Analysis {
                                model: names[k].clone(),
                                error: e.into(),
                            }
                        })?;
                    }
                    p
                }
            };
            let posterior = posterior.map(|p| restrict(&r.model, shared, &p));
            let change = posterior
                .as_ref()
                .map_or(0.0, |p| p[ranking] - baselines[k][ranking]);
            results[c].push(Adoption {
                model: k,
                from: d,
                posterior,
                change,
            });
        }
    }
    for ((param, values, _), adoptions) in diffs.into_iter().zip(results) {
        let effect = adoptions
            .iter()
            .map(|a| a.change)
            .fold(
                0.0,
                |best: f64, x| if x.abs() > best.abs() { x } else { best },
            );
        cruxes.push(Crux {
            path: param.path(),
            label: param.label(),
            points: values
                .iter()
                .map(|v| v.as_ref().and_then(|v| v.2))
                .collect(),
            values: values.into_iter().map(|v| v.map(|v| v.1)).collect(),
            adoptions,
            effect,
        });
    }
    cruxes.sort_by(|a, b| {
        b.effect
            .abs()
            .total_cmp(&a.effect.abs())
            .then_with(|| a.path.cmp(&b.path))
    });
    not_adopted.sort_by(|a, b| (&a.path, a.model, a.from).cmp(&(&b.path, b.model, b.from)));
    Ok((cruxes, not_adopted))
}

/// A rating on Open Synthesis's five-point scale: II 1 to CC 5.
pub fn rating_value(r: Rating) -> f64 {
    match r {
        Rating::VeryInconsistent => 1.0,
        Rating::Inconsistent => 2.0,
        Rating::Neutral => 3.0,
        Rating::Consistent => 4.0,
        Rating::VeryConsistent => 5.0,
    }
}

/// The sample standard deviation (0 for fewer than two values).
fn sample_sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = sorted_sum(values.iter().copied()) / values.len() as f64;
    let ss = sorted_sum(values.iter().map(|v| (v - mean) * (v - mean)));
    (ss / (values.len() - 1) as f64).sqrt()
}

/// Open Synthesis's consensus and disagreement of one cell's ratings
/// (`None` is N/A).
pub fn consensus_of(ratings: &[Option<Rating>]) -> (Option<Rating>, f64) {
    let rated: Vec<f64> = ratings.iter().flatten().map(|&r| rating_value(r)).collect();
    let na = ratings.len() - rated.len();
    let presence: Vec<f64> = ratings
        .iter()
        .map(|r| if r.is_some() { 1.0 } else { 0.0 })
        .collect();
    let disagreement = sample_sd(&rated).max(sample_sd(&presence));
    if rated.is_empty() || na > rated.len() {
        return (None, disagreement);
    }
    let mean = sorted_sum(rated.iter().copied()) / rated.len() as f64;
    // Round to the nearest step; a half rounds toward N (conservative).
    let below = mean.floor();
    let rounded = if mean - below > 0.5 || (mean - below == 0.5 && below + 1.0 <= 3.0) {
        below + 1.0
    } else {
        below
    };
    let rating = Rating::ALL
        .into_iter()
        .find(|&r| rating_value(r) == rounded)
        .unwrap_or(Rating::Neutral);
    (Some(rating), disagreement)
}

fn consensus(
    models: &[Indexed],
    results: &[ModelResult],
    alignment: &Alignment,
) -> Result<Vec<ConsensusCell>, CompareError> {
    // Each model's ACH rows by item id, with its hypothesis indices.
    let mut boards: Vec<BTreeMap<&str, Vec<Rating>>> = Vec::with_capacity(models.len());
    for (k, m) in models.iter().enumerate() {
        // The matrix alone: the consensus reads only the ratings.
        let (board, _) =
            ach::matrix(m, &results[k].analysis).map_err(|error| CompareError::Analysis {
                model: results[k].name.clone(),
                error,
            })?;
        let mut rows = BTreeMap::new();
        for row in &board {
            rows.insert(
                m.items[row.item.0].id.as_str(),
                row.cells.iter().map(|c| c.rating).collect(),
            );
        }
        boards.push(rows);
    }
    let mut cells = Vec::new();
    for (id, _) in union(models, |m| m.items.iter().map(|i| i.id.as_str()).collect()) {
        for (h, hid) in alignment.shared_hypotheses.iter().enumerate() {
            let ratings: Vec<Option<Rating>> = models
                .iter()
                .zip(&boards)
                .map(|(m, board)| {
                    let at = m.hypothesis(hid)?;
                    board.get(id).map(|cells| cells[at.0])
                })
                .collect();
            let (consensus, disagreement) = consensus_of(&ratings);
            cells.push(ConsensusCell {
                item: id.to_string(),
                hypothesis: h,
                ratings,
                consensus,
                disagreement,
                disputed: disagreement >= DISPUTED,
            });
        }
    }
    Ok(cells)
}
