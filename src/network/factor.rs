//! Dense factors over discrete variables, held as natural logarithms.
//!
//! Every entry is ln of its value, so a product is a sum and a sum-out is a
//! log-sum-exp. A single shared scale per table is not enough: when one
//! hypothesis trails another by more than 1e-308 part-way through a long
//! product, a linear table loses it for good, and later evidence in its
//! favour cannot bring it back. Logs keep every entry, in any order.

/// Index of a variable in a network.
pub type VarId = usize;

/// A table over some variables, each entry held as its natural logarithm (0
/// probability is negative infinity).
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    /// Sorted ascending, unique.
    vars: Vec<VarId>,
    cards: Vec<usize>,
    /// ln of each entry, row-major: the last variable varies fastest.
    logs: Vec<f64>,
}

impl Factor {
    /// A factor over `vars` (any order, unique) with linear `values` laid
    /// out row-major in that order (last fastest).
    pub fn new(vars: &[VarId], cards: &[usize], values: Vec<f64>) -> Factor {
        Factor::from_logs(vars, cards, values.into_iter().map(f64::ln).collect())
    }

    /// As [`Factor::new`], with entries given as natural logarithms.
    pub fn from_logs(vars: &[VarId], cards: &[usize], logs: Vec<f64>) -> Factor {
        debug_assert_eq!(vars.len(), cards.len());
        debug_assert_eq!(logs.len(), cards.iter().product::<usize>());
        let mut order: Vec<usize> = (0..vars.len()).collect();
        order.sort_by_key(|&k| vars[k]);
        if order.iter().enumerate().all(|(i, &k)| i == k) {
            return Factor {
                vars: vars.to_vec(),
                cards: cards.to_vec(),
                logs,
            };
        }
        let sorted_vars: Vec<VarId> = order.iter().map(|&k| vars[k]).collect();
        let sorted_cards: Vec<usize> = order.iter().map(|&k| cards[k]).collect();
        let in_strides = strides(cards);
        let strides_in_sorted: Vec<usize> = order.iter().map(|&k| in_strides[k]).collect();
        let mut out = vec![0.0; logs.len()];
        let mut assignment = vec![0usize; vars.len()];
        let mut src = 0usize;
        for slot in out.iter_mut() {
            *slot = logs[src];
            advance(
                &mut assignment,
                &sorted_cards,
                &mut [(&strides_in_sorted, &mut src)],
            );
        }
        Factor {
            vars: sorted_vars,
            cards: sorted_cards,
            logs: out,
        }
    }

    /// The constant factor 1 (no variables).
    pub fn unit() -> Factor {
        Factor {
            vars: Vec::new(),
            cards: Vec::new(),
            logs: vec![0.0],
        }
    }

    /// The variables, ascending.
    pub fn vars(&self) -> &[VarId] {
        &self.vars
    }

    /// The number of states of each variable, in the order of [`Factor::vars`].
    pub fn cards(&self) -> &[usize] {
        &self.cards
    }

    /// ln of each entry (`-inf` for zeros), row-major.
    pub fn log_values(&self) -> &[f64] {
        &self.logs
    }

    /// Rename variables by an order-preserving map (so the layout stays valid).
    pub fn relabel(mut self, map: impl Fn(VarId) -> VarId) -> Factor {
        for v in &mut self.vars {
            *v = map(*v);
        }
        debug_assert!(
            self.vars.windows(2).all(|w| w[0] < w[1]),
            "relabel must preserve order"
        );
        self
    }

    /// ln of the sum of all entries.
    pub fn log_total(&self) -> f64 {
        log_sum_exp(&self.logs)
    }

    /// The pointwise quotient `self / other`, where `other`'s scope is a
    /// subset of `self`'s; `None` if `other` has a zero entry.
    pub fn divide(&self, other: &Factor) -> Option<Factor> {
        if other.logs.contains(&f64::NEG_INFINITY) {
            return None;
        }
        let inverse = Factor {
            vars: other.vars.clone(),
            cards: other.cards.clone(),
            logs: other.logs.iter().map(|v| -v).collect(),
        };
        Some(self.product(&inverse))
    }

    /// The pointwise product.
    pub fn product(&self, other: &Factor) -> Factor {
        let mut vars = Vec::with_capacity(self.vars.len() + other.vars.len());
        let mut cards = Vec::with_capacity(vars.capacity());
        let (mut i, mut j) = (0, 0);
        while i < self.vars.len() || j < other.vars.len() {
            let take_self =
                j >= other.vars.len() || (i < self.vars.len() && self.vars[i] <= other.vars[j]);
            if take_self {
                if j < other.vars.len() && self.vars[i] == other.vars[j] {
                    j += 1;
                }
                vars.push(self.vars[i]);
                cards.push(self.cards[i]);
                i += 1;
            } else {
                vars.push(other.vars[j]);
                cards.push(other.cards[j]);
                j += 1;
            }
        }
        let sa = strides_within(&vars, &self.vars, &self.cards);
        let sb = strides_within(&vars, &other.vars, &other.cards);
        let n: usize = cards.iter().product();
        let mut logs = Vec::with_capacity(n);
        let mut assignment = vec![0usize; vars.len()];
        let (mut ia, mut ib) = (0usize, 0usize);
        for _ in 0..n {
            logs.push(self.logs[ia] + other.logs[ib]);
            advance(
                &mut assignment,
                &cards,
                &mut [(&sa, &mut ia), (&sb, &mut ib)],
            );
        }
        Factor { vars, cards, logs }
    }

    /// Sum `var` out. A factor without `var` is returned unchanged.
    pub fn sum_out(&self, var: VarId) -> Factor {
        let Some(pos) = self.vars.iter().position(|&v| v == var) else {
            return self.clone();
        };
        let mut vars = self.vars.clone();
        let mut cards = self.cards.clone();
        vars.remove(pos);
        cards.remove(pos);
        let n: usize = cards.iter().product();
        // Two passes per output entry: the maximum, then the sum of
        // exponentials relative to it.
        let out_strides = strides_within(&self.vars, &vars, &cards);
        let mut max = vec![f64::NEG_INFINITY; n];
        let mut assignment = vec![0usize; self.vars.len()];
        let mut o = 0usize;
        for &v in &self.logs {
            if v > max[o] {
                max[o] = v;
            }
            advance(&mut assignment, &self.cards, &mut [(&out_strides, &mut o)]);
        }
        let mut sums = vec![0.0; n];
        assignment.iter_mut().for_each(|a| *a = 0);
        o = 0;
        for &v in &self.logs {
            if max[o] > f64::NEG_INFINITY {
                sums[o] += (v - max[o]).exp();
            }
            advance(&mut assignment, &self.cards, &mut [(&out_strides, &mut o)]);
        }
        let logs = max
            .iter()
            .zip(&sums)
            .map(|(&m, &s)| {
                if m == f64::NEG_INFINITY {
                    m
                } else {
                    m + s.ln()
                }
            })
            .collect();
        Factor { vars, cards, logs }
    }

    /// Fix `var` to `state` (evidence), dropping it from the scope.
    pub fn reduce(&self, var: VarId, state: usize) -> Factor {
        let Some(pos) = self.vars.iter().position(|&v| v == var) else {
            return self.clone();
        };
        let in_strides = strides(&self.cards);
        let mut vars = self.vars.clone();
        let mut cards = self.cards.clone();
        vars.remove(pos);
        cards.remove(pos);
        let src_strides: Vec<usize> = in_strides
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != pos)
            .map(|(_, s)| *s)
            .collect();
        let n: usize = cards.iter().product();
        let mut logs = Vec::with_capacity(n);
        let mut assignment = vec![0usize; vars.len()];
        let mut src = state * in_strides[pos];
        for _ in 0..n {
            logs.push(self.logs[src]);
            advance(&mut assignment, &cards, &mut [(&src_strides, &mut src)]);
        }
        Factor { vars, cards, logs }
    }

    /// The entries as a probability distribution (sum 1), or `None` when all
    /// are zero.
    pub fn normalized(&self) -> Option<Vec<f64>> {
        let total = self.log_total();
        (total.is_finite()).then(|| self.logs.iter().map(|v| (v - total).exp()).collect())
    }
}

/// ln Σ exp(x), exact for entries far below the largest.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY || max.is_nan() {
        return max;
    }
    max + xs.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

/// Row-major strides of a layout (last fastest).
fn strides(cards: &[usize]) -> Vec<usize> {
    let mut s = vec![1usize; cards.len()];
    for k in (0..cards.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * cards[k + 1];
    }
    s
}

/// For each variable of `outer`, its stride within the sub-layout
/// (`sub_vars`, `sub_cards`), or 0 when the sub-layout lacks it.
fn strides_within(outer: &[VarId], sub_vars: &[VarId], sub_cards: &[usize]) -> Vec<usize> {
    let sub_strides = strides(sub_cards);
    outer
        .iter()
        .map(|v| {
            sub_vars
                .iter()
                .position(|x| x == v)
                .map_or(0, |p| sub_strides[p])
        })
        .collect()
}

/// Step an odometer over `cards` (last fastest), moving each tracked index by
/// its strides.
#[inline]
fn advance(assignment: &mut [usize], cards: &[usize], tracked: &mut [(&Vec<usize>, &mut usize)]) {
    for k in (0..assignment.len()).rev() {
        assignment[k] += 1;
        for (s, idx) in tracked.iter_mut() {
            **idx += s[k];
        }
        if assignment[k] < cards[k] {
            return;
        }
        for (s, idx) in tracked.iter_mut() {
            **idx -= s[k] * cards[k];
        }
        assignment[k] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    }

    #[test]
    fn new_sorts_variables() {
        // f(b=1, a=0) layout with b slowest.
        let f = Factor::new(&[1, 0], &[2, 3], vec![1., 2., 3., 4., 5., 6.]);
        assert_eq!(f.vars(), &[0, 1]);
        // a=0: b=0 -> 1, b=1 -> 4
        let linear: Vec<f64> = f.log_values().iter().map(|v| v.exp()).collect();
        assert!(close(&linear, &[1., 4., 2., 5., 3., 6.]));
    }

    #[test]
    fn product_and_sum() {
        let a = Factor::new(&[0], &[2], vec![0.3, 0.7]);
        let b = Factor::new(&[0, 1], &[2, 2], vec![0.9, 0.1, 0.2, 0.8]);
        let joint = a.product(&b);
        let m = joint.sum_out(0);
        let p = m.normalized().unwrap();
        assert!(close(&p, &[0.3 * 0.9 + 0.7 * 0.2, 0.3 * 0.1 + 0.7 * 0.8]));
        let r = joint.reduce(1, 1);
        assert!(close(&r.normalized().unwrap(), &[0.03 / 0.59, 0.56 / 0.59]));
    }

    #[test]
    fn rescaling_survives_long_products() {
        let mut f = Factor::unit();
        let g = Factor::new(&[0], &[2], vec![1e-3, 2e-3]);
        for _ in 0..100_000 {
            f = f.product(&g);
        }
        let p = f.normalized().unwrap();
        // Odds 2^100000 : 1, far past f64's range, yet the log is exact.
        assert_eq!(p[1], 1.0);
        let odds = f.log_values()[1] - f.log_values()[0];
        assert!((odds - 100_000.0 * 2f64.ln()).abs() < 1e-6);
        assert!(f.log_total().is_finite());
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;

    /// Entries far apart must survive a product in any order.
    #[test]
    fn cancelling_extremes_in_any_order() {
        let a = Factor::new(&[0], &[2], vec![1e-200, 1.0]);
        let b = Factor::new(&[0], &[2], vec![1.0, 1e-200]);
        let p = a.product(&a).product(&b).product(&b);
        let n = p.normalized().unwrap();
        assert!((n[0] - 0.5).abs() < 1e-12);
    }
}
