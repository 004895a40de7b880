//! Parsing a model in pieces (each `[[evidence]]` block alone, as large files
//! are read) gives exactly what parsing the whole file gives: the same model,
//! spans included, and the same diagnostics in the same order, with the same
//! line:column. Checked on every model in the repository, every bad model,
//! generated models, every line-boundary prefix of the small ones (which cuts
//! strings, arrays and tables open) and hand-written awkward layouts.

use crate::generate;

use std::path::Path;

use credence::diag::{SourceFile, render_plain};
use credence::model::{Checked, Parsing, check_text_as, no_documents};

/// Checks `text` both ways; the chunked way may decline (then `check_text`
/// parses whole, so there is nothing to compare). Returns whether it was
/// compared.
fn same_both_ways(name: &str, text: &str) -> bool {
    let whole = check_text_as(name, text, no_documents, Parsing::Whole)
        .expect("whole-file parsing never declines");
    let Some(chunked) = check_text_as(name, text, no_documents, Parsing::Chunked) else {
        return false;
    };
    assert_same(name, text, &whole, &chunked);
    true
}

fn assert_same(name: &str, text: &str, whole: &Checked, chunked: &Checked) {
    assert_eq!(
        whole.diagnostics, chunked.diagnostics,
        "{name}: diagnostics differ"
    );
    assert_eq!(
        format!("{:?}", whole.model),
        format!("{:?}", chunked.model),
        "{name}: models differ"
    );
    // The rendering (file:line:column and the quoted line) follows from the
    // spans, but it is what users read: compare it too.
    let file = SourceFile::new(name, text);
    assert_eq!(
        render_plain(&file, &whole.diagnostics),
        render_plain(&file, &chunked.diagnostics)
    );
}

fn toml_files(dir: &str) -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Option<String> {
    // Some bad models are not UTF-8 on purpose: those never reach parsing.
    String::from_utf8(std::fs::read(path).expect("readable")).ok()
}

#[test]
fn repository_models_parse_the_same_in_pieces() {
    let mut compared = 0;
    for path in toml_files("models") {
        let text = read(&path).expect("models are UTF-8");
        let name = path.display().to_string();
        assert!(
            same_both_ways(&name, &text),
            "{name}: the chunked parse declined a plain model"
        );
        compared += 1;
    }
    assert!(compared >= 5);
}

#[test]
fn bad_models_parse_the_same_in_pieces() {
    let mut compared = 0;
    let mut total = 0;
    for path in toml_files("tests/bad_models") {
        let Some(text) = read(&path) else { continue };
        total += 1;
        if same_both_ways(&path.display().to_string(), &text) {
            compared += 1;
        }
    }
    // Most bad models have ordinary layouts and must really be compared;
    // those with syntax errors are declined (and parsed whole).
    assert!(compared * 2 > total, "only {compared} of {total} compared");
}

#[test]
fn known_answer_cases_parse_the_same_in_pieces() {
    for path in toml_files("tests/cases") {
        let text = read(&path).expect("UTF-8");
        same_both_ways(&path.display().to_string(), &text);
    }
}

/// Every prefix ending at a line boundary: cuts multi-line strings, arrays
/// and tables open, and leaves half-written headers.
#[test]
fn every_prefix_parses_the_same_in_pieces() {
    let mut files = toml_files("models");
    files.extend(toml_files("tests/bad_models"));
    for path in files {
        let Some(text) = read(&path) else { continue };
        if text.len() > 40_000 {
            continue;
        }
        let name = path.display().to_string();
        for (end, _) in text.match_indices('\n') {
            same_both_ways(&name, &text[..end + 1]);
            // And the same prefix missing its last newline.
            same_both_ways(&name, &text[..end]);
        }
    }
}

fn generated(shape: generate::Shape) -> String {
    generate::generate(shape)
}

#[test]
fn generated_models_parse_the_same_in_pieces() {
    let shapes = [
        generate::Shape {
            items: 300,
            ..Default::default()
        },
        generate::Shape {
            items: 300,
            hypotheses: 5,
            reports: 3,
            depth: 3,
            partial: 0.3,
            seed: 7,
            ..Default::default()
        },
        generate::Shape {
            items: 200,
            reports: 4,
            depth: 4,
            interval_sources: 3,
            seed: 3,
            ..Default::default()
        },
    ];
    for shape in shapes {
        let text = generated(shape);
        assert!(same_both_ways("generated.toml", &text));
        // With CRLF line ends.
        assert!(same_both_ways(
            "generated_crlf.toml",
            &text.replace('\n', "\r\n")
        ));
        // Evidence blocks followed by other tables: the rest is then parsed
        // with the blocks blanked.
        let mut tail = text.clone();
        tail.push_str(
            "\n[[scenarios]]\nid = \"sc\"\ntitle = \"S\"\nsources.s0.reliability = 0.5\n",
        );
        assert!(same_both_ways("generated_tail.toml", &tail));
        // Errors deep in the file, where each block's spans are its own: a
        // duplicate id pointing back into an earlier block, a misspelt key,
        // an unknown source, an out-of-range likelihood.
        let broken = text
            .replacen("id = \"e17\"", "id = \"e3\"", 1)
            .replacen("claim = \"Claim 19\"", "clam = \"Claim 19\"", 1)
            .replacen("source = \"s3\"", "source = \"s33\"", 1)
            .replacen("h1 = 0.", "h1 = 1.", 1);
        assert!(same_both_ways("generated_broken.toml", &broken));
        let checked = check_text_as("b.toml", &broken, no_documents, Parsing::Chunked)
            .expect("errors that are not TOML syntax are read in blocks");
        assert!(checked.diagnostics.len() >= 4, "{:?}", checked.diagnostics);
    }
}

#[test]
fn a_large_model_is_checked_in_pieces_with_the_same_result() {
    // Over the size where `check_text` parses in pieces on its own.
    let text = generated(generate::Shape {
        items: 3000,
        hypotheses: 4,
        reports: 2,
        depth: 2,
        partial: 0.5,
        ..Default::default()
    });
    assert!(text.len() > 256 * 1024);
    let auto = credence::model::check_text("big.toml", &text, no_documents);
    let whole = check_text_as("big.toml", &text, no_documents, Parsing::Whole).expect("whole");
    assert_same("big.toml", &text, &whole, &auto);
    assert!(auto.model.is_some());
}

const HEAD: &str = r#"
[model]
title = "Awkward layouts"

[[hypotheses]]
id = "a"
title = "A"

[[hypotheses]]
id = "b"
title = "B"

[[sources]]
id = "s"
title = "S"
reliability = 0.8

[[sources]]
id = "t"
title = "T"
reliability = [0.5, 0.9]
"#;

/// Layouts the splitter must follow exactly, or decline.
#[test]
fn awkward_layouts_parse_the_same_in_pieces() {
    let bodies: &[(&str, &str)] = &[
        (
            "multi-line strings holding headers",
            r#"
[[evidence]]
id = "e1"
claim = """
[[evidence]]
id = "fake"
"""
notes = '''
[model]
'''
likelihood = { a = 0.7, b = 0.2 }

[[evidence]]
id = "e2"
claim = "x"
rationale = """quotes at the end"""""
likelihood = { a = 0.4, b = 0.6 }
"#,
        ),
        (
            "sub-tables of an item",
            r#"
[[evidence]] # first
id = "e1"
claim = "x"
[evidence.likelihood]
a = 0.7
b = 0.2
[[evidence.reports]]
source = "s"
[[ evidence . reports ]]
source = "t"
via = "s"
strength = 0.5

[[evidence]]
id = "e2"
claim = "y"
likelihood.a = 0.3
likelihood.b = 0.6
reports = [
  { source = "s", observed = false },
  [ "not a table" ],
]
"#,
        ),
        (
            "evidence between other tables",
            r#"
[[evidence]]
id = "e1"
claim = "x"
likelihood = { a = 0.7, b = 0.2 }

[[dependencies]]
sources = ["s", "t"]

[[evidence]]
id = "e1"
claim = "duplicate id"
likelihood = { a = 0.7, b = 0.2, c = 0.1 }
reports = [{ source = "s" }, { source = "t" }]

[[scenarios]]
id = "sc"
title = "Scenario"
evidence.e1.enabled = false
"#,
        ),
        (
            "duplicate keys inside a block",
            r#"
[[evidence]]
id = "e1"
id = "e2"
claim = "x"
likelihood = { a = 0.7, b = 0.2 }
"#,
        ),
        (
            "a syntax error in a block",
            r#"
[[evidence]]
id = "e1"
claim = "x
likelihood = { a = 0.7, b = 0.2 }

[[evidence]]
id = "e2"
"#,
        ),
        (
            "an evidence array written at the root too",
            r#"
[[evidence]]
id = "e1"
claim = "x"
likelihood = { a = 0.7, b = 0.2 }
"#,
        ),
        (
            "an [evidence] table",
            r#"
[evidence]
id = "e1"

[[evidence]]
id = "e2"
"#,
        ),
        (
            "headers quoted and spaced",
            r#"
[["evidence"]]
id = "e1"
claim = "x"
likelihood = { a = 0.7, b = 0.2 }

[ 'evidence'.reports ]
oops = 1

[[evidence]]
id = 'e3'
claim = "multi-line inline table"
likelihood = {
  a = 0.5,
  b = 0.25,
}
"#,
        ),
        (
            "bad values with spans to keep",
            r#"
[[evidence]]
id = "e1"
claim = 3
likelihood = { a = "very likeli", b = [0.9, 0.1] }
reports = [{ source = "nobody", via = "r9" }, { source = "s", strength = 2 }]
enabled = "yes"

[[evidence]]
id = "é"
claim = "ünïcödé before the error"
likelihood = { a = nan, b = inf }
reports = [{ id = "r", source = "s", via = "r" }]
"#,
        ),
    ];
    for (what, body) in bodies {
        let mut text = HEAD.to_string();
        if *what == "an evidence array written at the root too" {
            text = format!("evidence = []\n{text}");
        }
        text.push_str(body);
        let compared = same_both_ways(what, &text);
        let declined = matches!(
            *what,
            "a syntax error in a block"
                | "duplicate keys inside a block"
                | "an evidence array written at the root too"
                | "an [evidence] table"
        );
        assert_eq!(compared, !declined, "{what}");
        // The same with CRLF line ends and a byte-order mark.
        let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        assert_eq!(same_both_ways(what, &crlf), !declined, "{what} (CRLF)");
    }
}
