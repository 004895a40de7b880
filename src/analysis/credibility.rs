//! Credibility grades: each item's information credibility on the
//! Admiralty (STANAG 2511 / AJP-2.1) 1-6 scale, by a documented rule from
//! its independent origins, their sources' reliability and whether the rest
//! of the evidence agrees; and each source's reliability as an Admiralty
//! letter (for MISP's `admiralty-scale` taxonomy).
//!
//! The rule, first match wins (docs/FORMAT.md, "Credibility grades"):
//!
//! 6. cannot be judged: the item has no reports (taken as established by
//!    the analyst), or no origin's reliability can be judged (Admiralty F,
//!    an interval spanning [0, 1]);
//! 5. improbable: the rest of the evidence contradicts it (its conflict
//!    with the rest is above [`super::conflict::THRESHOLD_BITS`]);
//! 1. confirmed: at least two independent origins, from different sources
//!    of reliability at least [`RELIABLE`], say the same, none says the
//!    opposite, and the rest of the evidence agrees (conflict at most 0);
//! 2. probably true: none says the opposite, the rest agrees, and either
//!    one origin's source is at least [`RELIABLE`] or two different
//!    sources at least [`FAIR`] say it;
//! 3. possibly true: some origin's source is at least [`FAIR`];
//! 4. doubtful: otherwise (only sources below [`FAIR`]).
//!
//! Only independent origins count: reports relaying another (`via`, at any
//! strength above 0) never confirm, so four outlets relaying one story are
//! one origin and never grade 1. What an item "says" is what most of its
//! origins say (assert or deny; assert on a tie); an origin held only
//! second-hand (`observed = false`) says what its first observed relay
//! says.

use super::ItemResult;
use super::conflict;
use crate::model::{Item, Model, Reliability, ReportId, SourceId};

/// Reliability of a source whose word can confirm (Admiralty C, "fairly
/// reliable", and above).
pub const RELIABLE: f64 = 0.6;
/// Reliability below which a source's word leaves the item doubtful
/// (Admiralty D, "not usually reliable").
pub const FAIR: f64 = 0.35;

/// A conflict this close to 0 is 0: an item alone in its model computes
/// P(e_i) and P(e) by two paths that may differ in the last bit.
pub const ROUNDING_BITS: f64 = 1e-9;

/// Why an item got its grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// 1: two or more reliable independent origins agree, and so does the
    /// rest of the evidence.
    Confirmed,
    /// 2: a reliable origin (or two fair ones), not contradicted.
    ReliableOrigin,
    /// 3: a fair origin, but unconfirmed, or origins that disagree, or
    /// evidence that neither agrees nor conflicts.
    FairOrigin,
    /// 4: only unreliable origins.
    UnreliableOrigins,
    /// 5: the rest of the evidence contradicts it.
    Contradicted,
    /// 6: no reports: the analyst took it as established.
    Established,
    /// 6: no origin's reliability can be judged.
    Unjudgeable,
}

/// An item's information credibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grade {
    /// 1 (confirmed) to 6 (cannot be judged).
    pub grade: u8,
    /// Why.
    pub basis: Basis,
    /// Independent origins that say what the item says, from distinct
    /// sources.
    pub agreeing_sources: usize,
}

impl Grade {
    /// The Admiralty words for the grade.
    pub fn label(self) -> &'static str {
        match self.grade {
            1 => "confirmed by other sources",
            2 => "probably true",
            3 => "possibly true",
            4 => "doubtful",
            5 => "improbable",
            _ => "truth cannot be judged",
        }
    }
}

/// A reliability as one number in [0, 1], or `None` when it cannot be
/// judged (an interval spanning [0, 1], as Admiralty F). A credibility
/// pair counts as h - f, the share of reports that track the truth.
pub fn reliability_value(reliability: &Reliability) -> Option<f64> {
    match reliability {
        Reliability::Accuracy(e) => match e.range {
            Some(r) if r.low().get() <= 0.0 && r.high().get() >= 1.0 => None,
            _ => Some(e.point.get()),
        },
        Reliability::Credibility { hit, false_alarm } => {
            Some((hit.point.get() - false_alarm.point.get()).max(0.0))
        }
    }
}

/// A source's reliability as an Admiralty letter, lower case as MISP
/// writes it: the letter written, else the best letter of the model's
/// scale whose value the reliability reaches (`e` below them all), `f`
/// when it cannot be judged.
pub fn source_letter(model: &Model, s: SourceId) -> char {
    let reliability = &model.sources[s.0].reliability;
    if let Reliability::Accuracy(e) = reliability
        && let Some(label) = &e.label
        && let Some(c) = label.chars().next()
        && label.len() == 1
        && c.is_ascii_alphabetic()
    {
        return c.to_ascii_lowercase();
    }
    let Some(r) = reliability_value(reliability) else {
        return 'f';
    };
    let mut letters: Vec<(char, f64)> = model
        .scales
        .admiralty
        .iter()
        .filter_map(|(name, e)| {
            let c = name.chars().next()?;
            (name.len() == 1 && !e.is_uncertain())
                .then_some((c.to_ascii_lowercase(), e.point.get()))
        })
        .collect();
    letters.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    letters
        .iter()
        .find(|(_, v)| r >= *v)
        .or(letters.last())
        .map_or('e', |(c, _)| *c)
}

/// What an origin says: its own answer when observed, else that of its
/// first observed relay (`None` when nothing observed relays it).
fn stance(item: &Item, origin: ReportId) -> Option<bool> {
    let report = &item.reports[origin.0];
    if report.observed {
        return Some(report.asserts);
    }
    (0..item.reports.len())
        .map(ReportId)
        .filter(|&r| item.reports[r.0].observed)
        .find(|&r| item.chain(r).contains(&origin))
        .map(|r| item.reports[r.0].asserts)
}

/// The grade of one item from its analysis result.
pub fn grade(model: &Model, item: &Item, result: &ItemResult) -> Grade {
    let grade = |grade: u8, basis: Basis, agreeing_sources: usize| Grade {
        grade,
        basis,
        agreeing_sources,
    };
    if item.reports.is_empty() {
        return grade(6, Basis::Established, 0);
    }
    // (source, reliability, stance) of each independent origin.
    let origins: Vec<(SourceId, Option<f64>, Option<bool>)> = result
        .origins
        .independent
        .iter()
        .map(|&r| {
            let report = &item.reports[r.0];
            let (reliability, _) = model.report_reliability(report);
            (
                report.source,
                reliability_value(reliability),
                stance(item, r),
            )
        })
        .collect();
    if origins.iter().all(|(_, r, _)| r.is_none()) {
        return grade(6, Basis::Unjudgeable, 0);
    }
    if result.conflict_bits.is_some_and(conflict::in_conflict) {
        return grade(5, Basis::Contradicted, 0);
    }
    let asserting = origins.iter().filter(|o| o.2 == Some(true)).count();
    let denying = origins.iter().filter(|o| o.2 == Some(false)).count();
    let says = asserting >= denying;
    let disagree = origins.iter().any(|o| o.2 == Some(!says));
    let distinct = |at_least: f64| {
        let mut sources: Vec<SourceId> = origins
            .iter()
            .filter(|o| o.2 == Some(says) && o.1.is_some_and(|r| r >= at_least))
            .map(|o| o.0)
            .collect();
        sources.sort_unstable();
        sources.dedup();
        sources.len()
    };
    let (reliable, fair) = (distinct(RELIABLE), distinct(FAIR));
    let rest_agrees = result.conflict_bits.is_some_and(|c| c <= ROUNDING_BITS);
    if !disagree && rest_agrees && reliable >= 2 {
        grade(1, Basis::Confirmed, fair)
    } else if !disagree && rest_agrees && (reliable >= 1 || fair >= 2) {
        grade(2, Basis::ReliableOrigin, fair)
    } else if origins.iter().any(|o| o.1.is_some_and(|r| r >= FAIR)) {
        grade(3, Basis::FairOrigin, fair)
    } else {
        grade(4, Basis::UnreliableOrigins, fair)
    }
}
