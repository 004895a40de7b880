//! What-if overrides: dotted paths such as `sources.wsj.reliability` with a
//! value, resolved against a validated model. Scenarios in the file and
//! `--set PATH=VALUE` on the command line share this one resolver.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::DeValue;

use super::reader::{Cx, Node, list};
use super::types::*;
use crate::diag::{Diagnostic, SourceFile, did_you_mean};

/// The first segment of every override path.
pub const ROOTS: &[&str] = &["sources", "evidence", "hypotheses", "dependencies"];

type Segment = (String, Range<usize>);

/// The model's ids, indexed once for all the override paths of a file: a
/// scenario may set thousands of values in a model of thousands of items.
pub(super) struct Index<'m> {
    sources: BTreeMap<&'m str, usize>,
    hypotheses: BTreeMap<&'m str, usize>,
    items: BTreeMap<&'m str, usize>,
    dependencies: BTreeMap<&'m str, usize>,
    /// Report ids per item, indexed when an override first names the item.
    reports: BTreeMap<usize, BTreeMap<&'m str, usize>>,
}

fn index<'m>(ids: impl Iterator<Item = Option<&'m str>>) -> BTreeMap<&'m str, usize> {
    let mut map = BTreeMap::new();
    for (i, id) in ids.enumerate() {
        if let Some(id) = id {
            map.entry(id).or_insert(i);
        }
    }
    map
}

impl<'m> Index<'m> {
    pub(super) fn new(model: &'m Model) -> Index<'m> {
        Index {
            sources: index(model.sources.iter().map(|s| Some(s.id.as_str()))),
            hypotheses: index(model.hypotheses.iter().map(|h| Some(h.id.as_str()))),
            items: index(model.items.iter().map(|i| Some(i.id.as_str()))),
            dependencies: index(model.dependencies.iter().map(|d| d.id.as_deref())),
            reports: BTreeMap::new(),
        }
    }

    fn report(&mut self, model: &'m Model, item: ItemId, id: &str) -> Option<ReportId> {
        let reports = self.reports.entry(item.0).or_insert_with(|| {
            index(
                model.items[item.0]
                    .reports
                    .iter()
                    .map(|r| Some(r.id.as_str())),
            )
        });
        reports.get(id).copied().map(ReportId)
    }
}

/// Walk a (possibly nested) scenario table, resolving every leaf into an
/// override.
pub(super) fn collect<'m>(
    cx: &mut Cx<'_>,
    model: &'m Model,
    index: &mut Index<'m>,
    path: &mut Vec<Segment>,
    value: &Node<'_>,
    out: &mut Vec<(String, Override)>,
) {
    if let DeValue::Table(t) = value.get_ref()
        && !is_leaf(path)
    {
        for (key, v) in t.iter() {
            path.push((key.get_ref().to_string(), key.span()));
            collect(cx, model, index, path, v, out);
            path.pop();
        }
        return;
    }
    let written = path
        .iter()
        .map(|s| s.0.as_str())
        .collect::<Vec<_>>()
        .join(".");
    if let Some(o) = resolve(cx, model, index, path, value) {
        out.push((written, o));
    }
}

/// A full path, whose value may itself be a table (`{ hit, false_alarm }`).
fn is_leaf(path: &[Segment]) -> bool {
    let names: Vec<&str> = path.iter().map(|s| s.0.as_str()).collect();
    matches!(
        names.as_slice(),
        ["sources", _, "reliability"] | ["evidence", _, "reports", _, "reliability"]
    )
}

/// `found` if the segment named something; otherwise an error listing the
/// `names` (built only then, and only while errors are still kept).
fn pick<'n, T>(
    cx: &mut Cx<'_>,
    seg: &Segment,
    (what, plural): (&str, &str),
    names: impl FnOnce() -> Vec<&'n str>,
    found: Option<T>,
) -> Option<T> {
    if found.is_none() {
        let mut d = Diagnostic::error(format!("unknown {what} `{}` in override path", seg.0))
            .at(seg.1.clone());
        if cx.is_full() {
            cx.push(d);
            return None;
        }
        let names = names();
        d = match cx.suggest(&seg.0, names.iter().copied()) {
            Some(s) => d.label(crate::look_alike::did_you_mean_label(&seg.0, s)),
            None => d.label(format!("not a {what}")),
        };
        cx.push(d.hint(if names.is_empty() {
            format!("this model has no {plural} with ids")
        } else {
            format!("{plural}: {}", list(&names))
        }));
    }
    found
}

fn field<'a>(
    cx: &mut Cx<'_>,
    seg: Option<&'a Segment>,
    at: &Range<usize>,
    allowed: &[&'a str],
) -> Option<&'a str> {
    let Some(seg) = seg else {
        cx.push(
            Diagnostic::error("incomplete override path")
                .at(at.clone())
                .hint(format!(
                    "continue the path with one of: {}",
                    allowed.join(", ")
                )),
        );
        return None;
    };
    if allowed.contains(&seg.0.as_str()) {
        return Some(seg.0.as_str());
    }
    let mut d =
        Diagnostic::error(format!("`{}` cannot be overridden here", seg.0)).at(seg.1.clone());
    d = match did_you_mean(&seg.0, allowed.iter().copied()) {
        Some(s) => d.label(format!("did you mean `{s}`?")),
        None => d.label("unknown field"),
    };
    cx.push(d.hint(format!(
        "fields that can be overridden here: {}",
        allowed.join(", ")
    )));
    None
}

fn too_long(cx: &mut Cx<'_>, path: &[Segment], len: usize) -> bool {
    if let Some(extra) = path.get(len) {
        cx.push(
            Diagnostic::error(format!(
                "override path goes on past its field at `{}`",
                extra.0
            ))
            .at(extra.1.clone())
            .hint("a path ends at the field it sets, e.g. sources.wsj.bias"),
        );
        return true;
    }
    false
}

/// Resolve one full path against the model and read its value.
fn resolve<'m>(
    cx: &mut Cx<'_>,
    model: &'m Model,
    index: &mut Index<'m>,
    path: &[Segment],
    value: &Node<'_>,
) -> Option<Override> {
    let root = &path[0];
    let at = path.last().map_or(root.1.clone(), |s| s.1.clone());
    let Some(second) = path.get(1) else {
        cx.push(
            Diagnostic::error(format!("incomplete override path `{}`", root.0))
                .at(root.1.clone())
                .hint(format!(
                    "continue with an id of one of the model's {}",
                    root.0
                )),
        );
        return None;
    };
    match root.0.as_str() {
        "sources" => {
            let names = || model.sources.iter().map(|s| s.id.as_str()).collect();
            let found = index.sources.get(second.0.as_str()).copied().map(SourceId);
            let s = pick(cx, second, ("source", "sources"), names, found)?;
            let f = field(cx, path.get(2), &at, &["reliability", "bias"])?;
            if too_long(cx, path, 3) {
                return None;
            }
            match f {
                "reliability" => cx
                    .reliability(value, "reliability")
                    .map(|r| Override::SourceReliability(s, r)),
                _ => cx
                    .estimate(value, "bias")
                    .map(|b| Override::SourceBias(s, b)),
            }
        }
        "hypotheses" => {
            let names = || model.hypotheses.iter().map(|h| h.id.as_str()).collect();
            let found = index
                .hypotheses
                .get(second.0.as_str())
                .copied()
                .map(HypothesisId);
            let h = pick(cx, second, ("hypothesis", "hypotheses"), names, found)?;
            field(cx, path.get(2), &at, &["prior"])?;
            if too_long(cx, path, 3) {
                return None;
            }
            cx.estimate(value, "prior")
                .map(|p| Override::Prior(h, p.point))
        }
        "dependencies" => {
            let names = || {
                model
                    .dependencies
                    .iter()
                    .filter_map(|d| d.id.as_deref())
                    .collect()
            };
            let found = index
                .dependencies
                .get(second.0.as_str())
                .copied()
                .map(DependencyId);
            let d = pick(cx, second, ("dependency", "dependencies"), names, found)?;
            field(cx, path.get(2), &at, &["strength"])?;
            if too_long(cx, path, 3) {
                return None;
            }
            cx.probability(value, "strength")
                .map(|s| Override::DependencyStrength(d, s))
        }
        "evidence" => {
            let names = || model.items.iter().map(|i| i.id.as_str()).collect();
            let found = index.items.get(second.0.as_str()).copied().map(ItemId);
            if found.is_none() && model.pending_item(&second.0).is_some() {
                cx.push(
                    Diagnostic::error(format!(
                        "evidence `{}` is pending: it enters no posterior, so an override cannot change one",
                        second.0
                    ))
                    .at(second.1.clone())
                    .label("a pending item")
                    .hint("`credence collect` weighs what collecting it could show; once collected, drop `pending = true`"),
                );
                return None;
            }
            let i = pick(
                cx,
                second,
                ("evidence item", "evidence items"),
                names,
                found,
            )?;
            let item = &model.items[i.0];
            match field(cx, path.get(2), &at, &["enabled", "likelihood", "reports"])? {
                "enabled" => {
                    if too_long(cx, path, 3) {
                        return None;
                    }
                    cx.boolean(value, "enabled")
                        .map(|b| Override::ItemEnabled(i, b))
                }
                "likelihood" => {
                    let hnames = || -> Vec<&str> {
                        model.hypotheses.iter().map(|h| h.id.as_str()).collect()
                    };
                    let Some(seg) = path.get(3) else {
                        cx.push(
                            Diagnostic::error("incomplete override path: which hypothesis?")
                                .at(at)
                                .hint(format!(
                                    "evidence.{}.likelihood.<{}>",
                                    item.id,
                                    list(&hnames()).replace(", ", "|")
                                )),
                        );
                        return None;
                    };
                    let found = index
                        .hypotheses
                        .get(seg.0.as_str())
                        .copied()
                        .map(HypothesisId);
                    let h = pick(cx, seg, ("hypothesis", "hypotheses"), hnames, found)?;
                    if too_long(cx, path, 4) {
                        return None;
                    }
                    cx.estimate(value, "likelihood")
                        .map(|e| Override::Likelihood(i, h, e))
                }
                _ => {
                    let rnames =
                        || -> Vec<&str> { item.reports.iter().map(|r| r.id.as_str()).collect() };
                    let Some(seg) = path.get(3) else {
                        cx.push(
                            Diagnostic::error("incomplete override path: which report?")
                                .at(at)
                                .hint(format!("reports of `{}`: {}", item.id, list(&rnames()))),
                        );
                        return None;
                    };
                    let found = index.report(model, i, &seg.0);
                    let r = pick(cx, seg, ("report", "reports"), rnames, found)?;
                    let f = field(
                        cx,
                        path.get(4),
                        &at,
                        &["strength", "observed", "reliability", "bias"],
                    )?;
                    if too_long(cx, path, 5) {
                        return None;
                    }
                    match f {
                        "strength" => {
                            if item.reports[r.0].via.is_none() {
                                cx.push(
                                    Diagnostic::error(format!(
                                        "report `{}` relays nothing, so it has no strength",
                                        item.reports[r.0].id
                                    ))
                                    .at(at)
                                    .hint("strength applies to a report with `via`"),
                                );
                                return None;
                            }
                            cx.probability(value, "strength")
                                .map(|s| Override::ReportStrength(i, r, s))
                        }
                        "observed" => cx
                            .boolean(value, "observed")
                            .map(|b| Override::ReportObserved(i, r, b)),
                        "reliability" => cx
                            .reliability(value, "reliability")
                            .map(|x| Override::ReportReliability(i, r, x)),
                        _ => cx
                            .estimate(value, "bias")
                            .map(|b| Override::ReportBias(i, r, b)),
                    }
                }
            }
        }
        other => {
            let mut d =
                Diagnostic::error(format!("unknown override root `{other}`")).at(root.1.clone());
            if let Some(s) = did_you_mean(other, ROOTS.iter().copied()) {
                d = d.label(format!("did you mean `{s}`?"));
            }
            cx.push(d.hint(format!("paths start with one of: {}", ROOTS.join(", "))));
            None
        }
    }
}

/// Parse a command-line `PATH=VALUE` into an override. The value is read as
/// TOML (`0.3`, `[0.2, 0.4]`, `"likely"`, `true`); a bare word is taken as a
/// string. Errors come with a pseudo-file holding the argument, so they render
/// with a caret like model errors.
pub fn parse_assignment(
    model: &Model,
    arg: &str,
) -> Result<(String, Override), (SourceFile, Vec<Diagnostic>)> {
    let file = SourceFile::new("--set", arg);
    let fail = |d: Diagnostic| Err((SourceFile::new("--set", arg), vec![d]));
    let (segments, eq) = match path_segments(arg) {
        Ok(x) => x,
        Err(d) => return fail(*d),
    };
    let path_text = &arg[..eq];
    if segments.iter().any(|s| s.0.is_empty()) {
        return fail(
            Diagnostic::error("empty segment in override path")
                .at(0..eq)
                .hint("paths look like sources.wsj.reliability"),
        );
    }
    // A number that is no number (NaN, inf) is refused as such, not taken
    // for an unknown word.
    let trimmed = arg[eq + 1..].trim();
    if let Ok(x) = trimmed.parse::<f64>()
        && !x.is_finite()
    {
        return fail(
            Diagnostic::error(format!("`{trimmed}` is not a finite number"))
                .at(eq + 1..arg.len())
                .hint("give a probability between 0 and 1, an interval [low, high] or a word"),
        );
    }
    let value_text = &arg[eq + 1..];
    let quoted;
    let (parse_text, shift) = match DeValue::parse(value_text) {
        Ok(_) => (value_text, eq + 1),
        Err(_) => {
            quoted = format!(
                "\"{}\"",
                value_text.replace('\\', "\\\\").replace('"', "\\\"")
            );
            (quoted.as_str(), eq)
        }
    };
    let value = match DeValue::parse(parse_text) {
        Ok(v) => v,
        Err(e) => {
            return fail(
                Diagnostic::error(format!("cannot read the value: {}", e.message()))
                    .at(eq + 1..arg.len())
                    .hint("values are numbers (0.3), intervals ([0.2, 0.4]), words (likely) or true/false"),
            );
        }
    };
    let value = if shift == eq {
        // A bare word, quoted to parse: its span is the word as written,
        // not the two quotes added around it (which ran one byte past the
        // argument; the set_path fuzz target found it).
        toml::Spanned::new(eq + 1..arg.len(), value.into_inner())
    } else {
        shift_spans(value, shift)
    };
    let scales = &model.scales;
    let mut cx = Cx::new(scales);
    match resolve(&mut cx, model, &mut Index::new(model), &segments, &value) {
        Some(o) if cx.diags.is_empty() => Ok((path_text.to_string(), o)),
        _ => Err((file, cx.diags)),
    }
}

/// The segments of a `PATH=VALUE` argument's path, each with its span, and
/// where the `=` is. A segment in double quotes may hold dots and `=`
/// (`sources."a.b".reliability`); the span is then the text inside them.
fn path_segments(arg: &str) -> Result<(Vec<Segment>, usize), Box<Diagnostic>> {
    let mut segments = Vec::new();
    let mut start = 0;
    let mut at = 0;
    let bytes = arg.as_bytes();
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                let Some(len) = arg[at + 1..].find('"') else {
                    return Err(Box::new(
                        Diagnostic::error("unclosed quote in override path")
                            .at(at..arg.len())
                            .hint("quote an id that holds dots: sources.\"a.b\".reliability=0.3"),
                    ));
                };
                let (open, close) = (at + 1, at + 1 + len);
                if !arg[start..at].trim().is_empty()
                    || !matches!(
                        arg[close + 1..].trim_start().as_bytes().first(),
                        Some(b'.' | b'=')
                    )
                {
                    return Err(Box::new(
                        Diagnostic::error("a quoted segment must be a whole segment of the path")
                            .at(at..close + 1)
                            .hint("quote an id that holds dots: sources.\"a.b\".reliability=0.3"),
                    ));
                }
                segments.push((arg[open..close].to_string(), open..close));
                at = close + 1 + (arg[close + 1..].len() - arg[close + 1..].trim_start().len());
                if bytes[at] == b'=' {
                    return Ok((segments, at));
                }
                at += 1;
                start = at;
            }
            b'.' | b'=' => {
                let part = &arg[start..at];
                segments.push((part.trim().to_string(), start..at));
                if bytes[at] == b'=' {
                    return Ok((segments, at));
                }
                at += 1;
                start = at;
            }
            _ => at += 1,
        }
    }
    Err(Box::new(
        Diagnostic::error("expected PATH=VALUE")
            .at(0..arg.len())
            .hint("for example --set sources.wsj.reliability=0.3"),
    ))
}

/// Move the spans of a value parsed on its own to where it sits in the argument.
fn shift_spans<'i>(value: toml::Spanned<DeValue<'i>>, by: usize) -> toml::Spanned<DeValue<'i>> {
    let span = value.span();
    let inner = value.into_inner();
    let inner = match inner {
        DeValue::Array(items) => {
            DeValue::Array(items.into_iter().map(|v| shift_spans(v, by)).collect())
        }
        DeValue::Table(t) => {
            let mut out = toml::de::DeTable::new();
            for (k, v) in t {
                let ks = k.span();
                out.insert(
                    toml::Spanned::new(ks.start + by..ks.end + by, k.into_inner()),
                    shift_spans(v, by),
                );
            }
            DeValue::Table(out)
        }
        other => other,
    };
    toml::Spanned::new(span.start + by..span.end + by, inner)
}

/// Apply overrides to a copy of the model. Priors are rescaled in proportion;
/// dependency strengths update every link the dependency created.
pub fn apply(model: &Model, overrides: &[Override]) -> Model {
    let mut m = model.clone();
    apply_in_place(&mut m, overrides);
    m
}

/// As [`apply`], changing `m` itself (a what-if on a large model need not
/// copy it).
pub fn apply_in_place(m: &mut Model, overrides: &[Override]) {
    for o in overrides {
        match o {
            Override::SourceReliability(s, r) => m.sources[s.0].reliability = r.clone(),
            Override::SourceBias(s, b) => m.sources[s.0].bias = Some(b.clone()),
            Override::ItemEnabled(i, b) => m.items[i.0].enabled = *b,
            Override::Likelihood(i, h, e) => m.items[i.0].likelihood[h.0] = e.clone(),
            Override::Prior(h, p) => m.set_prior(*h, *p),
            Override::ReportStrength(i, r, s) => {
                if let Some(link) = &mut m.items[i.0].reports[r.0].via {
                    link.strength = *s;
                }
            }
            Override::ReportObserved(i, r, b) => m.items[i.0].reports[r.0].observed = *b,
            Override::ReportReliability(i, r, x) => {
                m.items[i.0].reports[r.0].reliability = Some(x.clone())
            }
            Override::ReportBias(i, r, b) => m.items[i.0].reports[r.0].bias = Some(b.clone()),
            Override::DependencyStrength(d, s) => {
                m.dependencies[d.0].strength = *s;
                for item in &mut m.items {
                    for report in &mut item.reports {
                        if let Some(link) = &mut report.via
                            && link.dependency == Some(*d)
                        {
                            link.strength = *s;
                        }
                    }
                }
            }
        }
    }
}
