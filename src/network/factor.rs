//! Dense factors over discrete variables, kept rescaled so that products of
//! 100,000 factors neither underflow nor overflow.
//!
//! A factor's true value at an assignment is `values[i] * exp(log_scale)`.
//! After every product and sum the table is divided by its largest entry and
//! the logarithm of that entry moved into `log_scale`.

/// Index of a variable in a network.
pub type VarId = usize;

#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    /// Sorted ascending, unique.
    vars: Vec<VarId>,
    cards: Vec<usize>,
    /// Row-major: the last variable varies fastest.
    values: Vec<f64>,
    log_scale: f64,
}

impl Factor {
    /// A factor over `vars` (any order, unique) with `values` laid out
    /// row-major in that order (last fastest).
    pub fn new(vars: &[VarId], cards: &[usize], values: Vec<f64>) -> Factor {
        debug_assert_eq!(vars.len(), cards.len());
        debug_assert_eq!(values.len(), cards.iter().product::<usize>());
        let mut order: Vec<usize> = (0..vars.len()).collect();
        order.sort_by_key(|&k| vars[k]);
        if order.iter().enumerate().all(|(i, &k)| i == k) {
            return Factor {
                vars: vars.to_vec(),
                cards: cards.to_vec(),
                values,
                log_scale: 0.0,
            };
        }
        let sorted_vars: Vec<VarId> = order.iter().map(|&k| vars[k]).collect();
        let sorted_cards: Vec<usize> = order.iter().map(|&k| cards[k]).collect();
        // Stride of each original position within the input layout.
        let in_strides = strides(cards);
        let strides_in_sorted: Vec<usize> = order.iter().map(|&k| in_strides[k]).collect();
        let mut out = vec![0.0; values.len()];
        let mut assignment = vec![0usize; vars.len()];
        let mut src = 0usize;
        for slot in out.iter_mut() {
            *slot = values[src];
            advance(
                &mut assignment,
                &sorted_cards,
                &mut [(&strides_in_sorted, &mut src)],
            );
        }
        Factor {
            vars: sorted_vars,
            cards: sorted_cards,
            values: out,
            log_scale: 0.0,
        }
    }

    /// The constant factor 1 (no variables).
    pub fn unit() -> Factor {
        Factor {
            vars: Vec::new(),
            cards: Vec::new(),
            values: vec![1.0],
            log_scale: 0.0,
        }
    }

    pub fn vars(&self) -> &[VarId] {
        &self.vars
    }

    pub fn cards(&self) -> &[usize] {
        &self.cards
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn log_scale(&self) -> f64 {
        self.log_scale
    }

    /// Rename variables by an order-preserving map (so the layout stays valid).
    pub fn relabel(&self, map: impl Fn(VarId) -> VarId) -> Factor {
        let vars: Vec<VarId> = self.vars.iter().map(|&v| map(v)).collect();
        debug_assert!(
            vars.windows(2).all(|w| w[0] < w[1]),
            "relabel must preserve order"
        );
        Factor {
            vars,
            cards: self.cards.clone(),
            values: self.values.clone(),
            log_scale: self.log_scale,
        }
    }

    /// The natural log of each entry's true value (`-inf` for zeros).
    pub fn log_values(&self) -> Vec<f64> {
        self.values
            .iter()
            .map(|v| v.ln() + self.log_scale)
            .collect()
    }

    /// ln of the sum of all entries' true values.
    pub fn log_total(&self) -> f64 {
        self.values.iter().sum::<f64>().ln() + self.log_scale
    }

    /// Divide by the largest entry, moving its log into `log_scale`.
    fn rescale(&mut self) {
        let max = self.values.iter().copied().fold(0.0_f64, f64::max);
        if max > 0.0 && max.is_finite() && max != 1.0 {
            let inv = 1.0 / max;
            for v in &mut self.values {
                *v *= inv;
            }
            self.log_scale += max.ln();
        }
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
        let mut values = Vec::with_capacity(n);
        let mut assignment = vec![0usize; vars.len()];
        let (mut ia, mut ib) = (0usize, 0usize);
        for _ in 0..n {
            values.push(self.values[ia] * other.values[ib]);
            advance(
                &mut assignment,
                &cards,
                &mut [(&sa, &mut ia), (&sb, &mut ib)],
            );
        }
        let mut f = Factor {
            vars,
            cards,
            values,
            log_scale: self.log_scale + other.log_scale,
        };
        f.rescale();
        f
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
        let out_strides = strides_within(&self.vars, &vars, &cards);
        let n: usize = cards.iter().product();
        let mut values = vec![0.0; n];
        let mut assignment = vec![0usize; self.vars.len()];
        let mut o = 0usize;
        for v in &self.values {
            values[o] += v;
            advance(&mut assignment, &self.cards, &mut [(&out_strides, &mut o)]);
        }
        let mut f = Factor {
            vars,
            cards,
            values,
            log_scale: self.log_scale,
        };
        f.rescale();
        f
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
        let mut values = Vec::with_capacity(n);
        let mut assignment = vec![0usize; vars.len()];
        let mut src = state * in_strides[pos];
        for _ in 0..n {
            values.push(self.values[src]);
            advance(&mut assignment, &cards, &mut [(&src_strides, &mut src)]);
        }
        let mut f = Factor {
            vars,
            cards,
            values,
            log_scale: self.log_scale,
        };
        f.rescale();
        f
    }

    /// The entries as a probability distribution (sum 1), or `None` when all
    /// are zero.
    pub fn normalized(&self) -> Option<Vec<f64>> {
        let total: f64 = self.values.iter().sum();
        (total > 0.0 && total.is_finite()).then(|| self.values.iter().map(|v| v / total).collect())
    }
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
        assert!(close(f.values(), &[1., 4., 2., 5., 3., 6.]));
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
        assert!(p[1] > 0.999999 && p[0] > 0.0 || p[0] == 0.0);
        assert!(f.log_total().is_finite());
    }
}
