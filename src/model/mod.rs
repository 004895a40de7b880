//! Stage 1: load a model file and validate it.
//!
//! Bytes in; a validated [`Model`] out, or every error found, each a
//! [`Diagnostic`] pointing at the line and column. Warnings travel beside a
//! valid model. This stage is the only one that sees TOML.

pub mod ach_csv;
mod characters;
mod chunks;
pub mod limits;
pub mod overrides;
mod reader;
pub mod scales;
pub mod types;
mod validate;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, SourceFile};
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
    /// The validated model; `None` when any diagnostic is an error.
    pub model: Option<Model>,
    /// Every error, warning and note found, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    fn failed(diagnostic: Diagnostic) -> Checked {
        Checked {
            model: None,
            diagnostics: vec![diagnostic],
        }
    }

    /// The diagnostics that are errors (none when `model` is `Some`).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Check model text. `documents` is asked, with the `[model] seeds` setting
/// if any, which seed-document records exist.
pub fn check_text(
    name: &str,
    text: &str,
    mut documents: impl FnMut(Option<&str>) -> Documents,
) -> Checked {
    // Only `Parsing::Chunked` declines a file; the second call is never made.
    check_with(name, text, &mut documents, Parsing::Auto)
        .or_else(|| check_with(name, text, &mut documents, Parsing::Whole))
        .unwrap_or_else(|| Checked::failed(Diagnostic::error("the model file could not be read")))
}

/// How [`check_text_as`] parses the file. Both ways give the same result;
/// tests hold them to that.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsing {
    /// Evidence blocks one at a time for large files, else the whole file.
    Auto,
    /// The whole file as one TOML document.
    Whole,
    /// Evidence blocks one at a time whatever the size; `check_text_as`
    /// returns `None` where this way declines the file (an unusual layout,
    /// a syntax error).
    Chunked,
}

/// [`check_text`], parsing the file as told.
#[doc(hidden)]
pub fn check_text_as(
    name: &str,
    text: &str,
    mut documents: impl FnMut(Option<&str>) -> Documents,
    parsing: Parsing,
) -> Option<Checked> {
    check_with(name, text, &mut documents, parsing)
}

/// [`check_parsed`], then warnings about hidden characters in the text
/// (control, bidirectional and invisible ones) before its diagnostics.
fn check_with(
    name: &str,
    text: &str,
    documents: &mut impl FnMut(Option<&str>) -> Documents,
    parsing: Parsing,
) -> Option<Checked> {
    let mut checked = check_parsed(name, text, documents, parsing)?;
    if text.len() <= MAX_FILE_BYTES && limits::long_line(text).is_none() {
        let mut diagnostics = characters::hidden_characters(text);
        if !diagnostics.is_empty() {
            diagnostics.append(&mut checked.diagnostics);
            checked.diagnostics = diagnostics;
        }
    }
    Some(checked)
}

fn check_parsed(
    name: &str,
    text: &str,
    documents: &mut impl FnMut(Option<&str>) -> Documents,
    parsing: Parsing,
) -> Option<Checked> {
    if text.len() > MAX_FILE_BYTES {
        return Some(Checked::failed(
            Diagnostic::error(format!(
                "the model file is {} bytes, over the limit of {} bytes",
                text.len(),
                MAX_FILE_BYTES
            ))
            .hint("split the model, or check that this is the file you meant"),
        ));
    }
    if text.trim().is_empty() {
        return Some(Checked::failed(
            Diagnostic::error("the model file is empty").hint(
                "a model needs two or more [[hypotheses]], [[sources]] and [[evidence]] (and a [model] title, else the file name is its title); see docs/FORMAT.md",
            ),
        ));
    }
    if let Some(d) = limits::long_line(text) {
        return Some(Checked::failed(d));
    }
    // Old Mac line endings: one error, not one per line.
    if let Some(d) = characters::lone_carriage_returns(text) {
        return Some(Checked::failed(d));
    }
    let default_title = Path::new(name)
        .file_stem()
        .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned());
    let chunked = match parsing {
        Parsing::Auto => text.len() >= chunks::MIN_CHUNKED_BYTES,
        Parsing::Whole => false,
        Parsing::Chunked => true,
    };
    if chunked {
        let checked = check_in_chunks(text, &default_title, documents);
        if checked.is_some() || parsing == Parsing::Chunked {
            return checked;
        }
    }
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Some(syntax_errors(text, &errors));
    }
    let root = root.into_inner();
    let over = limits::counts(&root, &limits::EvidenceTally::of(&root));
    if !over.is_empty() {
        return Some(Checked {
            model: None,
            diagnostics: over,
        });
    }
    let seeds_setting = seeds_setting(&root);
    let documents = documents(seeds_setting.as_deref());
    let (model, diagnostics) = validate::validate(&root, None, &default_title, &documents);
    Some(Checked { model, diagnostics })
}

/// The whole-file check with each evidence block parsed alone, validated and
/// dropped (see `chunks`): the same result in a fraction of the memory.
/// `None` when the file's layout is not one the splitter follows or a piece
/// has a syntax error; the caller then parses the whole file, which also
/// words any syntax error.
fn check_in_chunks(
    text: &str,
    default_title: &str,
    documents: &mut impl FnMut(Option<&str>) -> Documents,
) -> Option<Checked> {
    let split = chunks::split(text)?;
    let (head, errors) = DeTable::parse_recoverable(&split.head);
    if !errors.is_empty() {
        return None;
    }
    let head = head.into_inner();
    // The evidence array is written outside the blocks too (`evidence = [...]`
    // or a dotted key): the pieces would not add up to the file.
    if head.contains_key("evidence") {
        return None;
    }
    let documents = documents(seeds_setting(&head).as_deref());
    let mut tally = limits::EvidenceTally::default();
    let mut failed = false;
    // Blocks are parsed ahead, a batch at a time on other threads, while
    // this one validates the items already parsed: parsing is most of the
    // work, and validation stays sequential, in file order, so the result
    // does not depend on the threads. Worker `w` parses batches w, w + W,
    // w + 2W, ... and its channel's bound keeps only a few batches alive.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
    let (model, diagnostics) = std::thread::scope(|scope| {
        let mut receivers = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for worker in 0..workers {
            let (sender, receiver) = std::sync::mpsc::sync_channel(2);
            receivers.push(receiver);
            let blocks = &split.blocks;
            // A thread that cannot be started drops its sender: validation
            // then sees the stream cut short and the whole file is parsed.
            let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                for batch in blocks.chunks(chunks::BATCH).skip(worker).step_by(workers) {
                    let parsed: Vec<Option<Block<'_>>> = batch
                        .iter()
                        .map(|block| {
                            chunks::parse_block(text, block.clone()).map(|n| (n, block.start))
                        })
                        .collect();
                    let stop = parsed.iter().any(Option::is_none);
                    // Validation stops listening once a block fails to parse.
                    if sender.send(parsed).is_err() || stop {
                        break;
                    }
                }
            });
            handles.extend(spawned.ok());
        }
        let mut stream = Blocks {
            batches: receivers,
            next_batch: 0,
            batch: Vec::new().into_iter(),
            left: split.blocks.len(),
            tally: &mut tally,
            failed: &mut failed,
        };
        let checked = validate::validate(&head, Some(&mut stream), default_title, &documents);
        // Dropping the receivers ends any parsing thread still going.
        drop(stream);
        // Joined, not left to the scope: the scope only waits for the
        // closures, and a thread still exiting after it (its thread-locals
        // not yet freed) outlives the call (the structured fuzzer's leak
        // check caught one). A worker does not panic; were it to, the
        // stream above was cut short and the whole file is parsed.
        for handle in handles {
            let _ = handle.join();
        }
        checked
    });
    if failed {
        return None;
    }
    // Over a limit, the whole-file check stops before validating: so the
    // work just done is set aside for the same refusal.
    let over = limits::counts(&head, &tally);
    if !over.is_empty() {
        return Some(Checked {
            model: None,
            diagnostics: over,
        });
    }
    Some(Checked { model, diagnostics })
}

/// An evidence block's item, its spans relative to the block, and the
/// block's offset in the file.
type Block<'t> = (reader::Node<'t>, usize);

/// The evidence blocks' items, in order, as the parsing thread sends them,
/// counted for the limits. Stops, setting `failed`, at a block that does not
/// parse alone.
struct Blocks<'a, 't> {
    /// One channel per parsing thread; batch `k` comes from channel
    /// `k % batches.len()`.
    batches: Vec<std::sync::mpsc::Receiver<Vec<Option<Block<'t>>>>>,
    next_batch: usize,
    batch: std::vec::IntoIter<Option<Block<'t>>>,
    /// Blocks not yet handed out.
    left: usize,
    tally: &'a mut limits::EvidenceTally,
    failed: &'a mut bool,
}

impl<'t> Iterator for Blocks<'_, 't> {
    type Item = Block<'t>;

    fn next(&mut self) -> Option<Self::Item> {
        if *self.failed || self.left == 0 {
            return None;
        }
        let parsed = match self.batch.next() {
            Some(parsed) => parsed,
            None => {
                // The parsing thread only stops early after sending a block
                // that failed; were it gone otherwise, the stream is cut short.
                let from = &self.batches[self.next_batch % self.batches.len()];
                self.next_batch += 1;
                let Ok(batch) = from.recv() else {
                    *self.failed = true;
                    return None;
                };
                self.batch = batch.into_iter();
                self.batch.next()?
            }
        };
        match parsed {
            Some((node, base)) => {
                self.left -= 1;
                self.tally.add(&node, base);
                Some((node, base))
            }
            None => {
                *self.failed = true;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

fn syntax_errors(text: &str, errors: &[toml::de::Error]) -> Checked {
    let mut diagnostics: Vec<Diagnostic> = errors
        .iter()
        .take(reader::MAX_ERRORS)
        .map(|e| {
            let message = e.message().trim();
            // The reader gives its nesting limit no place when a dotted key
            // or a table header is too deep: find the key.
            let span = e.span().or_else(|| {
                message
                    .contains("recursion")
                    .then(|| key_deeper_than(text, limits::MAX_NESTING))
                    .flatten()
            });
            let mut d = Diagnostic::error(format!("TOML syntax: {message}")).at_opt(span);
            // A control character written raw in a string: name it (it is
            // shown escaped, and the reader's words do not say what it is).
            if let Some(c) = e
                .span()
                .and_then(|s| text.get(s.start..))
                .and_then(|rest| rest.chars().next())
                .filter(|&c| crate::escape::is_hidden(c) && c != '\n')
            {
                d = d.hint(format!(
                    "{} is written raw here: TOML allows no control character but tab in a string; remove it, or write it as an escape (\\u{:04X})",
                    crate::escape::describe(c),
                    c as u32
                ));
            }
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
        diagnostics.push(
            Diagnostic::error(format!(
                "too many TOML syntax errors: {} more not shown",
                errors.len() - reader::MAX_ERRORS
            ))
            .hint("fix the first ones: the rest often follow from them"),
        );
    }
    Checked {
        model: None,
        diagnostics,
    }
}

/// The first key (of a `key = value` line or a `[table]` / `[[array]]`
/// header) with more than `limit` dotted parts, outside multi-line strings:
/// where a spanless "recursion limit" comes from. Keys inside inline tables
/// are not looked at (their arrays and tables carry spans of their own).
fn key_deeper_than(text: &str, limit: usize) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    let mut in_multiline: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if let Some(delimiter) = in_multiline {
            if line.matches(delimiter).count() % 2 == 1 {
                in_multiline = None;
            }
            continue;
        }
        for delimiter in ["\"\"\"", "'''"] {
            if line.matches(delimiter).count() % 2 == 1 {
                in_multiline = Some(delimiter);
            }
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let key = match trimmed.strip_prefix('[') {
            Some(header) => header.trim_start_matches('['),
            None => trimmed,
        };
        let mut parts = 1;
        let mut quote: Option<char> = None;
        for c in key.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '.') => parts += 1,
                (None, '=' | ']' | '#' | '\n') => break,
                (None, _) => {}
            }
        }
        if parts > limit {
            let end = start + line.trim_end().len();
            return Some(start + indent..end.max(start + indent + 1));
        }
    }
    None
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
    documents: impl FnMut(Option<&str>) -> Documents,
) -> (SourceFile, Checked) {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let file = SourceFile::new(name, text);
            let checked = check_text(name, text, documents);
            (file, checked)
        }
        Err(e) => {
            let bad = crate::input::not_utf8(bytes, e);
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(&bytes[..bad.offset]).unwrap_or("");
            let file = SourceFile::new(name, prefix);
            let d = Diagnostic::error(format!(
                "{name} is not valid UTF-8: invalid byte 0x{:02X} at line {}, column {}",
                bad.byte, bad.line, bad.column
            ))
            .hint("save the model as UTF-8 text");
            (file, Checked::failed(d))
        }
    }
}

/// The folder a model's `document` references are checked against: its
/// `[model] seeds` setting, relative to the model's folder (the working
/// folder for standard input), or `default` when it has none. The default
/// is the caller's to choose: the command line uses `../seeds` beside the
/// model's folder.
pub fn seeds_folder(model_path: &Path, setting: Option<&str>, default: &Path) -> PathBuf {
    match setting {
        Some(s) => {
            let dir = if crate::input::is_stdin(model_path) {
                PathBuf::from(".")
            } else {
                model_path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            };
            dir.join(s)
        }
        None => default.to_path_buf(),
    }
}

/// Read and check a model file (`-`: standard input), reading at most
/// [`MAX_FILE_BYTES`] whatever the file is (see [`crate::input`]).
/// `default_seeds` is the folder of seed-document records when the model
/// has no `[model] seeds` setting (see [`seeds_folder`]).
pub fn check_path(
    path: &Path,
    default_seeds: &Path,
) -> Result<(SourceFile, Checked), crate::input::InputError> {
    let name = crate::input::display_name(path);
    let bytes = match crate::input::read_capped(path, MAX_FILE_BYTES) {
        Ok(bytes) => bytes,
        Err(crate::input::InputError::TooLarge { size, .. }) => {
            let file = SourceFile::new(&name, "");
            return Ok((
                file,
                Checked::failed(
                    Diagnostic::error(format!(
                        "{name} is {size}, over the limit of {MAX_FILE_BYTES} bytes"
                    ))
                    .hint("split the model, or check that this is the file you meant"),
                ),
            ));
        }
        Err(e) => return Err(e),
    };
    let documents =
        |setting: Option<&str>| documents_in(&seeds_folder(path, setting, default_seeds));
    // The text moves into the `SourceFile` rather than being copied: a large
    // model is held once.
    match String::from_utf8(bytes) {
        Ok(text) => {
            let checked = check_text(&name, &text, documents);
            Ok((SourceFile::new(name, text), checked))
        }
        Err(e) => Ok(check_bytes(&name, e.as_bytes(), documents)),
    }
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
