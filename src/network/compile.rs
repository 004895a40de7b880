//! Compiling a validated model into a Bayesian network.
//!
//! One hypothesis node; per enabled item a binary event node (child of the
//! hypothesis); per report a binary node, child of its event or of the report
//! it relays (both, for a partial link); per source with an interval
//! reliability one latent reliability node shared by all its reports.

use crate::model::{
    HypothesisId, ItemId, Model, Probability, Reliability, ReportId, SourceId, hit_false_alarm,
};

use super::factor::{Factor, VarId};
use super::graph::Network;
use super::plan::{CompensatedSum, ItemPlan};
use super::ve::{self, DEFAULT_BUDGET_BYTES, InferError};

/// The network nodes that belong to one enabled item.
#[derive(Clone, Debug)]
pub struct ItemNodes {
    /// The model's item.
    pub item: ItemId,
    /// The item's event node E, a child of the hypothesis node.
    pub event: VarId,
    /// Indexed by `ReportId`.
    pub reports: Vec<VarId>,
    /// Latent reliability nodes any of its reports depend on.
    pub latent: Vec<VarId>,
    /// No reports: the event itself is observed true.
    pub established: bool,
    /// How to evaluate the item fast; `None`: the generic engine.
    pub(crate) plan: Option<ItemPlan>,
}

/// A latent reliability node and the reliability at each of its levels.
#[derive(Clone, Debug)]
pub struct ReliabilityNode {
    /// The source whose reliability the node holds.
    pub source: SourceId,
    /// The node.
    pub var: VarId,
    /// The reliability r at each level (the node's states, in order).
    pub levels: Vec<f64>,
}

/// A compiled model: the network, the evidence, and where each model element
/// lives in it.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The network.
    pub net: Network,
    /// The hypothesis node: one state per hypothesis, the priors as its CPT.
    pub hypothesis: VarId,
    /// The nodes of each enabled item, in model order.
    pub items: Vec<ItemNodes>,
    /// The latent reliability nodes, in source order.
    pub reliability: Vec<ReliabilityNode>,
    /// Every observed node and its state: observed reports (1 asserts, 0 denies)
    /// and established events.
    pub evidence: Vec<(VarId, usize)>,
    /// The observed state of each variable, indexed by `VarId`.
    pub observed: Vec<Option<usize>>,
}

/// Per compiled item (in [`Compiled::items`] order), its log-likelihood per
/// hypothesis as last worked out: what [`Compiled::infer_reusing`] reads
/// for the items whose numbers did not change. Empty until first used; it
/// belongs to one network (start a new one when the network is rebuilt).
#[derive(Clone, Debug, Default)]
pub struct LikelihoodCache {
    logs: Vec<Option<Vec<f64>>>,
}

/// The posterior of the hypotheses from ln P(h, all evidence), without
/// latent reliabilities.
fn posterior_of_log_joint(logs: Vec<f64>) -> Result<Posterior, InferError> {
    let total = super::factor::log_sum_exp(&logs);
    if !total.is_finite() {
        return Err(InferError::ImpossibleEvidence);
    }
    Ok(Posterior {
        hypotheses: logs.iter().map(|l| (l - total).exp()).collect(),
        log_evidence: total,
        reliability: Vec::new(),
    })
}

fn binary() -> std::sync::Arc<[String]> {
    thread_local! {
        static BINARY: std::sync::Arc<[String]> = vec!["false".to_string(), "true".to_string()].into();
    }
    BINARY.with(std::sync::Arc::clone)
}

/// Compile a validated model. Disabled items are left out.
pub fn compile(model: &Model) -> Compiled {
    // Room for every node and link up front: at 100,000 items, growing the
    // vectors by doubling would hold up to twice the memory.
    let enabled = || model.items.iter().filter(|i| i.enabled);
    let reports: usize = enabled().map(|i| i.reports.len()).sum();
    let items_enabled = enabled().count();
    let latent = model.sources.len();
    let mut net = Network::with_capacity(
        1 + latent + items_enabled + reports,
        items_enabled + 3 * reports,
    );
    let hypothesis = net.add(
        "hypothesis",
        model
            .hypotheses
            .iter()
            .map(|h| h.id.clone())
            .collect::<Vec<String>>(),
        Vec::new(),
        model.priors(),
    );
    let levels = model.meta.reliability_levels;
    let mut reliability: Vec<ReliabilityNode> = Vec::new();
    for (s, source) in model.sources.iter().enumerate() {
        let Some(range) = source.latent_range() else {
            continue;
        };
        let used = model.items.iter().any(|i| {
            i.enabled
                && i.reports
                    .iter()
                    .any(|r| r.source.0 == s && model.uses_latent_reliability(r))
        });
        if !used {
            continue;
        }
        reliability.push(add_latent(&mut net, model, SourceId(s), range, levels));
    }
    let mut items = Vec::with_capacity(items_enabled);
    let mut evidence = Vec::with_capacity(reports + items_enabled);
    for (i, item) in model.items.iter().enumerate() {
        if !item.enabled {
            continue;
        }
        items.push(add_item(
            &mut net,
            model,
            hypothesis,
            &reliability,
            (ItemId(i), item),
            &mut evidence,
        ));
    }
    Compiled::assemble(net, hypothesis, items, reliability, evidence)
}

/// Add the latent reliability node of a source whose reliability is the
/// interval `range`, spread uniformly over `levels` levels.
fn add_latent(
    net: &mut Network,
    model: &Model,
    source: SourceId,
    range: crate::model::Interval,
    levels: usize,
) -> ReliabilityNode {
    let values = latent_levels(range, levels);
    let var = net.add(
        format!("reliability:{}", model.sources[source.0].id),
        level_names(&values),
        Vec::new(),
        vec![1.0 / levels as f64; levels],
    );
    ReliabilityNode {
        source,
        var,
        levels: values,
    }
}

/// The reliability at each level of a latent node: the midpoints of
/// `levels` equal parts of `range` (what `explain` shows of a latent node,
/// so both read it from here).
pub fn latent_levels(range: crate::model::Interval, levels: usize) -> Vec<f64> {
    (0..levels)
        .map(|j| range.lerp((j as f64 + 0.5) / levels as f64).get())
        .collect()
}

fn level_names(levels: &[f64]) -> Vec<String> {
    levels.iter().map(|r| format!("r={r:.4}")).collect()
}

/// P(E | h) rows of an item's event node.
fn event_cpt(item: &crate::model::Item) -> Vec<f64> {
    item.likelihood
        .iter()
        .flat_map(|l| [1.0 - l.point.get(), l.point.get()])
        .collect()
}

/// The latent reliability node a report depends on, if any.
fn latent_of<'a>(
    model: &Model,
    report: &crate::model::Report,
    reliability: &'a [ReliabilityNode],
) -> Option<&'a ReliabilityNode> {
    if !model.uses_latent_reliability(report) {
        return None;
    }
    reliability.iter().find(|n| n.source == report.source)
}

/// Add one item's event and report nodes, pushing its evidence.
fn add_item(
    net: &mut Network,
    model: &Model,
    hypothesis: VarId,
    reliability: &[ReliabilityNode],
    (i, item): (ItemId, &crate::model::Item),
    evidence: &mut Vec<(VarId, usize)>,
) -> ItemNodes {
    let event = net.add_shared(
        format!("item:{}", item.id),
        binary(),
        vec![hypothesis],
        event_cpt(item),
    );
    let mut vars: Vec<Option<VarId>> = vec![None; item.reports.len()];
    let mut latent = Vec::new();
    // Parents before children: follow each report's chain to its origin.
    for r in 0..item.reports.len() {
        for at in item.chain(ReportId(r)).into_iter().rev() {
            if vars[at.0].is_some() {
                continue;
            }
            let report = &item.reports[at.0];
            let q = latent_of(model, report, reliability);
            if let Some(q) = q
                && !latent.contains(&q.var)
            {
                latent.push(q.var);
            }
            let parent = report
                .via
                .as_ref()
                .map(|l| (vars[l.parent.0].unwrap_or(event), l.strength));
            let (parents, cpt) = report_cpt(model, report, event, q, parent, net);
            let var = net.add_shared(
                format!("report:{}/{}", item.id, report.id),
                binary(),
                parents,
                cpt,
            );
            vars[at.0] = Some(var);
            if report.observed {
                evidence.push((var, usize::from(report.asserts)));
            }
        }
    }
    let established = item.reports.is_empty();
    if established {
        evidence.push((event, 1));
    }
    ItemNodes {
        item: i,
        event,
        reports: vars.into_iter().map(|v| v.unwrap_or(event)).collect(),
        latent,
        established,
        plan: None,
    }
}

/// Compile one item alone, enabled or not: the hypothesis node (variable 0),
/// the latent reliability nodes its reports use (in source order, before the
/// item's own nodes), and its event and report nodes, built exactly as
/// [`compile`] builds them. For recompiling only what a change touches.
pub(crate) fn compile_item(model: &Model, i: ItemId) -> Compiled {
    compile_lone(model, i, &model.items[i.0])
}

/// Compile `item` alone as [`compile_item`] does, for an item that need not
/// be one of `model.items` (a pending item with one possible answer
/// filled in); `i` is the id its nodes carry.
pub(crate) fn compile_lone(model: &Model, i: ItemId, item: &crate::model::Item) -> Compiled {
    let mut net = Network::new();
    let hypothesis = net.add(
        "hypothesis",
        model
            .hypotheses
            .iter()
            .map(|h| h.id.clone())
            .collect::<Vec<String>>(),
        Vec::new(),
        model.priors(),
    );
    let levels = model.meta.reliability_levels;
    let mut sources: Vec<SourceId> = item
        .reports
        .iter()
        .filter(|r| model.uses_latent_reliability(r))
        .map(|r| r.source)
        .collect();
    sources.sort_unstable();
    sources.dedup();
    let reliability: Vec<ReliabilityNode> = sources
        .into_iter()
        .filter_map(|s| {
            let range = model.sources[s.0].latent_range()?;
            Some(add_latent(&mut net, model, s, range, levels))
        })
        .collect();
    let mut evidence = Vec::new();
    let item = add_item(
        &mut net,
        model,
        hypothesis,
        &reliability,
        (i, item),
        &mut evidence,
    );
    Compiled::assemble(net, hypothesis, vec![item], reliability, evidence)
}

/// Parents and CPT of a report node. With a relay of strength s the report
/// follows P(R | P, E) = s relay(R | P) + (1 - s) direct(R | E), both terms
/// with this report's own (h, f).
fn report_cpt(
    model: &Model,
    report: &crate::model::Report,
    event: VarId,
    latent: Option<&ReliabilityNode>,
    via: Option<(VarId, Probability)>,
    net: &Network,
) -> (Vec<VarId>, Vec<f64>) {
    let (rel, bias) = model.report_reliability(report);
    let pairs: Vec<(f64, f64)> = match latent {
        Some(q) => q
            .levels
            .iter()
            .map(|&r| {
                let (h, f) = hit_false_alarm(Probability::clamped(r), bias);
                (h.get(), f.get())
            })
            .collect(),
        None => {
            let (h, f) = match rel {
                Reliability::Accuracy(r) => hit_false_alarm(r.point, bias),
                other => other.hit_false_alarm(bias),
            };
            vec![(h.get(), f.get())]
        }
    };
    let mut parents = Vec::new();
    if let Some(q) = latent {
        parents.push(q.var);
    }
    let (relay, s) = match via {
        Some((p, s)) if s.get() > 0.0 => (Some(p), s.get()),
        _ => (None, 0.0),
    };
    let direct = s < 1.0;
    if let Some(p) = relay {
        parents.push(p);
    }
    if direct {
        parents.push(event);
    }
    debug_assert!(parents.iter().all(|&p| p < net.len()));
    let mut cpt = Vec::new();
    for &(h, f) in &pairs {
        let relay_states: &[usize] = if relay.is_some() { &[0, 1] } else { &[0] };
        for &ps in relay_states {
            let event_states: &[usize] = if direct { &[0, 1] } else { &[0] };
            for &es in event_states {
                let relay_term = if ps == 1 { h } else { f };
                let direct_term = if es == 1 { h } else { f };
                let p_true = if relay.is_some() {
                    s * relay_term + (1.0 - s) * direct_term
                } else {
                    direct_term
                };
                cpt.push(1.0 - p_true);
                cpt.push(p_true);
            }
        }
    }
    (parents, cpt)
}

/// The result of exact inference on a compiled model.
#[derive(Clone, Debug)]
pub struct Posterior {
    /// Indexed by `HypothesisId`.
    pub hypotheses: Vec<f64>,
    /// ln P(all observed reports).
    pub log_evidence: f64,
    /// Posterior over each latent reliability node's levels, in the order of
    /// `Compiled::reliability`.
    pub reliability: Vec<Vec<f64>>,
}

impl Compiled {
    /// Index the evidence and build each item's evaluation plan.
    fn assemble(
        net: Network,
        hypothesis: VarId,
        mut items: Vec<ItemNodes>,
        reliability: Vec<ReliabilityNode>,
        evidence: Vec<(VarId, usize)>,
    ) -> Compiled {
        let mut observed = vec![None; net.len()];
        for &(v, s) in &evidence {
            observed[v] = Some(s);
        }
        for n in &mut items {
            n.plan = ItemPlan::new(&net, n.event, &n.reports, &n.latent, &observed);
        }
        Compiled {
            net,
            hypothesis,
            items,
            reliability,
            evidence,
            observed,
        }
    }

    /// Rewrite in place the numbers that `model` gives the prior and the
    /// latent reliability levels: for a model of the same structure as the
    /// one compiled, with other numbers (a what-if, a simulation sample).
    /// A latent node whose source no longer has an interval is left alone;
    /// the items that used it fail [`Compiled::refresh_item`].
    pub fn refresh_shared(&mut self, model: &Model) {
        self.net.node_mut(self.hypothesis).cpt = model.priors();
        for q in &mut self.reliability {
            let Some(range) = model.sources[q.source.0].latent_range() else {
                continue;
            };
            let levels = latent_levels(range, q.levels.len());
            if levels != q.levels {
                self.net.node_mut(q.var).states = level_names(&levels).into();
                q.levels = levels;
            }
        }
    }

    /// Rewrite in place the numbers of item `i`'s event and report nodes from
    /// `model` (after [`Compiled::refresh_shared`], when latent levels
    /// changed): the same CPTs a fresh compile would build, and the item's
    /// plan stays valid, as it reads them from the network.
    ///
    /// False when the item's structure differs from what was compiled: it
    /// is not compiled here (disabled), its reports, relay links (a strength
    /// moved to or from 0 or 1), latent reliabilities or observations are
    /// not the same. The item's nodes may then be partly rewritten: compile
    /// it afresh instead.
    pub fn refresh_item(&mut self, model: &Model, i: ItemId) -> bool {
        let Ok(k) = self.items.binary_search_by_key(&i, |n| n.item) else {
            return false;
        };
        let item = &model.items[i.0];
        let nodes = &self.items[k];
        if !item.enabled
            || item.reports.len() != nodes.reports.len()
            || item.reports.is_empty() != nodes.established
        {
            return false;
        }
        let event = nodes.event;
        self.net.node_mut(event).cpt = event_cpt(item);
        for (r, report) in item.reports.iter().enumerate() {
            let var = self.items[k].reports[r];
            let observed = report.observed.then(|| usize::from(report.asserts));
            if self.observed[var] != observed {
                return false;
            }
            let q = latent_of(model, report, &self.reliability);
            if q.is_none() && model.uses_latent_reliability(report) {
                // Its source became an interval after compiling.
                return false;
            }
            let parent = report
                .via
                .as_ref()
                .map(|l| (self.items[k].reports[l.parent.0], l.strength));
            let (parents, cpt) = report_cpt(model, report, event, q, parent, &self.net);
            let node = self.net.node_mut(var);
            if node.parents != parents || node.cpt.len() != cpt.len() {
                return false;
            }
            node.cpt = cpt;
        }
        true
    }

    /// Exact posterior of the hypotheses and of each latent reliability.
    ///
    /// Each item is summed out on its own (its plan, or the generic engine
    /// for very large items); what is left is a small network of the
    /// hypothesis and the latent reliabilities.
    pub fn infer(&self) -> Result<Posterior, InferError> {
        if self.reliability.is_empty() {
            return posterior_of_log_joint(self.log_joint_without_latent(None)?);
        }
        let mut factors = vec![self.net.cpt_factor(self.hypothesis)];
        factors.extend(self.reliability.iter().map(|q| self.net.cpt_factor(q.var)));
        for nodes in &self.items {
            factors.push(self.item_factor(nodes)?);
        }
        let marginal = |target: VarId| -> Result<(Vec<f64>, f64), InferError> {
            let f = ve::eliminate_local(
                factors.clone(),
                |_| None,
                &[target],
                |v| self.net.card(v),
                DEFAULT_BUDGET_BYTES,
            )?;
            let probs = f.normalized().ok_or(InferError::ImpossibleEvidence)?;
            Ok((probs, f.log_total()))
        };
        let (hypotheses, log_evidence) = marginal(self.hypothesis)?;
        let reliability = self
            .reliability
            .iter()
            .map(|q| marginal(q.var).map(|m| m.0))
            .collect::<Result<_, _>>()?;
        Ok(Posterior {
            hypotheses,
            log_evidence,
            reliability,
        })
    }

    /// As [`Compiled::infer`], for a network without latent reliabilities
    /// whose items' numbers change between calls only where `changed` says
    /// so (a simulation's samples): the other items' log-likelihoods are
    /// taken from `cache` (filled on first use) instead of being worked out
    /// again. They are the very numbers, summed in the very order, so the
    /// posterior is the same to the bit. `None` for a network with latent
    /// reliabilities.
    pub fn infer_reusing(
        &self,
        cache: &mut LikelihoodCache,
        changed: &dyn Fn(ItemId) -> bool,
    ) -> Option<Result<Posterior, InferError>> {
        if !self.reliability.is_empty() {
            return None;
        }
        Some(
            self.log_joint_without_latent(Some((cache, changed)))
                .and_then(posterior_of_log_joint),
        )
    }

    /// ln P(h, all evidence) for each hypothesis, in a model without latent
    /// reliabilities: the prior and every item's likelihood, summed in log
    /// space item by item (compensated, so 100,000 items keep their digits).
    /// With a cache, an item `changed` does not flag is read from it.
    fn log_joint_without_latent(
        &self,
        mut cache: Option<(&mut LikelihoodCache, &dyn Fn(ItemId) -> bool)>,
    ) -> Result<Vec<f64>, InferError> {
        debug_assert!(self.reliability.is_empty());
        let k = self.net.card(self.hypothesis);
        let mut acc: Vec<CompensatedSum> = self
            .net
            .node(self.hypothesis)
            .cpt
            .iter()
            .map(|p| {
                let mut c = CompensatedSum::default();
                c.add(p.ln());
                c
            })
            .collect();
        let mut buf = Vec::with_capacity(k);
        if let Some((cache, _)) = &mut cache
            && cache.logs.len() != self.items.len()
        {
            cache.logs = vec![None; self.items.len()];
        }
        for (n, nodes) in self.items.iter().enumerate() {
            let cached = match &mut cache {
                Some((cache, changed)) if !changed(nodes.item) => Some(&mut cache.logs[n]),
                _ => None,
            };
            if let Some(Some(logs)) = &cached {
                for (a, l) in acc.iter_mut().zip(logs) {
                    a.add(*l);
                }
                continue;
            }
            match &nodes.plan {
                Some(plan) => plan.log_likelihood(&self.net, &mut buf),
                None => buf = self.item_log_likelihood(nodes)?,
            }
            for (a, l) in acc.iter_mut().zip(&buf) {
                a.add(*l);
            }
            if let Some(slot) = cached {
                *slot = Some(buf.clone());
            }
        }
        Ok(acc.iter().map(CompensatedSum::value).collect())
    }

    /// The item's factor over the hypothesis and the latent reliabilities its
    /// reports depend on: P(item's reports | h, q), all its own nodes summed out.
    pub fn item_factor(&self, nodes: &ItemNodes) -> Result<Factor, InferError> {
        if let Some(plan) = &nodes.plan {
            // The plan fills a table over the hypothesis and every latent
            // reliability of the item: refuse it over budget before allocating.
            let entries = self.net.card(self.hypothesis) as f64
                * nodes
                    .latent
                    .iter()
                    .map(|&q| self.net.card(q) as f64)
                    .product::<f64>();
            let bytes = entries * 8.0;
            if bytes > DEFAULT_BUDGET_BYTES as f64 {
                return Err(InferError::TooLarge {
                    entries,
                    mib: bytes / (1024.0 * 1024.0),
                    budget_mib: DEFAULT_BUDGET_BYTES / (1024 * 1024),
                });
            }
            return Ok(plan.factor(&self.net, self.hypothesis, &nodes.latent));
        }
        let mut vars: Vec<VarId> = vec![nodes.event];
        vars.extend(nodes.reports.iter().copied());
        vars.sort_unstable();
        vars.dedup();
        let factors: Vec<Factor> = vars.iter().map(|&v| self.net.cpt_factor(v)).collect();
        let mut keep = vec![self.hypothesis];
        keep.extend(nodes.latent.iter().copied());
        ve::eliminate_local(
            factors,
            |v| self.observed[v],
            &keep,
            |v| self.net.card(v),
            DEFAULT_BUDGET_BYTES,
        )
    }

    /// ln P(item's reports | h) for each hypothesis, with any shared latent
    /// reliability averaged over its prior. Entries may be `-inf`.
    pub fn item_log_likelihood(&self, nodes: &ItemNodes) -> Result<Vec<f64>, InferError> {
        let mut f = self.item_factor(nodes)?;
        for &q in &nodes.latent {
            f = f.product(&self.net.cpt_factor(q)).sum_out(q);
        }
        let k = self.net.card(self.hypothesis);
        Ok(if f.vars().is_empty() {
            vec![f.log_total(); k]
        } else {
            f.log_values().to_vec()
        })
    }

    /// The unnormalised joint of the hypothesis and every latent reliability
    /// with all evidence entered, or `None` when it would be large.
    pub fn joint_with_latent(&self, max_entries: usize) -> Result<Option<Factor>, InferError> {
        let size: usize = self
            .reliability
            .iter()
            .map(|q| q.levels.len())
            .product::<usize>()
            .saturating_mul(self.net.card(self.hypothesis));
        if size > max_entries {
            return Ok(None);
        }
        let k = self.net.card(self.hypothesis);
        if self.reliability.is_empty() {
            let logs = self.log_joint_without_latent(None)?;
            return Ok(Some(Factor::from_logs(&[self.hypothesis], &[k], logs)));
        }
        // Each item summed out on its own (as `infer` does), then the small
        // network of the hypothesis and the latent reliabilities: never an
        // elimination over every node of a large model.
        let mut factors = vec![self.net.cpt_factor(self.hypothesis)];
        factors.extend(self.reliability.iter().map(|q| self.net.cpt_factor(q.var)));
        for nodes in &self.items {
            factors.push(self.item_factor(nodes)?);
        }
        let mut keep = vec![self.hypothesis];
        keep.extend(self.reliability.iter().map(|q| q.var));
        ve::eliminate_local(
            factors,
            |_| None,
            &keep,
            |v| self.net.card(v),
            DEFAULT_BUDGET_BYTES,
        )
        .map(Some)
    }

    /// The id of hypothesis `h` (the hypothesis node's state name).
    pub fn hypothesis_name(&self, h: HypothesisId) -> &str {
        &self.net.node(self.hypothesis).states[h.0]
    }
}
