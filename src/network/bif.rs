//! The BIF interchange format (Cozman's BIF 0.15 as written by GeNIe,
//! Netica, bnlearn and pgmpy) over [`Network`]: a tolerant parser and a
//! writer whose output pgmpy's `BIFReader` loads. Pure: text in, text out.
//!
//! Names in the file are identifiers: the writer maps each network name (and
//! state name) through [`identifiers`], which is deterministic and unique,
//! and lists every name it changed in a comment at the top of the file so
//! the mapping can be read back.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use super::factor::VarId;
use super::graph::Network;

mod decimal;
mod fast;

/// How far a CPT row may sum from 1 and still be read (files round their
/// numbers; the values are used as written, as pgmpy does).
pub const ROW_SUM_TOLERANCE: f64 = 1e-3;

/// The largest CPT the parser builds (a hostile header could ask for more
/// memory than exists).
pub const MAX_CPT_ENTRIES: usize = 1 << 24;

/// The most bytes the full reader's declarations (names, rows and numbers
/// read, before they become tables) may hold: a file within the size cap
/// could otherwise ask for gigabytes (ten million one-number rows hold
/// over a gigabyte as rows).
pub const MAX_HELD_BYTES: usize = 384 << 20;

/// The most parents one variable may have. A parent with two or more
/// states at least doubles the table, so past 24 of them a table is over
/// [`MAX_CPT_ENTRIES`] anyway; only one-state parents could go further,
/// and each parent ties all the others together in inference's graph
/// (100,000 of them made 5 billion pairs).
pub const MAX_PARENTS: usize = 64;

/// The most entries all CPTs together may have (128 MiB of numbers): each
/// table under [`MAX_CPT_ENTRIES`] is no bound on forty of them. bnlearn's
/// largest networks have under 100,000.
pub const MAX_TOTAL_CPT_ENTRIES: usize = 1 << 24;

/// A network read from BIF.
#[derive(Clone, Debug)]
pub struct Bif {
    /// The name after `network`, if any.
    pub name: Option<String>,
    /// Variables in an order where parents come first (declaration order
    /// where the file allows it).
    pub net: Network,
    /// `property evidence = STATE ;` of the variable blocks, in declaration
    /// order.
    pub evidence: Vec<(VarId, usize)>,
    /// The variables in the order the file declares them (`net` puts
    /// parents first).
    pub declared: Vec<VarId>,
}

impl Bif {
    /// The variables in the file's order: [`Bif::declared`] when it lists
    /// every variable, else by id.
    pub fn file_order(&self) -> Vec<VarId> {
        if self.declared.len() == self.net.len() {
            self.declared.clone()
        } else {
            (0..self.net.len()).collect()
        }
    }
}

/// The hint for a word that is not a probability (shared by the XML
/// readers).
pub(super) const NUMBER_HINT: &str = "probabilities are decimal numbers from 0 to 1, such as 0.25, 1 or 2.5e-1 (not NaN, infinity, hexadecimal, a percentage or a decimal comma)";

/// The hint for a probability outside [0, 1] (shared by the XML readers).
pub(super) const RANGE_HINT: &str =
    "a probability is from 0 to 1: a percentage is divided by 100, and a negative number is a typo";

/// A problem in a BIF file, at a 1-based line and column (in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the text.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, where there is something to say.
    pub hint: Option<String>,
}

impl ParseError {
    /// An error at byte offset `at` of `text` (clamped to the text).
    pub fn at(text: &str, at: usize, message: impl Into<String>) -> ParseError {
        let offset = at.min(text.len());
        let (line, column) = crate::diag::line_col(text, offset);
        ParseError {
            offset,
            line,
            column,
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> ParseError {
        self.hint = Some(hint.into());
        self
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

// ---------------------------------------------------------------------------
// Names

const KEYWORDS: [&str; 8] = [
    "network",
    "variable",
    "probability",
    "property",
    "type",
    "discrete",
    "table",
    "default",
];

/// One name made an identifier: ASCII letters, digits and `_`; every run of
/// other characters becomes one `_`; a leading digit (or nothing) gets an
/// `n` in front; a BIF keyword gets a trailing `_`.
pub fn identifier(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            if gap {
                out.push('_');
                gap = false;
            }
            out.push(c);
        } else {
            gap = true;
        }
    }
    if gap {
        out.push('_');
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&out)) {
        out.push('_');
    }
    out
}

/// Identifiers for a list of names, unique among themselves even ignoring
/// case (pgmpy matches names case-insensitively): the first name to claim
/// an identifier keeps it, later ones get `_2`, `_3`, ...
pub fn identifiers<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let names: Vec<&str> = names.into_iter().collect();
    // Names that are identifiers already are never renamed, so a file
    // read back and written again keeps its names.
    let mut out: Vec<Option<String>> = names
        .iter()
        .map(|n| {
            let id = identifier(n);
            (id == *n && taken.insert(id.to_ascii_lowercase())).then_some(id)
        })
        .collect();
    for (slot, name) in out.iter_mut().zip(&names) {
        if slot.is_some() {
            continue;
        }
        let base = identifier(name);
        let mut candidate = base.clone();
        let mut k = 2;
        while taken.contains(&candidate.to_ascii_lowercase()) {
            candidate = format!("{base}_{k}");
            k += 1;
        }
        taken.insert(candidate.to_ascii_lowercase());
        *slot = Some(candidate);
    }
    out.into_iter().map(Option::unwrap_or_default).collect()
}

/// The BIF identifier of every variable of `net`, indexed by `VarId`.
pub fn variable_identifiers(net: &Network) -> Vec<String> {
    identifiers(net.graph.node_weights().map(|n| n.name.as_str()))
}

/// A name a user gave that the network does not have, with the closest
/// name it does have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// The name as given.
    pub name: String,
    /// The network's closest name, if one is close enough to suggest.
    pub suggestion: Option<String>,
}

fn find_name(name: &str, candidates: Vec<&str>) -> Result<usize, UnknownName> {
    if let Some(i) = candidates.iter().position(|c| *c == name) {
        return Ok(i);
    }
    // A unique case-insensitive match is what the user meant.
    let folded: Vec<usize> = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.eq_ignore_ascii_case(name))
        .map(|(i, _)| i)
        .collect();
    if let [only] = folded.as_slice() {
        return Ok(*only);
    }
    Err(UnknownName {
        name: name.to_string(),
        suggestion: crate::diag::did_you_mean(name, candidates).map(str::to_string),
    })
}

/// A variable by name (exact, else a unique case-insensitive match).
pub fn find_variable(net: &Network, name: &str) -> Result<VarId, UnknownName> {
    find_name(
        name,
        net.graph.node_weights().map(|n| n.name.as_str()).collect(),
    )
}

/// A state of `v` by name (exact, else a unique case-insensitive match).
pub fn find_state(net: &Network, v: VarId, name: &str) -> Result<usize, UnknownName> {
    find_name(
        name,
        net.node(v).states.iter().map(String::as_str).collect(),
    )
}

// ---------------------------------------------------------------------------
// Writer

/// What to write besides the network.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// The name after `network` (made an identifier).
    pub name: String,
    /// Comment lines for the top of the file.
    pub comments: Vec<String>,
    /// Observed states, written as `property evidence = STATE ;`.
    pub evidence: Vec<(VarId, usize)>,
}

/// A number with enough digits to read back to the same `f64`.
pub(super) fn number(x: f64) -> String {
    // `{:?}` is Rust's shortest round-trip form (0.15, 1e-7, 1.0).
    format!("{x:?}")
}

/// Text that cannot end a `//` comment early.
fn comment_text(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '\n' => vec!['\\', 'n'],
            '\r' => vec!['\\', 'r'],
            // Every character that could drive or reorder a terminal, or
            // hide, as the visible escape every other output shows.
            c if crate::escape::is_hidden(c) => crate::escape::escape_char(c).chars().collect(),
            c => vec![c],
        })
        .collect()
}

/// State identifiers of every variable of `net`, indexed by `VarId`.
pub fn state_identifiers(net: &Network) -> Vec<Vec<String>> {
    net.graph
        .node_weights()
        .map(|n| identifiers(n.states.iter().map(String::as_str)))
        .collect()
}

/// `NAME <- original` for every variable name and `NAME.STATE <- original`
/// for every state name that [`identifiers`] changed, in variable order:
/// the lines every writer puts in a comment so the mapping can be undone.
pub fn renamed_names(net: &Network, names: &[String], states: &[Vec<String>]) -> Vec<String> {
    let mut lines = Vec::new();
    for v in 0..net.len() {
        let node = net.node(v);
        if names[v] != node.name {
            lines.push(format!("{} <- {}", names[v], node.name));
        }
        for (id, original) in states[v].iter().zip(node.states.iter()) {
            if id != original {
                lines.push(format!("{}.{id} <- {original}", names[v]));
            }
        }
    }
    lines
}

/// The network as BIF: every variable block, then every probability block,
/// in variable order. Nodes with parents get one explicit row per parent
/// assignment (first parent slowest); roots a `table`.
pub fn write(net: &Network, options: &WriteOptions) -> String {
    let names = variable_identifiers(net);
    let states = state_identifiers(net);
    let mut evidence: Vec<Option<usize>> = vec![None; net.len()];
    for &(v, s) in &options.evidence {
        if v < net.len() && s < net.card(v) {
            evidence[v] = Some(s);
        }
    }
    let mut out = String::new();
    for line in &options.comments {
        let _ = writeln!(out, "// {}", comment_text(line));
    }
    let renamed = renamed_names(net, &names, &states);
    if !renamed.is_empty() {
        out.push_str("//\n// Names made identifiers (BIF name <- original name):\n");
        for line in &renamed {
            let _ = writeln!(out, "//   {}", comment_text(line));
        }
    }
    let _ = writeln!(out, "network {} {{\n}}", identifier(&options.name));
    for v in 0..net.len() {
        let _ = writeln!(
            out,
            "variable {} {{\n  type discrete [ {} ] {{ {} }};",
            names[v],
            states[v].len(),
            states[v].join(", ")
        );
        if let Some(s) = evidence[v] {
            let _ = writeln!(out, "  property evidence = {} ;", states[v][s]);
        }
        out.push_str("}\n");
    }
    for v in 0..net.len() {
        let node = net.node(v);
        let k = node.states.len();
        let row = |r: usize| -> String {
            node.cpt[r * k..(r + 1) * k]
                .iter()
                .map(|&x| number(x))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if node.parents.is_empty() {
            let _ = writeln!(
                out,
                "probability ( {} ) {{\n  table {};\n}}",
                names[v],
                row(0)
            );
            continue;
        }
        let parents: Vec<&str> = node.parents.iter().map(|&p| names[p].as_str()).collect();
        let _ = writeln!(
            out,
            "probability ( {} | {} ) {{",
            names[v],
            parents.join(", ")
        );
        let cards: Vec<usize> = node.parents.iter().map(|&p| net.card(p)).collect();
        let rows: usize = cards.iter().product();
        let mut assignment = vec![0usize; cards.len()];
        for r in 0..rows {
            let labels: Vec<&str> = node
                .parents
                .iter()
                .zip(&assignment)
                .map(|(&p, &s)| states[p][s].as_str())
                .collect();
            let _ = writeln!(out, "  ({}) {};", labels.join(", "), row(r));
            for d in (0..cards.len()).rev() {
                assignment[d] += 1;
                if assignment[d] < cards[d] {
                    break;
                }
                assignment[d] = 0;
            }
        }
        out.push_str("}\n");
    }
    out
}

// ---------------------------------------------------------------------------
// Lexer

/// A token, borrowing from the text (no allocation per token: a
/// multi-megabyte network is mostly numbers).
#[derive(Clone, Debug, PartialEq)]
enum Tok<'a> {
    /// An unquoted run of name characters (names, numbers, keywords).
    Word(&'a str),
    /// A double-quoted string, its escapes (`\x` for `x`) resolved: only a
    /// string with escapes is copied.
    Quoted(Cow<'a, str>),
    Punct(char),
    Eof,
}

#[derive(Clone, Debug)]
struct Token<'a> {
    tok: Tok<'a>,
    /// Byte offset of its first character.
    at: usize,
}

/// Whether ASCII byte `b` is whitespace as [`char::is_whitespace`] says
/// (which, unlike [`u8::is_ascii_whitespace`], includes the vertical tab).
const fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Whether ASCII byte `b` is punctuation: a token of its own.
const fn is_punct_byte(b: u8) -> bool {
    matches!(
        b,
        b'{' | b'}' | b'(' | b')' | b'[' | b']' | b';' | b',' | b'|' | b'"'
    )
}

/// What a byte is to the lexer: 0 for a byte of a word.
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte >= 0x80 {
            NON_ASCII
        } else if is_ascii_space(byte) {
            SPACE
        } else if is_punct_byte(byte) {
            PUNCT
        } else if byte == b'/' {
            SLASH
        } else {
            0
        };
        b += 1;
    }
    table
};
/// Whitespace, as the lexer skips it.
const SPACE: u8 = 1;
/// A token of its own (`"` included).
const PUNCT: u8 = 2;
/// A comment's start if a `/` or `*` follows, else part of a word.
const SLASH: u8 = 3;
/// A byte of a multi-byte character: left to the lexer.
const NON_ASCII: u8 = 4;

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    peeked: Option<Token<'a>>,
    /// The bytes the names and numbers read so far hold (see
    /// [`MAX_HELD_BYTES`]).
    held: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Lexer<'a> {
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            text,
            pos,
            peeked: None,
            held: 0,
        }
    }

    fn error(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError::at(self.text, at, message)
    }

    /// Count `bytes` more held for what was read at `at`, refusing past
    /// [`MAX_HELD_BYTES`] before they are allocated.
    fn hold(&mut self, bytes: usize, at: usize) -> Result<(), ParseError> {
        self.held = self.held.saturating_add(bytes);
        if self.held > MAX_HELD_BYTES {
            return Err(self
                .error(
                    at,
                    format!(
                        "the file's declarations would hold over {} MiB while they are read",
                        MAX_HELD_BYTES >> 20
                    ),
                )
                .with_hint(
                    "credence reads networks of up to about 16 million probabilities in all; \
                     check the file for a runaway list of states, rows or numbers",
                ));
        }
        Ok(())
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// The whitespace character (Unicode's, as [`char::is_whitespace`])
    /// starting at byte `at`, if any: its length in bytes.
    fn space_at(&self, at: usize) -> Option<usize> {
        let b = *self.text.as_bytes().get(at)?;
        if b < 0x80 {
            return is_ascii_space(b).then_some(1);
        }
        let c = self.text[at..].chars().next()?;
        c.is_whitespace().then_some(c.len_utf8())
    }

    /// Skip whitespace and comments.
    fn skip(&mut self) -> Result<(), ParseError> {
        let bytes = self.text.as_bytes();
        loop {
            loop {
                match bytes.get(self.pos) {
                    Some(&b) if CLASS[usize::from(b)] == SPACE => self.pos += 1,
                    Some(&b) if CLASS[usize::from(b)] == NON_ASCII => match self.space_at(self.pos)
                    {
                        Some(len) => self.pos += len,
                        None => break,
                    },
                    _ => break,
                }
            }
            let rest = &bytes[self.pos..];
            if rest.starts_with(b"//") {
                self.pos += memchr_newline(rest).unwrap_or(rest.len());
            } else if rest.starts_with(b"/*") {
                match self.text[self.pos + 2..].find("*/") {
                    Some(end) => self.pos += end + 4,
                    None => {
                        return Err(self.error(self.pos, "unclosed comment `/*`").with_hint(
                            "close the comment with `*/`, or start each comment line with `//`",
                        ));
                    }
                }
            } else {
                return Ok(());
            }
        }
    }

    fn next(&mut self) -> Result<Token<'a>, ParseError> {
        if let Some(t) = self.peeked.take() {
            return Ok(t);
        }
        self.skip()?;
        let at = self.pos;
        let bytes = self.text.as_bytes();
        let Some(&first) = bytes.get(at) else {
            return Ok(Token { tok: Tok::Eof, at });
        };
        if first == b'"' {
            return self.quoted(at);
        }
        if is_punct_byte(first) {
            self.pos += 1;
            return Ok(Token {
                tok: Tok::Punct(char::from(first)),
                at,
            });
        }
        // A word: up to whitespace, punctuation or a comment.
        let mut end = at;
        while let Some(&b) = bytes.get(end) {
            match CLASS[usize::from(b)] {
                0 => end += 1,
                SLASH if !matches!(bytes.get(end + 1), Some(b'/' | b'*')) => end += 1,
                NON_ASCII => match self.space_at(end) {
                    Some(_) => break,
                    None => {
                        end += self.text[end..].chars().next().map_or(1, char::len_utf8);
                    }
                },
                _ => break,
            }
        }
        self.pos = end;
        Ok(Token {
            tok: Tok::Word(&self.text[at..end]),
            at,
        })
    }

    /// The string opening with the `"` at `at`: borrowed when it has no
    /// escape, copied with its escapes resolved when it has.
    fn quoted(&mut self, at: usize) -> Result<Token<'a>, ParseError> {
        let unclosed = |lx: &Lexer<'_>| {
            lx.error(at, "unclosed string: a `\"` has no partner")
                .with_hint(
                    "close the quoted name with `\"`; a `\"` inside a name is written `\\\"`",
                )
        };
        let body = &self.text[at + 1..];
        let Some(stop) = body.find(['"', '\\']) else {
            return Err(unclosed(self));
        };
        if body.as_bytes()[stop] == b'"' {
            self.pos = at + 1 + stop + 1;
            return Ok(Token {
                tok: Tok::Quoted(Cow::Borrowed(&body[..stop])),
                at,
            });
        }
        let mut s = String::from(&body[..stop]);
        let mut chars = body[stop..].char_indices();
        loop {
            match chars.next() {
                None => return Err(unclosed(self)),
                Some((i, '"')) => {
                    self.pos = at + 1 + stop + i + 1;
                    return Ok(Token {
                        tok: Tok::Quoted(Cow::Owned(s)),
                        at,
                    });
                }
                Some((_, '\\')) => match chars.next() {
                    Some((_, e)) => s.push(e),
                    None => return Err(unclosed(self)),
                },
                Some((_, ch)) => s.push(ch),
            }
        }
    }

    fn peek(&mut self) -> Result<&Token<'a>, ParseError> {
        if self.peeked.is_none() {
            let t = self.next()?;
            self.peeked = Some(t);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    /// The raw text of a `property` up to its `;` (quotes respected), trimmed.
    fn raw_until_semicolon(&mut self, at: usize) -> Result<String, ParseError> {
        debug_assert!(self.peeked.is_none());
        let rest = self.rest();
        let mut quoted = false;
        for (i, ch) in rest.char_indices() {
            match ch {
                '"' => quoted = !quoted,
                ';' if !quoted => {
                    self.pos += i + 1;
                    return Ok(rest[..i].trim().to_string());
                }
                _ => {}
            }
        }
        Err(self
            .error(at, "`property` has no closing `;`")
            .with_hint("end each property with `;`, e.g. `property evidence = yes ;`"))
    }

    fn expect_punct(&mut self, want: char, context: &str) -> Result<usize, ParseError> {
        let t = self.next()?;
        match t.tok {
            Tok::Punct(c) if c == want => Ok(t.at),
            other => Err(self
                .error(
                    t.at,
                    format!("expected `{want}` {context}, found {}", describe(&other)),
                )
                .with_hint(BLOCKS_HINT)),
        }
    }

    /// A name: an unquoted word or a quoted string (counted as held).
    fn name(&mut self, what: &str) -> Result<(String, usize), ParseError> {
        let t = self.next()?;
        let held = |name: &str| std::mem::size_of::<(String, usize)>() + name.len();
        match t.tok {
            Tok::Word(w) => {
                self.hold(held(w), t.at)?;
                Ok((w.to_string(), t.at))
            }
            Tok::Quoted(q) => {
                self.hold(held(&q), t.at)?;
                Ok((q.into_owned(), t.at))
            }
            other => Err(self
                .error(t.at, format!("expected {what}, found {}", describe(&other)))
                .with_hint("a name is a word (letters, digits, `_`, `-`, `.`) or a quoted string \"like this\"")),
        }
    }

    fn eat_punct(&mut self, want: char) -> Result<bool, ParseError> {
        if matches!(self.peek()?.tok, Tok::Punct(c) if c == want) {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// The position of the first newline in `bytes`.
fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// The hint for a block that is not written as BIF writes it.
const BLOCKS_HINT: &str = "BIF blocks read `network NAME { }`, `variable NAME { type discrete [ 2 ] { yes, no }; }` and `probability ( CHILD | PARENT, ... ) { (STATE, ...) 0.2, 0.8; }`";

fn describe(t: &Tok<'_>) -> String {
    match t {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Quoted(q) => format!("\"{q}\""),
        Tok::Punct(c) => format!("`{c}`"),
        Tok::Eof => "the end of the file".to_string(),
    }
}

fn is_keyword(t: &Tok<'_>, k: &str) -> bool {
    matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case(k))
}

// ---------------------------------------------------------------------------
// Parser

/// A declared variable, as read (also by the XMLBIF and XDSL readers, which
/// share [`resolve_declared`]); every `usize` is a byte offset into the text.
pub(super) struct VarDecl {
    pub(super) name: String,
    pub(super) at: usize,
    pub(super) states: Vec<(String, usize)>,
    pub(super) evidence: Option<(String, usize)>,
}

pub(super) struct Row {
    pub(super) states: Vec<(String, usize)>,
    /// The probabilities, one per child state (a row's numbers need no
    /// position of their own: an error points at the row).
    pub(super) values: Vec<f64>,
    pub(super) at: usize,
}

/// How a flat `table` lists a CPT.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TableOrder {
    /// BIF's `table` as pgmpy reads it: the child's state varies slowest.
    ChildSlowest,
    /// XMLBIF's `<TABLE>` and XDSL's `<probabilities>`: one parent
    /// assignment after another (first parent slowest), the child's states
    /// within each.
    ChildFastest,
}

pub(super) struct ProbBlock {
    pub(super) child: (String, usize),
    pub(super) parents: Vec<(String, usize)>,
    pub(super) table: Option<(Vec<(f64, usize)>, usize)>,
    pub(super) table_order: TableOrder,
    pub(super) default: Option<(Vec<f64>, usize)>,
    pub(super) rows: Vec<Row>,
    pub(super) at: usize,
}

/// Parse a discrete BIF network. Accepts comments (`//`, `/* */`),
/// `property` lines anywhere a block allows them, quoted or unquoted names,
/// states and numbers separated by commas or spaces, `table` (child state
/// slowest, as pgmpy reads it), `default` rows, and the old header form
/// `probability ( CHILD PARENT... )`.
///
/// Files as bnlearn, pgmpy and most writers make them are read by
/// [`fast::parse`], straight into the tables; any file it does not take
/// (an error anywhere, or a form it leaves out) is read again by the full
/// reader, which owns every diagnostic.
pub fn parse(text: &str) -> Result<Bif, ParseError> {
    match fast::parse(text) {
        Some(bif) => Ok(bif),
        None => parse_in_full(text),
    }
}

/// [`parse`] without the fast path: every form, every diagnostic.
fn parse_in_full(text: &str) -> Result<Bif, ParseError> {
    let mut lx = Lexer::new(text);
    let mut name = None;
    let mut vars: Vec<VarDecl> = Vec::new();
    let mut probs: Vec<ProbBlock> = Vec::new();
    loop {
        let t = lx.next()?;
        match &t.tok {
            Tok::Eof => break,
            w if is_keyword(w, "network") => {
                if let Some(named) = network_block(&mut lx)? {
                    name = Some(named);
                }
            }
            w if is_keyword(w, "variable") => vars.push(variable(&mut lx)?),
            w if is_keyword(w, "probability") => probs.push(probability(&mut lx, t.at)?),
            other => {
                return Err(lx
                    .error(
                        t.at,
                        format!(
                            "expected `network`, `variable` or `probability`, found {}",
                            describe(other)
                        ),
                    )
                    .with_hint(if text[..t.at].trim_start_matches('\u{feff}').trim().is_empty() {
                        "credence query reads BIF, XMLBIF and XDSL networks; this file does not start like one (an analyst model is read by `credence check`)"
                    } else {
                        BLOCKS_HINT
                    }));
            }
        }
        // Some writers close blocks with `};`.
        lx.eat_punct(';')?;
    }
    resolve(&lx, name, vars, probs)
}

/// The rest of a `network` block after its keyword: the name it gives, if
/// any.
fn network_block(lx: &mut Lexer<'_>) -> Result<Option<String>, ParseError> {
    let mut name = None;
    if !matches!(lx.peek()?.tok, Tok::Punct('{')) {
        name = Some(lx.name("the network's name")?.0);
    }
    lx.expect_punct('{', "to open the network block")?;
    block_properties(lx, "network")?;
    Ok(name)
}

/// Property lines up to the closing `}` of a block with nothing else in it.
fn block_properties(lx: &mut Lexer<'_>, what: &str) -> Result<(), ParseError> {
    loop {
        let t = lx.next()?;
        match &t.tok {
            Tok::Punct('}') => return Ok(()),
            w if is_keyword(w, "property") => {
                lx.raw_until_semicolon(t.at)?;
            }
            other => {
                return Err(lx
                    .error(
                        t.at,
                        format!(
                            "expected `property` or `}}` in the {what} block, found {}",
                            describe(other)
                        ),
                    )
                    .with_hint(format!(
                        "a {what} block holds only `property NAME = VALUE ;` lines"
                    )));
            }
        }
    }
}

fn variable(lx: &mut Lexer<'_>) -> Result<VarDecl, ParseError> {
    let (name, at) = lx.name("a variable name")?;
    lx.expect_punct('{', &format!("to open variable `{name}`"))?;
    let mut decl = VarDecl {
        name,
        at,
        states: Vec::new(),
        evidence: None,
    };
    let mut typed = false;
    loop {
        let t = lx.next()?;
        match &t.tok {
            Tok::Punct('}') => break,
            Tok::Punct(';') => {}
            w if is_keyword(w, "property") => {
                let raw = lx.raw_until_semicolon(t.at)?;
                if let Some((key, value)) = raw.split_once('=')
                    && key
                        .trim()
                        .trim_matches('"')
                        .eq_ignore_ascii_case("evidence")
                {
                    let value = value.trim().trim_matches('"').trim().to_string();
                    decl.evidence = Some((value, t.at));
                }
            }
            w if is_keyword(w, "type") => {
                let (kind, kind_at) = lx.name("a variable type")?;
                if !kind.eq_ignore_ascii_case("discrete") {
                    return Err(lx
                        .error(
                            kind_at,
                            format!(
                                "variable `{}` is of type `{kind}`: only discrete variables are supported",
                                decl.name
                            ),
                        )
                        .with_hint("divide the variable's range into named states: `type discrete [ 3 ] { low, mid, high };`"));
                }
                lx.expect_punct('[', "before the number of states")?;
                let (count, count_at) = lx.name("the number of states")?;
                let count: usize = count.parse().map_err(|_| {
                    lx.error(
                        count_at,
                        format!("expected a number of states, found `{count}`"),
                    )
                    .with_hint("write how many states the variable has, e.g. `type discrete [ 2 ] { yes, no };`")
                })?;
                lx.expect_punct(']', "after the number of states")?;
                lx.expect_punct('{', "to open the list of states")?;
                loop {
                    if lx.eat_punct('}')? {
                        break;
                    }
                    if lx.eat_punct(',')? {
                        continue;
                    }
                    decl.states.push(lx.name("a state name")?);
                }
                if let Some(repeat) = first_repeat(&decl.states, |(s, _)| s) {
                    let (s, s_at) = &decl.states[repeat];
                    return Err(lx
                        .error(
                            *s_at,
                            format!("variable `{}` lists state `{s}` twice", decl.name),
                        )
                        .with_hint("each state of a variable needs its own name"));
                }
                if decl.states.len() != count {
                    return Err(lx
                        .error(
                            count_at,
                            format!(
                                "variable `{}` declares {count} states but lists {}",
                                decl.name,
                                decl.states.len()
                            ),
                        )
                        .with_hint("make the number in brackets the number of states listed"));
                }
                if count == 0 {
                    return Err(lx
                        .error(count_at, format!("variable `{}` has no states", decl.name))
                        .with_hint(
                            "list the variable's states, e.g. `type discrete [ 2 ] { yes, no };`",
                        ));
                }
                typed = true;
            }
            other => {
                return Err(lx
                    .error(
                        t.at,
                        format!(
                            "expected `type`, `property` or `}}` in variable `{}`, found {}",
                            decl.name,
                            describe(other)
                        ),
                    )
                    .with_hint("a variable block holds one `type discrete [ N ] { STATE, ... };` line and `property` lines"));
            }
        }
    }
    if !typed {
        return Err(lx
            .error(
                at,
                format!(
                    "variable `{}` has no `type discrete [ N ] {{ ... }};` line",
                    decl.name
                ),
            )
            .with_hint("add its states, e.g. `type discrete [ 2 ] { yes, no };`"));
    }
    Ok(decl)
}

/// Numbers up to a `;` (commas optional), each with its position.
fn numbers(lx: &mut Lexer<'_>) -> Result<Vec<(f64, usize)>, ParseError> {
    let mut values = Vec::new();
    read_numbers(lx, std::mem::size_of::<(f64, usize)>(), |x, at| {
        values.push((x, at));
    })?;
    Ok(values)
}

/// Numbers up to a `;` (commas optional), exactly as many as written: read
/// into `scratch` (emptied first), then copied once.
fn row_numbers(lx: &mut Lexer<'_>, scratch: &mut Vec<f64>) -> Result<Vec<f64>, ParseError> {
    scratch.clear();
    read_numbers(lx, std::mem::size_of::<f64>(), |x, _| scratch.push(x))?;
    Ok(scratch.clone())
}

/// Hand each number up to a `;` (commas optional) to `push`, with its
/// position, counting `held` bytes for each.
fn read_numbers(
    lx: &mut Lexer<'_>,
    held: usize,
    mut push: impl FnMut(f64, usize),
) -> Result<(), ParseError> {
    loop {
        let t = lx.next()?;
        match &t.tok {
            Tok::Punct(';') => return Ok(()),
            Tok::Punct(',') => {}
            Tok::Word(w) => {
                let x: f64 = w
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite())
                    .ok_or_else(|| {
                        lx.error(t.at, format!("expected a probability, found `{w}`"))
                            .with_hint(NUMBER_HINT)
                    })?;
                if !(0.0..=1.0).contains(&x) {
                    return Err(lx
                        .error(t.at, format!("probability {w} is outside [0, 1]"))
                        .with_hint(RANGE_HINT));
                }
                lx.hold(held, t.at)?;
                push(x, t.at);
            }
            other => {
                return Err(lx
                    .error(
                        t.at,
                        format!("expected a probability or `;`, found {}", describe(other)),
                    )
                    .with_hint("end each row or table of numbers with `;`"));
            }
        }
    }
}

/// A name with the byte offset it starts at.
type Named = (String, usize);

/// `( CHILD | PARENT, ... ) {` after `probability`: the child and the
/// parents.
fn probability_header(lx: &mut Lexer<'_>) -> Result<(Named, Vec<Named>), ParseError> {
    lx.expect_punct('(', "after `probability`")?;
    let child = lx.name("a variable name")?;
    let mut parents = Vec::new();
    let mut bar = false;
    loop {
        let t = lx.next()?;
        match t.tok {
            Tok::Punct(')') => break,
            Tok::Punct('|') if !bar => bar = true,
            Tok::Punct(',') => {}
            Tok::Word(w) => parents.push((w.to_string(), t.at)),
            Tok::Quoted(q) => parents.push((q.into_owned(), t.at)),
            other => {
                return Err(lx
                    .error(
                        t.at,
                        format!("expected a parent name or `)`, found {}", describe(&other)),
                    )
                    .with_hint("the header reads `probability ( CHILD | PARENT, ... ) {`"));
            }
        }
    }
    lx.expect_punct(
        '{',
        &format!("to open the probability block of `{}`", child.0),
    )?;
    Ok((child, parents))
}

fn probability(lx: &mut Lexer<'_>, at: usize) -> Result<ProbBlock, ParseError> {
    let (child, parents) = probability_header(lx)?;
    // Each row's numbers are read here first, then copied at their size.
    let mut scratch: Vec<f64> = Vec::new();
    let mut block = ProbBlock {
        child,
        parents,
        table: None,
        table_order: TableOrder::ChildSlowest,
        default: None,
        rows: Vec::new(),
        at,
    };
    loop {
        let t = lx.next()?;
        match &t.tok {
            Tok::Punct('}') => break,
            Tok::Punct(';') => {}
            w if is_keyword(w, "property") => {
                lx.raw_until_semicolon(t.at)?;
            }
            w if is_keyword(w, "table") => {
                if block.table.is_some() {
                    return Err(lx
                        .error(t.at, format!("`{}` has two `table` lines", block.child.0))
                        .with_hint("one `table` line lists the whole table: keep one"));
                }
                block.table = Some((numbers(lx)?, t.at));
            }
            w if is_keyword(w, "default") => {
                if block.default.is_some() {
                    return Err(lx
                        .error(t.at, format!("`{}` has two `default` lines", block.child.0))
                        .with_hint("one `default` row covers every parent assignment without a row of its own: keep one"));
                }
                block.default = Some((row_numbers(lx, &mut scratch)?, t.at));
            }
            Tok::Punct('(') => {
                lx.hold(std::mem::size_of::<Row>(), t.at)?;
                let mut states = Vec::new();
                loop {
                    if lx.eat_punct(')')? {
                        break;
                    }
                    if lx.eat_punct(',')? {
                        continue;
                    }
                    let state = lx.name("a parent state")?;
                    // A row names one state per parent: more is refused
                    // where it starts, not gathered without end.
                    if states.len() == block.parents.len() {
                        return Err(lx
                            .error(
                                state.1,
                                format!(
                                    "`{}` has {} parents but this row names more states",
                                    block.child.0,
                                    block.parents.len()
                                ),
                            )
                            .with_hint(
                                "write one state per parent, in the header's order, e.g. (yes, no) 0.2, 0.8;",
                            ));
                    }
                    states.push(state);
                }
                let values = row_numbers(lx, &mut scratch)?;
                block.rows.push(Row {
                    states,
                    values,
                    at: t.at,
                });
            }
            other => {
                return Err(lx
                    .error(
                        t.at,
                        format!(
                            "expected `(`, `table`, `default`, `property` or `}}` in the probability block of `{}`, found {}",
                            block.child.0,
                            describe(other)
                        ),
                    )
                    .with_hint("a probability block holds rows `(STATE, ...) 0.2, 0.8;`, or `table 0.2, 0.8;`, and `default 0.5, 0.5;`"));
            }
        }
    }
    Ok(block)
}

/// The position of the first item whose name repeats an earlier one's, if
/// any: linear in the items (a hostile file may list a million states), and
/// without allocating for the few states most variables have.
pub(super) fn first_repeat<T>(items: &[T], name: impl Fn(&T) -> &str) -> Option<usize> {
    const FEW: usize = 16;
    if items.len() <= FEW {
        return (1..items.len()).find(|&i| items[..i].iter().any(|x| name(x) == name(&items[i])));
    }
    let mut seen = HashSet::with_capacity(items.len());
    items.iter().position(|x| !seen.insert(name(x)))
}

/// Names to their positions: by exact name, else by a unique
/// case-insensitive match (pgmpy accepts `neuroticism` for
/// `NEUROTICISM`). Each look-up costs the same however many names there
/// are (a hostile file may name a million states, and look each up).
struct NameIndex<'a> {
    exact: HashMap<&'a str, usize>,
    /// By ASCII-lowercased name: the position, or `None` where two names
    /// fold to the same one (then only the exact spelling finds either).
    folded: HashMap<String, Option<usize>>,
}

impl<'a> NameIndex<'a> {
    fn new(names: impl IntoIterator<Item = &'a str>) -> NameIndex<'a> {
        let mut exact = HashMap::new();
        let mut folded: HashMap<String, Option<usize>> = HashMap::new();
        for (i, name) in names.into_iter().enumerate() {
            exact.entry(name).or_insert(i);
            folded
                .entry(name.to_ascii_lowercase())
                .and_modify(|found| *found = None)
                .or_insert(Some(i));
        }
        NameIndex { exact, folded }
    }

    fn find(&self, name: &str) -> Option<usize> {
        if let Some(&i) = self.exact.get(name) {
            return Some(i);
        }
        self.folded
            .get(&name.to_ascii_lowercase())
            .copied()
            .flatten()
    }
}

/// The state of `decl` named `state`, for one look-up (linear in its
/// states; [`StateIndexes`] for many).
fn state_index(decl: &VarDecl, state: &str) -> Option<usize> {
    decl.states
        .iter()
        .position(|(s, _)| s == state)
        .or_else(|| {
            let mut found = decl
                .states
                .iter()
                .enumerate()
                .filter(|(_, (s, _))| s.eq_ignore_ascii_case(state))
                .map(|(i, _)| i);
            match (found.next(), found.next()) {
                (Some(i), None) => Some(i),
                _ => None,
            }
        })
}

/// The [`NameIndex`] of each variable's states, built the first time a
/// variable's state is looked up.
struct StateIndexes<'a> {
    vars: &'a [VarDecl],
    built: Vec<Option<NameIndex<'a>>>,
}

impl<'a> StateIndexes<'a> {
    fn new(vars: &'a [VarDecl]) -> StateIndexes<'a> {
        StateIndexes {
            vars,
            built: (0..vars.len()).map(|_| None).collect(),
        }
    }

    /// The state of variable `v` named `state`.
    fn find(&mut self, v: usize, state: &str) -> Option<usize> {
        let vars = self.vars;
        self.built[v]
            .get_or_insert_with(|| NameIndex::new(vars[v].states.iter().map(|(s, _)| s.as_str())))
            .find(state)
    }
}

/// The most names an error lists (a cycle among 100,000 nodes, a variable's
/// million states).
const MAX_NAMED: usize = 10;

fn unknown_state(lx: &Lexer<'_>, at: usize, decl: &VarDecl, state: &str, what: &str) -> ParseError {
    let mut e = lx.error(
        at,
        format!("{what}: variable `{}` has no state `{state}`", decl.name),
    );
    e.hint = Some(
        match crate::diag::did_you_mean(state, decl.states.iter().map(|(s, _)| s.as_str())) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "its states are {}{}",
                decl.states
                    .iter()
                    .take(MAX_NAMED)
                    .map(|(s, _)| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                match decl.states.len().saturating_sub(MAX_NAMED) {
                    0 => String::new(),
                    more => format!(" and {more} more"),
                }
            ),
        },
    );
    e
}

fn unknown_variable(lx: &Lexer<'_>, at: usize, vars: &[VarDecl], name: &str) -> ParseError {
    let mut e = lx.error(at, format!("no variable `{name}` is declared"));
    e.hint = Some(
        match crate::diag::did_you_mean(name, vars.iter().map(|v| v.name.as_str())) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                format!("declare it: `variable {name} {{ type discrete [ 2 ] {{ yes, no }}; }}`")
            }
        },
    );
    e
}

fn check_row(
    lx: &Lexer<'_>,
    values: &[f64],
    k: usize,
    at: usize,
    child: &str,
) -> Result<(), ParseError> {
    if values.len() != k {
        return Err(lx
            .error(
                at,
                format!(
                    "`{child}` has {k} states but this row has {} probabilities",
                    values.len()
                ),
            )
            .with_hint(format!(
                "give one probability per state of `{child}`, in the order its states are declared"
            )));
    }
    let sum: f64 = values.iter().sum();
    if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
        return Err(lx
            .error(
                at,
                format!("the probabilities of `{child}` in this row sum to {sum}, not 1"),
            )
            .with_hint(format!(
                "a row's probabilities sum to 1 (within {ROW_SUM_TOLERANCE}): look for a missing, extra or mistyped number"
            )));
    }
    Ok(())
}

/// [`resolve`] for declarations read from `text` by another reader (byte
/// offsets into `text`): the same checks, budgets and ordering as BIF.
pub(super) fn resolve_declared(
    text: &str,
    name: Option<String>,
    vars: Vec<VarDecl>,
    probs: Vec<ProbBlock>,
) -> Result<Bif, ParseError> {
    // The lexer only turns offsets into lines and columns here.
    resolve(&Lexer::new(text), name, vars, probs)
}

fn resolve(
    lx: &Lexer<'_>,
    name: Option<String>,
    vars: Vec<VarDecl>,
    probs: Vec<ProbBlock>,
) -> Result<Bif, ParseError> {
    if let Some(repeat) = first_repeat(&vars, |v| &v.name) {
        let v = &vars[repeat];
        return Err(lx
            .error(v.at, format!("variable `{}` is declared twice", v.name))
            .with_hint("give each variable one declaration and a name of its own"));
    }
    let index = NameIndex::new(vars.iter().map(|v| v.name.as_str()));
    let mut state_indexes = StateIndexes::new(&vars);
    // For each declared variable: parents and its CPT laid out as Network wants.
    let mut tables: Tables = vec![None; vars.len()];
    let mut total_entries = 0usize;
    for block in &probs {
        let (cname, cat) = &block.child;
        let c = index
            .find(cname)
            .ok_or_else(|| unknown_variable(lx, *cat, &vars, cname))?;
        if tables[c].is_some() {
            return Err(lx
                .error(
                    block.at,
                    format!("variable `{}` has two probability blocks", vars[c].name),
                )
                .with_hint("give each variable one probability block: merge the two"));
        }
        if block.parents.len() > MAX_PARENTS {
            return Err(lx
                .error(
                    block.at,
                    format!(
                        "the probability block of `{cname}` lists {} parents, over the limit of {MAX_PARENTS}",
                        block.parents.len()
                    ),
                )
                .with_hint("a table's size is the product of its parents' state counts, so a real CPT has a few parents; parents with one state each add nothing to it and can be left out"));
        }
        let mut parents = Vec::with_capacity(block.parents.len());
        // Linear in the parents (a hostile header may list 100,000).
        let mut listed = HashSet::from([c]);
        for (p, pat) in &block.parents {
            let pi = index
                .find(p)
                .ok_or_else(|| unknown_variable(lx, *pat, &vars, p))?;
            if !listed.insert(pi) {
                return Err(lx
                    .error(
                        *pat,
                        format!("`{p}` is listed twice in this block's header"),
                    )
                    .with_hint(
                        "list each parent once; a variable is never its own parent (the child comes before `|`)",
                    ));
            }
            parents.push(pi);
        }
        let k = vars[c].states.len();
        let cards: Vec<usize> = parents.iter().map(|&p| vars[p].states.len()).collect();
        let size = cards
            .iter()
            .try_fold(k, |acc, &c| acc.checked_mul(c))
            .filter(|&n| n <= MAX_CPT_ENTRIES);
        let Some(size) = size else {
            return Err(lx
                .error(
                    block.at,
                    format!(
                        "the table of `{}` would have over {MAX_CPT_ENTRIES} entries",
                        vars[c].name
                    ),
                )
                .with_hint("each parent multiplies the table by its number of states: check the state counts, or give the variable fewer parents"));
        };
        // Counted before the table is allocated.
        total_entries += size;
        if total_entries > MAX_TOTAL_CPT_ENTRIES {
            let mut e = lx.error(
                block.at,
                format!(
                    "the tables together would have over {MAX_TOTAL_CPT_ENTRIES} entries: the table of `{}` ({size} entries) brings them to {total_entries}",
                    vars[c].name
                ),
            );
            e.hint = Some("credence reads networks of up to about 16 million probabilities in all; check the variables' state counts and parents".to_string());
            return Err(e);
        }
        let configs = size / k;
        // The CPT, and which parent assignments (rows) have their numbers.
        let mut cpt: Vec<f64> = vec![0.0; size];
        let mut filled = vec![false; configs];
        if let Some((values, tat)) = &block.table {
            if values.len() != configs * k {
                return Err(lx
                    .error(
                        *tat,
                        format!(
                            "the table of `{}` needs {} probabilities ({k} states x {configs} parent assignments), found {}",
                            vars[c].name,
                            configs * k,
                            values.len()
                        ),
                    )
                    .with_hint("a table lists a probability for every state of the child under every assignment of its parents; look for a missing or extra number"));
            }
            let index = |r: usize, s: usize| match block.table_order {
                TableOrder::ChildSlowest => s * configs + r,
                TableOrder::ChildFastest => r * k + s,
            };
            let mut row: Vec<f64> = Vec::with_capacity(k);
            for r in 0..configs {
                row.clear();
                row.extend((0..k).map(|s| values[index(r, s)].0));
                // A BIF `table` is one line; an XML table's rows are pointed
                // at by their first number.
                let at = match block.table_order {
                    TableOrder::ChildSlowest => *tat,
                    TableOrder::ChildFastest => values.get(index(r, 0)).map_or(*tat, |v| v.1),
                };
                check_row(lx, &row, k, at, &vars[c].name)?;
                cpt[r * k..(r + 1) * k].copy_from_slice(&row);
                filled[r] = true;
            }
        }
        for row in &block.rows {
            if row.states.len() != parents.len() {
                return Err(lx
                    .error(
                        row.at,
                        format!(
                            "`{}` has {} parents but this row names {} states",
                            vars[c].name,
                            parents.len(),
                            row.states.len()
                        ),
                    )
                    .with_hint(
                        "write one state per parent, in the header's order, e.g. (yes, no) 0.2, 0.8;",
                    ));
            }
            check_row(lx, &row.values, k, row.at, &vars[c].name)?;
            let mut r = 0;
            for ((s, sat), &p) in row.states.iter().zip(&parents) {
                let si = state_indexes
                    .find(p, s)
                    .ok_or_else(|| unknown_state(lx, *sat, &vars[p], s, "in this row"))?;
                r = r * vars[p].states.len() + si;
            }
            if filled[r] {
                return Err(lx
                    .error(row.at, "this parent assignment already has a row")
                    .with_hint("give each combination of parent states one row: remove or correct the repeat"));
            }
            cpt[r * k..(r + 1) * k].copy_from_slice(&row.values);
            filled[r] = true;
        }
        if let Some((values, dat)) = &block.default {
            check_row(lx, values, k, *dat, &vars[c].name)?;
            for r in 0..configs {
                if !filled[r] {
                    cpt[r * k..(r + 1) * k].copy_from_slice(values);
                    filled[r] = true;
                }
            }
        }
        if let Some(r) = (0..configs).find(|&r| !filled[r]) {
            let mut labels = Vec::new();
            let mut rest = r;
            for (&p, &card) in parents.iter().zip(&cards).rev() {
                labels.push(vars[p].states[rest % card].0.clone());
                rest /= card;
            }
            labels.reverse();
            return Err(lx
                .error(
                    block.at,
                    format!(
                        "the probability block of `{}` has no row for ({}) and no `default`",
                        vars[c].name,
                        labels.join(", ")
                    ),
                )
                .with_hint(
                    "add a row for it, or a `default` row for every combination without one",
                ));
        }
        tables[c] = Some((parents, cpt));
    }
    assemble(lx, name, vars, tables)
}

/// Each declared variable's parents and CPT (laid out as [`Network`] wants),
/// where its probability block gave them.
type Tables = Vec<Option<(Vec<usize>, Vec<f64>)>>;

/// The network from the declarations and their tables: every variable has
/// a table, parents come first, and the file's evidence names states.
fn assemble(
    lx: &Lexer<'_>,
    name: Option<String>,
    mut vars: Vec<VarDecl>,
    tables: Tables,
) -> Result<Bif, ParseError> {
    if vars.is_empty() {
        // Not an empty network: nothing to query, and more likely the
        // wrong file (an empty one, or only comments).
        return Err(lx
            .error(0, "the file declares no variables")
            .with_hint("a network declares its variables, e.g. `variable Rain { type discrete [ 2 ] { yes, no }; }`, each with a probability block"));
    }
    let mut resolved = Vec::with_capacity(vars.len());
    for (i, t) in tables.into_iter().enumerate() {
        match t {
            Some(t) => resolved.push(t),
            None => {
                return Err(lx
                    .error(
                        vars[i].at,
                        format!("variable `{}` has no probability block", vars[i].name),
                    )
                    .with_hint(format!(
                        "add one, e.g. `probability ( {} ) {{ table 0.5, 0.5; }}`",
                        vars[i].name
                    )));
            }
        }
    }
    // Parents first, declaration order otherwise (Kahn, smallest index first).
    let n = vars.len();
    let mut pending: Vec<usize> = resolved.iter().map(|(p, _)| p.len()).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (c, (ps, _)) in resolved.iter().enumerate() {
        for &p in ps {
            children[p].push(c);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&v| pending[v] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(v) = ready.pop_first() {
        order.push(v);
        for &c in &children[v] {
            pending[c] -= 1;
            if pending[c] == 0 {
                ready.insert(c);
            }
        }
    }
    if order.len() < n {
        let stuck: Vec<&str> = (0..n)
            .filter(|&v| pending[v] > 0)
            .map(|v| vars[v].name.as_str())
            .collect();
        let first = (0..n).find(|&v| pending[v] > 0).unwrap_or(0);
        return Err(lx
            .error(
                vars[first].at,
                format!(
                    "the network has a cycle among {}{}",
                    stuck
                        .iter()
                        .take(MAX_NAMED)
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    match stuck.len().saturating_sub(MAX_NAMED) {
                        0 => String::new(),
                        more => format!(" and {more} more"),
                    }
                ),
            )
            .with_hint("a Bayesian network has no cycles: no variable may be its own ancestor; remove a parent from the cycle"));
    }
    // `Network::add` numbers variables in the order they are added.
    let mut id_of = vec![0usize; n];
    for (id, &v) in order.iter().enumerate() {
        id_of[v] = id;
    }
    let mut evidence = Vec::new();
    for (i, v) in vars.iter().enumerate() {
        if let Some((state, at)) = &v.evidence {
            let s = state_index(v, state)
                .ok_or_else(|| unknown_state(lx, *at, v, state, "in `property evidence`"))?;
            evidence.push((id_of[i], s));
        }
    }
    let edges = resolved.iter().map(|(ps, _)| ps.len()).sum();
    let mut net = Network::with_capacity(n, edges);
    for &v in &order {
        let ps: Vec<VarId> = resolved[v].0.iter().map(|&p| id_of[p]).collect();
        // Each table, name and state moves into the network once (a copy
        // would double a multi-megabyte file's memory traffic).
        let cpt = std::mem::take(&mut resolved[v].1);
        let states = std::mem::take(&mut vars[v].states);
        let id = net.add(
            std::mem::take(&mut vars[v].name),
            states.into_iter().map(|(s, _)| s).collect(),
            ps,
            cpt,
        );
        debug_assert_eq!(id, id_of[v]);
    }
    Ok(Bif {
        name,
        net,
        evidence,
        declared: id_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_unique_and_readable() {
        let ids = identifiers([
            "hypothesis",
            "item:a",
            "item_a",
            "report:a/b",
            "9lives",
            "",
            "table",
            "café",
            "item:a",
            "Item_A",
        ]);
        assert_eq!(
            ids,
            [
                "hypothesis",
                "item_a_2",
                "item_a",
                "report_a_b",
                "n9lives",
                "n",
                "table_",
                "caf_",
                "item_a_3",
                "Item_A_4"
            ]
        );
    }

    #[test]
    fn round_trip() {
        let mut net = Network::new();
        let a = net.add(
            "a:x",
            vec!["yes".into(), "no".into()],
            vec![],
            vec![0.15, 0.85],
        );
        let b = net.add(
            "b",
            vec!["r=0.1".into(), "r=0.9".into(), "x".into()],
            vec![a],
            vec![0.1, 0.2, 0.7, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
        );
        let text = write(
            &net,
            &WriteOptions {
                name: "test".into(),
                comments: vec!["a\nb".into()],
                evidence: vec![(b, 2)],
            },
        );
        let back = parse(&text).expect("parses");
        assert_eq!(back.name.as_deref(), Some("test"));
        assert_eq!(back.net.len(), 2);
        assert_eq!(back.net.node(0).name, "a_x");
        assert_eq!(&back.net.node(1).states[..], ["r_0_1", "r_0_9", "x"]);
        assert_eq!(back.net.node(1).cpt, net.node(b).cpt);
        assert_eq!(back.evidence, vec![(1, 2)]);
    }

    #[test]
    fn variants() {
        let text = r#"
            /* a comment */ network "N" { property "x;y" ; }
            variable "B C" { type discrete[2] { "t" "f" }; property evidence = f; }
            variable A { type discrete [ 2 ] { a1, a2 }; }
            probability ( "B C" A ) { (a1) 0.2 0.8; default 0.5, 0.5; }
            probability ( A ) { table 0.3, 0.7 ; } // end
        "#;
        let bif = parse(text).expect("parses");
        assert_eq!(bif.name.as_deref(), Some("N"));
        // A comes first: it is a parent of "B C".
        assert_eq!(bif.net.node(0).name, "A");
        assert_eq!(bif.net.node(1).cpt, vec![0.2, 0.8, 0.5, 0.5]);
        assert_eq!(bif.evidence, vec![(1, 1)]);
    }

    #[test]
    fn mangled_input_never_panics() {
        let text = "/* c */ network \"n\" { property p = \"q;\" ; }\n\
            variable A { type discrete [ 2 ] { a1, a2 }; property evidence = a2 ; }\n\
            variable B { type discrete [ 3 ] { b1, b2, b3 }; }\n\
            probability ( A ) { table 0.3, 0.7; }\n\
            probability ( B | A ) { (a1) 0.2, 0.3, 0.5; default 0.1e0, 0.1, 0.8; }\n";
        assert!(parse(text).is_ok());
        let chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            let cut: String = chars[..i].iter().collect();
            let _ = parse(&cut);
            let dropped: String = chars[..i].iter().chain(&chars[i + 1..]).collect();
            let _ = parse(&dropped);
            for extra in ['{', '}', '(', ')', '"', ';', ',', '|', '/', '*', 'é', '9'] {
                let inserted: String = chars[..i]
                    .iter()
                    .chain(std::iter::once(&extra))
                    .chain(&chars[i..])
                    .collect();
                let _ = parse(&inserted);
            }
        }
        let huge = "variable A { type discrete [ 1000 ] { ".to_string()
            + &(0..1000)
                .map(|i| format!("s{i}"))
                .collect::<Vec<_>>()
                .join(", ")
            + " }; }\nprobability ( A | A2 A3 A4 ) { default 1.0; }\n"
            + &(2..5)
                .map(|i| {
                    format!(
                        "variable A{i} {{ type discrete [ 1000 ] {{ {} }}; }}\n",
                        (0..1000)
                            .map(|j| format!("s{j}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect::<String>();
        let e = parse(&huge).expect_err("too large");
        assert!(e.message.contains("entries"), "{e}");
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("variable A {\n  type discrete [ 2 ] { x, y };\n}\nprobability ( A ) {\n  table 0.5, 0.6;\n}\n")
            .expect_err("bad sum");
        assert_eq!((e.line, e.column), (5, 3));
        let e = parse(
            "variable A { type discrete [ 2 ] { x, y }; }\nprobability ( B ) { table 0.5, 0.5; }",
        )
        .expect_err("unknown");
        assert_eq!((e.line, e.column), (2, 15));
        assert_eq!(e.hint.as_deref(), Some("did you mean `A`?"));
        let e = parse("variable A { type discrete [ 2 ] { x, y }; }").expect_err("no block");
        assert!(e.message.contains("no probability block"), "{e}");
        let e = parse(
            "variable A { type discrete [ 2 ] { x, y }; }\nvariable B { type discrete [ 2 ] { x, y }; }\n\
             probability ( A | B ) { (x) 0.5, 0.5; }\nprobability ( B ) { table 0.5, 0.5; }",
        )
        .expect_err("missing row");
        assert!(e.message.contains("no row for (y)"), "{e}");
    }
}
