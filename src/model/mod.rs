//! Stage 1: load a model file and validate it.
//!
//! Bytes in; a validated [`Model`] out, or every error found, each a
//! [`Diagnostic`] pointing at the line and column. Warnings travel beside a
//! valid model. This stage is the only one that sees TOML.

pub mod limits;
pub mod overrides;
mod reader;
pub mod scales;
pub mod types;
mod validate;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, SourceFile, line_col};
pub use scales::Scales;
pub use types::*;
pub use validate::{
    DEFAULT_RELIABILITY_LEVELS, Documents, PRIOR_SUM_TOLERANCE, apply_dependencies,
};

/// The largest model file credence reads. Real models are tens of kilobytes;
/// the cap keeps a hostile file from exhausting memory before validation.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The outcome of checking a model: the model when it is valid, and every
/// diagnostic either way.
#[derive(Debug)]
pub struct Checked {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    fn failed(diagnostic: Diagnostic) -> Checked {
        Checked {
            model: None,
            diagnostics: vec![diagnostic],
        }
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Check model text. `documents` is asked, with the `[model] seeds` setting
/// if any, which seed-document records exist.
pub fn check_text(
    name: &str,
    text: &str,
    documents: impl FnOnce(Option<&str>) -> Documents,
) -> Checked {
    if text.len() > MAX_FILE_BYTES {
        return Checked::failed(
            Diagnostic::error(format!(
                "the model file is {} bytes, over the limit of {} bytes",
                text.len(),
                MAX_FILE_BYTES
            ))
            .hint("split the model, or check that this is the file you meant"),
        );
    }
    if text.trim().is_empty() {
        return Checked::failed(
            Diagnostic::error("the model file is empty").hint(
                "a model needs a [model] title, two or more [[hypotheses]], [[sources]] and [[evidence]]; see docs/FORMAT.md",
            ),
        );
    }
    if let Some(d) = limits::long_line(text) {
        return Checked::failed(d);
    }
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let mut diagnostics: Vec<Diagnostic> = errors
            .iter()
            .take(reader::MAX_ERRORS)
            .map(|e| {
                let message = e.message().trim();
                let d = Diagnostic::error(format!("TOML syntax: {message}")).at_opt(e.span());
                // The reader's own words for its nesting limit name no limit.
                if message.contains("recursion") {
                    d.hint(format!(
                        "tables, arrays and dotted keys may nest at most {} levels deep",
                        limits::MAX_NESTING
                    ))
                } else {
                    d.hint("fix the TOML syntax first; the model is checked once the file parses")
                }
            })
            .collect();
        if errors.len() > reader::MAX_ERRORS {
            diagnostics.push(Diagnostic::error(format!(
                "too many TOML syntax errors: {} more not shown",
                errors.len() - reader::MAX_ERRORS
            )));
        }
        return Checked {
            model: None,
            diagnostics,
        };
    }
    let root = root.into_inner();
    let over = limits::counts(&root);
    if !over.is_empty() {
        return Checked {
            model: None,
            diagnostics: over,
        };
    }
    let seeds_setting = seeds_setting(&root);
    let documents = documents(seeds_setting.as_deref());
    let default_title = Path::new(name)
        .file_stem()
        .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned());
    let (model, diagnostics) = validate::validate(&root, &default_title, &documents);
    Checked { model, diagnostics }
}

fn seeds_setting(root: &DeTable<'_>) -> Option<String> {
    let model = root.get("model")?;
    let DeValue::Table(t) = model.get_ref() else {
        return None;
    };
    t.get("seeds")?.get_ref().as_str().map(str::to_string)
}

/// Check raw bytes: rejects non-UTF-8 with the position of the first bad byte.
pub fn check_bytes(
    name: &str,
    bytes: &[u8],
    documents: impl FnOnce(Option<&str>) -> Documents,
) -> (SourceFile, Checked) {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let file = SourceFile::new(name, text);
            let checked = check_text(name, text, documents);
            (file, checked)
        }
        Err(e) => {
            let valid = e.valid_up_to();
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
            let (line, col) = line_col(prefix, valid);
            let file = SourceFile::new(name, prefix);
            let d = Diagnostic::error(format!(
                "{name} is not valid UTF-8: invalid byte 0x{:02X} at line {line}, column {col}",
                bytes[valid]
            ))
            .hint("save the model as UTF-8 text");
            (file, Checked::failed(d))
        }
    }
}

/// Read and check a model file. The seeds folder defaults to `../seeds`
/// beside the model's folder, as in this repository's layout.
pub fn check_path(path: &Path) -> std::io::Result<(SourceFile, Checked)> {
    let meta = std::fs::metadata(path)?;
    let name = path.display().to_string();
    if meta.len() > MAX_FILE_BYTES as u64 {
        let file = SourceFile::new(&name, "");
        return Ok((
            file,
            Checked::failed(
                Diagnostic::error(format!(
                    "{name} is {} bytes, over the limit of {MAX_FILE_BYTES} bytes",
                    meta.len()
                ))
                .hint("split the model, or check that this is the file you meant"),
            ),
        ));
    }
    let bytes = std::fs::read(path)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(check_bytes(&name, &bytes, |setting| {
        let folder = match setting {
            Some(s) => dir.join(s),
            None => dir.join("..").join("seeds"),
        };
        documents_in(&folder)
    }))
}

/// The seed-document records (`*.toml`) in a folder, if it exists.
pub fn documents_in(folder: &PathBuf) -> Documents {
    let known = std::fs::read_dir(folder).ok().map(|entries| {
        entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let p = e.path();
                (p.extension().is_some_and(|x| x == "toml"))
                    .then(|| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                    .flatten()
            })
            .collect::<BTreeSet<String>>()
    });
    Documents {
        known,
        folder: folder.display().to_string(),
    }
}

/// No seed records: for models checked from memory.
pub fn no_documents(_: Option<&str>) -> Documents {
    Documents {
        known: None,
        folder: "(none)".to_string(),
    }
}
