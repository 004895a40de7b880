//! What the CLI tests share: the built binary and the models that ship in
//! `models/`.

#![allow(dead_code)]

use std::path::PathBuf;

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
