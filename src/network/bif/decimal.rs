//! Decimal numbers as a BIF file writes its probabilities (`0.02075119`,
//! `1.0`, `5e-04`), read without `str::parse` where the result is certain
//! to be the same.
//!
//! Clinger's fast path: when the digits, as an integer `m`, are below 2^53
//! and the decimal exponent `e` is within ±22, both `m` and `10^|e|` are
//! exact `f64`s, so one IEEE multiplication or division rounds the exact
//! value `m × 10^e` once, correctly: bit for bit what `str::parse::<f64>`
//! returns. Everything else (longer mantissas, larger exponents, `inf`,
//! anything malformed) is left to `str::parse`.

/// 10^0 ..= 10^22: every one an exact `f64`.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The largest mantissa the fast path takes: 2^53, every integer up to
/// which is an exact `f64`.
const EXACT_MANTISSA: u64 = 1 << 53;

/// `word` as an `f64` (exactly `word.parse::<f64>().ok()`).
pub(super) fn parse_f64(word: &str) -> Option<f64> {
    match scan(word.as_bytes(), 0) {
        Some((x, end)) if end == word.len() => Some(x),
        _ => word.parse().ok(),
    }
}

/// The plain decimal (`[+-]? digits [. digits] [e [+-] digits]`, a digit
/// somewhere before the exponent) starting at byte `at` of `bytes`, with
/// the offset just past it, when Clinger's fast path rounds it correctly;
/// `None` where it is anything else (the caller then decides what the
/// whole word is). Only a prefix is read: the caller checks what follows.
pub(super) fn scan(bytes: &[u8], at: usize) -> Option<(f64, usize)> {
    let mut i = at;
    let negative = sign(bytes, &mut i);
    let mut mantissa: u64 = 0;
    let whole_digits = digits(bytes, &mut i, &mut mantissa)?;
    let mut fraction_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        fraction_digits = digits(bytes, &mut i, &mut mantissa)?;
    }
    if whole_digits + fraction_digits == 0 || mantissa > EXACT_MANTISSA {
        return None;
    }
    let mut exponent = 0i64;
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        let negative_exponent = sign(bytes, &mut i);
        let start = i;
        while let Some(&b) = bytes.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            // Past 22 the fast path is out anyway: stop growing.
            exponent = (exponent * 10 + i64::from(b - b'0')).min(1000);
            i += 1;
        }
        if i == start {
            return None;
        }
        if negative_exponent {
            exponent = -exponent;
        }
    }
    let power = exponent - i64::try_from(fraction_digits).ok()?;
    let scale = *POWERS_OF_TEN.get(usize::try_from(power.unsigned_abs()).ok()?)?;
    // Exact: the mantissa is at most 2^53.
    let m = mantissa as f64;
    let magnitude = if power < 0 { m / scale } else { m * scale };
    Some((if negative { -magnitude } else { magnitude }, i))
}

/// The decimal digits from byte `i` on, appended to `mantissa` (`i`
/// moves past them): how many there were; `None` when the mantissa
/// outgrows a `u64`. Eight at a time where eight are digits.
fn digits(bytes: &[u8], i: &mut usize, mantissa: &mut u64) -> Option<usize> {
    let start = *i;
    while let Some(chunk) = bytes.get(*i..*i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        if !eight_digits(word) {
            break;
        }
        *mantissa = mantissa
            .checked_mul(100_000_000)?
            .checked_add(eight_digits_value(word))?;
        *i += 8;
    }
    while let Some(&b) = bytes.get(*i) {
        if !b.is_ascii_digit() {
            break;
        }
        *mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        *i += 1;
    }
    Some(*i - start)
}

/// Whether all eight bytes of `word` (read little-endian) are ASCII
/// digits (as in the standard library's float parser).
fn eight_digits(word: u64) -> bool {
    let above = word.wrapping_add(0x4646_4646_4646_4646);
    let below = word.wrapping_sub(0x3030_3030_3030_3030);
    (above | below) & 0x8080_8080_8080_8080 == 0
}

/// The value of eight ASCII digits read little-endian (the first digit
/// in the lowest byte), by three multiplications instead of eight.
fn eight_digits_value(word: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 0x000F_4240_0000_0064;
    const MUL2: u64 = 0x0000_2710_0000_0001;
    let mut v = word - 0x3030_3030_3030_3030;
    // Pairs of digits: fits in 63 bits.
    v = (v * 10) + (v >> 8);
    let v1 = (v & MASK).wrapping_mul(MUL1);
    let v2 = ((v >> 16) & MASK).wrapping_mul(MUL2);
    u64::from((v1.wrapping_add(v2) >> 32) as u32)
}

/// Whether an optional sign at byte `i` is `-`; `i` moves past it.
fn sign(bytes: &[u8], i: &mut usize) -> bool {
    match bytes.get(*i) {
        Some(b'-') => {
            *i += 1;
            true
        }
        Some(b'+') => {
            *i += 1;
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(word: &str) {
        let want: Option<f64> = word.parse().ok();
        let got = parse_f64(word);
        assert_eq!(
            got.map(f64::to_bits),
            want.map(f64::to_bits),
            "{word:?}: {got:?} vs {want:?}"
        );
    }

    #[test]
    fn edge_cases_match_str_parse() {
        for word in [
            "0",
            "0.0",
            "-0.0",
            "+0.0",
            "1",
            "1.0",
            "0.1",
            "0.02075119",
            ".5",
            "5.",
            "1.e5",
            "1e",
            "1e+",
            "e5",
            ".",
            "-",
            "+",
            "",
            "1e-400",
            "1e400",
            "1e-22",
            "1e22",
            "1e23",
            "1e-23",
            "9007199254740992",
            "9007199254740993",
            "9007199254740991",
            "0.9007199254740993",
            "000000000000000000000000000001",
            "0.00000000000000000000000001",
            "1.0000000000000000000000",
            "123456789012345678901234567890",
            "4.9e-324",
            "2.2250738585072014e-308",
            "1e-320",
            "inf",
            "-inf",
            "NaN",
            "infinity",
            "1..2",
            "1.2.3",
            "1e5e5",
            "0x10",
            "1_000",
            " 1",
            "1 ",
            "+-1",
            "--1",
            "1e--5",
            "1E5",
            "1e+05",
            "1e-05",
            "0.1e1",
            "00.5",
            "5e0000000000000000000022",
            "0e999999999999999999999",
            "1e-0",
            "٣",
        ] {
            same(word);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn decimals_match_str_parse(
            sign in "[-+]?",
            int in "[0-9]{0,25}",
            point in proptest::bool::ANY,
            frac in "[0-9]{0,25}",
            exp in proptest::option::of(("[eE]", "[-+]?", "[0-9]{0,5}")),
        ) {
            let mut word = format!("{sign}{int}");
            if point {
                word.push('.');
                word.push_str(&frac);
            }
            if let Some((e, s, d)) = exp {
                word.push_str(&format!("{e}{s}{d}"));
            }
            same(&word);
        }

        #[test]
        fn short_decimals_match_str_parse(
            int in "0|1|[0-9]{1,3}",
            frac in "[0-9]{1,17}",
            exp in -30i32..30,
        ) {
            same(&format!("{int}.{frac}"));
            same(&format!("{int}.{frac}e{exp}"));
        }

        #[test]
        fn eight_digits_at_once(n in 0u64..100_000_000, other in 0u8..=255, at in 0usize..8) {
            let text = format!("{n:08}");
            let word = u64::from_le_bytes(text.as_bytes().try_into().expect("eight bytes"));
            prop_assert!(eight_digits(word));
            prop_assert_eq!(eight_digits_value(word), n);
            let mut bytes = text.into_bytes();
            bytes[at] = other;
            let word = u64::from_le_bytes(bytes.as_slice().try_into().expect("eight bytes"));
            prop_assert_eq!(eight_digits(word), other.is_ascii_digit());
        }

        #[test]
        fn any_bytes_match_str_parse(word in "[-+0-9.eE]{0,12}") {
            same(&word);
        }

        #[test]
        fn printed_floats_match_str_parse(x in proptest::num::f64::ANY) {
            same(&format!("{x:?}"));
            same(&format!("{x}"));
            same(&format!("{x:e}"));
            same(&format!("{x:.8}"));
        }
    }
}
