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
