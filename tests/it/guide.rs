//! The documentation's examples, run: every command shown in docs/GUIDE.md
//! against the output shown under it, the model files the guide builds
//! against its TOML snippets, and docs/FORMAT.md's opening model.
//!
//! GUIDE.md is the source of truth for its model: each ```toml block adds to
//! the model, and the first command that names a file in docs/guide/ must find
//! there every block so far (joined by blank lines). The expected outputs rot
//! whenever a report changes on purpose; regenerate them (and the step files)
//! with `UPDATE_GUIDE=1 cargo test --release --test it guide`, then read the
//! diff of docs/GUIDE.md.

use std::collections::BTreeSet;
use std::path::PathBuf;

use credence::analysis;
use credence::diag::Diagnostic;
use credence::model::{self, Model, Probability};

use crate::cli::credence;

const GUIDE: &str = "docs/GUIDE.md";
const FORMAT: &str = "docs/FORMAT.md";
/// Where the guide's model files live, as the commands name them.
const GUIDE_MODELS: &str = "docs/guide/";
const PROMPT: &str = "$ credence ";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = repo().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fenced code block of a Markdown file: its info string, its body, and
/// the line range of the body (0-based, end exclusive) in the file.
struct Fence {
    info: String,
    body: Vec<String>,
    lines: std::ops::Range<usize>,
}

/// Every fenced block (```), in order. An unclosed fence is a broken page.
fn fences(text: &str) -> Vec<Fence> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let Some(info) = lines[at].strip_prefix("```") else {
            at += 1;
            continue;
        };
        let start = at + 1;
        let end = (start..lines.len())
            .find(|&l| lines[l].trim_end() == "```")
            .unwrap_or_else(|| panic!("unclosed ``` fence at line {}", at + 1));
        out.push(Fence {
            info: info.trim().to_string(),
            body: lines[start..end].iter().map(|l| l.to_string()).collect(),
            lines: start..end,
        });
        at = end + 1;
    }
    out
}

/// One `$ credence ...` line of a console block and the output shown under it.
struct Shown {
    args: Vec<String>,
    output: Vec<String>,
}

fn commands(fence: &Fence) -> Vec<Shown> {
    let mut out: Vec<Shown> = Vec::new();
    for line in &fence.body {
        if let Some(rest) = line.strip_prefix(PROMPT) {
            assert!(
                !rest.contains(['"', '\'', '\\', '|', '>', '<', '*', '$']),
                "{GUIDE}: keep commands free of shell syntax (quotes, pipes, globs): {line}"
            );
            out.push(Shown {
                args: rest.split_whitespace().map(str::to_string).collect(),
                output: Vec::new(),
            });
        } else {
            match out.last_mut() {
                Some(shown) => shown.output.push(line.clone()),
                None => panic!("{GUIDE}: a console block starts with `{line}`, not `{PROMPT}...`"),
            }
        }
    }
    out
}

/// What the terminal shows: standard output, then standard error (diagnostics),
/// with trailing spaces and trailing blank lines dropped (Markdown editors
/// strip them).
fn run(args: &[String]) -> Vec<String> {
    let output = credence()
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run credence");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    normalise(text.lines().map(str::to_string).collect())
}

fn normalise(lines: Vec<String>) -> Vec<String> {
    let mut lines: Vec<String> = lines
        .into_iter()
        .map(|l| l.trim_end().to_string())
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// The model so far: every ```toml block of the guide up to here.
fn model_text(blocks: &[&Fence]) -> String {
    blocks
        .iter()
        .map(|b| b.body.iter().map(|l| format!("{l}\n")).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn guide_commands_print_what_the_guide_shows() {
    let update = std::env::var_os("UPDATE_GUIDE").is_some();
    let text = read(GUIDE);
    let fences = fences(&text);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Replacements of console bodies, applied from the bottom up in update mode.
    let mut replaced: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    let mut blocks: Vec<&Fence> = Vec::new();
    let mut seen_files: BTreeSet<String> = BTreeSet::new();
    let mut failures: Vec<String> = Vec::new();
    let mut ran = 0;
    for fence in &fences {
        if fence.info == "toml" {
            blocks.push(fence);
            continue;
        }
        if fence.info != "console" {
            continue;
        }
        let mut body = Vec::new();
        for shown in commands(fence) {
            for file in shown.args.iter().filter(|a| a.starts_with(GUIDE_MODELS)) {
                if !seen_files.insert(file.clone()) {
                    continue;
                }
                let expected = model_text(&blocks);
                let path = repo().join(file);
                if update {
                    std::fs::write(&path, &expected)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                } else {
                    let on_disk = std::fs::read_to_string(&path)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    if on_disk != expected {
                        failures.push(format!(
                            "{file} is not the guide's TOML blocks so far ({} of them); regenerate with UPDATE_GUIDE=1",
                            blocks.len()
                        ));
                    }
                }
            }
            let actual = run(&shown.args);
            ran += 1;
            let expected = normalise(shown.output.clone());
            if actual != expected {
                failures.push(first_difference(&shown.args, &expected, &actual));
            }
            body.push(format!("{PROMPT}{}", shown.args.join(" ")));
            body.extend(actual);
        }
        replaced.push((fence.lines.clone(), body));
    }
    assert!(ran >= 8, "{GUIDE} shows only {ran} commands");
    if update {
        for (range, body) in replaced.into_iter().rev() {
            lines.splice(range, body);
        }
        let mut new_text = lines.join("\n");
        new_text.push('\n');
        std::fs::write(repo().join(GUIDE), new_text).expect("write the guide");
        return;
    }
    assert!(
        failures.is_empty(),
        "{} difference(s) between {GUIDE} and what credence prints (regenerate with \
         `UPDATE_GUIDE=1 cargo test --release --test it guide` and read the diff):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The command and its first differing line, with a few lines of context.
fn first_difference(args: &[String], expected: &[String], actual: &[String]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    let show = |lines: &[String]| {
        lines
            .iter()
            .skip(at.saturating_sub(2))
            .take(5)
            .map(|l| format!("    |{l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "{PROMPT}{}\n  output differs at line {} (shown: {} lines, printed: {})\n  shown:\n{}\n  printed:\n{}",
        args.join(" "),
        at + 1,
        expected.len(),
        actual.len(),
        show(expected),
        show(actual)
    )
}

/// The model `text` checks to, with no seed records; a panic naming `what`
/// and the errors when it is invalid.
fn valid_model(what: &str, text: &str) -> (Model, Vec<Diagnostic>) {
    let checked = model::check_text("example.toml", text, model::no_documents);
    match checked.model {
        Some(model) => (model, checked.diagnostics),
        None => panic!("{what} is invalid: {:?}", checked.diagnostics),
    }
}

/// The bodies of a page's ```toml blocks.
fn toml_blocks(page: &str) -> Vec<String> {
    fences(page)
        .into_iter()
        .filter(|f| f.info == "toml")
        .map(|f| f.body.join("\n"))
        .collect()
}

/// FORMAT.md opens with a complete model: it must be valid, and give the
/// posterior its worked arithmetic derives.
#[test]
fn format_opening_model_is_valid_and_gives_its_worked_posterior() {
    let text = read(FORMAT);
    let blocks = toml_blocks(&text);
    let first = blocks.first().expect("FORMAT.md has a ```toml block");
    let (model, diagnostics) = valid_model("FORMAT.md's first model", first);
    assert!(
        diagnostics.is_empty(),
        "FORMAT.md's first model draws diagnostics: {diagnostics:?}"
    );
    let analysis = analysis::analyse(&model).expect("inference");
    let taken = model.hypothesis("taken_from_door").expect("hypothesis");
    let posterior = analysis.hypotheses[taken.0].posterior;
    // 0.876 / (0.26 + 0.876), as the page works it out.
    assert!((posterior - 0.876 / 1.136).abs() < 1e-12, "{posterior}");
    assert!(text.contains(&format!("{posterior:.4}")));
}

/// FORMAT.md's scenario example is written for the guide's model: appended
/// to it, it must be valid (every path form resolves).
#[test]
fn format_scenario_example_fits_the_guide_model() {
    let scenarios = toml_blocks(&read(FORMAT))
        .into_iter()
        .find(|b| b.lines().any(|l| l.trim() == "[[scenarios]]"))
        .expect("FORMAT.md has a scenario example");
    let guide_model = read("docs/guide/outage.toml");
    let text = format!("{guide_model}\n{scenarios}\n");
    let (model, _) = valid_model("docs/guide/outage.toml with FORMAT.md's scenarios", &text);
    let written = model.scenarios.len();
    let guide_only = valid_model("docs/guide/outage.toml", &guide_model)
        .0
        .scenarios
        .len();
    assert_eq!(written, guide_only + 2);
    // Each override path form appears in the example.
    let paths: Vec<&str> = model
        .scenarios
        .iter()
        .skip(guide_only)
        .flat_map(|s| s.overrides.iter().map(|(p, _)| p.as_str()))
        .collect();
    for form in [
        "sources.provider.bias",
        "sources.oncall.reliability",
        "hypotheses.db_failover.prior",
        "evidence.pool_exhausted.enabled",
        "evidence.rollback_restored.likelihood.db_failover",
        "evidence.database_event.reports.tracker.strength",
        "evidence.database_event.reports.tracker.reliability",
        "evidence.database_event.reports.tracker.observed",
    ] {
        assert!(paths.contains(&form), "{form} missing from {paths:?}");
    }
}

/// The rows of the Markdown table under the heading that starts with
/// `heading`, whose first cell is a quoted word: the cells, trimmed, with the
/// word's backticks and quotes dropped.
fn word_table(page: &str, heading: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut inside = false;
    for line in page.lines() {
        if line.starts_with('#') {
            inside = line.starts_with(heading);
            continue;
        }
        if inside && line.starts_with("| `\"") {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').trim_matches('"').to_string())
                .collect();
            rows.push(cells);
        }
    }
    assert!(!rows.is_empty(), "no word table under `{heading}`");
    rows
}

fn number(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("`{cell}` is not a number"))
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// FORMAT.md's ICD 203, ACH and Admiralty tables are the default scales,
/// entry for entry.
#[test]
fn format_word_tables_are_the_default_scales() {
    let page = read(FORMAT);
    let scales = model::Scales::default();

    let icd = word_table(&page, "### ICD 203");
    assert_eq!(icd.len(), scales.icd203.len());
    for (row, (term, band)) in icd.iter().zip(&scales.icd203) {
        let (low, high) = row[1].split_once('-').expect("a band low-high");
        assert_eq!(&row[0], term);
        assert!(same(number(low), band.low().get()), "{row:?}");
        assert!(same(number(high), band.high().get()), "{row:?}");
        assert!(same(number(&row[2]), band.midpoint().get()), "{row:?}");
    }

    let ach = word_table(&page, "### ACH");
    assert_eq!(ach.len(), scales.ach.len());
    for (row, (rating, value)) in ach.iter().zip(&scales.ach) {
        assert_eq!(&row[0], rating);
        assert!(same(number(&row[2]), value.get()), "{row:?}");
    }

    let admiralty = word_table(&page, "### Admiralty");
    assert_eq!(admiralty.len(), scales.admiralty.len());
    for (row, (letter, estimate)) in admiralty.iter().zip(&scales.admiralty) {
        assert_eq!(&row[0], letter);
        match estimate.range.filter(|r| r.width() > 0.0) {
            Some(range) => assert_eq!(
                row[2],
                format!("the interval [{}, {}]", range.low(), range.high())
            ),
            None => {
                let (hit, false_alarm) = model::hit_false_alarm(estimate.point, Probability::HALF);
                assert!(same(number(&row[2]), estimate.point.get()), "{row:?}");
                assert!(same(number(&row[3]), hit.get()), "{row:?}");
                assert!(same(number(&row[4]), false_alarm.get()), "{row:?}");
            }
        }
    }
}
