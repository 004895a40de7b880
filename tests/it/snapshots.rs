//! Snapshots of every report command in every format on the two teaching
//! models: the report layer's output, pinned byte for byte, so a change to
//! how reports are built shows up here as a deliberate snapshot update.

use crate::cli::credence;

const COMMANDS: [&str; 6] = [
    "report",
    "whatif",
    "sensitivity",
    "explain",
    "ach",
    "simulate",
];
const FORMATS: [&str; 4] = ["text", "markdown", "json", "html"];
const MODELS: [&str; 2] = ["cab", "ach_lesson"];

fn run(command: &str, model: &str, format: &str) -> String {
    let path = format!("{}/models/{model}.toml", env!("CARGO_MANIFEST_DIR"));
    let out = credence()
        .args([command, &path, "--format", format])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{command} {model} --format {format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The path of the model differs between checkouts; the snapshots name
    // it relative to the repository.
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .replace(env!("CARGO_MANIFEST_DIR"), "<repo>")
}

#[test]
fn every_command_in_every_format() {
    for model in MODELS {
        for command in COMMANDS {
            for format in FORMATS {
                insta::assert_snapshot!(
                    format!("{command}_{model}_{format}"),
                    run(command, model, format)
                );
            }
        }
    }
}

/// `collect` in every format on a small model with pending items and a
/// group (the teaching models above have none, so theirs would be empty).
#[test]
fn collect_in_every_format() {
    let path = format!("{}/tests/collect/group.toml", env!("CARGO_MANIFEST_DIR"));
    for format in FORMATS {
        let out = credence()
            .args(["collect", &path, "--format", format])
            .output()
            .expect("runs");
        assert!(out.status.success(), "collect --format {format}");
        insta::assert_snapshot!(
            format!("collect_group_{format}"),
            String::from_utf8(out.stdout)
                .expect("UTF-8 output")
                .replace(env!("CARGO_MANIFEST_DIR"), "<repo>")
        );
    }
}

/// `compare` in every format on two small models of one question: the
/// Curveball case with its relays modelled, and the same reports wrongly
/// counted as independent.
#[test]
fn compare_in_every_format() {
    let path = |m: &str| format!("{}/models/{m}.toml", env!("CARGO_MANIFEST_DIR"));
    for format in FORMATS {
        let out = credence()
            .args([
                "compare",
                &path("curveball"),
                &path("curveball_independent"),
                "--format",
                format,
            ])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "compare --format {format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout)
            .expect("UTF-8 output")
            .replace(env!("CARGO_MANIFEST_DIR"), "<repo>");
        insta::assert_snapshot!(format!("compare_curveball_{format}"), text);
    }
}
