//! Diagnostics as data: what every stage reports about a model.
//!
//! A diagnostic carries a severity, a byte span into the model file, a message
//! and hints. Stages collect them (a run reports every error at once) and the
//! edge renders them with the file, line, column and the offending text.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::term::{self, termcolor::WriteColor};

use crate::escape;

/// How serious a diagnostic is. Errors make a model invalid; warnings and
/// notes travel beside a valid result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A remark that needs no action (a non-diagnostic item, one origin behind
    /// many reports).
    Note,
    /// Probably a mistake, but the model is still valid.
    Warning,
    /// The model is invalid: nothing is computed from it.
    Error,
}

/// One finding about a model file. Serialized as is, its places are byte
/// ranges; [`SourceFile::locate`] gives the line-and-column form that
/// `check --format json` prints.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Byte range into the model text; `None` for findings about the file as a whole.
    pub span: Option<Range<usize>>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Short text shown under the offending span.
    pub label: Option<String>,
    /// How to fix it.
    pub hints: Vec<String>,
    /// Other places that explain this one (the first definition of a duplicate).
    pub related: Vec<(Range<usize>, String)>,
}

impl Diagnostic {
    /// An error with this message and nothing else yet.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    /// A warning with this message and nothing else yet.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    /// A note with this message and nothing else yet.
    pub fn note(message: impl Into<String>) -> Self {
        Self::new(Severity::Note, message)
    }

    fn new(severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            span: None,
            message: message.into(),
            label: None,
            hints: Vec::new(),
            related: Vec::new(),
        }
    }

    /// Point it at a byte range of the model text.
    pub fn at(mut self, span: Range<usize>) -> Self {
        self.span = Some(span);
        self
    }

    /// Point it at a byte range, or at the whole file with `None`.
    pub fn at_opt(mut self, span: Option<Range<usize>>) -> Self {
        self.span = span;
        self
    }

    /// Set the short text shown under the span.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Add a hint on how to fix it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Add another place that explains this one.
    pub fn related(mut self, span: Range<usize>, text: impl Into<String>) -> Self {
        self.related.push((span, text.into()));
        self
    }

    /// Whether it makes the model invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The text of a model file, kept for rendering diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The file name as given (shown in diagnostics).
    pub name: String,
    /// The whole text.
    pub text: String,
    /// Where each line of `text` starts, computed once when first needed.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// A named text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }

    /// 1-based line and column (in characters) of a byte offset. A line
    /// ends at `\n`, `\r\n` or a lone `\r`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let starts = self.line_starts();
        let index = line_of(starts, offset);
        let column = self.text[starts[index]..offset].chars().count() + 1;
        (index + 1, column)
    }

    /// `diagnostic` with its places resolved to lines and columns of this
    /// file.
    pub fn locate(&self, diagnostic: &Diagnostic) -> LocatedDiagnostic {
        let place = |span: &Range<usize>| {
            let (line, column) = self.line_col(span.start);
            let (end_line, end_column) = self.line_col(span.end);
            Place {
                line,
                column,
                end_line,
                end_column,
            }
        };
        let at = diagnostic.span.as_ref().map(place);
        LocatedDiagnostic {
            severity: diagnostic.severity,
            message: diagnostic.message.clone(),
            line: at.map(|p| p.line),
            column: at.map(|p| p.column),
            end_line: at.map(|p| p.end_line),
            end_column: at.map(|p| p.end_column),
            label: diagnostic.label.clone(),
            hints: diagnostic.hints.clone(),
            related: diagnostic
                .related
                .iter()
                .map(|(span, text)| RelatedPlace {
                    place: place(span),
                    text: text.clone(),
                })
                .collect(),
        }
    }
}

/// Where a diagnostic points: 1-based lines and columns (in characters) of
/// its first character and of the character just past its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    /// Line of the first character.
    pub line: usize,
    /// Column of the first character.
    pub column: usize,
    /// Line of the end (exclusive).
    pub end_line: usize,
    /// Column of the end (exclusive).
    pub end_column: usize,
}

/// A [`Diagnostic`] with its places as lines and columns of the file it is
/// about (`check --format json`'s `diagnostics[]`, docs/JSON.md).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LocatedDiagnostic {
    /// error, warning or note.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// Line of the offending text; null for findings about the file as a
    /// whole (as are the next three).
    pub line: Option<usize>,
    /// Column of its first character.
    pub column: Option<usize>,
    /// Line of its end (exclusive).
    pub end_line: Option<usize>,
    /// Column of its end (exclusive).
    pub end_column: Option<usize>,
    /// Short text shown under the offending span.
    pub label: Option<String>,
    /// How to fix it.
    pub hints: Vec<String>,
    /// Other places that explain this one (the first definition of a
    /// duplicate).
    pub related: Vec<RelatedPlace>,
}

/// A place that explains a diagnostic, and what it says there.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RelatedPlace {
    /// Where.
    #[serde(flatten)]
    pub place: Place,
    /// What it says there.
    pub text: String,
}

/// 1-based line and column (in characters) of a byte offset into `text`.
/// A line ends at `\n`, `\r\n` or a lone `\r` (an old Mac file's lines are
/// lines, not one long one). It scans `text` from its start: for many
/// lookups into one text, make a [`SourceFile`] once and ask it.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    SourceFile::new("", text).line_col(offset)
}

/// Byte offsets where the lines of `text` start: 0, then after each `\n`,
/// `\r\n` or lone `\r`.
pub(crate) fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut at = 0;
    while let Some(found) = bytes[at..].iter().position(|&b| b == b'\n' || b == b'\r') {
        let end = at + found;
        at = if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
            end + 2
        } else {
            end + 1
        };
        starts.push(at);
    }
    starts
}

/// The index of the line holding byte `offset`.
fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).saturating_sub(1)
}

/// Where line `index` ends, before its line break.
fn line_end(text: &str, starts: &[usize], index: usize) -> usize {
    match starts.get(index + 1) {
        Some(&next) => {
            let bytes = text.as_bytes();
            if next >= 2 && bytes[next - 1] == b'\n' && bytes[next - 2] == b'\r' {
                next - 2
            } else {
                next - 1
            }
        }
        None => text.len(),
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// At most this many diagnostics are drawn by one [`render`]; a line
/// counts the rest (`check --format json` lists them all).
pub const MAX_RENDERED: usize = 120;
/// At most this many related places are drawn under one diagnostic (a lint
/// about one origin may relate 100,000 items; codespan's layout of that
/// many labels takes minutes); a note counts the rest.
pub const MAX_RELATED_RENDERED: usize = 40;
/// Characters of a line shown before the start of a span: a diagnostic on
/// a megabyte-long line shows a window of it, not the line.
const EXCERPT_BEFORE: usize = 40;
/// Characters shown from the start of a span on.
const EXCERPT_AFTER: usize = 100;
/// A message, label or hint longer than this is shown cut in the middle
/// (it quotes model text, and an id may be megabytes long).
const MAX_TEXT_CHARS: usize = 600;

/// Render diagnostics rustc-style: `error: ...`, `┌─ file:line:col`, the
/// offending line with a caret, then hints.
///
/// Bounded whatever the file: each shown line is a window of at most
/// [`EXCERPT_BEFORE`] + [`EXCERPT_AFTER`] characters around its span, a
/// span is drawn on its first line only, long messages are cut, and past
/// [`MAX_RENDERED`] diagnostics one line counts the rest. Model text (in
/// the excerpt and in messages) is shown with control, bidirectional and
/// invisible characters escaped (crate::escape), so a diagnostic cannot
/// drive or reorder the terminal.
pub fn render(
    out: &mut dyn WriteColor,
    file: &SourceFile,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let config = term::Config::default();
    for d in diagnostics.iter().take(MAX_RENDERED) {
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
            Severity::Note => CsDiagnostic::note(),
        }
        .with_message(shown(&d.message));
        let mut excerpt = Excerpt::new(&file.name);
        match &d.span {
            Some(span) => {
                let mut spans = vec![span.clone()];
                let related = &d.related[..d.related.len().min(MAX_RELATED_RENDERED)];
                spans.extend(related.iter().map(|(span, _)| span.clone()));
                let mapped = excerpt.build(file, &spans);
                let mut label = Label::primary((), mapped[0].clone());
                if let Some(text) = &d.label {
                    label = label.with_message(shown(text));
                }
                let mut labels = vec![label];
                for ((_, text), span) in related.iter().zip(&mapped[1..]) {
                    labels.push(Label::secondary((), span.clone()).with_message(shown(text)));
                }
                cs = cs.with_labels(labels);
            }
            None => {
                cs = cs.with_notes(vec![format!("in {}", escape::visible(&file.name))]);
            }
        }
        let notes: Vec<String> = d
            .hints
            .iter()
            .map(|h| format!("hint: {}", shown(h)))
            .collect();
        cs.notes.extend(notes);
        if d.span.is_some() && d.related.len() > MAX_RELATED_RENDERED {
            cs.notes.push(format!(
                "{} more places not drawn (--format json lists every one)",
                d.related.len() - MAX_RELATED_RENDERED
            ));
        }
        term::emit_to_write_style(out, &config, &excerpt, &cs).map_err(std::io::Error::other)?;
    }
    if diagnostics.len() > MAX_RENDERED {
        writeln!(
            out,
            "note: {} more diagnostics not shown (--format json lists every one)",
            diagnostics.len() - MAX_RENDERED
        )?;
    }
    Ok(())
}

/// Text of a message, label or hint as shown: hidden characters escaped,
/// and cut in the middle when longer than [`MAX_TEXT_CHARS`].
fn shown(text: &str) -> String {
    let count = text.chars().count();
    if count <= MAX_TEXT_CHARS {
        return escape::for_terminal(text).into_owned();
    }
    let head: String = text.chars().take(MAX_TEXT_CHARS * 2 / 3).collect();
    let tail: String = text.chars().skip(count - MAX_TEXT_CHARS / 3).collect();
    format!(
        "{}… ({} characters cut) …{}",
        escape::for_terminal(&head),
        count - head.chars().count() - MAX_TEXT_CHARS / 3,
        escape::for_terminal(&tail)
    )
}

/// The lines one diagnostic shows, each a bounded window of its real line
/// with hidden characters escaped, as the source codespan draws from. It
/// answers codespan with the real line numbers and columns, so the
/// `┌─ file:line:column` it prints is the place in the model file.
struct Excerpt<'a> {
    name: &'a str,
    /// The windows, one per line, each ending in `\n`.
    buffer: String,
    /// By real line index.
    lines: std::collections::BTreeMap<usize, ExcerptLine>,
}

/// One window of a real line in [`Excerpt::buffer`].
struct ExcerptLine {
    /// Its bytes in the buffer, line break included.
    range: Range<usize>,
    /// For each character of the window (and its end): the byte in the
    /// file, the byte in the buffer, and the 1-based column in the file.
    marks: Vec<(usize, usize, usize)>,
}

impl<'a> Excerpt<'a> {
    fn new(name: &'a str) -> Self {
        Excerpt {
            name,
            buffer: String::new(),
            lines: std::collections::BTreeMap::new(),
        }
    }

    /// Windows for the lines of `spans`, and each span mapped into the
    /// buffer (cut at the end of its first line and of its window).
    fn build(&mut self, file: &SourceFile, spans: &[Range<usize>]) -> Vec<Range<usize>> {
        let text = file.text.as_str();
        let starts = file.line_starts();
        let spans: Vec<Range<usize>> = spans.iter().map(|s| clamp_span(text, s.clone())).collect();
        // The spans on each line; the first one (the primary span, if it is
        // on that line) centres the window.
        let mut by_line: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for span in &spans {
            // A span may start inside a CRLF: it is drawn at the line's end.
            let index = line_of(starts, span.start);
            let at = span.start.min(line_end(text, starts, index));
            by_line.entry(index).or_default().push(at);
        }
        // A single line between two shown ones is drawn by codespan too.
        let shown: Vec<usize> = by_line.keys().copied().collect();
        for pair in shown.windows(2) {
            if pair[1] == pair[0] + 2 {
                by_line.entry(pair[0] + 1).or_default();
            }
        }
        for (&index, offsets) in &by_line {
            let start = starts[index];
            let end = line_end(text, starts, index);
            let first = offsets.first().copied().unwrap_or(start);
            let last = offsets.iter().copied().max().unwrap_or(start);
            let back = |from: usize, n: usize| {
                text[start..from]
                    .char_indices()
                    .rev()
                    .nth(n.saturating_sub(1))
                    .map_or(start, |(i, _)| start + i)
            };
            let forward = |from: usize, n: usize| {
                text[from..end]
                    .char_indices()
                    .nth(n)
                    .map_or(end, |(i, _)| from + i)
            };
            let mut window_start = back(first, EXCERPT_BEFORE);
            let mut window_end = forward(last, EXCERPT_AFTER);
            // Spans far apart on one line: the first span's window only.
            if text[window_start..window_end].chars().count() > 2 * (EXCERPT_BEFORE + EXCERPT_AFTER)
            {
                window_start = back(first, EXCERPT_BEFORE);
                window_end = forward(first, EXCERPT_AFTER);
            }
            self.push_line(text, index, start, window_start, window_end, end);
        }
        spans
            .iter()
            .map(|span| {
                let index = line_of(starts, span.start);
                let from = self.to_buffer(index, span.start);
                let to = self.to_buffer(index, span.end.min(line_end(text, starts, index)));
                from..to.max(from)
            })
            .collect()
    }

    fn push_line(
        &mut self,
        text: &str,
        index: usize,
        line_start: usize,
        window_start: usize,
        window_end: usize,
        line_end: usize,
    ) {
        let begin = self.buffer.len();
        let mut column = text[line_start..window_start].chars().count() + 1;
        if window_start > line_start {
            self.buffer.push('…');
        }
        let mut marks = Vec::with_capacity(window_end - window_start + 1);
        for (offset, c) in text[window_start..window_end].char_indices() {
            marks.push((window_start + offset, self.buffer.len(), column));
            // Tabs stay: codespan lays them out.
            if c != '\t' && escape::is_hidden(c) {
                self.buffer.push_str(&escape::escape_char(c));
            } else {
                self.buffer.push(c);
            }
            column += 1;
        }
        marks.push((window_end, self.buffer.len(), column));
        if window_end < line_end {
            self.buffer.push('…');
        }
        self.buffer.push('\n');
        self.lines.insert(
            index,
            ExcerptLine {
                range: begin..self.buffer.len(),
                marks,
            },
        );
    }

    /// The buffer byte of file byte `offset` on line `index` (clamped to
    /// the line's window).
    fn to_buffer(&self, index: usize, offset: usize) -> usize {
        let Some(line) = self.lines.get(&index) else {
            return 0;
        };
        let at = line
            .marks
            .partition_point(|m| m.0 <= offset)
            .saturating_sub(1);
        line.marks.get(at).map_or(line.range.start, |m| m.1)
    }

    fn line(&self, index: usize) -> Result<&ExcerptLine, codespan_reporting::files::Error> {
        self.lines
            .get(&index)
            .ok_or(codespan_reporting::files::Error::LineTooLarge {
                given: index,
                max: self.lines.keys().next_back().copied().unwrap_or(0),
            })
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Excerpt<'_> {
    type FileId = ();
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<String, codespan_reporting::files::Error> {
        Ok(escape::visible(self.name).into_owned())
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.buffer)
    }

    fn line_index(
        &'a self,
        (): (),
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self
            .lines
            .iter()
            .find(|(_, l)| byte < l.range.end)
            .or_else(|| self.lines.iter().next_back())
            .map_or(0, |(&index, _)| index))
    }

    fn column_number(
        &'a self,
        (): (),
        index: usize,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let line = self.line(index)?;
        let at = line
            .marks
            .partition_point(|m| m.1 <= byte)
            .saturating_sub(1);
        Ok(line.marks.get(at).map_or(1, |m| m.2))
    }

    fn line_range(
        &'a self,
        (): (),
        index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        Ok(self.line(index)?.range.clone())
    }
}

fn clamp_span(text: &str, span: Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
    start..end
}

/// Render diagnostics to a plain string (no color): for tests and JSON.
pub fn render_plain(file: &SourceFile, diagnostics: &[Diagnostic]) -> String {
    let mut buf = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = render(&mut buf, file, diagnostics);
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

/// The closest candidate to a misspelt name, if it is close enough to suggest.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Edit distance is quadratic in the lengths: ids are short names, and a
    // megabyte-long string is no typo of one.
    const MAX_LEN: usize = 64;
    if name.len() > MAX_LEN {
        return None;
    }
    let candidates: Vec<&'a str> = candidates
        .into_iter()
        .filter(|c| c.len() <= MAX_LEN)
        .collect();
    // A candidate that looks the same (another normalization, a Cyrillic
    // letter for a Latin one) is surely the one meant.
    if !name.is_ascii()
        && let Some(same) = candidates
            .iter()
            .find(|c| crate::look_alike::likeness(name, c).is_some())
    {
        return Some(same);
    }
    // A name that is the start of exactly one candidate (`icd` for `icd203`)
    // is the likeliest intent, whatever the edit distance says.
    let prefixed: Vec<&'a str> = candidates
        .iter()
        .copied()
        .filter(|c| name.len() >= 2 && c.starts_with(name))
        .collect();
    if let [only] = prefixed.as_slice() {
        return Some(only);
    }
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1) + 1 && *d < c.len().max(2))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // byte 9 is the space after the two-byte é: column 3
        assert_eq!(line_col(text, 9), (2, 3));
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("relability", ["reliability", "bias", "title"]),
            Some("reliability")
        );
        assert_eq!(did_you_mean("zzz", ["reliability", "bias"]), None);
    }
}
