//! `credence graph`: the compiled network drawn as the analyst thinks of it,
//! in Graphviz DOT or Mermaid. Hypotheses, evidence items, reports labelled
//! by their source, relay chains (dashed where partial, with the strength),
//! latent reliability nodes, and each item's independent origins marked.
//!
//! Node ids are the BIF variable names of `credence export --format bif`, so
//! the drawing and the exported network name things alike.

use std::io::{self, Write};

use super::format::{up_to_three_decimals, wrap_words};
use crate::model::{Model, ReportId};
use crate::network::{Compiled, bif};

/// Output formats of the `graph` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// What a node of the drawing stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// The hypothesis node.
    Hypothesis,
    /// An evidence item's event.
    Item {
        /// No reports: observed true.
        established: bool,
    },
    /// A report, labelled by its source.
    Report {
        /// An independent origin of its item (relays nothing).
        origin: bool,
        /// False for a report held only second-hand.
        observed: bool,
    },
    /// A source's latent reliability node.
    Reliability,
}

/// A node of the drawing.
#[derive(Clone, Debug)]
pub struct GraphNode {
    /// Its id: the BIF variable name.
    pub id: String,
    /// What it stands for.
    pub kind: NodeKind,
    /// Lines of the label, unescaped.
    pub lines: Vec<String>,
}

/// What an edge of the drawing stands for.
#[derive(Clone, Debug, PartialEq)]
pub enum EdgeKind {
    /// Hypothesis to item: the item's likelihoods.
    Likelihood,
    /// Item to a report of it (the whole link).
    Direct,
    /// Item to a partial relay: the direct share 1 - s.
    DirectShare(f64),
    /// Report to the report relaying it, with strength s.
    Relay {
        /// The relay's strength s.
        strength: f64,
        /// The `[[dependencies]]` entry that made the link, if any.
        dependency: Option<String>,
    },
    /// Latent reliability to a report using it.
    Reliability,
}

/// An edge of the drawing, parent to child.
#[derive(Clone, Debug)]
pub struct GraphEdge {
    /// The parent node's id.
    pub from: String,
    /// The child node's id.
    pub to: String,
    /// What the edge stands for.
    pub kind: EdgeKind,
}

/// The drawing: nodes and edges in network order.
#[derive(Clone, Debug)]
pub struct GraphView {
    /// The model's title.
    pub title: String,
    /// In network order.
    pub nodes: Vec<GraphNode>,
    /// In network order.
    pub edges: Vec<GraphEdge>,
    /// Ids of disabled items (left out of the network).
    pub disabled: Vec<String>,
}

/// Build the drawing of a model from its compiled network.
pub fn build(model: &Model, compiled: &Compiled) -> GraphView {
    let net = &compiled.net;
    let ids = bif::variable_identifiers(net);
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let h = compiled.hypothesis;
    let mut lines = vec!["Hypotheses".to_string()];
    for x in &model.hypotheses {
        lines.extend(wrap_words(&format!("{}: {}", x.id, x.title), 48));
    }
    nodes.push(GraphNode {
        id: ids[h].clone(),
        kind: NodeKind::Hypothesis,
        lines,
    });
    for q in &compiled.reliability {
        let source = &model.sources[q.source.0];
        let range = source
            .latent_range()
            .map(|r| {
                format!(
                    "[{}, {}]",
                    up_to_three_decimals(r.low().get()),
                    up_to_three_decimals(r.high().get())
                )
            })
            .unwrap_or_default();
        nodes.push(GraphNode {
            id: ids[q.var].clone(),
            kind: NodeKind::Reliability,
            lines: wrap_words(&format!("reliability of {}", source.title), 36)
                .into_iter()
                .chain([format!("{range}, {} levels", q.levels.len())])
                .collect(),
        });
    }
    for item_nodes in &compiled.items {
        let item = &model.items[item_nodes.item.0];
        let event = item_nodes.event;
        let mut lines = vec![item.id.clone()];
        lines.extend(wrap_words(&item.claim, 36));
        if item_nodes.established {
            lines.push("(established)".into());
        }
        nodes.push(GraphNode {
            id: ids[event].clone(),
            kind: NodeKind::Item {
                established: item_nodes.established,
            },
            lines,
        });
        edges.push(GraphEdge {
            from: ids[h].clone(),
            to: ids[event].clone(),
            kind: EdgeKind::Likelihood,
        });
        let origins = item.origins();
        // Reports in network order: a relayed report is drawn before its relays.
        let mut order: Vec<(usize, usize)> = item_nodes
            .reports
            .iter()
            .enumerate()
            .map(|(r, &v)| (v, r))
            .collect();
        order.sort_unstable();
        for (v, r) in order {
            let report = &item.reports[r];
            let source = &model.sources[report.source.0];
            let mut lines = wrap_words(&source.title, 36);
            if report.id != source.id {
                lines.push(format!("[{}]", report.id));
            }
            let mut flags = Vec::new();
            if !report.asserts {
                flags.push("denies");
            }
            if !report.observed {
                flags.push("not held: latent");
            }
            if !flags.is_empty() {
                lines.push(format!("({})", flags.join(", ")));
            }
            nodes.push(GraphNode {
                id: ids[v].clone(),
                kind: NodeKind::Report {
                    origin: origins.independent.contains(&ReportId(r)),
                    observed: report.observed,
                },
                lines,
            });
            let strength = report.via.as_ref().map_or(0.0, |l| l.strength.get());
            for &p in &net.node(v).parents {
                let kind = if p == event {
                    if strength > 0.0 {
                        EdgeKind::DirectShare(1.0 - strength)
                    } else {
                        EdgeKind::Direct
                    }
                } else if compiled.reliability.iter().any(|q| q.var == p) {
                    EdgeKind::Reliability
                } else {
                    let dependency = report.via.as_ref().and_then(|l| l.dependency).map(|d| {
                        let dep = &model.dependencies[d.0];
                        dep.id.clone().unwrap_or_else(|| {
                            dep.sources
                                .iter()
                                .map(|s| model.sources[s.0].id.as_str())
                                .collect::<Vec<_>>()
                                .join("+")
                        })
                    });
                    EdgeKind::Relay {
                        strength,
                        dependency,
                    }
                };
                edges.push(GraphEdge {
                    from: ids[p].clone(),
                    to: ids[v].clone(),
                    kind,
                });
            }
        }
    }
    GraphView {
        title: model.meta.title.clone(),
        nodes,
        edges,
        disabled: model
            .items
            .iter()
            .filter(|i| !i.enabled)
            .map(|i| i.id.clone())
            .collect(),
    }
}

fn relay_label(strength: f64, dependency: &Option<String>) -> String {
    let mut label = if strength < 1.0 {
        format!("relays, s={}", up_to_three_decimals(strength))
    } else {
        "relays".to_string()
    };
    if let Some(d) = dependency {
        label.push_str(&format!(" (dependency {d})"));
    }
    label
}

/// Text for a quoted DOT string: backslashes and quotes escaped (so no
/// user text can start a Graphviz escape such as `\N`), newlines dropped.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' | '\t' => out.push(' '),
            // Other control, bidirectional and invisible characters are
            // shown as escapes (`\u{202E}`), their backslash escaped.
            c if crate::escape::is_hidden(c) => {
                out.push_str(&crate::escape::escape_char(c).replace('\\', "\\\\"))
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for a quoted Mermaid label: Mermaid's `#name;` entity codes for
/// every character that could end the label or start markup.
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            ';' => out.push_str("#59;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if crate::escape::is_hidden(c) => out.push_str(&crate::escape::escape_char(c)),
            c => out.push(c),
        }
    }
    out
}

/// One line of free text for a comment.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Write the drawing in `format`.
pub fn write(view: &GraphView, format: GraphFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        GraphFormat::Dot => write_dot(view, out),
        GraphFormat::Mermaid => write_mermaid(view, out),
    }
}

fn write_dot(view: &GraphView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph credence {{")?;
    writeln!(
        out,
        "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"{}\"];",
        dot_escape(&view.title)
    )?;
    writeln!(out, "  node [fontname=\"Helvetica\", fontsize=10];")?;
    writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
    writeln!(
        out,
        "  // Gray fill: evidence (observed reports, established items). Double border: an independent origin. Dashed border: a report held only second-hand."
    )?;
    for id in &view.disabled {
        writeln!(out, "  // disabled, not drawn: {}", comment(id))?;
    }
    for node in &view.nodes {
        let label = node
            .lines
            .iter()
            .map(|l| dot_escape(l))
            .collect::<Vec<_>>()
            .join("\\n");
        let attrs = match &node.kind {
            NodeKind::Hypothesis => "shape=box, style=\"rounded,bold\"".to_string(),
            NodeKind::Item { established } => {
                if *established {
                    "shape=ellipse, style=filled, fillcolor=\"#dddddd\"".to_string()
                } else {
                    "shape=ellipse".to_string()
                }
            }
            NodeKind::Report { origin, observed } => {
                let mut a = String::from("shape=box");
                if *observed {
                    a.push_str(", style=filled, fillcolor=\"#dddddd\"");
                } else {
                    a.push_str(", style=dashed");
                }
                if *origin {
                    a.push_str(", peripheries=2, penwidth=2");
                }
                a
            }
            NodeKind::Reliability => "shape=diamond, style=dashed".to_string(),
        };
        writeln!(out, "  \"{}\" [{attrs}, label=\"{label}\"];", node.id)?;
    }
    for edge in &view.edges {
        let attrs = match &edge.kind {
            EdgeKind::Likelihood | EdgeKind::Direct => String::new(),
            EdgeKind::DirectShare(share) => {
                format!(
                    " [style=dotted, label=\"direct {}\"]",
                    up_to_three_decimals(*share)
                )
            }
            EdgeKind::Relay {
                strength,
                dependency,
            } => {
                let style = if *strength < 1.0 { "dashed" } else { "solid" };
                format!(
                    " [style={style}, label=\"{}\"]",
                    dot_escape(&relay_label(*strength, dependency))
                )
            }
            EdgeKind::Reliability => " [style=dashed, arrowhead=empty]".to_string(),
        };
        writeln!(out, "  \"{}\" -> \"{}\"{attrs};", edge.from, edge.to)?;
    }
    writeln!(out, "}}")
}

fn write_mermaid(view: &GraphView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    writeln!(out, "  %% {}", mermaid_escape(&comment(&view.title)))?;
    writeln!(
        out,
        "  %% Gray fill: evidence. Thick border: an independent origin. Dashed border: a report held only second-hand."
    )?;
    for id in &view.disabled {
        writeln!(
            out,
            "  %% disabled, not drawn: {}",
            mermaid_escape(&comment(id))
        )?;
    }
    let mut origin = Vec::new();
    let mut evidence = Vec::new();
    let mut latent = Vec::new();
    for node in &view.nodes {
        let label = node
            .lines
            .iter()
            .map(|l| mermaid_escape(l))
            .collect::<Vec<_>>()
            .join("<br/>");
        let (open, close) = match &node.kind {
            NodeKind::Hypothesis => ("{{\"", "\"}}"),
            NodeKind::Item { established } => {
                if *established {
                    evidence.push(node.id.as_str());
                }
                ("([\"", "\"])")
            }
            NodeKind::Report {
                origin: o,
                observed,
            } => {
                if *o {
                    origin.push(node.id.as_str());
                }
                if *observed {
                    evidence.push(node.id.as_str());
                } else {
                    latent.push(node.id.as_str());
                }
                ("[\"", "\"]")
            }
            NodeKind::Reliability => {
                latent.push(node.id.as_str());
                ("{\"", "\"}")
            }
        };
        writeln!(out, "  {}{open}{label}{close}", node.id)?;
    }
    for edge in &view.edges {
        let arrow = match &edge.kind {
            EdgeKind::Likelihood | EdgeKind::Direct => "-->".to_string(),
            EdgeKind::DirectShare(share) => {
                format!("-.->|\"direct {}\"|", up_to_three_decimals(*share))
            }
            EdgeKind::Relay {
                strength,
                dependency,
            } => {
                let label = mermaid_escape(&relay_label(*strength, dependency));
                if *strength < 1.0 {
                    format!("-.->|\"{label}\"|")
                } else {
                    format!("-->|\"{label}\"|")
                }
            }
            EdgeKind::Reliability => "-.->".to_string(),
        };
        writeln!(out, "  {} {arrow} {}", edge.from, edge.to)?;
    }
    writeln!(out, "  classDef evidence fill:#dddddd")?;
    writeln!(out, "  classDef origin stroke-width:4px")?;
    writeln!(out, "  classDef latent stroke-dasharray:5 5")?;
    for (class, ids) in [
        ("evidence", &evidence),
        ("origin", &origin),
        ("latent", &latent),
    ] {
        if !ids.is_empty() {
            writeln!(out, "  class {} {class}", ids.join(","))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(dot_escape("a \"b\" \\N\nc"), "a \\\"b\\\" \\\\N c");
        assert_eq!(
            mermaid_escape("<script>\"x\"#1;`"),
            "#lt;script#gt;#quot;x#quot;#35;1#59;#96;"
        );
        // Control and bidirectional characters are shown, not passed on.
        assert_eq!(dot_escape("a\u{1b}b\u{202E}"), "a\\\\u{1B}b\\\\u{202E}");
        assert_eq!(mermaid_escape("a\u{7}b\t"), "a\\u{7}b ");
    }
}
