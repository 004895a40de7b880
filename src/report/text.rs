//! Plain-text renderer of a [`Doc`] for the terminal: headings flush left
//! with their content indented under them, paragraphs wrapped at
//! [`WIDTH`] columns, tables with aligned columns whose long text columns
//! wrap when the table would be wider than [`WIDTH`]. Figures are left out
//! (the tables beside them carry the same numbers).
//!
//! Color: with `color` on, the semantic tones the document carries become
//! ANSI styles (leading bold, for green, against red, warning yellow,
//! muted dim; headings and table headers bold, table rules dim). Stripping
//! the escapes gives exactly the plain output: styles never change a
//! character or a width.
//!
//! Model text never reaches the terminal raw: control, bidirectional and
//! invisible characters are printed as escapes (`\u{202E}`, crate::escape).

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::doc::{Align, Block, Cell, Doc, Line, Span, Table, Tone};
use crate::escape;

/// Paragraphs wrap at this many columns.
pub const WIDTH: usize = 88;

/// A table wider than this wraps its long text columns (tables of numbers
/// may be wider than prose before they become hard to read).
pub const TABLE_WIDTH: usize = 100;

/// A wrapped table column keeps at least this many characters.
const MIN_WRAPPED_COLUMN: usize = 36;

/// The ANSI style of a run of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    Dim,
    Green,
    Red,
    Yellow,
}

impl Style {
    /// The escape that turns the style on (empty for plain text).
    fn escape(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Bold => "\x1b[1m",
            Style::Dim => "\x1b[2m",
            Style::Green => "\x1b[32m",
            Style::Red => "\x1b[31m",
            Style::Yellow => "\x1b[33m",
        }
    }
}

/// The escape that turns every style off.
const RESET: &str = "\x1b[0m";

/// Weights below this many decibans are shown without a color (they round
/// to zero at two decimals).
const NEGLIGIBLE_DB: f64 = 0.05;

/// The style a semantic tone takes on a terminal.
fn style_of(tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::Plain,
        Tone::Leading => Style::Bold,
        Tone::Muted => Style::Dim,
        Tone::For => Style::Green,
        Tone::Against => Style::Red,
        Tone::Warning => Style::Yellow,
        Tone::Woe(Some(w)) if w >= NEGLIGIBLE_DB => Style::Green,
        Tone::Woe(Some(w)) if w <= -NEGLIGIBLE_DB => Style::Red,
        Tone::Woe(_) => Style::Plain,
        Tone::Ach(rating, _) => match rating {
            "CC" | "C" => Style::Green,
            "I" | "II" => Style::Red,
            _ => Style::Plain,
        },
    }
}

/// Text in one style.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    text: String,
    style: Style,
}

/// A piece of styled text: runs in order.
type Styled = Vec<Run>;

/// The terminal columns `text` takes: a CJK character two, a combining
/// mark none, anything else one.
fn width_of(text: &Styled) -> usize {
    text.iter().map(|r| r.text.width()).sum()
}

/// A line of the document as styled runs; `style`, when not plain,
/// overrides the spans' own (a cell's tone covers the whole cell).
fn styled_line(line: &Line, style: Style) -> Styled {
    line.iter()
        .map(|span| {
            let (text, own) = match span {
                Span::Text(s) | Span::Code(s) => (s, Style::Plain),
                Span::Strong(s) => (s, Style::Bold),
            };
            Run {
                text: escape::for_terminal(text).into_owned(),
                style: if style == Style::Plain { own } else { style },
            }
        })
        .collect()
}

/// Styled text broken into words at whitespace; each word keeps the
/// styles of its characters.
fn words(text: &Styled) -> Vec<Styled> {
    let mut words = Vec::new();
    let mut word: Styled = Vec::new();
    for run in text {
        for ch in run.text.chars() {
            if ch.is_whitespace() {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                continue;
            }
            match word.last_mut() {
                Some(last) if last.style == run.style => last.text.push(ch),
                _ => word.push(Run {
                    text: ch.to_string(),
                    style: run.style,
                }),
            }
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Styled text wrapped into lines of at most `width` characters (a longer
/// word gets a line of its own).
fn wrap(text: &Styled, width: usize) -> Vec<Styled> {
    let mut lines = Vec::new();
    let mut line: Styled = Vec::new();
    let mut line_width = 0;
    for word in words(text) {
        let word_width = width_of(&word);
        if !line.is_empty() && line_width + 1 + word_width > width {
            lines.push(std::mem::take(&mut line));
            line_width = 0;
        }
        if !line.is_empty() {
            let style = word.first().map_or(Style::Plain, |r| r.style);
            line.push(Run {
                text: " ".to_string(),
                style,
            });
            line_width += 1;
        }
        line_width += word_width;
        line.extend(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The characters of `text`, with escapes around each styled run when
/// `color` is on.
fn paint(text: &Styled, color: bool) -> String {
    let mut out = String::new();
    let mut k = 0;
    while k < text.len() {
        // Merge neighbouring runs of one style (a space between two bold
        // words stays inside the bold).
        let style = text[k].style;
        let mut merged = String::new();
        while k < text.len() && text[k].style == style {
            merged.push_str(&text[k].text);
            k += 1;
        }
        if color && style != Style::Plain {
            out.push_str(style.escape());
            out.push_str(&merged);
            out.push_str(RESET);
        } else {
            out.push_str(&merged);
        }
    }
    out
}

fn plain(text: impl Into<String>, style: Style) -> Styled {
    vec![Run {
        text: text.into(),
        style,
    }]
}

/// A table cell as styled text: its line, then, when `with_subline`, its
/// quieter second line after a colon (`blue: The cab was blue`).
fn cell_text(cell: &Cell, with_subline: bool) -> Styled {
    let style = style_of(cell.tone);
    let mut text = styled_line(&cell.main, style);
    if let (true, Some(subline)) = (with_subline, &cell.subline) {
        text.push(Run {
            text: format!(": {}", escape::for_terminal(subline)),
            style,
        });
    }
    text
}

/// The width of a table whose columns are as wide as their widest cell.
fn natural_width(cells: &[Vec<Styled>], columns: usize) -> usize {
    let mut widths = vec![0; columns];
    for row in cells {
        for (c, text) in row.iter().enumerate().take(columns) {
            widths[c] = widths[c].max(width_of(text));
        }
    }
    widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1)
}

/// Column widths for `cells` (header first): each column as wide as its
/// widest cell, then, while the table is wider than `room`, the widest
/// left-aligned (text) columns narrowed, never below their longest word
/// nor below [`MIN_WRAPPED_COLUMN`].
fn column_widths(cells: &[Vec<Styled>], align: &[Align], room: usize) -> Vec<usize> {
    let columns = align.len();
    let mut widths = vec![0; columns];
    let mut floors = vec![0; columns];
    for row in cells {
        for (c, text) in row.iter().enumerate().take(columns) {
            widths[c] = widths[c].max(width_of(text));
            let longest_word = words(text).iter().map(width_of).max().unwrap_or(0);
            floors[c] = floors[c].max(longest_word);
        }
    }
    for c in 0..columns {
        floors[c] = if align[c] == Align::Left {
            floors[c].max(MIN_WRAPPED_COLUMN).min(widths[c])
        } else {
            widths[c]
        };
    }
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
    while total(&widths) > room {
        let excess = total(&widths) - room;
        let Some(widest) = (0..columns)
            .filter(|&c| widths[c] > floors[c])
            .max_by_key(|&c| (widths[c], std::cmp::Reverse(c)))
        else {
            break;
        };
        // Narrow the widest column down to the next widest one at most, so
        // the wrapping is shared among the long columns.
        let next = (0..columns)
            .filter(|&c| c != widest && align[c] == Align::Left)
            .map(|c| widths[c])
            .filter(|&w| w < widths[widest])
            .max()
            .unwrap_or(0);
        let cut = excess
            .min(widths[widest] - floors[widest])
            .min((widths[widest] - next).max(1));
        widths[widest] -= cut;
    }
    widths
}

/// One physical line of a table row: cells padded to their columns, two
/// spaces apart, trailing spaces trimmed.
fn table_line(cells: &[Styled], widths: &[usize], align: &[Align], color: bool) -> String {
    let mut line = String::new();
    let mut pending = 0; // spaces owed before the next text
    for (c, width) in widths.iter().enumerate() {
        let empty = Styled::new();
        let text = cells.get(c).unwrap_or(&empty);
        let pad = width.saturating_sub(width_of(text));
        if c > 0 {
            pending += 2;
        }
        if align[c] == Align::Right {
            pending += pad;
        }
        if width_of(text) > 0 {
            line.push_str(&" ".repeat(pending));
            pending = 0;
            line.push_str(&paint(text, color));
        }
        if align[c] == Align::Left {
            pending += pad;
        }
    }
    line
}

/// Write `table` with aligned columns, each line after `indent` (also
/// used by `query`, whose output is not a document). A cell's second line
/// (a title under an id) follows it after a colon when the table fits in
/// [`TABLE_WIDTH`] that way; otherwise it goes on a line of its own under
/// the row, so the columns stay narrow. Long text columns then wrap if the
/// table is still too wide.
pub fn write_table(
    out: &mut dyn Write,
    table: &Table,
    indent: &str,
    color: bool,
) -> io::Result<()> {
    let columns = table.align.len();
    let room = TABLE_WIDTH.saturating_sub(indent.chars().count());
    let header: Vec<Styled> = table
        .header
        .iter()
        .map(|h| styled_line(h, Style::Bold))
        .collect();
    let grid = |with_subline: bool| -> Vec<Vec<Styled>> {
        let mut cells = vec![header.clone()];
        cells.extend(table.rows.iter().map(|row| {
            row.iter()
                .take(columns)
                .map(|cell| cell_text(cell, with_subline))
                .collect()
        }));
        cells
    };
    let mut cells = grid(true);
    let has_sublines = table.rows.iter().flatten().any(|c| c.subline.is_some());
    let sublines_apart = has_sublines && natural_width(&cells, columns) > room;
    if sublines_apart {
        cells = grid(false);
    }
    let widths = column_widths(&cells, &table.align, room);
    let subline_indent = format!("{indent}    ");
    for (r, row) in cells.iter().enumerate() {
        let wrapped: Vec<Vec<Styled>> = row
            .iter()
            .enumerate()
            .map(|(c, text)| {
                if width_of(text) <= widths[c] {
                    vec![text.clone()]
                } else {
                    wrap(text, widths[c])
                }
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for k in 0..height {
            let parts: Vec<Styled> = wrapped
                .iter()
                .map(|lines| lines.get(k).cloned().unwrap_or_default())
                .collect();
            writeln!(
                out,
                "{indent}{}",
                table_line(&parts, &widths, &table.align, color)
            )?;
        }
        if r == 0 {
            let rule: Vec<Styled> = widths
                .iter()
                .map(|w| plain("-".repeat(*w), Style::Dim))
                .collect();
            writeln!(
                out,
                "{indent}{}",
                table_line(&rule, &widths, &table.align, color)
            )?;
        } else if sublines_apart {
            for subline in table.rows[r - 1].iter().filter_map(|c| c.subline.as_ref()) {
                let text = plain(escape::for_terminal(subline), Style::Dim);
                write_wrapped(out, &text, &subline_indent, &subline_indent, color)?;
            }
        }
    }
    Ok(())
}

/// Wrapped text: `first` before the first line, `rest` before the others.
fn write_wrapped(
    out: &mut dyn Write,
    text: &Styled,
    first: &str,
    rest: &str,
    color: bool,
) -> io::Result<()> {
    let room = WIDTH.saturating_sub(first.chars().count()).max(20);
    for (k, line) in wrap(text, room).iter().enumerate() {
        let prefix = if k == 0 { first } else { rest };
        writeln!(out, "{prefix}{}", paint(line, color))?;
    }
    Ok(())
}

/// Render `doc` as plain text, with ANSI styles when `color` is on.
pub fn render(doc: &Doc<'_>, color: bool, out: &mut dyn Write) -> io::Result<()> {
    // The header lines are model text on one line each: every hidden
    // character escaped, newlines and tabs too.
    writeln!(
        out,
        "{}",
        paint(
            &plain(escape::visible(doc.header.title), Style::Bold),
            color
        )
    )?;
    if let Some(question) = doc.header.question {
        writeln!(out, "Question: {}", escape::visible(question))?;
    }
    if let Some(as_of) = doc.header.as_of {
        writeln!(out, "As of: {}", escape::visible(as_of))?;
    }
    let mut indent = "";
    let mut after_table = false;
    for block in &doc.blocks {
        // A table ends with a blank line unless a heading (which opens with
        // one) or a figure (which is not drawn) follows.
        if after_table && !matches!(block, Block::Heading(..) | Block::Figure(_)) {
            writeln!(out)?;
        }
        after_table =
            matches!(block, Block::Table(_)) || (after_table && matches!(block, Block::Figure(_)));
        match block {
            Block::Heading(level, line) => {
                writeln!(out)?;
                let (at, under) = if *level <= 2 {
                    ("", "  ")
                } else {
                    ("  ", "    ")
                };
                // A heading stays on one line, however long (whitespace
                // in model text still folds to single spaces).
                for line in wrap(&styled_line(line, Style::Bold), usize::MAX) {
                    writeln!(out, "{at}{}", paint(&line, color))?;
                }
                indent = under;
            }
            Block::Para(line) | Block::Note(line) => {
                if indent.is_empty() {
                    // Text before the first heading stands apart from the title.
                    writeln!(out)?;
                }
                write_wrapped(out, &styled_line(line, Style::Plain), indent, indent, color)?;
            }
            Block::List(items) => {
                let hanging = format!("{indent}  ");
                for item in items {
                    let first = format!("{indent}- ");
                    write_wrapped(
                        out,
                        &styled_line(item, Style::Plain),
                        &first,
                        &hanging,
                        color,
                    )?;
                }
            }
            Block::Formula(formula) => {
                for line in formula.lines() {
                    writeln!(out, "{indent}    {}", escape::for_terminal(line))?;
                }
            }
            Block::Table(table) => write_table(out, table, indent, color)?,
            Block::Figure(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::doc::{Header, text as line_of};
    use super::*;

    fn table(header: &[&str], right: &[usize], rows: &[&[&str]]) -> Table {
        let mut t = Table::plain(header, right);
        for row in rows {
            t.row(row.iter().map(|c| Cell::text(*c)).collect());
        }
        t
    }

    fn table_text(t: &Table, color: bool) -> String {
        let mut out = Vec::new();
        write_table(&mut out, t, "", color).expect("writes to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    fn doc_text(d: &Doc<'_>, color: bool) -> String {
        let mut out = Vec::new();
        render(d, color, &mut out).expect("writes to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    fn page() -> Doc<'static> {
        Doc::new(
            Header {
                title: "Title",
                question: None,
                as_of: None,
            },
            "test",
            "Test",
        )
    }

    /// Text with every ANSI escape taken out.
    fn strip_escapes(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn each_tone_has_its_style() {
        let cases = [
            (Tone::Plain, Style::Plain),
            (Tone::Leading, Style::Bold),
            (Tone::Muted, Style::Dim),
            (Tone::For, Style::Green),
            (Tone::Against, Style::Red),
            (Tone::Warning, Style::Yellow),
            (Tone::Woe(Some(6.0)), Style::Green),
            (Tone::Woe(Some(-6.0)), Style::Red),
            (Tone::Woe(Some(0.04)), Style::Plain),
            (Tone::Woe(Some(-0.04)), Style::Plain),
            (Tone::Woe(None), Style::Plain),
            (Tone::Ach("CC", true), Style::Green),
            (Tone::Ach("C", false), Style::Green),
            (Tone::Ach("N", true), Style::Plain),
            (Tone::Ach("I", true), Style::Red),
            (Tone::Ach("II", false), Style::Red),
        ];
        for (tone, style) in cases {
            assert_eq!(style_of(tone), style, "{tone:?}");
        }
    }

    #[test]
    fn numbers_align_right_and_words_left() {
        let t = table(
            &["Item", "Weight", "Note"],
            &[1],
            &[&["a", "1.5", "x"], &["longer", "-12.25", "yy"]],
        );
        assert_eq!(
            table_text(&t, false),
            "Item    Weight  Note\n\
             ------  ------  ----\n\
             a          1.5  x\n\
             longer  -12.25  yy\n"
        );
    }

    #[test]
    fn columns_line_up_by_terminal_width() {
        // Accented letters (one column, whether precomposed or combining),
        // CJK (two columns each): the right-aligned numbers end in one
        // column on every line.
        let names = ["abc", "äöü", "e\u{301}te\u{301}", "日本", "x"];
        let rows: Vec<Vec<&str>> = names.iter().map(|n| vec![*n, "0.5000"]).collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let out = table_text(&table(&["Name", "P"], &[1], &rows), false);
        let widths: Vec<usize> = out.lines().map(UnicodeWidthStr::width).collect();
        assert_eq!(widths.len(), names.len() + 2, "{out}");
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{out}");
        assert!(out.contains("日本  0.5000"), "{out}");
    }

    #[test]
    fn a_wide_text_column_wraps_within_the_table_width() {
        let claim = "the quick brown fox jumps over the lazy dog ".repeat(6);
        let claim = claim.trim();
        let t = table(
            &["Item", "Claim", "dB"],
            &[2],
            &[&["first", claim, "+6.02"], &["second", "short", "-1.00"]],
        );
        let out = table_text(&t, false);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 4, "the claim wraps:\n{out}");
        for line in &lines {
            assert!(
                line.width() <= TABLE_WIDTH,
                "{} > {TABLE_WIDTH}: {line}",
                line.width()
            );
        }
        // The number stays on the row's first line, flush right.
        let end = lines[0].width();
        assert!(
            lines[2].ends_with("+6.02") && lines[2].width() == end,
            "{out}"
        );
        // Every word is kept, in order.
        let wrapped: Vec<&str> = lines[2..lines.len() - 1]
            .iter()
            .map(|l| l["first".len()..].trim().trim_end_matches("+6.02").trim())
            .collect();
        assert_eq!(wrapped.join(" "), claim);
    }

    #[test]
    fn paragraphs_wrap_at_the_width() {
        let cases: [(&str, usize); 3] = [
            ("short words only", 1),
            (&"word ".repeat(60), 4),
            (&format!("a {} b", "x".repeat(WIDTH + 10)), 3),
        ];
        for (para, expected_lines) in cases {
            let mut d = page();
            d.h2("Section");
            d.para(line_of(para));
            let out = doc_text(&d, false);
            let body: Vec<&str> = out.lines().skip(3).collect();
            assert_eq!(body.len(), expected_lines, "{out}");
            for line in &body {
                let one_word = !line.trim().contains(' ');
                assert!(line.width() <= WIDTH || one_word, "too wide: {line}");
                assert!(line.starts_with("  "), "indented under its heading: {line}");
            }
            let words: Vec<&str> = body.iter().flat_map(|l| l.split_whitespace()).collect();
            assert_eq!(
                words.join(" "),
                para.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }

    fn toned_doc() -> Doc<'static> {
        let mut d = page();
        d.h2("Evidence");
        let mut t = Table::plain(&["Item", "dB", "Change"], &[1, 2]);
        t.row(vec![
            Cell::text("lead").tone(Tone::Leading),
            Cell::text("+6.02").tone(Tone::Woe(Some(6.02))),
            Cell::text("+0.1000").tone(Tone::For),
        ]);
        t.row(vec![
            Cell::text("gone").tone(Tone::Muted),
            Cell::text("-3.00").tone(Tone::Woe(Some(-3.0))),
            Cell::text("-0.1000").tone(Tone::Against),
        ]);
        t.row(vec![
            Cell::text("odd").tone(Tone::Warning),
            Cell::text("rules out/in").tone(Tone::Woe(None)),
            Cell::text("0").tone(Tone::Plain),
        ]);
        d.table(t);
        d
    }

    #[test]
    fn no_escape_without_color() {
        assert!(!doc_text(&toned_doc(), false).contains('\x1b'));
    }

    #[test]
    fn tones_become_ansi_styles_that_change_no_character() {
        let plain = doc_text(&toned_doc(), false);
        let colored = doc_text(&toned_doc(), true);
        for styled in [
            "\x1b[1mTitle\x1b[0m",
            "\x1b[1mEvidence\x1b[0m",
            "\x1b[1mlead\x1b[0m",
            "\x1b[32m+6.02\x1b[0m",
            "\x1b[32m+0.1000\x1b[0m",
            "\x1b[2mgone\x1b[0m",
            "\x1b[31m-3.00\x1b[0m",
            "\x1b[31m-0.1000\x1b[0m",
            "\x1b[33modd\x1b[0m",
            "\x1b[2m----\x1b[0m",
        ] {
            assert!(colored.contains(styled), "{styled:?} in\n{colored}");
        }
        assert!(colored.contains("rules out/in"));
        assert!(
            !colored.contains("mrules out/in"),
            "an infinite weight stays plain"
        );
        assert_eq!(strip_escapes(&colored), plain);
    }
}
