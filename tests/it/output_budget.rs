//! The output budget (issue 16): every command measures what it will write
//! before writing anything, and refuses output over the budget (256 MiB, or
//! `CREDENCE_MAX_OUTPUT`) with its exact size and what to do; nothing
//! reaches standard output or the `-o` file. Output within the budget is
//! written whole, the same to standard output and to a file, also when it is
//! larger than the first pass keeps in memory (8 MiB) and is rendered twice.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Output;

use crate::cli::credence;
use crate::robustness::TempDir;

/// Runs credence in `dir` with `CREDENCE_MAX_OUTPUT` set to `budget`.
fn run_with_budget(dir: &Path, args: &[String], budget: Option<&str>) -> Output {
    let mut cmd = credence();
    cmd.current_dir(dir).args(args);
    match budget {
        Some(b) => cmd.env("CREDENCE_MAX_OUTPUT", b),
        None => cmd.env_remove("CREDENCE_MAX_OUTPUT"),
    };
    cmd.output().expect("run credence")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The size a refusal states: "the output would be N bytes".
fn stated_size(err: &str) -> u64 {
    let after = err
        .split("the output would be ")
        .nth(1)
        .unwrap_or_else(|| panic!("no size in: {err}"));
    after
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no size in: {err}"))
}

/// Every command that writes, with every format it has: the arguments
/// (run in `dir`, which holds the inputs they name).
fn every_output(dir: &TempDir) -> Vec<Vec<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for model in ["curveball.toml", "iran_oct7.toml", "iran_oct7_sceptic.toml"] {
        fs::copy(root.join("models").join(model), dir.path(model)).expect("copy model");
    }
    fs::copy(
        root.join("tests/ach_csv/merger_leak.csv"),
        dir.path("matrix.csv"),
    )
    .expect("copy matrix");
    let o = run_with_budget(
        &dir.0,
        &[
            "export",
            "curveball.toml",
            "--format",
            "bif",
            "-o",
            "net.bif",
        ]
        .map(String::from),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    fs::write(
        dir.path("sets.jsonl"),
        "{}\n{\"hypothesis\": \"mobile_labs\"}\n",
    )
    .expect("write sets");
    let reports = ["text", "markdown", "json", "html"];
    let mut cases: Vec<(Vec<&str>, &[&str])> = vec![
        (vec!["check", "curveball.toml"], &["text", "json"]),
        (vec!["report", "curveball.toml"], &reports),
        (vec!["whatif", "curveball.toml", "--all"], &reports),
        (vec!["sensitivity", "curveball.toml"], &reports),
        (
            vec!["simulate", "curveball.toml", "--samples", "200"],
            &reports,
        ),
        (vec!["ach", "curveball.toml"], &reports),
        (vec!["collect", "iran_oct7.toml"], &reports),
        (
            vec!["compare", "iran_oct7.toml", "iran_oct7_sceptic.toml"],
            &reports,
        ),
        (vec!["explain", "curveball.toml"], &reports),
        (vec!["graph", "curveball.toml"], &["dot", "mermaid"]),
        (
            vec!["export", "curveball.toml"],
            &["bif", "json", "xmlbif", "xdsl", "ach-csv"],
        ),
        (
            vec!["query", "net.bif", "--target", "hypothesis"],
            &["text", "json"],
        ),
        (vec!["query", "net.bif", "--all"], &["text", "json"]),
        (
            vec!["query", "net.bif", "--all", "--evidence-file", "sets.jsonl"],
            &["text", "json"],
        ),
    ];
    let mut out: Vec<Vec<String>> = Vec::new();
    for (args, formats) in cases.drain(..) {
        for format in formats {
            let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            a.extend(["--format".to_string(), (*format).to_string()]);
            out.push(a);
        }
    }
    out.push(vec!["import".into(), "ach".into(), "matrix.csv".into()]);
    out.push(vec![
        "generate-completions".into(),
        "--shell".into(),
        "bash".into(),
    ]);
    out.push(vec!["generate-man".into()]);
    out
}

#[test]
fn every_command_and_format_is_refused_over_the_budget_with_its_exact_size() {
    let dir = TempDir::new("output-budget");
    let cases = every_output(&dir);
    assert!(cases.len() >= 50, "{}", cases.len());
    for args in &cases {
        // Within the default budget: the real output, and its size.
        let whole = run_with_budget(&dir.0, args, None);
        assert_eq!(whole.status.code(), Some(0), "{args:?}: {}", stderr(&whole));
        let size = whole.stdout.len() as u64;
        assert!(size > 100, "{args:?}: {size} bytes");
        // One byte under it: refused, nothing written, the size stated.
        let budget = (size - 1).to_string();
        let refused = run_with_budget(&dir.0, args, Some(&budget));
        let err = stderr(&refused);
        assert_eq!(refused.status.code(), Some(1), "{args:?}: {err}");
        assert!(refused.stdout.is_empty(), "{args:?} wrote output");
        assert!(
            err.contains(&format!("over the output budget of {budget} bytes")),
            "{args:?}: {err}"
        );
        assert!(err.contains("nothing was written: "), "{args:?}: {err}");
        assert!(err.contains("CREDENCE_MAX_OUTPUT=SIZE"), "{args:?}: {err}");
        assert_eq!(stated_size(&err), size, "{args:?}: {err}");
        // Exactly the budget: written.
        let exact = run_with_budget(&dir.0, args, Some(&size.to_string()));
        assert_eq!(exact.status.code(), Some(0), "{args:?}: {}", stderr(&exact));
        assert_eq!(exact.stdout, whole.stdout, "{args:?}");
        // With -o, a refusal leaves the target as it was.
        if !["check", "generate-completions", "generate-man"].contains(&args[0].as_str()) {
            let target = dir.path("out.txt");
            fs::write(&target, "precious\n").expect("write");
            let mut to_file = args.clone();
            to_file.extend(["-o".to_string(), "out.txt".to_string()]);
            let refused = run_with_budget(&dir.0, &to_file, Some(&budget));
            assert_eq!(refused.status.code(), Some(1), "{to_file:?}");
            assert_eq!(
                fs::read_to_string(&target).expect("kept"),
                "precious\n",
                "{to_file:?}"
            );
        }
    }
    let mut left: Vec<String> = fs::read_dir(&dir.0)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".credence-"))
        .collect();
    left.sort();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// A model whose `export --format json` is about 10 MB: past the 8 MiB the
/// first pass keeps in memory, so the rest goes through the spool's
/// temporary file.
fn large_model() -> String {
    let mut t = String::from("[model]\ntitle = \"large\"\n\n");
    for h in 0..20 {
        let _ = write!(t, "[[hypotheses]]\nid = \"h{h}\"\ntitle = \"H{h}\"\n\n");
    }
    t.push_str("[[sources]]\nid = \"s\"\ntitle = \"S\"\nreliability = 0.7\n\n");
    let likelihood: Vec<String> = (0..20).map(|h| format!("h{h} = 0.{}", h % 8 + 1)).collect();
    let likelihood = likelihood.join(", ");
    for i in 0..3_000 {
        let _ = write!(
            t,
            "[[evidence]]\nid = \"e{i}\"\nclaim = \"c\"\nlikelihood = {{ {likelihood} }}\nreports = [{{ source = \"s\" }}]\n\n"
        );
    }
    t
}

#[test]
fn output_past_the_memory_spool_is_written_whole_and_the_same() {
    let dir = TempDir::new("output-budget-large");
    fs::write(dir.path("large.toml"), large_model()).expect("write");
    let args: Vec<String> = ["export", "large.toml", "--format", "json"]
        .map(String::from)
        .to_vec();
    let whole = run_with_budget(&dir.0, &args, None);
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    let size = whole.stdout.len() as u64;
    assert!(size > 8 * 1024 * 1024, "{size} bytes: not past the spool");
    serde_json::from_slice::<serde_json::Value>(&whole.stdout).expect("whole JSON");
    let mut to_file = args.clone();
    to_file.extend(["-o".to_string(), "out.json".to_string()]);
    let o = run_with_budget(&dir.0, &to_file, Some(&size.to_string()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read(dir.path("out.json")).expect("out"), whole.stdout);
    // A budget of 10M is under it: the size is stated in MiB too.
    let refused = run_with_budget(&dir.0, &args, Some("10M"));
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(refused.stdout.is_empty());
    assert_eq!(stated_size(&err), size, "{err}");
    assert!(
        err.contains("MiB), over the output budget of 10485760 bytes (10.0 MiB)"),
        "{err}"
    );
    assert!(
        err.contains("split the model into fewer items or hypotheses"),
        "{err}"
    );
}

#[test]
fn a_budget_that_is_not_a_size_is_a_usage_error() {
    let dir = TempDir::new("output-budget-bad");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/cab.toml").to_string_lossy().into_owned();
    for bad in ["lots", "-1", "1T", ""] {
        let o = run_with_budget(&dir.0, &["report".to_string(), model.clone()], Some(bad));
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(o.stdout.is_empty());
        assert!(stderr(&o).contains("CREDENCE_MAX_OUTPUT"), "{}", stderr(&o));
    }
}
