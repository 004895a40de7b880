//! General networks (issue 18): `query --all` (every node's posterior from
//! one calibration) equals one `query` per node to 1e-12 on the bnlearn
//! networks shipped in pgmpy's wheel and on every exported teaching model;
//! `query --evidence-file` answers each line as `query` would, and places a
//! bad line; an over-budget BIF network is refused naming its nodes.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use credence::network::{bif, query};
use serde_json::Value;

use crate::cli::{credence, models};
use crate::interop::BNLEARN;

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("networks-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The Python with the pinned pgmpy, as tests/it/interop.rs finds it.
fn pgmpy_python() -> PathBuf {
    if let Some(p) = std::env::var_os("CREDENCE_PGMPY") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pgmpy-venv/bin/python");
    assert!(
        venv.exists(),
        "the bnlearn networks come from pgmpy's wheel: set CREDENCE_PGMPY or make \
         target/pgmpy-venv (tests/pgmpy/README.md)"
    );
    venv
}

/// The bnlearn networks `names`, uncompressed from pgmpy's wheel into `dir`.
pub(crate) fn bnlearn(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    let script = "import gzip, os, sys, pgmpy\n\
        src = os.path.join(os.path.dirname(pgmpy.__file__), 'utils', 'example_models')\n\
        for name in sys.argv[2:]:\n\
        \x20   text = gzip.open(os.path.join(src, name + '.bif.gz'), 'rt').read()\n\
        \x20   open(os.path.join(sys.argv[1], name + '.bif'), 'w').write(text)\n";
    let status = Process::new(pgmpy_python())
        .arg("-c")
        .arg(script)
        .arg(dir)
        .args(names)
        .status()
        .expect("python runs");
    assert!(status.success(), "unpacking {names:?}");
    names.iter().map(|n| dir.join(format!("{n}.bif"))).collect()
}

/// Evidence on every sixth node in file order, each in its most probable
/// state given the evidence before it (so the set is never impossible).
fn some_evidence(net: &bif::Bif) -> Vec<(String, String)> {
    let mut evidence: Vec<(String, String)> = Vec::new();
    for v in net.file_order().into_iter().step_by(6) {
        let pairs: Vec<(&str, &str)> = evidence
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let all = query::run_all(net, &pairs, true).expect("possible");
        let probs = &all.marginals.probs[v];
        let best = (0..probs.len())
            .max_by(|&a, &b| probs[a].total_cmp(&probs[b]))
            .expect("states");
        let node = net.net.node(v);
        evidence.push((node.name.clone(), node.states[best].clone()));
    }
    evidence
}

/// The largest |sum - 1| of a CPT row of `net` (BIF files round their
/// numbers; the parser accepts rows within a tolerance).
fn row_sum_error(net: &bif::Bif) -> f64 {
    (0..net.net.len())
        .flat_map(|v| {
            let rows = net.net.cpt_factor(v).sum_out(v);
            rows.log_values()
                .iter()
                .map(|l| (l.exp() - 1.0).abs())
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max)
}

/// `run_all` equals `run` on every node of `path`'s network, with no
/// evidence and with [`some_evidence`]; the largest difference and the
/// file's largest row-sum error.
fn all_equals_each(path: &Path) -> (f64, f64) {
    let text = std::fs::read_to_string(path).expect("bif");
    let net = bif::parse(&text).expect("parses");
    // One query prunes barren nodes, --all keeps every CPT: the two agree
    // exactly when each row sums to 1, and to the file's rounding
    // otherwise.
    let rows = row_sum_error(&net);
    let tolerance = 1e-12 + 1e3 * rows;
    let mut worst = 0.0f64;
    for evidence in [Vec::new(), some_evidence(&net)] {
        let pairs: Vec<(&str, &str)> = evidence
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let all = query::run_all(&net, &pairs, true).expect("answers");
        for v in 0..net.net.len() {
            let name = &net.net.node(v).name;
            let one = query::run(
                &net,
                &query::Query {
                    target: name,
                    evidence: &pairs,
                    file_evidence: true,
                },
            )
            .expect("answers");
            let mine = &all.marginals.probs[v];
            assert_eq!(mine.len(), one.marginal.probs.len());
            for (a, b) in mine.iter().zip(&one.marginal.probs) {
                let d = (a - b).abs();
                worst = worst.max(d);
                assert!(d < tolerance, "{}: {name}: {a} vs {b}", path.display());
            }
            let (a, b) = (all.marginals.log_evidence, one.marginal.log_evidence);
            assert!(
                (a - b).abs() <= tolerance * b.abs().max(1.0),
                "{}: ln P(e) {a} vs {b}",
                path.display()
            );
        }
    }
    (worst, rows)
}

#[test]
fn all_equals_one_query_per_node_on_bnlearn_networks() {
    let dir = scratch("bnlearn");
    let mut worst = 0.0f64;
    for path in bnlearn(&dir, &BNLEARN) {
        let (diff, rows) = all_equals_each(&path);
        eprintln!(
            "{}: max |difference| {diff:.3e}, row-sum error {rows:.3e}",
            path.display()
        );
        if rows < 1e-12 {
            worst = worst.max(diff);
        }
    }
    assert!(worst < 1e-12, "{worst}");
    eprintln!("query --all vs query per node, bnlearn (exact rows): max |difference| {worst:.3e}");
}

#[test]
fn all_equals_one_query_per_node_on_exported_models() {
    let dir = scratch("exported");
    for model in models() {
        let name = model.file_stem().and_then(|n| n.to_str()).expect("name");
        let bif = dir.join(format!("{name}.bif"));
        credence()
            .args(["export", model.to_str().expect("utf-8"), "-o"])
            .arg(&bif)
            .assert()
            .success();
        let (diff, _) = all_equals_each(&bif);
        assert!(diff < 1e-12, "{name}: {diff}");
    }
}

fn stdout_json(args: &[&str]) -> Value {
    let out = credence().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

const RAIN: &str = "network rain { }
variable Rain { type discrete [ 2 ] { yes, no }; property evidence = yes ; }
variable Sprinkler { type discrete [ 2 ] { on, off }; }
variable Grass { type discrete [ 2 ] { wet, dry }; }
probability ( Grass | Rain, Sprinkler ) { (yes, on) 0.99, 0.01; (no, on) 0.9, 0.1; (yes, off) 0.8, 0.2; (no, off) 0.0, 1.0; }
probability ( Sprinkler | Rain ) { (yes) 0.01, 0.99; (no) 0.4, 0.6; }
probability ( Rain ) { table 0.2, 0.8; }
";

#[test]
fn all_lists_nodes_in_file_order_in_every_format() {
    let dir = scratch("all-formats");
    let path = dir.join("rain.bif");
    std::fs::write(&path, RAIN).expect("write");
    let p = path.to_str().expect("utf-8");
    let json = stdout_json(&["query", p, "--all", "--format", "json"]);
    assert_eq!(json["kind"], "credence.query-all");
    let nodes: Vec<&str> = json["marginals"]
        .as_array()
        .expect("marginals")
        .iter()
        .map(|m| m["node"].as_str().expect("node"))
        .collect();
    assert_eq!(nodes, ["Rain", "Sprinkler", "Grass"], "file order");
    assert_eq!(json["marginals"][0]["observed"], true);
    assert_eq!(json["evidence"][0]["from"], "file");
    for (k, node) in nodes.iter().enumerate() {
        let one = stdout_json(&["query", p, "--target", node, "--format", "json"]);
        let all_probs = json["marginals"][k]["posterior"].as_array().expect("p");
        let one_probs = one["posterior"].as_array().expect("p");
        for (a, b) in all_probs.iter().zip(one_probs) {
            assert_eq!(a["state"], b["state"]);
            let (a, b) = (a["probability"].as_f64(), b["probability"].as_f64());
            assert!((a.expect("p") - b.expect("p")).abs() < 1e-12, "{node}");
        }
        assert!(
            (json["log_evidence"].as_f64().expect("l") - one["log_evidence"].as_f64().expect("l"))
                .abs()
                < 1e-12
        );
    }
    let text = credence()
        .args(["query", p, "--all"])
        .output()
        .expect("runs");
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(text.contains("Rain = yes (file)"), "{text}");
    let rain = text.find("Rain ").expect("Rain row");
    let grass = text.find("Grass").expect("Grass row");
    assert!(rain < grass, "{text}");
    assert!(text.contains("ln P(evidence) = -1.609438"), "{text}");
}

#[test]
fn evidence_file_answers_each_line_as_query_would() {
    let dir = scratch("evidence-file");
    let path = dir.join("rain.bif");
    std::fs::write(&path, RAIN).expect("write");
    let sets = dir.join("sets.jsonl");
    std::fs::write(
        &sets,
        "{\"Grass\": \"wet\"}\n\n{\"rain\": \"no\", \"Grass\": \"wet\"}\n{}\n",
    )
    .expect("write");
    let p = path.to_str().expect("utf-8");
    let s = sets.to_str().expect("utf-8");
    let json = stdout_json(&[
        "query",
        p,
        "--target",
        "Sprinkler",
        "--evidence-file",
        s,
        "--format",
        "json",
    ]);
    assert_eq!(json["kind"], "credence.query-sets");
    let answers = json["sets"].as_array().expect("sets");
    let lines: Vec<u64> = answers
        .iter()
        .map(|a| a["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, [1, 3, 4]);
    let expected: [&[&str]; 3] = [&["Grass=wet"], &["rain=no", "Grass=wet"], &[]];
    for (answer, evidence) in answers.iter().zip(expected) {
        let mut args = vec!["query", p, "--target", "Sprinkler", "--format", "json"];
        for e in evidence {
            args.extend(["--evidence", e]);
        }
        let one = stdout_json(&args);
        assert_eq!(
            answer["marginals"][0]["posterior"], one["posterior"],
            "{evidence:?}"
        );
        assert_eq!(answer["log_evidence"], one["log_evidence"]);
    }
    assert_eq!(answers[1]["evidence"][0]["from"], "evidence file");
    // --all over every set.
    let json = stdout_json(&[
        "query",
        p,
        "--all",
        "--evidence-file",
        s,
        "--format",
        "json",
    ]);
    assert_eq!(
        json["sets"][0]["marginals"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(json["target"], Value::Null);
    // Text.
    let out = credence()
        .args(["query", p, "--target", "sprinkler", "--evidence-file", s])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("Set 2 (line 3)"), "{text}");
    assert!(text.contains("Grass = wet (evidence file)"), "{text}");
}

#[test]
fn evidence_file_errors_give_line_column_and_hint() {
    let dir = scratch("evidence-file-errors");
    let path = dir.join("rain.bif");
    std::fs::write(&path, RAIN).expect("write");
    let p = path.to_str().expect("utf-8");
    let cases: [(&str, &str, &str); 4] = [
        (
            "{}\n{\"Grass\": \"wet\",}\n",
            "sets.jsonl:2:17: trailing comma",
            "one JSON object per line",
        ),
        (
            "{\"Grass\": 1}\n",
            "sets.jsonl:1:11: invalid type: integer",
            "one JSON object per line",
        ),
        (
            "{}\n{}\n{\"Gras\": \"wet\"}\n",
            "sets.jsonl:3:2: evidence: the network has no node `Gras`",
            "did you mean `Grass`?",
        ),
        (
            "{\"Grass\": \"damp\"}\n",
            "sets.jsonl:1:11: evidence: node `Grass` has no state `damp`",
            "known: `wet`, `dry`",
        ),
    ];
    for (body, error, hint) in cases {
        let sets = dir.join("sets.jsonl");
        std::fs::write(&sets, body).expect("write");
        let out = credence()
            .args(["query", p, "--all", "--evidence-file"])
            .arg(&sets)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{body}");
        let err = String::from_utf8(out.stderr).expect("utf-8");
        assert!(err.contains(error), "{body}: {err}");
        assert!(err.contains(hint), "{body}: {err}");
    }
    // The evidence file is capped and read like every input: a folder is
    // refused.
    let out = credence()
        .args(["query", p, "--all", "--evidence-file"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// `roots` binary roots and a child of every pair, each child observed:
/// the moral graph is complete on the roots, so any order walks a
/// 2^`roots`-entry clique and one elimination holds a 2^(`roots` - 1)
/// message.
fn tangled(roots: usize) -> String {
    let mut s = String::from("network tangled { }\n");
    for i in 0..roots {
        s += &format!("variable R{i} {{ type discrete [ 2 ] {{ a, b }}; }}\n");
        s += &format!("probability ( R{i} ) {{ table 0.5, 0.5; }}\n");
    }
    for i in 0..roots {
        for j in i + 1..roots {
            s += &format!(
                "variable C{i}_{j} {{ type discrete [ 2 ] {{ a, b }}; property evidence = a ; }}\n\
                 probability ( C{i}_{j} | R{i}, R{j} ) {{ (a, a) 0.9, 0.1; (b, a) 0.3, 0.7; (a, b) 0.4, 0.6; (b, b) 0.2, 0.8; }}\n"
            );
        }
    }
    s
}

#[test]
fn over_budget_refusal_names_the_nodes_and_gives_bif_advice() {
    let dir = scratch("over-budget");
    let path = dir.join("tangled.bif");
    std::fs::write(&path, tangled(27)).expect("write");
    // With 27 roots one elimination holds 768 MiB. `--all` merges its
    // widest separators into their cliques (2^27 entries, never built) and
    // fits; with 28 it could only by walking a clique of twice the
    // budget's entries, and is refused.
    let wider = dir.join("tangled28.bif");
    std::fs::write(&wider, tangled(28)).expect("write");
    for (path, args) in [(&path, vec!["--target", "R0"]), (&wider, vec!["--all"])] {
        let out = credence()
            .arg("query")
            .arg(path)
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(out.stderr).expect("utf-8");
        assert!(err.contains("over the budget of 512 MiB"), "{err}");
        assert!(
            err.contains("`R0`") && err.contains("tie the network together"),
            "{err}"
        );
        assert!(err.contains("--evidence NODE=STATE"), "{err}");
        assert!(
            !err.contains("reliability") && !err.contains("simulate"),
            "{err}"
        );
        if args == ["--all"] {
            // The estimate is the calibration's own peak (every separator
            // kept: 2^27 entries and the tables), and one target is offered.
            assert!(
                err.contains("1.342e8 entries") && err.contains("(about 1024 MiB)"),
                "{err}"
            );
            assert!(err.contains("--target NODE"), "{err}");
        }
    }
    // Without the file's evidence the children are barren: one root's
    // posterior is its prior.
    let json = stdout_json(&[
        "query",
        path.to_str().expect("utf-8"),
        "--target",
        "R3",
        "--ignore-file-evidence",
        "--format",
        "json",
    ]);
    assert_eq!(json["posterior"][0]["probability"], 0.5);
}

/// `credence query NET --evidence-file SETS` with `options` before them.
fn query_sets(options: &[&str], sets: &Path, net: &Path) -> std::process::Output {
    credence()
        .arg("query")
        .args(options)
        .arg("--evidence-file")
        .arg(sets)
        .arg(net)
        .output()
        .expect("runs")
}

/// A refusal before any work: exit 1, the budget named, nothing printed.
fn assert_refused_over_budget(refused: &std::process::Output) {
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("over the budget"), "{err}");
    assert!(refused.stdout.is_empty());
}

/// A long evidence file is estimated before any line is answered: with
/// --all every line prints every node's posterior, and a file of three
/// million empty sets is refused at once with the estimate (exit 1),
/// while three lines are answered.
#[test]
fn a_long_evidence_file_is_refused_before_any_work() {
    let dir = crate::robustness::TempDir::new("evidence-sets-budget");
    let net = dir.path("cab.bif");
    let o = credence()
        .args(["export", "models/cab.toml", "--format", "bif", "-o"])
        .arg(&net)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let many = dir.path("many.jsonl");
    std::fs::write(&many, "{}\n".repeat(3_000_000)).expect("writes");
    let few = dir.path("few.jsonl");
    std::fs::write(&few, "{}\n".repeat(3)).expect("writes");
    assert_refused_over_budget(&query_sets(&["--all"], &many, &net));
    let answered = query_sets(&["--all"], &few, &net);
    assert_eq!(answered.status.code(), Some(0));
}

/// A `side` x `side` grid of binary nodes, each a child of the node above
/// and the node to its left: small tables, but a wide elimination without
/// evidence (treewidth `side`).
fn grid_bif(side: usize) -> String {
    let name = |i: usize, j: usize| format!("x{i}_{j}");
    let mut text = String::from("network grid {\n}\n");
    for i in 0..side {
        for j in 0..side {
            text += &format!(
                "variable {} {{\n  type discrete [ 2 ] {{ no, yes }};\n}}\n",
                name(i, j)
            );
        }
    }
    for i in 0..side {
        for j in 0..side {
            let mut parents = Vec::new();
            if i > 0 {
                parents.push(name(i - 1, j));
            }
            if j > 0 {
                parents.push(name(i, j - 1));
            }
            if parents.is_empty() {
                text += &format!("probability ( {} ) {{\n  table 0.5, 0.5;\n}}\n", name(i, j));
                continue;
            }
            text += &format!(
                "probability ( {} | {} ) {{\n",
                name(i, j),
                parents.join(", ")
            );
            // One row per parent combination: P(yes) rises with the
            // parents that are yes.
            for row in 0..1usize << parents.len() {
                let states: Vec<&str> = (0..parents.len())
                    .map(|k| if row >> k & 1 == 1 { "yes" } else { "no" })
                    .collect();
                let p = 0.25 + 0.25 * row.count_ones() as f64;
                text += &format!("  ({}) {}, {p};\n", states.join(", "), 1.0 - p);
            }
            text += "}\n";
        }
    }
    text
}

/// The work of an evidence file is each line's own elimination with its
/// evidence entered: a grid whose elimination without evidence is wide
/// answers 40 lines that observe a node beside the target (each line a
/// two-node problem), where the bound without evidence (40 x 2.5e8
/// entries) was refused; and 40 lines observing the far corner, whose
/// ancestors are the whole grid, are still refused with their own
/// estimate, before any is answered.
#[test]
fn an_evidence_file_is_estimated_with_each_lines_evidence() {
    let dir = crate::robustness::TempDir::new("evidence-sets-own-order");
    let net = dir.path("grid.bif");
    std::fs::write(&net, grid_bif(20)).expect("writes");
    let near = dir.path("near.jsonl");
    std::fs::write(&near, "{\"x0_1\": \"yes\"}\n".repeat(40)).expect("writes");
    let far = dir.path("far.jsonl");
    std::fs::write(&far, "{\"x19_19\": \"yes\"}\n".repeat(40)).expect("writes");
    let answered = query_sets(&["--target", "x0_0", "--format", "json"], &near, &net);
    let err = String::from_utf8_lossy(&answered.stderr);
    assert_eq!(answered.status.code(), Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&answered.stdout).expect("json");
    let sets = json["sets"].as_array().expect("sets");
    assert_eq!(sets.len(), 40);
    // P(x0_0 = yes | x0_1 = yes): x0_1 is yes with 0.5 when x0_0 is yes
    // and 0.25 when not, so 0.5 * 0.5 / (0.5 * 0.5 + 0.5 * 0.25) = 2/3.
    let yes = &sets[39]["marginals"][0]["posterior"][1]["probability"];
    assert!(
        (yes.as_f64().expect("number") - 2.0 / 3.0).abs() < 1e-12,
        "{yes}"
    );
    assert_refused_over_budget(&query_sets(&["--target", "x0_0"], &far, &net));
}

/// `query --evidence-file` orders each distinct set once: [`query::SetWork`]
/// estimates every line and answers it in the plan kept for its set, and
/// each answer equals [`query::run_set_within`]'s (which orders afresh)
/// exactly, for one target and for every node; a set repeated in another
/// order, or under the target, reuses its plan.
#[test]
fn evidence_sets_are_ordered_once_and_answered_as_alone() {
    let dir = scratch("set-plans");
    let path = &bnlearn(&dir, &["alarm"])[0];
    let text = std::fs::read_to_string(path).expect("bif");
    let net = bif::parse(&text).expect("parses");
    let evidence = some_evidence(&net);
    let line = |pairs: &[(String, String)]| -> String {
        let body: Vec<String> = pairs
            .iter()
            .map(|(n, s)| format!("{}: {}", Value::from(n.as_str()), Value::from(s.as_str())))
            .collect();
        format!("{{{}}}", body.join(", "))
    };
    let mut reversed = evidence.clone();
    reversed.reverse();
    let half = &evidence[..evidence.len() / 2];
    // Four distinct sets over seven lines: the full set twice (once
    // reversed), half of it twice, nothing twice, and one with the target.
    let lines = [
        line(&evidence),
        line(half),
        "{}".to_string(),
        line(&reversed),
        line(half),
        "{}".to_string(),
        line(&[("HR".to_string(), "HIGH".to_string())]),
    ];
    let sets = query::parse_evidence_sets(&lines.join("\n")).expect("parses");
    let budget = 512 << 20;
    let names = query::NodeNames::new(&net.net);
    for target in [Some("HR"), None] {
        let mut work = query::SetWork::new(&net, budget);
        for set in &sets {
            work.add(target, &[], set, true).expect("estimates");
        }
        assert_eq!(work.plans_made(), 4, "{target:?}");
        assert!(work.total > 0.0);
        for set in &sets {
            let planned = work.answer(target, &[], set, true).expect("answers");
            let alone = query::run_set_within(&net, &names, target, &[], set, true, budget)
                .expect("answers");
            assert_eq!(planned, alone, "{target:?}, line {}", set.line);
        }
        assert_eq!(work.plans_made(), 4, "answering orders nothing again");
    }
}
