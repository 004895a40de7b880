//! The validated model: the only shape later stages see.
//!
//! Every number here has been checked (probabilities in [0,1], intervals not
//! inverted, priors normalised) and every reference resolved to an index, so
//! an invalid state cannot be represented once a `Model` exists.

use std::fmt;
use std::ops::Range;

/// A probability, checked to be finite and within [0, 1].
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Probability(f64);

impl Probability {
    pub const ZERO: Probability = Probability(0.0);
    pub const HALF: Probability = Probability(0.5);
    pub const ONE: Probability = Probability(1.0);

    pub fn new(value: f64) -> Option<Probability> {
        (value.is_finite() && (0.0..=1.0).contains(&value)).then_some(Probability(value))
    }

    /// Clamp a computed value that rounding may have nudged outside [0, 1].
    pub fn clamped(value: f64) -> Probability {
        if value.is_nan() {
            Probability(0.0)
        } else {
            Probability(value.clamp(0.0, 1.0))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl fmt::Display for Probability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Natural log-odds, ln(p / (1 - p)).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct LogOdds(pub f64);

impl LogOdds {
    pub fn of(p: Probability) -> LogOdds {
        let p = p.get();
        LogOdds((p / (1.0 - p)).ln())
    }

    /// In decibans: 10 log10 of the odds.
    pub fn decibans(self) -> f64 {
        self.0 * 10.0 / std::f64::consts::LN_10
    }
}

/// A closed interval `[low, high]` of probabilities with `low <= high`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    low: Probability,
    high: Probability,
}

impl Interval {
    pub fn new(low: Probability, high: Probability) -> Option<Interval> {
        (low.get() <= high.get()).then_some(Interval { low, high })
    }

    pub fn low(self) -> Probability {
        self.low
    }

    pub fn high(self) -> Probability {
        self.high
    }

    pub fn midpoint(self) -> Probability {
        Probability::clamped((self.low.get() + self.high.get()) / 2.0)
    }

    pub fn width(self) -> f64 {
        self.high.get() - self.low.get()
    }

    /// The value at fraction `t` in [0, 1] of the way from low to high.
    pub fn lerp(self, t: f64) -> Probability {
        Probability::clamped(self.low.get() + t * self.width())
    }
}

/// A probability as the analyst wrote it: a point value used for exact
/// inference, the range it stands for (a verbal term or an interval), and the
/// words, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub point: Probability,
    pub range: Option<Interval>,
    pub label: Option<String>,
}

impl Estimate {
    pub fn exact(p: Probability) -> Estimate {
        Estimate {
            point: p,
            range: None,
            label: None,
        }
    }

    pub fn interval(range: Interval) -> Estimate {
        Estimate {
            point: range.midpoint(),
            range: Some(range),
            label: None,
        }
    }

    /// True when the estimate stands for a range of width > 0.
    pub fn is_uncertain(&self) -> bool {
        self.range.is_some_and(|r| r.width() > 0.0)
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.label, self.range) {
            (Some(label), _) => write!(f, "{label} ({:.4})", self.point.get()),
            (None, Some(r)) if r.width() > 0.0 => {
                write!(f, "[{}, {}]", r.low.get(), r.high.get())
            }
            _ => write!(f, "{}", self.point.get()),
        }
    }
}

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub usize);

        impl $name {
            pub fn index(self) -> usize {
                self.0
            }
        }
    };
}

index_type!(
    /// Index of a hypothesis in `Model::hypotheses`.
    HypothesisId
);
index_type!(
    /// Index of a source in `Model::sources`.
    SourceId
);
index_type!(
    /// Index of an evidence item in `Model::items`.
    ItemId
);
index_type!(
    /// Index of a report within its item's `reports`.
    ReportId
);
index_type!(
    /// Index of a dependency in `Model::dependencies`.
    DependencyId
);
index_type!(
    /// Index of a group in `Model::groups`.
    GroupId
);

#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub title: String,
    pub question: Option<String>,
    pub as_of: Option<String>,
    pub notes: Option<String>,
    /// Discrete levels of a latent source-reliability node.
    pub reliability_levels: usize,
}

#[derive(Clone, Debug)]
pub struct Hypothesis {
    pub id: String,
    pub title: String,
    /// As written (may be an interval); `None` when the model gives no priors.
    pub prior_written: Option<Estimate>,
    /// Normalised prior used for inference.
    pub prior: Probability,
    pub rationale: Option<String>,
    pub span: Range<usize>,
}

/// How reliable a source (or one report) is.
#[derive(Clone, Debug, PartialEq)]
pub enum Reliability {
    /// Probability `r` that the source reports accurately (a number, an
    /// Admiralty letter, or an interval); combined with a bias.
    Accuracy(Estimate),
    /// Schum's credibility pair set directly.
    Credibility {
        hit: Estimate,
        false_alarm: Estimate,
    },
}

impl Reliability {
    /// The (h, f) pair at point values, given the bias to use.
    pub fn hit_false_alarm(&self, bias: Probability) -> (Probability, Probability) {
        match self {
            Reliability::Accuracy(r) => hit_false_alarm(r.point, bias),
            Reliability::Credibility { hit, false_alarm } => (hit.point, false_alarm.point),
        }
    }
}

/// h = r + (1-r) b and f = (1-r) b: with probability r the source reports
/// accurately, otherwise it asserts the claim with probability b.
pub fn hit_false_alarm(r: Probability, b: Probability) -> (Probability, Probability) {
    let (r, b) = (r.get(), b.get());
    (
        Probability::clamped(r + (1.0 - r) * b),
        Probability::clamped((1.0 - r) * b),
    )
}

/// A coarser question over the hypotheses: several of them taken together
/// ("Iran knew in advance" = directed or approved). Its prior and posterior
/// are the sums of its members'. Validation guarantees at least two
/// distinct members and fewer than every hypothesis.
#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub title: String,
    /// Distinct, in the order written.
    pub members: Vec<HypothesisId>,
    pub rationale: Option<String>,
    pub span: Range<usize>,
}

impl Group {
    /// Whether hypothesis `h` is one of the members.
    pub fn contains(&self, h: HypothesisId) -> bool {
        self.members.contains(&h)
    }

    /// A mask over the model's hypotheses: `true` for the members.
    pub fn mask(&self, hypotheses: usize) -> Vec<bool> {
        let mut mask = vec![false; hypotheses];
        for m in &self.members {
            if let Some(slot) = mask.get_mut(m.0) {
                *slot = true;
            }
        }
        mask
    }

    /// The sum of the members' entries of a per-hypothesis vector (a prior
    /// or a posterior).
    pub fn total(&self, per_hypothesis: &[f64]) -> f64 {
        self.members
            .iter()
            .filter_map(|m| per_hypothesis.get(m.0))
            .sum()
    }
}

#[derive(Clone, Debug)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub reliability: Reliability,
    pub bias: Option<Estimate>,
    pub notes: Option<String>,
    pub span: Range<usize>,
}

impl Source {
    pub fn bias_point(&self) -> Probability {
        self.bias.as_ref().map_or(Probability::HALF, |b| b.point)
    }

    /// The reliability interval when it is uncertain: such a source gets a
    /// latent reliability node shared by all its reports.
    pub fn latent_range(&self) -> Option<Interval> {
        match &self.reliability {
            Reliability::Accuracy(r) if r.is_uncertain() => r.range,
            _ => None,
        }
    }
}

/// A relay link: this report depends on `parent` with `strength`.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub parent: ReportId,
    pub strength: Probability,
    /// The `[[dependencies]]` entry that created this link, if any.
    pub dependency: Option<DependencyId>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub id: String,
    pub source: SourceId,
    pub via: Option<Link>,
    pub observed: bool,
    pub asserts: bool,
    pub reliability: Option<Reliability>,
    pub bias: Option<Estimate>,
    pub document: Option<String>,
    pub quote: Option<String>,
    pub notes: Option<String>,
    pub span: Range<usize>,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub id: String,
    pub claim: String,
    /// P(E true | h), indexed by `HypothesisId`.
    pub likelihood: Vec<Estimate>,
    pub rationale: Option<String>,
    pub enabled: bool,
    pub reports: Vec<Report>,
    pub notes: Option<String>,
    pub span: Range<usize>,
}

/// How the reports of an item trace back to independent origins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origins {
    pub reports: usize,
    /// Reports with no `via`: the roots of the relay forest.
    pub independent: Vec<ReportId>,
    /// Reports relayed with 0 < strength < 1: partly independent.
    pub partly_dependent: Vec<ReportId>,
}

impl Item {
    pub fn origins(&self) -> Origins {
        let mut independent = Vec::new();
        let mut partly_dependent = Vec::new();
        for (i, r) in self.reports.iter().enumerate() {
            match &r.via {
                None => independent.push(ReportId(i)),
                Some(link) if link.strength.get() == 0.0 => independent.push(ReportId(i)),
                Some(link) if link.strength.get() < 1.0 => partly_dependent.push(ReportId(i)),
                Some(_) => {}
            }
        }
        Origins {
            reports: self.reports.len(),
            independent,
            partly_dependent,
        }
    }

    /// The chain of reports from `report` back to its origin, `report` first.
    pub fn chain(&self, report: ReportId) -> Vec<ReportId> {
        let mut chain = vec![report];
        let mut at = report;
        while let Some(link) = &self.reports[at.0].via {
            // Validation rejects cycles; the length guard keeps this total anyway.
            if chain.len() > self.reports.len() {
                break;
            }
            at = link.parent;
            chain.push(at);
        }
        chain
    }
}

#[derive(Clone, Debug)]
pub struct Dependency {
    pub id: Option<String>,
    pub sources: Vec<SourceId>,
    pub strength: Probability,
    pub why: Option<String>,
}

/// A what-if change to one parameter of a model.
#[derive(Clone, Debug, PartialEq)]
pub enum Override {
    SourceReliability(SourceId, Reliability),
    SourceBias(SourceId, Estimate),
    ItemEnabled(ItemId, bool),
    Likelihood(ItemId, HypothesisId, Estimate),
    Prior(HypothesisId, Probability),
    ReportStrength(ItemId, ReportId, Probability),
    ReportObserved(ItemId, ReportId, bool),
    ReportReliability(ItemId, ReportId, Reliability),
    ReportBias(ItemId, ReportId, Estimate),
    DependencyStrength(DependencyId, Probability),
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub why: Option<String>,
    /// Each override with the dotted path it was written as.
    pub overrides: Vec<(String, Override)>,
}

/// A validated model.
#[derive(Clone, Debug)]
pub struct Model {
    pub meta: Meta,
    pub hypotheses: Vec<Hypothesis>,
    /// `[[groups]]`: coarser questions over the hypotheses.
    pub groups: Vec<Group>,
    pub sources: Vec<Source>,
    pub items: Vec<Item>,
    pub dependencies: Vec<Dependency>,
    pub scenarios: Vec<Scenario>,
    pub scales: super::scales::Scales,
}

impl Model {
    pub fn hypothesis(&self, id: &str) -> Option<HypothesisId> {
        self.hypotheses
            .iter()
            .position(|h| h.id == id)
            .map(HypothesisId)
    }

    pub fn group(&self, id: &str) -> Option<GroupId> {
        self.groups.iter().position(|g| g.id == id).map(GroupId)
    }

    pub fn source(&self, id: &str) -> Option<SourceId> {
        self.sources.iter().position(|s| s.id == id).map(SourceId)
    }

    pub fn item(&self, id: &str) -> Option<ItemId> {
        self.items.iter().position(|i| i.id == id).map(ItemId)
    }

    pub fn priors(&self) -> Vec<f64> {
        self.hypotheses.iter().map(|h| h.prior.get()).collect()
    }

    /// The reliability and bias that apply to one report, after report-level
    /// overrides.
    pub fn report_reliability<'a>(&'a self, report: &'a Report) -> (&'a Reliability, Probability) {
        let source = &self.sources[report.source.0];
        let reliability = report.reliability.as_ref().unwrap_or(&source.reliability);
        let bias = report
            .bias
            .as_ref()
            .map_or_else(|| source.bias_point(), |b| b.point);
        (reliability, bias)
    }

    /// Whether a report's reliability is the source's shared latent node.
    pub fn uses_latent_reliability(&self, report: &Report) -> bool {
        report.reliability.is_none() && self.sources[report.source.0].latent_range().is_some()
    }

    /// Set one prior and rescale the others in proportion so they sum to 1.
    pub fn set_prior(&mut self, h: HypothesisId, p: Probability) {
        let rest: f64 = self
            .hypotheses
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != h.0)
            .map(|(_, x)| x.prior.get())
            .sum();
        let n = self.hypotheses.len();
        for (i, hyp) in self.hypotheses.iter_mut().enumerate() {
            hyp.prior = if i == h.0 {
                p
            } else if rest > 0.0 {
                Probability::clamped(hyp.prior.get() / rest * (1.0 - p.get()))
            } else {
                Probability::clamped((1.0 - p.get()) / (n - 1) as f64)
            };
        }
    }
}
