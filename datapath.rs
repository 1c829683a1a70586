// SPDX-License-Identifier: GPL-2.0
//
// Derived from the C drivers ne2k-pci.c and lib8390.c (drivers/net/ethernet/8390/), whose notice
// this derived work retains, as they ask:
//   ne2k-pci.c: 1992-2000 by Donald Becker, NE2000 core and various modifications.
//               1995-1998 by Paul Gortmaker, core modifications and PCI support.
//   lib8390.c:  Written 1992-94 by Donald Becker.
//   Copyright 1993 assigned to the United States Government as represented by the Director,
//   National Security Agency.
//   This software may be used and distributed according to the terms of the GNU General Public
//   License (GPL), incorporated herein by reference. Drivers based on or derived from this code
//   fall under the GPL and must retain the authorship, copyright and license notice.
//! The datapath: what the driver does on each of its entry points (hard IRQ, NAPI poll,
//! `start_xmit`, TX timeout, rx mode, MAC address, open, stop, unbind), in one place.
//!
//! No `kernel::` types here. The module instantiates it with the chip lock (a `spinlock_t`),
//! the net_device and NAPI glue and the tracepoints; `cargo test` instantiates the very same
//! code with a simulated lock, stack and scheduler, against a software DP8390 with a wire
//! (`tests/host/sim.rs`), and explores interleavings of the entry points on one and two CPUs.
//!
//! # The chip lock
//!
//! One lock (the C driver's `page_lock`) protects the chip and everything in [`ChipState`]:
//!
//! - what: the 8390's registers (the page select makes every register access depend on
//!   chip-global state), the remote-DMA engine, the TX slots, the ring position;
//! - the page rule: every hold leaves the chip on register page 0 with no remote DMA open;
//!   a frame's remote read opens and ends inside one call,
//!   [`Dp8390::rx_take`](crate::dp8390::Dp8390::rx_take), which every path through it ends;
//! - who takes it: the hard IRQ (trylock only), the poll (softirq or netpoll), `start_xmit`
//!   (under the tx lock), the TX watchdog (timer softirq, under the tx lock), `set_rx_mode`
//!   (under the address-list lock), open/stop/set_mac_address/ethtool (process context, RTNL);
//! - how long: one frame copy at most (a 1518-byte frame through the data port), except the
//!   receiver-overrun recovery, which takes up to [`OVERRUN_RX_MAX`] frames off the ring while
//!   the chip is in loopback and must not be interleaved with anything (lib8390 does the same
//!   under its lock). Nothing is handed to the stack with the lock held: an overrun's frames are
//!   delivered after it is released;
//! - with interrupts on: a frame through a real card's I/O port takes hundreds of
//!   microseconds, too long to hold off every interrupt of the CPU. Holders take the lock with
//!   bottom halves off (so the poll, a softirq, cannot spin on it under them) and interrupts on.
//!   Where they are off already, it is taken plainly ([`ChipLock::lock_bh_off`]): the poll
//!   (softirq, or netpoll with interrupts off), `start_xmit` and `ndo_xdp_xmit` (the core
//!   calls them with bottom halves off), the TX watchdog (timer softirq); process context
//!   (open, stop, ethtool, statistics) takes it with [`ChipLock::lock`].
//!   The hard IRQ handler never spins: if the lock is taken it masks the card's line and leaves
//!   (see [`Datapath::irq`]); whoever releases the lock next unmasks it, and the
//!   level-triggered line interrupts again. lib8390 reaches the same end by masking the line
//!   around every transmit copy (`disable_irq_nosync`); here the line is masked only when an
//!   interrupt actually meets a holder.
//!
//! # Who owns an interrupt cause
//!
//! The hard IRQ only reads ISR and masks the chip (IMR = 0); it acks nothing and remembers
//! nothing. The poll acks the receive causes it handles; a transmit completion belongs to
//! whoever acks ISR.PTX/TXE under the lock ([`Dp8390::tx_reap`]), and OVW is acked by the
//! overrun recovery once the ring has room. No cause is ever handled from a stale copy.

use crate::dp8390::{
    ChipError, Dp8390, RxMark, RxMode, RxTake, Stats, TxStages, XmitError, OVERRUN_RX_MAX,
};
use crate::hw::regs::Isr;
use crate::hw::RegisterBus;

use core::ops::DerefMut;
use core::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};

/// netif_msg bits the datapath logs under (include/linux/netdevice.h).
pub mod msg {
    pub const DRV: u32 = 0x0001;
    pub const PROBE: u32 = 0x0002;
    pub const RX_ERR: u32 = 0x0040;
    pub const TX_ERR: u32 = 0x0080;
    /// lib8390's default.
    pub const DEFAULT: u32 = DRV | PROBE | RX_ERR | TX_ERR;
}

/// Everything the chip lock protects.
pub struct ChipState<B: RegisterBus> {
    pub chip: Dp8390<B>,
    /// Set by unbind: the device is going away and must not be restarted.
    pub dead: bool,
    /// Stopped by a system suspend of an interface that is up, until resume or ndo_stop.
    suspended: bool,
    pub msg_enable: u32,
    pub irqs: u64,
    pub polls: u64,
    /// The filter the stack asked for (flags and multicast list), before the unicast quirk.
    requested: RxMode,
    /// The station address differs from the PROM on a card that filters unicast on the PROM:
    /// receive promiscuously (the stack drops frames not for it).
    unicast_quirk: bool,
    /// TSC at the last hard interrupt that reported a receive (0: none since the last poll):
    /// the start of the RX NIC stage.
    t_rx_irq: u64,
    rx_seq: u32,
}

impl<B: RegisterBus> ChipState<B> {
    pub fn new(chip: Dp8390<B>, msg_enable: u32) -> Self {
        Self {
            chip,
            dead: false,
            suspended: false,
            msg_enable,
            irqs: 0,
            polls: 0,
            requested: RxMode::compute(false, false, [].iter()),
            unicast_quirk: false,
            t_rx_irq: 0,
            rx_seq: 0,
        }
    }

    pub fn stats(&self) -> &Stats {
        &self.chip.stats
    }

    fn apply_rx_mode(&mut self) {
        let mode = if self.unicast_quirk {
            self.requested.promiscuous()
        } else {
            self.requested
        };
        self.chip.set_rx_mode(mode);
    }
}

/// The chip lock and the card's interrupt line. In the module a `spinlock_t` taken with bottom
/// halves off and interrupts on; on the host a lock whose every acquire and release is a point
/// where the interleaving explorer may switch to another context.
pub trait ChipLock {
    type Bus: RegisterBus;
    type Guard<'a>: DerefMut<Target = ChipState<Self::Bus>>
    where
        Self: 'a;
    /// Process or softirq context: spins until the lock is free, with bottom halves off while
    /// it is held. Interrupts stay on.
    fn lock(&self) -> Self::Guard<'_>;
    /// Where bottom halves (or interrupts) are already off: the NAPI poll (softirq, or netpoll
    /// with interrupts off), `ndo_start_xmit` and `ndo_xdp_xmit` (BHs off by the core's
    /// contract), the TX watchdog (timer softirq). Spins until the lock is free, plainly:
    /// nothing to turn off, and no `local_bh_enable` at the release.
    fn lock_bh_off(&self) -> Self::Guard<'_> {
        self.lock()
    }
    /// Any context: the lock if it is free; never spins. The hard IRQ uses it, and so does a
    /// holder's release that takes a deferred interrupt (process or softirq context: there,
    /// as with `lock`, bottom halves are off while it is held).
    fn try_lock(&self) -> Option<Self::Guard<'_>>;
    /// [`Self::try_lock`] in the hard IRQ handler (interrupts off: a plain trylock).
    fn try_lock_irq(&self) -> Option<Self::Guard<'_>> {
        self.try_lock()
    }
    /// Interrupts are off on this CPU: the caller is netpoll (netconsole's transmit, or its
    /// budget-0 poll), which may have interrupted a holder of this lock on the same CPU (every
    /// holder keeps interrupts on): then the lock is only tried ([`Datapath::start_xmit`],
    /// [`Datapath::poll`]). Asked only when the lock is taken.
    fn irqs_off(&self) -> bool {
        false
    }
    /// Masks the card's interrupt line without waiting for its handler (`disable_irq_nosync`).
    fn mask_line(&self);
    /// Unmasks it again (`enable_irq`).
    fn unmask_line(&self);
}

/// The chip lock, held. Dropping it releases the lock; if the hard IRQ met this holder
/// meanwhile (it masked the line and left), the releaser then takes that interrupt itself and
/// unmasks the line (see [`Datapath::irq`]). The release is inline: a fence and a flag test;
/// taking a deferred interrupt is out of line (`Datapath::take_deferred`).
pub struct Held<'a, L: ChipLock, P: Probe> {
    guard: Option<L::Guard<'a>>,
    dp: &'a Datapath<L, P>,
    dev: &'a dyn NetIf,
}

impl<L: ChipLock, P: Probe> core::ops::Deref for Held<'_, L, P> {
    type Target = ChipState<L::Bus>;
    fn deref(&self) -> &Self::Target {
        self.guard.as_ref().expect("held")
    }
}

impl<L: ChipLock, P: Probe> DerefMut for Held<'_, L, P> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.guard.as_mut().expect("held")
    }
}

impl<L: ChipLock, P: Probe> Held<'_, L, P> {
    /// Releases the lock now: what dropping the hold does, written out where it is called
    /// (the compiler's drop glue for `Held` is a function call of its own).
    #[inline(always)]
    pub fn release(mut self) {
        self.unlock();
        core::mem::forget(self);
    }

    #[inline(always)]
    fn unlock(&mut self) {
        drop(self.guard.take());
        // A full barrier after the release: either the handler's retry (after it raised the
        // flag) finds the lock free, or we see the flag (store buffering, both sides fenced).
        // The flag stays raised until a holder takes the interrupt under the lock, so a masked
        // line always has an owner: the handler, a holder, or the flag.
        fence(Ordering::SeqCst);
        if self.dp.irq_deferred.load(Ordering::Relaxed) {
            self.dp.take_deferred(self.dev);
        }
    }
}

impl<L: ChipLock, P: Probe> Drop for Held<'_, L, P> {
    #[inline(always)]
    fn drop(&mut self) {
        self.unlock();
    }
}

impl<L: ChipLock, P: Probe> Datapath<L, P> {
    /// A released holder found the deferred-interrupt flag raised: take the interrupt under
    /// the lock if it is free (never spin: this may be the hard IRQ, whose retry got the lock;
    /// whoever holds the lock now sees the flag at its own release), unmask the line, schedule
    /// the poll; and again, if another interrupt deferred meanwhile.
    #[cold]
    #[inline(never)]
    fn take_deferred(&self, dev: &dyn NetIf) {
        loop {
            let Some(mut st) = self.lock.try_lock() else {
                return;
            };
            // Another releaser may have been first.
            if !self.irq_deferred.swap(false, Ordering::SeqCst) {
                drop(st);
                fence(Ordering::SeqCst);
                if self.irq_deferred.load(Ordering::Relaxed) {
                    continue;
                }
                return;
            }
            let t0 = self.irq_deferred_at.swap(0, Ordering::Relaxed);
            let t1 = if t0 != 0 { self.probe.now() } else { 0 };
            let status = Self::take(&mut st, t0);
            // Under the lock, so that the line is never masked with the lock free and the flag
            // down. With the chip's sources masked (`take`) the card no longer asserts the
            // line: nothing depends on the interrupt controller delivering again a level that
            // stayed asserted through the mask (Bochs' I/O APIC does not). A handler that
            // comes now defers again, and this loop takes that too.
            self.lock.unmask_line();
            if status.is_some() {
                // Under the lock: in process context its release (bottom halves back on) runs
                // the NET_RX softirq this raises; in hard IRQ context irq_exit does.
                dev.napi_schedule();
            }
            if let Some(status) = status {
                // Its IRQ-handling cycles: the handler's part (mask, flag) and this take.
                // Reported before the release: in process context the release (bottom halves
                // back on) runs the poll this interrupt scheduled, and the report comes first,
                // as the hard IRQ's does.
                if t1 != 0 {
                    let hard = self.irq_deferred_cost.swap(0, Ordering::Relaxed);
                    self.probe.irq(
                        status.bits(),
                        hard.wrapping_add(self.probe.now().wrapping_sub(t1)),
                    );
                }
            }
            drop(st);
            fence(Ordering::SeqCst);
            if !self.irq_deferred.load(Ordering::Relaxed) {
                return;
            }
        }
    }
}

/// The net_device side of the datapath (queue, NAPI scheduling, carrier).
pub trait NetIf {
    fn start_queue(&self);
    fn stop_queue(&self);
    fn wake_queue(&self);
    fn queue_stopped(&self) -> bool;
    fn napi_enable(&self);
    /// Waits for a running poll to finish; afterwards no poll runs until `napi_enable`.
    fn napi_disable(&self);
    /// From the hard IRQ: run the poll (soon, in softirq).
    fn napi_schedule(&self);
    fn carrier_on(&self);
    fn carrier_off(&self);
    /// Byte queue limits (`netdev_tx_sent_queue`): a frame of `bytes` went to the card. Called
    /// under the chip lock, before the frame can complete.
    fn tx_sent(&self, bytes: u32);
    /// Byte queue limits (`netdev_tx_completed_queue`): `pkts` frames of `bytes` in all left
    /// the card (sent or failed). Called under the chip lock.
    fn tx_completed(&self, pkts: u32, bytes: u32);
    /// Byte queue limits (`netdev_tx_reset_queue`): what was in flight is gone (the slots were
    /// reset). Called under the chip lock.
    fn tx_reset(&self);
    /// A driver message (`netdev_warn`-like); `err` selects the error level.
    fn log(&self, err: bool, what: Log);
}

/// What the datapath may log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Log {
    /// `start_xmit`'s transmit watchdog fired.
    TxTimeout,
    /// The re-initialisation after a TX timeout failed.
    TxTimeoutReset(ChipError),
    /// The receive ring held a header that cannot be right; it was reset.
    RingReset,
    /// Open could not reset the chip.
    OpenReset(ChipError),
    /// The card reads all-ones (removed, or powered down): it is left alone, with no carrier.
    CardGone,
}

pub use crate::dp8390::RxBuf;

/// A frame an XDP program sent back out of the card it came in on (`XDP_TX`): the datapath
/// copies its bytes into a free TX slot.
pub trait XdpTx {
    fn bytes(&self) -> &[u8];
}

/// The NAPI context of one poll.
pub trait Napi {
    type Buf: RxBuf;
    /// A frame returned by [`Self::deliver`] for transmission (`XDP_TX`).
    type Tx: XdpTx;
    /// A buffer for a `len`-byte frame, or `None` (no memory: the frame is dropped).
    fn alloc(&self, len: usize) -> Option<Self::Buf>;
    /// Hands a filled buffer up: to the XDP program if one is attached, and what it passes to
    /// the stack (GRO). `Some`: the program bounced the frame (`XDP_TX`); the datapath sends
    /// it if a TX slot is free and then calls [`Self::xdp_tx_done`].
    fn deliver(&self, buf: Self::Buf) -> Option<Self::Tx>;
    /// A bounced frame was copied into a TX slot (`sent`) or dropped (no free slot, the chip
    /// stopped). The card holds its own copy: the buffer can go back at once.
    fn xdp_tx_done(&self, tx: Self::Tx, sent: bool);
    /// The poll's receive work is over: flush what the XDP program redirected
    /// (`xdp_do_flush`), before [`Self::complete_done`].
    fn flush(&self) {}
    /// `napi_complete_done`: true if the poll is over and the chip may be unmasked.
    fn complete_done(&self, work: usize) -> bool;
}

/// The stage clock, and where the stage cycles go (the tracepoints, the stage statistics). All
/// default to "off".
///
/// Each unit of work (a transmit, an interrupt, a poll) asks once, at its start, whether it is
/// timed (`time_*`), and reports what it timed at its end; the probe decides, per report, which
/// listener takes it. A probe that samples (the statistics time one unit in N) answers each
/// unit's question once, so a unit is timed from start to end or not at all.
pub trait Probe {
    /// Whether anybody listens: an event or the statistics. Asked once at each entry point
    /// (hard IRQ, poll, `start_xmit`), which then runs a copy of its code with the stage clock
    /// (the `time_*` questions and the clock readings below) or one without it, where none
    /// of that is compiled in: with every listener off, the datapath carries no timing code.
    fn enabled(&self) -> bool {
        false
    }
    fn now(&self) -> u64 {
        0
    }
    /// A `start_xmit`: its frame's TX stages ([`Self::tx`], when its completion is handled).
    fn time_tx(&self) -> bool {
        false
    }
    /// A hard interrupt: its cycles ([`Self::irq`]), and the RX NIC stage of the frames it
    /// announces.
    fn time_irq(&self) -> bool {
        false
    }
    /// A NAPI poll of `budget` (0: netpoll): its cycles and stack share ([`Self::poll`]), and
    /// the RX NIC stage of frames no timed interrupt announced.
    fn time_poll(&self, _budget: usize) -> bool {
        false
    }
    /// Whether a poll times the frames it receives ([`Self::rx`]); `announced`: a timed
    /// interrupt started their NIC stage (else the timed poll did).
    fn time_rx(&self, _announced: bool) -> bool {
        false
    }
    fn tx(&self, _s: &TxStages) {}
    #[expect(clippy::too_many_arguments)]
    fn rx(
        &self,
        _seq: u32,
        _len: u32,
        _page: u32,
        _nic: u64,
        _dma: u64,
        _driver: u64,
        _total: u64,
    ) {
    }
    fn irq(&self, _isr: u8, _cycles: u64) {}
    fn poll(&self, _r: &PollReport) {}
}

/// What a timed poll reports ([`Probe::poll`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Frames received (its receive work).
    pub rx: u32,
    /// Transmit completions reaped.
    pub tx: u32,
    pub budget: u32,
    pub cycles: u64,
    /// Of `cycles`, those spent in the stack: handing frames up and `napi_complete_done`.
    pub stack: u64,
    /// The length of the last frame received, and of the last transmit completed (0: none).
    pub rx_len: u32,
    pub tx_len: u32,
}

/// What `start_xmit` tells the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Xmit {
    /// Loaded into a TX slot (and sent, or waiting for the other slot).
    Queued,
    /// Dropped and counted (no linear data, bad length, device not running). The skb is freed.
    Dropped,
    /// No free slot: the queue is stopped and the skb goes back to the qdisc.
    Busy,
}

/// Why `open` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// The device was unbound.
    Gone,
    /// The chip did not come out of reset.
    Chip(ChipError),
}

/// The datapath of one card: the chip lock and the probe's facts.
pub struct Datapath<L: ChipLock, P: Probe> {
    lock: L,
    probe: P,
    /// The station address in the card's PROM.
    prom_mac: [u8; 6],
    /// The card filters unicast on the PROM, not on PAR (QEMU's `ne2k_pci`).
    prom_unicast_filter: bool,
    /// The hard IRQ found the lock taken and masked the line: the holder takes the interrupt.
    irq_deferred: AtomicBool,
    /// When that interrupt came (the stage clock; 0 when not timed).
    irq_deferred_at: AtomicU64,
    /// The cycles its handler spent before leaving it to the holder (0 when not timed).
    irq_deferred_cost: AtomicU64,
    /// How often that happened (`ethtool -S irq_deferrals`).
    irq_deferrals: AtomicU64,
    /// Netpoll (interrupts off) found the lock taken and did not wait: a transmit refused or a
    /// budget-0 poll skipped (`ethtool -S netpoll_busy`).
    netpoll_busy: AtomicU64,
}

impl<L: ChipLock, P: Probe> Datapath<L, P> {
    pub fn new(lock: L, probe: P, prom_mac: [u8; 6], prom_unicast_filter: bool) -> Self {
        Self {
            lock,
            probe,
            prom_mac,
            prom_unicast_filter,
            irq_deferred: AtomicBool::new(false),
            irq_deferred_at: AtomicU64::new(0),
            irq_deferred_cost: AtomicU64::new(0),
            irq_deferrals: AtomicU64::new(0),
            netpoll_busy: AtomicU64::new(0),
        }
    }

    /// Takes the chip lock (process or softirq context). `dev` is whom an interrupt that
    /// meets this hold schedules NAPI on, at the release.
    #[inline]
    pub fn hold<'a>(&'a self, dev: &'a dyn NetIf) -> Held<'a, L, P> {
        self.held(self.lock.lock(), dev)
    }

    /// [`Self::hold`] where bottom halves (or interrupts) are already off
    /// ([`ChipLock::lock_bh_off`]).
    #[inline]
    fn hold_bh_off<'a>(&'a self, dev: &'a dyn NetIf) -> Held<'a, L, P> {
        self.held(self.lock.lock_bh_off(), dev)
    }

    /// [`Self::hold_bh_off`] for a path netpoll takes (`start_xmit`, the budget-0 poll): the
    /// lock is tried first (as cheap as taking it when it is free); taken, and interrupts off
    /// (netpoll), it is not waited for: its holder may be the code this CPU interrupted, which
    /// would never release it. `None` then.
    #[inline(always)]
    fn hold_bh_off_or_try<'a>(&'a self, dev: &'a dyn NetIf) -> Option<Held<'a, L, P>> {
        match self.lock.try_lock_irq() {
            Some(g) => Some(self.held(g, dev)),
            None => self.contended(dev),
        }
    }

    #[cold]
    #[inline(never)]
    fn contended<'a>(&'a self, dev: &'a dyn NetIf) -> Option<Held<'a, L, P>> {
        if self.lock.irqs_off() {
            self.netpoll_busy.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(self.hold_bh_off(dev))
    }

    #[inline(always)]
    fn held<'a>(&'a self, guard: L::Guard<'a>, dev: &'a dyn NetIf) -> Held<'a, L, P> {
        Held {
            guard: Some(guard),
            dp: self,
            dev,
        }
    }

    /// The interrupt, under the lock: the chip's sources masked (the poll unmasks them) and
    /// the receive NIC stage's start noted. `None`: not the card's, or the chip is stopped.
    #[inline(always)]
    fn take(st: &mut ChipState<L::Bus>, t0: u64) -> Option<Isr> {
        let status = st.chip.irq_take()?;
        Self::taken(st, status, t0);
        Some(status)
    }

    /// An interrupt with causes `status` was taken (by the hard IRQ, a holder's release or
    /// `start_xmit`), at `t0` on the stage clock (0: not timed): counted, and the receive NIC
    /// stage of the frames it announces starts there.
    #[inline(always)]
    fn taken(st: &mut ChipState<L::Bus>, status: Isr, t0: u64) {
        st.irqs = st.irqs.wrapping_add(1);
        if t0 != 0 && status.intersects(Isr::PRX | Isr::RXE) && st.t_rx_irq == 0 {
            st.t_rx_irq = t0;
        }
    }

    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn probe(&self) -> &P {
        &self.probe
    }

    /// The lock itself (host tests: its state without the deferred-IRQ handling of [`Held`]).
    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn lock(&self) -> &L {
        &self.lock
    }

    /// A deferred interrupt is waiting for a holder's release (host tests: the explorer's
    /// "a masked line has an owner" check).
    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn irq_deferred(&self) -> bool {
        self.irq_deferred.load(Ordering::SeqCst)
    }

    /// Hard interrupts that met a lock holder and were deferred to its release.
    pub fn irq_deferrals(&self) -> u64 {
        self.irq_deferrals.load(Ordering::Relaxed)
    }

    /// Netpoll calls that found the lock taken and did not wait for it.
    pub fn netpoll_busy(&self) -> u64 {
        self.netpoll_busy.load(Ordering::Relaxed)
    }

    /// `ndo_open`: NAPI first (once the chip is unmasked its interrupt may schedule a poll),
    /// then reset and start the chip with the last filter the stack asked for (the core calls
    /// `set_rx_mode` right after open with the current one). On failure the interface stays
    /// down: NAPI is disabled again.
    pub fn open(&self, dev: &impl NetIf) -> Result<(), OpenError> {
        self.start(dev).inspect_err(|_| dev.napi_disable())
    }

    /// System resume (`dev_pm_ops` `resume`, `thaw`, `restore`) of an interface that was up at
    /// suspend ([`Self::suspend`]): the card may have lost power, so it is reset and started
    /// as at open. A card that does not come out of reset stays stopped with the carrier off,
    /// but the interface stays up, so NAPI stays enabled for the `ndo_stop` that will come
    /// (disabling it twice would never return); the transmit watchdog does not fire on a
    /// stopped chip (start_xmit drops), and `ip link set down/up` retries the reset.
    pub fn resume(&self, dev: &impl NetIf) -> Result<(), OpenError> {
        self.hold(dev).suspended = false;
        self.start(dev).inspect_err(|_| dev.carrier_off())
    }

    /// System resume of an interface that is down: the card comes back as the kernel before
    /// left it (after a hibernation restore, perhaps started by another driver with its
    /// interrupts unmasked, and nobody here takes a level-triggered interrupt of a stopped
    /// chip), so it is reset, if it will, and quiesced.
    pub fn resume_down(&self, dev: &impl NetIf) {
        let mut st = self.hold(dev);
        if !st.dead {
            // A card that does not come out of reset is quiesced all the same; open reports it.
            let _ = st.chip.reset();
        }
        st.chip.quiesce();
    }

    /// System suspend (`dev_pm_ops` `suspend`, `freeze`, `poweroff`) and PCI shutdown, of an
    /// interface that is up; the glue has detached the device under RTNL (the stack sends no
    /// more). The chip is quiesced as at [`Self::stop`]: the frames in the TX slots are dropped
    /// (BQL reset), no poll runs until [`Self::resume`].
    pub fn suspend(&self, dev: &impl NetIf) {
        self.stop(dev);
        self.hold(dev).suspended = true;
    }

    /// Open and resume: NAPI on, reset, filter, start. On failure NAPI is left on (each
    /// caller decides) and the chip stopped.
    fn start(&self, dev: &impl NetIf) -> Result<(), OpenError> {
        dev.napi_enable();
        let mut st = self.hold(dev);
        let res = if st.dead {
            Err(OpenError::Gone)
        } else {
            st.chip.reset().map_err(OpenError::Chip)
        };
        if let Err(e) = res {
            st.chip.quiesce();
            drop(st);
            if let OpenError::Chip(c) = e {
                dev.log(true, Log::OpenReset(c));
            }
            return Err(e);
        }
        st.apply_rx_mode();
        st.chip.init(true);
        st.t_rx_irq = 0;
        dev.start_queue();
        drop(st);
        dev.carrier_on();
        Ok(())
    }

    /// `ndo_stop`: the poll is stopped (and waited for) before the chip, so that no poll can
    /// unmask or restart the chip after it is quiesced.
    pub fn stop(&self, dev: &impl NetIf) {
        if core::mem::take(&mut self.hold(dev).suspended) {
            // Closed while suspended (detach keeps dev_open out, not dev_close): suspend did
            // all of it, and a second napi_disable would never return.
            return;
        }
        dev.napi_disable();
        let mut st = self.hold(dev);
        st.chip.quiesce();
        // After the poll is gone (a poll's TX completion may have woken the queue), and under
        // the lock with the chip stopped: a TX timeout's wake, also under it, comes before
        // this, or finds the chip stopped and wakes nothing. (A suspend detaches the device
        // without the tx lock: a watchdog past its check may run `tx_timeout` meanwhile.)
        dev.stop_queue();
        // The frames in the slots will not complete; open starts with empty slots.
        dev.tx_reset();
        drop(st);
        dev.carrier_off();
    }

    /// PCI unbind: stop the chip for good before the line is freed and the device unregistered.
    pub fn unbind(&self, dev: &impl NetIf) {
        let mut st = self.hold(dev);
        st.dead = true;
        st.chip.quiesce();
    }

    /// `ndo_start_xmit`. `frame` is the skb's linear data (`None`: it could not be linearised).
    #[inline]
    pub fn start_xmit(&self, dev: &impl NetIf, frame: Option<&[u8]>) -> Xmit {
        if self.probe.enabled() {
            self.start_xmit_with::<true>(dev, frame)
        } else {
            self.start_xmit_with::<false>(dev, frame)
        }
    }

    /// [`Self::start_xmit`], with the stage clock compiled in (`TIMED`) or not. Inline: both
    /// copies go into the `ndo_start_xmit` entry itself, with no call between.
    #[inline(always)]
    fn start_xmit_with<const TIMED: bool>(&self, dev: &impl NetIf, frame: Option<&[u8]>) -> Xmit {
        // Stage boundary (TX driver stage start): start_xmit entry. Timestamps are taken only
        // while the ne2k_rs_tx event is enabled.
        let t_enter = (TIMED && self.probe.time_tx()).then(|| self.probe.now());
        let Some(mut held) = self.hold_bh_off_or_try(dev) else {
            // Netpoll on a CPU that holds the lock: refused (netpoll queues it and retries).
            return Xmit::Busy;
        };
        let st = &mut *held;
        let r = match frame {
            Some(frame) if st.chip.running() => {
                match self.xmit_quiet::<TIMED>(st, dev, frame, t_enter, true) {
                    Ok(()) => Xmit::Queued,
                    Err(XmitError::Full) => {
                        dev.stop_queue();
                        Xmit::Busy
                    }
                    Err(XmitError::BadLength) => Xmit::Dropped,
                }
            }
            // No linear data, or the device is not running.
            _ => {
                st.chip.stats.tx_dropped = st.chip.stats.tx_dropped.wrapping_add(1);
                Xmit::Dropped
            }
        };
        held.release();
        r
    }

    /// Sends a frame that did not come through the stack's queue: an XDP program's `XDP_TX`,
    /// or a frame redirected to this device (`ndo_xdp_xmit`). It takes a free TX slot if there
    /// is one; otherwise (or with the chip stopped, or a bad length) it is not sent and the
    /// caller drops it: XDP never waits for the card. Byte queue limits do not see it. Returns
    /// whether the frame was loaded.
    pub fn xdp_xmit(&self, dev: &impl NetIf, frame: &[u8]) -> bool {
        let mut st = self.hold_bh_off(dev);
        if !st.chip.running() {
            return false;
        }
        if self.probe.enabled() {
            self.xmit_quiet::<true>(&mut st, dev, frame, None, false)
                .is_ok()
        } else {
            self.xmit_quiet::<false>(&mut st, dev, frame, None, false)
                .is_ok()
        }
    }

    /// After a frame went into a TX slot: a completion that is already there is taken now,
    /// without an interrupt; a full card stops the stack's queue (under the lock: a completion
    /// cannot wake the queue before it is stopped) until a completion frees a slot.
    #[inline(always)]
    fn loaded<const TIMED: bool>(&self, st: &mut ChipState<L::Bus>, dev: &impl NetIf) -> Isr {
        // A frame is on the wire now (this one, or the one it waits for): one ISR read.
        let isr = st.chip.isr();
        if let Some(done) = st.chip.tx_reap_isr::<TIMED>(isr) {
            if done.queued {
                dev.tx_completed(1, done.bytes);
            }
            if TIMED && done.timed {
                self.probe.tx(st.chip.tx_stages());
            }
        }
        if st.chip.tx_full() {
            dev.stop_queue();
        }
        isr
    }

    /// An interrupt cause `isr` came during a transmit and the transmit took it (the chip stays
    /// masked): it is an interrupt handled, as the hard IRQ's `take` would have: counted, its
    /// NAPI poll scheduled (under the lock, as the deferred take does: the masked chip has its
    /// poll), and with the stage clock its receive NIC stage started and its handling reported
    /// (`ne2k_rs_irq`, the statistics' Table 10 rows: this take, and the poll it schedules).
    #[inline(always)]
    fn xmit_took_irq<const TIMED: bool>(
        &self,
        st: &mut ChipState<L::Bus>,
        dev: &impl NetIf,
        isr: Isr,
    ) {
        let timed = TIMED && self.probe.time_irq();
        let t0 = if timed { self.probe.now() } else { 0 };
        let status = isr & (Isr::ALL - (Isr::PTX | Isr::TXE));
        Self::taken(st, status, t0);
        dev.napi_schedule();
        if timed {
            self.probe
                .irq(status.bits(), self.probe.now().wrapping_sub(t0));
        }
    }

    /// Loads `frame` (the stack's, timed from `t_enter`, or XDP's) into a free TX slot with the
    /// chip's interrupts masked ([`Dp8390::xmit_mask`]); an interrupt cause that came meanwhile
    /// is taken here, the chip left masked for the poll this schedules, instead of raising the
    /// line under the lock. Needs the chip running.
    #[inline(always)]
    fn xmit_quiet<const TIMED: bool>(
        &self,
        st: &mut ChipState<L::Bus>,
        dev: &impl NetIf,
        frame: &[u8],
        t_enter: Option<u64>,
        queued: bool,
    ) -> Result<(), XmitError> {
        let quiet = st.chip.xmit_mask();
        // (XDP's frames come untimed: `t_enter` is `None`.)
        match st.chip.xmit_timed(frame, t_enter) {
            Ok(_) => {
                let isr = self.loaded::<TIMED>(st, dev);
                // Byte queue limits hear of the stack's frame only if it is still in flight
                // now (not if QEMU's card sent it inside the command write and `loaded` took
                // its completion).
                if queued {
                    if let Some(bytes) = st.chip.tx_queue_last() {
                        dev.tx_sent(bytes);
                    }
                }
                if quiet && st.chip.xmit_unmask(isr) {
                    self.xmit_took_irq::<TIMED>(st, dev, isr);
                }
                Ok(())
            }
            Err(e) => {
                if quiet {
                    st.chip.irq_unmask();
                }
                Err(e)
            }
        }
    }

    /// `ndo_tx_timeout`: reset and re-initialise the chip; the frames in the slots are lost
    /// (counted as errors). A poll running meanwhile finds the ring re-initialised: the ring
    /// position and the CURR it read are the chip state's, under this lock, not its own. If the
    /// card does not come out of reset it is stopped for good: no wake, no carrier (the
    /// watchdog then stays quiet instead of counting the same frames every 5 s).
    pub fn tx_timeout(&self, dev: &impl NetIf) {
        let mut st = self.hold_bh_off(dev);
        if st.chip.gone() {
            // No reset of a card that is gone: no carrier, so the watchdog stops.
            let news = st.chip.take_gone_news();
            drop(st);
            if news {
                Self::card_gone(dev);
            } else {
                dev.carrier_off();
            }
            return;
        }
        let warn = st.msg_enable & msg::TX_ERR != 0;
        let res = st.chip.tx_timeout();
        // The slots were emptied by the reset (or are dead with the chip).
        dev.tx_reset();
        if res.is_err() {
            st.chip.quiesce();
        }
        st.t_rx_irq = 0;
        // The wake under the lock, as `stop`'s queue stop: a stop or suspend that quiesces the
        // chip after this hold stops the queue again (see `stop`).
        if res.is_ok() && st.chip.running() {
            dev.wake_queue();
        }
        drop(st);
        if warn {
            dev.log(false, Log::TxTimeout);
        }
        if let Err(e) = res {
            dev.log(true, Log::TxTimeoutReset(e));
            dev.carrier_off();
        }
    }

    /// `ndo_set_rx_mode` (the core holds the address-list lock): `mc` is the multicast list,
    /// or `None` if it is longer than the filter tracks (then all multicast is received).
    pub fn set_rx_mode(
        &self,
        dev: &impl NetIf,
        promisc: bool,
        allmulti: bool,
        mc: Option<&[[u8; 6]]>,
    ) {
        let mode = RxMode::compute(promisc, allmulti || mc.is_none(), mc.unwrap_or(&[]).iter());
        let mut st = self.hold(dev);
        st.requested = mode;
        st.apply_rx_mode();
    }

    /// `ndo_set_mac_address` (RTNL held; the address is already validated). Does not read the
    /// multicast list (that needs the address-list lock): it re-applies the filter the stack
    /// last asked for, with or without the unicast quirk.
    pub fn set_mac_address(&self, dev: &impl NetIf, mac: [u8; 6]) {
        let mut st = self.hold(dev);
        st.chip.set_mac(mac);
        st.unicast_quirk = self.prom_unicast_filter && mac != self.prom_mac;
        st.apply_rx_mode();
    }

    /// The card was found gone (it reads all-ones): told once, after the lock is released. No
    /// carrier: the stack stops sending and the TX watchdog, which only watches a queue with
    /// carrier, stops firing.
    #[cold]
    #[inline(never)]
    fn card_gone(dev: &impl NetIf) {
        dev.carrier_off();
        dev.log(true, Log::CardGone);
    }

    /// The hard interrupt handler (shared, level-triggered line): true if the interrupt was
    /// ours, or was deferred.
    ///
    /// It never spins on the chip lock: a holder (on this CPU, whose interrupts it took, or on
    /// another) may be in the middle of a frame copy. Then it masks the line and raises
    /// `irq_deferred`; the holder's release takes the interrupt and unmasks the line. The
    /// handler tries the lock once more after raising the flag, in case the holder let go in
    /// between (and did not see the flag).
    ///
    /// `entered` is the probe's clock read as the handler's first act (by the caller, the
    /// trampoline into it): a timed interrupt's cycles count from there, so that they hold the
    /// whole handler (the call into it, and the question whether it is timed) and the
    /// `ne2k_rs_irq` event agrees with ftrace's `irq_handler_entry`..`exit` span less the
    /// records in it.
    #[inline(always)]
    pub fn irq(&self, dev: &impl NetIf, entered: u64) -> bool {
        if self.probe.enabled() {
            self.irq_with::<true>(dev, entered)
        } else {
            self.irq_with::<false>(dev, entered)
        }
    }

    /// [`Self::irq`], with the stage clock compiled in (`TIMED`) or not.
    fn irq_with<const TIMED: bool>(&self, dev: &impl NetIf, entered: u64) -> bool {
        // Stage boundary (RX NIC stage start): the interrupt is seen.
        let timed = TIMED && self.probe.time_irq();
        let t0 = if timed { entered } else { 0 };
        let mut st = match self.lock.try_lock_irq() {
            Some(g) => self.held(g, dev),
            None => {
                self.lock.mask_line();
                self.irq_deferred_at.store(t0, Ordering::Relaxed);
                if timed {
                    // This handler's part of the interrupt's cycles (before the flag: the
                    // release that reads it may run on another CPU at once).
                    self.irq_deferred_cost
                        .store(self.probe.now().wrapping_sub(t0), Ordering::Relaxed);
                }
                self.irq_deferred.swap(true, Ordering::SeqCst);
                self.irq_deferrals.fetch_add(1, Ordering::Relaxed);
                match self.lock.try_lock_irq() {
                    // The holder's release takes it (and records the interrupt's event).
                    None => return true,
                    // Released in between: the flag is ours to clear (`Held` does it).
                    Some(g) => self.held(g, dev),
                }
            }
        };
        let Some(status) = Self::take(&mut st, t0) else {
            let gone = st.chip.take_gone_news();
            st.release();
            if gone {
                Self::card_gone(dev);
            }
            return false;
        };
        st.release();
        dev.napi_schedule();
        if timed {
            self.probe
                .irq(status.bits(), self.probe.now().wrapping_sub(t0));
        }
        true
    }

    /// The NAPI poll: (budget > 0 only) the tally counters, a receiver overrun; transmit
    /// completions; then (budget > 0 only) up to `budget` received frames. Returns the receive
    /// work done, never more than `budget`. At budget 0 (netpoll, IRQs off) it only reaps
    /// transmit completions and never completes NAPI.
    ///
    /// One lock hold per frame, and a poll that finds one frame (or none) holds the lock once:
    /// ISR is read once for both halves, and the hold that takes the ring's last frame unmasks
    /// the chip before the frame goes up and NAPI completes. An interrupt that comes after
    /// that unmask while the poll is still running masks the chip again and schedules NAPI,
    /// which the running poll's `napi_complete_done` sees (the core's MISSED bit): it returns
    /// false and the poll runs again, so nothing waits for an interrupt that will not come.
    #[inline(always)]
    pub fn poll<D: NetIf, N: Napi>(&self, dev: &D, napi: &N, budget: usize) -> usize {
        if self.probe.enabled() {
            self.poll_with::<true, D, N>(dev, napi, budget)
        } else {
            self.poll_with::<false, D, N>(dev, napi, budget)
        }
    }

    /// [`Self::poll`], with the stage clock compiled in (`TIMED`) or not. Inline: both copies
    /// go into the NAPI poll entry itself, with no call between.
    #[inline(always)]
    fn poll_with<const TIMED: bool, D: NetIf, N: Napi>(
        &self,
        dev: &D,
        napi: &N,
        budget: usize,
    ) -> usize {
        if budget == 0 {
            self.poll_netpoll::<TIMED, D, N>(dev, napi);
            return 0;
        }
        let poll_timed = TIMED && self.probe.time_poll(budget);
        let t_poll = if poll_timed { self.probe.now() } else { 0 };
        let mut acc = PollAcc::default();
        // A message to log once the lock is released (never print under it).
        let mut log = None;
        let mut held = self.hold_bh_off(dev);
        let st = &mut *held;
        st.polls = st.polls.wrapping_add(1);
        if !st.chip.running() {
            // Stopped (unbind, a poll that was due when the chip was quiesced, or a card found
            // gone).
            return self.poll_stopped(held, dev, napi);
        }
        // Frames announced by an interrupt start their NIC stage there; frames found by a
        // poll that no receive interrupt announced start it at the poll.
        let t_irq = core::mem::take(&mut st.t_rx_irq);
        let t_ref = if t_irq != 0 { t_irq } else { t_poll };
        let timed = TIMED && t_ref != 0 && self.probe.time_rx(t_irq != 0);
        let mut status = st.chip.isr_take();
        if !st.chip.running() {
            // The card is gone (ISR read all-ones): nothing to do, nothing to unmask.
            return self.poll_stopped(held, dev, napi);
        }
        if status.contains(Isr::CNT) {
            st.chip.read_counters();
        }
        // A receiver overrun before the transmit completions, as lib8390: its resend decision
        // reads the transmit bits before anyone acks them.
        if status.contains(Isr::OVW) {
            // Its own tally, merged after: the poll's stays in registers (no pointer to it
            // leaves this function).
            let mut o = PollAcc::default();
            held = self.overrun(held, dev, napi, budget, timed, t_ref, &mut o, poll_timed);
            acc.merge(&o);
            // The transmit bits of `status` are from before the recovery's release.
            status = Isr::empty();
            if !held.chip.running() {
                // Stopped meanwhile (unbind): nothing to unmask; NAPI completes.
                held.release();
                return self.poll_end(dev, napi, budget, acc, t_poll, true);
            }
        }
        self.reap::<TIMED>(&mut held, dev, status, poll_timed, &mut acc);
        // The receive drain, a lock hold per frame: `held` is the hold the next frame is taken
        // in.
        let mut held = held;
        let mut times = RxTimes::default();
        // (An overrun's recovery may have done the whole budget already.)
        while acc.work < budget {
            match self.rx_one(&mut held, napi, timed, &mut times, &mut log) {
                RxOne::Empty | RxOne::Reset => {
                    held.chip.irq_unmask();
                    held.release();
                    if let Some(what) = log.take() {
                        dev.log(false, what);
                    }
                    return self.poll_end(dev, napi, budget, acc, t_poll, true);
                }
                RxOne::Skipped => acc.work = acc.work.wrapping_add(1),
                RxOne::Frame(buf) => {
                    acc.work = acc.work.wrapping_add(1);
                    // The ring's last frame (for now): unmask in this same hold.
                    let last = acc.work < budget && !held.chip.rx_pending();
                    if last {
                        held.chip.irq_unmask();
                    }
                    held.release();
                    if let Some(what) = log.take() {
                        dev.log(false, what);
                    }
                    self.hand_up(dev, napi, buf, &times, t_ref, poll_timed, &mut acc);
                    if last || acc.work >= budget {
                        return self.poll_end(dev, napi, budget, acc, t_poll, last);
                    }
                    held = self.hold_bh_off(dev);
                }
            }
        }
        held.release();
        if let Some(what) = log.take() {
            dev.log(false, what);
        }
        self.poll_end(dev, napi, budget, acc, t_poll, false)
    }

    /// A poll that finds the chip not running (unbound, quiesced, or the card found gone, maybe
    /// by this poll's ISR read): nothing to do and nothing to unmask; NAPI completes, and a card
    /// that is gone is reported once the lock is released.
    #[cold]
    #[inline(never)]
    fn poll_stopped<D: NetIf, N: Napi>(
        &self,
        mut held: Held<'_, L, P>,
        dev: &D,
        napi: &N,
    ) -> usize {
        let gone = held.chip.take_gone_news();
        held.release();
        napi.complete_done(0);
        if gone {
            Self::card_gone(dev);
        }
        0
    }

    /// The poll netpoll makes with budget 0 (interrupts off): transmit completions only; no
    /// receive work, and NAPI is never completed.
    #[cold]
    #[inline(never)]
    fn poll_netpoll<const TIMED: bool, D: NetIf, N: Napi>(&self, dev: &D, napi: &N) {
        let poll_timed = TIMED && self.probe.time_poll(0);
        let t_poll = if poll_timed { self.probe.now() } else { 0 };
        let mut acc = PollAcc::default();
        // (Interrupts are off here: the lock is only tried, and if it is taken, perhaps by the
        // code this CPU interrupted, there is nothing to do now.)
        let Some(mut held) = self.hold_bh_off_or_try(dev) else {
            return;
        };
        held.polls = held.polls.wrapping_add(1);
        if held.chip.running() {
            self.reap::<TIMED>(&mut held, dev, Isr::empty(), poll_timed, &mut acc);
        }
        held.release();
        self.poll_end(dev, napi, 0, acc, t_poll, false);
    }

    /// A poll's transmit half: the completions there are (from `status`, ISR as this hold read
    /// it, if nonzero), their byte queue limits, and the queue woken if a slot came free.
    #[inline(always)]
    fn reap<const TIMED: bool>(
        &self,
        st: &mut ChipState<L::Bus>,
        dev: &impl NetIf,
        status: Isr,
        poll_timed: bool,
        acc: &mut PollAcc,
    ) {
        // Byte queue limits count the stack's frames only, not XDP's.
        let (mut q_pkts, mut q_bytes) = (0, 0);
        let mut done = if !status.is_empty() {
            st.chip.tx_reap_isr::<TIMED>(status)
        } else {
            st.chip.tx_reap_with::<TIMED>()
        };
        while let Some(d) = done {
            acc.tx += 1;
            if poll_timed {
                acc.last_len[1] = d.bytes;
            }
            if d.queued {
                q_pkts += 1;
                q_bytes += d.bytes;
            }
            if TIMED && d.timed {
                self.probe.tx(st.chip.tx_stages());
            }
            // The other slot, if it was started now (QEMU's card completes it at once).
            done = st.chip.tx_reap_with::<TIMED>();
        }
        if q_pkts > 0 {
            dev.tx_completed(q_pkts, q_bytes);
        }
        if acc.tx > 0 && !st.chip.tx_full() && dev.queue_stopped() {
            dev.wake_queue();
        }
    }

    /// The end of a poll, the lock released: the XDP flush, `napi_complete_done` if `complete`
    /// (the ring is empty and the work under budget: the chip was unmasked; masked again if
    /// NAPI does not complete), the poll's report.
    #[inline(always)]
    fn poll_end<D: NetIf, N: Napi>(
        &self,
        dev: &D,
        napi: &N,
        budget: usize,
        mut acc: PollAcc,
        t_poll: u64,
        complete: bool,
    ) -> usize {
        if budget > 0 {
            napi.flush();
            // napi_complete_done flushes GRO and hands up what it batched: the stack does
            // most of its work for this poll's frames here, so the poll event counts it as
            // stack, not driver.
            let t = if t_poll != 0 { self.probe.now() } else { 0 };
            // The chip was unmasked in the poll's last hold. If NAPI does not complete (busy
            // polling, or deferred hard IRQs: the core polls again later), it is masked again,
            // as it would have stayed before the unmask moved ahead of the completion.
            if complete && acc.work < budget && !napi.complete_done(acc.work) {
                self.hold_bh_off(dev).chip.irq_remask();
            }
            if t != 0 {
                acc.stack = acc.stack.wrapping_add(self.probe.now().wrapping_sub(t));
            }
        }
        if t_poll != 0 {
            self.probe.poll(&PollReport {
                rx: acc.work as u32,
                tx: acc.tx,
                budget: budget as u32,
                cycles: self.probe.now().wrapping_sub(t_poll),
                stack: acc.stack,
                rx_len: acc.last_len[0],
                tx_len: acc.last_len[1],
            });
        }
        acc.work
    }

    /// Receiver overrun: the recovery ([`Dp8390::rx_overrun_begin`] .. `finish`) is one lock
    /// hold, nothing may send or re-initialise while the chip is in loopback; the frames it
    /// takes off the ring are handed up after the release. Returns a new hold.
    #[cold]
    #[inline(never)]
    #[expect(clippy::too_many_arguments)]
    fn overrun<'a, D: NetIf, N: Napi>(
        &'a self,
        mut held: Held<'a, L, P>,
        dev: &'a D,
        napi: &N,
        budget: usize,
        timed: bool,
        t_ref: u64,
        acc: &mut PollAcc,
        poll_timed: bool,
    ) -> Held<'a, L, P> {
        let mut frames: [Option<(N::Buf, RxTimes)>; OVERRUN_RX_MAX] = Default::default();
        let mut log = None;
        let st = &mut *held;
        let resend = st.chip.rx_overrun_begin();
        for slot in frames.iter_mut().take(budget.min(OVERRUN_RX_MAX)) {
            let mut times = RxTimes::default();
            match self.rx_one(st, napi, timed, &mut times, &mut log) {
                RxOne::Empty | RxOne::Reset => break,
                RxOne::Skipped => {}
                RxOne::Frame(buf) => *slot = Some((buf, times)),
            }
            acc.work = acc.work.wrapping_add(1);
        }
        st.chip.rx_overrun_finish(resend);
        drop(held);
        if let Some(what) = log.take() {
            dev.log(false, what);
        }
        for (buf, times) in frames.iter_mut().filter_map(Option::take) {
            self.hand_up(dev, napi, buf, &times, t_ref, poll_timed, acc);
        }
        self.hold_bh_off(dev)
    }

    /// Takes one frame off the ring (one lock hold, the caller's): header check, buffer, copy,
    /// boundary update. A frame's length goes to `times`, and, if `timed`, its stage
    /// timestamps (else they are left as they are: zero for the poll's untimed frames).
    #[inline(always)]
    fn rx_one<N: Napi>(
        &self,
        st: &mut ChipState<L::Bus>,
        napi: &N,
        timed: bool,
        times: &mut RxTimes,
        log: &mut Option<Log>,
    ) -> RxOne<N::Buf> {
        // The chip may have been stopped since the poll began (unbind quiesces it while a
        // poll runs): a stopped chip is not touched (reading CURR would restart it).
        if !st.chip.running() {
            return RxOne::Empty;
        }
        let stamp = || if timed { self.probe.now() } else { 0 };
        // Stage boundary (RX NIC stage end / DMA start): the poll picks the frame up.
        let t_pick = stamp();
        // Stage boundaries: header read (remote DMA of 4 bytes) done; buffer allocated; body
        // copied (the DMA stage is the two reads, without the allocation between).
        let mut t = [0u64; 3];
        let mark = |m: RxMark| {
            if timed {
                t[m as usize] = self.probe.now();
            }
        };
        match st.chip.rx_take(|len| napi.alloc(len), mark) {
            RxTake::Empty => RxOne::Empty,
            RxTake::Reset => {
                if st.msg_enable & msg::RX_ERR != 0 {
                    *log = Some(Log::RingReset);
                }
                RxOne::Reset
            }
            RxTake::Skipped(_) => RxOne::Skipped,
            RxTake::Frame(buf, f) => {
                times.len = f.len as u32;
                if timed {
                    st.rx_seq = st.rx_seq.wrapping_add(1);
                    *times = RxTimes {
                        seq: st.rx_seq,
                        len: f.len as u32,
                        page: u32::from(f.page),
                        t_pick,
                        dma: t[0]
                            .wrapping_sub(t_pick)
                            .wrapping_add(t[2].wrapping_sub(t[1])),
                    };
                }
                RxOne::Frame(buf)
            }
        }
    }

    /// Hands a received frame to the stack, with its stage event; sends what an XDP program
    /// bounced. Records the frame's length for the poll's report in `acc`, and, in a timed
    /// poll (`poll_timed`), adds the delivery's cycles to its stack cycles.
    #[inline(always)]
    #[expect(clippy::too_many_arguments)]
    fn hand_up<D: NetIf, N: Napi>(
        &self,
        dev: &D,
        napi: &N,
        buf: N::Buf,
        t: &RxTimes,
        t_ref: u64,
        poll_timed: bool,
        acc: &mut PollAcc,
    ) {
        if poll_timed {
            acc.last_len[0] = t.len;
        }
        if t.t_pick != 0 {
            // Stage boundary (RX driver stage end): handed to the stack.
            let t_hand = self.probe.now();
            let driver = t_hand.wrapping_sub(t.t_pick).wrapping_sub(t.dma);
            let nic = t.t_pick.wrapping_sub(t_ref);
            self.probe.rx(
                t.seq,
                t.len,
                t.page,
                nic,
                t.dma,
                driver,
                t_hand.wrapping_sub(t_ref),
            );
        }
        let bounced = if poll_timed {
            let t = self.probe.now();
            let b = napi.deliver(buf);
            acc.stack = acc.stack.wrapping_add(self.probe.now().wrapping_sub(t));
            b
        } else {
            napi.deliver(buf)
        };
        if let Some(tx) = bounced {
            let sent = self.xdp_xmit(dev, tx.bytes());
            napi.xdp_tx_done(tx, sent);
        }
    }
}

/// What a poll has done so far (its return value and its report).
#[derive(Default)]
struct PollAcc {
    /// Receive work (frames taken off the ring).
    work: usize,
    /// Transmit completions reaped.
    tx: u32,
    /// Cycles spent in the stack (GRO and up) during this poll, when the poll is timed.
    stack: u64,
    /// The length of the last frame received and transmitted (the poll's report).
    last_len: [u32; 2],
}

impl PollAcc {
    /// Adds what another part of the poll did (`o`, later than this).
    fn merge(&mut self, o: &PollAcc) {
        self.work += o.work;
        self.tx += o.tx;
        self.stack = self.stack.wrapping_add(o.stack);
        for (l, &n) in self.last_len.iter_mut().zip(&o.last_len) {
            if n != 0 {
                *l = n;
            }
        }
    }
}

/// Stage timestamps of one received frame (`t_pick` 0: not timed).
#[derive(Clone, Copy, Debug, Default)]
struct RxTimes {
    seq: u32,
    len: u32,
    page: u32,
    t_pick: u64,
    dma: u64,
}

/// One step of a receive drain.
enum RxOne<T> {
    /// The ring is empty.
    Empty,
    /// A bad header: the ring was reset (the drain ends; counts no work).
    Reset,
    /// A frame was taken off but not delivered: a receive error, or no buffer.
    Skipped,
    /// A frame, in its buffer (its length and stage timestamps in the caller's `RxTimes`).
    Frame(T),
}
