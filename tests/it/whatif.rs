//! `credence whatif` and the incremental engine behind it: the CLI on every
//! model, usage errors with hints, and properties on random models (the
//! incremental engine equals a fresh compile after any sequence of changes;
//! a scenario that changes nothing gives the baseline).

use crate::model_gen;

use credence::analysis::whatif::{self, ScenarioRun};
use credence::model::{
    DependencyId, Estimate, HypothesisId, Interval, ItemId, Model, Override, Probability,
    Reliability, ReportId, SourceId, check_text, no_documents, overrides,
};
use credence::network::{self, Incremental, InferError};
use predicates::prelude::*;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

use crate::cli;
use cli::{credence, models};

/// Posteriors from the incremental engine and from a fresh compile agree to
/// this (absolute).
const EXACT: f64 = 1e-12;

fn load(path: &std::path::Path) -> Model {
    let (_, checked) = credence::model::check_path(path, &crate::cli::default_seeds(path)).unwrap();
    checked.model.expect("models/ are valid")
}

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
        let m = load(&path);
        let text = credence().args(["whatif", p]).output().unwrap();
        assert!(text.status.success(), "{p}");
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.contains("(baseline)"), "{p}:\n{text}");
        for s in &m.scenarios {
            assert!(
                text.contains(&format!("{}: {}", s.id, s.title)),
                "{p}: {}",
                s.id
            );
        }
        if m.scenarios.is_empty() {
            assert!(text.contains("The model has no scenarios"), "{p}");
        }

        let v = json(&["whatif", p, "--format", "json"]);
        assert_eq!(v["schema"], 1);
        assert_eq!(v["kind"], "credence.whatif");
        let scenarios = v["scenarios"].as_array().unwrap();
        assert_eq!(scenarios.len(), m.scenarios.len(), "{p}");
        let base: Vec<f64> = v["baseline"]["posteriors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["posterior"].as_f64().unwrap())
            .collect();
        assert!((base.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        for s in scenarios {
            let hyps = s["hypotheses"].as_array().unwrap();
            assert_eq!(hyps.len(), m.hypotheses.len());
            let sum: f64 = hyps.iter().map(|h| h["posterior"].as_f64().unwrap()).sum();
            assert!((sum - 1.0).abs() < 1e-9, "{p}");
            for (h, b) in hyps.iter().zip(&base) {
                let change = h["change"].as_f64().unwrap();
                assert!((h["posterior"].as_f64().unwrap() - b - change).abs() < 1e-12);
                assert!(h["icd203"].is_string());
            }
            assert_eq!(
                s["leader_changed"].as_bool().unwrap(),
                s["leading"] != s["leading_before"]
            );
        }
    }
}

#[test]
fn the_leader_change_is_named_from_and_to() {
    // us_good_visibility: US 'no evidence' as evidence of absence, which
    // overturns the seed's leader (docs/CASE.md).
    let v = json(&[
        "whatif",
        "models/iran_oct7.toml",
        "--scenario",
        "us_good_visibility",
        "--format",
        "json",
    ]);
    let s = &v["scenarios"].as_array().unwrap()[0];
    assert_eq!(s["id"], "us_good_visibility");
    assert_eq!(s["leader_changed"], true);
    assert_eq!(s["leading_before"], v["baseline"]["leading"]);
    let out = credence()
        .args([
            "whatif",
            "models/iran_oct7.toml",
            "--scenario",
            "us_good_visibility",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = format!(
        "The leading hypothesis changes: {} → {}.",
        s["leading_before"].as_str().unwrap(),
        s["leading"].as_str().unwrap()
    );
    assert!(text.contains(&line), "{text}");
}

#[test]
fn set_alone_is_one_ad_hoc_scenario() {
    let v = json(&[
        "whatif",
        "models/cab.toml",
        "--set",
        "sources.witness.reliability={ hit = 0.9, false_alarm = 0.1 }",
        "--format",
        "json",
    ]);
    let scenarios = v["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 1);
    assert_eq!(scenarios[0]["id"], "--set");
    assert_eq!(scenarios[0]["overrides"][0]["from_set"], true);
    // 0.15 * 0.9 / (0.15 * 0.9 + 0.85 * 0.1) = 0.135 / 0.22
    let blue = scenarios[0]["hypotheses"][0]["posterior"].as_f64().unwrap();
    assert!((blue - 0.135 / 0.22).abs() < 1e-12, "{blue}");
}

/// The library takes typed overrides: one built in code and one parsed
/// from `--set` text by the model layer give the same scenario, and the
/// same posterior as the CLI.
#[test]
fn select_takes_typed_overrides() {
    let m = load(std::path::Path::new("models/cab.toml"));
    let witness = SourceId(m.sources.iter().position(|s| s.id == "witness").unwrap());
    let typed = Override::SourceReliability(
        witness,
        Reliability::Credibility {
            hit: e(0.9),
            false_alarm: e(0.1),
        },
    );
    let (path, parsed) = overrides::parse_assignment(
        &m,
        "sources.witness.reliability={ hit = 0.9, false_alarm = 0.1 }",
    )
    .expect("a valid override");
    assert_eq!(path, "sources.witness.reliability");
    assert_eq!(parsed, typed);
    let sets = vec![(path, typed)];
    let runs = whatif::select(&m, &[], &sets, false).expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].id, whatif::SET_SCENARIO);
    assert_eq!(runs[0].from_set, 1);
    let result = whatif::run(&m, runs).expect("runs");
    let blue = result.outcomes[0].posterior.as_ref().expect("posterior")[0];
    assert!((blue - 0.135 / 0.22).abs() < 1e-12, "{blue}");
    // Unknown scenario ids are still the library's argument errors.
    let bad = whatif::select(&m, &["nope".to_string()], &sets, false).expect_err("unknown");
    assert!(
        bad.diagnostics[0]
            .message
            .contains("unknown scenario `nope`")
    );
}

#[test]
fn set_applies_on_top_of_each_chosen_scenario() {
    let v = json(&[
        "whatif",
        "models/iran_oct7.toml",
        "--scenario",
        "essay_neutral",
        "--scenario",
        "essay_advocate",
        "--set",
        "sources.essay_author.bias=0.5",
        "--format",
        "json",
    ]);
    let scenarios = v["scenarios"].as_array().unwrap();
    let ids: Vec<&str> = scenarios
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["essay_neutral", "essay_advocate"]);
    for s in scenarios {
        let o = s["overrides"].as_array().unwrap();
        let last = o.last().unwrap();
        assert_eq!(last["path"], "sources.essay_author.bias");
        assert_eq!(last["from_set"], true);
        assert!(o[..o.len() - 1].iter().all(|x| x["from_set"] == false));
    }
    // --all with --set: every scenario, each with the override.
    let v = json(&[
        "whatif",
        "models/iran_oct7.toml",
        "--all",
        "--set",
        "sources.wsj.reliability=0.3",
        "--format",
        "json",
    ]);
    let every = json(&[
        "whatif",
        "models/iran_oct7.toml",
        "--all",
        "--format",
        "json",
    ]);
    let count = every["scenarios"].as_array().unwrap().len();
    assert!(count >= 10, "{count}");
    assert_eq!(v["scenarios"].as_array().unwrap().len(), count);
}

#[test]
fn a_scenario_from_the_file_equals_set_with_its_overrides() {
    let a = json(&[
        "whatif",
        "models/curveball.toml",
        "--scenario",
        "fabricator",
        "--format",
        "json",
    ]);
    let b = json(&[
        "whatif",
        "models/curveball.toml",
        "--set",
        "sources.curveball.reliability=0.0",
        "--format",
        "json",
    ]);
    assert_eq!(
        a["scenarios"][0]["hypotheses"],
        b["scenarios"][0]["hypotheses"]
    );
}

#[test]
fn unknown_scenario_is_a_usage_error_with_a_hint() {
    credence()
        .args([
            "whatif",
            "models/iran_oct7.toml",
            "--scenario",
            "insiders_motivate",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "unknown scenario `insiders_motivate`",
        ))
        .stderr(predicate::str::contains(
            "did you mean `insiders_motivated`?",
        ))
        .stderr(predicate::str::contains("scenarios in this model:"));
    credence()
        .args(["whatif", "models/cab.toml", "--scenario", "anything"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this model has no [[scenarios]]"));
}

#[test]
fn bad_set_is_a_usage_error_with_a_hint() {
    credence()
        .args([
            "whatif",
            "models/iran_oct7.toml",
            "--set",
            "sources.wsjj.reliability=0.3",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("unknown source `wsjj`"))
        .stderr(predicate::str::contains("did you mean `wsj`?"));
    credence()
        .args([
            "whatif",
            "models/iran_oct7.toml",
            "--set",
            "sources.wsj.reliabilty=0.3",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `reliability`?"));
    credence()
        .args([
            "whatif",
            "models/iran_oct7.toml",
            "--set",
            "sources.wsj.reliability=1.5",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--set"))
        .stderr(predicate::str::contains("1.5"));
    credence()
        .args([
            "whatif",
            "models/iran_oct7.toml",
            "--set",
            "sources.wsj.reliability",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected PATH=VALUE"));
}

#[test]
fn scenario_and_all_conflict() {
    credence()
        .args([
            "whatif",
            "models/iran_oct7.toml",
            "--all",
            "--scenario",
            "essay_neutral",
        ])
        .assert()
        .code(2);
}

#[test]
fn output_is_deterministic() {
    let a = credence()
        .args(["whatif", "models/iran_oct7.toml"])
        .output()
        .unwrap();
    let b = credence()
        .args(["whatif", "models/iran_oct7.toml"])
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

/// The generated model, with a `[[dependencies]]` entry over its first two
/// sources when it has two (so that dependency strengths can be changed).
fn with_dependency(spec: &model_gen::ModelSpec) -> String {
    let mut text = spec.to_toml();
    if spec.sources.len() >= 2 {
        text.push_str(
            "\n[[dependencies]]\nid = \"d0\"\nsources = [\"s0\", \"s1\"]\nstrength = 0.6\n",
        );
    }
    text
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The incremental engine's posterior equals a fresh compile's, both in
/// outcome (the same error) and in value.
fn assert_engine_matches(engine: &Incremental, text: &str) -> Result<(), TestCaseError> {
    let fresh = network::compile(engine.model()).infer();
    let mine = engine.posterior();
    match (&fresh, &mine) {
        (Ok(f), Ok(m)) => {
            let d = max_diff(&f.hypotheses, &m.hypotheses);
            prop_assert!(
                d <= EXACT,
                "hypotheses differ by {d:e}: {:?} vs {:?}\n{text}",
                f.hypotheses,
                m.hypotheses
            );
            prop_assert_eq!(f.reliability.len(), m.reliability.len());
            for (a, b) in f.reliability.iter().zip(&m.reliability) {
                let d = max_diff(a, b);
                prop_assert!(d <= EXACT, "reliability differs by {d:e}\n{text}");
            }
            let scale = f.log_evidence.abs().max(1.0);
            prop_assert!((f.log_evidence - m.log_evidence).abs() <= 1e-10 * scale);
        }
        (Err(a), Err(b)) => prop_assert_eq!(a, b),
        _ => prop_assert!(false, "fresh {fresh:?} but incremental {mine:?}\n{text}"),
    }
    Ok(())
}

/// One random change, resolved against the model it applies to.
#[derive(Clone, Debug)]
struct RawChange {
    kind: u8,
    a: Index,
    b: Index,
    c: Index,
    x: f64,
    y: f64,
    flag: bool,
}

fn raw_change() -> impl Strategy<Value = RawChange> {
    (
        0u8..12,
        any::<Index>(),
        any::<Index>(),
        any::<Index>(),
        0.01f64..=0.99,
        0.01f64..=0.99,
        any::<bool>(),
    )
        .prop_map(|(kind, a, b, c, x, y, flag)| RawChange {
            kind,
            a,
            b,
            c,
            x,
            y,
            flag,
        })
}

fn p(x: f64) -> Probability {
    Probability::new(x).unwrap()
}

fn e(x: f64) -> Estimate {
    Estimate::exact(p(x))
}

/// Resolve a raw change into an override valid for `m` (`None` when the
/// model has nothing of that kind, such as a relay to re-weight).
fn resolve(m: &Model, c: &RawChange) -> Option<Override> {
    let s = SourceId(c.a.index(m.sources.len()));
    let i = ItemId(c.a.index(m.items.len()));
    let h = HypothesisId(c.b.index(m.hypotheses.len()));
    let report = || -> Option<ReportId> {
        let n = m.items[i.0].reports.len();
        (n > 0).then(|| ReportId(c.c.index(n)))
    };
    Some(match c.kind {
        0 => Override::SourceReliability(s, Reliability::Accuracy(e(c.x * 0.95))),
        1 => {
            let lo = c.x * 0.5;
            let range = Interval::new(p(lo), p(lo + 0.45))?;
            Override::SourceReliability(s, Reliability::Accuracy(Estimate::interval(range)))
        }
        2 => Override::SourceReliability(
            s,
            Reliability::Credibility {
                hit: e(c.x),
                false_alarm: e(c.y),
            },
        ),
        3 => Override::SourceBias(s, e(c.x)),
        4 => Override::ItemEnabled(i, c.flag),
        5 => Override::Likelihood(i, h, e(c.x)),
        6 => Override::Prior(h, p(0.05 + 0.85 * c.x)),
        7 => {
            let r = report()?;
            m.items[i.0].reports[r.0].via.as_ref()?;
            Override::ReportStrength(i, r, p(c.x))
        }
        8 => Override::ReportObserved(i, report()?, c.flag),
        9 => Override::ReportReliability(i, report()?, Reliability::Accuracy(e(c.x * 0.95))),
        10 => Override::ReportBias(i, report()?, e(c.x)),
        _ => {
            if m.dependencies.is_empty() {
                return None;
            }
            Override::DependencyStrength(DependencyId(0), p(c.x))
        }
    })
}

/// Overrides that set parameters to the values they already have.
fn no_op_overrides(m: &Model) -> Vec<(String, Override)> {
    let mut out = Vec::new();
    for (s, src) in m.sources.iter().enumerate() {
        out.push((
            format!("sources.{}.reliability", src.id),
            Override::SourceReliability(SourceId(s), src.reliability.clone()),
        ));
        if let Some(b) = &src.bias {
            out.push((
                format!("sources.{}.bias", src.id),
                Override::SourceBias(SourceId(s), b.clone()),
            ));
        }
    }
    for (i, item) in m.items.iter().enumerate() {
        out.push((
            format!("evidence.{}.enabled", item.id),
            Override::ItemEnabled(ItemId(i), item.enabled),
        ));
        for (h, l) in item.likelihood.iter().enumerate() {
            out.push((
                format!("evidence.{}.likelihood.h{h}", item.id),
                Override::Likelihood(ItemId(i), HypothesisId(h), l.clone()),
            ));
        }
        for (r, rep) in item.reports.iter().enumerate() {
            out.push((
                format!("evidence.{}.reports.{}.observed", item.id, rep.id),
                Override::ReportObserved(ItemId(i), ReportId(r), rep.observed),
            ));
            if let Some(link) = &rep.via {
                out.push((
                    format!("evidence.{}.reports.{}.strength", item.id, rep.id),
                    Override::ReportStrength(ItemId(i), ReportId(r), link.strength),
                ));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(config(128))]

    /// The incremental engine, built once, equals a fresh compile.
    #[test]
    fn incremental_equals_fresh_compile(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = with_dependency(&spec);
        let m = parse(&text)?;
        let engine = Incremental::new(&m).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        assert_engine_matches(&engine, &text)?;
        // Without the running sum: the cached factors combined afresh.
        let engine = Incremental::with_max_joint(&m, 0).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        assert_engine_matches(&engine, &text)?;
    }

    /// After any sequence of changes, each recompiling only the items it
    /// touches, the engine still equals a fresh compile of the changed model.
    #[test]
    fn incremental_after_changes_equals_fresh_compile(
        spec in model_gen::model_spec(model_gen::Limits::FULL),
        batches in proptest::collection::vec(proptest::collection::vec(raw_change(), 1..4), 1..5),
    ) {
        let text = with_dependency(&spec);
        let m = parse(&text)?;
        let mut engine = Incremental::new(&m).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let mut plain = Incremental::with_max_joint(&m, 0).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let mut applied = Vec::new();
        for batch in &batches {
            let overrides: Vec<Override> = batch.iter().filter_map(|c| resolve(engine.model(), c)).collect();
            applied.push(overrides.clone());
            engine.apply(&overrides).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            plain.apply(&overrides).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            let context = format!("{text}\n--- overrides so far ---\n{applied:#?}");
            assert_engine_matches(&engine, &context)?;
            assert_engine_matches(&plain, &context)?;
            // The engine's model is exactly what `overrides::apply` makes.
            let expected = applied.iter().fold(m.clone(), |acc, o| overrides::apply(&acc, o));
            prop_assert_eq!(expected.priors(), engine.model().priors());
        }
    }

    /// A scenario that sets every parameter to the value it has gives the
    /// baseline; so does a scenario with no overrides.
    #[test]
    fn a_scenario_that_changes_nothing_is_the_baseline(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = spec.to_toml();
        let m = parse(&text)?;
        let fresh = network::compile(&m).infer().map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let runs = vec![
            ScenarioRun { id: "same".into(), title: "same".into(), why: None, overrides: no_op_overrides(&m), from_set: 0 },
            ScenarioRun { id: "empty".into(), title: "empty".into(), why: None, overrides: Vec::new(), from_set: 0 },
        ];
        let w = whatif::run(&m, runs).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert!(max_diff(&w.baseline, &fresh.hypotheses) <= EXACT);
        for o in &w.outcomes {
            let post = o.posterior.as_ref().map_err(|e| TestCaseError::fail(format!("{e}")))?;
            let d = max_diff(post, &w.baseline);
            prop_assert!(d <= EXACT, "{}: differs by {d:e}\n{text}", o.scenario.id);
            prop_assert_eq!(o.leader(), Some(w.leader));
        }
    }

    /// `run` gives, for each scenario, what a fresh compile of the model with
    /// the scenario's overrides gives.
    #[test]
    fn scenarios_equal_fresh_compiles(
        spec in model_gen::model_spec(model_gen::Limits::FULL),
        changes in proptest::collection::vec(raw_change(), 1..6),
    ) {
        let text = with_dependency(&spec);
        let m = parse(&text)?;
        let overrides: Vec<(String, Override)> = changes
            .iter()
            .filter_map(|c| resolve(&m, c))
            .map(|o| (format!("{o:?}"), o))
            .collect();
        let plain: Vec<Override> = overrides.iter().map(|(_, o)| o.clone()).collect();
        let w = whatif::run(&m, vec![ScenarioRun { id: "s".into(), title: "s".into(), why: None, overrides, from_set: 0 }])
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let fresh = network::compile(&overrides::apply(&m, &plain)).infer();
        match (&fresh, &w.outcomes[0].posterior) {
            (Ok(f), Ok(p)) => prop_assert!(max_diff(&f.hypotheses, p) <= EXACT),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (f, p) => prop_assert!(false, "fresh {f:?}, whatif {p:?}"),
        }
    }
}

/// Impossible evidence under a scenario is that scenario's outcome, not a
/// failure of the run.
#[test]
fn an_impossible_scenario_is_reported_not_fatal() {
    let m = load(std::path::Path::new("models/cab.toml"));
    // A witness who never says blue, yet said blue.
    let o = Override::SourceReliability(
        SourceId(0),
        Reliability::Credibility {
            hit: e(0.0),
            false_alarm: e(0.0),
        },
    );
    let w = whatif::run(
        &m,
        vec![ScenarioRun {
            id: "x".into(),
            title: "x".into(),
            why: None,
            overrides: vec![("sources.witness.reliability".into(), o)],
            from_set: 0,
        }],
    )
    .unwrap();
    assert_eq!(w.outcomes[0].posterior, Err(InferError::ImpossibleEvidence));
    credence()
        .args([
            "whatif",
            "models/cab.toml",
            "--set",
            "sources.witness.reliability={ hit = 0.0, false_alarm = 0.0 }",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("impossible"));
}

/// A change the engine cannot take (here a sixth uncertain source on one
/// item: its table would pass the memory budget) is refused, and the engine
/// is left exactly as it was: same model, same posterior, and further
/// changes still work.
#[test]
fn a_refused_change_leaves_the_engine_as_it_was() {
    let mut text = String::from(
        "[model]\ntitle = \"budget\"\nreliability_levels = 21\n\
         [[hypotheses]]\nid = \"a\"\ntitle = \"A\"\n[[hypotheses]]\nid = \"b\"\ntitle = \"B\"\n",
    );
    for s in 0..6 {
        let rel = if s < 5 { "[0.5, 0.9]" } else { "0.7" };
        text.push_str(&format!(
            "[[sources]]\nid = \"s{s}\"\ntitle = \"S{s}\"\nreliability = {rel}\n"
        ));
    }
    text.push_str(
        "[[evidence]]\nid = \"e\"\nclaim = \"c\"\nlikelihood = { a = 0.7, b = 0.3 }\nreports = [\n",
    );
    for s in 0..6 {
        text.push_str(&format!("  {{ id = \"r{s}\", source = \"s{s}\" }},\n"));
    }
    text.push_str("]\n");
    let m = credence::model::check_text("budget.toml", &text, credence::model::no_documents)
        .model
        .expect("valid");
    let mut engine = Incremental::new(&m).expect("five uncertain sources fit");
    let before = engine.hypotheses().expect("infers");
    let path = "sources.s5.reliability=[0.5, 0.9]";
    let (_, o) = credence::model::overrides::parse_assignment(&m, path).expect("a valid override");
    match engine.apply(std::slice::from_ref(&o)) {
        Err(InferError::TooLarge { .. }) => {}
        other => panic!("expected the change to be refused as too large, got {other:?}"),
    }
    assert_eq!(
        format!("{:?}", engine.model().sources),
        format!("{:?}", m.sources),
        "the model is put back"
    );
    assert_eq!(engine.hypotheses().expect("still infers"), before);
    let (_, point) =
        credence::model::overrides::parse_assignment(&m, "sources.s5.reliability=0.9").unwrap();
    engine
        .apply(std::slice::from_ref(&point))
        .expect("a change that fits");
    let fresh = network::compile(&credence::model::overrides::apply(&m, &[point]))
        .infer()
        .unwrap();
    assert!(max_diff(&engine.hypotheses().unwrap(), &fresh.hypotheses) < 1e-12);
}
