//! Number and word formatting for every view and document: how many
//! decimals a probability gets, when a small likelihood switches to
//! scientific notation, how a count takes its noun, how ids are listed.
//! One place, so the same number reads the same in every command and
//! every format.

/// The symbol for an infinite likelihood ratio or weight of evidence
/// (a report impossible under the other hypotheses): `∞`, signed `+∞` and
/// `-∞` for weights (docs/FORMAT.md, "Numbers in reports"). JSON has no
/// infinity: there such a number is `null`.
pub const INFINITE: &str = "∞";

/// A formatted number without a negative zero: `-0.0000` (a tiny negative
/// rounding error, or -0.0 itself) reads as `0.0000`, or `+0.0000` when
/// `signed`. A number is zero here when no digit of its mantissa is.
fn no_negative_zero(formatted: String, signed: bool) -> String {
    let Some(rest) = formatted.strip_prefix('-') else {
        return formatted;
    };
    let mantissa = rest.split(['e', 'E']).next().unwrap_or(rest);
    if mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return formatted;
    }
    if signed {
        format!("+{rest}")
    } else {
        rest.to_string()
    }
}

/// A number to `decimals` decimals, never a negative zero; [`INFINITE`]
/// (`∞`, `-∞`) when infinite, `n/a` when not a number.
pub fn fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        "n/a".to_string()
    } else if x.is_infinite() {
        if x > 0.0 {
            INFINITE.to_string()
        } else {
            signed_infinite(x)
        }
    } else {
        no_negative_zero(format!("{x:.decimals$}"), false)
    }
}

/// A probability or other number to 4 decimals: `0.4138`.
pub fn four_decimals(x: f64) -> String {
    fixed(x, 4)
}

/// A number to 2 decimals, never `-0.00`: `6.02`.
pub fn two_decimals(x: f64) -> String {
    fixed(x, 2)
}

/// A change to 4 decimals, always signed: `+0.2638`, `-0.2638`; zero and
/// a change that rounds to zero are `+0.0000`.
pub fn signed_four_decimals(x: f64) -> String {
    no_negative_zero(format!("{x:+.4}"), true)
}

/// A weight or change in decibans to 2 decimals, always signed: `+6.02`;
/// `+∞` and `-∞` when infinite.
pub fn signed_two_decimals(x: f64) -> String {
    if x.is_infinite() {
        return signed_infinite(x);
    }
    no_negative_zero(format!("{x:+.2}"), true)
}

fn signed_infinite(x: f64) -> String {
    format!("{}{INFINITE}", if x > 0.0 { "+" } else { "-" })
}

/// 4 decimals, but below 0.001 in scientific notation with 4 decimals
/// (`1.2500e-5`), so small likelihoods keep their digits; `n/a` for what
/// is not a number, [`INFINITE`] (`∞`, `-∞`) for an infinite one.
pub fn four_decimals_or_scientific(x: f64) -> String {
    if x.is_finite() && x != 0.0 && x.abs() < 1e-3 {
        no_negative_zero(format!("{x:.4e}"), false)
    } else {
        fixed(x, 4)
    }
}

/// As [`four_decimals_or_scientific`], always signed (`+` for zero).
pub fn signed_four_decimals_or_scientific(x: f64) -> String {
    if x.is_infinite() {
        return signed_infinite(x);
    }
    let shown = four_decimals_or_scientific(x);
    if shown.starts_with('-') {
        shown
    } else {
        format!("+{shown}")
    }
}

/// A share as a percentage to 1 decimal: `0.257` is `25.7%`.
pub fn percent(share: f64) -> String {
    no_negative_zero(format!("{:.1}%", share * 100.0), false)
}

/// A probability as a percentage for reading: whole percents from 1% to
/// 99%, one decimal nearer 0 and 1, and `<0.1%` / `>99.9%` rather than a
/// rounded 0% or 100% that would overstate certainty.
pub fn rounded_percent(p: f64) -> String {
    if (0.01..=0.99).contains(&p) {
        format!("{:.0}%", 100.0 * p)
    } else if p > 0.999 && p < 1.0 {
        ">99.9%".to_string()
    } else if p > 0.0 && p < 0.001 {
        "<0.1%".to_string()
    } else {
        no_negative_zero(format!("{:.1}%", 100.0 * p), false)
    }
}

/// A number to at most 3 decimals, trailing zeros dropped: `0.25`, `1`,
/// `0.333` (labels in drawings, where width matters more than digits).
pub fn up_to_three_decimals(x: f64) -> String {
    let s = no_negative_zero(format!("{x:.3}"), false);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() { "0".into() } else { s.into() }
}

/// A count with thousands separators: `1,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A closed interval as written in a model: `[0.6, 0.9]`.
pub fn interval(bounds: [f64; 2]) -> String {
    format!("[{}, {}]", bounds[0], bounds[1])
}

/// A count with its noun in the right number: `1 report`, `3 reports`.
pub fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Words joined as in a sentence: `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Alternatives joined as in a sentence: `a`, `a or b`, `a, b or c`.
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Ids joined by commas, at most `shown` of them and then how many more
/// (`a, b, c, and 4 more`); a list one longer than `shown` is given whole,
/// since "and 1 more" saves nothing.
pub fn shortened_list(items: &[String], shown: usize) -> String {
    if items.len() <= shown + 1 {
        items.join(", ")
    } else {
        format!(
            "{}, and {} more",
            items[..shown].join(", "),
            items.len() - shown
        )
    }
}

/// `text` broken at spaces into lines of at most `width` characters (a
/// word longer than `width` gets a line of its own); runs of whitespace,
/// newlines included, become one space.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0;
    for word in text.split_whitespace() {
        let word_width = word.chars().count();
        if !line.is_empty() && line_width + 1 + word_width > width {
            lines.push(std::mem::take(&mut line));
            line_width = 0;
        }
        if !line.is_empty() {
            line.push(' ');
            line_width += 1;
        }
        line.push_str(word);
        line_width += word_width;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(four_decimals(0.41379), "0.4138");
        assert_eq!(signed_four_decimals(-0.26381), "-0.2638");
        assert_eq!(signed_two_decimals(6.0206), "+6.02");
        assert_eq!(four_decimals_or_scientific(0.000_012_5), "1.2500e-5");
        assert_eq!(four_decimals_or_scientific(0.0), "0.0000");
        assert_eq!(four_decimals_or_scientific(f64::NEG_INFINITY), "-∞");
        assert_eq!(four_decimals_or_scientific(f64::INFINITY), "∞");
        assert_eq!(signed_two_decimals(f64::INFINITY), "+∞");
        // No negative zero, however it is reached.
        assert_eq!(four_decimals(-0.0), "0.0000");
        assert_eq!(four_decimals(-1e-9), "0.0000");
        assert_eq!(four_decimals(-0.00005), "-0.0001");
        assert_eq!(two_decimals(-0.001), "0.00");
        assert_eq!(signed_four_decimals(-1e-12), "+0.0000");
        assert_eq!(signed_two_decimals(-0.0), "+0.00");
        assert_eq!(signed_four_decimals_or_scientific(-0.0), "+0.0000");
        assert_eq!(four_decimals_or_scientific(-2e-5), "-2.0000e-5");
        assert_eq!(percent(-1e-9), "0.0%");
        assert_eq!(rounded_percent(-0.0), "0.0%");
        assert_eq!(up_to_three_decimals(-0.0001), "0");
        assert_eq!(signed_four_decimals_or_scientific(0.5), "+0.5000");
        assert_eq!(percent(0.2574), "25.7%");
        assert_eq!(interval([0.6, 0.9]), "[0.6, 0.9]");
        assert_eq!(rounded_percent(0.734), "73%");
        assert_eq!(rounded_percent(0.0004), "<0.1%");
        assert_eq!(rounded_percent(0.9995), ">99.9%");
        assert_eq!(rounded_percent(1.0), "100.0%");
        assert_eq!(rounded_percent(0.005), "0.5%");
        assert_eq!(up_to_three_decimals(0.25), "0.25");
        assert_eq!(up_to_three_decimals(1.0), "1");
        assert_eq!(up_to_three_decimals(0.0001), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn words() {
        assert_eq!(count_of(1, "item", "items"), "1 item");
        assert_eq!(count_of(3, "item", "items"), "3 items");
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(and_list(&ids), "a, b and c");
        assert_eq!(and_list(&ids[..1]), "a");
        assert_eq!(and_list(&[]), "");
        assert_eq!(or_list(&ids), "a, b or c");
        assert_eq!(or_list(&ids[..2]), "a or b");
        assert_eq!(shortened_list(&ids, 2), "a, b, c");
        assert_eq!(shortened_list(&ids, 1), "a, and 2 more");
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap_words("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap_words("", 5), Vec::<String>::new());
        assert_eq!(wrap_words("abcdefg h", 3), ["abcdefg", "h"]);
    }
}
