//! Plausible ranges (`analysis::ranges`): the default range of each kind of
//! number, in the library and in `sensitivity --format json`; and the
//! nearest-flip search: every flip it reports really breaks the predicate
//! by a fresh compile, lies within the range, and is the nearest one for
//! parameters whose posterior is monotone.

use credence::analysis::ranges::{self, Basis, RangeMode};
use credence::analysis::sensitivity::Parameter;
use credence::analysis::{leader, sensitivity};
use credence::model::{HypothesisId, Model, check_text, no_documents};
use credence::network::{self, Incremental};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::cli::credence;
use crate::model_gen;

/// One number of each kind: an interval reliability, an Admiralty letter,
/// a point reliability, a verbal likelihood, an ACH rating, a point
/// likelihood, an interval likelihood, a certain likelihood, written priors.
const KINDS: &str = r#"
[model]
title = "kinds"
[[hypotheses]]
id = "a"
title = "A"
prior = 0.3
[[hypotheses]]
id = "b"
title = "B"
prior = 0.7
[[sources]]
id = "interval"
title = "Interval source"
reliability = [0.2, 0.6]
[[sources]]
id = "letter"
title = "Letter source"
reliability = "B"
[[sources]]
id = "point"
title = "Point source"
reliability = 0.9
bias = 0.3
[[sources]]
id = "top"
title = "Top grade"
reliability = "A"
[[evidence]]
id = "e1"
claim = "First claim"
likelihood = { a = "likely", b = "C" }
reports = [ { source = "interval" }, { source = "letter" } ]
[[evidence]]
id = "e2"
claim = "Second claim"
likelihood = { a = 0.8, b = [0.1, 0.3] }
reports = [ { source = "point" }, { source = "top" } ]
[[evidence]]
id = "e3"
claim = "Third claim"
likelihood = { a = 1, b = 0.5 }
reports = [ { source = "point", asserts = false } ]
"#;

fn model(text: &str) -> Model {
    check_text("m.toml", text, no_documents)
        .model
        .expect("valid model")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn range_of(m: &Model, p: Parameter) -> (f64, f64, f64, Basis) {
    let r = ranges::plausible_range(m, p);
    (r.low, r.high, r.reference, r.basis)
}

#[test]
fn an_interval_sweeps_its_interval() {
    let m = model(KINDS);
    let s = m.source("interval").unwrap();
    let (low, high, reference, basis) = range_of(&m, Parameter::Reliability(s));
    assert!(close(low, 0.2) && close(high, 0.6) && close(reference, 0.4));
    assert_eq!(basis, Basis::Interval);
    let e2 = m.item("e2").unwrap();
    let (low, high, _, basis) = range_of(&m, Parameter::Likelihood(e2, HypothesisId(1)));
    assert!(close(low, 0.1) && close(high, 0.3));
    assert_eq!(basis, Basis::Interval);
}

#[test]
fn a_verbal_term_sweeps_its_icd203_band() {
    let m = model(KINDS);
    let e1 = m.item("e1").unwrap();
    let (low, high, reference, basis) = range_of(&m, Parameter::Likelihood(e1, HypothesisId(0)));
    assert!(close(low, 0.55) && close(high, 0.80) && close(reference, 0.675));
    assert_eq!(basis, Basis::Verbal("likely".into()));
    // An ACH rating: halfway to its neighbours (C = 0.8 between N = 0.5 and
    // CC = 0.95).
    let (low, high, reference, basis) = range_of(&m, Parameter::Likelihood(e1, HypothesisId(1)));
    assert!(close(low, 0.65) && close(high, 0.875) && close(reference, 0.8));
    assert_eq!(basis, Basis::Ach("C".into()));
}

#[test]
fn an_admiralty_letter_sweeps_one_grade_either_way() {
    let m = model(KINDS);
    let (low, high, reference, basis) =
        range_of(&m, Parameter::Reliability(m.source("letter").unwrap()));
    assert!(close(low, 0.6) && close(high, 0.95) && close(reference, 0.8));
    assert_eq!(
        basis,
        Basis::Admiralty {
            letter: "B".into(),
            below: Some("C".into()),
            above: Some("A".into()),
        }
    );
    // The top grade has nothing above it.
    let (low, high, _, basis) = range_of(&m, Parameter::Reliability(m.source("top").unwrap()));
    assert!(close(low, 0.8) && close(high, 0.95));
    assert_eq!(
        basis,
        Basis::Admiralty {
            letter: "A".into(),
            below: Some("B".into()),
            above: None,
        }
    );
}

#[test]
fn a_point_number_sweeps_its_odds_band() {
    let m = model(KINDS);
    let s = m.source("point").unwrap();
    // 0.9: odds 9, times and over 1.5: 6 and 13.5.
    let (low, high, reference, basis) = range_of(&m, Parameter::Reliability(s));
    assert!(close(low, 6.0 / 7.0) && close(high, 13.5 / 14.5) && close(reference, 0.9));
    assert_eq!(basis, Basis::Point);
    let e2 = m.item("e2").unwrap();
    let (low, high, _, _) = range_of(&m, Parameter::Likelihood(e2, HypothesisId(0)));
    assert!(close(low, 8.0 / 11.0) && close(high, 6.0 / 7.0));
    // A written bias and the default one.
    let (low, high, _, basis) = range_of(&m, Parameter::Bias(s));
    assert!(
        close(low, 0.2 / 0.7 / (1.0 + 0.2 / 0.7)) && close(high, 0.45 / 0.7 / (1.0 + 0.45 / 0.7))
    );
    assert_eq!(basis, Basis::Point);
    let (low, high, reference, basis) = range_of(&m, Parameter::Bias(m.source("letter").unwrap()));
    assert!(close(low, 0.4) && close(high, 0.6) && close(reference, 0.5));
    assert_eq!(basis, Basis::DefaultBias);
    // Certainty is not moved.
    let e3 = m.item("e3").unwrap();
    let r = ranges::plausible_range(&m, Parameter::Likelihood(e3, HypothesisId(0)));
    assert!(r.is_fixed() && close(r.low, 1.0));
    assert_eq!(r.basis, Basis::Certain);
    // A written prior is a point number too.
    let (low, high, reference, _) = range_of(&m, Parameter::Prior(HypothesisId(0)));
    assert!(close(reference, 0.3));
    assert!(close(low, (0.3 / 0.7 / 1.5) / (1.0 + 0.3 / 0.7 / 1.5)));
    assert!(close(high, (0.3 / 0.7 * 1.5) / (1.0 + 0.3 / 0.7 * 1.5)));
}

#[test]
fn full_mode_is_zero_to_one() {
    let m = model(KINDS);
    for (_, r) in ranges::ranges(&m, RangeMode::Full) {
        assert_eq!((r.low, r.high), (0.0, 1.0));
        assert_eq!(r.basis, Basis::Full);
    }
}

#[test]
fn the_json_carries_each_range_and_its_basis() {
    let dir = std::env::temp_dir().join(format!("credence-ranges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kinds.toml");
    std::fs::write(&path, KINDS).unwrap();
    let out = credence()
        .args(["sensitivity", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["range_mode"], "plausible");
    let find = |path: &str| {
        v["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"] == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .clone()
    };
    let cases = [
        ("sources.interval.reliability", 0.2, 0.6, "interval"),
        ("sources.letter.reliability", 0.6, 0.95, "admiralty"),
        ("sources.point.reliability", 6.0 / 7.0, 13.5 / 14.5, "point"),
        ("evidence.e1.likelihood.a", 0.55, 0.8, "verbal"),
        ("evidence.e1.likelihood.b", 0.65, 0.875, "ach"),
        ("sources.letter.bias", 0.4, 0.6, "default"),
        ("evidence.e3.likelihood.a", 1.0, 1.0, "certain"),
    ];
    for (path, low, high, basis) in cases {
        let p = find(path);
        let range = p["range"].as_array().unwrap();
        assert!(close(range[0].as_f64().unwrap(), low), "{path}: {range:?}");
        assert!(close(range[1].as_f64().unwrap(), high), "{path}: {range:?}");
        assert_eq!(p["range_basis"], basis, "{path}");
        assert!(!p["range_note"].as_str().unwrap().is_empty());
        let grid = p["grid"].as_array().unwrap();
        assert!(close(grid[0]["value"].as_f64().unwrap(), low));
        assert!(close(grid.last().unwrap()["value"].as_f64().unwrap(), high));
    }
    assert_eq!(
        find("sources.letter.reliability")["label"],
        "Letter source: reliability"
    );
    assert_eq!(
        find("evidence.e1.likelihood.a")["label"],
        "First claim: P(E | A)"
    );
    assert_eq!(find("hypotheses.a.prior")["kind"], "prior");
    // Full mode sweeps [0, 1].
    let out = credence()
        .args([
            "sensitivity",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--range",
            "full",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["range_mode"], "full");
    for p in v["parameters"].as_array().unwrap() {
        assert_eq!(p["range"], serde_json::json!([0.0, 1.0]));
        assert_eq!(p["range_basis"], "full");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cab_witness_flip_is_outside_its_plausible_band_but_found_over_the_full_range() {
    // P(blue | says blue) = 1/2 at false alarm 0.12 / 0.85 = 0.1412; the
    // witness's 0.2 is a point number with band 0.1667 to 0.2727.
    let m = model(&std::fs::read_to_string("models/cab.toml").unwrap());
    let engine = Incremental::new(&m).unwrap();
    let green = leader(&engine.hypotheses().unwrap());
    let keeps = |p: &[f64]| leader(p) == green;
    let within = ranges::flips_within(&engine, RangeMode::Plausible, &keeps).unwrap();
    assert!(
        within
            .iter()
            .all(|f| !matches!(f.parameter, Parameter::FalseAlarm(_))),
        "{within:?}"
    );
    let full = ranges::flips_within(&engine, RangeMode::Full, &keeps).unwrap();
    let fa = full
        .iter()
        .find(|f| matches!(f.parameter, Parameter::FalseAlarm(_)))
        .expect("the false-alarm rate flips over [0, 1]");
    assert!((fa.value - 0.12 / 0.85).abs() < 2e-6, "{fa:?}");
    assert!(fa.value < fa.holds_at);
    assert!(close(fa.distance, 0.2 - fa.value));
    assert!(close(fa.share, (0.2 - fa.value) / 0.2));
    assert_ne!(leader(&fa.posterior), green);
}

#[test]
fn a_near_tie_flips_within_a_stated_interval_and_the_nearest_comes_first() {
    // A leads on one sure report; a source of reliability [0.1, 0.9]
    // reports an item that favours B: known to be reliable, it overturns A.
    let text = r#"
[model]
title = "near tie"
[[hypotheses]]
id = "a"
title = "A"
[[hypotheses]]
id = "b"
title = "B"
[[sources]]
id = "wide"
title = "Wide"
reliability = [0.1, 0.9]
[[sources]]
id = "sure"
title = "Sure"
reliability = "A"
[[evidence]]
id = "e"
claim = "c"
likelihood = { a = 0.3, b = 0.7 }
reports = [ { source = "wide" } ]
[[evidence]]
id = "f"
claim = "d"
likelihood = { a = 0.62, b = 0.38 }
reports = [ { source = "sure" } ]
"#;
    let m = model(text);
    let engine = Incremental::new(&m).unwrap();
    let base = engine.hypotheses().unwrap();
    let lead = leader(&base);
    let keeps = |p: &[f64]| leader(p) == lead;
    let flips = ranges::flips_within(&engine, RangeMode::Plausible, &keeps).unwrap();
    assert!(flips.windows(2).all(|w| w[0].share <= w[1].share));
    let nearest = ranges::nearest_flip(&engine, RangeMode::Plausible, &keeps)
        .unwrap()
        .unwrap();
    assert_eq!(nearest, flips[0]);
    let wide = flips
        .iter()
        .find(|f| f.parameter == Parameter::Reliability(m.source("wide").unwrap()))
        .unwrap_or_else(|| panic!("{base:?} {flips:?}"));
    assert!(wide.value > 0.1 && wide.value < 0.9, "{wide:?}");
    assert_ne!(leader(&wide.posterior), lead);
    // Over its interval, from the midpoint 0.5.
    assert!(close(wide.range.reference, 0.5));
    assert!(close(wide.share, (wide.value - 0.5).abs() / 0.4));
}

// ---------------------------------------------------------------------------
// Properties

fn config(cases: u32) -> ProptestConfig {
    let defaults = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            defaults.cases
        } else {
            cases
        },
        failure_persistence: None,
        ..defaults
    }
}

fn fail(e: impl std::fmt::Display, text: &str) -> TestCaseError {
    TestCaseError::fail(format!("{e}\n{text}"))
}

fn fresh_at(m: &Model, parameter: Parameter, x: f64) -> Option<Vec<f64>> {
    let mut v = m.clone();
    parameter.set(&mut v, x);
    network::compile(&v).infer().ok().map(|p| p.hypotheses)
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Below this gap between the two largest posteriors, which one leads is
/// rounding, not a finding.
const TIE: f64 = 1e-9;

proptest! {
    #![proptest_config(config(48))]

    /// Each flip lies in its parameter's range; the posterior reported is a
    /// fresh compile's there; the predicate fails there and holds at the
    /// other end of the bracket; and for a likelihood or a prior (whose
    /// posterior is monotone along the range) no grid value nearer the
    /// reference fails.
    #[test]
    fn flips_are_real_and_within_range(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = spec.to_toml();
        let m = check_text("g.toml", &text, no_documents).model
            .ok_or_else(|| fail("invalid", &text))?;
        let engine = Incremental::new(&m).map_err(|e| fail(e, &text))?;
        let base = engine.hypotheses().map_err(|e| fail(e, &text))?;
        let lead = leader(&base);
        // Skip rounding-level ties: which hypothesis leads is then noise.
        let mut sorted = base.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        prop_assume!(sorted.len() < 2 || sorted[0] - sorted[1] > 1e-6);
        let keeps = |p: &[f64]| leader(p) == lead;
        for mode in [RangeMode::Plausible, RangeMode::Full] {
            let flips = ranges::flips_within(&engine, mode, &keeps).map_err(|e| fail(e, &text))?;
            for f in &flips {
                let path = f.parameter.path(&m);
                prop_assert!(f.range.low <= f.value && f.value <= f.range.high, "{path}: {f:?}");
                prop_assert!((f.distance - (f.value - f.range.reference).abs()).abs() < 1e-12);
                prop_assert!(f.share >= 0.0 && f.share <= 1.0);
                if f.resolved {
                    prop_assert!((f.value - f.holds_at).abs() <= sensitivity::FLIP_TOLERANCE + 1e-15);
                }
                let at = fresh_at(&m, f.parameter, f.value)
                    .ok_or_else(|| fail(format!("{path}: impossible at {}", f.value), &text))?;
                prop_assert!(max_diff(&at, &f.posterior) < 1e-9, "{path}: {at:?} vs {:?}\n{text}", f.posterior);
                // Fails there (up to a tie), holds at the other end.
                prop_assert!(at.iter().enumerate().any(|(j, &q)| j != lead.0 && q >= at[lead.0] - TIE),
                    "{path} at {}: {at:?}\n{text}", f.value);
                if f.share > 0.0 && let Some(h) = fresh_at(&m, f.parameter, f.holds_at) {
                    prop_assert!(h.iter().enumerate().all(|(j, &q)| j == lead.0 || h[lead.0] >= q - TIE),
                        "{path} at {}: {h:?}\n{text}", f.holds_at);
                }
            }
            // Monotone parameters: a dense scan finds nothing nearer.
            for (p, r) in ranges::ranges(&m, mode) {
                if !matches!(p, Parameter::Likelihood(..) | Parameter::Prior(_)) || r.is_fixed() {
                    continue;
                }
                let found = flips.iter().find(|f| f.parameter == p);
                for j in 0..=40 {
                    let x = r.low + (r.high - r.low) * j as f64 / 40.0;
                    let Some(post) = fresh_at(&m, p, x) else { continue };
                    let gap = post.iter().enumerate()
                        .filter(|(k, _)| *k != lead.0)
                        .map(|(_, q)| post[lead.0] - q)
                        .fold(f64::INFINITY, f64::min);
                    if gap < -1e-9 {
                        let found = found.ok_or_else(|| fail(format!("{}: fails at {x} but no flip", p.path(&m)), &text))?;
                        prop_assert!(r.share(found.value) <= r.share(x) + 1e-6,
                            "{}: flip at {} but fails nearer at {x}\n{text}", p.path(&m), found.value);
                    }
                }
            }
        }
    }
}

/// The property above is not vacuous: random models do have flips within
/// their plausible ranges, of sources, likelihoods and priors.
#[test]
fn random_models_have_flips_within_range() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = model_gen::model_spec(model_gen::Limits::FULL);
    let (mut source, mut likelihood, mut prior) = (0, 0, 0);
    for _ in 0..64 {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let m = model(&spec.to_toml());
        let engine = Incremental::new(&m).unwrap();
        let lead = leader(&engine.hypotheses().unwrap());
        let keeps = |p: &[f64]| leader(p) == lead;
        for f in ranges::flips_within(&engine, RangeMode::Plausible, &keeps).unwrap() {
            match f.parameter {
                Parameter::Likelihood(..) => likelihood += 1,
                Parameter::Prior(_) => prior += 1,
                _ => source += 1,
            }
        }
    }
    assert!(
        source > 0 && likelihood > 0 && prior > 0,
        "{source} {likelihood} {prior}"
    );
}
