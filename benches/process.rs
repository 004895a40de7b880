//! Whole-process benchmarks: the `credence` binary spawned as a user runs
//! it, from exec to exit (loading, argument parsing, the command, output,
//! teardown), beside spawning `true`, what any process costs on the
//! machine. Standard output goes to /dev/null.
//!
//! - `true`: the floor, for comparison (0.5 to 0.8 ms here, by load).
//! - `version`: `credence --version`, startup and exit alone.
//! - `check/cab`, `report/cab`: the analyst commands on models/cab.toml.
//! - `query/cab`: `query` on cab's own network (exported to BIF first).
//! - `query/pigs-20%`: `query --format json` on bnlearn's pigs (441
//!   nodes) with every fifth node observed, from pgmpy's wheel (skipped
//!   without it); pyAgrum answers it in about 0.8 ms in-process.
//!
//! Targets (2-core machine): `version` within 0.6 ms of `true`, and no
//! group slower than before (README, section Performance, "Start-up and
//! exit", has the figures). pyAgrum's 0.8 ms for pigs is in-process: no
//! process here gets near it, spawning `true` alone takes 0.7 ms.
//!
//! `cargo bench --bench process -- GROUP` runs one, e.g. `version`.

#[path = "common/bnlearn.rs"]
mod bnlearn;
#[path = "../tests/it/common/sample.rs"]
#[allow(dead_code)]
mod sample;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};

/// The release binary cargo built for this bench.
fn credence() -> &'static str {
    env!("CARGO_BIN_EXE_credence")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Run `program` with `args` to completion, its output discarded; panics
/// unless it succeeds (a bench of a failing command measures nothing).
fn spawn(program: &str, args: &[OsString]) {
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("spawns");
    assert!(status.success(), "{program} {args:?}: {status}");
}

fn args<S: Into<OsString>>(list: impl IntoIterator<Item = S>) -> Vec<OsString> {
    list.into_iter().map(Into::into).collect()
}

/// `query` arguments on the BIF at `path`: the first node left unobserved
/// by `evidence` as the target.
fn query_args(
    path: &Path,
    net: &credence::network::Network,
    evidence: &[(usize, usize)],
) -> Vec<OsString> {
    let target = sample::first_unobserved(net, evidence).expect("a node is unobserved");
    let mut list = args([
        OsString::from("query"),
        path.into(),
        "--format".into(),
        "json".into(),
        "--target".into(),
        net.node(target).name.clone().into(),
    ]);
    for &(v, state) in evidence {
        let node = net.node(v);
        list.push("--evidence".into());
        list.push(format!("{}={}", node.name, node.states[state]).into());
    }
    list
}

fn process(c: &mut Criterion) {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let mut group = c.benchmark_group("process");
    group.bench_function("true", |b| b.iter(|| spawn("true", &[])));
    group.bench_function("version", |b| {
        b.iter(|| spawn(credence(), &args(["--version"])))
    });
    let cab = repo("models/cab.toml");
    for command in ["check", "report"] {
        let list = args([OsString::from(command), cab.clone().into()]);
        group.bench_function(format!("{command}/cab"), |b| {
            b.iter(|| spawn(credence(), &list))
        });
    }
    let cab_bif = scratch.path().join("cab.bif");
    spawn(
        credence(),
        &args([
            OsString::from("export"),
            cab.into(),
            "--format".into(),
            "bif".into(),
            "-o".into(),
            cab_bif.clone().into(),
        ]),
    );
    let text = std::fs::read_to_string(&cab_bif).expect("exported");
    let bif = credence::network::bif::parse(&text).expect("parses");
    let list = query_args(&cab_bif, &bif.net, &[]);
    group.bench_function("query/cab", |b| b.iter(|| spawn(credence(), &list)));
    if let Some(text) = bnlearn::network_text("pigs") {
        let path = scratch.path().join("pigs.bif");
        std::fs::write(&path, &text).expect("written");
        let bif = credence::network::bif::parse(&text).expect("parses");
        let list = query_args(&path, &bif.net, &sample::a_fifth_observed(&bif.net));
        group.bench_function("query/pigs-20%", |b| b.iter(|| spawn(credence(), &list)));
    }
    group.finish();
}

criterion_group!(benches, process);
criterion_main!(benches);
