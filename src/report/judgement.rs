//! The bottom line's view: the judgement in words, its ICD 203 likelihood
//! and analytic confidence with the reasons, the nearest changes that would
//! overturn it and its linchpins, named by title and claim. Part of the
//! report's JSON (`bottom_line`, docs/JSON.md) and of its document.
//!
//! Precision fits a judgement: the text says percentages (one decimal only
//! near 0 and 1) and two decimals; the JSON keeps full precision.

use serde::Serialize;

use super::format::{and_list, or_list, rounded_percent, thousands};

use crate::analysis::judgement::{Assessed, BottomLine, Confidence, Linchpin, Rule, Statement};
use crate::analysis::ranges::RangeFlip;
use crate::analysis::{judgement, leader};
use crate::model::{HypothesisId, Model, Probability};

/// The bottom line of `credence report`.
#[derive(Clone, Debug, Serialize)]
pub struct BottomLineView {
    /// The judgement, its likelihood and confidence in one or two sentences.
    pub text: String,
    /// Ids of the hypotheses the judgement asserts (one when a hypothesis
    /// leads robustly).
    pub judgement: Vec<String>,
    /// What kind of statement it is, and its id and title.
    pub statement: StatementView,
    /// The judgement's posterior: the leader's, or its members' sum.
    pub probability: f64,
    /// The ICD 203 expression whose band holds `probability`.
    pub likelihood: String,
    /// "low", "moderate" or "high".
    pub confidence: &'static str,
    /// The confidence rules that applied, the deciding one first.
    pub confidence_rules: Vec<&'static str>,
    /// Why, in sentences.
    pub reasons: Vec<String>,
    /// Hypotheses of the judgement the evidence cannot separate (when it
    /// asserts more than one).
    pub unseparated: Vec<String>,
    /// Hypotheses outside the judgement.
    pub unlikely: Vec<String>,
    /// The nearest single change within the stated ranges that overturns
    /// the judgement; null when none does.
    pub nearest_flip: Option<FlipView>,
    /// The nearest such changes, nearest first (at most 5).
    pub flips: Vec<FlipView>,
    /// How many numbers can overturn it alone within their ranges.
    pub flip_count: usize,
    /// The Monte Carlo share.
    pub samples: SamplesView,
    /// The model's scenarios run against it.
    pub scenarios: ScenariosView,
    /// What carries the weight, from the origin ledger.
    pub evidence_base: EvidenceBaseView,
    /// Items and sources whose removal alone overturns the judgement.
    pub linchpins: Vec<LinchpinView>,
    /// What would change the judgement, in words.
    pub what_would_change: Vec<String>,
    /// Stronger statements tried first and found not robust.
    pub rejected: Vec<RejectedView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StatementView {
    /// "leads" (a hypothesis is the most likely), "group" (a `[[groups]]`
    /// entry is more likely than not) or "one_of" (the contenders are more
    /// likely than not; the rest are robustly unlikely).
    pub kind: &'static str,
    /// The hypothesis or group id; null for "one_of".
    pub id: Option<String>,
    pub title: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlipView {
    /// The number as an override path.
    pub path: String,
    /// The number in words.
    pub label: String,
    /// The model's value (an interval's midpoint) the change starts from.
    pub from: f64,
    /// Where the judgement fails.
    pub value: f64,
    /// Where it still holds, the other end of the bisection's bracket.
    pub holds_at: f64,
    /// The number's stated range.
    pub range: [f64; 2],
    /// Why the range is what it is.
    pub range_basis: String,
    /// The share of the range on that side the change uses, (0, 1].
    pub share_of_range: f64,
    /// The hypotheses' posteriors at `value`.
    pub posterior: Vec<f64>,
    /// The leading hypothesis at `value`.
    pub leading: String,
    /// The judgement's probability at `value`.
    pub probability: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SamplesView {
    pub drawn: u64,
    pub used: u64,
    pub seed: u64,
    /// Share of used samples in which the judgement holds; null when the
    /// model states no number as uncertain.
    pub holds: Option<f64>,
    /// Per hypothesis (model order), the share of samples it leads in.
    pub leads: Vec<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenariosView {
    pub run: usize,
    /// Ids of scenarios under which the judgement does not hold.
    pub overturning: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EvidenceBaseView {
    /// Origins with at least 5% of the ledger's weight.
    pub carrying: usize,
    pub origins: usize,
    pub largest: Option<OriginShareView>,
    /// Weighted mean reliability of the origins' sources.
    pub quality: Option<f64>,
    pub established_share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct OriginShareView {
    pub source: String,
    pub title: String,
    pub share: f64,
    /// More than half of all diagnostic weight.
    pub dominant: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct LinchpinView {
    /// "item" or "source".
    pub kind: &'static str,
    pub id: String,
    /// The item's claim or the source's title.
    pub title: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RejectedView {
    pub statement: StatementView,
    pub judgement: Vec<String>,
    pub probability: f64,
    pub nearest_flip: Option<FlipView>,
    pub flip_count: usize,
    pub sample_share: Option<f64>,
    pub scenarios_overturning: usize,
}

fn ids(model: &Model, hs: &[HypothesisId]) -> Vec<String> {
    hs.iter()
        .map(|h| model.hypotheses[h.0].id.clone())
        .collect()
}

fn statement_view(model: &Model, a: &Assessed) -> StatementView {
    statement_of(model, &a.statement)
}

/// A statement's kind, id and title (also what `collect` measures the
/// chance of overturning).
pub(crate) fn statement_of(model: &Model, statement: &Statement) -> StatementView {
    match statement {
        Statement::Leads(h) => StatementView {
            kind: "leads",
            id: Some(model.hypotheses[h.0].id.clone()),
            title: model.hypotheses[h.0].title.clone(),
        },
        Statement::Group(g) => StatementView {
            kind: "group",
            id: Some(model.groups[g.0].id.clone()),
            title: model.groups[g.0].title.clone(),
        },
        Statement::OneOf(hs) => StatementView {
            kind: "one_of",
            id: None,
            title: or_list(
                &hs.iter()
                    .map(|h| model.hypotheses[h.0].title.clone())
                    .collect::<Vec<_>>(),
            ),
        },
    }
}

fn flip_view(model: &Model, a: &Assessed, f: &RangeFlip) -> FlipView {
    let probability = match &a.statement {
        Statement::Leads(h) => f.posterior.get(h.0).copied().unwrap_or(0.0),
        _ => a.members.iter().filter_map(|h| f.posterior.get(h.0)).sum(),
    };
    FlipView {
        path: f.parameter.path(model),
        label: f.parameter.label(model),
        from: f.range.reference,
        value: f.value,
        holds_at: f.holds_at,
        range: [f.range.low, f.range.high],
        range_basis: f.range.basis.to_string(),
        share_of_range: f.share,
        leading: model.hypotheses[leader(&f.posterior).0].id.clone(),
        posterior: f.posterior.clone(),
        probability,
    }
}

/// What holds at a flip, in words: who leads, or the statement's
/// probability.
fn flip_result(model: &Model, a: &Assessed, f: &FlipView) -> String {
    match &a.statement {
        Statement::Leads(_) => {
            let lead = model
                .hypotheses
                .iter()
                .position(|h| h.id == f.leading)
                .map_or(0.0, |h| f.posterior[h]);
            format!("`{}` lead ({})", f.leading, rounded_percent(lead))
        }
        _ => format!("the judgement fall to {}", rounded_percent(f.probability)),
    }
}

/// "label (`path`) from 0.80 to 0.62 (40% of its stated range, basis)
/// makes X".
fn describe_flip(model: &Model, a: &Assessed, f: &FlipView) -> String {
    format!(
        "{} (`{}`) from {:.2} to {:.2} ({} of its stated range [{:.2}, {:.2}], {}) makes {}",
        f.label,
        f.path,
        f.from,
        f.value,
        rounded_percent(f.share_of_range),
        f.range[0],
        f.range[1],
        f.range_basis,
        flip_result(model, a, f)
    )
}

fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::AllClear => "all_clear",
        Rule::FloorSurvivesManyOrigins => "floor_survives_many_origins",
        Rule::CloseFlip => "close_flip",
        Rule::FewSamples => "few_samples",
        Rule::NoEvidence => "no_evidence",
        Rule::DominantAndFragile => "dominant_and_fragile",
        Rule::Scenarios => "scenarios",
        Rule::Between => "between",
    }
}

fn rule_reason(rule: Rule) -> String {
    match rule {
        Rule::AllClear => "Confidence is high: the judgement survives every stated range alone, holds in at least 95% of the samples, no scenario overturns it, and its weight rests on several reliable independent origins, none carrying most of it.".to_string(),
        Rule::FloorSurvivesManyOrigins => format!("Confidence is not low: no single change within the stated ranges overturns it and at least {} independent origins carry its weight.", judgement::MANY_ORIGINS),
        Rule::CloseFlip => format!("Confidence is low: a change using at most {} of a number's stated range overturns it.", rounded_percent(judgement::CLOSE_FLIP_SHARE)),
        Rule::FewSamples => format!("Confidence is low: it holds in fewer than {} of the samples.", rounded_percent(judgement::ROBUST_SAMPLE_SHARE)),
        Rule::NoEvidence => "Confidence is low: nothing carries diagnostic weight (no independent origin, no established item).".to_string(),
        Rule::DominantAndFragile => "Confidence is low: one origin carries most of the weight and a stated change overturns the judgement.".to_string(),
        Rule::Scenarios => "Confidence is low: more than half of the model's scenarios overturn it.".to_string(),
        Rule::Between => "Confidence is moderate.".to_string(),
    }
}

/// The conditions for high confidence that a bottom line misses, in words.
fn not_high(line: &BottomLine) -> Vec<String> {
    let r = &line.judgement.robustness;
    let e = &line.evidence;
    let mut out = Vec::new();
    if !r.survives_ranges() {
        out.push("a change within the stated ranges overturns it".to_string());
    }
    if r.share() < judgement::HIGH_SAMPLE_SHARE {
        out.push(format!(
            "it holds in fewer than {} of the samples",
            rounded_percent(judgement::HIGH_SAMPLE_SHARE)
        ));
    }
    if !r.overturned_by.is_empty() {
        out.push("a scenario overturns it".to_string());
    }
    if e.carrying < judgement::MANY_ORIGINS {
        out.push(format!(
            "fewer than {} independent origins carry its weight",
            judgement::MANY_ORIGINS
        ));
    }
    if e.dominant().is_some() {
        out.push("one origin carries most of the weight".to_string());
    }
    match e.quality {
        Some(q) if q < judgement::GOOD_RELIABILITY => out.push(format!(
            "the sources behind the weight are of middling reliability ({q:.2}, below {:.2})",
            judgement::GOOD_RELIABILITY
        )),
        None => out.push("no source carries weight".to_string()),
        _ => {}
    }
    out
}

impl BottomLineView {
    /// The view of a computed bottom line.
    pub fn build(model: &Model, line: &BottomLine) -> BottomLineView {
        let j = &line.judgement;
        let r = &j.robustness;
        let likelihood = model
            .scales
            .icd203_term(Probability::clamped(j.probability))
            .to_string();
        let statement = statement_view(model, j);
        let flips: Vec<FlipView> = r.flips.iter().map(|f| flip_view(model, j, f)).collect();
        let members = ids(model, &j.members);
        let unlikely: Vec<String> = model
            .hypotheses
            .iter()
            .enumerate()
            .filter(|(h, _)| !j.members.contains(&HypothesisId(*h)))
            .map(|(_, h)| h.id.clone())
            .collect();
        let what = match &j.statement {
            Statement::Leads(h) => format!(
                "Most likely: `{}` — {}",
                model.hypotheses[h.0].id, model.hypotheses[h.0].title
            ),
            Statement::Group(g) => format!(
                "Judgement: `{}` — {}",
                model.groups[g.0].id, model.groups[g.0].title
            ),
            Statement::OneOf(_) => format!(
                "Judgement: one of {}",
                or_list(&members.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>())
            ),
        };
        let mut text = format!(
            "{what}: {} ({}), {} confidence.",
            likelihood,
            rounded_percent(j.probability),
            line.confidence.word()
        );
        if !matches!(j.statement, Statement::Leads(_)) && !unlikely.is_empty() {
            let rest = 1.0 - j.probability;
            text.push_str(&format!(
                " {}: {} ({}{}).",
                and_list(
                    &unlikely
                        .iter()
                        .map(|u| format!("`{u}`"))
                        .collect::<Vec<_>>()
                ),
                model.scales.icd203_term(Probability::clamped(rest)),
                rounded_percent(rest),
                if unlikely.len() == 1 { "" } else { " together" }
            ));
        }
        // Who cannot be told apart: the judgement's members, or, when a
        // leader is asserted without being robust, the contenders.
        let unseparated: Vec<String> = if j.members.len() > 1 {
            members.clone()
        } else if !r.is_robust() && line.contenders.len() > 1 {
            ids(model, &line.contenders)
        } else {
            Vec::new()
        };
        if !unseparated.is_empty() {
            text.push_str(&format!(
                " The evidence cannot separate {}.",
                and_list(
                    &unseparated
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                )
            ));
        }

        let mut reasons = Vec::new();
        // Why a stronger statement was not made.
        for rejected in &line.rejected {
            let said = match &rejected.statement {
                Statement::Leads(h) => format!(
                    "`{}` leads at {}",
                    model.hypotheses[h.0].id,
                    rounded_percent(rejected.probability)
                ),
                Statement::Group(g) => format!(
                    "`{}` is at {}",
                    model.groups[g.0].id,
                    rounded_percent(rejected.probability)
                ),
                Statement::OneOf(_) => format!(
                    "{} together are at {}",
                    or_list(&ids(model, &rejected.members)),
                    rounded_percent(rejected.probability)
                ),
            };
            let mut why = Vec::new();
            if let Some(f) = rejected.robustness.nearest() {
                why.push(describe_flip(
                    model,
                    rejected,
                    &flip_view(model, rejected, f),
                ));
            }
            if let Some(s) = rejected.robustness.sample_share {
                why.push(format!(
                    "it holds in {}{} of the samples",
                    if s < judgement::ROBUST_SAMPLE_SHARE {
                        "only "
                    } else {
                        ""
                    },
                    rounded_percent(s)
                ));
            }
            if !rejected.robustness.overturned_by.is_empty() {
                why.push(format!(
                    "{} of {} scenarios overturn it",
                    rejected.robustness.overturned_by.len(),
                    rejected.robustness.scenarios
                ));
            }
            reasons.push(format!(
                "Not asserted: {said}, but that is not robust: {}.",
                why.join("; ")
            ));
        }
        match flips.first() {
            None => reasons.push(
                "No single number moved across its stated range (an interval, a verbal term's band, an Admiralty grade either way, a point number's odds ×/÷ 1.5) overturns the judgement.".to_string(),
            ),
            Some(f) => reasons.push(format!(
                "{} of the model's numbers can overturn it alone within their stated ranges; the nearest: {}.",
                r.flip_count,
                describe_flip(model, j, f)
            )),
        }
        match r.sample_share {
            Some(s) => reasons.push(format!(
                "It holds in {} of {} Monte Carlo samples of the numbers the model states as uncertain (seed {}).",
                rounded_percent(s),
                thousands(line.samples_used),
                judgement::SEED
            )),
            None if line.sampled_parameters > 0 => reasons.push(
                "Monte Carlo sampling of the uncertain numbers was over the work budget for a model this size and was left out.".to_string(),
            ),
            None => reasons.push(
                "The model states no number as uncertain (no interval, verbal term or Admiralty F): there is nothing to sample.".to_string(),
            ),
        }
        let overturning: Vec<String> = r
            .overturned_by
            .iter()
            .map(|&k| line.scenario_leaders[k].0.clone())
            .collect();
        if r.scenarios == 0 {
            reasons.push("The model has no scenarios to test it against.".to_string());
        } else if overturning.is_empty() {
            reasons.push(format!(
                "None of the model's {} scenarios overturns it.",
                r.scenarios
            ));
        } else {
            reasons.push(format!(
                "{} of the model's {} scenarios overturn it: {}.",
                overturning.len(),
                r.scenarios,
                overturning
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let e = &line.evidence;
        let largest = e.largest.map(|(s, share)| OriginShareView {
            source: model.sources[s.0].id.clone(),
            title: model.sources[s.0].title.clone(),
            share,
            dominant: share > judgement::DOMINANT_SHARE,
        });
        match &largest {
            Some(l) => reasons.push(format!(
                "Independent origins carrying at least {} of the diagnostic weight each: {} (of {} with any); the largest, {} (`{}`), carries {}.",
                rounded_percent(judgement::CARRYING_SHARE),
                e.carrying,
                e.origins,
                l.title,
                l.source,
                rounded_percent(l.share)
            )),
            None => reasons.push("No independent origin carries diagnostic weight.".to_string()),
        }
        if let Some(l) = largest.as_ref().filter(|l| l.dominant) {
            reasons.push(format!(
                "One origin carries most of the weight: {} (`{}`) holds {} of it, so the judgement rests largely on its word.",
                l.title,
                l.source,
                rounded_percent(l.share)
            ));
        }
        if let Some(q) = e.quality {
            reasons.push(format!(
                "Mean reliability of the origins' sources, weighted by the weight they carry: {q:.2}."
            ));
        }
        if e.established_share > 0.0 {
            reasons.push(format!(
                "{} of the weight rests on items taken as established (no reports).",
                rounded_percent(e.established_share)
            ));
        }
        match line.rules.first() {
            Some(Rule::Between) => reasons.push(format!(
                "Confidence is moderate: nothing makes it low, but it is not high because {}.",
                and_list(&not_high(line))
            )),
            Some(rule) => reasons.push(rule_reason(*rule)),
            None => {}
        }

        let linchpins: Vec<LinchpinView> = line
            .linchpins
            .iter()
            .map(|l| match l {
                Linchpin::Item(i) => LinchpinView {
                    kind: "item",
                    id: model.items[i.0].id.clone(),
                    title: model.items[i.0].claim.clone(),
                },
                Linchpin::Source(s) => LinchpinView {
                    kind: "source",
                    id: model.sources[s.0].id.clone(),
                    title: model.sources[s.0].title.clone(),
                },
            })
            .collect();
        let mut what_would_change: Vec<String> = flips
            .iter()
            .take(3)
            .map(|f| {
                let d = describe_flip(model, j, f);
                let mut chars = d.chars();
                chars
                    .next()
                    .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
                    + "."
            })
            .collect();
        for l in &linchpins {
            what_would_change.push(match l.kind {
                "item" => format!(
                    "Without the item \"{}\" (`{}`) the judgement would not hold.",
                    l.title, l.id
                ),
                _ => format!(
                    "Without the source {} (`{}`) the judgement would not hold.",
                    l.title, l.id
                ),
            });
        }
        if what_would_change.is_empty() {
            what_would_change.push(
                "No single number within its stated range, and no single item or source removed, overturns it.".to_string(),
            );
        }
        let rejected = line
            .rejected
            .iter()
            .map(|a| RejectedView {
                statement: statement_view(model, a),
                judgement: ids(model, &a.members),
                probability: a.probability,
                nearest_flip: a.robustness.nearest().map(|f| flip_view(model, a, f)),
                flip_count: a.robustness.flip_count,
                sample_share: a.robustness.sample_share,
                scenarios_overturning: a.robustness.overturned_by.len(),
            })
            .collect();
        BottomLineView {
            text,
            judgement: members,
            statement,
            probability: j.probability,
            likelihood,
            confidence: line.confidence.word(),
            confidence_rules: line.rules.iter().map(|r| rule_name(*r)).collect(),
            reasons,
            unseparated,
            unlikely,
            nearest_flip: flips.first().cloned(),
            flips,
            flip_count: r.flip_count,
            samples: SamplesView {
                drawn: line.samples,
                used: line.samples_used,
                seed: judgement::SEED,
                holds: r.sample_share,
                leads: line.sample_leads.clone(),
            },
            scenarios: ScenariosView {
                run: r.scenarios,
                overturning,
            },
            evidence_base: EvidenceBaseView {
                carrying: e.carrying,
                origins: e.origins,
                largest,
                quality: e.quality,
                established_share: e.established_share,
            },
            linchpins,
            what_would_change,
            rejected,
        }
    }

    /// The confidence as the analysis's level.
    pub fn level(&self) -> Confidence {
        match self.confidence {
            "high" => Confidence::High,
            "moderate" => Confidence::Moderate,
            _ => Confidence::Low,
        }
    }
}
