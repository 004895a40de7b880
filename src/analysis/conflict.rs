//! Evidence that does not fit: Hugin's data-conflict measure, exact and in
//! log space.
//!
//! For the whole case, conf = log2 [Π_i P(e_i) / P(e)] over the enabled
//! items, e_i being item i's observed reports (its event, for an item taken
//! as established) and e all of them. Items that support one another make
//! the joint evidence more probable than the product of its parts (conf
//! below 0); items that pull apart make it less probable (conf above 0).
//! For one item against the rest, conf_i = log2 [P(e_i) P(e_rest) / P(e)] =
//! log2 [P(e_i) / P(e_i | e_rest)]: how much less probable the rest of the
//! evidence makes this item than it is on its own. Each P(e_i) is the
//! item's marginal under the priors (any latent source reliability averaged
//! over its prior); P(e_rest) comes from the exact leave-one-out of
//! [`super::leave_one_out`].

use super::log_sum_exp;

/// An item (or the case) is in conflict above this many bits: the rest of
/// the evidence makes the item less than half as probable as it is on its
/// own (for the case: the evidence together is less than half as probable
/// as if its items were independent). Hugin flags any positive value; one
/// bit leaves room for the mild tension that uncertain reports always
/// carry.
pub const THRESHOLD_BITS: f64 = 1.0;

/// ln P(e_i) = ln Σ_h P(h) P(e_i | h), from the item's ln P(e_i | h).
pub fn log_marginal(log_likelihood: &[f64], priors: &[f64]) -> f64 {
    log_sum_exp(
        log_likelihood
            .iter()
            .zip(priors)
            .filter(|(_, p)| **p > 0.0)
            .map(|(l, p)| l + p.ln()),
    )
}

/// log2 [P(e_i) P(e_rest) / P(e)] from the three natural logarithms.
pub fn item_bits(log_item: f64, log_rest: f64, log_all: f64) -> f64 {
    (log_item + log_rest - log_all) / std::f64::consts::LN_2
}

/// log2 [Π_i P(e_i) / P(e)] from each item's ln P(e_i) and ln P(e).
pub fn case_bits(log_items: impl Iterator<Item = f64>, log_all: f64) -> f64 {
    let mut sum = crate::network::CompensatedSum::default();
    for l in log_items {
        sum.add(l);
    }
    (sum.value() - log_all) / std::f64::consts::LN_2
}

/// Whether a conflict in bits is above [`THRESHOLD_BITS`].
pub fn in_conflict(bits: f64) -> bool {
    bits > THRESHOLD_BITS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_items_pulling_apart() {
        // Equal priors; P(e1 | a, b) = 0.9, 0.1 and P(e2 | a, b) = 0.1, 0.9:
        // P(e1) = P(e2) = 0.5, P(e) = 0.09, conf = log2(0.25 / 0.09).
        let priors = [0.5, 0.5];
        let e1 = log_marginal(&[0.9f64.ln(), 0.1f64.ln()], &priors);
        let e2 = log_marginal(&[0.1f64.ln(), 0.9f64.ln()], &priors);
        let all = 0.09f64.ln();
        let expected = (0.25f64 / 0.09).log2();
        assert!((case_bits([e1, e2].into_iter(), all) - expected).abs() < 1e-12);
        assert!((item_bits(e1, e2, all) - expected).abs() < 1e-12);
    }
}
