//! `credence simulate`: the CLI on every model, reproducibility (same seed,
//! same bytes, whatever the thread count), and that a model whose every
//! range is a point simulates to exactly `report`'s posterior.

use crate::model_gen;

use std::path::Path;

use credence::analysis::{self, simulate};
use credence::model::{self, Estimate, Interval, Model, Reliability, check_text, no_documents};
use credence::network;
use credence::report;
use predicates::prelude::*;
use proptest::prelude::*;

use crate::cli;
use cli::{credence, models};

const IRAN: &str = "models/iran_oct7.toml";

fn load(path: &Path) -> Model {
    let (_, checked) = model::check_path(path, &crate::cli::default_seeds(path)).unwrap();
    checked.model.expect("the shipped models are valid")
}

fn json(args: &[&str]) -> (Vec<u8>, serde_json::Value) {
    let out = credence().arg("simulate").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "simulate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = serde_json::from_slice(&out.stdout).unwrap();
    (out.stdout, v)
}

fn render(m: &Model, sim: &simulate::Simulation) -> Vec<u8> {
    let mut out = Vec::new();
    report::write(
        &report::simulate::build(m, sim),
        report::Format::Json,
        false,
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn every_model_in_text_and_json() {
    for path in models() {
        let p = path.to_str().unwrap();
        let m = load(&path);
        let mut text = credence()
            .args(["simulate", p, "--samples", "200"])
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "Monte Carlo: 200 samples, seed 0.",
            ))
            .stdout(predicate::str::contains("P(leads)"))
            .stdout(predicate::str::contains("Most often leading:"))
            // No progress bar (stderr is not a terminal) and no warnings
            // about shipped models.
            .stderr("");
        for h in &m.hypotheses {
            text = text.stdout(predicate::str::contains(h.id.as_str()));
        }

        let (_, v) = json(&[p, "--samples", "200", "--format", "json"]);
        assert_eq!(v["schema"], 1);
        assert_eq!(v["kind"], "credence.simulate");
        assert_eq!(v["samples"], 200);
        assert_eq!(v["seed"], 0);
        assert_eq!(v["used_samples"], 200, "{p}");
        let params = v["parameters"].as_array().unwrap();
        assert_eq!(v["sampled_parameters"], params.len());
        assert_eq!(v["degenerate"], params.is_empty());
        for q in params {
            assert!(q["name"].is_string());
            assert!(q["low"].as_f64().unwrap() < q["high"].as_f64().unwrap());
        }
        let hyps = v["hypotheses"].as_array().unwrap();
        assert_eq!(hyps.len(), m.hypotheses.len());
        let (mut means, mut leads) = (0.0, 0.0);
        for h in hyps {
            let f = |k: &str| h[k].as_f64().unwrap_or_else(|| panic!("{p}: {k}"));
            assert!(f("p5") <= f("p50") && f("p50") <= f("p95"), "{p}: {h}");
            if params.is_empty() {
                // Every sample is the same model: exactly report's posterior.
                for k in ["mean", "p5", "p50", "p95"] {
                    assert_eq!(f(k), f("report_posterior"), "{p}: {k}");
                }
            }
            means += f("mean");
            leads += f("p_leading");
        }
        assert!((means - 1.0).abs() < 1e-9, "{p}: means sum to {means}");
        assert!(
            (leads - 1.0).abs() < 1e-12,
            "{p}: lead shares sum to {leads}"
        );
        let leader = v["most_often_leading"].as_str().unwrap();
        assert!(hyps.iter().any(|h| h["id"] == leader));
    }
}

#[test]
fn report_column_is_reports_posterior() {
    for path in models() {
        let p = path.to_str().unwrap();
        let out = credence()
            .args(["report", p, "--format", "json"])
            .output()
            .unwrap();
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let (_, s) = json(&[p, "--samples", "20", "--format", "json"]);
        for (a, b) in r["hypotheses"]
            .as_array()
            .unwrap()
            .iter()
            .zip(s["hypotheses"].as_array().unwrap())
        {
            assert_eq!(a["id"], b["id"]);
            assert_eq!(a["posterior"], b["report_posterior"], "{p}");
        }
    }
}

#[test]
fn a_model_without_intervals_says_so() {
    credence()
        .args(["simulate", "models/cab.toml", "--samples", "50"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "No number in this model is uncertain",
        ))
        .stdout(predicate::str::contains("degenerate"))
        .stdout(predicate::str::contains("Sampled numbers").not());
}

#[test]
fn the_seed_model_samples_its_interval_sources() {
    let (_, v) = json(&[IRAN, "--samples", "200", "--format", "json"]);
    let names: Vec<&str> = v["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for want in [
        "sources.hamas_hezbollah_members.reliability",
        "sources.intercepted_iranian_officials.reliability",
        "sources.us_intelligence.reliability",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    assert_eq!(v["degenerate"], false);
    // Some spread: the interval sources move the posteriors.
    let h = &v["hypotheses"][0];
    assert!(h["p5"].as_f64().unwrap() < h["p95"].as_f64().unwrap());
    credence()
        .args(["simulate", IRAN, "--samples", "200"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Sampled numbers"))
        .stdout(predicate::str::contains("reliability"));
}

#[test]
fn same_seed_same_bytes() {
    for format in ["json", "text"] {
        let args = [IRAN, "--samples", "300", "--seed", "42", "--format", format];
        let a = credence().arg("simulate").args(args).output().unwrap();
        let b = credence().arg("simulate").args(args).output().unwrap();
        assert!(a.status.success());
        assert_eq!(a.stdout, b.stdout, "{format}");
    }
}

#[test]
fn different_seeds_differ() {
    let (_, a) = json(&[IRAN, "--samples", "300", "--seed", "1", "--format", "json"]);
    let (_, b) = json(&[IRAN, "--samples", "300", "--seed", "2", "--format", "json"]);
    assert_ne!(a["hypotheses"], b["hypotheses"]);
    assert_eq!(a["parameters"], b["parameters"]);
}

#[test]
fn thread_count_does_not_change_the_result() {
    let m = load(Path::new(IRAN));
    let options = simulate::Options {
        samples: 1000,
        seed: 7,
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| simulate::simulate(&m, options, &simulate::NoProgress))
            .unwrap()
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(one, two);
    assert_eq!(render(&m, &one), render(&m, &two));
    // And the CLI (default pool) prints the same.
    let (cli, _) = json(&[IRAN, "--samples", "1000", "--seed", "7", "--format", "json"]);
    assert_eq!(cli, render(&m, &one));
}

#[test]
fn a_sample_is_a_model_of_points() {
    let m = load(Path::new(IRAN));
    let params = simulate::parameters(&m);
    assert!(!params.is_empty());
    for index in 0..20 {
        let values = simulate::draw(&params, 3, index);
        for (p, v) in params.iter().zip(&values) {
            assert!(p.range.low().get() <= v.get() && v.get() <= p.range.high().get());
        }
        let s = simulate::sampled_model(&m, &params, 3, index);
        assert!(simulate::parameters(&s).is_empty());
        // An interval reliability is a sampled point, not a latent node.
        assert!(network::compile(&s).reliability.is_empty());
        assert!(!network::compile(&m).reliability.is_empty());
    }
}

/// Every kind of uncertain number, and the numbers nothing uses.
const EVERY_KIND: &str = r#"
[model]
title = "every kind of uncertain number"

[[hypotheses]]
id = "a"
title = "A"
prior = [0.3, 0.7]

[[hypotheses]]
id = "b"
title = "B"
prior = 0.5

[[sources]]
id = "f"
title = "Admiralty F"
reliability = "F"
bias = [0.3, 0.7]

[[sources]]
id = "pair"
title = "Credibility pair"
reliability = { hit = [0.6, 0.9], false_alarm = 0.1 }

[[sources]]
id = "letter"
title = "Letter with a point value"
reliability = "B"
bias = [0.2, 0.4]

[[sources]]
id = "overridden"
title = "Every report overrides this one"
reliability = [0.1, 0.9]

[[evidence]]
id = "e1"
claim = "one"
likelihood = { a = "likely", b = [0.1, 0.3] }
reports = [
  { source = "f" },
  { source = "pair" },
  { source = "letter", bias = [0.5, 0.6] },
  { source = "overridden", reliability = [0.4, 0.8] },
]

[[evidence]]
id = "off"
claim = "disabled"
enabled = false
likelihood = { a = "very likely", b = "unlikely" }
reports = [{ source = "overridden" }]
"#;

#[test]
fn every_kind_of_uncertain_number_is_sampled_and_nothing_else() {
    let m = check_text("every.toml", EVERY_KIND, no_documents)
        .model
        .expect("valid");
    let params = simulate::parameters(&m);
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "hypotheses.a.prior",
            "sources.f.reliability",
            "sources.f.bias",
            "sources.pair.reliability.hit",
            "evidence.e1.likelihood.a",
            "evidence.e1.likelihood.b",
            "evidence.e1.reports.letter.bias",
            "evidence.e1.reports.overridden.reliability",
        ]
    );
    // Admiralty F is [0, 1]; "likely" is its ICD 203 band.
    assert_eq!(
        (params[1].range.low().get(), params[1].range.high().get()),
        (0.0, 1.0)
    );
    assert_eq!(
        (params[4].range.low().get(), params[4].range.high().get()),
        (0.55, 0.8)
    );
    for index in 0..50 {
        let values = simulate::draw(&params, 5, index);
        let s = simulate::sampled_model(&m, &params, 5, index);
        // Drawn prior normalised with the point one.
        let a = values[0].get();
        let want = a / (a + 0.5);
        assert!((s.hypotheses[0].prior.get() - want).abs() < 1e-15);
        assert!((s.hypotheses[0].prior.get() + s.hypotheses[1].prior.get() - 1.0).abs() < 1e-15);
        assert_eq!(
            s.sources[0].reliability,
            Reliability::Accuracy(Estimate::exact(values[1]))
        );
        assert!(network::compile(&s).reliability.is_empty());
    }
    let sim = simulate::simulate(
        &m,
        simulate::Options {
            samples: 500,
            seed: 1,
        },
        &simulate::NoProgress,
    )
    .unwrap();
    assert_eq!(sim.used, 500);
    assert!(sim.hypotheses[0].percentiles[0] < sim.hypotheses[0].percentiles[2]);
}

#[test]
fn output_file_and_usage_errors() {
    let dir = std::env::temp_dir().join(format!("credence-simulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("sim.json");
    credence()
        .args([
            "simulate",
            IRAN,
            "--samples",
            "100",
            "--format",
            "json",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["kind"], "credence.simulate");
    std::fs::remove_dir_all(&dir).unwrap();

    for bad in [
        &["--samples", "0"][..],
        &["--samples", "lots"],
        &["--seed", "-1"],
        &["--samples", "1000001"],
    ] {
        credence()
            .args(["simulate", IRAN])
            .args(bad)
            .assert()
            .code(2);
    }
    credence()
        .args(["simulate", "models/no_such_model.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
}

/// Give every number a zero-width range at its point value: a point written
/// as an interval `[p, p]`. Sources with an interval reliability (latent in
/// `report`) become point sources.
fn collapse(m: &mut Model) {
    fn point(e: &mut Estimate) {
        e.range = Interval::new(e.point, e.point);
    }
    fn rel(r: &mut Reliability) {
        match r {
            Reliability::Accuracy(e) => point(e),
            Reliability::Credibility { hit, false_alarm } => {
                point(hit);
                point(false_alarm);
            }
        }
    }
    for h in &mut m.hypotheses {
        if let Some(e) = &mut h.prior_written {
            point(e);
        }
    }
    for s in &mut m.sources {
        rel(&mut s.reliability);
        if let Some(b) = &mut s.bias {
            point(b);
        }
    }
    for item in &mut m.items {
        item.likelihood.iter_mut().for_each(point);
        for r in &mut item.reports {
            if let Some(x) = &mut r.reliability {
                rel(x);
            }
            if let Some(b) = &mut r.bias {
                point(b);
            }
        }
    }
}

/// The same collapse written in the TOML: `[lo, hi]` becomes `[lo, lo]`,
/// Admiralty F (the interval [0, 1]) becomes `[0.5, 0.5]`.
fn collapse_spec(spec: &mut model_gen::ModelSpec) {
    use model_gen::Rel;
    let fix = |r: &mut Rel| match r {
        Rel::Interval(lo, hi) => *hi = *lo,
        Rel::Letter('F') => *r = Rel::Interval(0.5, 0.5),
        _ => {}
    };
    for s in &mut spec.sources {
        fix(&mut s.rel);
    }
    for item in &mut spec.items {
        for r in &mut item.reports {
            if let Some(rel) = &mut r.rel {
                fix(rel);
            }
        }
    }
}

fn assert_equals_report(m: &Model, text: &str) -> Result<(), TestCaseError> {
    let a = analysis::analyse(m).expect("inference succeeds");
    let options = simulate::Options {
        samples: 25,
        seed: 11,
    };
    let sim = simulate::simulate(m, options, &simulate::NoProgress).expect("simulation succeeds");
    prop_assert!(sim.is_degenerate(), "sampled {:?}\n{text}", sim.parameters);
    prop_assert_eq!(sim.used, 25);
    for (h, s) in a.hypotheses.iter().zip(&sim.hypotheses) {
        let want = h.posterior;
        prop_assert_eq!(s.report, Some(want));
        prop_assert_eq!(s.mean, want, "mean\n{}", text);
        for p in s.percentiles {
            prop_assert_eq!(p, want, "percentile\n{}", text);
        }
        let leads = if h.id == a.leader { 1.0 } else { 0.0 };
        prop_assert_eq!(s.leads, leads);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn collapsed_ranges_simulate_to_reports_posterior(spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        let text = spec.to_toml();
        let mut m = check_text("m.toml", &text, no_documents).model.expect("generator makes valid models");
        collapse(&mut m);
        assert_equals_report(&m, &text)?;
    }

    #[test]
    fn point_intervals_in_the_toml_simulate_to_reports_posterior(mut spec in model_gen::model_spec(model_gen::Limits::FULL)) {
        collapse_spec(&mut spec);
        let text = spec.to_toml();
        let m = check_text("m.toml", &text, no_documents).model.expect("generator makes valid models");
        assert_equals_report(&m, &text)?;
    }

    #[test]
    fn sampled_spread_is_coherent(spec in model_gen::model_spec(model_gen::Limits::FULL), seed in any::<u64>()) {
        let text = spec.to_toml();
        let m = check_text("m.toml", &text, no_documents).model.expect("generator makes valid models");
        let sim = simulate::simulate(&m, simulate::Options { samples: 40, seed }, &simulate::NoProgress)
            .expect("simulation succeeds");
        prop_assert_eq!(sim.used + sim.impossible, 40);
        let (mut means, mut leads) = (0.0, 0.0);
        for s in &sim.hypotheses {
            let [p5, p50, p95] = s.percentiles;
            prop_assert!(p5 <= p50 && p50 <= p95);
            prop_assert!((0.0..=1.0).contains(&s.mean));
            means += s.mean;
            leads += s.leads;
        }
        prop_assert!((means - 1.0).abs() < 1e-9, "means sum to {means}\n{text}");
        prop_assert!((leads - 1.0).abs() < 1e-12);
        // Same seed, same result.
        let again = simulate::simulate(&m, simulate::Options { samples: 40, seed }, &simulate::NoProgress)
            .expect("simulation succeeds");
        prop_assert_eq!(&sim, &again);
    }
}

/// A sample's network, rewritten in place from another sample, is exactly
/// the network a fresh compile builds: every CPT bit for bit, and so the
/// same posterior (what lets simulate reuse one network per thread).
#[test]
fn refreshed_network_equals_fresh_compile() {
    for path in models() {
        let m = load(&path);
        let params = simulate::parameters(&m);
        let first = simulate::sampled_model(&m, &params, 7, 0);
        let mut compiled = network::compile(&first);
        for index in 1..4 {
            let sample = simulate::sampled_model(&m, &params, 7, index);
            compiled.refresh_shared(&sample);
            for i in 0..sample.items.len() {
                let i = model::ItemId(i);
                let compiled_here = compiled.items.iter().any(|n| n.item == i);
                assert_eq!(
                    compiled.refresh_item(&sample, i),
                    compiled_here,
                    "{}: item {i:?}",
                    path.display()
                );
            }
            let fresh = network::compile(&sample);
            assert_eq!(compiled.net.len(), fresh.net.len());
            for v in 0..fresh.net.len() {
                let (a, b) = (compiled.net.node(v), fresh.net.node(v));
                assert_eq!(a.parents, b.parents);
                let bits = |c: &[f64]| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a.cpt), bits(&b.cpt), "{}: {}", path.display(), b.name);
            }
            let (a, b) = (compiled.infer().unwrap(), fresh.infer().unwrap());
            assert_eq!(a.hypotheses, b.hypotheses, "{}", path.display());
        }
    }
}

/// A change of structure is refused, not half-applied silently.
#[test]
fn refresh_refuses_a_change_of_structure() {
    let m = load(Path::new("models/curveball.toml"));
    let mut compiled = network::compile(&m);
    let mut changed = m.clone();
    // A report no longer observed is a different network.
    let (i, r) = changed
        .items
        .iter()
        .enumerate()
        .find_map(|(i, item)| item.reports.iter().position(|r| r.observed).map(|r| (i, r)))
        .expect("an observed report");
    changed.items[i].reports[r].observed = false;
    assert!(!compiled.refresh_item(&changed, model::ItemId(i)));
    // A disabled item is not in the network.
    let mut off = m.clone();
    off.items[0].enabled = false;
    let mut compiled = network::compile(&off);
    assert!(!compiled.refresh_item(&m, model::ItemId(0)));
}

/// Each sample's posterior, with the items no sampled number touches taken
/// from the worker's cache, is bit for bit that of its model compiled and
/// inferred afresh: on the seed (interval sources and intervals on
/// likelihoods) and on a generated 300-item model with five interval
/// sources (three quarters of its items untouched).
#[test]
fn reused_likelihoods_change_no_bit_of_any_sample() {
    let generated = crate::generate::generate(crate::generate::Shape {
        items: 300,
        interval_sources: 5,
        ..Default::default()
    });
    let generated = check_text("generated.toml", &generated, no_documents)
        .model
        .expect("generated models are valid");
    for model in [load(Path::new(IRAN)), generated] {
        let params = simulate::parameters(&model);
        assert!(!params.is_empty());
        let options = simulate::Options {
            samples: 200,
            seed: 11,
        };
        let sampled = simulate::sample_columns(&model, &params, options, &simulate::NoProgress)
            .expect("samples");
        let mut used = 0;
        for index in 0..options.samples {
            let alone = simulate::sampled_model(&model, &params, options.seed, index);
            let Ok(posterior) = network::compile(&alone).infer() else {
                continue;
            };
            for (h, p) in posterior.hypotheses.iter().enumerate() {
                assert_eq!(
                    sampled.columns[h][used].to_bits(),
                    p.to_bits(),
                    "sample {index}, hypothesis {h}"
                );
            }
            used += 1;
        }
        assert_eq!(used as u64, sampled.used);
    }
}
