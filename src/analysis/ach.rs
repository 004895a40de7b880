//! Heuer's Analysis of Competing Hypotheses beside the Bayesian result: the
//! consistency matrix, each item's credibility and relevance, the
//! inconsistency scores, and where ACH's ranking and Bayes's disagree, the
//! decibans that explain why.
//!
//! Choices (documented in docs/JSON.md and summed up in the text output):
//!
//! - A cell written as an ACH rating keeps it. Otherwise the rating is derived
//!   from the likelihood ratio of h against the other hypotheses (their mean
//!   likelihood, unweighted, as ACH ignores priors), in decibans:
//!   |w| < 1 dB is N, 1 to 6 dB C (or I below 0), 6 dB or more (a ratio of
//!   about 4) CC (or II). An item equally likely under every hypothesis is N
//!   everywhere.
//! - A row stands for what the item's reports say. When they on balance deny
//!   the claim (P(reports | E) < P(reports | not E)), the row is the claim's
//!   negation: derived ratings use 1 - P(E | h), written ratings are mirrored
//!   (CC <-> II, C <-> I).
//! - Credibility = 1 - min/max of P(reports | E) and P(reports | not E): 1 for
//!   an established item or conclusive reports, 0 for reports equally likely
//!   either way; one report asserting the claim gives 1 - f/h. The number of
//!   independent origins and the best h - f among them are shown beside it.
//! - Relevance (diagnosticity) = 1 - min/max over hypotheses of the row's
//!   likelihood: 0 for an item consistent with every hypothesis alike.
//! - Inconsistency score: I counts 1, II counts 2. The weighted score weighs
//!   each by the row's credibility × relevance.

use crate::model::{HypothesisId, ItemId, Model, ReportId};

use super::explain::{report_likelihoods, report_pair};
use super::{Analysis, AnalysisError, budget, sums_leaving_out_each};

/// Below this |likelihood ratio| in decibans a derived rating is N
/// (Good's deciban: about the smallest change of belief a person notices).
pub const NEUTRAL_DB: f64 = 1.0;
/// At or above this a derived rating is CC (or II): a ratio of about 4.
pub const STRONG_DB: f64 = 6.0;
/// Posteriors closer than this are tied for ranking.
const TIE: f64 = 1e-12;

/// Heuer's consistency rating of an item with a hypothesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rating {
    /// CC.
    VeryConsistent,
    /// C.
    Consistent,
    /// N: neutral or not applicable.
    Neutral,
    /// I.
    Inconsistent,
    /// II.
    VeryInconsistent,
}

impl Rating {
    /// Every rating, most consistent first.
    pub const ALL: [Rating; 5] = [
        Rating::VeryConsistent,
        Rating::Consistent,
        Rating::Neutral,
        Rating::Inconsistent,
        Rating::VeryInconsistent,
    ];

    /// The rating's code: `CC`, `C`, `N`, `I` or `II`.
    pub fn code(self) -> &'static str {
        match self {
            Rating::VeryConsistent => "CC",
            Rating::Consistent => "C",
            Rating::Neutral => "N",
            Rating::Inconsistent => "I",
            Rating::VeryInconsistent => "II",
        }
    }

    /// The rating with this code (exact, upper case).
    pub fn from_code(code: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Heuer's score: I counts 1, II counts 2.
    pub fn inconsistency(self) -> u32 {
        match self {
            Rating::Inconsistent => 1,
            Rating::VeryInconsistent => 2,
            _ => 0,
        }
    }

    /// I or II.
    pub fn is_inconsistent(self) -> bool {
        self.inconsistency() > 0
    }

    /// C or CC.
    pub fn is_consistent(self) -> bool {
        matches!(self, Rating::VeryConsistent | Rating::Consistent)
    }

    /// The rating of the claim's negation.
    pub fn mirrored(self) -> Rating {
        match self {
            Rating::VeryConsistent => Rating::VeryInconsistent,
            Rating::Consistent => Rating::Inconsistent,
            Rating::Neutral => Rating::Neutral,
            Rating::Inconsistent => Rating::Consistent,
            Rating::VeryInconsistent => Rating::VeryConsistent,
        }
    }

    /// The rating for a likelihood ratio of `db` decibans.
    pub fn from_db(db: f64) -> Rating {
        if db.is_nan() || db.abs() < NEUTRAL_DB {
            Rating::Neutral
        } else if db >= STRONG_DB {
            Rating::VeryConsistent
        } else if db > 0.0 {
            Rating::Consistent
        } else if db <= -STRONG_DB {
            Rating::VeryInconsistent
        } else {
            Rating::Inconsistent
        }
    }
}

/// One cell of the matrix: an item against a hypothesis.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The consistency rating shown.
    pub rating: Rating,
    /// The model wrote this cell as an ACH rating (mirrored on a denied row).
    pub written: bool,
    /// P(row | h): P(E | h), or 1 - P(E | h) on a denied row.
    pub likelihood: f64,
    /// 10 log10 of P(row | h) over the mean of the other hypotheses'.
    pub ratio_db: f64,
}

/// One row of the matrix: an enabled item.
#[derive(Clone, Debug)]
pub struct Row {
    /// The item.
    pub item: ItemId,
    /// The reports on balance deny the claim: the row is its negation.
    pub denied: bool,
    /// Indexed by `HypothesisId`.
    pub cells: Vec<Cell>,
    /// P(reports | E).
    pub given_true: f64,
    /// P(reports | not E).
    pub given_false: f64,
    /// 1 - min/max of `given_true` and `given_false`: 1 for an established item
    /// or conclusive reports, 0 for reports equally likely either way.
    pub credibility: f64,
    /// Independent origins of the item's reports.
    pub origins: usize,
    /// Best h - f among the origins; `None` for an item with no reports.
    pub best_discrimination: Option<f64>,
    /// The item's Admiralty information-credibility grade (from the
    /// analysis).
    pub grade: Option<super::credibility::Grade>,
    /// Diagnosticity: 1 - min/max over hypotheses of the row's likelihood.
    pub relevance: f64,
    /// 10 log10 of max/min of the row's likelihoods (may be infinite).
    pub diagnosticity_db: f64,
}

impl Row {
    /// Weight of the row in the weighted score.
    pub fn weight(&self) -> f64 {
        self.credibility * self.relevance
    }
}

/// One hypothesis's column totals and ranks.
#[derive(Clone, Debug)]
pub struct Score {
    /// The hypothesis.
    pub hypothesis: HypothesisId,
    /// Heuer's score: I = 1, II = 2.
    pub inconsistency: u32,
    /// Σ (1 or 2) × credibility × relevance.
    pub weighted: f64,
    /// 1 = fewest inconsistencies; ties share a rank.
    pub ach_rank: usize,
    /// 1 = lowest weighted score; ties share a rank.
    pub weighted_rank: usize,
    /// The Bayesian posterior.
    pub posterior: f64,
    /// 1 = highest posterior; ties share a rank.
    pub bayes_rank: usize,
}

/// A group of rows and their Bayesian weight, decibans in favour of the
/// hypothesis Bayes prefers.
#[derive(Clone, Debug, Default)]
pub struct Contribution {
    /// The rows.
    pub items: Vec<ItemId>,
    /// Per item, in `items` order.
    pub item_db: Vec<f64>,
    /// Their total, decibans.
    pub db: f64,
}

/// ACH ranks `ach_prefers` above `bayes_prefers`; Bayes the other way.
#[derive(Clone, Debug)]
pub struct Disagreement {
    /// The hypothesis ACH ranks higher.
    pub ach_prefers: HypothesisId,
    /// The hypothesis Bayes ranks higher.
    pub bayes_prefers: HypothesisId,
    /// 10 log10 of the posterior odds of `bayes_prefers` to `ach_prefers`.
    pub total_db: f64,
    /// 10 log10 of the prior odds (ACH ignores priors).
    pub prior_db: f64,
    /// Rows neither is inconsistent with: ACH sees no difference, Bayes does.
    pub ignored: Contribution,
    /// Of the ignored rows that favour `bayes_prefers`, those where
    /// `ach_prefers` is rated N: it predicted nothing there.
    pub unpredicted: Vec<ItemId>,
    /// Rows only `ach_prefers` is inconsistent with.
    pub against_ach_choice: Contribution,
    /// Rows only `bayes_prefers` is inconsistent with.
    pub against_bayes_choice: Contribution,
    /// Rows both are inconsistent with.
    pub against_both: Contribution,
    /// What shared latent reliabilities add beyond the per-item products
    /// (0 without them).
    pub latent_db: f64,
}

/// Heuer's ACH matrix of a model, its scores, and where it disagrees with the
/// Bayesian posterior.
#[derive(Clone, Debug)]
pub struct Ach {
    /// Enabled items, most diagnostic first.
    pub rows: Vec<Row>,
    /// Disabled items, left out of the matrix.
    pub disabled: Vec<ItemId>,
    /// Indexed by `HypothesisId`.
    pub scores: Vec<Score>,
    /// Each pair of hypotheses that ACH and Bayes rank in opposite orders.
    pub disagreements: Vec<Disagreement>,
}

/// The ACH matrix alone: the enabled items' rows, most diagnostic first,
/// and the disabled items (what `compare`'s consensus reads; no scores nor
/// disagreements, so no view budget).
pub fn matrix(
    model: &Model,
    analysis: &Analysis,
) -> Result<(Vec<Row>, Vec<ItemId>), AnalysisError> {
    let given = report_likelihoods(model)?;
    let mut rows = Vec::new();
    let mut disabled = Vec::new();
    for (i, item) in model.items.iter().enumerate() {
        if !item.enabled {
            disabled.push(ItemId(i));
            continue;
        }
        let mut r = row(model, ItemId(i), given[i]);
        r.grade = analysis.items[i].credibility;
        rows.push(r);
    }
    rows.sort_by(|a, b| {
        b.diagnosticity_db
            .total_cmp(&a.diagnosticity_db)
            .then(a.item.cmp(&b.item))
    });
    Ok((rows, disabled))
}

/// Build the ACH matrix and compare it with the Bayesian result; refused
/// (before the disagreements are listed) when its view would be over
/// [`budget::MAX_VIEW_CELLS`].
pub fn ach(model: &Model, analysis: &Analysis) -> Result<Ach, AnalysisError> {
    let (rows, disabled) = matrix(model, analysis)?;
    let n = model.hypotheses.len();
    let inconsistency: Vec<u32> = (0..n)
        .map(|h| rows.iter().map(|r| r.cells[h].rating.inconsistency()).sum())
        .collect();
    let weighted: Vec<f64> = (0..n)
        .map(|h| {
            rows.iter()
                .map(|r| f64::from(r.cells[h].rating.inconsistency()) * r.weight())
                .sum()
        })
        .collect();
    let posterior: Vec<f64> = analysis.hypotheses.iter().map(|h| h.posterior).collect();
    let scores: Vec<Score> = (0..n)
        .map(|h| Score {
            hypothesis: HypothesisId(h),
            inconsistency: inconsistency[h],
            weighted: weighted[h],
            ach_rank: 1 + inconsistency
                .iter()
                .filter(|&&x| x < inconsistency[h])
                .count(),
            weighted_rank: 1 + weighted.iter().filter(|&&x| x < weighted[h] - TIE).count(),
            posterior: posterior[h],
            bayes_rank: 1 + posterior
                .iter()
                .filter(|&&x| x > posterior[h] + TIE)
                .count(),
        })
        .collect();

    // Each disagreeing pair lists every row: refuse a view too large to
    // build (and these lists too large to hold) before making them.
    // ACH ranks `a` above `b` where Bayes ranks `b` above `a`.
    let disagree = |a: usize, b: usize| {
        inconsistency[a] < inconsistency[b] && posterior[b] > posterior[a] + TIE
    };
    let pairs = (0..n)
        .map(|a| (0..n).filter(|&b| disagree(a, b)).count())
        .sum::<usize>();
    let cells = (rows.len() as f64) * (n as f64 + pairs as f64);
    budget::check_view_cells(
        "ach",
        cells,
        || {
            format!(
                "lay out this many cells ({} items x {n} hypotheses in the matrix, and {pairs} pairs of hypotheses the rankings disagree on, each listing every item)",
                rows.len()
            )
        },
        || "split the model into fewer items or hypotheses".to_string(),
    )?;
    let mut disagreements = Vec::new();
    for a in 0..n {
        for b in 0..n {
            if disagree(a, b) {
                disagreements.push(disagreement(
                    model,
                    analysis,
                    &rows,
                    HypothesisId(a),
                    HypothesisId(b),
                ));
            }
        }
    }
    disagreements.sort_by_key(|d| {
        (
            scores[d.bayes_prefers.0].bayes_rank,
            scores[d.ach_prefers.0].ach_rank,
            d.bayes_prefers,
            d.ach_prefers,
        )
    });
    Ok(Ach {
        rows,
        disabled,
        scores,
        disagreements,
    })
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}

/// 10 log10 of `likelihoods[h]` over the mean of the other hypotheses'
/// (ACH ignores priors, so the mean is unweighted); ±infinity where one side
/// is 0, 0 where both are.
pub fn ratio_db(likelihoods: &[f64], h: usize) -> f64 {
    let others = likelihoods
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != h)
        .map(|(_, x)| x)
        .sum::<f64>();
    ratio_to_others_db(likelihoods, h, others)
}

/// [`ratio_db`] for every hypothesis at once: bit for bit the same, with
/// the others' sums added up together ([`sums_leaving_out_each`]), n²
/// plain additions where one hypothesis at a time cost n² iterator steps.
pub fn ratios_db(likelihoods: &[f64]) -> Vec<f64> {
    sums_leaving_out_each(likelihoods)
        .into_iter()
        .enumerate()
        .map(|(h, others)| ratio_to_others_db(likelihoods, h, others))
        .collect()
}

/// `ratio_db` of hypothesis `h` given the sum of the others' likelihoods.
fn ratio_to_others_db(likelihoods: &[f64], h: usize, others_sum: f64) -> f64 {
    let n = likelihoods.len();
    let others = others_sum / (n.max(2) - 1) as f64;
    match (likelihoods[h] == 0.0, others == 0.0) {
        (true, true) => 0.0,
        (false, true) => f64::INFINITY,
        (true, false) => f64::NEG_INFINITY,
        (false, false) => db(likelihoods[h] / others),
    }
}

fn row(model: &Model, i: ItemId, (given_true, given_false): (f64, f64)) -> Row {
    let item = &model.items[i.0];
    let denied = given_true < given_false;
    let q: Vec<f64> = item
        .likelihood
        .iter()
        .map(|l| {
            let p = l.point.get();
            if denied { 1.0 - p } else { p }
        })
        .collect();
    let ratios = ratios_db(&q);
    let cells = item
        .likelihood
        .iter()
        .enumerate()
        .map(|(h, l)| {
            let ratio_db = ratios[h];
            let written = l
                .label
                .as_deref()
                .filter(|t| model.scales.ach.iter().any(|(code, _)| code == t))
                .and_then(Rating::from_code);
            match written {
                Some(r) => Cell {
                    rating: if denied { r.mirrored() } else { r },
                    written: true,
                    likelihood: q[h],
                    ratio_db,
                },
                None => Cell {
                    rating: Rating::from_db(ratio_db),
                    written: false,
                    likelihood: q[h],
                    ratio_db,
                },
            }
        })
        .collect();
    let larger = given_true.max(given_false);
    let credibility = if larger > 0.0 {
        (given_true - given_false).abs() / larger
    } else {
        0.0
    };
    let origins = item.origins().independent;
    let best_discrimination = origins
        .iter()
        .map(|&ReportId(r)| report_pair(model, &item.reports[r]).discrimination())
        .reduce(f64::max);
    let max = q.iter().copied().fold(0.0, f64::max);
    let min = q.iter().copied().fold(f64::INFINITY, f64::min);
    let (relevance, diagnosticity_db) = if max > 0.0 {
        (
            1.0 - min / max,
            if min > 0.0 {
                db(max / min)
            } else {
                f64::INFINITY
            },
        )
    } else {
        (0.0, 0.0)
    };
    Row {
        item: i,
        denied,
        cells,
        given_true,
        given_false,
        credibility,
        origins: origins.len(),
        best_discrimination,
        grade: None,
        relevance,
        diagnosticity_db,
    }
}

fn disagreement(
    model: &Model,
    analysis: &Analysis,
    rows: &[Row],
    a: HypothesisId,
    b: HypothesisId,
) -> Disagreement {
    let ln_to_db = 10.0 / std::f64::consts::LN_10;
    let mut ignored = Contribution::default();
    let mut unpredicted = Vec::new();
    let mut against_a = Contribution::default();
    let mut against_b = Contribution::default();
    let mut against_both = Contribution::default();
    let mut items_db = 0.0;
    for row in rows {
        let ll = &analysis.items[row.item.0].log_likelihood;
        let (la, lb) = (ll[a.0], ll[b.0]);
        let d = if la == lb { 0.0 } else { (lb - la) * ln_to_db };
        items_db += d;
        let (ra, rb) = (row.cells[a.0].rating, row.cells[b.0].rating);
        let group = match (ra.is_inconsistent(), rb.is_inconsistent()) {
            (false, false) => {
                if d > 0.0 && ra == Rating::Neutral && rb.is_consistent() {
                    unpredicted.push(row.item);
                }
                &mut ignored
            }
            (true, false) => &mut against_a,
            (false, true) => &mut against_b,
            (true, true) => &mut against_both,
        };
        group.items.push(row.item);
        group.item_db.push(d);
        group.db += d;
    }
    for g in [
        &mut ignored,
        &mut against_a,
        &mut against_b,
        &mut against_both,
    ] {
        let mut pairs: Vec<(ItemId, f64)> = g
            .items
            .iter()
            .copied()
            .zip(g.item_db.iter().copied())
            .collect();
        pairs.sort_by_key(|p| p.0);
        (g.items, g.item_db) = pairs.into_iter().unzip();
    }
    unpredicted.sort_unstable();
    let priors = model.priors();
    let prior_db = db(priors[b.0] / priors[a.0]);
    let post = |h: HypothesisId| analysis.hypotheses[h.0].posterior;
    let total_db = db(post(b) / post(a));
    let latent_db = if total_db.is_finite() && prior_db.is_finite() && items_db.is_finite() {
        let rest = total_db - prior_db - items_db;
        // Rounding alone leaves ~1e-12: report exactly 0 then.
        if rest.abs() < 1e-9 { 0.0 } else { rest }
    } else {
        0.0
    };
    Disagreement {
        ach_prefers: a,
        bayes_prefers: b,
        total_db,
        prior_db,
        ignored,
        unpredicted,
        against_ach_choice: against_a,
        against_bayes_choice: against_b,
        against_both,
        latent_db,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(Rating::from_db(0.0), Rating::Neutral);
        assert_eq!(Rating::from_db(0.99), Rating::Neutral);
        assert_eq!(Rating::from_db(-0.99), Rating::Neutral);
        assert_eq!(Rating::from_db(1.0), Rating::Consistent);
        assert_eq!(Rating::from_db(-1.0), Rating::Inconsistent);
        assert_eq!(Rating::from_db(6.0), Rating::VeryConsistent);
        assert_eq!(Rating::from_db(-6.0), Rating::VeryInconsistent);
        assert_eq!(Rating::from_db(f64::INFINITY), Rating::VeryConsistent);
        assert_eq!(Rating::from_db(f64::NEG_INFINITY), Rating::VeryInconsistent);
        for r in Rating::ALL {
            assert_eq!(r.mirrored().mirrored(), r);
            assert_eq!(Rating::from_code(r.code()), Some(r));
        }
    }
}
