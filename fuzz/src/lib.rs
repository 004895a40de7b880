//! Shared code of the fuzz targets: the pipeline every input goes through
//! (load, validate, compile, infer, report) with the invariants it must keep,
//! and the structured-but-wrong model generator of the `structured` target.

pub mod structured;

use credence::diag::{self, Diagnostic};
use credence::model::{self, Model};
use credence::{analysis, report};

/// Drive one model file through every stage, panicking on any broken
/// invariant (libFuzzer records a panic as a crash).
pub fn pipeline(name: &str, bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        same_in_blocks(name, text);
    }
    let (file, checked) = model::check_bytes(name, bytes, model::no_documents);
    check_spans(&file.text, bytes, &checked.diagnostics);
    // Rendering slices the text at every span: it must never panic.
    let rendered = diag::render_plain(&file, &checked.diagnostics);
    assert!(checked.diagnostics.is_empty() || !rendered.is_empty());
    let has_error = checked.errors().next().is_some();
    let Some(m) = checked.model else {
        assert!(has_error, "an invalid model must carry at least one error");
        return;
    };
    assert!(!has_error, "a valid model carries no error");
    run_model(&m);
    for scenario in &m.scenarios {
        let overrides: Vec<_> = scenario.overrides.iter().map(|(_, o)| o.clone()).collect();
        run_model(&model::overrides::apply(&m, &overrides));
    }
}

/// Large files are parsed one `[[evidence]]` block at a time; wherever that
/// way does not decline a file, it must give exactly what parsing the whole
/// file gives: the same diagnostics (spans included) and the same model.
fn same_in_blocks(name: &str, text: &str) {
    let whole = model::check_text_as(name, text, model::no_documents, model::Parsing::Whole)
        .expect("whole-file parsing never declines");
    let Some(blocks) =
        model::check_text_as(name, text, model::no_documents, model::Parsing::Chunked)
    else {
        return;
    };
    assert_eq!(whole.diagnostics, blocks.diagnostics, "diagnostics differ");
    assert_eq!(
        format!("{:?}", whole.model),
        format!("{:?}", blocks.model),
        "models differ"
    );
}

/// Every span lies inside the text (the text is the whole input when it is
/// valid UTF-8).
fn check_spans(text: &str, bytes: &[u8], diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let spans = d.span.iter().chain(d.related.iter().map(|(s, _)| s));
        for s in spans {
            assert!(
                s.start <= s.end && s.end <= text.len(),
                "span {s:?} outside a text of {} bytes (input {} bytes): {}",
                text.len(),
                bytes.len(),
                d.message
            );
        }
    }
}

fn run_model(m: &Model) {
    let Ok(a) = analysis::analyse(m) else {
        // Impossible evidence or a network over budget: a clean refusal.
        return;
    };
    let sum: f64 = a.hypotheses.iter().map(|h| h.posterior).sum();
    for h in &a.hypotheses {
        assert!(
            h.posterior.is_finite() && (0.0..=1.0).contains(&h.posterior),
            "posterior {} out of [0, 1]",
            h.posterior
        );
    }
    assert!((sum - 1.0).abs() < 1e-6, "posteriors sum to {sum}");
    for r in &a.reliability {
        let s: f64 = r.posterior.iter().sum();
        assert!((s - 1.0).abs() < 1e-6, "learned reliability sums to {s}");
    }
    let view = report::build(m, &a);
    let mut text = Vec::new();
    report::write(&view, report::Format::Text, false, &mut text).expect("text report into a Vec");
    let mut json = Vec::new();
    report::write(&view, report::Format::Json, false, &mut json).expect("JSON report into a Vec");
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&json) {
        panic!("the JSON report does not parse: {e}");
    }
}

/// A BIF file through the parser and, when it parses, exact inference on a
/// few of its nodes with the file's evidence: a parse error has its position
/// inside the text, a posterior is finite and sums to 1, and no input makes
/// the parser or the inference allocate past its budget (libFuzzer's RSS
/// limit catches that).
pub fn bif(bytes: &[u8]) {
    use credence::network::{self, bif};
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let parsed = match bif::parse(text) {
        Ok(parsed) => parsed,
        Err(e) => {
            assert!(e.offset <= text.len(), "error offset past the text");
            assert!(e.line >= 1 && e.column >= 1);
            return;
        }
    };
    let net = &parsed.net;
    for target in 0..net.len().min(3) {
        match network::posterior(net, &parsed.evidence, target) {
            Ok(m) => {
                let sum: f64 = m.probs.iter().sum();
                assert!(
                    m.probs.iter().all(|p| p.is_finite() && *p >= 0.0),
                    "{:?}",
                    m.probs
                );
                assert!((sum - 1.0).abs() < 1e-6, "posterior sums to {sum}");
            }
            Err(_) => return,
        }
    }
    // What credence writes, it reads back.
    let written = bif::write(net, &bif::WriteOptions::default());
    if let Err(e) = bif::parse(&written) {
        panic!("credence's own BIF does not parse: {}", e.message);
    }
}

/// The model `set_path` overrides: every root an override path can start
/// with, ids with dots and non-ASCII letters, latent and point reliabilities,
/// relays, a dependency and a scenario.
const SET_MODEL: &str = include_str!("set_model.toml");

/// One `--set` argument on [`SET_MODEL`]: parsed (errors point inside the
/// argument), applied, analysed (posteriors finite, summing to 1).
pub fn set_path(arg: &str) {
    let (_, checked) = model::check_bytes("set.toml", SET_MODEL.as_bytes(), model::no_documents);
    let m = checked.model.expect("the set_path model is valid");
    match model::overrides::parse_assignment(&m, arg) {
        Ok((_, o)) => run_model(&model::overrides::apply(&m, &[o])),
        Err((file, diagnostics)) => {
            assert!(!diagnostics.is_empty(), "a refused --set without an error");
            check_spans(&file.text, arg.as_bytes(), &diagnostics);
            let _ = diag::render_plain(&file, &diagnostics);
        }
    }
}
