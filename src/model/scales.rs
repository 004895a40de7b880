//! Every mapping of words to numbers: ICD 203 terms, ACH ratings, Admiralty
//! letters. One table each, which a model's `[scales]` can override.

use super::types::{Estimate, Interval, Probability};

/// The word-to-number tables in force for a model.
#[derive(Clone, Debug, PartialEq)]
pub struct Scales {
    /// ICD 203 expressions of likelihood, in ascending order.
    pub icd203: Vec<(String, Interval)>,
    /// ACH consistency ratings, most consistent first.
    pub ach: Vec<(String, Probability)>,
    /// Admiralty source-reliability letters.
    pub admiralty: Vec<(String, Estimate)>,
}

fn p(v: f64) -> Probability {
    // The defaults below are literals inside [0, 1].
    Probability::clamped(v)
}

fn iv(lo: f64, hi: f64) -> Interval {
    Interval::new(p(lo), p(hi)).unwrap_or_else(|| Interval::new(p(hi), p(lo)).expect("ordered"))
}

impl Default for Scales {
    fn default() -> Self {
        let icd = [
            ("almost no chance", 0.01, 0.05),
            ("very unlikely", 0.05, 0.20),
            ("unlikely", 0.20, 0.45),
            ("roughly even chance", 0.45, 0.55),
            ("likely", 0.55, 0.80),
            ("very likely", 0.80, 0.95),
            ("almost certain", 0.95, 0.99),
        ];
        let ach = [
            ("CC", 0.95),
            ("C", 0.80),
            ("N", 0.50),
            ("I", 0.20),
            ("II", 0.05),
        ];
        let admiralty = [("A", 0.95), ("B", 0.8), ("C", 0.6), ("D", 0.35), ("E", 0.1)];
        let mut letters: Vec<(String, Estimate)> = admiralty
            .iter()
            .map(|(l, v)| {
                (
                    l.to_string(),
                    Estimate {
                        point: p(*v),
                        range: None,
                        label: Some(l.to_string()),
                    },
                )
            })
            .collect();
        letters.push((
            "F".to_string(),
            Estimate {
                point: p(0.5),
                range: Some(iv(0.0, 1.0)),
                label: Some("F".to_string()),
            },
        ));
        Scales {
            icd203: icd
                .iter()
                .map(|(t, lo, hi)| (t.to_string(), iv(*lo, *hi)))
                .collect(),
            ach: ach.iter().map(|(t, v)| (t.to_string(), p(*v))).collect(),
            admiralty: letters,
        }
    }
}

impl Scales {
    /// A verbal likelihood: an ICD 203 term (its range, midpoint as the point
    /// value) or an ACH rating. Terms match case-insensitively.
    pub fn likelihood_term(&self, word: &str) -> Option<Estimate> {
        let key = normalise(word);
        if let Some((t, range)) = self.icd203.iter().find(|(t, _)| normalise(t) == key) {
            return Some(Estimate {
                point: range.midpoint(),
                range: Some(*range),
                label: Some(t.clone()),
            });
        }
        // ACH ratings are case-sensitive codes ("C" vs "c" would be a typo
        // worth flagging, but upper-casing is harmless and friendlier).
        let upper = word.trim().to_uppercase();
        self.ach
            .iter()
            .find(|(t, _)| *t == upper)
            .map(|(t, v)| Estimate {
                point: *v,
                range: None,
                label: Some(t.clone()),
            })
    }

    /// The reliability an Admiralty letter stands for (case-insensitive); `None`
    /// for a letter not in the table.
    pub fn admiralty_letter(&self, letter: &str) -> Option<Estimate> {
        let upper = letter.trim().to_uppercase();
        self.admiralty
            .iter()
            .find(|(l, _)| *l == upper)
            .map(|(_, e)| e.clone())
    }

    /// Every verbal likelihood the tables accept: ICD 203 terms, then ACH
    /// ratings (for "valid terms" hints).
    pub fn likelihood_terms(&self) -> Vec<String> {
        self.icd203
            .iter()
            .map(|(t, _)| t.clone())
            .chain(self.ach.iter().map(|(t, _)| t.clone()))
            .collect()
    }

    /// Every Admiralty letter the table accepts, in table order.
    pub fn admiralty_letters(&self) -> Vec<String> {
        self.admiralty.iter().map(|(l, _)| l.clone()).collect()
    }

    /// The ICD 203 term whose band holds `p`. Bands are half-open upwards;
    /// values below the lowest band read as its term, above the highest as its.
    pub fn icd203_term(&self, p: Probability) -> &str {
        let p = p.get();
        let mut term = self.icd203.first().map_or("", |(t, _)| t.as_str());
        for (t, range) in &self.icd203 {
            if p >= range.low().get() {
                term = t;
            }
        }
        term
    }
}

fn normalise(word: &str) -> String {
    word.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd_bands() {
        let s = Scales::default();
        assert_eq!(s.icd203_term(p(0.001)), "almost no chance");
        assert_eq!(s.icd203_term(p(0.4138)), "unlikely");
        assert_eq!(s.icd203_term(p(0.5)), "roughly even chance");
        assert_eq!(s.icd203_term(p(0.95)), "almost certain");
        assert_eq!(s.icd203_term(p(1.0)), "almost certain");
    }

    #[test]
    fn terms_and_letters() {
        let s = Scales::default();
        let e = s.likelihood_term("Very  Likely").unwrap();
        assert!((e.point.get() - 0.875).abs() < 1e-12);
        assert_eq!(s.likelihood_term("II").unwrap().point.get(), 0.05);
        assert!(s.admiralty_letter("F").unwrap().is_uncertain());
        assert!(s.admiralty_letter("G").is_none());
    }
}
