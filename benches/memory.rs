//! Peak heap of the whole `credence report` pipeline (load + validate,
//! compile, infer, analysis, report view, text output) at 1,000 to 100,000
//! items, measured by a counting allocator: the memory target (under 200 MB
//! at 100,000 items) lives here, beside the criterion timings.
//!
//! `cargo bench --bench memory`. The file text itself (15 MB at 100,000
//! items of the simple shape) is counted, as `credence report` reads it.

#[path = "../examples/generate.rs"]
mod generate;

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

use credence::{analysis, model, report};
use generate::{Shape, generate};

/// Counts the bytes asked of the allocator the binary ships with (mimalloc).
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: f64 = 1024.0 * 1024.0;

/// The report pipeline on `text`, as `credence report` runs it; returns the
/// peak heap above what was allocated before, in bytes.
fn peak_of_report(text: String) -> usize {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let checked = model::check_text("bench.toml", &text, model::no_documents);
    let diagnostics = checked.diagnostics;
    let m = checked.model.expect("generated models are valid");
    let a = analysis::analyse(&m).expect("analyses");
    let view = report::build(&m, &a);
    let mut sink = std::io::sink();
    report::write(&view, report::Format::Text, false, &mut sink).expect("writes");
    drop((view, a, m, diagnostics, text));
    PEAK.load(Ordering::Relaxed) - base
}

fn main() {
    // `cargo bench` passes --bench; a filter argument, if any, is ignored.
    println!("peak heap of load + validate + compile + infer + analysis + report (text)");
    // One-time setup (thread pools, lazily built tables) is not per model.
    peak_of_report(generate(Shape {
        items: 100,
        ..Shape::default()
    }));
    for (name, shape) in [
        ("simple", Shape::default()),
        (
            "relayed",
            Shape {
                hypotheses: 5,
                reports: 3,
                depth: 3,
                partial: 0.3,
                ..Shape::default()
            },
        ),
    ] {
        for items in [1_000, 10_000, 100_000] {
            let text = generate(Shape { items, ..shape });
            let bytes = text.len();
            if bytes > model::MAX_FILE_BYTES {
                println!(
                    "{name:>8} {items:>7} items: {:.1} MiB of TOML, over the file limit: skipped",
                    bytes as f64 / MIB
                );
                continue;
            }
            let peak = peak_of_report(text);
            println!(
                "{name:>8} {items:>7} items: {:>6.1} MiB of TOML, peak heap {:>6.1} MiB ({:.1}x the text)",
                bytes as f64 / MIB,
                peak as f64 / MIB,
                peak as f64 / bytes as f64
            );
        }
    }
}
