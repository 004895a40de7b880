//! The `compare` document: the models side by side with their pools and
//! spread, the cruxes of their disagreement, what does not align, and the
//! ACH consensus board.

use super::super::compare::CompareView;
use super::super::format::{count_of, four_decimals, signed_four_decimals};
use super::{Cell, Doc, Line, Table, Tone, change_cell, code, strong, text, words};

/// Cruxes shown in the table; JSON lists every one.
pub const SHOWN_CRUXES: usize = 25;

/// Text whose ids are in backticks (the bottom line's sentence) as words
/// and code spans.
fn ticked(text: &str) -> Line {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(k, part)| if k % 2 == 1 { code(part) } else { words(part) })
        .collect()
}

fn models(d: &mut Doc<'_>, view: &CompareView) {
    d.h2("Posteriors side by side");
    let mut header = vec![text("Model")];
    header.extend(view.hypotheses.iter().map(|h| vec![code(&h.id)]));
    header.extend(["Leading", "Bottom line"].map(text));
    let k = view.hypotheses.len();
    let mut tab = Table::new(header, &(1..=k).collect::<Vec<_>>());
    for m in &view.models {
        let mut row = vec![Cell::code(&m.name).with_subline(&m.title)];
        row.extend(view.hypotheses.iter().map(|h| {
            let p = m.posterior.get(&h.id).copied().unwrap_or(0.0);
            let cell = Cell::text(four_decimals(p));
            if h.id == m.leading {
                cell.tone(Tone::Leading)
            } else {
                cell
            }
        }));
        row.push(Cell::code(&m.leading));
        row.push(match &m.bottom_line {
            Some(b) => Cell::text(format!("{}, {} confidence", b.likelihood, b.confidence)),
            None => Cell::text("none").tone(Tone::Muted),
        });
        tab.row(row);
    }
    tab.start_summary();
    let mut linear = vec![Cell::text("Linear pool (mean)").tone(Tone::Leading)];
    linear.extend(view.hypotheses.iter().map(|h| {
        Cell::text(four_decimals(
            view.pools.linear.get(&h.id).copied().unwrap_or(0.0),
        ))
    }));
    linear.push(Cell::code(&view.pools.linear_leading));
    linear.push(Cell::empty());
    tab.row(linear);
    let mut log = vec![Cell::text("Logarithmic pool (geometric)").tone(Tone::Leading)];
    match &view.pools.logarithmic {
        Some(pool) => {
            log.extend(
                view.hypotheses
                    .iter()
                    .map(|h| Cell::text(four_decimals(pool.get(&h.id).copied().unwrap_or(0.0)))),
            );
            log.push(Cell::code(
                view.pools.logarithmic_leading.clone().unwrap_or_default(),
            ));
        }
        None => {
            log.extend((0..k).map(|_| Cell::text("n/a").tone(Tone::Muted)));
            log.push(Cell::text("every hypothesis ruled out by some model").tone(Tone::Muted));
        }
    }
    log.push(Cell::empty());
    tab.row(log);
    let mut spread = vec![Cell::text("Spread (max - min)")];
    spread.extend(view.spread.iter().map(|s| {
        let cell = Cell::text(four_decimals(s.range));
        if s.range >= 0.1 {
            cell.tone(Tone::Warning)
        } else {
            cell
        }
    }));
    spread.extend([Cell::empty(), Cell::empty()]);
    tab.row(spread);
    d.table(tab);
    if !view.same_hypotheses {
        d.note("The models do not have the same hypotheses: each posterior above is conditioned on the hypotheses they share (renormalised over them), and so are the pools, the spread and the cruxes. Priors are not compared.");
    }
    d.note("Linear pool: the mean of the posteriors, the consensus of a mixture of the analysts (it keeps unanimity on any event). Logarithmic pool: the normalised geometric mean, externally Bayesian, treating the analysts as independent evidence (docs/COMPARE.md).");
    d.h2("Bottom lines");
    d.list(
        view.models
            .iter()
            .map(|m| {
                let mut line: Line = vec![code(&m.name), words(": ")];
                match (&m.bottom_line, &m.bottom_line_error) {
                    (Some(b), _) => line.extend(ticked(&b.text)),
                    (None, Some(e)) => line.push(words(format!("no bottom line ({e})"))),
                    (None, None) => line.push(words("no bottom line")),
                }
                line
            })
            .collect(),
    );
}

fn cruxes(d: &mut Doc<'_>, view: &CompareView) {
    d.h2("Cruxes");
    d.note(format!(
        "Each parameter on which the models differ, and what adopting another model's value alone does to each model's P({}) (the linear pool's leader), exactly, with everything else as that model has it. Largest effect first.",
        view.ranking_hypothesis
    ));
    d.list(view.pairs.iter().map(|p| text(&p.sentence)).collect());
    if view.cruxes.is_empty() {
        d.para(text(
            "The models differ on no parameter that one could take from another.",
        ));
    } else {
        let mut header = vec![text("Parameter")];
        header.extend(view.models.iter().map(|m| vec![code(&m.name)]));
        header.push(vec![words(format!(
            "Effect on P({})",
            view.ranking_hypothesis
        ))]);
        let n = view.models.len();
        let mut tab = Table::new(header, &[n + 1]);
        for c in view.cruxes.iter().take(SHOWN_CRUXES) {
            let mut row = vec![Cell::code(&c.path).with_subline(&c.label)];
            row.extend(c.values.0.iter().map(|(_, v)| match v {
                Some(v) => Cell::text(v),
                None => Cell::text("absent").tone(Tone::Muted),
            }));
            row.push(change_cell(c.effect, signed_four_decimals(c.effect)));
            tab.row(row);
        }
        d.table(tab);
        if view.cruxes.len() > SHOWN_CRUXES {
            d.note(format!(
                "{} more cruxes, smaller, in --format json.",
                view.cruxes.len() - SHOWN_CRUXES
            ));
        }
    }
    if !view.not_adopted.is_empty() {
        d.note(format!(
            "{} could not be carried from one model to another:",
            count_of(view.not_adopted.len() as u64, "value", "values")
        ));
        d.list(
            view.not_adopted
                .iter()
                .map(|x| {
                    vec![
                        code(&x.path),
                        words(format!(" into {} from {}: {}", x.model, x.from, x.reason)),
                    ]
                })
                .collect(),
        );
    }
}

fn alignment(d: &mut Doc<'_>, view: &CompareView) {
    d.h2("Alignment");
    d.para(vec![words(format!(
        "Aligned by id: {} hypotheses, {} and {} in every model.",
        view.hypotheses.len(),
        count_of(view.alignment.shared_items as u64, "item", "items"),
        count_of(view.alignment.shared_sources as u64, "source", "sources"),
    ))]);
    if view.alignment.misaligned.is_empty() {
        d.para(text(
            "Everything aligns: every id is in every model and says the same.",
        ));
        return;
    }
    let mut tab = Table::plain(&["Kind", "Id", "In", "Not in", "What differs"], &[]);
    for x in &view.alignment.misaligned {
        let differs = match &x.differs {
            Some(said) => said
                .0
                .iter()
                .map(|(m, s)| format!("{m}: {s}"))
                .collect::<Vec<_>>()
                .join(" | "),
            None => String::new(),
        };
        tab.row(vec![
            Cell::text(x.kind),
            Cell::code(&x.id),
            Cell::text(x.present_in.join(", ")),
            if x.missing_from.is_empty() {
                Cell::text("-").tone(Tone::Muted)
            } else {
                Cell::text(x.missing_from.join(", ")).tone(Tone::Warning)
            },
            Cell::text(differs),
        ]);
    }
    d.table(tab);
}

fn consensus(d: &mut Doc<'_>, view: &CompareView) {
    d.h2("ACH consensus");
    d.note(format!(
        "Open Synthesis's rule per cell: each model's rating (as credence ach gives it; NA where the item is absent or disabled); the consensus is NA when more models lack the item than rate it, else the mean rating (CC 5, C 4, N 3, I 2, II 1) rounded, a half toward N; the disagreement is the larger sample standard deviation of the ratings and of rated-or-not; a cell is disputed (!) at {} or more.",
        view.ach.disputed_at
    ));
    let mut header = vec![text("Item")];
    header.extend(view.hypotheses.iter().map(|h| vec![code(&h.id)]));
    let mut tab = Table::new(header, &[]);
    let k = view.hypotheses.len().max(1);
    for row in view.ach.cells.chunks(k) {
        let Some(first) = row.first() else { continue };
        let mut cells = vec![Cell::code(&first.item)];
        cells.extend(row.iter().map(|c| {
            let votes = c
                .ratings
                .0
                .iter()
                .map(|(m, r)| format!("{m} {r}"))
                .collect::<Vec<_>>()
                .join(", ");
            let shown = if c.disputed {
                format!("{} ! ({})", c.consensus, four_decimals(c.disagreement))
            } else {
                format!("{} ({})", c.consensus, four_decimals(c.disagreement))
            };
            let cell = Cell::text(shown).with_subline(votes);
            if c.disputed {
                cell.tone(Tone::Warning)
            } else {
                cell
            }
        }));
        tab.row(cells);
    }
    d.table(tab);
    d.para(vec![
        strong(format!("{} disputed", view.ach.disputed)),
        words(format!(" of {} cells.", view.ach.cells.len())),
    ]);
}

/// The compare view laid out as a document.
pub fn compare(view: &CompareView) -> Doc<'_> {
    let mut d = Doc::new(&view.model, "compare", "Comparison of models");
    models(&mut d, view);
    cruxes(&mut d, view);
    alignment(&mut d, view);
    consensus(&mut d, view);
    d
}

impl super::super::View for CompareView {
    fn document(&self) -> Doc<'_> {
        compare(self)
    }
}
