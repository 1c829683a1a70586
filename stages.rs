// SPDX-License-Identifier: GPL-2.0
//! The stage clock (the net layer's cycle counter, the TSC) and where the stage cycles go: `datapath.rs`'s `Probe`, on the TSC, the
//! `ne2k_rs:*` tracepoints of `tracing/` (per packet) and the card's [`StageStats`]
//! (aggregated, `stage_stats=1`).

use kernel::alloc::flags::GFP_KERNEL;
use kernel::alloc::KVBox;
use kernel::prelude::*;
use kernel::sync::Arc;

use crate::datapath::{PollReport, Probe};
use crate::dp8390;
use crate::netdev::cycles;
use crate::stagestats::StageStats;
use crate::tracing;

/// A card's stage statistics, shared by its datapath (the writer) and its debugfs file.
pub(crate) type SharedStats = Arc<KVBox<StageStats>>;

/// Allocates an empty [`StageStats`] (70 KiB, vmalloc may serve it).
pub(crate) fn new_stats() -> Result<SharedStats> {
    Ok(Arc::new(
        crate::netdev::kvzalloc::<StageStats>()?,
        GFP_KERNEL,
    )?)
}

/// The card's `stage_stats` debugfs file: the sampling period and the table; a write resets.
impl crate::netdev::SeqShow for KVBox<StageStats> {
    fn show(&self, m: &kernel::seq_file::SeqFile) {
        m.call_printf(format_args!(
            "# stage_stats={} (0: off; N: one transmit, and one interrupt with its poll, in N timed)\n{}",
            tracing::stats_period(),
            &**self
        ));
    }
    fn write(&self) {
        self.clear();
    }
}

/// The stage clock (TSC), the `ne2k_rs:*` tracepoints and the card's statistics. A unit of
/// work is timed while one of its events records, or when the statistics are on
/// (`stage_stats=N`) and sample it: one transmit, and one interrupt with its poll, in N. Every
/// unit timed is recorded in the statistics (with `ne2k_rs_tx` on they see every transmit;
/// with `ne2k_rs_irq` or `ne2k_rs_rx` on, every interrupt). While all are off, each question
/// is static-key branches (patched no-ops).
pub(crate) struct StageProbe {
    pub(crate) stats: SharedStats,
}

impl Probe for StageProbe {
    /// An event records, or the statistics are on: one static-key branch (a patched no-op
    /// while nobody listens), the count of both (`tracing::listening`).
    #[inline(always)]
    fn enabled(&self) -> bool {
        tracing::listening()
    }
    #[inline(always)]
    fn now(&self) -> u64 {
        cycles()
    }
    #[inline(always)]
    fn time_tx(&self) -> bool {
        tracing::tx_enabled()
            || (tracing::stats_enabled() && self.stats.time_tx(tracing::stats_period()))
    }
    #[inline(always)]
    fn time_irq(&self) -> bool {
        tracing::irq_enabled()
            || tracing::rx_enabled()
            || (tracing::stats_enabled() && self.stats.time_irq(tracing::stats_period()))
    }
    #[inline(always)]
    fn time_poll(&self, budget: usize) -> bool {
        // The statistics first: their poll takes over its interrupt even when an event
        // times the poll anyway.
        let stats =
            tracing::stats_enabled() && self.stats.time_poll(tracing::stats_period(), budget);
        stats || tracing::poll_enabled() || tracing::rx_enabled()
    }
    #[inline(always)]
    fn time_rx(&self, announced: bool) -> bool {
        tracing::rx_enabled()
            || (tracing::stats_enabled() && self.stats.time_rx(tracing::stats_period(), announced))
    }
    fn tx(&self, s: &dp8390::TxStages) {
        if tracing::stats_enabled() {
            self.stats.tx(s);
        }
        if tracing::tx_enabled() {
            tracing::tx(s)
        }
    }
    fn rx(&self, seq: u32, len: u32, page: u32, nic: u64, dma: u64, driver: u64, total: u64) {
        if tracing::stats_enabled() {
            self.stats.rx(len, nic, dma, driver);
        }
        if tracing::rx_enabled() {
            tracing::rx(seq, len, page, nic, dma, driver, total)
        }
    }
    fn irq(&self, isr: u8, cycles: u64) {
        if tracing::stats_enabled() {
            self.stats.irq(isr, cycles);
        }
        if tracing::irq_enabled() {
            tracing::irq(isr, cycles)
        }
    }
    fn poll(&self, r: &PollReport) {
        if tracing::stats_enabled() {
            self.stats.poll(r);
        }
        if tracing::poll_enabled() {
            tracing::poll(r.rx, r.tx, r.budget, r.cycles, r.stack)
        }
    }
}
