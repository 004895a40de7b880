//! The `simulate` output (kind `credence.simulate`, schema 1, docs/JSON.md):
//! its serializable view, a text printer and a JSON printer; and the
//! terminal progress bar a long simulation shows on standard error.

use std::io::{self, IsTerminal};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::{ModelView, SCHEMA_VERSION};
use crate::analysis::simulate::{PERCENTILES, Progress, Simulation};
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
    }
}

/// How long to time the first samples before deciding whether to show a bar.
const DECIDE_AFTER: Duration = Duration::from_millis(100);
/// Show a bar only when the whole run is expected to take longer than this.
const WORTH_A_BAR: Duration = Duration::from_secs(1);

/// A progress bar on standard error, shown only when standard error is a
/// terminal and the first samples predict a run of over a second; never in
/// pipes or tests. Standard output is untouched.
pub struct TerminalProgress {
    total: u64,
    start: Instant,
    done: AtomicU64,
    watch: bool,
    bar: OnceLock<Option<ProgressBar>>,
}

impl TerminalProgress {
    /// A bar for `total` samples, not yet drawn.
    pub fn new(total: u64) -> TerminalProgress {
        TerminalProgress {
            total,
            start: Instant::now(),
            done: AtomicU64::new(0),
            watch: io::stderr().is_terminal(),
            bar: OnceLock::new(),
        }
    }

    /// Remove the bar before the output is printed.
    pub fn finish(&self) {
        if let Some(Some(bar)) = self.bar.get() {
            bar.finish_and_clear();
        }
    }

    fn make_bar(&self, done: u64) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("simulating {bar:40} {pos}/{len} samples, {eta} left")
        {
            bar.set_style(style);
        }
        bar.set_position(done);
        bar
    }
}

impl Progress for TerminalProgress {
    fn advance(&self, samples: u64) {
        if !self.watch {
            return;
        }
        let done = self.done.fetch_add(samples, Ordering::Relaxed) + samples;
        match self.bar.get() {
            Some(Some(bar)) => bar.inc(samples),
            Some(None) => {}
            None => {
                let elapsed = self.start.elapsed();
                if elapsed < DECIDE_AFTER || done >= self.total {
                    return;
                }
                let expected = elapsed.mul_f64(self.total as f64 / done as f64);
                self.bar
                    .get_or_init(|| (expected > WORTH_A_BAR).then(|| self.make_bar(done)));
            }
        }
    }
}
