//! The progress bar a long `simulate` shows on standard error: a terminal
//! matter, so the binary's. The library reports finished samples through
//! [`credence::analysis::simulate::Progress`]; this draws them with
//! indicatif.

use std::io::{self, IsTerminal};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use credence::analysis::simulate::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long to time the first samples before deciding whether to show a bar.
const DECIDE_AFTER: Duration = Duration::from_millis(100);
/// Show a bar only when the whole run is expected to take longer than this.
const WORTH_A_BAR: Duration = Duration::from_secs(1);

/// A progress bar on standard error, shown only when standard error is a
/// terminal and the first samples predict a run of over a second; never in
/// pipes or tests. Standard output is untouched.
pub struct TerminalProgress {
    total: u64,
    start: Instant,
    done: AtomicU64,
    watch: bool,
    bar: OnceLock<Option<ProgressBar>>,
}

impl TerminalProgress {
    /// A bar for a run of `total` samples, not yet shown.
    pub fn new(total: u64) -> TerminalProgress {
        TerminalProgress {
            total,
            start: Instant::now(),
            done: AtomicU64::new(0),
            watch: io::stderr().is_terminal(),
            bar: OnceLock::new(),
        }
    }

    /// Remove the bar before the output is printed.
    pub fn finish(&self) {
        if let Some(Some(bar)) = self.bar.get() {
            bar.finish_and_clear();
        }
    }

    fn make_bar(&self, done: u64) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("simulating {bar:40} {pos}/{len} samples, {eta} left")
        {
            bar.set_style(style);
        }
        bar.set_position(done);
        bar
    }
}

impl Progress for TerminalProgress {
    fn advance(&self, samples: u64) {
        if !self.watch {
            return;
        }
        let done = self.done.fetch_add(samples, Ordering::Relaxed) + samples;
        match self.bar.get() {
            Some(Some(bar)) => bar.inc(samples),
            Some(None) => {}
            None => {
                let elapsed = self.start.elapsed();
                if elapsed < DECIDE_AFTER || done >= self.total {
                    return;
                }
                let expected = elapsed.mul_f64(self.total as f64 / done as f64);
                self.bar
                    .get_or_init(|| (expected > WORTH_A_BAR).then(|| self.make_bar(done)));
            }
        }
    }
}
