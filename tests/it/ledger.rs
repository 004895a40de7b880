//! The origin ledger: every enabled item's weight of evidence is apportioned
//! among its independent origins so that the shares add up to the item's
//! weight (random models, each hypothesis and group), relays never count
//! as origins, the order of reports does not change a share, and
//! symmetric origins share equally.

use crate::cli::credence;
use crate::model_gen::{Limits, model_spec};

use credence::analysis::{self, Analysis};
use credence::model::{Model, check_text, no_documents};
use proptest::prelude::*;

fn model(text: &str) -> Model {
    check_text("ledger.toml", text, no_documents)
        .model
        .expect("valid model")
}

fn analysed(text: &str) -> (Model, Analysis) {
    let m = model(text);
    let a = analysis::analyse(&m).unwrap();
    (m, a)
}

const HEADER: &str = r#"
[model]
title = "Ledger"

[[hypotheses]]
id = "directed"
title = "Directed"

[[hypotheses]]
id = "approved"
title = "Approved"

[[hypotheses]]
id = "support_only"
title = "Support only"

[[groups]]
id = "knew"
title = "Knew in advance"
members = ["directed", "approved"]

[[sources]]
id = "insiders"
title = "Unnamed insiders"
reliability = 0.5

[[sources]]
id = "wsj"
title = "The Wall Street Journal"
reliability = "B"

[[sources]]
id = "outlet_a"
title = "Outlet A"
reliability = 0.6

[[sources]]
id = "outlet_b"
title = "Outlet B"
reliability = 0.6

[[sources]]
id = "officials"
title = "US officials"
reliability = 0.7
"#;

/// Shares of each item over its origins, per hypothesis and group.
fn share_sums(a: &Analysis, width: usize) -> Vec<(usize, Vec<f64>)> {
    let mut sums: Vec<(usize, Vec<f64>)> = Vec::new();
    for o in &a.ledger.origins {
        for s in &o.shares {
            let row: Vec<f64> = s.woe_db.iter().chain(&s.group_woe_db).copied().collect();
            assert_eq!(row.len(), width);
            match sums.iter_mut().find(|(i, _)| *i == s.item.0) {
                Some((_, acc)) => acc.iter_mut().zip(&row).for_each(|(x, y)| *x += y),
                None => sums.push((s.item.0, row)),
            }
        }
    }
    sums
}

#[test]
fn a_relay_chain_is_one_origin_with_the_whole_weight() {
    let text = format!(
        r#"{HEADER}
[[evidence]]
id = "training"
claim = "Fighters trained in Iran"
likelihood = {{ directed = 0.9, approved = 0.6, support_only = 0.2 }}
reports = [
  {{ id = "insiders", source = "insiders", observed = false }},
  {{ id = "wsj", source = "wsj", via = "insiders", observed = false }},
  {{ source = "outlet_a", via = "wsj" }},
  {{ source = "outlet_b", via = "wsj" }},
]
"#
    );
    let (_, a) = analysed(&text);
    assert_eq!(a.ledger.origins.len(), 1);
    let o = &a.ledger.origins[0];
    assert_eq!(o.source.0, 0, "the insiders are the origin");
    assert_eq!(o.reports, 4);
    assert!((o.share - 1.0).abs() < 1e-12);
    for (x, y) in o.woe_db.iter().zip(&a.items[0].woe_db) {
        assert_eq!(x.to_bits(), y.to_bits());
    }
    assert_eq!(o.group_woe_db, a.items[0].group_woe_db);
}

#[test]
fn two_like_origins_share_an_item_equally_and_add_up() {
    let text = format!(
        r#"{HEADER}
[[evidence]]
id = "meeting"
claim = "A meeting in Beirut approved the plan"
likelihood = {{ directed = 0.8, approved = 0.7, support_only = 0.1 }}
reports = [{{ source = "outlet_a" }}, {{ source = "outlet_b" }}]
"#
    );
    let (_, a) = analysed(&text);
    assert_eq!(a.ledger.origins.len(), 2);
    let (x, y) = (&a.ledger.origins[0], &a.ledger.origins[1]);
    for h in 0..3 {
        assert!((x.woe_db[h] - y.woe_db[h]).abs() < 1e-9);
        assert!((x.woe_db[h] + y.woe_db[h] - a.items[0].woe_db[h]).abs() < 1e-9);
    }
    // Two reports of one event do not add in decibans: each share is less
    // than the report's weight alone.
    assert!(x.woe_db[0] < a.items[0].woe_db[0]);
    assert!((x.share - 0.5).abs() < 1e-9);
}

#[test]
fn established_items_are_their_own_line() {
    let text = format!(
        r#"{HEADER}
[[evidence]]
id = "given"
claim = "Established"
likelihood = {{ directed = 0.8, approved = 0.5, support_only = 0.4 }}

[[evidence]]
id = "reported"
claim = "Reported"
likelihood = {{ directed = 0.3, approved = 0.5, support_only = 0.6 }}
reports = [{{ source = "officials" }}]
"#
    );
    let (_, a) = analysed(&text);
    let e = a.ledger.established.as_ref().expect("an established line");
    assert_eq!(e.items.len(), 1);
    assert_eq!(e.woe_db, a.items[0].woe_db);
    let total: f64 = a.ledger.origins.iter().map(|o| o.share).sum::<f64>() + e.share;
    assert!((total - 1.0).abs() < 1e-12);
}

#[test]
fn report_json_carries_the_ledger() {
    let out = credence()
        .args(["report", "--format", "json", "models/iran_oct7.toml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ledger = &v["origin_ledger"];
    let origins = ledger["origins"].as_array().expect("origins");
    assert!(origins.len() > 5);
    let shares: f64 = origins
        .iter()
        .map(|o| o["share"].as_f64().unwrap())
        .sum::<f64>()
        + ledger["established"]["share"].as_f64().unwrap_or(0.0);
    assert!((shares - 1.0).abs() < 1e-9);
    let first = &origins[0];
    for key in [
        "source",
        "title",
        "reliability",
        "items",
        "reports",
        "weight_of_evidence_db",
        "group_weight_of_evidence_db",
        "weight_db",
        "share",
        "decisive",
        "shares",
    ] {
        assert!(first.get(key).is_some(), "origin_ledger.origins[].{key}");
    }
    // Heaviest first.
    let weights: Vec<f64> = origins
        .iter()
        .map(|o| o["weight_db"].as_f64().unwrap())
        .collect();
    assert!(weights.windows(2).all(|w| w[0] >= w[1]));
    // The four relays of the WSJ story rest on the insiders, not on four
    // outlets: no outlet that only relays is an origin.
    assert!(
        origins
            .iter()
            .all(|o| o["source"] != "all_israel_news" || o["items"].as_array().unwrap().len() == 1)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// On random models (relays, partial relays, latent reliabilities,
    /// denials), the shares of each item over its origins add up to the
    /// item's weight, per hypothesis and per group.
    #[test]
    fn shares_add_up_to_each_items_weight(
        spec in model_spec(Limits { hyps: (3, 4), ..Limits::FULL }),
    ) {
        let text = format!(
            "{}\n[[groups]]\nid = \"g\"\ntitle = \"G\"\nmembers = [\"h0\", \"h1\"]\n",
            spec.to_toml()
        );
        let (m, a) = analysed(&text);
        let width = m.hypotheses.len() + 1;
        let sums = share_sums(&a, width);
        for item in a.items.iter().filter(|i| i.enabled && !m.items[i.item.0].reports.is_empty()) {
            let (_, sum) = sums.iter().find(|(i, _)| *i == item.item.0).expect("every reported item has origins");
            let whole: Vec<f64> = item.woe_db.iter().chain(&item.group_woe_db).copied().collect();
            for (s, w) in sum.iter().zip(&whole) {
                prop_assert!((s - w).abs() < 1e-9 * (1.0 + w.abs()), "{s} vs {w}\n{text}");
            }
        }
        let total: f64 = a.ledger.origins.iter().map(|o| o.share).sum::<f64>()
            + a.ledger.established.as_ref().map_or(0.0, |e| e.share);
        prop_assert!(a.ledger.total_weight_db == 0.0 || (total - 1.0).abs() < 1e-9);
    }

    /// The order of reports within items does not change the ledger.
    #[test]
    fn report_order_does_not_change_shares(
        (spec, perms) in model_spec(Limits::FULL).prop_flat_map(|spec| {
            let reports: Vec<_> = spec
                .items
                .iter()
                .map(|i| Just((0..i.reports.len()).collect::<Vec<usize>>()).prop_shuffle())
                .collect();
            (Just(spec), reports)
        })
    ) {
        let mut shuffled = spec.clone();
        for (i, perm) in perms.iter().enumerate() {
            shuffled.permute_reports(i, perm);
        }
        let (_, a) = analysed(&spec.to_toml());
        let (_, b) = analysed(&shuffled.to_toml());
        prop_assert_eq!(a.ledger.origins.len(), b.ledger.origins.len());
        for o in &a.ledger.origins {
            let p = b.ledger.origins.iter().find(|x| x.source == o.source).expect("same origins");
            for (x, y) in o.woe_db.iter().zip(&p.woe_db) {
                prop_assert!((x - y).abs() < 1e-9 * (1.0 + x.abs()));
            }
        }
    }
}
