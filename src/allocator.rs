//! The binary's allocator: mimalloc, told to hand freed memory back to the
//! system at once.
//!
//! Loading a model builds many small TOML nodes on two threads and frees
//! them on another; glibc's malloc spent half the load time in its arena
//! locks (load + validate of 10,000 relayed items: about 200 ms with glibc,
//! 100 ms with mimalloc). mimalloc v3 by default keeps freed pages for a
//! second before returning them, which raised the peak resident memory of a
//! 100,000-item report from 190 MiB (glibc) to 217 MiB; purging at once
//! brings it to about 182 MiB, under the 200 MB target, at no measurable
//! cost in time.
//!
//! `query` on a BIF network is the exception: variable elimination frees a
//! table and builds the next one of much the same size, many times over,
//! and purging at once hands each freed table's pages back to the system
//! only to fault them in (zeroed again, 2 MiB at a time under transparent
//! huge pages) for the next. Keeping freed pages for 100 ms cut a query of
//! munin (1,041 nodes, every leaf observed) from 206 to 147 ms of CPU and
//! of munin with a fifth of its nodes observed from 30 to 25 ms, for 17 MB
//! more peak memory (53 to 70 MB); memory a long query no longer uses still
//! goes back after 100 ms.
//!
//! At exit nothing is handed back: `main` ends the process with `_exit`
//! once the output is flushed, skipping mimalloc's exit handler, which
//! would collect every page and purge the free ones only for the kernel to
//! reclaim them all a moment later ([`reports_at_exit`] keeps the handler
//! when its statistics were asked for).

use std::ffi::{c_int, c_long};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// From the static mimalloc that the `mimalloc` crate links (libmimalloc-sys
// does not bind every option's name).
unsafe extern "C" {
    #[cfg(test)]
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_option_set(option: c_int, value: c_long);
    fn mi_option_is_enabled(option: c_int) -> bool;
}

/// `mi_option_show_stats` and `mi_option_verbose` in mimalloc v3's
/// `mi_option_e`: statistics or messages printed by the exit handler.
const SHOW_STATS: c_int = 1;
const VERBOSE: c_int = 2;

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e`
/// (c_src/mimalloc/v3/include/mimalloc.h); a test checks its default.
const PURGE_DELAY: c_int = 15;

/// How long `query` keeps freed pages before returning them, in
/// milliseconds: longer than one elimination step, short beside a query
/// whose tables come and go for seconds.
const QUERY_PURGE_DELAY_MS: c_long = 100;

/// Return freed pages to the system at once, not after a delay.
pub fn return_freed_memory_at_once() {
    set_purge_delay(0);
}

/// Keep freed pages for reuse a little while (`query`: see the module's
/// comment).
pub fn keep_freed_memory_for_query() {
    set_purge_delay(QUERY_PURGE_DELAY_MS);
}

fn set_purge_delay(milliseconds: c_long) {
    // SAFETY: both take plain integers and only read or write mimalloc's
    // option table; any option index below `_mi_option_last` is valid.
    unsafe { mi_option_set(PURGE_DELAY, milliseconds) };
}

/// Whether mimalloc was asked (`MIMALLOC_SHOW_STATS`, `MIMALLOC_VERBOSE`)
/// for a report that its exit handler prints: `main` then ends the process
/// the normal way, so that the report still comes.
pub fn reports_at_exit() -> bool {
    // SAFETY: reads mimalloc's option table (both indices are valid).
    unsafe { mi_option_is_enabled(SHOW_STATS) || mi_option_is_enabled(VERBOSE) }
}

/// The purge delay now in force, in milliseconds.
#[cfg(test)]
fn purge_delay() -> c_long {
    // SAFETY: as above.
    unsafe { mi_option_get(PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_option_is_the_purge_delay() {
        // mimalloc v3's default purge delay is 1,000 ms (src/options.c), a
        // value no neighbouring option has: a renumbered enum fails here.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(super::purge_delay(), 1000);
        }
        super::keep_freed_memory_for_query();
        assert_eq!(super::purge_delay(), super::QUERY_PURGE_DELAY_MS);
        super::return_freed_memory_at_once();
        assert_eq!(super::purge_delay(), 0);
    }
}
