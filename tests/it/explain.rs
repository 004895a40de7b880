//! `credence explain`: the CLI on every model (text and JSON), the running
//! posterior equal to `analyse` wherever no latent reliability is shared,
//! every step's figures checked against the network engine, `--item`, and
//! a snapshot of the cab problem.

use std::path::{Path, PathBuf};

use credence::analysis::explain::{self, Pair, relay};
use credence::analysis::{self, analyse};
use credence::model::{self, ItemId, Model};
use predicates::prelude::*;

use crate::cli;
use cli::credence;

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

fn load(path: &Path) -> Model {
    let (_, checked) = model::check_path(path, &crate::cli::default_seeds(path)).unwrap();
    checked
        .model
        .unwrap_or_else(|| panic!("{} is invalid", path.display()))
}

fn load_text(text: &str) -> Model {
    let c = model::check_text("test.toml", text, model::no_documents);
    c.model
        .unwrap_or_else(|| panic!("invalid: {:?}", c.diagnostics))
}

#[test]
fn every_model_explains_in_text_and_json() {
    let models = files("models");
    assert!(models.len() >= 6);
    for path in models {
        let out = credence().arg("explain").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        for step in [
            "Step 1.",
            "Step 2.",
            "Step 3.",
            "Step 4.",
            "exact (analyse)",
        ] {
            assert!(text.contains(step), "{}: no {step}", path.display());
        }

        let out = credence()
            .arg("explain")
            .arg(&path)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", path.display());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["kind"], "credence.explain");
        let m = load(&path);
        let running = &v["running"];
        let exact = running["exact"].as_array().unwrap();
        assert_eq!(exact.len(), m.hypotheses.len());
        let enabled = m.items.iter().filter(|i| i.enabled).count();
        assert_eq!(running["rows"].as_array().unwrap().len(), enabled);
        assert_eq!(v["items"].as_array().unwrap().len(), enabled);
        if running["approximate"] == false {
            assert!(running["difference"].as_f64().unwrap() < 1e-9);
        }
    }
}

/// Over every model in models/ and tests/cases/: without a latent
/// reliability shared between items, the last running row is `analyse`'s
/// posterior to 1e-9; with one, the text says so and gives the difference.
#[test]
fn running_posterior_equals_analyse_without_shared_latent_nodes() {
    let mut exact_models = 0;
    let mut approximate_models = 0;
    for path in files("models").into_iter().chain(files("tests/cases")) {
        let m = load(&path);
        let a = analyse(&m).unwrap();
        let e = explain::explain(&m, &a, None).unwrap();
        let running = e.running.as_ref().unwrap();
        let last = running.last();
        let diff = last
            .iter()
            .zip(&a.hypotheses)
            .map(|(p, h)| (p - h.posterior).abs())
            .fold(0.0, f64::max);
        assert!((diff - running.difference).abs() < 1e-15);
        let has_latent = m
            .items
            .iter()
            .filter(|i| i.enabled)
            .any(|i| i.reports.iter().any(|r| m.uses_latent_reliability(r)));
        if !has_latent {
            assert!(
                diff < 1e-9,
                "{}: running {last:?} vs analyse, difference {diff}",
                path.display()
            );
            assert!(!running.is_approximate(), "{}", path.display());
            exact_models += 1;
        } else if running.is_approximate() {
            approximate_models += 1;
        } else {
            // Latent nodes, each used by one item only: still exact.
            assert!(diff < 1e-9, "{}: {diff}", path.display());
        }
    }
    assert!(exact_models >= 15, "{exact_models}");
    assert!(approximate_models >= 1);
}

/// Step 3's formula P(reports | h) = P(E|h) P(reports|E) + (1 - P(E|h))
/// P(reports|not E) reproduces the engine's per-item likelihood (latent
/// reliabilities averaged over their prior), and the weight of evidence is
/// `analysis::weight_of_evidence`.
#[test]
fn step_three_matches_the_engine_on_every_item() {
    let mut checked = 0;
    for path in files("models").into_iter().chain(files("tests/cases")) {
        let m = load(&path);
        let a = analyse(&m).unwrap();
        let e = explain::explain(&m, &a, None).unwrap();
        for step in &e.items {
            let result = &a.items[step.item.0];
            for (h, hs) in step.hypotheses.iter().enumerate() {
                let engine = result.log_likelihood[h].exp();
                assert!(
                    (hs.reports - engine).abs() <= 1e-12 * engine.max(1e-300).max(1.0),
                    "{} {} h{h}: {} vs {engine}",
                    path.display(),
                    m.items[step.item.0].id,
                    hs.reports
                );
                let w = result.woe_db[h];
                assert!(
                    (hs.woe_db - w).abs() < 1e-9 || (hs.woe_db == w),
                    "{}: woe {} vs {w}",
                    path.display(),
                    hs.woe_db
                );
                if let Some(r) = hs.ratio.filter(|r| r.is_finite() && *r > 0.0) {
                    assert!((10.0 * r.log10() - hs.woe_db).abs() < 1e-9);
                }
            }
            // Independent origins multiply, unless a latent source couples them.
            if !step.origins_coupled && !step.established {
                let t: f64 = step.origins.iter().map(|o| o.given_true).product();
                let f: f64 = step.origins.iter().map(|o| o.given_false).product();
                assert!((t - step.given_true).abs() < 1e-12, "{}", path.display());
                assert!((f - step.given_false).abs() < 1e-12, "{}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked}");
}

/// Step 2's chain formula is what the engine computes for the last report of
/// a chain whose earlier reports are not in hand.
#[test]
fn chain_formula_matches_the_engine() {
    let m = load_text(
        r#"
[model]
title = "chain"
[[hypotheses]]
id = "a"
title = "A"
[[hypotheses]]
id = "b"
title = "B"
[[sources]]
id = "origin"
title = "Origin"
reliability = 0.55
bias = 0.7
[[sources]]
id = "mid"
title = "Middle"
reliability = { hit = 0.9, false_alarm = 0.15 }
[[sources]]
id = "last"
title = "Last"
reliability = 0.8
bias = 0.4
[[evidence]]
id = "e"
claim = "E"
likelihood = { a = 0.9, b = 0.2 }
reports = [
  { id = "o", source = "origin", observed = false },
  { id = "m", source = "mid", via = "o", observed = false },
  { id = "l", source = "last", via = "m", strength = 0.6 },
]
"#,
    );
    let chains = explain::relay_chains(&m, ItemId(0));
    assert_eq!(chains.len(), 1);
    let c = &chains[0];
    assert_eq!(c.links.len(), 2);
    let got = c.effective();
    let (t, f) = explain::report_likelihoods(&m).unwrap()[0];
    assert!((got.hit - t).abs() < 1e-12, "{} vs {t}", got.hit);
    assert!((got.false_alarm - f).abs() < 1e-12);
    // By hand: origin (0.865, 0.315), then a pure relay by (0.9, 0.15), then
    // a partial relay (s = 0.6) by (0.88, 0.08).
    let o = Pair {
        hit: 0.55 + 0.45 * 0.7,
        false_alarm: 0.45 * 0.7,
    };
    let mid = relay(
        o,
        Pair {
            hit: 0.9,
            false_alarm: 0.15,
        },
        1.0,
    );
    assert!((mid.discrimination() - 0.75 * o.discrimination()).abs() < 1e-12);
    let last = relay(
        mid,
        Pair {
            hit: 0.88,
            false_alarm: 0.08,
        },
        0.6,
    );
    assert!((last.hit - got.hit).abs() < 1e-12);
}

#[test]
fn item_option_explains_one_item_and_its_effect() {
    let out = credence()
        .args(["explain", "models/denial.toml", "--item", "written_order"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("The arithmetic for item written_order"));
    assert!(text.contains("written_order: A written firing order"));
    assert!(!text.contains("intercept_search_empty:"));
    assert!(!text.contains("Step 4."));
    assert!(text.contains("The effect of item written_order."));
    assert!(text.contains("Without the item"));
    // Only the sources the item uses.
    let row = |first: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .find(|cells| cells.first().map(String::as_str) == Some(first))
            .unwrap_or_default()
    };
    // Step 1 lists the two sources with their reliability r.
    assert_eq!(row("deserter")[5], "0.5000", "{text}");
    assert_eq!(row("spokesman")[3], "0.2000", "{text}");
    // A denial: 1 - h and 1 - f.
    assert!(text.contains("P(· | E) = 1 - h and P(· | not E) = 1 - f"));
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().eq(["spokesman", "0.7200", "0.9200"]))
    );

    let out = credence()
        .args([
            "explain",
            "models/denial.toml",
            "--item",
            "written_order",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["item"], "written_order");
    assert!(v["running"].is_null());
    let focus = &v["focus"];
    let with = focus["with"].as_array().unwrap();
    let without = focus["without"].as_array().unwrap();
    let effect = focus["effect"].as_array().unwrap();
    for k in 0..with.len() {
        let d = with[k].as_f64().unwrap() - without[k].as_f64().unwrap();
        assert!((d - effect[k].as_f64().unwrap()).abs() < 1e-12);
    }
    assert!((with[0].as_f64().unwrap() - 0.481047).abs() < 1e-6);
}

#[test]
fn unknown_item_is_a_usage_error_with_a_suggestion() {
    credence()
        .args(["explain", "models/denial.toml", "--item", "writen_order"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("no evidence item `writen_order`"))
        .stderr(predicate::str::contains("did you mean `written_order`?"));
    credence()
        .args(["explain", "models/cab.toml", "--item", "zzzzzzzz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cab_blue"));
}

#[test]
fn shared_latent_reliability_is_flagged_as_an_approximation() {
    let m = load(Path::new("models/iran_oct7.toml"));
    let a = analyse(&m).unwrap();
    let e = explain::explain(&m, &a, None).unwrap();
    let running = e.running.unwrap();
    assert!(running.is_approximate());
    assert!(running.difference > 1e-6);
    let out = credence()
        .args(["explain", "models/iran_oct7.toml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Approximation:"));
    assert!(text.contains("latent node shared by all its reports"));
    assert!(text.contains(&format!("{:.4}", running.difference)));
}

#[test]
fn output_file_and_determinism() {
    let dir = std::env::temp_dir().join(format!("credence-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("explain.json");
    credence()
        .args(["explain", "models/curveball.toml", "--format", "json", "-o"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let written = std::fs::read(&file).unwrap();
    let again = credence()
        .args(["explain", "models/curveball.toml", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(written, again.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cab_explain_snapshot() {
    let out = credence()
        .args(["explain", "models/cab.toml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("cab_explain", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn weight_of_evidence_is_reused() {
    // The explained dB for the cab witness is analysis::weight_of_evidence's.
    let m = load(Path::new("models/cab.toml"));
    let a = analyse(&m).unwrap();
    let e = explain::explain(&m, &a, Some(ItemId(0))).unwrap();
    let w = analysis::weight_of_evidence(&[0.8f64.ln(), 0.2f64.ln()], &m.priors());
    assert!((e.items[0].hypotheses[0].woe_db - w[0]).abs() < 1e-12);
}
