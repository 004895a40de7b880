//! How far each item can be believed and whether it fits the rest, as the
//! report shows it: Admiralty credibility grades (with MISP
//! `admiralty-scale` taxonomy tags) and Hugin's conflict measure. The
//! numbers come from [`crate::analysis::credibility`] and
//! [`crate::analysis::conflict`]; this module only names them.

use serde::Serialize;

use crate::analysis::conflict::{THRESHOLD_BITS, in_conflict};
use crate::analysis::credibility::{Basis, Grade, source_letter};
use crate::analysis::{Analysis, ItemResult};
use crate::model::{Model, SourceId};

/// An item's information credibility (Admiralty 1-6).
#[derive(Clone, Debug, Serialize)]
pub struct CredibilityView {
    /// 1 (confirmed by other sources) to 6 (truth cannot be judged).
    pub grade: u8,
    /// The Admiralty words for the grade.
    pub label: &'static str,
    /// Why, in words (the rule that matched, docs/FORMAT.md).
    pub basis: &'static str,
    /// Independent origins saying what the item says, from distinct
    /// sources of reliability at least 0.35.
    pub agreeing_sources: usize,
}

/// The whole case's conflict.
#[derive(Clone, Debug, Serialize)]
pub struct ConflictView {
    /// log2 [Π_i P(e_i) / P(e)] over the enabled items, in bits.
    pub bits: f64,
    /// Above this many bits the case (or an item) is in conflict.
    pub threshold_bits: f64,
    /// `bits` is above the threshold.
    pub in_conflict: bool,
    /// Ids of items inconsistent with the rest of the evidence (their own
    /// conflict above the threshold), highest conflict first.
    pub inconsistent_items: Vec<String>,
}

fn basis_words(basis: Basis) -> &'static str {
    match basis {
        Basis::Confirmed => {
            "two or more reliable independent origins agree, and so does the rest of the evidence"
        }
        Basis::ReliableOrigin => "a reliable origin (or two fair ones), not contradicted",
        Basis::FairOrigin => "a fair origin, unconfirmed",
        Basis::UnreliableOrigins => "only unreliable origins",
        Basis::Contradicted => "the rest of the evidence contradicts it",
        Basis::Established => "no reports: taken as established by the analyst",
        Basis::Unjudgeable => "no origin's reliability can be judged",
    }
}

/// The view of a grade.
pub fn credibility_view(grade: Grade) -> CredibilityView {
    CredibilityView {
        grade: grade.grade,
        label: grade.label(),
        basis: basis_words(grade.basis),
        agreeing_sources: grade.agreeing_sources,
    }
}

/// The MISP tag of an item's information credibility.
pub fn credibility_tag(grade: Grade) -> String {
    format!(
        "admiralty-scale:information-credibility=\"{}\"",
        grade.grade
    )
}

/// The MISP tag of a source's reliability.
pub fn reliability_tag(model: &Model, s: SourceId) -> String {
    format!(
        "admiralty-scale:source-reliability=\"{}\"",
        source_letter(model, s)
    )
}

/// Whether an item is flagged as inconsistent with the rest.
pub fn inconsistent(item: &ItemResult) -> bool {
    item.enabled && item.conflict_bits.is_some_and(in_conflict)
}

/// The case's conflict and the items flagged.
pub fn conflict_view(model: &Model, analysis: &Analysis) -> ConflictView {
    let mut flagged: Vec<&ItemResult> = analysis.items.iter().filter(|i| inconsistent(i)).collect();
    flagged.sort_by(|a, b| {
        b.conflict_bits
            .unwrap_or(0.0)
            .total_cmp(&a.conflict_bits.unwrap_or(0.0))
            .then(a.item.cmp(&b.item))
    });
    ConflictView {
        bits: analysis.conflict_bits,
        threshold_bits: THRESHOLD_BITS,
        in_conflict: in_conflict(analysis.conflict_bits),
        inconsistent_items: flagged
            .iter()
            .map(|i| model.items[i.item.0].id.clone())
            .collect(),
    }
}
