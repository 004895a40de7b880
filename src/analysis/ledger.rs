//! The origin ledger: how much of the evidence's weight rests on each
//! independent origin.
//!
//! An origin is the source at the root of a relay tree: a report that
//! relays nothing (or relays with strength 0), with every report that
//! descends from it. Four outlets relaying one newspaper that relies on
//! unnamed insiders are one origin, the insiders. Across items, the trees
//! rooted in one source are one origin: the ledger asks how much of the
//! case rests on that source's say-so.
//!
//! Apportioning is exact. An item with one origin puts its whole weight of
//! evidence on it. An item with several splits its weight by Shapley value:
//! each origin gets its marginal weight (the item's weight with the origin's
//! reports minus without them, the others' reports made worthless)
//! averaged over every order in which the origins could be added. The
//! shares add up to the item's weight exactly, for each hypothesis and each
//! group, and do not depend on the order reports are written. Origins
//! interact (two reports of one event do not add in decibans), which is
//! why a plain leave-one-out would not add up. Past
//! [`MAX_SHAPLEY_ORIGINS`] origins in one item (2^k evaluations) the item's
//! weight is split equally instead, and the item is listed.
//!
//! An item with no reports is taken as established: its weight rests on the
//! analyst, not a source, and is kept on a line of its own.

use crate::model::{Estimate, ItemId, Model, Probability, Reliability, ReportId, SourceId};
use crate::network::incremental::item_log_likelihood;

use super::{AnalysisError, EvidenceWeigher, ItemResult, set_weight_of_evidence};

/// Items with more independent origins than this split their weight
/// equally (Shapley values take 2^k evaluations of the item).
pub const MAX_SHAPLEY_ORIGINS: usize = 10;

/// One item's share of weight resting on one origin.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    /// The item.
    pub item: ItemId,
    /// Per hypothesis against the rest, decibans.
    pub woe_db: Vec<f64>,
    /// Per group against the hypotheses outside it, decibans.
    pub group_woe_db: Vec<f64>,
}

impl Share {
    /// The largest finite |weight| over hypotheses: how much this share
    /// moves the answer.
    pub fn strength_db(&self) -> f64 {
        strength(&self.woe_db)
    }
}

/// Everything resting on one origin.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginEntry {
    /// The source at the root of the relay trees.
    pub source: SourceId,
    /// Reports in its trees, over all items.
    pub reports: usize,
    /// Its share of each item it is an origin of, in model order.
    pub shares: Vec<Share>,
    /// The sum of the shares per hypothesis against the rest, decibans.
    pub woe_db: Vec<f64>,
    /// The sum of the shares per group against the hypotheses outside it,
    /// decibans.
    pub group_woe_db: Vec<f64>,
    /// Σ over its items of the largest finite |weight| of its share there.
    pub weight_db: f64,
    /// `weight_db` over the ledger's total.
    pub share: f64,
    /// Some share is infinite: an item's reports of this origin rule a
    /// hypothesis out (or in). Infinite weights are left out of
    /// `weight_db` and shown as such.
    pub decisive: bool,
}

/// The items with no reports, taken as established.
#[derive(Clone, Debug, PartialEq)]
pub struct EstablishedEntry {
    /// The established items, in model order.
    pub items: Vec<ItemId>,
    /// Their summed weight per hypothesis against the rest, decibans.
    pub woe_db: Vec<f64>,
    /// Their summed weight per group against the hypotheses outside it, decibans.
    pub group_woe_db: Vec<f64>,
    /// Σ over the items of the largest finite |weight|.
    pub weight_db: f64,
    /// `weight_db` over the ledger's total.
    pub share: f64,
    /// Some item rules a hypothesis out (or in): an infinite weight, left out of
    /// `weight_db`.
    pub decisive: bool,
}

/// The origin ledger: how much of the evidence's weight rests on each
/// independent origin, across items (a relay never adds an origin).
#[derive(Clone, Debug, PartialEq)]
pub struct Ledger {
    /// Heaviest first; ties in source order.
    pub origins: Vec<OriginEntry>,
    /// `None` when every enabled item has reports.
    pub established: Option<EstablishedEntry>,
    /// Σ of every origin's and the established items' `weight_db`.
    pub total_weight_db: f64,
    /// Items whose weight was split equally (over [`MAX_SHAPLEY_ORIGINS`]).
    pub split_equally: Vec<ItemId>,
}

impl Ledger {
    /// The heaviest origin, if any carries weight.
    pub fn largest(&self) -> Option<&OriginEntry> {
        self.origins.first().filter(|o| o.weight_db > 0.0)
    }

    /// Origins that carry at least `min_share` of the weight.
    pub fn carrying(&self, min_share: f64) -> usize {
        self.origins
            .iter()
            .filter(|o| o.weight_db > 0.0 && o.share >= min_share)
            .count()
    }
}

/// The report a report descends from: follow `via` while the link carries
/// any of the parent (strength > 0).
pub fn root(item: &crate::model::Item, report: ReportId) -> ReportId {
    let mut at = report;
    for _ in 0..=item.reports.len() {
        match &item.reports[at.0].via {
            Some(link) if link.strength.get() > 0.0 => at = link.parent,
            _ => break,
        }
    }
    at
}

/// For each report of an item, the index of its origin in the returned
/// list of origin sources (in order of first appearance).
fn players(item: &crate::model::Item) -> (Vec<SourceId>, Vec<usize>) {
    let mut sources: Vec<SourceId> = Vec::new();
    let mut of_report = Vec::with_capacity(item.reports.len());
    for r in 0..item.reports.len() {
        let source = item.reports[root(item, ReportId(r)).0].source;
        let k = match sources.iter().position(|&s| s == source) {
            Some(k) => k,
            None => {
                sources.push(source);
                sources.len() - 1
            }
        };
        of_report.push(k);
    }
    (sources, of_report)
}

fn strength(woe: &[f64]) -> f64 {
    woe.iter()
        .filter(|w| w.is_finite())
        .map(|w| w.abs())
        .fold(0.0, f64::max)
}

/// A report that says nothing: h = f, so its factor cancels.
fn worthless() -> Reliability {
    let half = Estimate::exact(Probability::HALF);
    Reliability::Credibility {
        hit: half.clone(),
        false_alarm: half,
    }
}

/// Weights (hypotheses, then groups) from per-hypothesis log-likelihoods,
/// as the analysis weighs each item.
fn weights(weigher: &EvidenceWeigher, priors: &[f64], masks: &[Vec<bool>], ll: &[f64]) -> Vec<f64> {
    let mut w = weigher.weigh(ll);
    w.extend(
        masks
            .iter()
            .map(|mask| set_weight_of_evidence(ll, priors, mask)),
    );
    w
}

/// Shapley values of `k` players from the value of every coalition
/// (`values[mask]`, bit j for player j), component by component. An
/// infinite component goes to the players whose own value is infinite with
/// that sign (to all of them, if none is alone), as no finite split of an
/// infinity exists.
fn shapley(k: usize, values: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = values[0].len();
    let full = (1usize << k) - 1;
    let mut factorial = vec![1.0f64; k + 1];
    for j in 1..=k {
        factorial[j] = factorial[j - 1] * j as f64;
    }
    let mut out = vec![vec![0.0; n]; k];
    for c in 0..n {
        let total = values[full][c];
        if !total.is_finite() || values.iter().any(|v| !v[c].is_finite()) {
            let alone: Vec<usize> = (0..k)
                .filter(|&j| values[1 << j][c] == total && !total.is_finite())
                .collect();
            let takers: Vec<usize> = if alone.is_empty() {
                (0..k).collect()
            } else {
                alone
            };
            for j in takers {
                out[j][c] = total;
            }
            continue;
        }
        for (j, row) in out.iter_mut().enumerate() {
            let bit = 1 << j;
            let mut sum = 0.0;
            for s in 0..=full {
                if s & bit != 0 {
                    continue;
                }
                let size = s.count_ones() as usize;
                let coefficient = factorial[size] * factorial[k - size - 1] / factorial[k];
                sum += coefficient * (values[s | bit][c] - values[s][c]);
            }
            row[c] = sum;
        }
    }
    out
}

/// Build the ledger. `items` are the analysis's per-item results (their
/// weights of evidence, of their log-likelihoods, are each item's whole
/// weight, so the shares add up to exactly what `report` shows).
pub fn ledger(model: &Model, items: &[ItemResult]) -> Result<Ledger, AnalysisError> {
    let priors = model.priors();
    let k_hyp = model.hypotheses.len();
    let masks: Vec<Vec<bool>> = model.groups.iter().map(|g| g.mask(k_hyp)).collect();
    let width = k_hyp + masks.len();
    let weigher = EvidenceWeigher::new(&priors);
    let mut by_source: Vec<Option<OriginEntry>> = vec![None; model.sources.len()];
    let mut established: Option<EstablishedEntry> = None;
    let mut split_equally = Vec::new();
    // A copy whose reports are made worthless and put back, item by item.
    let mut scratch: Option<Model> = None;
    for result in items.iter().filter(|r| r.enabled) {
        let i = result.item;
        let item = &model.items[i.0];
        // The analysis's weights of the item: `weights` of its
        // log-likelihoods, already worked out.
        let whole: Vec<f64> = result
            .woe_db
            .iter()
            .chain(&result.group_woe_db)
            .copied()
            .collect();
        if item.reports.is_empty() {
            let e = established.get_or_insert_with(|| EstablishedEntry {
                items: Vec::new(),
                woe_db: vec![0.0; k_hyp],
                group_woe_db: vec![0.0; masks.len()],
                weight_db: 0.0,
                share: 0.0,
                decisive: false,
            });
            e.items.push(i);
            add(&mut e.woe_db, &whole[..k_hyp]);
            add(&mut e.group_woe_db, &whole[k_hyp..]);
            e.weight_db += strength(&whole[..k_hyp]);
            e.decisive |= whole.iter().any(|w| !w.is_finite());
            continue;
        }
        let (sources, of_report) = players(item);
        let k = sources.len();
        let per_player: Vec<Vec<f64>> = if k == 1 {
            vec![whole]
        } else if k > MAX_SHAPLEY_ORIGINS {
            split_equally.push(i);
            let part: Vec<f64> = whole.iter().map(|w| w / k as f64).collect();
            vec![part; k]
        } else {
            let scratch = scratch.get_or_insert_with(|| model.clone());
            let full = (1usize << k) - 1;
            let mut values = vec![vec![0.0; width]; full + 1];
            for (coalition, value) in values.iter_mut().enumerate().take(full).skip(1) {
                for (r, &player) in of_report.iter().enumerate() {
                    let keep = coalition & (1 << player) != 0;
                    scratch.items[i.0].reports[r].reliability = if keep {
                        item.reports[r].reliability.clone()
                    } else {
                        Some(worthless())
                    };
                }
                let ll = item_log_likelihood(scratch, i)?.unwrap_or_else(|| vec![0.0; k_hyp]);
                *value = weights(&weigher, &priors, &masks, &ll);
            }
            for (r, report) in item.reports.iter().enumerate() {
                scratch.items[i.0].reports[r].reliability = report.reliability.clone();
            }
            values[full] = whole;
            shapley(k, &values)
        };
        for ((source, weight), r) in sources.iter().zip(per_player).zip(0..) {
            let reports = of_report.iter().filter(|&&p| p == r).count();
            let entry = by_source[source.0].get_or_insert_with(|| OriginEntry {
                source: *source,
                reports: 0,
                shares: Vec::new(),
                woe_db: vec![0.0; k_hyp],
                group_woe_db: vec![0.0; masks.len()],
                weight_db: 0.0,
                share: 0.0,
                decisive: false,
            });
            let share = Share {
                item: i,
                woe_db: weight[..k_hyp].to_vec(),
                group_woe_db: weight[k_hyp..].to_vec(),
            };
            entry.reports += reports;
            add(&mut entry.woe_db, &share.woe_db);
            add(&mut entry.group_woe_db, &share.group_woe_db);
            entry.weight_db += share.strength_db();
            entry.decisive |= weight.iter().any(|w| !w.is_finite());
            entry.shares.push(share);
        }
    }
    let mut origins: Vec<OriginEntry> = by_source.into_iter().flatten().collect();
    let total = origins.iter().map(|o| o.weight_db).sum::<f64>()
        + established.as_ref().map_or(0.0, |e| e.weight_db);
    for o in &mut origins {
        o.share = if total > 0.0 {
            o.weight_db / total
        } else {
            0.0
        };
    }
    if let Some(e) = &mut established {
        e.share = if total > 0.0 {
            e.weight_db / total
        } else {
            0.0
        };
    }
    // Stable: equal weights keep source order.
    origins.sort_by(|a, b| b.weight_db.total_cmp(&a.weight_db));
    Ok(Ledger {
        origins,
        established,
        total_weight_db: total,
        split_equally,
    })
}

fn add(sum: &mut [f64], part: &[f64]) {
    for (s, p) in sum.iter_mut().zip(part) {
        *s += p;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapley_of_two_players_splits_the_interaction_evenly() {
        // v({}) = 0, v({a}) = 4, v({b}) = 2, v({a, b}) = 5.
        let values = vec![vec![0.0], vec![4.0], vec![2.0], vec![5.0]];
        let phi = shapley(2, &values);
        assert!((phi[0][0] - 3.5).abs() < 1e-12);
        assert!((phi[1][0] - 1.5).abs() < 1e-12);
    }

    #[test]
    fn shapley_shares_add_up() {
        let values: Vec<Vec<f64>> = (0..8)
            .map(|s: usize| vec![(s as f64).sqrt() * 3.0 - (s.count_ones() as f64)])
            .map(|mut v| {
                if v[0].is_nan() {
                    v[0] = 0.0;
                }
                v
            })
            .collect();
        let mut values = values;
        values[0] = vec![0.0];
        let phi = shapley(3, &values);
        let sum: f64 = phi.iter().map(|p| p[0]).sum();
        assert!((sum - values[7][0]).abs() < 1e-12);
    }
}
