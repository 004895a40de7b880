//! The `whatif` output (kind `credence.whatif`, schema 1, docs/JSON.md):
//! its serializable view, a text printer and a JSON printer. Every scenario
//! is shown beside the baseline.

use std::io::{self, Write};

use serde::Serialize;

use super::{ModelView, SCHEMA_VERSION, Table};
use crate::analysis::whatif::WhatIf;
use crate::model::{Model, Override, Probability, Reliability};

#[derive(Clone, Debug, Serialize)]
pub struct WhatIfView {
    pub schema: u32,
    pub kind: &'static str,
    pub model: ModelView,
    pub hypotheses: Vec<HypothesisRef>,
    /// The model's `[[groups]]`, in model order (empty when it has none).
    pub groups: Vec<GroupRef>,
    pub baseline: BaselineView,
    pub scenarios: Vec<ScenarioView>,
}

/// A hypothesis group: its posterior is the sum of its members'.
#[derive(Clone, Debug, Serialize)]
pub struct GroupRef {
    pub id: String,
    pub title: String,
    /// Member hypothesis ids, in the order written.
    pub members: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HypothesisRef {
    pub id: String,
    pub title: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BaselineView {
    /// In hypothesis order.
    pub posteriors: Vec<PosteriorView>,
    pub leading: String,
    /// In group order.
    pub groups: Vec<PosteriorView>,
    /// The leading group: among the groups whose posterior is above that of
    /// every hypothesis outside them, the highest (the first on a tie); null
    /// when no group leads.
    pub leading_group: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PosteriorView {
    pub id: String,
    pub posterior: f64,
    pub icd203: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioView {
    /// The scenario's id, or `--set` for overrides given alone.
    pub id: String,
    pub title: String,
    pub why: Option<String>,
    /// In the order they apply.
    pub overrides: Vec<OverrideView>,
    /// Why no posterior could be computed (the evidence is impossible under
    /// this scenario); null otherwise.
    pub error: Option<String>,
    /// In hypothesis order; empty when `error` is set.
    pub hypotheses: Vec<ScenarioHypothesisView>,
    /// The leading hypothesis under the scenario; null when `error` is set.
    pub leading: Option<String>,
    /// The baseline's leading hypothesis.
    pub leading_before: String,
    pub leader_changed: bool,
    /// In group order, shaped as `hypotheses`; empty when `error` is set.
    pub groups: Vec<ScenarioHypothesisView>,
    /// The leading group under the scenario (as in the baseline); null
    /// with `error` or when no group leads.
    pub leading_group: Option<String>,
    /// Whether it differs from the baseline's leading group (with no
    /// `error`).
    pub leading_group_changed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct OverrideView {
    pub path: String,
    pub value: String,
    /// Given on the command line with `--set` (applied after the scenario's
    /// own overrides).
    pub from_set: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioHypothesisView {
    pub id: String,
    pub baseline: f64,
    pub posterior: f64,
    /// `posterior - baseline`.
    pub change: f64,
    pub icd203: String,
    pub baseline_icd203: String,
}

fn describe_reliability(r: &Reliability) -> String {
    match r {
        Reliability::Accuracy(e) => e.to_string(),
        Reliability::Credibility { hit, false_alarm } => {
            format!("{{ hit = {hit}, false_alarm = {false_alarm} }}")
        }
    }
}

/// The value an override sets, as an analyst would write it.
pub fn describe(o: &Override) -> String {
    match o {
        Override::SourceReliability(_, r) | Override::ReportReliability(_, _, r) => {
            describe_reliability(r)
        }
        Override::SourceBias(_, e)
        | Override::Likelihood(_, _, e)
        | Override::ReportBias(_, _, e) => e.to_string(),
        Override::ItemEnabled(_, b) | Override::ReportObserved(_, _, b) => b.to_string(),
        Override::Prior(_, p)
        | Override::ReportStrength(_, _, p)
        | Override::DependencyStrength(_, p) => p.to_string(),
    }
}

/// Build the view of a what-if run.
pub fn build(model: &Model, w: &WhatIf) -> WhatIfView {
    let term = |p: f64| {
        model
            .scales
            .icd203_term(Probability::clamped(p))
            .to_string()
    };
    let id = |h: usize| model.hypotheses[h].id.clone();
    let leading_before = id(w.leader.0);
    let group_posteriors =
        |p: &[f64]| -> Vec<f64> { model.groups.iter().map(|g| g.total(p)).collect() };
    let leading_group = |p: &[f64]| -> Option<String> {
        crate::analysis::leading_group(model, p).map(|g| model.groups[g.0].id.clone())
    };
    let baseline_groups = group_posteriors(&w.baseline);
    let group_before = leading_group(&w.baseline);
    let scenarios = w
        .outcomes
        .iter()
        .map(|o| {
            let s = &o.scenario;
            let first_set = s.overrides.len() - s.from_set;
            let overrides = s
                .overrides
                .iter()
                .enumerate()
                .map(|(k, (path, ov))| OverrideView {
                    path: path.clone(),
                    value: describe(ov),
                    from_set: k >= first_set,
                })
                .collect();
            let (groups, leading_group) = match &o.posterior {
                Ok(p) => (
                    group_posteriors(p)
                        .into_iter()
                        .zip(&baseline_groups)
                        .enumerate()
                        .map(|(g, (post, &base))| ScenarioHypothesisView {
                            id: model.groups[g].id.clone(),
                            baseline: base,
                            posterior: post,
                            change: post - base,
                            icd203: term(post),
                            baseline_icd203: term(base),
                        })
                        .collect(),
                    leading_group(p),
                ),
                Err(_) => (Vec::new(), None),
            };
            let (error, hypotheses, leading) = match &o.posterior {
                Ok(p) => (
                    None,
                    p.iter()
                        .zip(&w.baseline)
                        .enumerate()
                        .map(|(h, (&post, &base))| ScenarioHypothesisView {
                            id: id(h),
                            baseline: base,
                            posterior: post,
                            change: post - base,
                            icd203: term(post),
                            baseline_icd203: term(base),
                        })
                        .collect(),
                    o.leader().map(|l| id(l.0)),
                ),
                Err(e) => (Some(e.to_string()), Vec::new(), None),
            };
            ScenarioView {
                id: s.id.clone(),
                title: s.title.clone(),
                why: s.why.clone(),
                overrides,
                error,
                hypotheses,
                leader_changed: leading.as_ref().is_some_and(|l| *l != leading_before),
                leading,
                leading_before: leading_before.clone(),
                groups,
                leading_group_changed: o.posterior.is_ok() && leading_group != group_before,
                leading_group,
            }
        })
        .collect();
    WhatIfView {
        schema: SCHEMA_VERSION,
        kind: "credence.whatif",
        model: ModelView {
            title: model.meta.title.clone(),
            question: model.meta.question.clone(),
            as_of: model.meta.as_of.clone(),
        },
        hypotheses: model
            .hypotheses
            .iter()
            .map(|h| HypothesisRef {
                id: h.id.clone(),
                title: h.title.clone(),
            })
            .collect(),
        baseline: BaselineView {
            posteriors: w
                .baseline
                .iter()
                .enumerate()
                .map(|(h, &p)| PosteriorView {
                    id: id(h),
                    posterior: p,
                    icd203: term(p),
                })
                .collect(),
            leading: leading_before,
            groups: baseline_groups
                .iter()
                .enumerate()
                .map(|(g, &p)| PosteriorView {
                    id: model.groups[g].id.clone(),
                    posterior: p,
                    icd203: term(p),
                })
                .collect(),
            leading_group: group_before,
        },
        groups: model
            .groups
            .iter()
            .map(|g| GroupRef {
                id: g.id.clone(),
                title: g.title.clone(),
                members: g
                    .members
                    .iter()
                    .map(|m| model.hypotheses[m.0].id.clone())
                    .collect(),
            })
            .collect(),
        scenarios,
    }
}

/// The groups' side-by-side table in text (kept apart until text renders
/// from the Doc).
fn write_groups_text(view: &WhatIfView, out: &mut dyn Write) -> io::Result<()> {
    if view.groups.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let mut header: Vec<&str> = vec!["Groups"];
    header.extend(view.groups.iter().map(|g| g.id.as_str()));
    header.push("Leading group");
    let k = view.groups.len();
    let mut t = Table::new(&header).right_align(1..=k);
    let before = view
        .baseline
        .leading_group
        .clone()
        .unwrap_or_else(|| "none".to_string());
    let mut row = vec!["(baseline)".to_string()];
    row.extend(
        view.baseline
            .groups
            .iter()
            .map(|g| format!("{:.4}", g.posterior)),
    );
    row.push(before.clone());
    t.row(row);
    for s in &view.scenarios {
        let mut row = vec![s.id.clone()];
        if s.error.is_some() {
            row.extend((0..=k).map(|_| "-".to_string()));
        } else {
            row.extend(s.groups.iter().map(|g| format!("{:.4}", g.posterior)));
            let lead = s.leading_group.as_deref().unwrap_or("none");
            row.push(if s.leading_group_changed {
                format!("{lead} (was {before})")
            } else {
                format!("{lead} (unchanged)")
            });
        }
        t.row(row);
    }
    t.write(out, "")
}

pub fn write_text(view: &WhatIfView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", view.model.title)?;
    if let Some(q) = &view.model.question {
        writeln!(out, "Question: {q}")?;
    }
    writeln!(out)?;
    let n = view.scenarios.len();
    if n == 0 {
        writeln!(
            out,
            "What if: the model has no scenarios; name one with --scenario ID or give overrides with --set PATH=VALUE.\n"
        )?;
    } else {
        writeln!(
            out,
            "What if: {n} scenario{} beside the baseline",
            if n == 1 { "" } else { "s" }
        )?;
        writeln!(out)?;
    }

    let mut header: Vec<&str> = vec!["Scenario"];
    header.extend(view.hypotheses.iter().map(|h| h.id.as_str()));
    header.push("Leading");
    let k = view.hypotheses.len();
    let mut t = Table::new(&header).right_align(1..=k);
    let mut row = vec!["(baseline)".to_string()];
    row.extend(
        view.baseline
            .posteriors
            .iter()
            .map(|p| format!("{:.4}", p.posterior)),
    );
    row.push(view.baseline.leading.clone());
    t.row(row);
    for s in &view.scenarios {
        let mut row = vec![s.id.clone()];
        match &s.leading {
            Some(lead) => {
                row.extend(s.hypotheses.iter().map(|h| format!("{:.4}", h.posterior)));
                row.push(if s.leader_changed {
                    format!("{lead} (was {})", s.leading_before)
                } else {
                    format!("{lead} (unchanged)")
                });
            }
            None => {
                row.extend((0..k).map(|_| "-".to_string()));
                row.push("impossible".to_string());
            }
        }
        t.row(row);
    }
    t.write(out, "")?;
    write_groups_text(view, out)?;

    for s in &view.scenarios {
        writeln!(out)?;
        writeln!(out, "{}: {}", s.id, s.title)?;
        if let Some(why) = &s.why {
            writeln!(out, "  Why: {why}")?;
        }
        if s.overrides.is_empty() {
            writeln!(out, "  Sets: nothing")?;
        }
        for (k, o) in s.overrides.iter().enumerate() {
            writeln!(
                out,
                "  {} {} = {}{}",
                if k == 0 { "Sets:" } else { "     " },
                o.path,
                o.value,
                if o.from_set { "   (--set)" } else { "" }
            )?;
        }
        if let Some(e) = &s.error {
            writeln!(out, "  No posterior: {e}")?;
            continue;
        }
        let mut t = Table::new(&["Hypothesis", "Baseline", "Scenario", "Change", "ICD 203"])
            .right_align([1, 2, 3]);
        for h in &s.hypotheses {
            t.row(vec![
                h.id.clone(),
                format!("{:.4}", h.baseline),
                format!("{:.4}", h.posterior),
                format!("{:+.4}", h.change),
                if h.icd203 == h.baseline_icd203 {
                    h.icd203.clone()
                } else {
                    format!("{} -> {}", h.baseline_icd203, h.icd203)
                },
            ]);
        }
        t.write(out, "  ")?;
        if let Some(lead) = &s.leading {
            if s.leader_changed {
                writeln!(
                    out,
                    "  The leading hypothesis changes: {} -> {lead}.",
                    s.leading_before
                )?;
            } else {
                writeln!(out, "  The leading hypothesis is unchanged: {lead}.")?;
            }
        }
    }
    Ok(())
}
