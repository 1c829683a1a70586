// SPDX-License-Identifier: GPL-2.0
//! The net_device side of the driver: the chip lock and the interrupt line the datapath runs
//! over ([`ChipLockBox`]), the `NetIf`/`Napi`/`RxBuf` glue from `datapath.rs` to the net layer (`netdev/`), and
//! [`Ne2kNet`], whose `NetDevOps` and `EthtoolOps` are the net_device and ethtool callbacks.

use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};

use kernel::prelude::*;

use crate::datapath::{self, ChipLock, ChipState, Datapath, Log, NetIf, OpenError, Xmit};
use crate::dp8390;
use crate::hw::port::PortBus;
use crate::netdev::{
    self, BhSpinLock, BhSpinLockGuard, EthtoolOps, IrqLine, IrqReturn, LinkStats64, NetDev,
    NetDevOps, NetdevTx, PowerOps, QueueStats, RingSizes, StatOps, XdpVerdict, XDP_ACT_BASIC,
    XDP_ACT_NDO_XMIT, XDP_ACT_REDIRECT,
};
use crate::stages::StageProbe;
use crate::DRV_NAME;

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
    fn lock_bh_off(&self) -> Self::Guard<'_> {
        netdev::lock_bh_off(self.lock.as_ref().get_ref())
    }

    #[inline]
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        self.lock.as_ref().get_ref().try_lock()
    }

    #[inline]
    fn try_lock_irq(&self) -> Option<Self::Guard<'_>> {
        netdev::try_lock_irq_off(self.lock.as_ref().get_ref())
    }

    fn irqs_off(&self) -> bool {
        netdev::irqs_disabled()
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
            (_, Log::CardGone) => {
                pr_err!(
                    "{}: the card reads all-ones (removed?): left alone, no carrier\n",
                    name
                )
            }
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
    #[inline(always)]
    fn bytes_mut(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        self.buf()
    }
}

/// With an XDP program attached, a receive buffer is a page the program runs on before any skb
/// exists.
impl datapath::RxBuf for netdev::RxPage {
    #[inline(always)]
    fn bytes_mut(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        self.buf()
    }
}

impl datapath::XdpTx for netdev::XdpTxFrame {
    fn bytes(&self) -> &[u8] {
        netdev::XdpTxFrame::bytes(self)
    }
}

/// What the XDP path did, for `ethtool -S` (written by the poll and by `ndo_xdp_xmit`, which
/// can run on another CPU at the same time: atomics, relaxed, as counters need no order).
#[derive(Default)]
pub(crate) struct XdpStats {
    pass: AtomicU64,
    /// XDP_PASS, but no skb could be built: dropped.
    pass_nomem: AtomicU64,
    drop: AtomicU64,
    tx: AtomicU64,
    tx_errors: AtomicU64,
    redirect: AtomicU64,
    redirect_errors: AtomicU64,
    aborted: AtomicU64,
    xmit: AtomicU64,
    xmit_errors: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

fn rd(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// One poll's receive side with no XDP program: skbs, handed to GRO. The poll picks this or
/// [`PollXdp`] once, when it starts, so that neither path tests for the other per frame.
struct PollSkb<'a> {
    napi: &'a netdev::Napi,
}

impl datapath::Napi for PollSkb<'_> {
    type Buf = netdev::RxSkb;
    type Tx = netdev::XdpTxFrame;

    #[inline(always)]
    fn alloc(&self, len: usize) -> Option<netdev::RxSkb> {
        self.napi.alloc_skb(len)
    }

    #[inline(always)]
    fn deliver(&self, skb: netdev::RxSkb) -> Option<netdev::XdpTxFrame> {
        self.napi.gro_receive(skb);
        None
    }

    /// Never called: without a program nothing is bounced.
    fn xdp_tx_done(&self, _frame: netdev::XdpTxFrame, _sent: bool) {}

    #[inline(always)]
    fn complete_done(&self, work: usize) -> bool {
        self.napi.complete_done(work as i32)
    }
}

/// One poll's receive side with the XDP program the poll found attached: each frame goes into
/// a page the program runs on before any skb exists.
struct PollXdp<'a> {
    napi: &'a netdev::Napi,
    dev: &'a NetDev,
    prog: netdev::XdpProg<'a>,
    stats: &'a XdpStats,
    redirected: core::cell::Cell<bool>,
}

impl datapath::Napi for PollXdp<'_> {
    type Buf = netdev::RxPage;
    type Tx = netdev::XdpTxFrame;

    fn alloc(&self, len: usize) -> Option<netdev::RxPage> {
        netdev::RxPage::alloc(len)
    }

    fn deliver(&self, page: netdev::RxPage) -> Option<netdev::XdpTxFrame> {
        let s = self.stats;
        match self.napi.run_xdp(self.dev, &self.prog, page) {
            XdpVerdict::Pass(skb) => {
                bump(&s.pass);
                self.napi.gro_receive_passed(skb);
            }
            XdpVerdict::PassNoMem => bump(&s.pass_nomem),
            XdpVerdict::Drop => bump(&s.drop),
            XdpVerdict::Tx(frame) => return Some(frame),
            XdpVerdict::Redirect => {
                bump(&s.redirect);
                self.redirected.set(true);
            }
            XdpVerdict::RedirectFailed => bump(&s.redirect_errors),
            XdpVerdict::Aborted => bump(&s.aborted),
        }
        None
    }

    fn xdp_tx_done(&self, _frame: netdev::XdpTxFrame, sent: bool) {
        bump(if sent {
            &self.stats.tx
        } else {
            &self.stats.tx_errors
        });
    }

    fn flush(&self) {
        if self.redirected.replace(false) {
            self.napi.xdp_flush();
        }
    }

    fn complete_done(&self, work: usize) -> bool {
        self.napi.complete_done(work as i32)
    }
}

/// Per-device state, shared by the net_device callbacks, NAPI and the interrupt handler.
pub(crate) struct Ne2kNet<'b> {
    pub(crate) dp: Datapath<ChipLockBox<'b>, StageProbe>,
    pub(crate) xdp: XdpStats,
}

/// `ethtool -S`: every counter's name and where its value comes from, in one table.
type StatFn = fn(&Ne2kNet<'_>, &ChipState<PortBus<'_>>) -> u64;
const ETHTOOL_STATS: [(&CStr, StatFn); 25] = [
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
    (c"irqs", |_, st| st.irqs),
    (c"napi_polls", |_, st| st.polls),
    (c"irq_deferrals", |net, _| net.dp.irq_deferrals()),
    (c"netpoll_busy", |net, _| net.dp.netpoll_busy()),
    (c"xdp_pass", |n, _| rd(&n.xdp.pass)),
    (c"xdp_pass_nomem", |n, _| rd(&n.xdp.pass_nomem)),
    (c"xdp_drop", |n, _| rd(&n.xdp.drop)),
    (c"xdp_tx", |n, _| rd(&n.xdp.tx)),
    (c"xdp_tx_errors", |n, _| rd(&n.xdp.tx_errors)),
    (c"xdp_redirect", |n, _| rd(&n.xdp.redirect)),
    (c"xdp_redirect_errors", |n, _| rd(&n.xdp.redirect_errors)),
    (c"xdp_aborted", |n, _| rd(&n.xdp.aborted)),
    (c"xdp_xmit", |n, _| rd(&n.xdp.xmit)),
    (c"xdp_xmit_errors", |n, _| rd(&n.xdp.xmit_errors)),
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
    /// XDP_PASS/DROP/ABORTED/TX, XDP_REDIRECT from this device and to it.
    const XDP_FEATURES: u32 = XDP_ACT_BASIC | XDP_ACT_REDIRECT | XDP_ACT_NDO_XMIT;

    fn open(&self, dev: &NetDev) -> Result {
        // Before NAPI can run: the receive queue's XDP information.
        dev.xdp_rxq_register()?;
        self.dp.open(dev).map_err(|e| {
            dev.xdp_rxq_unregister();
            match e {
                OpenError::Gone => ENODEV,
                OpenError::Chip(_) => EIO,
            }
        })?;
        Ok(())
    }

    fn stop(&self, dev: &NetDev) {
        self.dp.stop(dev);
        dev.xdp_rxq_unregister();
    }

    fn xdp_xmit(&self, dev: &NetDev, frame: &[u8]) -> bool {
        let sent = self.dp.xdp_xmit(dev, frame);
        bump(if sent {
            &self.xdp.xmit
        } else {
            &self.xdp.xmit_errors
        });
        sent
    }

    #[inline(always)]
    fn start_xmit<'call>(&self, dev: &NetDev, mut skb: netdev::SkBuff<'call>) -> NetdevTx<'call> {
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

    fn set_rx_mode(&self, dev: &NetDev, mc: &netdev::McList<'_>) {
        // The core holds the address-list lock here: the only place the list can be read.
        let mut list = [[0u8; 6]; MC_MAX];
        let n = mc.copy_to(&mut list);
        let mc = (n <= MC_MAX).then(|| &list[..n]);
        self.dp.set_rx_mode(dev, dev.promisc(), dev.allmulti(), mc);
    }

    fn set_mac_address(&self, dev: &NetDev, mac: [u8; 6]) -> Result {
        if !dp8390::is_valid_ether_addr(&mac) {
            return Err(EADDRNOTAVAIL);
        }
        // (The layer sets the device's address when this returns Ok.)
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

    #[inline(always)]
    fn irq(&self, dev: &NetDev, entered: u64) -> IrqReturn {
        if self.dp.irq(dev, entered) {
            IrqReturn::Handled
        } else {
            IrqReturn::None
        }
    }

    #[inline(always)]
    fn poll(&self, dev: &NetDev, napi: &netdev::Napi, budget: i32) -> i32 {
        let budget = budget.max(0) as usize;
        let work = match dev.xdp_prog(napi) {
            None => self.dp.poll(dev, &PollSkb { napi }, budget),
            Some(prog) => {
                let rx = PollXdp {
                    napi,
                    dev,
                    prog,
                    stats: &self.xdp,
                    redirected: core::cell::Cell::new(false),
                };
                self.dp.poll(dev, &rx, budget)
            }
        };
        work as i32
    }
}

/// System sleep (PCI suspend/resume and shutdown, through `netdev::PciPmAdapter`).
impl PowerOps for Ne2kNet<'_> {
    fn suspend(&self, dev: &NetDev) {
        self.dp.suspend(dev);
    }

    fn resume(&self, dev: &NetDev) {
        // A card that does not come out of reset was logged (`Log::OpenReset`) and stays
        // stopped without carrier; the interface stays up (see `Datapath::resume`).
        let _ = self.dp.resume(dev);
    }

    fn resume_down(&self, dev: &NetDev) {
        self.dp.resume_down(dev);
    }
}

#[vtable]
impl EthtoolOps for Ne2kNet<'_> {
    const DRIVER: &'static CStr = DRV_NAME;
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
