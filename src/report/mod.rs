//! Stage 4: reports. The report layer owns its serializable views, built
//! from a model and its analysis, and one printer per format, each writing
//! to any `io::Write`.

pub mod ach;
pub mod color;
mod doc;
pub mod explain;
pub mod export;
pub mod graph;
pub mod html;
mod json;
pub mod markdown;
pub mod query;
pub mod sensitivity;
pub mod simulate;
mod table;
mod text;
mod view;
pub mod whatif;

pub use table::Table;
pub use view::{
    EvidenceView, GroupView, HypothesisView, ModelView, ReportView, SCHEMA_VERSION, SourceView,
    build,
};

use std::io::{self, Write};

/// Output formats of the report commands (report, whatif, sensitivity,
/// ach, explain, simulate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    /// GitHub-flavoured Markdown (`markdown`).
    Markdown,
    Json,
    /// One self-contained HTML page with inline SVG charts (`html`).
    Html,
}

/// Write a report in the chosen format.
pub fn write(view: &ReportView, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::write(view, out),
        Format::Markdown => markdown::report(view, out),
        Format::Json => json::write(view, out),
        Format::Html => html::report(view, out),
    }
}
