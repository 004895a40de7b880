//! Factors for exact inference on BIF networks: entries held in linear
//! space beside one binary scale exponent per table, and the fused
//! multiply-and-sum-out kernel that eliminates a variable without building
//! the table of its whole clique.
//!
//! A table's true entries are `value × 2^exponent`, its largest value kept
//! in [1, 2) by scaling with an exact power of two, so no logarithm is paid
//! per entry and a long product never drifts out of f64's range: the scale
//! lives in the exponent. What one scale cannot hold is a table whose own
//! entries span more than f64's exponent range (about 2^-1022 to 2^1024,
//! see [`super::factor`]'s top comment). Every table therefore records the
//! binary exponent of its smallest nonzero entry, and before multiplying a
//! set of tables the kernel checks that no product of nonzero entries can
//! fall below 2^-1000, far above the smallest normal f64. When it could,
//! that one operation runs in log space (ln per entry, log-sum-exp), and its
//! result returns to linear space as soon as its range fits again. No entry
//! is ever rounded to zero or to a subnormal, so the answers equal the
//! log-space engine's (`query` tests compare them to 1e-12 on every bnlearn
//! network).
//!
//! The analyst models keep [`super::factor::Factor`] (logs throughout):
//! their compiled per-item plans add log-likelihoods, and nothing here is
//! on their path.

use super::factor::VarId;

/// Entries of one row combined at a time: a row longer than this is cut
/// into chunks so the scratch row stays in the first-level cache.
const ROW_CHUNK: usize = 2048;

/// A fused product is done in linear space only when the smallest nonzero
/// entries of its inputs, multiplied, are at least 2^SAFE_FLOOR: above f64's
/// smallest normal (2^-1022) with room for the sums and the rescaling that
/// follow, so no partial product is ever rounded into a subnormal or zero.
const SAFE_FLOOR: i64 = -1000;

/// The binary exponent of f64's smallest normal number.
const MIN_NORMAL_EXPONENT: i64 = -1022;

/// How a table's values stand for its entries.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Space {
    /// Entry = value × 2^`exponent`. The largest value is in [1, 2) (or
    /// every value is 0), and every nonzero value is at least 2^`floor`
    /// (`floor` ≤ 0), a normal f64.
    Linear {
        /// The table's binary scale.
        exponent: i64,
        /// The binary exponent of the smallest nonzero value.
        floor: i64,
    },
    /// Value = ln entry (−∞ for 0): a table whose entries span more than
    /// one f64 exponent range.
    Log,
}

/// A dense table over discrete variables, in linear space with a binary
/// scale exponent, or in log space when its entries' range needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaledFactor {
    /// Sorted ascending, unique.
    vars: Vec<VarId>,
    /// The number of states of each variable of `vars`.
    cards: Vec<usize>,
    /// Row-major over `vars` (the last varies fastest).
    values: Vec<f64>,
    space: Space,
}

/// A positive number as mantissa × 2^exponent: the product of the
/// constant factors evidence leaves behind, kept without underflow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// In [1, 2), or 0.
    mantissa: f64,
    /// The power of two the mantissa is scaled by.
    exponent: i64,
}

impl Default for Scale {
    fn default() -> Scale {
        Scale::one()
    }
}

impl Scale {
    /// The number 1.
    pub fn one() -> Scale {
        Scale {
            mantissa: 1.0,
            exponent: 0,
        }
    }

    /// Multiply by the sum of a table's entries (the entry itself for a
    /// table with no variable).
    pub fn absorb_total(&mut self, table: &ScaledFactor) {
        let ln = table.log_total();
        if ln == f64::NEG_INFINITY {
            self.mantissa = 0.0;
            return;
        }
        // ln(x) = ln(m) + k ln 2 with m in [1, 2): fold the power of two
        // into the exponent exactly and the rest into the mantissa.
        let (mantissa, exponent) = match table.space {
            Space::Linear { exponent, .. } => (table.values.iter().sum::<f64>(), exponent),
            Space::Log => {
                let k = (ln / std::f64::consts::LN_2).floor();
                ((ln - k * std::f64::consts::LN_2).exp(), k as i64)
            }
        };
        self.mantissa *= mantissa;
        self.exponent += exponent;
        if self.mantissa != 0.0 {
            let top = binary_exponent(self.mantissa);
            self.mantissa = scale_by_power_of_two(self.mantissa, -top);
            self.exponent += top;
        }
    }

    /// ln of the number (−∞ for 0).
    pub fn ln(&self) -> f64 {
        self.mantissa.ln() + self.exponent as f64 * std::f64::consts::LN_2
    }
}

impl ScaledFactor {
    /// The table of a CPT laid out row-major over `vars` (any order, last
    /// fastest) with linear `values`, with every variable `observed` gives a
    /// state fixed to it and dropped from the scope (`observed[v]` for each
    /// variable id `v` of `vars`).
    pub fn from_table(
        vars: &[VarId],
        cards: &[usize],
        values: &[f64],
        observed: impl Fn(VarId) -> Option<usize>,
    ) -> ScaledFactor {
        debug_assert_eq!(vars.len(), cards.len());
        debug_assert_eq!(values.len(), cards.iter().product::<usize>());
        let in_strides = row_major_strides(cards);
        let mut offset = 0usize;
        let mut free: Vec<(VarId, usize, usize)> = Vec::with_capacity(vars.len());
        for (k, &v) in vars.iter().enumerate() {
            match observed(v) {
                Some(state) => offset += state * in_strides[k],
                None => free.push((v, cards[k], in_strides[k])),
            }
        }
        free.sort_unstable_by_key(|&(v, _, _)| v);
        let out_vars: Vec<VarId> = free.iter().map(|f| f.0).collect();
        let out_cards: Vec<usize> = free.iter().map(|f| f.1).collect();
        let src_strides: Vec<usize> = free.iter().map(|f| f.2).collect();
        let n: usize = out_cards.iter().product();
        let mut out = Vec::with_capacity(n);
        let mut assignment = vec![0usize; out_vars.len()];
        let mut src = offset;
        for _ in 0..n {
            out.push(values[src]);
            for k in (0..assignment.len()).rev() {
                assignment[k] += 1;
                src += src_strides[k];
                if assignment[k] < out_cards[k] {
                    break;
                }
                src -= src_strides[k] * out_cards[k];
                assignment[k] = 0;
            }
        }
        settle_linear(out_vars, out_cards, out, 0)
    }

    /// The variables, ascending.
    pub fn vars(&self) -> &[VarId] {
        &self.vars
    }

    /// The number of states of each variable, in the order of
    /// [`ScaledFactor::vars`].
    pub fn cards(&self) -> &[usize] {
        &self.cards
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the table has no entry (never: a table over no variable has
    /// one).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether the table is held in log space (its entries span more than
    /// f64's exponent range, or it was the result of an operation that
    /// might have underflowed in linear space).
    pub fn is_log(&self) -> bool {
        self.space == Space::Log
    }

    /// ln of each entry (−∞ for zeros), row-major.
    pub fn log_values(&self) -> Vec<f64> {
        match self.space {
            Space::Linear { exponent, .. } => {
                let shift = exponent as f64 * std::f64::consts::LN_2;
                self.values.iter().map(|v| v.ln() + shift).collect()
            }
            Space::Log => self.values.clone(),
        }
    }

    /// ln of the sum of all entries (−∞ when all are 0).
    pub fn log_total(&self) -> f64 {
        match self.space {
            Space::Linear { exponent, .. } => {
                self.values.iter().sum::<f64>().ln() + exponent as f64 * std::f64::consts::LN_2
            }
            Space::Log => super::factor::log_sum_exp(&self.values),
        }
    }

    /// The entries as a probability distribution (sum 1), or `None` when
    /// all are zero.
    pub fn normalized(&self) -> Option<Vec<f64>> {
        match self.space {
            Space::Linear { .. } => {
                let total: f64 = self.values.iter().sum();
                (total > 0.0).then(|| self.values.iter().map(|v| v / total).collect())
            }
            Space::Log => {
                let total = super::factor::log_sum_exp(&self.values);
                total
                    .is_finite()
                    .then(|| self.values.iter().map(|v| (v - total).exp()).collect())
            }
        }
    }

    /// Hold the table in log space from now on (the same entries): what a
    /// fused product whose inputs' ranges could underflow needs of every
    /// input, done in place so the fallback allocates nothing.
    pub fn make_log(&mut self) {
        if let Space::Linear { exponent, .. } = self.space {
            let shift = exponent as f64 * std::f64::consts::LN_2;
            for v in &mut self.values {
                *v = v.ln() + shift;
            }
            self.space = Space::Log;
        }
    }
}

impl ScaledFactor {
    /// Multiply `other`, whose variables are all among this table's, into
    /// this table in place (so a bucket's small tables cost no pass of the
    /// fused product and no new table). In log space when [`needs_log`]
    /// says the pair needs it.
    pub fn absorb(&mut self, other: &ScaledFactor) {
        debug_assert!(
            other
                .vars
                .iter()
                .all(|v| self.vars.binary_search(v).is_ok())
        );
        let own_strides = row_major_strides(&self.cards);
        let other_strides = row_major_strides(&other.cards);
        // For each of this table's variables, how far `other` moves.
        let steps: Vec<usize> = self
            .vars
            .iter()
            .map(|v| other.vars.binary_search(v).map_or(0, |k| other_strides[k]))
            .collect();
        debug_assert_eq!(own_strides.last().copied().unwrap_or(1), 1);
        let log = needs_log(&[self, other]);
        let taken = std::mem::take(&mut self.values);
        let (values, exponent) = if log {
            let mut mine = ScaledFactor {
                vars: Vec::new(),
                cards: Vec::new(),
                values: taken,
                space: self.space,
            };
            mine.make_log();
            let theirs = other.log_values();
            (
                multiply_along(mine.values, &self.cards, &steps, &theirs, |a, b| *a += b),
                0,
            )
        } else {
            let exponent = match (self.space, other.space) {
                (Space::Linear { exponent: a, .. }, Space::Linear { exponent: b, .. }) => a + b,
                _ => 0,
            };
            (
                multiply_along(taken, &self.cards, &steps, &other.values, |a, b| *a *= b),
                exponent,
            )
        };
        let vars = std::mem::take(&mut self.vars);
        let cards = std::mem::take(&mut self.cards);
        *self = if log {
            settle_log(vars, cards, values)
        } else {
            settle_linear(vars, cards, values, exponent)
        };
    }
}

/// `values` (row-major over `cards`) with each entry combined by `apply`
/// with the entry of `other` its assignment selects (`steps`: how far
/// `other` moves per step of each variable).
fn multiply_along(
    mut values: Vec<f64>,
    cards: &[usize],
    steps: &[usize],
    other: &[f64],
    apply: impl Fn(&mut f64, f64),
) -> Vec<f64> {
    let Some((&row, outer)) = cards.split_last() else {
        if let (Some(v), Some(&x)) = (values.first_mut(), other.first()) {
            apply(v, x);
        }
        return values;
    };
    let row_step = steps[steps.len() - 1];
    let mut counters = vec![0usize; outer.len()];
    let mut at = 0usize;
    for chunk in values.chunks_mut(row.max(1)) {
        for (j, v) in chunk.iter_mut().enumerate() {
            apply(v, other[at + j * row_step]);
        }
        for d in (0..outer.len()).rev() {
            counters[d] += 1;
            at += steps[d];
            if counters[d] < outer[d] {
                break;
            }
            at -= steps[d] * outer[d];
            counters[d] = 0;
        }
    }
    values
}

/// Multiply every table of `tables` whose variables are all among a
/// larger one's into that one, in place: the tables left have the same
/// product, and a fused product over them walks fewer inputs. The order is
/// fixed (larger first, then by position), so the result is deterministic.
pub fn absorb_subsets(tables: &mut Vec<ScaledFactor>) {
    if tables.len() < 2 {
        return;
    }
    let mut by_size: Vec<usize> = (0..tables.len()).collect();
    by_size.sort_by_key(|&i| (std::cmp::Reverse(tables[i].len()), i));
    let mut gone = vec![false; tables.len()];
    for (rank, &small) in by_size.iter().enumerate().rev() {
        let host = by_size[..rank].iter().copied().find(|&big| {
            !gone[big]
                && tables[small]
                    .vars
                    .iter()
                    .all(|v| tables[big].vars.binary_search(v).is_ok())
        });
        if let Some(big) = host {
            let taken = std::mem::replace(&mut tables[small], ScaledFactor::one());
            tables[big].absorb(&taken);
            gone[small] = true;
        }
    }
    let mut index = 0;
    tables.retain(|_| {
        index += 1;
        !gone[index - 1]
    });
}

impl ScaledFactor {
    /// The table of no variable whose entry is 1.
    pub fn one() -> ScaledFactor {
        ScaledFactor {
            vars: Vec::new(),
            cards: Vec::new(),
            values: vec![1.0],
            space: Space::Linear {
                exponent: 0,
                floor: 0,
            },
        }
    }
}

/// Whether multiplying `factors` entry by entry could round a product of
/// nonzero entries below 2^-1000 in linear space (or one of them is held in
/// log space already): then the product is taken in log space.
pub fn needs_log(factors: &[&ScaledFactor]) -> bool {
    let mut floor = 0i64;
    for f in factors {
        match f.space {
            Space::Linear { floor: f, .. } => floor += f,
            Space::Log => return true,
        }
    }
    floor < SAFE_FLOOR
}

/// The number of entries of the table [`multiply_marginalize`] returns for
/// factors over `scopes`, keeping the variables `keep` says, without
/// building it (a float: it may be far beyond `usize`).
pub fn result_entries<'a>(
    scopes: impl IntoIterator<Item = &'a [VarId]>,
    keep: impl Fn(VarId) -> bool,
    card: impl Fn(VarId) -> usize,
) -> f64 {
    let mut vars: Vec<VarId> = scopes
        .into_iter()
        .flatten()
        .copied()
        .filter(|&v| keep(v))
        .collect();
    vars.sort_unstable();
    vars.dedup();
    vars.iter().map(|&v| card(v) as f64).product()
}

/// The product of `factors` with every variable `keep` rejects summed out,
/// in one pass: the table of every variable of every factor is never built,
/// only the result (over the kept variables, ascending). Each result entry
/// is the sum, in a fixed order, of the products of the factors' entries
/// that agree with it. Linear space when [`needs_log`] says it is safe,
/// else log space (inputs held in linear space are converted on the fly
/// into a copy: callers that own them call [`ScaledFactor::make_log`]
/// first to spare the copy).
pub fn multiply_marginalize(
    factors: &[&ScaledFactor],
    keep: impl Fn(VarId) -> bool,
) -> ScaledFactor {
    let plan = Plan::new(factors, &keep);
    if needs_log(factors) {
        let converted: Vec<Option<ScaledFactor>> = factors
            .iter()
            .map(|f| {
                (!f.is_log()).then(|| {
                    let mut copy = (*f).clone();
                    copy.make_log();
                    copy
                })
            })
            .collect();
        let inputs: Vec<&[f64]> = factors
            .iter()
            .zip(&converted)
            .map(|(f, c)| c.as_ref().map_or(f.values.as_slice(), |c| &c.values))
            .collect();
        let logs = plan.run_log(&inputs);
        return settle_log(plan.out_vars, plan.out_cards, logs);
    }
    let inputs: Vec<&[f64]> = factors.iter().map(|f| f.values.as_slice()).collect();
    let exponent: i64 = factors
        .iter()
        .map(|f| match f.space {
            Space::Linear { exponent, .. } => exponent,
            Space::Log => 0,
        })
        .sum();
    let values = plan.run_linear(&inputs);
    settle_linear(plan.out_vars, plan.out_cards, values, exponent)
}

/// The loop nest of one fused product: the variables of every input, with
/// the variables of size 1 dropped and neighbours every table walks
/// contiguously merged into one loop.
struct Plan {
    out_vars: Vec<VarId>,
    out_cards: Vec<usize>,
    out_len: usize,
    /// The size of each loop, outermost first.
    loops: Vec<usize>,
    /// For loop `d`, `strides[d * (inputs + 1) + i]` is how far input `i`
    /// moves per step (0 when it lacks the loop's variables), the output's
    /// last (0 for a summed variable).
    strides: Vec<usize>,
    inputs: usize,
}

impl Plan {
    fn new(factors: &[&ScaledFactor], keep: &impl Fn(VarId) -> bool) -> Plan {
        let mut all: Vec<(VarId, usize)> = factors
            .iter()
            .flat_map(|f| f.vars.iter().copied().zip(f.cards.iter().copied()))
            .collect();
        all.sort_unstable();
        all.dedup_by_key(|p| p.0);
        let kept: Vec<(VarId, usize)> = all.iter().copied().filter(|&(v, _)| keep(v)).collect();
        let out_vars: Vec<VarId> = kept.iter().map(|p| p.0).collect();
        let out_cards: Vec<usize> = kept.iter().map(|p| p.1).collect();
        let out_strides = row_major_strides(&out_cards);
        let input_strides: Vec<Vec<usize>> = factors
            .iter()
            .map(|f| row_major_strides(&f.cards))
            .collect();
        let width = factors.len() + 1;
        let mut loops: Vec<usize> = Vec::new();
        let mut strides: Vec<usize> = Vec::new();
        for &(v, card) in &all {
            if card == 1 {
                continue;
            }
            let step: Vec<usize> = factors
                .iter()
                .zip(&input_strides)
                .map(|(f, s)| f.vars.binary_search(&v).map_or(0, |k| s[k]))
                .chain([out_vars.binary_search(&v).map_or(0, |k| out_strides[k])])
                .collect();
            // Merge with the loop outside it when every table walks the
            // two as one: the outer stride is the inner one times its size.
            if !loops.is_empty() {
                let previous = &strides[strides.len() - width..];
                if previous.iter().zip(&step).all(|(&p, &s)| p == s * card) {
                    let at = strides.len() - width;
                    strides[at..].copy_from_slice(&step);
                    let last = loops.len() - 1;
                    loops[last] *= card;
                    continue;
                }
            }
            loops.push(card);
            strides.extend(step);
        }
        if loops.is_empty() {
            loops.push(1);
            strides.extend(std::iter::repeat_n(0, width));
        }
        Plan {
            out_len: out_cards.iter().product(),
            out_vars,
            out_cards,
            loops,
            strides,
            inputs: factors.len(),
        }
    }

    /// Walk every combination of the inputs' entries, row by row: for each
    /// row (the innermost loop, in chunks), the inputs' entries combined by
    /// `A`, handed to `emit` with the output offset and stride.
    fn walk<A: Arith>(&self, inputs: &[&[f64]], mut emit: impl FnMut(usize, usize, &[f64])) {
        let width = self.inputs + 1;
        let last = self.loops.len() - 1;
        let row = self.loops[last];
        let row_strides = &self.strides[last * width..];
        let mut scratch = vec![0.0f64; row.min(ROW_CHUNK)];
        let mut offsets = vec![0usize; width];
        let mut counters = vec![0usize; last];
        loop {
            let mut start = 0;
            while start < row {
                let len = (row - start).min(ROW_CHUNK);
                let chunk = &mut scratch[..len];
                match inputs.first() {
                    Some(first) => A::fill(
                        chunk,
                        first,
                        offsets[0] + start * row_strides[0],
                        row_strides[0],
                    ),
                    None => chunk.fill(A::ONE),
                }
                for (i, input) in inputs.iter().enumerate().skip(1) {
                    A::combine(
                        chunk,
                        input,
                        offsets[i] + start * row_strides[i],
                        row_strides[i],
                    );
                }
                let out = self.inputs;
                emit(
                    offsets[out] + start * row_strides[out],
                    row_strides[out],
                    chunk,
                );
                start += len;
            }
            // The odometer over the outer loops.
            let mut d = last;
            loop {
                if d == 0 {
                    return;
                }
                d -= 1;
                counters[d] += 1;
                let step = &self.strides[d * width..(d + 1) * width];
                for (o, s) in offsets.iter_mut().zip(step) {
                    *o += s;
                }
                if counters[d] < self.loops[d] {
                    break;
                }
                for (o, s) in offsets.iter_mut().zip(step) {
                    *o -= s * self.loops[d];
                }
                counters[d] = 0;
            }
        }
    }

    /// The fused product and sum in linear space.
    fn run_linear(&self, inputs: &[&[f64]]) -> Vec<f64> {
        let mut out = vec![0.0f64; self.out_len];
        self.walk::<Times>(inputs, |at, stride, row| match stride {
            0 => out[at] += row.iter().sum::<f64>(),
            1 => out[at..at + row.len()]
                .iter_mut()
                .zip(row)
                .for_each(|(o, r)| *o += r),
            _ => row
                .iter()
                .enumerate()
                .for_each(|(j, r)| out[at + j * stride] += r),
        });
        out
    }

    /// The fused product and sum in log space: the largest term of each
    /// result entry first, then the sum of the terms relative to it.
    fn run_log(&self, inputs: &[&[f64]]) -> Vec<f64> {
        let mut max = vec![f64::NEG_INFINITY; self.out_len];
        self.walk::<Plus>(inputs, |at, stride, row| {
            for (j, &r) in row.iter().enumerate() {
                let slot = &mut max[at + j * stride];
                if r > *slot {
                    *slot = r;
                }
            }
        });
        let mut sums = vec![0.0f64; self.out_len];
        self.walk::<Plus>(inputs, |at, stride, row| {
            for (j, &r) in row.iter().enumerate() {
                let m = max[at + j * stride];
                if m > f64::NEG_INFINITY {
                    sums[at + j * stride] += (r - m).exp();
                }
            }
        });
        max.iter()
            .zip(&sums)
            .map(|(&m, &s)| if m > f64::NEG_INFINITY { m + s.ln() } else { m })
            .collect()
    }
}

/// How entries of several tables combine into one term.
trait Arith {
    /// The term of no table.
    const ONE: f64;
    /// `row[j] = input[at + j * stride]`.
    fn fill(row: &mut [f64], input: &[f64], at: usize, stride: usize) {
        match stride {
            0 => row.fill(input[at]),
            1 => row.copy_from_slice(&input[at..at + row.len()]),
            _ => row
                .iter_mut()
                .enumerate()
                .for_each(|(j, r)| *r = input[at + j * stride]),
        }
    }
    /// `entry = entry ∘ x`.
    fn apply(entry: &mut f64, x: f64);
    /// `row[j] = row[j] ∘ input[at + j * stride]`.
    #[inline]
    fn combine(row: &mut [f64], input: &[f64], at: usize, stride: usize) {
        match stride {
            0 => {
                let x = input[at];
                row.iter_mut().for_each(|r| Self::apply(r, x));
            }
            1 => {
                let len = row.len();
                row.iter_mut()
                    .zip(&input[at..at + len])
                    .for_each(|(r, &x)| Self::apply(r, x))
            }
            _ => row
                .iter_mut()
                .enumerate()
                .for_each(|(j, r)| Self::apply(r, input[at + j * stride])),
        }
    }
}

/// Linear space: entries multiply.
struct Times;

impl Arith for Times {
    const ONE: f64 = 1.0;
    #[inline]
    fn apply(entry: &mut f64, x: f64) {
        *entry *= x;
    }
}

/// Log space: logarithms add.
struct Plus;

impl Arith for Plus {
    const ONE: f64 = 0.0;
    #[inline]
    fn apply(entry: &mut f64, x: f64) {
        *entry += x;
    }
}

/// A table of linear `values` (nonnegative, finite) times 2^`exponent`,
/// rescaled so its largest value is in [1, 2); in log space instead when
/// its smallest nonzero value would then be below f64's smallest normal.
fn settle_linear(
    vars: Vec<VarId>,
    cards: Vec<usize>,
    mut values: Vec<f64>,
    exponent: i64,
) -> ScaledFactor {
    let mut max = 0.0f64;
    let mut min = f64::INFINITY;
    for &v in &values {
        if v > max {
            max = v;
        }
        if v > 0.0 && v < min {
            min = v;
        }
    }
    if max == 0.0 {
        return ScaledFactor {
            vars,
            cards,
            values,
            space: Space::Linear {
                exponent: 0,
                floor: 0,
            },
        };
    }
    let top = binary_exponent(max);
    let bottom = binary_exponent(min);
    if min < f64::MIN_POSITIVE || bottom - top < MIN_NORMAL_EXPONENT {
        // The range does not fit one scale: keep every entry as its log.
        let shift = exponent as f64 * std::f64::consts::LN_2;
        for v in &mut values {
            *v = v.ln() + shift;
        }
        return ScaledFactor {
            vars,
            cards,
            values,
            space: Space::Log,
        };
    }
    if top != 0 {
        for v in &mut values {
            *v = scale_by_power_of_two(*v, -top);
        }
    }
    ScaledFactor {
        vars,
        cards,
        values,
        space: Space::Linear {
            exponent: exponent + top,
            floor: bottom - top,
        },
    }
}

/// A table of `logs`, back in linear space when its finite entries span
/// less than f64's exponent range (with the margin [`SAFE_FLOOR`] keeps).
fn settle_log(vars: Vec<VarId>, cards: Vec<usize>, mut logs: Vec<f64>) -> ScaledFactor {
    let mut max = f64::NEG_INFINITY;
    let mut min = f64::INFINITY;
    for &l in &logs {
        if l > max {
            max = l;
        }
        if l > f64::NEG_INFINITY && l < min {
            min = l;
        }
    }
    let ln2 = std::f64::consts::LN_2;
    if max == f64::NEG_INFINITY || (max - min) / ln2 > -(SAFE_FLOOR as f64) {
        if max == f64::NEG_INFINITY {
            logs.iter_mut().for_each(|l| *l = 0.0);
            return ScaledFactor {
                vars,
                cards,
                values: logs,
                space: Space::Linear {
                    exponent: 0,
                    floor: 0,
                },
            };
        }
        return ScaledFactor {
            vars,
            cards,
            values: logs,
            space: Space::Log,
        };
    }
    let k = (max / ln2).floor();
    let shift = k * ln2;
    for l in &mut logs {
        *l = (*l - shift).exp();
    }
    settle_linear(vars, cards, logs, k as i64)
}

/// The binary exponent `e` of a positive normal `x`: 2^e ≤ x < 2^(e+1).
fn binary_exponent(x: f64) -> i64 {
    ((x.to_bits() >> 52) & 0x7ff) as i64 - 1023
}

/// `x × 2^k`, exact when the result is a normal number.
fn scale_by_power_of_two(mut x: f64, mut k: i64) -> f64 {
    while k != 0 {
        let step = k.clamp(-1000, 1000);
        x *= f64::from_bits(((step + 1023) as u64) << 52);
        k -= step;
    }
    x
}

/// Row-major strides of a layout (last fastest).
fn row_major_strides(cards: &[usize]) -> Vec<usize> {
    let mut s = vec![1usize; cards.len()];
    for k in (0..cards.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * cards[k + 1];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::factor::Factor;
    use proptest::prelude::*;

    fn table(vars: &[VarId], cards: &[usize], values: &[f64]) -> ScaledFactor {
        ScaledFactor::from_table(vars, cards, values, |_| None)
    }

    fn close(a: &[f64], b: &[f64], tolerance: f64) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                (x == y) || (x - y).abs() <= tolerance * x.abs().max(y.abs()).max(1.0)
            })
    }

    #[test]
    fn from_table_sorts_and_reduces() {
        // f(b, a) with b slowest.
        let f = table(&[1, 0], &[2, 3], &[1., 2., 3., 4., 5., 6.]);
        assert_eq!(f.vars(), &[0, 1]);
        let linear: Vec<f64> = f.log_values().iter().map(|v| v.exp()).collect();
        assert!(
            close(&linear, &[1., 4., 2., 5., 3., 6.], 1e-15),
            "{linear:?}"
        );
        let r = ScaledFactor::from_table(&[1, 0], &[2, 3], &[1., 2., 3., 4., 5., 6.], |v| {
            (v == 1).then_some(1)
        });
        assert_eq!(r.vars(), &[0]);
        assert_eq!(r.normalized().unwrap(), vec![4. / 15., 5. / 15., 6. / 15.]);
    }

    #[test]
    fn fused_product_equals_the_log_engine() {
        let a = table(&[0, 1], &[2, 3], &[0.1, 0.2, 0.7, 0.5, 0.25, 0.25]);
        let b = table(&[1, 2], &[3, 2], &[0.9, 0.1, 0.4, 0.6, 0.0, 1.0]);
        let la = Factor::new(&[0, 1], &[2, 3], vec![0.1, 0.2, 0.7, 0.5, 0.25, 0.25]);
        let lb = Factor::new(&[1, 2], &[3, 2], vec![0.9, 0.1, 0.4, 0.6, 0.0, 1.0]);
        let fused = multiply_marginalize(&[&a, &b], |v| v != 1);
        let slow = la.product(&lb).sum_out(1);
        assert_eq!(fused.vars(), slow.vars());
        assert!(close(&fused.log_values(), slow.log_values(), 1e-14));
    }

    #[test]
    fn wide_ranges_fall_back_to_logs_and_come_back() {
        // Each table alone fits one scale; their product does not.
        let a = table(&[0], &[2], &[1e-300, 1.0]);
        let b = table(&[0], &[2], &[1e-300, 1.0]);
        assert!(needs_log(&[&a, &b]));
        let p = multiply_marginalize(&[&a, &b], |_| true);
        assert!(p.is_log());
        let logs = p.log_values();
        assert!((logs[0] - 2.0 * 1e-300f64.ln()).abs() < 1e-12, "{logs:?}");
        // Cancelled again by tables favouring the other state.
        let c = table(&[0], &[2], &[1.0, 1e-300]);
        let q = multiply_marginalize(&[&p, &c, &c], |_| true);
        assert!(!q.is_log(), "back in linear space");
        let n = q.normalized().unwrap();
        assert!((n[0] - 0.5).abs() < 1e-12, "{n:?}");
    }

    #[test]
    fn subnormal_entries_are_held_as_logs() {
        let f = table(&[0], &[3], &[1e-320, 0.0, 1.0]);
        assert!(f.is_log());
        assert!((f.log_values()[0] - 1e-320f64.ln()).abs() < 1e-9);
        assert_eq!(f.log_values()[1], f64::NEG_INFINITY);
    }

    #[test]
    fn constants_keep_their_scale() {
        let mut scale = Scale::one();
        let tiny = table(&[], &[], &[1e-300]);
        for _ in 0..10 {
            scale.absorb_total(&tiny);
        }
        assert!((scale.ln() - 10.0 * 1e-300f64.ln()).abs() < 1e-9);
        scale.absorb_total(&table(&[], &[], &[0.0]));
        assert_eq!(scale.ln(), f64::NEG_INFINITY);
    }

    /// One random table: its variables (a subset of 0..6), their sizes
    /// (1 to 3, fixed per variable) and entries spanning 1e-250 to 1 with
    /// zeros, some tables held in log space.
    fn random_table() -> impl Strategy<Value = (Vec<VarId>, Vec<f64>)> {
        (proptest::collection::btree_set(0..6usize, 0..4)).prop_flat_map(|vars| {
            let vars: Vec<VarId> = vars.into_iter().collect();
            let n: usize = vars.iter().map(|&v| CARDS[v]).product();
            let entry = prop_oneof![
                Just(0.0),
                (0.0f64..1.0),
                (-250.0f64..0.0).prop_map(|e| 10f64.powf(e)),
            ];
            (Just(vars), proptest::collection::vec(entry, n))
        })
    }

    const CARDS: [usize; 6] = [2, 3, 1, 2, 3, 2];

    proptest! {
        /// The fused product and sum equals the product of the log-space
        /// tables with the variables summed out one by one.
        #[test]
        fn fused_equals_unfused(
            tables in proptest::collection::vec(random_table(), 1..5),
            keep in proptest::collection::btree_set(0..6usize, 0..6),
        ) {
            let ours: Vec<ScaledFactor> = tables
                .iter()
                .map(|(vars, values)| {
                    let cards: Vec<usize> = vars.iter().map(|&v| CARDS[v]).collect();
                    table(vars, &cards, values)
                })
                .collect();
            let refs: Vec<&ScaledFactor> = ours.iter().collect();
            let fused = multiply_marginalize(&refs, |v| keep.contains(&v));
            let mut slow = Factor::unit();
            for (vars, values) in &tables {
                let cards: Vec<usize> = vars.iter().map(|&v| CARDS[v]).collect();
                slow = slow.product(&Factor::new(vars, &cards, values.clone()));
            }
            for v in slow.vars().to_vec() {
                if !keep.contains(&v) {
                    slow = slow.sum_out(v);
                }
            }
            // And after multiplying the tables contained in others into
            // them in place.
            let mut absorbed = ours.clone();
            absorb_subsets(&mut absorbed);
            let refs: Vec<&ScaledFactor> = absorbed.iter().collect();
            let fewer = multiply_marginalize(&refs, |v| keep.contains(&v));
            for got in [fused, fewer] {
                prop_assert_eq!(got.vars(), slow.vars());
                let (a, b) = (got.log_values(), slow.log_values().to_vec());
                for (x, y) in a.iter().zip(&b) {
                    // Equal logs, relative to their size (a log near -1e3
                    // carries its rounding in absolute terms).
                    prop_assert!(
                        x == y || (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                        "{:?} vs {:?}", a, b
                    );
                }
            }
        }
    }
}
