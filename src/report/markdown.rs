//! Markdown printer (GitHub-flavoured): headings, pipe tables, lists; no
//! raw HTML. Every piece of model text is escaped so that it renders as
//! written: Markdown punctuation is backslash-escaped, newlines are folded,
//! and `|` is escaped inside tables. Charts are HTML only; the tables carry
//! the same numbers.

use std::io::{self, Write};

use super::doc::{Align, Block, Cell, Doc, Line, Span, Table, Tone};
use crate::escape;

/// One line: newlines, tabs and other whitespace become spaces (a table
/// row or a paragraph must not be split by model text); other control,
/// bidirectional and invisible characters are shown as escapes
/// (`\u{202E}`, crate::escape), so nothing reorders the rendered text.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\t' || c == '\n' || c == '\r' || (c.is_whitespace() && !escape::is_hidden(c)) {
            out.push(' ');
        } else if escape::is_hidden(c) {
            out.push_str(&escape::escape_char(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Model text as inline Markdown that renders as written: every character
/// with inline meaning is backslash-escaped (CommonMark allows escaping any
/// ASCII punctuation), including `<` and `&` so nothing becomes HTML, and
/// `$` so GitHub does not read it as math. `|` is escaped everywhere: a
/// cell would otherwise be split, and `\|` is harmless elsewhere.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in one_line(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '$' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An id or value as a code span. Code spans are literal (no escapes, no
/// HTML), so the fence is made longer than any run of backticks inside.
/// In a table, `|` still splits a cell, and GFM reads `\|` there as `|`.
fn code(s: &str, in_table: bool) -> String {
    let s = one_line(s);
    if s.trim().is_empty() {
        return escape(&s);
    }
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let body = if in_table { s.replace('|', "\\|") } else { s };
    let pad = if body.starts_with('`') || body.ends_with('`') || body.starts_with(' ') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

fn inline(line: &Line, in_table: bool) -> String {
    let mut out = String::new();
    for span in line {
        match span {
            Span::Text(s) => out.push_str(&escape(s)),
            Span::Code(s) => out.push_str(&code(s, in_table)),
            Span::Strong(s) => {
                let e = escape(s);
                let trimmed = e.trim_end();
                if trimmed.is_empty() {
                    out.push_str(&e);
                } else {
                    // Emphasis must not end in a space; keep it outside.
                    out.push_str(&format!("**{trimmed}**{}", &e[trimmed.len()..]));
                }
            }
        }
    }
    out
}

/// Text that starts a line must not start a block: a heading, a list item,
/// a numbered list, a setext underline.
fn block_safe(s: String) -> String {
    let first = s.chars().next();
    if matches!(first, Some('#' | '+' | '-' | '=')) {
        return format!("\\{s}");
    }
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && matches!(s[digits..].chars().next(), Some('.' | ')')) {
        return format!("{}\\{}", &s[..digits], &s[digits..]);
    }
    s
}

/// A heading's trailing `#`s would be read as its closing sequence.
fn heading_safe(s: String) -> String {
    let body = s.trim_end_matches('#');
    if body.len() == s.len() {
        return s;
    }
    format!("{body}\\{}", &s[body.len()..])
}

fn cell(c: &Cell) -> String {
    let mut s = inline(&c.main, true);
    if let Some(sub) = &c.subline {
        s.push_str(": ");
        s.push_str(&escape(sub));
    }
    if c.tone == Tone::Leading && !s.trim().is_empty() {
        s = format!("**{s}**");
    }
    if s.trim().is_empty() {
        " ".to_string()
    } else {
        s
    }
}

fn table(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    let header: Vec<String> = t
        .header
        .iter()
        .map(|h| {
            let s = inline(h, true);
            if s.trim().is_empty() {
                " ".to_string()
            } else {
                s
            }
        })
        .collect();
    writeln!(out, "| {} |", header.join(" | "))?;
    let rule: Vec<&str> = t
        .align
        .iter()
        .map(|a| match a {
            Align::Left => "---",
            Align::Right => "---:",
        })
        .collect();
    writeln!(out, "| {} |", rule.join(" | "))?;
    for row in &t.rows {
        let mut cells: Vec<String> = row.iter().map(cell).collect();
        cells.resize(header.len(), " ".to_string());
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    writeln!(out)
}

pub(super) fn render(d: &Doc<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# {}", heading_safe(escape(d.header.title)))?;
    writeln!(out)?;
    writeln!(
        out,
        "{}: {}",
        code(&format!("credence {}", d.command), false),
        d.subtitle
    )?;
    writeln!(out)?;
    let mut meta = Vec::new();
    if let Some(q) = d.header.question {
        meta.push(format!("- **Question:** {}", escape(q)));
    }
    if let Some(a) = d.header.as_of {
        meta.push(format!("- **As of:** {}", escape(a)));
    }
    if !meta.is_empty() {
        writeln!(out, "{}", meta.join("\n"))?;
        writeln!(out)?;
    }
    for block in &d.blocks {
        match block {
            Block::Heading(level, line) => {
                let marks = "#".repeat(usize::from((*level).clamp(2, 6)));
                writeln!(out, "{marks} {}", heading_safe(inline(line, false)))?;
                writeln!(out)?;
            }
            Block::Para(line) | Block::Note(line) => {
                writeln!(out, "{}", block_safe(inline(line, false)))?;
                writeln!(out)?;
            }
            Block::List(items) => {
                for item in items {
                    writeln!(out, "- {}", block_safe(inline(item, false)))?;
                }
                writeln!(out)?;
            }
            Block::Formula(f) => {
                writeln!(out, "```text")?;
                writeln!(out, "{}", one_line(f))?;
                writeln!(out, "```")?;
                writeln!(out)?;
            }
            Block::Table(t) => table(out, t)?,
            Block::Figure(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<script>"), "\\<script\\>");
        assert_eq!(escape("x\ny"), "x y");
        assert_eq!(escape("*_`[]"), "\\*\\_\\`\\[\\]");
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`a", false), "`` `a ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a|b", false), "`a|b`");
    }

    #[test]
    fn line_starts_are_not_blocks() {
        assert_eq!(block_safe("# x".into()), "\\# x");
        assert_eq!(block_safe("12. x".into()), "12\\. x");
        assert_eq!(block_safe("12 x".into()), "12 x");
        assert_eq!(heading_safe("C #".into()), "C \\#");
    }
}
