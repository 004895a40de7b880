//! Known answers, driven by data: every model in `tests/cases/` and
//! `models/` that carries `# expect: <hypothesis> = <posterior>` lines (and
//! optionally `# tolerance: <t>`, default 1e-6) must give those posteriors.

use std::path::{Path, PathBuf};

use credence::{analysis, model};

struct Expectation {
    hypothesis: String,
    posterior: f64,
}

fn expectations(text: &str) -> (Vec<Expectation>, f64) {
    let mut out = Vec::new();
    let mut tolerance = 1e-6;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# expect:") {
            let (h, p) = rest.split_once('=').expect("`# expect: h = p`");
            out.push(Expectation {
                hypothesis: h.trim().to_string(),
                posterior: p.trim().parse().expect("a number after `=`"),
            });
        } else if let Some(rest) = line.strip_prefix("# tolerance:") {
            tolerance = rest.trim().parse().expect("a number");
        }
    }
    (out, tolerance)
}

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    v.sort();
    v
}

#[test]
fn published_and_hand_computed_cases() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in files("tests/cases").into_iter().chain(files("models")) {
        let text = std::fs::read_to_string(&path).unwrap();
        let (expect, tolerance) = expectations(&text);
        if expect.is_empty() {
            continue;
        }
        let (_, c) = model::check_path(&path, &crate::cli::default_seeds(&path)).unwrap();
        let Some(m) = c.model else {
            failures.push(format!("{}: invalid: {:?}", path.display(), c.diagnostics));
            continue;
        };
        let a = analysis::analyse(&m).unwrap();
        for e in expect {
            let Some(h) = m.hypothesis(&e.hypothesis) else {
                failures.push(format!(
                    "{}: no hypothesis {}",
                    path.display(),
                    e.hypothesis
                ));
                continue;
            };
            let got = a.hypotheses[h.0].posterior;
            if (got - e.posterior).abs() > tolerance {
                failures.push(format!(
                    "{}: P({}) = {got:.9}, expected {} (tolerance {tolerance})",
                    path.display(),
                    e.hypothesis,
                    e.posterior
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 4, "only {checked} expectations found");
}

/// The cab problem written inline, so this file stands on its own.
#[test]
fn cab_problem() {
    let text = r#"
[[hypotheses]]
id = "blue"
title = "Blue"
prior = 0.15
[[hypotheses]]
id = "green"
title = "Green"
prior = 0.85
[[sources]]
id = "witness"
title = "Witness, right 80% of the time"
reliability = { hit = 0.8, false_alarm = 0.2 }
[[evidence]]
id = "says_blue"
claim = "The cab was blue"
likelihood = { blue = 1, green = 0 }
reports = [{ source = "witness" }]
"#;
    let m = model::check_text("cab.toml", text, model::no_documents)
        .model
        .unwrap();
    let a = analysis::analyse(&m).unwrap();
    assert!((a.hypotheses[0].posterior - 12.0 / 29.0).abs() < 1e-12);
    assert!(format!("{:.4}", a.hypotheses[0].posterior) == "0.4138");
}
