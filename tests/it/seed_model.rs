//! The seed case: its report is stable (snapshot), every model in models/
//! checks without warnings, and the four news articles, which all relay one
//! Wall Street Journal story, count as one independent origin.

use std::path::Path;

use assert_cmd::Command;
use credence::diag::Severity;
use credence::model::{self, ReportId};

const SEED: &str = "models/iran_oct7.toml";
const NEWS_RELAYS: [&str; 4] = [
    "000_f593feaa83f8bfcb",
    "001_3c80d78f9ee3f92f",
    "002_12eb3651b24077d9",
    "003_63f53ac7bfb7b5fd",
];

#[test]
fn seed_report_snapshot() {
    let out = Command::cargo_bin("credence")
        .unwrap()
        .args(["report", SEED])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!("iran_oct7_report", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn every_model_checks_clean() {
    let mut paths: Vec<_> = std::fs::read_dir("models")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 6);
    for path in paths {
        let (_, checked) = model::check_path(&path).unwrap();
        let bad: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity >= Severity::Warning)
            .collect();
        assert!(bad.is_empty(), "{}: {:?}", path.display(), bad);
        assert!(checked.model.is_some());
        Command::cargo_bin("credence")
            .unwrap()
            .arg("check")
            .arg(&path)
            .assert()
            .success();
    }
}

#[test]
fn four_news_relays_are_one_origin() {
    let (_, checked) = model::check_path(Path::new(SEED)).unwrap();
    let m = checked.model.expect("seed model is valid");
    let mut items_with_all_four = 0;
    for item in &m.items {
        let news: Vec<usize> = item
            .reports
            .iter()
            .enumerate()
            // What the articles relay from the WSJ; their own background
            // claims (000 on funding since 2017) are origins of their own.
            .filter(|(i, r)| {
                r.document
                    .as_deref()
                    .is_some_and(|d| NEWS_RELAYS.contains(&d))
                    && item
                        .chain(ReportId(*i))
                        .iter()
                        .any(|c| m.sources[item.reports[c.0].source.0].id == "wsj")
            })
            .map(|(i, _)| i)
            .collect();
        if news.is_empty() {
            continue;
        }
        // The relays add no origin of their own: each relays, and the
        // item's origins are the same with or without them.
        for &r in &news {
            assert!(
                item.reports[r]
                    .via
                    .as_ref()
                    .is_some_and(|l| l.strength.get() == 1.0),
                "{}: news report {} is counted as an origin",
                item.id,
                item.reports[r].id
            );
        }
        let origins_of = |skip: &[usize]| -> std::collections::BTreeSet<ReportId> {
            (0..item.reports.len())
                .filter(|i| !skip.contains(i))
                .map(|i| *item.chain(ReportId(i)).last().unwrap())
                .collect()
        };
        assert_eq!(origins_of(&[]), origins_of(&news), "{}", item.id);
        let cited: std::collections::BTreeSet<&str> = news
            .iter()
            .filter_map(|&r| item.reports[r].document.as_deref())
            .collect();
        if cited.len() == 4 {
            items_with_all_four += 1;
        }
    }
    assert!(
        items_with_all_four >= 1,
        "no item is carried by all four news relays"
    );
    // The September training item: several reports, one independent origin.
    let training = m
        .item("training_sept_iran")
        .map(|i| &m.items[i.0])
        .expect("training item");
    let origins = training.origins();
    assert!(origins.reports >= 5, "{} reports", origins.reports);
    assert_eq!(origins.independent.len(), 1);
    let out = Command::cargo_bin("credence")
        .unwrap()
        .args(["report", SEED])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // Its row of "Reports and independent origins": item, reports, origins.
    let reports = origins.reports.to_string();
    assert!(text.lines().any(|line| {
        let cells: Vec<&str> = line.split_whitespace().collect();
        cells.starts_with(&["training_sept_iran", reports.as_str(), "1"])
    }));
}
