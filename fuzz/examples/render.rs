//! Prints the TOML a `structured` input renders to, so that a crash the
//! fuzzer finds can become a regression test of plain text:
//! `cargo run --example render -- artifacts/structured/crash-...`.

use arbitrary::{Arbitrary, Unstructured};
use credence_fuzz::structured::Spec;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: render ARTIFACT");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    // As libfuzzer-sys builds a fuzz_target's argument: from all the bytes.
    match Spec::arbitrary_take_rest(Unstructured::new(&bytes)) {
        Ok(spec) => print!("{}", spec.render()),
        Err(e) => {
            eprintln!("{path}: not a structured input: {e}");
            std::process::exit(1);
        }
    }
}
