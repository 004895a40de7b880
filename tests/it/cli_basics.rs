//! CLI tests of `check` and `report`: exit codes, output shape, atomic -o;
//! help and man pages; `check` text and JSON agreeing.

use predicates::prelude::*;

use crate::cli;
use cli::credence;

const CAB: &str = "models/cab.toml";

#[test]
fn check_valid_model_exits_zero() {
    credence()
        .args(["check", CAB])
        .assert()
        .success()
        .stdout(predicate::str::contains("is valid"));
}

#[test]
fn report_prints_posterior_icd_term_and_origins() {
    credence()
        .args(["report", CAB])
        .assert()
        .success()
        .stdout(predicate::str::contains("0.4138"))
        .stdout(predicate::str::contains("unlikely"))
        .stdout(predicate::str::contains("independent origin"))
        .stdout(predicate::str::contains("Δ log-odds (dB)"));
}

#[test]
fn report_json_has_the_documented_schema() {
    let out = credence()
        .args(["report", CAB, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], 1);
    assert!(v["model"]["title"].is_string());
    let hyps = v["hypotheses"].as_array().unwrap();
    let sum: f64 = hyps.iter().map(|h| h["posterior"].as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-9);
    for h in hyps {
        for key in ["id", "title", "prior", "posterior"] {
            assert!(!h[key].is_null(), "missing {key}");
        }
    }
    for e in v["evidence"].as_array().unwrap() {
        for key in ["id", "reports", "origins"] {
            assert!(!e[key].is_null(), "missing {key}");
        }
    }
}

#[test]
fn same_input_gives_byte_identical_output() {
    let a = credence()
        .args(["report", CAB, "--format", "json"])
        .output()
        .unwrap();
    let b = credence()
        .args(["report", CAB, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn output_file_is_written_whole() {
    let dir = std::env::temp_dir().join(format!("credence-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("report.txt");
    credence()
        .args(["report", CAB, "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("0.4138"));
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(left.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_file_is_a_usage_error() {
    credence()
        .args(["report", "no/such/model.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
}

#[test]
fn bad_arguments_are_usage_errors() {
    credence().args(["report"]).assert().code(2);
    credence().args(["frobnicate", CAB]).assert().code(2);
    credence()
        .args(["report", CAB, "--format", "pdf"])
        .assert()
        .code(2);
}

#[test]
fn invalid_model_exits_one_with_line_and_hint() {
    let dir = std::env::temp_dir().join(format!("credence-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("typo.toml");
    std::fs::write(
        &path,
        "[[hypotheses]]\nid = \"a\"\ntitle = \"A\"\n[[hypotheses]]\nid = \"b\"\ntitle = \"B\"\n[[sources]]\nid = \"s\"\ntitle = \"S\"\nrelability = 0.8\n",
    )
    .unwrap();
    credence()
        .arg("check")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown field `relability`"))
        .stderr(predicate::str::contains("typo.toml:10:1"))
        .stderr(predicate::str::contains("did you mean `reliability`?"));
    let out = credence()
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["line"] == 10)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Color only on a terminal and never with NO_COLOR: `script` (util-linux)
/// gives the command a pseudo-terminal.
#[test]
fn color_only_on_a_terminal_and_never_with_no_color() {
    let bin = env!("CARGO_BIN_EXE_credence");
    let on_tty = |no_color: Option<&str>| -> String {
        let mut cmd = std::process::Command::new("script");
        cmd.args([
            "-qec",
            &format!("{bin} report models/cab.toml"),
            "/dev/null",
        ]);
        cmd.env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().expect("script (util-linux) runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let colored = on_tty(None);
    assert!(colored.contains("\x1b[1mPosterior\x1b[0m"), "{colored}");
    assert!(colored.contains("\x1b[31m-6.02\x1b[0m"), "{colored}");
    assert!(colored.contains("\x1b[32m+6.02\x1b[0m"), "{colored}");
    let plain = on_tty(Some("1"));
    assert!(!plain.contains('\x1b'), "{plain}");
    assert!(plain.contains("0.4138"));
    // Not a terminal: no color either.
    let piped = credence()
        .args(["report", "models/cab.toml"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(!piped.stdout.contains(&0x1b));
}

/// The commands `credence --help` lists (the visible ones).
fn visible_commands() -> Vec<String> {
    let out = credence().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let listed = help
        .split("Commands:")
        .nth(1)
        .expect("a Commands: section")
        .split("\n\n")
        .next()
        .unwrap_or_default();
    listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// `credence COMMAND --help` gives every argument (positional, option,
/// flag) a description: each entry's line is followed by its text.
#[test]
fn help_of_every_command_describes_every_argument() {
    let mut commands = visible_commands();
    assert!(commands.len() >= 10, "{commands:?}");
    commands.extend(["generate-completions".into(), "generate-man".into()]);
    for command in &commands {
        let out = credence().args([command, "--help"]).output().unwrap();
        assert!(out.status.success(), "{command}");
        let help = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = help.lines().collect();
        let mut entries = 0;
        for (k, line) in lines.iter().enumerate() {
            let is_entry = line.starts_with("  ")
                && !line.starts_with("   ")
                && (line.trim_start().starts_with('-') || line.trim_start().starts_with('<'));
            if !is_entry {
                continue;
            }
            entries += 1;
            // Short layout: the description on the same line after two or
            // more spaces; long layout: on the next line, indented.
            let inline = line.trim().contains("  ");
            let next = lines.get(k + 1).copied().unwrap_or_default();
            assert!(
                inline || (next.starts_with("          ") && !next.trim().is_empty()),
                "`credence {command} --help`: `{}` has no description:\n{help}",
                line.trim()
            );
        }
        assert!(entries >= 2, "{command}: {help}");
    }
    // The what-if paths and an example are in --set's help.
    let out = credence().args(["whatif", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for path in [
        "hypotheses.H.prior",
        "sources.S.reliability",
        "sources.S.bias",
        "evidence.E.enabled",
        "evidence.E.likelihood.H",
        "evidence.E.reports.R.reliability",
        "evidence.E.reports.R.bias",
        "evidence.E.reports.R.observed",
        "evidence.E.reports.R.strength",
        "dependencies.D.strength",
        "Example: --set",
    ] {
        assert!(help.contains(path), "{path} missing:\n{help}");
    }
    // --format says what each format is; -o that it is atomic.
    let out = credence().args(["report", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for format in ["text:", "markdown:", "json:", "html:", "atomically"] {
        assert!(help.contains(format), "{format} missing:\n{help}");
    }
}

/// `generate-man --dir` writes the main page and one page per command, and
/// every page the main one refers to exists.
#[test]
fn man_pages_for_every_command() {
    let dir = std::env::temp_dir().join(format!("credence-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    credence()
        .args(["generate-man", "--dir"])
        .arg(&dir)
        .assert()
        .success()
        .stdout("");
    let main = std::fs::read_to_string(dir.join("credence.1")).unwrap();
    assert!(main.contains(".TH credence 1"), "{main}");
    for command in visible_commands() {
        let page = format!("credence-{command}");
        let text = std::fs::read_to_string(dir.join(format!("{page}.1")))
            .unwrap_or_else(|e| panic!("{page}.1: {e}"));
        assert!(text.contains(&format!(".TH {page} 1")), "{text}");
        assert!(text.contains(".SH OPTIONS"), "{text}");
        assert!(
            main.contains(&format!("{}(1)", page.replace('-', "\\-"))),
            "credence.1 does not refer to {page}(1)"
        );
    }
    let pages = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(pages, visible_commands().len() + 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A model whose evidence cannot all hold: a perfect source reports one
/// item certain under `a` alone and another certain under `b` alone.
const IMPOSSIBLE: &str = r#"[model]
title = "Impossible"

[[hypotheses]]
id = "a"
title = "A"

[[hypotheses]]
id = "b"
title = "B"

[[sources]]
id = "s"
title = "S"
reliability = 1.0

[[evidence]]
id = "x"
claim = "x"
likelihood = { a = 1.0, b = 0.0 }
reports = [{ source = "s" }]

[[evidence]]
id = "y"
claim = "y"
likelihood = { a = 0.0, b = 1.0 }
reports = [{ source = "s" }]
"#;

/// Fifteen sources of unknown reliability on the same items: valid, but
/// exact inference would need a table over the budget.
fn over_budget_model() -> String {
    let mut text = "[model]\ntitle = \"Large\"\nreliability_levels = 21\n\
         [[hypotheses]]\nid = \"a\"\ntitle = \"A\"\n[[hypotheses]]\nid = \"b\"\ntitle = \"B\"\n"
        .to_string();
    for s in 0..15 {
        text.push_str(&format!(
            "[[sources]]\nid = \"u{s}\"\ntitle = \"t\"\nreliability = [0, 1]\n"
        ));
    }
    let reports: Vec<String> = (0..15)
        .map(|s| format!("{{ source = \"u{s}\" }}"))
        .collect();
    for e in 0..30 {
        text.push_str(&format!(
            "[[evidence]]\nid = \"e{e}\"\nclaim = \"c\"\nlikelihood = {{ a = 0.6, b = 0.4 }}\nreports = [{}]\n",
            reports.join(", ")
        ));
    }
    text
}

/// `check` and `check --format json` are one code path: on every shipped
/// model, every bad model, a model with impossible evidence and one over
/// the inference budget, JSON says valid exactly when `check` exits 0, and
/// both exit the same.
#[test]
fn check_text_and_json_agree() {
    let dir = std::env::temp_dir().join(format!("credence-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let impossible = dir.join("impossible.toml");
    std::fs::write(&impossible, IMPOSSIBLE).unwrap();
    let large = dir.join("large.toml");
    std::fs::write(&large, over_budget_model()).unwrap();
    let bad_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_models");
    let mut files = cli::models();
    let mut bad: Vec<_> = std::fs::read_dir(&bad_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    bad.sort();
    assert!(bad.len() > 50);
    files.extend(bad);
    files.extend([impossible.clone(), large.clone()]);
    let (mut valid, mut invalid) = (0, 0);
    for file in &files {
        let text = credence().arg("check").arg(file).output().unwrap();
        let json = credence()
            .args(["check", "--format", "json"])
            .arg(file)
            .output()
            .unwrap();
        let name = file.display();
        assert_eq!(text.status.code(), json.status.code(), "{name}");
        let v: serde_json::Value =
            serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ok = text.status.code() == Some(0);
        assert_eq!(v["valid"], ok, "{name}: {v}");
        assert_eq!(v["kind"], "credence.check");
        let errors = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .count();
        assert_eq!(v["errors"], errors, "{name}");
        assert_eq!(ok, errors == 0, "{name}: {v}");
        if ok {
            assert!(v["model"]["hypotheses"].as_u64() >= Some(2), "{name}");
            valid += 1;
        } else {
            assert_eq!(text.status.code(), Some(1), "{name}");
            let stderr = String::from_utf8_lossy(&text.stderr);
            assert!(stderr.contains("is invalid"), "{name}: {stderr}");
            invalid += 1;
        }
    }
    assert!(
        valid >= 5 && invalid > 50,
        "{valid} valid, {invalid} invalid"
    );
    // The two that validate but cannot be analysed: the model is summarised,
    // the refusal is an error diagnostic.
    for (file, says) in [
        (&impossible, "the evidence is impossible"),
        (&large, "exact inference would need a table"),
    ] {
        let json = credence()
            .args(["check", "--format", "json"])
            .arg(file)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(v["valid"], false);
        assert!(v["model"]["evidence_items"].as_u64() >= Some(2), "{v}");
        let messages: Vec<&str> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["message"].as_str())
            .collect();
        assert!(messages.iter().any(|m| m.contains(says)), "{v}");
        credence()
            .arg("check")
            .arg(file)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(says));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Diagnostics in JSON carry the span's end and related places as lines
/// and columns.
#[test]
fn check_json_locates_spans_and_related_places() {
    let bad_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_models");
    let out = credence()
        .args(["check", "--format", "json"])
        .arg(bad_dir.join("duplicate_hypothesis_id.toml"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert!(d["line"].as_u64() > Some(0), "{v}");
    assert!(d["end_line"].as_u64() >= d["line"].as_u64(), "{v}");
    let related = d["related"].as_array().unwrap();
    assert!(!related.is_empty(), "{v}");
    assert!(related[0]["line"].as_u64() < d["line"].as_u64(), "{v}");
    assert!(related[0]["text"].is_string(), "{v}");
}
