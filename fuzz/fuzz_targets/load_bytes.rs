//! Arbitrary bytes as a model file: load, validate, compile, infer, report.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    credence_fuzz::pipeline("fuzz.toml", data);
});
