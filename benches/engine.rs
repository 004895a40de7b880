//! Engine benchmarks at 100 to 100,000 items: load + validate, compile,
//! exact inference. Targets (2-core machine) are in the README's
//! performance section.

#[path = "../examples/generate.rs"]
mod generate;

use credence::model::{self, Model};
use credence::network;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use generate::{Shape, generate};

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
            let text = generate(shape(n));
            group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
                b.iter(|| model_of(text))
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("compile/{name}"));
        group.sample_size(10);
        for n in SIZES {
            let m = model_of(&generate(shape(n)));
            group.bench_with_input(BenchmarkId::from_parameter(n), &m, |b, m| {
                b.iter(|| network::compile(m))
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("infer/{name}"));
        group.sample_size(10);
        for n in SIZES {
            let compiled = network::compile(&model_of(&generate(shape(n))));
            group.bench_with_input(BenchmarkId::from_parameter(n), &compiled, |b, c| {
                b.iter(|| c.infer().expect("inference succeeds"))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
