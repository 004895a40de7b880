//! The document model every report command's output is laid out in once:
//! headings, paragraphs, lists, tables whose cells carry semantic tones,
//! and figures (as plain data, [`figure`]). The text, Markdown and HTML
//! renderers draw a [`Doc`] with their own escaping, so every format says
//! the same thing.
//!
//! This file and `figure.rs` are the model and import no view; the other
//! files here are the document builders, one per command's view
//! (`impl View for ...View`), which import their view and lay it out.

mod ach;
mod collect;
mod compare;
mod explain;
pub mod figure;
mod query;
mod report;
mod sensitivity;
mod simulate;
mod whatif;

pub use ach::ach;
pub use collect::{collect, indicators};
pub use compare::{SHOWN_CRUXES, compare};
pub use explain::explain;
pub use figure::Figure;
pub use query::{query_all, query_sets};
pub use report::report;
pub use sensitivity::sensitivity;
pub use simulate::simulate;
pub use whatif::whatif;

use super::format::signed_two_decimals;

/// One document: the page header and its blocks.
pub struct Doc<'a> {
    /// The command that made it, e.g. `report`.
    pub command: &'static str,
    /// What the page is, e.g. "Posterior report".
    pub subtitle: &'static str,
    /// The model's title, question and cut-off, for the page header.
    pub header: Header<'a>,
    /// The body, in reading order.
    pub blocks: Vec<Block<'a>>,
}

/// What a page is about: the model's title, question and cut-off date.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    /// The model's title.
    pub title: &'a str,
    /// The question it answers, if written.
    pub question: Option<&'a str>,
    /// The information cut-off, if written.
    pub as_of: Option<&'a str>,
}

/// A run of inline text. Every string is model text or our own words, never
/// markup: each printer escapes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Span {
    /// Plain words.
    Text(String),
    /// An id, path or value as written in the model (monospace).
    Code(String),
    /// Words to stress.
    Strong(String),
}

/// A line of inline text: spans in order.
pub type Line = Vec<Span>;

/// One block of a document.
pub enum Block<'a> {
    /// Level 2 opens a section, level 3 a subsection.
    Heading(u8, Line),
    /// A paragraph.
    Para(Line),
    /// A smaller explanatory paragraph (legends, method notes).
    Note(Line),
    /// A bulleted list.
    List(Vec<Line>),
    /// Arithmetic in a fixed-width font (our numbers only, no model text).
    Formula(String),
    /// A table.
    Table(Table),
    /// A chart: drawn by the HTML printer, left out of Markdown (the tables
    /// beside each figure carry the same numbers).
    Figure(Figure<'a>),
}

/// How a column's cells line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Words.
    Left,
    /// Numbers.
    Right,
}

/// What a cell means, for each renderer to show its own way: Markdown
/// shows only `Leading` (bold); HTML colours the rest; the text renderer
/// maps each to an ANSI style when color is on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tone {
    /// Nothing to stress.
    Plain,
    /// The leading hypothesis, or a total.
    Leading,
    /// Greyed: disabled items, missing values, what does not apply.
    Muted,
    /// A change that favours the row's hypothesis (a positive shift).
    For,
    /// A change that counts against the row's hypothesis (a negative shift).
    Against,
    /// Weight of evidence in decibans (for when positive, against when
    /// negative); None for an infinite weight.
    Woe(Option<f64>),
    /// An ACH rating (CC, C, N, I, II); true when the model wrote it.
    Ach(&'static str, bool),
    /// Worth a second look: the leading hypothesis changes, reports share
    /// an origin, a scenario is impossible.
    Warning,
}

/// One table cell: its text, an optional second line, and its tone.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The cell's text.
    pub main: Line,
    /// A second, quieter line (a title or claim under an id).
    pub subline: Option<String>,
    /// What it means, for color.
    pub tone: Tone,
}

impl Cell {
    /// Plain words.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            main: vec![Span::Text(s.into())],
            subline: None,
            tone: Tone::Plain,
        }
    }

    /// An id, path or value as written in the model.
    pub fn code(s: impl Into<String>) -> Cell {
        Cell {
            main: vec![Span::Code(s.into())],
            subline: None,
            tone: Tone::Plain,
        }
    }

    /// A cell of mixed spans.
    pub fn line(main: Line) -> Cell {
        Cell {
            main,
            subline: None,
            tone: Tone::Plain,
        }
    }

    /// A blank cell.
    pub fn empty() -> Cell {
        Cell::line(Vec::new())
    }

    /// Add a second, quieter line under the text.
    pub fn with_subline(mut self, s: impl Into<String>) -> Cell {
        let s = s.into();
        if !s.trim().is_empty() {
            self.subline = Some(s);
        }
        self
    }

    /// Set what the cell means, for color.
    pub fn tone(mut self, t: Tone) -> Cell {
        self.tone = t;
        self
    }
}

/// A table: a header, each column's alignment, and rows of cells.
pub struct Table {
    /// One heading per column.
    pub header: Vec<Line>,
    /// One alignment per column.
    pub align: Vec<Align>,
    /// The rows, each one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Rows from this index on are totals (drawn apart in HTML).
    pub summary_from: Option<usize>,
}

impl Table {
    /// Columns listed in `right` are right-aligned (numbers).
    pub fn new(header: Vec<Line>, right: &[usize]) -> Table {
        let align = (0..header.len())
            .map(|c| {
                if right.contains(&c) {
                    Align::Right
                } else {
                    Align::Left
                }
            })
            .collect();
        Table {
            header,
            align,
            rows: Vec::new(),
            summary_from: None,
        }
    }

    /// A header of plain words.
    pub fn plain(header: &[&str], right: &[usize]) -> Table {
        Table::new(header.iter().map(|h| text(*h)).collect(), right)
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Mark the rows added from now on as totals.
    pub fn start_summary(&mut self) {
        self.summary_from = Some(self.rows.len());
    }
}

impl<'a> Doc<'a> {
    /// An empty document for `command`'s output on the model `header`
    /// names (a view's `model` block converts into one).
    pub fn new(
        header: impl Into<Header<'a>>,
        command: &'static str,
        subtitle: &'static str,
    ) -> Doc<'a> {
        Doc {
            command,
            subtitle,
            header: header.into(),
            blocks: Vec::new(),
        }
    }

    /// Open a section.
    pub fn h2(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Heading(2, text(s)));
    }

    /// Open a subsection.
    pub fn h3(&mut self, line: Line) {
        self.blocks.push(Block::Heading(3, line));
    }

    /// Add a paragraph.
    pub fn para(&mut self, line: Line) {
        self.blocks.push(Block::Para(line));
    }

    /// Add a smaller explanatory paragraph of plain words.
    pub fn note(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Note(text(s)));
    }

    /// Add a smaller explanatory paragraph of mixed spans.
    pub fn note_line(&mut self, line: Line) {
        self.blocks.push(Block::Note(line));
    }

    /// Add a bulleted list.
    pub fn list(&mut self, items: Vec<Line>) {
        if !items.is_empty() {
            self.blocks.push(Block::List(items));
        }
    }

    /// Add arithmetic in a fixed-width font.
    pub fn formula(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Formula(s.into()));
    }

    /// Add a table.
    pub fn table(&mut self, t: Table) {
        self.blocks.push(Block::Table(t));
    }

    /// Add a chart (drawn in HTML only).
    pub fn figure(&mut self, f: Figure<'a>) {
        self.blocks.push(Block::Figure(f));
    }
}

/// A line of plain text.
pub fn text(s: impl Into<String>) -> Line {
    vec![Span::Text(s.into())]
}

/// Our own words or model text, as written.
pub fn words(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

/// An id, path or value as written in the model.
pub fn code(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

/// Words to stress.
pub fn strong(s: impl Into<String>) -> Span {
    Span::Strong(s.into())
}

/// Ids as code spans separated by commas.
pub fn code_list(ids: &[String]) -> Line {
    let mut line = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        if k > 0 {
            line.push(words(", "));
        }
        line.push(code(id.clone()));
    }
    line
}

/// A weight of evidence cell: decibans with 2 decimals, coloured by sign.
pub fn woe_cell(w: Option<f64>) -> Cell {
    match w {
        Some(w) => Cell::text(signed_two_decimals(w)).tone(Tone::Woe(Some(w))),
        None => Cell::text("rules out/in").tone(Tone::Woe(None)),
    }
}

/// A signed change as a cell, toned for (positive) or against (negative)
/// the row's hypothesis; zero stays plain.
pub fn change_cell(change: f64, shown: impl Into<String>) -> Cell {
    let tone = if change > 0.0 {
        Tone::For
    } else if change < 0.0 {
        Tone::Against
    } else {
        Tone::Plain
    };
    Cell::text(shown).tone(tone)
}
