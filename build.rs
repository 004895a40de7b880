//! Build script: links the `credence` binary as a position-dependent
//! executable (`-no-pie`) on Linux, for a faster start.
//!
//! A position-independent executable is relocated by the dynamic loader at
//! every start: the binary carries about 14,000 relative relocations
//! (vtables, string tables, clap's command tree), and writing them dirties
//! some 70 pages of `.data.rel.ro` before `main` runs: 32% of the page
//! faults of `credence --version`. Linked at a fixed address, the linker
//! resolves them once: `--version` went from 196 to 133 page faults and
//! from about 1.41 to 1.27 ms of CPU (a 2-core VM, medians of 300 runs
//! interleaved), and every command starts that much sooner. The code
//! itself stays position-independent (rustc's default), so only the final
//! link changes and no dependency is rebuilt. What is lost is the
//! randomised load address of the executable's own image; the stack, the
//! heap and every library still load at random addresses.
//!
//! Only the package's binaries are linked so (`rustc-link-arg-bins`): the
//! tests, benches and build scripts keep the default. Elsewhere than Linux
//! nothing changes.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}
