//! Refusals of `credence query` on BIF networks speak a network's language
//! (issue 18): impossible evidence is listed by node and state, and an
//! over-budget query names the nodes of its largest table and advises
//! evidence, another target or a larger `--memory`; never an analyst
//! model's words (reports, hypotheses, sources, reliabilities, `simulate`).

use crate::cli::credence;
use crate::networks::scratch;

/// A diamond A -> B, A -> C, (B, C) -> D, four states each, where D = d3
/// is impossible (every row of D gives it 0) and D = d0 carries
/// `property evidence`.
const DIAMOND: &str = "network diamond { }
variable A { type discrete [ 4 ] { a0, a1, a2, a3 }; }
variable B { type discrete [ 4 ] { b0, b1, b2, b3 }; }
variable C { type discrete [ 4 ] { c0, c1, c2, c3 }; }
variable D { type discrete [ 4 ] { d0, d1, d2, d3 }; property evidence = d3 ; }
probability ( A ) { table 0.25, 0.25, 0.25, 0.25; }
probability ( B | A ) { default 0.1, 0.2, 0.3, 0.4; }
probability ( C | A ) { default 0.4, 0.3, 0.2, 0.1; }
probability ( D | B, C ) { default 0.5, 0.25, 0.25, 0.0; }
";

/// Words of an analyst model's refusals that mean nothing for a BIF file.
const MODEL_WORDS: [&str; 7] = [
    "report",
    "hypothes",
    "source",
    "reliabilit",
    "simulate",
    "item",
    "likelihood",
];

#[test]
fn bif_refusals_use_the_networks_words() {
    let dir = scratch("bif-refusals");
    let path = dir.join("diamond.bif");
    std::fs::write(&path, DIAMOND).expect("write");
    // (arguments, fragments the error must have)
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["--target", "A"],
            &[
                "impossible in this network",
                "`D` = `d3`",
                "hint: look for a 0 in the CPT rows",
                "--ignore-file-evidence",
            ],
        ),
        (&["--all"], &["impossible in this network", "`D` = `d3`"]),
        (
            &[
                "--target",
                "A",
                "--ignore-file-evidence",
                "--evidence",
                "D=d3",
            ],
            &[
                "impossible in this network",
                "`D` = `d3`",
                "leave an observation out",
            ],
        ),
        (
            &["--target", "A", "--evidence", "D=d0", "--memory", "64"],
            &[
                "over the budget of 64 bytes",
                "tie the network together",
                "`B`",
                "`C`",
                "--evidence NODE=STATE",
                "target",
                "--memory",
            ],
        ),
        (
            &["--all", "--evidence", "D=d0", "--memory", "64"],
            &["tie the network together", "`B`", "`C`", "--memory"],
        ),
    ];
    for (args, fragments) in cases {
        let out = credence()
            .arg("query")
            .arg(&path)
            .args(args)
            .output()
            .expect("runs");
        let err = String::from_utf8(out.stderr).expect("utf-8");
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        for fragment in fragments {
            assert!(err.contains(fragment), "{args:?}: no {fragment:?} in {err}");
        }
        let lower = err.to_lowercase();
        for word in MODEL_WORDS {
            assert!(!lower.contains(word), "{args:?}: {word:?} in {err}");
        }
    }
    // With the possible state the same network answers.
    let out = credence()
        .arg("query")
        .arg(&path)
        .args(["--target", "A", "--evidence", "D=d0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
}
