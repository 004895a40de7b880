//! `credence compare`: pools and cruxes against hand computations (one
//! folder per case in `compare_cases/`: `a.toml`, `b.toml` and
//! `expected.toml`, whose comments show the arithmetic), a model against
//! itself, the order of the models, and the command line (invalid models,
//! no shared hypothesis, determinism).

use std::path::{Path, PathBuf};

use credence::analysis::ach::Rating;
use credence::analysis::compare::{self, Comparison, consensus_of};
use credence::model::{self, Model};

use crate::cli::{credence, models};

const TOLERANCE: f64 = 1e-9;

fn load(path: &Path) -> Model {
    let (_, checked) = model::check_path(path, &crate::cli::default_seeds(path)).expect("readable");
    checked
        .model
        .unwrap_or_else(|| panic!("{} is valid", path.display()))
}

fn run(names: &[&str], models: &[&Model]) -> Comparison {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    compare::compare(&names, models).expect("compares")
}

fn cases() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/compare_cases");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("compare_cases/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    assert!(out.len() >= 5, "the hand-computed cases are there");
    out
}

fn number(v: &toml::Value) -> f64 {
    v.as_float()
        .or_else(|| v.as_integer().map(|i| i as f64))
        .expect("a number")
}

fn by_id(c: &Comparison, pool: &[f64], id: &str) -> f64 {
    let h = c
        .alignment
        .shared_hypotheses
        .iter()
        .position(|x| x == id)
        .unwrap_or_else(|| panic!("shared hypothesis {id}"));
    pool[h]
}

#[test]
fn pools_and_cruxes_match_hand_computations() {
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let a = load(&case.join("a.toml"));
        let b = load(&case.join("b.toml"));
        let expected: toml::Table = std::fs::read_to_string(case.join("expected.toml"))
            .expect("expected.toml")
            .parse()
            .expect("TOML");
        let c = run(&["a", "b"], &[&a, &b]);
        let ranking = expected["ranking"].as_str().unwrap();
        assert_eq!(c.alignment.shared_hypotheses[c.ranking], ranking, "{name}");
        for (pool, values) in [
            ("linear", c.linear_pool.clone()),
            ("logarithmic", c.logarithmic_pool.clone().expect("a pool")),
        ] {
            for (id, want) in expected[pool].as_table().unwrap() {
                let got = by_id(&c, &values, id);
                // The logarithmic pools are worked to 7 digits by hand.
                assert!(
                    (got - number(want)).abs() < 1e-6,
                    "{name}: {pool} pool of {id}: {got} against {want}"
                );
            }
        }
        let want = expected["cruxes"].as_array().unwrap();
        assert_eq!(
            c.cruxes.len(),
            want.len(),
            "{name}: cruxes {:?}",
            c.cruxes.iter().map(|x| &x.path).collect::<Vec<_>>()
        );
        for w in want {
            let path = w["path"].as_str().unwrap();
            let crux = c
                .cruxes
                .iter()
                .find(|x| x.path == path)
                .unwrap_or_else(|| panic!("{name}: crux {path}"));
            assert!(
                (crux.effect.abs() - number(&w["effect"])).abs() < TOLERANCE,
                "{name}: {path} effect {}",
                crux.effect
            );
            for (pair, change) in w["changes"].as_table().unwrap() {
                let (to, from) = pair.split_once("<-").unwrap();
                let index = |n: &str| c.names.iter().position(|x| x == n).unwrap();
                let adoption = crux
                    .adoptions
                    .iter()
                    .find(|x| x.model == index(to) && x.from == index(from))
                    .unwrap_or_else(|| panic!("{name}: {path} {pair}"));
                assert!(
                    (adoption.change - number(change)).abs() < TOLERANCE,
                    "{name}: {path} {pair}: {} against {change}",
                    adoption.change
                );
            }
        }
        // The ranking of cruxes is by |effect|.
        for w in c.cruxes.windows(2) {
            assert!(w[0].effect.abs() >= w[1].effect.abs(), "{name}: ranked");
        }
    }
}

#[test]
fn a_model_compared_with_itself_has_no_cruxes_and_pools_equal_its_posterior() {
    for path in models() {
        let m = load(&path);
        let c = run(&["one", "two"], &[&m, &m]);
        assert!(c.cruxes.is_empty(), "{}: {:?}", path.display(), c.cruxes);
        assert!(c.alignment.misaligned.is_empty(), "{}", path.display());
        let own: Vec<f64> = c.models[0]
            .analysis
            .hypotheses
            .iter()
            .map(|h| h.posterior)
            .collect();
        let log = c.logarithmic_pool.clone().expect("a pool");
        for (h, p) in own.iter().enumerate() {
            assert!((c.linear_pool[h] - p).abs() < 1e-12, "{}", path.display());
            assert!((log[h] - p).abs() < 1e-12, "{}", path.display());
            assert_eq!(c.spread[h].0, c.spread[h].1);
        }
        assert!(c.consensus.iter().all(|cell| !cell.disputed));
    }
}

#[test]
fn the_order_of_the_models_changes_no_pool_and_no_crux() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/compare_cases");
    let a = load(&dir.join("likelihoods/a.toml"));
    let b = load(&dir.join("likelihoods/b.toml"));
    let c = load(&dir.join("presence/a.toml"));
    let one = run(&["a", "b", "c"], &[&a, &b, &c]);
    let two = run(&["c", "a", "b"], &[&c, &a, &b]);
    for id in ["a", "b"] {
        assert_eq!(
            by_id(&one, &one.linear_pool, id).to_bits(),
            by_id(&two, &two.linear_pool, id).to_bits()
        );
        assert_eq!(
            by_id(&one, one.logarithmic_pool.as_ref().unwrap(), id).to_bits(),
            by_id(&two, two.logarithmic_pool.as_ref().unwrap(), id).to_bits()
        );
    }
    let summary = |x: &Comparison| {
        let mut v: Vec<(String, String)> = x
            .cruxes
            .iter()
            .map(|c| (c.path.clone(), format!("{:.12}", c.effect)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(summary(&one), summary(&two));
    assert!(!one.cruxes.is_empty());
}

#[test]
fn open_synthesis_consensus_and_disagreement() {
    use Rating::*;
    // Two raters a step apart: C (4) and N (3): mean 3.5, a half toward N;
    // sd sqrt(0.5) = 0.7071, not disputed.
    let (r, d) = consensus_of(&[Some(Consistent), Some(Neutral)]);
    assert_eq!(r, Some(Neutral));
    assert!((d - 0.5f64.sqrt()).abs() < 1e-12);
    // C against I: mean 3, sd sqrt(2): disputed.
    let (r, d) = consensus_of(&[Some(Consistent), Some(Inconsistent)]);
    assert_eq!(r, Some(Neutral));
    assert!(d >= compare::DISPUTED);
    // II, II, I: mean 4/3 rounds to II.
    let (r, _) = consensus_of(&[
        Some(VeryInconsistent),
        Some(VeryInconsistent),
        Some(Inconsistent),
    ]);
    assert_eq!(r, Some(VeryInconsistent));
    // More N/A than ratings: N/A.
    let (r, d) = consensus_of(&[None, None, Some(VeryConsistent)]);
    assert_eq!(r, None);
    assert!((d - (1.0f64 / 3.0).sqrt()).abs() < 1e-12);
    // II and I: 1.5, a half toward N: I.
    let (r, _) = consensus_of(&[Some(VeryInconsistent), Some(Inconsistent)]);
    assert_eq!(r, Some(Inconsistent));
}

#[test]
fn names_are_made_unique() {
    let stems: Vec<String> = ["m", "m", "x", "m"].iter().map(|s| s.to_string()).collect();
    assert_eq!(compare::unique_names(&stems), ["m", "m-2", "x", "m-3"]);
}

fn case(path: &str) -> String {
    format!(
        "{}/tests/it/compare_cases/{path}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn cli_output_is_deterministic_and_names_each_model() {
    let args = [
        "compare",
        &case("likelihoods/a.toml"),
        &case("likelihoods/b.toml"),
        "--format",
        "json",
    ];
    let first = credence().args(args).output().unwrap();
    assert!(first.status.success());
    let second = credence().args(args).output().unwrap();
    assert_eq!(first.stdout, second.stdout);
    let json: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(json["kind"], "credence.compare");
    assert_eq!(json["models"][0]["name"], "a");
    assert_eq!(json["models"][1]["name"], "b");
    assert!((json["pools"]["linear"]["a"].as_f64().unwrap() - 0.7).abs() < 1e-12);
    assert_eq!(json["cruxes"][0]["path"], "evidence.e.likelihood.b");
    assert_eq!(json["cruxes"][0]["values"]["a"], "0.2");
    assert_eq!(json["cruxes"][0]["values"]["b"], "0.4");
}

#[test]
fn an_invalid_model_is_reported_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[hypotheses]]\nid = \"a\"\ntitle = \"A\"\n\n[[hypotheses]]\nid = \"b\"\ntitle = \"B\"\nprior = 2\n",
    )
    .unwrap();
    let out = credence()
        .args(["compare", &case("likelihoods/a.toml")])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:8:"), "{err}");
}

#[test]
fn models_with_no_shared_hypothesis_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.toml");
    std::fs::write(
        &other,
        "[[hypotheses]]\nid = \"x\"\ntitle = \"X\"\n\n[[hypotheses]]\nid = \"y\"\ntitle = \"Y\"\n",
    )
    .unwrap();
    let out = credence()
        .args(["compare", &case("likelihoods/a.toml")])
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("share no hypothesis"));
}

#[test]
fn output_onto_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    std::fs::copy(case("likelihoods/a.toml"), &a).unwrap();
    let before = std::fs::read(&a).unwrap();
    let out = credence()
        .args(["compare", &case("likelihoods/b.toml")])
        .arg(&a)
        .arg("-o")
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&a).unwrap(), before);
}

/// Every adoption the fast path computes (one factor swapped in the joint
/// posterior) is what `whatif --set` gives on the receiver: checked on two
/// generated models with interval sources, every likelihood and source
/// reliability crux.
#[test]
fn adoptions_match_whatif_on_generated_models() {
    use crate::generate::{Shape, generate};
    use credence::model::{Reliability, overrides};
    let shape = |seed| Shape {
        items: 40,
        interval_sources: 3,
        sources: 8,
        seed,
        ..Shape::default()
    };
    let parse = |text: String| {
        model::check_text("generated.toml", &text, model::no_documents)
            .model
            .expect("valid")
    };
    let (a, b) = (parse(generate(shape(1))), parse(generate(shape(2))));
    let c = run(&["a", "b"], &[&a, &b]);
    let estimate = |e: &credence::model::Estimate| match e.range {
        Some(r) if r.width() > 0.0 => format!("[{}, {}]", r.low().get(), r.high().get()),
        _ => format!("{}", e.point.get()),
    };
    let mut checked = 0;
    for crux in &c.cruxes {
        let parts: Vec<&str> = crux.path.split('.').collect();
        let value = match parts.as_slice() {
            ["sources", s, "reliability"] => match &b.sources[b.source(s).unwrap().0].reliability {
                Reliability::Accuracy(e) => estimate(e),
                Reliability::Credibility { .. } => continue,
            },
            ["evidence", i, "likelihood", h] => {
                estimate(&b.items[b.item(i).unwrap().0].likelihood[b.hypothesis(h).unwrap().0])
            }
            _ => continue,
        };
        let (_, o) = overrides::parse_assignment(&a, &format!("{}={value}", crux.path))
            .unwrap_or_else(|_| panic!("{}={value}", crux.path));
        let variant = overrides::apply(&a, &[o]);
        let want = credence::analysis::analyse(&variant).unwrap();
        let adoption = crux
            .adoptions
            .iter()
            .find(|x| x.model == 0 && x.from == 1)
            .unwrap();
        let got = adoption.posterior.as_ref().unwrap();
        for (h, p) in want.hypotheses.iter().enumerate() {
            assert!(
                (got[h] - p.posterior).abs() < 1e-9,
                "{}: {} against {}",
                crux.path,
                got[h],
                p.posterior
            );
        }
        checked += 1;
    }
    assert!(checked > 100, "{checked} adoptions checked");
}
