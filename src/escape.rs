//! Model text made harmless to show: which characters can drive or reorder
//! a terminal (C0 and C1 controls, DEL, bidirectional overrides and
//! isolates) or hide in plain sight (zero-width and other invisible format
//! characters, line and paragraph separators, tag characters), and their
//! visible escapes (`\u{202E}`).
//!
//! The text renderer and the diagnostics print model text through
//! [`for_terminal`]; Markdown and HTML show the same escapes; JSON keeps
//! the characters but writes each as a `\uXXXX` escape (the report layer's
//! JSON writer), so no output carries one raw.

use std::borrow::Cow;

/// Whether `c` controls or reorders a terminal, or is invisible: never
/// printed raw. Tab and newline are in the set; [`for_terminal`] keeps them,
/// as layout the renderers fold.
///
/// Zero-width joiner and non-joiner are not: emoji sequences and several
/// scripts need them, and they move nothing.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'                  // Arabic letter mark
            | '\u{115F}' | '\u{1160}'   // Hangul fillers (blank)
            | '\u{180E}'                // Mongolian vowel separator
            | '\u{200B}'                // zero-width space
            | '\u{200E}' | '\u{200F}'   // left-to-right and right-to-left marks
            | '\u{2028}' | '\u{2029}'   // line and paragraph separators
            | '\u{202A}'..='\u{202E}'   // bidirectional embeddings and overrides
            | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
            | '\u{2066}'..='\u{206F}'   // bidirectional isolates, deprecated formats
            | '\u{3164}'                // Hangul filler
            | '\u{FEFF}'                // zero-width no-break space (BOM)
            | '\u{FFA0}'                // halfwidth Hangul filler
            | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
            | '\u{E0000}'..='\u{E007F}' // tag characters
        )
}

/// The visible escape of one character: `\t`, `\n`, `\r`, else
/// `\u{XXXX}` (upper-case hex, as code points are usually written).
pub fn escape_char(c: char) -> String {
    match c {
        '\t' => "\\t".to_string(),
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        c => format!("\\u{{{:X}}}", c as u32),
    }
}

/// `text` with every hidden character (see [`is_hidden`]) escaped, tabs
/// and newlines included: for text that must stay on one line.
pub fn visible(text: &str) -> Cow<'_, str> {
    escape_where(text, is_hidden)
}

/// `text` with every hidden character escaped but tab and newline, which a
/// renderer lays out (wrapping folds them into spaces).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| is_hidden(c) && c != '\n' && c != '\t')
}

fn escape_where(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escape(c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The code point and, for the characters a hostile file is likeliest to
/// hold, the name: `U+202E (RIGHT-TO-LEFT OVERRIDE)`.
pub fn describe(c: char) -> String {
    match name(c) {
        Some(name) => format!("U+{:04X} ({name})", c as u32),
        None => format!("U+{:04X}", c as u32),
    }
}

fn name(c: char) -> Option<&'static str> {
    Some(match c {
        '\0' => "NUL",
        '\u{7}' => "BEL, the terminal bell",
        '\u{8}' => "BACKSPACE",
        '\t' => "TAB",
        '\n' => "LINE FEED",
        '\u{B}' => "VERTICAL TAB",
        '\u{C}' => "FORM FEED",
        '\r' => "CARRIAGE RETURN",
        '\u{1B}' => "ESCAPE, which starts terminal control sequences",
        '\u{7F}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{9B}' => "CONTROL SEQUENCE INTRODUCER",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        c if c.is_control() => "a control character",
        c if ('\u{E0000}'..='\u{E007F}').contains(&c) => "a tag character",
        c if is_hidden(c) => "an invisible character",
        _ => return None,
    })
}

/// Serde JSON formatting that writes every hidden character as a `\uXXXX`
/// escape (serde_json escapes only C0 controls): the JSON means the same
/// text, and printed to a terminal it cannot drive or reorder it.
pub struct JsonFormatter<F>(pub F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonFormatter<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| is_hidden(*c)) {
            self.0.write_string_fragment(writer, &rest[..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{:04x}", unit)?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.write_string_fragment(writer, rest)
    }

    // The rest delegates, so the wrapped formatter's layout is kept.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_escaped() {
        assert_eq!(
            for_terminal("a\u{1b}[31mb\u{7}\u{202E}c\td\ne\r"),
            "a\\u{1B}[31mb\\u{7}\\u{202E}c\td\ne\\r"
        );
        assert_eq!(visible("a\tb\n"), "a\\tb\\n");
        assert!(matches!(for_terminal("plain café"), Cow::Borrowed(_)));
        // Joiners stay: emoji and several scripts need them.
        assert_eq!(for_terminal("👩\u{200D}🔬"), "👩\u{200D}🔬");
        assert_eq!(visible("\u{85}\u{9B}\u{E0041}"), "\\u{85}\\u{9B}\\u{E0041}");
    }

    #[test]
    fn json_escapes_hidden_characters_and_keeps_the_text() {
        let text = "x\u{202E}y\u{9B}z\u{1b}\u{E0041}";
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            JsonFormatter(serde_json::ser::CompactFormatter),
        );
        serde::Serialize::serialize(&text, &mut ser).expect("serialize");
        let json = String::from_utf8(out).expect("utf-8");
        assert_eq!(json, r#""x\u202ey\u009bz\u001b\udb40\udc41""#);
        assert_eq!(serde_json::from_str::<String>(&json).expect("parse"), text);
    }
}
