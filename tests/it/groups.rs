//! `[[groups]]` of hypotheses: a group's prior and posterior are exactly the
//! sums of its members' (to 1e-12, on random models), its weight of
//! evidence is the two-sided likelihood ratio, the report shows it in every
//! format, and a file with groups reads the same parsed whole or in pieces.

use crate::cli::credence;
use crate::model_gen::{Limits, model_spec};

use credence::analysis::{self, set_weight_of_evidence};
use credence::model::{Checked, GroupId, Parsing, check_text, check_text_as, no_documents};
use proptest::prelude::*;
use proptest::sample::subsequence;

/// Group sums agree with their members' to this.
const EXACT: f64 = 1e-12;

const MODEL: &str = r#"
[model]
title = "Groups"

[[hypotheses]]
id = "directed"
title = "Iran directed the attack"
prior = 0.2

[[hypotheses]]
id = "approved"
title = "Iran approved the attack"
prior = 0.3

[[hypotheses]]
id = "support_only"
title = "General support only"
prior = 0.5

[[groups]]
id = "advance_knowledge"
title = "Iran knew in advance"
members = ["directed", "approved"]
rationale = "both mean advance knowledge"

[[groups]]
id = "not_directed"
title = "Iran did not direct it"
members = ["support_only", "approved"]

[[sources]]
id = "wsj"
title = "The Wall Street Journal"
reliability = "B"

[[sources]]
id = "officials"
title = "US officials"
reliability = [0.3, 0.7]

[[evidence]]
id = "training"
claim = "Fighters trained in Iran in September 2023"
likelihood = { directed = 0.9, approved = 0.6, support_only = 0.3 }
reports = [{ source = "wsj" }, { source = "officials", asserts = false }]

[[evidence]]
id = "surprise"
claim = "Iranian officials seemed surprised"
likelihood = { directed = 0.1, approved = 0.3, support_only = 0.7 }
reports = [{ source = "officials" }]
"#;

fn checked(text: &str) -> Checked {
    check_text("groups.toml", text, no_documents)
}

#[test]
fn group_prior_posterior_and_weight_are_the_members_sums() {
    let model = checked(MODEL).model.expect("valid");
    assert_eq!(model.groups.len(), 2);
    assert_eq!(model.group("not_directed"), Some(GroupId(1)));
    let a = analysis::analyse(&model).unwrap();
    let post: Vec<f64> = a.hypotheses.iter().map(|h| h.posterior).collect();
    let g = &a.groups[0];
    assert!((g.posterior - (post[0] + post[1])).abs() < EXACT);
    assert!((g.prior - 0.5).abs() < EXACT);
    let g = &a.groups[1];
    assert!((g.posterior - (post[1] + post[2])).abs() < EXACT);
    assert!((g.prior - 0.8).abs() < EXACT);
    // The weight of `training` for advance knowledge: P(reports | directed
    // or approved), each weighed by its prior, over P(reports | support).
    let item = &a.items[0];
    let l: Vec<f64> = item.log_likelihood.iter().map(|x| x.exp()).collect();
    let inside = (0.2 * l[0] + 0.3 * l[1]) / 0.5;
    let expected = 10.0 * (inside / l[2]).log10();
    assert!((item.group_woe_db[0] - expected).abs() < 1e-9);
}

#[test]
fn report_json_lists_groups_shaped_like_hypotheses() {
    let path = std::env::temp_dir().join(format!("credence-groups-{}.toml", std::process::id()));
    std::fs::write(&path, MODEL).unwrap();
    let out = credence()
        .args(["report", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = v["groups"].as_array().expect("groups list");
    assert_eq!(groups.len(), 2);
    let g = &groups[0];
    assert_eq!(g["id"], "advance_knowledge");
    assert_eq!(g["title"], "Iran knew in advance");
    assert_eq!(g["members"], serde_json::json!(["directed", "approved"]));
    assert_eq!(g["rationale"], "both mean advance knowledge");
    let hyp = |k: usize, f: &str| v["hypotheses"][k][f].as_f64().unwrap();
    let post = g["posterior"].as_f64().unwrap();
    assert!((post - (hyp(0, "posterior") + hyp(1, "posterior"))).abs() < EXACT);
    assert!((g["prior"].as_f64().unwrap() - (hyp(0, "prior") + hyp(1, "prior"))).abs() < EXACT);
    assert!(g["icd203"].is_string());
    assert!(g["delta_log_odds_db"].is_f64());
    for e in v["evidence"].as_array().unwrap() {
        assert_eq!(
            e["group_weight_of_evidence_db"].as_array().unwrap().len(),
            2
        );
    }
    for format in ["text", "markdown", "html"] {
        let out = credence()
            .args(["report", "--format", format])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Groups of hypotheses"), "{format}");
        assert!(text.contains("advance_"), "{format}");
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_model_without_groups_reports_an_empty_list() {
    let text = MODEL.replace("[[groups]]", "[[ignored]]");
    let without: String = text
        .split("\n\n")
        .filter(|block| !block.starts_with("[[ignored]]"))
        .collect::<Vec<_>>()
        .join("\n\n");
    let model = checked(&without).model.expect("valid");
    assert!(model.groups.is_empty());
    let a = analysis::analyse(&model).unwrap();
    assert!(a.groups.is_empty());
    assert!(a.items.iter().all(|i| i.group_woe_db.is_empty()));
}

#[test]
fn two_groups_with_the_same_members_are_a_warning() {
    let text = format!(
        "{MODEL}\n[[groups]]\nid = \"knew\"\ntitle = \"Knew\"\nmembers = [\"approved\", \"directed\"]\n"
    );
    let c = checked(&text);
    assert!(c.model.is_some());
    assert!(
        c.diagnostics.iter().any(|d| d
            .message
            .contains("same members as group `advance_knowledge`")),
        "{:?}",
        c.diagnostics
    );
}

#[test]
fn groups_after_the_evidence_read_the_same_in_pieces() {
    // Groups written after many evidence blocks: the chunked reader must
    // keep them with the rest of the file.
    let mut text = MODEL.to_string();
    for i in 0..200 {
        text.push_str(&format!(
            "\n[[evidence]]\nid = \"extra{i}\"\nclaim = \"x\"\nlikelihood = {{ directed = 0.5, approved = 0.4, support_only = 0.6 }}\nreports = [{{ source = \"wsj\" }}]\n"
        ));
    }
    text.push_str("\n[[groups]]\nid = \"late\"\ntitle = \"Late\"\nmembers = [\"directed\", \"support_only\"]\n");
    let whole = check_text_as("g.toml", &text, no_documents, Parsing::Whole).unwrap();
    let chunked = check_text_as("g.toml", &text, no_documents, Parsing::Chunked)
        .expect("this layout is read in pieces");
    let ids = |c: &Checked| -> Vec<String> {
        c.model
            .as_ref()
            .expect("valid")
            .groups
            .iter()
            .map(|g| format!("{}:{:?}", g.id, g.members))
            .collect()
    };
    assert_eq!(ids(&whole), ids(&chunked));
    assert_eq!(ids(&whole).len(), 3);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// On random models with a random group, the group's posterior and prior
    /// are the members' sums, and its weight of evidence on each item is
    /// the set ratio of the item's likelihoods.
    #[test]
    fn group_posterior_is_the_sum_of_its_members(
        spec in model_spec(Limits { hyps: (3, 5), ..Limits::FULL }),
        pick in subsequence((0..5).collect::<Vec<usize>>(), 2..=4),
    ) {
        let members: Vec<usize> = pick.into_iter().filter(|&h| h < spec.n_hyp).collect();
        prop_assume!(members.len() >= 2 && members.len() < spec.n_hyp);
        let list: Vec<String> = members.iter().map(|h| format!("\"h{h}\"")).collect();
        let text = format!(
            "{}\n[[groups]]\nid = \"g\"\ntitle = \"G\"\nmembers = [{}]\n",
            spec.to_toml(),
            list.join(", ")
        );
        let checked = checked(&text);
        let model = checked.model.expect("generated models are valid");
        let a = analysis::analyse(&model).unwrap();
        let g = &a.groups[0];
        let post: f64 = members.iter().map(|&h| a.hypotheses[h].posterior).sum();
        let prior: f64 = members.iter().map(|&h| a.hypotheses[h].prior).sum();
        prop_assert!((g.posterior - post).abs() < EXACT, "{} vs {}", g.posterior, post);
        prop_assert!((g.prior - prior).abs() < EXACT);
        let mask: Vec<bool> = (0..spec.n_hyp).map(|h| members.contains(&h)).collect();
        let priors = model.priors();
        for item in a.items.iter().filter(|i| i.enabled) {
            let w = set_weight_of_evidence(&item.log_likelihood, &priors, &mask);
            prop_assert_eq!(item.group_woe_db[0].to_bits(), w.to_bits());
        }
    }
}
