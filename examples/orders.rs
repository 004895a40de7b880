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

use std::time::{Duration, Instant};

use credence::network::factor::VarId;
use credence::network::order::{self, Order};
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
