//! Structured-but-wrong models rendered to TOML, then the same pipeline as
//! `load_bytes`.
#![no_main]

use credence_fuzz::structured::Spec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|spec: Spec| {
    let text = spec.render();
    credence_fuzz::pipeline("structured.toml", text.as_bytes());
});
