//! Reading values out of the spanned TOML tree, collecting a diagnostic for
//! every problem instead of stopping at the first.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::scales::Scales;
use super::types::{Estimate, Interval, Probability, Reliability};
use crate::diag::{Diagnostic, did_you_mean};

pub type Node<'i> = Spanned<DeValue<'i>>;

/// Errors kept per model file. A broken generated file can hold an error per
/// line; past this many, the rest are only counted, and the work of building
/// them (suggestions, lists of known ids) is skipped.
pub const MAX_ERRORS: usize = 100;

/// Names listed in a hint ("known sources: ...") before the rest are counted.
const MAX_LISTED: usize = 20;

/// Names compared, over all "did you mean" searches of one file, before
/// suggestions stop: each search is linear in the ids, and a file can hold
/// a hundred errors against a hundred thousand ids.
const SUGGESTION_BUDGET: usize = 1_000_000;

/// Collects diagnostics while the model is read.
pub struct Cx<'s> {
    pub diags: Vec<Diagnostic>,
    pub scales: &'s Scales,
    /// Errors kept in `diags`.
    errors: usize,
    /// Errors found past `MAX_ERRORS` and not kept.
    pub dropped: usize,
    /// Candidates that "did you mean" searches may still compare.
    suggestions_left: usize,
    /// Where the tree being read starts in the file: an evidence block
    /// parsed alone has spans relative to itself (see `chunks`). Added to
    /// each diagnostic's primary span as it is pushed; `related` spans are
    /// the file's own already.
    base: usize,
}

impl<'s> Cx<'s> {
    pub fn new(scales: &'s Scales) -> Cx<'s> {
        Cx {
            diags: Vec::new(),
            scales,
            errors: 0,
            dropped: 0,
            suggestions_left: SUGGESTION_BUDGET,
            base: 0,
        }
    }

    /// A context with other scales that keeps what `previous` collected.
    pub fn continuing(scales: &'s Scales, previous: Cx<'_>) -> Cx<'s> {
        Cx {
            diags: previous.diags,
            scales,
            errors: previous.errors,
            dropped: previous.dropped,
            suggestions_left: previous.suggestions_left,
            base: previous.base,
        }
    }

    /// Every error found so far, kept or not.
    pub fn error_count(&self) -> usize {
        self.errors + self.dropped
    }

    /// The diagnostics, with a closing error counting those not kept.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.diags.push(
                Diagnostic::error(format!(
                    "too many errors: {} more not shown (credence shows the first {MAX_ERRORS})",
                    self.dropped
                ))
                .hint("fix the errors above first; they often cause the rest"),
            );
        }
        self.diags
    }
}

impl Cx<'_> {
    /// Read what follows as starting `base` bytes into the file.
    pub fn set_base(&mut self, base: usize) {
        self.base = base;
    }

    /// A span of the tree being read, as an offset into the file.
    pub fn absolute(&self, span: &Range<usize>) -> Range<usize> {
        span.start + self.base..span.end + self.base
    }

    pub fn push(&mut self, mut d: Diagnostic) {
        if let Some(span) = &d.span {
            d.span = Some(self.absolute(span));
        }
        if d.is_error() {
            if self.errors >= MAX_ERRORS {
                self.dropped += 1;
                return;
            }
            self.errors += 1;
        }
        self.diags.push(d);
    }

    /// Whether further errors would be dropped: callers skip costly work.
    pub fn is_full(&self) -> bool {
        self.errors >= MAX_ERRORS
    }

    /// The closest candidate to a misspelt name, unless errors are no longer
    /// kept (then the search, linear in the candidates, is wasted) or the
    /// file's budget of comparisons is spent.
    pub fn suggest<'a>(
        &mut self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        if self.is_full() || self.suggestions_left == 0 {
            return None;
        }
        let candidates: Vec<&'a str> = candidates.into_iter().collect();
        self.suggestions_left = self.suggestions_left.saturating_sub(candidates.len());
        did_you_mean(name, candidates)
    }

    /// Report every key of `table` that is not in `allowed`, suggesting the
    /// closest allowed name.
    pub fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], what: &str) {
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let mut d =
                Diagnostic::error(format!("unknown field `{name}` in {what}")).at(key.span());
            d = match self.suggest(name, allowed.iter().copied()) {
                Some(s) => d.label(format!("did you mean `{s}`?")),
                None => d.label("unknown field"),
            };
            self.push(d.hint(format!("valid fields here: {}", allowed.join(", "))));
        }
    }

    pub fn string(&mut self, node: &Node<'_>, field: &str) -> Option<String> {
        match node.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.type_error(node, field, "a string", other);
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node<'_>, field: &str) -> Option<bool> {
        match node.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.type_error(node, field, "true or false", other);
                None
            }
        }
    }

    pub fn integer(&mut self, node: &Node<'_>, field: &str) -> Option<i64> {
        match node.get_ref() {
            DeValue::Integer(i) => {
                let text: String = i.as_str().chars().filter(|c| *c != '_').collect();
                let parsed = i64::from_str_radix(&text, i.radix()).ok();
                if parsed.is_none() {
                    self.push(
                        Diagnostic::error(format!("`{field}` is too large"))
                            .at(node.span())
                            .label("out of range")
                            .hint(format!(
                                "a whole number here lies between {} and {}",
                                i64::MIN,
                                i64::MAX
                            )),
                    );
                }
                parsed
            }
            other => {
                self.type_error(node, field, "a whole number", other);
                None
            }
        }
    }

    pub fn table<'t, 'i>(&mut self, node: &'t Node<'i>, field: &str) -> Option<&'t DeTable<'i>> {
        match node.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.type_error(node, field, "a table", other);
                None
            }
        }
    }

    /// An array of tables (`[[x]]` or `x = [{...}, ...]`), with each table's span.
    pub fn tables<'t, 'i>(
        &mut self,
        node: &'t Node<'i>,
        field: &str,
    ) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        match node.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|n| match n.get_ref() {
                    DeValue::Table(t) => Some((t, n.span())),
                    other => {
                        self.push(
                            Diagnostic::error(format!(
                                "each entry of `{field}` must be a table, found {}",
                                describe(other)
                            ))
                            .at(n.span())
                            .label("expected a table { ... }")
                            .hint("write each entry as a table of keys: { key = value, ... }"),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                self.type_error(node, field, "an array of tables", other);
                Vec::new()
            }
        }
    }

    fn type_error(&mut self, node: &Node<'_>, field: &str, expected: &str, found: &DeValue<'_>) {
        self.push(
            Diagnostic::error(format!(
                "`{field}` must be {expected}, found {}",
                describe(found)
            ))
            .at(node.span())
            .label(format!("expected {expected}"))
            .hint(how_to_write(field, expected)),
        );
    }

    /// A finite number (integer or float). NaN and infinities are errors.
    pub fn number(&mut self, node: &Node<'_>, field: &str) -> Option<f64> {
        let value = match node.get_ref() {
            DeValue::Float(f) => {
                let text: String = f.as_str().chars().filter(|c| *c != '_').collect();
                text.parse::<f64>().ok()
            }
            DeValue::Integer(_) => self.integer(node, field).map(|i| i as f64),
            DeValue::String(s) if self.quoted_number(node, s, field) => return None,
            other => {
                self.type_error(node, field, "a number", other);
                return None;
            }
        };
        match value {
            Some(v) if v.is_nan() => {
                self.push(
                    Diagnostic::error(format!("`{field}` is NaN, which is not a probability"))
                        .at(node.span())
                        .label("not a number")
                        .hint("write a number between 0 and 1"),
                );
                None
            }
            Some(v) if v.is_infinite() => {
                self.push(
                    Diagnostic::error(format!("`{field}` is infinite, which is not a probability"))
                        .at(node.span())
                        .label("infinite")
                        .hint("write a number between 0 and 1"),
                );
                None
            }
            other => other,
        }
    }

    /// A number in [0, 1].
    pub fn probability(&mut self, node: &Node<'_>, field: &str) -> Option<Probability> {
        let v = self.number(node, field)?;
        let p = Probability::new(v);
        if p.is_none() {
            let mut d = Diagnostic::error(format!("`{field}` = {v} is outside [0, 1]"))
                .at(node.span())
                .label("must be between 0 and 1");
            if (2.0..=100.0).contains(&v) {
                d = d.hint(format!(
                    "probabilities run from 0 to 1: if you meant {v}%, write {}",
                    v / 100.0
                ));
            } else {
                d = d.hint("probabilities run from 0 to 1");
            }
            self.push(d);
        }
        p
    }

    /// `[low, high]` with low <= high, both in [0, 1].
    pub fn interval(&mut self, node: &Node<'_>, field: &str) -> Option<Interval> {
        let DeValue::Array(items) = node.get_ref() else {
            self.type_error(node, field, "an interval [low, high]", node.get_ref());
            return None;
        };
        if items.len() != 2 {
            self.push(
                Diagnostic::error(format!(
                    "`{field}` interval has {} value{}; an interval is [low, high]",
                    items.len(),
                    if items.len() == 1 { "" } else { "s" }
                ))
                .at(node.span())
                .label("expected two numbers")
                .hint("write two numbers in [0, 1], the lower first, such as [0.55, 0.8]; a single number needs no brackets"),
            );
            return None;
        }
        let lo = self.probability(&items[0], field);
        let hi = self.probability(&items[1], field);
        let (lo, hi) = (lo?, hi?);
        let iv = Interval::new(lo, hi);
        if iv.is_none() {
            self.push(
                Diagnostic::error(format!(
                    "inverted interval for `{field}`: [{}, {}]",
                    lo.get(),
                    hi.get()
                ))
                .at(node.span())
                .label("low bound is above high bound")
                .hint(format!(
                    "write the lower bound first: [{}, {}]",
                    hi.get(),
                    lo.get()
                )),
            );
        }
        iv
    }

    /// A number written as a string (`"0.8"`): an error that says so, not
    /// an unknown word. True when it was one.
    fn quoted_number(&mut self, node: &Node<'_>, text: &str, field: &str) -> bool {
        if text.trim().parse::<f64>().is_err() {
            return false;
        }
        self.push(
            Diagnostic::error(format!(
                "`{field}` is a number in quotes: remove the quotes"
            ))
            .at(node.span())
            .label("a string, not a number")
            .hint(format!("write {field} = {}", text.trim())),
        );
        true
    }

    /// A prior: as [`Cx::estimate`], but an ACH rating (`"CC"`, `"II"`) is
    /// refused: it rates how consistent evidence is with a hypothesis, not
    /// how probable the hypothesis is.
    pub fn prior(&mut self, node: &Node<'_>) -> Option<Estimate> {
        if let DeValue::String(s) = node.get_ref()
            && self.scales.ach.iter().any(|(t, _)| t == s.as_ref())
        {
            self.push(
                Diagnostic::error(format!("`prior` = \"{s}\" is an ACH rating, not a prior"))
                    .at(node.span())
                    .label("ACH ratings rate evidence against a hypothesis")
                    .hint("write the prior as a number in [0, 1], an interval [low, high] or an ICD 203 term (\"likely\")"),
            );
            return None;
        }
        self.estimate(node, "prior")
    }

    /// A likelihood or prior: a number, a verbal term (ICD 203 or ACH) or an
    /// interval.
    pub fn estimate(&mut self, node: &Node<'_>, field: &str) -> Option<Estimate> {
        match node.get_ref() {
            DeValue::String(s) if self.quoted_number(node, s, field) => None,
            DeValue::String(s) => {
                let e = self.scales.likelihood_term(s);
                if e.is_none() {
                    let terms = self.scales.likelihood_terms();
                    let mut d =
                        Diagnostic::error(format!("unknown verbal term `{s}` for `{field}`"))
                            .at(node.span());
                    d = match self.suggest(s, terms.iter().map(String::as_str)) {
                        Some(t) => d.label(format!("did you mean `{t}`?")),
                        None => d.label("not an ICD 203 term or ACH rating"),
                    };
                    self.push(d.hint(format!(
                        "valid terms: {} (or a number in [0, 1], or an interval [low, high])",
                        terms
                            .iter()
                            .map(|t| format!("\"{t}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                e
            }
            DeValue::Array(_) => self.interval(node, field).map(Estimate::interval),
            DeValue::Integer(_) | DeValue::Float(_) => {
                self.probability(node, field).map(Estimate::exact)
            }
            other => {
                self.type_error(node, field, "a number, a verbal term or an interval", other);
                None
            }
        }
    }

    /// A number, interval, or Admiralty letter for a reliability `r`.
    fn accuracy(&mut self, node: &Node<'_>, field: &str) -> Option<Estimate> {
        match node.get_ref() {
            DeValue::String(s) if self.quoted_number(node, s, field) => None,
            DeValue::String(s) => {
                let e = self.scales.admiralty_letter(s);
                if e.is_none() {
                    let letters = self.scales.admiralty_letters();
                    self.push(
                        Diagnostic::error(format!("unknown Admiralty letter `{s}` for `{field}`"))
                            .at(node.span())
                            .label("not an Admiralty reliability letter")
                            .hint(format!(
                                "valid letters: {} (F = cannot be judged, the interval [0, 1]); or a number in [0, 1], an interval, or {{ hit, false_alarm }}",
                                letters.join(", ")
                            )),
                    );
                }
                e
            }
            DeValue::Array(_) => self.interval(node, field).map(Estimate::interval),
            DeValue::Integer(_) | DeValue::Float(_) => {
                self.probability(node, field).map(Estimate::exact)
            }
            other => {
                self.type_error(
                    node,
                    field,
                    "a number, an Admiralty letter, an interval or { hit, false_alarm }",
                    other,
                );
                None
            }
        }
    }

    /// A reliability: number, Admiralty letter, interval, or `{ hit, false_alarm }`.
    pub fn reliability(&mut self, node: &Node<'_>, field: &str) -> Option<Reliability> {
        let DeValue::Table(t) = node.get_ref() else {
            return self.accuracy(node, field).map(Reliability::Accuracy);
        };
        self.check_keys(t, &["hit", "false_alarm"], &format!("`{field}`"));
        let hit = t.get("hit");
        let fa = t.get("false_alarm");
        if hit.is_none() || fa.is_none() {
            self.push(
                Diagnostic::error(format!("`{field}` as a table needs both `hit` and `false_alarm`"))
                    .at(node.span())
                    .label("incomplete credibility pair")
                    .hint("write { hit = 0.8, false_alarm = 0.1 }: P(report | true) and P(report | false)"),
            );
            return None;
        }
        let hit = hit.and_then(|n| self.estimate(n, "hit"));
        let fa = fa.and_then(|n| self.estimate(n, "false_alarm"));
        Some(Reliability::Credibility {
            hit: hit?,
            false_alarm: fa?,
        })
    }
}

/// Names for a hint, comma-separated: the first few, then how many more.
pub fn list(names: &[&str]) -> String {
    if names.len() <= MAX_LISTED {
        return names.join(", ");
    }
    format!(
        "{}, ... and {} more",
        names[..MAX_LISTED].join(", "),
        names.len() - MAX_LISTED
    )
}

/// A short description of a TOML value for "found ..." messages.
pub fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the string \"{s}\""),
        DeValue::Integer(i) => format!("the integer {}", i.as_str()),
        DeValue::Float(f) => format!("the number {}", f.as_str()),
        DeValue::Boolean(b) => format!("{b}"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// How to write a value of the kind `expected` (the words of
/// [`Reader::type_error`]), with an example: the hint of a type error.
fn how_to_write(field: &str, expected: &str) -> String {
    match expected {
        "a string" => format!("write the text in double quotes: {field} = \"...\""),
        "true or false" => "write true or false, without quotes".to_string(),
        "a whole number" => {
            "write a whole number without quotes or a decimal point, such as 5".to_string()
        }
        "a number" => "write a number without quotes, such as 0.7".to_string(),
        "a table" => format!("write a table: {field} = {{ key = value, ... }}"),
        "an array of tables" => {
            "write each entry as a table of keys, { key = value, ... }, or a [[section]]"
                .to_string()
        }
        "an interval [low, high]" => {
            "write two numbers in [0, 1], the lower first, such as [0.55, 0.8]".to_string()
        }
        "a number, a verbal term or an interval" => {
            "write a number in [0, 1] (0.7), a verbal term in quotes (\"likely\") or an interval ([0.6, 0.8])".to_string()
        }
        _ => format!("write {expected}; docs/FORMAT.md lists what each key takes"),
    }
}
