//! How the `credence` process ends: it exits as soon as its output is
//! flushed, without the allocator's teardown (src/main.rs), so every byte
//! must be out by then, on a file redirect as on a pipe, with the exit
//! codes unchanged; and on Linux the binary is linked at a fixed address
//! (build.rs) for a faster start.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::cli::credence;

const CAB: &str = "models/cab.toml";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs credence in the repository with standard output redirected to the
/// regular file `stdout` (not a pipe: a terminal-less file).
fn run_into_file(args: &[&str], stdout: &Path) -> Output {
    let file = std::fs::File::create(stdout).expect("create");
    Command::new(env!("CARGO_BIN_EXE_credence"))
        .current_dir(repo())
        .args(args)
        .stdout(Stdio::from(file))
        .output()
        .expect("runs")
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("credence-exit-")
        .tempdir()
        .expect("a temporary folder")
}

/// The network of models/cab.toml as a BIF file in `dir`.
fn cab_network(dir: &Path) -> PathBuf {
    let path = dir.join("cab.bif");
    credence()
        .current_dir(repo())
        .args(["export", CAB, "--format", "bif", "-o"])
        .arg(&path)
        .assert()
        .success();
    path
}

#[test]
fn output_redirected_to_a_file_is_whole_and_the_same_as_on_a_pipe_and_with_o() {
    let dir = scratch();
    let bif = cab_network(dir.path());
    let bif = bif.to_str().expect("utf-8 path");
    let cases: [&[&str]; 6] = [
        &["report", CAB, "--format", "json"],
        &["report", CAB, "--format", "html"],
        // Over 64 KiB: more than one buffer's worth.
        &["sensitivity", CAB, "--format", "json", "--points", "101"],
        &["export", CAB, "--format", "xdsl"],
        &["query", bif, "--target", "hypothesis", "--format", "json"],
        &["query", bif, "--target", "hypothesis"],
    ];
    for args in cases {
        let redirected = dir.path().join("stdout");
        let o = run_into_file(args, &redirected);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {:?}", o.stderr);
        let from_file = std::fs::read(&redirected).expect("read");
        assert!(!from_file.is_empty(), "{args:?}: nothing written");
        let piped = credence()
            .current_dir(repo())
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(from_file, piped.stdout, "{args:?}: file and pipe differ");
        let written = dir.path().join("written");
        credence()
            .current_dir(repo())
            .args(args)
            .arg("-o")
            .arg(&written)
            .assert()
            .success()
            .stdout("");
        assert_eq!(
            from_file,
            std::fs::read(&written).expect("read"),
            "{args:?}: standard output and -o differ"
        );
    }
    let sensitivity = std::fs::read(dir.path().join("written")).expect("read");
    assert!(!sensitivity.is_empty());
}

#[test]
fn help_version_and_generated_text_reach_a_file_whole() {
    let dir = scratch();
    let redirected = dir.path().join("stdout");
    let o = run_into_file(&["--version"], &redirected);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&redirected).expect("read"),
        format!("credence {}\n", env!("CARGO_PKG_VERSION"))
    );
    for args in [
        &["--help"][..],
        &["query", "--help"],
        &["generate-completions", "--shell", "bash"],
        &["generate-man"],
    ] {
        let o = run_into_file(args, &redirected);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        let piped = credence().args(args).output().expect("runs");
        let from_file = std::fs::read(&redirected).expect("read");
        assert!(from_file.len() > 100, "{args:?}: {} bytes", from_file.len());
        assert_eq!(from_file, piped.stdout, "{args:?}");
    }
}

#[test]
fn exit_codes_are_those_of_the_command() {
    // Usage errors from the argument parser: 2, with clap's message.
    credence()
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unexpected argument"));
    credence().assert().code(2);
    // A command's own usage error (a missing file), an invalid model, and
    // success.
    credence()
        .args(["report", "no/such/model.toml"])
        .assert()
        .code(2);
    let dir = scratch();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[model\n").expect("write");
    credence().arg("check").arg(&bad).assert().code(1);
    credence()
        .current_dir(repo())
        .args(["check", CAB])
        .assert()
        .code(0);
}

#[test]
fn the_allocator_report_still_comes_when_asked_for() {
    // MIMALLOC_SHOW_STATS: the process then exits the normal way, and
    // mimalloc's exit handler prints its statistics.
    let o = credence()
        .arg("--version")
        .env("MIMALLOC_SHOW_STATS", "1")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("peak rss"), "{stderr}");
    // Without it, nothing but the version.
    let o = credence().arg("--version").output().expect("runs");
    assert!(
        o.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// build.rs links the binary position-dependent on Linux: its ELF type is
/// `ET_EXEC` (2), not a position-independent `ET_DYN` (3).
#[cfg(target_os = "linux")]
#[test]
fn the_binary_is_linked_at_a_fixed_address() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_credence")).expect("read the binary");
    assert_eq!(&bytes[..4], b"\x7fELF");
    let elf_type = u16::from_le_bytes([bytes[16], bytes[17]]);
    assert_eq!(elf_type, 2, "the binary is not ET_EXEC");
}
