//! Turning the spanned TOML tree into a validated `Model`, with a diagnostic
//! for every problem found, and the lints `credence check` adds on top.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::overrides;
use super::reader::{Cx, Node, list};
use super::scales::Scales;
use super::types::*;
use crate::diag::Diagnostic;

/// Seed-document records a model may cite, when a seeds folder was found.
#[derive(Clone, Debug, Default)]
pub struct Documents {
    /// `None` when no seeds folder exists beside the model.
    pub known: Option<BTreeSet<String>>,
    /// Where the records were looked for (for messages).
    pub folder: String,
}

const ROOT_KEYS: &[&str] = &[
    "model",
    "hypotheses",
    "groups",
    "sources",
    "evidence",
    "dependencies",
    "scenarios",
    "scales",
];
const MODEL_KEYS: &[&str] = &[
    "title",
    "question",
    "as_of",
    "notes",
    "seeds",
    "reliability_levels",
];
const HYPOTHESIS_KEYS: &[&str] = &["id", "title", "prior", "rationale", "notes"];
const GROUP_KEYS: &[&str] = &["id", "title", "members", "rationale", "notes"];
const SOURCE_KEYS: &[&str] = &["id", "title", "reliability", "bias", "notes"];
const ITEM_KEYS: &[&str] = &[
    "id",
    "claim",
    "likelihood",
    "rationale",
    "enabled",
    "pending",
    "reports",
    "notes",
];
const REPORT_KEYS: &[&str] = &[
    "id",
    "source",
    "via",
    "strength",
    "observed",
    "asserts",
    "reliability",
    "bias",
    "document",
    "quote",
    "notes",
];
const DEPENDENCY_KEYS: &[&str] = &["id", "sources", "strength", "why"];
const SCALES_KEYS: &[&str] = &["icd203", "ach", "admiralty"];

/// Levels of a latent reliability node when `[model]` does not set
/// `reliability_levels`.
pub const DEFAULT_RELIABILITY_LEVELS: usize = 5;
/// Relays between a report and its origin, at most (docs/FORMAT.md, "Limits").
pub const MAX_RELAY_DEPTH: usize = super::limits::MAX_RELAY_DEPTH;
/// How far written priors may sum from 1 before it is an error rather than
/// rounding (three priors of 0.333 are fine).
pub const PRIOR_SUM_TOLERANCE: f64 = 1e-3;

/// Validate a parsed document. Returns the model when there are no errors;
/// the diagnostics (errors, warnings, notes) either way.
///
/// The evidence items are read from `root`, unless `evidence` streams them
/// (each item's table with spans into the file, in file order): a large
/// model's items are then parsed and dropped one at a time.
pub fn validate<'i>(
    root: &DeTable<'_>,
    evidence: Option<&mut dyn Iterator<Item = (Node<'i>, usize)>>,
    default_title: &str,
    documents: &Documents,
) -> (Option<Model>, Vec<Diagnostic>) {
    let default_scales = Scales::default();
    let mut scale_cx = Cx::new(&default_scales);
    scale_cx.check_keys(root, ROOT_KEYS, "the model file");
    let scales = read_scales(&mut scale_cx, root.get("scales"));

    let mut cx = Cx::continuing(&scales, scale_cx);
    let meta = read_meta(&mut cx, root.get("model"), default_title);
    let hypotheses = read_hypotheses(&mut cx, root.get("hypotheses"));
    let sources = read_sources(&mut cx, root.get("sources"));
    // References resolve against every id written, valid entry or not, so
    // one bad source does not cascade into an error at each report naming it.
    // (Indices only matter once the model is valid, when the lists agree.)
    let hyp_names = ids_written(root.get("hypotheses"));
    let source_names = ids_written(root.get("sources"));
    let hyp_ids = Names::new(&hyp_names);
    let source_ids = Names::new(&source_names);
    let groups = read_groups(&mut cx, root.get("groups"), &hyp_ids);
    let (mut items, mut pending) = read_items(
        &mut cx,
        root.get("evidence"),
        evidence,
        &hyp_ids,
        &source_ids,
        documents,
    );
    let dependencies = read_dependencies(&mut cx, root.get("dependencies"), &source_ids);
    apply_dependencies(&dependencies, &mut items);
    apply_dependencies(&dependencies, &mut pending);
    for item in items.iter().chain(&pending) {
        check_relay_depth(&mut cx, item);
    }

    if cx.error_count() > 0 {
        return (None, cx.finish());
    }
    let mut model = Model {
        meta,
        hypotheses,
        groups,
        sources,
        items,
        pending,
        dependencies,
        scenarios: Vec::new(),
        scales: scales.clone(),
    };
    model.scenarios = read_scenarios(&mut cx, root.get("scenarios"), &model);
    lint(&mut cx, &model, documents);
    if cx.error_count() > 0 {
        return (None, cx.finish());
    }
    (Some(model), cx.finish())
}

/// The distinct `id` strings of an array of tables, in order.
fn ids_written(node: Option<&Node<'_>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    if let Some(DeValue::Array(entries)) = node.map(|n| n.get_ref()) {
        for e in entries.iter() {
            if let DeValue::Table(t) = e.get_ref()
                && let Some(id) = t.get("id").and_then(|n| n.get_ref().as_str())
                && !id.trim().is_empty()
                && seen.insert(id)
            {
                out.push(id.to_string());
            }
        }
    }
    out
}

/// Ids in the order written, with an index: models may hold thousands of
/// sources, and every reference is looked up.
struct Names<'a> {
    list: Vec<&'a str>,
    index: BTreeMap<&'a str, usize>,
}

impl<'a> Names<'a> {
    /// `ids` must be distinct (as from `ids_written`); the first wins.
    fn new(ids: &'a [String]) -> Names<'a> {
        let list: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut index = BTreeMap::new();
        for (i, id) in list.iter().enumerate() {
            index.entry(*id).or_insert(i);
        }
        Names { list, index }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// The value of `key` as a string, with an error naming `what` if missing.
fn required_string(
    cx: &mut Cx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    key: &str,
    what: &str,
) -> Option<String> {
    match table.get(key) {
        Some(node) => cx.string(node, key),
        None => {
            cx.push(
                Diagnostic::error(format!("{what} has no `{key}`"))
                    .at(header_span(span))
                    .label(format!("missing `{key}`"))
                    .hint(format!("add `{key} = \"...\"`")),
            );
            None
        }
    }
}

fn optional_string(cx: &mut Cx<'_>, table: &DeTable<'_>, key: &str) -> Option<String> {
    table.get(key).and_then(|n| cx.string(n, key))
}

/// A span to point at for a whole table: its first line, so the caret sits on
/// the header rather than underlining a whole block.
fn header_span(span: &Range<usize>) -> Range<usize> {
    span.start..span.start + 1
}

fn read_scales(cx: &mut Cx<'_>, node: Option<&Node<'_>>) -> Scales {
    let mut scales = Scales::default();
    let Some(table) = node.and_then(|n| cx.table(n, "scales")) else {
        return scales;
    };
    cx.check_keys(table, SCALES_KEYS, "[scales]");
    if let Some(t) = table.get("icd203").and_then(|n| cx.table(n, "icd203")) {
        for (term, value) in t.iter() {
            if let Some(iv) = cx.interval(value, term.get_ref()) {
                set_entry(&mut scales.icd203, term.get_ref(), iv);
            }
        }
        scales
            .icd203
            .sort_by(|a, b| a.1.low().get().total_cmp(&b.1.low().get()));
    }
    if let Some(t) = table.get("ach").and_then(|n| cx.table(n, "ach")) {
        for (term, value) in t.iter() {
            if let Some(p) = cx.probability(value, term.get_ref()) {
                set_entry(&mut scales.ach, &term.get_ref().to_uppercase(), p);
            }
        }
    }
    if let Some(t) = table
        .get("admiralty")
        .and_then(|n| cx.table(n, "admiralty"))
    {
        for (letter, value) in t.iter() {
            let estimate = match value.get_ref() {
                DeValue::Array(_) => cx.interval(value, letter.get_ref()).map(Estimate::interval),
                _ => cx.probability(value, letter.get_ref()).map(Estimate::exact),
            };
            if let Some(mut e) = estimate {
                let upper = letter.get_ref().to_uppercase();
                e.label = Some(upper.clone());
                set_entry(&mut scales.admiralty, &upper, e);
            }
        }
    }
    scales
}

fn set_entry<T>(table: &mut Vec<(String, T)>, key: &str, value: T) {
    match table.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        Some(entry) => entry.1 = value,
        None => table.push((key.to_string(), value)),
    }
}

fn read_meta(cx: &mut Cx<'_>, node: Option<&Node<'_>>, default_title: &str) -> Meta {
    let mut meta = Meta {
        title: default_title.to_string(),
        reliability_levels: DEFAULT_RELIABILITY_LEVELS,
        ..Meta::default()
    };
    let Some(table) = node.and_then(|n| cx.table(n, "model")) else {
        return meta;
    };
    cx.check_keys(table, MODEL_KEYS, "[model]");
    if let Some(title) = optional_string(cx, table, "title") {
        meta.title = title;
    }
    meta.question = optional_string(cx, table, "question");
    meta.notes = optional_string(cx, table, "notes");
    optional_string(cx, table, "seeds");
    if let Some(n) = table.get("as_of") {
        meta.as_of = match n.get_ref() {
            DeValue::Datetime(d) if d.date.is_some() => Some(d.to_string()),
            DeValue::Datetime(d) => {
                cx.push(
                    Diagnostic::error(format!("`as_of` must be a date, found the time {d} alone"))
                        .at(n.span())
                        .hint("write a bare TOML date: as_of = 2024-01-25"),
                );
                None
            }
            // The design writes a bare date; a quoted one is named as such
            // (as a quoted number is), anything else is not a date.
            DeValue::String(s) => {
                let quoted_date = s
                    .parse::<toml::value::Datetime>()
                    .is_ok_and(|d| d.date.is_some());
                cx.push(
                    Diagnostic::error(if quoted_date {
                        format!("`as_of` is a date in quotes (\"{s}\"): remove the quotes")
                    } else {
                        format!(
                            "`as_of` must be a date, found the text \"{}\"",
                            crate::escape::visible(s)
                        )
                    })
                    .at(n.span())
                    .label(if quoted_date {
                        "a string, not a date"
                    } else {
                        "not a date"
                    })
                    .hint("write a bare TOML date, year-month-day: as_of = 2024-01-25"),
                );
                None
            }
            other => {
                cx.push(
                    Diagnostic::error(format!(
                        "`as_of` must be a date, found {}",
                        super::reader::describe(other)
                    ))
                    .at(n.span())
                    .hint("write a bare TOML date: as_of = 2024-01-25"),
                );
                None
            }
        };
    }
    if let Some(n) = table.get("reliability_levels")
        && let Some(levels) = cx.integer(n, "reliability_levels")
    {
        if (2..=21).contains(&levels) {
            meta.reliability_levels = levels as usize;
        } else {
            cx.push(
                Diagnostic::error(format!("`reliability_levels` = {levels} is outside 2..=21"))
                    .at(n.span())
                    .hint("5 levels is the default; more levels cost time exponentially when sources share items"),
            );
        }
    }
    meta
}

/// The ids of one kind read so far: where each is (for duplicates), and
/// by look (for different ids that look alike).
#[derive(Debug, Default)]
struct SeenIds {
    /// Each id and its span in the file.
    spans: BTreeMap<String, Range<usize>>,
    looks: crate::look_alike::LookAlikes,
}

/// Checks one id: present, non-empty, unique among `seen`; an id that
/// looks like an earlier different one is warned about.
fn read_id(
    cx: &mut Cx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    what: &str,
    seen: &mut SeenIds,
) -> Option<String> {
    let node = table.get("id");
    let id = required_string(cx, table, span, "id", what)?;
    let node_span = node.map(|n| n.span()).unwrap_or_else(|| header_span(span));
    if id.trim().is_empty() {
        cx.push(
            Diagnostic::error(format!("{what} has an empty `id`"))
                .at(node_span)
                .hint("ids are short names such as `directed` or `wsj`"),
        );
        return None;
    }
    if let Some(first) = seen.spans.get(&id) {
        cx.push(
            Diagnostic::error(format!(
                "duplicate id `{id}`: another {what} already uses it"
            ))
            .at(node_span)
            .label("duplicate id")
            .related(first.clone(), "first used here")
            .hint("ids must be unique: rename one of them"),
        );
        return None;
    }
    if let Some((first, how)) = seen.looks.add(&id) {
        let first_span = seen.spans.get(&first).cloned().unwrap_or_default();
        cx.push(
            Diagnostic::warning(format!(
                "{what} id `{}` reads like the {what} id `{}` but is a different id ({}): {} vs {}",
                crate::escape::visible(&id),
                crate::escape::visible(&first),
                how.words(),
                crate::look_alike::spell(&id),
                crate::look_alike::spell(&first),
            ))
            .at(node_span.clone())
            .label("looks like another id")
            .related(first_span, "the id it looks like")
            .hint("rename one of them, or write both the same way (ASCII ids are safest): ids that look alike never match each other"),
        );
    } else if !id.is_ascii()
        && let Some(d) = look_alike_id(&id, what)
    {
        cx.push(d.at(node_span.clone()));
    }
    // Kept as the file's offset: a later duplicate may be in another block.
    seen.spans.insert(id.clone(), cx.absolute(&node_span));
    Some(id)
}

/// A warning for an id that can look like another while being a different
/// string: combining marks (`cafe` + U+0301 prints as `café`, which is
/// U+00E9 when typed on most keyboards: two ids that read the same and
/// never match), or Cyrillic or Greek letters beside Latin ones (Cyrillic
/// `а` U+0430 in `wsj_а` reads as Latin `a`). The code points are shown,
/// since the text alone cannot show the difference.
fn look_alike_id(id: &str, what: &str) -> Option<Diagnostic> {
    let combining = |c: char| matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F);
    // Greek and Coptic (U+0370-03FF), Cyrillic and its supplement (to U+052F).
    let cyrillic_or_greek = |c: char| matches!(c as u32, 0x0370..=0x052F);
    let spelled = || {
        id.chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c.to_string()
                } else {
                    crate::escape::describe(c)
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if id.chars().any(combining) {
        return Some(
            Diagnostic::warning(format!(
                "{what} id `{}` holds a combining mark: it reads like an id typed with the accented letter, but does not match it ({})",
                crate::escape::visible(id),
                spelled()
            ))
            .label("combining mark in this id")
            .hint("write the accented letter as one character (Unicode NFC), or use an ASCII id"),
        );
    }
    let latin = id.chars().any(|c| c.is_ascii_alphabetic());
    if latin && id.chars().any(cyrillic_or_greek) {
        return Some(
            Diagnostic::warning(format!(
                "{what} id `{}` mixes Latin letters with Cyrillic or Greek ones that can look the same ({})",
                crate::escape::visible(id),
                spelled()
            ))
            .label("mixed scripts in this id")
            .hint("use one script for an id (ASCII ids are safest): a look-alike letter makes an id that reads like another and never matches it"),
        );
    }
    None
}

fn read_hypotheses(cx: &mut Cx<'_>, node: Option<&Node<'_>>) -> Vec<Hypothesis> {
    let entries = node.map(|n| cx.tables(n, "hypotheses")).unwrap_or_default();
    let mut seen = SeenIds::default();
    let mut out = Vec::new();
    let mut priors: Vec<(Option<Estimate>, Range<usize>, bool)> = Vec::new();
    for (table, span) in &entries {
        cx.check_keys(table, HYPOTHESIS_KEYS, "a hypothesis");
        let id = read_id(cx, table, span, "hypothesis", &mut seen);
        let title = required_string(cx, table, span, "title", "hypothesis");
        let prior_node = table.get("prior");
        let prior = prior_node.and_then(|n| cx.prior(n));
        priors.push((
            prior.clone(),
            prior_node.map_or_else(|| header_span(span), |n| n.span()),
            prior_node.is_some(),
        ));
        let rationale =
            optional_string(cx, table, "rationale").or(optional_string(cx, table, "notes"));
        if let (Some(id), Some(title)) = (id, title) {
            out.push(Hypothesis {
                id,
                title,
                prior_written: prior,
                prior: Probability::ZERO,
                rationale,
                span: span.clone(),
            });
        }
    }
    if entries.len() < 2 {
        let d = Diagnostic::error(format!(
            "a model needs at least two hypotheses, found {}",
            entries.len()
        ))
        .hint(
            "add competing [[hypotheses]] entries; they must be mutually exclusive and exhaustive",
        );
        cx.push(match (node, entries.first()) {
            (_, Some((_, span))) => d.at(header_span(span)),
            (Some(n), None) => d.at(n.span()),
            _ => d,
        });
    }
    if out.len() != entries.len() {
        return out;
    }
    // Priors: all or none; then they must sum to 1 (within tolerance).
    let given = priors.iter().filter(|p| p.2).count();
    if given == 0 {
        let n = out.len() as f64;
        for h in &mut out {
            h.prior = Probability::clamped(1.0 / n);
        }
        return out;
    }
    if given < priors.len() {
        let with = out
            .iter()
            .zip(&priors)
            .find(|(_, p)| p.2)
            .map(|(h, _)| h.id.clone())
            .unwrap_or_default();
        for (h, p) in out.iter().zip(&priors) {
            if !p.2 {
                cx.push(
                    Diagnostic::error(format!(
                        "hypothesis `{}` has no prior, but `{with}` does",
                        h.id
                    ))
                    .at(p.1.clone())
                    .label("no `prior` here")
                    .hint("give every hypothesis a prior, or none (then they are uniform)"),
                );
            }
        }
        return out;
    }
    if priors.iter().any(|p| p.0.is_none()) {
        return out; // a bad prior value was already reported
    }
    let values: Vec<f64> = priors
        .iter()
        .map(|p| p.0.as_ref().map_or(0.0, |e| e.point.get()))
        .collect();
    let sum: f64 = values.iter().sum();
    // Intervals and words count at their point value (an interval's
    // midpoint), as inference uses them: the design's rule that priors sum
    // to 1 holds for those too, and the label shows where each term comes
    // from.
    if sum <= 0.0 || (sum - 1.0).abs() > PRIOR_SUM_TOLERANCE {
        let terms: Vec<String> = priors
            .iter()
            .zip(&values)
            .map(|(p, v)| prior_term(p.0.as_ref(), *v))
            .collect();
        let any_range = priors
            .iter()
            .any(|p| p.0.as_ref().is_some_and(|e| e.range.is_some()));
        let last = priors.last().map(|p| p.1.clone()).unwrap_or(0..0);
        let mut d = Diagnostic::error(format!("priors sum to {}, not 1", round6(sum)))
            .at(last)
            .label(format!("{} = {}", terms.join(" + "), round6(sum)))
            .hint(
                "hypotheses are mutually exclusive and exhaustive, so their priors must sum to 1",
            );
        if any_range {
            d = d.hint("an interval or a word counts at its point value (an interval at its midpoint), as exact inference uses it: choose ranges whose midpoints sum to 1");
        }
        cx.push(d);
        return out;
    }
    for (h, v) in out.iter_mut().zip(&values) {
        h.prior = Probability::clamped(v / sum);
    }
    out
}

/// One prior in the sum shown when priors do not sum to 1: the number, or
/// the point value of an interval or word and what it stands for.
fn prior_term(estimate: Option<&Estimate>, value: f64) -> String {
    let value = round6(value);
    match estimate {
        Some(e) => match (&e.label, e.range) {
            (Some(word), _) => format!("{value} ({word})"),
            (None, Some(range)) => format!(
                "{value} (midpoint of [{}, {}])",
                round6(range.low().get()),
                round6(range.high().get())
            ),
            (None, None) => format!("{value}"),
        },
        None => format!("{value}"),
    }
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn read_sources(cx: &mut Cx<'_>, node: Option<&Node<'_>>) -> Vec<Source> {
    let entries = node.map(|n| cx.tables(n, "sources")).unwrap_or_default();
    let mut seen = SeenIds::default();
    let mut out = Vec::new();
    for (table, span) in &entries {
        cx.check_keys(table, SOURCE_KEYS, "a source");
        let id = read_id(cx, table, span, "source", &mut seen);
        let title = required_string(cx, table, span, "title", "source");
        let reliability = match table.get("reliability") {
            Some(n) => cx.reliability(n, "reliability"),
            None => {
                cx.push(
                    Diagnostic::error("source has no `reliability`")
                        .at(header_span(span))
                        .label("missing `reliability`")
                        .hint("add `reliability = 0.8`, an Admiralty letter such as \"B\", an interval [0.6, 0.9], or { hit = 0.8, false_alarm = 0.1 }"),
                );
                None
            }
        };
        let bias = table.get("bias").and_then(|n| cx.estimate(n, "bias"));
        check_bias_with_credibility(cx, table, reliability.as_ref());
        let notes = optional_string(cx, table, "notes");
        if let (Some(id), Some(title), Some(reliability)) = (id, title, reliability) {
            out.push(Source {
                id,
                title,
                reliability,
                bias,
                notes,
                span: span.clone(),
            });
        }
    }
    out
}

/// `bias` means nothing when h and f are given directly.
fn check_bias_with_credibility(
    cx: &mut Cx<'_>,
    table: &DeTable<'_>,
    reliability: Option<&Reliability>,
) {
    if let (Some(Reliability::Credibility { .. }), Some(n)) = (reliability, table.get("bias")) {
        cx.push(
            Diagnostic::error("`bias` has no effect when `reliability` is { hit, false_alarm }")
                .at(n.span())
                .hint("remove `bias`, or give `reliability` as a number so bias applies"),
        );
    }
}

fn unknown_ref(cx: &mut Cx<'_>, node: &Node<'_>, what: &str, name: &str, known: &[&str]) {
    if cx.is_full() {
        // Counted, not kept: skip the suggestion and the list.
        cx.push(Diagnostic::error(format!("unknown {what} `{name}`")));
        return;
    }
    let mut d = Diagnostic::error(format!("unknown {what} `{name}`")).at(node.span());
    d = match cx.suggest(name, known.iter().copied()) {
        Some(s) => d.label(crate::look_alike::did_you_mean_label(name, s)),
        None => d.label(format!("no {what} has this id")),
    };
    let plural = match what.strip_suffix("is") {
        Some(stem) => format!("{stem}es"),
        None => format!("{what}s"),
    };
    let list = if known.is_empty() {
        format!("no {plural} are defined")
    } else {
        format!("known {plural}: {}", list(known))
    };
    cx.push(d.hint(list));
}

fn read_items<'i>(
    cx: &mut Cx<'_>,
    node: Option<&Node<'_>>,
    stream: Option<&mut dyn Iterator<Item = (Node<'i>, usize)>>,
    hyp_ids: &Names<'_>,
    source_ids: &Names<'_>,
    documents: &Documents,
) -> (Vec<Item>, Vec<Item>) {
    let mut items = Items {
        seen: SeenIds::default(),
        out: Vec::new(),
        pending: Vec::new(),
        hyp_ids,
        source_ids,
        documents,
    };
    match stream {
        Some(stream) => {
            let (low, high) = stream.size_hint();
            items.out.reserve_exact(high.unwrap_or(low));
            // Each block's spans are relative to the block (see `chunks`).
            for (node, base) in stream {
                cx.set_base(base);
                match node.get_ref() {
                    DeValue::Table(table) => items.read(cx, table, &node.span()),
                    // `[[evidence]]` blocks are tables; kept as `Cx::tables` words it.
                    other => cx.push(
                        Diagnostic::error(format!(
                            "each entry of `evidence` must be a table, found {}",
                            super::reader::describe(other)
                        ))
                        .at(node.span())
                        .label("expected a table { ... }")
                        .hint("write each item as its own [[evidence]] section"),
                    ),
                }
            }
            cx.set_base(0);
        }
        None => {
            let entries = node.map(|n| cx.tables(n, "evidence")).unwrap_or_default();
            items.out.reserve_exact(entries.len());
            for (table, span) in &entries {
                items.read(cx, table, span);
            }
        }
    }
    let mut out = items.out;
    out.shrink_to_fit();
    (out, items.pending)
}

/// What reading the evidence items carries from one item to the next.
struct Items<'n, 'd> {
    /// Item ids so far, with where each was written.
    seen: SeenIds,
    out: Vec<Item>,
    /// Items written with `pending = true`, kept apart from `out`.
    pending: Vec<Item>,
    hyp_ids: &'n Names<'n>,
    source_ids: &'n Names<'n>,
    documents: &'d Documents,
}

impl Items<'_, '_> {
    fn read(&mut self, cx: &mut Cx<'_>, table: &DeTable<'_>, span: &Range<usize>) {
        cx.check_keys(table, ITEM_KEYS, "an evidence item");
        let id = read_id(cx, table, span, "evidence item", &mut self.seen);
        let claim = required_string(cx, table, span, "claim", "evidence item");
        let likelihood = read_likelihood(cx, table, span, self.hyp_ids);
        let enabled = table
            .get("enabled")
            .and_then(|n| cx.boolean(n, "enabled"))
            .unwrap_or(true);
        let pending = table
            .get("pending")
            .and_then(|n| cx.boolean(n, "pending"))
            .unwrap_or(false);
        let reports = match table.get("reports") {
            Some(n) => read_reports(cx, n, self.source_ids, self.documents, pending),
            None => Some(Vec::new()),
        };
        if pending {
            check_pending_reports(cx, table, span, reports.as_deref());
        }
        let rationale = optional_string(cx, table, "rationale");
        let notes = optional_string(cx, table, "notes");
        if let (Some(likelihood), Some(id)) = (&likelihood, &id)
            && likelihood.iter().all(|l| l.point.get() == 0.0)
        {
            cx.push(
                Diagnostic::error(format!(
                    "evidence `{id}` is impossible under every hypothesis (all likelihoods are 0)"
                ))
                .at(table.get("likelihood").map_or_else(|| header_span(span), |n| n.span()))
                .label("P(E | h) = 0 for every h")
                .hint("if the event can happen at all, at least one hypothesis must give it a likelihood above 0"),
            );
        }
        if let (Some(id), Some(claim), Some(likelihood), Some(mut reports)) =
            (id, claim, likelihood, reports)
        {
            // The model keeps the file's offsets.
            for r in &mut reports {
                r.span = cx.absolute(&r.span);
            }
            let list = if pending {
                &mut self.pending
            } else {
                &mut self.out
            };
            list.push(Item {
                id,
                claim,
                likelihood,
                rationale,
                enabled,
                reports,
                notes,
                span: cx.absolute(span),
            });
        }
    }
}

fn read_likelihood(
    cx: &mut Cx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    hyp_names: &Names<'_>,
) -> Option<Vec<Estimate>> {
    let hyp_ids: &[&str] = &hyp_names.list;
    let Some(node) = table.get("likelihood") else {
        let entries: Vec<String> = hyp_ids.iter().map(|h| format!("{h} = 0.5")).collect();
        let entries: Vec<&str> = entries.iter().map(String::as_str).collect();
        cx.push(
            Diagnostic::error("evidence item has no `likelihood`")
                .at(header_span(span))
                .label("missing `likelihood`")
                .hint(format!(
                    "add likelihood = {{ {} }}: P(this evidence | hypothesis) for each hypothesis",
                    list(&entries)
                )),
        );
        return None;
    };
    let lt = cx.table(node, "likelihood")?;
    let mut values: Vec<Option<Estimate>> = vec![None; hyp_ids.len()];
    // Which hypotheses have an entry (ids are distinct, so each entry names
    // at most one).
    let mut present = vec![false; hyp_ids.len()];
    let mut field = String::new();
    let mut ok = true;
    for (key, value) in lt.iter() {
        let name: &str = key.get_ref();
        match hyp_names.position(name) {
            Some(i) => {
                present[i] = true;
                // One buffer for every entry's name, which only errors use.
                field.clear();
                field.push_str("likelihood.");
                field.push_str(name);
                values[i] = cx.estimate(value, &field);
                ok &= values[i].is_some();
            }
            // With no hypotheses at all, that error stands alone.
            None if hyp_ids.is_empty() => ok = false,
            None => {
                ok = false;
                let mut d =
                    Diagnostic::error(format!("likelihood names unknown hypothesis `{name}`"))
                        .at(key.span());
                d = match cx.suggest(name, hyp_ids.iter().copied()) {
                    Some(s) => d.label(crate::look_alike::did_you_mean_label(name, s)),
                    None => d.label("not a hypothesis id"),
                };
                cx.push(d.hint(format!("hypotheses: {}", list(hyp_ids))));
            }
        }
    }
    for (i, h) in hyp_ids.iter().enumerate() {
        if !present[i] {
            ok = false;
            cx.push(
                Diagnostic::error(format!("no likelihood for hypothesis `{h}`"))
                    .at(node.span())
                    .label(format!("`{h}` missing"))
                    .hint(format!(
                        "every item needs P(E | h) for every hypothesis: add `{h} = ...`"
                    )),
            );
            values[i] = None;
        }
    }
    if ok {
        values.into_iter().collect()
    } else {
        None
    }
}

struct RawReport<'t, 'i> {
    table: &'t DeTable<'i>,
    span: Range<usize>,
    report: Report,
    explicit_id: bool,
}

/// Keys of a report that record what the source said: a pending item's
/// reports have not been made yet, so these contradict `pending = true`.
const ANSWER_KEYS: &[&str] = &["asserts", "quote", "document"];

/// A pending item is asked of the sources its reports name: it needs at
/// least one report that would be observed.
fn check_pending_reports(
    cx: &mut Cx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    reports: Option<&[Report]>,
) {
    let Some(reports) = reports else {
        return;
    };
    if reports.iter().any(|r| r.observed) {
        return;
    }
    let at = table
        .get("reports")
        .map_or_else(|| header_span(span), |n| n.span());
    cx.push(
        Diagnostic::error("pending evidence names no source to ask")
            .at(at)
            .label(if reports.is_empty() {
                "no reports"
            } else {
                "every report is `observed = false`"
            })
            .hint("a pending item's reports are the sources that would be asked: add reports = [ { source = \"...\" } ]"),
    );
}

fn read_reports(
    cx: &mut Cx<'_>,
    node: &Node<'_>,
    source_names: &Names<'_>,
    documents: &Documents,
    pending: bool,
) -> Option<Vec<Report>> {
    let source_ids: &[&str] = &source_names.list;
    let entries = cx.tables(node, "reports");
    let mut raws: Vec<RawReport<'_, '_>> = Vec::with_capacity(entries.len());
    let mut ok = true;
    for (table, span) in entries {
        cx.check_keys(table, REPORT_KEYS, "a report");
        if pending {
            for key in ANSWER_KEYS {
                if let Some(n) = table.get(*key) {
                    ok = false;
                    cx.push(
                        Diagnostic::error(format!(
                            "`{key}` on a report of pending evidence: it has not been reported yet"
                        ))
                        .at(n.span())
                        .label("records an answer")
                        .hint("a pending item plans what to ask; `credence collect` weighs each answer. Once collected, drop `pending = true` and record what the source said"),
                    );
                }
            }
        }
        let source = match table.get("source") {
            Some(n) => cx.string(n, "source").and_then(|s| {
                let found = source_names.position(&s).map(SourceId);
                if found.is_none() {
                    unknown_ref(cx, n, "source", &s, source_ids);
                }
                found
            }),
            None => {
                cx.push(
                    Diagnostic::error("report has no `source`")
                        .at(span.clone())
                        .label("missing `source`")
                        .hint("every report names the source that made it: source = \"...\""),
                );
                None
            }
        };
        let explicit = table.get("id").and_then(|n| cx.string(n, "id"));
        let observed = table
            .get("observed")
            .and_then(|n| cx.boolean(n, "observed"))
            .unwrap_or(true);
        let asserts = table
            .get("asserts")
            .and_then(|n| cx.boolean(n, "asserts"))
            .unwrap_or(true);
        let reliability = table
            .get("reliability")
            .and_then(|n| cx.reliability(n, "reliability"));
        check_bias_with_credibility(cx, table, reliability.as_ref());
        let bias = table.get("bias").and_then(|n| cx.estimate(n, "bias"));
        let document = table.get("document").and_then(|n| {
            let doc = cx.string(n, "document")?;
            if let Some(known) = &documents.known
                && !known.contains(&doc)
            {
                let mut d =
                    Diagnostic::error(format!("unknown seed document `{doc}`")).at(n.span());
                d = match cx.suggest(&doc, known.iter().map(String::as_str)) {
                    Some(s) => d.label(format!("did you mean `{s}`?")),
                    None => d.label(format!("no record {doc}.toml in {}", documents.folder)),
                };
                cx.push(d.hint(format!(
                    "add a record {}/{doc}.toml, or fix the name",
                    documents.folder
                )));
            }
            Some(doc)
        });
        let quote = optional_string(cx, table, "quote");
        let notes = optional_string(cx, table, "notes");
        let Some(source) = source else {
            ok = false;
            continue;
        };
        let id = explicit
            .clone()
            .unwrap_or_else(|| source_ids[source.0].to_string());
        raws.push(RawReport {
            table,
            span: span.clone(),
            explicit_id: explicit.is_some(),
            report: Report {
                id,
                source,
                via: None,
                observed,
                asserts,
                reliability,
                bias,
                document,
                quote,
                notes,
                span,
            },
        });
    }
    // Explicit duplicates are errors. A defaulted id is its source's id,
    // numbered among the defaulted reports of that source (`wsj`, `wsj#2`);
    // one equal to an explicit id is an error pointing at both, since a
    // `via` or `--set` path naming it would reach either.
    let mut explicit: BTreeMap<String, Range<usize>> = BTreeMap::new();
    for raw in raws.iter().filter(|r| r.explicit_id) {
        let at = raw.table.get("id").map_or(raw.span.clone(), |n| n.span());
        if let Some(first) = explicit.get(&raw.report.id) {
            cx.push(
                Diagnostic::error(format!(
                    "duplicate report id `{}` in this item",
                    raw.report.id
                ))
                .at(at)
                .label("duplicate")
                .related(cx.absolute(first), "first written here")
                .hint("report ids are local to an item and must be unique within it"),
            );
            ok = false;
        } else {
            explicit.insert(raw.report.id.clone(), at);
        }
    }
    let mut defaulted: BTreeMap<String, usize> = BTreeMap::new();
    for raw in raws.iter_mut().filter(|r| !r.explicit_id) {
        let n = defaulted.entry(raw.report.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            raw.report.id = format!("{}#{}", raw.report.id, n);
        }
        if let Some(written) = explicit.get(&raw.report.id) {
            let at = raw
                .table
                .get("source")
                .map_or(raw.span.clone(), |n| n.span());
            cx.push(
                Diagnostic::error(format!(
                    "report id `{}` is written on one report and is also the automatic id of another",
                    raw.report.id
                ))
                .at(written.clone())
                .label("written here")
                .related(
                    cx.absolute(&at),
                    format!("this report, with no `id`, is `{}` by default", raw.report.id),
                )
                .hint("a report without `id` takes its source's id (numbered `#2`, `#3` when the source reports again); give that report an `id` of its own, or rename the written one"),
            );
            ok = false;
        }
    }
    let ids: Vec<String> = raws.iter().map(|r| r.report.id.clone()).collect();
    let mut first_with_id: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        first_with_id.entry(id.as_str()).or_insert(i);
    }
    for raw in &mut raws {
        let strength_node = raw.table.get("strength");
        let strength = strength_node.and_then(|n| cx.probability(n, "strength"));
        if strength_node.is_some() && strength.is_none() {
            ok = false;
        }
        match raw.table.get("via") {
            Some(n) => {
                let Some(target) = cx.string(n, "via") else {
                    ok = false;
                    continue;
                };
                match first_with_id.get(target.as_str()).copied() {
                    Some(p) => {
                        raw.report.via = Some(Link {
                            parent: ReportId(p),
                            strength: strength.unwrap_or(Probability::ONE),
                            dependency: None,
                        });
                    }
                    None if cx.is_full() => {
                        ok = false;
                        cx.push(Diagnostic::error(format!(
                            "`via` names unknown report `{target}`"
                        )));
                    }
                    None => {
                        ok = false;
                        let known: Vec<&str> = ids.iter().map(String::as_str).collect();
                        let mut d =
                            Diagnostic::error(format!("`via` names unknown report `{target}`"))
                                .at(n.span());
                        d = match cx.suggest(&target, known.iter().copied()) {
                            Some(s) => d.label(crate::look_alike::did_you_mean_label(&target, s)),
                            None => d.label("no report of this item has this id"),
                        };
                        cx.push(d.hint(format!(
                            "`via` names a report of the same item, by its `id` (or its source, when that source reports once); reports here: {}",
                            list(&known)
                        )));
                    }
                }
            }
            None => {
                if let Some(n) = strength_node {
                    cx.push(
                        Diagnostic::warning("`strength` has no effect without `via`")
                            .at(n.span())
                            .hint(
                                "strength is how much this report depends on the report it relays",
                            ),
                    );
                }
            }
        }
    }
    if !check_cycles(cx, &raws) {
        ok = false;
    }
    // Collected into a fresh vector: reusing the larger `raws` buffer in
    // place would keep its size for the life of the model.
    ok.then(|| {
        let mut reports = Vec::with_capacity(raws.len());
        reports.extend(raws.into_iter().map(|r| r.report));
        reports
    })
}

/// A relay chain deeper than the limit (checked once links from
/// `[[dependencies]]` are in): each report's depth is computed once, so this
/// is linear even for a chain of a million reports.
fn check_relay_depth(cx: &mut Cx<'_>, item: &Item) {
    let n = item.reports.len();
    let mut depth: Vec<Option<usize>> = vec![None; n];
    for start in 0..n {
        if depth[start].is_some() {
            continue;
        }
        // Walk up to the origin or to a report of known depth.
        let mut path = Vec::new();
        let mut at = start;
        let base = loop {
            if let Some(d) = depth[at] {
                break d + 1;
            }
            path.push(at);
            match &item.reports[at].via {
                // Validation rejected cycles; the length guard keeps this total anyway.
                Some(link) if path.len() <= n => at = link.parent.0,
                _ => break 0,
            }
        };
        let mut too_deep = None;
        for (k, &r) in path.iter().rev().enumerate() {
            depth[r] = Some(base + k);
            if base + k > MAX_RELAY_DEPTH && too_deep.is_none() {
                too_deep = Some((r, base + k));
            }
        }
        let Some((r, d)) = too_deep else {
            continue;
        };
        let report = &item.reports[r];
        cx.push(
            Diagnostic::error(format!(
                "relay chain too long in evidence `{}`: report `{}` is {d} relays from its origin, over the limit of {MAX_RELAY_DEPTH}",
                item.id, report.id
            ))
            .at(header_span(&report.span))
            .hint("a relay chain counts one origin however long it is: let later reports relay an earlier one directly (`via` the origin); see \"Limits\" in docs/FORMAT.md"),
        );
        return;
    }
}

/// Circular reporting: a chain of `via` that returns to its start. Each cycle
/// is reported once, naming every report in it, starting where the first
/// chain (in report order) that reaches it enters it. Linear in the reports:
/// each is walked once.
fn check_cycles(cx: &mut Cx<'_>, raws: &[RawReport<'_, '_>]) -> bool {
    const UNSEEN: usize = usize::MAX;
    const DONE: usize = usize::MAX - 1;
    // For each report: UNSEEN, DONE, or its position on the current path.
    let mut state = vec![UNSEEN; raws.len()];
    let mut ok = true;
    for start in 0..raws.len() {
        if state[start] != UNSEEN {
            continue;
        }
        let mut path = vec![start];
        state[start] = 0;
        let mut at = start;
        while let Some(link) = &raws[at].report.via {
            at = link.parent.0;
            match state[at] {
                DONE => break,
                UNSEEN => {
                    state[at] = path.len();
                    path.push(at);
                }
                pos => {
                    let cycle = &path[pos..];
                    let mut names: Vec<String> =
                        cycle.iter().map(|&c| raws[c].report.id.clone()).collect();
                    names.push(raws[at].report.id.clone());
                    // A generated cycle may hold thousands of reports: name its ends.
                    const SHOWN: usize = 10;
                    if names.len() > 2 * SHOWN + 1 {
                        let hidden = names.len() - 2 * SHOWN;
                        names.splice(SHOWN..names.len() - SHOWN, [format!("... ({hidden} more)")]);
                    }
                    let first = cycle[0];
                    let via_span = raws[first]
                        .table
                        .get("via")
                        .map_or(raws[first].span.clone(), |n| n.span());
                    cx.push(
                        Diagnostic::error(format!("circular reporting: {}", names.join(" -> ")))
                            .at(via_span)
                            .label("this `via` closes a cycle")
                            .hint("a report cannot relay itself, directly or through others: find the true origin and make it the one report without `via`"),
                    );
                    ok = false;
                    break;
                }
            }
        }
        for p in path {
            state[p] = DONE;
        }
    }
    ok
}

/// `[[groups]]`: each a set of at least two distinct hypotheses, not all
/// of them, with an id no hypothesis or other group uses.
fn read_groups(cx: &mut Cx<'_>, node: Option<&Node<'_>>, hyp_names: &Names<'_>) -> Vec<Group> {
    let entries = node.map(|n| cx.tables(n, "groups")).unwrap_or_default();
    let mut seen = SeenIds::default();
    let mut out = Vec::new();
    // Member sets already written, to catch two groups that say the same.
    let mut sets: BTreeMap<Vec<usize>, (String, Range<usize>)> = BTreeMap::new();
    for (table, span) in entries {
        cx.check_keys(table, GROUP_KEYS, "a group");
        let mut id = read_id(cx, table, &span, "group", &mut seen);
        if let Some(name) = &id
            && hyp_names.position(name).is_some()
        {
            let at = table
                .get("id")
                .map_or_else(|| header_span(&span), |n| n.span());
            cx.push(
                Diagnostic::error(format!(
                    "group id `{name}` is also a hypothesis id"
                ))
                .at(at)
                .label("also a hypothesis")
                .hint("a group and a hypothesis would be indistinguishable in reports and paths: give the group its own id, such as `advance_knowledge`"),
            );
            id = None;
        }
        let title = required_string(cx, table, &span, "title", "group");
        let rationale =
            optional_string(cx, table, "rationale").or(optional_string(cx, table, "notes"));
        let members = read_members(cx, table, &span, hyp_names);
        let (Some(id), Some(title), Some((members, members_span))) = (id, title, members) else {
            continue;
        };
        let mut key: Vec<usize> = members.iter().map(|m| m.0).collect();
        key.sort_unstable();
        match sets.get(&key) {
            Some((other, first)) => cx.push(
                Diagnostic::warning(format!(
                    "group `{id}` has the same members as group `{other}`"
                ))
                .at(members_span)
                .related(first.clone(), "the same members here")
                .hint("two groups with the same members always have the same posterior: keep one"),
            ),
            None => {
                sets.insert(key, (id.clone(), cx.absolute(&members_span)));
            }
        }
        out.push(Group {
            id,
            title,
            members,
            rationale,
            span,
        });
    }
    out
}

/// A group's `members`: known, distinct hypothesis ids, at least two and
/// fewer than all. With the span of the array.
fn read_members(
    cx: &mut Cx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    hyp_names: &Names<'_>,
) -> Option<(Vec<HypothesisId>, Range<usize>)> {
    let hyp_ids: &[&str] = &hyp_names.list;
    let Some(node) = table.get("members") else {
        cx.push(
            Diagnostic::error("group has no `members`")
                .at(header_span(span))
                .label("missing `members`")
                .hint("members = [\"directed\", \"approved\"]: two or more hypothesis ids"),
        );
        return None;
    };
    let DeValue::Array(list) = node.get_ref() else {
        cx.push(
            Diagnostic::error(format!(
                "`members` must be an array of hypothesis ids, found {}",
                super::reader::describe(node.get_ref())
            ))
            .at(node.span())
            .label("expected an array")
            .hint("members = [\"directed\", \"approved\"]"),
        );
        return None;
    };
    let mut members: Vec<HypothesisId> = Vec::new();
    let mut ok = true;
    for entry in list.iter() {
        let Some(name) = cx.string(entry, "members") else {
            ok = false;
            continue;
        };
        match hyp_names.position(&name) {
            Some(h) if members.contains(&HypothesisId(h)) => {
                cx.push(
                    Diagnostic::error(format!("hypothesis `{name}` is listed twice in `members`"))
                        .at(entry.span())
                        .label("repeated member")
                        .hint("list each member once"),
                );
                ok = false;
            }
            Some(h) => members.push(HypothesisId(h)),
            None => {
                unknown_ref(cx, entry, "hypothesis", &name, hyp_ids);
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    if members.len() < 2 {
        let found = match members.first() {
            Some(h) => format!("only `{}`", hyp_ids.get(h.0).copied().unwrap_or("?")),
            None => "no members".to_string(),
        };
        cx.push(
            Diagnostic::error(format!("a group needs at least two members, found {found}"))
                .at(node.span())
                .label("fewer than two hypotheses")
                .hint("a group of one is its hypothesis: use the hypothesis itself, or add the others this group stands for"),
        );
        return None;
    }
    if members.len() == hyp_ids.len() {
        cx.push(
            Diagnostic::error(format!(
                "this group holds every hypothesis ({}): its posterior is always 1",
                members.len()
            ))
            .at(node.span())
            .label("every hypothesis")
            .hint("hypotheses are exhaustive, so a group of all of them says nothing: leave at least one out"),
        );
        return None;
    }
    Some((members, node.span()))
}

fn read_dependencies(
    cx: &mut Cx<'_>,
    node: Option<&Node<'_>>,
    source_names: &Names<'_>,
) -> Vec<Dependency> {
    let source_ids: &[&str] = &source_names.list;
    let entries = node
        .map(|n| cx.tables(n, "dependencies"))
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut seen = SeenIds::default();
    for (table, span) in entries {
        cx.check_keys(table, DEPENDENCY_KEYS, "a dependency");
        let id = if table.get("id").is_some() {
            read_id(cx, table, &span, "dependency", &mut seen)
        } else {
            None
        };
        let strength = table
            .get("strength")
            .map_or(Some(Probability::ONE), |n| cx.probability(n, "strength"));
        let why = optional_string(cx, table, "why");
        let mut sources = Vec::new();
        let mut ok = true;
        match table.get("sources") {
            Some(n) => match n.get_ref() {
                DeValue::Array(list) => {
                    for s in list.iter() {
                        let Some(name) = cx.string(s, "sources") else {
                            ok = false;
                            continue;
                        };
                        match source_names.position(&name) {
                            Some(i) if sources.contains(&SourceId(i)) => {
                                cx.push(
                                    Diagnostic::error(format!("source `{name}` is listed twice"))
                                        .at(s.span())
                                        .label("repeated source")
                                        .hint("list each source of a dependency once"),
                                );
                                ok = false;
                            }
                            Some(i) => sources.push(SourceId(i)),
                            None => {
                                unknown_ref(cx, s, "source", &name, source_ids);
                                ok = false;
                            }
                        }
                    }
                    if ok && sources.len() < 2 {
                        cx.push(
                            Diagnostic::error("a dependency links at least two sources")
                                .at(n.span())
                                .hint("sources = [\"a\", \"b\"]: b's reports relay a's wherever both report"),
                        );
                        ok = false;
                    }
                }
                _ => {
                    cx.push(
                        Diagnostic::error("`sources` must be an array of source ids")
                            .at(n.span())
                            .hint("sources = [\"a\", \"b\"]"),
                    );
                    ok = false;
                }
            },
            None => {
                cx.push(
                    Diagnostic::error("dependency has no `sources`")
                        .at(header_span(&span))
                        .hint(
                            "sources = [\"a\", \"b\"]: b's reports relay a's wherever both report",
                        ),
                );
                ok = false;
            }
        }
        if let (true, Some(strength)) = (ok, strength) {
            out.push(Dependency {
                id,
                sources,
                strength,
                why,
            });
        }
    }
    out
}

/// Expand `[[dependencies]]`: in every item, each later listed source's
/// reports (those without their own `via`) relay the first present source's
/// report with the dependency's strength.
pub fn apply_dependencies(dependencies: &[Dependency], items: &mut [Item]) {
    let sources = items
        .iter()
        .flat_map(|i| i.reports.iter().map(|r| r.source.0 + 1))
        .chain(
            dependencies
                .iter()
                .flat_map(|d| d.sources.iter().map(|s| s.0 + 1)),
        )
        .max()
        .unwrap_or(0);
    // Work is linear in the reports per dependency, whatever the lengths of
    // the lists: ranks and chain marks are indexed, not searched.
    let mut rank: Vec<usize> = vec![usize::MAX; sources];
    for (d, dep) in dependencies.iter().enumerate() {
        for (k, s) in dep.sources.iter().enumerate() {
            rank[s.0] = rank[s.0].min(k);
        }
        for item in items.iter_mut() {
            // The anchor: the first report of the first listed source present.
            let anchor = item
                .reports
                .iter()
                .enumerate()
                .filter(|(_, r)| rank[r.source.0] != usize::MAX)
                .min_by_key(|(i, r)| (rank[r.source.0], *i))
                .map(|(i, _)| i);
            let Some(anchor) = anchor else {
                continue;
            };
            let mut in_anchor_chain = vec![false; item.reports.len()];
            for r in item.chain(ReportId(anchor)) {
                in_anchor_chain[r.0] = true;
            }
            let anchor_source = item.reports[anchor].source;
            for (r, report) in item.reports.iter_mut().enumerate() {
                let listed = rank[report.source.0] != usize::MAX && report.source != anchor_source;
                // Never create a cycle: skip a report the anchor already relays.
                if listed && report.via.is_none() && !in_anchor_chain[r] {
                    report.via = Some(Link {
                        parent: ReportId(anchor),
                        strength: dep.strength,
                        dependency: Some(DependencyId(d)),
                    });
                }
            }
        }
        for s in &dep.sources {
            rank[s.0] = usize::MAX;
        }
    }
}

fn read_scenarios(cx: &mut Cx<'_>, node: Option<&Node<'_>>, model: &Model) -> Vec<Scenario> {
    let entries = node.map(|n| cx.tables(n, "scenarios")).unwrap_or_default();
    let mut seen = SeenIds::default();
    let mut out = Vec::new();
    let mut index = overrides::Index::new(model);
    for (table, span) in entries {
        let id = read_id(cx, table, &span, "scenario", &mut seen);
        let title = required_string(cx, table, &span, "title", "scenario");
        let why = optional_string(cx, table, "why");
        let mut overrides = Vec::new();
        let errors_before = cx.error_count();
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            match name {
                "id" | "title" | "why" => {}
                _ if overrides::ROOTS.contains(&name) => {
                    let mut path = vec![(name.to_string(), key.span())];
                    overrides::collect(cx, model, &mut index, &mut path, value, &mut overrides);
                }
                _ => {
                    let allowed: Vec<&str> = ["id", "title", "why"]
                        .iter()
                        .chain(overrides::ROOTS)
                        .copied()
                        .collect();
                    cx.check_keys(&single(table, name), &allowed, "a scenario");
                }
            }
        }
        let failed = cx.error_count() > errors_before;
        if overrides.is_empty() && id.is_some() && !failed {
            cx.push(
                Diagnostic::warning("scenario changes nothing")
                    .at(header_span(&span))
                    .hint("add overrides such as sources.X.reliability = 0.3"),
            );
        }
        if let (Some(id), Some(title)) = (id, title) {
            out.push(Scenario {
                id,
                title,
                why,
                overrides,
                span: span.clone(),
            });
        }
    }
    out
}

/// A one-entry copy of `table` holding only `key`, to reuse `check_keys`.
fn single<'i>(table: &DeTable<'i>, key: &str) -> DeTable<'i> {
    let mut t = DeTable::new();
    if let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref() == key) {
        t.insert(k.clone(), v.clone());
    }
    t
}

/// `a, b, c` for a few names, then how many more.
fn list_str(names: &[String]) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    list(&names)
}

/// Several enabled items whose every report descends from origins of one
/// source, when that source's reliability is a point: each item then
/// counts that source's say-so as an independent confirmation, with nothing
/// to tie the items together (an uncertain reliability would be one latent
/// node shared by all of them, which the evidence informs once).
fn single_origin_confirmations(cx: &mut Cx<'_>, model: &Model) {
    let mut resting: Vec<Vec<&Item>> = vec![Vec::new(); model.sources.len()];
    for item in model.items.iter().filter(|i| i.enabled) {
        let origins = item.origins();
        let roots: Vec<&Report> = origins
            .independent
            .iter()
            .chain(&origins.partly_dependent)
            .map(|r| &item.reports[r.0])
            .collect();
        let Some(first) = roots.first() else {
            continue;
        };
        let one_source = roots.iter().all(|r| r.source == first.source);
        let point = roots.iter().all(|r| !model.uses_latent_reliability(r));
        if one_source && point {
            resting[first.source.0].push(item);
        }
    }
    for (s, items) in resting.iter().enumerate() {
        if items.len() < 2 {
            continue;
        }
        let source = &model.sources[s];
        let ids: Vec<String> = items.iter().map(|i| format!("`{}`", i.id)).collect();
        // A note, not a warning: a source that speaks to several matters is
        // ordinary, and the models shipped (the Curveball lesson among
        // them) must check clean; the note says what the numbers assume.
        let mut d = Diagnostic::note(format!(
            "{} items rest on one origin, source `{}`, whose reliability is a point: {} count as independent confirmations of one story",
            items.len(),
            source.id,
            list_str(&ids),
        ))
        .at(header_span(&source.span))
        .label("the origin of every report of these items");
        for item in items {
            d = d.related(
                header_span(&item.span),
                format!("`{}` rests on `{}` alone", item.id, source.id),
            );
        }
        cx.push(d.hint(format!(
            "give `{}` an uncertain reliability (an interval such as [0.5, 0.9]: one latent reliability shared by all its reports, which the evidence informs once), or merge the items into one",
            source.id
        )));
    }
}

/// Whether some hypothesis gives the item another likelihood than the rest.
fn is_diagnostic(item: &Item) -> bool {
    let first = item.likelihood[0].point.get();
    item.likelihood.iter().any(|l| l.point.get() != first)
}

/// Warnings and notes for a valid model: the lints of `credence check`.
fn lint(cx: &mut Cx<'_>, model: &Model, documents: &Documents) {
    let enabled: Vec<&Item> = model.items.iter().filter(|i| i.enabled).collect();
    for item in &enabled {
        if !is_diagnostic(item) {
            cx.push(
                Diagnostic::note(format!(
                    "evidence `{}` is equally likely under every hypothesis: it cannot move the posterior",
                    item.id
                ))
                .at(header_span(&item.span))
                .hint("non-diagnostic items are worth listing (ACH asks for them) but weigh nothing"),
            );
        }
        let origins = item.origins();
        if origins.reports >= 3 && origins.independent.len() == 1 {
            cx.push(
                Diagnostic::note(format!(
                    "evidence `{}`: {} reports, 1 independent origin (`{}`)",
                    item.id,
                    origins.reports,
                    item.reports[origins.independent[0].0].id
                ))
                .at(header_span(&item.span))
                .hint("the reports relay one another; credence counts the origin once, not each report"),
            );
        }
    }
    for item in model.pending.iter().filter(|i| i.enabled) {
        if !is_diagnostic(item) {
            cx.push(
                Diagnostic::note(format!(
                    "pending evidence `{}` is equally likely under every hypothesis: collecting it can tell nothing",
                    item.id
                ))
                .at(header_span(&item.span))
                .hint("`credence collect` values it at 0 bits; task something one hypothesis predicts and another does not"),
            );
        }
    }
    single_origin_confirmations(cx, model);
    let mut used = vec![false; model.sources.len()];
    // A source asked only for pending evidence is in use: it is tasked.
    for report in model
        .items
        .iter()
        .chain(&model.pending)
        .flat_map(|i| &i.reports)
    {
        used[report.source.0] = true;
    }
    for (s, used) in model.sources.iter().zip(used) {
        if !used {
            cx.push(
                Diagnostic::warning(format!("source `{}` is never used", s.id))
                    .at(header_span(&s.span))
                    .hint("remove it, or add a report that names it"),
            );
        }
    }
    // Hypotheses with equal likelihood columns, grouped by sorting the
    // columns: one warning per group, not one per pair.
    let column = |h: usize| {
        enabled
            .iter()
            .map(move |item| item.likelihood[h].point.get())
    };
    let mut order: Vec<usize> = (0..model.hypotheses.len()).collect();
    order.sort_by(|&a, &b| {
        column(a)
            .partial_cmp(column(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut groups: Vec<Vec<usize>> = Vec::new();
    if !enabled.is_empty() {
        for h in order {
            match groups.last_mut() {
                Some(g) if column(g[0]).eq(column(h)) => g.push(h),
                _ => groups.push(vec![h]),
            }
        }
    }
    groups.retain(|g| g.len() > 1);
    groups.sort_by_key(|g| g[0]);
    for group in groups {
        let ids: Vec<String> = group
            .iter()
            .map(|&h| format!("`{}`", model.hypotheses[h].id))
            .collect();
        let names = match ids.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", list_str(rest)),
            _ => ids.join(""),
        };
        cx.push(
            Diagnostic::warning(format!(
                "hypotheses {names} are indistinguishable: every item gives them the same likelihood",
            ))
            .at(header_span(&model.hypotheses[group[1]].span))
            .hint("no evidence can separate them; add an item that one predicts and the other does not, or merge them"),
        );
    }
    let cites = model
        .items
        .iter()
        .any(|i| i.reports.iter().any(|r| r.document.is_some()));
    if cites && documents.known.is_none() {
        cx.push(
            Diagnostic::warning(format!(
                "cannot check `document` references: no seeds folder at {}",
                documents.folder
            ))
            .hint("set [model] seeds = \"path/to/seeds\" or keep the seeds folder beside the models folder"),
        );
    }
}
