//! Property tests: laws the engine must obey on every model, checked on
//! random models (rendered to TOML and read back, as an analyst's file would
//! be) and on random Bayesian networks against brute-force enumeration.
//!
//! The generator lives in `tests/common/gen.rs`. Every generated model is
//! valid and has no conditional probability of exactly 0 or 1, so inference
//! must always succeed.

use crate::model_gen;

use credence::analysis;
use credence::model::overrides;
use credence::model::{
    Estimate, HypothesisId, ItemId, Model, Override, Probability, check_text, no_documents,
};
use credence::network::{self, InferError, Network, VarId};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, subsequence};
use proptest::test_runner::TestCaseError;

use model_gen::{
    Limits, ModelSpec, Rel, ReportSpec, SourceSpec, model_spec, num, point_rel, prob, raw_report,
    report_rel, resolve_reports, strength,
};

/// Absolute tolerance for posteriors compared across two computations.
const TOL: f64 = 1e-9;

/// `cases` per property, unless `PROPTEST_CASES` asks for more (or fewer).
fn config(cases: u32) -> ProptestConfig {
    let defaults = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            defaults.cases
        } else {
            cases
        },
        // No regression files: the test must not write into the repository.
        failure_persistence: None,
        ..defaults
    }
}

// ---------------------------------------------------------------------------
// Helpers

/// Read model text; a generated model that does not validate is a generator
/// bug (or a validator bug), so say which text failed and why.
fn parse(text: &str) -> Result<Model, TestCaseError> {
    let checked = check_text("generated.toml", text, no_documents);
    match checked.model {
        Some(m) => Ok(m),
        None => Err(TestCaseError::fail(format!(
            "generated model is invalid: {:#?}\n--- model ---\n{text}",
            checked.errors().collect::<Vec<_>>()
        ))),
    }
}

fn infer(model: &Model, text: &str) -> Result<network::Posterior, TestCaseError> {
    network::compile(model)
        .infer()
        .map_err(|e| TestCaseError::fail(format!("inference failed: {e}\n--- model ---\n{text}")))
}

fn posterior_of(text: &str) -> Result<Vec<f64>, TestCaseError> {
    let m = parse(text)?;
    Ok(infer(&m, text)?.hypotheses)
}

pub(crate) fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn assert_same(a: &[f64], b: &[f64], what: &str, texts: &[&str]) -> Result<(), TestCaseError> {
    let d = max_diff(a, b);
    prop_assert!(
        d <= TOL,
        "{what}: posteriors differ by {d:e}\n  {a:?}\n  {b:?}\n{}",
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| format!("--- model {} ---\n{t}", i + 1))
            .collect::<String>()
    );
    Ok(())
}

/// Compare two log-probabilities with a tolerance relative to their size.
fn log_close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// ln Σ exp(x).
fn lse(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

// ---------------------------------------------------------------------------
// Brute-force enumeration of a network's joint

/// Unnormalised marginals of every variable and the total probability of the
/// evidence, by summing the joint over every assignment consistent with it.
struct Enumerated {
    marginals: Vec<Vec<f64>>,
    total: f64,
}

impl Enumerated {
    fn posterior(&self, v: VarId) -> Vec<f64> {
        self.marginals[v].iter().map(|m| m / self.total).collect()
    }
}

/// The number of joint assignments consistent with the evidence.
fn state_space(net: &Network, evidence: &[(VarId, usize)]) -> f64 {
    (0..net.len())
        .filter(|v| !evidence.iter().any(|e| e.0 == *v))
        .map(|v| net.card(v) as f64)
        .product()
}

/// Exhaustive enumeration: the joint is Π_v P(v | parents(v)), written out
/// for each assignment; nothing is eliminated or rescaled. Variables are
/// visited in index order, which is topological because `Network::add` needs
/// parents to exist already.
fn enumerate(net: &Network, evidence: &[(VarId, usize)]) -> Enumerated {
    let n = net.len();
    let cards = net.cards();
    let mut fixed = vec![None; n];
    for &(v, s) in evidence {
        fixed[v] = Some(s);
    }
    for v in 0..n {
        let node = net.node(v);
        assert!(node.parents.iter().all(|&p| p < v), "not topological");
        let rows: usize = node.parents.iter().map(|&p| cards[p]).product();
        assert_eq!(node.cpt.len(), rows * cards[v], "CPT size of {}", node.name);
    }
    let mut out = Enumerated {
        marginals: cards.iter().map(|&c| vec![0.0; c]).collect(),
        total: 0.0,
    };
    let mut assignment = vec![0usize; n];
    fn rec(
        net: &Network,
        cards: &[usize],
        fixed: &[Option<usize>],
        v: usize,
        assignment: &mut [usize],
        weight: f64,
        out: &mut Enumerated,
    ) {
        if v == cards.len() {
            out.total += weight;
            for (u, &s) in assignment.iter().enumerate() {
                out.marginals[u][s] += weight;
            }
            return;
        }
        let node = net.node(v);
        let row = node
            .parents
            .iter()
            .fold(0, |acc, &p| acc * cards[p] + assignment[p]);
        let states = match fixed[v] {
            Some(s) => s..s + 1,
            None => 0..cards[v],
        };
        for s in states {
            assignment[v] = s;
            let p = node.cpt[row * cards[v] + s];
            rec(net, cards, fixed, v + 1, assignment, weight * p, out);
        }
    }
    rec(net, &cards, &fixed, 0, &mut assignment, 1.0, &mut out);
    out
}

// ---------------------------------------------------------------------------
// The model's meaning, computed from the spec without the engine

/// An accuracy interval as written: `[lo, hi]`, or Admiralty F = [0, 1].
fn accuracy_interval(rel: &Rel) -> Option<(f64, f64)> {
    match rel {
        Rel::Interval(lo, hi) => Some((*lo, *hi)),
        Rel::Letter('F') => Some((0.0, 1.0)),
        _ => None,
    }
}

/// The point accuracy of a reliability, if it is an accuracy (DESIGN: an
/// interval stands for its midpoint; Admiralty A .95, B .8, C .6, D .35,
/// E .1, F [0, 1]).
fn point_accuracy(rel: &Rel) -> Option<f64> {
    match rel {
        Rel::Number(r) => Some(*r),
        Rel::Letter(c) => Some(match c {
            'A' => 0.95,
            'B' => 0.8,
            'C' => 0.6,
            'D' => 0.35,
            'E' => 0.1,
            _ => 0.5,
        }),
        Rel::HitFa(..) => None,
        Rel::Interval(..) => accuracy_interval(rel).map(|(lo, hi)| (lo + hi) / 2.0),
    }
}

/// h = r + (1-r) b, f = (1-r) b.
fn hf(r: f64, b: f64) -> (f64, f64) {
    (r + (1.0 - r) * b, (1.0 - r) * b)
}

/// The posterior and ln P(reports) of a generated model, computed from the
/// DESIGN's definitions by summing over every latent reliability level, every
/// hypothesis, every event and every unobserved report. Shares no code with
/// the engine.
fn reference_posterior(spec: &ModelSpec) -> (Vec<f64>, f64) {
    let levels = spec.reliability_levels.unwrap_or(5);
    let latent: Vec<usize> = (0..spec.sources.len())
        .filter(|&s| spec.sources[s].rel.is_latent())
        .collect();
    let n_combos = levels.pow(latent.len() as u32);
    let priors = spec
        .priors
        .clone()
        .unwrap_or_else(|| vec![1.0 / spec.n_hyp as f64; spec.n_hyp]);
    let mut joint = vec![0.0; spec.n_hyp];
    for combo in 0..n_combos {
        // The accuracy level of each latent source in this combination.
        let mut level_of = vec![None; spec.sources.len()];
        let mut c = combo;
        for &s in &latent {
            let (lo, hi) = accuracy_interval(&spec.sources[s].rel).unwrap();
            let j = c % levels;
            c /= levels;
            level_of[s] = Some(lo + (j as f64 + 0.5) / levels as f64 * (hi - lo));
        }
        let combo_prior = 1.0 / n_combos as f64;
        for (h, joint_h) in joint.iter_mut().enumerate() {
            let mut w = priors[h] * combo_prior;
            for item in spec.items.iter().filter(|i| i.enabled) {
                w *= reference_item(spec, item, h, &level_of);
            }
            *joint_h += w;
        }
    }
    let total: f64 = joint.iter().sum();
    (joint.iter().map(|j| j / total).collect(), total.ln())
}

/// P(the item's observed reports | h, latent levels).
fn reference_item(
    spec: &ModelSpec,
    item: &model_gen::ItemSpec,
    h: usize,
    level_of: &[Option<f64>],
) -> f64 {
    let l = item.likelihood[h];
    if item.reports.is_empty() {
        return l; // an established fact: E observed true
    }
    let pairs: Vec<(f64, f64)> = item
        .reports
        .iter()
        .map(|r| {
            let src = &spec.sources[r.source];
            let bias = r.bias.or(src.bias).unwrap_or(0.5);
            match &r.rel {
                Some(Rel::HitFa(hit, fa)) => (*hit, *fa),
                Some(rel) => hf(point_accuracy(rel).unwrap(), bias),
                None => match (&src.rel, level_of[r.source]) {
                    (_, Some(level)) => hf(level, bias),
                    (Rel::HitFa(hit, fa), None) => (*hit, *fa),
                    (rel, None) => hf(point_accuracy(rel).unwrap(), bias),
                },
            }
        })
        .collect();
    let unobserved: Vec<usize> = (0..item.reports.len())
        .filter(|&k| !item.reports[k].is_observed())
        .collect();
    let mut total = 0.0;
    for e in [false, true] {
        let pe = if e { l } else { 1.0 - l };
        for bits in 0..(1usize << unobserved.len()) {
            let mut state: Vec<bool> = item
                .reports
                .iter()
                .map(|r| r.asserts.unwrap_or(true))
                .collect();
            for (b, &k) in unobserved.iter().enumerate() {
                state[k] = bits >> b & 1 == 1;
            }
            let mut w = pe;
            for (k, r) in item.reports.iter().enumerate() {
                let (hit, fa) = pairs[k];
                let direct = if e { hit } else { fa };
                let p_true = match r.via {
                    Some(p) => {
                        let s = r.strength.unwrap_or(1.0);
                        let relay = if state[p] { hit } else { fa };
                        s * relay + (1.0 - s) * direct
                    }
                    None => direct,
                };
                w *= if state[k] { p_true } else { 1.0 - p_true };
            }
            total += w;
        }
    }
    total
}

// ---------------------------------------------------------------------------
// Random networks built directly

#[derive(Clone, Debug)]
struct NetSpec {
    cards: Vec<usize>,
    /// In CPT layout order (any order, not sorted).
    parents: Vec<Vec<usize>>,
    /// Row-normalised.
    cpts: Vec<Vec<f64>>,
    evidence: Vec<(usize, usize)>,
}

impl NetSpec {
    fn build(&self) -> Network {
        let mut net = Network::new();
        for (v, &c) in self.cards.iter().enumerate() {
            let id = net.add(
                format!("v{v}"),
                (0..c).map(|s| format!("s{s}")).collect(),
                self.parents[v].clone(),
                self.cpts[v].clone(),
            );
            assert_eq!(id, v);
        }
        net
    }
}

/// A CPT weight: mostly ordinary, sometimes 0 (so evidence can be
/// impossible), sometimes tiny (so rescaling matters).
fn weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => Just(0.0),
        1 => 1e-30f64..1e-20,
        8 => 0.001f64..1.0,
    ]
}

fn net_spec() -> impl Strategy<Value = NetSpec> {
    vec(2usize..=3, 3..=8)
        .prop_flat_map(|cards| {
            let parents: Vec<_> = (0..cards.len())
                .map(|i| subsequence((0..i).collect::<Vec<_>>(), 0..=i.min(3)).prop_shuffle())
                .collect();
            (Just(cards), parents)
        })
        .prop_flat_map(|(cards, parents)| {
            let cpts: Vec<_> = (0..cards.len())
                .map(|v| {
                    let rows: usize = parents[v].iter().map(|&p| cards[p]).product();
                    vec(weight(), rows * cards[v])
                })
                .collect();
            let evidence: Vec<_> = cards
                .iter()
                .map(|&c| option::weighted(0.35, 0..c))
                .collect();
            (Just(cards), Just(parents), cpts, evidence)
        })
        .prop_map(|(cards, parents, raw, evidence)| {
            let cpts = raw
                .iter()
                .zip(&cards)
                .map(|(w, &c)| {
                    w.chunks(c)
                        .flat_map(|row| {
                            let total: f64 = row.iter().sum();
                            if total > 0.0 {
                                row.iter().map(|x| x / total).collect::<Vec<_>>()
                            } else {
                                vec![1.0 / c as f64; c]
                            }
                        })
                        .collect()
                })
                .collect();
            let evidence = evidence
                .into_iter()
                .enumerate()
                .filter_map(|(v, s)| s.map(|s| (v, s)))
                .collect();
            NetSpec {
                cards,
                parents,
                cpts,
                evidence,
            }
        })
}

// ---------------------------------------------------------------------------
// Strategies for the model-edit properties

/// A reliability with no latent node, and a bias legal with it.
fn point_rel_bias() -> impl Strategy<Value = (Rel, Option<f64>)> {
    point_rel().prop_flat_map(|rel| {
        let bias = if rel.is_credibility() {
            Just(None).boxed()
        } else {
            option::of(prob()).boxed()
        };
        (Just(rel), bias)
    })
}

/// Give every report that would use its source's latent reliability node a
/// report-level point reliability instead.
fn avoid_latent(spec: &ModelSpec, reports: &mut [ReportSpec], fallback: &[(Rel, Option<f64>)]) {
    for (k, r) in reports.iter_mut().enumerate() {
        if spec.uses_latent(r) {
            let (rel, bias) = fallback[k % fallback.len()].clone();
            r.rel = Some(rel);
            r.bias = bias;
        }
    }
}

/// Replace every interval reliability of a source by its midpoint, so that
/// no source gets a latent node.
fn without_latent_sources(mut spec: ModelSpec) -> ModelSpec {
    for s in &mut spec.sources {
        if let Some(mid) = accuracy_interval(&s.rel).map(|(lo, hi)| (lo + hi) / 2.0) {
            s.rel = Rel::Number(mid);
        }
    }
    spec
}

/// How a worthless report (h = f) is written.
#[derive(Clone, Debug)]
enum Worthless {
    /// `reliability = { hit = x, false_alarm = x }` on the report.
    ReportHitFa(f64),
    /// `reliability = 0` (and maybe a bias) on the report.
    ReportZero(Option<f64>),
    /// A new source with `{ hit = x, false_alarm = x }`.
    SourceHitFa(f64),
    /// A new source with `reliability = 0` (and maybe a bias).
    SourceZero(Option<f64>),
}

fn worthless() -> impl Strategy<Value = Worthless> {
    prop_oneof![
        prob().prop_map(Worthless::ReportHitFa),
        option::of(prob()).prop_map(Worthless::ReportZero),
        prob().prop_map(Worthless::SourceHitFa),
        option::of(prob()).prop_map(Worthless::SourceZero),
    ]
}

/// The reliability of the single report in the monotonicity property: h > f.
fn informative_rel() -> impl Strategy<Value = (Rel, Option<f64>)> {
    prop_oneof![
        (0.05f64..=0.95, option::of(prob())).prop_map(|(r, b)| (Rel::Number(r), b)),
        (0.02f64..=0.99, 0.01f64..=0.99).prop_map(|(h, u)| (Rel::HitFa(h, h * u), None)),
    ]
}

// ---------------------------------------------------------------------------
// The properties

proptest! {
    #![proptest_config(config(128))]

    /// 1. Posteriors are probabilities summing to 1; priors come back as
    /// written; learned reliabilities are distributions too.
    #[test]
    fn posteriors_are_distributions(spec in model_spec(Limits::FULL)) {
        let text = spec.to_toml();
        let model = parse(&text)?;
        let a = analysis::analyse(&model)
            .map_err(|e| TestCaseError::fail(format!("analyse failed: {e}\n{text}")))?;
        prop_assert_eq!(a.hypotheses.len(), spec.n_hyp);
        let sum: f64 = a.hypotheses.iter().map(|h| h.posterior).sum();
        prop_assert!((sum - 1.0).abs() <= 1e-9, "posteriors sum to {sum}\n{text}");
        for (i, h) in a.hypotheses.iter().enumerate() {
            prop_assert!(
                (0.0..=1.0).contains(&h.posterior),
                "posterior of h{i} is {} (not in [0, 1])\n{text}",
                h.posterior
            );
            let prior = spec.priors.as_ref().map_or(1.0 / spec.n_hyp as f64, |p| p[i]);
            prop_assert!(
                (h.prior - prior).abs() <= 1e-9,
                "prior of h{i} is {} but the model says {prior}\n{text}",
                h.prior
            );
        }
        for r in &a.reliability {
            let s: f64 = r.posterior.iter().sum();
            prop_assert!(
                (s - 1.0).abs() <= 1e-9 && r.posterior.iter().all(|p| (0.0..=1.0).contains(p)),
                "learned reliability of source {:?} is not a distribution: {:?}\n{text}",
                r.source,
                r.posterior
            );
        }
        prop_assert!(a.log_evidence.is_finite() && a.log_evidence <= 1e-12,
            "ln P(reports) = {} (must be finite and <= 0)\n{text}", a.log_evidence);
    }

    /// 1b. Without latent reliability nodes the items are independent given
    /// the hypothesis, so the per-item likelihoods the analysis reports must
    /// multiply up to the posterior and to P(all reports).
    #[test]
    fn item_likelihoods_factorise_the_posterior(
        spec in model_spec(Limits::FULL).prop_map(without_latent_sources)
    ) {
        let text = spec.to_toml();
        let model = parse(&text)?;
        let a = analysis::analyse(&model)
            .map_err(|e| TestCaseError::fail(format!("analyse failed: {e}\n{text}")))?;
        prop_assert!(a.reliability.is_empty(), "no source is latent, yet {:?}\n{text}", a.reliability);
        let priors = model.priors();
        let joint: Vec<f64> = (0..spec.n_hyp)
            .map(|h| {
                priors[h].ln()
                    + a.items.iter().filter(|i| i.enabled).map(|i| i.log_likelihood[h]).sum::<f64>()
            })
            .collect();
        let total = lse(&joint);
        prop_assert!(
            log_close(total, a.log_evidence, 1e-9),
            "Σ item log-likelihoods give ln P(reports) = {total}, inference says {}\n{text}",
            a.log_evidence
        );
        let expect: Vec<f64> = joint.iter().map(|j| (j - total).exp()).collect();
        let got: Vec<f64> = a.hypotheses.iter().map(|h| h.posterior).collect();
        assert_same(&got, &expect, "posterior vs product of item likelihoods", &[&text])?;
    }

    /// 3. The order of [[evidence]] entries, and of the reports within an
    /// item (a `via` may then point forward), does not matter.
    #[test]
    fn item_and_report_order_do_not_matter(
        (spec, item_perm, report_perms) in model_spec(Limits::FULL).prop_flat_map(|spec| {
            let items: Vec<usize> = (0..spec.items.len()).collect();
            let reports: Vec<_> = spec
                .items
                .iter()
                .map(|i| Just((0..i.reports.len()).collect::<Vec<usize>>()).prop_shuffle())
                .collect();
            (Just(spec), Just(items).prop_shuffle(), reports)
        })
    ) {
        let text = spec.to_toml();
        let mut shuffled = spec.clone();
        for (i, perm) in report_perms.iter().enumerate() {
            shuffled.permute_reports(i, perm);
        }
        shuffled.items = item_perm.iter().map(|&i| shuffled.items[i].clone()).collect();
        let text2 = shuffled.to_toml();
        assert_same(
            &posterior_of(&text)?,
            &posterior_of(&text2)?,
            "shuffling items and reports",
            &[&text, &text2],
        )?;
    }

    /// 4. An item whose likelihood is the same under every hypothesis changes
    /// nothing, whatever its reports. (Its reports must not use a source's
    /// shared latent reliability: reports on a non-diagnostic item still
    /// teach how reliable that source is, which legitimately moves other
    /// items' weight.)
    #[test]
    fn non_diagnostic_item_changes_nothing(
        spec in model_spec(Limits::FULL),
        c in prob(),
        raws in vec(raw_report(report_rel().boxed()), 0..=4),
        src in vec(any::<Index>(), 4),
        fallback in vec(point_rel_bias(), 4),
        at in any::<Index>(),
    ) {
        let text = spec.to_toml();
        let mut with = spec.clone();
        let n_src = spec.sources.len();
        let mut reports = resolve_reports(raws, n_src, "x");
        for (k, r) in reports.iter_mut().enumerate() {
            r.source = src[k].index(n_src);
        }
        avoid_latent(&spec, &mut reports, &fallback);
        let item = model_gen::ItemSpec {
            id: "flat".to_string(),
            likelihood: vec![c; spec.n_hyp],
            enabled: true,
            reports,
        };
        with.items.insert(at.index(spec.items.len() + 1), item);
        let text2 = with.to_toml();
        assert_same(
            &posterior_of(&text)?,
            &posterior_of(&text2)?,
            "adding a non-diagnostic item",
            &[&text, &text2],
        )?;
    }

    /// 5. A report with h = f (a worthless source) changes nothing, whether
    /// it reports the event or relays another report, observed or not.
    #[test]
    fn worthless_report_changes_nothing(
        spec in model_spec(Limits::FULL),
        pick in any::<Index>(),
        kind in worthless(),
        via in option::of(any::<Index>()),
        strength in option::of(strength()),
        observed in option::of(any::<bool>()),
        asserts in option::of(any::<bool>()),
        source in any::<Index>(),
    ) {
        let reported: Vec<usize> = (0..spec.items.len())
            .filter(|&i| !spec.items[i].reports.is_empty())
            .collect();
        // Adding the first report to an item would turn an established fact
        // into a reported one: not a no-op.
        prop_assume!(!reported.is_empty());
        let i = reported[pick.index(reported.len())];
        let text = spec.to_toml();
        let mut with = spec.clone();
        let n = spec.items[i].reports.len();
        let mut report = ReportSpec {
            id: "worthless".to_string(),
            omit_id: false,
            source: source.index(spec.sources.len()),
            via: via.map(|v| v.index(n)),
            strength: None,
            observed,
            asserts,
            rel: None,
            bias: None,
        };
        if report.via.is_some() {
            report.strength = strength;
        }
        match kind {
            Worthless::ReportHitFa(x) => report.rel = Some(Rel::HitFa(x, x)),
            Worthless::ReportZero(b) => {
                report.rel = Some(Rel::Number(0.0));
                report.bias = b;
            }
            Worthless::SourceHitFa(x) => {
                with.sources.push(SourceSpec { rel: Rel::HitFa(x, x), bias: None });
                report.source = spec.sources.len();
            }
            Worthless::SourceZero(b) => {
                with.sources.push(SourceSpec { rel: Rel::Number(0.0), bias: b });
                report.source = spec.sources.len();
            }
        }
        with.items[i].reports.push(report);
        let text2 = with.to_toml();
        assert_same(
            &posterior_of(&text)?,
            &posterior_of(&text2)?,
            "adding a report with h = f",
            &[&text, &text2],
        )?;
    }

    /// 6. A pure relay (strength 1) of an observed report adds nothing: all
    /// it can know is already observed. (Its own reliability is a point
    /// value, for the reason given in property 4.)
    #[test]
    fn pure_relay_of_observed_report_changes_nothing(
        spec in model_spec(Limits::FULL),
        pick in any::<Index>(),
        explicit_strength in any::<bool>(),
        observed in option::of(any::<bool>()),
        asserts in option::of(any::<bool>()),
        source in any::<Index>(),
        rel in option::of(report_rel()),
        fallback in point_rel_bias(),
    ) {
        let observed_reports: Vec<(usize, usize)> = spec
            .items
            .iter()
            .enumerate()
            .flat_map(|(i, item)| {
                item.reports
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.is_observed())
                    .map(move |(k, _)| (i, k))
            })
            .collect();
        prop_assume!(!observed_reports.is_empty());
        let (i, k) = observed_reports[pick.index(observed_reports.len())];
        let text = spec.to_toml();
        let mut with = spec.clone();
        let mut relay = ReportSpec {
            id: "relay".to_string(),
            omit_id: false,
            source: source.index(spec.sources.len()),
            via: Some(k),
            strength: explicit_strength.then_some(1.0),
            observed,
            asserts,
            rel,
            bias: None,
        };
        if spec.uses_latent(&relay) {
            relay.rel = Some(fallback.0);
            relay.bias = fallback.1;
        }
        with.items[i].reports.push(relay);
        let text2 = with.to_toml();
        assert_same(
            &posterior_of(&text)?,
            &posterior_of(&text2)?,
            "adding a pure relay of an observed report",
            &[&text, &text2],
        )?;
    }

    /// 7. `via` with strength 0 is the same as no `via`: an independent report.
    #[test]
    fn strength_zero_is_independent(
        spec in model_spec(Limits { reports: (2, 4), ..Limits::FULL }),
        mask in vec(proptest::bool::weighted(0.7), 32),
        force in any::<Index>(),
    ) {
        // At least one relay: make some item's second report relay its first.
        let mut spec = spec;
        if !spec.items.iter().flat_map(|i| &i.reports).any(|r| r.via.is_some()) {
            let i = force.index(spec.items.len());
            spec.items[i].reports[1].via = Some(0);
        }
        // The relays to cut: those the mask picks, or else the first one.
        let relays: Vec<(usize, usize)> = (0..spec.items.len())
            .flat_map(|i| (0..spec.items[i].reports.len()).map(move |r| (i, r)))
            .filter(|&(i, r)| spec.items[i].reports[r].via.is_some())
            .collect();
        let mut cut: Vec<(usize, usize)> = relays
            .iter()
            .enumerate()
            .filter(|(k, _)| mask[k % mask.len()])
            .map(|(_, &ir)| ir)
            .collect();
        if cut.is_empty() {
            cut.push(relays[0]);
        }
        let mut zero = spec.clone();
        let mut independent = spec.clone();
        for &(i, r) in &cut {
            zero.items[i].reports[r].strength = Some(0.0);
            let ind = &mut independent.items[i].reports[r];
            ind.via = None;
            ind.strength = None;
        }
        let (t1, t2) = (zero.to_toml(), independent.to_toml());
        assert_same(
            &posterior_of(&t1)?,
            &posterior_of(&t2)?,
            "strength 0 vs no via",
            &[&t1, &t2],
        )?;
    }

    /// 8. Raising P(E | h) of an item reported true (one observed, asserting
    /// report with h > f and no latent reliability, or no report at all: an
    /// established fact) never lowers P(h), and never raises any other
    /// hypothesis. Checked through `overrides::apply`, and the override must
    /// agree with regenerating the TOML.
    #[test]
    fn raising_a_likelihood_of_confirmed_evidence_never_lowers_that_hypothesis(
        spec in model_spec(Limits::FULL),
        pick in any::<Index>(),
        hyp in any::<Index>(),
        t in 0.0f64..=1.0,
        report in option::weighted(0.8, (any::<Index>(), informative_rel())),
    ) {
        let mut base = spec.clone();
        let i = pick.index(base.items.len());
        let h = hyp.index(base.n_hyp);
        let item = &mut base.items[i];
        item.enabled = true;
        item.reports = match report {
            None => Vec::new(),
            Some((src, (rel, bias))) => vec![ReportSpec {
                id: "only".to_string(),
                omit_id: false,
                source: src.index(spec.sources.len()),
                via: None,
                strength: None,
                observed: Some(true),
                asserts: Some(true),
                rel: Some(rel),
                bias,
            }],
        };
        let old = item.likelihood[h];
        let new = old + t * (0.99 - old);
        let text = base.to_toml();
        let model = parse(&text)?;
        let before = infer(&model, &text)?.hypotheses;

        let o = Override::Likelihood(
            ItemId(i),
            HypothesisId(h),
            Estimate::exact(Probability::new(new).unwrap()),
        );
        let raised = overrides::apply(&model, &[o]);
        let after = infer(&raised, &text)?.hypotheses;

        let mut rewritten = base.clone();
        rewritten.items[i].likelihood[h] = new;
        let text2 = rewritten.to_toml();
        assert_same(&after, &posterior_of(&text2)?, "override vs rewritten TOML", &[&text2])?;

        prop_assert!(
            after[h] >= before[h] - 1e-12,
            "raising P(e{i} | h{h}) from {} to {} lowered P(h{h}) from {} to {}\n{text}",
            num(old), num(new), before[h], after[h]
        );
        for j in (0..base.n_hyp).filter(|&j| j != h) {
            prop_assert!(
                after[j] <= before[j] + 1e-12,
                "raising P(e{i} | h{h}) from {} to {} raised P(h{j}) from {} to {}\n{text}",
                num(old), num(new), before[j], after[j]
            );
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// 2a. Variable elimination equals brute-force enumeration of the joint,
    /// for every variable, on random networks (3-8 variables, 2-3 states, up
    /// to 3 parents in any CPT order, zeros and tiny entries, random
    /// evidence); impossible evidence is an error, never a number.
    #[test]
    fn elimination_equals_enumeration_on_random_networks(spec in net_spec()) {
        let net = spec.build();
        let brute = enumerate(&net, &spec.evidence);
        for v in 0..net.len() {
            let got = network::posterior(&net, &spec.evidence, v);
            if brute.total == 0.0 {
                prop_assert!(
                    matches!(got, Err(InferError::ImpossibleEvidence)),
                    "evidence {:?} has probability 0, but posterior(v{v}) = {got:?}\n{spec:?}",
                    spec.evidence
                );
                continue;
            }
            let got = got.map_err(|e| {
                TestCaseError::fail(format!("posterior(v{v}) failed: {e}\n{spec:?}"))
            })?;
            let want = brute.posterior(v);
            let d = max_diff(&got.probs, &want);
            prop_assert!(
                d <= TOL,
                "P(v{v} | evidence {:?}): elimination {:?}, enumeration {want:?} (diff {d:e})\n{spec:?}",
                spec.evidence, got.probs
            );
            prop_assert!(
                log_close(got.log_evidence, brute.total.ln(), 1e-9),
                "ln P(evidence) via v{v}: elimination {}, enumeration {}\n{spec:?}",
                got.log_evidence, brute.total.ln()
            );
        }
    }

    /// 2b. The same on compiled random models: the hypothesis posterior, the
    /// learned reliabilities and ln P(reports) equal enumeration of the
    /// compiled network's joint.
    #[test]
    fn compiled_models_equal_enumeration(spec in model_spec(Limits::SMALL)) {
        let text = spec.to_toml();
        let model = parse(&text)?;
        let compiled = network::compile(&model);
        let space = state_space(&compiled.net, &compiled.evidence);
        prop_assume!(space <= f64::from(1u32 << 17));
        let brute = enumerate(&compiled.net, &compiled.evidence);
        let post = infer(&model, &text)?;
        let want = brute.posterior(compiled.hypothesis);
        let d = max_diff(&post.hypotheses, &want);
        prop_assert!(
            d <= TOL,
            "posterior: elimination {:?}, enumeration {want:?} (diff {d:e})\n{text}",
            post.hypotheses
        );
        prop_assert!(
            log_close(post.log_evidence, brute.total.ln(), 1e-9),
            "ln P(reports): elimination {}, enumeration {}\n{text}",
            post.log_evidence, brute.total.ln()
        );
        for (q, got) in compiled.reliability.iter().zip(&post.reliability) {
            let want = brute.posterior(q.var);
            let d = max_diff(got, &want);
            prop_assert!(
                d <= TOL,
                "learned reliability of source {:?}: elimination {got:?}, enumeration {want:?}\n{text}",
                q.source
            );
        }
    }
    /// 2c. The compiled network means what DESIGN.md says: the engine's
    /// posterior and ln P(reports) equal a direct computation from the
    /// definitions (h and f from reliability and bias, relays as the
    /// strength mixture, latent reliability levels, denials, established
    /// facts).
    #[test]
    fn engine_matches_the_definitions(spec in model_spec(Limits::SMALL)) {
        let text = spec.to_toml();
        let post = infer(&parse(&text)?, &text)?;
        let (want, want_log_evidence) = reference_posterior(&spec);
        let d = max_diff(&post.hypotheses, &want);
        prop_assert!(
            d <= TOL,
            "posterior: engine {:?}, definitions {want:?} (diff {d:e})\n{text}",
            post.hypotheses
        );
        prop_assert!(
            log_close(post.log_evidence, want_log_evidence, 1e-9),
            "ln P(reports): engine {}, definitions {want_log_evidence}\n{text}",
            post.log_evidence
        );
    }
}

// ---------------------------------------------------------------------------
// 9. Underflow: many items

/// How the items of `many_items_text` are ordered.
#[derive(Clone, Copy, Debug)]
enum Order {
    /// All items for `b` first, then all for `a`.
    Sorted,
    /// Items for `b` spread evenly among those for `a`.
    Interleaved,
}

/// Two hypotheses; `n` items, each reported once by one source of
/// reliability 0.9 (bias 0.5: h = 0.95, f = 0.05). `flipped` of them have
/// likelihood {a = 0.5, b = 0.6}, the rest {a = 0.6, b = 0.5}.
fn many_items_text(n: usize, flipped: usize, order: Order, priors: Option<(f64, f64)>) -> String {
    let mut t = String::with_capacity(n * 100);
    t.push_str("[model]\ntitle = \"many items\"\n\n");
    for (id, p) in [("a", priors.map(|p| p.0)), ("b", priors.map(|p| p.1))] {
        t.push_str(&format!(
            "[[hypotheses]]\nid = \"{id}\"\ntitle = \"{id}\"\n"
        ));
        if let Some(p) = p {
            t.push_str(&format!("prior = {}\n", num(p)));
        }
    }
    t.push_str("\n[[sources]]\nid = \"s\"\ntitle = \"s\"\nreliability = 0.9\n");
    for i in 0..n {
        let is_flipped = match order {
            Order::Sorted => i < flipped,
            // Item i is flipped when the running count of flipped items steps up.
            Order::Interleaved => (i + 1) * flipped / n > i * flipped / n,
        };
        let lik = if is_flipped {
            "{ a = 0.5, b = 0.6 }"
        } else {
            "{ a = 0.6, b = 0.5 }"
        };
        t.push_str(&format!(
            "\n[[evidence]]\nid = \"e{i}\"\nclaim = \"c\"\nlikelihood = {lik}\nreports = [{{ source = \"s\" }}]\n"
        ));
    }
    t
}

/// P(R | h) for one report: l h + (1 - l) f with h = 0.95, f = 0.05.
fn p_report(l: f64) -> f64 {
    let (hit, fa) = (0.9 + 0.1 * 0.5, 0.1 * 0.5);
    l * hit + (1.0 - l) * fa
}

/// The closed form, in log space: posterior odds = prior odds × Π LR_i.
/// Returns the posterior of (a, b) and ln P(reports).
fn closed_form(n: usize, flipped: usize, prior_a: f64) -> ([f64; 2], f64) {
    let (pa, pb) = (p_report(0.6), p_report(0.5));
    let up = (n - flipped) as f64;
    let down = flipped as f64;
    let log_a = prior_a.ln() + up * pa.ln() + down * pb.ln();
    let log_b = (1.0 - prior_a).ln() + up * pb.ln() + down * pa.ln();
    let log_odds = log_a - log_b;
    // The logistic, without overflow for large |log_odds|.
    let small = 1.0 / (1.0 + log_odds.abs().exp());
    let post = if log_odds >= 0.0 {
        [1.0 - small, small]
    } else {
        [small, 1.0 - small]
    };
    (post, lse(&[log_a, log_b]))
}

fn check_many(n: usize, flipped: usize, order: Order, priors: Option<(f64, f64)>) -> [f64; 2] {
    let text = many_items_text(n, flipped, order, priors);
    let checked = check_text("many.toml", &text, no_documents);
    let model = checked
        .model
        .unwrap_or_else(|| panic!("invalid: {:?}", checked.diagnostics));
    assert_eq!(model.items.len(), n);
    let post = network::compile(&model)
        .infer()
        .expect("inference succeeds");
    let prior_a = priors.map_or(0.5, |p| p.0);
    let (want, want_log_evidence) = closed_form(n, flipped, prior_a);
    let got = &post.hypotheses;
    assert!(
        got.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)),
        "{n} items: posterior {got:?} is not finite probabilities"
    );
    let sum: f64 = got.iter().sum();
    assert!(
        (sum - 1.0).abs() <= 1e-9,
        "{n} items: posterior sums to {sum}"
    );
    assert!(
        max_diff(got, &want) <= TOL,
        "{n} items ({flipped} for b, {order:?}): posterior {got:?}, closed form {want:?}"
    );
    assert!(
        log_close(post.log_evidence, want_log_evidence, 1e-9),
        "{n} items ({flipped} for b, {order:?}): ln P(reports) = {}, closed form {want_log_evidence}",
        post.log_evidence
    );
    [got[0], got[1]]
}

/// Why the big tests mean something: multiplying the likelihoods out in f64
/// leaves the normal range long before 100,000 (or even 2,000) factors.
#[test]
fn a_plain_product_of_many_likelihoods_underflows() {
    let (pa, pb) = (p_report(0.6), p_report(0.5)); // 0.59, 0.5
    for n in [2_000, 100_000] {
        let product_b: f64 = (0..n).map(|_| pb).product();
        assert_eq!(product_b, 0.0, "Π of {n} × 0.5 underflows to 0");
        // Π 0.59 sticks at the smallest subnormal (round-to-nearest turns
        // 0.59 × 5e-324 back into 5e-324): not 0, but no longer a number
        // with any precision (the true value is e^{-0.5276 n}).
        let product_a: f64 = (0..n).map(|_| pa).product();
        assert!(
            product_a < f64::MIN_POSITIVE,
            "Π of {n} × 0.59 = {product_a:e}"
        );
    }
    // So the textbook Bayes rule gives 0/0 on the balanced 100,000-item model.
    let (mut la, mut lb) = (0.5f64, 0.5f64);
    for i in 0..100_000 {
        let flipped = i < 49_997;
        la *= if flipped { pb } else { pa };
        lb *= if flipped { pa } else { pb };
    }
    assert!((la / (la + lb)).is_nan());
}

/// The specified case: 100,000 items all for `a`. The posterior saturates at
/// (1, 0), and ln P(reports) (about -52,763) must still be exact.
#[test]
fn underflow_100_000_items() {
    let got = check_many(100_000, 0, Order::Sorted, None);
    assert!(got[0] > 0.999_999);
}

/// 100,000 items nearly balanced (50,003 for `a`, 49,997 for `b`), spread
/// evenly: the posterior is not saturated (log-odds 6 ln(0.59/0.5), P(a)
/// about 0.73), so the comparison with the closed form is sharp.
#[test]
fn underflow_100_000_items_balanced_interleaved() {
    let got = check_many(100_000, 49_997, Order::Interleaved, None);
    assert!((0.6..0.8).contains(&got[0]), "P(a) = {}", got[0]);
}

/// The same 100,000 items with all those for `b` first: the same model, so
/// the same answer (P(a) about 0.73).
#[test]
fn underflow_100_000_items_balanced_sorted() {
    check_many(100_000, 49_997, Order::Sorted, None);
}

/// 2,000 items with priors (0.3, 0.7): P(b) is about 1e-144, still a normal
/// f64, so compare the log-odds too, relatively.
#[test]
fn underflow_2_000_items() {
    let got = check_many(2_000, 0, Order::Sorted, Some((0.3, 0.7)));
    let log_odds = (got[0] / got[1]).ln();
    let want = (0.3f64 / 0.7).ln() + 2_000.0 * (p_report(0.6) / p_report(0.5)).ln();
    assert!(
        (log_odds - want).abs() <= 1e-9 * want.abs(),
        "log-odds {log_odds}, closed form {want}"
    );
    check_many(2_000, 997, Order::Interleaved, Some((0.3, 0.7)));
    check_many(2_000, 997, Order::Sorted, Some((0.3, 0.7)));
}

/// Item order must not matter even when the odds pass through a range no
/// f64 can hold on the way: 170 established items for `b` (likelihood
/// {a = 0.01, b = 0.99}) and 170 for `a` cancel exactly, so the posterior is
/// the prior (0.5, 0.5), in either order. The partial product after the
/// first 170 items has odds 99^-170 = e^-781, below the smallest f64.
/// The smallest form of the case above: four established items, two with
/// likelihood {a = 1e-200, b = 1} and two with {a = 1, b = 1e-200}. Either
/// order, the posterior is the prior (0.5, 0.5) and ln P(items) =
/// ln(1e-400) = -921.034.
#[test]
fn four_cancelling_items_give_the_prior_in_any_order() {
    let head = "[model]\ntitle = \"cancelling\"\n\n[[hypotheses]]\nid = \"a\"\ntitle = \"a\"\n\n[[hypotheses]]\nid = \"b\"\ntitle = \"b\"\n";
    let item = |i: usize, for_a: bool| {
        let lik = if for_a {
            "{ a = 1.0, b = 1e-200 }"
        } else {
            "{ a = 1e-200, b = 1.0 }"
        };
        format!("\n[[evidence]]\nid = \"e{i}\"\nclaim = \"c\"\nlikelihood = {lik}\n")
    };
    let want_log_evidence = 400.0 * -std::f64::consts::LN_10;
    for (name, order) in [
        ("interleaved", [false, true, false, true]),
        ("sorted", [false, false, true, true]),
    ] {
        let items: String = order.iter().enumerate().map(|(i, &a)| item(i, a)).collect();
        let text = format!("{head}{items}");
        let model = check_text("cancelling.toml", &text, no_documents)
            .model
            .expect("valid");
        let post = network::compile(&model)
            .infer()
            .expect("inference succeeds");
        assert!(
            max_diff(&post.hypotheses, &[0.5, 0.5]) <= TOL,
            "{name}: posterior {:?}, want [0.5, 0.5]\n{text}",
            post.hypotheses
        );
        assert!(
            log_close(post.log_evidence, want_log_evidence, 1e-9),
            "{name}: ln P(items) = {}, want {want_log_evidence}",
            post.log_evidence
        );
    }
}

#[test]
fn cancelling_items_give_the_prior_in_any_order() {
    let head = "[model]\ntitle = \"cancelling\"\n\n[[hypotheses]]\nid = \"a\"\ntitle = \"a\"\n\n[[hypotheses]]\nid = \"b\"\ntitle = \"b\"\n";
    let item = |i: usize, for_a: bool| {
        let lik = if for_a {
            "{ a = 0.99, b = 0.01 }"
        } else {
            "{ a = 0.01, b = 0.99 }"
        };
        format!("\n[[evidence]]\nid = \"e{i}\"\nclaim = \"c\"\nlikelihood = {lik}\n")
    };
    let n = 170;
    let sorted: String = (0..2 * n).map(|i| item(i, i >= n)).collect();
    let interleaved: String = (0..2 * n).map(|i| item(i, i % 2 == 1)).collect();
    // ln P(all items) = 170 ln(0.99 × 0.01) under either hypothesis.
    let want_log_evidence = n as f64 * (0.99f64 * 0.01).ln();
    for (name, items) in [("interleaved", interleaved), ("sorted", sorted)] {
        let text = format!("{head}{items}");
        let model = check_text("cancelling.toml", &text, no_documents)
            .model
            .expect("valid");
        let post = network::compile(&model)
            .infer()
            .expect("inference succeeds");
        assert!(
            max_diff(&post.hypotheses, &[0.5, 0.5]) <= TOL,
            "{name}: posterior {:?}, want [0.5, 0.5]",
            post.hypotheses
        );
        assert!(
            log_close(post.log_evidence, want_log_evidence, 1e-9),
            "{name}: ln P(items) = {}, want {want_log_evidence}",
            post.log_evidence
        );
    }
}
