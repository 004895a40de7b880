//! The evidence graph as SVG: the hypothesis node, the evidence items, their
//! reports and relay chains, independent origins highlighted. A layered,
//! deterministic layout: columns are hypothesis → items → origin reports →
//! relays by depth; each item's reports are laid out as a tree listing
//! (pre-order, a chain on one row), so nothing depends on iteration order
//! of anything but the model.

use std::fmt::{self, Write as _};

use super::super::doc::figure::{EvidenceGraph, GraphItem};
use super::super::format::count_of;
use super::svg::{INK, MUTED, label};
use super::{clip, esc};

const TOP: f64 = 34.0;
const ROW: f64 = 28.0;
const NODE_H: f64 = 21.0;
const ITEM_GAP: f64 = 10.0;
const H_W: f64 = 118.0;
const TRUNK: f64 = 132.0;
const ITEM_X: f64 = 146.0;
const ITEM_W: f64 = 180.0;
const REP_X: f64 = 362.0;
const REP_W: f64 = 160.0;
const REP_STEP: f64 = 190.0;
/// Past this many reports the drawing would be unreadable (and large); the
/// page says so and points to `credence graph`.
const MAX_REPORTS: usize = 2500;

/// Where an item's reports go: depth (column) and row within the item.
struct ItemLayout {
    depth: Vec<usize>,
    row: Vec<usize>,
    parent: Vec<Option<usize>>,
    rows: usize,
}

fn layout(e: &GraphItem<'_>) -> ItemLayout {
    let reps = &e.reports;
    let n = reps.len();
    let parent: Vec<Option<usize>> = reps
        .iter()
        .enumerate()
        .map(|(j, r)| {
            r.via
                .and_then(|v| reps.iter().position(|p| p.id == v))
                .filter(|&p| p != j)
        })
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (j, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(j);
        }
    }
    // Pre-order from the origins, children in model order. Validation
    // rejects cycles; a report never reached is still drawn, as a root.
    let mut visited = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut depth = vec![0usize; n];
    let roots: Vec<usize> = (0..n).filter(|&j| parent[j].is_none()).collect();
    let mut pending: Vec<usize> = roots.iter().rev().copied().collect();
    let mut tree_children: Vec<Vec<usize>> = vec![Vec::new(); n];
    loop {
        while let Some(j) = pending.pop() {
            if visited[j] {
                continue;
            }
            visited[j] = true;
            order.push(j);
            for &c in children[j].iter().rev() {
                if !visited[c] {
                    depth[c] = depth[j] + 1;
                    pending.push(c);
                }
            }
            tree_children[j] = children[j]
                .iter()
                .copied()
                .filter(|&c| !visited[c])
                .collect();
        }
        match (0..n).find(|&j| !visited[j]) {
            Some(j) => pending.push(j),
            None => break,
        }
    }
    let mut row = vec![0usize; n];
    let mut next = 0;
    for &j in &order {
        if tree_children[j].is_empty() {
            row[j] = next;
            next += 1;
        }
    }
    for &j in order.iter().rev() {
        if let Some(&first) = tree_children[j].first() {
            row[j] = row[first];
        }
    }
    ItemLayout {
        depth,
        row,
        parent,
        rows: next.max(1),
    }
}

fn edge(s: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, style: &str) -> fmt::Result {
    let dx = ((x2 - x1) / 2.0).max(12.0);
    writeln!(
        s,
        "<path d=\"M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}\" fill=\"none\" {style} marker-end=\"url(#credence-arrow)\"/>",
        x1 + dx,
        x2 - dx
    )
}

fn col_x(depth: usize) -> f64 {
    REP_X + depth as f64 * REP_STEP
}

fn legend(s: &mut String) -> fmt::Result {
    writeln!(
        s,
        "<p class=\"legend\"><span class=\"gl item\">evidence item</span><span class=\"gl given\">item with no reports (given)</span><span class=\"gl origin\">independent origin</span><span class=\"gl relay\">relay</span><span class=\"gl latent\">not in hand (latent)</span><span class=\"gl relay\">¬ denies the claim</span> <svg width=\"34\" height=\"10\" viewBox=\"0 0 34 10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" x2=\"33\" y2=\"5\" stroke=\"#57606a\" stroke-width=\"1.5\"/></svg> relays <svg width=\"34\" height=\"10\" viewBox=\"0 0 34 10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" x2=\"33\" y2=\"5\" stroke=\"#57606a\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/></svg> relays in part (also reports the event directly)</p>"
    )
}

pub fn evidence_graph(s: &mut String, v: &EvidenceGraph<'_>) -> fmt::Result {
    if v.items.is_empty() {
        return Ok(());
    }
    let total: usize = v.items.iter().map(|e| e.reports.len()).sum();
    if total > MAX_REPORTS {
        return writeln!(
            s,
            "<p class=\"note\">The graph of {total} reports is too large to draw here; <code>credence graph</code> writes it as DOT or Mermaid.</p>"
        );
    }
    let layouts: Vec<ItemLayout> = v.items.iter().map(layout).collect();
    let max_depth = layouts.iter().flat_map(|l| l.depth.iter().copied()).max();
    let width = match max_depth {
        Some(d) => col_x(d) + REP_W + 6.0,
        None => ITEM_X + ITEM_W + 6.0,
    };
    let hyp_h = 26.0 + 15.0 * v.hypotheses.len() as f64;
    let mut tops = Vec::with_capacity(layouts.len());
    let mut y = TOP;
    for l in &layouts {
        tops.push(y);
        y += l.rows as f64 * ROW + ITEM_GAP;
    }
    let height = y.max(TOP + hyp_h) + 6.0;

    legend(s)?;
    writeln!(s, "<figure class=\"chart graph\">")?;
    writeln!(
        s,
        "<svg viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"Evidence graph: hypotheses, evidence items, reports and relay chains\">"
    )?;
    writeln!(
        s,
        "<defs><marker id=\"credence-arrow\" viewBox=\"0 0 8 8\" refX=\"7.5\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 Z\" fill=\"#6e7781\"/></marker></defs>"
    )?;
    let header = |s: &mut String, x: f64, t: &str| {
        writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"16\" font-size=\"11.5\" font-weight=\"650\" fill=\"{MUTED}\" letter-spacing=\"0.04em\">{t}</text>"
        )
    };
    header(s, 0.0, "HYPOTHESIS")?;
    header(s, ITEM_X, "EVIDENCE ITEMS")?;
    if let Some(d) = max_depth {
        header(s, col_x(0), "ORIGIN REPORTS")?;
        for k in 1..=d {
            header(s, col_x(k), &format!("RELAYS, DEPTH {k}"))?;
        }
    }

    // Hypothesis node and the bus to every item.
    let mid = |top: f64| top + NODE_H / 2.0;
    let last = tops.last().copied().map_or(TOP, mid);
    writeln!(
        s,
        "<path d=\"M{H_W:.1},{:.1} H{TRUNK:.1} V{last:.1}\" fill=\"none\" stroke=\"#6e7781\" stroke-width=\"1.4\"/>",
        mid(TOP)
    )?;
    for &top in &tops {
        writeln!(
            s,
            "<path d=\"M{TRUNK:.1},{:.1} H{:.1}\" fill=\"none\" stroke=\"#6e7781\" stroke-width=\"1.4\" marker-end=\"url(#credence-arrow)\"/>",
            mid(top),
            ITEM_X - 1.0
        )?;
    }
    writeln!(
        s,
        "<rect x=\"0.8\" y=\"{TOP:.1}\" width=\"{:.1}\" height=\"{hyp_h:.1}\" rx=\"6\" fill=\"#eaf1fb\" stroke=\"#1f5fbf\" stroke-width=\"1.6\"/>",
        H_W - 1.6
    )?;
    writeln!(
        s,
        "<text x=\"10\" y=\"{:.1}\" font-size=\"12\" font-weight=\"650\" fill=\"#1f5fbf\">Hypothesis</text>",
        TOP + 17.0
    )?;
    for (k, h) in v.hypotheses.iter().enumerate() {
        let y = TOP + 34.0 + 15.0 * k as f64;
        let text = if h.leading {
            format!("{} ★", clip(h.id, 14))
        } else {
            clip(h.id, 16)
        };
        writeln!(
            s,
            "<text x=\"10\" y=\"{y:.1}\" font-size=\"11.5\" fill=\"{INK}\"><title>{}: {} (posterior {:.4})</title>{}</text>",
            esc(h.id),
            esc(h.title),
            h.posterior,
            esc(&text)
        )?;
    }

    for (e, (l, &top)) in v.items.iter().zip(layouts.iter().zip(&tops)) {
        let reps = &e.reports;
        let y_of = |j: usize| top + l.row[j] as f64 * ROW;
        // Edges first, so nodes sit on top of them.
        for (j, r) in reps.iter().enumerate() {
            let (x2, y2) = (col_x(l.depth[j]) - 1.0, mid(y_of(j)));
            match l.parent[j] {
                None => edge(
                    s,
                    ITEM_X + ITEM_W,
                    mid(top),
                    x2,
                    y2,
                    "stroke=\"#8c959f\" stroke-width=\"1.2\"",
                )?,
                Some(p) => {
                    let partial = r.strength.is_some_and(|x| x < 1.0);
                    let style = if partial {
                        "stroke=\"#57606a\" stroke-width=\"1.4\" stroke-dasharray=\"5 3\""
                    } else {
                        "stroke=\"#57606a\" stroke-width=\"1.4\""
                    };
                    edge(s, col_x(l.depth[p]) + REP_W, mid(y_of(p)), x2, y2, style)?;
                }
            }
        }
        let (fill, stroke, dash) = if e.established {
            ("#f3f4f6", "#8c959f", "")
        } else {
            ("#fff5d6", "#bf8700", "")
        };
        let (opacity, dash) = if e.enabled {
            ("", dash)
        } else {
            (" opacity=\"0.5\"", " stroke-dasharray=\"4 3\"")
        };
        let mut tip = format!("{}: {}", e.id, e.claim);
        if e.established {
            tip.push_str(" (no reports: taken as established)");
        }
        if !e.enabled {
            tip.push_str(" (disabled)");
        }
        tip.push_str(&format!(
            " — {}, {}",
            count_of(e.report_count as u64, "report", "reports"),
            count_of(
                e.origin_count as u64,
                "independent origin",
                "independent origins"
            )
        ));
        writeln!(s, "<g{opacity}><title>{}</title>", esc(&tip))?;
        writeln!(
            s,
            "<rect x=\"{ITEM_X:.1}\" y=\"{top:.1}\" width=\"{ITEM_W:.1}\" height=\"{NODE_H:.1}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.3\"{dash}/>"
        )?;
        let badge = if e.report_count > 1 {
            format!("{}→{}", e.report_count, e.origin_count)
        } else {
            String::new()
        };
        let room = if badge.is_empty() { 22 } else { 18 };
        label(
            s,
            ITEM_X + 7.0,
            top + 15.0,
            &format!("font-size=\"12\" font-weight=\"600\" fill=\"{INK}\""),
            e.id,
            room,
        )?;
        if !badge.is_empty() {
            writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10.5\" fill=\"{MUTED}\" text-anchor=\"end\">{badge}</text>",
                ITEM_X + ITEM_W - 6.0,
                top + 15.0
            )?;
        }
        writeln!(s, "</g>")?;

        for (j, r) in reps.iter().enumerate() {
            let x = col_x(l.depth[j]);
            let y = y_of(j);
            let origin = l.parent[j].is_none();
            let (fill, stroke, width) = if origin {
                ("#e9f7ee", "#1a7f37", 2.0)
            } else {
                ("#ffffff", "#8c959f", 1.2)
            };
            let dash = if r.observed {
                ""
            } else {
                " stroke-dasharray=\"4 3\""
            };
            let mut tip = format!("report {} by {}", r.id, r.source);
            if let Some(via) = r.via {
                tip.push_str(&format!(", relays {via}"));
                if let Some(st) = r.strength.filter(|x| *x < 1.0) {
                    tip.push_str(&format!(" (strength {st})"));
                }
            } else {
                tip.push_str(", independent origin");
            }
            tip.push_str(if r.asserts {
                "; asserts the claim"
            } else {
                "; denies the claim"
            });
            if !r.observed {
                tip.push_str("; not in hand (latent)");
            }
            tip.push_str(&format!(
                "; hit {:.4}, false alarm {:.4}",
                r.hit, r.false_alarm
            ));
            if let Some(doc) = r.document {
                tip.push_str(&format!("; document {doc}"));
            }
            let name = if r.id == r.source {
                r.id.to_string()
            } else {
                format!("{} · {}", r.id, r.source)
            };
            let shown = if r.asserts {
                clip(&name, 21)
            } else {
                format!("¬ {}", clip(&name, 19))
            };
            let text_style = if r.observed {
                format!("fill=\"{INK}\"")
            } else {
                format!("fill=\"{MUTED}\" font-style=\"italic\"")
            };
            writeln!(s, "<g><title>{}</title>", esc(&tip))?;
            writeln!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{REP_W:.1}\" height=\"{NODE_H:.1}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>"
            )?;
            writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11.5\" {text_style}>{}</text>",
                x + 7.0,
                y + 14.5,
                esc(&shown)
            )?;
            writeln!(s, "</g>")?;
        }
    }
    writeln!(s, "</svg>")?;
    writeln!(
        s,
        "<figcaption>Each item's reports: origins in the first report column, each relay to the right of what it repeats. Hover a node for its details.</figcaption>"
    )?;
    writeln!(s, "</figure>")
}

#[cfg(test)]
mod tests {
    use super::super::super::doc::figure::GraphReport;
    use super::*;

    fn rep<'a>(id: &'a str, via: Option<&'a str>) -> GraphReport<'a> {
        GraphReport {
            id,
            source: id,
            via,
            strength: via.map(|_| 1.0),
            observed: true,
            asserts: true,
            hit: 0.8,
            false_alarm: 0.2,
            document: None,
        }
    }

    #[test]
    fn chains_share_a_row_and_branches_take_new_ones() {
        let e = GraphItem {
            id: "e",
            claim: "",
            enabled: true,
            established: false,
            report_count: 5,
            origin_count: 2,
            reports: vec![
                rep("a", None),
                rep("b", Some("a")),
                rep("c", Some("a")),
                rep("d", None),
                rep("e", Some("b")),
            ],
        };
        let l = layout(&e);
        assert_eq!(l.depth, vec![0, 1, 1, 0, 2]);
        // a -> b -> e on row 0, c on row 1, d on row 2.
        assert_eq!(l.row, vec![0, 0, 1, 2, 0]);
        assert_eq!(l.rows, 3);
    }
}
