//! What each chart draws: plain numbers and the model's words, filled in by
//! the document builders from their views. A renderer draws a [`Figure`]
//! knowing nothing of any view, so the report layer's imports run one way
//! (views -> document builders -> document <- renderers). Strings are
//! borrowed from the view the document was built from.

/// A chart: drawn by the HTML renderer, left out of text and Markdown (the
/// tables beside each figure carry the same numbers).
pub enum Figure<'a> {
    /// Posterior bars with prior markers over the ICD 203 bands.
    Posterior(PosteriorChart<'a>),
    /// Hypotheses, items, reports and relay chains.
    EvidenceGraph(EvidenceGraph<'a>),
    /// Baseline and every scenario, grouped by hypothesis.
    Scenarios(ScenarioChart<'a>),
    /// Each parameter's posterior range, largest impact first.
    Tornado(TornadoChart<'a>),
    /// The 5-50-95 percentile bar of each hypothesis.
    Percentiles(PercentileChart<'a>),
}

/// One hypothesis as a chart shows it.
pub struct HypothesisMark<'a> {
    /// Its id.
    pub id: &'a str,
    /// What it says.
    pub title: &'a str,
    /// Its prior.
    pub prior: f64,
    /// Its posterior.
    pub posterior: f64,
    /// Whether it is the leading hypothesis (drawn darker, or starred).
    pub leading: bool,
}

/// One ICD 203 band behind the posterior bars.
pub struct Band<'a> {
    /// The expression, e.g. "likely".
    pub term: &'a str,
    /// The band's lower bound.
    pub low: f64,
    /// The band's upper bound.
    pub high: f64,
}

/// Posterior bars per hypothesis, the prior as a marker, over the ICD 203
/// bands.
pub struct PosteriorChart<'a> {
    /// The bands, from "almost no chance" up.
    pub bands: Vec<Band<'a>>,
    /// True when the bands are the standard ICD 203 ranges, false when the
    /// model's `[scales]` changed them (the legend says which).
    pub standard_bands: bool,
    /// In model order.
    pub hypotheses: Vec<HypothesisMark<'a>>,
}

/// The evidence graph: the hypothesis node, each item and its reports.
pub struct EvidenceGraph<'a> {
    /// In model order.
    pub hypotheses: Vec<HypothesisMark<'a>>,
    /// In model order.
    pub items: Vec<GraphItem<'a>>,
}

/// One evidence item in the graph.
pub struct GraphItem<'a> {
    /// The item id.
    pub id: &'a str,
    /// What it claims.
    pub claim: &'a str,
    /// False for a disabled item (drawn faded).
    pub enabled: bool,
    /// The item has no reports and is taken as established.
    pub established: bool,
    /// How many reports it has.
    pub report_count: usize,
    /// How many independent origins they come from.
    pub origin_count: usize,
    /// Each report, in the order written.
    pub reports: Vec<GraphReport<'a>>,
}

/// One report node in the graph.
pub struct GraphReport<'a> {
    /// The report id, local to the item.
    pub id: &'a str,
    /// The source id.
    pub source: &'a str,
    /// The id of the report it relays, if any.
    pub via: Option<&'a str>,
    /// The relay's strength; `None` without `via`.
    pub strength: Option<f64>,
    /// False for a report held only second-hand.
    pub observed: bool,
    /// False when the source denies the claim.
    pub asserts: bool,
    /// Hit rate at point values.
    pub hit: f64,
    /// False-alarm rate at point values.
    pub false_alarm: f64,
    /// The seed-document record behind it.
    pub document: Option<&'a str>,
}

/// Baseline and every scenario, grouped by hypothesis.
pub struct ScenarioChart<'a> {
    /// Id and title of each hypothesis, in model order.
    pub hypotheses: Vec<(&'a str, &'a str)>,
    /// The baseline posterior of each hypothesis.
    pub baseline: Vec<f64>,
    /// Each scenario, in the order run.
    pub scenarios: Vec<ScenarioBars<'a>>,
}

/// One scenario's posteriors.
pub struct ScenarioBars<'a> {
    /// The scenario id.
    pub id: &'a str,
    /// Whether the leading hypothesis changes (the id is drawn in orange).
    pub leader_changed: bool,
    /// Per hypothesis, the posterior and its change from the baseline;
    /// `None` when the scenario's evidence is impossible.
    pub shifts: Option<Vec<Shift>>,
}

/// A posterior and how far it moved from the baseline.
#[derive(Clone, Copy)]
pub struct Shift {
    /// The posterior under the scenario.
    pub posterior: f64,
    /// The posterior minus the baseline's.
    pub change: f64,
}

/// The tornado: each parameter's posterior range per hypothesis.
pub struct TornadoChart<'a> {
    /// Id and baseline posterior of each hypothesis, in model order.
    pub hypotheses: Vec<(&'a str, f64)>,
    /// The parameters drawn, largest impact first.
    pub parameters: Vec<TornadoRow<'a>>,
}

/// One parameter of the tornado.
pub struct TornadoRow<'a> {
    /// Its override path.
    pub path: &'a str,
    /// Its value as the model writes it.
    pub written: &'a str,
    /// The largest swing of any posterior over the sweep.
    pub impact: f64,
    /// Per hypothesis: its id and lowest and highest posterior; empty when
    /// no point of the sweep is possible.
    pub ranges: Vec<(&'a str, f64, f64)>,
}

/// The spread of each posterior over a simulation.
pub struct PercentileChart<'a> {
    /// In model order.
    pub hypotheses: Vec<PercentileBar<'a>>,
}

/// One hypothesis's spread over a simulation.
pub struct PercentileBar<'a> {
    /// Its id.
    pub id: &'a str,
    /// What it says.
    pub title: &'a str,
    /// The 5th percentile.
    pub p5: f64,
    /// The median.
    pub p50: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The mean.
    pub mean: f64,
    /// The exact posterior (as `credence report` gives it), when known.
    pub exact: Option<f64>,
}
