//! Impossible evidence, narrowed down to the items that cannot hold
//! together.
//!
//! The evidence is impossible when, under every hypothesis whose prior is
//! above 0 and at every level of every latent reliability, some item's
//! observed reports (or an established item itself) have probability 0.
//! The incremental engine caches each item's factor F_i(h, q); its entries
//! of probability 0 are the item's *zero cells*. The evidence is impossible
//! exactly when the zero cells of the items together cover every cell of
//! the joint space (the live hypotheses times the latent reliabilities the
//! items with zeros use), so naming the culprits is a set cover:
//!
//! - an item whose zero cells cover everything is impossible alone (every
//!   such item is named: each is a cause on its own);
//! - otherwise a greedy cover, made irreducible by a deletion filter (no
//!   item of it can be left out), then an exhaustive search for a cover of
//!   two or three items while the distinct zero patterns are few enough
//!   for it, so the set named is the smallest whenever it has at most four
//!   items.
//!
//! An item with no zero cell can never be part of such a set (leaving it
//! out changes no cell), so 100,000 harmless items cost one pass over their
//! cached factors. When the joint space is too large for bitsets (many
//! latent reliabilities), QuickXplain (Junker 2004) over the items with
//! zeros finds an irreducible set instead, each test one elimination over
//! the factors it holds, within a work budget: over it, the items that rule
//! out some hypothesis are named without the narrowing down.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::diag::Diagnostic;
use crate::model::{HypothesisId, ItemId, Model, Scenario};
use crate::network::incremental::HYPOTHESIS;
use crate::network::{Factor, Incremental, VarId, ve};

/// Bits of the cover's zero patterns held at once, in 64-bit words
/// (16 MiB): beyond it QuickXplain is used.
const MAX_COVER_WORDS: usize = 1 << 21;

/// Word operations the greedy cover and the search for a smaller one may
/// spend (a fraction of a second).
const MAX_SEARCH_WORK: f64 = (1u64 << 27) as f64;

/// Factor entries QuickXplain's tests may touch together.
const MAX_TEST_WORK: f64 = (1u64 << 28) as f64;

/// The most culprits one diagnostic names by place; the rest are counted.
pub const MAX_NAMED: usize = 12;

/// An item of the evidence that cannot hold together, and what it allows.
#[derive(Clone, Debug, PartialEq)]
pub struct Culprit {
    /// The item.
    pub item: ItemId,
    /// The hypotheses under which the item alone is possible (its reports
    /// can all be as observed), in hypothesis order; empty when it is
    /// impossible under every hypothesis.
    pub possible_under: Vec<HypothesisId>,
}

/// What narrowing down impossible evidence found.
#[derive(Clone, Debug, PartialEq)]
pub enum Finding {
    /// Items each impossible on their own, in model order (every one of
    /// them: each is a cause alone).
    Alone(Vec<Culprit>),
    /// Items possible one by one that cannot hold together, in model order;
    /// leaving any one out makes the rest possible.
    Together {
        /// The items.
        culprits: Vec<Culprit>,
        /// No smaller set of items is impossible (searched exhaustively).
        smallest: bool,
    },
    /// Narrowing down was over the work budget: the items that rule out
    /// some hypothesis, those ruling out the most first, at most
    /// [`MAX_NAMED`].
    Unnarrowed {
        /// How many items rule out some hypothesis.
        candidates: usize,
        /// The first of them.
        named: Vec<Culprit>,
    },
    /// The evidence is possible: nothing to name.
    Possible,
}

/// The items of `engine`'s model (its current overrides applied) whose
/// evidence cannot hold together.
pub fn find(engine: &Incremental) -> Finding {
    let model = engine.model();
    let priors = model.priors();
    let live: Vec<usize> = (0..priors.len()).filter(|&h| priors[h] > 0.0).collect();
    let candidates: Vec<(ItemId, &Factor)> = (0..model.items.len())
        .filter_map(|i| engine.factor(ItemId(i)).map(|f| (ItemId(i), f)))
        .filter(|(_, f)| rules_out_some(f, &live))
        .collect();
    if candidates.is_empty() {
        return Finding::Possible;
    }
    let culprit = |&(item, f): &(ItemId, &Factor)| Culprit {
        item,
        possible_under: possible_under(f, priors.len()),
    };
    let alone: Vec<Culprit> = candidates
        .iter()
        .map(culprit)
        .filter(|c| c.possible_under.iter().all(|h| priors[h.0] <= 0.0))
        .collect();
    if !alone.is_empty() {
        return Finding::Alone(alone);
    }
    let chosen = match Space::new(&candidates, &live) {
        Some(space) => space.cover(&candidates),
        None => None,
    };
    let chosen = match chosen {
        Some(c) => Some(c),
        None => quickxplain(&candidates, model, &priors),
    };
    match chosen {
        Some(Cover::Found {
            mut indices,
            smallest,
        }) => {
            indices.sort_unstable();
            Finding::Together {
                culprits: indices.iter().map(|&k| culprit(&candidates[k])).collect(),
                smallest,
            }
        }
        Some(Cover::Possible) => Finding::Possible,
        None => {
            let mut named: Vec<Culprit> = candidates.iter().map(culprit).collect();
            // Those allowing the fewest hypotheses first, then model order.
            named.sort_by_key(|c| (c.possible_under.len(), c.item));
            named.truncate(MAX_NAMED);
            Finding::Unnarrowed {
                candidates: candidates.len(),
                named,
            }
        }
    }
}

/// Whether some entry of `f` is 0 under a live hypothesis.
fn rules_out_some(f: &Factor, live: &[usize]) -> bool {
    let logs = f.log_values();
    match hypothesis_stride(f) {
        Some((stride, _)) => live.iter().any(|&h| {
            let block = &logs[h * stride..];
            (0..stride).any(|j| block[j] == f64::NEG_INFINITY)
        }),
        None => !live.is_empty() && logs.contains(&f64::NEG_INFINITY),
    }
}

/// Where the hypothesis sits in `f`: (entries per hypothesis, hypotheses).
/// It is the lowest variable, so the slowest in the layout.
fn hypothesis_stride(f: &Factor) -> Option<(usize, usize)> {
    (f.vars().first() == Some(&HYPOTHESIS)).then(|| {
        let k = f.cards()[0];
        (f.log_values().len() / k.max(1), k)
    })
}

/// The hypotheses (of `k`) under which some entry of `f` is above 0.
fn possible_under(f: &Factor, k: usize) -> Vec<HypothesisId> {
    let logs = f.log_values();
    match hypothesis_stride(f) {
        Some((stride, _)) => (0..k)
            .filter(|&h| {
                logs[h * stride..(h + 1) * stride]
                    .iter()
                    .any(|x| x.is_finite())
            })
            .map(HypothesisId)
            .collect(),
        None if logs.iter().any(|x| x.is_finite()) => (0..k).map(HypothesisId).collect(),
        None => Vec::new(),
    }
}

/// A cover found, or none because the evidence is possible after all.
#[derive(Debug)]
enum Cover {
    /// Indices into the candidates.
    Found {
        indices: Vec<usize>,
        smallest: bool,
    },
    Possible,
}

/// The joint space the zero cells live in: the live hypotheses times the
/// latent reliabilities the candidates use, as bitsets.
struct Space {
    live: Vec<usize>,
    latent: Vec<VarId>,
    latent_cards: Vec<usize>,
    cells: usize,
    words: usize,
}

impl Space {
    /// The space, or `None` when its bitsets would be over
    /// [`MAX_COVER_WORDS`].
    fn new(candidates: &[(ItemId, &Factor)], live: &[usize]) -> Option<Space> {
        let mut latent: Vec<(VarId, usize)> = candidates
            .iter()
            .flat_map(|(_, f)| f.vars().iter().copied().zip(f.cards().iter().copied()))
            .filter(|&(v, _)| v != HYPOTHESIS)
            .collect();
        latent.sort_unstable();
        latent.dedup();
        let cells = latent
            .iter()
            .try_fold(live.len(), |acc, &(_, c)| acc.checked_mul(c))?;
        let words = cells.div_ceil(64);
        if words.checked_mul(candidates.len())? > MAX_COVER_WORDS {
            return None;
        }
        Some(Space {
            live: live.to_vec(),
            latent: latent.iter().map(|l| l.0).collect(),
            latent_cards: latent.iter().map(|l| l.1).collect(),
            cells,
            words,
        })
    }

    /// Every cell.
    fn full(&self) -> Vec<u64> {
        let mut bits = vec![u64::MAX; self.words];
        let tail = self.cells % 64;
        if tail != 0
            && let Some(last) = bits.last_mut()
        {
            *last = (1u64 << tail) - 1;
        }
        bits
    }

    /// The cells where `f` is 0.
    fn zeros(&self, f: &Factor) -> Vec<u64> {
        let (fv, fc) = (f.vars(), f.cards());
        let mut own = vec![1usize; fv.len()];
        for k in (0..fv.len().saturating_sub(1)).rev() {
            own[k] = own[k + 1] * fc[k + 1];
        }
        let stride_of = |v: VarId| fv.iter().position(|&x| x == v).map_or(0, |p| own[p]);
        let h_stride = stride_of(HYPOTHESIS);
        let strides: Vec<usize> = self.latent.iter().map(|&v| stride_of(v)).collect();
        let per_h: usize = self.latent_cards.iter().product();
        let logs = f.log_values();
        let mut bits = vec![0u64; self.words];
        let mut cell = 0usize;
        let mut q = vec![0usize; self.latent.len()];
        for &h in &self.live {
            let mut at = h * h_stride;
            q.iter_mut().for_each(|x| *x = 0);
            for _ in 0..per_h {
                if logs[at] == f64::NEG_INFINITY {
                    bits[cell / 64] |= 1u64 << (cell % 64);
                }
                cell += 1;
                for d in (0..q.len()).rev() {
                    q[d] += 1;
                    at += strides[d];
                    if q[d] < self.latent_cards[d] {
                        break;
                    }
                    at -= strides[d] * self.latent_cards[d];
                    q[d] = 0;
                }
            }
        }
        bits
    }

    /// The smallest cover it can find of every cell by the candidates' zero
    /// cells; `None` over the work budget.
    fn cover(&self, candidates: &[(ItemId, &Factor)]) -> Option<Cover> {
        // Distinct zero patterns, each with its first item (model order).
        let mut distinct: Vec<(Vec<u64>, usize)> = Vec::new();
        let mut seen: HashMap<Vec<u64>, ()> = HashMap::new();
        for (k, (_, f)) in candidates.iter().enumerate() {
            let bits = self.zeros(f);
            if seen.insert(bits.clone(), ()).is_none() {
                distinct.push((bits, k));
            }
        }
        let full = self.full();
        let round = (distinct.len() * self.words) as f64;
        let mut work = 0.0;
        // Greedy: the pattern covering the most cells still uncovered.
        let mut uncovered = full.clone();
        let mut chosen: Vec<usize> = Vec::new();
        while uncovered.iter().any(|&w| w != 0) {
            work += round;
            if work > MAX_SEARCH_WORK {
                return None;
            }
            let gain = |p: &[u64]| -> u32 {
                p.iter()
                    .zip(&uncovered)
                    .map(|(a, b)| (a & b).count_ones())
                    .sum()
            };
            let mut best = (0u32, 0usize);
            for (j, (p, _)) in distinct.iter().enumerate() {
                let g = gain(p);
                if g > best.0 {
                    best = (g, j);
                }
            }
            if best.0 == 0 {
                return Some(Cover::Possible);
            }
            chosen.push(best.1);
            for (u, p) in uncovered.iter_mut().zip(&distinct[best.1].0) {
                *u &= !p;
            }
        }
        // Deletion filter: leave out each pattern the others cover without.
        let covers = |set: &[usize]| -> bool {
            (0..self.words)
                .all(|w| set.iter().fold(0u64, |acc, &j| acc | distinct[j].0[w]) == full[w])
        };
        let mut k = 0;
        while k < chosen.len() {
            let mut rest = chosen.clone();
            rest.remove(k);
            if covers(&rest) {
                chosen = rest;
            } else {
                k += 1;
            }
        }
        // A smaller cover: every pair, then every triple, while affordable.
        let d = distinct.len() as f64;
        let words = self.words as f64;
        let mut searched_below = 2;
        for size in 2..chosen.len().min(4) {
            let combinations = (0..size).fold(1.0, |acc, i| acc * (d - i as f64) / (i + 1) as f64);
            if combinations * words > MAX_SEARCH_WORK {
                break;
            }
            if let Some(found) = smallest_cover(&distinct, &full, size) {
                chosen = found;
                break;
            }
            searched_below = size + 1;
        }
        let smallest = chosen.len() <= searched_below;
        Some(Cover::Found {
            indices: chosen.iter().map(|&j| distinct[j].1).collect(),
            smallest,
        })
    }
}

/// The first `size` patterns (of 2 or 3) that cover `full`, in
/// lexicographic order of their indices.
fn smallest_cover(distinct: &[(Vec<u64>, usize)], full: &[u64], size: usize) -> Option<Vec<usize>> {
    let n = distinct.len();
    let union_full = |set: &[usize]| {
        full.iter()
            .enumerate()
            .all(|(w, &f)| set.iter().fold(0u64, |acc, &j| acc | distinct[j].0[w]) == f)
    };
    for a in 0..n {
        for b in a + 1..n {
            if size == 2 {
                if union_full(&[a, b]) {
                    return Some(vec![a, b]);
                }
                continue;
            }
            for c in b + 1..n {
                if union_full(&[a, b, c]) {
                    return Some(vec![a, b, c]);
                }
            }
        }
    }
    None
}

/// QuickXplain over the candidates: an irreducible impossible subset, each
/// test an elimination over the prior and the subset's factors; `None`
/// over [`MAX_TEST_WORK`] or when a test is over the inference budget.
fn quickxplain(candidates: &[(ItemId, &Factor)], model: &Model, priors: &[f64]) -> Option<Cover> {
    let k = model.hypotheses.len();
    let mut cards = vec![1usize; 1 + model.sources.len()];
    cards[HYPOTHESIS] = k;
    for (_, f) in candidates {
        for (&v, &c) in f.vars().iter().zip(f.cards()) {
            if let Some(slot) = cards.get_mut(v) {
                *slot = c;
            }
        }
    }
    let mut tests = Tests {
        candidates,
        prior: Factor::new(&[HYPOTHESIS], &[k], priors.to_vec()),
        cards,
        work: 0.0,
    };
    let all: Vec<usize> = (0..candidates.len()).collect();
    if !tests.impossible(&all)? {
        return Some(Cover::Possible);
    }
    let mut background = Vec::new();
    let found = tests.narrow(&mut background, false, &all)?;
    Some(Cover::Found {
        smallest: found.len() <= 2,
        indices: found,
    })
}

/// QuickXplain's consistency tests and the work they have done.
struct Tests<'a> {
    candidates: &'a [(ItemId, &'a Factor)],
    prior: Factor,
    cards: Vec<usize>,
    work: f64,
}

impl Tests<'_> {
    /// Whether the candidates at `set` are impossible together; `None` over
    /// the budget.
    fn impossible(&mut self, set: &[usize]) -> Option<bool> {
        let mut factors = vec![self.prior.clone()];
        for &j in set {
            let f = self.candidates[j].1;
            self.work += f.log_values().len() as f64;
            factors.push(f.clone());
        }
        if self.work > MAX_TEST_WORK {
            return None;
        }
        let result = ve::eliminate(
            factors,
            &[],
            &[HYPOTHESIS],
            &self.cards,
            ve::DEFAULT_BUDGET_BYTES,
        )
        .ok()?;
        Some(!result.log_total().is_finite())
    }

    /// Junker's QuickXplain: the part of `constraints` that, with
    /// `background`, is impossible, irreducible.
    fn narrow(
        &mut self,
        background: &mut Vec<usize>,
        changed: bool,
        constraints: &[usize],
    ) -> Option<Vec<usize>> {
        if changed && self.impossible(background)? {
            return Some(Vec::new());
        }
        if constraints.len() == 1 {
            return Some(constraints.to_vec());
        }
        let (first, second) = constraints.split_at(constraints.len() / 2);
        let kept = background.len();
        background.extend_from_slice(first);
        let from_second = self.narrow(background, !first.is_empty(), second)?;
        background.truncate(kept);
        background.extend_from_slice(&from_second);
        let from_first = self.narrow(background, !from_second.is_empty(), first)?;
        background.truncate(kept);
        let mut found = from_first;
        found.extend(from_second);
        Some(found)
    }
}

/// `a`, `b` and `c`: ids quoted and joined as a sentence.
fn listed<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let ids: Vec<String> = ids.into_iter().map(|s| format!("`{s}`")).collect();
    match ids.len() {
        0 => String::new(),
        1 => ids[0].clone(),
        n => format!("{} and {}", ids[..n - 1].join(", "), ids[n - 1]),
    }
}

/// The hypotheses an item allows, in words: `possible only under `a``.
fn allowed(model: &Model, culprit: &Culprit) -> String {
    if culprit.possible_under.is_empty() {
        return "impossible under every hypothesis, given its reports".to_string();
    }
    let names = listed(
        culprit
            .possible_under
            .iter()
            .map(|h| model.hypotheses[h.0].id.as_str()),
    );
    let priors_zero = culprit
        .possible_under
        .iter()
        .all(|h| model.hypotheses[h.0].prior.get() <= 0.0);
    if priors_zero {
        format!("possible only under {names}, whose prior is 0")
    } else {
        format!("possible only under {names}")
    }
}

/// The label under an item: what it allows and the likelihoods of 0 or 1
/// that make it so.
fn item_label(model: &Model, culprit: &Culprit) -> String {
    let item = &model.items[culprit.item.0];
    let mut label = allowed(model, culprit);
    let at = |value: f64| -> Vec<&str> {
        item.likelihood
            .iter()
            .enumerate()
            .filter(|(_, l)| l.point.get() == value)
            .map(|(h, _)| model.hypotheses[h].id.as_str())
            .collect()
    };
    let (zero, one) = (at(0.0), at(1.0));
    let mut extremes = Vec::new();
    if !zero.is_empty() {
        extremes.push(format!("likelihood 0 under {}", listed(zero)));
    }
    if !one.is_empty() {
        extremes.push(format!("likelihood 1 under {}", listed(one)));
    }
    if !extremes.is_empty() {
        let _ = write!(label, " ({})", extremes.join("; "));
    }
    if item.reports.is_empty() {
        label.push_str("; established (no reports)");
    }
    label
}

/// The observed reports of an item that are certain (a hit rate or
/// false-alarm rate of 0 or 1 makes the report settle the claim), with
/// what each says.
fn certain_reports(model: &Model, item: ItemId) -> Vec<(std::ops::Range<usize>, String)> {
    let item = &model.items[item.0];
    item.reports
        .iter()
        .filter(|r| r.observed && !model.uses_latent_reliability(r))
        .filter_map(|r| {
            let (reliability, bias) = model.report_reliability(r);
            let (hit, false_alarm) = reliability.hit_false_alarm(bias);
            let (hit, false_alarm) = (hit.get(), false_alarm.get());
            let says = match (r.asserts, hit, false_alarm) {
                (true, _, 0.0) => "asserts with a false-alarm rate of 0: the claim must be true",
                (true, 0.0, _) => "asserts with a hit rate of 0: the claim must be false",
                (false, 1.0, _) => "denies with a hit rate of 1: the claim must be false",
                (false, _, 1.0) => "denies with a false-alarm rate of 1: the claim must be true",
                _ => return None,
            };
            Some((r.span.clone(), format!("report `{}` {says}", r.id)))
        })
        .collect()
}

/// What a finding says, in one sentence after "the evidence is impossible:".
pub fn summary(model: &Model, finding: &Finding) -> Option<String> {
    let ids = |culprits: &[Culprit]| -> String {
        let shown = culprits.iter().take(MAX_NAMED);
        let mut s = listed(shown.map(|c| model.items[c.item.0].id.as_str()));
        if culprits.len() > MAX_NAMED {
            let _ = write!(s, " (and {} more)", culprits.len() - MAX_NAMED);
        }
        s
    };
    // A prior of 0 rules a hypothesis out before any evidence.
    let every = if model.hypotheses.iter().any(|h| h.prior.get() <= 0.0) {
        " with a prior above 0"
    } else {
        ""
    };
    Some(match finding {
        Finding::Alone(c) if c.len() == 1 => format!(
            "item {} is impossible under every hypothesis{every}, given its reports",
            ids(c)
        ),
        Finding::Alone(c) => format!(
            "items {} are each impossible under every hypothesis{every}, given their reports",
            ids(c)
        ),
        Finding::Together { culprits, .. } if culprits.len() == 2 => format!(
            "items {} cannot both hold under any hypothesis (each is possible alone)",
            ids(culprits)
        ),
        Finding::Together { culprits, smallest } => format!(
            "items {} cannot all hold under any hypothesis; leave any one out and the rest can{}",
            ids(culprits),
            if *smallest {
                ""
            } else {
                " (a smaller such set may exist)"
            }
        ),
        Finding::Unnarrowed { candidates, named } => format!(
            "{candidates} items rule out some hypothesis and together rule out every one; narrowing them down to the fewest is over the work budget; those ruling out the most: {}",
            ids(named)
        ),
        Finding::Possible => return None,
    })
}

/// The items a finding names (none for [`Finding::Possible`]).
pub fn culprits(finding: &Finding) -> &[Culprit] {
    match finding {
        Finding::Alone(c) | Finding::Together { culprits: c, .. } => c,
        Finding::Unnarrowed { named, .. } => named,
        Finding::Possible => &[],
    }
}

/// What made the evidence impossible when the model as written is not:
/// a scenario, or `--set` overrides.
#[derive(Clone, Debug)]
pub struct Under {
    /// As the message names it: "scenario `x`", "the --set overrides".
    pub name: String,
    /// The scenario's table in the model file; `None` for `--set`.
    pub span: Option<std::ops::Range<usize>>,
}

impl Under {
    /// A scenario of the model.
    pub fn scenario(scenario: &Scenario) -> Under {
        Under {
            name: format!("scenario `{}`", scenario.id),
            span: Some(scenario.span.clone()),
        }
    }
}

/// The error diagnostic naming a finding's items at their lines, each
/// labelled with the hypotheses it allows, beside the reports that make it
/// certain; `under` a scenario, it points at the scenario (the caller sets
/// the severity it deserves). `None` when the finding names nothing.
pub fn diagnostic(model: &Model, finding: &Finding, under: Option<&Under>) -> Option<Diagnostic> {
    let summary = summary(model, finding)?;
    let culprits = culprits(finding);
    let message = match under {
        Some(u) => format!("under {}, the evidence is impossible: {summary}", u.name),
        None => format!("the evidence is impossible under this model: {summary}"),
    };
    let mut places: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for c in culprits.iter().take(MAX_NAMED) {
        let item = &model.items[c.item.0];
        places.push((
            item.span.clone(),
            format!("`{}`: {}", item.id, item_label(model, c)),
        ));
        places.extend(certain_reports(model, c.item));
    }
    let mut d = Diagnostic::error(message);
    match under.and_then(|u| u.span.clone()) {
        Some(span) => {
            d = d
                .at(span.start..span.start + 1)
                .label("this scenario's overrides make the evidence impossible");
        }
        None => {
            let (span, label) = places.remove(0);
            d = d.at(span).label(label);
        }
    }
    for (span, label) in places {
        d = d.related(span, label);
    }
    Some(d.hint(hint(model, finding)))
}

/// What to do: which hypothesis each item allows, and what makes an item
/// or a report certain.
fn hint(model: &Model, finding: &Finding) -> String {
    let parts: Vec<String> = culprits(finding)
        .iter()
        .take(MAX_NAMED)
        .map(|c| format!("`{}` is {}", model.items[c.item.0].id, allowed(model, c)))
        .collect();
    let mut hint = parts.join("; ");
    hint.push_str(
        ". A likelihood of 0 or 1, or a report's reliability of 1 (a hit rate of 1 or a false-alarm rate of 0), makes it certain: soften one of them, or add the hypothesis the evidence points to",
    );
    if matches!(finding, Finding::Unnarrowed { .. }) {
        hint.push_str(
            "; `credence explain --item ID` shows one item's likelihood under every hypothesis",
        );
    }
    hint
}
