//! The seed case: its report is stable (snapshot), every model in models/
//! checks without warnings, the four news articles, which relay the Wall
//! Street Journal's reporting, add no origin of their own, and the structure
//! the audit's corrections set (issue 14, docs/CASE.md) stays in place.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use credence::diag::Severity;
use credence::model::{self, Item, Model, Report, ReportId};

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
        let (_, checked) = model::check_path(&path, &crate::cli::default_seeds(&path)).unwrap();
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
    let (_, checked) =
        model::check_path(Path::new(SEED), &crate::cli::default_seeds(Path::new(SEED))).unwrap();
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
    // The September training item: its five relays of the WSJ's training
    // story rest on one origin; the US dissent is the only other one
    // (correction 2, below).
    let training = item(&m, "training_sept_iran");
    let origins = training.origins();
    assert!(origins.reports >= 5, "{} reports", origins.reports);
    assert_eq!(wsj_story_origins(&m, training).len(), 1);
    assert_eq!(origins.independent.len(), 2);
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
        cells.starts_with(&["training_sept_iran", reports.as_str(), "2"])
    }));
}

// ---------------------------------------------------------------------------
// The structure the audit's corrections set (issue 14): what relays what and
// which reports are origins, not the posterior.

fn seed() -> Model {
    let (_, checked) =
        model::check_path(Path::new(SEED), &crate::cli::default_seeds(Path::new(SEED))).unwrap();
    checked.model.expect("seed model is valid")
}

fn item<'a>(m: &'a Model, id: &str) -> &'a Item {
    m.item(id)
        .map(|i| &m.items[i.0])
        .unwrap_or_else(|| panic!("no item {id}"))
}

fn source_id<'a>(m: &'a Model, report: &Report) -> &'a str {
    &m.sources[report.source.0].id
}

/// The origin of a report: the root of its relay chain.
fn origin(item: &Item, report: ReportId) -> &Report {
    let root = *item
        .chain(report)
        .last()
        .expect("a chain starts at the report");
    &item.reports[root.0]
}

/// The sources at the origin of every report in `item` that relays what the
/// WSJ asserts (its story; not the US denials it also carried).
fn wsj_story_origins<'a>(m: &'a Model, item: &'a Item) -> BTreeSet<&'a str> {
    (0..item.reports.len())
        .map(ReportId)
        .filter(|&r| {
            item.reports[r.0].asserts
                && item
                    .chain(r)
                    .iter()
                    .any(|c| source_id(m, &item.reports[c.0]) == "wsj")
        })
        .map(|r| source_id(m, origin(item, r)))
        .collect()
}

/// Sources a scenario changes (`sources.X.…` overrides).
fn sources_set_by<'a>(m: &'a Model, scenario: &str) -> BTreeSet<&'a str> {
    let s = m
        .scenarios
        .iter()
        .find(|s| s.id == scenario)
        .unwrap_or_else(|| panic!("no scenario {scenario}"));
    s.overrides
        .iter()
        .filter_map(|(path, _)| path.strip_prefix("sources."))
        .filter_map(|rest| rest.split('.').next())
        .collect()
}

/// Correction 1: the training story and the Beirut go-ahead story are two
/// origins, and the scenario about Hamas and Hezbollah's motive touches only
/// the Beirut story's sources.
#[test]
fn training_and_beirut_stories_have_different_origins() {
    let m = seed();
    for id in ["training_sept_iran", "training_for_the_attack"] {
        assert_eq!(
            wsj_story_origins(&m, item(&m, id)),
            BTreeSet::from(["wsj_intel_sources"]),
            "{id}"
        );
    }
    for id in ["irgc_planned_with_hamas", "beirut_go_ahead"] {
        assert_eq!(
            wsj_story_origins(&m, item(&m, id)),
            BTreeSet::from(["hamas_hezbollah_members"]),
            "{id}"
        );
    }
    let motivated = sources_set_by(&m, "insiders_motivated");
    assert!(motivated.contains("hamas_hezbollah_members"));
    assert!(!motivated.contains("wsj_intel_sources"));
    assert!(!sources_set_by(&m, "admissions_against_interest").contains("wsj_intel_sources"));
}

/// Correction 2: the US dissent carried by 001 is a second origin of the
/// training item, a denial by the US intelligence assessment.
#[test]
fn training_sept_iran_has_the_us_dissent_as_a_second_origin() {
    let m = seed();
    let training = item(&m, "training_sept_iran");
    let origins: Vec<&Report> = training
        .origins()
        .independent
        .iter()
        .map(|r| &training.reports[r.0])
        .collect();
    assert_eq!(origins.len(), 2);
    let dissent = origins
        .iter()
        .find(|r| source_id(&m, r) == "us_intelligence")
        .expect("a US origin");
    assert!(!dissent.asserts);
    // It reaches us through 001, which relays it as a denial.
    let carried = (0..training.reports.len()).map(ReportId).any(|r| {
        let report = &training.reports[r.0];
        report.document.as_deref() == Some(NEWS_RELAYS[1])
            && !report.asserts
            && std::ptr::eq(origin(training, r), *dissent)
    });
    assert!(carried, "001 does not carry the US dissent");
}

/// Correction 4: the US 'no evidence' line is one origin in one item about
/// Iran's role (plus the separate dissent on the training itself), not a
/// denial in each of five items.
#[test]
fn the_us_assessment_counts_once() {
    let m = seed();
    let with_us_denial: Vec<&str> = m
        .items
        .iter()
        .filter(|i| i.enabled)
        .filter(|i| {
            i.origins().independent.iter().any(|r| {
                let report = &i.reports[r.0];
                source_id(&m, report) == "us_intelligence" && !report.asserts
            })
        })
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(with_us_denial, ["training_sept_iran", "iran_foreknowledge"]);
}

/// Correction 5: Hoballah is not a relay of Zarghami, and Hezbollah's denial
/// of the interview is not a denial of the training.
#[test]
fn hoballah_is_not_a_relay_of_zarghami() {
    let m = seed();
    let irgc = m.source("irgc_officials").unwrap();
    let hezbollah = m.source("hezbollah_officials").unwrap();
    assert!(
        !m.dependencies
            .iter()
            .any(|d| d.sources.contains(&irgc) && d.sources.contains(&hezbollah))
    );
    for i in &m.items {
        for r in &i.reports {
            if r.source == hezbollah {
                let parent = r
                    .via
                    .as_ref()
                    .map(|l| source_id(&m, &i.reports[l.parent.0]));
                assert_eq!(parent, None, "{}: {} relays {:?}", i.id, r.id, parent);
            }
        }
    }
    let training = item(&m, "training_over_years");
    assert!(training.reports.iter().any(|r| r.source == hezbollah));
    assert!(
        !training
            .reports
            .iter()
            .any(|r| source_id(&m, r) == "axis_denials")
    );
}

/// Correction 9: Roule answers Golkar in the same item; the essay's own
/// inferences are not origins; Khamenei's praise is one public line.
#[test]
fn balance_roule_counters_golkar_and_the_essay_adds_no_origins_of_its_own() {
    let m = seed();
    let roule_item = m
        .items
        .iter()
        .find(|i| i.reports.iter().any(|r| source_id(&m, r) == "norman_roule"))
        .expect("Roule reports");
    let roule = roule_item
        .reports
        .iter()
        .find(|r| source_id(&m, r) == "norman_roule")
        .unwrap();
    assert!(!roule.asserts, "Roule is a counter-report");
    let golkar = roule_item
        .reports
        .iter()
        .find(|r| source_id(&m, r) == "saeid_golkar")
        .expect("Golkar in the same item");
    assert!(golkar.asserts);
    for id in ["new_tactics", "weapons_supplied"] {
        let i = item(&m, id);
        for r in i.origins().independent {
            assert_ne!(
                source_id(&m, &i.reports[r.0]),
                "essay_author",
                "{id}: the essay's own reading is an origin"
            );
        }
    }
    let praise = item(&m, "khamenei_praise");
    let origins = praise.origins();
    assert!(origins.reports >= 2);
    assert_eq!(origins.independent.len(), 1);
    let relays: BTreeSet<&str> = praise
        .reports
        .iter()
        .filter_map(|r| r.document.as_deref())
        .collect();
    assert_eq!(
        relays,
        BTreeSet::from(["003_63f53ac7bfb7b5fd", "004_ce5212642387543b"])
    );
}
