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
        // The trailing variables that one factor has and the other lacks
        // (or both have): over a run of their entries one index steps by 1
        // (or stays) while the odometer stands still, so it steps once a run.
        // The entries and the additions are the same, in the same order.
        let (mut inner, mut run) = (vars.len(), 1usize);
        let in_a = |k: usize| self.vars.binary_search(&vars[k]).is_ok();
        let in_b = |k: usize| other.vars.binary_search(&vars[k]).is_ok();
        let last = vars.len().checked_sub(1).map(|k| (in_a(k), in_b(k)));
        while inner > 0 && Some((in_a(inner - 1), in_b(inner - 1))) == last {
            inner -= 1;
            run *= cards[inner];
        }
        let (step_a, step_b) = last.map_or((0, 0), |(a, b)| (usize::from(a), usize::from(b)));
        let mut logs = Vec::with_capacity(n);
        // No runs at all when some variable has no states.
        if let Some(runs) = n.checked_div(run) {
            let outer_cards = &cards[..inner];
            let outer_sa = sa[..inner].to_vec();
            let outer_sb = sb[..inner].to_vec();
            let mut assignment = vec![0usize; inner];
            let (mut ia, mut ib) = (0usize, 0usize);
            for _ in 0..runs {
                match (step_a, step_b) {
                    (1, 0) => {
                        let b = other.logs[ib];
                        logs.extend(self.logs[ia..ia + run].iter().map(|&a| a + b));
                    }
                    (0, 1) => {
                        let a = self.logs[ia];
                        logs.extend(other.logs[ib..ib + run].iter().map(|&b| a + b));
                    }
                    (1, 1) => logs.extend(
                        self.logs[ia..ia + run]
                            .iter()
                            .zip(&other.logs[ib..ib + run])
                            .map(|(&a, &b)| a + b),
                    ),
                    _ => logs.extend((0..run).map(|_| self.logs[ia] + other.logs[ib])),
                }
                advance(
                    &mut assignment,
                    outer_cards,
                    &mut [(&outer_sa, &mut ia), (&outer_sb, &mut ib)],
                );
            }
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
        // exponentials relative to it. The input is (outer, var, inner) in
        // row-major order; each output entry (outer, inner) takes its
        // entries in the order of `var`'s states.
        let card = self.cards[pos];
        let inner: usize = self.cards[pos + 1..].iter().product();
        let mut max = vec![f64::NEG_INFINITY; n];
        let mut sums = vec![0.0; n];
        if inner > 0 && card > 0 {
            let blocks = self.logs.chunks_exact(card * inner);
            for (block, max) in blocks.clone().zip(max.chunks_exact_mut(inner)) {
                for row in block.chunks_exact(inner) {
                    for (m, &v) in max.iter_mut().zip(row) {
                        if v > *m {
                            *m = v;
                        }
                    }
                }
            }
            for ((block, max), sums) in blocks
                .zip(max.chunks_exact(inner))
                .zip(sums.chunks_exact_mut(inner))
            {
                for row in block.chunks_exact(inner) {
                    for ((s, &m), &v) in sums.iter_mut().zip(max).zip(row) {
                        if m > f64::NEG_INFINITY {
                            *s += (v - m).exp();
                        }
                    }
                }
            }
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
mod layout_tests {
    use super::*;
    use proptest::prelude::*;

    /// The product by a plain odometer over every entry: what
    /// [`Factor::product`] computed before it stepped once a run.
    fn product_by_odometer(a: &Factor, b: &Factor) -> Factor {
        let template = a.product(b);
        let (vars, cards) = (template.vars.clone(), template.cards.clone());
        let sa = strides_within(&vars, &a.vars, &a.cards);
        let sb = strides_within(&vars, &b.vars, &b.cards);
        let n: usize = cards.iter().product();
        let mut logs = Vec::with_capacity(n);
        let mut assignment = vec![0usize; vars.len()];
        let (mut ia, mut ib) = (0usize, 0usize);
        for _ in 0..n {
            logs.push(a.logs[ia] + b.logs[ib]);
            advance(
                &mut assignment,
                &cards,
                &mut [(&sa, &mut ia), (&sb, &mut ib)],
            );
        }
        Factor { vars, cards, logs }
    }

    /// The sum-out by a plain odometer over every entry, as before.
    fn sum_out_by_odometer(f: &Factor, var: VarId) -> Factor {
        let Some(pos) = f.vars.iter().position(|&v| v == var) else {
            return f.clone();
        };
        let mut vars = f.vars.clone();
        let mut cards = f.cards.clone();
        vars.remove(pos);
        cards.remove(pos);
        let n: usize = cards.iter().product();
        let out_strides = strides_within(&f.vars, &vars, &cards);
        let mut max = vec![f64::NEG_INFINITY; n];
        let mut assignment = vec![0usize; f.vars.len()];
        let mut o = 0usize;
        for &v in &f.logs {
            if v > max[o] {
                max[o] = v;
            }
            advance(&mut assignment, &f.cards, &mut [(&out_strides, &mut o)]);
        }
        let mut sums = vec![0.0; n];
        assignment.iter_mut().for_each(|a| *a = 0);
        o = 0;
        for &v in &f.logs {
            if max[o] > f64::NEG_INFINITY {
                sums[o] += (v - max[o]).exp();
            }
            advance(&mut assignment, &f.cards, &mut [(&out_strides, &mut o)]);
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

    /// A factor over a random subset of five variables whose cards are
    /// `all_cards`, its entries sometimes zero.
    fn factor_over(all_cards: Vec<usize>) -> impl Strategy<Value = Factor> {
        proptest::collection::btree_set(0usize..5, 0..5).prop_flat_map(move |vars| {
            let vars: Vec<VarId> = vars.into_iter().collect();
            let cards: Vec<usize> = vars.iter().map(|&v| all_cards[v]).collect();
            let n: usize = cards.iter().product();
            let entry = prop_oneof![4 => -30.0f64..5.0, 1 => Just(f64::NEG_INFINITY)];
            proptest::collection::vec(entry, n)
                .prop_map(move |logs| Factor::from_logs(&vars, &cards, logs))
        })
    }

    /// Two factors over five variables of cards 1 to 3.
    fn pair() -> impl Strategy<Value = (Factor, Factor)> {
        proptest::collection::vec(1usize..4, 5)
            .prop_flat_map(|cards| (factor_over(cards.clone()), factor_over(cards)))
    }

    fn bits(f: &Factor) -> (Vec<VarId>, Vec<usize>, Vec<u64>) {
        (
            f.vars.clone(),
            f.cards.clone(),
            f.logs.iter().map(|x| x.to_bits()).collect(),
        )
    }

    proptest! {
        #[test]
        fn product_equals_the_odometer_bit_for_bit((a, b) in pair()) {
            prop_assert_eq!(bits(&a.product(&b)), bits(&product_by_odometer(&a, &b)));
        }

        #[test]
        fn sum_out_equals_the_odometer_bit_for_bit((f, _) in pair(), var in 0usize..5) {
            prop_assert_eq!(bits(&f.sum_out(var)), bits(&sum_out_by_odometer(&f, var)));
        }
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
