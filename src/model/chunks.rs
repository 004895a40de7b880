//! Parsing a large model in pieces: each `[[evidence]]` block on its own.
//!
//! The TOML reader's spanned tree costs about forty times the text it holds
//! (a 15 MB model took over 600 MB), and most of a large model is evidence.
//! So the file is cut, with a scanner that follows TOML's strings, comments
//! and brackets, into the evidence blocks (an `[[evidence]]` header with its
//! `[evidence.*]` and `[[evidence.*]]` sub-tables) and the rest. The rest is
//! parsed as one document, with the blocks blanked to whitespace so every
//! offset stays the file's own; each block is parsed alone when validation
//! reaches it, and dropped once read. A block's spans are offsets into the
//! block: validation reads it with the block's start as its base (`Cx`
//! adds it to every diagnostic and to the spans the model keeps), which
//! costs nothing, where rebuilding each block's tree with moved spans was a
//! tenth of the load time.
//!
//! The result must be exactly what parsing the whole file gives. Anything the
//! scanner is not sure of (a header it cannot read, an `[evidence]` table, a
//! string it cannot follow, unbalanced brackets) returns `None`, and any
//! syntax error in a piece, or an `evidence` key outside the blocks, sends
//! the caller back to whole-file parsing, which also gives the syntax errors.

use std::borrow::Cow;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::reader::Node;

/// Files smaller than this are parsed whole: the tree is small, and one
/// parse is cheaper than many.
pub const MIN_CHUNKED_BYTES: usize = 256 * 1024;

/// Evidence blocks parsed together before validation reads them: enough to
/// make handing them between threads cheap, few enough to hold little memory.
pub const BATCH: usize = 256;

/// A file cut into its evidence blocks and the rest.
pub struct Split<'t> {
    /// The text outside the evidence blocks, at the same offsets as in the
    /// file: a prefix of it when the blocks run to its end, else a copy with
    /// the blocks blanked.
    pub head: Cow<'t, str>,
    /// Byte ranges of the evidence blocks, in order; each starts at its
    /// `[[evidence]]` line.
    pub blocks: Vec<Range<usize>>,
}

/// What a table header line names.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Header {
    /// `[[evidence]]`: a new evidence item.
    EvidenceItem,
    /// `[evidence.x]` or `[[evidence.x]]`: part of the current item.
    EvidenceSub,
    /// Any other table.
    Other,
}

/// Cut `text` into evidence blocks and the rest, or `None` when its layout is
/// not one this scanner follows with certainty (or it has no evidence blocks).
pub fn split(text: &str) -> Option<Split<'_>> {
    let headers = headers(text.as_bytes())?;
    let mut blocks: Vec<Range<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    for &(at, kind) in &headers {
        match kind {
            Header::EvidenceItem => {
                if let Some(start) = open.replace(at) {
                    blocks.push(start..at);
                }
            }
            // A sub-table before any item names a table of the evidence
            // array outside any block: leave that to the whole-file parse.
            Header::EvidenceSub if open.is_none() => return None,
            Header::EvidenceSub => {}
            Header::Other => {
                if let Some(start) = open.take() {
                    blocks.push(start..at);
                }
            }
        }
    }
    if let Some(start) = open {
        blocks.push(start..text.len());
    }
    let first = blocks.first()?.start;
    let contiguous = blocks.windows(2).all(|w| w[0].end == w[1].start);
    let head = if contiguous && blocks.last().is_some_and(|b| b.end == text.len()) {
        Cow::Borrowed(&text[..first])
    } else {
        let mut bytes = text.as_bytes().to_vec();
        for block in &blocks {
            for b in &mut bytes[block.clone()] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
        // Only whole blocks of bytes were replaced by ASCII, at line starts
        // and ends, so the text is still UTF-8.
        Cow::Owned(String::from_utf8(bytes).ok()?)
    };
    Some(Split { head, blocks })
}

/// The offset of each table header's line, with what it names; `None` when
/// the text holds something the scanner does not follow.
fn headers(b: &[u8]) -> Option<Vec<(usize, Header)>> {
    let mut out = Vec::new();
    let mut i = if b.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    // Open `[` and `{` of values (arrays and inline tables may span lines).
    let mut depth = 0usize;
    let mut line_start = i;
    let mut at_line_start = true;
    while i < b.len() {
        if at_line_start {
            at_line_start = false;
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            if depth == 0 && i < b.len() && b[i] == b'[' {
                let (kind, end) = header(b, i)?;
                out.push((line_start, kind));
                i = end;
                line_start = i;
                at_line_start = true;
                continue;
            }
            continue;
        }
        match b[i] {
            b'\n' => {
                i += 1;
                line_start = i;
                at_line_start = true;
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => i = multi_line_end(b, i + 3, b'"')?,
            b'\'' if b[i..].starts_with(b"'''") => i = multi_line_end(b, i + 3, b'\'')?,
            b'"' | b'\'' => i = string_end(b, i + 1, b[i])?,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            // Most bytes mean nothing here: skip their run at once.
            _ => {
                i += 1;
                while i < b.len() && !SPECIAL[usize::from(b[i])] {
                    i += 1;
                }
            }
        }
    }
    (depth == 0).then_some(out)
}

/// The bytes the scanner acts on between line starts.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    let bytes = b"\n\"'#[{]}";
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// Just past the closing quote of a one-line string whose body starts at
/// `i`; `None` if the line ends first.
fn string_end(b: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\n' | b'\r' => return None,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Just past the closing delimiter of a multi-line string whose body starts
/// at `i`. The body may end with one or two quotes right before the closing
/// three, so a run of four or five quotes closes too.
fn multi_line_end(b: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    while i < b.len() {
        if b[i] == b'\\' && quote == b'"' {
            i += 2;
            continue;
        }
        if b[i] == quote {
            let run = b[i..].iter().take_while(|&&c| c == quote).count();
            if run >= 3 {
                return (run <= 5).then_some(i + run);
            }
            i += run;
            continue;
        }
        i += 1;
    }
    None
}

/// Reads the header starting at `b[i] == '['` through its line's end: what
/// it names and the offset of the next line.
fn header(b: &[u8], i: usize) -> Option<(Header, usize)> {
    let double = b.get(i + 1) == Some(&b'[');
    let mut j = i + if double { 2 } else { 1 };
    let mut first: Option<&[u8]> = None;
    let mut segments = 0usize;
    loop {
        j = skip_blanks(b, j);
        let segment: &[u8] = match *b.get(j)? {
            b'"' => {
                let end = string_end(b, j + 1, b'"')?;
                let body = &b[j + 1..end - 1];
                // An escape could spell `evidence` another way: not followed.
                if body.contains(&b'\\') {
                    return None;
                }
                j = end;
                body
            }
            b'\'' => {
                let end = string_end(b, j + 1, b'\'')?;
                let body = &b[j + 1..end - 1];
                j = end;
                body
            }
            c if is_bare(c) => {
                let start = j;
                while j < b.len() && is_bare(b[j]) {
                    j += 1;
                }
                &b[start..j]
            }
            _ => return None,
        };
        first.get_or_insert(segment);
        segments += 1;
        j = skip_blanks(b, j);
        if b.get(j) == Some(&b'.') {
            j += 1;
        } else {
            break;
        }
    }
    let close: &[u8] = if double { b"]]" } else { b"]" };
    if !b[j..].starts_with(close) {
        return None;
    }
    j = skip_blanks(b, j + close.len());
    if b.get(j) == Some(&b'#') {
        while j < b.len() && b[j] != b'\n' {
            j += 1;
        }
    }
    if b.get(j) == Some(&b'\r') {
        j += 1;
    }
    match b.get(j) {
        None => {}
        Some(b'\n') => j += 1,
        Some(_) => return None,
    }
    let kind = match (first == Some(&b"evidence"[..]), segments, double) {
        (false, _, _) => Header::Other,
        (true, 1, true) => Header::EvidenceItem,
        (true, 1, false) => return None,
        (true, _, _) => Header::EvidenceSub,
    };
    Some((kind, j))
}

fn skip_blanks(b: &[u8], mut j: usize) -> usize {
    while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
        j += 1;
    }
    j
}

fn is_bare(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Parses one evidence block (`text[block]`) alone: the item's table, with
/// spans as offsets into the block (add `block.start` for the file's).
/// `None` on any syntax error, or if the block holds anything but one
/// evidence item.
pub fn parse_block(text: &str, block: Range<usize>) -> Option<Node<'_>> {
    let (root, errors) = DeTable::parse_recoverable(&text[block]);
    if !errors.is_empty() {
        return None;
    }
    let mut root = root.into_inner();
    if root.len() != 1 {
        return None;
    }
    let DeValue::Array(items) = root.remove("evidence")?.into_inner() else {
        return None;
    };
    let mut items = items.into_iter();
    let item = items.next()?;
    if items.next().is_some() {
        return None;
    }
    Some(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Option<Vec<(usize, Header)>> {
        headers(text.as_bytes())
    }

    #[test]
    fn headers_outside_strings_and_arrays() {
        let text = "a = \"\"\"\n[[evidence]]\n\"\"\"\n[[evidence]]\nx = [\n[1],\n]\n[ evidence . reports ] # c\n[model]\n";
        let h = kinds(text).expect("followed");
        assert_eq!(
            h.iter().map(|x| x.1).collect::<Vec<_>>(),
            [Header::EvidenceItem, Header::EvidenceSub, Header::Other]
        );
        assert_eq!(&text[h[0].0..h[0].0 + 12], "[[evidence]]");
    }

    #[test]
    fn unsure_layouts_are_refused() {
        assert!(kinds("[evidence]\n").is_none());
        assert!(kinds("[\"evid\\u0065nce\"]\n").is_none());
        assert!(kinds("a = [\n").is_none());
        assert!(kinds("a = ]\n").is_none());
        assert!(kinds("a = \"open\n").is_none());
        assert!(kinds("a = '''x\n").is_none());
    }

    #[test]
    fn quote_runs_close_multi_line_strings() {
        let text = "a = \"\"\"x\"\"\"\"\"\n[[evidence]]\n";
        let h = kinds(text).expect("followed");
        assert_eq!(h, [(text.find("[[").unwrap_or(0), Header::EvidenceItem)]);
    }
}
