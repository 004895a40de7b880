//! The `explain` document: the arithmetic step by step, as tables.

use super::super::explain::{ChainView, ExplainView, ItemView, PairStepView};
use super::super::format::{
    INFINITE, four_decimals_or_scientific, interval, signed_four_decimals_or_scientific,
};
use super::{Cell, Doc, Line, Table, Tone, code, code_list, text, words};

/// How the source's pair was written, in words.
fn written(v: &PairStepView) -> String {
    let label = v
        .reliability_label
        .as_ref()
        .map_or_else(String::new, |l| format!(" \"{l}\""));
    match v.kind {
        "reliability" => {
            let mut s = match &v.reliability_label {
                Some(l) => format!("\"{l}\""),
                None => "a number".to_string(),
            };
            if let Some(i) = v.reliability_interval {
                s.push_str(&format!(", midpoint of {}", interval(i)));
            }
            if v.bias_default {
                s.push_str(", default bias");
            } else if let Some(i) = v.bias_interval {
                s.push_str(&format!(", bias midpoint of {}", interval(i)));
            }
            s
        }
        "latent" => format!(
            "uncertain{label} {}: latent, {} levels",
            v.reliability_interval.map_or_else(String::new, interval),
            v.levels.as_ref().map_or(0, Vec::len)
        ),
        _ => "hit and false alarm given".to_string(),
    }
}

fn pair_row(name: Cell, v: &PairStepView) -> Vec<Cell> {
    let opt =
        |x: Option<f64>| x.map_or_else(Cell::empty, |x| Cell::text(four_decimals_or_scientific(x)));
    vec![
        name,
        Cell::text(written(v)),
        opt(v.reliability),
        opt(v.bias),
        Cell::text(four_decimals_or_scientific(v.pair.hit)),
        Cell::text(four_decimals_or_scientific(v.pair.false_alarm)),
        Cell::text(four_decimals_or_scientific(v.pair.discrimination)),
    ]
}

fn chain(d: &mut Doc<'_>, ch: &ChainView) {
    let mut h: Line = vec![code(&ch.item), words(": ")];
    for (k, r) in ch.reports.iter().enumerate() {
        if k > 0 {
            h.push(words(" → "));
        }
        h.push(code(r));
    }
    d.h3(h);
    let mut tab = Table::plain(
        &[
            "Report",
            "Source",
            "Strength",
            "Own h",
            "Own f",
            "Chain h",
            "Chain f",
            "Chain h − f",
        ],
        &[2, 3, 4, 5, 6, 7],
    );
    if let Some(origin) = ch.reports.first() {
        tab.row(vec![
            Cell::code(origin),
            Cell::text("origin").tone(Tone::Muted),
            Cell::empty(),
            Cell::text(four_decimals_or_scientific(ch.origin.hit)),
            Cell::text(four_decimals_or_scientific(ch.origin.false_alarm)),
            Cell::text(four_decimals_or_scientific(ch.origin.hit)),
            Cell::text(four_decimals_or_scientific(ch.origin.false_alarm)),
            Cell::text(four_decimals_or_scientific(ch.origin.discrimination)),
        ]);
    }
    for l in &ch.links {
        tab.row(vec![
            Cell::code(&l.report),
            Cell::code(&l.source),
            Cell::text(four_decimals_or_scientific(l.strength)),
            Cell::text(four_decimals_or_scientific(l.own.hit)),
            Cell::text(four_decimals_or_scientific(l.own.false_alarm)),
            Cell::text(four_decimals_or_scientific(l.after.hit)),
            Cell::text(four_decimals_or_scientific(l.after.false_alarm)),
            Cell::text(four_decimals_or_scientific(l.after.discrimination)),
        ]);
    }
    d.table(tab);
}

fn item(d: &mut Doc<'_>, it: &ItemView) {
    d.h3(vec![code(&it.id), words(format!(": {}", it.claim))]);
    if !it.enabled {
        d.note(
            "Disabled: the model leaves this item out; the figures show what it would contribute.",
        );
    }
    if it.established {
        d.note("No reports: the item is taken as established (observed true), so P(reports | E) = 1, P(reports | not E) = 0, and P(item | h) = P(E | h).");
    } else {
        let mut tab = Table::plain(
            &[
                "Report",
                "Source",
                "Via",
                "Strength",
                "Report says",
                "h",
                "f",
            ],
            &[3, 5, 6],
        );
        for r in &it.reports {
            let says = match (r.observed, r.asserts) {
                (false, true) => "asserts (not in hand)",
                (false, false) => "denies (not in hand)",
                (true, true) => "asserts",
                (true, false) => "denies",
            };
            let pair = |x: f64| {
                if r.latent {
                    Cell::text(format!("{} (mean)", four_decimals_or_scientific(x)))
                } else {
                    Cell::text(four_decimals_or_scientific(x))
                }
            };
            tab.row(vec![
                Cell::code(&r.id),
                Cell::code(&r.source),
                r.via.as_ref().map_or_else(Cell::empty, Cell::code),
                r.strength
                    .map_or_else(Cell::empty, |s| Cell::text(four_decimals_or_scientific(s))),
                Cell::text(says).tone(if r.observed { Tone::Plain } else { Tone::Muted }),
                pair(r.hit),
                pair(r.false_alarm),
            ]);
        }
        d.table(tab);
        if it.reports.iter().any(|r| r.observed && !r.asserts) {
            d.note("A report that denies the claim has P(· | E) = 1 - h and P(· | not E) = 1 - f.");
        }
        let mut tab = Table::plain(
            &["Origin and its relays", "P(· | E)", "P(· | not E)"],
            &[1, 2],
        );
        for o in &it.origins {
            let mut line = Vec::new();
            for (k, r) in o.reports.iter().enumerate() {
                if k > 0 {
                    line.push(words(" → "));
                }
                line.push(code(r));
            }
            tab.row(vec![
                Cell::line(line),
                Cell::text(four_decimals_or_scientific(o.given_true)),
                Cell::text(four_decimals_or_scientific(o.given_false)),
            ]);
        }
        tab.start_summary();
        let how = if it.origins.len() > 1 && !it.origins_coupled {
            "all reports (independent origins multiply)"
        } else if it.origins_coupled {
            "all reports (origins share a latent reliability: averaged over its levels)"
        } else {
            "all reports"
        };
        tab.row(vec![
            Cell::text(how).tone(Tone::Leading),
            Cell::text(four_decimals_or_scientific(it.reports_given_true)).tone(Tone::Leading),
            Cell::text(four_decimals_or_scientific(it.reports_given_false)).tone(Tone::Leading),
        ]);
        d.table(tab);
        if !it.repeats.is_empty() {
            let mut line = text("A full relay of a report that is in hand adds nothing about E: ");
            for (k, r) in it.repeats.iter().enumerate() {
                if k > 0 {
                    line.push(words(", "));
                }
                line.extend([code(&r.report), words(" repeats "), code(&r.repeats)]);
            }
            line.push(words("."));
            d.note_line(line);
        }
        if !it.latent_sources.is_empty() {
            let mut line = text("Reports of ");
            line.extend(code_list(&it.latent_sources));
            line.push(words(
                " use a shared latent reliability: these figures average over its levels (step 1).",
            ));
            d.note_line(line);
        }
    }
    let mut tab = Table::plain(
        &[
            "h",
            "P(E | h)",
            "P(reports | h)",
            "P(reports | not h)",
            "Ratio",
            "dB",
        ],
        &[1, 2, 3, 4, 5],
    );
    for h in &it.hypotheses {
        let ratio = match (h.likelihood_ratio, h.reports == 0.0) {
            (Some(r), _) => four_decimals_or_scientific(r),
            (None, true) if h.reports_not == 0.0 => "n/a".to_string(),
            (None, true) => "0".to_string(),
            (None, false) => INFINITE.to_string(),
        };
        let db = match h.woe_db {
            Some(x) => Cell::text(signed_four_decimals_or_scientific(x)).tone(Tone::Woe(Some(x))),
            None if h.reports == 0.0 => {
                Cell::text(format!("-{INFINITE} (ruled out)")).tone(Tone::Woe(None))
            }
            None => Cell::text(format!("+{INFINITE} (rules the rest out)")).tone(Tone::Woe(None)),
        };
        tab.row(vec![
            Cell::code(&h.id),
            Cell::text(four_decimals_or_scientific(h.likelihood)),
            Cell::text(four_decimals_or_scientific(h.reports)),
            Cell::text(four_decimals_or_scientific(h.reports_not)),
            Cell::text(ratio),
            db,
        ]);
    }
    d.table(tab);
}

/// The explain view laid out as a document.
pub fn explain(view: &ExplainView) -> Doc<'_> {
    let mut d = Doc::new(&view.model, "explain", "The arithmetic, step by step");
    if let Some(i) = &view.item {
        d.para(vec![words("The arithmetic for item "), code(i), words(".")]);
    }
    d.h2("Hypotheses and priors");
    let mut tab = Table::plain(&["Hypothesis", "Prior"], &[1]);
    for h in &view.hypotheses {
        tab.row(vec![
            Cell::code(&h.id).with_subline(&h.title),
            Cell::text(four_decimals_or_scientific(h.prior)),
        ]);
    }
    d.table(tab);

    d.h2("Step 1. Each source's hit rate and false-alarm rate");
    d.note("h = P(the source asserts the claim | it is true), f = P(it asserts it | it is false). With probability r (its reliability) the source reports accurately; otherwise it asserts the claim with probability b (its bias). So");
    d.formula("h = r + (1 - r) b,   f = (1 - r) b,   h - f = r (its discriminating power)");
    let header = ["Source", "Written as", "r", "b", "h", "f", "h − f"];
    let right = [2, 3, 4, 5, 6];
    if view.sources.is_empty() {
        d.para(text("No sources: every item is given."));
    } else {
        let mut tab = Table::plain(&header, &right);
        for s in &view.sources {
            tab.row(pair_row(Cell::code(&s.source), s));
        }
        d.table(tab);
    }
    if !view.report_overrides.is_empty() {
        d.note("Reports whose own reliability or bias overrides their source's:");
        let mut tab = Table::plain(&header, &right);
        for o in &view.report_overrides {
            let name = Cell::line(vec![
                words("report "),
                code(o.report.clone().unwrap_or_default()),
                words(" of "),
                code(o.item.clone().unwrap_or_default()),
                words(" ("),
                code(&o.source),
                words(")"),
            ]);
            tab.row(pair_row(name, o));
        }
        d.table(tab);
    }
    for s in view.sources.iter().chain(&view.report_overrides) {
        let (Some(levels), Some(pairs)) = (&s.levels, &s.level_pairs) else {
            continue;
        };
        d.h3(vec![code(&s.source), words(": latent reliability levels")]);
        d.note(format!(
            "A latent node shared by all its reports: {} equally likely levels of r, each with its own h = r + (1 - r) b and f = (1 - r) b.",
            levels.len()
        ));
        let mut tab = Table::plain(&["Level", "r", "h", "f"], &[0, 1, 2, 3]);
        for (k, (r, p)) in levels.iter().zip(pairs).enumerate() {
            tab.row(vec![
                Cell::text((k + 1).to_string()),
                Cell::text(four_decimals_or_scientific(*r)),
                Cell::text(four_decimals_or_scientific(p.hit)),
                Cell::text(four_decimals_or_scientific(p.false_alarm)),
            ]);
        }
        d.table(tab);
    }

    d.h2("Step 2. How relays attenuate");
    d.note("A relay reports what it heard, not the event. A pure relay chain with (h1, f1) then (h2, f2) has");
    d.formula("h = h2 h1 + f2 (1 - h1),   f = h2 f1 + f2 (1 - f1),   h - f = (h2 - f2)(h1 - f1)");
    d.note("Discriminating power multiplies, so it only shrinks along a chain. A partial relay of strength s relays with weight s and reports the event directly with weight 1 - s:");
    d.formula(
        "h = s [h2 h1 + f2 (1 - h1)] + (1 - s) h2,   f = s [h2 f1 + f2 (1 - f1)] + (1 - s) f2",
    );
    if view.chains.is_empty() {
        d.para(text("No relay chains: every report is first-hand."));
    }
    for ch in &view.chains {
        chain(&mut d, ch);
    }

    d.h2("Step 3. Each item's likelihood under each hypothesis");
    d.note("E is the item's claim. Its reports depend on the hypothesis only through E, so");
    d.formula("P(reports | h) = P(E | h) P(reports | E) + (1 - P(E | h)) P(reports | not E)");
    d.note(if view.hypotheses.len() == 2 {
        "\"not h\" is the other hypothesis. The likelihood ratio is P(reports | h) / P(reports | not h); its weight of evidence is 10 log10 of the ratio, in decibans (dB)."
    } else {
        "\"not h\" is the other hypotheses weighted by prior. The likelihood ratio is P(reports | h) / P(reports | not h); its weight of evidence is 10 log10 of the ratio, in decibans (dB)."
    });
    for it in &view.items {
        item(&mut d, it);
    }
    if !view.disabled.is_empty() {
        let mut line = text("Disabled, left out: ");
        line.extend(code_list(&view.disabled));
        d.note_line(line);
    }

    if let Some(r) = &view.running {
        d.h2("Step 4. The running posterior");
        d.note("Start from the priors; after each item (model order), multiply by its P(reports | h) and divide by the sum.");
        let mut header = vec![text("After item")];
        header.extend(view.hypotheses.iter().map(|h| vec![code(&h.id)]));
        let k = view.hypotheses.len();
        let mut tab = Table::new(header, &(1..=k).collect::<Vec<_>>());
        let row = |label: Cell, p: &[f64]| {
            let mut row = vec![label];
            row.extend(
                p.iter()
                    .map(|x| Cell::text(four_decimals_or_scientific(*x))),
            );
            row
        };
        tab.row(row(Cell::text("(priors)").tone(Tone::Muted), &r.priors));
        for x in &r.rows {
            tab.row(row(Cell::code(&x.item), &x.posterior));
        }
        tab.start_summary();
        tab.row(
            row(Cell::text("exact (analyse)").tone(Tone::Leading), &r.exact)
                .into_iter()
                .map(|c| {
                    if c.tone == Tone::Plain {
                        c.tone(Tone::Leading)
                    } else {
                        c
                    }
                })
                .collect(),
        );
        d.table(tab);
        if r.approximate {
            let mut line = text("Approximation: ");
            line.extend(code_list(&r.shared_latent));
            line.push(words(format!(
                " share a latent reliability across items, and the running product treats each item as if it had its own. The exact posterior (the last row) lets what one item says of a source's reliability inform every other item it reports; it differs from the last running row by up to {}.",
                four_decimals_or_scientific(r.difference)
            )));
            d.note_line(line);
        } else if r.difference < 1e-9 {
            d.note("No latent reliability is shared between items, so the running product is exact: its last row is the exact posterior (difference below 1e-9).");
        } else {
            d.note(format!(
                "The last running row differs from the exact posterior by {}.",
                four_decimals_or_scientific(r.difference)
            ));
        }
    }

    if let Some(f) = &view.focus {
        d.h2("Effect on the posterior");
        d.para(vec![
            words("The effect of item "),
            code(&f.item),
            words("."),
        ]);
        if !f.enabled {
            d.note("The item is disabled, so it has no effect on the posterior below.");
        }
        let mut header = vec!["Hypothesis", "Prior"];
        if f.without.is_some() {
            header.push("Without the item");
        }
        header.extend(["With every item", "Effect"]);
        let right: Vec<usize> = (1..header.len()).collect();
        let mut tab = Table::plain(&header, &right);
        for (h, hyp) in view.hypotheses.iter().enumerate() {
            let get = |v: &[f64]| {
                v.get(h)
                    .map_or_else(|| "n/a".to_string(), |x| four_decimals_or_scientific(*x))
            };
            let mut row = vec![Cell::code(&hyp.id), Cell::text(get(&f.prior))];
            if let Some(w) = &f.without {
                row.push(Cell::text(get(w)));
            }
            row.push(Cell::text(get(&f.with)).tone(Tone::Leading));
            row.push(Cell::text(
                f.effect.as_ref().and_then(|e| e.get(h)).map_or_else(
                    || "n/a".to_string(),
                    |x| signed_four_decimals_or_scientific(*x),
                ),
            ));
            tab.row(row);
        }
        d.table(tab);
    }
    d
}

impl super::super::View for ExplainView {
    fn document(&self) -> Doc<'_> {
        explain(self)
    }
}
