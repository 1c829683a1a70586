// SPDX-License-Identifier: GPL-2.0
//! Rust side of the ne2k_rs tracepoints (`tracing/ne2k_rs_trace.h`). Part of the FFI layer.
//!
//! Each `*_enabled()` is a static-key branch (a patched no-op while the event is off), so the
//! datapath asks it first and takes timestamps only when someone is listening.

use kernel::bindings;

#[expect(
    improper_ctypes,
    reason = "the `tracepoint` statics are only used for the address of their static key; rustc \
              calls the bindgen struct FFI-unsafe because of a zero-sized member"
)]
extern "C" {
    static __tracepoint_ne2k_rs_tx: bindings::tracepoint;
    static __tracepoint_ne2k_rs_rx: bindings::tracepoint;
    static __tracepoint_ne2k_rs_irq: bindings::tracepoint;
    static __tracepoint_ne2k_rs_poll: bindings::tracepoint;
    fn rust_do_trace_ne2k_rs_tx(
        seq: u32,
        len: u32,
        driver: u64,
        dma: u64,
        queued: u64,
        nic: u64,
        total: u64,
    );
    fn rust_do_trace_ne2k_rs_rx(
        seq: u32,
        len: u32,
        page: u32,
        nic: u64,
        dma: u64,
        driver: u64,
        total: u64,
    );
    fn rust_do_trace_ne2k_rs_irq(isr: u32, cycles: u64);
    fn rust_do_trace_ne2k_rs_poll(rx: u32, tx: u32, budget: u32, cycles: u64, stack_cycles: u64);
    /// The stage statistics' switch (`stage_stats` parameter, tracing/ne2k_rs_trace.c).
    #[cfg(not(ne2k_rs_nostats))]
    static ne2k_rs_stage_stats_key: StatsKey;
    /// Its sampling period (0: off; N: one unit in N), written by the parameter's setter.
    #[cfg(not(ne2k_rs_nostats))]
    static ne2k_rs_stage_stats_period: core::sync::atomic::AtomicU32;
    /// On while anybody listens: an event with a probe attached, or the statistics
    /// (tracing/ne2k_rs_trace.c counts them into it).
    #[cfg(not(all(ne2k_rs_notrace, ne2k_rs_nostats)))]
    static ne2k_rs_listen_key: StatsKey;
}

/// `DEFINE_STATIC_KEY_FALSE(ne2k_rs_stage_stats_key)`'s type (and `ne2k_rs_listen_key`'s), as a
/// struct with the key as its field (what `static_branch_unlikely!` takes).
#[cfg(not(all(ne2k_rs_notrace, ne2k_rs_nostats)))]
#[repr(C)]
struct StatsKey {
    key: bindings::static_key_false,
}

/// Whether anybody listens (an event or the statistics): one static-key branch, a patched no-op
/// while nobody does. The datapath asks it once at each entry point.
#[cfg(all(ne2k_rs_notrace, ne2k_rs_nostats))]
#[inline(always)]
pub fn listening() -> bool {
    false
}
#[cfg(not(all(ne2k_rs_notrace, ne2k_rs_nostats)))]
#[inline(always)]
pub fn listening() -> bool {
    // SAFETY: querying a static key is always allowed; the key is defined in
    // tracing/ne2k_rs_trace.c, linked into this module.
    unsafe { kernel::jump_label::static_branch_unlikely!(ne2k_rs_listen_key, StatsKey, key) }
}

macro_rules! enabled {
    ($name:ident, $key:ident) => {
        #[cfg(ne2k_rs_notrace)]
        #[inline(always)]
        pub fn $name() -> bool {
            false
        }
        #[cfg(not(ne2k_rs_notrace))]
        #[inline(always)]
        pub fn $name() -> bool {
            // SAFETY: querying a tracepoint's static key is always allowed; the tracepoint is
            // defined in tracing/ne2k_rs_trace.c, linked into this module.
            unsafe { kernel::jump_label::static_branch_unlikely!($key, bindings::tracepoint, key) }
        }
    };
}
enabled!(tx_enabled, __tracepoint_ne2k_rs_tx);
enabled!(rx_enabled, __tracepoint_ne2k_rs_rx);
enabled!(irq_enabled, __tracepoint_ne2k_rs_irq);
enabled!(poll_enabled, __tracepoint_ne2k_rs_poll);

/// The stage statistics' sampling period (`stage_stats=N`: one unit in N is timed).
#[cfg(ne2k_rs_nostats)]
#[inline(always)]
pub fn stats_period() -> u32 {
    0
}
#[cfg(not(ne2k_rs_nostats))]
#[inline(always)]
pub fn stats_period() -> u32 {
    // SAFETY: a `u32` defined in tracing/ne2k_rs_trace.c, aligned, which the parameter's
    // setter writes with WRITE_ONCE: an atomic load of it is a plain aligned load.
    unsafe { &ne2k_rs_stage_stats_period }.load(core::sync::atomic::Ordering::Relaxed)
}

/// Whether the stage statistics are on (`stage_stats`): a static-key branch like the events'.
/// `NE2K_RS_NOSTATS=y` compiles the check out (make bench measures what it costs while off).
#[cfg(ne2k_rs_nostats)]
#[inline(always)]
pub fn stats_enabled() -> bool {
    false
}
#[cfg(not(ne2k_rs_nostats))]
#[inline(always)]
pub fn stats_enabled() -> bool {
    // SAFETY: querying a static key is always allowed; the key is defined in
    // tracing/ne2k_rs_trace.c, linked into this module.
    unsafe { kernel::jump_label::static_branch_unlikely!(ne2k_rs_stage_stats_key, StatsKey, key) }
}

/// Fires `ne2k_rs:ne2k_rs_tx` (call only after `tx_enabled()`).
#[inline]
pub fn tx(s: &crate::dp8390::TxStages) {
    // SAFETY: the C entry point takes plain integers and may be called from any context.
    unsafe { rust_do_trace_ne2k_rs_tx(s.seq, s.len, s.driver, s.dma, s.queued, s.nic, s.total) }
}

/// Fires `ne2k_rs:ne2k_rs_rx`.
#[inline]
pub fn rx(seq: u32, len: u32, page: u32, nic: u64, dma: u64, driver: u64, total: u64) {
    // SAFETY: as `tx`.
    unsafe { rust_do_trace_ne2k_rs_rx(seq, len, page, nic, dma, driver, total) }
}

/// Fires `ne2k_rs:ne2k_rs_irq`.
#[inline]
pub fn irq(isr: u8, cycles: u64) {
    // SAFETY: as `tx`.
    unsafe { rust_do_trace_ne2k_rs_irq(u32::from(isr), cycles) }
}

/// Fires `ne2k_rs:ne2k_rs_poll`.
#[inline]
pub fn poll(rx: u32, tx: u32, budget: u32, cycles: u64, stack_cycles: u64) {
    // SAFETY: as `tx`.
    unsafe { rust_do_trace_ne2k_rs_poll(rx, tx, budget, cycles, stack_cycles) }
}
