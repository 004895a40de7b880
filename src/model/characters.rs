//! Hidden characters in a model file: control, bidirectional and invisible
//! characters (crate::escape) written raw or as string escapes (`\u0000`,
//! `\r`, `\u202E`), and lone carriage returns as line ends.
//!
//! A string may hold them (TOML allows the escapes), and every output shows
//! them escaped; but a title that reads differently from what it holds, or
//! a NUL in a claim, is almost always a mistake or a trick, so each is named
//! with its line and column. The scan is of the text, so it sees keys,
//! values and comments alike (a bidirectional override in a comment can
//! make a file read differently in an editor than it parses).

use crate::diag::Diagnostic;
use crate::escape;

/// Warnings about hidden characters past this many are counted in one note.
pub const MAX_WARNINGS: usize = 20;

/// A lone carriage return as a line end: TOML does not allow one, and
/// every one of them would be its own syntax error. One error at the first,
/// counting the rest.
pub fn lone_carriage_returns(text: &str) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let lone = |i: &usize| bytes[*i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    let first = (0..bytes.len()).find(lone)?;
    let count = (first..bytes.len()).filter(lone).count();
    Some(
        Diagnostic::error(format!(
            "a lone carriage return (U+000D) ends this line: TOML lines end in LF or CRLF ({count} lone carriage return{} in the file)",
            if count == 1 { "" } else { "s" }
        ))
        .at(first..first + 1)
        .label("CR not followed by LF")
        .hint("convert the line endings to LF (for example `tr '\\r' '\\n' < old.toml > new.toml`), or remove the stray CR"),
    )
}

/// Where a scan of the text is: which kind of TOML string or comment.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Normal,
    Comment,
    Basic,
    MultiBasic,
    Literal,
    MultiLiteral,
}

/// Warnings for hidden characters in `text`, raw or escaped, at most one
/// per line (naming up to three characters), at most [`MAX_WARNINGS`] and
/// a note counting the rest. Tabs, line ends and the byte-order mark at
/// the start of the file are not hidden here.
pub fn hidden_characters(text: &str) -> Vec<Diagnostic> {
    // Most files hold none: one pass to tell.
    if !text
        .char_indices()
        .any(|(i, c)| suspicious(c) && !(i == 0 && c == '\u{FEFF}'))
        && !text.contains('\\')
    {
        return Vec::new();
    }
    let mut found: Vec<(usize, usize, char)> = Vec::new(); // (start, end, char)
    let mut state = State::Normal;
    let mut chars = text.char_indices().peekable();
    let at = |i: usize, s: &str| text[i..].starts_with(s);
    while let Some((i, c)) = chars.next() {
        if suspicious(c) && !(i == 0 && c == '\u{FEFF}') {
            found.push((i, i + c.len_utf8(), c));
        }
        match state {
            State::Normal => {
                if c == '#' {
                    state = State::Comment;
                } else if at(i, "\"\"\"") {
                    state = State::MultiBasic;
                    chars.next();
                    chars.next();
                } else if c == '"' {
                    state = State::Basic;
                } else if at(i, "'''") {
                    state = State::MultiLiteral;
                    chars.next();
                    chars.next();
                } else if c == '\'' {
                    state = State::Literal;
                }
            }
            State::Comment => {
                if c == '\n' {
                    state = State::Normal;
                }
            }
            State::Literal => {
                if c == '\'' || c == '\n' {
                    state = State::Normal;
                }
            }
            State::MultiLiteral => {
                if at(i, "'''") && !at(i + 1, "'''") {
                    state = State::Normal;
                    chars.next();
                    chars.next();
                }
            }
            State::Basic | State::MultiBasic => {
                if c == '\\' {
                    let (len, decoded) = escape_at(&text[i..]);
                    if let Some(d) = decoded
                        && escape::is_hidden(d)
                        && d != '\t'
                        && d != '\n'
                        && !(d == '\r' && text[i + len..].starts_with("\\n"))
                    {
                        found.push((i, i + len, d));
                    }
                    // Skip the rest of the escape (all ASCII).
                    for _ in 1..len {
                        chars.next();
                    }
                } else if state == State::Basic && (c == '"' || c == '\n') {
                    state = State::Normal;
                } else if state == State::MultiBasic && at(i, "\"\"\"") && !at(i + 1, "\"\"\"") {
                    state = State::Normal;
                    chars.next();
                    chars.next();
                }
            }
        }
    }
    let file = crate::diag::SourceFile::new("", text);
    let mut diagnostics = Vec::new();
    let mut lines = 0;
    let mut k = 0;
    while k < found.len() {
        let line = file.line_col(found[k].0).0;
        let mut same = k;
        while same < found.len() && file.line_col(found[same].0).0 == line {
            same += 1;
        }
        lines += 1;
        if lines <= MAX_WARNINGS {
            diagnostics.push(warning(&found[k..same]));
        }
        k = same;
    }
    if lines > MAX_WARNINGS {
        diagnostics.push(Diagnostic::note(format!(
            "hidden characters on {} more lines not shown",
            lines - MAX_WARNINGS
        )));
    }
    diagnostics
}

/// Hidden, and not layout: a tab or line feed is text, and a carriage
/// return before a line feed is a line end.
fn suspicious(c: char) -> bool {
    escape::is_hidden(c) && c != '\t' && c != '\n' && c != '\r'
}

/// The length of the escape at the start of `rest` (which starts with a
/// backslash) and the character it stands for, if it is one TOML knows.
/// A lone `\r` escape is a carriage return; `\r\n` written as escapes is a
/// line end, left alone by the caller.
fn escape_at(rest: &str) -> (usize, Option<char>) {
    let hex = |digits: usize| {
        rest.get(2..2 + digits)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
    };
    match rest.as_bytes().get(1) {
        Some(b'u') => (6, hex(4)),
        Some(b'U') => (10, hex(8)),
        Some(b'x') => (4, hex(2)),
        Some(b'b') => (2, Some('\u{8}')),
        Some(b'f') => (2, Some('\u{C}')),
        Some(b'e') => (2, Some('\u{1B}')),
        Some(b'r') => (2, Some('\r')),
        Some(_) => (2, None),
        None => (1, None),
    }
}

fn warning(found: &[(usize, usize, char)]) -> Diagnostic {
    let (start, end, c) = found[0];
    let mut named: Vec<String> = Vec::new();
    for (_, _, c) in found {
        let d = escape::describe(*c);
        if !named.contains(&d) && named.len() < 3 {
            named.push(d);
        }
    }
    let more = found.len() - 1;
    let what = if c == '\u{0}' {
        "a NUL character"
    } else if c == '\r' {
        "a lone carriage return"
    } else if c.is_control() {
        "a control character"
    } else {
        "an invisible or text-reordering character"
    };
    Diagnostic::warning(format!(
        "{what} in the model text: {}{}",
        named.join(", "),
        if more > 0 {
            format!(" ({} on this line)", found.len())
        } else {
            String::new()
        }
    ))
    .at(start..end)
    .label(format!("{} here", escape::escape_char(c)))
    .hint("output shows it escaped (`\\u{...}`), but it is almost always a paste accident or a trick; remove it unless the text needs it")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_and_escaped_hidden_characters_are_found() {
        let text = "title = \"a\\u0000b\"\nclaim = 'x\\u0000y'\nnotes = \"p\\r\\nq\\rz\u{202E}\"\n# \u{2066}\n";
        let found = hidden_characters(text);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert_eq!(found[0].span, Some(10..16)); // the \u0000 escape
        assert!(messages[0].contains("NUL"), "{messages:?}");
        // A literal string holds no escapes; an escaped CRLF is a line end.
        assert!(messages[1].contains("U+000D"), "{messages:?}");
        assert!(messages[1].contains("U+202E"), "{messages:?}");
        assert!(messages[2].contains("U+2066"), "{messages:?}");
        assert!(hidden_characters("a = \"b\\tc\"\n\u{FEFF}").len() == 1);
        assert!(hidden_characters("\u{FEFF}a = \"b\\tc\"\n").is_empty());
    }

    #[test]
    fn lone_carriage_returns_are_one_error() {
        let d = lone_carriage_returns("a = 1\rb = 2\rc = 3\r\n").expect("found");
        assert_eq!(d.span, Some(5..6));
        assert!(d.message.contains("2 lone carriage returns"));
        assert!(lone_carriage_returns("a = 1\r\nb = 2\n").is_none());
    }
}
