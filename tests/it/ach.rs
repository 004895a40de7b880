//! `credence ach`: the CLI on every model (text and JSON), ratings written
//! and derived, scores, the ACH-versus-Bayes disagreement of the teaching
//! model, and a snapshot of it.

use std::path::{Path, PathBuf};

use credence::analysis::ach::{Rating, ach};
use credence::analysis::analyse;
use credence::model::{self, HypothesisId, Model};

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

fn load(path: &str) -> Model {
    let (_, checked) =
        model::check_path(Path::new(path), &crate::cli::default_seeds(Path::new(path))).unwrap();
    checked.model.unwrap()
}

fn load_text(text: &str) -> Model {
    let c = model::check_text("test.toml", text, model::no_documents);
    c.model
        .unwrap_or_else(|| panic!("invalid: {:?}", c.diagnostics))
}

const LESSON: &str = "models/ach_lesson.toml";

#[test]
fn every_model_gives_a_matrix_in_text_and_json() {
    let models = files("models");
    assert!(models.len() >= 6);
    for path in models {
        let out = credence().arg("ach").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        for key in [
            "ACH matrix",
            "Inconsistency (I = 1, II = 2)",
            "Weighted",
            "Bayes rank",
            "Teaching note",
        ] {
            assert!(text.contains(key), "{}: no {key}", path.display());
        }

        let out = credence()
            .arg("ach")
            .arg(&path)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", path.display());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["kind"], "credence.ach");
        let m = model::check_path(&path, &crate::cli::default_seeds(&path))
            .unwrap()
            .1
            .model
            .unwrap();
        let rows = v["rows"].as_array().unwrap();
        assert_eq!(rows.len(), m.items.iter().filter(|i| i.enabled).count());
        for r in rows {
            let ratings = r["ratings"].as_array().unwrap();
            assert_eq!(ratings.len(), m.hypotheses.len());
            for x in ratings {
                assert!(["CC", "C", "N", "I", "II"].contains(&x.as_str().unwrap()));
            }
            for key in ["credibility", "relevance", "weight"] {
                let x = r[key].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&x), "{key} = {x}");
            }
        }
        // Rows sorted by diagnosticity, most diagnostic first.
        let d: Vec<f64> = rows
            .iter()
            .map(|r| r["diagnosticity_db"].as_f64().unwrap_or(f64::INFINITY))
            .collect();
        assert!(d.windows(2).all(|w| w[0] >= w[1]), "{}", path.display());
        let hyps = v["hypotheses"].as_array().unwrap();
        let sum: f64 = hyps.iter().map(|h| h["posterior"].as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-9);
        assert_eq!(
            v["rankings_agree"].as_bool().unwrap(),
            v["disagreements"].as_array().unwrap().is_empty()
        );
    }
}

#[test]
fn lesson_uses_the_models_own_ratings_and_scores() {
    let m = load(LESSON);
    let a = analyse(&m).unwrap();
    let r = ach(&m, &a).unwrap();
    // Every cell written; the model's matrix (see the file's header).
    let want = [
        ("toolkit_reuse", ["CC", "N", "C"]),
        ("long_dwell", ["CC", "N", "N"]),
        ("crisis_timing", ["CC", "N", "N"]),
        ("local_language_build", ["I", "N", "I"]),
        ("no_ransom", ["C", "C", "II"]),
        ("wiper_payload", ["CC", "N", "N"]),
    ];
    for (id, ratings) in want {
        let item = m.item(id).unwrap();
        let row = r.rows.iter().find(|x| x.item == item).unwrap();
        assert!(!row.denied);
        let got: Vec<&str> = row.cells.iter().map(|c| c.rating.code()).collect();
        assert_eq!(got, ratings, "{id}");
        assert!(row.cells.iter().all(|c| c.written));
        assert_eq!(row.credibility, 1.0);
    }
    let scores: Vec<u32> = r.scores.iter().map(|s| s.inconsistency).collect();
    assert_eq!(scores, [1, 0, 3]);
    // Most diagnostic first: no_ransom (0.8 vs 0.05) heads the matrix.
    assert_eq!(m.items[r.rows[0].item.0].id, "no_ransom");
}

#[test]
fn lesson_disagreement_is_reported_and_explained() {
    let m = load(LESSON);
    let a = analyse(&m).unwrap();
    let r = ach(&m, &a).unwrap();
    let state = HypothesisId(0);
    let insider = HypothesisId(1);
    assert_eq!(r.scores[insider.0].ach_rank, 1);
    assert_eq!(r.scores[state.0].bayes_rank, 1);
    assert_eq!(r.disagreements.len(), 1);
    let d = &r.disagreements[0];
    assert_eq!((d.ach_prefers, d.bayes_prefers), (insider, state));
    // The decibans add up to the posterior odds.
    let parts = d.prior_db
        + d.ignored.db
        + d.against_ach_choice.db
        + d.against_bayes_choice.db
        + d.against_both.db
        + d.latent_db;
    assert!((parts - d.total_db).abs() < 1e-9);
    assert!((d.total_db - 10.0 * (0.833676f64 / 0.159927).log10()).abs() < 1e-3);
    // Four CC-against-N items at 10 log10(0.95 / 0.5) each; one I against N.
    assert_eq!(d.unpredicted.len(), 4);
    assert!((d.ignored.db - 4.0 * 10.0 * (1.9f64).log10()).abs() < 1e-9);
    assert!((d.against_bayes_choice.db - 10.0 * (0.4f64).log10()).abs() < 1e-9);

    let out = credence().args(["ach", LESSON]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // Sentences are wrapped: compare with whitespace collapsed.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for s in [
        "ACH favours insider (fewest inconsistencies); Bayes favours state_actor",
        "Where the rankings disagree, and why",
        "ACH puts insider above state_actor (0 inconsistencies against 1)",
        "A hypothesis rated N predicts nothing, so it is never contradicted",
        "that is how insider keeps a clean column",
        "local_language_build, the one item state_actor is inconsistent with and insider is not",
        "+11.1501",
        "-3.9794",
        "+7.1707",
    ] {
        assert!(flat.contains(s), "missing {s:?} in\n{text}");
    }

    let out = credence()
        .args(["ach", LESSON, "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rankings_agree"], false);
    assert_eq!(v["ach_leading"][0], "insider");
    assert_eq!(v["bayes_leading"][0], "state_actor");
    let d = &v["disagreements"][0];
    assert_eq!(d["ach_prefers"], "insider");
    assert_eq!(d["bayes_prefers"], "state_actor");
    assert!(d["explanation"].as_array().unwrap().len() >= 2);
}

#[test]
fn lesson_snapshot() {
    let out = credence().args(["ach", LESSON]).output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("ach_lesson", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn derived_ratings_follow_the_thresholds() {
    // x vs the mean of the others: 0.9/0.1 (+9.5 dB) CC, 0.5/0.5 N,
    // 0.3/0.2 (+1.8 dB) C, 0.2/0.3 (-1.8 dB) I, 0.1/0.9 II.
    let m = load_text(
        r#"
[model]
title = "derived"
[[hypotheses]]
id = "x"
title = "X"
[[hypotheses]]
id = "y"
title = "Y"
[[evidence]]
id = "strong"
claim = "strong"
likelihood = { x = 0.9, y = 0.1 }
[[evidence]]
id = "flat"
claim = "flat"
likelihood = { x = 0.5, y = 0.5 }
[[evidence]]
id = "weak"
claim = "weak"
likelihood = { x = 0.3, y = 0.2 }
[[evidence]]
id = "mixed"
claim = "mixed: one cell written"
likelihood = { x = "II", y = 0.5 }
"#,
    );
    let a = analyse(&m).unwrap();
    let r = ach(&m, &a).unwrap();
    let row = |id: &str| {
        let i = m.item(id).unwrap();
        r.rows.iter().find(|x| x.item == i).unwrap()
    };
    let codes = |id: &str| -> Vec<Rating> { row(id).cells.iter().map(|c| c.rating).collect() };
    assert_eq!(
        codes("strong"),
        [Rating::VeryConsistent, Rating::VeryInconsistent]
    );
    assert_eq!(codes("flat"), [Rating::Neutral, Rating::Neutral]);
    assert_eq!(row("flat").relevance, 0.0);
    assert_eq!(codes("weak"), [Rating::Consistent, Rating::Inconsistent]);
    assert!(row("mixed").cells[0].written);
    assert!(!row("mixed").cells[1].written);
    assert_eq!(row("mixed").cells[0].rating, Rating::VeryInconsistent);
    // 0.5 vs 0.05: +10 dB.
    assert_eq!(row("mixed").cells[1].rating, Rating::VeryConsistent);
}

#[test]
fn denied_rows_rate_the_negation_and_credibility_follows_the_reports() {
    let m = load_text(
        r#"
[model]
title = "denial"
[[hypotheses]]
id = "x"
title = "X"
[[hypotheses]]
id = "y"
title = "Y"
[[sources]]
id = "official"
title = "Official"
reliability = { hit = 0.8, false_alarm = 0.2 }
[[sources]]
id = "noise"
title = "Worthless"
reliability = 0.0
[[evidence]]
id = "meeting"
claim = "The meeting took place"
likelihood = { x = "CC", y = 0.3 }
reports = [{ source = "official", asserts = false }]
[[evidence]]
id = "rumour"
claim = "A rumour"
likelihood = { x = 0.9, y = 0.1 }
reports = [{ source = "noise" }]
"#,
    );
    let a = analyse(&m).unwrap();
    let r = ach(&m, &a).unwrap();
    let meeting = r
        .rows
        .iter()
        .find(|x| x.item == m.item("meeting").unwrap())
        .unwrap();
    assert!(meeting.denied);
    // Written CC mirrored to II; derived on 1 - 0.3 = 0.7 against 0.05.
    assert_eq!(meeting.cells[0].rating, Rating::VeryInconsistent);
    assert_eq!(meeting.cells[1].rating, Rating::VeryConsistent);
    // P(denial | E) = 0.2, P(denial | not E) = 0.8: credibility 1 - 0.2/0.8.
    assert!((meeting.credibility - 0.75).abs() < 1e-12);
    assert_eq!(meeting.origins, 1);
    assert!((meeting.best_discrimination.unwrap() - 0.6).abs() < 1e-12);
    let rumour = r
        .rows
        .iter()
        .find(|x| x.item == m.item("rumour").unwrap())
        .unwrap();
    assert_eq!(rumour.credibility, 0.0);
    // Both columns take an II; the weighted score ignores the one that only
    // a worthless source reports.
    assert_eq!(r.scores[0].inconsistency, 2);
    assert_eq!(r.scores[1].inconsistency, 2);
    assert!((r.scores[0].weighted - 2.0 * meeting.weight()).abs() < 1e-12);
    assert_eq!(r.scores[1].weighted, 0.0);
}

#[test]
fn one_strong_inconsistency_outweighs_several_weak_ones() {
    // `few` takes one II (counts 2) that is very diagnostic; `many` takes
    // three weak I's (counts 3). ACH prefers `few`, Bayes `many`.
    let m = load_text(
        r#"
[model]
title = "strength beats count"
[[hypotheses]]
id = "few"
title = "Few inconsistencies"
[[hypotheses]]
id = "many"
title = "Many inconsistencies"
[[evidence]]
id = "decisive"
claim = "decisive"
likelihood = { few = 0.01, many = 0.9 }
[[evidence]]
id = "weak_1"
claim = "weak 1"
likelihood = { few = 0.6, many = 0.4 }
[[evidence]]
id = "weak_2"
claim = "weak 2"
likelihood = { few = 0.6, many = 0.4 }
[[evidence]]
id = "weak_3"
claim = "weak 3"
likelihood = { few = 0.6, many = 0.4 }
"#,
    );
    let a = analyse(&m).unwrap();
    let r = ach(&m, &a).unwrap();
    assert_eq!(r.scores[0].inconsistency, 2);
    assert_eq!(r.scores[1].inconsistency, 3);
    assert!(r.scores[1].posterior > r.scores[0].posterior);
    assert_eq!(r.disagreements.len(), 1);
    let view = credence::report::ach::build(&m, &r);
    let why = view.disagreements[0].explanation.join(" ");
    assert!(why.contains("Strength beats count"), "{why}");
    assert!(
        why.contains("A single strongly diagnostic item can outweigh"),
        "{why}"
    );
}

#[test]
fn agreeing_rankings_are_said_to_agree() {
    let out = credence()
        .args(["ach", "models/curveball.toml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("The rankings agree"), "{text}");
}

#[test]
fn base_rate_neglect_is_a_disagreement() {
    // The cab: ACH sees no evidence against blue; Bayes weighs the 85% base
    // rate of green cabs against a witness who is right 80% of the time.
    let out = credence()
        .args(["ach", "models/cab.toml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("ACH puts blue above green"), "{text}");
    assert!(
        flat.contains("Base rates. The priors favour green by +7.5333 dB"),
        "{text}"
    );
}

#[test]
fn ach_output_file_is_written() {
    let dir = std::env::temp_dir().join(format!("credence-ach-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ach.txt");
    credence()
        .args(["ach", LESSON, "-o"])
        .arg(&file)
        .assert()
        .success();
    let written = std::fs::read(&file).unwrap();
    let again = credence().args(["ach", LESSON]).output().unwrap();
    assert_eq!(written, again.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_model_is_a_usage_error() {
    credence()
        .args(["ach", "models/no_such_model.toml"])
        .assert()
        .code(2);
}
