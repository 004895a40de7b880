//! HTML printer: one self-contained page per command. Inline CSS (system
//! fonts) and inline SVG charts drawn here; no script, no external
//! resource of any kind, and a Content-Security-Policy that forbids both.
//! Every piece of model text goes through [`esc`], in text and attributes.

mod graph;
mod style;
mod svg;

use std::fmt::{self, Write as _};
use std::io::{self, Write};

use super::doc::{Align, Block, Cell, Doc, Figure, Line, Span, Table, Tone};

/// Text as HTML, safe both between tags and inside a quoted attribute.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            // NUL and other C0 controls are parse errors in HTML; C1
            // controls, bidirectional overrides and invisible characters
            // are shown as escapes (`\u{202E}`) so nothing reorders the page.
            c if crate::escape::is_hidden(c) => out.push_str(&crate::escape::escape_char(c)),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with an ellipsis when cut (for labels in
/// charts, whose full text goes in a tooltip).
pub(crate) fn clip(s: &str, max: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if s.chars().count() <= max {
        s
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn inline(line: &Line) -> String {
    let mut out = String::new();
    for span in line {
        match span {
            Span::Text(s) => out.push_str(&esc(s)),
            Span::Code(s) => {
                // Long dotted paths may break after a dot or underscore
                // (escaping never produces either).
                let e = esc(s).replace('.', ".<wbr>").replace('_', "_<wbr>");
                out.push_str("<code>");
                out.push_str(&e);
                out.push_str("</code>");
            }
            Span::Strong(s) => {
                out.push_str("<strong>");
                out.push_str(&esc(s));
                out.push_str("</strong>");
            }
        }
    }
    out
}

/// Background and text colour of a weight-of-evidence cell: blue for, red
/// against, darker the stronger (saturating at 20 dB, a ratio of 100).
pub(crate) fn woe_colors(w: Option<f64>) -> Option<(String, &'static str)> {
    let w = match w {
        None => return Some(("#3d4450".to_string(), "#ffffff")),
        Some(w) if w.abs() < 0.05 || !w.is_finite() => return None,
        Some(w) => w,
    };
    let t = (w.abs() / 20.0).min(1.0).sqrt();
    let a = 0.10 + 0.75 * t;
    let (r, g, b) = if w > 0.0 {
        (31.0, 94.0, 204.0)
    } else {
        (204.0, 45.0, 38.0)
    };
    let mix = |c: f64| (255.0 * (1.0 - a) + c * a).round() as u8;
    let fg = if a > 0.55 { "#ffffff" } else { "#1f2328" };
    Some((format!("#{:02x}{:02x}{:02x}", mix(r), mix(g), mix(b)), fg))
}

/// Background and text colour of an ACH rating.
pub(crate) fn ach_colors(rating: &str) -> (&'static str, &'static str) {
    match rating {
        "CC" => ("#1a7f37", "#ffffff"),
        "C" => ("#aeeab9", "#0f3d1e"),
        "N" => ("#eceff2", "#4b535d"),
        "I" => ("#ffc4bf", "#6e1a14"),
        "II" => ("#c0281f", "#ffffff"),
        _ => ("#ffffff", "#1f2328"),
    }
}

fn cell(s: &mut String, c: &Cell, align: Align, tag: &str) -> fmt::Result {
    let mut classes: Vec<&str> = Vec::new();
    if align == Align::Right {
        classes.push("num");
    }
    let mut style = String::new();
    match c.tone {
        // Signed changes carry their sign in the text; the page colours
        // only weights of evidence.
        Tone::Plain | Tone::For | Tone::Against => {}
        Tone::Leading => classes.push("strong"),
        Tone::Muted => classes.push("muted"),
        Tone::Warning => classes.push("alert"),
        Tone::Woe(w) => {
            classes.push("woe");
            if let Some((bg, fg)) = woe_colors(w) {
                style = format!("background:{bg};color:{fg}");
            }
        }
        Tone::Ach(rating, written) => {
            classes.push("ach");
            if !written {
                classes.push("derived");
            }
            let (bg, fg) = ach_colors(rating);
            style = format!("background:{bg};color:{fg}");
        }
    }
    write!(s, "<{tag}")?;
    if !classes.is_empty() {
        write!(s, " class=\"{}\"", classes.join(" "))?;
    }
    if !style.is_empty() {
        write!(s, " style=\"{style}\"")?;
    }
    write!(s, ">{}", inline(&c.main))?;
    if let Some(sub) = &c.subline {
        write!(s, "<span class=\"sub\">{}</span>", esc(sub))?;
    }
    writeln!(s, "</{tag}>")
}

fn table(s: &mut String, t: &Table) -> fmt::Result {
    writeln!(s, "<div class=\"table-wrap\"><table>")?;
    write!(s, "<thead><tr>")?;
    for (k, h) in t.header.iter().enumerate() {
        let align = t.align.get(k).copied().unwrap_or(Align::Left);
        let class = if align == Align::Right {
            " class=\"num\""
        } else {
            ""
        };
        write!(s, "<th{class}>{}</th>", inline(h))?;
    }
    writeln!(s, "</tr></thead>")?;
    writeln!(s, "<tbody>")?;
    for (r, row) in t.rows.iter().enumerate() {
        if t.summary_from == Some(r) {
            writeln!(s, "</tbody><tbody class=\"summary\">")?;
        }
        write!(s, "<tr>")?;
        for (k, c) in row.iter().enumerate() {
            let align = t.align.get(k).copied().unwrap_or(Align::Left);
            cell(s, c, align, "td")?;
        }
        writeln!(s, "</tr>")?;
    }
    writeln!(s, "</tbody></table></div>")?;
    let tones = t.rows.iter().flatten().map(|c| c.tone);
    let (mut woe, mut ach) = (false, false);
    for tone in tones {
        woe |= matches!(tone, Tone::Woe(_));
        ach |= matches!(tone, Tone::Ach(..));
    }
    if woe {
        woe_legend(s)?;
    }
    if ach {
        ach_legend(s)?;
    }
    Ok(())
}

fn swatch(s: &mut String, bg: &str, fg: &str, label: &str) -> fmt::Result {
    write!(
        s,
        "<span class=\"chip\" style=\"background:{bg};color:{fg}\">{label}</span>"
    )
}

fn woe_legend(s: &mut String) -> fmt::Result {
    write!(s, "<p class=\"legend\">Weight of evidence: ")?;
    for w in [-20.0, -10.0, -3.0, 3.0, 10.0, 20.0] {
        let (bg, fg) = woe_colors(Some(w)).unwrap_or(("#ffffff".into(), "#1f2328"));
        swatch(s, &bg, fg, &format!("{w:+} dB"))?;
    }
    let (bg, fg) = woe_colors(None).unwrap_or(("#ffffff".into(), "#1f2328"));
    swatch(s, &bg, fg, "rules out/in")?;
    writeln!(
        s,
        " <span class=\"muted\">blue supports the hypothesis, red counts against it; darker is stronger.</span></p>"
    )
}

fn ach_legend(s: &mut String) -> fmt::Result {
    write!(s, "<p class=\"legend\">")?;
    for (code, words) in [
        ("CC", "very consistent"),
        ("C", "consistent"),
        ("N", "neutral"),
        ("I", "inconsistent"),
        ("II", "very inconsistent"),
    ] {
        let (bg, fg) = ach_colors(code);
        swatch(s, bg, fg, &format!("{code} {words}"))?;
    }
    writeln!(
        s,
        " <span class=\"muted\"><em>Italic</em>: derived from the likelihoods, not written in the model.</span></p>"
    )
}

fn figure(s: &mut String, f: &Figure<'_>) -> fmt::Result {
    match f {
        Figure::Posterior(v) => svg::posterior(s, v),
        Figure::EvidenceGraph(v) => graph::evidence_graph(s, v),
        Figure::Scenarios(v) => svg::scenarios(s, v),
        Figure::Tornado(v) => svg::tornado(s, v),
        Figure::Percentiles(v) => svg::percentiles(s, v),
    }
}

fn body(s: &mut String, d: &Doc<'_>) -> fmt::Result {
    let mut open = false;
    for block in &d.blocks {
        if let Block::Heading(2, line) = block {
            if open {
                writeln!(s, "</section>")?;
            }
            writeln!(s, "<section>\n<h2>{}</h2>", inline(line))?;
            open = true;
            continue;
        }
        if !open {
            writeln!(s, "<section class=\"lead\">")?;
            open = true;
        }
        match block {
            Block::Heading(_, line) => writeln!(s, "<h3>{}</h3>", inline(line))?,
            Block::Para(line) => writeln!(s, "<p>{}</p>", inline(line))?,
            Block::Note(line) => writeln!(s, "<p class=\"note\">{}</p>", inline(line))?,
            Block::List(items) => {
                writeln!(s, "<ul>")?;
                for item in items {
                    writeln!(s, "<li>{}</li>", inline(item))?;
                }
                writeln!(s, "</ul>")?;
            }
            Block::Formula(f) => writeln!(s, "<pre class=\"formula\">{}</pre>", esc(f))?,
            Block::Table(t) => table(s, t)?,
            Block::Figure(f) => figure(s, f)?,
        }
    }
    if open {
        writeln!(s, "</section>")?;
    }
    Ok(())
}

fn page(d: &Doc<'_>) -> Result<String, fmt::Error> {
    let mut s = String::with_capacity(64 * 1024);
    writeln!(s, "<!DOCTYPE html>")?;
    writeln!(s, "<html lang=\"en\">")?;
    writeln!(s, "<head>")?;
    writeln!(s, "<meta charset=\"utf-8\">")?;
    writeln!(
        s,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    // Defence in depth: even if something slipped through escaping, the
    // page may run no script and fetch nothing.
    writeln!(
        s,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(s, "<meta name=\"generator\" content=\"credence\">")?;
    writeln!(
        s,
        "<title>{} · credence {}</title>",
        esc(d.header.title),
        d.command
    )?;
    writeln!(s, "<style>{}</style>", style::CSS)?;
    writeln!(s, "</head>")?;
    writeln!(s, "<body>")?;
    writeln!(s, "<header class=\"top\"><div class=\"wrap\">")?;
    writeln!(
        s,
        "<p class=\"kicker\"><span class=\"cmd\">credence {}</span> {}</p>",
        d.command,
        esc(d.subtitle)
    )?;
    writeln!(s, "<h1>{}</h1>", esc(d.header.title))?;
    if let Some(q) = d.header.question {
        writeln!(s, "<p class=\"question\">{}</p>", esc(q))?;
    }
    if let Some(a) = d.header.as_of {
        writeln!(s, "<p class=\"asof\">As of {}</p>", esc(a))?;
    }
    writeln!(s, "</div></header>")?;
    writeln!(s, "<main class=\"wrap\">")?;
    body(&mut s, d)?;
    writeln!(s, "</main>")?;
    writeln!(
        s,
        "<footer class=\"wrap\">Made with credence: exact Bayesian support for competing hypotheses. Self-contained page: no script, no external resources.</footer>"
    )?;
    writeln!(s, "</body>")?;
    writeln!(s, "</html>")?;
    Ok(s)
}

pub(super) fn render(d: &Doc<'_>, out: &mut dyn Write) -> io::Result<()> {
    let s = page(d).map_err(|_| io::Error::other("cannot format the HTML page"))?;
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(
            esc("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        // Controls and bidirectional overrides are shown as escapes.
        assert_eq!(esc("a\0b\u{202E}c"), "a\\u{0}b\\u{202E}c");
    }

    #[test]
    fn clips_on_characters() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("äöü", 3), "äöü");
        assert_eq!(clip("a\nb", 5), "a b");
    }

    #[test]
    fn woe_colours_darken_with_strength() {
        assert!(woe_colors(Some(0.01)).is_none());
        let weak = woe_colors(Some(1.0)).map(|c| c.0);
        let strong = woe_colors(Some(20.0)).map(|c| c.0);
        assert_ne!(weak, strong);
        assert_eq!(woe_colors(Some(30.0)), woe_colors(Some(20.0)));
    }
}
