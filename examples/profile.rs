//! Runs one stage many times on a generated model, for profilers:
//! `cargo run --release --example profile -- infer 1000 2000`
//! (stage: load | compile | infer | whatif | sensitivity | simulate |
//! report; items; repetitions; simulate runs 10,000 samples per repetition;
//! report is the bench's `report/uncertain`: five interval sources, then
//! analysis, bottom line, view and text, each part timed), or on a model
//! file:
//! `cargo run --release --example profile -- infer-file MODEL.toml 100`
//! (prints the mean seconds per inference on stdout, for bench/ scripts).
//! `PROFILE_SHAPE=relayed` profiles the benches' relayed shape instead.

#[path = "generate.rs"]
mod generate;

use credence::analysis::{sensitivity, simulate};
use credence::model::{Estimate, Override, Probability, Reliability, SourceId};
use credence::{analysis, model, network, report};

/// The allocator the `credence` binary ships with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stage = args.first().map_or("infer", String::as_str);
    if stage == "infer-file" {
        let path = args.get(1).expect("a model file");
        let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
        let (_, checked) =
            model::check_path(std::path::Path::new(path), std::path::Path::new("seeds"))
                .expect("readable");
        let c = network::compile(&checked.model.expect("valid model"));
        let start = std::time::Instant::now();
        let mut sink = 0.0;
        for _ in 0..reps {
            sink += c.infer().expect("infers").hypotheses[0];
        }
        println!("{:.9} {sink}", start.elapsed().as_secs_f64() / reps as f64);
        return;
    }
    let items: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    // `PROFILE_SHAPE=relayed`: the benches' relayed shape (five hypotheses,
    // three reports per item in relay chains up to depth 3).
    let shape = match std::env::var("PROFILE_SHAPE").as_deref() {
        Ok("relayed") => generate::Shape {
            items,
            hypotheses: 5,
            reports: 3,
            depth: 3,
            partial: 0.3,
            ..Default::default()
        },
        _ if stage == "report" => generate::Shape {
            items,
            interval_sources: 5,
            ..Default::default()
        },
        _ => generate::Shape {
            items,
            ..Default::default()
        },
    };
    let text = generate::generate(shape);
    let load = || {
        model::check_text("p.toml", &text, model::no_documents)
            .model
            .expect("valid")
    };
    let start = std::time::Instant::now();
    let mut sink = 0.0;
    match stage {
        "load" => (0..reps).for_each(|_| sink += load().items.len() as f64),
        "compile" => {
            let m = load();
            (0..reps).for_each(|_| sink += network::compile(&m).net.len() as f64)
        }
        "whatif" => {
            // One source's reliability, toggled between two values so every
            // repetition is a real change.
            let mut inc = network::Incremental::new(&load()).expect("compiles");
            let set = |r: f64| {
                let p = Probability::new(r).expect("in [0, 1]");
                [Override::SourceReliability(
                    SourceId(0),
                    Reliability::Accuracy(Estimate::exact(p)),
                )]
            };
            let (a, b) = (set(0.6), set(0.8));
            for k in 0..reps {
                inc.apply(if k % 2 == 0 { &a } else { &b })
                    .expect("applies");
                sink += inc.hypotheses().expect("infers")[0];
            }
        }
        "sensitivity" => {
            let m = load();
            (0..reps).for_each(|_| {
                let s = sensitivity::analyse(&m, sensitivity::DEFAULT_POINTS).expect("sweeps");
                sink += s.sweeps.len() as f64;
            })
        }
        "report" => {
            let m = load();
            let mut parts = [std::time::Duration::ZERO; 3];
            for _ in 0..reps {
                let t = std::time::Instant::now();
                let a = analysis::analyse(&m).expect("analyses");
                parts[0] += t.elapsed();
                let t = std::time::Instant::now();
                let line = analysis::judgement::bottom_line(&m, &a).expect("judges");
                parts[1] += t.elapsed();
                let t = std::time::Instant::now();
                let view = report::build(&m, &a).with_bottom_line(&m, &line);
                let mut out = Vec::new();
                report::write(&view, report::Format::Text, false, &mut out).expect("writes");
                parts[2] += t.elapsed();
                sink += out.len() as f64;
            }
            for (name, d) in ["analyse", "bottom line", "view and text"]
                .iter()
                .zip(parts)
            {
                eprintln!("  {name}: {:?} per run", d / reps as u32);
            }
        }
        "simulate" => {
            let m = load();
            (0..reps).for_each(|_| {
                let s = simulate::simulate(&m, simulate::Options::default(), &simulate::NoProgress)
                    .expect("simulates");
                sink += s.hypotheses[0].mean;
            })
        }
        _ => {
            let c = network::compile(&load());
            (0..reps).for_each(|_| sink += c.infer().expect("infers").hypotheses[0])
        }
    }
    eprintln!(
        "{stage}: {:?} per run ({sink:.3})",
        start.elapsed() / reps as u32
    );
}
