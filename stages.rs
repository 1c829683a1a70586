// SPDX-License-Identifier: GPL-2.0
//! The stage clock and the stage events: `datapath.rs`'s `Probe`, on the TSC and the
//! `ne2k_rs:*` tracepoints of `tracing/`.

use crate::datapath::Probe;
use crate::dp8390;
use crate::hw::port::rdtsc;
use crate::tracing;

/// The stage clock (TSC) and the `ne2k_rs:*` tracepoints.
pub(crate) struct Tracepoints;

impl Probe for Tracepoints {
    #[inline(always)]
    fn now(&self) -> u64 {
        rdtsc()
    }
    #[inline(always)]
    fn tx_enabled(&self) -> bool {
        tracing::tx_enabled()
    }
    #[inline(always)]
    fn rx_enabled(&self) -> bool {
        tracing::rx_enabled()
    }
    #[inline(always)]
    fn irq_enabled(&self) -> bool {
        tracing::irq_enabled()
    }
    #[inline(always)]
    fn poll_enabled(&self) -> bool {
        tracing::poll_enabled()
    }
    fn tx(&self, s: &dp8390::TxStages) {
        tracing::tx(s)
    }
    fn rx(&self, seq: u32, len: u32, page: u32, nic: u64, dma: u64, driver: u64, total: u64) {
        tracing::rx(seq, len, page, nic, dma, driver, total)
    }
    fn irq(&self, isr: u8, cycles: u64) {
        tracing::irq(isr, cycles)
    }
    fn poll(&self, rx: u32, tx: u32, budget: u32, cycles: u64, stack: u64) {
        tracing::poll(rx, tx, budget, cycles, stack)
    }
}
