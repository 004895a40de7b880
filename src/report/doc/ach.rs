//! The `ach` document: Heuer's matrix beside the Bayesian ranking, and where
//! they disagree, why.

use super::super::ach::{AchView, ContributionView};
use super::super::format::{count_of, four_decimals, signed_four_decimals_or_scientific};
use super::{Cell, Doc, Line, Table, Tone, code, code_list, text, words};

fn part(label: Line, contribution: &ContributionView) -> Option<(Line, &ContributionView)> {
    (!contribution.items.is_empty()).then_some((label, contribution))
}

/// The ACH view laid out as a document.
pub fn ach(view: &AchView) -> Doc<'_> {
    let mut d = Doc::new(&view.model, "ach", "Analysis of Competing Hypotheses");
    let n = view.hypotheses.len();

    d.h2("ACH matrix");
    d.note("Items by hypotheses, most diagnostic item first (Heuer).");
    let mut header = vec![text("Item")];
    header.extend(view.hypotheses.iter().map(|h| vec![code(&h.id)]));
    header.extend(["Rated by", "Credibility", "Grade", "Origins", "Relevance"].map(text));
    let right: Vec<usize> = (n + 2..n + 6).collect();
    let mut tab = Table::new(header, &right);
    for r in &view.rows {
        let mut first = Cell::code(&r.id).with_subline(&r.claim);
        if r.denied {
            first.main.push(words(" (denied)"));
        }
        let mut row = vec![first];
        row.extend(
            r.ratings
                .iter()
                .zip(&r.written)
                .map(|(rating, written)| Cell::text(*rating).tone(Tone::Ach(rating, *written))),
        );
        let written = r.written.iter().filter(|w| **w).count();
        row.push(Cell::text(match written {
            0 => "derived",
            w if w == r.written.len() => "model",
            _ => "mixed",
        }));
        row.push(Cell::text(four_decimals(r.credibility)));
        row.push(r.grade.map_or_else(
            || Cell::text("n/a").tone(Tone::Muted),
            |g| Cell::text(g.to_string()),
        ));
        row.push(if r.best_discrimination.is_some() {
            Cell::text(r.origins.to_string())
        } else {
            Cell::text("given").tone(Tone::Muted)
        });
        row.push(Cell::text(four_decimals(r.relevance)));
        tab.row(row);
    }
    tab.start_summary();
    let mut score = vec![Cell::text("Inconsistency (I = 1, II = 2)").tone(Tone::Leading)];
    score.extend(
        view.hypotheses
            .iter()
            .map(|h| Cell::text(h.inconsistency.to_string()).tone(Tone::Leading)),
    );
    score.extend((0..5).map(|_| Cell::empty()));
    tab.row(score);
    let mut weighted = vec![Cell::text("Weighted (× credibility × relevance)")];
    weighted.extend(
        view.hypotheses
            .iter()
            .map(|h| Cell::text(four_decimals(h.weighted_inconsistency))),
    );
    weighted.extend((0..5).map(|_| Cell::empty()));
    tab.row(weighted);
    d.table(tab);
    if !view.disabled.is_empty() {
        let mut line = text("Disabled, not in the matrix: ");
        line.extend(code_list(&view.disabled));
        d.note_line(line);
    }
    d.note(format!(
        "CC very consistent, C consistent, N neutral, I inconsistent, II very inconsistent. Rated by: model = as the model wrote it; derived = from the likelihood ratio of h against the mean of the other hypotheses: N below {} dB, C/I from {} dB, CC/II from {} dB. (denied): the reports on balance deny the claim, so the row rates its negation. Credibility = 1 - min/max of P(reports | E) and P(reports | not E). Grade: the information's Admiralty credibility grade (1 confirmed by other sources to 6 cannot be judged), as in the report. Relevance = 1 - min/max of the row's likelihoods over hypotheses. Weighted score: each I or II times credibility × relevance.",
        view.thresholds.neutral_db, view.thresholds.neutral_db, view.thresholds.strong_db
    ));

    d.h2("ACH ranking beside the Bayesian ranking");
    let mut tab = Table::plain(
        &[
            "Hypothesis",
            "Inconsistency",
            "ACH rank",
            "Weighted",
            "Weighted rank",
            "Prior",
            "Posterior",
            "Bayes rank",
        ],
        &[1, 2, 3, 4, 5, 6, 7],
    );
    for h in &view.hypotheses {
        let tone = |lead: bool| if lead { Tone::Leading } else { Tone::Plain };
        tab.row(vec![
            Cell::code(&h.id).with_subline(&h.title),
            Cell::text(h.inconsistency.to_string()),
            Cell::text(h.ach_rank.to_string()).tone(tone(h.ach_rank == 1)),
            Cell::text(four_decimals(h.weighted_inconsistency)),
            Cell::text(h.weighted_rank.to_string()),
            Cell::text(four_decimals(h.prior)),
            Cell::text(four_decimals(h.posterior)),
            Cell::text(h.bayes_rank.to_string()).tone(tone(h.bayes_rank == 1)),
        ]);
    }
    d.table(tab);
    let mut line = text("ACH favours ");
    line.extend(code_list(&view.ach_leading));
    line.push(words(" (fewest inconsistencies); Bayes favours "));
    line.extend(code_list(&view.bayes_leading));
    line.push(words(" (highest posterior)."));
    d.para(line);

    if view.rankings_agree {
        d.h2("The rankings agree");
        d.para(text(
            "No hypothesis with fewer inconsistencies has a lower posterior.",
        ));
    } else {
        d.h2("Where the rankings disagree, and why");
        for x in &view.disagreements {
            d.h3(vec![
                code(&x.ach_prefers),
                words(" (ACH) against "),
                code(&x.bayes_prefers),
                words(" (Bayes)"),
            ]);
            let mut lines = x.explanation.iter();
            if let Some(first) = lines.next() {
                d.para(text(first));
            }
            d.note_line(vec![
                words("In decibans (10 log10 of the odds), "),
                code(&x.bayes_prefers),
                words(" over "),
                code(&x.ach_prefers),
                words(":"),
            ]);
            // Every infinite figure here favours the Bayes choice: the ACH
            // choice has posterior 0 once something rules it out.
            let db = |v: Option<f64>| {
                v.map_or_else(|| "+inf".to_string(), signed_four_decimals_or_scientific)
            };
            let mut tab = Table::plain(&["Part", "dB", "Items"], &[1]);
            tab.row(vec![
                Cell::text("prior odds (ACH ignores them)"),
                Cell::text(db(x.prior_odds_db)),
                Cell::empty(),
            ]);
            let parts = [
                part(
                    text("neither inconsistent (ACH sees no difference)"),
                    &x.neither_inconsistent,
                ),
                part(
                    vec![words("only "), code(&x.ach_prefers), words(" inconsistent")],
                    &x.only_ach_choice_inconsistent,
                ),
                part(
                    vec![
                        words("only "),
                        code(&x.bayes_prefers),
                        words(" inconsistent"),
                    ],
                    &x.only_bayes_choice_inconsistent,
                ),
                part(text("both inconsistent"), &x.both_inconsistent),
            ];
            for (label, cv) in parts.into_iter().flatten() {
                let mut l = text(format!(
                    "{}: ",
                    count_of(cv.items.len() as u64, "item", "items")
                ));
                l.extend(label);
                tab.row(vec![
                    Cell::line(l),
                    Cell::text(db(cv.db)),
                    Cell::line(code_list(&cv.items)),
                ]);
            }
            if x.shared_reliability_db != 0.0 {
                tab.row(vec![
                    Cell::text("shared uncertain sources"),
                    Cell::text(signed_four_decimals_or_scientific(x.shared_reliability_db)),
                    Cell::empty(),
                ]);
            }
            tab.start_summary();
            tab.row(vec![
                Cell::text("posterior odds").tone(Tone::Leading),
                Cell::text(db(x.posterior_odds_db)).tone(Tone::Leading),
                Cell::empty(),
            ]);
            d.table(tab);
            d.list(lines.map(text).collect());
        }
    }

    d.h2("Teaching note");
    d.para(text(&view.teaching_note));
    d
}

impl super::super::View for AchView {
    fn document(&self) -> Doc<'_> {
        ach(self)
    }
}
