//! The binaries' allocator settings. `doisoat` (and the pipeline bench, to time the same
//! way) use mimalloc as their global allocator; this module sets how it behaves. The
//! library itself allocates through whatever allocator its binary chose.

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`, v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc hands freed memory back to the operating system 10 ms after it is freed; the
/// batch frees and allocates gigabytes stage after stage, and faulting the pages in again
/// cost a second or two of kernel time per run. The process keeps them until it exits.
/// Call first thing in `main` of a binary whose global allocator is mimalloc.
pub fn keep_freed_memory() {
    // SAFETY: sets an integer option; mimalloc reads it when it schedules a purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// How long mimalloc waits before handing freed memory back in a task of a split run
/// ([`return_freed_memory`]), in milliseconds.
pub const TASK_PURGE_DELAY_MS: i64 = 100;

/// For a process whose peak memory is the point: a task of a run split into tasks, run so
/// that each fits a smaller machine. Memory freed by one thread is handed back after
/// [`TASK_PURGE_DELAY_MS`] instead of kept: kept, it serves only the thread that freed it
/// (a rayon worker's normalizing and assessing), while an agency's folder is written on
/// threads of their own, which then took fresh memory on top. Measured on a realistic
/// 500 000-person province in 4 tasks (each run twice, kept against handed back): peaks
/// 1.30/1.55/1.29/1.34 GB against 1.21/1.40/1.18/1.20 GB (the largest −10 %), for 8 %
/// more time in all (41.3 s against 44.7 s; the largest task 12.2 s against 13.9 s). A
/// task is run to fit a machine, so it takes the trade; a whole run showed no difference
/// in peak beyond its noise (2.0–2.1 GB either way) and keeps its memory, as
/// [`keep_freed_memory`] says why.
pub fn return_freed_memory() {
    // SAFETY: as in `keep_freed_memory`.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, TASK_PURGE_DELAY_MS as _) };
}
