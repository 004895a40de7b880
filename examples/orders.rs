//! Measures BIF loading and elimination orders on network files, for the
//! figures in docs/BIF.md:
//! `cargo run --release --example orders -- FILE.bif...`
//!
//! For each file: the parse time (median of several parses), then for two
//! evidence patterns (every fifth node in file order observed, about 20%;
//! every leaf observed) the order `query --all` eliminates in: the largest
//! and total table entries of the best single greedy heuristic (what
//! [`order::best`] chose before randomised restarts, [`order::best_greedy`]) and of [`order::best`]
//! now, and the time each search took. Evidence states do not change an
//! order (only which nodes are observed), so state 0 is entered.
//!
//! `cargo run --release --example orders -- --queries CMDS.json NAME...`
//! times the inference side of `credence query` (everything after
//! parsing) on ready-made queries instead: CMDS.json is a list of
//! `[name, [argv...]]`, argv as given to `credence` (`query FILE --target T
//! --evidence N=S ...`, or `--all`). For each named query: the parse, the
//! answer and the order alone (the least CPU time of this thread over
//! repeated runs, steady on a busy machine), the order's total and largest
//! tables and what found it.

use std::time::{Duration, Instant};

use credence::network::factor::VarId;
use credence::network::order::{self, Order};
use credence::network::query::{self, Query};
use credence::network::{Network, bif};

/// The allocator the `credence` binary ships with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Time `run` a few times (more when it is quick) and keep the median.
fn timed<T>(mut run: impl FnMut() -> T) -> (T, Duration) {
    let start = Instant::now();
    let first = run();
    let once = start.elapsed();
    let reps = if once < Duration::from_millis(2) {
        21
    } else if once < Duration::from_millis(50) {
        7
    } else {
        3
    };
    let mut times = vec![once];
    for _ in 1..reps {
        let start = Instant::now();
        std::hint::black_box(run());
        times.push(start.elapsed());
    }
    (first, median(times))
}

/// The CPU time of this thread (so other processes on a busy machine do
/// not count).
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write into; the clock id is a
    // constant every Linux has.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Run `run` a few times (more when it is quick) and keep the least CPU
/// time this thread spent on one run.
fn cpu_timed<T>(mut run: impl FnMut() -> T) -> (T, Duration) {
    let start = thread_cpu();
    let first = run();
    let once = thread_cpu() - start;
    let reps = (0.3 / once.as_secs_f64().max(1e-6)).clamp(3.0, 200.0) as usize;
    let mut least = once;
    for _ in 0..reps {
        let start = thread_cpu();
        std::hint::black_box(run());
        least = least.min(thread_cpu() - start);
    }
    (first, least)
}

fn row(name: &str, pattern: &str, net: &Network, observed: &[VarId]) {
    let (scopes, eliminate) = order::observed_problem(net, observed);
    let scopes: Vec<&[VarId]> = scopes.iter().map(Vec::as_slice).collect();
    let cards = net.cards();
    let (greedy, greedy_time) = timed(|| order::best_greedy(&scopes, &eliminate, &cards));
    let (best, best_time): (Order, Duration) = timed(|| order::best(&scopes, &eliminate, &cards));
    println!(
        "| {name} | {pattern} | {:.3e} | {:.3e} | {:.3e} | {:.3e} | {:.2} | {:.2} | {} |",
        greedy.max_entries,
        best.max_entries,
        greedy.total_entries,
        best.total_entries,
        greedy_time.as_secs_f64() * 1e3,
        best_time.as_secs_f64() * 1e3,
        match best.restart {
            Some(restart) => format!("{} (restart {restart})", best.heuristic.label()),
            None => best.heuristic.label().to_string(),
        },
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--queries") {
        queries(&args[1..]);
        return;
    }
    println!(
        "| network | observed | largest (greedy) | largest (best) | total (greedy) | total (best) | greedy ms | best ms | found by |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut parse_rows = Vec::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).expect("readable");
        let name = std::path::Path::new(&path)
            .file_stem()
            .map_or(path.clone(), |s| s.to_string_lossy().into_owned());
        let (parsed, parse_time) = timed(|| bif::parse(&text).expect("a BIF network"));
        parse_rows.push((name.clone(), text.len(), parse_time));
        let net = &parsed.net;
        let fifth: Vec<VarId> = parsed.file_order().into_iter().step_by(5).collect();
        let leaves: Vec<VarId> = (0..net.len())
            .filter(|&v| net.children(v).next().is_none())
            .collect();
        row(&name, "20%", net, &fifth);
        row(&name, "leaves", net, &leaves);
    }
    println!();
    println!("| network | bytes | parse ms | MB/s |");
    println!("|---|---|---|---|");
    for (name, bytes, time) in parse_rows {
        println!(
            "| {name} | {bytes} | {:.2} | {:.0} |",
            time.as_secs_f64() * 1e3,
            bytes as f64 / time.as_secs_f64() / 1e6
        );
    }
}

/// `--queries CMDS.json NAME...`: the inference side of each named query.
fn queries(args: &[String]) {
    let cmds: Vec<(String, Vec<String>)> =
        serde_json::from_str(&std::fs::read_to_string(&args[0]).expect("reads")).expect("json");
    for name in &args[1..] {
        let Some((_, argv)) = cmds.iter().find(|(n, _)| n == name) else {
            eprintln!("no query {name}");
            continue;
        };
        let file = &argv[1];
        let mut target = None;
        let mut evidence: Vec<(String, String)> = Vec::new();
        let mut all = false;
        let mut k = 2;
        while k < argv.len() {
            match argv[k].as_str() {
                "--target" => {
                    target = Some(argv[k + 1].clone());
                    k += 1;
                }
                "--evidence" => {
                    let (n, s) = argv[k + 1].split_once('=').expect("N=S");
                    evidence.push((n.to_string(), s.to_string()));
                    k += 1;
                }
                "--all" => all = true,
                "--format" => k += 1,
                _ => {}
            }
            k += 1;
        }
        let text = std::fs::read_to_string(file).expect("reads");
        let (parsed, parse_time) = cpu_timed(|| bif::parse(&text).expect("parses"));
        let pairs: Vec<(&str, &str)> = evidence
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let (answer, answer_time) = if all || target.is_none() {
            let (a, t) = cpu_timed(|| query::run_all(&parsed, &pairs, false));
            (a.map(|a| a.marginals.log_evidence), t)
        } else {
            let q = Query {
                target: target.as_deref().expect("a target"),
                evidence: &pairs,
                file_evidence: false,
            };
            let (a, t) = cpu_timed(|| query::run(&parsed, &q));
            (a.map(|a| a.marginal.log_evidence), t)
        };
        println!(
            "{name:20} parse {:8.3} ms  answer {:8.3} ms  ln P(e) {:?}",
            parse_time.as_secs_f64() * 1e3,
            answer_time.as_secs_f64() * 1e3,
            answer.map_err(|e| e.to_string()),
        );
        if let Some(t) = &target {
            let net = &parsed.net;
            let id = |name: &str| {
                (0..net.len())
                    .find(|&v| net.node(v).name == name)
                    .expect("node")
            };
            let ev: Vec<(usize, usize)> = evidence
                .iter()
                .map(|(n, st)| {
                    let v = id(n);
                    (
                        v,
                        net.node(v)
                            .states
                            .iter()
                            .position(|x| x == st)
                            .expect("state"),
                    )
                })
                .collect();
            let (o, order_time) =
                cpu_timed(|| credence::network::ve::posterior_order(net, &ev, id(t)));
            println!(
                "  order {:8.3} ms  total {:.3e} max {:.3e} ({:?} restart {:?})",
                order_time.as_secs_f64() * 1e3,
                o.total_entries,
                o.max_entries,
                o.heuristic,
                o.restart
            );
        }
    }
}
