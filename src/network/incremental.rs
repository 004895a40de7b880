//! Incremental exact inference: compile a model once, keep every item's
//! factor, and after a change recompile only the items it touches.
//!
//! Given the hypothesis H and the latent reliabilities Q, items are
//! independent, so the joint is
//!
//!   P(H) × Π_q P(q) × Π_items F_i(H, Q_i)
//!
//! where F_i = P(item i's observed reports | H, Q_i) is the item's factor
//! with its own event and report nodes summed out. The engine caches each
//! F_i and, while the table over H and every Q is small, their running sum
//! in log space (compensated, zeros counted apart, so a factor can be taken
//! out again exactly): a change then costs the items it touches, not the
//! model. A posterior sums the Q's out of that table (or of the product of
//! the cached factors, when the table would be large).
//!
//! Variables are numbered H = 0 and Q_s = 1 + s for source s, so a factor's
//! variables do not depend on which other sources are latent: a source that
//! changes between a point and an interval reliability only adds or drops
//! its own variable, in the items that report it, and those are exactly the
//! items such a change recompiles. Only the running sum is rebuilt then
//! (from the cached factors); no item outside the change is recompiled.

use crate::model::{HypothesisId, ItemId, Model, Override, ReportId, SourceId, overrides};

use super::compile::{Compiled, Posterior, compile, compile_item, compile_lone};
use super::factor::{Factor, VarId};
use super::plan::CompensatedSum;
use super::ve::{self, DEFAULT_BUDGET_BYTES, InferError};

/// The hypothesis variable.
const H: VarId = 0;

/// The hypothesis variable in the engine's numbering (latent reliabilities
/// follow it, `1 + s` for source `s`).
pub const HYPOTHESIS: VarId = H;

/// The variable of source `s`'s latent reliability.
fn q_var(s: SourceId) -> VarId {
    1 + s.0
}

/// A model compiled item by item, with every enabled item's factor cached,
/// and (where the table is small) their running sum.
#[derive(Clone, Debug)]
pub struct Incremental {
    model: Model,
    /// The whole model compiled once. A change rewrites the numbers of the
    /// items it touches in place and re-evaluates their plans, with no
    /// recompiling; an item whose structure changed is compiled alone from
    /// then on.
    compiled: Compiled,
    /// Indexed by `ItemId`: the item's nodes in `compiled` are its own.
    current: Vec<bool>,
    /// Indexed by `SourceId`: the items with a report of that source (what
    /// a change of the source touches; no override changes it).
    by_source: Vec<Vec<ItemId>>,
    /// Indexed by `ItemId`; `None` for a disabled item.
    factors: Vec<Option<Factor>>,
    /// Σ_i ln F_i over H and every latent reliability; `None` when that
    /// table would be large, and the cached factors are combined afresh.
    joint: Option<Joint>,
    max_joint: usize,
}

/// Joint tables up to this many entries are kept as a running sum.
const MAX_JOINT_ENTRIES: usize = 1 << 16;

/// The items' factors summed in log space over the joint of H and the
/// latent reliability of every source with an interval reliability:
/// entry by entry a compensated sum of the finite logs and a count of the
/// zeros, so that a factor can be taken away again exactly (a change then
/// costs the touched items, not all of them).
#[derive(Clone, Debug)]
struct Joint {
    /// H, then each latent reliability, ascending.
    vars: Vec<VarId>,
    cards: Vec<usize>,
    sums: Vec<CompensatedSum>,
    zeros: Vec<i64>,
}

impl Joint {
    /// An empty joint for `model`, or `None` when it would have more than
    /// `max_entries` entries.
    fn new(model: &Model, max_entries: usize) -> Option<Joint> {
        let levels = model.meta.reliability_levels;
        let mut vars = vec![H];
        let mut cards = vec![model.hypotheses.len()];
        for (s, source) in model.sources.iter().enumerate() {
            if source.latent_range().is_some() {
                vars.push(q_var(SourceId(s)));
                cards.push(levels);
            }
        }
        let n = cards
            .iter()
            .try_fold(1usize, |acc, &c| acc.checked_mul(c))?;
        (n <= max_entries).then(|| Joint {
            vars,
            cards,
            sums: vec![CompensatedSum::default(); n],
            zeros: vec![0; n],
        })
    }

    /// Add (`sign` 1) or take away (`sign` -1) a factor; false when its
    /// variables are not all in the joint.
    fn add(&mut self, f: &Factor, sign: i64) -> bool {
        let (fv, fc) = (f.vars(), f.cards());
        if fv == self.vars && fc == self.cards {
            // The same layout (an item over every latent reliability, or no
            // latent reliability at all): entry by entry.
            for ((sum, zeros), &x) in self
                .sums
                .iter_mut()
                .zip(&mut self.zeros)
                .zip(f.log_values())
            {
                if x == f64::NEG_INFINITY {
                    *zeros += sign;
                } else {
                    sum.add(sign as f64 * x);
                }
            }
            return true;
        }
        let mut own = vec![1usize; fv.len()];
        for k in (0..fv.len().saturating_sub(1)).rev() {
            own[k] = own[k + 1] * fc[k + 1];
        }
        let mut strides = vec![0usize; self.vars.len()];
        for (k, v) in fv.iter().enumerate() {
            match self.vars.binary_search(v) {
                Ok(p) if self.cards[p] == fc[k] => strides[p] = own[k],
                _ => return false,
            }
        }
        let logs = f.log_values();
        // The trailing dimensions the factor lacks: over each run of that
        // many consecutive entries its value is the same, so the odometer
        // steps once a run. Each entry still gets exactly one addition, in
        // the same order across factors: the sums are the same to the bit.
        let mut outer = self.vars.len();
        let mut run = 1usize;
        while outer > 0 && strides[outer - 1] == 0 {
            outer -= 1;
            run *= self.cards[outer];
        }
        let mut assignment = vec![0usize; outer];
        let mut at = 0usize;
        for (sums, zeros) in self.sums.chunks_mut(run).zip(self.zeros.chunks_mut(run)) {
            let x = logs[at];
            if x == f64::NEG_INFINITY {
                zeros.iter_mut().for_each(|z| *z += sign);
            } else {
                let term = sign as f64 * x;
                sums.iter_mut().for_each(|sum| sum.add(term));
            }
            for d in (0..outer).rev() {
                assignment[d] += 1;
                at += strides[d];
                if assignment[d] < self.cards[d] {
                    break;
                }
                at -= strides[d] * self.cards[d];
                assignment[d] = 0;
            }
        }
        true
    }

    fn factor(&self) -> Factor {
        let logs = self
            .sums
            .iter()
            .zip(&self.zeros)
            .map(|(s, &z)| if z > 0 { f64::NEG_INFINITY } else { s.value() })
            .collect();
        Factor::from_logs(&self.vars, &self.cards, logs)
    }

    /// The latent reliabilities in the joint.
    fn latent(&self) -> impl Iterator<Item = SourceId> + '_ {
        self.vars[1..].iter().map(|&v| SourceId(v - 1))
    }
}

/// The running sum of `factors`, or `None` when it would be large.
fn build_joint(model: &Model, factors: &[Option<Factor>], max_entries: usize) -> Option<Joint> {
    let mut joint = Joint::new(model, max_entries)?;
    factors
        .iter()
        .flatten()
        .all(|f| joint.add(f, 1))
        .then_some(joint)
}

/// Which sources have a latent reliability: what the joint's shape follows.
fn latent_shape(model: &Model) -> Vec<bool> {
    model
        .sources
        .iter()
        .map(|s| s.latent_range().is_some())
        .collect()
}

/// The items a model change touches, and whether it touches the priors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// Sorted, unique.
    pub items: Vec<ItemId>,
    /// Whether a prior changed.
    pub prior: bool,
}

/// The items that one override touches: a source's reliability or bias the
/// items with a report of that source; a dependency's strength the items
/// with a link it created; anything of one item that item alone; a prior
/// no item.
pub fn touched(model: &Model, o: &Override) -> Touched {
    let items: Vec<ItemId> = match o {
        Override::SourceReliability(s, _) | Override::SourceBias(s, _) => {
            items_of_source(model, *s)
        }
        Override::ItemEnabled(i, _)
        | Override::Likelihood(i, _, _)
        | Override::ReportStrength(i, _, _)
        | Override::ReportObserved(i, _, _)
        | Override::ReportReliability(i, _, _)
        | Override::ReportBias(i, _, _) => vec![*i],
        Override::Prior(..) => Vec::new(),
        Override::DependencyStrength(d, _) => model
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                item.reports
                    .iter()
                    .any(|r| r.via.as_ref().is_some_and(|l| l.dependency == Some(*d)))
            })
            .map(|(i, _)| ItemId(i))
            .collect(),
    };
    Touched {
        items,
        prior: matches!(o, Override::Prior(..)),
    }
}

/// The items with at least one report of source `s`, in model order.
pub fn items_of_source(model: &Model, s: SourceId) -> Vec<ItemId> {
    model
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.reports.iter().any(|r| r.source == s))
        .map(|(i, _)| ItemId(i))
        .collect()
}

/// What one override is about to change, as it was: enough to put the
/// model back when a change fails, without copying the model.
enum Undo {
    SourceReliability(SourceId, crate::model::Reliability),
    SourceBias(SourceId, Option<crate::model::Estimate>),
    ItemEnabled(ItemId, bool),
    Likelihood(ItemId, HypothesisId, crate::model::Estimate),
    Priors(Vec<crate::model::Probability>),
    ReportStrength(ItemId, ReportId, Option<crate::model::Probability>),
    ReportObserved(ItemId, ReportId, bool),
    ReportReliability(ItemId, ReportId, Option<crate::model::Reliability>),
    ReportBias(ItemId, ReportId, Option<crate::model::Estimate>),
    /// The dependency's strength and every link's, where the dependency
    /// made the link.
    Dependency(
        crate::model::DependencyId,
        crate::model::Probability,
        Vec<(ItemId, ReportId, crate::model::Probability)>,
    ),
}

impl Undo {
    fn record(m: &Model, o: &Override) -> Undo {
        let report = |i: ItemId, r: ReportId| &m.items[i.0].reports[r.0];
        match *o {
            Override::SourceReliability(s, _) => {
                Undo::SourceReliability(s, m.sources[s.0].reliability.clone())
            }
            Override::SourceBias(s, _) => Undo::SourceBias(s, m.sources[s.0].bias.clone()),
            Override::ItemEnabled(i, _) => Undo::ItemEnabled(i, m.items[i.0].enabled),
            Override::Likelihood(i, h, _) => {
                Undo::Likelihood(i, h, m.items[i.0].likelihood[h.0].clone())
            }
            Override::Prior(..) => Undo::Priors(m.hypotheses.iter().map(|h| h.prior).collect()),
            Override::ReportStrength(i, r, _) => {
                Undo::ReportStrength(i, r, report(i, r).via.as_ref().map(|l| l.strength))
            }
            Override::ReportObserved(i, r, _) => Undo::ReportObserved(i, r, report(i, r).observed),
            Override::ReportReliability(i, r, _) => {
                Undo::ReportReliability(i, r, report(i, r).reliability.clone())
            }
            Override::ReportBias(i, r, _) => Undo::ReportBias(i, r, report(i, r).bias.clone()),
            Override::DependencyStrength(d, _) => {
                let mut links = Vec::new();
                for (i, item) in m.items.iter().enumerate() {
                    for (r, rep) in item.reports.iter().enumerate() {
                        if let Some(l) = &rep.via
                            && l.dependency == Some(d)
                        {
                            links.push((ItemId(i), ReportId(r), l.strength));
                        }
                    }
                }
                Undo::Dependency(d, m.dependencies[d.0].strength, links)
            }
        }
    }

    fn restore(self, m: &mut Model) {
        match self {
            Undo::SourceReliability(s, r) => m.sources[s.0].reliability = r,
            Undo::SourceBias(s, b) => m.sources[s.0].bias = b,
            Undo::ItemEnabled(i, e) => m.items[i.0].enabled = e,
            Undo::Likelihood(i, h, e) => m.items[i.0].likelihood[h.0] = e,
            Undo::Priors(p) => {
                for (h, p) in m.hypotheses.iter_mut().zip(p) {
                    h.prior = p;
                }
            }
            Undo::ReportStrength(i, r, s) => {
                if let (Some(link), Some(s)) = (&mut m.items[i.0].reports[r.0].via, s) {
                    link.strength = s;
                }
            }
            Undo::ReportObserved(i, r, o) => m.items[i.0].reports[r.0].observed = o,
            Undo::ReportReliability(i, r, x) => m.items[i.0].reports[r.0].reliability = x,
            Undo::ReportBias(i, r, b) => m.items[i.0].reports[r.0].bias = b,
            Undo::Dependency(d, s, links) => {
                m.dependencies[d.0].strength = s;
                for (i, r, s) in links {
                    if let Some(link) = &mut m.items[i.0].reports[r.0].via {
                        link.strength = s;
                    }
                }
            }
        }
    }
}

/// An item's factor in a compiled model, over the engine's numbering.
fn engine_factor(compiled: &Compiled, nodes: &super::ItemNodes) -> Result<Factor, InferError> {
    let f = compiled.item_factor(nodes)?;
    // The network numbers H first and its latent nodes next, in source
    // order, so this map preserves order as `relabel` requires.
    let global = |v: VarId| {
        if v == compiled.hypothesis {
            return H;
        }
        compiled
            .reliability
            .iter()
            .find(|q| q.var == v)
            .map_or(v, |q| q_var(q.source))
    };
    Ok(f.relabel(global))
}

/// The factor F_i(H, Q_i) of one item, over the engine's variable numbering.
/// `None` for a disabled item.
pub fn item_factor(model: &Model, i: ItemId) -> Result<Option<Factor>, InferError> {
    if !model.items[i.0].enabled {
        return Ok(None);
    }
    let c = compile_item(model, i);
    engine_factor(&c, &c.items[0]).map(Some)
}

/// The factor F(H, Q) of an item that is not one of `model.items` (a
/// pending item with one possible answer filled in): P(its observed reports
/// | H, Q), compiled alone, over the engine's numbering. Its reports'
/// latent reliabilities are those of `model`'s sources, so the factor
/// combines with [`Incremental::joint_over`].
pub fn lone_item_factor(model: &Model, item: &crate::model::Item) -> Result<Factor, InferError> {
    let c = compile_lone(model, ItemId(model.items.len()), item);
    engine_factor(&c, &c.items[0])
}

/// ln P(item's reports | h) for each hypothesis of item `i` of `model`,
/// compiled alone, any latent reliability averaged over its prior (as
/// [`Incremental::item_log_likelihood`]); `None` for a disabled item.
pub fn item_log_likelihood(model: &Model, i: ItemId) -> Result<Option<Vec<f64>>, InferError> {
    match item_factor(model, i)? {
        Some(f) => log_likelihood_of(model, &f).map(Some),
        None => Ok(None),
    }
}

/// An item's factor F(H, Q) with its latent reliabilities summed out over
/// their priors: ln P(reports | h).
fn log_likelihood_of(model: &Model, f: &Factor) -> Result<Vec<f64>, InferError> {
    let mut factors = vec![f.clone()];
    factors.extend(
        f.vars()
            .iter()
            .filter(|&&v| v != H)
            .map(|&v| latent_prior(model, SourceId(v - 1))),
    );
    let g = ve::eliminate(factors, &[], &[H], &cards(model), DEFAULT_BUDGET_BYTES)?;
    let k = model.hypotheses.len();
    Ok(if g.vars().is_empty() {
        vec![g.log_total(); k]
    } else {
        g.log_values().to_vec()
    })
}

/// An item's factor taken apart at its event E: m_e(Q) = P(reports | E = e,
/// Q) for e = 0, 1, which do not depend on the item's likelihoods. The
/// factor for any likelihoods l_h is then
/// F(h, Q) = (1 - l_h) m_0(Q) + l_h m_1(Q), with no recompiling: what a
/// likelihood sweep needs.
#[derive(Clone, Debug)]
pub struct EventMessages {
    /// ln m_0 and ln m_1, over the item's latent reliabilities (engine
    /// numbering), in the same layout.
    m0: Factor,
    m1: Factor,
}

impl EventMessages {
    /// `None` for a disabled item. `model` is used as scratch: item `i`'s
    /// likelihoods are set and then put back, so no copy of a large model
    /// is made.
    pub fn new(model: &mut Model, i: ItemId) -> Result<Option<EventMessages>, InferError> {
        let written = model.items[i.0].likelihood.clone();
        let mut at = |l: f64| -> Result<Option<Factor>, InferError> {
            let e = crate::model::Estimate::exact(crate::model::Probability::clamped(l));
            for x in &mut model.items[i.0].likelihood {
                *x = e.clone();
            }
            // With the same likelihood under every h the factor is the same
            // for every h: keep one slice.
            Ok(item_factor(model, i)?.map(|f| f.reduce(H, 0)))
        };
        let ends = (at(0.0), at(1.0));
        model.items[i.0].likelihood = written;
        Ok(match (ends.0?, ends.1?) {
            (Some(m0), Some(m1)) => Some(EventMessages { m0, m1 }),
            _ => None,
        })
    }

    /// The event messages of every item at once (`None` for a disabled
    /// item), indexed by `ItemId`: two compiles of the whole model, with
    /// every likelihood set to 0 and then to 1, instead of two per item.
    pub fn all(model: &Model) -> Result<Vec<Option<EventMessages>>, InferError> {
        let at = |l: f64| -> Result<Vec<Option<Factor>>, InferError> {
            let e = crate::model::Estimate::exact(crate::model::Probability::clamped(l));
            let mut scratch = model.clone();
            for item in &mut scratch.items {
                for x in &mut item.likelihood {
                    *x = e.clone();
                }
            }
            let compiled = compile(&scratch);
            let mut out = vec![None; model.items.len()];
            for nodes in &compiled.items {
                out[nodes.item.0] = Some(engine_factor(&compiled, nodes)?.reduce(H, 0));
            }
            Ok(out)
        };
        let (zeros, ones) = (at(0.0)?, at(1.0)?);
        Ok(zeros
            .into_iter()
            .zip(ones)
            .map(|pair| match pair {
                (Some(m0), Some(m1)) => Some(EventMessages { m0, m1 }),
                _ => None,
            })
            .collect())
    }

    /// True when the item uses no latent reliability: its messages are two
    /// numbers.
    pub fn is_scalar(&self) -> bool {
        self.m0.vars().is_empty()
    }

    /// ln m0 and ln m1 of an item with no latent reliability
    /// ([`EventMessages::is_scalar`]): ln P(reports | E false) and
    /// ln P(reports | E true).
    pub fn scalar_logs(&self) -> (f64, f64) {
        (self.m0.log_values()[0], self.m1.log_values()[0])
    }

    /// The item's factor F(H, Q) for the likelihoods `likelihood[h]`.
    pub fn factor(&self, likelihood: &[f64]) -> Factor {
        let k = likelihood.len();
        let mut vars = vec![H];
        vars.extend_from_slice(self.m0.vars());
        let mut cards = vec![k];
        cards.extend_from_slice(self.m0.cards());
        let (a, b) = (self.m0.log_values(), self.m1.log_values());
        let mut logs = Vec::with_capacity(k * a.len());
        for &l in likelihood {
            let (w0, w1) = ((1.0 - l).ln(), l.ln());
            logs.extend(
                a.iter()
                    .zip(b)
                    .map(|(&x, &y)| super::factor::log_sum_exp(&[w0 + x, w1 + y])),
            );
        }
        Factor::from_logs(&vars, &cards, logs)
    }
}

/// The sources whose latent reliability node a full compile of `model`
/// would create (an interval reliability used by a report of an enabled
/// item), in source order: the order of `Posterior::reliability`.
pub fn latent_sources(model: &Model) -> Vec<SourceId> {
    (0..model.sources.len())
        .map(SourceId)
        .filter(|&s| uses_latent(model, s, |_| true))
        .collect()
}

/// Whether source `s` is latent and used latently by an enabled item that
/// `include` accepts.
fn uses_latent(model: &Model, s: SourceId, include: impl Fn(ItemId) -> bool) -> bool {
    model.sources[s.0].latent_range().is_some()
        && model.items.iter().enumerate().any(|(i, item)| {
            item.enabled
                && include(ItemId(i))
                && item
                    .reports
                    .iter()
                    .any(|r| r.source == s && model.uses_latent_reliability(r))
        })
}

/// The cardinality of every variable in the engine's numbering (1 for a
/// source that is not latent: such a variable never occurs).
fn cards(model: &Model) -> Vec<usize> {
    let levels = model.meta.reliability_levels;
    std::iter::once(model.hypotheses.len())
        .chain(model.sources.iter().map(|s| {
            if s.latent_range().is_some() {
                levels
            } else {
                1
            }
        }))
        .collect()
}

fn prior_factor(model: &Model) -> Factor {
    let k = model.hypotheses.len();
    Factor::new(&[H], &[k], model.priors())
}

/// The uniform prior of a latent reliability, as the full compile builds it.
fn latent_prior(model: &Model, s: SourceId) -> Factor {
    let levels = model.meta.reliability_levels;
    Factor::new(&[q_var(s)], &[levels], vec![1.0 / levels as f64; levels])
}

/// Normalise a factor over H into a posterior, as `ve::posterior` does.
fn normalise(result: &Factor) -> Result<Vec<f64>, InferError> {
    if !result.log_total().is_finite() {
        return Err(InferError::ImpossibleEvidence);
    }
    result.normalized().ok_or(InferError::ImpossibleEvidence)
}

impl Incremental {
    /// Compile every enabled item of `model`.
    pub fn new(model: &Model) -> Result<Incremental, InferError> {
        Incremental::with_max_joint(model, MAX_JOINT_ENTRIES)
    }

    /// As [`Incremental::new`], keeping the running sum over H and the
    /// latent reliabilities only while it has at most `max_entries` entries
    /// (0: never, so every posterior combines the cached factors afresh).
    pub fn with_max_joint(model: &Model, max_entries: usize) -> Result<Incremental, InferError> {
        let compiled = compile(model);
        let mut current = vec![false; model.items.len()];
        let mut factors = vec![None; model.items.len()];
        for nodes in &compiled.items {
            current[nodes.item.0] = true;
            factors[nodes.item.0] = Some(engine_factor(&compiled, nodes)?);
        }
        let mut by_source = vec![Vec::new(); model.sources.len()];
        for (i, item) in model.items.iter().enumerate() {
            for r in &item.reports {
                let items: &mut Vec<ItemId> = &mut by_source[r.source.0];
                if items.last() != Some(&ItemId(i)) {
                    items.push(ItemId(i));
                }
            }
        }
        Ok(Incremental {
            joint: build_joint(model, &factors, max_entries),
            max_joint: max_entries,
            model: model.clone(),
            compiled,
            current,
            by_source,
            factors,
        })
    }

    /// The factor of item `i` of the current model: from the compiled
    /// network with the item's numbers rewritten, or compiled alone when
    /// its structure is no longer the one compiled.
    fn fresh_factor(&mut self, i: ItemId) -> Result<Option<Factor>, InferError> {
        if !self.model.items[i.0].enabled {
            return Ok(None);
        }
        if self.current[i.0] {
            if self.compiled.refresh_item(&self.model, i) {
                let k = self
                    .compiled
                    .items
                    .binary_search_by_key(&i, |n| n.item)
                    .expect("refresh_item found the item");
                return engine_factor(&self.compiled, &self.compiled.items[k]).map(Some);
            }
            self.current[i.0] = false;
        }
        item_factor(&self.model, i)
    }

    /// The entries of the largest table one posterior of this model builds
    /// (the hypothesis times the latent reliabilities tied together), by the
    /// same min-fill order elimination uses: the cost of one evaluation, for
    /// the work budgets of commands that run many.
    pub fn elimination_entries(&self) -> f64 {
        let cards = cards(&self.model);
        let scopes: Vec<&[VarId]> = self
            .factors
            .iter()
            .flatten()
            .map(Factor::vars)
            .filter(|vars| vars.len() > 1)
            .collect();
        if scopes.is_empty() {
            return cards[H] as f64;
        }
        let eliminate: Vec<VarId> = (1..cards.len()).filter(|&v| cards[v] > 1).collect();
        let order = super::order::min_fill(&scopes, &eliminate, &cards);
        order.max_entries.max(cards[H] as f64)
    }

    /// The model the cached factors describe.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The cached factor of an item (`None` when it is disabled).
    pub fn factor(&self, i: ItemId) -> Option<&Factor> {
        self.factors.get(i.0).and_then(Option::as_ref)
    }

    /// Every factor of the joint: the prior of H, the prior of each latent
    /// reliability, and the items' factors (as their running sum when kept).
    fn all_factors(&self) -> Vec<Factor> {
        self.all_factors_with(prior_factor(&self.model))
    }

    /// As [`Incremental::all_factors`], with `prior` as the factor over H.
    fn all_factors_with(&self, prior: Factor) -> Vec<Factor> {
        match &self.joint {
            Some(j) => {
                let mut factors = vec![j.factor(), prior];
                factors.extend(j.latent().map(|s| latent_prior(&self.model, s)));
                factors
            }
            None => self.joint_factors(prior),
        }
    }

    /// `prior` over H, the prior of each latent reliability in use, and
    /// every item's factor.
    fn joint_factors(&self, prior: Factor) -> Vec<Factor> {
        let mut factors = vec![prior];
        factors.extend(
            latent_sources(&self.model)
                .into_iter()
                .map(|s| latent_prior(&self.model, s)),
        );
        factors.extend(self.factors.iter().flatten().cloned());
        factors
    }

    /// The unnormalised joint P(H, Q_s for s in `sources`, all evidence),
    /// every other latent reliability summed out. A source in `sources`
    /// whose reliability is an interval but which no enabled item uses
    /// enters with its prior (the evidence says nothing of it); one whose
    /// reliability is a point has no variable and is skipped. Its log total
    /// is ln P(all evidence).
    pub fn joint_over(&self, sources: &[SourceId]) -> Result<Factor, InferError> {
        let mut factors = self.all_factors();
        let used = latent_sources(&self.model);
        let mut keep = vec![H];
        for &s in sources {
            if self.model.sources[s.0].latent_range().is_none() || keep.contains(&q_var(s)) {
                continue;
            }
            keep.push(q_var(s));
            if !used.contains(&s) {
                factors.push(latent_prior(&self.model, s));
            }
        }
        ve::eliminate(
            factors,
            &[],
            &keep,
            &cards(&self.model),
            DEFAULT_BUDGET_BYTES,
        )
    }

    /// The exact posterior of the hypotheses.
    pub fn hypotheses(&self) -> Result<Vec<f64>, InferError> {
        let result = ve::eliminate(
            self.all_factors(),
            &[],
            &[H],
            &cards(&self.model),
            DEFAULT_BUDGET_BYTES,
        )?;
        normalise(&result)
    }

    /// The joint posterior of the hypothesis and the latent reliabilities
    /// of `sources` (variables H = 0 and Q_s = 1 + s), every other latent
    /// reliability summed out, unnormalised (logs). With it one item's
    /// factor F can be swapped for another F' without recombining the
    /// model: P'(h) ∝ Σ_q M(h, q) F'(h, q) / F(h, q) (`compare` does so for
    /// every item-level adoption). Every source must be latent and used by
    /// an enabled item ([`latent_sources`]).
    pub fn joint_marginal(&self, sources: &[SourceId]) -> Result<Factor, InferError> {
        let mut keep = vec![H];
        keep.extend(sources.iter().map(|&s| q_var(s)));
        keep.sort_unstable();
        keep.dedup();
        ve::eliminate(
            self.all_factors(),
            &[],
            &keep,
            &cards(&self.model),
            DEFAULT_BUDGET_BYTES,
        )
    }

    /// ln P(all observed reports | h) for each hypothesis, every latent
    /// reliability summed out over its prior: what the priors multiply.
    /// The posterior under any priors π is then π_h e^{L_h}, normalised,
    /// with no item recombined (what a sweep of a prior needs).
    pub fn hypothesis_log_likelihood(&self) -> Result<Vec<f64>, InferError> {
        let k = self.model.hypotheses.len();
        let flat = Factor::new(&[H], &[k], vec![1.0; k]);
        let result = ve::eliminate(
            self.all_factors_with(flat),
            &[],
            &[H],
            &cards(&self.model),
            DEFAULT_BUDGET_BYTES,
        )?;
        Ok(result.log_values().to_vec())
    }

    /// The exact posterior of the hypotheses and of each latent reliability
    /// (in the order of [`latent_sources`]), as `compile(model).infer()`
    /// gives it.
    pub fn posterior(&self) -> Result<Posterior, InferError> {
        let factors = self.all_factors();
        let cards = cards(&self.model);
        let result = ve::eliminate(factors.clone(), &[], &[H], &cards, DEFAULT_BUDGET_BYTES)?;
        let hypotheses = normalise(&result)?;
        let log_evidence = result.log_total();
        let reliability = latent_sources(&self.model)
            .into_iter()
            .map(|s| {
                let q = ve::eliminate(
                    factors.clone(),
                    &[],
                    &[q_var(s)],
                    &cards,
                    DEFAULT_BUDGET_BYTES,
                )?;
                normalise(&q)
            })
            .collect::<Result<_, _>>()?;
        Ok(Posterior {
            hypotheses,
            log_evidence,
            reliability,
        })
    }

    /// ln P(item's reports | h) for each hypothesis, any latent reliability
    /// averaged over its prior (as `Compiled::item_log_likelihood`); `None`
    /// when the item is disabled.
    pub fn item_log_likelihood(&self, i: ItemId) -> Result<Option<Vec<f64>>, InferError> {
        match self.factor(i) {
            Some(f) => log_likelihood_of(&self.model, f).map(Some),
            None => Ok(None),
        }
    }

    /// Apply overrides (as `overrides::apply` does to the model), then
    /// re-evaluate only the items they touch. The model is changed in place,
    /// not copied: on an error it is put back as it was.
    pub fn apply(&mut self, overrides: &[Override]) -> Result<(), InferError> {
        let mut items: Vec<ItemId> = overrides
            .iter()
            .flat_map(|o| match o {
                Override::SourceReliability(s, _) | Override::SourceBias(s, _) => {
                    self.by_source[s.0].clone()
                }
                _ => touched(&self.model, o).items,
            })
            .collect();
        items.sort_unstable();
        items.dedup();
        let undo: Vec<Undo> = overrides
            .iter()
            .map(|o| Undo::record(&self.model, o))
            .collect();
        let before = latent_shape(&self.model);
        overrides::apply_in_place(&mut self.model, overrides);
        let result = self.refresh(&items, &before);
        if result.is_err() {
            // Put back in reverse order: an earlier override may have set
            // what a later one saved.
            for u in undo.into_iter().rev() {
                u.restore(&mut self.model);
            }
            // The compiled nodes of the touched items may be half rewritten.
            for &i in &items {
                self.current[i.0] = false;
            }
        }
        result
    }

    /// Replace the model by `changed`, recompiling only `items`: the caller
    /// vouches that nothing else of an item differs between the two models
    /// (see [`touched`]). Priors are always taken from `changed`. A model of
    /// another shape (different numbers of hypotheses, sources or items, or
    /// other reliability levels) is rebuilt whole.
    pub fn update(&mut self, changed: Model, items: &[ItemId]) -> Result<(), InferError> {
        let same_shape = changed.hypotheses.len() == self.model.hypotheses.len()
            && changed.sources.len() == self.model.sources.len()
            && changed.items.len() == self.model.items.len()
            && changed.meta.reliability_levels == self.model.meta.reliability_levels;
        if !same_shape {
            *self = Incremental::with_max_joint(&changed, self.max_joint)?;
            return Ok(());
        }
        let before = latent_shape(&self.model);
        let old = std::mem::replace(&mut self.model, changed);
        let result = self.refresh(items, &before);
        if result.is_err() {
            self.model = old;
            for &i in items {
                self.current[i.0] = false;
            }
        }
        result
    }

    /// Bring the factors of `items` (and the running sum) up to the current
    /// model; `before` is the latent shape of the model they describe now.
    /// On an error nothing but the compiled network has changed.
    fn refresh(&mut self, items: &[ItemId], before: &[bool]) -> Result<(), InferError> {
        self.compiled.refresh_shared(&self.model);
        let fresh: Vec<(ItemId, Option<Factor>)> = items
            .iter()
            .map(|&i| self.fresh_factor(i).map(|f| (i, f)))
            .collect::<Result<_, _>>()?;
        // The running sum follows the touched items, unless the set of
        // latent reliabilities (the joint's shape) changed.
        let mut joint = self
            .joint
            .take()
            .filter(|_| latent_shape(&self.model) == before);
        let mut kept = joint.is_some();
        for (i, f) in fresh {
            if let Some(j) = &mut joint {
                if let Some(old) = &self.factors[i.0] {
                    kept &= j.add(old, -1);
                }
                if let Some(new) = &f {
                    kept &= j.add(new, 1);
                }
            }
            self.factors[i.0] = f;
        }
        self.joint = if kept {
            joint
        } else {
            build_joint(&self.model, &self.factors, self.max_joint)
        };
        Ok(())
    }

    /// Set one prior (the others rescaled in proportion); no item is touched.
    pub fn set_prior(&mut self, h: HypothesisId, p: crate::model::Probability) {
        self.model.set_prior(h, p);
    }

    /// Hold `items` out: combine everything else once, so that many variants
    /// of just those items can then be evaluated cheaply.
    pub fn hold_out(&self, items: &[ItemId]) -> Result<HeldOut<'_>, InferError> {
        let mut held: Vec<ItemId> = items.to_vec();
        held.sort_unstable();
        held.dedup();
        let is_held = |i: ItemId| held.binary_search(&i).is_ok();
        let rest_used: Vec<SourceId> = (0..self.model.sources.len())
            .map(SourceId)
            .filter(|&s| uses_latent(&self.model, s, |i| !is_held(i)))
            .collect();
        let touched_by_held = |s: SourceId| {
            held.iter().any(|&i| {
                self.factor(i)
                    .is_some_and(|f| f.vars().binary_search(&q_var(s)).is_ok())
            })
        };
        let cards = cards(&self.model);
        // The running sum less the held items, when it is kept: the cost is
        // the held items', not the model's.
        if let Some(joint) = &self.joint {
            let mut rest = joint.clone();
            let taken = held
                .iter()
                .filter_map(|&i| self.factor(i))
                .all(|f| rest.add(f, -1));
            if taken {
                let rest_priors: Vec<SourceId> = rest.latent().collect();
                let mut keep = vec![H];
                keep.extend(
                    rest_priors
                        .iter()
                        .filter(|&&s| touched_by_held(s))
                        .map(|&s| q_var(s)),
                );
                let mut factors = vec![rest.factor(), prior_factor(&self.model)];
                factors.extend(rest_priors.iter().map(|&s| latent_prior(&self.model, s)));
                let rest = ve::eliminate(factors, &[], &keep, &cards, DEFAULT_BUDGET_BYTES)?;
                return Ok(HeldOut {
                    engine: self,
                    held,
                    rest,
                    rest_priors,
                    rest_used,
                    cards,
                });
            }
        }
        // Keep the latent reliabilities the held items share with the rest;
        // sum out those only the rest uses.
        let mut keep = vec![H];
        keep.extend(
            rest_used
                .iter()
                .filter(|&&s| touched_by_held(s))
                .map(|&s| q_var(s)),
        );
        let mut factors = vec![prior_factor(&self.model)];
        factors.extend(rest_used.iter().map(|&s| latent_prior(&self.model, s)));
        factors.extend(
            self.factors
                .iter()
                .enumerate()
                .filter(|(i, _)| !is_held(ItemId(*i)))
                .filter_map(|(_, f)| f.clone()),
        );
        let rest = ve::eliminate(factors, &[], &keep, &cards, DEFAULT_BUDGET_BYTES)?;
        Ok(HeldOut {
            engine: self,
            held,
            rest,
            rest_priors: rest_used.clone(),
            rest_used,
            cards,
        })
    }
}

/// Everything but a few held-out items, combined once (see
/// [`Incremental::hold_out`]).
#[derive(Clone, Debug)]
pub struct HeldOut<'a> {
    engine: &'a Incremental,
    held: Vec<ItemId>,
    /// The prior, the latent priors and the other items' factors, with every
    /// latent reliability the held items do not touch summed out.
    rest: Factor,
    /// The latent reliabilities whose prior `rest` includes.
    rest_priors: Vec<SourceId>,
    /// The latent reliabilities the other items use: a variant must leave
    /// them as they are.
    rest_used: Vec<SourceId>,
    cards: Vec<usize>,
}

impl HeldOut<'_> {
    /// The engine the items are held out of.
    pub fn engine(&self) -> &Incremental {
        self.engine
    }

    /// The held-out items, sorted.
    pub fn items(&self) -> &[ItemId] {
        &self.held
    }

    /// The posterior of the hypotheses with the held-out items removed.
    pub fn hypotheses_without(&self) -> Result<Vec<f64>, InferError> {
        let result = ve::eliminate(
            vec![self.rest.clone()],
            &[],
            &[H],
            &self.cards,
            DEFAULT_BUDGET_BYTES,
        )?;
        normalise(&result)
    }

    /// The posterior of the hypotheses under `variant`, a model that may
    /// differ from the engine's only in what the held-out items see (their
    /// own parameters, and those of sources and dependencies no other item
    /// uses). Only the held-out items are recompiled. Where a variant brings
    /// in a latent reliability the combined rest has already summed out, or
    /// changes the priors, the posterior is computed in full instead.
    pub fn hypotheses_with(&self, variant: &Model) -> Result<Vec<f64>, InferError> {
        let model = &self.engine.model;
        let same_frame = variant.priors() == model.priors()
            && variant.sources.len() == model.sources.len()
            && variant.meta.reliability_levels == model.meta.reliability_levels
            // The other items' latent reliabilities must mean what they meant.
            && self.rest_used.iter().all(|s| {
                variant.sources[s.0].reliability == model.sources[s.0].reliability
            });
        if !same_frame {
            return self.full(variant);
        }
        let mut factors = vec![self.rest.clone()];
        let mut own_latent: Vec<SourceId> = Vec::new();
        for &i in &self.held {
            let Some(f) = item_factor(variant, i)? else {
                continue;
            };
            for &v in f.vars().iter().filter(|&&v| v != H) {
                let s = SourceId(v - 1);
                if self.rest_priors.contains(&s) {
                    // Its prior is in the rest, which must not have summed
                    // it out.
                    if self.rest.vars().binary_search(&v).is_err() {
                        return self.full(variant);
                    }
                } else if !own_latent.contains(&s) {
                    own_latent.push(s);
                }
            }
            factors.push(f);
        }
        factors.extend(own_latent.iter().map(|&s| latent_prior(variant, s)));
        // A source latent in either model has its levels in the tables.
        let cards: Vec<usize> = cards(variant)
            .iter()
            .zip(&self.cards)
            .map(|(&a, &b)| a.max(b))
            .collect();
        let result = ve::eliminate(factors, &[], &[H], &cards, DEFAULT_BUDGET_BYTES)?;
        normalise(&result)
    }

    /// The posterior of the hypotheses with the held-out items' factors
    /// given directly (one per enabled held-out item), computed over the
    /// engine's model: for callers that build the factors themselves (see
    /// [`EventMessages`]). The factors must use only latent reliabilities
    /// the held-out items already use in the engine's model.
    pub fn hypotheses_with_factors(&self, held: &[Factor]) -> Result<Vec<f64>, InferError> {
        if self.rest.vars() == [H] && held.iter().all(|f| f.vars() == [H]) {
            // No latent reliability left: the posterior is the sum of the
            // logs, normalised (what elimination would do, without its
            // bookkeeping; a sweep asks this many times).
            let mut logs = self.rest.log_values().to_vec();
            for f in held {
                for (l, x) in logs.iter_mut().zip(f.log_values()) {
                    *l += x;
                }
            }
            return normalise(&Factor::from_logs(&[H], &[logs.len()], logs));
        }
        let model = &self.engine.model;
        let mut factors = vec![self.rest.clone()];
        let mut own_latent: Vec<SourceId> = Vec::new();
        for f in held {
            for &v in f.vars().iter().filter(|&&v| v != H) {
                let s = SourceId(v - 1);
                let known = model
                    .sources
                    .get(s.0)
                    .is_some_and(|x| x.latent_range().is_some());
                let shared = self.rest_priors.contains(&s);
                if !known || (shared && self.rest.vars().binary_search(&v).is_err()) {
                    return Err(InferError::UnknownVariable(v));
                }
                if !shared && !own_latent.contains(&s) {
                    own_latent.push(s);
                }
            }
            factors.push(f.clone());
        }
        factors.extend(own_latent.iter().map(|&s| latent_prior(model, s)));
        let result = ve::eliminate(factors, &[], &[H], &self.cards, DEFAULT_BUDGET_BYTES)?;
        normalise(&result)
    }

    /// The fallback: everything recomputed, reusing the cached factors of
    /// the items that are not held out.
    fn full(&self, variant: &Model) -> Result<Vec<f64>, InferError> {
        let mut engine = self.engine.clone();
        engine.update(variant.clone(), &self.held)?;
        engine.hypotheses()
    }
}
