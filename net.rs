// SPDX-License-Identifier: GPL-2.0
//! The net_device side of the driver: the chip lock and the interrupt line the datapath runs
//! over ([`ChipLockBox`]), the `NetIf`/`Napi`/`RxBuf` glue from `datapath.rs` to `netdev.rs`, and
//! [`Ne2kNet`], whose `NetDevOps` and `EthtoolOps` are the net_device and ethtool callbacks.

use core::pin::Pin;

use kernel::prelude::*;

use crate::datapath::{self, ChipLock, ChipState, Datapath, Log, NetIf, OpenError, Xmit};
use crate::dp8390;
use crate::hw::port::PortBus;
use crate::netdev::{
    self, BhSpinLock, BhSpinLockGuard, EthtoolOps, IrqLine, IrqReturn, LinkStats64, NetDev,
    NetDevOps, NetdevTx, QueueStats, RingSizes, StatOps,
};
use crate::stages::Tracepoints;
use crate::{DRV_NAME, DRV_VERSION};

/// Multicast addresses the filter tracks individually; more opens the whole hash.
const MC_MAX: usize = 64;

/// The chip lock (see `datapath.rs` for what it protects, who takes it and why interrupts stay
/// on), boxed so that the datapath that owns it needs no pinning of its own; and the card's
/// interrupt line, which the hard IRQ masks when it meets a holder.
///
/// `'b` is the device's binding: the register bus inside the lock borrows it.
pub(crate) struct ChipLockBox<'b> {
    pub(crate) lock: Pin<KBox<BhSpinLock<ChipState<PortBus<'b>>>>>,
    pub(crate) line: IrqLine,
}

impl<'b> ChipLock for ChipLockBox<'b> {
    type Bus = PortBus<'b>;
    type Guard<'a>
        = BhSpinLockGuard<'a, ChipState<PortBus<'b>>>
    where
        Self: 'a;

    #[inline]
    fn lock(&self) -> Self::Guard<'_> {
        self.lock.as_ref().get_ref().lock()
    }

    #[inline]
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        self.lock.as_ref().get_ref().try_lock()
    }

    fn mask_line(&self) {
        self.line.disable_nosync();
    }

    fn unmask_line(&self) {
        self.line.enable();
    }
}

impl NetIf for NetDev {
    fn start_queue(&self) {
        NetDev::start_queue(self)
    }
    fn stop_queue(&self) {
        NetDev::stop_queue(self)
    }
    fn wake_queue(&self) {
        NetDev::wake_queue(self)
    }
    fn queue_stopped(&self) -> bool {
        NetDev::queue_stopped(self)
    }
    fn napi_enable(&self) {
        NetDev::napi_enable(self)
    }
    fn napi_disable(&self) {
        NetDev::napi_disable(self)
    }
    fn napi_schedule(&self) {
        NetDev::napi_schedule(self)
    }
    fn carrier_on(&self) {
        NetDev::carrier_on(self)
    }
    fn carrier_off(&self) {
        NetDev::carrier_off(self)
    }
    fn tx_sent(&self, bytes: u32) {
        self.sent_queue(bytes)
    }
    fn tx_completed(&self, pkts: u32, bytes: u32) {
        self.completed_queue(pkts, bytes)
    }
    fn tx_reset(&self) {
        self.reset_queue()
    }
    fn log(&self, err: bool, what: Log) {
        let name = self.name();
        match (err, what) {
            (_, Log::TxTimeout) => pr_warn!("{}: transmit timed out, resetting the chip\n", name),
            (_, Log::TxTimeoutReset(e)) => {
                pr_err!("{}: reset after TX timeout failed: {}\n", name, e)
            }
            (_, Log::RingReset) => pr_warn!("{}: bogus receive-ring header, ring reset\n", name),
            (_, Log::OpenReset(e)) => pr_err!("{}: open: {}\n", name, e),
        }
    }
}

/// The chip's errors print as they do on the host (`core::fmt::Display` in `dp8390.rs`, which
/// has no kernel types); the kernel's `pr_*!` macros ask for `kernel::fmt::Display`.
impl kernel::fmt::Display for dp8390::ChipError {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

impl datapath::RxBuf for netdev::RxSkb {
    fn bytes_mut(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        self.buf()
    }
}

/// No XDP program runs yet: nothing is ever bounced.
pub enum NoXdp {}

impl datapath::XdpTx for NoXdp {
    fn bytes(&self) -> &[u8] {
        match *self {}
    }
}

impl datapath::Napi for netdev::Napi {
    type Buf = netdev::RxSkb;
    type Tx = NoXdp;
    fn alloc(&self, len: usize) -> Option<Self::Buf> {
        self.alloc_skb(len)
    }
    fn deliver(&self, buf: Self::Buf) -> Option<NoXdp> {
        self.gro_receive(buf);
        None
    }
    fn xdp_tx_done(&self, tx: NoXdp, _sent: bool) {
        match tx {}
    }
    fn complete_done(&self, work: usize) -> bool {
        netdev::Napi::complete_done(self, work as i32)
    }
}

/// Per-device state, shared by the net_device callbacks, NAPI and the interrupt handler.
pub(crate) struct Ne2kNet<'b> {
    pub(crate) dp: Datapath<ChipLockBox<'b>, Tracepoints>,
}

/// `ethtool -S`: every counter's name and where its value comes from, in one table.
type StatFn = fn(&Ne2kNet<'_>, &ChipState<PortBus<'_>>) -> u64;
const ETHTOOL_STATS: [(&CStr, StatFn); 15] = [
    (c"rx_bad_headers", |_, st| st.stats().rx_bad_headers),
    (c"rx_ring_resets", |_, st| st.stats().rx_ring_resets),
    (c"rx_overruns", |_, st| st.stats().rx_overruns),
    (c"rx_dropped_nomem", |_, st| st.stats().rx_dropped),
    (c"rx_frame_errors", |_, st| st.stats().rx_frame_errors),
    (c"rx_crc_errors", |_, st| st.stats().rx_crc_errors),
    (c"rx_missed_errors", |_, st| st.stats().rx_missed_errors),
    (c"rx_fifo_errors", |_, st| st.stats().rx_fifo_errors),
    (c"tx_timeouts", |_, st| st.stats().tx_timeouts),
    (c"tx_padded", |_, st| st.stats().tx_padded),
    (c"rdc_timeouts", |_, st| st.stats().rdc_timeouts),
    (c"port_accesses", |_, st| st.stats().port_accesses),
    (c"irqs", |_, st| st.irqs),
    (c"napi_polls", |_, st| st.polls),
    (c"irq_deferrals", |net, _| net.dp.irq_deferrals()),
];
/// The names column of [`ETHTOOL_STATS`] (what `ethtool -S` lists).
const STAT_NAMES: [&CStr; ETHTOOL_STATS.len()] = {
    let mut names = [c""; ETHTOOL_STATS.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = ETHTOOL_STATS[i].0;
        i += 1;
    }
    names
};

#[vtable]
impl NetDevOps for Ne2kNet<'_> {
    fn open(&self, dev: &NetDev) -> Result {
        self.dp.open(dev).map_err(|e| match e {
            OpenError::Gone => ENODEV,
            OpenError::Chip(_) => EIO,
        })?;
        Ok(())
    }

    fn stop(&self, dev: &NetDev) {
        self.dp.stop(dev);
    }

    fn start_xmit(&self, dev: &NetDev, mut skb: netdev::SkBuff) -> NetdevTx {
        match self.dp.start_xmit(dev, skb.data()) {
            Xmit::Queued => {
                skb.consume();
                NetdevTx::Ok
            }
            // Freed as a drop (kfree_skb) when `skb` goes out of scope.
            Xmit::Dropped => NetdevTx::Ok,
            Xmit::Busy => NetdevTx::Busy(skb),
        }
    }

    fn tx_timeout(&self, dev: &NetDev) {
        self.dp.tx_timeout(dev);
    }

    fn set_rx_mode(&self, dev: &NetDev) {
        // The core holds the address-list lock here: the only place the list is read.
        let mut list = [[0u8; 6]; MC_MAX];
        let n = dev.mc_list(&mut list);
        let mc = (n <= MC_MAX).then(|| &list[..n]);
        self.dp.set_rx_mode(dev, dev.promisc(), dev.allmulti(), mc);
    }

    fn set_mac_address(&self, dev: &NetDev, mac: [u8; 6]) -> Result {
        if !dp8390::is_valid_ether_addr(&mac) {
            return Err(EADDRNOTAVAIL);
        }
        dev.set_dev_addr(&mac);
        self.dp.set_mac_address(dev, mac);
        Ok(())
    }

    fn get_stats64(&self, dev: &NetDev, s: &mut LinkStats64) {
        let st = self.dp.hold(dev);
        let c = st.stats();
        s.rx_packets = c.rx_packets;
        s.rx_bytes = c.rx_bytes;
        s.rx_errors = c.rx_errors;
        s.rx_dropped = c.rx_dropped;
        s.rx_length_errors = c.rx_length_errors;
        s.rx_over_errors = c.rx_over_errors;
        s.rx_crc_errors = c.rx_crc_errors;
        s.rx_frame_errors = c.rx_frame_errors;
        s.rx_fifo_errors = c.rx_fifo_errors;
        s.rx_missed_errors = c.rx_missed_errors;
        s.multicast = c.multicast;
        s.tx_packets = c.tx_packets;
        s.tx_bytes = c.tx_bytes;
        s.tx_errors = c.tx_errors;
        s.tx_dropped = c.tx_dropped;
        s.tx_aborted_errors = c.tx_aborted_errors;
        s.tx_carrier_errors = c.tx_carrier_errors;
        s.tx_fifo_errors = c.tx_fifo_errors;
        s.tx_heartbeat_errors = c.tx_heartbeat_errors;
        s.tx_window_errors = c.tx_window_errors;
        s.collisions = c.collisions;
    }

    fn irq(&self, dev: &NetDev) -> IrqReturn {
        if self.dp.irq(dev) {
            IrqReturn::Handled
        } else {
            IrqReturn::None
        }
    }

    fn poll(&self, dev: &NetDev, napi: &netdev::Napi, budget: i32) -> i32 {
        self.dp.poll(dev, napi, budget.max(0) as usize) as i32
    }
}

#[vtable]
impl EthtoolOps for Ne2kNet<'_> {
    const DRIVER: &'static CStr = DRV_NAME;
    const VERSION: &'static CStr = DRV_VERSION;
    const STAT_NAMES: &'static [&'static CStr] = &STAT_NAMES;
    /// One receive ring and two transmit slots, one interrupt: one queue pair.
    const COMBINED_CHANNELS: u32 = 1;

    fn stats(&self, dev: &NetDev, out: &mut [u64]) {
        let st = self.dp.hold(dev);
        for (o, (_, value)) in out.iter_mut().zip(ETHTOOL_STATS) {
            *o = value(self, &st);
        }
    }

    /// The receive ring in 256-byte pages (the card's buffer units: a full frame takes six),
    /// and the two transmit slots.
    fn ring_sizes(&self, dev: &NetDev) -> RingSizes {
        let ring = self.dp.hold(dev).chip.ring();
        RingSizes {
            rx: u32::from(ring.stop - ring.rx_start),
            tx: dp8390::TX_SLOTS as u32,
        }
    }

    fn msglevel(&self, dev: &NetDev) -> u32 {
        self.dp.hold(dev).msg_enable
    }

    fn set_msglevel(&self, dev: &NetDev, level: u32) {
        self.dp.hold(dev).msg_enable = level;
    }
}

#[vtable]
impl StatOps for Ne2kNet<'_> {
    /// The one queue pair: the interface's packets and bytes, and the receive drops for want of
    /// a buffer.
    fn queue_stats(&self, dev: &NetDev, _queue: u32) -> QueueStats {
        let st = self.dp.hold(dev);
        let c = st.stats();
        QueueStats {
            rx_packets: c.rx_packets,
            rx_bytes: c.rx_bytes,
            rx_alloc_fail: c.rx_dropped,
            tx_packets: c.tx_packets,
            tx_bytes: c.tx_bytes,
        }
    }
}
