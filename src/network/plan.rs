//! Per-item evaluation plans: the fast path of exact inference on compiled
//! models.
//!
//! Given the hypothesis and the latent reliabilities, items are independent,
//! and each item is a handful of nodes (its event and its reports). A plan
//! precomputes, at compile time, where each report's CPT row comes from, so
//! that inference evaluates P(reports | e, q) by enumerating the item's few
//! latent reports in linear arithmetic (the numbers stay near 1: a handful of
//! probabilities), and only the per-item result enters log space. This is the
//! same variable elimination, with the obvious order (each item's nodes
//! first), minus the allocation and ordering cost of the generic engine.

use super::factor::{Factor, VarId};
use super::graph::Network;

/// Items with more latent reports than this (2^n terms) or more reports than
/// `MAX_REPORTS` (products of many probabilities may underflow in linear
/// arithmetic) use the generic engine instead.
const MAX_LATENT: usize = 12;
pub(crate) const MAX_REPORTS: usize = 64;

#[derive(Clone, Copy, Debug)]
enum Slot {
    Event,
    Report(usize),
    Latent(usize),
}

#[derive(Clone, Debug)]
struct PlanReport {
    parents: Vec<(Slot, usize)>,
    /// The report's node: its CPT is read from the network, not copied.
    var: VarId,
    /// The observed state, or the bit of the latent mask that holds it.
    state: State,
}

#[derive(Clone, Copy, Debug)]
enum State {
    Observed(usize),
    Latent(u32),
}

/// How to evaluate one item's factor quickly; `None` means use the generic
/// engine.
#[derive(Clone, Debug)]
pub struct ItemPlan {
    /// The item's event node: P(E = true | h) is read from its CPT, so that
    /// rewriting the numbers of a compiled network keeps its plans valid.
    event: VarId,
    /// When the event itself is observed (an item with no reports).
    event_observed: Option<usize>,
    reports: Vec<PlanReport>,
    latent_reports: u32,
    /// Cardinalities of the latent reliability nodes, in the item's order.
    latent_cards: Vec<usize>,
}

impl ItemPlan {
    /// Build a plan for an item, or `None` when it is too large for the
    /// enumerating fast path.
    pub fn new(
        net: &Network,
        event: VarId,
        reports: &[VarId],
        latent: &[VarId],
        observed: &[Option<usize>],
    ) -> Option<ItemPlan> {
        let mut vars: Vec<VarId> = reports.to_vec();
        vars.sort_unstable();
        vars.dedup();
        vars.retain(|&v| v != event);
        if vars.len() > MAX_REPORTS {
            return None;
        }
        let mut latent_count = 0u32;
        let mut plan_reports = Vec::with_capacity(vars.len());
        for &v in &vars {
            let node = net.node(v);
            let mut parents = Vec::with_capacity(node.parents.len());
            for &p in &node.parents {
                let slot = if p == event {
                    Slot::Event
                } else if let Ok(i) = vars.binary_search(&p) {
                    Slot::Report(i)
                } else {
                    Slot::Latent(latent.iter().position(|&q| q == p)?)
                };
                parents.push((slot, net.card(p)));
            }
            let state = match observed[v] {
                Some(s) => State::Observed(s),
                None => {
                    latent_count += 1;
                    State::Latent(latent_count - 1)
                }
            };
            plan_reports.push(PlanReport {
                parents,
                var: v,
                state,
            });
        }
        if latent_count as usize > MAX_LATENT {
            return None;
        }
        Some(ItemPlan {
            event,
            event_observed: observed[event],
            reports: plan_reports,
            latent_reports: latent_count,
            latent_cards: latent.iter().map(|&q| net.card(q)).collect(),
        })
    }

    /// P(reports | E = e, q) summed over the item's latent reports.
    fn message(&self, net: &Network, e: usize, q: &[usize], states: &mut Vec<usize>) -> f64 {
        let mut total = 0.0;
        for mask in 0..(1u64 << self.latent_reports) {
            states.clear();
            let mut product = 1.0;
            for r in &self.reports {
                let s = match r.state {
                    State::Observed(s) => s,
                    State::Latent(bit) => ((mask >> bit) & 1) as usize,
                };
                let mut row = 0;
                for &(slot, card) in &r.parents {
                    let ps = match slot {
                        Slot::Event => e,
                        Slot::Report(i) => states[i],
                        Slot::Latent(i) => q[i],
                    };
                    row = row * card + ps;
                }
                product *= net.node(r.var).cpt[row * 2 + s];
                states.push(s);
                if product == 0.0 {
                    break;
                }
            }
            total += product;
        }
        total
    }

    /// ln P(reports | h) per hypothesis, for an item without latent
    /// reliabilities.
    pub fn log_likelihood(&self, net: &Network, out: &mut Vec<f64>) {
        let mut states = Vec::with_capacity(self.reports.len());
        let (m0, m1) = self.messages(net, &[], &mut states);
        out.clear();
        out.extend(self.event_true(net).map(|t| ((1.0 - t) * m0 + t * m1).ln()));
    }

    /// P(E = true | h) for each hypothesis h.
    fn event_true<'n>(&self, net: &'n Network) -> impl Iterator<Item = f64> + 'n {
        net.node(self.event).cpt.chunks(2).map(|row| row[1])
    }

    fn messages(&self, net: &Network, q: &[usize], states: &mut Vec<usize>) -> (f64, f64) {
        let m = |e: usize, states: &mut Vec<usize>| match self.event_observed {
            Some(obs) if obs != e => 0.0,
            _ => self.message(net, e, q, states),
        };
        (m(0, states), m(1, states))
    }

    /// The item's factor over the hypothesis and its latent reliabilities:
    /// P(reports | h, q), as a log factor.
    pub fn factor(&self, net: &Network, hypothesis: VarId, latent: &[VarId]) -> Factor {
        let k = net.card(hypothesis);
        let mut vars = vec![hypothesis];
        vars.extend_from_slice(latent);
        let mut cards = vec![k];
        cards.extend_from_slice(&self.latent_cards);
        let q_total: usize = self.latent_cards.iter().product();
        // Layout: hypothesis slowest, then latent nodes in order.
        let mut logs = vec![0.0; k * q_total];
        let mut q = vec![0usize; self.latent_cards.len()];
        let mut states = Vec::with_capacity(self.reports.len());
        for qi in 0..q_total {
            let (m0, m1) = self.messages(net, &q, &mut states);
            for (h, t) in self.event_true(net).enumerate() {
                logs[h * q_total + qi] = ((1.0 - t) * m0 + t * m1).ln();
            }
            for d in (0..q.len()).rev() {
                q[d] += 1;
                if q[d] < self.latent_cards[d] {
                    break;
                }
                q[d] = 0;
            }
        }
        Factor::from_logs(&vars, &cards, logs)
    }
}

/// Neumaier's compensated sum: adding 100,000 log-likelihoods keeps an error
/// near one rounding of the total instead of one per term.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() || !self.sum.is_finite() {
            self.sum += x;
            return;
        }
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    pub fn value(&self) -> f64 {
        if self.sum.is_finite() {
            self.sum + self.compensation
        } else {
            self.sum
        }
    }
}
