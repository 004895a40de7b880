//! Input that was accepted or misdescribed (issue 16): a quoted number, an
//! ACH rating as a prior, `--set` with NaN, ids holding dots.

use credence::model::{self, Model, overrides};

const DOTTED: &str = r#"[model]
title = "Dotted ids"

[[hypotheses]]
id = "a"
title = "A"

[[hypotheses]]
id = "b"
title = "B"

[[sources]]
id = "a.b"
title = "Dotted"
reliability = 0.7

[[evidence]]
id = "e.1"
claim = "c"
likelihood = { a = 0.8, b = 0.3 }
reports = [{ source = "a.b" }]
"#;

fn dotted() -> Model {
    model::check_text("dotted.toml", DOTTED, model::no_documents)
        .model
        .expect("valid")
}

fn refused(m: &Model, arg: &str) -> (String, String) {
    match overrides::parse_assignment(m, arg) {
        Ok(_) => panic!("{arg} accepted"),
        Err((file, diagnostics)) => (
            diagnostics[0].message.clone(),
            credence::diag::render_plain(&file, &diagnostics),
        ),
    }
}

#[test]
fn set_addresses_ids_with_dots_by_quoting_them() {
    let m = dotted();
    let (path, o) =
        overrides::parse_assignment(&m, r#"sources."a.b".reliability=0.3"#).expect("accepted");
    assert_eq!(path, r#"sources."a.b".reliability"#);
    let changed = overrides::apply(&m, &[o]);
    assert_ne!(changed.sources[0].reliability, m.sources[0].reliability);
    let (_, o) =
        overrides::parse_assignment(&m, r#"evidence."e.1".enabled=false"#).expect("accepted");
    assert!(!overrides::apply(&m, &[o]).items[0].enabled);
    // Unquoted, the dots split the id: an unknown source, pointing at `a`.
    let (message, _) = refused(&m, "sources.a.b.reliability=0.3");
    assert_eq!(message, "unknown source `a` in override path");
    let (message, rendered) = refused(&m, r#"sources."a.b.reliability=0.3"#);
    assert_eq!(message, "unclosed quote in override path");
    assert!(
        rendered.contains(r#"sources."a.b".reliability=0.3"#),
        "{rendered}"
    );
}

#[test]
fn set_refuses_nan_and_infinity_plainly() {
    let m = dotted();
    for value in ["NaN", "nan", "inf", "-inf", "Infinity"] {
        let (message, rendered) = refused(&m, &format!(r#"sources."a.b".reliability={value}"#));
        assert_eq!(
            message,
            format!("`{value}` is not a finite number"),
            "{rendered}"
        );
        assert!(!rendered.contains("Admiralty"), "{rendered}");
    }
    let o = crate::cli::credence()
        .args([
            "whatif",
            "models/cab.toml",
            "--set",
            "sources.witness.reliability=NaN",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`NaN` is not a finite number"), "{err}");
}

#[test]
fn a_quoted_number_is_named_as_such_on_the_command_line_too() {
    let m = dotted();
    let (message, _) = refused(&m, r#"sources."a.b".reliability="0.8""#);
    assert_eq!(
        message,
        "`reliability` is a number in quotes: remove the quotes"
    );
    let (message, _) = refused(&m, r#"evidence."e.1".likelihood.a="0.8""#);
    assert!(
        message.ends_with("is a number in quotes: remove the quotes"),
        "{message}"
    );
}

#[test]
fn a_bare_word_value_points_inside_the_argument() {
    // Found by the set_path fuzz target: the word was quoted to be parsed
    // and its span ran one byte past the argument.
    let m = dotted();
    let arg = "sources.\"a.b\".reliability=total_wnan";
    match overrides::parse_assignment(&m, arg) {
        Ok(_) => panic!("accepted"),
        Err((_, diagnostics)) => {
            let span = diagnostics[0].span.clone().expect("a span");
            assert_eq!(&arg[span], "total_wnan");
        }
    }
}

/// `[model] title` is optional (docs/FORMAT.md): without it the file name,
/// less `.toml`, heads the report, in every format.
#[test]
fn a_model_without_a_title_is_headed_by_its_file_name() {
    let dir = crate::robustness::TempDir::new("untitled");
    dir.write(
        "parcel.toml",
        DOTTED.replace("title = \"Dotted ids\"\n", ""),
    );
    let check = crate::cli::credence()
        .args(["check", "parcel.toml"])
        .current_dir(dir.path(""))
        .output()
        .expect("run");
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    for format in ["text", "markdown", "html", "json"] {
        let o = crate::cli::credence()
            .args(["report", "parcel.toml", "--format", format])
            .current_dir(dir.path(""))
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{format}: {stdout}");
        assert!(stdout.contains("parcel"), "{format}: {stdout}");
        assert!(!stdout.contains("Dotted ids"), "{format}");
    }
}
