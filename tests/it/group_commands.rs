//! Hypothesis groups in `whatif`, `simulate` and `sensitivity`: a group's
//! posterior is the sum of its members' everywhere, and the shares
//! `simulate` gives are consistent with the hypotheses' own.

use crate::cli::credence;

const SEED: &str = "models/iran_oct7.toml";

fn json(args: &[&str]) -> serde_json::Value {
    let out = credence().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap()
}

/// The members' entries of `posteriors` (objects with `id` and `key`) summed.
fn members_sum(group: &serde_json::Value, rows: &[serde_json::Value], key: &str) -> f64 {
    group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| f(&rows.iter().find(|r| r["id"] == *m).unwrap()[key]))
        .sum()
}

#[test]
fn whatif_gives_each_scenarios_group_posteriors_and_leading_group() {
    let v = json(&["whatif", SEED, "--all", "--format", "json"]);
    let groups = v["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    let base = v["baseline"]["posteriors"].as_array().unwrap();
    for (g, row) in groups
        .iter()
        .zip(v["baseline"]["groups"].as_array().unwrap())
    {
        assert_eq!(row["id"], g["id"]);
        assert!((f(&row["posterior"]) - members_sum(g, base, "posterior")).abs() < 1e-12);
    }
    for s in v["scenarios"].as_array().unwrap() {
        if !s["error"].is_null() {
            continue;
        }
        let hyps = s["hypotheses"].as_array().unwrap();
        for (g, row) in groups.iter().zip(s["groups"].as_array().unwrap()) {
            assert!((f(&row["posterior"]) - members_sum(g, hyps, "posterior")).abs() < 1e-12);
            assert!(
                (f(&row["change"]) - (f(&row["posterior"]) - f(&row["baseline"]))).abs() < 1e-15
            );
        }
        assert_eq!(
            s["leading_group_changed"],
            s["leading_group"] != v["baseline"]["leading_group"]
        );
        // The leading group beats every hypothesis outside it.
        if let Some(lead) = s["leading_group"].as_str() {
            let g = groups.iter().find(|g| g["id"] == lead).unwrap();
            let total = members_sum(g, hyps, "posterior");
            let members = g["members"].as_array().unwrap();
            for h in hyps {
                if !members.contains(&h["id"]) {
                    assert!(total > f(&h["posterior"]));
                }
            }
        }
    }
    let text = credence().args(["whatif", SEED]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Leading group"), "{text}");
}

#[test]
fn simulate_gives_each_groups_spread_and_shares() {
    let v = json(&[
        "simulate",
        SEED,
        "--samples",
        "500",
        "--seed",
        "3",
        "--format",
        "json",
    ]);
    let hyps = v["hypotheses"].as_array().unwrap();
    let groups = v["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    for g in groups {
        assert!(
            (f(&g["report_posterior"]) - members_sum(g, hyps, "report_posterior")).abs() < 1e-12
        );
        // The mean of sums is the sum of means (up to rounding).
        assert!((f(&g["mean"]) - members_sum(g, hyps, "mean")).abs() < 1e-9);
        assert!(f(&g["p5"]) <= f(&g["p50"]) && f(&g["p50"]) <= f(&g["p95"]));
        // Where a member leads the hypotheses, the group leads; where the
        // group is above one half, it leads.
        let members_lead = members_sum(g, hyps, "p_leading");
        assert!(f(&g["p_leading"]) >= members_lead - 1e-12);
        assert!(f(&g["p_above_half"]) <= f(&g["p_leading"]));
    }
    // Seeded: the same output twice.
    let again = json(&[
        "simulate",
        SEED,
        "--samples",
        "500",
        "--seed",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(v["groups"], again["groups"]);
}

#[test]
fn sensitivity_gives_each_parameters_group_range() {
    let v = json(&["sensitivity", SEED, "--points", "5", "--format", "json"]);
    let groups = v["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    let ids: Vec<&serde_json::Value> = v["hypotheses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["id"])
        .collect();
    let hyps = v["hypotheses"].as_array().unwrap();
    let report = json(&["report", SEED, "--format", "json"]);
    for g in groups {
        let group_def = report["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == g["id"])
            .unwrap()
            .clone();
        assert!((f(&g["posterior"]) - members_sum(&group_def, hyps, "posterior")).abs() < 1e-12);
        let at: Vec<usize> = group_def["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| ids.iter().position(|i| *i == m).unwrap())
            .collect();
        for p in v["parameters"].as_array().unwrap() {
            let range = p["group_ranges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["hypothesis"] == g["id"])
                .unwrap();
            let sums: Vec<f64> = p["grid"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| !x["posteriors"].is_null())
                .map(|x| at.iter().map(|&h| f(&x["posteriors"][h])).sum())
                .collect();
            let lo = sums.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = sums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert!((f(&range["min"]) - lo).abs() < 1e-12, "{}", p["path"]);
            assert!((f(&range["max"]) - hi).abs() < 1e-12, "{}", p["path"]);
        }
    }
}
