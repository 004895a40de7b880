//! Random credence models for the property tests: a plain-data description
//! (`ModelSpec`) that proptest generates and shrinks, and that renders to the
//! TOML an analyst would write.
//!
//! Every number is chosen so that no conditional probability in the compiled
//! network is 0 or 1 (likelihoods in [0.01, 0.99], reliabilities below 1,
//! biases in [0.01, 0.99]): inference on a generated model must always
//! succeed, so an `Err` is a finding, not noise.

#![allow(dead_code)]

use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::Index;

/// How a source (or one report) is reliable, as written in the TOML.
#[derive(Clone, Debug, PartialEq)]
pub enum Rel {
    /// `reliability = r`
    Number(f64),
    /// `reliability = [low, high]`
    Interval(f64, f64),
    /// `reliability = { hit = h, false_alarm = f }`
    HitFa(f64, f64),
    /// `reliability = "B"` (A..E; F is the interval [0, 1])
    Letter(char),
}

impl Rel {
    /// A source with this reliability gets a latent reliability node.
    pub fn is_latent(&self) -> bool {
        match self {
            Rel::Interval(lo, hi) => hi > lo,
            Rel::Letter(c) => *c == 'F',
            _ => false,
        }
    }

    pub fn is_credibility(&self) -> bool {
        matches!(self, Rel::HitFa(..))
    }

    fn toml(&self) -> String {
        match self {
            Rel::Number(r) => num(*r),
            Rel::Interval(lo, hi) => format!("[{}, {}]", num(*lo), num(*hi)),
            Rel::HitFa(h, f) => format!("{{ hit = {}, false_alarm = {} }}", num(*h), num(*f)),
            Rel::Letter(c) => format!("\"{c}\""),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SourceSpec {
    pub rel: Rel,
    /// Never set together with `Rel::HitFa` (that is a validation error).
    pub bias: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct ReportSpec {
    pub id: String,
    /// Leave `id` out of the TOML (only honoured when this report's source
    /// reports once in the item, so the default id is the source id).
    pub omit_id: bool,
    pub source: usize,
    /// Index of the relayed report in the same item.
    pub via: Option<usize>,
    pub strength: Option<f64>,
    /// `None`: key omitted (default true).
    pub observed: Option<bool>,
    pub asserts: Option<bool>,
    pub rel: Option<Rel>,
    /// Never set together with a report-level `Rel::HitFa`.
    pub bias: Option<f64>,
}

impl ReportSpec {
    pub fn is_observed(&self) -> bool {
        self.observed.unwrap_or(true)
    }
}

#[derive(Clone, Debug)]
pub struct ItemSpec {
    pub id: String,
    /// One per hypothesis.
    pub likelihood: Vec<f64>,
    pub enabled: bool,
    pub reports: Vec<ReportSpec>,
}

#[derive(Clone, Debug)]
pub struct ModelSpec {
    pub n_hyp: usize,
    /// Normalised; `None` = uniform (no `prior` keys).
    pub priors: Option<Vec<f64>>,
    pub reliability_levels: Option<usize>,
    pub sources: Vec<SourceSpec>,
    pub items: Vec<ItemSpec>,
}

/// Shortest round-trip decimal, always a TOML float (`1.0`, not `1`).
pub fn num(x: f64) -> String {
    assert!(x.is_finite());
    format!("{x:?}")
}

impl ModelSpec {
    /// Whether a report of this spec uses its source's latent reliability.
    pub fn uses_latent(&self, r: &ReportSpec) -> bool {
        r.rel.is_none() && self.sources[r.source].rel.is_latent()
    }

    /// The effective id each report of an item gets.
    fn report_ids(item: &ItemSpec) -> Vec<String> {
        item.reports
            .iter()
            .map(|r| {
                let unique = item.reports.iter().filter(|x| x.source == r.source).count() == 1;
                if r.omit_id && unique {
                    format!("s{}", r.source)
                } else {
                    r.id.clone()
                }
            })
            .collect()
    }

    pub fn to_toml(&self) -> String {
        let mut t = String::new();
        writeln!(t, "[model]\ntitle = \"generated\"").unwrap();
        if let Some(l) = self.reliability_levels {
            writeln!(t, "reliability_levels = {l}").unwrap();
        }
        for h in 0..self.n_hyp {
            writeln!(t, "\n[[hypotheses]]\nid = \"h{h}\"\ntitle = \"H{h}\"").unwrap();
            if let Some(p) = &self.priors {
                writeln!(t, "prior = {}", num(p[h])).unwrap();
            }
        }
        for (s, src) in self.sources.iter().enumerate() {
            writeln!(
                t,
                "\n[[sources]]\nid = \"s{s}\"\ntitle = \"S{s}\"\nreliability = {}",
                src.rel.toml()
            )
            .unwrap();
            if let Some(b) = src.bias {
                writeln!(t, "bias = {}", num(b)).unwrap();
            }
        }
        for item in &self.items {
            writeln!(
                t,
                "\n[[evidence]]\nid = \"{}\"\nclaim = \"claim {}\"",
                item.id, item.id
            )
            .unwrap();
            let lik: Vec<String> = item
                .likelihood
                .iter()
                .enumerate()
                .map(|(h, l)| format!("h{h} = {}", num(*l)))
                .collect();
            writeln!(t, "likelihood = {{ {} }}", lik.join(", ")).unwrap();
            if !item.enabled {
                writeln!(t, "enabled = false").unwrap();
            }
            if item.reports.is_empty() {
                continue;
            }
            let ids = Self::report_ids(item);
            writeln!(t, "reports = [").unwrap();
            for (k, r) in item.reports.iter().enumerate() {
                let mut fields = Vec::new();
                if ids[k] == r.id {
                    fields.push(format!("id = \"{}\"", r.id));
                }
                fields.push(format!("source = \"s{}\"", r.source));
                if let Some(v) = r.via {
                    fields.push(format!("via = \"{}\"", ids[v]));
                }
                if let Some(s) = r.strength {
                    fields.push(format!("strength = {}", num(s)));
                }
                if let Some(o) = r.observed {
                    fields.push(format!("observed = {o}"));
                }
                if let Some(a) = r.asserts {
                    fields.push(format!("asserts = {a}"));
                }
                if let Some(rel) = &r.rel {
                    fields.push(format!("reliability = {}", rel.toml()));
                }
                if let Some(b) = r.bias {
                    fields.push(format!("bias = {}", num(b)));
                }
                writeln!(t, "  {{ {} }},", fields.join(", ")).unwrap();
            }
            writeln!(t, "]").unwrap();
        }
        t
    }

    /// Reorder the reports of item `i` by `perm` (new position k holds old
    /// report `perm[k]`), remapping `via`.
    pub fn permute_reports(&mut self, i: usize, perm: &[usize]) {
        let item = &mut self.items[i];
        assert_eq!(perm.len(), item.reports.len());
        let mut new_pos = vec![0; perm.len()];
        for (k, &old) in perm.iter().enumerate() {
            new_pos[old] = k;
        }
        let old = std::mem::take(&mut item.reports);
        item.reports = perm
            .iter()
            .map(|&o| {
                let mut r = old[o].clone();
                r.via = r.via.map(|v| new_pos[v]);
                r
            })
            .collect();
    }
}

/// Size limits of generated models.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub hyps: (usize, usize),
    pub sources: (usize, usize),
    pub items: (usize, usize),
    pub reports: (usize, usize),
    pub levels: (usize, usize),
    /// Chance that an item is disabled.
    pub disabled: f64,
    /// Chance that `reliability_levels` is written (otherwise the default 5).
    pub levels_chance: f64,
}

impl Limits {
    /// The ranges the property tests are specified over.
    pub const FULL: Limits = Limits {
        hyps: (2, 5),
        sources: (1, 5),
        items: (1, 8),
        reports: (0, 4),
        levels: (2, 6),
        disabled: 0.1,
        levels_chance: 0.5,
    };

    /// Small enough to enumerate the compiled network's joint.
    pub const SMALL: Limits = Limits {
        hyps: (2, 5),
        sources: (1, 4),
        items: (1, 6),
        reports: (0, 4),
        levels: (2, 4),
        disabled: 0.1,
        levels_chance: 1.0,
    };
}

/// A probability in [0.01, 0.99]: sometimes a round percentage, sometimes any
/// float.
pub fn prob() -> impl Strategy<Value = f64> {
    prop_oneof![
        (1u32..=99).prop_map(|k| f64::from(k) / 100.0),
        0.01f64..=0.99,
    ]
}

/// A reliability accuracy in [0, 0.95] (0 included: a worthless source).
fn accuracy() -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => Just(0.0),
        4 => (0u32..=19).prop_map(|k| f64::from(k) * 0.05),
        4 => 0.0f64..=0.95,
    ]
}

/// Any reliability a source may have.
pub fn source_rel() -> impl Strategy<Value = Rel> {
    prop_oneof![
        4 => accuracy().prop_map(Rel::Number),
        2 => (0.0f64..=0.9, 0.0f64..=1.0)
            .prop_map(|(lo, w)| Rel::Interval(lo, lo + w * (1.0 - lo))),
        3 => (prob(), prob()).prop_map(|(h, f)| Rel::HitFa(h, f)),
        1 => proptest::sample::select(vec!['A', 'B', 'C', 'D', 'E', 'F']).prop_map(Rel::Letter),
    ]
}

/// A reliability with a point value (no latent node).
pub fn point_rel() -> impl Strategy<Value = Rel> {
    prop_oneof![
        accuracy().prop_map(Rel::Number),
        (prob(), prob()).prop_map(|(h, f)| Rel::HitFa(h, f)),
        proptest::sample::select(vec!['A', 'B', 'C', 'D', 'E']).prop_map(Rel::Letter),
    ]
}

/// A reliability as a report-level override: an interval here is its midpoint.
pub fn report_rel() -> impl Strategy<Value = Rel> {
    prop_oneof![
        3 => point_rel(),
        1 => (0.0f64..=0.9, 0.0f64..=1.0)
            .prop_map(|(lo, w)| Rel::Interval(lo, lo + w * (1.0 - lo))),
    ]
}

/// A bias that is legal with `rel` (none with `{ hit, false_alarm }`).
fn with_bias(rel: Rel) -> impl Strategy<Value = (Rel, Option<f64>)> {
    let bias = if rel.is_credibility() {
        Just(None).boxed()
    } else {
        option::weighted(0.5, prob()).boxed()
    };
    (Just(rel), bias)
}

pub fn source_spec() -> impl Strategy<Value = SourceSpec> {
    source_rel()
        .prop_flat_map(with_bias)
        .prop_map(|(rel, bias)| SourceSpec { rel, bias })
}

/// One report, before its `via` is resolved to an earlier report.
#[derive(Clone, Debug)]
pub struct RawReport {
    pub omit_id: bool,
    pub source: Index,
    /// `Some(i)`: relay the report at `i` modulo the number of earlier ones.
    pub via: Option<Index>,
    pub strength: Option<f64>,
    pub observed: Option<bool>,
    pub asserts: Option<bool>,
    pub rel: Option<(Rel, Option<f64>)>,
    pub bias: Option<f64>,
}

pub fn strength() -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => Just(0.0),
        1 => Just(1.0),
        3 => 0.0f64..=1.0,
    ]
}

pub fn raw_report(rel: BoxedStrategy<Rel>) -> impl Strategy<Value = RawReport> {
    (
        any::<bool>(),
        any::<Index>(),
        option::weighted(0.5, any::<Index>()),
        option::weighted(0.5, strength()),
        option::weighted(0.4, any::<bool>()),
        option::weighted(0.4, any::<bool>()),
        option::weighted(0.3, rel.prop_flat_map(with_bias)),
        option::weighted(0.2, prob()),
    )
        .prop_map(
            |(omit_id, source, via, strength, observed, asserts, rel, bias)| RawReport {
                omit_id,
                source,
                via,
                strength,
                observed,
                asserts,
                rel,
                bias,
            },
        )
}

/// Resolve raw reports into reports of one item. Report `k` may relay only an
/// earlier one, so there are no cycles.
pub fn resolve_reports(raws: Vec<RawReport>, n_src: usize, prefix: &str) -> Vec<ReportSpec> {
    raws.into_iter()
        .enumerate()
        .map(|(k, r)| {
            let via = if k == 0 {
                None
            } else {
                r.via.map(|i| i.index(k))
            };
            let (rel, bias) = match r.rel {
                Some((rel, b)) => (Some(rel), b),
                None => (None, r.bias),
            };
            ReportSpec {
                id: format!("{prefix}r{k}"),
                omit_id: r.omit_id,
                source: r.source.index(n_src),
                strength: if via.is_some() { r.strength } else { None },
                via,
                observed: r.observed,
                asserts: r.asserts,
                rel,
                bias,
            }
        })
        .collect()
}

pub fn item_spec(
    id: String,
    n_hyp: usize,
    n_src: usize,
    lim: Limits,
) -> impl Strategy<Value = ItemSpec> {
    (
        vec(prob(), n_hyp),
        proptest::bool::weighted(1.0 - lim.disabled),
        vec(
            raw_report(report_rel().boxed()),
            lim.reports.0..=lim.reports.1,
        ),
    )
        .prop_map(move |(likelihood, enabled, raws)| ItemSpec {
            id: id.clone(),
            likelihood,
            enabled,
            reports: resolve_reports(raws, n_src, ""),
        })
}

pub fn priors(n: usize) -> impl Strategy<Value = Option<Vec<f64>>> {
    option::weighted(0.7, vec(0.05f64..=1.0, n)).prop_map(|w| {
        w.map(|w| {
            let total: f64 = w.iter().sum();
            w.iter().map(|x| x / total).collect()
        })
    })
}

pub fn model_spec(lim: Limits) -> impl Strategy<Value = ModelSpec> {
    (
        lim.hyps.0..=lim.hyps.1,
        lim.sources.0..=lim.sources.1,
        lim.items.0..=lim.items.1,
    )
        .prop_flat_map(move |(n_hyp, n_src, n_items)| {
            let items: Vec<_> = (0..n_items)
                .map(|i| item_spec(format!("e{i}"), n_hyp, n_src, lim))
                .collect();
            (
                Just(n_hyp),
                priors(n_hyp),
                (0.0f64..1.0, lim.levels.0..=lim.levels.1)
                    .prop_map(move |(u, l)| (u < lim.levels_chance).then_some(l)),
                vec(source_spec(), n_src),
                items,
            )
        })
        .prop_map(
            |(n_hyp, priors, reliability_levels, sources, items)| ModelSpec {
                n_hyp,
                priors,
                reliability_levels,
                sources,
                items,
            },
        )
}
