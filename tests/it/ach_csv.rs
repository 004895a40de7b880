//! `credence import ach` and `credence export --format ach-csv`: a realistic
//! 20 x 4 spreadsheet imports into a model `check` passes; Excel's CSV quirks
//! (byte-order mark, `;` and tab delimiters, quoted cells with delimiters,
//! line breaks and doubled quotes, CRLF, trailing empty columns and rows) read
//! to the same model; bad cells are reported at their line and column; the
//! round trips CSV -> TOML -> CSV and TOML -> CSV -> TOML keep every rating.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli::credence;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("credence-ach-csv-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Run credence with `stdin`; (exit code, stdout, stderr).
fn run(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let out = credence()
        .current_dir(root())
        .args(args)
        .write_stdin(stdin.to_vec())
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Import CSV bytes from standard input; the model TOML.
fn import(csv: &[u8]) -> String {
    let (code, out, err) = run(&["import", "ach", "-", "--title", "t"], csv);
    assert_eq!(code, 0, "import failed:\n{err}");
    out
}

/// The model's export as JSON.
fn export_json(toml: &str) -> Value {
    let (code, out, err) = run(&["export", "-", "--format", "json"], toml.as_bytes());
    assert_eq!(code, 0, "export failed:\n{err}");
    serde_json::from_str(&out).expect("json")
}

/// Read CSV text into rows of cells (the delimiter given).
fn cells(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("csv").iter().map(str::to_string).collect())
        .collect()
}

/// Per item (claim), the ratings as the model writes them, in hypothesis order.
fn model_ratings(export: &Value) -> Vec<(String, Vec<String>)> {
    export["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let ratings = item["likelihood"]
                .as_array()
                .expect("likelihood")
                .iter()
                .map(|l| l["label"].as_str().unwrap_or("?").to_string())
                .collect();
            (item["claim"].as_str().expect("claim").to_string(), ratings)
        })
        .collect()
}

fn merger_leak() -> PathBuf {
    root().join("tests/ach_csv/merger_leak.csv")
}

#[test]
fn realistic_matrix_imports_and_checks_clean() {
    let dir = scratch("realistic");
    let model = dir.join("merger_leak.toml");
    let (code, _, err) = run(&["import", "ach", s(&merger_leak()), "-o", s(&model)], b"");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("imported 20 evidence rows x 4 hypotheses (12 sources)"),
        "{err}"
    );
    let (code, out, err) = run(&["check", s(&model), "--format", "json"], b"");
    assert_eq!(code, 0, "{err}\n{out}");
    let check: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(check["valid"], true, "{out}");
    let diagnostics = check["diagnostics"].as_array().expect("diagnostics");
    let serious: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["severity"] != "note")
        .collect();
    assert!(serious.is_empty(), "errors or warnings: {serious:?}");
    let text = std::fs::read_to_string(&model).expect("model");
    // Commented, on the documented scale, every id valid and unique.
    assert!(
        text.starts_with("# Imported by `credence import ach`"),
        "{text}"
    );
    assert!(text.contains("id = \"competitors_espionage\""), "{text}");
    assert!(
        text.contains("reliability = \"B\"  # credibility High"),
        "{text}"
    );
    assert!(
        text.contains("asserts = false"),
        "the competitor denies: {text}"
    );
    let export = export_json(&text);
    assert_eq!(export["hypotheses"].as_array().map(Vec::len), Some(4));
    assert_eq!(export["items"].as_array().map(Vec::len), Some(20));
    // The report runs on it and leads with a hypothesis.
    let (code, out, err) = run(&["report", s(&model), "--format", "json"], b"");
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json");
    let total: f64 = report["hypotheses"]
        .as_array()
        .expect("hypotheses")
        .iter()
        .map(|h| h["posterior"].as_f64().expect("posterior"))
        .sum();
    assert!((total - 1.0).abs() < 1e-12, "{total}");
}

/// The base matrix the quirk cases write out: awkward cells included.
fn quirk_rows() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "Evidence",
            "State actor",
            "Insider",
            "Gang; or crew",
            "Source",
            "Credibility",
        ],
        vec![
            "Toolkit reuse, \"famous\" one",
            "CC",
            "N",
            "C",
            "NSA",
            "High",
        ],
        vec!["Two\nlines", "++", "0", "-", "", ""],
        vec![
            "Local build",
            "I",
            "n",
            "II",
            "Vendor; Press (denies)",
            "B; low",
        ],
        vec!["No ransom", "c", "C", "NA", "", ""],
    ]
}

/// How a spreadsheet program might write the rows.
struct Quirk {
    name: &'static str,
    bom: bool,
    delimiter: &'static str,
    line_end: &'static str,
    quote_all: bool,
    trailing_columns: usize,
    trailing_rows: usize,
}

fn render(rows: &[Vec<&str>], q: &Quirk) -> Vec<u8> {
    let mut out = String::new();
    if q.bom {
        out.push('\u{feff}');
    }
    for row in rows {
        let mut cells: Vec<String> = row
            .iter()
            .map(|c| {
                let needs =
                    q.quote_all || c.contains(q.delimiter) || c.contains('"') || c.contains('\n');
                if needs {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.to_string()
                }
            })
            .collect();
        cells.extend(std::iter::repeat_n(String::new(), q.trailing_columns));
        out.push_str(&cells.join(q.delimiter));
        out.push_str(q.line_end);
    }
    for _ in 0..q.trailing_rows {
        out.push_str(&q.delimiter.repeat(rows[0].len() - 1 + q.trailing_columns));
        out.push_str(q.line_end);
    }
    out.into_bytes()
}

#[test]
fn excel_quirks_read_to_the_same_model() {
    // (name, byte-order mark, delimiter, line end, quote every cell,
    // trailing empty columns, trailing empty rows)
    #[rustfmt::skip]
    let table: [(&str, bool, &str, &str, bool, usize, usize); 7] = [
        ("plain commas", false, ",", "\n", false, 0, 0),
        ("BOM", true, ",", "\n", false, 0, 0),
        ("semicolons (European Excel)", true, ";", "\r\n", false, 0, 0),
        ("tabs", false, "\t", "\n", false, 0, 0),
        ("CRLF", false, ",", "\r\n", false, 0, 0),
        ("every cell quoted", false, ",", "\r\n", true, 0, 0),
        ("trailing empty columns and rows", true, ";", "\r\n", false, 3, 2),
    ];
    let quirks = table.map(
        |(name, bom, delimiter, line_end, quote_all, trailing_columns, trailing_rows)| Quirk {
            name,
            bom,
            delimiter,
            line_end,
            quote_all,
            trailing_columns,
            trailing_rows,
        },
    );
    let rows = quirk_rows();
    let mut first: Option<Value> = None;
    for q in &quirks {
        let toml = import(&render(&rows, q));
        let export = export_json(&toml);
        let ratings = model_ratings(&export);
        assert_eq!(
            ratings,
            vec![
                (
                    "Toolkit reuse, \"famous\" one".to_string(),
                    vec!["CC".into(), "N".into(), "C".into()]
                ),
                (
                    "Two\nlines".to_string(),
                    vec!["CC".into(), "N".into(), "I".into()]
                ),
                (
                    "Local build".to_string(),
                    vec!["I".into(), "N".into(), "II".into()]
                ),
                (
                    "No ransom".to_string(),
                    vec!["C".into(), "C".into(), "NA".into()]
                ),
            ],
            "{}",
            q.name
        );
        let mut comparable = export.clone();
        comparable["model"]["title"] = Value::Null;
        match &first {
            None => first = Some(comparable),
            Some(f) => assert_eq!(f, &comparable, "{} reads differently", q.name),
        }
    }
    let export = first.expect("one case");
    let hypotheses: Vec<&str> = export["hypotheses"]
        .as_array()
        .expect("hypotheses")
        .iter()
        .map(|h| h["title"].as_str().expect("title"))
        .collect();
    assert_eq!(hypotheses, ["State actor", "Insider", "Gang; or crew"]);
    // Two sources in one cell, one denying, each with its credibility.
    let local = &export["items"][2]["reports"];
    assert_eq!(local[0]["source"], "vendor");
    assert_eq!(local[1]["source"], "press");
    assert_eq!(local[1]["asserts"], false);
}

#[test]
fn bad_cells_are_reported_at_line_and_column() {
    // (name, CSV, every expected `FILE:LINE:COLUMN`, a message part, a hint part)
    let cases: [(&str, &str, &[&str], &str, &str); 10] = [
        (
            "unknown rating",
            "Evidence,A,B\nx,CC,Q\n",
            &["<stdin>:2:6"],
            "`Q` is not an ACH rating (column C, hypothesis `B`)",
            "CC very consistent",
        ),
        (
            "empty rating",
            "Evidence,A,B\r\nx,CC,\r\n",
            &["<stdin>:2:6"],
            "this cell is empty (column C",
            "rate every cell",
        ),
        (
            "after a quoted line break",
            "Evidence;A;B\n\"two\nlines\";CC;I\ny;C;CCC\n",
            &["<stdin>:4:5"],
            "`CCC` is not an ACH rating",
            "NA not applicable",
        ),
        (
            "after a BOM",
            "\u{feff}Evidence,A,B\nx,C,X\n",
            &["<stdin>:2:5"],
            "`X` is not",
            "rate every cell",
        ),
        (
            "no evidence text",
            "Evidence,A,B\n,C,I\n",
            &["<stdin>:2:1"],
            "no evidence in the first column",
            "write the evidence",
        ),
        (
            "past the header",
            "Evidence,A,B\nx,C,I,,extra\n",
            &["<stdin>:2:8"],
            "`extra` is past the last column",
            "add a header",
        ),
        (
            "bad credibility",
            "Evidence,A,B,Source,Credibility\nx,C,I,NSA,Very high\n",
            &["<stdin>:2:11"],
            "`Very high` is not a credibility",
            "Admiralty letter",
        ),
        (
            "unclosed quote",
            "Evidence,A,B\nx,\"C,I\n",
            &["<stdin>:2:3"],
            "never closed",
            "`\"\"`",
        ),
        (
            "one hypothesis",
            "Evidence,A\nx,C\n",
            &["<stdin>:1:1"],
            "1 hypothesis column",
            "one column per hypothesis",
        ),
        (
            "duplicate header",
            "Evidence,A,a\nx,C,I\n",
            &["<stdin>:1:12"],
            "the header `a` is given twice",
            "first is at line 1, column 10",
        ),
    ];
    for (name, csv, places, message, hint) in cases {
        let (code, out, err) = run(&["import", "ach", "-"], csv.as_bytes());
        assert_eq!(code, 1, "{name}: exit code\n{err}");
        assert!(out.is_empty(), "{name}: nothing on stdout: {out}");
        for place in places {
            assert!(err.contains(place), "{name}: no {place} in\n{err}");
        }
        assert!(err.contains(message), "{name}: no `{message}` in\n{err}");
        assert!(err.contains(hint), "{name}: no hint `{hint}` in\n{err}");
    }
    // A column of notes read as a hypothesis: one error at its header.
    let (code, _, err) = run(
        &["import", "ach", "-"],
        b"Evidence,A,B,Notes\nx,C,I,seen twice\ny,C,N,from the log\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("<stdin>:1:14"), "{err}");
    assert!(
        err.contains("column D (`Notes`) holds no ACH rating"),
        "{err}"
    );
    assert!(err.contains("(1 error)"), "{err}");
    // Every bad cell at once, each at its place.
    let (code, _, err) = run(
        &["import", "ach", "-"],
        b"Evidence,A,B\nx,Q,I\ny,C,R\nz,S,T\n",
    );
    assert_eq!(code, 1);
    for place in ["<stdin>:2:3", "<stdin>:3:5", "<stdin>:4:3", "<stdin>:4:5"] {
        assert!(err.contains(place), "no {place} in\n{err}");
    }
    assert!(err.contains("(4 errors)"), "{err}");
    // Not UTF-8 (Excel's "CSV (Comma delimited)" in Windows-1252).
    let (code, _, err) = run(&["import", "ach", "-"], b"Evidence,A,B\ncaf\xe9,C,I\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("not UTF-8") && err.contains("CSV UTF-8"),
        "{err}"
    );
}

#[test]
fn csv_to_toml_to_csv_keeps_every_rating() {
    let original = std::fs::read_to_string(merger_leak()).expect("csv");
    let toml = import(original.as_bytes());
    let (code, exported, err) = run(&["export", "-", "--format", "ach-csv"], toml.as_bytes());
    assert_eq!(code, 0, "{err}");
    let before = cells(&original, b',');
    let after = cells(&exported, b',');
    // The same header names, the same rows, the same ratings, sources,
    // relevance; credibility words come back as their Admiralty letters.
    assert_eq!(before[0], after[0]);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after).skip(1) {
        assert_eq!(b[..6], a[..6], "ratings and source of {:?}", b[0]);
        assert_eq!(b[7], a[7], "relevance of {:?}", b[0]);
        let letter = match b[6].as_str() {
            "High" => "B",
            "Medium" => "C",
            "Low" => "D",
            other => other,
        };
        assert_eq!(letter, a[6], "credibility of {:?}", b[0]);
    }
    // And a second trip changes nothing at all.
    let again = import(exported.as_bytes());
    let (_, exported_again, _) = run(&["export", "-", "--format", "ach-csv"], again.as_bytes());
    assert_eq!(exported, exported_again);
}

#[test]
fn toml_to_csv_to_toml_keeps_the_ratings_of_an_ach_model() {
    let lesson = root().join("models/ach_lesson.toml");
    let toml = std::fs::read_to_string(&lesson).expect("model");
    let before = model_ratings(&export_json(&toml));
    let (code, csv, err) = run(&["export", s(&lesson), "--format", "ach-csv"], b"");
    assert_eq!(code, 0, "{err}");
    let after = model_ratings(&export_json(&import(csv.as_bytes())));
    assert_eq!(before, after);
    // The posterior is the same too: the matrix is the whole model.
    let posterior = |toml: &str| -> Vec<f64> {
        let (code, out, err) = run(&["report", "-", "--format", "json"], toml.as_bytes());
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).expect("json");
        v["hypotheses"]
            .as_array()
            .expect("hypotheses")
            .iter()
            .map(|h| h["posterior"].as_f64().expect("posterior"))
            .collect()
    };
    let (a, b) = (posterior(&toml), posterior(&import(csv.as_bytes())));
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
    }
}

#[test]
fn import_writes_safely_and_refuses_its_input_as_output() {
    let dir = scratch("output");
    let csv = dir.join("m.csv");
    std::fs::write(&csv, "Evidence,A,B\nx,C,I\n").expect("write");
    let (code, _, err) = run(&["import", "ach", s(&csv), "-o", s(&csv)], b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is the input"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&csv).expect("read"),
        "Evidence,A,B\nx,C,I\n"
    );
    // The default title comes from the file name.
    let (code, out, _) = run(&["import", "ach", s(&csv)], b"");
    assert_eq!(code, 0);
    assert!(out.contains("title = \"ACH matrix: m\""), "{out}");
}

#[test]
fn snapshot_export_ach_csv_cab() {
    let (code, out, err) = run(&["export", "models/cab.toml", "--format", "ach-csv"], b"");
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("cab_export_ach_csv", out);
}
