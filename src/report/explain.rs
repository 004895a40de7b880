//! The `credence explain` view: the arithmetic step by step (kind
//! `credence.explain`, schema 1, docs/JSON.md; full precision), laid out
//! as a `Doc` in report/doc/explain.rs (4 decimals).

use serde::Serialize;

use crate::analysis::explain::{
    ChainStep, Explanation, ItemStep, Pair, PairFrom, PairStep, Running,
};
use crate::model::{ItemId, Model};

use super::{ModelView, SCHEMA_VERSION, finite};

/// The `explain` view (kind `credence.explain`; docs/JSON.md): the
/// arithmetic of the posterior, step by step.
#[derive(Clone, Debug, Serialize)]
pub struct ExplainView {
    /// The schema version.
    pub schema: u32,
    /// `credence.explain`.
    pub kind: &'static str,
    /// The model's title, question and cut-off.
    pub model: ModelView,
    /// The item explained with `--item`, else null.
    pub item: Option<String>,
    /// The hypotheses and their priors.
    pub hypotheses: Vec<HypothesisIntro>,
    /// Step 1.
    pub sources: Vec<PairStepView>,
    /// Step 1: reports whose own reliability or bias overrides the source's.
    pub report_overrides: Vec<PairStepView>,
    /// Step 2.
    pub chains: Vec<ChainView>,
    /// Step 3.
    pub items: Vec<ItemView>,
    /// Ids of disabled items, left out of steps 2 to 4.
    pub disabled: Vec<String>,
    /// Step 4 (null with `--item`).
    pub running: Option<RunningView>,
    /// With `--item`: the item's effect on the posterior.
    pub focus: Option<FocusView>,
}

/// A hypothesis and its prior.
#[derive(Clone, Debug, Serialize)]
pub struct HypothesisIntro {
    /// The hypothesis id.
    pub id: String,
    /// What it says.
    pub title: String,
    /// Its normalised prior.
    pub prior: f64,
}

/// A hit and false-alarm rate.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct PairView {
    /// h = P(asserts | true).
    pub hit: f64,
    /// f = P(asserts | false).
    pub false_alarm: f64,
    /// h - f: 0 for a worthless report, 1 for a perfect one.
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

/// Step 1 for one source, or for one report that overrides its source.
#[derive(Clone, Debug, Serialize)]
pub struct PairStepView {
    /// The source id.
    pub source: String,
    /// For a report-level override: the item and report.
    pub item: Option<String>,
    /// The report id, for a report-level override.
    pub report: Option<String>,
    /// "reliability" (r and bias), "hit_false_alarm", or "latent".
    pub kind: &'static str,
    /// r (the midpoint, for a report-level interval); null for the others.
    pub reliability: Option<f64>,
    /// The Admiralty letter or words the reliability was written as.
    pub reliability_label: Option<String>,
    /// The interval written, for a latent node or a report-level midpoint.
    pub reliability_interval: Option<[f64; 2]>,
    /// The bias b; null for `{ hit, false_alarm }`.
    pub bias: Option<f64>,
    /// No bias written: the default 0.5.
    pub bias_default: bool,
    /// The interval the bias was written as, taken at its midpoint.
    pub bias_interval: Option<[f64; 2]>,
    /// Latent: reliability at each level (uniform prior).
    pub levels: Option<Vec<f64>>,
    /// Latent: (h, f) at each level.
    pub level_pairs: Option<Vec<PairView>>,
    /// The pair; the mean over levels for a latent reliability.
    pub pair: PairView,
}

/// One link of a relay chain.
#[derive(Clone, Debug, Serialize)]
pub struct LinkView {
    /// The relaying report.
    pub report: String,
    /// Its source id.
    pub source: String,
    /// The relaying report's own (h2, f2).
    pub own: PairView,
    /// 1 for a pure relay; below 1 the partial-dependence mixture.
    pub strength: f64,
    /// The chain's pair before this link (h1, f1).
    pub before: PairView,
    /// The chain's pair after it.
    pub after: PairView,
}

/// Step 2: a relay chain from an origin to a report nothing relays.
#[derive(Clone, Debug, Serialize)]
pub struct ChainView {
    /// The item id.
    pub item: String,
    /// Origin first.
    pub reports: Vec<String>,
    /// The origin's own pair, relative to the event.
    pub origin: PairView,
    /// One per relay, origin side first.
    pub links: Vec<LinkView>,
    /// The whole chain's pair.
    pub effective: PairView,
}

/// One report of an item.
#[derive(Clone, Debug, Serialize)]
pub struct ReportLine {
    /// The report id.
    pub id: String,
    /// The source id.
    pub source: String,
    /// The report it relays, if any.
    pub via: Option<String>,
    /// The relay's strength; null without `via`.
    pub strength: Option<f64>,
    /// False for a report held only second-hand.
    pub observed: bool,
    /// False when the source denies the claim.
    pub asserts: bool,
    /// Uses its source's shared latent reliability (`hit`, `false_alarm`
    /// are then the means).
    pub latent: bool,
    /// Its hit rate h.
    pub hit: f64,
    /// Its false-alarm rate f.
    pub false_alarm: f64,
}

/// One independent origin of an item and the reports descending from it.
#[derive(Clone, Debug, Serialize)]
pub struct OriginView {
    /// Origin first.
    pub reports: Vec<String>,
    /// P(these reports | E).
    pub given_true: f64,
    /// P(these reports | not E).
    pub given_false: f64,
}

/// An observed report that fully relays an observed report: given what it
/// repeats, it says nothing more about E.
#[derive(Clone, Debug, Serialize)]
pub struct RepeatView {
    /// The relay.
    pub report: String,
    /// The report it repeats.
    pub repeats: String,
}

/// Step 3 for one hypothesis.
#[derive(Clone, Debug, Serialize)]
pub struct ItemHypothesisView {
    /// The hypothesis id.
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

/// Step 3: how one item's likelihood is formed from its reports.
#[derive(Clone, Debug, Serialize)]
pub struct ItemView {
    /// The item id.
    pub id: String,
    /// Its claim.
    pub claim: String,
    /// False for a disabled item.
    pub enabled: bool,
    /// No reports: observed true.
    pub established: bool,
    /// Its reports.
    pub reports: Vec<ReportLine>,
    /// Sources whose shared latent reliability its reports use.
    pub latent_sources: Vec<String>,
    /// One per independent origin.
    pub origins: Vec<OriginView>,
    /// The origins share a latent reliability, so their figures do not simply
    /// multiply.
    pub origins_coupled: bool,
    /// P(all its reports | E), exact.
    pub reports_given_true: f64,
    /// P(all its reports | not E), exact.
    pub reports_given_false: f64,
    /// Reports that only repeat another observed report.
    pub repeats: Vec<RepeatView>,
    /// Per hypothesis, in model order.
    pub hypotheses: Vec<ItemHypothesisView>,
}

/// The running posterior after one item.
#[derive(Clone, Debug, Serialize)]
pub struct RunningRowView {
    /// The item id.
    pub item: String,
    /// The posterior after it, in hypothesis order.
    pub posterior: Vec<f64>,
}

/// Step 4: the posterior after each item in turn.
#[derive(Clone, Debug, Serialize)]
pub struct RunningView {
    /// Where it starts.
    pub priors: Vec<f64>,
    /// One per enabled item, in model order.
    pub rows: Vec<RunningRowView>,
    /// From `credence::analysis::analyse`.
    pub exact: Vec<f64>,
    /// The running product only approximates the exact posterior (shared latent
    /// reliabilities).
    pub approximate: bool,
    /// The sources whose latent reliability two or more items share.
    pub shared_latent: Vec<String>,
    /// Largest |last running row - exact|.
    pub difference: f64,
}

/// With `--item`: what that one item does to the posterior.
#[derive(Clone, Debug, Serialize)]
pub struct FocusView {
    /// The item id.
    pub item: String,
    /// False for a disabled item, which changes nothing.
    pub enabled: bool,
    /// The priors.
    pub prior: Vec<f64>,
    /// The exact posterior without the item; null when disabled or not computed.
    pub without: Option<Vec<f64>>,
    /// The exact posterior with every enabled item.
    pub with: Vec<f64>,
    /// `with - without`, per hypothesis.
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
