//! Color for the text printers' output on a terminal: ANSI styles laid over
//! finished plain text, so every printer stays a plain-text printer and the
//! colored output says exactly what the plain one says (strip the escapes
//! and the two are identical).
//!
//! What is styled follows the text printers' layout: a table's header (the
//! line above its rule of dashes) bold, the rule dim; a section heading (an
//! unindented line after a blank line that is not a table header) bold;
//! in table rows, signed numbers (changes in log-odds, weights of evidence,
//! differences) green when positive and red when negative.

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";

/// `plain` with ANSI styles added.
pub fn paint(plain: &str) -> String {
    let lines: Vec<&str> = plain.split('\n').collect();
    let mut out = String::with_capacity(plain.len() + plain.len() / 8);
    let mut in_table = false;
    for (k, line) in lines.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let before_rule = lines.get(k + 1).is_some_and(|next| is_rule(next));
        let after_blank = k == 0 || lines[k - 1].trim().is_empty();
        if line.trim().is_empty() {
            in_table = false;
            out.push_str(line);
        } else if is_rule(line) {
            in_table = true;
            styled(&mut out, DIM, line);
        } else if before_rule || (after_blank && !line.starts_with(' ') && !in_table) {
            // A table header, or a section heading.
            styled(&mut out, BOLD, line);
        } else if in_table {
            signed_numbers(&mut out, line);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// A table rule: dashes in runs separated by spaces, at least one run.
fn is_rule(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.contains('-') && t.chars().all(|c| c == '-' || c == ' ')
}

fn styled(out: &mut String, style: &str, text: &str) {
    out.push_str(style);
    out.push_str(text);
    out.push_str(RESET);
}

/// Copy a table row, coloring each whitespace-separated token that is a
/// signed number.
fn signed_numbers(out: &mut String, line: &str) {
    let mut rest = line;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..end];
        match sign(token) {
            Some(true) => styled(out, GREEN, token),
            Some(false) => styled(out, RED, token),
            None => out.push_str(token),
        }
        rest = &rest[end..];
    }
}

/// Some(true) for `+1.5`, Some(false) for `-1.5` or `−1.5`, None otherwise
/// (zero, unsigned numbers, words).
fn sign(token: &str) -> Option<bool> {
    let (positive, digits) = if let Some(d) = token.strip_prefix('+') {
        (true, d)
    } else if let Some(d) = token.strip_prefix('-').or_else(|| token.strip_prefix('−')) {
        (false, d)
    } else {
        return None;
    };
    let value: f64 = digits.parse().ok()?;
    (value != 0.0).then_some(positive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    const SAMPLE: &str = "Title\n\nHypotheses\n  a: A\n\nHypothesis  Prior  Δ (dB)\n----------  -----  ------\na           0.50   +3.01\nb           0.50   -3.01\nc           0.00    0.00\n\nLeading: a.\n";

    #[test]
    fn stripping_the_styles_gives_the_plain_text() {
        assert_eq!(strip(&paint(SAMPLE)), SAMPLE);
    }

    #[test]
    fn headers_rules_headings_and_signs() {
        let p = paint(SAMPLE);
        assert!(p.contains(&format!("{BOLD}Hypotheses{RESET}")), "{p}");
        assert!(p.contains(&format!("{BOLD}Hypothesis  Prior  Δ (dB){RESET}")));
        assert!(p.contains(&format!("{DIM}----------  -----  ------{RESET}")));
        assert!(p.contains(&format!("{GREEN}+3.01{RESET}")));
        assert!(p.contains(&format!("{RED}-3.01{RESET}")));
        // Zero and words are left alone; an indented line is not a heading.
        assert!(p.contains("c           0.00    0.00"));
        assert!(p.contains("\n  a: A\n"));
    }
}
