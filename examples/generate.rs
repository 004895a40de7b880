//! Writes a valid random model of a given size and shape, for benchmarks and
//! scale tests: `cargo run --release --example generate -- --items 1000`.
//!
//! Options (all optional): --items N (1000), --hypotheses K (3),
//! --sources S (20), --reports R per item (1), --depth D maximum relay-chain
//! depth (1: no relays), --partial F share of relays with strength < 1 (0),
//! --interval-sources I sources with an interval reliability (0), --seed X.

use std::fmt::Write as _;

/// splitmix64: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy)]
pub struct Shape {
    pub items: usize,
    pub hypotheses: usize,
    pub sources: usize,
    pub reports: usize,
    pub depth: usize,
    pub partial: f64,
    pub interval_sources: usize,
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            items: 1000,
            hypotheses: 3,
            sources: 20,
            reports: 1,
            depth: 1,
            partial: 0.0,
            interval_sources: 0,
            seed: 1,
        }
    }
}

/// Render a model of the given shape as TOML.
pub fn generate(shape: Shape) -> String {
    let mut rng = Rng(shape.seed);
    let mut s = String::new();
    let _ = writeln!(s, "[model]\ntitle = \"Generated: {} items\"\n", shape.items);
    for h in 0..shape.hypotheses {
        let _ = writeln!(
            s,
            "[[hypotheses]]\nid = \"h{h}\"\ntitle = \"Hypothesis {h}\"\n"
        );
    }
    for src in 0..shape.sources.max(1) {
        let reliability = if src < shape.interval_sources {
            let lo = 0.1 + 0.4 * rng.unit();
            format!("[{lo:.3}, {:.3}]", lo + 0.4)
        } else {
            format!("{:.3}", 0.3 + 0.65 * rng.unit())
        };
        let _ = writeln!(
            s,
            "[[sources]]\nid = \"s{src}\"\ntitle = \"Source {src}\"\nreliability = {reliability}\nbias = {:.3}\n",
            0.2 + 0.6 * rng.unit()
        );
    }
    for i in 0..shape.items {
        let _ = writeln!(s, "[[evidence]]\nid = \"e{i}\"\nclaim = \"Claim {i}\"");
        let likelihood: Vec<String> = (0..shape.hypotheses)
            .map(|h| format!("h{h} = {:.3}", 0.05 + 0.9 * rng.unit()))
            .collect();
        let _ = writeln!(s, "likelihood = {{ {} }}", likelihood.join(", "));
        let _ = writeln!(s, "reports = [");
        let mut depth = vec![0usize; shape.reports];
        for r in 0..shape.reports {
            let source = rng.below(shape.sources.max(1));
            let mut fields = format!("id = \"r{r}\", source = \"s{source}\"");
            // Relay an earlier report while the chain stays within depth.
            let parents: Vec<usize> = (0..r).filter(|&p| depth[p] + 1 < shape.depth).collect();
            if !parents.is_empty() && rng.unit() < 0.7 {
                let p = parents[rng.below(parents.len())];
                depth[r] = depth[p] + 1;
                let _ = write!(fields, ", via = \"r{p}\"");
                if rng.unit() < shape.partial {
                    let _ = write!(fields, ", strength = {:.2}", 0.2 + 0.6 * rng.unit());
                }
            }
            if rng.unit() < 0.15 {
                fields.push_str(", asserts = false");
            }
            let _ = writeln!(s, "  {{ {fields} }},");
        }
        let _ = writeln!(s, "]\n");
    }
    s
}

#[allow(dead_code)]
fn main() {
    let mut shape = Shape::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let num = || -> f64 {
            value.parse().unwrap_or_else(|_| {
                eprintln!("{} needs a number, got `{value}`", args[i]);
                std::process::exit(2)
            })
        };
        match args[i].as_str() {
            "--items" => shape.items = num() as usize,
            "--hypotheses" => shape.hypotheses = (num() as usize).max(2),
            "--sources" => shape.sources = (num() as usize).max(1),
            "--reports" => shape.reports = num() as usize,
            "--depth" => shape.depth = (num() as usize).max(1),
            "--partial" => shape.partial = num(),
            "--interval-sources" => shape.interval_sources = num() as usize,
            "--seed" => shape.seed = num() as u64,
            other => {
                eprintln!("unknown option {other}; see the header of examples/generate.rs");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    print!("{}", generate(shape));
}
