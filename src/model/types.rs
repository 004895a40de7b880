//! The validated model: the only shape later stages see.
//!
//! Every number here has been checked (probabilities in [0, 1], intervals not
//! inverted, priors normalised) and every reference resolved to an index, so
//! an invalid state cannot be represented once a `Model` exists.

use std::fmt;
use std::ops::Range;

/// A probability, checked to be finite and within [0, 1].
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Probability(f64);

impl Probability {
    /// Impossible.
    pub const ZERO: Probability = Probability(0.0);
    /// Even odds: the default bias.
    pub const HALF: Probability = Probability(0.5);
    /// Certain.
    pub const ONE: Probability = Probability(1.0);

    /// `value` as a probability, or `None` if it is not finite or outside [0, 1].
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

    /// The probability as a number in [0, 1].
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
    /// The log-odds of `p`: infinite at 0 and 1.
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
    /// The interval `[low, high]`, or `None` if `low > high`.
    pub fn new(low: Probability, high: Probability) -> Option<Interval> {
        (low.get() <= high.get()).then_some(Interval { low, high })
    }

    /// The lower bound.
    pub fn low(self) -> Probability {
        self.low
    }

    /// The upper bound.
    pub fn high(self) -> Probability {
        self.high
    }

    /// The midpoint: the point value exact inference uses.
    pub fn midpoint(self) -> Probability {
        Probability::clamped((self.low.get() + self.high.get()) / 2.0)
    }

    /// `high - low`: 0 for a single point.
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
    /// The value exact inference uses: the number written, or the midpoint of
    /// the range.
    pub point: Probability,
    /// The range the estimate stands for (an interval or a verbal band);
    /// `None` for a plain number.
    pub range: Option<Interval>,
    /// The word written (`"likely"`, `"CC"`, `"B"`), if any.
    pub label: Option<String>,
}

impl Estimate {
    /// A plain number, with no range and no word.
    pub fn exact(p: Probability) -> Estimate {
        Estimate {
            point: p,
            range: None,
            label: None,
        }
    }

    /// An interval, at its midpoint.
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
            /// The position in the model's list.
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

/// The `[model]` table: what the model is about.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// The model's title (the file name when `[model]` gives none).
    pub title: String,
    /// The question the hypotheses answer.
    pub question: Option<String>,
    /// The information cut-off, as written (a TOML date or a string).
    pub as_of: Option<String>,
    /// Free text.
    pub notes: Option<String>,
    /// Discrete levels of a latent source-reliability node.
    pub reliability_levels: usize,
}

/// One of the mutually exclusive and exhaustive answers to the question.
#[derive(Clone, Debug)]
pub struct Hypothesis {
    /// Short unique name, used by likelihoods and override paths.
    pub id: String,
    /// What the hypothesis says.
    pub title: String,
    /// As written (may be an interval); `None` when the model gives no priors.
    pub prior_written: Option<Estimate>,
    /// Normalised prior used for inference.
    pub prior: Probability,
    /// Why this prior (`rationale` or `notes` in the file).
    pub rationale: Option<String>,
    /// Byte range of the hypothesis's table in the model file.
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
        /// h = P(the source asserts the claim | the claim is true).
        hit: Estimate,
        /// f = P(the source asserts the claim | the claim is false).
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
    /// Short unique name; not a hypothesis's id.
    pub id: String,
    /// What the group says.
    pub title: String,
    /// Distinct, in the order written.
    pub members: Vec<HypothesisId>,
    /// Why these hypotheses belong together (`rationale` or `notes`).
    pub rationale: Option<String>,
    /// Byte range of the group's table in the model file.
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

/// A source of reports, with how far to trust it.
#[derive(Clone, Debug)]
pub struct Source {
    /// Short unique name, used by reports and override paths.
    pub id: String,
    /// Who or what the source is.
    pub title: String,
    /// How reliable the source is, for every report that does not override it.
    pub reliability: Reliability,
    /// The probability of asserting the claim when not reporting accurately, as
    /// written; `None` means the default 0.5 (see [`Source::bias_point`]).
    pub bias: Option<Estimate>,
    /// Why this reliability and bias.
    pub notes: Option<String>,
    /// Byte range of the source's table in the model file.
    pub span: Range<usize>,
}

impl Source {
    /// The bias used for inference: the written bias's point value, else 0.5.
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
    /// The report relayed, in the same item.
    pub parent: ReportId,
    /// How much this report depends on `parent` (1: a pure relay; below 1, it
    /// partly reports the event directly).
    pub strength: Probability,
    /// The `[[dependencies]]` entry that created this link, if any.
    pub dependency: Option<DependencyId>,
}

/// What one source says about an item's claim: a binary node, true when the
/// source asserts the claim.
#[derive(Clone, Debug)]
pub struct Report {
    /// Local to the item: as written, else the source id (`source#2` for a
    /// source's second report in the item).
    pub id: String,
    /// The source that made the report.
    pub source: SourceId,
    /// The report this one relays, if any; `None` for an independent origin.
    pub via: Option<Link>,
    /// False for a report held only second-hand, through the reports relaying it
    /// (a latent node).
    pub observed: bool,
    /// True when the source asserts the claim, false when it denies it.
    pub asserts: bool,
    /// A reliability for this report only, overriding the source's.
    pub reliability: Option<Reliability>,
    /// A bias for this report only, overriding the source's.
    pub bias: Option<Estimate>,
    /// The seed-document record behind the report.
    pub document: Option<String>,
    /// The exact words, where they are the evidence.
    pub quote: Option<String>,
    /// Free text.
    pub notes: Option<String>,
    /// Byte range of the report's inline table in the model file.
    pub span: Range<usize>,
}

/// An evidence item: a claim that is true or false, how likely it is under
/// each hypothesis, and the reports on it.
#[derive(Clone, Debug)]
pub struct Item {
    /// Short unique name.
    pub id: String,
    /// The event or proposition E.
    pub claim: String,
    /// P(E true | h), indexed by `HypothesisId`.
    pub likelihood: Vec<Estimate>,
    /// Why these likelihoods.
    pub rationale: Option<String>,
    /// False leaves the item out of every calculation.
    pub enabled: bool,
    /// The reports on the claim; none means the claim is established (observed
    /// true).
    pub reports: Vec<Report>,
    /// Free text.
    pub notes: Option<String>,
    /// Byte range of the item's table in the model file.
    pub span: Range<usize>,
}

/// How the reports of an item trace back to independent origins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origins {
    /// How many reports the item has.
    pub reports: usize,
    /// Reports with no `via`: the roots of the relay forest.
    pub independent: Vec<ReportId>,
    /// Reports relayed with 0 < strength < 1: partly independent.
    pub partly_dependent: Vec<ReportId>,
}

impl Item {
    /// Which reports are independent origins and which are partly dependent.
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

/// A `[[dependencies]]` entry: sources that repeat one another, made into
/// relay links wherever they report on the same item.
#[derive(Clone, Debug)]
pub struct Dependency {
    /// Name for override paths, if given.
    pub id: Option<String>,
    /// The sources, in the order written: later ones relay the first present.
    pub sources: Vec<SourceId>,
    /// The strength of every link the dependency makes.
    pub strength: Probability,
    /// Free text.
    pub why: Option<String>,
}

/// A what-if change to one parameter of a model.
#[derive(Clone, Debug, PartialEq)]
pub enum Override {
    /// `sources.<source>.reliability`.
    SourceReliability(SourceId, Reliability),
    /// `sources.<source>.bias`.
    SourceBias(SourceId, Estimate),
    /// `evidence.<item>.enabled`.
    ItemEnabled(ItemId, bool),
    /// `evidence.<item>.likelihood.<hypothesis>`.
    Likelihood(ItemId, HypothesisId, Estimate),
    /// `hypotheses.<hypothesis>.prior`: the others are rescaled in proportion.
    Prior(HypothesisId, Probability),
    /// `evidence.<item>.reports.<report>.strength`.
    ReportStrength(ItemId, ReportId, Probability),
    /// `evidence.<item>.reports.<report>.observed`.
    ReportObserved(ItemId, ReportId, bool),
    /// `evidence.<item>.reports.<report>.reliability`.
    ReportReliability(ItemId, ReportId, Reliability),
    /// `evidence.<item>.reports.<report>.bias`.
    ReportBias(ItemId, ReportId, Estimate),
    /// `dependencies.<dependency>.strength`: every link the dependency made.
    DependencyStrength(DependencyId, Probability),
}

/// A named what-if from `[[scenarios]]`: overrides applied together.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Short unique name (`whatif --scenario ID`).
    pub id: String,
    /// What the scenario supposes.
    pub title: String,
    /// Why it is worth asking.
    pub why: Option<String>,
    /// Each override with the dotted path it was written as.
    pub overrides: Vec<(String, Override)>,
    /// Byte range of the scenario's table in the model file.
    pub span: Range<usize>,
}

/// A validated model.
#[derive(Clone, Debug)]
pub struct Model {
    /// The `[model]` table.
    pub meta: Meta,
    /// The hypotheses, in file order; `HypothesisId` indexes them.
    pub hypotheses: Vec<Hypothesis>,
    /// `[[groups]]`: coarser questions over the hypotheses.
    pub groups: Vec<Group>,
    /// The sources, in file order; `SourceId` indexes them.
    pub sources: Vec<Source>,
    /// The evidence items, in file order; `ItemId` indexes them.
    pub items: Vec<Item>,
    /// Pending evidence (`pending = true`): collection requirements, in file
    /// order. Kept apart from `items` so that no posterior can include
    /// them; `credence collect` values them. Their reports name the sources
    /// that would be asked and carry no answer (`asserts` is unset).
    pub pending: Vec<Item>,
    /// The `[[dependencies]]` entries (already expanded into report links).
    pub dependencies: Vec<Dependency>,
    /// The scenarios, in file order.
    pub scenarios: Vec<Scenario>,
    /// The word-to-number tables in force, after `[scales]`.
    pub scales: super::scales::Scales,
}

impl Model {
    /// The hypothesis with this id.
    pub fn hypothesis(&self, id: &str) -> Option<HypothesisId> {
        self.hypotheses
            .iter()
            .position(|h| h.id == id)
            .map(HypothesisId)
    }

    /// The group with this id.
    pub fn group(&self, id: &str) -> Option<GroupId> {
        self.groups.iter().position(|g| g.id == id).map(GroupId)
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<SourceId> {
        self.sources.iter().position(|s| s.id == id).map(SourceId)
    }

    /// The evidence item with this id.
    pub fn item(&self, id: &str) -> Option<ItemId> {
        self.items.iter().position(|i| i.id == id).map(ItemId)
    }

    /// The pending item with this id, by its position in `pending`.
    pub fn pending_item(&self, id: &str) -> Option<usize> {
        self.pending.iter().position(|i| i.id == id)
    }

    /// The normalised priors, indexed by `HypothesisId`.
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
        let priors = rescaled_priors(&self.priors(), h, p);
        for (hyp, p) in self.hypotheses.iter_mut().zip(priors) {
            hyp.prior = p;
        }
    }
}

/// `priors` with hypothesis `h`'s set to `p` and the others rescaled in
/// proportion so they sum to 1 (equally, when they were all 0): what a
/// scenario or a sweep that sets one prior means.
pub fn rescaled_priors(priors: &[f64], h: HypothesisId, p: Probability) -> Vec<Probability> {
    let rest: f64 = priors
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != h.0)
        .map(|(_, x)| x)
        .sum();
    let n = priors.len();
    priors
        .iter()
        .enumerate()
        .map(|(i, &prior)| {
            if i == h.0 {
                p
            } else if rest > 0.0 {
                Probability::clamped(prior / rest * (1.0 - p.get()))
            } else {
                Probability::clamped((1.0 - p.get()) / (n - 1) as f64)
            }
        })
        .collect()
}
