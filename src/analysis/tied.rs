//! What ties a model's network together when exact inference is over its
//! budget: the uncertain sources in the largest table elimination would
//! build, and the items that link them.
//!
//! Given the hypothesis, items are independent; what elimination cannot
//! separate are the latent reliabilities of sources with an interval
//! reliability, joined wherever one item has reports of several of them
//! (directly or along a relay chain). The largest table is the hypothesis
//! times the levels of the sources in one clique of that interaction
//! graph. It is found here from the model alone (each enabled item's
//! scope: the hypothesis and the latent sources its reports use), in the
//! same min-fill order inference eliminates in, with no table built and
//! nothing read back from the network stage but the order.

use crate::diag::Diagnostic;
use crate::model::{ItemId, Model, SourceId};
use crate::network::order;

/// The most sources and items a diagnostic names by place; the rest are
/// counted.
const MAX_NAMED: usize = 12;

/// The sources and items that tie a model's network together.
#[derive(Clone, Debug, PartialEq)]
pub struct Tied {
    /// The uncertain sources of the largest table, in source order.
    pub sources: Vec<SourceId>,
    /// The items with reports of two or more of them, those linking the
    /// most first (then model order).
    pub items: Vec<ItemId>,
    /// Entries of the largest table.
    pub entries: f64,
    /// Levels of each latent reliability (`reliability_levels`).
    pub levels: usize,
}

/// The variable of the hypothesis, then one per source (`1 + s`), as the
/// incremental engine numbers them.
fn source_var(s: usize) -> usize {
    1 + s
}

/// The latent sources each enabled item's reports use, ascending.
fn item_sources(model: &Model) -> Vec<(ItemId, Vec<usize>)> {
    model
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.enabled)
        .map(|(i, item)| {
            let mut sources: Vec<usize> = item
                .reports
                .iter()
                .filter(|r| model.uses_latent_reliability(r))
                .map(|r| r.source.0)
                .collect();
            sources.sort_unstable();
            sources.dedup();
            (ItemId(i), sources)
        })
        .collect()
}

/// The sources and items in the largest table exact inference would build
/// for `model`.
pub fn tied(model: &Model) -> Tied {
    let levels = model.meta.reliability_levels;
    let per_item = item_sources(model);
    let mut cards = vec![model.hypotheses.len()];
    cards.extend(model.sources.iter().map(|s| {
        if s.latent_range().is_some() {
            levels
        } else {
            1
        }
    }));
    let scopes: Vec<Vec<usize>> = per_item
        .iter()
        .map(|(_, sources)| {
            std::iter::once(0)
                .chain(sources.iter().map(|&s| source_var(s)))
                .collect()
        })
        .collect();
    let scope_refs: Vec<&[usize]> = scopes.iter().map(Vec::as_slice).collect();
    let mut eliminate: Vec<usize> = per_item
        .iter()
        .flat_map(|(_, s)| s.iter().map(|&s| source_var(s)))
        .collect();
    eliminate.sort_unstable();
    eliminate.dedup();
    let order = order::min_fill(&scope_refs, &eliminate, &cards);
    // A single item over many uncertain sources may be the largest table.
    let widest = per_item
        .iter()
        .max_by_key(|(i, s)| (s.len(), std::cmp::Reverse(*i)));
    let widest_entries = widest.map_or(0.0, |(_, s)| {
        model.hypotheses.len() as f64 * (levels as f64).powi(s.len() as i32)
    });
    let sources: Vec<usize> = match widest {
        Some((_, s)) if widest_entries > order.max_entries => s.clone(),
        _ => order
            .largest_clique
            .iter()
            .filter(|&&v| v != 0)
            .map(|&v| v - 1)
            .collect(),
    };
    let mut items: Vec<(usize, ItemId)> = per_item
        .iter()
        .map(|(i, s)| (s.iter().filter(|x| sources.contains(x)).count(), *i))
        .filter(|(n, _)| *n >= 2)
        .collect();
    items.sort_by_key(|&(n, i)| (std::cmp::Reverse(n), i));
    Tied {
        sources: sources.into_iter().map(SourceId).collect(),
        items: items.into_iter().map(|(_, i)| i).collect(),
        entries: order.max_entries.max(widest_entries),
        levels,
    }
}

/// `a`, `b` and `c`, with how many more past [`MAX_NAMED`].
fn listed<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = ids.len();
    let ids: Vec<String> = ids.take(MAX_NAMED).map(|s| format!("`{s}`")).collect();
    let mut s = match ids.len() {
        0 => String::new(),
        1 => ids[0].clone(),
        n => format!("{} and {}", ids[..n - 1].join(", "), ids[n - 1]),
    };
    if total > ids.len() {
        s.push_str(&format!(" (and {} more)", total - ids.len()));
    }
    s
}

/// The error diagnostic of a model over the inference budget: `refusal`
/// (the engine's message, with its estimate) completed with the sources
/// and items that tie the network, each at its line.
pub fn diagnostic(model: &Model, refusal: &str) -> Diagnostic {
    let tied = tied(model);
    let source_ids = || tied.sources.iter().map(|s| model.sources[s.0].id.as_str());
    let item_ids = || tied.items.iter().map(|i| model.items[i.0].id.as_str());
    let mut message = refusal.to_string();
    if !tied.sources.is_empty() {
        message = format!(
            "{message}. The largest table joins the hypothesis with the uncertain sources {}",
            listed(source_ids())
        );
        if !tied.items.is_empty() {
            message.push_str(&format!(", tied together by {}", listed(item_ids())));
        }
    }
    let mut d = Diagnostic::error(message);
    let mut places: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for s in tied.sources.iter().take(MAX_NAMED) {
        let source = &model.sources[s.0];
        places.push((
            source.span.start..source.span.start + 1,
            format!(
                "`{}`: a reliability interval, {} levels in every table it is in",
                source.id, tied.levels
            ),
        ));
    }
    for i in tied.items.iter().take(MAX_NAMED) {
        let item = &model.items[i.0];
        let mut linked: Vec<SourceId> = item
            .reports
            .iter()
            .filter(|r| model.uses_latent_reliability(r) && tied.sources.contains(&r.source))
            .map(|r| r.source)
            .collect();
        linked.sort_unstable();
        linked.dedup();
        let names = linked.iter().map(|s| model.sources[s.0].id.as_str());
        places.push((
            item.span.start..item.span.start + 1,
            format!("`{}` ties {}", item.id, listed(names)),
        ));
    }
    if !places.is_empty() {
        let (span, label) = places.remove(0);
        d = d.at(span).label(label);
        for (span, label) in places {
            d = d.related(span, label);
        }
    }
    d.hint(format!(
        "give some of these sources a point reliability (each interval multiplies the table by its {} levels), or fewer `reliability_levels`; split items (or relay chains) that several of them report, so that fewer uncertain sources share one item; or use `credence simulate`, which samples the intervals instead of tying them together",
        tied.levels
    ))
}
