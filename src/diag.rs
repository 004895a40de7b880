//! Diagnostics as data: what every stage reports about a model.
//!
//! A diagnostic carries a severity, a byte span into the model file, a message
//! and hints. Stages collect them (a run reports every error at once) and the
//! edge renders them with the file, line, column and the offending text.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::WriteColor};

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
}

impl SourceFile {
    /// A named text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.text, offset)
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
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Render diagnostics rustc-style: `error: ...`, `┌─ file:line:col`, the
/// offending line with a caret, then hints.
pub fn render(
    out: &mut dyn WriteColor,
    file: &SourceFile,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let files = SimpleFile::new(file.name.as_str(), file.text.as_str());
    let config = term::Config::default();
    for d in diagnostics {
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
            Severity::Note => CsDiagnostic::note(),
        }
        .with_message(&d.message);
        match &d.span {
            Some(span) => {
                let span = clamp_span(&file.text, span.clone());
                let mut label = Label::primary((), span);
                if let Some(text) = &d.label {
                    label = label.with_message(text);
                }
                let mut labels = vec![label];
                for (span, text) in &d.related {
                    labels.push(
                        Label::secondary((), clamp_span(&file.text, span.clone()))
                            .with_message(text),
                    );
                }
                cs = cs.with_labels(labels);
            }
            None => {
                cs = cs.with_notes(vec![format!("in {}", file.name)]);
            }
        }
        let notes: Vec<String> = d.hints.iter().map(|h| format!("hint: {h}")).collect();
        cs.notes.extend(notes);
        term::emit_to_write_style(out, &config, &files, &cs).map_err(std::io::Error::other)?;
    }
    Ok(())
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
