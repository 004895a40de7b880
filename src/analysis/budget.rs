//! Work budgets: what a command that runs many inferences (sensitivity,
//! simulate) estimates before it starts, so that a model inside every
//! documented limit cannot take the machine's memory or an afternoon.
//!
//! Two numbers bound a run. The results it holds are capped: sensitivity
//! keeps (and its JSON prints) every grid point's posterior, at most
//! [`MAX_PRINTED_RESULTS`] numbers (64 MiB in memory, under 200 MB of JSON);
//! simulate keeps every sample's posterior for the percentiles but prints
//! only those, at most [`MAX_HELD_RESULTS`] (256 MiB). The work is the
//! number of table entries its inferences touch (evaluations times the
//! largest table one builds), capped at [`MAX_WORK`], well under a minute
//! on one core. Exact inference's own 512 MiB
//! table budget (`network::ve`) bounds each single inference.

/// The most posterior numbers a run may hold and print.
pub const MAX_PRINTED_RESULTS: f64 = (1u64 << 23) as f64;

/// The most posterior numbers a run may hold when it prints a summary.
pub const MAX_HELD_RESULTS: f64 = (1u64 << 25) as f64;

/// The most cells the tables of one view may hold: `ach`'s matrix and the
/// items each disagreeing pair lists, `explain`'s per-item and running rows.
/// A cell costs a few hundred bytes across the view, its document and their
/// rendering (the 1,000 x 1,000 ACH view's 12.8 million took 2.3 GB for
/// 209 MB of text), so a view within it stays well under 1 GB; it is
/// checked before the view is built.
pub const MAX_VIEW_CELLS: f64 = (1u64 << 20) as f64;

/// `Ok` when a view of `cells` table cells fits [`MAX_VIEW_CELLS`]; else the
/// refusal, saying what the cells are (`what`) and what to do (`advice`).
pub fn check_view_cells(
    command: &'static str,
    cells: f64,
    what: impl FnOnce() -> String,
    advice: impl FnOnce() -> String,
) -> Result<(), OverBudget> {
    if cells > MAX_VIEW_CELLS {
        return Err(OverBudget {
            command,
            what: what(),
            estimate: cells,
            budget: MAX_VIEW_CELLS,
            advice: advice(),
        });
    }
    Ok(())
}

/// The most table entries a run's inferences may touch, together.
pub const MAX_WORK: f64 = (1u64 << 31) as f64;

/// What the generic engine's step over one report costs, in table entries:
/// an item over the fast path's report limit is summed out by variable
/// elimination, a few small tables allocated per report (measured: 0.32 us
/// a report against 0.044 us on the fast path, an entry of the other
/// estimates being about 0.06 us).
const GENERIC_REPORT_ENTRIES: f64 = 4.0;

/// The table entries one evaluation of `item` touches when its numbers are
/// rewritten (a sample, a sweep point on one of its sources): each report's
/// table over the hypotheses, the event and, `with_latent`, its latent
/// reliability's levels (a sampled model has none: it draws each source's
/// reliability).
/// An item of 100,000 reports costs 100,000 times one of a single report,
/// which the per-item counts of the estimates alone would not say (one
/// 10,000-report item took an hour of `simulate --samples 1000000`).
pub fn item_entries(
    model: &crate::model::Model,
    item: &crate::model::Item,
    with_latent: bool,
) -> f64 {
    let k = model.hypotheses.len() as f64;
    let per_report = if item.reports.len() > crate::network::PLAN_MAX_REPORTS {
        GENERIC_REPORT_ENTRIES
    } else {
        1.0
    };
    let reports: f64 = item
        .reports
        .iter()
        .map(|r| {
            if with_latent && model.uses_latent_reliability(r) {
                model.meta.reliability_levels as f64
            } else {
                1.0
            }
        })
        .sum();
    k * (1.0 + per_report * reports)
}

/// A run refused before it started: what it would take and what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{command} would {what} ({estimate:.3e}, over the budget of {budget:.3e}): {advice}")]
pub struct OverBudget {
    /// The command: "sensitivity", "simulate".
    pub command: &'static str,
    /// What the estimate counts, in words.
    pub what: String,
    /// The estimate.
    pub estimate: f64,
    /// The budget it is over.
    pub budget: f64,
    /// How to bring the run within the budget.
    pub advice: String,
}

/// The estimate of one run: results held and work done.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Posterior numbers held.
    pub results: f64,
    /// The most it may hold: [`MAX_PRINTED_RESULTS`] or [`MAX_HELD_RESULTS`].
    pub results_budget: f64,
    /// Table entries touched.
    pub work: f64,
}

impl Estimate {
    /// `Ok` within both budgets; else the refusal, `advice` saying what to
    /// change for each.
    pub fn check(
        self,
        command: &'static str,
        results_advice: impl FnOnce() -> String,
        work_advice: impl FnOnce() -> String,
    ) -> Result<(), OverBudget> {
        if self.results > self.results_budget {
            return Err(OverBudget {
                command,
                what: "hold this many posterior numbers".to_string(),
                estimate: self.results,
                budget: self.results_budget,
                advice: results_advice(),
            });
        }
        if self.work > MAX_WORK {
            return Err(OverBudget {
                command,
                what: "touch this many table entries in its inferences".to_string(),
                estimate: self.work,
                budget: MAX_WORK,
                advice: work_advice(),
            });
        }
        Ok(())
    }
}
