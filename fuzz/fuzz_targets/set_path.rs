//! Arbitrary text as a `--set PATH=VALUE` argument on a model that has every
//! kind of thing a path can name: resolved, applied, analysed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(arg) = std::str::from_utf8(data) {
        credence_fuzz::set_path(arg);
    }
});
