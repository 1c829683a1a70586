//! The host's stand-ins for what surrounds the datapath in the kernel: a chip lock, a
//! net_device with a NAPI context, receive buffers. With them the tests run the module's own
//! `Datapath` (datapath.rs) — its poll, its interrupt handler, its `start_xmit` — against a
//! software DP8390, single-threaded. The interleaving explorer (tests/host/explore.rs) has its
//! own lock and scheduler on top of the same traits.

use std::mem::MaybeUninit;
use std::cell::{Cell, RefCell, RefMut};


use crate::datapath::{ChipLock, ChipState, Datapath, Log, Napi, NetIf, PollReport, Probe, RxBuf, Xmit, XdpTx};
use crate::dp8390::{Dp8390, TxStages};
use crate::stagestats::StageStats;
use crate::hw::RegisterBus;

/// A single-threaded chip lock: a `RefCell`, so taking it twice (a deadlock in the kernel)
/// panics; and an interrupt line with a mask depth.
pub struct CellLock<B: RegisterBus> {
    pub state: RefCell<ChipState<B>>,
    /// `disable_irq_nosync` depth of the card's line.
    pub line_masked: Cell<u32>,
    /// Interrupts are off on the calling CPU (netpoll: netconsole's transmit and poll).
    pub irqs_off: Cell<bool>,
}

impl<B: RegisterBus> ChipLock for CellLock<B> {
    type Bus = B;
    type Guard<'a>
        = RefMut<'a, ChipState<B>>
    where
        Self: 'a;
    fn lock(&self) -> Self::Guard<'_> {
        self.state.try_borrow_mut().expect("chip lock taken twice: a deadlock in the kernel")
    }
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        self.state.try_borrow_mut().ok()
    }
    fn irqs_off(&self) -> bool {
        self.irqs_off.get()
    }
    fn mask_line(&self) {
        self.line_masked.set(self.line_masked.get() + 1);
    }
    fn unmask_line(&self) {
        let d = self.line_masked.get();
        assert!(d > 0, "unbalanced enable_irq");
        self.line_masked.set(d - 1);
    }
}

/// A net_device as the datapath sees it: queue, NAPI and carrier state, messages.
#[derive(Default)]
pub struct HostDev {
    pub queue_stopped: Cell<bool>,
    pub wakes: Cell<u32>,
    pub napi_enabled: Cell<bool>,
    pub napi_scheduled: Cell<bool>,
    pub carrier: Cell<bool>,
    pub logs: RefCell<Vec<Log>>,
    /// Byte queue limits: bytes sent to the card and not completed, and resets.
    pub bql_inflight: Cell<u64>,
    pub bql_resets: Cell<u32>,
    /// Calls of `tx_sent` and `tx_completed` (`netdev_tx_sent_queue`, `_completed_queue`).
    pub bql_calls: Cell<u32>,
}

impl NetIf for HostDev {
    fn start_queue(&self) {
        self.queue_stopped.set(false);
    }
    fn stop_queue(&self) {
        self.queue_stopped.set(true);
    }
    fn wake_queue(&self) {
        self.queue_stopped.set(false);
        self.wakes.set(self.wakes.get() + 1);
    }
    fn queue_stopped(&self) -> bool {
        self.queue_stopped.get()
    }
    fn napi_enable(&self) {
        assert!(!self.napi_enabled.get(), "napi_enable of an enabled NAPI: a BUG_ON in the kernel");
        self.napi_enabled.set(true);
    }
    fn napi_disable(&self) {
        assert!(self.napi_enabled.get(), "napi_disable of a disabled NAPI never returns in the kernel");
        self.napi_enabled.set(false);
        self.napi_scheduled.set(false);
    }
    fn napi_schedule(&self) {
        if self.napi_enabled.get() {
            self.napi_scheduled.set(true);
        }
    }
    fn carrier_on(&self) {
        self.carrier.set(true);
    }
    fn carrier_off(&self) {
        self.carrier.set(false);
    }
    fn tx_sent(&self, bytes: u32) {
        self.bql_calls.set(self.bql_calls.get() + 1);
        self.bql_inflight.set(self.bql_inflight.get() + u64::from(bytes));
    }
    fn tx_completed(&self, pkts: u32, bytes: u32) {
        self.bql_calls.set(self.bql_calls.get() + 1);
        // The kernel's dql_completed() has BUG_ON(count > num_queued - num_completed).
        let left = self.bql_inflight.get().checked_sub(u64::from(bytes));
        assert!(pkts > 0 && left.is_some(), "BQL: {pkts} frames of {bytes} bytes completed, {} in flight", self.bql_inflight.get());
        self.bql_inflight.set(left.unwrap());
    }
    fn tx_reset(&self) {
        self.bql_inflight.set(0);
        self.bql_resets.set(self.bql_resets.get() + 1);
    }
    fn log(&self, _err: bool, what: Log) {
        self.logs.borrow_mut().push(what);
    }
}

/// What a host receive buffer holds before the datapath fills it.
pub const POISON: u8 = 0xa5;

/// The room a host receive buffer made by [`rx_buffer`] has after its frame, as the kernel's
/// (`netdev::RX_SLACK`).
pub const RX_SLACK: usize = 3;

/// A receive buffer as the kernel's: the frame's `len` bytes, poisoned, and [`RX_SLACK`]
/// bytes of spare capacity after them.
pub fn rx_buffer(len: usize) -> Vec<u8> {
    let mut v = vec![POISON; len];
    v.reserve_exact(RX_SLACK);
    v
}

impl RxBuf for Vec<u8> {
    fn bytes_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        // The host's receive buffers are initialised (`vec![POISON; len]`), and the datapath only
        // ever writes initialised bytes through this view (RxBuf's contract; every bus here
        // fills it with `write_copy_of_slice`). The kernel's RxSkb hands out uninitialised
        // memory instead, which is what the `MaybeUninit` type is for. The view reaches into
        // the spare capacity (up to RX_SLACK bytes of it, as the kernel's tailroom) where
        // there is some: what is written there is not part of the frame (`len` stays).
        let room = self.capacity().min(self.len() + RX_SLACK);
        // SAFETY: `room` bytes of the allocation, the first `len` initialised and the rest
        // spare capacity (`MaybeUninit<u8>` has no validity requirement); no byte of `self`'s
        // length is de-initialised through the view (see above).
        unsafe { std::slice::from_raw_parts_mut(self.as_mut_ptr().cast(), room) }
    }
}

impl XdpTx for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// A NAPI context: buffers are `Vec`s, delivered frames are kept. With `bounce` set, it plays
/// an XDP program that returns `XDP_TX` for the next N frames (they are not delivered; the
/// datapath's verdict on each is kept in `xdp_tx`).
#[derive(Default)]
pub struct HostNapi {
    pub delivered: RefCell<Vec<Vec<u8>>>,
    pub bounce: Cell<u32>,
    /// Each bounced frame and whether the datapath loaded it into a TX slot.
    pub xdp_tx: RefCell<Vec<(Vec<u8>, bool)>>,
    /// `flush` calls (xdp_do_flush), and how many frames had been delivered or bounced at each.
    pub flushes: RefCell<Vec<usize>>,
    /// Allocations to fail from now on (the next N).
    pub fail_allocs: Cell<u32>,
    /// What the last poll told `complete_done` (None: not called).
    pub completed: Cell<Option<usize>>,
}

impl Napi for HostNapi {
    type Buf = Vec<u8>;
    type Tx = Vec<u8>;
    fn alloc(&self, len: usize) -> Option<Vec<u8>> {
        if self.fail_allocs.get() > 0 {
            self.fail_allocs.set(self.fail_allocs.get() - 1);
            return None;
        }
        // Poisoned: a byte the datapath failed to write shows in the frame comparisons (the
        // kernel's skb is not cleared either); with the kernel's room after the frame.
        Some(rx_buffer(len))
    }
    fn deliver(&self, buf: Vec<u8>) -> Option<Vec<u8>> {
        if self.bounce.get() > 0 {
            self.bounce.set(self.bounce.get() - 1);
            return Some(buf);
        }
        self.delivered.borrow_mut().push(buf);
        None
    }
    fn xdp_tx_done(&self, tx: Vec<u8>, sent: bool) {
        self.xdp_tx.borrow_mut().push((tx, sent));
    }
    fn flush(&self) {
        let n = self.delivered.borrow().len() + self.xdp_tx.borrow().len();
        self.flushes.borrow_mut().push(n);
    }
    fn complete_done(&self, work: usize) -> bool {
        self.completed.set(Some(work));
        true
    }
}

/// A probe whose clock ticks once per reading and which records the stage events. Three
/// modes: `timed` (every unit timed, as with every ne2k_rs event on; the statistics, fed by the
/// same reports, at `stage_stats=1`, as in `make demo`); `period` N (the questions counted, one
/// in N of each kind answered yes); `stats_period` N (the statistics alone at `stage_stats=N`,
/// with the module probe's decisions: `stages.rs` without the events).
#[derive(Default)]
pub struct HostProbe {
    pub timed: Cell<bool>,
    pub clock: Cell<u64>,
    pub tx: RefCell<Vec<TxStages>>,
    /// `ne2k_rs_irq` events: (ISR, cycles).
    pub irqs: RefCell<Vec<(u8, u64)>>,
    /// `ne2k_rs_poll` events: [rx, tx, budget, cycles, stack_cycles].
    pub polls: RefCell<Vec<[u64; 5]>>,
    /// `ne2k_rs_rx` events: [len, nic, dma, driver].
    pub rxs: RefCell<Vec<[u64; 4]>>,
    /// The stage statistics, fed as the module's probe feeds them (`stages.rs`): every report
    /// also goes to them.
    pub stats: Box<StageStats>,
    /// N > 0: one unit in N of each kind is timed, counting the questions.
    pub period: Cell<u32>,
    /// How often each unit asked whether it is timed: [tx, irq, poll].
    pub asked: [Cell<u32>; 3],
    /// N > 0: the statistics alone, at `stage_stats=N`.
    pub stats_period: Cell<u32>,
}

impl HostProbe {
    fn ask(&self, unit: usize) -> bool {
        let n = self.asked[unit].get() + 1;
        self.asked[unit].set(n);
        match self.period.get() {
            0 => self.timed.get(),
            p => n % p == 1 % p,
        }
    }
}

impl Probe for HostProbe {
    fn enabled(&self) -> bool {
        self.timed.get() || self.period.get() > 0 || self.stats_period.get() > 0
    }
    fn now(&self) -> u64 {
        self.clock.set(self.clock.get() + 7);
        self.clock.get()
    }
    fn time_tx(&self) -> bool {
        match self.stats_period.get() {
            0 => self.ask(0),
            p => self.stats.time_tx(p),
        }
    }
    fn time_irq(&self) -> bool {
        match self.stats_period.get() {
            0 => self.ask(1),
            p => self.stats.time_irq(p),
        }
    }
    fn time_poll(&self, budget: usize) -> bool {
        match self.stats_period.get() {
            0 => {
                // as stages.rs: the statistics' poll takes over its interrupt first
                if self.timed.get() {
                    self.stats.time_poll(1, budget);
                }
                self.ask(2)
            }
            p => self.stats.time_poll(p, budget),
        }
    }
    fn time_rx(&self, announced: bool) -> bool {
        match self.stats_period.get() {
            0 => self.timed.get() || self.period.get() > 0,
            p => self.stats.time_rx(p, announced),
        }
    }
    fn tx(&self, s: &TxStages) {
        self.stats.tx(s);
        self.tx.borrow_mut().push(*s);
    }
    fn rx(&self, _seq: u32, len: u32, _page: u32, nic: u64, dma: u64, driver: u64, _total: u64) {
        self.stats.rx(len, nic, dma, driver);
        self.rxs.borrow_mut().push([len.into(), nic, dma, driver]);
    }
    fn irq(&self, isr: u8, cycles: u64) {
        self.stats.irq(isr, cycles);
        self.irqs.borrow_mut().push((isr, cycles));
    }
    fn poll(&self, r: &PollReport) {
        self.stats.poll(r);
        self.polls.borrow_mut().push([r.rx.into(), r.tx.into(), r.budget.into(), r.cycles, r.stack]);
    }
}

/// The module's datapath over one chip, with a host net_device and NAPI context.
pub struct Rig<B: RegisterBus> {
    pub dp: Datapath<CellLock<B>, HostProbe>,
    pub dev: HostDev,
    pub napi: HostNapi,
}

impl<B: RegisterBus> Rig<B> {
    /// A rig over a probed chip (not yet opened).
    pub fn new(chip: Dp8390<B>, prom_mac: [u8; 6], prom_unicast_filter: bool) -> Self {
        let lock = CellLock {
            state: RefCell::new(ChipState::new(chip, crate::datapath::msg::DEFAULT)),
            line_masked: Cell::new(0),
            irqs_off: Cell::new(false),
        };
        Self {
            dp: Datapath::new(lock, HostProbe::default(), prom_mac, prom_unicast_filter),
            dev: HostDev::default(),
            napi: HostNapi::default(),
        }
    }

    /// The chip state (the lock, taken).
    pub fn st(&self) -> RefMut<'_, ChipState<B>> {
        self.dp.lock().lock()
    }

    /// Runs `f` on the chip with the lock held.
    pub fn chip<R>(&self, f: impl FnOnce(&mut Dp8390<B>) -> R) -> R {
        f(&mut self.st().chip)
    }

    pub fn open(&self) {
        self.dp.open(&self.dev).expect("open");
    }

    /// One NAPI poll; returns the receive work it reported.
    pub fn poll(&self, budget: usize) -> usize {
        self.napi.completed.set(None);
        let work = self.dp.poll(&self.dev, &self.napi, budget);
        assert!(work <= budget, "poll did {work} units of work with budget {budget}");
        work
    }

    /// Polls until the ring is empty (`budget` a poll); returns the frames delivered.
    pub fn drain(&self, budget: usize) -> Vec<Vec<u8>> {
        while self.poll(budget) == budget && budget > 0 {}
        self.take_delivered()
    }

    pub fn take_delivered(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.napi.delivered.borrow_mut())
    }

    /// A hard interrupt, entered now.
    pub fn irq(&self) -> bool {
        self.dp.irq(&self.dev, self.dp.probe().now())
    }

    pub fn xmit(&self, frame: &[u8]) -> Xmit {
        self.dp.start_xmit(&self.dev, Some(frame))
    }
}

/// splitmix64: the property runs' deterministic random numbers (any seed is fine).
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True one time in `n` (never for 0).
    pub fn one_in(&mut self, n: u64) -> bool {
        n != 0 && self.below(n) == 0
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            v.extend_from_slice(&self.next().to_le_bytes());
        }
        v.truncate(n);
        v
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// A count or seed from the environment (decimal, or hex with 0x; `_` separators allowed), as
/// the property runs take `NE2K_FUZZ_CASES`, `NE2K_FUZZ_SEED`, `NE2K_EXPLORE_SCHEDULES`.
pub fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim().replace('_', "");
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}
