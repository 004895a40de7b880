//! Every file in `tests/bad_models/` is an invalid model. Each one says, in
//! header comments, what `credence check` must report:
//!
//! ```toml
//! # error: unknown field `relability` in a source
//! # error: did you mean `reliability`?
//! # line: 21
//! # column: 1
//! ```
//!
//! Every `# error:` fragment must appear in stderr (all errors are reported in
//! one run). The first fragment must be part of an `error:` message whose
//! location line (`┌─ file:line:column`) is the given line and column; `# line:
//! none` means the error is about the file as a whole and has no location.
//! A file that cannot hold readable comments (empty, not UTF-8) takes its
//! header from a sidecar `<name>.expect`.
//!
//! For every file, `check` must exit 1 with nothing on stdout and no panic,
//! and `report -o FILE` must exit 1 without creating FILE.
//!
//! All mismatches are collected and reported together.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

const DIR: &str = "tests/bad_models";
/// The suite is meant to cover every validation error; a near-empty folder
/// means something went wrong (a bad glob, a moved folder).
const MIN_MODELS: usize = 45;

#[derive(Debug)]
struct Expect {
    errors: Vec<String>,
    /// `None` for `# line: none`.
    line: Option<usize>,
    column: Option<usize>,
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    let mut errors = Vec::new();
    let mut line = None;
    let mut column = None;
    // A byte-order mark before the first comment is not part of the header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for raw in text.lines() {
        let l = raw.trim();
        if l.is_empty() {
            // The header is the leading block of comments.
            break;
        }
        let Some(comment) = l.strip_prefix('#') else {
            break;
        };
        let comment = comment.trim();
        if let Some(e) = comment.strip_prefix("error:") {
            let e = e.trim();
            if e.is_empty() {
                return Err("empty `# error:` line".to_string());
            }
            errors.push(e.to_string());
        } else if let Some(v) = comment.strip_prefix("line:") {
            let v = v.trim();
            line = Some(if v == "none" {
                None
            } else {
                Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("bad `# line:` value `{v}`"))?,
                )
            });
        } else if let Some(v) = comment.strip_prefix("column:") {
            let v = v.trim();
            column = Some(
                v.parse::<usize>()
                    .map_err(|_| format!("bad `# column:` value `{v}`"))?,
            );
        }
    }
    if errors.is_empty() {
        return Err("no `# error:` line in the header".to_string());
    }
    let Some(line) = line else {
        return Err(
            "no `# line:` in the header (write `# line: none` if there is none)".to_string(),
        );
    };
    if line.is_none() && column.is_some() {
        return Err("`# column:` given with `# line: none`".to_string());
    }
    Ok(Expect {
        errors,
        line,
        column,
    })
}

/// The model files (every file but the `.expect` sidecars), sorted.
fn model_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|x| x != "expect"))
        .collect();
    files.sort();
    files
}

/// Check that the first expected error is an `error:` message located at the
/// expected place.
fn check_location(stderr: &str, shown: &str, expect: &Expect) -> Result<(), String> {
    let first = &expect.errors[0];
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|l| l.starts_with("error:") && l.contains(first.as_str()))
    else {
        return Err(format!(
            "the first expected fragment `{first}` is not part of any `error:` message line"
        ));
    };
    let next = lines.get(at + 1).map_or("", |l| l.trim());
    match expect.line {
        Some(line) => {
            let Some(location) = next.strip_prefix("┌─") else {
                return Err(format!(
                    "error `{first}` has no location line (expected `┌─ {shown}:{line}:...`), found `{next}`"
                ));
            };
            let location = location.trim();
            let ok = match expect.column {
                Some(col) => location == format!("{shown}:{line}:{col}"),
                None => location.starts_with(&format!("{shown}:{line}:")),
            };
            if ok {
                Ok(())
            } else {
                let want = match expect.column {
                    Some(col) => format!("{shown}:{line}:{col}"),
                    None => format!("{shown}:{line}:<any column>"),
                };
                Err(format!(
                    "error `{first}` is at `{location}`, expected `{want}`"
                ))
            }
        }
        None => {
            if next.starts_with("┌─") {
                Err(format!(
                    "error `{first}` has a location `{next}`, expected none (`# line: none`)"
                ))
            } else if !next.contains(&format!("in {shown}")) {
                Err(format!(
                    "error `{first}` without a location should name the file (`= in {shown}`), found `{next}`"
                ))
            } else {
                Ok(())
            }
        }
    }
}

#[test]
fn every_bad_model_is_rejected_with_its_diagnostics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join(DIR);
    let files = model_files(&dir);
    let mut failures: Vec<String> = Vec::new();

    if files.len() < MIN_MODELS {
        failures.push(format!(
            "only {} models in {DIR}, expected at least {MIN_MODELS}",
            files.len()
        ));
    }
    // Every sidecar belongs to a model.
    for entry in fs::read_dir(&dir).expect("read bad_models") {
        let p = entry.expect("directory entry").path();
        if p.extension().is_some_and(|x| x == "expect")
            && !files.iter().any(|f| f.file_stem() == p.file_stem())
        {
            failures.push(format!("{}: sidecar with no model file", p.display()));
        }
    }

    let tmp = std::env::temp_dir().join(format!(
        "credence-bad-models-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    fs::create_dir_all(&tmp).expect("create temp folder");

    for file in &files {
        let name = file
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        // The path as passed to the binary, and so as shown in diagnostics.
        let shown = format!("{DIR}/{name}");
        let sidecar = file.with_extension("expect");
        let header = if sidecar.is_file() {
            fs::read(&sidecar).expect("read sidecar")
        } else {
            fs::read(file).expect("read model")
        };
        let expect = match parse_expect(&String::from_utf8_lossy(&header)) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: bad header: {e}"));
                continue;
            }
        };

        // check
        let out = Command::cargo_bin("credence")
            .expect("credence binary")
            .current_dir(root)
            .args(["check", &shown])
            .output()
            .expect("run credence check");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut problems: Vec<String> = Vec::new();
        if out.status.code() != Some(1) {
            problems.push(format!("exit code {:?}, expected 1", out.status.code()));
        }
        if stderr.contains("panicked") {
            problems.push("panicked".to_string());
        }
        if !stdout.is_empty() {
            problems.push(format!("stdout is not empty: {stdout:?}"));
        }
        for fragment in &expect.errors {
            if !stderr.contains(fragment.as_str()) {
                problems.push(format!("missing `{fragment}`"));
            }
        }
        if !stderr.contains(&format!("{shown} is invalid")) {
            problems.push(format!("no closing `{shown} is invalid` line"));
        }
        if let Err(e) = check_location(&stderr, &shown, &expect) {
            problems.push(e);
        }

        // report -o: must fail without writing the output file.
        let out_dir = tmp.join(file.file_stem().expect("stem"));
        fs::create_dir_all(&out_dir).expect("create output folder");
        let out_file = out_dir.join("out.txt");
        let report = Command::cargo_bin("credence")
            .expect("credence binary")
            .current_dir(root)
            .arg("report")
            .arg(&shown)
            .arg("-o")
            .arg(&out_file)
            .output()
            .expect("run credence report");
        let report_stderr = String::from_utf8_lossy(&report.stderr);
        if report.status.code() != Some(1) {
            problems.push(format!(
                "report: exit code {:?}, expected 1",
                report.status.code()
            ));
        }
        if report_stderr.contains("panicked") {
            problems.push("report: panicked".to_string());
        }
        if !report.stdout.is_empty() {
            problems.push(format!(
                "report: stdout is not empty: {:?}",
                String::from_utf8_lossy(&report.stdout)
            ));
        }
        if out_file.exists() {
            problems.push(format!("report: created {}", out_file.display()));
        }
        let leftovers: Vec<String> = fs::read_dir(&out_dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        if !leftovers.is_empty() {
            problems.push(format!("report: left files behind: {leftovers:?}"));
        }

        if !problems.is_empty() {
            failures.push(format!(
                "{name}:\n  - {}\n  stderr of check:\n{}",
                problems.join("\n  - "),
                stderr
                    .lines()
                    .map(|l| format!("    | {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    let _ = fs::remove_dir_all(&tmp);

    assert!(
        failures.is_empty(),
        "{} of {} bad models did not fail as expected:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
