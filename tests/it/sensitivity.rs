//! `credence sensitivity`: the CLI on every model, a known flip point, and
//! properties on random models (a sweep at the model's own value is the
//! baseline; a reported flip really flips; a linchpin's removal really
//! changes the leader; leave-one-out and source removal are exact).

use crate::model_gen;

use credence::analysis::sensitivity::{Parameter, removal_overrides};
use credence::analysis::{self, sensitivity};
use credence::model::{Model, Override, check_text, no_documents, overrides};
use credence::network::{self, Incremental};
use predicates::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::cli;
use cli::{credence, models};

/// A sweep reproduces the engine's posterior to this (absolute).
const EXACT: f64 = 1e-12;

/// Below this gap between the two largest posteriors, which one leads is
/// rounding, not a finding.
const TIE: f64 = 1e-9;

fn json(args: &[&str]) -> serde_json::Value {
    let out = credence().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

// ---------------------------------------------------------------------------
// CLI

#[test]
fn every_model_runs_in_text_and_json() {
    for path in models() {
        let p = path.to_str().unwrap();
        let out = credence()
            .args(["sensitivity", p, "--points", "11"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{p}");
        let text = String::from_utf8(out.stdout).unwrap();
        for heading in [
            "Tornado",
            "Linchpins",
            "Weight of evidence and leave-one-out",
        ] {
            assert!(text.contains(heading), "{p}: no {heading}\n{text}");
        }

        let v = json(&["sensitivity", p, "--points", "11", "--format", "json"]);
        assert_eq!(v["schema"], 1);
        assert_eq!(v["kind"], "credence.sensitivity");
        assert_eq!(v["points"], 11);
        let k = v["hypotheses"].as_array().unwrap().len();
        let params = v["parameters"].as_array().unwrap();
        assert!(!params.is_empty(), "{p}");
        let impacts: Vec<f64> = params
            .iter()
            .map(|x| x["impact"].as_f64().unwrap())
            .collect();
        assert!(
            impacts.windows(2).all(|w| w[0] >= w[1]),
            "{p}: not a tornado"
        );
        for x in params {
            assert_eq!(x["grid"].as_array().unwrap().len(), 11);
            let ranges = x["ranges"].as_array().unwrap();
            assert!(ranges.is_empty() || ranges.len() == k);
            for r in ranges {
                assert!(r["min"].as_f64().unwrap() <= r["max"].as_f64().unwrap());
            }
            for f in x["flips"].as_array().unwrap() {
                assert_ne!(f["from"], f["to"]);
                let (below, above) = (f["below"].as_f64().unwrap(), f["above"].as_f64().unwrap());
                assert!(below < above);
                if f["resolved"] == true {
                    assert!(above - below <= 1e-6 + 1e-15);
                }
            }
        }
        for e in v["evidence"].as_array().unwrap() {
            assert_eq!(e["weight_of_evidence_db"].as_array().unwrap().len(), k);
            assert!(e["diagnostic"].is_boolean());
        }
    }
}

#[test]
fn the_cab_witness_flips_the_answer_at_the_known_false_alarm_rate() {
    // P(blue | says blue) = 0.15 * 0.8 / (0.15 * 0.8 + 0.85 f) = 1/2 at
    // f = 0.12 / 0.85; below it, blue leads.
    let v = json(&[
        "sensitivity",
        "models/cab.toml",
        "--format",
        "json",
        "--range",
        "full",
    ]);
    let fa = v["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "sources.witness.reliability.false_alarm")
        .unwrap();
    let flips = fa["flips"].as_array().unwrap();
    assert_eq!(flips.len(), 1);
    assert_eq!(flips[0]["from"], "blue");
    assert_eq!(flips[0]["to"], "green");
    let at = flips[0]["at"].as_f64().unwrap();
    assert!((at - 0.12 / 0.85).abs() < 1e-6, "{at}");
    let text = credence()
        .args(["sensitivity", "models/cab.toml", "--range", "full"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("below 0.1412: blue"), "{text}");
}

#[test]
fn the_seed_model_has_linchpins_and_non_flipping_parameters() {
    let v = json(&["sensitivity", "models/iran_oct7.toml", "--format", "json"]);
    let items = v["linchpins"]["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for r in items {
        assert_eq!(r["changes_leader"], true);
        assert_ne!(r["leading"], v["leading"]);
    }
    // Leave-one-out matches `report`'s effect, with the opposite sign.
    let report = json(&["report", "models/iran_oct7.toml", "--format", "json"]);
    for e in v["evidence"].as_array().unwrap() {
        let r = report["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == e["id"])
            .unwrap();
        let loo = e["leave_one_out"].as_array().unwrap();
        let effect = r["effect"].as_array().unwrap();
        for (a, b) in loo.iter().zip(effect) {
            assert!((a.as_f64().unwrap() + b.as_f64().unwrap()).abs() < 1e-9);
        }
    }
}

#[test]
fn points_must_be_at_least_two() {
    credence()
        .args(["sensitivity", "models/cab.toml", "--points", "1"])
        .assert()
        .code(2);
    credence()
        .args(["sensitivity", "models/cab.toml", "--points", "many"])
        .assert()
        .code(2);
    let v = json(&[
        "sensitivity",
        "models/cab.toml",
        "--points",
        "2",
        "--format",
        "json",
        "--range",
        "full",
    ]);
    let grid = v["parameters"][0]["grid"].as_array().unwrap();
    assert_eq!(grid.len(), 2);
    assert_eq!(grid[0]["value"], 0.0);
    assert_eq!(grid[1]["value"], 1.0);
}

#[test]
fn missing_model_is_a_usage_error() {
    credence()
        .args(["sensitivity", "no/such/model.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
}

#[test]
fn output_is_deterministic() {
    let a = credence()
        .args(["sensitivity", "models/curveball.toml", "--format", "json"])
        .output()
        .unwrap();
    let b = credence()
        .args(["sensitivity", "models/curveball.toml", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
}

// ---------------------------------------------------------------------------
// Properties

/// `cases` per property, unless `PROPTEST_CASES` asks for more (or fewer).
fn config(cases: u32) -> ProptestConfig {
    let defaults = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            defaults.cases
        } else {
            cases
        },
        // No regression files: the test must not write into the repository.
        failure_persistence: None,
        ..defaults
    }
}

fn parse(text: &str) -> Result<Model, TestCaseError> {
    check_text("generated.toml", text, no_documents)
        .model
        .ok_or_else(|| TestCaseError::fail(format!("generated model is invalid:\n{text}")))
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// A fresh compile of `m` with `parameter` set to `x`.
fn fresh_at(m: &Model, parameter: Parameter, x: f64) -> Option<Vec<f64>> {
    let mut v = m.clone();
    parameter.set(&mut v, x);
    network::compile(&v).infer().ok().map(|p| p.hypotheses)
}

/// `h` leads `p`, up to a rounding-level tie.
fn leads(p: &[f64], h: usize) -> bool {
    p.iter()
        .enumerate()
        .all(|(j, &q)| j == h || p[h] >= q - TIE)
}

/// `h` no longer leads `p`: another hypothesis is ahead, up to a
/// rounding-level tie.
fn dethroned(p: &[f64], h: usize) -> bool {
    p.iter()
        .enumerate()
        .any(|(j, &q)| j != h && q >= p[h] - TIE)
}

fn fail(e: impl std::fmt::Display, text: &str) -> TestCaseError {
    TestCaseError::fail(format!("{e}\n{text}"))
}

proptest! {
    #![proptest_config(config(64))]

    /// Every sweep, evaluated at the model's own value, reproduces the
    /// baseline: it changes only what the parameter touches, exactly.
    #[test]
    fn a_sweep_at_the_model_value_is_the_baseline(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = spec.to_toml();
        let m = parse(&text)?;
        let baseline = network::compile(&m).infer().map_err(|e| fail(e, &text))?.hypotheses;
        // With and without the engine's running sum.
        for max_joint in [usize::MAX, 0] {
            let engine = Incremental::with_max_joint(&m, max_joint).map_err(|e| fail(e, &text))?;
            for p in sensitivity::parameters(&m) {
                let Some(v) = p.value(&m) else { continue };
                let at = sensitivity::evaluate(&engine, p, v)
                    .map_err(|e| fail(e, &text))?
                    .ok_or_else(|| fail("impossible at the model's own value", &text))?;
                let d = max_diff(&at, &baseline);
                prop_assert!(d <= EXACT, "{}: {d:e} off the baseline\n{text}", p.path(&m));
                // Away from the model's value too, both ways agree with a fresh compile.
                let x = (v + 0.37) % 1.0;
                let moved = sensitivity::evaluate(&engine, p, x).map_err(|e| fail(e, &text))?;
                let fresh = fresh_at(&m, p, x);
                match (&moved, &fresh) {
                    (Some(a), Some(b)) => prop_assert!(max_diff(a, b) <= EXACT, "{} at {x}\n{text}", p.path(&m)),
                    (None, None) => {}
                    _ => prop_assert!(false, "{} at {x}: {moved:?} vs {fresh:?}\n{text}", p.path(&m)),
                }
            }
        }
    }

    /// Every grid point equals a fresh compile with the parameter set there.
    #[test]
    fn sweep_points_equal_fresh_compiles(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = spec.to_toml();
        let m = parse(&text)?;
        let a = sensitivity::analyse(&m, 5).map_err(|e| fail(e, &text))?;
        for s in &a.sweeps {
            for (x, p) in &s.grid {
                let fresh = fresh_at(&m, s.parameter, *x);
                match (p, &fresh) {
                    (Some(p), Some(f)) => {
                        let d = max_diff(p, f);
                        prop_assert!(d <= EXACT, "{} at {x}: {d:e}\n{text}", s.parameter.path(&m));
                    }
                    (None, None) => {}
                    _ => prop_assert!(false, "{} at {x}: sweep {p:?}, fresh {fresh:?}\n{text}", s.parameter.path(&m)),
                }
            }
        }
    }

    /// At a reported flip point the leader really changes: `from` leads
    /// just below it and `to` just above, by a fresh compile.
    #[test]
    fn a_reported_flip_really_flips(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = spec.to_toml();
        let m = parse(&text)?;
        let a = sensitivity::analyse(&m, 11).map_err(|e| fail(e, &text))?;
        for s in &a.sweeps {
            for f in &s.flips {
                prop_assert!(f.from != f.to);
                prop_assert!(f.below < f.above);
                if f.resolved {
                    prop_assert!(f.above - f.below <= sensitivity::FLIP_TOLERANCE + 1e-15);
                }
                let below = fresh_at(&m, s.parameter, f.below);
                let above = fresh_at(&m, s.parameter, f.above);
                let path = s.parameter.path(&m);
                let below = below.ok_or_else(|| fail(format!("{path}: impossible at {}", f.below), &text))?;
                let above = above.ok_or_else(|| fail(format!("{path}: impossible at {}", f.above), &text))?;
                prop_assert!(leads(&below, f.from.0), "{path}: {:?} does not lead at {}: {below:?}\n{text}", f.from, f.below);
                prop_assert!(leads(&above, f.to.0), "{path}: {:?} does not lead at {}: {above:?}\n{text}", f.to, f.above);
            }
        }
    }

    /// Removing a linchpin (an item, or every report of a source) really
    /// changes the leader, by a fresh compile; and the posterior without
    /// each item and each source is exact.
    #[test]
    fn removals_are_exact_and_linchpins_flip(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = spec.to_toml();
        let m = parse(&text)?;
        let a = sensitivity::analyse(&m, 3).map_err(|e| fail(e, &text))?;
        let leader = a.leader.0;
        for i in &a.items {
            let without = overrides::apply(&m, &[Override::ItemEnabled(i.item, false)]);
            let fresh = network::compile(&without).infer().ok().map(|p| p.hypotheses);
            match (&i.without, &fresh) {
                (Some(p), Some(f)) => prop_assert!(max_diff(p, f) <= EXACT),
                (None, None) => {}
                _ => prop_assert!(false, "item {:?}: {:?} vs {fresh:?}", i.item, i.without),
            }
        }
        for s in &a.sources {
            let without = overrides::apply(&m, &removal_overrides(&m, s.source));
            let fresh = network::compile(&without).infer().ok().map(|p| p.hypotheses);
            match (&s.without, &fresh) {
                (Some(p), Some(f)) => prop_assert!(max_diff(p, f) <= EXACT),
                (None, None) => {}
                _ => prop_assert!(false, "source {:?}: {:?} vs {fresh:?}", s.source, s.without),
            }
        }
        for i in a.linchpin_items() {
            let without = overrides::apply(&m, &[Override::ItemEnabled(i.item, false)]);
            let p = network::compile(&without).infer().map_err(|e| fail(e, &text))?.hypotheses;
            prop_assert!(dethroned(&p, leader), "item {:?}: {p:?}\n{text}", i.item);
        }
        for s in a.linchpin_sources() {
            let without = overrides::apply(&m, &removal_overrides(&m, s.source));
            let p = network::compile(&without).infer().map_err(|e| fail(e, &text))?.hypotheses;
            prop_assert!(dethroned(&p, leader), "source {:?}: {p:?}\n{text}", s.source);
        }
        // Weights of evidence are those `analyse` reports.
        let full = analysis::analyse(&m).map_err(|e| fail(e, &text))?;
        for i in &a.items {
            let r = &full.items[i.item.0];
            for (x, y) in i.woe_db.iter().zip(&r.woe_db) {
                prop_assert!(x == y || (x - y).abs() <= 1e-9, "{x} vs {y}");
            }
            prop_assert_eq!(i.is_diagnostic(), r.is_diagnostic());
        }
    }
}

/// Removing a source is removing its reports: on a model where every report
/// of the source is observed and relayed by nothing, making them worthless
/// gives the posterior of deleting them outright.
#[test]
fn removing_a_source_equals_deleting_its_observed_reports() {
    let with = r#"
[model]
title = "t"
[[hypotheses]]
id = "a"
title = "A"
prior = 0.3
[[hypotheses]]
id = "b"
title = "B"
prior = 0.7
[[sources]]
id = "x"
title = "X"
reliability = 0.7
bias = 0.3
[[sources]]
id = "y"
title = "Y"
reliability = 0.6
[[evidence]]
id = "e1"
claim = "c"
likelihood = { a = 0.9, b = 0.2 }
reports = [ { source = "x" }, { source = "y", asserts = false } ]
[[evidence]]
id = "e2"
claim = "c"
likelihood = { a = 0.4, b = 0.6 }
reports = [ { source = "x", asserts = false }, { source = "y" } ]
"#;
    let without = with
        .replace(
            "reports = [ { source = \"x\" }, { source = \"y\", asserts = false } ]",
            "reports = [ { source = \"y\", asserts = false } ]",
        )
        .replace(
            "reports = [ { source = \"x\", asserts = false }, { source = \"y\" } ]",
            "reports = [ { source = \"y\" } ]",
        );
    let m = check_text("m.toml", with, no_documents).model.unwrap();
    let deleted = check_text("m.toml", &without, no_documents).model.unwrap();
    let a = sensitivity::analyse(&m, 3).unwrap();
    let x = a
        .sources
        .iter()
        .find(|s| m.sources[s.source.0].id == "x")
        .unwrap();
    let want = network::compile(&deleted).infer().unwrap().hypotheses;
    assert!(max_diff(x.without.as_ref().unwrap(), &want) < 1e-12);
}

/// The properties above are not vacuous: random models of the kind they run
/// on do have flip points and linchpins.
#[test]
fn random_models_have_flips_and_linchpins() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = model_gen::model_spec(model_gen::Limits::FULL);
    let (mut flips, mut items, mut sources) = (0, 0, 0);
    for _ in 0..64 {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let m = check_text("g.toml", &spec.to_toml(), no_documents)
            .model
            .unwrap();
        let a = sensitivity::analyse(&m, 11).unwrap();
        flips += a.sweeps.iter().map(|s| s.flips.len()).sum::<usize>();
        items += a.linchpin_items().count();
        sources += a.linchpin_sources().count();
    }
    assert!(
        flips > 0 && items > 0 && sources > 0,
        "{flips} {items} {sources}"
    );
}
