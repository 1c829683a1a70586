// SPDX-License-Identifier: GPL-2.0
//! Rust side of the ne2k_rs tracepoints (`tracing/ne2k_rs_trace.h`) and of the stage
//! statistics' switch (`tracing/ne2k_rs_trace.c`), declared with the net layer's macros
//! (`netdev/trace.rs`), which hold the `unsafe`.
//!
//! Each `*_enabled()` is a static-key branch (a patched no-op while the event is off), so the
//! datapath asks it first and takes timestamps only when someone is listening.
//! `NE2K_RS_NOTRACE=y` compiles the event checks out and `NE2K_RS_NOSTATS=y` the statistics'
//! (make bench measures what they cost while off).

#[cfg(not(ne2k_rs_notrace))]
mod events {
    crate::declare_trace! {
        /// `ne2k_rs:ne2k_rs_tx`.
        pub(super) fn ne2k_rs_tx(
            seq: u32,
            len: u32,
            driver: u64,
            dma: u64,
            queued: u64,
            nic: u64,
            total: u64,
        );
        /// `ne2k_rs:ne2k_rs_rx`.
        pub(super) fn ne2k_rs_rx(
            seq: u32,
            len: u32,
            page: u32,
            nic: u64,
            dma: u64,
            driver: u64,
            total: u64,
        );
        /// `ne2k_rs:ne2k_rs_irq`.
        pub(super) fn ne2k_rs_irq(isr: u32, cycles: u64);
        /// `ne2k_rs:ne2k_rs_poll`.
        pub(super) fn ne2k_rs_poll(rx: u32, tx: u32, budget: u32, cycles: u64, stack_cycles: u64);
    }
}

#[cfg(not(ne2k_rs_nostats))]
mod stats {
    crate::declare_static_key! {
        /// The stage statistics' switch (`stage_stats` parameter, tracing/ne2k_rs_trace.c).
        pub(super) fn stage_stats_on() = ne2k_rs_stage_stats_key;
    }
    crate::declare_c_u32! {
        /// Its sampling period (0: off; N: one unit in N), written by the parameter's setter.
        pub(super) fn stage_stats_period() = ne2k_rs_stage_stats_period;
    }
}

#[cfg(not(all(ne2k_rs_notrace, ne2k_rs_nostats)))]
crate::declare_static_key! {
    /// On while anybody listens: an event with a probe attached, or the statistics
    /// (tracing/ne2k_rs_trace.c counts them into it).
    fn listen_key_on() = ne2k_rs_listen_key;
}

/// Whether anybody listens (an event or the statistics): one static-key branch, a patched no-op
/// while nobody does. The datapath asks it once at each entry point.
#[inline(always)]
pub fn listening() -> bool {
    #[cfg(all(ne2k_rs_notrace, ne2k_rs_nostats))]
    return false;
    #[cfg(not(all(ne2k_rs_notrace, ne2k_rs_nostats)))]
    listen_key_on()
}

macro_rules! enabled {
    ($name:ident, $event:ident) => {
        /// Whether the event records (a static-key branch).
        #[inline(always)]
        pub fn $name() -> bool {
            #[cfg(ne2k_rs_notrace)]
            return false;
            #[cfg(not(ne2k_rs_notrace))]
            events::$event()
        }
    };
}
enabled!(tx_enabled, ne2k_rs_tx_enabled);
enabled!(rx_enabled, ne2k_rs_rx_enabled);
enabled!(irq_enabled, ne2k_rs_irq_enabled);
enabled!(poll_enabled, ne2k_rs_poll_enabled);

/// The stage statistics' sampling period (`stage_stats=N`: one unit in N is timed).
#[inline(always)]
pub fn stats_period() -> u32 {
    #[cfg(ne2k_rs_nostats)]
    return 0;
    #[cfg(not(ne2k_rs_nostats))]
    stats::stage_stats_period()
}

/// Whether the stage statistics are on (`stage_stats`): a static-key branch like the events'.
#[inline(always)]
pub fn stats_enabled() -> bool {
    #[cfg(ne2k_rs_nostats)]
    return false;
    #[cfg(not(ne2k_rs_nostats))]
    stats::stage_stats_on()
}

/// Fires `ne2k_rs:ne2k_rs_tx` (call only after `tx_enabled()`).
#[inline]
pub fn tx(s: &crate::dp8390::TxStages) {
    #[cfg(not(ne2k_rs_notrace))]
    events::ne2k_rs_tx(s.seq, s.len, s.driver, s.dma, s.queued, s.nic, s.total);
    #[cfg(ne2k_rs_notrace)]
    let _ = s;
}

/// Fires `ne2k_rs:ne2k_rs_rx`.
#[inline]
pub fn rx(seq: u32, len: u32, page: u32, nic: u64, dma: u64, driver: u64, total: u64) {
    #[cfg(not(ne2k_rs_notrace))]
    events::ne2k_rs_rx(seq, len, page, nic, dma, driver, total);
    #[cfg(ne2k_rs_notrace)]
    let _ = (seq, len, page, nic, dma, driver, total);
}

/// Fires `ne2k_rs:ne2k_rs_irq`.
#[inline]
pub fn irq(isr: u8, cycles: u64) {
    #[cfg(not(ne2k_rs_notrace))]
    events::ne2k_rs_irq(u32::from(isr), cycles);
    #[cfg(ne2k_rs_notrace)]
    let _ = (isr, cycles);
}

/// Fires `ne2k_rs:ne2k_rs_poll`.
#[inline]
pub fn poll(rx: u32, tx: u32, budget: u32, cycles: u64, stack_cycles: u64) {
    #[cfg(not(ne2k_rs_notrace))]
    events::ne2k_rs_poll(rx, tx, budget, cycles, stack_cycles);
    #[cfg(ne2k_rs_notrace)]
    let _ = (rx, tx, budget, cycles, stack_cycles);
}
