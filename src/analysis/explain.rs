//! The arithmetic behind a posterior, step by step, for teaching: each
//! source's hit and false-alarm rates, how relays attenuate them, how an
//! item's reports become its likelihood under each hypothesis, and the
//! running posterior item by item.
//!
//! Every figure is computed exactly by the same network engine `analyse`
//! uses (a one-item network per item), so the steps and the final answer can
//! never drift apart; the step-by-step formulas are then checked against it.

use crate::model::{
    Estimate, Item, ItemId, Meta, Model, Probability, Reliability, Report, ReportId, SourceId,
    hit_false_alarm,
};
use crate::network::{self, InferError};

use super::{Analysis, AnalysisError, EvidenceWeigher, budget, log_sum_exp, sums_leaving_out_each};

/// Schum's credibility pair: h = P(asserts | true), f = P(asserts | false).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    /// h = P(the report asserts the claim | the claim is true).
    pub hit: f64,
    /// f = P(the report asserts the claim | the claim is false).
    pub false_alarm: f64,
}

impl Pair {
    /// Discriminating power h - f: 0 for a worthless report, 1 for a perfect one.
    pub fn discrimination(self) -> f64 {
        self.hit - self.false_alarm
    }
}

/// Where a pair (h, f) comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum PairFrom {
    /// Reliability r and bias b: h = r + (1-r) b, f = (1-r) b.
    Accuracy {
        /// The reliability used.
        r: f64,
        /// The bias used.
        bias: f64,
        /// The Admiralty letter or words the reliability was written as.
        label: Option<String>,
        /// A report-level interval, taken at its midpoint `r`.
        r_interval: Option<(f64, f64)>,
        /// An interval bias, taken at its midpoint `bias`.
        bias_interval: Option<(f64, f64)>,
        /// No bias written: the default 0.5.
        bias_default: bool,
    },
    /// `{ hit, false_alarm }` written directly.
    Credibility,
    /// An interval reliability at source level: one latent node shared by
    /// all the source's reports, uniform over `levels`.
    Latent {
        /// The interval's lower bound.
        low: f64,
        /// The interval's upper bound.
        high: f64,
        /// The Admiralty letter it was written as (F), if any.
        label: Option<String>,
        /// The bias used at every level.
        bias: f64,
        /// No bias written: the default 0.5.
        bias_default: bool,
        /// The reliability r at each level.
        levels: Vec<f64>,
        /// (h, f) at each level.
        pairs: Vec<Pair>,
    },
}

/// Step 1 for one source (or one report that overrides its source).
#[derive(Clone, Debug)]
pub struct PairStep {
    /// How the pair was formed.
    pub from: PairFrom,
    /// The pair; for a latent reliability, the mean over its levels.
    pub pair: Pair,
}

/// Step 1 for one source.
#[derive(Clone, Debug)]
pub struct SourceStep {
    /// The source.
    pub source: SourceId,
    /// Its pair and where it comes from.
    pub step: PairStep,
}

/// A report whose own reliability or bias overrides its source's.
#[derive(Clone, Debug)]
pub struct OverrideStep {
    /// The report's item.
    pub item: ItemId,
    /// The report.
    pub report: ReportId,
    /// Its own pair and where it comes from.
    pub step: PairStep,
}

/// One link of a relay chain: `report` relays the chain so far.
#[derive(Clone, Debug)]
pub struct LinkStep {
    /// The relaying report.
    pub report: ReportId,
    /// The relaying report's own (h2, f2).
    pub own: Pair,
    /// 1 for a pure relay; below 1 the partial-dependence mixture.
    pub strength: f64,
    /// The chain's effective pair before this link (h1, f1).
    pub before: Pair,
    /// After it.
    pub after: Pair,
}

/// Step 2: a relay chain from an origin to a report nothing relays.
#[derive(Clone, Debug)]
pub struct ChainStep {
    /// The item.
    pub item: ItemId,
    /// Origin first.
    pub reports: Vec<ReportId>,
    /// The origin's own pair, relative to the event.
    pub origin: Pair,
    /// One step per relay, origin side first.
    pub links: Vec<LinkStep>,
}

impl ChainStep {
    /// The effective pair of the whole chain.
    pub fn effective(&self) -> Pair {
        self.links.last().map_or(self.origin, |l| l.after)
    }
}

/// One independent origin of an item and the reports that descend from it.
#[derive(Clone, Debug)]
pub struct OriginStep {
    /// Origin first, then its relays in model order.
    pub reports: Vec<ReportId>,
    /// P(these reports | E).
    pub given_true: f64,
    /// P(these reports | not E).
    pub given_false: f64,
}

/// Step 3 for one hypothesis.
#[derive(Clone, Debug)]
pub struct HypothesisStep {
    /// P(E | h).
    pub likelihood: f64,
    /// P(reports | h) = P(E|h) P(reports|E) + (1 - P(E|h)) P(reports|not E).
    pub reports: f64,
    /// P(reports | not h): the other hypotheses weighted by their priors.
    pub reports_not: f64,
    /// P(reports | h) / P(reports | not h); `None` for 0/0.
    pub ratio: Option<f64>,
    /// 10 log10 of the ratio (`weight_of_evidence`); may be infinite.
    pub woe_db: f64,
}

/// Step 3: how one item's likelihood is formed from its reports.
#[derive(Clone, Debug)]
pub struct ItemStep {
    /// The item.
    pub item: ItemId,
    /// False for a disabled item (then nothing below is computed).
    pub enabled: bool,
    /// No reports: the item is observed true.
    pub established: bool,
    /// Sources whose shared latent reliability the item's reports use: the
    /// figures are averaged over its prior.
    pub latent_sources: Vec<SourceId>,
    /// One step per independent origin.
    pub origins: Vec<OriginStep>,
    /// The origins share a latent reliability, so P(reports | E) is the
    /// prior average of a product, not the product of the origins' figures.
    pub origins_coupled: bool,
    /// P(all the item's reports | E), exact.
    pub given_true: f64,
    /// P(all the item's reports | not E), exact.
    pub given_false: f64,
    /// Observed reports that fully relay an observed report: given what they
    /// repeat, they say nothing more about E (their factor cancels). Pairs
    /// of (relay, relayed).
    pub repeats: Vec<(ReportId, ReportId)>,
    /// Indexed by `HypothesisId`.
    pub hypotheses: Vec<HypothesisStep>,
}

/// Step 4: the posterior after each item in turn.
#[derive(Clone, Debug)]
pub struct Running {
    /// The priors, where the running posterior starts.
    pub priors: Vec<f64>,
    /// One row per enabled item, model order.
    pub rows: Vec<(ItemId, Vec<f64>)>,
    /// The exact posterior from `analyse`.
    pub exact: Vec<f64>,
    /// Latent reliabilities shared by two or more enabled items: the
    /// running product treats each item as if it had its own, so it is an
    /// approximation.
    pub shared_latent: Vec<SourceId>,
    /// Largest |last running row - exact| over hypotheses.
    pub difference: f64,
}

impl Running {
    /// Whether the running posterior only approximates the exact one (shared
    /// latent reliabilities).
    pub fn is_approximate(&self) -> bool {
        !self.shared_latent.is_empty()
    }

    /// The running posterior after the last item (the priors with none).
    pub fn last(&self) -> &[f64] {
        self.rows.last().map_or(&self.priors, |(_, p)| p)
    }
}

/// With `--item`: what that one item does to the posterior.
#[derive(Clone, Debug)]
pub struct Focus {
    /// The item.
    pub item: ItemId,
    /// False for a disabled item, which changes nothing.
    pub enabled: bool,
    /// The priors.
    pub priors: Vec<f64>,
    /// Exact posterior with every enabled item.
    pub with: Vec<f64>,
    /// Exact posterior without this item; `None` when disabled or not computed.
    pub without: Option<Vec<f64>>,
}

/// The arithmetic of a model's posterior, step by step (what `credence
/// explain` shows).
#[derive(Clone, Debug)]
pub struct Explanation {
    /// Step 1: each source's hit and false-alarm rates.
    pub sources: Vec<SourceStep>,
    /// Step 1 for reports that override their source's reliability or bias.
    pub overrides: Vec<OverrideStep>,
    /// Step 2: every relay chain.
    pub chains: Vec<ChainStep>,
    /// Step 3: each item's likelihood under each hypothesis.
    pub items: Vec<ItemStep>,
    /// Items left out of steps 2-4 because they are disabled.
    pub disabled: Vec<ItemId>,
    /// `None` with `--item`.
    pub running: Option<Running>,
    /// `Some` with `--item`.
    pub focus: Option<Focus>,
}

/// Explain the whole model, or (with `only`) one item.
pub fn explain(
    model: &Model,
    analysis: &Analysis,
    only: Option<ItemId>,
) -> Result<Explanation, AnalysisError> {
    let priors = model.priors();
    let weigher = EvidenceWeigher::new(&priors);
    let selected: Vec<ItemId> = match only {
        Some(i) => vec![i],
        None => (0..model.items.len())
            .map(ItemId)
            .filter(|&i| model.items[i.0].enabled)
            .collect(),
    };
    let disabled = match only {
        Some(_) => Vec::new(),
        None => (0..model.items.len())
            .map(ItemId)
            .filter(|&i| !model.items[i.0].enabled)
            .collect(),
    };

    // Step 3 has a row per hypothesis (and a line per report) for every
    // item shown, step 4 a posterior per hypothesis after every enabled
    // item: refuse a view too large to build before making it.
    let hypotheses = model.hypotheses.len() as f64;
    let reports: usize = selected
        .iter()
        .map(|i| model.items[i.0].reports.len())
        .sum();
    let running_rows = if only.is_none() { selected.len() } else { 0 };
    let cells = (selected.len() + running_rows) as f64 * hypotheses + reports as f64;
    budget::check_view_cells(
        "explain",
        cells,
        || {
            format!(
                "lay out this many cells ({} items x {} hypotheses in step 3{}, and {reports} report lines)",
                selected.len(),
                model.hypotheses.len(),
                if running_rows > 0 {
                    " and again in the running posterior"
                } else {
                    ""
                }
            )
        },
        || "explain one item at a time with --item ID".to_string(),
    )?;
    let mut used: Vec<SourceId> = match only {
        Some(i) => model.items[i.0].reports.iter().map(|r| r.source).collect(),
        None => (0..model.sources.len()).map(SourceId).collect(),
    };
    used.sort_unstable();
    used.dedup();
    let levels = model.meta.reliability_levels;
    let sources = used
        .into_iter()
        .map(|s| {
            let src = &model.sources[s.0];
            SourceStep {
                source: s,
                step: pair_step(&src.reliability, src.bias.as_ref(), true, levels),
            }
        })
        .collect();

    let mut overrides = Vec::new();
    let mut chains = Vec::new();
    let mut items = Vec::new();
    let mut scratch = Scratch::new(model);
    for &i in &selected {
        let item = &model.items[i.0];
        for (r, report) in item.reports.iter().enumerate() {
            if report.reliability.is_some() || report.bias.is_some() {
                let (rel, _) = model.report_reliability(report);
                let bias = report
                    .bias
                    .as_ref()
                    .or(model.sources[report.source.0].bias.as_ref());
                // A report-level interval is a point (its midpoint), never latent.
                overrides.push(OverrideStep {
                    item: i,
                    report: ReportId(r),
                    step: pair_step(rel, bias, report.reliability.is_none(), levels),
                });
            }
        }
        chains.extend(relay_chains(model, i));
        items.push(item_step(model, &mut scratch, i, &weigher)?);
    }

    let (running, focus) = match only {
        None => (Some(running(model, analysis, &priors)), None),
        Some(i) => {
            let with: Vec<f64> = analysis.hypotheses.iter().map(|h| h.posterior).collect();
            let result = &analysis.items[i.0];
            let without = result
                .effect
                .as_ref()
                .filter(|_| result.enabled)
                .map(|e| with.iter().zip(e).map(|(p, d)| p - d).collect());
            (
                None,
                Some(Focus {
                    item: i,
                    enabled: model.items[i.0].enabled,
                    priors: priors.clone(),
                    with,
                    without,
                }),
            )
        }
    };
    Ok(Explanation {
        sources,
        overrides,
        chains,
        items,
        disabled,
        running,
        focus,
    })
}

fn interval_of(e: &Estimate) -> Option<(f64, f64)> {
    e.range
        .filter(|r| r.width() > 0.0)
        .map(|r| (r.low().get(), r.high().get()))
}

/// Step 1 for one reliability. `may_be_latent`: an interval here is a
/// source-level latent node (a report-level interval is its midpoint).
fn pair_step(
    reliability: &Reliability,
    bias: Option<&Estimate>,
    may_be_latent: bool,
    levels: usize,
) -> PairStep {
    let b = bias.map_or(Probability::HALF, |b| b.point);
    match reliability {
        Reliability::Credibility { hit, false_alarm } => PairStep {
            from: PairFrom::Credibility,
            pair: Pair {
                hit: hit.point.get(),
                false_alarm: false_alarm.point.get(),
            },
        },
        Reliability::Accuracy(r) => match r.range.filter(|x| x.width() > 0.0) {
            Some(range) if may_be_latent => {
                let values = crate::network::latent_levels(range, levels.max(1));
                let pairs: Vec<Pair> = values
                    .iter()
                    .map(|&v| {
                        let (h, f) = hit_false_alarm(Probability::clamped(v), b);
                        Pair {
                            hit: h.get(),
                            false_alarm: f.get(),
                        }
                    })
                    .collect();
                let n = pairs.len().max(1) as f64;
                let pair = Pair {
                    hit: pairs.iter().map(|p| p.hit).sum::<f64>() / n,
                    false_alarm: pairs.iter().map(|p| p.false_alarm).sum::<f64>() / n,
                };
                PairStep {
                    from: PairFrom::Latent {
                        low: range.low().get(),
                        high: range.high().get(),
                        label: r.label.clone(),
                        bias: b.get(),
                        bias_default: bias.is_none(),
                        levels: values,
                        pairs,
                    },
                    pair,
                }
            }
            _ => {
                let (h, f) = hit_false_alarm(r.point, b);
                PairStep {
                    from: PairFrom::Accuracy {
                        r: r.point.get(),
                        bias: b.get(),
                        label: r.label.clone(),
                        r_interval: interval_of(r),
                        bias_interval: bias.and_then(interval_of),
                        bias_default: bias.is_none(),
                    },
                    pair: Pair {
                        hit: h.get(),
                        false_alarm: f.get(),
                    },
                }
            }
        },
    }
}

/// A report's pair as used in a chain: its point pair, or the mean over its
/// source's latent levels.
pub fn report_pair(model: &Model, report: &Report) -> Pair {
    let (rel, bias) = model.report_reliability(report);
    let source = &model.sources[report.source.0];
    match source.latent_range() {
        Some(range) if model.uses_latent_reliability(report) => {
            let values = crate::network::latent_levels(range, model.meta.reliability_levels.max(1));
            let n = values.len() as f64;
            let (mut h, mut f) = (0.0, 0.0);
            for v in values {
                let (a, b) = hit_false_alarm(Probability::clamped(v), bias);
                h += a.get();
                f += b.get();
            }
            Pair {
                hit: h / n,
                false_alarm: f / n,
            }
        }
        _ => {
            let (h, f) = rel.hit_false_alarm(bias);
            Pair {
                hit: h.get(),
                false_alarm: f.get(),
            }
        }
    }
}

/// The report a report relays, as the network sees it: a link of strength 0
/// is no relay at all.
fn relayed(report: &Report) -> Option<(ReportId, f64)> {
    report
        .via
        .as_ref()
        .filter(|l| l.strength.get() > 0.0)
        .map(|l| (l.parent, l.strength.get()))
}

/// One link: the chain so far `before` = (h1, f1), relayed by a report with
/// its own (h2, f2) at strength s:
/// h = s (h2 h1 + f2 (1 - h1)) + (1 - s) h2, f = s (h2 f1 + f2 (1 - f1)) + (1 - s) f2.
pub fn relay(before: Pair, own: Pair, strength: f64) -> Pair {
    let (h1, f1) = (before.hit, before.false_alarm);
    let (h2, f2) = (own.hit, own.false_alarm);
    let s = strength;
    Pair {
        hit: s * (h2 * h1 + f2 * (1.0 - h1)) + (1.0 - s) * h2,
        false_alarm: s * (h2 * f1 + f2 * (1.0 - f1)) + (1.0 - s) * f2,
    }
}

/// Step 2 for one item: every chain from an origin to a report that nothing
/// relays, when it has at least one relay link.
pub fn relay_chains(model: &Model, i: ItemId) -> Vec<ChainStep> {
    let item = &model.items[i.0];
    let n = item.reports.len();
    let mut relayed_by_someone = vec![false; n];
    for r in &item.reports {
        if let Some((p, _)) = relayed(r) {
            relayed_by_someone[p.0] = true;
        }
    }
    let mut out = Vec::new();
    for leaf in (0..n).filter(|&r| !relayed_by_someone[r]) {
        let mut path = vec![ReportId(leaf)];
        let mut at = leaf;
        while let Some((p, _)) = relayed(&item.reports[at]) {
            // Validation rejects cycles; the length guard keeps this total anyway.
            if path.len() > n {
                break;
            }
            path.push(p);
            at = p.0;
        }
        if path.len() < 2 {
            continue;
        }
        path.reverse();
        let origin = report_pair(model, &item.reports[path[0].0]);
        let mut before = origin;
        let mut links = Vec::new();
        for &r in &path[1..] {
            let report = &item.reports[r.0];
            let own = report_pair(model, report);
            let strength = relayed(report).map_or(0.0, |(_, s)| s);
            let after = relay(before, own, strength);
            links.push(LinkStep {
                report: r,
                own,
                strength,
                before,
                after,
            });
            before = after;
        }
        out.push(ChainStep {
            item: i,
            reports: path,
            origin,
            links,
        });
    }
    out
}

/// The root each report descends from through relay links.
fn roots(item: &Item) -> Vec<ReportId> {
    (0..item.reports.len())
        .map(|r| {
            let mut at = r;
            let mut steps = 0;
            while let Some((p, _)) = relayed(&item.reports[at]) {
                steps += 1;
                if steps > item.reports.len() {
                    break;
                }
                at = p.0;
            }
            ReportId(at)
        })
        .collect()
}

/// A two-hypothesis copy of a model ("E true", "E false") in which one item
/// at a time is compiled on its own: P(reports | h) of that network is
/// P(reports | E) and P(reports | not E), computed exactly by the same engine
/// as the posterior, latent reliabilities averaged over their prior.
pub struct Scratch {
    model: Model,
}

impl Scratch {
    /// The two-hypothesis copy of `model` (no item compiled yet).
    pub fn new(model: &Model) -> Scratch {
        let hypothesis = |id: &str| crate::model::Hypothesis {
            id: id.to_string(),
            title: id.to_string(),
            prior_written: None,
            prior: Probability::HALF,
            rationale: None,
            span: 0..0,
        };
        Scratch {
            model: Model {
                meta: Meta {
                    reliability_levels: model.meta.reliability_levels,
                    ..Meta::default()
                },
                hypotheses: vec![hypothesis("true"), hypothesis("false")],
                groups: Vec::new(),
                sources: model.sources.clone(),
                items: Vec::new(),
                pending: Vec::new(),
                dependencies: Vec::new(),
                scenarios: Vec::new(),
                scales: model.scales.clone(),
            },
        }
    }

    /// (P(reports | E), P(reports | not E)) for these reports of one item.
    pub fn given(&mut self, reports: Vec<Report>) -> Result<(f64, f64), InferError> {
        self.model.items = vec![Item {
            id: "item".to_string(),
            claim: String::new(),
            likelihood: vec![
                Estimate::exact(Probability::ONE),
                Estimate::exact(Probability::ZERO),
            ],
            rationale: None,
            enabled: true,
            reports,
            notes: None,
            span: 0..0,
        }];
        let compiled = network::compile(&self.model);
        let ll = match compiled.items.first() {
            Some(nodes) => compiled.item_log_likelihood(nodes)?,
            None => vec![0.0, 0.0],
        };
        Ok((
            ll.first().map_or(1.0, |x| x.exp()),
            ll.get(1).map_or(1.0, |x| x.exp()),
        ))
    }
}

/// P(reports | E) and P(reports | not E) for every item of the model
/// (disabled ones too), indexed by `ItemId`.
pub fn report_likelihoods(model: &Model) -> Result<Vec<(f64, f64)>, InferError> {
    let mut scratch = Scratch::new(model);
    model
        .items
        .iter()
        .map(|item| scratch.given(item.reports.clone()))
        .collect()
}

/// The reports of one origin's tree, re-indexed as an item of their own.
fn tree_reports(item: &Item, members: &[ReportId]) -> Vec<Report> {
    let position: std::collections::HashMap<ReportId, usize> =
        members.iter().enumerate().map(|(k, &r)| (r, k)).collect();
    members
        .iter()
        .map(|&r| {
            let mut report = item.reports[r.0].clone();
            report.via = report.via.and_then(|mut link| {
                link.parent = ReportId(*position.get(&link.parent)?);
                Some(link)
            });
            report
        })
        .collect()
}

fn item_step(
    model: &Model,
    scratch: &mut Scratch,
    i: ItemId,
    weigher: &EvidenceWeigher,
) -> Result<ItemStep, InferError> {
    let item = &model.items[i.0];
    let (given_true, given_false) = scratch.given(item.reports.clone())?;
    let root = roots(item);
    // Each origin's tree, grouped in one pass (the origin first, then its
    // reports in file order): a scan of every report per origin was
    // quadratic in an item with many independent reports.
    let mut members_of: std::collections::BTreeMap<ReportId, Vec<ReportId>> =
        std::collections::BTreeMap::new();
    for (r, &o) in root.iter().enumerate() {
        members_of.entry(o).or_insert_with(|| vec![o]);
        if ReportId(r) != o {
            members_of.entry(o).or_default().push(ReportId(r));
        }
    }
    let single = members_of.len() == 1;
    let mut origins = Vec::with_capacity(members_of.len());
    for (_, members) in members_of {
        let (t, f) = if single {
            (given_true, given_false)
        } else {
            scratch.given(tree_reports(item, &members))?
        };
        origins.push(OriginStep {
            reports: members,
            given_true: t,
            given_false: f,
        });
    }
    let mut latent_sources: Vec<SourceId> = item
        .reports
        .iter()
        .filter(|r| model.uses_latent_reliability(r))
        .map(|r| r.source)
        .collect();
    latent_sources.sort_unstable();
    latent_sources.dedup();
    // Origins are coupled when one latent source reports in two of them:
    // the first origin each latent source is seen in, in one pass.
    let mut first_origin: std::collections::BTreeMap<SourceId, ReportId> =
        std::collections::BTreeMap::new();
    let origins_coupled = item.reports.iter().enumerate().any(|(r, rep)| {
        model.uses_latent_reliability(rep)
            && *first_origin.entry(rep.source).or_insert(root[r]) != root[r]
    });
    let repeats = item
        .reports
        .iter()
        .enumerate()
        .filter_map(|(r, rep)| {
            let (p, s) = relayed(rep)?;
            (rep.observed && s >= 1.0 && item.reports[p.0].observed).then_some((ReportId(r), p))
        })
        .collect();

    let hypotheses = hypothesis_steps(
        item.likelihood.iter().map(|l| l.point.get()),
        given_true,
        given_false,
        weigher,
    );
    Ok(ItemStep {
        item: i,
        enabled: item.enabled,
        established: item.reports.is_empty(),
        latent_sources,
        origins,
        origins_coupled,
        given_true,
        given_false,
        repeats,
        hypotheses,
    })
}

/// P(reports | h) = P(E|h) P(reports|E) + (1 - P(E|h)) P(reports|not E) per
/// hypothesis, then each hypothesis against the rest (weighed by the priors
/// the `weigher` was made with).
pub fn hypothesis_steps(
    likelihood: impl Iterator<Item = f64>,
    given_true: f64,
    given_false: f64,
    weigher: &EvidenceWeigher,
) -> Vec<HypothesisStep> {
    let l: Vec<f64> = likelihood.collect();
    let p: Vec<f64> = l
        .iter()
        .map(|&x| x * given_true + (1.0 - x) * given_false)
        .collect();
    let ll: Vec<f64> = p.iter().map(|x| x.ln()).collect();
    let woe = weigher.weigh(&ll);
    // Each hypothesis's prior (0 past the priors given), and every "sum of
    // the others" at once: the same additions, in the same order, as
    // summing the others for one hypothesis at a time (n² of them, not n³).
    let priors = weigher.priors();
    let prior_of: Vec<f64> = (0..p.len())
        .map(|j| priors.get(j).copied().unwrap_or(0.0))
        .collect();
    let others_weight = if p.len() == priors.len() {
        weigher.others_weight().to_vec()
    } else {
        sums_leaving_out_each(&prior_of)
    };
    let weighed: Vec<f64> = prior_of.iter().zip(&p).map(|(w, x)| w * x).collect();
    let others_weighed = sums_leaving_out_each(&weighed);
    let positive = |w: f64| w > 0.0;
    // Only where every other prior is 0: the others weighed equally.
    let others_plain = others_weight
        .iter()
        .any(|&w| !positive(w))
        .then(|| sums_leaving_out_each(&p));
    (0..l.len())
        .map(|h| {
            let weight = others_weight[h];
            let reports_not = match &others_plain {
                Some(plain) if !positive(weight) => plain[h] / (p.len() - 1).max(1) as f64,
                _ => others_weighed[h] / weight,
            };
            let ratio = match (p[h] == 0.0, reports_not == 0.0) {
                (true, true) => None,
                (false, true) => Some(f64::INFINITY),
                _ => Some(p[h] / reports_not),
            };
            HypothesisStep {
                likelihood: l[h],
                reports: p[h],
                reports_not,
                ratio,
                woe_db: woe[h],
            }
        })
        .collect()
}

/// Latent reliabilities used by two or more enabled items.
pub fn shared_latent(model: &Model) -> Vec<SourceId> {
    (0..model.sources.len())
        .map(SourceId)
        .filter(|&s| {
            model
                .items
                .iter()
                .filter(|i| {
                    i.enabled
                        && i.reports
                            .iter()
                            .any(|r| r.source == s && model.uses_latent_reliability(r))
                })
                .count()
                > 1
        })
        .collect()
}

/// Step 4: start from the priors, multiply by each enabled item's
/// P(reports | h) in model order and normalise (in log space, so long
/// products never underflow).
fn running(model: &Model, analysis: &Analysis, priors: &[f64]) -> Running {
    let mut log: Vec<f64> = priors.iter().map(|p| p.ln()).collect();
    let mut rows = Vec::new();
    for result in analysis.items.iter().filter(|r| r.enabled) {
        for (acc, ll) in log.iter_mut().zip(&result.log_likelihood) {
            *acc += ll;
        }
        rows.push((result.item, normalise_log(&log)));
    }
    let exact: Vec<f64> = analysis.hypotheses.iter().map(|h| h.posterior).collect();
    let last = rows.last().map_or(priors, |(_, p)| p.as_slice());
    let difference = last
        .iter()
        .zip(&exact)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    Running {
        priors: priors.to_vec(),
        rows,
        exact,
        shared_latent: shared_latent(model),
        difference,
    }
}

fn normalise_log(log: &[f64]) -> Vec<f64> {
    let total = log_sum_exp(log.iter().copied());
    if total == f64::NEG_INFINITY {
        return vec![f64::NAN; log.len()];
    }
    log.iter().map(|x| (x - total).exp()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pure_relay_multiplies_discrimination() {
        let a = Pair {
            hit: 0.8,
            false_alarm: 0.3,
        };
        let b = Pair {
            hit: 0.95,
            false_alarm: 0.05,
        };
        let c = relay(a, b, 1.0);
        assert!((c.discrimination() - a.discrimination() * b.discrimination()).abs() < 1e-12);
        // Strength 0: the relay is a direct report.
        assert_eq!(relay(a, b, 0.0), b);
    }

    #[test]
    fn partial_relay_is_the_mixture() {
        let a = Pair {
            hit: 0.7,
            false_alarm: 0.2,
        };
        let b = Pair {
            hit: 0.9,
            false_alarm: 0.1,
        };
        let s = 0.4;
        let c = relay(a, b, s);
        let want = b.discrimination() * (s * a.discrimination() + 1.0 - s);
        assert!((c.discrimination() - want).abs() < 1e-12);
    }
}
