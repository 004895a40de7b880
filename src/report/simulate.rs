//! The `simulate` output (kind `credence.simulate`, schema 1, docs/JSON.md):
//! its serializable view, a text printer and a JSON printer; and the
//! terminal progress bar a long simulation shows on standard error.

use std::io::{self, IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::{ModelView, SCHEMA_VERSION, Table};
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

/// Parameters the text output lists before it only counts the rest.
const MAX_LISTED: usize = 30;

#[derive(Clone, Debug, Serialize)]
pub struct SimulateView {
    pub schema: u32,
    pub kind: &'static str,
    pub model: ModelView,
    pub samples: u64,
    pub seed: u64,
    /// Samples the statistics are over.
    pub used_samples: u64,
    /// Samples whose draws made the evidence impossible; left out.
    pub impossible_samples: u64,
    /// No number is uncertain: every sample is the same model.
    pub degenerate: bool,
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
    pub id: String,
    pub title: String,
    /// Member hypothesis ids.
    pub members: Vec<String>,
    /// The group's posterior by `credence report` (null as for hypotheses).
    pub report_posterior: Option<f64>,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// Share of samples in which the group leads: its posterior is above
    /// that of every hypothesis outside it.
    pub p_leading: f64,
    /// Share of samples in which its posterior exceeds 0.5.
    pub p_above_half: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParameterView {
    /// Override-style path, e.g. `sources.wsj.reliability`.
    pub name: String,
    pub low: f64,
    pub high: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SpreadView {
    pub id: String,
    pub title: String,
    /// The exact posterior of `credence report` (null when that network is
    /// too large for exact inference).
    pub report_posterior: Option<f64>,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// Share of samples in which this hypothesis has the highest posterior.
    pub p_leading: f64,
}

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

/// The groups' spread in text (kept apart until text renders from the Doc).
fn write_groups_text(view: &SimulateView, out: &mut dyn Write) -> io::Result<()> {
    if view.groups.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let mut t = Table::new(&[
        "Group",
        "Report",
        "Mean",
        "5%",
        "50%",
        "95%",
        "Leads",
        "Above 0.5",
    ])
    .right_align(1..8);
    for g in &view.groups {
        t.row(vec![
            g.id.clone(),
            g.report_posterior
                .map_or_else(|| "n/a".to_string(), |p| format!("{p:.4}")),
            format!("{:.4}", g.mean),
            format!("{:.4}", g.p5),
            format!("{:.4}", g.p50),
            format!("{:.4}", g.p95),
            format!("{:.1}%", g.p_leading * 100.0),
            format!("{:.1}%", g.p_above_half * 100.0),
        ]);
    }
    t.write(out, "")
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn write_text(view: &SimulateView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", view.model.title)?;
    if let Some(q) = &view.model.question {
        writeln!(out, "Question: {q}")?;
    }
    if let Some(d) = &view.model.as_of {
        writeln!(out, "As of: {d}")?;
    }
    writeln!(out)?;
    write!(
        out,
        "Monte Carlo: {}, seed {}. ",
        plural(view.samples, "sample", "samples"),
        view.seed
    )?;
    if view.degenerate {
        writeln!(
            out,
            "No number in this model is uncertain (no interval, verbal\nterm or Admiralty F reaches the network): every sample is the same model, so the spread\nbelow is degenerate."
        )?;
    } else {
        writeln!(
            out,
            "Each sample draws {} uniformly from {} range.",
            if view.sampled_parameters == 1 {
                "the one uncertain number".to_string()
            } else {
                format!("every one of {} uncertain numbers", view.sampled_parameters)
            },
            if view.sampled_parameters == 1 {
                "its"
            } else {
                "their"
            },
        )?;
    }
    if view.impossible_samples > 0 {
        writeln!(
            out,
            "{} drew numbers under which the evidence is impossible and {} left out: the\nstatistics are over {}.",
            plural(view.impossible_samples, "sample", "samples"),
            if view.impossible_samples == 1 {
                "is"
            } else {
                "are"
            },
            plural(view.used_samples, "sample", "samples"),
        )?;
    }
    writeln!(out)?;

    let mut t = Table::new(&COLUMNS).right_align(1..=6);
    for h in &view.hypotheses {
        t.row(vec![
            h.id.clone(),
            h.report_posterior
                .map_or_else(|| "n/a".to_string(), |p| format!("{p:.4}")),
            format!("{:.4}", h.mean),
            format!("{:.4}", h.p5),
            format!("{:.4}", h.p50),
            format!("{:.4}", h.p95),
            format!("{:.1}%", h.p_leading * 100.0),
        ]);
    }
    t.write(out, "")?;
    if let Some(lead) = view
        .hypotheses
        .iter()
        .find(|h| h.id == view.most_often_leading)
    {
        writeln!(
            out,
            "\nMost often leading: {} (in {:.1}% of samples).",
            lead.id,
            lead.p_leading * 100.0
        )?;
    }
    write_groups_text(view, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Report: the exact posterior of `credence report` (intervals and verbal terms at their\n\
         midpoints; a source's interval reliability a latent node the evidence informs). Here each\n\
         sample takes every uncertain number as a point, so a source's reliability varies from\n\
         sample to sample instead of being learned from the evidence.\n\
         P5, P50, P95: nearest-rank percentiles, the ceil(p/100 x n)-th smallest of the n values.\n\
         P(leads): share of samples in which the hypothesis has the highest posterior (a tie goes\n\
         to the first listed)."
    )?;

    if !view.parameters.is_empty() {
        writeln!(out)?;
        writeln!(out, "Sampled numbers ({})", view.parameters.len())?;
        let mut t = Table::new(&["Parameter", "Low", "High"]).right_align([1, 2]);
        for p in view.parameters.iter().take(MAX_LISTED) {
            t.row(vec![
                p.name.clone(),
                format!("{}", p.low),
                format!("{}", p.high),
            ]);
        }
        t.write(out, "  ")?;
        if view.parameters.len() > MAX_LISTED {
            writeln!(
                out,
                "  ... and {} more (--format json lists them all)",
                view.parameters.len() - MAX_LISTED
            )?;
        }
    }
    Ok(())
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
