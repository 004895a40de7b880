//! Engine benchmarks at 100 to 100,000 items: load + validate, compile,
//! exact inference, one what-if change, a full sensitivity run and a
//! simulation, reading multi-megabyte BIF networks (`bif/`), and `query`
//! on the bnlearn networks munin and barley with every leaf observed
//! (`query/`, from pgmpy's wheel, skipped without it). Targets (2-core
//! machine) and measured figures are in the README's performance section.
//!
//! `cargo bench --bench engine -- GROUP` runs one group, e.g. `whatif`.

#[path = "common/bnlearn.rs"]
mod bnlearn;
#[path = "../examples/generate.rs"]
mod generate;
#[path = "../tests/it/common/sample.rs"]
#[allow(dead_code)]
mod sample;

use std::time::Duration;

use credence::analysis::{self, leader, ranges, sensitivity, simulate};
use credence::model::{self, Estimate, Model, Override, Probability, Reliability, SourceId};
use credence::network::{self, Incremental};
use credence::report;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use generate::{Shape, generate};

/// The allocator the `credence` binary ships with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The generated model's text, or `None` (with a note) when it is over the
/// file-size limit, as the relayed shape is at 100,000 items.
fn text_of(shape: Shape) -> Option<String> {
    let text = generate(shape);
    if text.len() > model::MAX_FILE_BYTES {
        eprintln!(
            "skipped: {} items of this shape are {} bytes, over the {}-byte file limit",
            shape.items,
            text.len(),
            model::MAX_FILE_BYTES
        );
        return None;
    }
    Some(text)
}

fn model_of(text: &str) -> Model {
    model::check_text("bench.toml", text, model::no_documents)
        .model
        .expect("generated models are valid")
}

/// Three hypotheses, one report per item: the simple analyst shape.
fn simple(items: usize) -> Shape {
    Shape {
        items,
        ..Shape::default()
    }
}

/// Five hypotheses, three reports per item in relay chains up to depth 3.
fn relayed(items: usize) -> Shape {
    Shape {
        items,
        hypotheses: 5,
        reports: 3,
        depth: 3,
        partial: 0.3,
        ..Shape::default()
    }
}

const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

fn bench(c: &mut Criterion) {
    for (name, shape) in [
        ("simple", simple as fn(usize) -> Shape),
        ("relayed", relayed),
    ] {
        let mut group = c.benchmark_group(format!("load_validate/{name}"));
        group.sample_size(10);
        for n in SIZES {
            let Some(text) = text_of(shape(n)) else {
                continue;
            };
            group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
                b.iter(|| model_of(text))
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("compile/{name}"));
        group.sample_size(10);
        for n in SIZES {
            let Some(text) = text_of(shape(n)) else {
                continue;
            };
            let m = model_of(&text);
            group.bench_with_input(BenchmarkId::from_parameter(n), &m, |b, m| {
                b.iter(|| network::compile(m))
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("infer/{name}"));
        group.sample_size(10);
        for n in SIZES {
            let Some(text) = text_of(shape(n)) else {
                continue;
            };
            let compiled = network::compile(&model_of(&text));
            group.bench_with_input(BenchmarkId::from_parameter(n), &compiled, |b, c| {
                b.iter(|| c.infer().expect("inference succeeds"))
            });
        }
        group.finish();
    }
}

/// The simple shape with a quarter of its sources given an interval
/// reliability: something for a simulation to draw.
fn uncertain(items: usize) -> Shape {
    Shape {
        interval_sources: 5,
        ..simple(items)
    }
}

/// A change of one source's reliability: the override toggles between two
/// values, so every iteration is a real change.
fn one_source(r: f64) -> [Override; 1] {
    let p = Probability::new(r).expect("in [0, 1]");
    [Override::SourceReliability(
        SourceId(0),
        Reliability::Accuracy(Estimate::exact(p)),
    )]
}

fn analyses(c: &mut Criterion) {
    for (name, shape) in [
        ("simple", simple as fn(usize) -> Shape),
        ("relayed", relayed),
    ] {
        let mut group = c.benchmark_group(format!("whatif/{name}"));
        group.sample_size(10);
        for n in SIZES {
            let Some(text) = text_of(shape(n)) else {
                continue;
            };
            let mut engine = Incremental::new(&model_of(&text)).expect("compiles");
            let (a, b) = (one_source(0.6), one_source(0.8));
            let mut flip = false;
            group.bench_function(BenchmarkId::from_parameter(n), |bench| {
                bench.iter(|| {
                    flip = !flip;
                    engine.apply(if flip { &a } else { &b }).expect("applies");
                    engine.hypotheses().expect("infers")
                })
            });
        }
        group.finish();
    }

    let mut group = c.benchmark_group("sensitivity/simple");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    for n in SIZES {
        let m = model_of(&generate(simple(n)));
        group.bench_with_input(BenchmarkId::from_parameter(n), &m, |b, m| {
            b.iter(|| sensitivity::analyse(m, sensitivity::DEFAULT_POINTS).expect("sweeps"))
        });
    }
    group.finish();

    // The nearest change within each parameter's plausible range that
    // takes the lead from the baseline's leader: what the bottom line asks
    // of every parameter.
    let mut group = c.benchmark_group("nearest_flip/simple");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    for n in [1_000, 10_000] {
        let engine = Incremental::new(&model_of(&generate(simple(n)))).expect("compiles");
        let lead = leader(&engine.hypotheses().expect("infers"));
        group.bench_with_input(BenchmarkId::from_parameter(n), &engine, |b, engine| {
            b.iter(|| {
                ranges::flips_within(engine, ranges::RangeMode::Plausible, &|p: &[f64]| {
                    leader(p) == lead
                })
                .expect("searches")
            })
        });
    }
    group.finish();

    // 1,000 samples at every size show the growth; the 10,000-sample run
    // at 1,000 items is the target.
    let mut group = c.benchmark_group("simulate_1000_samples/uncertain");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    for n in SIZES {
        let m = model_of(&generate(uncertain(n)));
        let options = simulate::Options {
            samples: 1_000,
            seed: 1,
        };
        group.bench_with_input(BenchmarkId::from_parameter(n), &m, |b, m| {
            b.iter(|| simulate::simulate(m, options, &simulate::NoProgress).expect("simulates"))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("simulate_10000_samples/uncertain");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    let m = model_of(&generate(uncertain(1_000)));
    group.bench_with_input(BenchmarkId::from_parameter(1_000), &m, |b, m| {
        b.iter(|| {
            simulate::simulate(m, simulate::Options::default(), &simulate::NoProgress)
                .expect("simulates")
        })
    });
    group.finish();
}

/// The bottom line of `report` (judgement, flips within stated ranges,
/// Monte Carlo share, scenarios, linchpins) at 1,000 and 10,000 items, on
/// the simple shape (point numbers: flips only) and the uncertain one
/// (interval sources: 1,000 samples too); and the whole `report` at 1,000
/// items: analyse, bottom line, view and text.
fn judgement(c: &mut Criterion) {
    for (name, shape) in [
        ("simple", simple as fn(usize) -> Shape),
        ("uncertain", uncertain),
    ] {
        let mut group = c.benchmark_group(format!("bottom_line/{name}"));
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500));
        for n in [1_000, 10_000] {
            let m = model_of(&generate(shape(n)));
            let a = analysis::analyse(&m).expect("analyses");
            group.bench_with_input(BenchmarkId::from_parameter(n), &(m, a), |b, (m, a)| {
                b.iter(|| analysis::judgement::bottom_line(m, a).expect("judges"))
            });
        }
        group.finish();
        let mut group = c.benchmark_group(format!("report/{name}"));
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500));
        let m = model_of(&generate(shape(1_000)));
        group.bench_with_input(BenchmarkId::from_parameter(1_000), &m, |b, m| {
            b.iter(|| {
                let a = analysis::analyse(m).expect("analyses");
                let line = analysis::judgement::bottom_line(m, &a).expect("judges");
                let view = report::build(m, &a).with_bottom_line(m, &line);
                let mut out = Vec::new();
                report::write(&view, report::Format::Text, false, &mut out).expect("writes");
                out
            })
        });
        group.finish();
    }
}

/// A model as wide as it is long: 1,000 hypotheses × 1,000 items (the
/// simple shape otherwise). Weight of evidence for each hypothesis against
/// the others was hypotheses² log-sum-exp terms per item, 37 s of `report`
/// here; the analysis that `report`, `collect`, `ach` and `explain` share,
/// and the analysis steps of `ach` and `explain` on top of it.
fn wide(c: &mut Criterion) {
    let mut group = c.benchmark_group("wide/1000x1000");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    let m = model_of(&generate(Shape {
        hypotheses: 1_000,
        ..simple(1_000)
    }));
    group.bench_function("analyse", |b| {
        b.iter(|| analysis::analyse(&m).expect("analyses"))
    });
    let a = analysis::analyse(&m).expect("analyses");
    group.bench_function("ach", |b| {
        b.iter(|| analysis::ach::ach(&m, &a).expect("rates"))
    });
    group.bench_function("explain", |b| {
        b.iter(|| analysis::explain::explain(&m, &a, None).expect("explains"))
    });
    group.finish();
}

/// `compare` on two analysts' 1,000-item models whose every item differs
/// (seeds 1 and 2 of one shape: each likelihood, reliability and bias is
/// a crux): both analyses and bottom lines, alignment, pools, every
/// adoption (3,990 cruxes, 7,980 adoptions) and the ACH consensus.
/// Target: under 1 s, simple and uncertain shapes.
fn comparison(c: &mut Criterion) {
    for (name, shape) in [
        ("simple", simple as fn(usize) -> Shape),
        ("uncertain", uncertain),
    ] {
        let mut group = c.benchmark_group(format!("compare/{name}"));
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500));
        let a = model_of(&generate(shape(1_000)));
        let b = model_of(&generate(Shape {
            seed: 2,
            ..shape(1_000)
        }));
        let names = ["a".to_string(), "b".to_string()];
        group.bench_with_input(
            BenchmarkId::from_parameter(1_000),
            &(a, b),
            |bench, (a, b)| {
                bench.iter(|| analysis::compare::compare(&names, &[a, b]).expect("compares"))
            },
        );
        group.finish();
    }
}

/// `collect` on 1,000 items with 100 more pending (the last 100 of a
/// generated 1,100-item model, marked `pending = true`, their reports
/// stripped of answers): valuing every pending item (exact mutual
/// information, every outcome's posterior, the judgement's survival,
/// indicators) given the bottom line's statement, target under 50 ms; and
/// the whole command's work (analysis and bottom line first).
fn collection(c: &mut Criterion) {
    let text = generate(simple(1_100));
    let Some(cut) = text.find("[[evidence]]\nid = \"e1000\"") else {
        panic!("the generated model has its 1,001st item");
    };
    let (known, tail) = text.split_at(cut);
    let pending = tail
        .replace(", asserts = false", "")
        .replace("claim = \"Claim", "pending = true\nclaim = \"Claim");
    let m = model_of(&format!("{known}{pending}"));
    assert_eq!((m.items.len(), m.pending.len()), (1_000, 100));
    let a = analysis::analyse(&m).expect("analyses");
    let line = analysis::judgement::bottom_line(&m, &a).expect("judges");
    let mut group = c.benchmark_group("collect/simple");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    group.bench_function("plan/1000+100", |b| {
        b.iter(|| analysis::collect::plan(&m, Some(&line.judgement.statement)).expect("plans"))
    });
    group.bench_function("command/1000+100", |b| {
        b.iter(|| {
            let a = analysis::analyse(&m).expect("analyses");
            let line = analysis::judgement::bottom_line(&m, &a).expect("judges");
            analysis::collect::plan(&m, Some(&line.judgement.statement)).expect("plans")
        })
    });
    group.finish();
}

/// The bnlearn network `name` from pgmpy's wheel, parsed; `None`, with a
/// note, when it is missing.
fn bnlearn_network(name: &str) -> Option<network::bif::Bif> {
    network::bif::parse(&bnlearn::network_text(name)?).ok()
}

/// `credence query` on bnlearn networks with every leaf observed (a seeded
/// forward sample): one node's posterior (the first unobserved node) and
/// every node's (`--all`), parsing excluded.
fn queries(c: &mut Criterion) {
    let mut group = c.benchmark_group("query");
    group.sample_size(10);
    for name in ["munin", "barley"] {
        let Some(bif) = bnlearn_network(name) else {
            continue;
        };
        let net = &bif.net;
        let leaves = sample::leaves_observed(net);
        let Some(target) = sample::first_unobserved(net, &leaves) else {
            continue;
        };
        group.bench_function(format!("{name}/leaves"), |b| {
            b.iter(|| network::posterior(net, &leaves, target).expect("answers"))
        });
        group.bench_function(format!("{name}/all-leaves"), |b| {
            b.iter(|| network::calibrate::all_marginals(net, &leaves).expect("answers"))
        });
    }
    group.finish();
}

/// `items` certain (one perfectly reliable report each) and possible
/// only under the hypothesis `allowed[k]` for the k-th of them.
fn certain_items(m: &Model, items: &[(usize, usize)]) -> Model {
    let mut overrides = Vec::new();
    for &(i, allowed) in items {
        let item = &m.items[i];
        let asserts = item.reports[0].asserts;
        for h in 0..m.hypotheses.len() {
            // An assertion with a false-alarm rate of 0 needs the claim
            // true (a likelihood above 0); a denial with a hit rate of 1
            // needs it false (below 1).
            let value = match (h == allowed, asserts) {
                (true, _) => 0.5,
                (false, true) => 0.0,
                (false, false) => 1.0,
            };
            overrides.push(Override::Likelihood(
                model::ItemId(i),
                model::HypothesisId(h),
                Estimate::exact(Probability::new(value).expect("a probability")),
            ));
        }
        overrides.push(Override::ReportReliability(
            model::ItemId(i),
            model::ReportId(0),
            Reliability::Accuracy(Estimate::exact(Probability::ONE)),
        ));
    }
    model::overrides::apply(m, &overrides)
}

/// Impossible evidence narrowed down (analysis/impossible.rs): one
/// contradicting pair among 10,000 and 100,000 simple items (the finder on
/// a built engine, and the whole refusal: engine, finder, diagnostic); and
/// the worst case of the cover, every one of 100,000 items ruling out a
/// hypothesis (each possible under one of the three, in turn).
fn impossible(c: &mut Criterion) {
    use analysis::impossible::{self, Finding};
    let mut group = c.benchmark_group("impossible");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    for n in [10_000, 100_000] {
        let m = certain_items(
            &model_of(&generate(simple(n))),
            &[(n / 3, 0), (2 * n / 3, 1)],
        );
        let engine = Incremental::new(&m).expect("compiles");
        assert!(matches!(
            impossible::find(&engine),
            Finding::Together { ref culprits, .. } if culprits.len() == 2
        ));
        group.bench_function(BenchmarkId::new("find/pair", n), |b| {
            b.iter(|| impossible::find(&engine))
        });
        group.bench_function(BenchmarkId::new("refusal/pair", n), |b| {
            b.iter(|| analysis::check::refusal(&m, &network::InferError::ImpossibleEvidence))
        });
    }
    let n = 100_000;
    let every: Vec<(usize, usize)> = (0..n).map(|i| (i, i % 3)).collect();
    let m = certain_items(&model_of(&generate(simple(n))), &every);
    let engine = Incremental::new(&m).expect("compiles");
    assert!(matches!(
        impossible::find(&engine),
        Finding::Together { .. }
    ));
    group.bench_function(BenchmarkId::new("find/every_item", n), |b| {
        b.iter(|| impossible::find(&engine))
    });
    group.finish();
}

/// A BIF file in bnlearn's style (a `table` for each root, one row per
/// parent assignment for the rest, numbers with 8 decimals): `cards[v]`
/// states for node `v`, whose parents are `parents(v)` (earlier nodes), its
/// states named `{stem}{i}`. The numbers are a fixed pseudo-random sequence
/// normalised per row.
fn bnlearn_like(cards: &[usize], parents: impl Fn(usize) -> Vec<usize>, stem: &str) -> String {
    use std::fmt::Write as _;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut out = String::from("network unknown {\n}\n");
    for (v, &k) in cards.iter().enumerate() {
        let states: Vec<String> = (0..k).map(|i| format!("{stem}{i}")).collect();
        let _ = writeln!(
            out,
            "variable n{v} {{\n  type discrete [ {k} ] {{ {} }};\n}}",
            states.join(", ")
        );
    }
    let mut row = |k: usize| -> String {
        let raw: Vec<f64> = (0..k)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 1000 + 1) as f64
            })
            .collect();
        let sum: f64 = raw.iter().sum();
        raw.iter()
            .map(|x| format!("{:.8}", x / sum))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (v, &k) in cards.iter().enumerate() {
        let ps = parents(v);
        if ps.is_empty() {
            let _ = writeln!(out, "probability ( n{v} ) {{\n  table {};\n}}", row(k));
            continue;
        }
        let names: Vec<String> = ps.iter().map(|p| format!("n{p}")).collect();
        let _ = writeln!(out, "probability ( n{v} | {} ) {{", names.join(", "));
        let rows: usize = ps.iter().map(|&p| cards[p]).product();
        for r in 0..rows {
            let mut rest = r;
            let mut labels: Vec<String> = ps
                .iter()
                .rev()
                .map(|&p| {
                    let s = rest % cards[p];
                    rest /= cards[p];
                    format!("{stem}{s}")
                })
                .collect();
            labels.reverse();
            let _ = writeln!(out, "  ({}) {};", labels.join(", "), row(k));
        }
        out.push_str("}\n");
    }
    out
}

/// Reading multi-megabyte BIF files (`credence query`'s load): a
/// mildew-like network (24 nodes of 10 to 60 states, each with the two
/// before it as parents: 5.4 MB, 550,000 numbers) and a pathfinder-like
/// one (150 nodes of 8 states under one 63-state parent, long state names:
/// many short rows). Generated here, so the bench needs no network files.
fn bif_parsing(c: &mut Criterion) {
    let mildew_cards: Vec<usize> = (0..24).map(|v| [10, 20, 40, 60][v % 4]).collect();
    let mildew = bnlearn_like(&mildew_cards, |v| (v.saturating_sub(2)..v).collect(), "s_");
    let pathfinder_cards: Vec<usize> = (0..151).map(|v| if v == 0 { 63 } else { 8 }).collect();
    let pathfinder = bnlearn_like(
        &pathfinder_cards,
        |v| if v == 0 { vec![] } else { vec![0] },
        "Lymphocytic_and_histiocytic_state_",
    );
    let mut group = c.benchmark_group("bif");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    for (name, text) in [("parse_mildew", &mildew), ("parse_pathfinder", &pathfinder)] {
        group.throughput(criterion::Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| network::bif::parse(text).expect("a generated network parses"))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench,
    analyses,
    judgement,
    wide,
    comparison,
    collection,
    impossible,
    bif_parsing,
    queries
);
criterion_main!(benches);
