//! The `simulate` output (kind `credence.simulate`, schema 1, docs/JSON.md):
//! its serializable view, laid out as a `Doc` in report/doc/simulate.rs.
//! (The progress bar a long simulation shows is the binary's:
//! src/progress.rs.)

use serde::Serialize;

use super::{ModelView, SCHEMA_VERSION};
use crate::analysis::simulate::{PERCENTILES, Simulation};
use crate::model::Model;

/// The per-hypothesis table's columns, in every format.
pub(crate) const COLUMNS: [&str; 7] = [
    "Hypothesis",
    "Report",
    "Mean",
    "P5",
    "P50",
    "P95",
    "P(leads)",
];

/// The `simulate` view (kind `credence.simulate`; docs/JSON.md): the spread of
/// each posterior over the samples.
#[derive(Clone, Debug, Serialize)]
pub struct SimulateView {
    /// The schema version.
    pub schema: u32,
    /// `credence.simulate`.
    pub kind: &'static str,
    /// The model's title, question and cut-off.
    pub model: ModelView,
    /// Samples drawn.
    pub samples: u64,
    /// The seed of the draws.
    pub seed: u64,
    /// Samples the statistics are over.
    pub used_samples: u64,
    /// Samples whose draws made the evidence impossible; left out.
    pub impossible_samples: u64,
    /// No number is uncertain: every sample is the same model.
    pub degenerate: bool,
    /// How many numbers are uncertain and sampled.
    pub sampled_parameters: usize,
    /// In the order each sample draws them.
    pub parameters: Vec<ParameterView>,
    /// In model order.
    pub hypotheses: Vec<SpreadView>,
    /// The hypothesis that leads in the most samples.
    pub most_often_leading: String,
    /// In model order; empty when the model has no groups.
    pub groups: Vec<GroupSpreadView>,
}

/// One group's posterior (the sum of its members') over the samples.
#[derive(Clone, Debug, Serialize)]
pub struct GroupSpreadView {
    /// The group's id.
    pub id: String,
    /// The group's title.
    pub title: String,
    /// Member hypothesis ids.
    pub members: Vec<String>,
    /// The group's posterior by `credence report` (null as for hypotheses).
    pub report_posterior: Option<f64>,
    /// Mean of the group's posterior over the samples.
    pub mean: f64,
    /// 5th percentile (nearest rank).
    pub p5: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Share of samples in which the group leads: its posterior is above
    /// that of every hypothesis outside it.
    pub p_leading: f64,
    /// Share of samples in which its posterior exceeds 0.5.
    pub p_above_half: f64,
}

/// One sampled number.
#[derive(Clone, Debug, Serialize)]
pub struct ParameterView {
    /// Override-style path, e.g. `sources.wsj.reliability`.
    pub name: String,
    /// The low end of the range it is drawn from.
    pub low: f64,
    /// The high end of the range it is drawn from.
    pub high: f64,
}

/// One hypothesis's posterior over the samples.
#[derive(Clone, Debug, Serialize)]
pub struct SpreadView {
    /// The hypothesis id.
    pub id: String,
    /// What it says.
    pub title: String,
    /// The exact posterior of `credence report` (null when that network is
    /// too large for exact inference).
    pub report_posterior: Option<f64>,
    /// The mean posterior.
    pub mean: f64,
    /// The 5th percentile (nearest rank).
    pub p5: f64,
    /// The median (nearest rank).
    pub p50: f64,
    /// The 95th percentile (nearest rank).
    pub p95: f64,
    /// Share of samples in which this hypothesis has the highest posterior.
    pub p_leading: f64,
}

/// Build the view of a simulation.
pub fn build(model: &Model, sim: &Simulation) -> SimulateView {
    debug_assert_eq!(PERCENTILES, [5.0, 50.0, 95.0]);
    SimulateView {
        schema: SCHEMA_VERSION,
        kind: "credence.simulate",
        model: ModelView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
        },
        samples: sim.options.samples,
        seed: sim.options.seed,
        used_samples: sim.used,
        impossible_samples: sim.impossible,
        degenerate: sim.is_degenerate(),
        sampled_parameters: sim.parameters.len(),
        parameters: sim
            .parameters
            .iter()
            .map(|p| ParameterView {
                name: p.name.clone(),
                low: p.range.low().get(),
                high: p.range.high().get(),
            })
            .collect(),
        hypotheses: sim
            .hypotheses
            .iter()
            .map(|h| {
                let hyp = &model.hypotheses[h.id.0];
                let [p5, p50, p95] = h.percentiles;
                SpreadView {
                    id: hyp.id.clone(),
                    title: hyp.title.clone(),
                    report_posterior: h.report,
                    mean: h.mean,
                    p5,
                    p50,
                    p95,
                    p_leading: h.leads,
                }
            })
            .collect(),
        most_often_leading: model.hypotheses[sim.most_often_leading().0].id.clone(),
        groups: sim
            .groups
            .iter()
            .map(|g| {
                let group = &model.groups[g.id.0];
                let [p5, p50, p95] = g.percentiles;
                GroupSpreadView {
                    id: group.id.clone(),
                    title: group.title.clone(),
                    members: group
                        .members
                        .iter()
                        .map(|m| model.hypotheses[m.0].id.clone())
                        .collect(),
                    report_posterior: g.report,
                    mean: g.mean,
                    p5,
                    p50,
                    p95,
                    p_leading: g.leads,
                    p_above_half: g.above_half,
                }
            })
            .collect(),
    }
}
