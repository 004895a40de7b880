//! Numbers as printed (issue 16): never a negative zero (`-0.0000`), never
//! `inf` or `NaN`; an infinite likelihood ratio is `∞` (weights `+∞`,
//! `-∞`), documented in docs/FORMAT.md; JSON stays valid (null).

use std::path::Path;

use crate::robustness::TempDir;

/// A perfectly reliable report of an item impossible under `b`: its ratio
/// for `a` is infinite. The scenario changes a non-diagnostic item only.
const INFINITE_RATIO: &str = r#"[model]
title = "Infinite ratio"

[[hypotheses]]
id = "a"
title = "A"
prior = 0.5

[[hypotheses]]
id = "b"
title = "B"
prior = 0.5

[[sources]]
id = "s"
title = "S"
reliability = { hit = 0.9, false_alarm = 0.0 }

[[sources]]
id = "t"
title = "T"
reliability = 0.5

[[evidence]]
id = "e"
claim = "c"
likelihood = { a = 0.9, b = 0.0 }
reports = [{ source = "s" }]

[[evidence]]
id = "f"
claim = "d"
likelihood = { a = 0.5, b = 0.5 }
reports = [{ source = "t" }]

[[scenarios]]
id = "nothing"
title = "Changes nothing"
sources.t.reliability = 0.6
"#;

/// `-0.0000`, `-0.00`, `-0.0%`, `-0.0000e0` and the like, `inf`, `NaN`.
fn bad_numbers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bytes = line.as_bytes();
        for (i, _) in line.match_indices("-0") {
            // A minus starting a number, not one inside a word or range.
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric()) {
                continue;
            }
            let digits: String = line[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let after = line[i + 1 + digits.len()..].chars().next();
            if digits.contains('.')
                && digits.chars().all(|c| c == '0' || c == '.')
                && !after.is_some_and(|c| c.is_ascii_digit())
            {
                found.push(format!("line {}: {line}", n + 1));
            }
        }
        for word in line.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word == "inf" || word == "NaN" || word == "nan" || word == "infinity" {
                found.push(format!("line {}: {line}", n + 1));
            }
        }
    }
    found
}

#[test]
fn the_finder_finds() {
    assert_eq!(bad_numbers("x -0.0000 y").len(), 1);
    assert_eq!(bad_numbers("(-0.00)").len(), 1);
    assert_eq!(bad_numbers("-0.0%").len(), 1);
    assert_eq!(bad_numbers("ratio inf").len(), 1);
    assert!(bad_numbers("-0.0001 2024-01-05 a-0.0 −∞ info").is_empty());
}

#[test]
fn no_format_prints_a_negative_zero_or_inf() {
    let dir = TempDir::new("printed-numbers");
    dir.write("m.toml", INFINITE_RATIO);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let models = [
        dir.path("m.toml"),
        root.join("models/cab.toml"),
        root.join("models/ach_lesson.toml"),
    ];
    let mut failures = Vec::new();
    for model in &models {
        for command in crate::cli::REPORT_COMMANDS {
            for format in ["text", "markdown", "html", "json"] {
                let o = crate::cli::credence()
                    .arg(command)
                    .arg(model)
                    .args(["--format", format])
                    .output()
                    .expect("run");
                let stdout = String::from_utf8_lossy(&o.stdout);
                if o.status.code() != Some(0) {
                    failures.push(format!(
                        "{command} {format} {}: exit {:?}",
                        model.display(),
                        o.status.code()
                    ));
                    continue;
                }
                for bad in bad_numbers(&stdout) {
                    failures.push(format!("{command} {format} {}: {bad}", model.display()));
                }
                if format == "json" && serde_json::from_str::<serde_json::Value>(&stdout).is_err() {
                    failures.push(format!("{command} json {}: not JSON", model.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_infinite_ratio_is_the_documented_symbol() {
    let dir = TempDir::new("printed-numbers-inf");
    dir.write("m.toml", INFINITE_RATIO);
    let o = crate::cli::credence()
        .args(["explain", "m.toml"])
        .current_dir(dir.path(""))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let row = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("a ") && l.contains("rules the rest out"))
        .unwrap_or_else(|| panic!("no row for a:\n{stdout}"));
    assert!(row.contains(" ∞ "), "{row}");
    assert!(row.contains("+∞ (rules the rest out)"), "{row}");
    assert!(stdout.contains("-∞ (ruled out)"), "{stdout}");
    let format =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/FORMAT.md"))
            .expect("docs/FORMAT.md");
    assert!(format.contains("`∞`"), "docs/FORMAT.md does not document ∞");
}

/// A network whose evidence has probability 0.9999999: ln P(evidence) is
/// -1e-7, which rounds to zero at six decimals and must not print as
/// `-0.000000`, for one target, every node, or a file of evidence sets.
const NEARLY_CERTAIN_BIF: &str = "network tiny { }
variable A { type discrete [ 2 ] { a1, a2 }; }
variable B { type discrete [ 2 ] { b1, b2 }; }
probability ( A ) { table 0.9999999, 0.0000001; }
probability ( B | A ) { (a1) 0.5, 0.5; (a2) 0.5, 0.5; }
";

#[test]
fn query_never_prints_a_negative_zero_log_evidence() {
    let dir = TempDir::new("printed-numbers-query");
    dir.write("tiny.bif", NEARLY_CERTAIN_BIF);
    dir.write("sets.jsonl", "{\"A\": \"a1\"}\n");
    let cases: [&[&str]; 3] = [
        &["--target", "B", "--evidence", "A=a1"],
        &["--all", "--evidence", "A=a1"],
        &["--target", "B", "--evidence-file", "sets.jsonl"],
    ];
    for args in cases {
        let o = crate::cli::credence()
            .args(["query", "tiny.bif"])
            .args(args)
            .current_dir(dir.path(""))
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stdout}");
        assert!(
            stdout.contains("ln P(evidence) = 0.000000"),
            "{args:?}: {stdout}"
        );
        assert!(bad_numbers(&stdout).is_empty(), "{args:?}: {stdout}");
    }
}
