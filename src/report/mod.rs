//! Stage 4: reports. Each command's serializable view (its JSON), built
//! from a model and its analysis; the document ([`Doc`]) each view lays
//! itself out as ([`View`]); and the renderers of a document (text,
//! Markdown, HTML), all reached through [`write()`]. Imports run one way:
//! views -> document builders (`doc/<command>.rs`) -> the document
//! (`doc/mod.rs`, `doc/figure.rs`) <- renderers.

pub mod ach;
pub mod check;
pub mod collect;
pub mod compare;
pub mod doc;
pub mod evidence_quality;
pub mod explain;
pub mod export;
pub mod format;
pub mod graph;
mod html;
mod judgement;
mod markdown;
mod posterior_report;
pub mod query;
pub mod sensitivity;
pub mod simulate;
mod text;
pub mod whatif;

pub use doc::Doc;
pub use judgement::BottomLineView;
pub use posterior_report::{
    EvidenceView, GroupView, HypothesisView, ModelView, ReportView, SCHEMA_VERSION, SourceView,
    build,
};

use std::io::{self, Write};

use serde::Serialize;

/// Output formats of the report commands (report, whatif, sensitivity,
/// ach, explain, simulate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text for the terminal (`text`).
    Text,
    /// GitHub-flavoured Markdown (`markdown`).
    Markdown,
    /// The view itself, pretty-printed (`json`; schema in docs/JSON.md).
    Json,
    /// One self-contained HTML page with inline SVG charts (`html`).
    Html,
}

/// What every report command's output is: a serializable view (its JSON)
/// that lays itself out as one [`Doc`], which the text, Markdown and HTML
/// renderers draw. Adding a command's output means implementing this for
/// its view; [`write()`] then serves every format.
pub trait View: Serialize {
    /// The view laid out as headings, paragraphs, lists and tables.
    fn document(&self) -> Doc<'_>;
}

/// Write `view` in `format`. `color` adds ANSI styles to text output (the
/// caller decides: a terminal, NO_COLOR unset); other formats ignore it.
pub fn write<V: View>(
    view: &V,
    format: Format,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(&view.document(), color, out),
        Format::Markdown => markdown::render(&view.document(), out),
        Format::Json => write_json(view, out),
        Format::Html => html::render(&view.document(), out),
    }
}

/// Any serializable value as pretty-printed JSON and a final newline (the
/// JSON of every view, and of `export` and `query`).
pub fn write_json(value: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    // Hidden characters of model text (bidirectional overrides, C1
    // controls) as `\uXXXX` escapes, as serde_json already writes C0 ones.
    let formatter = crate::escape::JsonFormatter(serde_json::ser::PrettyFormatter::new());
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, formatter);
    value.serialize(&mut serializer).map_err(io::Error::other)?;
    writeln!(out)
}

/// `x` when it is a finite number: JSON has no infinity, so an infinite
/// weight or ratio becomes null in a view.
pub(crate) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
