//! The `report` view: schema 1 of `credence report --format json`
//! (docs/JSON.md), with the evidence already ranked; laid out as a `Doc` in
//! report/doc/report.rs, so every format prints this same data.

use serde::Serialize;

use super::finite;
use crate::analysis::Analysis;
use crate::model::{Model, Reliability, SourceId};

/// Bumped whenever a field changes meaning or is removed.
pub const SCHEMA_VERSION: u32 = 1;

/// The `report` view (kind `credence.report`; docs/JSON.md): the posterior of
/// each hypothesis and what drove it.
#[derive(Clone, Debug, Serialize)]
pub struct ReportView {
    /// The schema version.
    pub schema: u32,
    /// `credence.report`.
    pub kind: &'static str,
    /// The model's title, question and cut-off.
    pub model: ModelView,
    /// The judgement with its likelihood and analytic confidence (see
    /// docs/JUDGEMENT.md); null when not computed.
    pub bottom_line: Option<super::judgement::BottomLineView>,
    /// Every hypothesis, in model order.
    pub hypotheses: Vec<HypothesisView>,
    /// `[[groups]]` of hypotheses, in model order (empty when none).
    pub groups: Vec<GroupView>,
    /// The id of the hypothesis with the highest posterior.
    pub leading: String,
    /// Every item, in model order.
    pub evidence: Vec<EvidenceView>,
    /// Indices into `evidence` in the order the report lists the items:
    /// enabled diagnostic items strongest first (ties by id), then the
    /// enabled ones that are not diagnostic, then the disabled ones, each in
    /// model order.
    pub evidence_ranking: Vec<usize>,
    /// Every source, in model order.
    pub sources: Vec<SourceView>,
    /// How much weight rests on each independent origin.
    pub origin_ledger: LedgerView,
    /// Hugin's conflict measure for the whole case and the items
    /// inconsistent with the rest of the evidence.
    pub conflict: super::evidence_quality::ConflictView,
    /// The indicators to watch (from `credence collect`): present only when
    /// the model has pending evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicators: Option<super::collect::IndicatorsView>,
    /// ln P(all observed reports) under the model.
    pub log_evidence: f64,
    /// The ICD 203 bands the terms above come from: the standard ranges, or
    /// the model's own `[scales]`.
    pub icd203_scale: Vec<BandView>,
    /// True when `icd203_scale` is the standard table.
    pub icd203_standard: bool,
}

/// One ICD 203 expression and the probabilities it covers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BandView {
    /// The expression.
    pub term: String,
    /// The band's lower bound.
    pub low: f64,
    /// The band's upper bound.
    pub high: f64,
}

/// What a model is about, at the head of every report.
#[derive(Clone, Debug, Serialize)]
pub struct ModelView {
    /// The model's title.
    pub title: String,
    /// The question the hypotheses answer.
    pub question: Option<String>,
    /// The information cut-off, as written.
    pub as_of: Option<String>,
}

/// One hypothesis's prior and posterior.
#[derive(Clone, Debug, Serialize)]
pub struct HypothesisView {
    /// The hypothesis id.
    pub id: String,
    /// What it says.
    pub title: String,
    /// Its normalised prior.
    pub prior: f64,
    /// Its exact posterior; the posteriors sum to 1.
    pub posterior: f64,
    /// The ICD 203 expression whose band holds the posterior.
    pub icd203: String,
    /// Change in log-odds, decibans; null when the posterior is 0 or 1.
    pub delta_log_odds_db: Option<f64>,
}

/// A group of hypotheses, shaped like [`HypothesisView`].
#[derive(Clone, Debug, Serialize)]
pub struct GroupView {
    /// The group id.
    pub id: String,
    /// What the group says.
    pub title: String,
    /// Member hypothesis ids, in the order written.
    pub members: Vec<String>,
    /// Why these hypotheses belong together.
    pub rationale: Option<String>,
    /// The sum of the members' priors.
    pub prior: f64,
    /// The sum of the members' posteriors.
    pub posterior: f64,
    /// The ICD 203 expression whose band holds the posterior.
    pub icd203: String,
    /// Change in log-odds, decibans; null when the posterior is 0 or 1.
    pub delta_log_odds_db: Option<f64>,
}

/// One evidence item: its reports, origins and weight.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceView {
    /// The item id.
    pub id: String,
    /// Its claim.
    pub claim: String,
    /// False for a disabled item (no weight).
    pub enabled: bool,
    /// Number of reports.
    pub reports: usize,
    /// Number of independent origins (reports relaying nothing).
    pub origins: usize,
    /// Reports relayed with 0 < strength < 1.
    pub partly_dependent: usize,
    /// Ids of the origin reports.
    pub origin_reports: Vec<String>,
    /// The item has no reports and is taken as established.
    pub established: bool,
    /// Weight of evidence per hypothesis against the others, decibans, in
    /// hypothesis order; null where the item rules a hypothesis out (or in).
    pub weight_of_evidence_db: Vec<Option<f64>>,
    /// Weight of evidence per group against the hypotheses outside it,
    /// decibans, in group order; null where infinite.
    pub group_weight_of_evidence_db: Vec<Option<f64>>,
    /// Largest |weight of evidence|, decibans (null when infinite).
    pub strength_db: Option<f64>,
    /// False when every weight is below 0.05 dB.
    pub diagnostic: bool,
    /// Posterior with every item minus posterior without this one, per
    /// hypothesis; null when disabled or not computed (very large models).
    pub effect: Option<Vec<f64>>,
    /// Its conflict with the rest of the evidence in bits (Hugin's
    /// measure, log2 [P(e_i) P(e_rest) / P(e)]); null when disabled or not
    /// computed (as `effect`).
    pub conflict_bits: Option<f64>,
    /// The conflict is above the threshold: "inconsistent with the rest of
    /// the evidence".
    pub inconsistent: bool,
    /// Its information credibility (Admiralty 1-6); null when disabled.
    pub credibility: Option<super::evidence_quality::CredibilityView>,
    /// MISP taxonomy tags: `admiralty-scale:information-credibility="N"`
    /// (empty when disabled).
    pub misp_tags: Vec<String>,
    /// Each report, in the order written.
    pub report_details: Vec<ReportDetail>,
}

/// One report of an item.
#[derive(Clone, Debug, Serialize)]
pub struct ReportDetail {
    /// The report id, local to the item.
    pub id: String,
    /// The source id.
    pub source: String,
    /// The id of the report it relays, if any.
    pub via: Option<String>,
    /// The relay's strength; null without `via`.
    pub strength: Option<f64>,
    /// False for a report held only second-hand.
    pub observed: bool,
    /// False when the source denies the claim.
    pub asserts: bool,
    /// Hit rate and false-alarm rate at point values (the mean over a latent
    /// reliability).
    pub hit: f64,
    /// The false-alarm rate, likewise.
    pub false_alarm: f64,
    /// The seed-document record behind it.
    pub document: Option<String>,
}

/// One source.
#[derive(Clone, Debug, Serialize)]
pub struct SourceView {
    /// The source id.
    pub id: String,
    /// Who or what it is.
    pub title: String,
    /// As written: a number, a letter with its value, an interval, or h/f.
    pub reliability: String,
    /// The bias used (0.5 when none is written).
    pub bias: f64,
    /// For a source whose reliability is an interval: what the evidence says.
    pub learned: Option<LearnedView>,
    /// Its reliability as an Admiralty letter (`a` to `f`): the letter
    /// written, else the best the reliability reaches on the model's scale.
    pub admiralty: String,
    /// MISP taxonomy tags: `admiralty-scale:source-reliability="x"`.
    pub misp_tags: Vec<String>,
}

/// The origin ledger (see [`crate::analysis::ledger`]).
#[derive(Clone, Debug, Serialize)]
pub struct LedgerView {
    /// Heaviest first.
    pub origins: Vec<OriginView>,
    /// Items with no reports, taken as established; null when none.
    pub established: Option<EstablishedView>,
    /// Σ of every origin's (and the established items') `weight_db`.
    pub total_weight_db: f64,
    /// Ids of items whose weight was split equally among their origins
    /// (more than `MAX_SHAPLEY_ORIGINS`); otherwise split by Shapley value.
    pub split_equally: Vec<String>,
}

/// One independent origin: the source at the root of relay trees.
#[derive(Clone, Debug, Serialize)]
pub struct OriginView {
    /// The source id.
    pub source: String,
    /// Who or what it is.
    pub title: String,
    /// The source's reliability as written.
    pub reliability: String,
    /// Ids of the items it is an origin of, in model order.
    pub items: Vec<String>,
    /// Reports in its relay trees, over all items.
    pub reports: usize,
    /// Per hypothesis (model order): the weight of evidence resting on it,
    /// summed over its items; null where infinite.
    pub weight_of_evidence_db: Vec<Option<f64>>,
    /// Per group (model order), likewise.
    pub group_weight_of_evidence_db: Vec<Option<f64>>,
    /// Σ over its items of the largest finite |weight| of its share.
    pub weight_db: f64,
    /// `weight_db` over `total_weight_db`.
    pub share: f64,
    /// Some item's reports of this origin rule a hypothesis out or in.
    pub decisive: bool,
    /// Its share of each item: `item`, `weight_of_evidence_db`.
    pub shares: Vec<ShareView>,
}

/// One item's weight resting on one origin.
#[derive(Clone, Debug, Serialize)]
pub struct ShareView {
    /// The item id.
    pub item: String,
    /// Per hypothesis against the rest, decibans; null where infinite.
    pub weight_of_evidence_db: Vec<Option<f64>>,
}

/// The established items' line of the ledger.
#[derive(Clone, Debug, Serialize)]
pub struct EstablishedView {
    /// The established items' ids.
    pub items: Vec<String>,
    /// Per hypothesis, summed over them, decibans; null where infinite.
    pub weight_of_evidence_db: Vec<Option<f64>>,
    /// Per group, likewise.
    pub group_weight_of_evidence_db: Vec<Option<f64>>,
    /// Σ over them of the largest finite |weight|.
    pub weight_db: f64,
    /// `weight_db` over the ledger's total.
    pub share: f64,
    /// Some item rules a hypothesis out or in.
    pub decisive: bool,
}

/// What the evidence says of a source whose reliability is an interval.
#[derive(Clone, Debug, Serialize)]
pub struct LearnedView {
    /// Its mean reliability before the evidence.
    pub prior_mean: f64,
    /// Its mean reliability after the evidence.
    pub posterior_mean: f64,
    /// The reliability at each level of its latent node.
    pub levels: Vec<f64>,
    /// P(level | evidence), in the order of `levels`.
    pub posterior: Vec<f64>,
}

fn describe_reliability(r: &Reliability) -> String {
    match r {
        Reliability::Accuracy(e) => e.to_string(),
        Reliability::Credibility { hit, false_alarm } => {
            format!(
                "hit {}, false alarm {}",
                hit.point.get(),
                false_alarm.point.get()
            )
        }
    }
}

/// Build the view of an analysed model.
pub fn build(model: &Model, analysis: &Analysis) -> ReportView {
    let scale = bands(&model.scales);
    let hypotheses = analysis
        .hypotheses
        .iter()
        .map(|h| {
            let hyp = &model.hypotheses[h.id.0];
            HypothesisView {
                id: hyp.id.clone(),
                title: hyp.title.clone(),
                prior: h.prior,
                posterior: h.posterior,
                icd203: model
                    .scales
                    .icd203_term(crate::model::Probability::clamped(h.posterior))
                    .to_string(),
                delta_log_odds_db: h.delta_db,
            }
        })
        .collect();
    let groups = analysis
        .groups
        .iter()
        .map(|g| {
            let group = &model.groups[g.id.0];
            GroupView {
                id: group.id.clone(),
                title: group.title.clone(),
                members: group
                    .members
                    .iter()
                    .map(|m| model.hypotheses[m.0].id.clone())
                    .collect(),
                rationale: group.rationale.clone(),
                prior: g.prior,
                posterior: g.posterior,
                icd203: model
                    .scales
                    .icd203_term(crate::model::Probability::clamped(g.posterior))
                    .to_string(),
                delta_log_odds_db: g.delta_db,
            }
        })
        .collect();
    let evidence: Vec<EvidenceView> = analysis
        .items
        .iter()
        .map(|r| {
            let item = &model.items[r.item.0];
            let report_details = item
                .reports
                .iter()
                .map(|rep| {
                    let (rel, bias) = model.report_reliability(rep);
                    let (h, f) = rel.hit_false_alarm(bias);
                    ReportDetail {
                        id: rep.id.clone(),
                        source: model.sources[rep.source.0].id.clone(),
                        via: rep
                            .via
                            .as_ref()
                            .map(|l| item.reports[l.parent.0].id.clone()),
                        strength: rep.via.as_ref().map(|l| l.strength.get()),
                        observed: rep.observed,
                        asserts: rep.asserts,
                        hit: h.get(),
                        false_alarm: f.get(),
                        document: rep.document.clone(),
                    }
                })
                .collect();
            EvidenceView {
                id: item.id.clone(),
                claim: item.claim.clone(),
                enabled: r.enabled,
                reports: r.origins.reports,
                origins: r.origins.independent.len(),
                partly_dependent: r.origins.partly_dependent.len(),
                origin_reports: r
                    .origins
                    .independent
                    .iter()
                    .map(|o| item.reports[o.0].id.clone())
                    .collect(),
                established: item.reports.is_empty(),
                weight_of_evidence_db: r.woe_db.iter().map(|w| finite(*w)).collect(),
                group_weight_of_evidence_db: r.group_woe_db.iter().map(|w| finite(*w)).collect(),
                strength_db: finite(r.strength_db()),
                diagnostic: r.is_diagnostic(),
                effect: r.effect.clone(),
                conflict_bits: r.conflict_bits,
                inconsistent: super::evidence_quality::inconsistent(r),
                credibility: r.credibility.map(super::evidence_quality::credibility_view),
                misp_tags: r
                    .credibility
                    .map(super::evidence_quality::credibility_tag)
                    .into_iter()
                    .collect(),
                report_details,
            }
        })
        .collect();
    let sources = model
        .sources
        .iter()
        .enumerate()
        .map(|(s, src)| SourceView {
            id: src.id.clone(),
            title: src.title.clone(),
            reliability: describe_reliability(&src.reliability),
            bias: src.bias_point().get(),
            learned: analysis
                .reliability
                .iter()
                .find(|l| l.source.0 == s)
                .map(|l| LearnedView {
                    prior_mean: l.prior_mean,
                    posterior_mean: l.posterior_mean,
                    levels: l.levels.clone(),
                    posterior: l.posterior.clone(),
                }),
            admiralty: crate::analysis::credibility::source_letter(model, SourceId(s)).to_string(),
            misp_tags: vec![super::evidence_quality::reliability_tag(model, SourceId(s))],
        })
        .collect();
    let origin_ledger = ledger_view(model, &analysis.ledger);
    ReportView {
        schema: SCHEMA_VERSION,
        kind: "credence.report",
        model: ModelView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
        },
        bottom_line: None,
        hypotheses,
        groups,
        leading: model.hypotheses[analysis.leader.0].id.clone(),
        evidence_ranking: evidence_ranking(&evidence),
        evidence,
        sources,
        origin_ledger,
        conflict: super::evidence_quality::conflict_view(model, analysis),
        indicators: None,
        log_evidence: analysis.log_evidence,
        icd203_standard: scale == bands(&crate::model::Scales::default()),
        icd203_scale: scale,
    }
}

impl ReportView {
    /// The view with its bottom line.
    pub fn with_bottom_line(
        mut self,
        model: &Model,
        line: &crate::analysis::judgement::BottomLine,
    ) -> ReportView {
        self.bottom_line = Some(super::judgement::BottomLineView::build(model, line));
        self
    }

    /// The view with the indicators to watch from a collection plan (for a
    /// model with pending evidence).
    pub fn with_indicators(
        mut self,
        model: &Model,
        plan: &crate::analysis::collect::Plan,
    ) -> ReportView {
        self.indicators = Some(super::collect::indicators_view(model, plan));
        self
    }
}

/// The order the report lists evidence in (see
/// [`ReportView::evidence_ranking`]); an infinite weight (no strength) is
/// the strongest.
fn evidence_ranking(evidence: &[EvidenceView]) -> Vec<usize> {
    let strength = |k: usize| evidence[k].strength_db.unwrap_or(f64::INFINITY);
    let indices = 0..evidence.len();
    let mut ranking: Vec<usize> = indices
        .clone()
        .filter(|&k| evidence[k].enabled && evidence[k].diagnostic)
        .collect();
    ranking.sort_by(|&a, &b| {
        strength(b)
            .total_cmp(&strength(a))
            .then_with(|| evidence[a].id.cmp(&evidence[b].id))
    });
    ranking.extend(
        indices
            .clone()
            .filter(|&k| evidence[k].enabled && !evidence[k].diagnostic),
    );
    ranking.extend(indices.filter(|&k| !evidence[k].enabled));
    ranking
}

fn finite_all(xs: &[f64]) -> Vec<Option<f64>> {
    xs.iter().map(|x| finite(*x)).collect()
}

fn ledger_view(model: &Model, ledger: &crate::analysis::ledger::Ledger) -> LedgerView {
    let item_id = |i: crate::model::ItemId| model.items[i.0].id.clone();
    LedgerView {
        origins: ledger
            .origins
            .iter()
            .map(|o| {
                let source = &model.sources[o.source.0];
                OriginView {
                    source: source.id.clone(),
                    title: source.title.clone(),
                    reliability: describe_reliability(&source.reliability),
                    items: o.shares.iter().map(|s| item_id(s.item)).collect(),
                    reports: o.reports,
                    weight_of_evidence_db: finite_all(&o.woe_db),
                    group_weight_of_evidence_db: finite_all(&o.group_woe_db),
                    weight_db: o.weight_db,
                    share: o.share,
                    decisive: o.decisive,
                    shares: o
                        .shares
                        .iter()
                        .map(|s| ShareView {
                            item: item_id(s.item),
                            weight_of_evidence_db: finite_all(&s.woe_db),
                        })
                        .collect(),
                }
            })
            .collect(),
        established: ledger.established.as_ref().map(|e| EstablishedView {
            items: e.items.iter().map(|&i| item_id(i)).collect(),
            weight_of_evidence_db: finite_all(&e.woe_db),
            group_weight_of_evidence_db: finite_all(&e.group_woe_db),
            weight_db: e.weight_db,
            share: e.share,
            decisive: e.decisive,
        }),
        total_weight_db: ledger.total_weight_db,
        split_equally: ledger.split_equally.iter().map(|&i| item_id(i)).collect(),
    }
}

fn bands(scales: &crate::model::Scales) -> Vec<BandView> {
    scales
        .icd203
        .iter()
        .map(|(term, band)| BandView {
            term: term.clone(),
            low: band.low().get(),
            high: band.high().get(),
        })
        .collect()
}
