//! Impossible evidence and over-budget inference, named at their lines.
//!
//! Every file in `tests/impossible/` is a valid model that inference
//! refuses (or that a scenario makes impossible). Its header says what
//! `credence check --format json` must find:
//!
//! ```toml
//! # kind: impossible            (or too-large)
//! # severity: error             (warning: only a scenario fails; check exits 0)
//! # message: items `a` and `b` cannot both hold
//! # labels: a@30:1, b@44:1      (exactly these ids are labelled, at these places)
//! # at: 29:1                    (optional: where the diagnostic points)
//! # also: whatif --all          (optional: another command whose stderr says it;
//! #                              after ` | `, the fragment to find instead)
//! ```
//!
//! Exactly one diagnostic of that kind and severity; its message holds the
//! fragment; the ids its labels (primary and related) start with are
//! exactly those listed, each at its line and column (report labels,
//! `report \`x\` ...`, are extra and not counted). `check` in text exits as
//! the JSON does and prints the message; an error also stops `report`
//! (exit 1, the message on stderr).
//!
//! Beside the files, a property: on random small models with certain
//! reports and likelihoods of 0, the set named is impossible, leaving any
//! one of its items out makes the rest possible, and when it is said to
//! be the smallest no smaller set of items is impossible.

use std::collections::BTreeSet;
use std::path::Path;

use credence::analysis::impossible::{self, Finding};
use credence::model::{ItemId, Model, Override, overrides};
use credence::network::{Incremental, InferError};
use proptest::prelude::*;

use crate::cli::credence;

const DIR: &str = "tests/impossible";

#[derive(Debug, Default)]
struct Expect {
    kind: String,
    severity: String,
    message: String,
    labels: BTreeSet<(String, usize, usize)>,
    at: Option<(usize, usize)>,
    also: Vec<(String, Option<String>)>,
}

fn place(text: &str) -> Result<(usize, usize), String> {
    let (line, column) = text
        .trim()
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not LINE:COLUMN"))?;
    let parse = |v: &str| v.parse::<usize>().map_err(|e| format!("`{v}`: {e}"));
    Ok((parse(line)?, parse(column)?))
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    let mut e = Expect::default();
    for line in text.lines() {
        let Some(comment) = line.strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = comment.trim().split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key {
            "kind" => e.kind = value.to_string(),
            "severity" => e.severity = value.to_string(),
            "message" => e.message = value.to_string(),
            "at" => e.at = Some(place(value)?),
            "labels" => {
                for label in value.split(',') {
                    let (id, at) = label
                        .trim()
                        .split_once('@')
                        .ok_or_else(|| format!("label `{label}` is not ID@LINE:COLUMN"))?;
                    let (line, column) = place(at)?;
                    e.labels.insert((id.to_string(), line, column));
                }
            }
            "also" => {
                let (command, says) = match value.split_once(" | ") {
                    Some((c, s)) => (c, Some(s.to_string())),
                    None => (value, None),
                };
                e.also.push((command.to_string(), says));
            }
            _ => {}
        }
    }
    if e.kind.is_empty() || e.severity.is_empty() || e.message.is_empty() || e.labels.is_empty() {
        return Err("the header needs kind, severity, message and labels".to_string());
    }
    Ok(e)
}

/// The phrase every diagnostic of a kind carries.
fn phrase(kind: &str) -> &'static str {
    match kind {
        "too-large" => "exact inference would need a table",
        _ => "the evidence is impossible",
    }
}

/// The id a label starts with (`` `id`: ... `` or `` `id` ties ... ``).
fn label_id(text: &str) -> Option<String> {
    let rest = text.strip_prefix('`')?;
    rest.split_once('`').map(|(id, _)| id.to_string())
}

/// Every mismatch between a case and what credence prints for it.
fn problems(root: &Path, shown: &str, expect: &Expect) -> Vec<String> {
    let mut problems = Vec::new();
    let json = credence()
        .current_dir(root)
        .args(["check", "--format", "json", shown])
        .output()
        .expect("run check --format json");
    let want_exit = if expect.severity == "error" { 1 } else { 0 };
    if json.status.code() != Some(want_exit) {
        problems.push(format!(
            "check --format json: exit {:?}, expected {want_exit}",
            json.status.code()
        ));
    }
    let v: serde_json::Value = match serde_json::from_slice(&json.stdout) {
        Ok(v) => v,
        Err(e) => return vec![format!("check --format json: not JSON: {e}")],
    };
    let found: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .map(|a| a.iter().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|d| {
            d["severity"] == expect.severity.as_str()
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(phrase(&expect.kind)))
        })
        .collect();
    let [d] = found.as_slice() else {
        problems.push(format!(
            "{} {} diagnostics of kind {}, expected one: {v}",
            found.len(),
            expect.severity,
            expect.kind
        ));
        return problems;
    };
    let message = d["message"].as_str().unwrap_or_default();
    if !message.contains(&expect.message) {
        problems.push(format!("message `{message}` lacks `{}`", expect.message));
    }
    let at = |p: &serde_json::Value| -> (usize, usize) {
        (
            p["line"].as_u64().unwrap_or(0) as usize,
            p["column"].as_u64().unwrap_or(0) as usize,
        )
    };
    if let Some(want) = expect.at
        && at(d) != want
    {
        problems.push(format!("points at {:?}, expected {want:?}", at(d)));
    }
    let mut labels = BTreeSet::new();
    if let Some(id) = d["label"].as_str().and_then(label_id) {
        let (line, column) = at(d);
        labels.insert((id, line, column));
    }
    for r in d["related"].as_array().into_iter().flatten() {
        if let Some(id) = r["text"].as_str().and_then(label_id) {
            let (line, column) = at(r);
            labels.insert((id, line, column));
        }
    }
    if labels != expect.labels {
        problems.push(format!("labelled {labels:?}, expected {:?}", expect.labels));
    }
    // The text form: the same exit and the same message.
    let text = credence()
        .current_dir(root)
        .args(["check", shown])
        .output()
        .expect("run check");
    let stderr = String::from_utf8_lossy(&text.stderr);
    if text.status.code() != json.status.code() {
        problems.push(format!(
            "check: exit {:?}, check --format json {:?}",
            text.status.code(),
            json.status.code()
        ));
    }
    if !stderr.contains(&expect.message) {
        problems.push(format!("check's stderr lacks the message:\n{stderr}"));
    }
    let mut also = expect.also.clone();
    if expect.severity == "error" {
        also.push(("report".to_string(), None));
    }
    for (command, says) in &also {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.insert(1, shown);
        let out = credence()
            .current_dir(root)
            .args(&args)
            .output()
            .expect("run credence");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let says = says.as_deref().unwrap_or(&expect.message);
        if out.status.code() != Some(want_exit) {
            problems.push(format!(
                "{command}: exit {:?}, expected {want_exit}",
                out.status.code()
            ));
        }
        if !stderr.contains(says) || stderr.contains("panicked") {
            problems.push(format!("{command}: stderr lacks `{says}`:\n{stderr}"));
        }
    }
    problems
}

#[test]
fn every_case_names_its_items_at_their_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join(DIR))
        .expect("read tests/impossible")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "only {} cases", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let shown = format!("{DIR}/{name}");
        let text = std::fs::read_to_string(file).expect("read case");
        match parse_expect(&text) {
            Ok(expect) => {
                let found = problems(root, &shown, &expect);
                if !found.is_empty() {
                    failures.push(format!("{name}:\n  - {}", found.join("\n  - ")));
                }
            }
            Err(e) => failures.push(format!("{name}: bad header: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The whatif view's JSON names the items a scenario makes impossible.
#[test]
fn whatif_json_names_the_items_of_an_impossible_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = credence()
        .current_dir(root)
        .args([
            "whatif",
            "--format",
            "json",
            &format!("{DIR}/only_under_scenario.toml"),
        ])
        .output()
        .expect("run whatif");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let s = &v["scenarios"][0];
    let ids: Vec<&str> = s["impossible_items"]
        .as_array()
        .expect("impossible_items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, ["only_a", "only_b"], "{s}");
    assert_eq!(s["impossible_items"][0]["possible_under"][0], "a");
    assert!(
        s["error"]
            .as_str()
            .is_some_and(|e| e.contains("`only_a` and `only_b` cannot both hold")),
        "{s}"
    );
}

/// A random small model: three or four hypotheses, a perfectly reliable
/// source and a noisy one (an interval: a latent reliability), items whose
/// likelihoods are often 0 or 1, most reported by the reliable source.
fn small_model(hypotheses: usize, items: &[(Vec<u8>, u8, bool)]) -> String {
    let mut t = "[model]\ntitle = \"t\"\n".to_string();
    for h in 0..hypotheses {
        t.push_str(&format!("[[hypotheses]]\nid = \"h{h}\"\ntitle = \"h\"\n"));
    }
    t.push_str("[[sources]]\nid = \"sure\"\ntitle = \"s\"\nreliability = 1.0\n");
    t.push_str("[[sources]]\nid = \"noisy\"\ntitle = \"n\"\nreliability = [0.2, 0.8]\n");
    for (i, (levels, sure, asserts)) in items.iter().enumerate() {
        let likelihood: Vec<String> = (0..hypotheses)
            .map(|h| {
                let value = match levels[h % levels.len()] % 6 {
                    0..=2 => "0",
                    3 => "1",
                    4 => "0.3",
                    _ => "0.7",
                };
                format!("h{h} = {value}")
            })
            .collect();
        let source = if *sure < 200 { "sure" } else { "noisy" };
        t.push_str(&format!(
            "[[evidence]]\nid = \"e{i}\"\nclaim = \"c\"\nlikelihood = {{ {} }}\nreports = [{{ source = \"{source}\", asserts = {asserts} }}]\n",
            likelihood.join(", ")
        ));
    }
    t
}

/// Whether the model with only `items` enabled has impossible evidence.
fn impossible_with(model: &Model, items: &[ItemId]) -> bool {
    let keep: Vec<Override> = (0..model.items.len())
        .map(|i| Override::ItemEnabled(ItemId(i), items.contains(&ItemId(i))))
        .collect();
    let only = overrides::apply(model, &keep);
    matches!(
        Incremental::new(&only).and_then(|e| e.hypotheses()),
        Err(InferError::ImpossibleEvidence)
    )
}

/// Every subset of `items` of exactly `size` elements.
fn subsets(items: &[ItemId], size: usize) -> Vec<Vec<ItemId>> {
    if size == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for (k, &first) in items.iter().enumerate() {
        for mut rest in subsets(&items[k + 1..], size - 1) {
            rest.insert(0, first);
            out.push(rest);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_set_named_is_impossible_and_irreducible(
        hypotheses in 3usize..5,
        items in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 4), any::<u8>(), any::<bool>()),
            2..9,
        ),
    ) {
        let text = small_model(hypotheses, &items);
        let checked = credence::model::check_text("t.toml", &text, credence::model::no_documents);
        let Some(model) = checked.model else {
            // An item impossible under every hypothesis by its likelihoods
            // alone is a validation error, not this suite's.
            return Ok(());
        };
        let engine = Incremental::new(&model).expect("small model");
        let finding = impossible::find(&engine);
        let impossible = matches!(engine.hypotheses(), Err(InferError::ImpossibleEvidence));
        prop_assert_eq!(impossible, finding != Finding::Possible, "{:?}", finding);
        match &finding {
            Finding::Possible => {}
            Finding::Alone(culprits) => {
                for c in culprits {
                    prop_assert!(impossible_with(&model, &[c.item]), "{}", text);
                }
            }
            Finding::Together { culprits, smallest } => {
                let set: Vec<ItemId> = culprits.iter().map(|c| c.item).collect();
                prop_assert!(impossible_with(&model, &set), "{}", text);
                for k in 0..set.len() {
                    let mut rest = set.clone();
                    rest.remove(k);
                    prop_assert!(!impossible_with(&model, &rest), "{:?} reducible\n{}", set, text);
                }
                if *smallest {
                    let all: Vec<ItemId> = (0..model.items.len()).map(ItemId).collect();
                    for size in 1..set.len() {
                        for sub in subsets(&all, size) {
                            prop_assert!(!impossible_with(&model, &sub), "{:?} is smaller than {:?}\n{}", sub, set, text);
                        }
                    }
                }
            }
            Finding::Unnarrowed { .. } => prop_assert!(false, "a small model is within the budget"),
        }
    }
}

/// Many uncertain sources on the items that rule hypotheses out make the
/// joint space too large for the cover's bitsets (3 hypotheses x 5^12
/// levels): the narrowing down then runs QuickXplain, one elimination per
/// test, and still names exactly the two items that contradict.
#[test]
fn many_uncertain_sources_still_name_the_pair() {
    let mut t = "[model]\ntitle = \"t\"\n".to_string();
    for h in ["a", "b", "c"] {
        t.push_str(&format!("[[hypotheses]]\nid = \"{h}\"\ntitle = \"{h}\"\n"));
    }
    t.push_str("[[sources]]\nid = \"sure\"\ntitle = \"s\"\nreliability = 1.0\n");
    for k in 0..12 {
        t.push_str(&format!(
            "[[sources]]\nid = \"u{k}\"\ntitle = \"u\"\nreliability = [0.3, 0.9]\n"
        ));
    }
    for k in 0..12 {
        // Every item rules out `c`; item 3 allows only `a`, item 8 only `b`.
        let likelihood = match k {
            3 => "a = 0.6, b = 0, c = 0",
            8 => "a = 0, b = 0.6, c = 0",
            _ => "a = 0.6, b = 0.5, c = 0",
        };
        t.push_str(&format!(
            "[[evidence]]\nid = \"e{k}\"\nclaim = \"c\"\nlikelihood = {{ {likelihood} }}\nreports = [{{ source = \"u{k}\" }}, {{ source = \"sure\" }}]\n"
        ));
    }
    let model = credence::model::check_text("t.toml", &t, credence::model::no_documents)
        .model
        .expect("valid");
    let engine = Incremental::new(&model).expect("compiles");
    assert!(matches!(
        engine.hypotheses(),
        Err(InferError::ImpossibleEvidence)
    ));
    let Finding::Together { culprits, .. } = impossible::find(&engine) else {
        panic!("expected a set of items");
    };
    let ids: Vec<&str> = culprits
        .iter()
        .map(|c| model.items[c.item.0].id.as_str())
        .collect();
    assert_eq!(ids, ["e3", "e8"]);
}

/// The workbench shows a file whose evidence is impossible with the same
/// diagnostic as `check`: the items, at the first one's line, drawn.
#[test]
fn the_workbench_names_the_items_too() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(DIR).join("pair_amid_harmless.toml");
    let bench = credence::serve::Workbench::open(&path, &root.join("seeds")).expect("opens");
    let state = bench.state();
    let d = &state.diagnostics.expect("invalid").diagnostics[0];
    assert!(
        d.message
            .contains("items `order_given` and `no_contact` cannot both hold"),
        "{}",
        d.message
    );
    assert_eq!(d.line, Some(154));
    assert!(
        d.rendered.contains("possible only under `support_only`"),
        "{}",
        d.rendered
    );
}

/// A diagnostic relating 100,000 places (a lint about one origin behind
/// every item) draws the first few and counts the rest: codespan's layout
/// of every label took a minute on a 100,000-item `check`.
#[test]
fn a_diagnostic_with_many_related_places_draws_a_few() {
    use credence::diag::{Diagnostic, MAX_RELATED_RENDERED, SourceFile, render};
    let text: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
    let file = SourceFile::new("many.toml", text);
    let mut d = Diagnostic::error("one origin").at(0..4).label("here");
    for i in 1..100_000 {
        let at = i * 7;
        d = d.related(at..at + 4, "and here");
    }
    let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    let started = std::time::Instant::now();
    render(&mut out, &file, &[d]).expect("renders");
    let shown = String::from_utf8(out.into_inner()).expect("UTF-8");
    assert!(
        shown.contains(&format!(
            "{} more places not drawn",
            99_999 - MAX_RELATED_RENDERED
        )),
        "{shown}"
    );
    assert_eq!(shown.matches("and here").count(), MAX_RELATED_RENDERED);
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}
