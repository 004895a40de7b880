//! `credence check` lints: several items resting on one origin whose source
//! has a point reliability (independent confirmations of one story).

use credence::diag::{Severity, line_col};
use credence::model::{check_text, no_documents};

/// Two items relayed from one newspaper, which relies on one insider of
/// point reliability; a third item with its own source.
const ONE_STORY: &str = r#"[model]
title = "one story"

[[hypotheses]]
id = "a"
title = "A"

[[hypotheses]]
id = "b"
title = "B"

[[sources]]
id = "insider"
title = "An insider"
reliability = 0.6

[[sources]]
id = "paper"
title = "A newspaper"
reliability = "B"

[[sources]]
id = "other"
title = "Someone else"
reliability = "C"

[[evidence]]
id = "first"
claim = "One thing"
likelihood = { a = 0.8, b = 0.3 }
reports = [
  { id = "tip", source = "insider", observed = false },
  { source = "paper", via = "tip" },
]

[[evidence]]
id = "second"
claim = "Another thing"
likelihood = { a = 0.7, b = 0.4 }
reports = [
  { id = "tip", source = "insider", observed = false },
  { source = "paper", via = "tip" },
]

[[evidence]]
id = "third"
claim = "A third thing"
likelihood = { a = 0.6, b = 0.5 }
reports = [ { source = "other" } ]
"#;

fn one_origin_notes(text: &str) -> Vec<credence::diag::Diagnostic> {
    let checked = check_text("m.toml", text, no_documents);
    assert!(checked.model.is_some(), "{:?}", checked.diagnostics);
    checked
        .diagnostics
        .into_iter()
        .filter(|d| d.message.contains("rest on one origin"))
        .collect()
}

#[test]
fn items_resting_on_one_point_reliability_origin_are_named_with_the_origin() {
    let notes = one_origin_notes(ONE_STORY);
    assert_eq!(notes.len(), 1, "{notes:?}");
    let d = &notes[0];
    assert_eq!(d.severity, Severity::Note);
    assert!(d.message.contains("source `insider`"), "{}", d.message);
    assert!(d.message.contains("`first`") && d.message.contains("`second`"));
    assert!(!d.message.contains("`third`"));
    // At the origin's [[sources]] line, with each item as a related place.
    let span = d.span.clone().expect("located");
    let at = ONE_STORY.find("[[sources]]\nid = \"insider\"").unwrap();
    assert_eq!(line_col(ONE_STORY, span.start), line_col(ONE_STORY, at));
    assert_eq!(d.related.len(), 2);
    let first = ONE_STORY.find("[[evidence]]\nid = \"first\"").unwrap();
    assert_eq!(
        line_col(ONE_STORY, d.related[0].0.start),
        line_col(ONE_STORY, first)
    );
    assert!(
        d.hints
            .iter()
            .any(|h| h.contains("uncertain reliability") && h.contains("merge"))
    );
}

#[test]
fn an_uncertain_reliability_or_a_second_origin_silences_it() {
    // A shared latent reliability ties the items together.
    let latent = ONE_STORY.replace("reliability = 0.6", "reliability = [0.4, 0.8]");
    assert!(one_origin_notes(&latent).is_empty());
    // An independent second origin in one of the items leaves one item
    // resting on the insider alone: not several.
    let second = ONE_STORY.replacen(
        "  { source = \"paper\", via = \"tip\" },\n]",
        "  { source = \"paper\", via = \"tip\" },\n  { source = \"other\" },\n]",
        1,
    );
    assert!(one_origin_notes(&second).is_empty());
    // A disabled item does not count.
    let disabled = ONE_STORY.replace(
        "id = \"second\"\nclaim",
        "id = \"second\"\nenabled = false\nclaim",
    );
    assert!(one_origin_notes(&disabled).is_empty());
}

#[test]
fn check_prints_it_and_still_succeeds() {
    crate::cli::credence()
        .args(["check", "models/curveball.toml"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "rest on one origin, source `curveball`",
        ));
}
