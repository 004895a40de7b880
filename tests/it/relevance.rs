//! Relevance in `query` on BIF networks (issue 18): the CPTs a posterior
//! depends on are Shachter's requisite probability nodes (Bayes-ball,
//! "Bayes-Ball: the rational pastime", 1998), which [`ve::requisite`]
//! finds from the evidence-entered tables; the engine eliminates the
//! target's part alone and sums every other part only into P(evidence).
//!
//! On seeded random networks: [`ve::requisite`] equals a direct Bayes-ball;
//! the pruned answer (`posterior`, parts and barren pruning) equals the
//! unpruned one (log-space elimination over every CPT) to 1e-12, and the
//! posterior from the requisite CPTs alone equals both. On hand-made
//! networks: a d-separated ancestor is dropped, an ancestor active through
//! an observed collider is kept. Every node at once (`query --all`) under
//! budgets below what keeping every separator needs: answered equal to
//! one pruned elimination per node, or refused with the peak its plan
//! states.

use credence::network::{InferError, Network, VarId, calibrate, ve};

use crate::properties::max_diff;

/// A seeded random network: `nodes` nodes of two to four states, each with
/// up to three parents among the earlier nodes, CPT rows normalised (some
/// entries 0), and about `observed_percent` of the nodes observed in a
/// random state.
struct Case {
    net: Network,
    evidence: Vec<(VarId, usize)>,
}

/// A linear congruential generator: the same cases on every machine.
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn random_case(seed: u64, nodes: usize, observed_percent: usize) -> Case {
    let mut draw = Draw(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d);
    let cards: Vec<usize> = (0..nodes).map(|_| 2 + draw.below(3)).collect();
    let mut net = Network::new();
    for v in 0..nodes {
        let mut parents: Vec<VarId> = Vec::new();
        for _ in 0..draw.below(4).min(v) {
            let p = draw.below(v);
            if !parents.contains(&p) {
                parents.push(p);
            }
        }
        let rows: usize = parents.iter().map(|&p| cards[p]).product();
        let mut cpt = Vec::with_capacity(rows * cards[v]);
        for _ in 0..rows {
            let raw: Vec<f64> = (0..cards[v])
                .map(|_| match draw.below(10) {
                    0 => 0.0,
                    k => (k * 7 + draw.below(13)) as f64,
                })
                .collect();
            let sum: f64 = raw.iter().sum();
            if sum == 0.0 {
                cpt.extend((0..cards[v]).map(|_| 1.0 / cards[v] as f64));
            } else {
                cpt.extend(raw.iter().map(|x| x / sum));
            }
        }
        let states = (0..cards[v]).map(|s| format!("s{s}")).collect();
        net.add(format!("n{v}"), states, parents, cpt);
    }
    let mut evidence = Vec::new();
    for (v, &card) in cards.iter().enumerate() {
        if draw.below(100) < observed_percent {
            evidence.push((v, draw.below(card)));
        }
    }
    Case { net, evidence }
}

/// Bayes-ball (Shachter 1998) for one query node: the nodes whose top gets
/// marked, the requisite probability nodes. A ball from a child reaches an
/// unobserved node's parents and children; from a parent, it passes an
/// unobserved node down to its children and bounces off an observed one
/// back up to its parents; an observed node stops a ball from a child.
fn bayes_ball(net: &Network, evidence: &[(VarId, usize)], target: VarId) -> Vec<bool> {
    let mut observed = vec![false; net.len()];
    for &(v, _) in evidence {
        observed[v] = true;
    }
    let mut top = vec![false; net.len()];
    let mut bottom = vec![false; net.len()];
    // (node, arrived from a child)
    let mut schedule: Vec<(VarId, bool)> = vec![(target, true)];
    while let Some((v, from_child)) = schedule.pop() {
        let pass_up = if from_child {
            !observed[v]
        } else {
            observed[v]
        };
        let pass_down = !observed[v];
        if pass_up && !std::mem::replace(&mut top[v], true) {
            schedule.extend(net.node(v).parents.iter().map(|&p| (p, true)));
        }
        if pass_down && !std::mem::replace(&mut bottom[v], true) {
            schedule.extend(net.children(v).map(|c| (c, false)));
        }
    }
    top
}

/// `target`'s posterior and ln P(evidence) by the log-space engine (the
/// analyst models') over the CPTs `keep` accepts, with nothing pruned.
fn log_space(
    net: &Network,
    evidence: &[(VarId, usize)],
    target: VarId,
    keep: impl Fn(VarId) -> bool,
) -> Option<(Vec<f64>, f64)> {
    let factors = (0..net.len())
        .filter(|&v| keep(v))
        .map(|v| net.cpt_factor(v))
        .collect();
    let result = ve::eliminate(factors, evidence, &[target], &net.cards(), 1 << 30).ok()?;
    let log_total = result.log_total();
    if !log_total.is_finite() {
        return None;
    }
    if result.vars().is_empty() {
        let mut p = vec![0.0; net.card(target)];
        p[evidence.iter().find(|e| e.0 == target)?.1] = 1.0;
        return Some((p, log_total));
    }
    Some((result.normalized()?, log_total))
}

#[test]
fn requisite_nodes_are_bayes_balls_on_random_networks() {
    let mut dropped = 0;
    for seed in 0..300 {
        let case = random_case(
            seed,
            10 + (seed as usize % 30),
            15 + (seed as usize % 4) * 10,
        );
        for target in [0, case.net.len() / 2, case.net.len() - 1] {
            let ours = ve::requisite(&case.net, &case.evidence, target);
            let ball = bayes_ball(&case.net, &case.evidence, target);
            let named =
                |marks: &[bool]| -> Vec<VarId> { (0..marks.len()).filter(|&v| marks[v]).collect() };
            assert_eq!(
                named(&ours),
                named(&ball),
                "seed {seed}, target {target}, evidence {:?}",
                case.evidence
            );
            // Beyond the barren nodes: ancestors of the evidence dropped.
            let mut ancestors = vec![false; case.net.len()];
            let mut stack: Vec<VarId> = case.evidence.iter().map(|e| e.0).chain([target]).collect();
            while let Some(v) = stack.pop() {
                if !std::mem::replace(&mut ancestors[v], true) {
                    stack.extend(case.net.node(v).parents.iter().copied());
                }
            }
            dropped += (0..case.net.len())
                .filter(|&v| ancestors[v] && !ours[v])
                .count();
        }
    }
    // The cases exercise the pruning, not only the barren nodes.
    assert!(dropped > 1000, "only {dropped} ancestors dropped");
}

#[test]
fn pruned_and_unpruned_answers_agree_on_random_networks() {
    let mut answered = 0;
    for seed in 0..200 {
        let case = random_case(
            1000 + seed,
            8 + (seed as usize % 17),
            20 + (seed as usize % 3) * 15,
        );
        let net = &case.net;
        for target in [0, net.len() / 3, net.len() - 1] {
            let pruned = ve::posterior(net, &case.evidence, target);
            let unpruned = log_space(net, &case.evidence, target, |_| true);
            let (Ok(pruned), Some((probs, log_evidence))) = (&pruned, unpruned) else {
                // Impossible evidence: refused by both, never a number.
                assert!(
                    pruned.is_err() && log_space(net, &case.evidence, target, |_| true).is_none(),
                    "seed {seed}, target {target}: {pruned:?}"
                );
                continue;
            };
            answered += 1;
            let what = format!("seed {seed}, target {target}, evidence {:?}", case.evidence);
            assert!(
                max_diff(&pruned.probs, &probs) <= 1e-12,
                "{what}: {pruned:?} vs {probs:?}"
            );
            assert!(
                (pruned.log_evidence - log_evidence).abs() <= 1e-12 * log_evidence.abs().max(1.0),
                "{what}: ln P(e) {} vs {log_evidence}",
                pruned.log_evidence
            );
            let sum: f64 = pruned.probs.iter().sum();
            assert!((sum - 1.0).abs() <= 1e-12, "{what}: sums to {sum}");
            // The requisite CPTs alone give the same posterior (not the
            // same P(evidence): the others scale it).
            let requisite = ve::requisite(net, &case.evidence, target);
            if requisite.iter().any(|&r| r) {
                let (alone, _) = log_space(net, &case.evidence, target, |v| requisite[v])
                    .expect("possible evidence stays possible on fewer CPTs");
                assert!(
                    max_diff(&alone, &probs) <= 1e-12,
                    "{what}: requisite alone {alone:?}"
                );
            }
        }
    }
    assert!(answered > 400, "only {answered} answered");
}

/// A network written as (name, parents, CPT), binary nodes.
fn network(nodes: &[(&str, &[VarId], &[f64])]) -> Network {
    let mut net = Network::new();
    for &(name, parents, cpt) in nodes {
        net.add(
            name,
            vec!["y".to_string(), "n".to_string()],
            parents.to_vec(),
            cpt.to_vec(),
        );
    }
    net
}

#[test]
fn a_d_separated_ancestor_is_dropped() {
    // a -> b -> t, a -> e: b observed separates a (and e) from t, though a
    // is an ancestor of the evidence on e and of the target.
    let net = network(&[
        ("a", &[], &[0.3, 0.7]),
        ("b", &[0], &[0.9, 0.1, 0.2, 0.8]),
        ("t", &[1], &[0.6, 0.4, 0.1, 0.9]),
        ("e", &[0], &[0.5, 0.5, 0.05, 0.95]),
    ]);
    let evidence = [(1, 0), (3, 1)];
    let requisite = ve::requisite(&net, &evidence, 2);
    assert_eq!(requisite, vec![false, false, true, false]);
    assert_eq!(requisite, bayes_ball(&net, &evidence, 2));
    let answer = ve::posterior(&net, &evidence, 2).expect("answers");
    assert!(max_diff(&answer.probs, &[0.6, 0.4]) < 1e-15, "{answer:?}");
    // ln P(b = y, e = n) still counts a's part: sum over a.
    let p_evidence = 0.3 * 0.9 * 0.5 + 0.7 * 0.2 * 0.95;
    assert!((answer.log_evidence - f64::ln(p_evidence)).abs() < 1e-14);
}

#[test]
fn an_ancestor_active_through_an_observed_collider_is_kept() {
    // z -> a -> c <- t, c observed: a and its parent z are requisite (the
    // collider c opens the path t - c - a - z); d -> f with f observed
    // stays apart.
    let net = network(&[
        ("z", &[], &[0.4, 0.6]),
        ("a", &[0], &[0.8, 0.2, 0.3, 0.7]),
        ("t", &[], &[0.5, 0.5]),
        ("c", &[1, 2], &[0.99, 0.01, 0.4, 0.6, 0.3, 0.7, 0.05, 0.95]),
        ("d", &[], &[0.2, 0.8]),
        ("f", &[4], &[0.7, 0.3, 0.1, 0.9]),
    ]);
    let evidence = [(3, 0), (5, 1)];
    let requisite = ve::requisite(&net, &evidence, 2);
    assert_eq!(requisite, vec![true, true, true, true, false, false]);
    assert_eq!(requisite, bayes_ball(&net, &evidence, 2));
    let answer = ve::posterior(&net, &evidence, 2).expect("answers");
    let (probs, log_evidence) = log_space(&net, &evidence, 2, |_| true).expect("possible");
    assert!(
        max_diff(&answer.probs, &probs) < 1e-15,
        "{answer:?} vs {probs:?}"
    );
    assert!((answer.log_evidence - log_evidence).abs() < 1e-14);
    // Unobserved, c is barren and the path closes: t alone is requisite.
    let requisite = ve::requisite(&net, &evidence[1..], 2);
    assert_eq!(requisite, vec![false, false, true, false, false, false]);
    assert_eq!(requisite, bayes_ball(&net, &evidence[1..], 2));
}

/// `query --all` under tight budgets on seeded random networks: from the
/// peak of the calibration that keeps every separator down to a quarter of
/// it, each budget is either answered, by a plan whose peak fits it, with
/// every node's posterior and ln P(evidence) equal to one pruned
/// elimination per node to 1e-12, or refused stating that plan's peak (the
/// lowest its merges reach), over the budget.
#[test]
fn every_node_under_tight_budgets_equals_one_elimination_per_node() {
    let (mut merged, mut refused) = (0, 0);
    for seed in 0..150 {
        let case = random_case(
            7000 + seed,
            10 + (seed as usize % 23),
            5 + (seed as usize % 4) * 10,
        );
        let net = &case.net;
        let evidence = &case.evidence;
        let full = calibrate::plan_within(net, evidence, 1 << 40);
        for fraction in [1.0, 0.95, 0.85, 0.75, 0.6, 0.25] {
            let budget = ((full.peak_entries * fraction).floor() as usize * 8).max(8);
            let what = format!("seed {seed}, budget {budget} bytes, evidence {evidence:?}");
            let plan = calibrate::plan_within(net, evidence, budget);
            match calibrate::all_marginals_within(net, evidence, budget) {
                Ok(all) => {
                    assert!(plan.peak_entries * 8.0 <= budget as f64, "{what}");
                    if plan.cliques() < plan.order.order.len() {
                        merged += 1;
                    }
                    for v in 0..net.len() {
                        let one = ve::posterior(net, evidence, v).expect("answers");
                        assert!(
                            max_diff(&all.probs[v], &one.probs) <= 1e-12,
                            "{what}, node {v}: {:?} vs {:?}",
                            all.probs[v],
                            one.probs
                        );
                        assert!(
                            (all.log_evidence - one.log_evidence).abs()
                                <= 1e-12 * one.log_evidence.abs().max(1.0),
                            "{what}"
                        );
                    }
                }
                Err(InferError::CalibrationTooLarge { entries, .. }) => {
                    refused += 1;
                    assert_eq!(entries, plan.peak_entries, "{what}");
                    assert!(entries * 8.0 > budget as f64, "{what}");
                }
                Err(InferError::ImpossibleEvidence) => {
                    assert!(ve::posterior(net, evidence, 0).is_err(), "{what}");
                    break;
                }
                Err(e) => panic!("{what}: {e}"),
            }
        }
    }
    // Both outcomes are exercised, merges included.
    assert!(
        merged > 100 && refused > 100,
        "{merged} merged, {refused} refused"
    );
}
