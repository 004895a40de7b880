//! The `simulate` document: the spread of each posterior over the sampled
//! uncertain numbers.

use super::super::format::{count_of, four_decimals, percent};
use super::super::simulate::SimulateView;
use super::figure::{PercentileBar, PercentileChart};
use super::{Cell, Doc, Figure, Table, Tone, code, strong, text, words};

/// The 5-50-95 percentile bar of each hypothesis.
fn percentile_chart(view: &SimulateView) -> Figure<'_> {
    Figure::Percentiles(PercentileChart {
        hypotheses: view
            .hypotheses
            .iter()
            .map(|h| PercentileBar {
                id: &h.id,
                title: &h.title,
                p5: h.p5,
                p50: h.p50,
                p95: h.p95,
                mean: h.mean,
                exact: h.report_posterior,
            })
            .collect(),
    })
}

/// Sampled numbers listed before the rest are only counted.
const MAX_LISTED: usize = 200;

/// The simulation view laid out as a document.
pub fn simulate(view: &SimulateView) -> Doc<'_> {
    let mut d = Doc::new(&view.model, "simulate", "Monte Carlo simulation");
    let mut intro = format!(
        "Monte Carlo: {}, seed {}. ",
        count_of(view.samples, "sample", "samples"),
        view.seed
    );
    if view.degenerate {
        intro.push_str("No number in this model is uncertain (no interval, verbal term or Admiralty F reaches the network): every sample is the same model, so the spread below is degenerate.");
    } else if view.sampled_parameters == 1 {
        intro.push_str("Each sample draws the one uncertain number uniformly from its range.");
    } else {
        intro.push_str(&format!(
            "Each sample draws every one of {} uncertain numbers uniformly from their range.",
            view.sampled_parameters
        ));
    }
    d.para(text(intro));
    if view.impossible_samples > 0 {
        d.note(format!(
            "{} drew numbers under which the evidence is impossible and were left out: the statistics are over {}.",
            count_of(view.impossible_samples, "sample", "samples"),
            count_of(view.used_samples, "sample", "samples")
        ));
    }

    d.h2("Spread of the posterior");
    d.figure(percentile_chart(view));
    let mut tab = Table::plain(&crate::report::simulate::COLUMNS, &[1, 2, 3, 4, 5, 6]);
    for h in &view.hypotheses {
        let lead = h.id == view.most_often_leading;
        tab.row(vec![
            Cell::code(&h.id).with_subline(&h.title),
            h.report_posterior.map_or_else(
                || Cell::text("n/a").tone(Tone::Muted),
                |p| Cell::text(four_decimals(p)),
            ),
            Cell::text(four_decimals(h.mean)),
            Cell::text(four_decimals(h.p5)),
            Cell::text(four_decimals(h.p50)),
            Cell::text(four_decimals(h.p95)),
            Cell::text(percent(h.p_leading)).tone(if lead { Tone::Leading } else { Tone::Plain }),
        ]);
    }
    d.table(tab);
    if !view.groups.is_empty() {
        let mut tab = Table::plain(
            &[
                "Group",
                "Report",
                "Mean",
                "5%",
                "50%",
                "95%",
                "Leads",
                "Above 0.5",
            ],
            &[1, 2, 3, 4, 5, 6, 7],
        );
        for g in &view.groups {
            tab.row(vec![
                Cell::code(&g.id).with_subline(&g.title),
                g.report_posterior.map_or_else(
                    || Cell::text("n/a").tone(Tone::Muted),
                    |p| Cell::text(four_decimals(p)),
                ),
                Cell::text(four_decimals(g.mean)),
                Cell::text(four_decimals(g.p5)),
                Cell::text(four_decimals(g.p50)),
                Cell::text(four_decimals(g.p95)),
                Cell::text(format!("{:.1}%", g.p_leading * 100.0)),
                Cell::text(format!("{:.1}%", g.p_above_half * 100.0)),
            ]);
        }
        d.table(tab);
        d.note("Groups: a group's posterior is the sum of its members'. Leads: share of samples in which the group's posterior is above that of every hypothesis outside it. Above 0.5: share in which it is more likely than not.");
    }
    if let Some(lead) = view
        .hypotheses
        .iter()
        .find(|h| h.id == view.most_often_leading)
    {
        d.para(vec![
            strong("Most often leading: "),
            code(&lead.id),
            words(format!(" (in {} of samples).", percent(lead.p_leading))),
        ]);
    }
    d.note_line(vec![words("Report: the exact posterior of "), code("credence report"), words(" (intervals and verbal terms at their midpoints; a source's interval reliability a latent node the evidence informs). Here each sample takes every uncertain number as a point, so a source's reliability varies from sample to sample instead of being learned from the evidence. P5, P50, P95: nearest-rank percentiles. P(leads): share of samples in which the hypothesis has the highest posterior (a tie goes to the first listed).")]);

    if !view.parameters.is_empty() {
        d.h2("Sampled numbers");
        let mut tab = Table::plain(&["Parameter", "Low", "High"], &[1, 2]);
        for p in view.parameters.iter().take(MAX_LISTED) {
            tab.row(vec![
                Cell::code(&p.name),
                Cell::text(format!("{}", p.low)),
                Cell::text(format!("{}", p.high)),
            ]);
        }
        d.table(tab);
        if view.parameters.len() > MAX_LISTED {
            d.note(format!(
                "… and {} more (--format json lists them all).",
                view.parameters.len() - MAX_LISTED
            ));
        }
    }
    d
}

impl super::super::View for SimulateView {
    fn document(&self) -> Doc<'_> {
        simulate(self)
    }
}
