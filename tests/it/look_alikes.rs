//! Different ids that look alike (issue 16): the same text in another
//! Unicode normalization (NFC `café` and NFD `cafe` + U+0301), or
//! confusable letters (Cyrillic `а` for Latin `a`, Greek `ο` for `o`). Two
//! such ids of one kind get a warning at the second one's line and column,
//! pointing at the first, spelling out the code points of both; ASCII
//! pairs (`h1` and `hl`) are ordinary ids. Found through a map from skeleton
//! to first id, so a large model with many look-alikes is checked in linear
//! time. (Unknown ids that look like known ones: tests/bad_models/look_alike_*.)

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use credence::diag::{Diagnostic, Severity, line_col};
use credence::model;

/// A valid model with a look-alike pair `first`, `second` among the ids of
/// `kind`; the second id's line is the returned line.
fn model_with_pair(kind: &str, first: &str, second: &str) -> (String, usize) {
    let mut t = String::from("[model]\ntitle = \"Look-alikes\"\n\n");
    let hypotheses: Vec<&str> = match kind {
        "hypotheses" => vec![first, second],
        _ => vec!["a", "b"],
    };
    for h in &hypotheses {
        let _ = write!(t, "[[hypotheses]]\nid = \"{h}\"\ntitle = \"H\"\n\n");
    }
    let sources: Vec<&str> = match kind {
        "sources" => vec![first, second],
        _ => vec!["s"],
    };
    for s in &sources {
        let _ = write!(
            t,
            "[[sources]]\nid = \"{s}\"\ntitle = \"S\"\nreliability = 0.8\n\n"
        );
    }
    let items: Vec<&str> = match kind {
        "evidence" => vec![first, second],
        _ => vec!["e"],
    };
    let likelihood: Vec<String> = hypotheses
        .iter()
        .enumerate()
        .map(|(j, h)| format!("\"{h}\" = 0.{}", j + 3))
        .collect();
    for (n, i) in items.iter().enumerate() {
        let source = sources[n % sources.len()];
        let _ = write!(
            t,
            "[[evidence]]\nid = \"{i}\"\nclaim = \"c\"\nlikelihood = {{ {} }}\nreports = [{{ source = \"{source}\" }}]\n\n",
            likelihood.join(", ")
        );
    }
    if kind == "scenarios" {
        for s in [first, second] {
            let _ = write!(
                t,
                "[[scenarios]]\nid = \"{s}\"\ntitle = \"S\"\nsources.\"{}\".reliability = 0.5\n\n",
                sources[0]
            );
        }
    }
    let needle = format!("id = \"{second}\"");
    let at = t.find(&needle).expect("second id written");
    let line = t[..at].matches('\n').count() + 1;
    (t, line)
}

fn warnings(text: &str) -> Vec<Diagnostic> {
    let checked = model::check_text("look.toml", text, model::no_documents);
    assert!(
        checked.model.is_some(),
        "invalid: {:?}",
        checked.errors().next()
    );
    checked
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Warning && d.message.contains("reads like the"))
        .collect()
}

/// (kind, first id, second id, why, the code points of the second, of the
/// first).
const CASES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "hypotheses",
        "caf\u{e9}",
        "cafe\u{301}",
        "the same text in another Unicode normalization",
        "U+0063 U+0061 U+0066 U+0065 U+0301",
        "U+0063 U+0061 U+0066 U+00E9",
    ),
    (
        "hypotheses",
        "a",
        "\u{430}",
        "look-alike characters",
        "U+0430",
        "U+0061",
    ),
    (
        "sources",
        "wsj",
        "w\u{455}j",
        "look-alike characters",
        "U+0077 U+0455 U+006A",
        "U+0077 U+0073 U+006A",
    ),
    (
        "sources",
        "\u{3bf}pen",
        "open",
        "look-alike characters",
        "U+006F U+0070 U+0065 U+006E",
        "U+03BF U+0070 U+0065 U+006E",
    ),
    (
        "evidence",
        "r\u{e9}sum\u{e9}",
        "re\u{301}sume\u{301}",
        "the same text in another Unicode normalization",
        "U+0072 U+0065 U+0301 U+0073 U+0075 U+006D U+0065 U+0301",
        "U+0072 U+00E9 U+0073 U+0075 U+006D U+00E9",
    ),
    (
        "scenarios",
        "ceasefire",
        "c\u{435}asefire",
        "look-alike characters",
        "U+0063 U+0435 U+0061 U+0073 U+0065 U+0066 U+0069 U+0072 U+0065",
        "U+0063 U+0065 U+0061 U+0073 U+0065 U+0066 U+0069 U+0072 U+0065",
    ),
];

#[test]
fn a_look_alike_pair_is_warned_about_at_the_second_pointing_at_the_first() {
    for (kind, first, second, why, second_points, first_points) in CASES {
        let (text, line) = model_with_pair(kind, first, second);
        let found = warnings(&text);
        let [d] = found.as_slice() else {
            panic!("{kind} {first:?} {second:?}: {found:#?}");
        };
        let span = d.span.clone().expect("placed");
        assert_eq!(line_col(&text, span.start), (line, 6), "{kind} {second:?}");
        assert!(
            d.message
                .contains(&format!("({why}): {second_points} vs {first_points}")),
            "{kind}: {}",
            d.message
        );
        let [(related, _)] = d.related.as_slice() else {
            panic!("{kind}: no pointer to the first: {d:?}");
        };
        assert_eq!(&text[related.clone()], format!("\"{first}\""), "{kind}");
    }
}

#[test]
fn ascii_look_alikes_and_unlike_ids_are_ordinary() {
    for (first, second) in [("h1", "hl"), ("rn", "m"), ("O", "0"), ("caf\u{e9}", "cafe")] {
        let (text, _) = model_with_pair("hypotheses", first, second);
        assert!(warnings(&text).is_empty(), "{first:?} {second:?}");
    }
}

#[test]
fn many_look_alikes_are_found_in_linear_time() {
    // 40,000 items, half of them a Cyrillic `е` twin of an ASCII one: a
    // comparison of every pair would be 800 million skeleton comparisons.
    let n = 20_000;
    let mut t = String::from(
        "[model]\ntitle = \"Many\"\n\n[[hypotheses]]\nid = \"a\"\ntitle = \"A\"\n\n\
         [[hypotheses]]\nid = \"b\"\ntitle = \"B\"\n\n",
    );
    for i in 0..n {
        for e in ["e", "\u{435}"] {
            let _ = write!(
                t,
                "[[evidence]]\nid = \"{e}{i}\"\nclaim = \"c\"\nlikelihood = {{ a = 0.6, b = 0.4 }}\n\n"
            );
        }
    }
    let start = Instant::now();
    let found = warnings(&t);
    let took = start.elapsed();
    assert_eq!(found.len(), n);
    assert!(took < Duration::from_secs(20), "{took:?}");
}
