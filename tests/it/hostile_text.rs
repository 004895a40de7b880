//! Hostile text in a model (issue 16): control, bidirectional and invisible
//! characters never reach a terminal raw, in any command or format, and are
//! named where they are written; diagnostics stay bounded on long lines,
//! lone carriage returns and many findings.

use std::path::Path;
use std::process::Output;

use credence::diag::{self, Diagnostic, SourceFile};
use credence::escape;

use crate::robustness::TempDir;

/// Characters written as TOML escapes into every kind of model text: ESC
/// (with a colour sequence), BEL, NUL, a lone CR, C1's CSI, NEL,
/// bidirectional overrides and isolates, marks, a zero-width space and a
/// tag character.
const NASTY: &str = r"\u001b[31m\u0007\u0000\r\u009b2J\u0085\u202e\u2066\u200f\u200b\U000E0041";

fn nasty_model() -> String {
    format!(
        r#"[model]
title = "Title {NASTY} end"
question = "Question {NASTY}?"
notes = "Notes {NASTY}"

[[hypotheses]]
id = "h{NASTY}1"
title = "Hypothesis {NASTY} one"

[[hypotheses]]
id = "h2"
title = "Hypothesis two"
rationale = "Because {NASTY}"

[[sources]]
id = "s{NASTY}"
title = "Source {NASTY}"
reliability = 0.7
notes = "Source notes {NASTY}"

[[evidence]]
id = "e{NASTY}"
claim = "Claim {NASTY}"
likelihood = {{ "h{NASTY}1" = 0.8, h2 = 0.3 }}
rationale = "Rationale {NASTY}"
reports = [{{ source = "s{NASTY}" }}]

[[scenarios]]
id = "sc"
title = "Scenario {NASTY}"
evidence."e{NASTY}".enabled = false
"#
    )
}

fn run(dir: &Path, args: &[&str]) -> Output {
    crate::cli::credence()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run credence")
}

/// Hidden characters in `text` but the layout ones (tab, line feed).
fn raw_hidden(text: &str) -> Vec<String> {
    text.chars()
        .filter(|&c| escape::is_hidden(c) && c != '\n' && c != '\t')
        .map(|c| format!("U+{:04X}", c as u32))
        .collect()
}

#[test]
fn no_command_or_format_prints_a_hidden_character_raw() {
    let dir = TempDir::new("hostile-text");
    dir.write("m.toml", nasty_model());
    let check = run(dir.path("").as_path(), &["check", "m.toml"]);
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let mut runs: Vec<Vec<&str>> = vec![vec!["check", "m.toml"]];
    for command in crate::cli::REPORT_COMMANDS {
        for format in ["text", "markdown", "html", "json"] {
            runs.push(vec![command, "m.toml", "--format", format]);
        }
    }
    runs.push(vec!["check", "m.toml", "--format", "json"]);
    runs.push(vec!["graph", "m.toml", "--format", "dot"]);
    runs.push(vec!["graph", "m.toml", "--format", "mermaid"]);
    runs.push(vec!["export", "m.toml", "--format", "json"]);
    let mut failures = Vec::new();
    for args in &runs {
        let o = run(dir.path("").as_path(), args);
        let stdout = String::from_utf8_lossy(&o.stdout);
        let stderr = String::from_utf8_lossy(&o.stderr);
        if o.status.code() != Some(0) {
            failures.push(format!("{args:?}: exit {:?}: {stderr}", o.status.code()));
            continue;
        }
        for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            let raw = raw_hidden(text);
            if !raw.is_empty() {
                failures.push(format!("{args:?}: {stream} holds {raw:?} raw"));
            }
        }
        if args.contains(&"json") {
            let json: serde_json::Value = match serde_json::from_str(&stdout) {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("{args:?}: not JSON: {e}"));
                    continue;
                }
            };
            // JSON keeps the text itself, escaped.
            if args[0] != "check" && !stdout.contains(r"\u202e") {
                failures.push(format!("{args:?}: the override is not in the JSON"));
            }
            drop(json);
        } else if args[0] != "check" && !stdout.contains(r"\u{202E}") {
            failures.push(format!("{args:?}: the override is not shown escaped"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_text_report_shows_each_hidden_character_as_an_escape() {
    let dir = TempDir::new("hostile-text-report");
    dir.write("m.toml", nasty_model());
    let o = run(dir.path("").as_path(), &["report", "m.toml"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let title = stdout.lines().next().expect("a title line");
    assert_eq!(
        title,
        r"Title \u{1B}[31m\u{7}\u{0}\r\u{9B}2J\u{85}\u{202E}\u{2066}\u{200F}\u{200B}\u{E0041} end"
    );
}

#[test]
fn hidden_characters_in_strings_are_named_with_their_place() {
    let dir = TempDir::new("hostile-text-check");
    dir.write("m.toml", nasty_model());
    let o = run(
        dir.path("").as_path(),
        &["check", "m.toml", "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let warnings: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| {
            d["severity"] == "warning" && d["message"].as_str().unwrap_or("").contains("model text")
        })
        .collect();
    // One per line holding any: title, question, notes, two ids, ...
    assert!(warnings.len() >= 10, "{warnings:#?}");
    let first = warnings[0];
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(2), Some(16))
    );
    let message = first["message"].as_str().unwrap_or("");
    assert!(message.contains("U+001B (ESCAPE"), "{message}");
    assert!(message.contains("U+0007 (BEL"), "{message}");
    assert!(message.contains("U+0000 (NUL)"), "{message}");
    assert!(!first["hints"].as_array().expect("hints").is_empty());

    // A NUL alone, and a CR alone (an escaped CR before an escaped LF is a
    // line end, and a raw CRLF is one too).
    let m = "[model]\r\ntitle = \"a\\u0000b\"\r\nnotes = \"x\\r\\ny\"\r\nquestion = \"p\\rq\"\r\n";
    let checked = credence::model::check_text("m.toml", m, credence::model::no_documents);
    let named: Vec<(String, (usize, usize))> = checked
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("model text"))
        .map(|d| {
            let file = SourceFile::new("m.toml", m);
            (
                d.message.clone(),
                file.line_col(d.span.clone().expect("span").start),
            )
        })
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(named[0].0.starts_with("a NUL character"), "{named:?}");
    assert_eq!(named[0].1, (2, 11));
    assert!(
        named[1].0.starts_with("a lone carriage return"),
        "{named:?}"
    );
    assert_eq!(named[1].1, (4, 14));
}

#[test]
fn diagnostics_escape_quoted_model_text() {
    // An unknown source whose name holds ESC: the message quotes it.
    let m = "[model]\ntitle = \"t\"\n[[hypotheses]]\nid = \"a\"\ntitle = \"A\"\n[[hypotheses]]\nid = \"b\"\ntitle = \"B\"\n[[evidence]]\nid = \"e\"\nclaim = \"c\"\nlikelihood = { a = 0.5, b = 0.4 }\nreports = [{ source = \"x\\u001b]0;pwned\\u0007\" }]\n";
    let checked = credence::model::check_text("m.toml", m, credence::model::no_documents);
    let rendered = diag::render_plain(&SourceFile::new("m.toml", m), &checked.diagnostics);
    assert!(raw_hidden(&rendered).is_empty(), "{rendered}");
    assert!(rendered.contains(r"x\u{1B}]0;pwned\u{7}"), "{rendered}");
}

/// A model whose one line is `bytes` long, with an error at its end.
fn long_line_bif(bytes: usize) -> String {
    let unit = "variable v { type discrete [ 2 ] { a, b }; } ";
    let mut text = String::from("network x { } ");
    while text.len() < bytes {
        text.push_str(unit);
    }
    text.push('@');
    text
}

#[test]
fn a_diagnostic_on_a_megabyte_line_shows_a_window_of_it() {
    let dir = TempDir::new("hostile-long-line");
    let text = long_line_bif(2_700_000);
    let end_column = text[..text.find('@').expect("@")].chars().count() + 1;
    dir.write("long.bif", &text);
    let o = run(
        dir.path("").as_path(),
        &["query", "long.bif", "--target", "v"],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    // Before: the whole 2.7 MB line, 5.4 MB of stderr in 10.7 s.
    assert!(stderr.len() < 2_000, "{} bytes of stderr", stderr.len());
    assert!(
        stderr.contains(&format!("long.bif:1:{end_column}")),
        "{stderr}"
    );
    assert!(stderr.contains("1 │ …"), "{stderr}");
    assert!(stderr.contains("{ a, b }; } @\n"), "{stderr}");
}

#[test]
fn lone_carriage_returns_are_line_ends_for_positions_and_one_error() {
    // 2,000 lines ended by CR alone: one error, not a hundred renderings of
    // the whole file as one line (before: 3.4 MB of stderr).
    let mut text = String::from("[model]\rtitle = \"x\"\r");
    for i in 0..2_000 {
        text.push_str(&format!("[[hypotheses]]\rid = \"h{i}\"\rtitle = \"H\"\r"));
    }
    let dir = TempDir::new("hostile-cr");
    dir.write("cr.toml", &text);
    let o = run(dir.path("").as_path(), &["check", "cr.toml"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr.len() < 2_000, "{stderr}");
    assert!(stderr.contains("cr.toml:1:8"), "{stderr}");
    assert!(stderr.contains("6002 lone carriage returns"), "{stderr}");
    // Positions count a lone CR as a line end.
    assert_eq!(diag::line_col("a\rb\r\nc\nd", 2), (2, 1));
    assert_eq!(diag::line_col("a\rb\r\nc\nd", 5), (3, 1));
    assert_eq!(diag::line_col("a\rb\r\nc\nd", 7), (4, 1));
}

#[test]
fn rendering_is_capped_in_count_and_in_message_length() {
    let text = "x = 1\n".repeat(1_000);
    let file = SourceFile::new("m.toml", text.as_str());
    let many: Vec<Diagnostic> = (0..1_000)
        .map(|i| Diagnostic::warning(format!("warning {i}")).at(i * 6..i * 6 + 1))
        .collect();
    let rendered = diag::render_plain(&file, &many);
    assert_eq!(
        rendered.matches("warning: warning").count(),
        diag::MAX_RENDERED
    );
    assert!(
        rendered.contains(&format!(
            "{} more diagnostics not shown",
            1_000 - diag::MAX_RENDERED
        )),
        "{}",
        &rendered[rendered.len() - 200..]
    );
    // A message quoting a megabyte-long id is cut in the middle.
    let id = "x".repeat(1_000_000);
    let d = Diagnostic::error(format!("unknown source `{id}`")).at(0..1);
    let rendered = diag::render_plain(&file, &[d]);
    assert!(rendered.len() < 2_000, "{} bytes", rendered.len());
    assert!(rendered.contains("characters cut"), "{rendered}");
}

#[test]
fn a_span_far_along_a_line_is_drawn_at_its_real_column() {
    let line = format!("title = \"{}\" bad", "é".repeat(5_000));
    let text = format!("[model]\n{line}\n");
    let at = text.find("bad").expect("bad");
    let file = SourceFile::new("m.toml", text.as_str());
    let rendered = diag::render_plain(&file, &[Diagnostic::error("here").at(at..at + 3)]);
    assert!(rendered.contains("m.toml:2:5012"), "{rendered}");
    assert!(rendered.contains("ééé\" bad"), "{rendered}");
    assert!(rendered.len() < 1_000, "{rendered}");
    let caret_line = rendered
        .lines()
        .find(|l| l.contains('^'))
        .expect("caret line");
    let source_line = rendered
        .lines()
        .find(|l| l.contains("bad"))
        .expect("source line");
    // The caret sits under `bad`.
    let col = |s: &str, pat: &str| s.find(pat).map(|b| s[..b].chars().count());
    assert_eq!(
        col(caret_line, "^^^"),
        col(source_line, "bad"),
        "{rendered}"
    );
}

#[test]
fn a_span_anywhere_renders_even_inside_a_line_break() {
    // Found by robustness::loader_on_model_fragments: the TOML reader's span
    // for `"` + CRLF starts inside the CRLF, past the end of its line.
    let checked = credence::model::check_text("m.toml", "\"\r\n", credence::model::no_documents);
    let rendered = diag::render_plain(&SourceFile::new("m.toml", "\"\r\n"), &checked.diagnostics);
    assert!(rendered.contains("m.toml:1:"), "{rendered}");
    // Every span of a text with every kind of line end and wide characters.
    let text = "a\r\nbé\rc\n\u{202E}d\r\n";
    let file = SourceFile::new("m.toml", text);
    for start in 0..=text.len() + 1 {
        for end in start..=text.len() + 1 {
            let d = Diagnostic::error("x")
                .at(start..end)
                .related(end..start, "y");
            let rendered = diag::render_plain(&file, &[d]);
            assert!(raw_hidden(&rendered).is_empty(), "{rendered}");
        }
    }
}

/// Ids that read like others but are different strings (a combining
/// accent, a Cyrillic letter among Latin ones) are warned about at their
/// line and column, with the code points the text cannot show; the model
/// stays valid.
#[test]
fn look_alike_ids_are_warned_about_with_their_code_points() {
    let dir = TempDir::new("look_alike");
    let path = dir.path("look_alike.toml");
    std::fs::write(
        &path,
        "[model]\ntitle = \"Look-alikes\"\n\n\
         [[hypotheses]]\nid = \"cafe\u{301}\"\ntitle = \"A\"\n\n\
         [[hypotheses]]\nid = \"w\u{0455}j\"\ntitle = \"B\"\n\n\
         [[hypotheses]]\nid = \"caf\u{e9}_plain\"\ntitle = \"C\"\n",
    )
    .expect("writes");
    let out = crate::cli::credence()
        .arg("check")
        .arg(&path)
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("U+0301"), "{text}");
    assert!(text.contains("combining mark"), "{text}");
    assert!(text.contains("look_alike.toml:5:6"), "{text}");
    assert!(text.contains("U+0455"), "{text}");
    assert!(text.contains("mixes Latin letters"), "{text}");
    assert!(text.contains("look_alike.toml:9:6"), "{text}");
    // An accented letter written as one character is an ordinary id.
    assert_eq!(text.matches("warning: hypothesis id").count(), 2, "{text}");
}
