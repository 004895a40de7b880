//! Interoperability: `credence graph`, `export`, `query`, the generated
//! completions and man page, and the cross-check against pgmpy (a pinned
//! version in a virtualenv, see tests/pgmpy/README.md):
//!
//! (a) random analyst-shaped models of up to 500 items and the teaching
//!     models, exported to BIF, XMLBIF and XDSL: pgmpy's VariableElimination
//!     posterior of the hypothesis node, read by pgmpy's reader for each
//!     format with the file's evidence, equals `credence report`'s to 1e-9;
//! (b) the bnlearn networks shipped inside the pgmpy wheel, with evidence
//!     from a seeded forward sample: every other node's posterior from
//!     `credence query` equals pgmpy's to 1e-9, on the BIF files and on
//!     pgmpy's own XMLBIF and XDSL of six of them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::cli;
use cli::models;

/// The pgmpy version tests/pgmpy/requirements.txt pins.
const PGMPY_VERSION: &str = "1.1.2";
const TOLERANCE: f64 = 1e-9;

pub(crate) const BNLEARN: [&str; 10] = [
    "asia",
    "cancer",
    "earthquake",
    "survey",
    "sachs",
    "child",
    "insurance",
    "alarm",
    "hailfinder",
    "win95pts",
];

/// The bnlearn networks pgmpy also writes as XMLBIF and XDSL for (b): those
/// whose state names pgmpy's XMLBIF writer keeps distinct (it turns child's
/// `<7.5` and `>=7.5` both into `_7_5`).
const BNLEARN_XML: [&str; 6] = ["asia", "cancer", "survey", "sachs", "alarm", "insurance"];

/// The network formats `credence export` writes and pgmpy reads.
const NETWORK_FORMATS: [&str; 3] = ["bif", "xmlbif", "xdsl"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn credence() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_credence"));
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Run credence; return (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = credence().args(args).output().expect("credence runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run_ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "credence {args:?} failed:\n{stderr}");
    stdout
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("interop-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The Python with the pinned pgmpy: $CREDENCE_PGMPY, else the venv that
/// scripts/test creates. Never skipped: a missing venv fails with the recipe.
fn pgmpy_python() -> PathBuf {
    if let Some(p) = std::env::var_os("CREDENCE_PGMPY") {
        let p = PathBuf::from(p);
        assert!(
            p.exists(),
            "CREDENCE_PGMPY={} does not exist; unset it to use target/pgmpy-venv",
            p.display()
        );
        return p;
    }
    let venv = root().join("target/pgmpy-venv/bin/python");
    if venv.exists() {
        return venv;
    }
    panic!(
        "the pgmpy cross-check needs pgmpy {PGMPY_VERSION} in a virtualenv. Run the tests \
         with scripts/test, which creates it, or create it with\n\
         \n    python3 -m venv target/pgmpy-venv\
         \n    target/pgmpy-venv/bin/pip install -r tests/pgmpy/requirements.txt\n\
         \nor set CREDENCE_PGMPY to a python that has it."
    );
}

fn python(args: &[&str]) {
    let py = pgmpy_python();
    let out = Command::new(&py)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", py.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{}",
        py.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("json written");
    serde_json::from_str(&text).expect("valid json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

// ---------------------------------------------------------------------------
// A small seeded generator of analyst-shaped models.

/// SplitMix64: enough randomness for test fixtures, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

fn num(x: f64) -> String {
    format!("{x:.4}")
}

const ICD: [&str; 7] = [
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
];
const ACH: [&str; 5] = ["CC", "C", "N", "I", "II"];

/// A model with `items` evidence items: relay chains, partial strengths,
/// denials, latent (unobserved) reports, report-level overrides, disabled
/// and established items, Admiralty letters, credibility pairs, and at most
/// two interval-reliability sources (so pgmpy's elimination stays small).
/// Sources 0 and 1 report at most once per item and never relay, so their
/// `[[dependencies]]` entry cannot close a cycle.
fn generate(seed: u64, items: usize) -> String {
    let mut rng = Rng(seed);
    let mut t = String::new();
    let _ = writeln!(t, "[model]\ntitle = \"Generated model {seed}\"");
    let hyps = 2 + rng.below(3);
    let sources = 4 + rng.below(7);
    let mut latent = 0;
    let mut levels_written = false;
    let mut source_lines = Vec::new();
    for s in 0..sources {
        let mut line = format!("[[sources]]\nid = \"s{s}\"\ntitle = \"Source {s}\"\n");
        let roll = rng.unit();
        if roll < 0.15 && latent < 2 && s >= 2 {
            latent += 1;
            let lo = rng.range(0.1, 0.6);
            let hi = lo + rng.range(0.1, 0.35);
            let _ = writeln!(line, "reliability = [{}, {}]", num(lo), num(hi));
        } else if roll < 0.45 {
            let _ = writeln!(line, "reliability = {}", num(rng.range(0.05, 0.9)));
        } else if roll < 0.65 {
            let letter = ["A", "B", "C", "D", "E"][rng.below(5)];
            let _ = writeln!(line, "reliability = \"{letter}\"");
        } else {
            let hit = rng.range(0.3, 0.97);
            let fa = rng.range(0.03, 0.6);
            let _ = writeln!(
                line,
                "reliability = {{ hit = {}, false_alarm = {} }}",
                num(hit),
                num(fa)
            );
            source_lines.push(line);
            continue;
        }
        if rng.chance(0.3) {
            let _ = writeln!(line, "bias = {}", num(rng.range(0.1, 0.9)));
        }
        source_lines.push(line);
    }
    if latent > 0 && rng.chance(0.5) {
        let _ = writeln!(t, "reliability_levels = {}", 3 + rng.below(4));
        levels_written = true;
    }
    let _ = levels_written;
    t.push('\n');
    let priors = rng.chance(0.6);
    let weights: Vec<f64> = (0..hyps).map(|_| rng.range(0.1, 1.0)).collect();
    let total: f64 = weights.iter().sum();
    for (h, w) in weights.iter().enumerate() {
        let _ = writeln!(
            t,
            "[[hypotheses]]\nid = \"h{h}\"\ntitle = \"Hypothesis {h}\""
        );
        if priors {
            let _ = writeln!(t, "prior = {:.9}", w / total);
        }
        t.push('\n');
    }
    for line in &source_lines {
        t.push_str(line);
        t.push('\n');
    }
    for i in 0..items {
        let _ = writeln!(t, "[[evidence]]\nid = \"e{i}\"\nclaim = \"Claim {i}\"");
        let likelihood: Vec<String> = (0..hyps)
            .map(|h| {
                let roll = rng.unit();
                let value = if roll < 0.6 {
                    num(rng.range(0.02, 0.98))
                } else if roll < 0.8 {
                    format!("\"{}\"", ICD[rng.below(ICD.len())])
                } else if roll < 0.9 {
                    format!("\"{}\"", ACH[rng.below(ACH.len())])
                } else {
                    let lo = rng.range(0.05, 0.6);
                    format!("[{}, {}]", num(lo), num(lo + rng.range(0.05, 0.3)))
                };
                format!("h{h} = {value}")
            })
            .collect();
        let _ = writeln!(t, "likelihood = {{ {} }}", likelihood.join(", "));
        if rng.chance(0.03) {
            let _ = writeln!(t, "enabled = false");
        }
        let n = if rng.chance(0.08) {
            0
        } else {
            1 + rng.below(4)
        };
        let mut reports = Vec::new();
        let mut used_pair = [false, false];
        let mut relay_ok: Vec<bool> = Vec::new();
        for j in 0..n {
            let mut source = rng.below(sources);
            if source < 2 {
                if used_pair[source] {
                    source = 2 + rng.below(sources - 2);
                } else {
                    used_pair[source] = true;
                }
            }
            let mut fields = vec![format!("id = \"r{j}\""), format!("source = \"s{source}\"")];
            let candidates: Vec<usize> = (0..j).filter(|&k| relay_ok[k]).collect();
            if source >= 2 && !candidates.is_empty() && rng.chance(0.4) {
                let parent = candidates[rng.below(candidates.len())];
                fields.push(format!("via = \"r{parent}\""));
                if rng.chance(0.5) {
                    fields.push(format!("strength = {}", num(rng.range(0.2, 0.95))));
                }
            }
            if rng.chance(0.1) {
                fields.push("observed = false".into());
            }
            if rng.chance(0.12) {
                fields.push("asserts = false".into());
            }
            if rng.chance(0.06) {
                fields.push(format!("reliability = {}", num(rng.range(0.1, 0.9))));
            }
            relay_ok.push(source >= 2);
            reports.push(format!("  {{ {} }},", fields.join(", ")));
        }
        if !reports.is_empty() {
            let _ = writeln!(t, "reports = [\n{}\n]", reports.join("\n"));
        }
        t.push('\n');
    }
    if rng.chance(0.6) {
        let _ = writeln!(
            t,
            "[[dependencies]]\nid = \"d0\"\nsources = [\"s0\", \"s1\"]\nstrength = {}\nwhy = \"shared briefing\"",
            num(rng.range(0.3, 1.0))
        );
    }
    t
}

/// Item counts of the generated models: small ones for variety, up to 500.
const SIZES: [usize; 14] = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 500];

// ---------------------------------------------------------------------------
// graph, export, query on the repository's models (no pgmpy needed).

#[test]
fn graph_every_model_dot_and_mermaid() {
    for model in models() {
        let dot = run_ok(&["graph", s(&model)]);
        assert!(dot.starts_with("digraph credence {"), "{}", model.display());
        assert!(dot.contains("\"hypothesis\" ["));
        assert!(dot.trim_end().ends_with('}'));
        assert_eq!(
            dot,
            run_ok(&["graph", s(&model), "--format", "dot"]),
            "deterministic"
        );
        let mermaid = run_ok(&["graph", s(&model), "--format", "mermaid"]);
        assert!(mermaid.starts_with("flowchart LR\n"));
        assert!(mermaid.contains("  hypothesis{{\""));
        assert_eq!(
            mermaid,
            run_ok(&["graph", s(&model), "--format", "mermaid"])
        );
    }
}

#[test]
fn graph_shows_relays_partial_strength_latent_and_origins() {
    let dir = scratch("graph");
    let path = dir.join("m.toml");
    std::fs::write(
        &path,
        r#"
[model]
title = "A \"quoted\" <script>alert(1)</script> title"
[[hypotheses]]
id = "a"
title = "A says \"hi\" & <b>bold</b>"
[[hypotheses]]
id = "b"
title = "B # | ; `tick`"
[[sources]]
id = "wire"
title = "Wire \\N service"
reliability = [0.3, 0.9]
[[sources]]
id = "paper"
title = "Paper"
reliability = 0.7
[[evidence]]
id = "x"
claim = "<script>alert('x')</script> happened"
likelihood = { a = 0.8, b = 0.3 }
reports = [
  { id = "origin", source = "wire", observed = false },
  { id = "copy", source = "paper", via = "origin", strength = 0.6 },
  { id = "full", source = "paper", via = "copy", asserts = false },
]
[[evidence]]
id = "given"
claim = "Established"
likelihood = { a = 0.6, b = 0.5 }
"#,
    )
    .expect("write");
    let dot = run_ok(&["graph", s(&path)]);
    assert!(
        dot.contains("label=\"A \\\"quoted\\\" <script>alert(1)</script> title\""),
        "{dot}"
    );
    assert!(
        dot.contains("Wire \\\\N service"),
        "backslash escaped: {dot}"
    );
    assert!(
        dot.contains(
            "\"report_x_origin\" -> \"report_x_copy\" [style=dashed, label=\"relays, s=0.6\"]"
        ),
        "{dot}"
    );
    assert!(dot.contains("\"item_x\" -> \"report_x_copy\" [style=dotted, label=\"direct 0.4\"]"));
    assert!(dot.contains("\"report_x_copy\" -> \"report_x_full\" [style=solid, label=\"relays\"]"));
    assert!(dot.contains("\"reliability_wire\" [shape=diamond"));
    assert!(
        dot.contains("\"reliability_wire\" -> \"report_x_origin\" [style=dashed, arrowhead=empty]")
    );
    // The origin has a double border and, held only second-hand, a dashed one.
    assert!(dot.contains("\"report_x_origin\" [shape=box, style=dashed, peripheries=2"));
    assert!(dot.contains("(denies)"));
    assert!(dot.contains("\"item_given\" [shape=ellipse, style=filled"));
    let mermaid = run_ok(&["graph", s(&path), "--format", "mermaid"]);
    assert!(!mermaid.contains("<script>"), "{mermaid}");
    assert!(mermaid.contains("#lt;script#gt;alert('x')#lt;/script#gt; happened"));
    assert!(mermaid.contains("A says #quot;hi#quot; #amp; #lt;b#gt;bold#lt;/b#gt;"));
    assert!(mermaid.contains("B #35; #124; #59; #96;tick#96;"));
    assert!(mermaid.contains("report_x_origin -.->|\"relays, s=0.6\"| report_x_copy"));
    assert!(mermaid.contains("class report_x_origin origin"));
}

#[test]
fn export_json_every_model() {
    for model in models() {
        let text = run_ok(&["export", s(&model), "--format", "json"]);
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["schema"], 1);
        assert_eq!(v["kind"], "credence.export");
        assert!(v["hypotheses"].as_array().is_some_and(|h| h.len() >= 2));
        for item in v["items"].as_array().expect("items") {
            for r in item["reports"].as_array().expect("reports") {
                assert!(r["hit"].as_f64().is_some() && r["source"].is_string());
                assert_eq!(r["via"].is_null(), r["strength"].is_null());
            }
        }
        for sc in v["scenarios"].as_array().expect("scenarios") {
            for o in sc["overrides"].as_array().expect("overrides") {
                assert!(o["path"].is_string() && o["value"].is_string());
            }
        }
        assert_eq!(v["scales"]["icd203"].as_array().map(Vec::len), Some(7));
    }
    let iran = run_ok(&["export", "models/iran_oct7.toml", "--format", "json"]);
    let v: Value = serde_json::from_str(&iran).expect("json");
    let relayed = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["reports"].as_array().expect("reports").iter())
        .any(|r| r["via"].is_string());
    assert!(relayed, "the seed model relays reports");
}

/// Every model exported to BIF, XMLBIF and XDSL reads back, and `credence
/// query` of the hypothesis node with the file's evidence equals `credence
/// report` (so the three formats give the BIF path's posteriors).
#[test]
fn export_bif_round_trips_through_query() {
    let dir = scratch("roundtrip");
    for (model, format) in models()
        .into_iter()
        .flat_map(|m| NETWORK_FORMATS.map(|f| (m.clone(), f)))
    {
        let name = model.file_stem().and_then(|n| n.to_str()).expect("name");
        let name = &format!("{name} ({format})");
        let bif = dir.join(format!("{name}.{format}"));
        run_ok(&["export", s(&model), "--format", format, "-o", s(&bif)]);
        let report: Value =
            serde_json::from_str(&run_ok(&["report", s(&model), "--format", "json"]))
                .expect("json");
        let query: Value = serde_json::from_str(&run_ok(&[
            "query",
            s(&bif),
            "--target",
            "hypothesis",
            "--format",
            "json",
        ]))
        .expect("json");
        assert_eq!(query["kind"], "credence.query");
        let hyps = report["hypotheses"].as_array().expect("hypotheses");
        let post = query["posterior"].as_array().expect("posterior");
        assert_eq!(hyps.len(), post.len());
        for (h, p) in hyps.iter().zip(post) {
            let want = h["posterior"].as_f64().expect("posterior");
            let got = p["probability"].as_f64().expect("probability");
            assert!((want - got).abs() < TOLERANCE, "{name}: {h} vs {p}");
        }
        // Without the file's evidence the query is the prior.
        let prior: Value = serde_json::from_str(&run_ok(&[
            "query",
            s(&bif),
            "--target",
            "hypothesis",
            "--ignore-file-evidence",
            "--format",
            "json",
        ]))
        .expect("json");
        assert!(prior["evidence"].as_array().is_some_and(Vec::is_empty));
        for (h, p) in hyps
            .iter()
            .zip(prior["posterior"].as_array().expect("posterior"))
        {
            let want = h["prior"].as_f64().expect("prior");
            let got = p["probability"].as_f64().expect("probability");
            assert!((want - got).abs() < TOLERANCE, "{name}: prior {h} vs {p}");
        }
    }
}

/// The probability printed beside `state` in `query`'s text table.
fn cell(text: &str, state: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.len() == 2 && w[0] == state)
        .map(|w| w[1].to_string())
        .unwrap_or_default()
}

#[test]
fn query_text_and_evidence_override() {
    let dir = scratch("query");
    let path = dir.join("net.bif");
    std::fs::write(
        &path,
        "// a comment\nnetwork test {\n}\n\
         variable \"Rain\" {\n  type discrete [ 2 ] { yes, no };\n  property evidence = yes ;\n}\n\
         variable Grass {\n  type discrete [ 2 ] { wet, dry };\n}\n\
         probability ( Rain ) {\n  table 0.2, 0.8;\n}\n\
         probability ( Grass | Rain ) {\n  (yes) 0.9, 0.1;\n  default 0.2, 0.8;\n}\n",
    )
    .expect("write");
    let text = run_ok(&[
        "query",
        s(&path),
        "--target",
        "Grass",
        "--ignore-file-evidence",
    ]);
    assert!(text.contains("evidence: none"), "{text}");
    assert!(
        text.contains("file evidence: the file's 1 `property evidence` line ignored"),
        "{text}"
    );
    assert_eq!(cell(&text, "wet"), "0.340000", "{text}");
    // The file's evidence is entered by default; --file-evidence, the old
    // way to ask for it, is still accepted.
    for args in [
        &["--target", "grass"][..],
        &["--target", "grass", "--file-evidence"],
    ] {
        let mut all = vec!["query", s(&path)];
        all.extend_from_slice(args);
        let text = run_ok(&all);
        assert!(text.contains("Rain = yes  (file)"), "{text}");
        assert!(
            text.contains("file evidence: the file's 1 `property evidence` line entered"),
            "{text}"
        );
        assert_eq!(cell(&text, "wet"), "0.900000", "{text}");
    }
    let text = run_ok(&[
        "query",
        s(&path),
        "--target",
        "Grass",
        "--file-evidence",
        "--evidence",
        "Rain=no",
    ]);
    assert!(text.contains("Rain = no  (command line)"), "{text}");
    assert!(!text.contains("(file)"), "{text}");
    assert_eq!(cell(&text, "wet"), "0.200000", "{text}");
    // Output to a file.
    let out = dir.join("q.json");
    run_ok(&[
        "query",
        s(&path),
        "--target",
        "Rain",
        "--evidence",
        "Grass=dry",
        "--ignore-file-evidence",
        "--format",
        "json",
        "-o",
        s(&out),
    ]);
    let v = read_json(&out);
    let p = v["posterior"][0]["probability"].as_f64().expect("p");
    assert!((p - 0.02 / (0.02 + 0.64)).abs() < 1e-12, "{v}");
    assert_eq!(v["file_evidence"]["lines"], 1, "{v}");
    assert_eq!(v["file_evidence"]["entered"], false, "{v}");
    assert_eq!(v["evidence"][0]["from"], "command line", "{v}");
}

/// The query resolution is the library's: names resolved, the file's
/// evidence merged (the query's wins on the same node), typed errors.
#[test]
fn query_from_the_library() {
    use credence::network::{bif, query};
    let net = bif::parse(
        "variable Rain { type discrete [ 2 ] { yes, no }; property evidence = yes ; }\n\
         variable Grass { type discrete [ 2 ] { wet, dry }; }\n\
         probability ( Rain ) { table 0.2, 0.8; }\n\
         probability ( Grass | Rain ) { (yes) 0.9, 0.1; (no) 0.2, 0.8; }\n",
    )
    .expect("parses");
    let ask = |target, evidence: &[(&str, &str)], file_evidence| {
        query::run(
            &net,
            &query::Query {
                target,
                evidence,
                file_evidence,
            },
        )
    };
    let answer = ask("grass", &[], true).expect("answer");
    assert_eq!(answer.evidence.len(), 1);
    assert_eq!(answer.evidence[0].from, query::EvidenceFrom::File);
    assert!((answer.marginal.probs[0] - 0.9).abs() < 1e-12);
    let answer = ask("Grass", &[("rain", "NO")], true).expect("answer");
    assert_eq!(answer.evidence.len(), 1, "the query replaces the file's");
    assert_eq!(answer.evidence[0].from, query::EvidenceFrom::Query);
    assert!((answer.marginal.probs[0] - 0.2).abs() < 1e-12);
    let answer = ask("Grass", &[], false).expect("answer");
    assert!(answer.evidence.is_empty() && answer.file_evidence_lines == 1);
    assert!((answer.marginal.probs[0] - 0.34).abs() < 1e-12);
    let view = credence::report::query::build("net.bif", &net, &answer);
    assert_eq!(view.posterior.len(), 2);
    assert!(!view.file_evidence.entered);
    match ask("Gras", &[], true) {
        Err(e @ query::QueryError::UnknownTarget { .. }) => {
            assert_eq!(e.hint(), Some("did you mean `Grass`?"));
            assert!(e.is_usage());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ask("Grass", &[("Rain", "yes"), ("Rain", "no")], false),
        Err(query::QueryError::TwoStates { .. })
    ));
    assert!(matches!(
        ask("Grass", &[("Rain", "maybe")], false),
        Err(query::QueryError::UnknownState { .. })
    ));
}

#[test]
fn query_errors() {
    let dir = scratch("query-errors");
    let good = dir.join("good.bif");
    std::fs::write(
        &good,
        "variable Smoke { type discrete [ 2 ] { yes, no }; }\n\
         probability ( Smoke ) { table 0.3, 0.7; }\n",
    )
    .expect("write");
    let (code, _, err) = run(&["query", s(&good), "--target", "Smok"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("has no node `Smok`") && err.contains("did you mean `Smoke`?"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "query",
        s(&good),
        "--target",
        "Smoke",
        "--evidence",
        "Smoke=yess",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no state `yess`") && err.contains("did you mean `yes`?"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "query",
        s(&good),
        "--target",
        "Smoke",
        "--evidence",
        "Smoke",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("NODE=STATE"), "{err}");
    let (code, _, err) = run(&["query", s(&dir.join("missing.bif")), "--target", "Smoke"]);
    assert_eq!(code, 2, "{err}");
    let bad = dir.join("bad.bif");
    std::fs::write(
        &bad,
        "variable Smoke {\n  type discrete [ 2 ] { yes, no };\n}\nprobability ( Smoke ) {\n  table 0.3, 0.8;\n}\n",
    )
    .expect("write");
    let (code, _, err) = run(&["query", s(&bad), "--target", "Smoke"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("bad.bif:5:3: the probabilities of `Smoke` in this row sum to"),
        "{err}"
    );
    std::fs::write(&bad, "variable Smoke {\n  type discrete [ 2 ] { yes, no };\n}\nprobability ( Smok ) {\n  table 0.3, 0.7;\n}\n")
        .expect("write");
    let (code, _, err) = run(&["query", s(&bad), "--target", "Smoke"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(":4:15: no variable `Smok` is declared")
            && err.contains("did you mean `Smoke`?"),
        "{err}"
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run_ok(&["generate-completions", "--shell", shell]);
        assert!(out.contains("report"), "{shell}");
        assert!(out.contains("query"), "{shell}");
    }
    let man = run_ok(&["generate-man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH credence"),
        "{man}"
    );
    assert!(man.contains("report"));
    // Hidden from --help.
    let help = run_ok(&["--help"]);
    assert!(!help.contains("generate-man"), "{help}");
}

#[test]
fn snapshot_graph_dot_cab() {
    insta::assert_snapshot!(
        "cab_graph_dot",
        run_ok(&["graph", "models/cab.toml", "--format", "dot"])
    );
}

#[test]
fn snapshot_export_xmlbif_and_xdsl_cab() {
    insta::assert_snapshot!(
        "cab_export_xmlbif",
        run_ok(&["export", "models/cab.toml", "--format", "xmlbif"])
    );
    insta::assert_snapshot!(
        "cab_export_xdsl",
        run_ok(&["export", "models/cab.toml", "--format", "xdsl"])
    );
}

/// Bad XML networks: refused with the line and column, the line shown, and
/// a hint; hostile ones before anything large is built.
#[test]
fn query_xml_errors() {
    let dir = scratch("xml-errors");
    let cases: [(&str, String, &str, &str); 6] = [
        (
            "broken.xml",
            "<BIF VERSION=\"0.3\"><NETWORK>\n<VARIABLE><NAME>A</NAME>\n  <OUTCOME>x</OUTCOM>\n</VARIABLE></NETWORK></BIF>\n".into(),
            "broken.xml:3:",
            "not well-formed XML",
        ),
        (
            "sum.xmlbif",
            "<BIF><NETWORK><NAME>n</NAME>\n<VARIABLE TYPE=\"nature\"><NAME>A</NAME><OUTCOME>x</OUTCOME><OUTCOME>y</OUTCOME></VARIABLE>\n<DEFINITION><FOR>A</FOR><TABLE>0.5 0.6</TABLE></DEFINITION>\n</NETWORK></BIF>\n".into(),
            "sum.xmlbif:3:32",
            "sum to 1.1",
        ),
        (
            "noisy.xdsl",
            "<?xml version=\"1.0\"?>\n<smile version=\"1.0\" id=\"n\"><nodes>\n  <noisymax id=\"leak\"><state id=\"a\"/></noisymax>\n</nodes></smile>\n".into(),
            "noisy.xdsl:3:3",
            "node `leak` is a noisy-MAX node, which credence does not read",
        ),
        (
            "decision.xdsl",
            "<smile id=\"n\"><nodes><decision id=\"act\"/></nodes></smile>".into(),
            "decision.xdsl:1:22",
            "decision node",
        ),
        (
            "laughs.xml",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE BIF [\n<!ENTITY a \"aaaaaaaaaa\">\n<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n]>\n<BIF>&b;</BIF>\n".into(),
            "laughs.xml:3:1",
            "declares an XML entity",
        ),
        (
            "deep.xml",
            "<BIF>".repeat(200_000),
            "deep.xml:1:321",
            "nest over 64 deep",
        ),
    ];
    for (file, text, place, message) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).expect("write");
        let (code, out, err) = run(&["query", s(&path), "--target", "A"]);
        assert_eq!(code, 1, "{file}: {err}");
        assert!(out.is_empty(), "{file}: {out}");
        assert!(err.contains(place), "{file}: no {place} in\n{err}");
        assert!(err.contains(message), "{file}: no `{message}` in\n{err}");
        assert!(err.contains("network credence can read"), "{file}: {err}");
    }
}

#[test]
fn snapshot_export_bif_cab() {
    insta::assert_snapshot!(
        "cab_export_bif",
        run_ok(&["export", "models/cab.toml", "--format", "bif"])
    );
}

// ---------------------------------------------------------------------------
// The pgmpy cross-check.

/// (a) Random models and the repository's models, exported to BIF: pgmpy's
/// posterior of `hypothesis` with the file's evidence equals `credence
/// report` to 1e-9.
#[test]
fn pgmpy_agrees_on_exported_models() {
    let started = std::time::Instant::now();
    let dir = scratch("pgmpy-models");
    let mut cases: Vec<(String, PathBuf, PathBuf)> = Vec::new();
    for (k, &items) in SIZES.iter().enumerate() {
        let model = dir.join(format!("gen{k:02}_{items}.toml"));
        std::fs::write(&model, generate(0xC0FFEE + k as u64, items)).expect("write");
        cases.push((
            format!("generated seed {k}, {items} items"),
            model.clone(),
            dir.join(format!("gen{k:02}.bif")),
        ));
    }
    for model in models() {
        let name = model
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let bif = dir.join(format!("{name}.bif"));
        cases.push((name, model, bif));
    }
    let mut wanted = Vec::new();
    for (name, model, bif) in &cases {
        for format in NETWORK_FORMATS {
            run_ok(&[
                "export",
                s(model),
                "--format",
                format,
                "-o",
                s(&bif.with_extension(format)),
            ]);
        }
        let report: Value =
            serde_json::from_str(&run_ok(&["report", s(model), "--format", "json"])).expect("json");
        let ids: Vec<String> = report["hypotheses"]
            .as_array()
            .expect("hypotheses")
            .iter()
            .map(|h| h["id"].as_str().expect("id").to_string())
            .collect();
        let post: Vec<f64> = report["hypotheses"]
            .as_array()
            .expect("hypotheses")
            .iter()
            .map(|h| h["posterior"].as_f64().expect("posterior"))
            .collect();
        let log_evidence = report["log_evidence"].as_f64().expect("log_evidence");
        wanted.push((name.clone(), bif.clone(), ids, post, log_evidence));
    }
    let out = dir.join("pgmpy.json");
    let script = root().join("tests/pgmpy/posteriors.py");
    let files: Vec<PathBuf> = cases
        .iter()
        .flat_map(|c| NETWORK_FORMATS.map(|f| c.2.with_extension(f)))
        .collect();
    let mut args: Vec<&str> = vec![s(&script), s(&out), "hypothesis"];
    args.extend(files.iter().map(|f| s(f)));
    python(&args);
    let got = read_json(&out);
    assert_eq!(got["pgmpy"], PGMPY_VERSION, "pgmpy version");
    let mut worst = 0.0f64;
    let mut evidence = 0;
    let mut float64_off = Vec::new();
    let mut compared = 0;
    for (name, bif, ids, post, log_evidence) in &wanted {
        for format in ["xmlbif", "xdsl"] {
            let file = bif.with_extension(format);
            let r = &got["results"][s(&file)];
            let theirs = floats(&r["posterior"]);
            assert_eq!(theirs.len(), post.len(), "{name} ({format})");
            for (a, b) in post.iter().zip(&theirs) {
                let d = (a - b).abs();
                worst = worst.max(d);
                assert!(
                    d < TOLERANCE,
                    "{name} ({format}): credence {post:?} vs pgmpy {theirs:?}"
                );
            }
            assert_eq!(
                r["evidence"],
                got["results"][s(bif)]["evidence"],
                "{name} ({format}): the same evidence as the BIF"
            );
            compared += 1;
        }
        compared += 1;
        let r = &got["results"][s(bif)];
        let states: Vec<&str> = r["states"]
            .as_array()
            .expect("states")
            .iter()
            .map(|x| x.as_str().expect("state"))
            .collect();
        let expected = credence::network::bif::identifiers(ids.iter().map(String::as_str));
        assert_eq!(states, expected, "{name}: hypothesis states are the ids");
        let theirs = floats(&r["posterior"]);
        assert_eq!(theirs.len(), post.len(), "{name}");
        for (a, b) in post.iter().zip(&theirs) {
            let d = (a - b).abs();
            worst = worst.max(d);
            assert!(
                d < TOLERANCE,
                "{name}: credence {post:?} vs pgmpy {theirs:?}"
            );
        }
        // pgmpy in plain float64, for the record: it underflows once
        // P(evidence) < ~1e-308.
        let plain = floats(&r["posterior_float64"]);
        let d = post
            .iter()
            .zip(&plain)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        if d >= TOLERANCE {
            float64_off.push(format!(
                "{name} ({d:.1e}, log10 P(e) = {:.0})",
                log_evidence / std::f64::consts::LN_10
            ));
        }
        evidence += r["evidence"].as_u64().expect("count");
    }
    eprintln!(
        "pgmpy cross-check (a): {} models ({} generated, up to {} items) as BIF, XMLBIF and XDSL ({compared} files), {evidence} evidence nodes, max |difference| {worst:.3e} (pgmpy in extended precision), {:.1} s",
        wanted.len(),
        SIZES.len(),
        SIZES.iter().max().unwrap_or(&0),
        started.elapsed().as_secs_f64()
    );
    eprintln!(
        "pgmpy in float64 differs by >= 1e-9 on: {}",
        if float64_off.is_empty() {
            "none".to_string()
        } else {
            float64_off.join(", ")
        }
    );
}

/// (b) The bnlearn networks shipped in the pgmpy wheel, evidence from a
/// seeded forward sample: every other node's posterior from `credence
/// query` equals pgmpy's to 1e-9.
#[test]
fn pgmpy_agrees_on_bnlearn_networks() {
    let started = std::time::Instant::now();
    let dir = scratch("pgmpy-bnlearn");
    let script = root().join("tests/pgmpy/bnlearn.py");
    let mut args: Vec<&str> = vec![s(&script), s(&dir), "20240107"];
    args.extend(BNLEARN);
    args.push("--xml");
    args.extend(BNLEARN_XML);
    python(&args);
    let mut worst = 0.0f64;
    let mut queries = 0;
    let files = BNLEARN
        .iter()
        .map(|name| {
            (
                name.to_string(),
                format!("{name}.bif"),
                format!("{name}.json"),
            )
        })
        .chain(BNLEARN_XML.iter().flat_map(|name| {
            ["xmlbif", "xdsl"].map(|f| {
                (
                    format!("{name} ({f})"),
                    format!("{name}.{f}"),
                    format!("{name}.{f}.json"),
                )
            })
        }));
    for (name, file, json) in files {
        let data = read_json(&dir.join(json));
        assert_eq!(data["pgmpy"], PGMPY_VERSION, "pgmpy version");
        let bif = dir.join(file);
        let evidence: Vec<String> = data["evidence"]
            .as_object()
            .expect("evidence")
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().expect("state")))
            .collect();
        assert!(!evidence.is_empty());
        let posteriors = data["posteriors"].as_object().expect("posteriors");
        assert!(!posteriors.is_empty());
        for (node, p) in posteriors {
            let mut args: Vec<&str> = vec!["query", s(&bif), "--target", node, "--format", "json"];
            for e in &evidence {
                args.push("--evidence");
                args.push(e);
            }
            let ours: Value = serde_json::from_str(&run_ok(&args)).expect("json");
            let theirs_states: Vec<&str> = p["states"]
                .as_array()
                .expect("states")
                .iter()
                .map(|x| x.as_str().expect("state"))
                .collect();
            let theirs = floats(&p["posterior"]);
            let ours_post = ours["posterior"].as_array().expect("posterior");
            assert_eq!(ours_post.len(), theirs.len(), "{name}.{node}");
            for (state, q) in theirs_states.iter().zip(&theirs) {
                let mine = ours_post
                    .iter()
                    .find(|x| x["state"] == *state)
                    .and_then(|x| x["probability"].as_f64())
                    .unwrap_or_else(|| panic!("{name}.{node}: no state {state} in {ours}"));
                let d = (mine - q).abs();
                worst = worst.max(d);
                assert!(
                    d < TOLERANCE,
                    "{name}.{node}={state}: credence {mine} vs pgmpy {q}"
                );
            }
            queries += 1;
        }
    }
    eprintln!(
        "pgmpy cross-check (b): {} networks as BIF, {} also as pgmpy's XMLBIF and XDSL, {queries} posteriors, max |difference| {worst:.3e}, {:.1} s",
        BNLEARN.len(),
        BNLEARN_XML.len(),
        started.elapsed().as_secs_f64()
    );
}
