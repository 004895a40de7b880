//! Stage 4: reports. The report layer owns its serializable views, built
//! from a model and its analysis, and one printer per format, each writing
//! to any `io::Write`.

pub mod ach;
pub mod explain;
pub mod export;
pub mod graph;
mod json;
pub mod query;
pub mod sensitivity;
pub mod simulate;
mod table;
mod text;
mod view;
pub mod whatif;

pub use table::Table;
pub use view::{
    EvidenceView, HypothesisView, ModelView, ReportView, SCHEMA_VERSION, SourceView, build,
};

use std::io::{self, Write};

/// Output formats of the `report` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Write a report in the chosen format.
pub fn write(view: &ReportView, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::write(view, out),
        Format::Json => json::write(view, out),
    }
}
