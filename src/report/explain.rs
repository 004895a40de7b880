//! The `credence explain` output: the arithmetic step by step, as a
//! serializable view (kind `credence.explain`, schema 1, docs/JSON.md), a
//! text printer (4 decimals) and a JSON printer (full precision).

use serde::Serialize;

use crate::analysis::explain::{
    ChainStep, Explanation, ItemStep, Pair, PairFrom, PairStep, Running,
};
use crate::model::{ItemId, Model};

use super::{ModelView, SCHEMA_VERSION, finite};

#[derive(Clone, Debug, Serialize)]
pub struct ExplainView {
    pub schema: u32,
    pub kind: &'static str,
    pub model: ModelView,
    /// The item explained with `--item`, else null.
    pub item: Option<String>,
    pub hypotheses: Vec<HypothesisIntro>,
    /// Step 1.
    pub sources: Vec<PairStepView>,
    /// Step 1: reports whose own reliability or bias overrides the source's.
    pub report_overrides: Vec<PairStepView>,
    /// Step 2.
    pub chains: Vec<ChainView>,
    /// Step 3.
    pub items: Vec<ItemView>,
    pub disabled: Vec<String>,
    /// Step 4 (null with `--item`).
    pub running: Option<RunningView>,
    /// With `--item`: the item's effect on the posterior.
    pub focus: Option<FocusView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HypothesisIntro {
    pub id: String,
    pub title: String,
    pub prior: f64,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct PairView {
    pub hit: f64,
    pub false_alarm: f64,
    pub discrimination: f64,
}

impl From<Pair> for PairView {
    fn from(p: Pair) -> PairView {
        PairView {
            hit: p.hit,
            false_alarm: p.false_alarm,
            discrimination: p.discrimination(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PairStepView {
    pub source: String,
    /// For a report-level override: the item and report.
    pub item: Option<String>,
    pub report: Option<String>,
    /// "reliability" (r and bias), "hit_false_alarm", or "latent".
    pub kind: &'static str,
    /// r (the midpoint, for a report-level interval); null for the others.
    pub reliability: Option<f64>,
    /// The Admiralty letter or words the reliability was written as.
    pub reliability_label: Option<String>,
    /// The interval written, for a latent node or a report-level midpoint.
    pub reliability_interval: Option<[f64; 2]>,
    pub bias: Option<f64>,
    pub bias_default: bool,
    pub bias_interval: Option<[f64; 2]>,
    /// Latent: reliability at each level (uniform prior).
    pub levels: Option<Vec<f64>>,
    pub level_pairs: Option<Vec<PairView>>,
    /// The pair; the mean over levels for a latent reliability.
    pub pair: PairView,
}

#[derive(Clone, Debug, Serialize)]
pub struct LinkView {
    pub report: String,
    pub source: String,
    pub own: PairView,
    pub strength: f64,
    pub before: PairView,
    pub after: PairView,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChainView {
    pub item: String,
    /// Origin first.
    pub reports: Vec<String>,
    pub origin: PairView,
    pub links: Vec<LinkView>,
    pub effective: PairView,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportLine {
    pub id: String,
    pub source: String,
    pub via: Option<String>,
    pub strength: Option<f64>,
    pub observed: bool,
    pub asserts: bool,
    /// Uses its source's shared latent reliability (`hit`, `false_alarm`
    /// are then the means).
    pub latent: bool,
    pub hit: f64,
    pub false_alarm: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct OriginView {
    /// Origin first.
    pub reports: Vec<String>,
    pub given_true: f64,
    pub given_false: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RepeatView {
    pub report: String,
    pub repeats: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemHypothesisView {
    pub id: String,
    /// P(E | h).
    pub likelihood: f64,
    /// P(reports | h).
    pub reports: f64,
    /// P(reports | not h), the others weighted by prior.
    pub reports_not: f64,
    /// null for 0/0 or infinite.
    pub likelihood_ratio: Option<f64>,
    /// Decibans; null where infinite.
    pub woe_db: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemView {
    pub id: String,
    pub claim: String,
    pub enabled: bool,
    pub established: bool,
    pub reports: Vec<ReportLine>,
    pub latent_sources: Vec<String>,
    pub origins: Vec<OriginView>,
    pub origins_coupled: bool,
    pub reports_given_true: f64,
    pub reports_given_false: f64,
    pub repeats: Vec<RepeatView>,
    pub hypotheses: Vec<ItemHypothesisView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunningRowView {
    pub item: String,
    pub posterior: Vec<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunningView {
    pub priors: Vec<f64>,
    pub rows: Vec<RunningRowView>,
    /// From `credence::analysis::analyse`.
    pub exact: Vec<f64>,
    pub approximate: bool,
    pub shared_latent: Vec<String>,
    /// Largest |last running row - exact|.
    pub difference: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FocusView {
    pub item: String,
    pub enabled: bool,
    pub prior: Vec<f64>,
    pub without: Option<Vec<f64>>,
    pub with: Vec<f64>,
    pub effect: Option<Vec<f64>>,
}

fn pair_view(model: &Model, source: usize, step: &PairStep) -> PairStepView {
    let mut v = PairStepView {
        source: model.sources[source].id.clone(),
        item: None,
        report: None,
        kind: "hit_false_alarm",
        reliability: None,
        reliability_label: None,
        reliability_interval: None,
        bias: None,
        bias_default: false,
        bias_interval: None,
        levels: None,
        level_pairs: None,
        pair: step.pair.into(),
    };
    match &step.from {
        PairFrom::Credibility => {}
        PairFrom::Accuracy {
            r,
            bias,
            label,
            r_interval,
            bias_interval,
            bias_default,
        } => {
            v.kind = "reliability";
            v.reliability = Some(*r);
            v.reliability_label = label.clone();
            v.reliability_interval = r_interval.map(|(a, b)| [a, b]);
            v.bias = Some(*bias);
            v.bias_default = *bias_default;
            v.bias_interval = bias_interval.map(|(a, b)| [a, b]);
        }
        PairFrom::Latent {
            low,
            high,
            label,
            bias,
            bias_default,
            levels,
            pairs,
        } => {
            v.kind = "latent";
            v.reliability_label = label.clone();
            v.reliability_interval = Some([*low, *high]);
            v.bias = Some(*bias);
            v.bias_default = *bias_default;
            v.levels = Some(levels.clone());
            v.level_pairs = Some(pairs.iter().map(|&p| p.into()).collect());
        }
    }
    v
}

fn chain_view(model: &Model, c: &ChainStep) -> ChainView {
    let item = &model.items[c.item.0];
    ChainView {
        item: item.id.clone(),
        reports: c
            .reports
            .iter()
            .map(|r| item.reports[r.0].id.clone())
            .collect(),
        origin: c.origin.into(),
        links: c
            .links
            .iter()
            .map(|l| {
                let rep = &item.reports[l.report.0];
                LinkView {
                    report: rep.id.clone(),
                    source: model.sources[rep.source.0].id.clone(),
                    own: l.own.into(),
                    strength: l.strength,
                    before: l.before.into(),
                    after: l.after.into(),
                }
            })
            .collect(),
        effective: c.effective().into(),
    }
}

fn item_view(model: &Model, s: &ItemStep) -> ItemView {
    let item = &model.items[s.item.0];
    let rid = |r: crate::model::ReportId| item.reports[r.0].id.clone();
    ItemView {
        id: item.id.clone(),
        claim: item.claim.clone(),
        enabled: s.enabled,
        established: s.established,
        reports: item
            .reports
            .iter()
            .map(|r| {
                let p = crate::analysis::explain::report_pair(model, r);
                ReportLine {
                    id: r.id.clone(),
                    source: model.sources[r.source.0].id.clone(),
                    via: r.via.as_ref().map(|l| item.reports[l.parent.0].id.clone()),
                    strength: r.via.as_ref().map(|l| l.strength.get()),
                    observed: r.observed,
                    asserts: r.asserts,
                    latent: model.uses_latent_reliability(r),
                    hit: p.hit,
                    false_alarm: p.false_alarm,
                }
            })
            .collect(),
        latent_sources: s
            .latent_sources
            .iter()
            .map(|x| model.sources[x.0].id.clone())
            .collect(),
        origins: s
            .origins
            .iter()
            .map(|o| OriginView {
                reports: o.reports.iter().map(|&r| rid(r)).collect(),
                given_true: o.given_true,
                given_false: o.given_false,
            })
            .collect(),
        origins_coupled: s.origins_coupled,
        reports_given_true: s.given_true,
        reports_given_false: s.given_false,
        repeats: s
            .repeats
            .iter()
            .map(|&(r, p)| RepeatView {
                report: rid(r),
                repeats: rid(p),
            })
            .collect(),
        hypotheses: s
            .hypotheses
            .iter()
            .zip(&model.hypotheses)
            .map(|(h, hyp)| ItemHypothesisView {
                id: hyp.id.clone(),
                likelihood: h.likelihood,
                reports: h.reports,
                reports_not: h.reports_not,
                likelihood_ratio: h.ratio.filter(|r| r.is_finite()),
                woe_db: finite(h.woe_db),
            })
            .collect(),
    }
}

fn running_view(model: &Model, r: &Running) -> RunningView {
    RunningView {
        priors: r.priors.clone(),
        rows: r
            .rows
            .iter()
            .map(|(i, p)| RunningRowView {
                item: model.items[i.0].id.clone(),
                posterior: p.clone(),
            })
            .collect(),
        exact: r.exact.clone(),
        approximate: r.is_approximate(),
        shared_latent: r
            .shared_latent
            .iter()
            .map(|s| model.sources[s.0].id.clone())
            .collect(),
        difference: r.difference,
    }
}

/// Build the view of an explanation.
pub fn build(model: &Model, e: &Explanation) -> ExplainView {
    let item_id = |i: ItemId| model.items[i.0].id.clone();
    ExplainView {
        schema: SCHEMA_VERSION,
        kind: "credence.explain",
        model: ModelView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
        },
        item: e.focus.as_ref().map(|f| item_id(f.item)),
        hypotheses: model
            .hypotheses
            .iter()
            .map(|h| HypothesisIntro {
                id: h.id.clone(),
                title: h.title.clone(),
                prior: h.prior.get(),
            })
            .collect(),
        sources: e
            .sources
            .iter()
            .map(|s| pair_view(model, s.source.0, &s.step))
            .collect(),
        report_overrides: e
            .overrides
            .iter()
            .map(|o| {
                let item = &model.items[o.item.0];
                let report = &item.reports[o.report.0];
                let mut v = pair_view(model, report.source.0, &o.step);
                v.item = Some(item.id.clone());
                v.report = Some(report.id.clone());
                v
            })
            .collect(),
        chains: e.chains.iter().map(|c| chain_view(model, c)).collect(),
        items: e.items.iter().map(|s| item_view(model, s)).collect(),
        disabled: e.disabled.iter().map(|&i| item_id(i)).collect(),
        running: e.running.as_ref().map(|r| running_view(model, r)),
        focus: e.focus.as_ref().map(|f| FocusView {
            item: item_id(f.item),
            enabled: f.enabled,
            prior: f.priors.clone(),
            effect: f
                .without
                .as_ref()
                .map(|w| f.with.iter().zip(w).map(|(a, b)| a - b).collect()),
            without: f.without.clone(),
            with: f.with.clone(),
        }),
    }
}
