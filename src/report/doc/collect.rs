//! The `collect` document: the pending items ranked by expected
//! information, each outcome and what it would do, and the indicators to
//! watch.

use super::super::collect::{CandidateView, CollectView, IndicatorSet};
use super::super::format::{four_decimals, percent};
use super::{Cell, Doc, Line, Table, Tone, code, strong, text, words};

/// The sources to ask, as "`report` (source title)" joined by commas.
fn ask_line(c: &CandidateView) -> Line {
    let mut line = Vec::new();
    for (n, a) in c.ask.iter().enumerate() {
        if n > 0 {
            line.push(words(", "));
        }
        line.push(code(&a.source));
    }
    line
}

/// A likelihood ratio: "infinite" when nothing outside could produce it.
fn ratio(lr: Option<f64>) -> String {
    match lr {
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
        None => "infinite".to_string(),
    }
}

fn candidate(d: &mut Doc<'_>, view: &CollectView, rank: usize, c: &CandidateView) {
    d.h3(vec![
        words(format!("{rank}. ")),
        code(&c.id),
        words(format!(": {}", c.claim)),
    ]);
    let mut ask = vec![words("Ask: ")];
    for (n, a) in c.ask.iter().enumerate() {
        if n > 0 {
            ask.push(words("; "));
        }
        ask.push(code(&a.source));
        ask.push(words(format!(" ({})", a.title)));
    }
    ask.push(words(format!(
        ". Expected information {} bits; the judgement changes with probability {}.",
        four_decimals(c.expected_information_bits),
        four_decimals(c.p_changes_judgement)
    )));
    d.para(ask);
    if let Some(notes) = &c.notes {
        d.note(notes.clone());
    }
    let mut header = vec![text("Outcome"), text("Probability")];
    header.extend(view.titles.iter().map(|(id, _)| vec![code(id)]));
    header.push(text("Leading"));
    header.push(text("Judgement"));
    let k = view.titles.len();
    let mut tab = Table::new(header, &(1..=k + 1).collect::<Vec<_>>());
    for o in &c.outcomes {
        let answers: Vec<String> = o
            .reports
            .0
            .iter()
            .map(|(id, asserts)| format!("{id} {}", if *asserts { "asserts" } else { "denies" }))
            .collect();
        let mut row = vec![
            Cell::text(answers.join(", ")),
            Cell::text(four_decimals(o.probability)),
        ];
        row.extend(o.posterior.0.iter().map(|(id, p)| {
            let cell = Cell::text(four_decimals(*p));
            if *id == o.leading {
                cell.tone(Tone::Leading)
            } else {
                cell
            }
        }));
        row.push(Cell::code(&o.leading));
        row.push(if o.judgement_holds {
            Cell::text("holds")
        } else {
            Cell::text("overturned").tone(Tone::Warning)
        });
        tab.row(row);
    }
    d.table(tab);
}

fn indicator_rows(tab: &mut Table, sets: &[IndicatorSet]) {
    for set in sets {
        if set.items.is_empty() {
            tab.row(vec![
                Cell::code(&set.id),
                Cell::text(four_decimals(set.probability)),
                Cell::text("no pending item raises it").tone(Tone::Muted),
                Cell::empty(),
                Cell::empty(),
            ]);
            continue;
        }
        for (n, i) in set.items.iter().enumerate() {
            let (name, current) = if n == 0 {
                (
                    Cell::code(&set.id),
                    Cell::text(four_decimals(set.probability)),
                )
            } else {
                (Cell::empty(), Cell::empty())
            };
            tab.row(vec![
                name,
                current,
                Cell::code(&i.id),
                Cell::text(ratio(i.likelihood_ratio)),
                Cell::text(four_decimals(i.after)).tone(Tone::For),
            ]);
        }
    }
}

/// The indicators table (shared with `report`'s section).
pub fn indicators(d: &mut Doc<'_>, hypotheses: &[IndicatorSet], groups: &[IndicatorSet]) {
    let mut tab = Table::new(
        vec![
            text("Hypothesis or group"),
            text("Now"),
            text("Watch for"),
            text("Likelihood ratio"),
            text("After"),
        ],
        &[1, 3, 4],
    );
    indicator_rows(&mut tab, hypotheses);
    indicator_rows(&mut tab, groups);
    d.table(tab);
    d.note("Watch for: the pending items whose positive outcome (every planned report asserts the claim) would raise the hypothesis or group most. Likelihood ratio: P(positive | it) / P(positive | the rest, weighed by the current posterior), the factor by which that outcome multiplies its current odds. After: its probability then.");
}

/// The collection plan laid out as a document.
pub fn collect(view: &CollectView) -> Doc<'_> {
    let mut d = Doc::new(&view.model, "collect", "What to collect next");
    d.h2("What to collect first");
    let leading = view
        .posterior
        .0
        .iter()
        .fold(None::<&(String, f64)>, |best, x| match best {
            Some(b) if b.1 >= x.1 => Some(b),
            _ => Some(x),
        });
    let mut intro: Line = Vec::new();
    if let Some((id, p)) = leading {
        intro.push(words("Now: "));
        intro.push(code(id));
        intro.push(words(format!(
            " leads at {}; the hypotheses hold {} bits of uncertainty, the most any item could resolve. ",
            four_decimals(*p),
            four_decimals(view.entropy_bits)
        )));
    }
    intro.push(words(match view.judgement.from {
        "bottom_line" => "The judgement measured is the bottom line's: ",
        _ => "No bottom line could be computed; the judgement measured is the leader: ",
    }));
    let title = &view.judgement.statement.title;
    intro.push(strong(match view.judgement.statement.kind {
        "leads" => format!("{title} is the most likely"),
        "group" => format!("the truth is in {title}"),
        _ => format!("one of {title}"),
    }));
    intro.push(words("."));
    d.para(intro);
    if view.candidates.is_empty() {
        d.para(text(
            "The model has no pending evidence. Add an [[evidence]] item with pending = true, its likelihoods, and the sources that would be asked as its reports (docs/FORMAT.md).",
        ));
    } else {
        let mut header = vec![
            text("#"),
            text("Pending item"),
            text("Ask"),
            text("Information (bits)"),
        ];
        header.extend(
            view.group_titles
                .iter()
                .map(|(id, _)| vec![code(id), words(" (bits)")]),
        );
        header.push(text("P(changes judgement)"));
        let groups = view.group_titles.len();
        let right: Vec<usize> = std::iter::once(0).chain(3..=4 + groups).collect();
        let mut tab = Table::new(header, &right);
        for (n, c) in view.candidates.iter().enumerate() {
            let mut row = vec![
                Cell::text((n + 1).to_string()),
                Cell::code(&c.id).with_subline(&c.claim),
                Cell::line(ask_line(c)),
                Cell::text(four_decimals(c.expected_information_bits)),
            ];
            row.extend(
                c.group_information_bits
                    .0
                    .iter()
                    .map(|(_, b)| Cell::text(four_decimals(*b))),
            );
            let change = Cell::text(percent(c.p_changes_judgement));
            row.push(if c.p_changes_judgement > 0.0 {
                change.tone(Tone::Warning)
            } else {
                change
            });
            tab.row(row);
        }
        d.table(tab);
        d.note("Information: the expected information gain, the mutual information in bits between the hypothesis and what the planned sources would report (each asserting or denying the claim, their reliability applied), under the current posterior; per group, about whether the truth is in the group. P(changes judgement): the probability of the outcomes after which the judgement no longer holds. Exact: every outcome is enumerated.");
        d.h2("Outcomes");
        for (n, c) in view.candidates.iter().enumerate() {
            candidate(&mut d, view, n + 1, c);
        }
        d.h2("Indicators to watch");
        indicators(&mut d, &view.indicators.hypotheses, &view.indicators.groups);
    }
    if !view.disabled.is_empty() {
        let mut line = vec![words("Pending items left out (enabled = false): ")];
        for (n, id) in view.disabled.iter().enumerate() {
            if n > 0 {
                line.push(words(", "));
            }
            line.push(code(id));
        }
        d.note_line(line);
    }
    d
}

impl super::super::View for CollectView {
    fn document(&self) -> Doc<'_> {
        collect(self)
    }
}
