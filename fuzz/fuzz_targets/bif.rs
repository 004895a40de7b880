//! Arbitrary bytes as a BIF network: parse it, then ask the posterior of
//! every node (a few at most) with the file's evidence entered, as
//! `credence query` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    credence_fuzz::bif(data);
});
