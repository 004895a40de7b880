//! The `credence ach` view: Heuer's ACH matrix beside the Bayesian result
//! (kind `credence.ach`, schema 1, docs/JSON.md), laid out as a `Doc` in
//! report/doc/ach.rs.

use serde::Serialize;

use crate::analysis::ach::{Ach, Contribution, Disagreement, NEUTRAL_DB, STRONG_DB};
use crate::model::{ItemId, Model};

use super::format::{four_decimals_or_scientific, signed_four_decimals_or_scientific};
use super::{ModelView, SCHEMA_VERSION, finite};

/// The `ach` view (kind `credence.ach`; docs/JSON.md): Heuer's ACH matrix
/// beside the Bayesian result.
#[derive(Clone, Debug, Serialize)]
pub struct AchView {
    /// The schema version.
    pub schema: u32,
    /// `credence.ach`.
    pub kind: &'static str,
    /// The model's title, question and cut-off.
    pub model: ModelView,
    /// The decibans at which derived ratings change.
    pub thresholds: Thresholds,
    /// Model order.
    pub hypotheses: Vec<AchHypothesis>,
    /// Enabled items, most diagnostic first.
    pub rows: Vec<AchRow>,
    /// Ids of disabled items, left out of the matrix.
    pub disabled: Vec<String>,
    /// Hypotheses with the fewest inconsistencies.
    pub ach_leading: Vec<String>,
    /// Hypotheses with the highest posterior.
    pub bayes_leading: Vec<String>,
    /// Whether no pair of hypotheses is ranked in opposite orders.
    pub rankings_agree: bool,
    /// Each pair of hypotheses ACH and Bayes rank in opposite orders.
    pub disagreements: Vec<DisagreementView>,
    /// The general lesson, whatever the model.
    pub teaching_note: String,
}

/// The decibans at which a derived rating changes.
#[derive(Clone, Debug, Serialize)]
pub struct Thresholds {
    /// |likelihood ratio| in decibans below which a derived rating is N.
    pub neutral_db: f64,
    /// At or above which it is CC (II below zero).
    pub strong_db: f64,
}

/// One hypothesis's column: its scores and ranks.
#[derive(Clone, Debug, Serialize)]
pub struct AchHypothesis {
    /// The hypothesis id.
    pub id: String,
    /// What it says.
    pub title: String,
    /// Heuer's inconsistency score: I counts 1, II counts 2.
    pub inconsistency: u32,
    /// The score with each row weighted by credibility × relevance.
    pub weighted_inconsistency: f64,
    /// 1 = fewest inconsistencies; ties share a rank.
    pub ach_rank: usize,
    /// 1 = lowest weighted score; ties share a rank.
    pub weighted_rank: usize,
    /// Its prior.
    pub prior: f64,
    /// Its exact posterior.
    pub posterior: f64,
    /// 1 = highest posterior; ties share a rank.
    pub bayes_rank: usize,
}

/// One row of the matrix: an enabled item.
#[derive(Clone, Debug, Serialize)]
pub struct AchRow {
    /// The item id.
    pub id: String,
    /// Its claim.
    pub claim: String,
    /// The reports on balance deny the claim: the row rates its negation.
    pub denied: bool,
    /// Per hypothesis, model order: "CC", "C", "N", "I" or "II".
    pub ratings: Vec<&'static str>,
    /// Per hypothesis: the model wrote the rating (mirrored when denied).
    pub written: Vec<bool>,
    /// Per hypothesis: P(E | h), or 1 - P(E | h) on a denied row.
    pub likelihood: Vec<f64>,
    /// Per hypothesis: 10 log10 of the likelihood over the other
    /// hypotheses' mean; null where infinite.
    pub ratio_db: Vec<Option<f64>>,
    /// P(the item's reports | E).
    pub reports_given_true: f64,
    /// P(the item's reports | not E).
    pub reports_given_false: f64,
    /// 1 - min/max of the two above: how much the reports tell E from not E.
    pub credibility: f64,
    /// Independent origins of its reports.
    pub origins: usize,
    /// The best h - f among the origins; null for an item with no reports.
    pub best_discrimination: Option<f64>,
    /// The item's Admiralty information-credibility grade, 1 (confirmed)
    /// to 6 (cannot be judged), as in `report`.
    pub grade: Option<u8>,
    /// Diagnosticity: 1 - min/max over hypotheses of the row's likelihood.
    pub relevance: f64,
    /// 10 log10 of max/min of the row's likelihoods; null where infinite.
    pub diagnosticity_db: Option<f64>,
    /// credibility × relevance.
    pub weight: f64,
}

/// A set of rows and their Bayesian weight.
#[derive(Clone, Debug, Serialize)]
pub struct ContributionView {
    /// The item ids.
    pub items: Vec<String>,
    /// Per item, decibans; null where infinite.
    pub item_db: Vec<Option<f64>>,
    /// Their total, decibans; null where infinite.
    pub db: Option<f64>,
}

/// A pair of hypotheses ACH and Bayes rank in opposite orders, and why.
#[derive(Clone, Debug, Serialize)]
pub struct DisagreementView {
    /// Fewer inconsistencies.
    pub ach_prefers: String,
    /// Higher posterior.
    pub bayes_prefers: String,
    /// All decibans below are in favour of `bayes_prefers` over `ach_prefers`.
    pub posterior_odds_db: Option<f64>,
    /// 10 log10 of the prior odds (ACH ignores priors); null where infinite.
    pub prior_odds_db: Option<f64>,
    /// Items neither is inconsistent with (ACH sees no difference).
    pub neither_inconsistent: ContributionView,
    /// Of those, the ones `bayes_prefers` predicted (C or CC) where
    /// `ach_prefers` is N.
    pub unpredicted: Vec<String>,
    /// Items only `ach_prefers` is inconsistent with.
    pub only_ach_choice_inconsistent: ContributionView,
    /// Items only `bayes_prefers` is inconsistent with.
    pub only_bayes_choice_inconsistent: ContributionView,
    /// Items both are inconsistent with.
    pub both_inconsistent: ContributionView,
    /// What shared latent reliabilities add beyond the per-item products.
    pub shared_reliability_db: f64,
    /// Why, in sentences.
    pub explanation: Vec<String>,
}

const TEACHING_NOTE: &str = "ACH (Heuer) asks which hypothesis has the least evidence against it: it counts inconsistencies (I = 1, II = 2) and sets consistent evidence aside, because evidence consistent with several hypotheses cannot tell them apart. Bayes weighs every item by its likelihood ratio, for and against, and starts from the priors. They disagree when a hypothesis predicts little (rated N, it is never contradicted, and never confirmed either), when one strongly diagnostic item outweighs several weak inconsistencies, or when priors or the credibility of the reports differ.";

fn ids(model: &Model, items: &[ItemId]) -> Vec<String> {
    items.iter().map(|i| model.items[i.0].id.clone()).collect()
}

fn contribution(model: &Model, c: &Contribution) -> ContributionView {
    ContributionView {
        items: ids(model, &c.items),
        item_db: c.item_db.iter().map(|&x| finite(x)).collect(),
        db: finite(c.db),
    }
}

fn db_text(x: f64) -> String {
    if x.is_finite() {
        format!("{} dB", signed_four_decimals_or_scientific(x))
    } else if x > 0.0 {
        "+infinity dB (rules the other out)".to_string()
    } else {
        "-infinity dB (rules it out)".to_string()
    }
}

fn items_phrase(n: usize) -> String {
    if n == 1 {
        "1 item".to_string()
    } else {
        format!("{n} items")
    }
}

fn score_phrase(n: u32) -> String {
    if n == 1 {
        "1 inconsistency".to_string()
    } else {
        format!("{n} inconsistencies")
    }
}

/// Why ACH and Bayes order this pair differently, largest cause first.
fn explain_pair(model: &Model, ach: &Ach, d: &Disagreement) -> Vec<String> {
    let a = &model.hypotheses[d.ach_prefers.0].id;
    let b = &model.hypotheses[d.bayes_prefers.0].id;
    let score = |h: crate::model::HypothesisId| ach.scores[h.0].inconsistency;
    let mut causes: Vec<(f64, String)> = Vec::new();
    if d.ignored.db > 0.0 {
        let mut s = format!(
            "Consistent evidence counts in Bayes. On {} neither hypothesis is inconsistent with, ACH sees no difference, yet together they favour {b} by {}",
            items_phrase(d.ignored.items.len()),
            db_text(d.ignored.db)
        );
        if d.unpredicted.is_empty() {
            s.push_str(&format!(
                ": {b} made them more probable than {a} did. Consistency is a matter of degree, and ACH's count ignores it."
            ));
        } else {
            s.push_str(&format!(
                ": {b} predicted {} ({}) where {a} is rated N. A hypothesis rated N predicts nothing, so it is never contradicted; that is how {a} keeps {}. It can win ACH and still lose Bayes to a hypothesis that predicted what happened.",
                if d.unpredicted.len() == 1 {
                    "it"
                } else {
                    "them"
                },
                d.unpredicted
                    .iter()
                    .map(|i| {
                        let k = d.ignored.items.iter().position(|x| x == i);
                        let w = k.and_then(|k| d.ignored.item_db.get(k)).copied();
                        format!(
                            "{} {}",
                            model.items[i.0].id,
                            w.map_or_else(String::new, db_text)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                if score(d.ach_prefers) == 0 {
                    "a clean column"
                } else {
                    "its count low"
                }
            ));
        }
        causes.push((d.ignored.db, s));
    }
    let against_a = &d.against_ach_choice;
    let against_b = &d.against_bayes_choice;
    if against_a.db > 0.0 && against_a.db > -against_b.db {
        let count_a: u32 = against_a
            .items
            .iter()
            .map(|i| row_score(ach, *i, d.ach_prefers))
            .sum();
        let count_b: u32 = against_b
            .items
            .iter()
            .map(|i| row_score(ach, *i, d.bayes_prefers))
            .sum();
        let mut s = format!(
            "Strength beats count. ACH scores each inconsistency 1 (or 2) however diagnostic it is. The {} against {a} alone ({}) cost{} it {}, more than the {} against {b} alone cost {b} ({} dB). A single strongly diagnostic item can outweigh several weak inconsistencies.",
            score_phrase(count_a),
            ids(model, &against_a.items).join(", "),
            if count_a == 1 { "s" } else { "" },
            magnitude(against_a.db),
            score_phrase(count_b),
            four_decimals_or_scientific(-against_b.db)
        );
        let mean = mean_credibility(ach, &against_b.items);
        if !against_b.items.is_empty() && mean < 0.9 {
            s.push_str(&format!(
                " ACH rates the claims against {b}; Bayes weighs what their reports say of them, and those are only so credible (credibility {}).",
                four_decimals_or_scientific(mean)
            ));
        }
        causes.push((against_a.db, s));
    } else if !against_b.items.is_empty() && against_b.db <= 0.0 {
        let mean = mean_credibility(ach, &against_b.items);
        let what = if against_b.items.len() == 1 {
            format!(
                "{}, the one item {b} is inconsistent with and {a} is not, costs it {} dB",
                ids(model, &against_b.items).join(""),
                four_decimals_or_scientific(-against_b.db)
            )
        } else {
            format!(
                "the {} items {b} is inconsistent with and {a} is not ({}) cost it {} dB together",
                against_b.items.len(),
                ids(model, &against_b.items).join(", "),
                four_decimals_or_scientific(-against_b.db)
            )
        };
        let mut s = format!(
            "The evidence against {b} is not strong enough: {what} (a likelihood ratio of {}), less than {} give{} it.",
            four_decimals_or_scientific(10f64.powf(against_b.db / 10.0)),
            if d.prior_db > 0.05 {
                "the priors and the rest of the evidence"
            } else {
                "the rest of the evidence"
            },
            if d.prior_db > 0.05 { "" } else { "s" }
        );
        if mean < 0.9 {
            s.push_str(&format!(
                " ACH rates the claim; Bayes weighs what the reports say of it, and they are only so credible (credibility {}).",
                four_decimals_or_scientific(mean)
            ));
        }
        causes.push((-against_b.db, s));
    }
    if d.prior_db > 0.05 {
        causes.push((
            d.prior_db,
            format!(
                "Base rates. The priors favour {b} by {}; ACH ignores priors.",
                db_text(d.prior_db)
            ),
        ));
    }
    if d.latent_db.abs() >= 0.05 {
        causes.push((
            d.latent_db.abs(),
            format!(
                "Shared sources. Items reported by the same source of uncertain reliability are not independent; taking that into account adds {} for {b}.",
                db_text(d.latent_db)
            ),
        ));
    }
    causes.sort_by(|x, y| y.0.total_cmp(&x.0));
    let odds = if d.total_db.is_finite() {
        format!(
            "odds {} : 1, {}",
            four_decimals_or_scientific(10f64.powf(d.total_db / 10.0)),
            db_text(d.total_db)
        )
    } else {
        "odds infinite".to_string()
    };
    let mut out = vec![format!(
        "ACH puts {a} above {b} ({} against {}); Bayes puts {b} above {a} (posterior {} against {}, {odds}).",
        score_phrase(score(d.ach_prefers)),
        score(d.bayes_prefers),
        four_decimals_or_scientific(ach.scores[d.bayes_prefers.0].posterior),
        four_decimals_or_scientific(ach.scores[d.ach_prefers.0].posterior),
    )];
    out.extend(causes.into_iter().map(|(_, s)| s));
    out
}

/// A positive deciban figure as a magnitude ("3.9794 dB", "infinite").
fn magnitude(x: f64) -> String {
    if x.is_finite() {
        format!("{} dB", four_decimals_or_scientific(x.abs()))
    } else {
        "an infinite weight (it is ruled out)".to_string()
    }
}

/// Mean credibility of these rows.
fn mean_credibility(ach: &Ach, items: &[ItemId]) -> f64 {
    let c: Vec<f64> = items
        .iter()
        .filter_map(|i| ach.rows.iter().find(|r| r.item == *i))
        .map(|r| r.credibility)
        .collect();
    c.iter().sum::<f64>() / c.len().max(1) as f64
}

fn row_score(ach: &Ach, item: ItemId, h: crate::model::HypothesisId) -> u32 {
    ach.rows
        .iter()
        .find(|r| r.item == item)
        .map_or(0, |r| r.cells[h.0].rating.inconsistency())
}

/// Build the view of an ACH analysis.
pub fn build(model: &Model, ach: &Ach) -> AchView {
    let hypotheses: Vec<AchHypothesis> = ach
        .scores
        .iter()
        .map(|s| {
            let h = &model.hypotheses[s.hypothesis.0];
            AchHypothesis {
                id: h.id.clone(),
                title: h.title.clone(),
                inconsistency: s.inconsistency,
                weighted_inconsistency: s.weighted,
                ach_rank: s.ach_rank,
                weighted_rank: s.weighted_rank,
                prior: h.prior.get(),
                posterior: s.posterior,
                bayes_rank: s.bayes_rank,
            }
        })
        .collect();
    let rows = ach
        .rows
        .iter()
        .map(|r| {
            let item = &model.items[r.item.0];
            AchRow {
                id: item.id.clone(),
                claim: item.claim.clone(),
                denied: r.denied,
                ratings: r.cells.iter().map(|c| c.rating.code()).collect(),
                written: r.cells.iter().map(|c| c.written).collect(),
                likelihood: r.cells.iter().map(|c| c.likelihood).collect(),
                ratio_db: r.cells.iter().map(|c| finite(c.ratio_db)).collect(),
                reports_given_true: r.given_true,
                reports_given_false: r.given_false,
                credibility: r.credibility,
                origins: r.origins,
                best_discrimination: r.best_discrimination,
                grade: r.grade.map(|g| g.grade),
                relevance: r.relevance,
                diagnosticity_db: finite(r.diagnosticity_db),
                weight: r.weight(),
            }
        })
        .collect();
    let leading = |pick: &dyn Fn(&AchHypothesis) -> bool| -> Vec<String> {
        hypotheses
            .iter()
            .filter(|h| pick(h))
            .map(|h| h.id.clone())
            .collect()
    };
    let ach_leading = leading(&|h| h.ach_rank == 1);
    let bayes_leading = leading(&|h| h.bayes_rank == 1);
    let disagreements = ach
        .disagreements
        .iter()
        .map(|d| DisagreementView {
            ach_prefers: model.hypotheses[d.ach_prefers.0].id.clone(),
            bayes_prefers: model.hypotheses[d.bayes_prefers.0].id.clone(),
            posterior_odds_db: finite(d.total_db),
            prior_odds_db: finite(d.prior_db),
            neither_inconsistent: contribution(model, &d.ignored),
            unpredicted: ids(model, &d.unpredicted),
            only_ach_choice_inconsistent: contribution(model, &d.against_ach_choice),
            only_bayes_choice_inconsistent: contribution(model, &d.against_bayes_choice),
            both_inconsistent: contribution(model, &d.against_both),
            shared_reliability_db: d.latent_db,
            explanation: explain_pair(model, ach, d),
        })
        .collect();
    AchView {
        schema: SCHEMA_VERSION,
        kind: "credence.ach",
        model: ModelView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
        },
        thresholds: Thresholds {
            neutral_db: NEUTRAL_DB,
            strong_db: STRONG_DB,
        },
        hypotheses,
        rows,
        disabled: ids(model, &ach.disabled),
        ach_leading,
        bayes_leading,
        rankings_agree: ach.disagreements.is_empty(),
        disagreements,
        teaching_note: TEACHING_NOTE.to_string(),
    }
}
