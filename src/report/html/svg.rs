//! Inline SVG charts: posterior bars over the ICD 203 bands, the scenario
//! comparison, the sensitivity tornado and the simulation's percentile
//! bars. Drawn on a fixed 1000-unit-wide canvas that the page scales; every
//! label is model text, escaped, clipped to fit with the full text in a
//! tooltip.

use std::fmt::{self, Write as _};

use super::super::doc::figure::{PercentileChart, PosteriorChart, ScenarioChart, TornadoChart};
use super::{clip, esc};

/// Canvas width.
const W: f64 = 1000.0;
pub(crate) const INK: &str = "#1f2328";
pub(crate) const MUTED: &str = "#59636e";
pub(crate) const RULE: &str = "#d0d7de";
const ACCENT: &str = "#1f5fbf";
const ALERT: &str = "#9a4b00";

/// One colour per hypothesis (cycled past eight).
const PALETTE: [&str; 8] = [
    "#1f5fbf", "#d9730d", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#8f6b00", "#5c677d",
];

/// Tints behind the ICD 203 bands, from "almost no chance" to "almost
/// certain": warm below even chance, grey at it, cool above.
const BANDS: [&str; 7] = [
    "#f9e0dd", "#fbe9e1", "#fcf2e6", "#eef0f2", "#e6effa", "#dae7f8", "#cfe0f6",
];

pub(crate) fn color(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// x of probability `p` on a plot from `x0` to `x1`.
fn px(p: f64, x0: f64, x1: f64) -> f64 {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    x0 + p * (x1 - x0)
}

fn open(s: &mut String, h: f64, label: &str) -> fmt::Result {
    writeln!(s, "<figure class=\"chart\">")?;
    writeln!(
        s,
        "<svg viewBox=\"0 0 {W} {h:.0}\" width=\"{W}\" height=\"{h:.0}\" role=\"img\" aria-label=\"{}\">",
        esc(label)
    )
}

fn close(s: &mut String, caption: &str) -> fmt::Result {
    writeln!(s, "</svg>")?;
    if !caption.is_empty() {
        writeln!(s, "<figcaption>{}</figcaption>", esc(caption))?;
    }
    writeln!(s, "</figure>")
}

/// A text label clipped to `max` characters, the full text as tooltip.
pub(crate) fn label(
    s: &mut String,
    x: f64,
    y: f64,
    attrs: &str,
    text: &str,
    max: usize,
) -> fmt::Result {
    let shown = clip(text, max);
    if shown == text {
        writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" {attrs}>{}</text>",
            esc(text)
        )
    } else {
        writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" {attrs}><title>{}</title>{}</text>",
            esc(text),
            esc(&shown)
        )
    }
}

/// A probability axis from 0 to 1 at `y`, labelled every 0.2, with light
/// gridlines up to `top`.
fn axis(s: &mut String, x0: f64, x1: f64, top: f64, y: f64) -> fmt::Result {
    for k in 0..=10 {
        let p = f64::from(k) / 10.0;
        let x = px(p, x0, x1);
        if k % 5 != 0 {
            writeln!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#ffffff\" stroke-opacity=\"0.7\" stroke-width=\"1\"/>"
            )?;
        }
        writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{MUTED}\" stroke-width=\"1\"/>",
            y + 5.0
        )?;
        if k % 2 == 0 {
            writeln!(
                s,
                "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11.5\" fill=\"{MUTED}\" text-anchor=\"middle\">{p:.1}</text>",
                y + 18.0
            )?;
        }
    }
    writeln!(
        s,
        "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\" stroke=\"{MUTED}\" stroke-width=\"1\"/>"
    )
}

/// Light vertical gridlines at every 0.1 for charts without bands.
fn grid(s: &mut String, x0: f64, x1: f64, top: f64, bottom: f64) -> fmt::Result {
    for k in 0..=10 {
        let x = px(f64::from(k) / 10.0, x0, x1);
        let (stroke, width) = if k % 5 == 0 {
            ("#d0d7de", 1.0)
        } else {
            ("#eaeef2", 1.0)
        };
        writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>"
        )?;
    }
    Ok(())
}

/// Posterior bars per hypothesis, the prior as a marker, the ICD 203 bands
/// shaded behind and labelled.
pub fn posterior(s: &mut String, v: &PosteriorChart<'_>) -> fmt::Result {
    const X0: f64 = 250.0;
    const X1: f64 = 860.0;
    const TOP: f64 = 46.0;
    const ROW: f64 = 48.0;
    let n = v.hypotheses.len() as f64;
    let bottom = TOP + n * ROW;
    let h = bottom + 78.0;
    open(
        s,
        h,
        "Posterior probability of each hypothesis, with its prior, over the ICD 203 bands",
    )?;
    for (k, band) in v.bands.iter().enumerate() {
        let (term, lo, hi) = (band.term, band.low, band.high);
        let (a, b) = (px(lo, X0, X1), px(hi, X0, X1));
        writeln!(
            s,
            "<rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} ({lo}–{hi})</title></rect>",
            TOP - 6.0,
            b - a,
            bottom - TOP + 6.0,
            BANDS[k % BANDS.len()],
            esc(term)
        )?;
        let y = if k % 2 == 0 { 14.0 } else { 31.0 };
        writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"11.5\" fill=\"{MUTED}\" text-anchor=\"middle\">{}</text>",
            (a + b) / 2.0,
            esc(term)
        )?;
        writeln!(
            s,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#afb8c1\" stroke-width=\"1\"/>",
            (a + b) / 2.0,
            y + 4.0,
            (a + b) / 2.0,
            TOP - 6.0
        )?;
    }
    for (k, hyp) in v.hypotheses.iter().enumerate() {
        let y = TOP + k as f64 * ROW;
        label(
            s,
            0.0,
            y + 19.0,
            &format!("font-size=\"14\" font-weight=\"600\" fill=\"{INK}\""),
            hyp.id,
            27,
        )?;
        label(
            s,
            0.0,
            y + 36.0,
            &format!("font-size=\"11.5\" fill=\"{MUTED}\""),
            hyp.title,
            40,
        )?;
        let fill = if hyp.leading { ACCENT } else { "#7aa3e0" };
        let x = px(hyp.posterior, X0, X1);
        writeln!(
            s,
            "<rect x=\"{X0}\" y=\"{:.1}\" width=\"{:.1}\" height=\"22\" rx=\"2\" fill=\"{fill}\"><title>{}: posterior {:.4}, prior {:.4}</title></rect>",
            y + 11.0,
            (x - X0).max(0.0),
            esc(hyp.id),
            hyp.posterior,
            hyp.prior
        )?;
        let m = px(hyp.prior, X0, X1);
        writeln!(
            s,
            "<line x1=\"{m:.1}\" y1=\"{:.1}\" x2=\"{m:.1}\" y2=\"{:.1}\" stroke=\"{INK}\" stroke-width=\"2.2\"/>",
            y + 7.0,
            y + 37.0
        )?;
        writeln!(
            s,
            "<path d=\"M{:.1},{:.1} L{:.1},{:.1} L{m:.1},{:.1} Z\" fill=\"{INK}\"/>",
            m - 5.5,
            y + 2.0,
            m + 5.5,
            y + 2.0,
            y + 9.0
        )?;
        writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"16\" font-weight=\"650\" fill=\"{INK}\">{:.4}</text>",
            X1 + 16.0,
            y + 22.0,
            hyp.posterior
        )?;
        writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11.5\" fill=\"{MUTED}\">prior {:.4}</text>",
            X1 + 16.0,
            y + 37.0,
            hyp.prior
        )?;
    }
    axis(s, X0, X1, TOP - 6.0, bottom + 2.0)?;
    let ly = bottom + 58.0;
    writeln!(
        s,
        "<rect x=\"{X0}\" y=\"{:.1}\" width=\"26\" height=\"12\" rx=\"2\" fill=\"{ACCENT}\"/>",
        ly - 10.0
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">posterior (darker: leading)</text>",
        X0 + 34.0
    )?;
    let mx = X0 + 250.0;
    writeln!(
        s,
        "<line x1=\"{mx:.1}\" y1=\"{:.1}\" x2=\"{mx:.1}\" y2=\"{:.1}\" stroke=\"{INK}\" stroke-width=\"2.2\"/>",
        ly - 12.0,
        ly + 3.0
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">prior</text>",
        mx + 9.0
    )?;
    writeln!(
        s,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"26\" height=\"12\" fill=\"{}\" stroke=\"#afb8c1\"/>",
        mx + 70.0,
        ly - 10.0,
        BANDS[5]
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">ICD 203 band ({})</text>",
        mx + 104.0,
        if v.standard_bands {
            "standard ranges"
        } else {
            "this model's [scales]"
        }
    )?;
    close(s, "")
}

/// Baseline and every scenario, grouped by hypothesis.
pub fn scenarios(s: &mut String, v: &ScenarioChart<'_>) -> fmt::Result {
    const X0: f64 = 250.0;
    const X1: f64 = 840.0;
    const HEAD: f64 = 26.0;
    const ROW: f64 = 20.0;
    const GAP: f64 = 16.0;
    let rows = 1 + v.scenarios.len();
    let group = HEAD + rows as f64 * ROW + GAP;
    let top = 8.0;
    let bottom = top + group * v.hypotheses.len() as f64;
    let h = bottom + 64.0;
    open(
        s,
        h,
        "Posterior of each hypothesis at the baseline and under each scenario",
    )?;
    for (k, &(id, title)) in v.hypotheses.iter().enumerate() {
        let g = top + k as f64 * group;
        writeln!(
            s,
            "<rect x=\"0\" y=\"{:.1}\" width=\"{W}\" height=\"{:.1}\" fill=\"#f6f8fa\" rx=\"4\"/>",
            g,
            HEAD - 4.0
        )?;
        label(
            s,
            8.0,
            g + 16.0,
            &format!(
                "font-size=\"13.5\" font-weight=\"650\" fill=\"{}\"",
                color(k)
            ),
            id,
            28,
        )?;
        label(
            s,
            X0,
            g + 16.0,
            &format!("font-size=\"12\" fill=\"{MUTED}\""),
            title,
            90,
        )?;
        let y0 = g + HEAD;
        grid(s, X0, X1, y0, y0 + rows as f64 * ROW)?;
        let base = v.baseline.get(k).copied().unwrap_or(0.0);
        let bar = |s: &mut String, r: usize, p: f64, fill: &str, tip: &str| -> fmt::Result {
            let y = y0 + r as f64 * ROW;
            writeln!(
                s,
                "<rect x=\"{X0}\" y=\"{:.1}\" width=\"{:.1}\" height=\"13\" rx=\"2\" fill=\"{fill}\"><title>{}</title></rect>",
                y + 3.0,
                (px(p, X0, X1) - X0).max(0.0),
                esc(tip)
            )
        };
        let y = y0;
        writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"{INK}\" text-anchor=\"end\">baseline</text>",
            X0 - 10.0,
            y + 14.0
        )?;
        bar(s, 0, base, "#8c959f", &format!("baseline: {base:.4}"))?;
        writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"{INK}\">{base:.4}</text>",
            X1 + 12.0,
            y + 14.0
        )?;
        for (r, sc) in v.scenarios.iter().enumerate() {
            let y = y0 + (r + 1) as f64 * ROW;
            let fill = if sc.leader_changed { ALERT } else { INK };
            label(
                s,
                X0 - 10.0,
                y + 14.0,
                &format!("font-size=\"12\" fill=\"{fill}\" text-anchor=\"end\""),
                sc.id,
                34,
            )?;
            match sc.shifts.as_ref().and_then(|shifts| shifts.get(k)) {
                Some(sh) => {
                    bar(
                        s,
                        r + 1,
                        sh.posterior,
                        color(k),
                        &format!(
                            "{}: {:.4} ({})",
                            sc.id,
                            sh.posterior,
                            crate::report::format::signed_four_decimals(sh.change)
                        ),
                    )?;
                    writeln!(
                        s,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"{INK}\">{:.4}</text>",
                        X1 + 12.0,
                        y + 14.0,
                        sh.posterior
                    )?;
                    let tone = if sh.change > 0.00005 {
                        "#1a7f37"
                    } else if sh.change < -0.00005 {
                        "#c0281f"
                    } else {
                        MUTED
                    };
                    writeln!(
                        s,
                        "<text x=\"{W}\" y=\"{:.1}\" font-size=\"12\" fill=\"{tone}\" text-anchor=\"end\">{}</text>",
                        y + 14.0,
                        crate::report::format::signed_four_decimals(sh.change)
                    )?;
                }
                _ => {
                    writeln!(
                        s,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-style=\"italic\" fill=\"{MUTED}\">no posterior: the evidence is impossible</text>",
                        X0 + 6.0,
                        y + 14.0
                    )?;
                }
            }
        }
        let bx = px(base, X0, X1);
        writeln!(
            s,
            "<line x1=\"{bx:.1}\" y1=\"{:.1}\" x2=\"{bx:.1}\" y2=\"{:.1}\" stroke=\"{INK}\" stroke-width=\"1.2\" stroke-dasharray=\"3 3\"/>",
            y0 + 1.0,
            y0 + rows as f64 * ROW
        )?;
    }
    axis(s, X0, X1, bottom - GAP, bottom - GAP + 4.0)?;
    let ly = bottom + 40.0;
    writeln!(
        s,
        "<rect x=\"{X0}\" y=\"{:.1}\" width=\"22\" height=\"11\" rx=\"2\" fill=\"#8c959f\"/>",
        ly - 10.0
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">baseline (dashed line)</text>",
        X0 + 30.0
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{ALERT}\">scenario id in orange: the leading hypothesis changes</text>",
        X0 + 200.0
    )?;
    writeln!(
        s,
        "<text x=\"{W}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{MUTED}\" text-anchor=\"end\">change from baseline</text>"
    )?;
    close(s, "")
}

/// The tornado: each parameter's posterior range per hypothesis, largest
/// impact first, with the baseline as a tick.
pub fn tornado(s: &mut String, v: &TornadoChart<'_>) -> fmt::Result {
    const X0: f64 = 350.0;
    const X1: f64 = 900.0;
    const BAR: f64 = 8.0;
    let k = v.hypotheses.len();
    let shown = &v.parameters;
    let row = 12.0 + k as f64 * (BAR + 2.0);
    // Legend: one entry per hypothesis, wrapped into lines.
    let per_line = 5usize;
    let legend_lines = k.div_ceil(per_line).max(1);
    let top = 12.0 + legend_lines as f64 * 20.0 + 18.0;
    let bottom = top + row * shown.len() as f64;
    let h = bottom + 40.0;
    open(
        s,
        h,
        "Tornado: the range of each posterior as one parameter sweeps its range",
    )?;
    for (j, &(id, _)) in v.hypotheses.iter().enumerate() {
        let x = X0 + (j % per_line) as f64 * 112.0;
        let y = 16.0 + (j / per_line) as f64 * 20.0;
        writeln!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"16\" height=\"9\" rx=\"2\" fill=\"{}\"/>",
            y - 8.0,
            color(j)
        )?;
        label(
            s,
            x + 21.0,
            y,
            &format!("font-size=\"12\" fill=\"{INK}\""),
            id,
            13,
        )?;
    }
    writeln!(
        s,
        "<text x=\"0\" y=\"{:.1}\" font-size=\"11.5\" font-weight=\"600\" fill=\"{MUTED}\">parameter</text>",
        top - 6.0
    )?;
    writeln!(
        s,
        "<text x=\"{W}\" y=\"{:.1}\" font-size=\"11.5\" font-weight=\"600\" fill=\"{MUTED}\" text-anchor=\"end\">swing</text>",
        top - 6.0
    )?;
    for (r, p) in shown.iter().enumerate() {
        let y = top + r as f64 * row;
        if r % 2 == 0 {
            writeln!(
                s,
                "<rect x=\"0\" y=\"{y:.1}\" width=\"{W}\" height=\"{row:.1}\" fill=\"#f6f8fa\"/>"
            )?;
        }
        let mid = y + row / 2.0 + 4.0;
        let tip = format!("{} = {}", p.path, p.written);
        let shown_path = clip(p.path, 52);
        writeln!(
            s,
            "<text x=\"4\" y=\"{mid:.1}\" font-size=\"11.5\" class=\"mono\" fill=\"{INK}\"><title>{}</title>{}</text>",
            esc(&tip),
            esc(&shown_path)
        )?;
        writeln!(
            s,
            "<text x=\"{W}\" y=\"{mid:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"{INK}\" text-anchor=\"end\">{:.4}</text>",
            p.impact
        )?;
        if p.ranges.is_empty() {
            writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{mid:.1}\" font-size=\"11.5\" font-style=\"italic\" fill=\"{MUTED}\">no possible grid point</text>",
                X0 + 6.0
            )?;
            continue;
        }
        for (j, &(hypothesis, min, max)) in p.ranges.iter().enumerate() {
            let by = y + 6.0 + j as f64 * (BAR + 2.0);
            let (a, b) = (px(min, X0, X1), px(max, X0, X1));
            writeln!(
                s,
                "<rect x=\"{a:.1}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"{BAR}\" rx=\"1.5\" fill=\"{}\"><title>{}: {:.4} to {:.4}</title></rect>",
                (b - a).max(1.5),
                color(j),
                esc(hypothesis),
                min,
                max
            )?;
            if let Some(&(_, baseline)) = v.hypotheses.get(j) {
                let x = px(baseline, X0, X1);
                writeln!(
                    s,
                    "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{INK}\" stroke-width=\"1.6\"/>",
                    by - 1.5,
                    by + BAR + 1.5
                )?;
            }
        }
    }
    grid_lines_over(s, X0, X1, top, bottom)?;
    axis(s, X0, X1, bottom, bottom + 2.0)?;
    close(
        s,
        "Bars: the posterior's range over the sweep; black tick: the baseline posterior.",
    )
}

/// Faint verticals drawn over zebra rows so the scale stays readable.
fn grid_lines_over(s: &mut String, x0: f64, x1: f64, top: f64, bottom: f64) -> fmt::Result {
    for k in [0.25, 0.5, 0.75] {
        let x = px(k, x0, x1);
        writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"{RULE}\" stroke-width=\"1\" stroke-dasharray=\"2 4\"/>"
        )?;
    }
    Ok(())
}

/// One bar per hypothesis from the 5th to the 95th percentile, the median
/// as a dot, the mean as a diamond, the exact posterior as a red tick.
pub fn percentiles(s: &mut String, v: &PercentileChart<'_>) -> fmt::Result {
    const X0: f64 = 250.0;
    const X1: f64 = 840.0;
    const TOP: f64 = 10.0;
    const ROW: f64 = 46.0;
    let bottom = TOP + ROW * v.hypotheses.len() as f64;
    let h = bottom + 66.0;
    open(
        s,
        h,
        "Spread of each posterior over the simulation: 5th, 50th and 95th percentiles",
    )?;
    grid(s, X0, X1, TOP, bottom)?;
    for (k, hyp) in v.hypotheses.iter().enumerate() {
        let y = TOP + k as f64 * ROW;
        let mid = y + ROW / 2.0;
        label(
            s,
            0.0,
            mid - 2.0,
            &format!("font-size=\"14\" font-weight=\"600\" fill=\"{INK}\""),
            hyp.id,
            27,
        )?;
        label(
            s,
            0.0,
            mid + 14.0,
            &format!("font-size=\"11.5\" fill=\"{MUTED}\""),
            hyp.title,
            40,
        )?;
        let (a, b) = (px(hyp.p5, X0, X1), px(hyp.p95, X0, X1));
        let col = color(k);
        writeln!(
            s,
            "<rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"14\" rx=\"3\" fill=\"{col}\" fill-opacity=\"0.28\" stroke=\"{col}\" stroke-width=\"1.2\"><title>{}: 5th percentile {:.4}, 95th {:.4}</title></rect>",
            mid - 7.0,
            (b - a).max(2.0),
            esc(hyp.id),
            hyp.p5,
            hyp.p95
        )?;
        let m = px(hyp.mean, X0, X1);
        writeln!(
            s,
            "<path d=\"M{m:.1},{:.1} L{:.1},{mid:.1} L{m:.1},{:.1} L{:.1},{mid:.1} Z\" fill=\"{INK}\"><title>mean {:.4}</title></path>",
            mid - 5.0,
            m + 5.0,
            mid + 5.0,
            m - 5.0,
            hyp.mean
        )?;
        let c = px(hyp.p50, X0, X1);
        writeln!(
            s,
            "<circle cx=\"{c:.1}\" cy=\"{mid:.1}\" r=\"5.5\" fill=\"{col}\" stroke=\"#ffffff\" stroke-width=\"2\"><title>median {:.4}</title></circle>",
            hyp.p50
        )?;
        if let Some(r) = hyp.exact {
            let x = px(r, X0, X1);
            writeln!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#c0281f\" stroke-width=\"2.2\"><title>exact posterior {r:.4}</title></line>",
                mid - 12.0,
                mid + 12.0
            )?;
        }
        writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12.5\" font-weight=\"600\" fill=\"{INK}\">{:.4} – {:.4}</text>",
            X1 + 16.0,
            mid - 2.0,
            hyp.p5,
            hyp.p95
        )?;
        writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11.5\" fill=\"{MUTED}\">median {:.4}</text>",
            X1 + 16.0,
            mid + 14.0,
            hyp.p50
        )?;
    }
    axis(s, X0, X1, bottom, bottom + 2.0)?;
    let ly = bottom + 52.0;
    writeln!(
        s,
        "<rect x=\"{X0}\" y=\"{:.1}\" width=\"26\" height=\"12\" rx=\"3\" fill=\"{}\" fill-opacity=\"0.28\" stroke=\"{}\"/>",
        ly - 10.0,
        color(0),
        color(0)
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">5th to 95th percentile</text>",
        X0 + 34.0
    )?;
    let x = X0 + 200.0;
    writeln!(
        s,
        "<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"5.5\" fill=\"{}\"/>",
        ly - 4.0,
        color(0)
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">median</text>",
        x + 10.0
    )?;
    let x = x + 80.0;
    writeln!(
        s,
        "<path d=\"M{x:.1},{:.1} L{:.1},{:.1} L{x:.1},{:.1} L{:.1},{:.1} Z\" fill=\"{INK}\"/>",
        ly - 9.0,
        x + 5.0,
        ly - 4.0,
        ly + 1.0,
        x - 5.0,
        ly - 4.0
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">mean</text>",
        x + 10.0
    )?;
    let x = x + 70.0;
    writeln!(
        s,
        "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#c0281f\" stroke-width=\"2.2\"/>",
        ly - 12.0,
        ly + 3.0
    )?;
    writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{INK}\">exact posterior (credence report)</text>",
        x + 8.0
    )?;
    close(s, "")
}
