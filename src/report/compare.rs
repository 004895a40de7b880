//! The `compare` output (kind `credence.compare`, schema 1, docs/JSON.md):
//! several models of one question side by side, their pools, the cruxes of
//! their disagreement and the ACH consensus. Maps keyed by model name keep
//! the models' order (the order given on the command line).

use serde::Serialize;
use serde::ser::SerializeMap;

use super::format::{four_decimals, signed_four_decimals};
use super::{BottomLineView, ModelView, SCHEMA_VERSION};
use crate::analysis::compare::Comparison;
use crate::model::Model;

/// Values keyed by name, serialized as a JSON object in the order held.
#[derive(Clone, Debug, PartialEq)]
pub struct Keyed<T>(pub Vec<(String, T)>);

impl<T: Serialize> Serialize for Keyed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<T> Keyed<T> {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The `compare` view (kind `credence.compare`; docs/JSON.md).
#[derive(Clone, Debug, Serialize)]
pub struct CompareView {
    /// The schema version.
    pub schema: u32,
    /// `credence.compare`.
    pub kind: &'static str,
    /// The comparison's page header: the models' names as title, their
    /// question where they share one.
    pub model: ModelView,
    /// Each model, in the order given.
    pub models: Vec<CompareModelView>,
    /// The hypotheses every model has, in the first model's order: pools,
    /// spread, cruxes and consensus are over these.
    pub hypotheses: Vec<SharedHypothesisView>,
    /// Whether every model has exactly these hypotheses; when false each
    /// model's posterior is conditioned on them.
    pub same_hypotheses: bool,
    /// The consensus posteriors.
    pub pools: PoolsView,
    /// Per shared hypothesis, how far apart the models are.
    pub spread: Vec<SpreadView>,
    /// The linear pool's leading hypothesis: cruxes are ranked by their
    /// effect on its posterior.
    pub ranking_hypothesis: String,
    /// What aligns by id and what does not.
    pub alignment: AlignmentView,
    /// Every parameter on which the models differ, largest effect first.
    pub cruxes: Vec<CruxView>,
    /// Adoptions that could not be made, with why.
    pub not_adopted: Vec<NotAdoptedView>,
    /// Per pair of models, the crux that moves the ranking hypothesis most.
    pub pairs: Vec<PairView>,
    /// The ACH consensus per cell.
    pub ach: AchConsensusView,
}

/// A shared hypothesis.
#[derive(Clone, Debug, Serialize)]
pub struct SharedHypothesisView {
    /// Its id.
    pub id: String,
    /// Its title in the first model.
    pub title: String,
}

/// One model in the comparison.
#[derive(Clone, Debug, Serialize)]
pub struct CompareModelView {
    /// Its name: the file's stem, made unique.
    pub name: String,
    /// Its `[model]` title.
    pub title: String,
    /// Its question.
    pub question: Option<String>,
    /// Its own hypotheses, prior and posterior.
    pub hypotheses: Vec<OwnHypothesisView>,
    /// Its posterior over the shared hypotheses (conditioned on them when
    /// it has others), keyed by hypothesis id.
    pub posterior: Keyed<f64>,
    /// Its own leading hypothesis.
    pub leading: String,
    /// Its bottom line (as `report` gives it); null when the robustness
    /// checks failed (`bottom_line_error` says why).
    pub bottom_line: Option<CompareBottomLine>,
    /// Why there is no bottom line; null otherwise.
    pub bottom_line_error: Option<String>,
}

/// One of a model's own hypotheses.
#[derive(Clone, Debug, Serialize)]
pub struct OwnHypothesisView {
    /// Its id.
    pub id: String,
    /// Its normalised prior.
    pub prior: f64,
    /// Its posterior.
    pub posterior: f64,
}

/// A model's bottom line, in short.
#[derive(Clone, Debug, Serialize)]
pub struct CompareBottomLine {
    /// The sentence `report` opens with.
    pub text: String,
    /// The judgement's likelihood, in ICD 203 words.
    pub likelihood: String,
    /// Analytic confidence: low, moderate or high.
    pub confidence: &'static str,
}

/// The two pools, keyed by shared hypothesis id.
#[derive(Clone, Debug, Serialize)]
pub struct PoolsView {
    /// The mean of the models' posteriors.
    pub linear: Keyed<f64>,
    /// The normalised geometric mean; null when every hypothesis is ruled
    /// out by some model.
    pub logarithmic: Option<Keyed<f64>>,
    /// The linear pool's leading hypothesis.
    pub linear_leading: String,
    /// The logarithmic pool's leading hypothesis (null with no pool).
    pub logarithmic_leading: Option<String>,
}

/// How far apart the models are on one hypothesis.
#[derive(Clone, Debug, Serialize)]
pub struct SpreadView {
    /// The hypothesis id.
    pub id: String,
    /// The lowest posterior.
    pub min: f64,
    /// The highest posterior.
    pub max: f64,
    /// `max - min`.
    pub range: f64,
}

/// What aligns by id.
#[derive(Clone, Debug, Serialize)]
pub struct AlignmentView {
    /// Items every model has.
    pub shared_items: usize,
    /// Sources every model has.
    pub shared_sources: usize,
    /// What is in some models only, or says different things under one id.
    pub misaligned: Vec<MisalignedView>,
}

/// One thing that does not align.
#[derive(Clone, Debug, Serialize)]
pub struct MisalignedView {
    /// `hypothesis`, `item`, `source`, `report` (id `item/report`) or
    /// `dependency`.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// The models that have it.
    pub present_in: Vec<String>,
    /// The models that do not.
    pub missing_from: Vec<String>,
    /// Per model that has it, what it says (title, claim, a report's source
    /// and link) when they differ; null when they agree.
    pub differs: Option<Keyed<String>>,
}

/// A crux: a parameter on which the models differ.
#[derive(Clone, Debug, Serialize)]
pub struct CruxView {
    /// Its path, as `whatif --set` writes it (`evidence.E` for an item in
    /// some models only, `evidence.E.reports` for a report structure).
    pub path: String,
    /// In words.
    pub label: String,
    /// Per model, the value as written (interval or word with its point in
    /// parentheses); null where the model lacks the parameter.
    pub values: Keyed<Option<String>>,
    /// Per model, the point value inference uses; null where it is not one
    /// number.
    pub points: Keyed<Option<f64>>,
    /// The change in the ranking hypothesis's posterior of largest
    /// magnitude over the adoptions (signed).
    pub effect: f64,
    /// Every adoption: a model taking another's value alone.
    pub adoptions: Vec<AdoptionView>,
}

/// One model taking another's value of a crux.
#[derive(Clone, Debug, Serialize)]
pub struct AdoptionView {
    /// The model that takes the value.
    pub model: String,
    /// The model whose value it takes.
    pub from: String,
    /// Its posterior over the shared hypotheses after; null with `error`.
    pub posterior: Option<Keyed<f64>>,
    /// The change in the ranking hypothesis's posterior.
    pub change: f64,
    /// Why there is no posterior (the evidence becomes impossible).
    pub error: Option<String>,
}

/// An adoption that could not be made.
#[derive(Clone, Debug, Serialize)]
pub struct NotAdoptedView {
    /// The parameter's path.
    pub path: String,
    /// The model that would take the value.
    pub model: String,
    /// The model whose value it is.
    pub from: String,
    /// Why not.
    pub reason: String,
}

/// Two models and what their disagreement is mostly about.
#[derive(Clone, Debug, Serialize)]
pub struct PairView {
    /// The two model names.
    pub models: [String; 2],
    /// Their posteriors of the ranking hypothesis.
    pub ranking_posteriors: [f64; 2],
    /// The crux between them that moves the ranking hypothesis most (by
    /// either model adopting the other's value); null when they differ on
    /// no parameter that can be carried over.
    pub crux: Option<PairCruxView>,
    /// The finding in one sentence.
    pub sentence: String,
}

/// The top crux of a pair.
#[derive(Clone, Debug, Serialize)]
pub struct PairCruxView {
    /// Its path.
    pub path: String,
    /// In words.
    pub label: String,
    /// The two models' values, in pair order.
    pub values: [Option<String>; 2],
    /// Change in the ranking hypothesis when the first adopts the second's
    /// value (null when not computed).
    pub first_adopts: Option<f64>,
    /// Change when the second adopts the first's value.
    pub second_adopts: Option<f64>,
}

/// The ACH consensus.
#[derive(Clone, Debug, Serialize)]
pub struct AchConsensusView {
    /// How many cells are disputed.
    pub disputed: usize,
    /// The threshold: a cell is disputed when its disagreement is at least
    /// this.
    pub disputed_at: f64,
    /// One per item (in first-appearance order) and shared hypothesis.
    pub cells: Vec<ConsensusCellView>,
}

/// One cell of the consensus board.
#[derive(Clone, Debug, Serialize)]
pub struct ConsensusCellView {
    /// The item id.
    pub item: String,
    /// The hypothesis id.
    pub hypothesis: String,
    /// Per model: CC, C, N, I, II, or NA where the item is absent or
    /// disabled.
    pub ratings: Keyed<&'static str>,
    /// The consensus rating, or NA.
    pub consensus: &'static str,
    /// The larger sample standard deviation of the ratings (1-5) and of
    /// rated-or-not (1/0).
    pub disagreement: f64,
    /// `disagreement >= disputed_at`.
    pub disputed: bool,
}

fn code(r: Option<crate::analysis::ach::Rating>) -> &'static str {
    r.map_or("NA", |r| r.code())
}

/// A pair's sentence.
fn sentence(
    names: [&str; 2],
    ranking: &str,
    crux: Option<&PairCruxView>,
    posteriors: [f64; 2],
) -> String {
    let Some(c) = crux else {
        return format!(
            "{} and {} differ on no parameter that one could take from the other (P({ranking}) {} and {}).",
            names[0],
            names[1],
            four_decimals(posteriors[0]),
            four_decimals(posteriors[1])
        );
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "absent".to_string());
    let largest = [c.first_adopts, c.second_adopts]
        .into_iter()
        .flatten()
        .fold(0.0f64, |a, b| a.max(b.abs()));
    let mut parts = Vec::new();
    if let Some(x) = c.first_adopts {
        parts.push(format!(
            "{} {} with {}'s value",
            names[0],
            signed_four_decimals(x),
            names[1]
        ));
    }
    if let Some(x) = c.second_adopts {
        parts.push(format!(
            "{} {} with {}'s",
            names[1],
            signed_four_decimals(x),
            names[0]
        ));
    }
    format!(
        "The disagreement between {} and {} (P({ranking}) {} vs {}) is mostly about {} ({} vs {}): it moves P({ranking}) by {} ({}).",
        names[0],
        names[1],
        four_decimals(posteriors[0]),
        four_decimals(posteriors[1]),
        c.label,
        value(&c.values[0]),
        value(&c.values[1]),
        four_decimals(largest),
        parts.join("; ")
    )
}

/// Build the view of a comparison of `models` (in the order compared).
pub fn build(models: &[&Model], c: &Comparison) -> CompareView {
    let shared = &c.alignment.shared_hypotheses;
    let names = &c.names;
    let keyed = |p: &[f64]| Keyed(shared.iter().cloned().zip(p.iter().copied()).collect());
    let model_views = models
        .iter()
        .zip(&c.models)
        .map(|(m, r)| {
            let (bottom_line, bottom_line_error) = match &r.bottom_line {
                Ok(line) => {
                    let v = BottomLineView::build(m, line);
                    (
                        Some(CompareBottomLine {
                            text: v.text,
                            likelihood: v.likelihood,
                            confidence: v.confidence,
                        }),
                        None,
                    )
                }
                Err(e) => (None, Some(e.to_string())),
            };
            CompareModelView {
                name: r.name.clone(),
                title: m.meta.title.clone(),
                question: m.meta.question.clone(),
                hypotheses: m
                    .hypotheses
                    .iter()
                    .zip(&r.analysis.hypotheses)
                    .map(|(h, x)| OwnHypothesisView {
                        id: h.id.clone(),
                        prior: x.prior,
                        posterior: x.posterior,
                    })
                    .collect(),
                posterior: keyed(&r.shared_posterior),
                leading: m.hypotheses[r.analysis.leader.0].id.clone(),
                bottom_line,
                bottom_line_error,
            }
        })
        .collect();
    let ranking = shared[c.ranking].clone();
    let cruxes: Vec<CruxView> = c
        .cruxes
        .iter()
        .map(|x| CruxView {
            path: x.path.clone(),
            label: x.label.clone(),
            values: Keyed(
                names
                    .iter()
                    .cloned()
                    .zip(x.values.iter().cloned())
                    .collect(),
            ),
            points: Keyed(
                names
                    .iter()
                    .cloned()
                    .zip(x.points.iter().copied())
                    .collect(),
            ),
            effect: x.effect,
            adoptions: x
                .adoptions
                .iter()
                .map(|a| AdoptionView {
                    model: names[a.model].clone(),
                    from: names[a.from].clone(),
                    posterior: a.posterior.as_ref().ok().map(|p| keyed(p)),
                    change: a.change,
                    error: a.posterior.as_ref().err().map(|e| e.to_string()),
                })
                .collect(),
        })
        .collect();
    let mut pairs = Vec::new();
    for a in 0..names.len() {
        for b in a + 1..names.len() {
            let best = c
                .cruxes
                .iter()
                .filter_map(|x| {
                    let found = |m: usize, d: usize| {
                        x.adoptions
                            .iter()
                            .find(|ad| ad.model == m && ad.from == d)
                            .map(|ad| ad.change)
                    };
                    let (first, second) = (found(a, b), found(b, a));
                    let size = [first, second]
                        .into_iter()
                        .flatten()
                        .map(f64::abs)
                        .reduce(f64::max)?;
                    Some((size, x, first, second))
                })
                // Cruxes are sorted by path within equal effects: the first
                // of the largest wins.
                .fold(None, |best: Option<(f64, _, _, _)>, cand| match best {
                    Some(b) if b.0 >= cand.0 => Some(b),
                    _ => Some(cand),
                });
            let crux = best.map(|(_, x, first, second)| PairCruxView {
                path: x.path.clone(),
                label: x.label.clone(),
                values: [x.values[a].clone(), x.values[b].clone()],
                first_adopts: first,
                second_adopts: second,
            });
            let posteriors = [
                c.models[a].shared_posterior[c.ranking],
                c.models[b].shared_posterior[c.ranking],
            ];
            pairs.push(PairView {
                sentence: sentence([&names[a], &names[b]], &ranking, crux.as_ref(), posteriors),
                models: [names[a].clone(), names[b].clone()],
                ranking_posteriors: posteriors,
                crux,
            });
        }
    }
    let leader_of = |p: &[f64]| shared[crate::analysis::leader(p).0].clone();
    let cells: Vec<ConsensusCellView> = c
        .consensus
        .iter()
        .map(|cell| ConsensusCellView {
            item: cell.item.clone(),
            hypothesis: shared[cell.hypothesis].clone(),
            ratings: Keyed(
                names
                    .iter()
                    .cloned()
                    .zip(cell.ratings.iter().map(|&r| code(r)))
                    .collect(),
            ),
            consensus: code(cell.consensus),
            disagreement: cell.disagreement,
            disputed: cell.disputed,
        })
        .collect();
    let questions: Vec<&Option<String>> = models.iter().map(|m| &m.meta.question).collect();
    let question = if questions.windows(2).all(|w| w[0] == w[1]) {
        questions.first().and_then(|q| (*q).clone())
    } else {
        Some("(the models word the question differently)".to_string())
    };
    CompareView {
        schema: SCHEMA_VERSION,
        kind: "credence.compare",
        model: ModelView {
            title: format!("Comparison of {}", crate::report::format::and_list(names)),
            question,
            as_of: None,
        },
        models: model_views,
        hypotheses: shared
            .iter()
            .map(|id| SharedHypothesisView {
                id: id.clone(),
                title: models
                    .first()
                    .and_then(|m| m.hypothesis(id).map(|h| m.hypotheses[h.0].title.clone()))
                    .unwrap_or_default(),
            })
            .collect(),
        same_hypotheses: c.alignment.same_hypotheses,
        pools: PoolsView {
            linear: keyed(&c.linear_pool),
            logarithmic: c.logarithmic_pool.as_deref().map(keyed),
            linear_leading: leader_of(&c.linear_pool),
            logarithmic_leading: c.logarithmic_pool.as_deref().map(leader_of),
        },
        spread: shared
            .iter()
            .zip(&c.spread)
            .map(|(id, &(min, max))| SpreadView {
                id: id.clone(),
                min,
                max,
                range: max - min,
            })
            .collect(),
        ranking_hypothesis: ranking,
        alignment: AlignmentView {
            shared_items: c.alignment.shared_items,
            shared_sources: c.alignment.shared_sources,
            misaligned: c
                .alignment
                .misaligned
                .iter()
                .map(|x| MisalignedView {
                    kind: x.kind,
                    id: x.id.clone(),
                    present_in: x.present_in.iter().map(|&k| names[k].clone()).collect(),
                    missing_from: (0..names.len())
                        .filter(|k| !x.present_in.contains(k))
                        .map(|k| names[k].clone())
                        .collect(),
                    differs: (!x.differs.is_empty()).then(|| {
                        Keyed(
                            x.differs
                                .iter()
                                .enumerate()
                                .filter_map(|(k, s)| Some((names[k].clone(), s.clone()?)))
                                .collect(),
                        )
                    }),
                })
                .collect(),
        },
        cruxes,
        not_adopted: c
            .not_adopted
            .iter()
            .map(|x| NotAdoptedView {
                path: x.path.clone(),
                model: names[x.model].clone(),
                from: names[x.from].clone(),
                reason: x.reason.clone(),
            })
            .collect(),
        pairs,
        ach: AchConsensusView {
            disputed: cells.iter().filter(|c| c.disputed).count(),
            disputed_at: crate::analysis::compare::DISPUTED,
            cells,
        },
    }
}
