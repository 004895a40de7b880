//! JSON printer: the view as pretty-printed JSON (schema in docs/JSON.md).

use std::io::{self, Write};

use super::ReportView;

pub fn write(view: &ReportView, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, view).map_err(io::Error::other)?;
    writeln!(out)
}
