//! Ids that look alike but are different strings: the same text in another
//! Unicode normalization (`café` typed as `e` + U+0301 or as U+00E9), or
//! confusable letters (Cyrillic `а` U+0430 for Latin `a` U+0061). Two such
//! ids never match each other, and a message that quotes them shows the
//! same text twice; so they are compared by their confusables skeleton
//! (Unicode TS #39, from the `unicode-security` crate: decomposed, each
//! character mapped to its prototype), and every message about them spells
//! out the code points.
//!
//! Only pairs in which at least one id is not ASCII count: ASCII has its
//! own confusables (`l` and `1`, `rn` and `m`, `0` and `O`), but ids such as
//! `h1` and `hl` are ordinary and typed on purpose, while a non-ASCII
//! look-alike is nearly always pasted in by accident or by design.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// How two different ids look alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Likeness {
    /// The same text under Unicode normalization (NFC): one writes an
    /// accented letter as one code point, the other as a letter and a
    /// combining mark.
    Normalization,
    /// Confusable characters: the same confusables skeleton.
    Confusable,
}

impl Likeness {
    /// Why two ids read alike, in words for a message.
    pub fn words(self) -> &'static str {
        match self {
            Likeness::Normalization => "the same text in another Unicode normalization",
            Likeness::Confusable => "look-alike characters",
        }
    }
}

/// The confusables skeleton of `id`: ids with the same skeleton can be
/// drawn alike.
pub fn skeleton(id: &str) -> String {
    unicode_security::skeleton(id).collect()
}

/// How `a` and `b` look alike, if they are different strings, at least
/// one is not ASCII, and they do.
pub fn likeness(a: &str, b: &str) -> Option<Likeness> {
    if a == b || (a.is_ascii() && b.is_ascii()) {
        return None;
    }
    if a.nfc().eq(b.nfc()) {
        return Some(Likeness::Normalization);
    }
    unicode_security::skeleton(a)
        .eq(unicode_security::skeleton(b))
        .then_some(Likeness::Confusable)
}

/// Characters of an id spelled out, at most this many (then "...").
const MAX_SPELLED: usize = 32;

/// Every code point of `id`: `U+0077 U+0455 U+006A`.
pub fn spell(id: &str) -> String {
    let mut out: Vec<String> = id
        .chars()
        .take(MAX_SPELLED)
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    if id.chars().nth(MAX_SPELLED).is_some() {
        out.push("...".to_string());
    }
    out.join(" ")
}

/// "did you mean `s`?" for a name that names nothing, with both names'
/// code points when the two look alike (then the text alone cannot show
/// what differs).
pub fn did_you_mean_label(name: &str, suggestion: &str) -> String {
    let shown = crate::escape::visible(suggestion);
    match likeness(name, suggestion) {
        None => format!("did you mean `{shown}`?"),
        Some(how) => format!(
            "did you mean `{shown}` ({})? this is {} ({})",
            spell(suggestion),
            spell(name),
            how.words()
        ),
    }
}

/// The ids of one kind read so far, by skeleton: finds, for each new id,
/// an earlier different id that looks like it, in constant time per id.
/// Built only when the first non-ASCII id arrives (from the ids before
/// it), so a model of ASCII ids computes no skeleton at all.
#[derive(Debug, Default)]
pub struct LookAlikes {
    /// Ids so far, in order, while no id is non-ASCII.
    ascii: Vec<String>,
    /// Skeleton to the first id that has it, once built.
    by_skeleton: Option<HashMap<String, String>>,
}

impl LookAlikes {
    /// Record `id` (a new id of this kind, not a duplicate); an earlier
    /// id that looks like it, and how, when there is one.
    pub fn add(&mut self, id: &str) -> Option<(String, Likeness)> {
        if self.by_skeleton.is_none() {
            if id.is_ascii() {
                self.ascii.push(id.to_string());
                return None;
            }
            let mut map = HashMap::with_capacity(self.ascii.len() + 1);
            for earlier in self.ascii.drain(..) {
                map.entry(skeleton(&earlier)).or_insert(earlier);
            }
            self.by_skeleton = Some(map);
        }
        let map = self.by_skeleton.as_mut()?;
        match map.get(&skeleton(id)) {
            Some(first) => {
                let how = likeness(id, first)?;
                Some((first.clone(), how))
            }
            None => {
                map.insert(skeleton(id), id.to_string());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_and_confusables_are_told_apart() {
        assert_eq!(
            likeness("cafe\u{301}", "caf\u{e9}"),
            Some(Likeness::Normalization)
        );
        assert_eq!(likeness("w\u{455}j", "wsj"), Some(Likeness::Confusable));
        assert_eq!(likeness("\u{430}", "a"), Some(Likeness::Confusable));
        assert_eq!(likeness("a", "a"), None);
        assert_eq!(likeness("caf\u{e9}", "cafe"), None);
        // ASCII look-alikes are ordinary ids.
        assert_eq!(likeness("h1", "hl"), None);
        assert_eq!(likeness("rn", "m"), None);
    }

    #[test]
    fn code_points_are_spelled_and_capped() {
        assert_eq!(spell("a\u{430}"), "U+0061 U+0430");
        let long = "x".repeat(40);
        assert!(spell(&long).ends_with("U+0078 ..."));
        assert_eq!(spell(&long).matches("U+").count(), MAX_SPELLED);
    }

    #[test]
    fn the_label_spells_look_alikes_only() {
        assert_eq!(did_you_mean_label("wjs", "wsj"), "did you mean `wsj`?");
        assert_eq!(
            did_you_mean_label("w\u{455}j", "wsj"),
            "did you mean `wsj` (U+0077 U+0073 U+006A)? this is U+0077 U+0455 U+006A (look-alike characters)"
        );
    }

    #[test]
    fn the_index_finds_the_first_look_alike() {
        let mut seen = LookAlikes::default();
        assert_eq!(seen.add("h1"), None);
        assert_eq!(seen.add("hl"), None);
        assert_eq!(seen.add("wsj"), None);
        assert!(seen.by_skeleton.is_none(), "no skeleton for ASCII ids");
        assert_eq!(
            seen.add("w\u{455}j"),
            Some(("wsj".to_string(), Likeness::Confusable))
        );
        assert_eq!(seen.add("caf\u{e9}"), None);
        assert_eq!(
            seen.add("cafe\u{301}"),
            Some(("caf\u{e9}".to_string(), Likeness::Normalization))
        );
        // `hӏ` (Cyrillic palochka) looks like the first of `h1` and `hl`.
        assert_eq!(
            seen.add("h\u{4cf}"),
            Some(("h1".to_string(), Likeness::Confusable))
        );
    }
}
