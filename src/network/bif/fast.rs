//! The BIF reader's fast path: a well-formed file, read in one pass
//! straight into its tables, at close to the speed of memory.
//!
//! The header parts (the `network` block, the variable declarations, each
//! `probability ( ... ) {` line) go through the full reader's lexer; they
//! are a small part of a large file. The bodies of the probability blocks,
//! which are nearly all of it, are read here byte by byte: no token per
//! number, each number parsed in place (see [`super::decimal`]) and written
//! where it belongs in the table, and each row's parent states found by
//! first trying the states a file in the usual order (first parent
//! slowest, as bnlearn and pgmpy write) has next.
//!
//! This path decides nothing the full reader would decide differently: it
//! gives up (`None`) on every error and on every form it leaves to the
//! full reader (a name it does not find by its exact spelling, a block
//! before the variables it names, a non-ASCII byte inside a block), and
//! [`super::parse`] then reads the file again in full, which gives the
//! diagnostic. A file it accepts is one the full reader accepts, with the
//! same network, bit for bit.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{
    Bif, CLASS, Lexer, MAX_CPT_ENTRIES, MAX_TOTAL_CPT_ENTRIES, NON_ASCII, PUNCT, ROW_SUM_TOLERANCE,
    SLASH, SPACE, Tables, Tok, VarDecl, assemble, decimal, is_keyword, network_block,
    probability_header, variable,
};

/// The most parents a block read here may have (far more than a CPT of a
/// real network has: each parent multiplies its size).
const MAX_FAST_PARENTS: usize = 32;

/// `text` as a network, or `None` where the full reader must read it.
pub(super) fn parse(text: &str) -> Option<Bif> {
    let mut lx = Lexer::new(text);
    let mut name = None;
    let mut vars: Vec<VarDecl> = Vec::new();
    // Exact names only: a later declaration cannot change what an exact
    // name found, and a duplicate one is refused where it appears.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut tables: Tables = Vec::new();
    // Whether every state of a variable is a plain word (see `plain_word`).
    let mut plain: Vec<bool> = Vec::new();
    let mut total_entries = 0usize;
    let mut scratch = Scratch::default();
    loop {
        let t = lx.next().ok()?;
        match &t.tok {
            Tok::Eof => break,
            w if is_keyword(w, "network") => {
                if let Some(named) = network_block(&mut lx).ok()? {
                    name = Some(named);
                }
            }
            w if is_keyword(w, "variable") => {
                let decl = variable(&mut lx).ok()?;
                if index.insert(decl.name.clone(), vars.len()).is_some() {
                    return None;
                }
                plain.push(decl.states.iter().all(|(s, _)| plain_word(s)));
                vars.push(decl);
                tables.push(None);
            }
            w if is_keyword(w, "probability") => {
                let (child, parent_names) = probability_header(&mut lx).ok()?;
                // The repeat check below is quadratic in the parents: a
                // header with more than any real network has is the full
                // reader's (which checks in linear time).
                if parent_names.len() > MAX_FAST_PARENTS {
                    return None;
                }
                let child = *index.get(&child.0)?;
                if tables[child].is_some() {
                    return None;
                }
                let mut parents = Vec::with_capacity(parent_names.len());
                for (p, _) in &parent_names {
                    let p = *index.get(p)?;
                    if p == child || parents.contains(&p) {
                        return None;
                    }
                    parents.push(p);
                }
                let states = vars[child].states.len();
                let size = parents
                    .iter()
                    .try_fold(states, |acc, &p| acc.checked_mul(vars[p].states.len()))
                    .filter(|&n| n <= MAX_CPT_ENTRIES)?;
                total_entries += size;
                if total_entries > MAX_TOTAL_CPT_ENTRIES {
                    return None;
                }
                let block = Block {
                    vars: &vars,
                    plain: &plain,
                    parents: &parents,
                    states,
                    size,
                };
                let cpt = block.read(&mut lx, &mut scratch)?;
                tables[child] = Some((parents, cpt));
            }
            _ => return None,
        }
        lx.eat_punct(';').ok()?;
    }
    assemble(&lx, name, vars, tables).ok()
}

/// Buffers one block's reading leaves for the next.
#[derive(Default)]
struct Scratch {
    /// Which parent assignments have a row.
    filled: Vec<bool>,
    /// The parent states of the row a file in order has next.
    next_row: Vec<usize>,
    /// The `default` row.
    default: Vec<f64>,
}

/// A probability block being read: its child's state count and its
/// parents, declared.
struct Block<'v> {
    vars: &'v [VarDecl],
    /// By variable: whether its states can be compared in place.
    plain: &'v [bool],
    parents: &'v [usize],
    /// The child's number of states: the length of a row.
    states: usize,
    /// Entries of the whole table.
    size: usize,
}

impl Block<'_> {
    /// The block's body after its `{`, through its `}`: the table, laid
    /// out as [`crate::network::graph::Network`] wants it.
    fn read(&self, lx: &mut Lexer<'_>, scratch: &mut Scratch) -> Option<Vec<f64>> {
        let k = self.states;
        let configs = self.size / k;
        let mut cpt = vec![0.0; self.size];
        scratch.filled.clear();
        scratch.filled.resize(configs, false);
        scratch.next_row.clear();
        scratch.next_row.resize(self.parents.len(), 0);
        let mut rows = 0usize;
        let mut table = false;
        let mut default = false;
        loop {
            skip(lx)?;
            match *lx.text.as_bytes().get(lx.pos)? {
                b'}' => {
                    lx.pos += 1;
                    break;
                }
                b';' => lx.pos += 1,
                b'(' => {
                    lx.pos += 1;
                    let r = self.row_index(lx, &mut scratch.next_row)?;
                    if std::mem::replace(&mut scratch.filled[r], true) {
                        return None;
                    }
                    rows += 1;
                    let row = &mut cpt[r * k..(r + 1) * k];
                    let written = numbers(lx, |i, x| {
                        *row.get_mut(i)? = x;
                        Some(())
                    })?;
                    if written != k || !sums_to_one(row) {
                        return None;
                    }
                }
                _ => {
                    let t = lx.next().ok()?;
                    if is_keyword(&t.tok, "table") && !table {
                        table = true;
                        // BIF's `table` lists the child's state slowest.
                        let size = self.size;
                        let written = numbers(lx, |i, x| {
                            if i >= size {
                                return None;
                            }
                            cpt[(i % configs) * k + i / configs] = x;
                            Some(())
                        })?;
                        if written != self.size {
                            return None;
                        }
                    } else if is_keyword(&t.tok, "default") && !default {
                        default = true;
                        scratch.default.clear();
                        numbers(lx, |_, x| {
                            scratch.default.push(x);
                            Some(())
                        })?;
                    } else if is_keyword(&t.tok, "property") {
                        lx.raw_until_semicolon(t.at).ok()?;
                    } else {
                        return None;
                    }
                }
            }
        }
        if table {
            // A row beside a table repeats one of its parent assignments.
            if rows > 0 || !cpt.chunks(k).all(sums_to_one) {
                return None;
            }
            rows = configs;
        }
        if default {
            let values = &scratch.default;
            if values.len() != k || !sums_to_one(values) {
                return None;
            }
            for (r, row) in cpt.chunks_mut(k).enumerate() {
                if !table && !scratch.filled[r] {
                    row.copy_from_slice(values);
                }
            }
            rows = configs;
        }
        (rows == configs).then_some(cpt)
    }

    /// A row's parent states, after its `(`, through its `)`: the row's
    /// index in the table.
    fn row_index(&self, lx: &mut Lexer<'_>, next_row: &mut [usize]) -> Option<usize> {
        let mut r = 0;
        let mut i = 0;
        loop {
            skip(lx)?;
            let at = lx.pos;
            let name: Cow<'_, str> = match *lx.text.as_bytes().get(at)? {
                b')' => {
                    lx.pos += 1;
                    break;
                }
                b',' => {
                    lx.pos += 1;
                    continue;
                }
                b'"' => match lx.quoted(at).ok()?.tok {
                    Tok::Quoted(q) => q,
                    _ => return None,
                },
                b if CLASS[usize::from(b)] == PUNCT => return None,
                _ => {
                    // The state a row in order names here, compared in place.
                    let p = *self.parents.get(i)?;
                    let states = &self.vars[p].states;
                    let guess = next_row[i];
                    if self.plain[p]
                        && let Some((name, _)) = states.get(guess)
                        && lx.text.as_bytes()[at..].starts_with(name.as_bytes())
                        && ends_word(lx.text.as_bytes(), at + name.len())?
                    {
                        lx.pos = at + name.len();
                        r = r * states.len() + guess;
                        i += 1;
                        continue;
                    }
                    Cow::Borrowed(word(lx)?)
                }
            };
            let states = &self.vars[*self.parents.get(i)?].states;
            let s = states.iter().position(|(s, _)| *s == name)?;
            next_row[i] = s;
            r = r * states.len() + s;
            i += 1;
        }
        if i != self.parents.len() {
            return None;
        }
        // The next row in order: this one's states, the last parent's
        // moved on by one.
        for (d, &p) in self.parents.iter().enumerate().rev() {
            next_row[d] += 1;
            if next_row[d] < self.vars[p].states.len() {
                break;
            }
            next_row[d] = 0;
        }
        Some(r)
    }
}

/// Whether a row's probabilities sum to 1 within [`ROW_SUM_TOLERANCE`],
/// summed as the full reader sums them.
fn sums_to_one(row: &[f64]) -> bool {
    let sum: f64 = row.iter().sum();
    (sum - 1.0).abs() <= ROW_SUM_TOLERANCE
}

/// Skip whitespace and comments: ASCII spaces here, anything else (a
/// comment, Unicode whitespace) by the lexer.
fn skip(lx: &mut Lexer<'_>) -> Option<()> {
    let bytes = lx.text.as_bytes();
    let mut pos = lx.pos;
    while bytes
        .get(pos)
        .is_some_and(|&b| CLASS[usize::from(b)] == SPACE)
    {
        pos += 1;
    }
    lx.pos = pos;
    if bytes
        .get(pos)
        .is_some_and(|&b| matches!(CLASS[usize::from(b)], SLASH | NON_ASCII))
    {
        lx.skip().ok()?;
    }
    Some(())
}

/// Whether `name` is one word to the lexer wherever it stands (no space,
/// punctuation, `/` or non-ASCII character), so that the text spelling it
/// at a word's start, then ending the word, is that name.
fn plain_word(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| CLASS[usize::from(b)] == 0)
}

/// Whether a word ends before byte `at`: at whitespace, punctuation, a
/// comment or the end; `None` at a non-ASCII character (which only the
/// lexer can judge).
fn ends_word(bytes: &[u8], at: usize) -> Option<bool> {
    let Some(&b) = bytes.get(at) else {
        return Some(true);
    };
    match CLASS[usize::from(b)] {
        SPACE | PUNCT => Some(true),
        SLASH => Some(matches!(bytes.get(at + 1), Some(b'/' | b'*'))),
        NON_ASCII => None,
        _ => Some(false),
    }
}

/// The word at the lexer's position (which is neither space nor
/// punctuation), as the lexer would end it; `None` if it has a non-ASCII
/// character.
fn word<'a>(lx: &mut Lexer<'a>) -> Option<&'a str> {
    let bytes = lx.text.as_bytes();
    let at = lx.pos;
    let mut end = at;
    while !ends_word(bytes, end)? {
        end += 1;
    }
    lx.pos = end;
    lx.text.get(at..end)
}

/// The probability at the lexer's position, which starts a word: read in
/// place when it is a plain decimal, else as the whole word by
/// `str::parse`; `None` where it is no number in [0, 1].
fn probability(lx: &mut Lexer<'_>) -> Option<f64> {
    let bytes = lx.text.as_bytes();
    let x = match decimal::scan(bytes, lx.pos) {
        Some((x, end)) if ends_word(bytes, end)? => {
            lx.pos = end;
            x
        }
        _ => decimal::parse_f64(word(lx)?)?,
    };
    (0.0..=1.0).contains(&x).then_some(x)
}

/// Probabilities up to a `;` (commas optional), each handed to `put` with
/// its index; how many there were. `None` at anything else, at a number
/// outside [0, 1], or where `put` refuses one.
fn numbers(lx: &mut Lexer<'_>, mut put: impl FnMut(usize, f64) -> Option<()>) -> Option<usize> {
    let mut count = 0;
    loop {
        skip(lx)?;
        match *lx.text.as_bytes().get(lx.pos)? {
            b';' => {
                lx.pos += 1;
                return Some(count);
            }
            b',' => lx.pos += 1,
            b if CLASS[usize::from(b)] == PUNCT => return None,
            _ => {
                put(count, probability(lx)?)?;
                count += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{WriteOptions, parse_in_full, write};
    use super::*;
    use crate::network::graph::Network;
    use proptest::prelude::*;

    /// Everything a reader gives, the probabilities bit for bit.
    fn fingerprint(bif: &Bif) -> String {
        let mut out = format!("{:?} {:?} {:?}\n", bif.name, bif.evidence, bif.declared);
        for v in 0..bif.net.len() {
            let node = bif.net.node(v);
            let bits: Vec<u64> = node.cpt.iter().map(|x| x.to_bits()).collect();
            out += &format!(
                "{} {:?} {:?} {bits:?}\n",
                node.name, node.states, node.parents
            );
        }
        out
    }

    /// The fast path takes `text`, and reads it as the full reader does.
    fn taken(text: &str) {
        let fast = parse(text).unwrap_or_else(|| panic!("the fast path gave up on:\n{text}"));
        let full = parse_in_full(text).expect("the full reader reads it");
        assert_eq!(fingerprint(&fast), fingerprint(&full), "{text}");
    }

    /// The fast path leaves `text` to the full reader.
    fn left(text: &str) {
        assert!(parse(text).is_none(), "the fast path took:\n{text}");
    }

    const HEAD: &str = "network n { }\n\
        variable A { type discrete [ 2 ] { a1, a2 }; }\n\
        variable B { type discrete [ 3 ] { b1, b2, b3 }; property evidence = b2; }\n\
        variable C { type discrete [ 2 ] { c1, c2 }; }\n";

    #[test]
    fn takes_the_forms_writers_use() {
        let roots =
            "probability ( A ) { table 0.3, 0.7; }\nprobability ( B ) { table 0.2, 0.3, 0.5; }\n";
        for block in [
            // bnlearn's order, then shuffled, spaced and commented otherwise.
            "probability ( C | A, B ) {\n  (a1, b1) 0.1, 0.9;\n  (a1, b2) 0.2, 0.8;\n  (a1, b3) 0.3, 0.7;\n  (a2, b1) 0.4, 0.6;\n  (a2, b2) 0.5, 0.5;\n  (a2, b3) 0.6, 0.4;\n}\n",
            "probability ( C | A, B ) { (a2,b3) 0.6 0.4; (a1 b1) .1,,.9; (a1, b2) 2e-1, 8E-1 ; (a1, b3) 0.3, 0.7;\n (a2, b1) 0.4, 0.6; (a2, b2) 0.5, 0.5; };\n",
            "probability ( C | A, B ) { /* x */ (a1, b1) 0.1, 0.9; // y\n (\"a1\", b2) 0.2, 0.8; property p = \"q;\"; default 0.5, 0.5; }\n",
            "probability ( C | A, B ) { table 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4; }\n",
            "probability ( C | A, B ) { default 1.0, 0.0; }\n",
            "probability ( C A B ) { (a1, b1) 0.1, 0.9; default 0.10000000000000000000001, 0.9; }\n",
        ] {
            taken(&format!("{HEAD}{roots}{block}"));
            taken(&format!("{HEAD}{block}{roots}"));
        }
        // A block before a variable it does not name.
        taken(
            "variable A { type discrete [ 2 ] { x, y }; }\nprobability ( A ) { table 0.5, 0.5; }\n\
             variable B { type discrete [ 1 ] { z }; }\nprobability ( B | A ) { (x) 1; (y) 1.0; }\n",
        );
    }

    #[test]
    fn leaves_errors_and_rare_forms_to_the_full_reader() {
        let roots =
            "probability ( A ) { table 0.3, 0.7; }\nprobability ( B ) { table 0.2, 0.3, 0.5; }\n";
        for block in [
            "probability ( C | A, B ) { (a1, b1) 0.1, 0.9; }",
            "probability ( C | A, B ) { (A1, b1) 0.1, 0.9; default 0.5, 0.5; }",
            "probability ( c | A, B ) { default 0.5, 0.5; }",
            "probability ( C | A, B ) { (a1, b1) 0.1, 0.8; default 0.5, 0.5; }",
            "probability ( C | A, B ) { (a1, b1) 0.1, 0.9; (a1, b1) 0.1, 0.9; default 0.5, 0.5; }",
            "probability ( C | A, B ) { (a1) 0.1, 0.9; default 0.5, 0.5; }",
            "probability ( C | A, B ) { (a1, b1) 0.1, 0.9, 0.0; default 0.5, 0.5; }",
            "probability ( C | A, B ) { (a1, b1) 0.1, 0.9; table 0.5, 0.5; }",
            "probability ( C | A, B ) { default 0.5\u{a0}0.5; }",
            "probability ( C | A, B ) { default -0.5, 1.5; }",
            "probability ( C | A, B ) { default 0.5, 0.5; default 0.5, 0.5; }",
            "probability ( C | A, B ) { default 0.5, 0.5 }",
        ] {
            let text = format!("{HEAD}{roots}{block}");
            left(&text);
            assert_eq!(
                super::super::parse(&text).map(|b| fingerprint(&b)),
                parse_in_full(&text).map(|b| fingerprint(&b))
            );
        }
        left(&format!("{HEAD}{roots}"));
        left(&format!("{HEAD}probability ( D ) {{ table 1; }}\n"));
        left(
            "probability ( A ) { table 0.5, 0.5; }\nvariable A { type discrete [ 2 ] { x, y }; }\n",
        );
    }

    /// A network of `cards.len()` variables, each with some of the ones
    /// before it as parents, with probabilities that sum to 1.
    fn network(cards: &[usize], links: &[bool], weights: &[u32]) -> Network {
        let mut net = Network::new();
        let mut w = weights.iter().cycle();
        let mut link = links.iter().cycle();
        for (v, &card) in cards.iter().enumerate() {
            let parents: Vec<usize> = (0..v).filter(|_| *link.next().unwrap_or(&false)).collect();
            let rows: usize = parents.iter().map(|&p| cards[p]).product();
            let mut cpt = Vec::new();
            for _ in 0..rows {
                let row: Vec<f64> = (0..card)
                    .map(|_| f64::from(*w.next().unwrap_or(&1)))
                    .collect();
                let total: f64 = row.iter().sum();
                cpt.extend(row.iter().map(|x| x / total));
            }
            let states = (0..card).map(|s| format!("s{s}")).collect();
            net.add(format!("v{v}"), states, parents, cpt);
        }
        net
    }

    proptest! {
        #[test]
        fn written_networks_are_read_fast_and_alike(
            cards in proptest::collection::vec(1usize..5, 1..6),
            links in proptest::collection::vec(proptest::bool::weighted(0.4), 1..20),
            weights in proptest::collection::vec(1u32..1000, 1..50),
        ) {
            let net = network(&cards, &links, &weights);
            let text = write(&net, &WriteOptions::default());
            taken(&text);
            // Each block's rows in reverse order, spaces for commas.
            let mut changed = String::new();
            let mut rows: Vec<&str> = Vec::new();
            for line in text.lines() {
                if line.starts_with("  (") {
                    rows.push(line);
                    continue;
                }
                for row in rows.drain(..).rev() {
                    changed += &row.replace(", ", " ");
                    changed.push('\n');
                }
                changed += line;
                changed.push('\n');
            }
            taken(&changed);
        }
    }
}
