//! Pending evidence and `credence collect`: known answers driven by the
//! files in `tests/collect/`, the guarantee that a pending item never enters
//! a posterior, the CLI in every format, and properties of the exact
//! mutual information (bounds, the martingale of posteriors, agreement with
//! entering each outcome as ordinary evidence).
//!
//! Each file in `tests/collect/` carries header lines:
//! `# bits: ITEM = X` (expected information, bits), `# group-bits: ITEM
//! GROUP = X`, `# outcome: ITEM N = P` (outcome N's probability, outcome 0
//! being every report asserting), `# change: ITEM = P` (P(changes
//! judgement)), `# order: A, B, ...` (the ranking).

use std::path::{Path, PathBuf};

use credence::analysis::collect::{Plan, entropy_bits, plan};
use credence::analysis::{self, judgement};
use credence::model::{self, Model};
use proptest::prelude::*;

use crate::cli::{credence, models};
use crate::model_gen::{Limits, ModelSpec, model_spec};

const TOLERANCE: f64 = 1e-12;

/// The `.toml` files of a folder of the repository, sorted.
fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect(dir)
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

fn load(text: &str) -> Model {
    let checked = model::check_text("collect.toml", text, model::no_documents);
    checked
        .model
        .unwrap_or_else(|| panic!("invalid: {:?}", checked.diagnostics))
}

/// The plan `credence collect` computes: against the bottom line.
fn plan_of(m: &Model) -> Plan {
    let a = analysis::analyse(m).expect("analyses");
    let line = judgement::bottom_line(m, &a).expect("judges");
    plan(m, Some(&line.judgement.statement)).expect("plans")
}

fn candidate<'p>(m: &Model, p: &'p Plan, id: &str) -> &'p credence::analysis::collect::Candidate {
    p.candidates
        .iter()
        .find(|c| m.pending[c.item].id == id)
        .unwrap_or_else(|| panic!("no candidate {id}"))
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("credence-collect-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn number(s: &str) -> f64 {
    s.trim().parse().expect("a number")
}

#[test]
fn known_answers() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in files("tests/collect") {
        let text = std::fs::read_to_string(&path).unwrap();
        let m = load(&text);
        let p = plan_of(&m);
        let name = path.display();
        let mut numbers: Vec<(String, f64, f64)> = Vec::new();
        let mut check = |what: String, got: f64, want: f64| numbers.push((what, got, want));
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("# ") else {
                continue;
            };
            let Some((key, rest)) = rest.split_once(':') else {
                continue;
            };
            match key {
                "bits" => {
                    let (id, x) = rest.split_once('=').unwrap();
                    let c = candidate(&m, &p, id.trim());
                    check(
                        format!("bits of {id}"),
                        c.expected_information_bits,
                        number(x),
                    );
                }
                "group-bits" => {
                    let (lhs, x) = rest.split_once('=').unwrap();
                    let (id, group) = lhs.trim().split_once(' ').unwrap();
                    let g = m.group(group.trim()).expect("a group");
                    let c = candidate(&m, &p, id);
                    check(
                        format!("bits of {id} about {group}"),
                        c.group_information_bits[g.0],
                        number(x),
                    );
                }
                "outcome" => {
                    let (lhs, x) = rest.split_once('=').unwrap();
                    let (id, n) = lhs.trim().split_once(' ').unwrap();
                    let n: usize = n.trim().parse().unwrap();
                    let c = candidate(&m, &p, id);
                    check(
                        format!("P(outcome {n} of {id})"),
                        c.outcomes[n].probability,
                        number(x),
                    );
                }
                "change" => {
                    let (id, x) = rest.split_once('=').unwrap();
                    let c = candidate(&m, &p, id.trim());
                    check(
                        format!("P(changes judgement) of {id}"),
                        c.p_changes_judgement,
                        number(x),
                    );
                }
                "order" => {
                    let want: Vec<&str> = rest.split(',').map(str::trim).collect();
                    let got: Vec<&str> = p
                        .candidates
                        .iter()
                        .map(|c| m.pending[c.item].id.as_str())
                        .collect();
                    if got != want {
                        failures.push(format!("{name}: order {got:?}, expected {want:?}"));
                    }
                }
                _ => {}
            }
        }
        for (what, got, want) in numbers {
            checked += 1;
            if (got - want).abs() > TOLERANCE {
                failures.push(format!("{name}: {what} = {got:.17}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 12, "only {checked} expectations found");
}

/// The file's text with one more item, pending, asked of `source`.
fn with_pending(text: &str, m: &Model, source: &str) -> String {
    let likelihood: Vec<String> = m
        .hypotheses
        .iter()
        .enumerate()
        .map(|(h, x)| format!("{} = {}", x.id, 0.1 + 0.8 * (h % 2) as f64))
        .collect();
    format!(
        "{text}\n\n[[evidence]]\nid = \"zz_pending_probe\"\npending = true\nclaim = \"A probe\"\nlikelihood = {{ {} }}\nreports = [ {{ source = \"{source}\" }} ]\n",
        likelihood.join(", ")
    )
}

/// Every shipped model gives bit-identical posteriors, weights and
/// evidence with a pending item added.
#[test]
fn a_pending_item_changes_no_posterior() {
    for path in models() {
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, c) = model::check_path(&path, &crate::cli::default_seeds(&path)).unwrap();
        let m = c.model.expect("shipped models are valid");
        let Some(source) = m.sources.first() else {
            continue;
        };
        let probed = with_pending(&text, &m, &source.id);
        let checked = model::check_text("probed.toml", &probed, model::no_documents);
        let p = checked
            .model
            .unwrap_or_else(|| panic!("{}: {:?}", path.display(), checked.diagnostics));
        assert_eq!(p.pending.len(), m.pending.len() + 1);
        let (a, b) = (
            analysis::analyse(&m).unwrap(),
            analysis::analyse(&p).unwrap(),
        );
        let post = |x: &analysis::Analysis| -> Vec<u64> {
            x.hypotheses.iter().map(|h| h.posterior.to_bits()).collect()
        };
        assert_eq!(post(&a), post(&b), "{}", path.display());
        assert_eq!(a.log_evidence.to_bits(), b.log_evidence.to_bits());
        for (x, y) in a.items.iter().zip(&b.items) {
            assert_eq!(x.woe_db, y.woe_db);
            assert_eq!(x.effect, y.effect);
        }
    }
}

/// The commands that print posteriors print the same with a pending item
/// added (export BIF says it left the item out, in a comment).
#[test]
fn commands_print_the_same_with_a_pending_item() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cab.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let m = load(&text);
    let dir = scratch("commands");
    let probed = dir.join("cab.toml");
    std::fs::write(&probed, with_pending(&text, &m, &m.sources[0].id)).unwrap();
    let plain = dir.join("plain.toml");
    std::fs::write(&plain, &text).unwrap();
    let run = |file: &Path, args: &[&str]| -> String {
        let out = credence().args(args).arg(file).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for args in [
        &["whatif", "--format", "json"][..],
        &["sensitivity", "--format", "json"],
        &["simulate", "--format", "json", "--samples", "200"],
        &["ach", "--format", "json"],
        &["explain", "--format", "json"],
    ] {
        assert_eq!(run(&plain, args), run(&probed, args), "{args:?}");
    }
    let report = |file: &Path| -> serde_json::Value {
        serde_json::from_str(&run(file, &["report", "--format", "json"])).unwrap()
    };
    let (a, b) = (report(&plain), report(&probed));
    for key in ["hypotheses", "evidence", "bottom_line", "ledger"] {
        assert_eq!(a[key], b[key], "report {key}");
    }
    let bif = run(&probed, &["export", "--format", "bif"]);
    assert!(bif.contains("Pending evidence (not yet collected), left out: zz_pending_probe"));
    let strip = |s: String| -> String {
        s.lines()
            .filter(|l| !l.contains("Pending evidence"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(run(&plain, &["export", "--format", "bif"])),
        strip(bif)
    );
    let export: serde_json::Value =
        serde_json::from_str(&run(&probed, &["export", "--format", "json"])).unwrap();
    assert_eq!(export["pending"][0]["id"], "zz_pending_probe");
}

#[test]
fn collect_writes_every_format() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/collect/perfect.toml");
    for format in ["text", "markdown", "json", "html"] {
        let out = credence()
            .args(["collect", "--format", format])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}");
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(s.contains("perfect"), "{format}");
    }
    let out = credence()
        .args(["collect", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "credence.collect");
    let first = &v["candidates"][0];
    assert_eq!(first["id"], "perfect");
    assert_eq!(first["outcomes"][0]["reports"]["oracle"], true);
    assert!(first["outcomes"][0]["posterior"]["a"].as_f64().unwrap() > 0.89);
}

#[test]
fn collect_on_a_model_without_pending_items_says_how_to_add_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cab.toml");
    let out = credence().arg("collect").arg(&path).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no pending evidence"));
}

#[test]
fn an_override_of_a_pending_item_is_refused() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/collect/perfect.toml");
    let out = credence()
        .args(["whatif", "--set", "evidence.perfect.enabled=false"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is pending"));
}

#[test]
fn over_budget_is_refused_with_the_estimate() {
    // 2^24 outcomes on one item.
    let reports: Vec<String> = (0..24)
        .map(|k| format!("{{ id = \"r{k}\", source = \"s\" }}"))
        .collect();
    let text = format!(
        "[[hypotheses]]\nid = \"a\"\ntitle = \"A\"\n[[hypotheses]]\nid = \"b\"\ntitle = \"B\"\n[[sources]]\nid = \"s\"\ntitle = \"S\"\nreliability = 0.7\n[[evidence]]\nid = \"wide\"\npending = true\nclaim = \"c\"\nlikelihood = {{ a = 0.9, b = 0.2 }}\nreports = [ {} ]\n",
        reports.join(", ")
    );
    let file = scratch("budget").join("wide.toml");
    std::fs::write(&file, text).unwrap();
    let out = credence().arg("collect").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("collect would") && err.contains("budget"),
        "{err}"
    );
}

/// The spec with item `i` made pending: its answers dropped, every report
/// observed.
fn pending_text(spec: &ModelSpec, i: usize) -> String {
    let mut spec = spec.clone();
    for r in &mut spec.items[i].reports {
        r.asserts = None;
        r.observed = None;
    }
    spec.items[i].enabled = true;
    let id = spec.items[i].id.clone();
    spec.to_toml().replacen(
        &format!("id = \"{id}\"\n"),
        &format!("id = \"{id}\"\npending = true\n"),
        1,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// MI is in [0, H(posterior)]; outcome probabilities sum to 1; the
    /// posteriors after the outcomes average back to the current one; and
    /// each outcome entered as ordinary evidence gives the same posterior
    /// and probability (P(o | e) = P(e, o) / P(e)).
    #[test]
    fn information_is_bounded_and_matches_entering_each_outcome(
        spec in model_spec(Limits::SMALL),
        pick in 0usize..8,
    ) {
        prop_assume!(!spec.items.is_empty());
        let i = pick % spec.items.len();
        prop_assume!(!spec.items[i].reports.is_empty() && spec.items[i].reports.len() <= 3);
        let text = pending_text(&spec, i);
        let m = load(&text);
        prop_assume!(m.pending.len() == 1);
        let Ok(base) = analysis::analyse(&m) else {
            return Ok(());
        };
        let p = plan(&m, None).expect("plans");
        let c = &p.candidates[0];
        let h = entropy_bits(&p.posterior);
        prop_assert!(c.expected_information_bits >= 0.0);
        prop_assert!(c.expected_information_bits <= h + 1e-9, "{} > {}", c.expected_information_bits, h);
        for (g, bits) in c.group_information_bits.iter().enumerate() {
            let pg = m.groups[g].total(&p.posterior);
            prop_assert!(*bits >= 0.0 && *bits <= entropy_bits(&[pg, 1.0 - pg]) + 1e-9);
        }
        let total: f64 = c.outcomes.iter().map(|o| o.probability).sum();
        prop_assert!((total - 1.0).abs() < 1e-9, "outcomes sum to {}", total);
        for (k, now) in p.posterior.iter().enumerate() {
            let mean: f64 = c.outcomes.iter().map(|o| o.probability * o.posterior[k]).sum();
            prop_assert!((mean - now).abs() < 1e-9, "E[after] {} vs now {}", mean, now);
        }
        for o in &c.outcomes {
            let mut answered = spec.clone();
            for (r, a) in answered.items[i].reports.iter_mut().zip(&o.asserts) {
                r.asserts = Some(*a);
                r.observed = None;
            }
            answered.items[i].enabled = true;
            let Some(mm) = model::check_text("o.toml", &answered.to_toml(), model::no_documents).model else {
                continue;
            };
            match analysis::analyse(&mm) {
                Ok(after) => {
                    let probability = (after.log_evidence - base.log_evidence).exp();
                    prop_assert!((probability - o.probability).abs() < 1e-9, "{} vs {}", probability, o.probability);
                    for (x, y) in after.hypotheses.iter().zip(&o.posterior) {
                        prop_assert!((x.posterior - y).abs() < 1e-9);
                    }
                }
                Err(_) => prop_assert!(o.probability < 1e-12),
            }
        }
    }
}

/// Hugin's conflict measure and the credibility grades, from the headers
/// of `tests/conflict/*.toml`: `# case: X` (bits), `# item: ID = X`,
/// `# grade: ID = N`.
#[test]
fn conflict_and_grades_known_answers() {
    let paths = files("tests/conflict");
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let m = load(&text);
        let a = analysis::analyse(&m).expect("analyses");
        let name = path.display();
        for line in text.lines() {
            let Some((key, rest)) = line.strip_prefix("# ").and_then(|l| l.split_once(':')) else {
                continue;
            };
            let item = |id: &str| {
                let i = m
                    .item(id.trim())
                    .unwrap_or_else(|| panic!("{name}: no item {id}"));
                &a.items[i.0]
            };
            let mut near = |what: String, got: Option<f64>, want: f64| {
                checked += 1;
                if got.is_none_or(|g| (g - want).abs() > TOLERANCE) {
                    failures.push(format!("{name}: {what} = {got:?}, expected {want}"));
                }
            };
            match key {
                "case" => near("case conflict".into(), Some(a.conflict_bits), number(rest)),
                "item" => {
                    let (id, x) = rest.split_once('=').unwrap();
                    near(
                        format!("conflict of {id}"),
                        item(id).conflict_bits,
                        number(x),
                    );
                }
                "grade" => {
                    let (id, n) = rest.split_once('=').unwrap();
                    checked += 1;
                    let got = item(id).credibility.map(|g| g.grade);
                    let want: u8 = n.trim().parse().unwrap();
                    if got != Some(want) {
                        failures.push(format!("{name}: grade of {id} = {got:?}, expected {want}"));
                    }
                }
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 10, "only {checked} expectations found");
}

#[test]
fn check_warns_and_report_flags_evidence_in_conflict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conflict");
    let out = credence()
        .arg("check")
        .arg(dir.join("two.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: the evidence is in conflict: 1.47 bits"),
        "{err}"
    );
    let out = credence()
        .arg("check")
        .arg(dir.join("single.toml"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("in conflict"));
    let out = credence()
        .arg("report")
        .arg(dir.join("two.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "Inconsistent with the rest of the evidence: for_a (+1.47 bits), for_b (+1.47 bits)"
        ),
        "{text}"
    );
    let out = credence()
        .args(["report", "--format", "json"])
        .arg(dir.join("relays.toml"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let confirmed = v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "confirmed")
        .unwrap();
    assert_eq!(confirmed["credibility"]["grade"], 1);
    assert_eq!(
        confirmed["misp_tags"][0],
        "admiralty-scale:information-credibility=\"1\""
    );
    let officials = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "officials")
        .unwrap();
    assert_eq!(
        officials["misp_tags"][0],
        "admiralty-scale:source-reliability=\"b\""
    );
}

/// However many outlets relay one origin, however reliable, the item is
/// never graded 1: a relay never confirms.
#[test]
fn relays_of_one_origin_never_confirm() {
    for outlets in 1..=6 {
        let relays: Vec<String> = (0..outlets)
            .map(|k| format!("{{ id = \"o{k}\", source = \"wire\", via = \"origin\" }}"))
            .collect();
        let text = format!(
            "[[hypotheses]]\nid = \"a\"\ntitle = \"A\"\n[[hypotheses]]\nid = \"b\"\ntitle = \"B\"\n[[sources]]\nid = \"insider\"\ntitle = \"I\"\nreliability = \"A\"\n[[sources]]\nid = \"wire\"\ntitle = \"W\"\nreliability = \"A\"\n[[evidence]]\nid = \"story\"\nclaim = \"c\"\nlikelihood = {{ a = 0.9, b = 0.2 }}\nreports = [ {{ id = \"origin\", source = \"insider\" }}, {} ]\n",
            relays.join(", ")
        );
        let m = load(&text);
        let a = analysis::analyse(&m).unwrap();
        let grade = a.items[0].credibility.unwrap().grade;
        assert_eq!(grade, 2, "{outlets} outlets");
    }
}
