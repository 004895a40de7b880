//! The `credence explain` output: the arithmetic step by step, as a
//! serializable view (kind `credence.explain`, schema 1, docs/JSON.md), a
//! text printer (4 decimals) and a JSON printer (full precision).

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::explain::{
    ChainStep, Explanation, ItemStep, Pair, PairFrom, PairStep, Running,
};
use crate::model::{ItemId, Model};

use super::ach::wrap;
use super::{ModelView, SCHEMA_VERSION, Table};

/// A number with 4 decimals; below 0.001 in scientific notation with 4
/// decimals, so small likelihoods keep their digits.
pub(crate) fn num4(x: f64) -> String {
    if x.is_nan() {
        "n/a".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:.4e}")
    } else {
        format!("{x:.4}")
    }
}

/// As `num4`, with a sign.
pub(crate) fn signed4(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", num4(x))
    } else {
        num4(x)
    }
}

/// "a", "a and b", "a, b and c".
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

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

const WIDTH: usize = 88;

fn interval(x: [f64; 2]) -> String {
    format!("[{}, {}]", x[0], x[1])
}

fn write_pair_step(out: &mut dyn Write, name: &str, v: &PairStepView) -> io::Result<()> {
    let p = &v.pair;
    let bias_note = |v: &PairStepView| {
        if v.bias_default {
            " (the default)".to_string()
        } else {
            v.bias_interval
                .map_or_else(String::new, |b| format!(" (midpoint of {})", interval(b)))
        }
    };
    match v.kind {
        "reliability" => {
            let r = v.reliability.unwrap_or(0.0);
            let b = v.bias.unwrap_or(0.5);
            let mut written = String::new();
            if let Some(l) = &v.reliability_label {
                written.push_str(&format!(" (\"{l}\")"));
            }
            if let Some(i) = v.reliability_interval {
                written.push_str(&format!(" (midpoint of {})", interval(i)));
            }
            writeln!(
                out,
                "  {name}: reliability r = {}{written}, bias b = {}{}",
                num4(r),
                num4(b),
                bias_note(v)
            )?;
            writeln!(
                out,
                "    h = r + (1 - r) b = {} + {} × {} = {}",
                num4(r),
                num4(1.0 - r),
                num4(b),
                num4(p.hit)
            )?;
            writeln!(
                out,
                "    f = (1 - r) b     = {} × {} = {}",
                num4(1.0 - r),
                num4(b),
                num4(p.false_alarm)
            )?;
            writeln!(out, "    h - f = {}", num4(p.discrimination))?;
        }
        "latent" => {
            let levels = v.levels.clone().unwrap_or_default();
            let pairs = v.level_pairs.clone().unwrap_or_default();
            let label = v
                .reliability_label
                .as_ref()
                .map_or_else(String::new, |l| format!(" (\"{l}\")"));
            writeln!(
                out,
                "  {name}: reliability uncertain, {}{label}, bias b = {}{}",
                v.reliability_interval.map_or_else(String::new, interval),
                num4(v.bias.unwrap_or(0.5)),
                bias_note(v)
            )?;
            wrap(
                out,
                &format!(
                    "A latent node shared by all its reports: {} equally likely levels of r, each with its own h = r + (1 - r) b and f = (1 - r) b.",
                    levels.len()
                ),
                "    ",
                WIDTH,
            )?;
            let mut t = Table::new(&["level", "r", "h", "f"]).right_align(0..4);
            for (k, (r, q)) in levels.iter().zip(&pairs).enumerate() {
                t.row(vec![
                    (k + 1).to_string(),
                    num4(*r),
                    num4(q.hit),
                    num4(q.false_alarm),
                ]);
            }
            t.write(out, "      ")?;
            writeln!(
                out,
                "    mean h = {}, mean f = {}, h - f = {}",
                num4(p.hit),
                num4(p.false_alarm),
                num4(p.discrimination)
            )?;
        }
        _ => {
            writeln!(
                out,
                "  {name}: hit and false-alarm rates given directly: h = {}, f = {}, h - f = {}",
                num4(p.hit),
                num4(p.false_alarm),
                num4(p.discrimination)
            )?;
        }
    }
    Ok(())
}

fn write_chain(out: &mut dyn Write, c: &ChainView) -> io::Result<()> {
    writeln!(out, "  {}: {}", c.item, c.reports.join(" → "))?;
    let origin = c.reports.first().map_or("", String::as_str);
    writeln!(
        out,
        "    {origin} (origin): h1 = {}, f1 = {}, h1 - f1 = {}",
        num4(c.origin.hit),
        num4(c.origin.false_alarm),
        num4(c.origin.discrimination)
    )?;
    for l in &c.links {
        let (h1, f1) = (num4(l.before.hit), num4(l.before.false_alarm));
        let (h2, f2) = (num4(l.own.hit), num4(l.own.false_alarm));
        let (nh1, nf1) = (format!("(1 - {h1})"), format!("(1 - {f1})"));
        if l.strength >= 1.0 {
            writeln!(
                out,
                "    {} relays it ({}: h2 = {h2}, f2 = {f2}):",
                l.report, l.source
            )?;
            writeln!(
                out,
                "      h = {h2} × {h1} + {f2} × {nh1} = {}",
                num4(l.after.hit)
            )?;
            writeln!(
                out,
                "      f = {h2} × {f1} + {f2} × {nf1} = {}",
                num4(l.after.false_alarm)
            )?;
            writeln!(
                out,
                "      h - f = {} × {} = {}",
                num4(l.own.discrimination),
                num4(l.before.discrimination),
                num4(l.after.discrimination)
            )?;
        } else {
            let s = num4(l.strength);
            let ns = num4(1.0 - l.strength);
            writeln!(
                out,
                "    {} relays it in part ({}: h2 = {h2}, f2 = {f2}, strength s = {s}):",
                l.report, l.source
            )?;
            writeln!(
                out,
                "      h = {s} × ({h2} × {h1} + {f2} × {nh1}) + {ns} × {h2} = {}",
                num4(l.after.hit)
            )?;
            writeln!(
                out,
                "      f = {s} × ({h2} × {f1} + {f2} × {nf1}) + {ns} × {f2} = {}",
                num4(l.after.false_alarm)
            )?;
            writeln!(
                out,
                "      h - f = {} × ({s} × {} + {ns}) = {}",
                num4(l.own.discrimination),
                num4(l.before.discrimination),
                num4(l.after.discrimination)
            )?;
        }
    }
    writeln!(
        out,
        "    chain: h = {}, f = {}, h - f = {}",
        num4(c.effective.hit),
        num4(c.effective.false_alarm),
        num4(c.effective.discrimination)
    )
}

/// "source, " when the report's id is not its source's.
fn source_of(r: &ReportLine) -> String {
    if r.id == r.source {
        String::new()
    } else {
        format!("{}, ", r.source)
    }
}

fn report_word(r: &ReportLine) -> &'static str {
    match (r.observed, r.asserts) {
        (false, _) => "not in hand",
        (true, true) => "asserts",
        (true, false) => "denies",
    }
}

fn write_item(out: &mut dyn Write, view: &ExplainView, it: &ItemView) -> io::Result<()> {
    writeln!(out, "  {}: {}", it.id, it.claim)?;
    if !it.enabled {
        wrap(
            out,
            "Disabled: the model leaves this item out; the figures show what it would contribute.",
            "    ",
            WIDTH,
        )?;
    }
    if it.established {
        wrap(
            out,
            "No reports: the item is taken as established (observed true), so P(reports | E) = 1, P(reports | not E) = 0, and P(item | h) = P(E | h).",
            "    ",
            WIDTH,
        )?;
    } else {
        // By id through a map: a scan per report was quadratic in an item
        // with many reports.
        let by_id: std::collections::HashMap<&str, _> =
            it.reports.iter().map(|r| (r.id.as_str(), r)).collect();
        let find = |id: &str| by_id.get(id).copied();
        for o in &it.origins {
            let single = match o.reports.as_slice() {
                [only] => find(only),
                _ => None,
            };
            match single {
                Some(r) if r.observed => {
                    let (t, f) = if r.asserts {
                        ("h", "f")
                    } else {
                        ("1 - h", "1 - f")
                    };
                    writeln!(
                        out,
                        "    {} ({}{}{}): P(· | E) = {t} = {}, P(· | not E) = {f} = {}",
                        r.id,
                        source_of(r),
                        report_word(r),
                        if r.latent { ", mean h and f" } else { "" },
                        num4(o.given_true),
                        num4(o.given_false)
                    )?;
                }
                Some(r) => {
                    writeln!(
                        out,
                        "    {} ({}not in hand): relayed by nothing in hand, so it adds nothing (1 and 1)",
                        r.id,
                        source_of(r)
                    )?;
                }
                None => {
                    let parts: Vec<String> = o
                        .reports
                        .iter()
                        .filter_map(|id| find(id))
                        .map(|r| {
                            let via = r
                                .via
                                .as_ref()
                                .map_or_else(String::new, |v| format!(" via {v}"));
                            format!("{}{via} {}", r.id, report_word(r))
                        })
                        .collect();
                    let how = if o
                        .reports
                        .iter()
                        .filter_map(|id| find(id))
                        .all(|r| r.observed)
                    {
                        "the product over the reports of P(report | the report it relays, E)"
                    } else {
                        "summed over the states of the reports not in hand"
                    };
                    wrap(
                        out,
                        &format!(
                            "origin {} and its relays ({}): P(· | E) = {}, P(· | not E) = {}, {how}",
                            o.reports.first().map_or("", String::as_str),
                            parts.join("; "),
                            num4(o.given_true),
                            num4(o.given_false)
                        ),
                        "    ",
                        WIDTH,
                    )?;
                }
            }
        }
        if !it.repeats.is_empty() {
            let pairs: Vec<String> = it
                .repeats
                .iter()
                .map(|r| format!("{} repeats {}", r.report, r.repeats))
                .collect();
            wrap(
                out,
                &format!(
                    "A full relay of a report that is in hand adds nothing about E: {}. Given what it repeats, its factor is the same under E and not E, and cancels in the ratio.",
                    and_list(&pairs)
                ),
                "    ",
                WIDTH,
            )?;
        }
        if !it.latent_sources.is_empty() {
            let text = if it.latent_sources.len() == 1 {
                format!(
                    "Reports of {0} use {0}'s shared latent reliability: these figures average over its levels (step 1), weighted by their prior.",
                    it.latent_sources[0]
                )
            } else {
                format!(
                    "Reports of {} use those sources' shared latent reliabilities: these figures average over their levels (step 1), weighted by their prior.",
                    and_list(&it.latent_sources)
                )
            };
            wrap(out, &text, "    ", WIDTH)?;
        }
        let (t, f) = (num4(it.reports_given_true), num4(it.reports_given_false));
        if it.origins.len() > 1 && !it.origins_coupled {
            let pt: Vec<String> = it.origins.iter().map(|o| num4(o.given_true)).collect();
            let pf: Vec<String> = it.origins.iter().map(|o| num4(o.given_false)).collect();
            writeln!(
                out,
                "    Independent origins multiply: P(reports | E) = {} = {t}",
                pt.join(" × ")
            )?;
            writeln!(
                out,
                "                                  P(reports | not E) = {} = {f}",
                pf.join(" × ")
            )?;
        } else {
            if it.origins_coupled {
                wrap(
                    out,
                    "The origins share a latent reliability, so they are not independent: the exact figures below are the prior average of the product over its levels, not the product of the figures above.",
                    "    ",
                    WIDTH,
                )?;
            }
            writeln!(out, "    P(reports | E) = {t}, P(reports | not E) = {f}")?;
        }
    }
    let two = view.hypotheses.len() == 2;
    writeln!(
        out,
        "    P(reports | h) = P(E | h) × P(reports | E) + (1 - P(E | h)) × P(reports | not E)"
    )?;
    writeln!(
        out,
        "    {}",
        if two {
            "\"not h\" is the other hypothesis; ratio = P(reports | h) / P(reports | not h)"
        } else {
            "\"not h\" is the other hypotheses weighted by prior; ratio = P(reports | h) / P(reports | not h)"
        }
    )?;
    let mut t = Table::new(&[
        "h",
        "P(E|h)",
        "P(reports|h)",
        "P(reports|not h)",
        "ratio",
        "dB",
    ])
    .right_align([1, 3, 4, 5]);
    for h in &it.hypotheses {
        let ratio = match (h.likelihood_ratio, h.reports == 0.0) {
            (Some(r), _) => num4(r),
            (None, true) if h.reports_not == 0.0 => "n/a".to_string(),
            (None, true) => "0".to_string(),
            (None, false) => "inf".to_string(),
        };
        let db = match h.woe_db {
            Some(d) => signed4(d),
            None if h.reports == 0.0 => "-inf (ruled out)".to_string(),
            None => "+inf (rules the rest out)".to_string(),
        };
        t.row(vec![
            h.id.clone(),
            num4(h.likelihood),
            format!(
                "{} × {} + {} × {} = {}",
                num4(h.likelihood),
                num4(it.reports_given_true),
                num4(1.0 - h.likelihood),
                num4(it.reports_given_false),
                num4(h.reports)
            ),
            num4(h.reports_not),
            ratio,
            db,
        ]);
    }
    t.write(out, "    ")?;
    writeln!(out)
}

fn posterior_table<'a>(
    view: &ExplainView,
    first: &str,
    rows: impl Iterator<Item = (String, &'a [f64])>,
) -> Table {
    let mut header = vec![first];
    header.extend(view.hypotheses.iter().map(|h| h.id.as_str()));
    let mut t = Table::new(&header).right_align(1..=view.hypotheses.len());
    for (label, p) in rows {
        let mut row = vec![label];
        row.extend(p.iter().map(|x| num4(*x)));
        t.row(row);
    }
    t
}

/// Write the view as aligned text.
pub fn write_text(view: &ExplainView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", view.model.title)?;
    if let Some(q) = &view.model.question {
        writeln!(out, "Question: {q}")?;
    }
    match &view.item {
        Some(i) => writeln!(out, "The arithmetic for item {i}, step by step")?,
        None => writeln!(out, "The arithmetic, step by step")?,
    }
    writeln!(out)?;
    writeln!(out, "Hypotheses and priors")?;
    for h in &view.hypotheses {
        writeln!(out, "  {}: {} (prior {})", h.id, h.title, num4(h.prior))?;
    }
    writeln!(out)?;

    writeln!(out, "Step 1. Each source's hit rate and false-alarm rate")?;
    wrap(
        out,
        "h = P(the source asserts the claim | it is true), f = P(it asserts it | it is false). With probability r (its reliability) the source reports accurately; otherwise it asserts the claim with probability b (its bias). So",
        "  ",
        WIDTH,
    )?;
    writeln!(
        out,
        "      h = r + (1 - r) b,   f = (1 - r) b,   h - f = r (its discriminating power)."
    )?;
    if view.sources.is_empty() {
        writeln!(out, "  (no sources: every item is given)")?;
    }
    for s in &view.sources {
        write_pair_step(out, &s.source, s)?;
    }
    for o in &view.report_overrides {
        let name = format!(
            "report {} of {} (source {}) overrides",
            o.report.as_deref().unwrap_or(""),
            o.item.as_deref().unwrap_or(""),
            o.source
        );
        write_pair_step(out, &name, o)?;
    }
    writeln!(out)?;

    writeln!(out, "Step 2. How relays attenuate")?;
    wrap(
        out,
        "A relay reports what it heard, not the event. A pure relay chain with (h1, f1) then (h2, f2) has",
        "  ",
        WIDTH,
    )?;
    writeln!(
        out,
        "      h = h2 h1 + f2 (1 - h1),   f = h2 f1 + f2 (1 - f1),   h - f = (h2 - f2)(h1 - f1):"
    )?;
    wrap(
        out,
        "discriminating power multiplies, so it only shrinks along a chain. A partial relay of strength s relays with weight s and reports the event directly with weight 1 - s:",
        "  ",
        WIDTH,
    )?;
    writeln!(
        out,
        "      h = s [h2 h1 + f2 (1 - h1)] + (1 - s) h2,   f = s [h2 f1 + f2 (1 - f1)] + (1 - s) f2,"
    )?;
    writeln!(out, "      h - f = (h2 - f2) [s (h1 - f1) + 1 - s].")?;
    wrap(
        out,
        "A chain's pair is what its last report says of the event when the reports before it are not in hand; step 3 combines all the reports exactly.",
        "  ",
        WIDTH,
    )?;
    if view.chains.is_empty() {
        writeln!(out, "  (no relay chains: every report is first-hand)")?;
    }
    for c in &view.chains {
        write_chain(out, c)?;
    }
    writeln!(out)?;

    writeln!(out, "Step 3. Each item's likelihood under each hypothesis")?;
    wrap(
        out,
        "E is the item's claim. Its reports depend on the hypothesis only through E, so",
        "  ",
        WIDTH,
    )?;
    writeln!(
        out,
        "      P(reports | h) = P(E | h) P(reports | E) + (1 - P(E | h)) P(reports | not E)."
    )?;
    wrap(
        out,
        "The likelihood ratio compares h with the rest; its weight of evidence is 10 log10 of the ratio, in decibans (dB).",
        "  ",
        WIDTH,
    )?;
    writeln!(out)?;
    for it in &view.items {
        write_item(out, view, it)?;
    }
    if !view.disabled.is_empty() {
        writeln!(out, "  Disabled, left out: {}", view.disabled.join(", "))?;
        writeln!(out)?;
    }

    if let Some(r) = &view.running {
        writeln!(out, "Step 4. The running posterior")?;
        wrap(
            out,
            "Start from the priors; after each item (model order), multiply by its P(reports | h) and divide by the sum.",
            "  ",
            WIDTH,
        )?;
        let rows = std::iter::once(("(priors)".to_string(), r.priors.as_slice()))
            .chain(
                r.rows
                    .iter()
                    .map(|row| (row.item.clone(), row.posterior.as_slice())),
            )
            .chain(std::iter::once((
                "exact (analyse)".to_string(),
                r.exact.as_slice(),
            )));
        posterior_table(view, "after item", rows).write(out, "  ")?;
        let note = if r.approximate {
            format!(
                "Approximation: {} share{} a latent reliability across items, and the running product treats each item as if it had its own. The exact posterior (the last row, from analyse) lets what one item says of a source's reliability inform every other item it reports; it differs from the last running row by up to {}.",
                and_list(&r.shared_latent),
                if r.shared_latent.len() == 1 { "s" } else { "" },
                num4(r.difference)
            )
        } else if r.difference < 1e-9 {
            "No latent reliability is shared between items, so the running product is exact: its last row is the posterior from analyse (difference below 1e-9).".to_string()
        } else {
            format!(
                "The last running row differs from analyse by {}.",
                num4(r.difference)
            )
        };
        wrap(out, &note, "  ", WIDTH)?;
    }

    if let Some(f) = &view.focus {
        writeln!(out, "Effect of {} on the posterior", f.item)?;
        if !f.enabled {
            wrap(
                out,
                "The item is disabled, so it has no effect on the posterior below.",
                "  ",
                WIDTH,
            )?;
        }
        let mut header = vec!["h", "prior"];
        let without = format!("without {}", f.item);
        if f.without.is_some() {
            header.push(&without);
        }
        header.extend(["with every item", "effect"]);
        let mut t = Table::new(&header).right_align(1..header.len());
        for (h, hyp) in view.hypotheses.iter().enumerate() {
            let mut row = vec![hyp.id.clone(), num4(f.prior[h])];
            if let Some(w) = &f.without {
                row.push(num4(w[h]));
            }
            row.push(num4(f.with[h]));
            row.push(
                f.effect
                    .as_ref()
                    .map_or_else(|| "n/a".to_string(), |e| signed4(e[h])),
            );
            t.row(row);
        }
        t.write(out, "  ")?;
    }
    Ok(())
}
