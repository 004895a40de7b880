//! ACH matrices from spreadsheets: `credence import ach` reads a CSV matrix
//! (a row per evidence item, a column per hypothesis with CC/C/N/I/II/NA
//! cells, optional source, credibility and relevance columns) and writes a
//! commented model TOML on the documented ACH scale. The header names are
//! shared with `credence export --format ach-csv`, which writes a model's
//! matrix back (`crate::report::export::ach_csv`). Pure: bytes in, text out.
//! docs/ACH_CSV.md is the reference for every rule here.
//!
//! Excel's quirks are read as Excel writes them: a UTF-8 byte-order mark;
//! `,`, `;` or tab between cells (sniffed from the header line); quoted cells
//! holding delimiters, line breaks and doubled quotes; CRLF line ends; empty
//! trailing columns and rows. The `csv` crate parses; this module only finds
//! where each cell starts, so that a bad cell is reported at its line and
//! column.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::ops::Range;

use crate::diag::{Diagnostic, SourceFile};

use super::limits::MAX_HYPOTHESES;

/// The header of the first column (any header is accepted there: the first
/// column is always the evidence).
pub const EVIDENCE_HEADER: &str = "Evidence";
/// The header of the optional column naming each row's source(s).
pub const SOURCE_HEADER: &str = "Source";
/// The header of the optional credibility column.
pub const CREDIBILITY_HEADER: &str = "Credibility";
/// The header of the optional relevance column.
pub const RELEVANCE_HEADER: &str = "Relevance";
/// How an imported item's notes record the spreadsheet's relevance (credence
/// computes relevance from the ratings; the written one is kept so that
/// `export --format ach-csv` can write it back).
pub const RELEVANCE_NOTE: &str = "ACH relevance: ";
/// The source of a row that has a credibility but no source.
pub const UNATTRIBUTED: &str = "unattributed";
/// The longest cell read: an evidence text is a sentence or a paragraph, and
/// a generated TOML line must stay under the model's line limit.
pub const MAX_CELL_BYTES: usize = 16 * 1024;
/// What makes a spreadsheet read a cell as a formula (OWASP's "CSV
/// injection"): `=cmd|' /C calc'!A0` in a claim would run when the exported
/// matrix is opened. The export writes such a cell with a leading `'`, which
/// spreadsheets take as "this is text", and the import drops it again.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell's text as it is safe to write into a spreadsheet: hidden and
/// control characters as visible escapes (as every other output shows them;
/// a line break stays, quoted), and a leading `'` before a text a
/// spreadsheet would take for a formula.
pub fn spreadsheet_cell(text: &str) -> String {
    let shown = crate::escape::for_terminal(text);
    if shown.starts_with(FORMULA_STARTS) {
        format!("'{shown}")
    } else {
        shown.into_owned()
    }
}

/// A cell as read: a leading `'` that guards a formula-like text (the
/// export's, or a spreadsheet's own) is not part of it.
fn unguarded(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// Errors listed before the rest are only counted.
const MAX_ERRORS: usize = 100;
/// The longest id made from a text, in bytes.
const MAX_ID_BYTES: usize = 32;

/// The ACH ratings a cell may hold, with the spellings read for each (after
/// trimming, lower-cased, runs of spaces made one). `NA` is its own rating in
/// the model (added to `[scales.ach]` at the point value of N) so that it is
/// written back as `NA`.
pub const RATING_SPELLINGS: [(&str, &[&str]); 6] = [
    ("CC", &["cc", "++", "very consistent"]),
    ("C", &["c", "+", "consistent"]),
    ("N", &["n", "0", "neutral"]),
    ("I", &["i", "-", "inconsistent"]),
    ("II", &["ii", "--", "very inconsistent"]),
    ("NA", &["na", "n/a", "n.a.", "not applicable"]),
];

/// Credibility words and the Admiralty letter each becomes.
pub const CREDIBILITY_WORDS: [(&str, &[&str], &str); 3] = [
    ("High", &["high", "h"], "B"),
    ("Medium", &["medium", "med", "m"], "C"),
    ("Low", &["low", "l"], "D"),
];

/// The Admiralty letter a source with no credibility in any row gets
/// (Heuer's default credibility, Medium).
pub const DEFAULT_RELIABILITY: &str = "C";

/// What the import made.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The model, as TOML text.
    pub toml: String,
    /// Hypothesis columns read.
    pub hypotheses: usize,
    /// Evidence rows read.
    pub items: usize,
    /// Distinct sources named.
    pub sources: usize,
    /// The cell delimiter found.
    pub delimiter: char,
}

/// Why the import failed: the CSV text (for rendering) and every error.
#[derive(Clone, Debug)]
pub struct Failed {
    /// The input, as read (empty when it is not UTF-8).
    pub file: SourceFile,
    /// Each error at its cell.
    pub diagnostics: Vec<Diagnostic>,
}

/// A credibility as the model writes it.
#[derive(Clone, Debug, PartialEq)]
enum Credibility {
    /// An Admiralty letter (from a letter or a High/Medium/Low word).
    Letter(String, Option<&'static str>),
    /// A number in [0, 1], as written.
    Number(String),
    /// `[low, high]`.
    Interval(String, String),
}

impl Credibility {
    /// The TOML value of `reliability`.
    fn toml(&self) -> String {
        match self {
            Credibility::Letter(l, _) => format!("\"{l}\""),
            Credibility::Number(n) => n.clone(),
            Credibility::Interval(lo, hi) => format!("[{lo}, {hi}]"),
        }
    }

    /// A trailing comment saying which word it came from.
    fn comment(&self) -> String {
        match self {
            Credibility::Letter(_, Some(word)) => format!("  # credibility {word}"),
            _ => String::new(),
        }
    }
}

/// One report of a row.
#[derive(Clone, Debug)]
struct RowReport {
    source: usize,
    asserts: bool,
    credibility: Option<Credibility>,
}

/// One evidence row.
#[derive(Clone, Debug)]
struct Row {
    line: usize,
    claim: String,
    ratings: Vec<&'static str>,
    reports: Vec<RowReport>,
    relevance: Option<String>,
}

/// What a header column is.
#[derive(Clone, Debug, PartialEq)]
enum Column {
    Hypothesis(usize),
    Source,
    Credibility,
    Relevance,
    /// No header: must be empty in every row (Excel's trailing columns).
    Blank,
}

/// Collects diagnostics against the CSV text.
struct Cx<'a> {
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn error(&mut self, at: Range<usize>, message: String, label: &str, hint: Option<String>) {
        // The rendering gives FILE:LINE:COLUMN and shows the line.
        let mut d = Diagnostic::error(message).at(at).label(label);
        if let Some(h) = hint {
            d = d.hint(h);
        }
        self.diagnostics.push(d);
    }

    fn full(&self) -> bool {
        self.diagnostics.len() >= MAX_ERRORS
    }
}

/// Spreadsheet column letters: 0 -> A, 26 -> AA.
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let d = (n - 1) % 26;
        out.push(b'A' + d as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The delimiter of the header line: the most frequent of `,`, `;` and tab
/// outside quotes (a tie goes to `,`, then `;`).
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    [b',', b';', b'\t']
        .into_iter()
        .zip(counts)
        .find(|&(_, c)| c == best)
        .map_or(b',', |(d, _)| d)
}

/// The byte offset (into `text`) where each cell of the record starting at
/// `start` begins, and the offset of an opening quote never closed. Mirrors
/// the `csv` crate's reading: a quote opens a quoted cell only at the start
/// of a cell, `""` inside one is a quote.
fn cell_starts(text: &str, start: usize, delimiter: u8) -> (Vec<usize>, Option<usize>) {
    let bytes = text.as_bytes();
    let mut starts = vec![start];
    let mut i = start;
    let mut open: Option<usize> = None;
    let mut at_cell_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if open.is_some() {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                open = None;
            }
            i += 1;
            continue;
        }
        if at_cell_start && b == b'"' {
            open = Some(i);
            at_cell_start = false;
            i += 1;
            continue;
        }
        at_cell_start = false;
        if b == b'\n' || b == b'\r' {
            break;
        }
        if b == delimiter {
            starts.push(i + 1);
            at_cell_start = true;
        }
        i += 1;
    }
    (starts, open)
}

/// The rating a cell's text stands for.
pub fn parse_rating(cell: &str) -> Option<&'static str> {
    let folded = fold(cell);
    RATING_SPELLINGS
        .iter()
        .find(|(_, spellings)| spellings.contains(&folded.as_str()))
        .map(|(code, _)| *code)
}

/// Lower case, trimmed, inner runs of whitespace made one space.
fn fold(cell: &str) -> String {
    cell.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A probability written in a cell, kept as written when it reads as a
/// number in [0, 1].
fn probability_text(text: &str) -> Option<String> {
    // A decimal comma, as spreadsheets in many locales write it (their CSVs
    // then separate cells with `;`).
    let t = text.trim().replacen(',', ".", 1);
    let t = t.as_str();
    let x: f64 = t.parse().ok()?;
    ((0.0..=1.0).contains(&x) && x.is_finite()).then(|| {
        // TOML needs a digit before the point.
        if t.starts_with('.') {
            format!("0{t}")
        } else if x == 0.0 || x == 1.0 {
            format!("{x:?}")
        } else {
            format!("{x}")
        }
    })
}

fn parse_credibility(cell: &str) -> Option<Credibility> {
    let folded = fold(cell);
    for (word, spellings, letter) in CREDIBILITY_WORDS {
        if spellings.contains(&folded.as_str()) {
            return Some(Credibility::Letter(letter.to_string(), Some(word)));
        }
    }
    if folded.len() == 1 && ("a"..="f").contains(&folded.as_str()) {
        return Some(Credibility::Letter(folded.to_uppercase(), None));
    }
    if let Some(inner) = folded.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let (lo, hi) = inner.split_once(", ").or_else(|| inner.split_once(','))?;
        let (lo, hi) = (probability_text(lo)?, probability_text(hi)?);
        let ordered = lo.parse::<f64>().ok()? <= hi.parse::<f64>().ok()?;
        return ordered.then_some(Credibility::Interval(lo, hi));
    }
    probability_text(&folded).map(Credibility::Number)
}

fn parse_relevance(cell: &str) -> Option<String> {
    let folded = fold(cell);
    for (word, spellings, _) in CREDIBILITY_WORDS {
        if spellings.contains(&folded.as_str()) {
            return Some(word.to_string());
        }
    }
    probability_text(&folded)
}

/// A short id from a text: its first words, lower case ASCII letters and
/// digits joined by `_`, at most [`MAX_ID_BYTES`]; `prefix` + a number when
/// nothing is left, `prefix` in front of a leading digit; `_2`, `_3`, ...
/// when taken.
fn make_id(text: &str, prefix: &str, index: usize, taken: &mut BTreeSet<String>) -> String {
    let mut id = String::new();
    // "Competitor's" is one word.
    let text: String = text.chars().filter(|c| !matches!(c, '\'' | '’')).collect();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        let extra = word.len() + usize::from(!id.is_empty());
        if id.len() + extra > MAX_ID_BYTES {
            if id.is_empty() {
                id = word[..MAX_ID_BYTES].to_string();
            }
            break;
        }
        if !id.is_empty() {
            id.push('_');
        }
        id.push_str(&word);
    }
    if id.is_empty() {
        id = format!("{prefix}{}", index + 1);
    } else if id.starts_with(|c: char| c.is_ascii_digit()) {
        id = format!("{prefix}_{id}");
    }
    let mut candidate = id.clone();
    let mut k = 2;
    while taken.contains(&candidate) {
        candidate = format!("{id}_{k}");
        k += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

/// Text safe inside a one-line `#` comment.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Read an ACH matrix from CSV bytes (`name` for messages) and write it as a
/// model titled `title`.
pub fn import(name: &str, bytes: &[u8], title: &str) -> Result<Imported, Failed> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bad = crate::input::not_utf8(bytes, e);
            return Err(Failed {
                file: SourceFile::new(name, ""),
                diagnostics: vec![
                    Diagnostic::error(format!(
                        "{name} is not UTF-8 text: invalid byte 0x{:02X} at line {}, column {}",
                        bad.byte, bad.line, bad.column
                    ))
                    .hint("in Excel, save as \"CSV UTF-8 (Comma delimited)\"; elsewhere, save the CSV as UTF-8"),
                ],
            });
        }
    };
    let mut cx = Cx {
        text,
        diagnostics: Vec::new(),
    };
    let result = read_matrix(&mut cx, name, title);
    // A model no command would read is not written: refused here, with its
    // size, rather than by `check` afterwards.
    if let Some(imported) = &result
        && imported.toml.len() > super::MAX_FILE_BYTES
    {
        cx.error(
            0..0,
            format!(
                "the model made from {name} would be {} bytes, over the model file limit of {} bytes",
                imported.toml.len(),
                super::MAX_FILE_BYTES
            ),
            "the matrix starts here",
            Some("split the matrix into several sheets (fewer rows), and import each".into()),
        );
    }
    match result {
        Some(imported) if cx.diagnostics.is_empty() => Ok(imported),
        _ => {
            let mut diagnostics = cx.diagnostics;
            if diagnostics.len() >= MAX_ERRORS {
                diagnostics.truncate(MAX_ERRORS);
                diagnostics.push(
                    Diagnostic::error(format!(
                        "stopped after {MAX_ERRORS} errors: fix these and run it again"
                    ))
                    .hint("a whole column of errors is often a column that is not a hypothesis: name it Source, Credibility or Relevance, or remove it"),
                );
            }
            Err(Failed {
                file: SourceFile::new(name, text),
                diagnostics,
            })
        }
    }
}

/// A record's cells: text and byte range into the CSV.
type Cells = Vec<(String, Range<usize>)>;

/// Every non-empty record: its 1-based line and cells.
fn records(cx: &mut Cx<'_>, base: usize, delimiter: u8) -> Vec<(usize, Cells)> {
    let text = cx.text;
    let body = &text[base..];
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut out = Vec::new();
    // Line numbers from one table of line starts: a lookup per record that
    // scanned the text from its start made 200,000 rows take minutes.
    let lines = SourceFile::new("", text);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e.position().map_or(base, |p| base + p.byte() as usize);
                cx.error(
                    at..at,
                    format!("the CSV cannot be read: {e}"),
                    "here",
                    Some(
                        "save the sheet as CSV UTF-8 from the spreadsheet, one row per line".into(),
                    ),
                );
                break;
            }
        }
        let Some(position) = record.position() else {
            continue;
        };
        // After a CR the `csv` crate starts the next record at the LF.
        let mut start = base + position.byte() as usize;
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let (starts, unclosed) = cell_starts(text, start, delimiter);
        if let Some(q) = unclosed {
            cx.error(
                q..q + 1,
                "this quoted cell is never closed".into(),
                "opening quote",
                Some(
                    "close the cell with `\"`; a quote inside a quoted cell is written `\"\"`"
                        .into(),
                ),
            );
            break;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells: Cells = record
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let at = starts.get(i).copied().unwrap_or(start);
                let end = starts
                    .get(i + 1)
                    .map_or_else(|| at + c.len(), |n| n.saturating_sub(1))
                    .max(at);
                (unguarded(c).to_string(), at..end.min(text.len()))
            })
            .collect();
        let line = lines.line_col(start).0;
        out.push((line, cells));
    }
    out
}

fn read_matrix(cx: &mut Cx<'_>, name: &str, title: &str) -> Option<Imported> {
    let text = cx.text;
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let delimiter = sniff_delimiter(&text[base..]);
    let rows = records(cx, base, delimiter);
    let Some(((_, header), data)) = rows.split_first() else {
        cx.error(
            base..base,
            format!("{name} has no header row"),
            "empty",
            Some(format!(
                "the first row names the columns: {EVIDENCE_HEADER}, then one column per hypothesis"
            )),
        );
        return None;
    };
    let mut columns: Vec<Column> = Vec::new();
    let mut hypotheses: Vec<(String, Range<usize>)> = Vec::new();
    let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let lines = SourceFile::new("", text);
    for (text_cell, at) in header.iter().skip(1) {
        let heading = text_cell.split_whitespace().collect::<Vec<_>>().join(" ");
        let folded = heading.to_lowercase();
        let column = match folded.as_str() {
            "" => Column::Blank,
            "source" | "sources" => Column::Source,
            "credibility" => Column::Credibility,
            "relevance" => Column::Relevance,
            _ => Column::Hypothesis(hypotheses.len()),
        };
        if column != Column::Blank {
            if let Some(first) = seen.get(&folded) {
                let (line, col) = lines.line_col(first.start);
                cx.error(
                    at.clone(),
                    format!("the header `{heading}` is given twice"),
                    "second column with this header",
                    Some(format!(
                        "the first is at line {line}, column {col}; every column needs its own header"
                    )),
                );
            }
            seen.insert(folded, at.clone());
        }
        if let Column::Hypothesis(_) = column {
            hypotheses.push((heading, at.clone()));
        }
        columns.push(column);
    }
    let header_span = header.first().map_or(base..base, |c| c.1.clone());
    if hypotheses.len() < 2 {
        cx.error(
            header_span.clone(),
            format!(
                "the header row names {} hypothesis column{}: an ACH matrix needs at least two",
                hypotheses.len(),
                if hypotheses.len() == 1 { "" } else { "s" }
            ),
            "header row",
            Some(format!(
                "the first row is: {EVIDENCE_HEADER}, one column per hypothesis, and optionally {SOURCE_HEADER}, {CREDIBILITY_HEADER}, {RELEVANCE_HEADER}; cells may be separated by `,`, `;` or tabs"
            )),
        );
        return None;
    }
    if hypotheses.len() > MAX_HYPOTHESES {
        cx.error(
            hypotheses[MAX_HYPOTHESES].1.clone(),
            format!(
                "the header row names {} hypotheses, over the limit of {MAX_HYPOTHESES}",
                hypotheses.len()
            ),
            "past the limit",
            Some(
                "split the matrix: ACH compares a handful of hypotheses, and a model holds at most this many"
                    .into(),
            ),
        );
        return None;
    }
    // A hypothesis column with text but not one rating is a column of
    // something else (notes, dates): one error at its header says so,
    // rather than one per cell.
    let mut not_ratings = vec![false; hypotheses.len()];
    for (i, column) in columns.iter().enumerate() {
        let Column::Hypothesis(h) = column else {
            continue;
        };
        let values = data
            .iter()
            .filter_map(|(_, cells)| cells.get(i + 1))
            .map(|(v, _)| v.trim())
            .filter(|v| !v.is_empty());
        let (mut filled, mut rated) = (0, 0);
        for v in values {
            filled += 1;
            rated += usize::from(parse_rating(v).is_some());
        }
        if filled > 1 && rated == 0 {
            not_ratings[*h] = true;
            cx.error(
                hypotheses[*h].1.clone(),
                format!(
                    "column {} (`{}`) holds no ACH rating in any row: it is read as a hypothesis",
                    column_letters(i + 1),
                    hypotheses[*h].0
                ),
                "not a hypothesis column?",
                Some(format!(
                    "a column that is not a hypothesis must be headed {SOURCE_HEADER}, {CREDIBILITY_HEADER} or {RELEVANCE_HEADER}; delete any other"
                )),
            );
        }
    }
    let mut sources: Vec<String> = Vec::new();
    let mut source_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut items: Vec<Row> = Vec::new();
    let mut uses_na = false;
    for (line, cells) in data {
        if cx.full() {
            break;
        }
        if let Some((cell, at)) = cells.iter().find(|(c, _)| c.len() > MAX_CELL_BYTES) {
            cx.error(
                at.start..at.start + 1,
                format!(
                    "this cell holds {} bytes, over the limit of {MAX_CELL_BYTES}",
                    cell.len()
                ),
                "cell starts here",
                Some("is a quote missing its partner? Otherwise shorten the text".into()),
            );
            continue;
        }
        let (claim, claim_at) = &cells[0];
        let claim = claim.trim();
        if claim.is_empty() {
            cx.error(
                claim_at.clone(),
                "this row has ratings but no evidence in the first column".into(),
                "empty evidence cell",
                Some(
                    "write the evidence (the claim) in the first column, or delete the row".into(),
                ),
            );
        }
        let mut ratings: Vec<&'static str> = vec!["N"; hypotheses.len()];
        let mut source_cell: Option<&(String, Range<usize>)> = None;
        let mut credibility_cell: Option<&(String, Range<usize>)> = None;
        let mut relevance = None;
        for (i, column) in columns.iter().enumerate() {
            let cell = cells.get(i + 1);
            let (value, at) = match cell {
                Some((v, at)) => (v.trim(), at.clone()),
                None => {
                    let end = cells.last().map_or(base, |c| c.1.end);
                    ("", end..end)
                }
            };
            let letter = column_letters(i + 1);
            match column {
                Column::Hypothesis(h) if not_ratings[*h] => {}
                Column::Hypothesis(h) => match parse_rating(value) {
                    Some(code) => {
                        uses_na |= code == "NA";
                        ratings[*h] = code;
                    }
                    None => {
                        let what = if value.is_empty() {
                            "this cell is empty".to_string()
                        } else {
                            format!("`{value}` is not an ACH rating")
                        };
                        cx.error(
                            at,
                            format!("{what} (column {letter}, hypothesis `{}`)", hypotheses[*h].0),
                            "expected CC, C, N, I, II or NA",
                            Some("rate every cell: CC very consistent, C consistent, N neutral, I inconsistent, II very inconsistent, NA not applicable (also ++, +, 0, -, --, N/A)".into()),
                        );
                    }
                },
                Column::Source => source_cell = cell,
                Column::Credibility => credibility_cell = cell,
                Column::Relevance if !value.is_empty() => match parse_relevance(value) {
                    Some(r) => relevance = Some(r),
                    None => cx.error(
                        at,
                        format!("`{value}` is not a relevance (column {letter})"),
                        "expected High, Medium, Low or a number",
                        Some("relevance is High, Medium, Low (H, M, L) or a number from 0 to 1".into()),
                    ),
                },
                Column::Relevance => {}
                Column::Blank if !value.is_empty() => cx.error(
                    at,
                    format!("column {letter} has no header but this row has `{value}` in it"),
                    "cell under an empty header",
                    Some("name the column in the header row (a hypothesis, Source, Credibility or Relevance), or clear it".into()),
                ),
                Column::Blank => {}
            }
        }
        for (value, at) in cells.iter().skip(columns.len() + 1) {
            if !value.trim().is_empty() {
                cx.error(
                    at.clone(),
                    format!("`{}` is past the last column of the header row", value.trim()),
                    "no header above this cell",
                    Some("add a header for the column, or remove the cell (a delimiter inside a cell needs the cell quoted)".into()),
                );
            }
        }
        let reports = row_reports(
            cx,
            source_cell,
            credibility_cell,
            &mut sources,
            &mut source_index,
        );
        items.push(Row {
            line: *line,
            claim: claim.to_string(),
            ratings,
            reports,
            relevance,
        });
    }
    if items.is_empty() && cx.diagnostics.is_empty() {
        cx.error(
            header_span,
            format!("{name} has a header row but no evidence rows"),
            "header row",
            Some("add one row per evidence item under the header".into()),
        );
    }
    if !cx.diagnostics.is_empty() {
        return None;
    }
    let toml = write_model(
        name,
        title,
        &hypotheses,
        &sources,
        &items,
        uses_na,
        delimiter,
    );
    Some(Imported {
        toml,
        hypotheses: hypotheses.len(),
        items: items.len(),
        sources: sources.len(),
        delimiter: char::from(delimiter),
    })
}

/// The reports of one row: one per source named (`;` between several),
/// each with the credibility given for it (one for all, or one per source).
fn row_reports(
    cx: &mut Cx<'_>,
    source_cell: Option<&(String, Range<usize>)>,
    credibility_cell: Option<&(String, Range<usize>)>,
    sources: &mut Vec<String>,
    source_index: &mut BTreeMap<String, usize>,
) -> Vec<RowReport> {
    let mut named: Vec<(String, bool)> = source_cell
        .map(|(v, _)| {
            v.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    let lower = s.to_lowercase();
                    match lower.strip_suffix("(denies)") {
                        Some(rest) => (s[..rest.len()].trim().to_string(), false),
                        None => (s.to_string(), true),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut credibilities: Vec<Credibility> = Vec::new();
    if let Some((value, at)) = credibility_cell {
        for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match parse_credibility(part) {
                Some(c) => credibilities.push(c),
                None => {
                    cx.error(
                        at.clone(),
                        format!("`{part}` is not a credibility"),
                        "expected High, Medium, Low, A-F or a number",
                        Some("credibility is High, Medium or Low (H, M, L), an Admiralty letter A-F, a reliability from 0 to 1, or an interval [low, high]".into()),
                    );
                    return Vec::new();
                }
            }
        }
    }
    if named.is_empty() && !credibilities.is_empty() {
        named.push((UNATTRIBUTED.to_string(), true));
    }
    if credibilities.len() > 1 && credibilities.len() != named.len() {
        if let Some((_, at)) = credibility_cell {
            cx.error(
                at.clone(),
                format!(
                    "{} credibilities for {} sources",
                    credibilities.len(),
                    named.len()
                ),
                "one per source, or one for all",
                Some("separate several sources, and their credibilities, with `;`".into()),
            );
        }
        return Vec::new();
    }
    named
        .into_iter()
        .enumerate()
        .map(|(i, (source, asserts))| {
            let key = source.to_lowercase();
            let index = *source_index.entry(key).or_insert_with(|| {
                sources.push(source.clone());
                sources.len() - 1
            });
            let credibility = match credibilities.len() {
                0 => None,
                1 => Some(credibilities[0].clone()),
                _ => Some(credibilities[i].clone()),
            };
            RowReport {
                source: index,
                asserts,
                credibility,
            }
        })
        .collect()
}

fn write_model(
    name: &str,
    title: &str,
    hypotheses: &[(String, Range<usize>)],
    sources: &[String],
    items: &[Row],
    uses_na: bool,
    delimiter: u8,
) -> String {
    let mut out = String::new();
    let delimiter_name = match delimiter {
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "commas",
    };
    let _ = writeln!(
        out,
        "# Imported by `credence import ach` from {} ({} evidence rows x {} hypotheses, cells\n\
         # separated by {delimiter_name}). Each rating is read as P(evidence | hypothesis) on the ACH\n\
         # scale (docs/FORMAT.md): CC 0.95, C 0.80, N 0.50, I 0.20, II 0.05{}.\n\
         # Priors are uniform. A row with no source is an established fact, as in an\n\
         # ACH matrix; a row with a source is that source's report, its credibility\n\
         # the source's reliability (High = B, Medium = C, Low = D; docs/ACH_CSV.md).\n\
         # Next: `credence check`, `credence ach` and `credence report` on this file.",
        comment_text(name),
        items.len(),
        hypotheses.len(),
        if uses_na { ", NA 0.50" } else { "" },
    );
    let _ = writeln!(out, "\n[model]\ntitle = {}", toml_string(title));
    if uses_na {
        out.push_str(
            "\n# NA (not applicable) is read as neutral; it is its own word so that\n\
             # `credence export --format ach-csv` writes it back as NA.\n\
             [scales.ach]\nNA = 0.5\n",
        );
    }
    let mut taken = BTreeSet::new();
    let hypothesis_ids: Vec<String> = hypotheses
        .iter()
        .enumerate()
        .map(|(i, (t, _))| make_id(t, "h", i, &mut taken))
        .collect();
    for (i, ((heading, _), id)) in hypotheses.iter().zip(&hypothesis_ids).enumerate() {
        let _ = writeln!(
            out,
            "\n[[hypotheses]]  # column {}\nid = {}\ntitle = {}",
            column_letters(i + 1),
            toml_string(id),
            toml_string(heading)
        );
    }
    let mut taken = BTreeSet::new();
    let source_ids: Vec<String> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| make_id(s, "source", i, &mut taken))
        .collect();
    // A source's reliability is the first credibility given for it; a row
    // with another credibility overrides it on its report.
    let mut source_reliability: Vec<Option<Credibility>> = vec![None; sources.len()];
    for report in items.iter().flat_map(|r| &r.reports) {
        if source_reliability[report.source].is_none() {
            source_reliability[report.source] = report.credibility.clone();
        }
    }
    for ((source, id), reliability) in sources.iter().zip(&source_ids).zip(&source_reliability) {
        let title = if source == UNATTRIBUTED {
            "Unattributed (rows with a credibility but no source)"
        } else {
            source.as_str()
        };
        let (value, comment) = match reliability {
            Some(c) => (c.toml(), c.comment()),
            None => (
                format!("\"{DEFAULT_RELIABILITY}\""),
                "  # Medium: no credibility given".to_string(),
            ),
        };
        let _ = writeln!(
            out,
            "\n[[sources]]\nid = {}\ntitle = {}\nreliability = {value}{comment}",
            toml_string(id),
            toml_string(title)
        );
    }
    let mut taken = BTreeSet::new();
    for (i, row) in items.iter().enumerate() {
        let id = make_id(&row.claim, "e", i, &mut taken);
        let likelihood: Vec<String> = hypothesis_ids
            .iter()
            .zip(&row.ratings)
            .map(|(h, r)| format!("{} = \"{r}\"", toml_edit::Key::new(h.as_str())))
            .collect();
        let _ = writeln!(
            out,
            "\n[[evidence]]  # line {}\nid = {}\nclaim = {}\nlikelihood = {{ {} }}",
            row.line,
            toml_string(&id),
            toml_string(&row.claim),
            likelihood.join(", ")
        );
        if !row.reports.is_empty() {
            let reports: Vec<String> = row
                .reports
                .iter()
                .map(|r| {
                    let mut fields =
                        vec![format!("source = {}", toml_string(&source_ids[r.source]))];
                    if !r.asserts {
                        fields.push("asserts = false".into());
                    }
                    if let Some(c) = &r.credibility
                        && r.credibility != source_reliability[r.source]
                    {
                        fields.push(format!("reliability = {}", c.toml()));
                    }
                    format!("{{ {} }}", fields.join(", "))
                })
                .collect();
            let _ = writeln!(out, "reports = [ {} ]", reports.join(", "));
        }
        if let Some(relevance) = &row.relevance {
            let _ = writeln!(
                out,
                "notes = {}",
                toml_string(&format!("{RELEVANCE_NOTE}{relevance}"))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_run_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn ids_are_short_unique_and_valid() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            make_id(
                "The malware reuses a state toolkit's code",
                "e",
                0,
                &mut taken
            ),
            "the_malware_reuses_a_state"
        );
        assert_eq!(
            make_id("The malware reuses a state toolkit", "e", 1, &mut taken),
            "the_malware_reuses_a_state_2"
        );
        assert_eq!(make_id("1998 report", "e", 2, &mut taken), "e_1998_report");
        assert_eq!(make_id("«»", "e", 3, &mut taken), "e4");
        assert_eq!(make_id(&"x".repeat(50), "e", 4, &mut taken).len(), 32);
    }

    #[test]
    fn delimiter_is_sniffed_outside_quotes() {
        assert_eq!(sniff_delimiter("Evidence;A;B\n1,2;C;I"), b';');
        assert_eq!(sniff_delimiter("\"a;b;c\",A,B\n"), b',');
        assert_eq!(sniff_delimiter("Evidence\tA\tB"), b'\t');
        assert_eq!(sniff_delimiter("Evidence"), b',');
    }

    #[test]
    fn cells_are_located_through_quotes() {
        let text = "a,\"b,\"\"c\"\"\nd\",e\nf";
        let (starts, open) = cell_starts(text, 0, b',');
        assert_eq!(starts, vec![0, 2, 14]);
        assert_eq!(open, None);
        let (_, open) = cell_starts("a,\"b", 0, b',');
        assert_eq!(open, Some(2));
    }

    #[test]
    fn ratings_and_credibilities_read_their_spellings() {
        assert_eq!(parse_rating(" cc "), Some("CC"));
        assert_eq!(parse_rating("--"), Some("II"));
        assert_eq!(parse_rating("Very  Inconsistent"), Some("II"));
        assert_eq!(parse_rating("N/A"), Some("NA"));
        assert_eq!(parse_rating("CCC"), None);
        assert_eq!(
            parse_credibility("high"),
            Some(Credibility::Letter("B".into(), Some("High")))
        );
        assert_eq!(
            parse_credibility("e"),
            Some(Credibility::Letter("E".into(), None))
        );
        assert_eq!(
            parse_credibility(".7"),
            Some(Credibility::Number("0.7".into()))
        );
        assert_eq!(
            parse_credibility("[0.2, 0.6]"),
            Some(Credibility::Interval("0.2".into(), "0.6".into()))
        );
        assert_eq!(parse_credibility("[0.6, 0.2]"), None);
        assert_eq!(parse_credibility("1.5"), None);
        assert_eq!(parse_credibility("G"), None);
    }
}
