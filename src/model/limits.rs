//! Resource limits on model files (docs/FORMAT.md, "Limits").
//!
//! Real models are a few hundred lines; these caps are far above them and
//! exist so that a hostile or broken file cannot make credence hang, print
//! gigabytes, or exhaust memory. Each is checked before the model is
//! validated, and each refusal names the limit.

use toml::de::{DeTable, DeValue};

use crate::diag::Diagnostic;

/// Longest line: a diagnostic prints its line, so a many-megabyte line would
/// be printed once per error.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Tables and arrays nested deeper than this are a TOML syntax error (the
/// TOML reader's own limit, which keeps parsing off the stack's edge).
pub const MAX_NESTING: usize = 80;
/// Hypotheses in one model.
pub const MAX_HYPOTHESES: usize = 1_000;
/// `[[groups]]` entries.
pub const MAX_GROUPS: usize = 1_000;
/// Sources in one model.
pub const MAX_SOURCES: usize = 10_000;
/// Evidence items in one model (the file size binds first, near 250,000).
pub const MAX_ITEMS: usize = 1_000_000;
/// Reports over all items.
pub const MAX_REPORTS: usize = 500_000;
/// `[[dependencies]]` entries.
pub const MAX_DEPENDENCIES: usize = 1_000;
/// `[[scenarios]]` entries.
pub const MAX_SCENARIOS: usize = 1_000;
/// Overrides over all scenarios.
pub const MAX_OVERRIDES: usize = 10_000;
/// Relays between a report and its origin (an origin is at depth 0).
pub const MAX_RELAY_DEPTH: usize = 100;
/// Entries of each `[scales]` table.
pub const MAX_SCALE_TERMS: usize = 100;

/// The first line longer than [`MAX_LINE_BYTES`], as an error without a span
/// (a span would print the line).
pub fn long_line(text: &str) -> Option<Diagnostic> {
    // Lines end as diagnostics count them: at LF, CRLF or a lone CR.
    let starts = crate::diag::line_starts(text);
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    let (index, length) = starts
        .iter()
        .zip(ends)
        .map(|(&start, end)| text[start..end].trim_end_matches(['\r', '\n']).len())
        .enumerate()
        .find(|(_, length)| *length > MAX_LINE_BYTES)?;
    Some(
        Diagnostic::error(format!(
            "line {} is {} bytes long, over the limit of {MAX_LINE_BYTES} bytes per line",
            index + 1,
            length
        ))
        .hint("break long arrays and inline tables over several lines, and long text into a multi-line string (\"\"\"...\"\"\")"),
    )
}

/// The evidence items and their reports, counted one item at a time, with
/// where each count first passed its cap.
#[derive(Debug, Default)]
pub struct EvidenceTally {
    items: usize,
    first_item_over: Option<std::ops::Range<usize>>,
    reports: usize,
    first_report_over: Option<std::ops::Range<usize>>,
}

impl EvidenceTally {
    /// Counts one entry of the evidence array.
    /// Counts one item whose spans are `base` bytes into the file.
    pub fn add(&mut self, item: &Node<'_>, base: usize) {
        let at = |s: std::ops::Range<usize>| s.start + base..s.end + base;
        self.items += 1;
        if self.items == MAX_ITEMS + 1 {
            self.first_item_over = Some(at(item.span()));
        }
        let DeValue::Table(t) = item.get_ref() else {
            return;
        };
        let list = t.get("reports").map_or(&[][..], |n| match n.get_ref() {
            DeValue::Array(a) => &a[..],
            _ => &[],
        });
        if self.first_report_over.is_none() && self.reports + list.len() > MAX_REPORTS {
            self.first_report_over = Some(at(list[MAX_REPORTS - self.reports].span()));
        }
        self.reports += list.len();
    }

    /// The tally of the evidence array in `root`.
    pub fn of(root: &DeTable<'_>) -> EvidenceTally {
        let mut tally = EvidenceTally::default();
        for item in array(root, "evidence") {
            tally.add(item, 0);
        }
        tally
    }
}

/// Counts over their caps, each pointing at the first entry past the cap.
/// The evidence items are counted in `evidence` (from `root` when they are
/// in the tree).
pub fn counts(root: &DeTable<'_>, evidence: &EvidenceTally) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let lists = [
        ("hypotheses", "hypotheses", MAX_HYPOTHESES),
        ("groups", "groups", MAX_GROUPS),
        ("sources", "sources", MAX_SOURCES),
        ("evidence", "evidence items", MAX_ITEMS),
        ("dependencies", "dependencies", MAX_DEPENDENCIES),
        ("scenarios", "scenarios", MAX_SCENARIOS),
    ];
    for (key, what, max) in lists {
        if key == "evidence" {
            if let Some(span) = &evidence.first_item_over {
                out.push(over(what, evidence.items, max, span.clone()));
            }
            continue;
        }
        let entries = array(root, key);
        if entries.len() > max {
            out.push(over(what, entries.len(), max, entries[max].span()));
        }
    }

    if let Some(span) = &evidence.first_report_over {
        out.push(over("reports", evidence.reports, MAX_REPORTS, span.clone()));
    }

    let mut overrides = 0usize;
    let mut first_over = None;
    for scenario in array(root, "scenarios") {
        let DeValue::Table(t) = scenario.get_ref() else {
            continue;
        };
        for (key, value) in t.iter() {
            let name: &str = key.get_ref();
            if matches!(name, "id" | "title" | "why") {
                continue;
            }
            leaves(value, &mut |span| {
                overrides += 1;
                if overrides == MAX_OVERRIDES + 1 {
                    first_over = Some(span);
                }
            });
        }
    }
    if let Some(span) = first_over {
        out.push(over("scenario overrides", overrides, MAX_OVERRIDES, span));
    }

    if let Some(DeValue::Table(scales)) = root.get("scales").map(|n| n.get_ref()) {
        for (name, table) in scales.iter() {
            if let DeValue::Table(t) = table.get_ref()
                && t.len() > MAX_SCALE_TERMS
            {
                let span = t
                    .iter()
                    .nth(MAX_SCALE_TERMS)
                    .map_or_else(|| table.span(), |(k, _)| k.span());
                out.push(over(
                    &format!("entries in [scales.{}]", name.get_ref()),
                    t.len(),
                    MAX_SCALE_TERMS,
                    span,
                ));
            }
        }
    }
    out
}

type Node<'i> = toml::Spanned<DeValue<'i>>;

fn array<'t, 'i>(root: &'t DeTable<'i>, key: &str) -> &'t [Node<'i>] {
    match root.get(key).map(|n| n.get_ref()) {
        Some(DeValue::Array(a)) => &a[..],
        _ => &[],
    }
}

/// Calls `f` with the span of every non-table value under `node`. Depth is
/// bounded by the TOML reader's nesting limit.
fn leaves(node: &Node<'_>, f: &mut dyn FnMut(std::ops::Range<usize>)) {
    match node.get_ref() {
        DeValue::Table(t) => {
            for (_, v) in t.iter() {
                leaves(v, f);
            }
        }
        _ => f(node.span()),
    }
}

fn over(what: &str, found: usize, max: usize, span: std::ops::Range<usize>) -> Diagnostic {
    Diagnostic::error(format!(
        "too many {what}: {found}, over the limit of {max}"
    ))
    .at(span.start..span.start + 1)
    .label(format!("entry {} and on are past the limit", max + 1))
    .hint("see \"Limits\" in docs/FORMAT.md; split the model, or check that it was generated as intended")
}
