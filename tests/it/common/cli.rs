//! What the CLI tests share: the built binary and the models that ship in
//! `models/`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `credence` binary this test run built.
pub fn credence() -> Command {
    Command::cargo_bin("credence").expect("the credence binary")
}

/// Every model in `models/`, sorted by path.
pub fn models() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("models/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no models in {}", dir.display());
    out
}

/// The seeds folder the binary uses for a model with no `[model] seeds`
/// setting: `../seeds` beside the model's folder (for the library's
/// `model::check_path`, which takes it as an argument).
pub fn default_seeds(model: &Path) -> PathBuf {
    model
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join("..")
        .join("seeds")
}

/// The commands that print a report of one model in every `--format`
/// (text, markdown, html, json), with no other argument needed.
pub const REPORT_COMMANDS: [&str; 6] = [
    "report",
    "whatif",
    "sensitivity",
    "simulate",
    "ach",
    "explain",
];
