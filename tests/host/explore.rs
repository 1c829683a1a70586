//! Interleaving explorer (issue #12): the module's datapath (datapath.rs, the very code the
//! kernel runs) under deterministic schedules of its entry points on one and two simulated
//! CPUs, against the software DP8390 on a 10 Mbit/s wire (`Model::with_wire`).
//!
//! Each simulated CPU is a thread, but only one runs at a time: every acquire and release of
//! the chip lock is a scheduling point where a seeded scheduler picks which CPU continues, and
//! where the card's interrupt may be taken by the CPU that is there (unless it is in netpoll,
//! with interrupts off). The chip lock is held with interrupts on, as in the module, so the
//! interrupt may also come at any register access inside a hold: the handler then finds the
//! lock taken, masks the line and leaves it to the holder's release (`Datapath::irq`). A CPU runs a seeded script of entry
//! points, with the serialisation the kernel gives them: `start_xmit` and `tx_timeout` under
//! the tx lock, `set_rx_mode` under the address-list lock, open/stop/set_mac_address under
//! RTNL, the NAPI poll under NAPI's ownership rules (`napi_schedule` / `napi_complete_done` /
//! `napi_disable` and the MISSED bit), netpoll's budget-0 poll with interrupts off and only if
//! no poll is running; netpoll also nested in a hold on its own CPU, at any register access
//! (an interrupt that printed, sent by netconsole), where it must never spin on the lock. Between
//! steps time passes on the wire: transmits complete, frames arrive (also while a poll runs, or
//! the chip is stopped), the ring overflows with OVW; now and then the card is removed (it reads
//! all-ones from then on, also under another CPU's hold): then no interrupt is claimed, every
//! call stays bounded, and once the datapath has seen it the chip is stopped and the carrier
//! off.
//!
//! XDP and system sleep (issue #28 item 4):
//! - `XDP_TX`: in a quarter of the schedules no XDP program, else the poll's program bounces
//!   one received frame in 2, 4 or 8 (`Napi::deliver` returns a frame of XDP's own): the
//!   datapath sends it with `xdp_xmit` and reports it with `xdp_tx_done`;
//! - `ndo_xdp_xmit`: a step of its own, another device's poll redirecting 1-3 frames here
//!   (softirq, bottom halves off; no lock of ours: the devmap checked IFF_UP when it queued
//!   them and flushes them later, so they may meet a stop or suspend under way, or a stopped
//!   chip; some are too long for the card). The glue stops at the first frame not sent;
//! - suspend/resume: a step under RTNL, as `Registration::suspend`/`resume` do it:
//!   `netif_device_detach` (the queue stopped; it takes no tx lock, so a transmit, a TX timeout,
//!   a `set_rx_mode` or an `ndo_xdp_xmit` past their checks may run on meanwhile), the
//!   datapath's `suspend` if the interface is up; then `resume` (up) or `resume_down` (down),
//!   and `netif_device_attach`. While detached, open and `set_mac_address` are refused (their
//!   checks are under RTNL), netpoll sends nothing (its poll may still run until NAPI is
//!   disabled), the watchdog does not fire (its check is under the tx lock), `stop` may come.
//!   The hard IRQ stays live throughout (the line is shared; the PM core only suspends device
//!   interrupts after the devices' suspend callbacks).
//!
//! Invariants, checked at every scheduling point, every bus access, or at the end:
//! - a TX slot is never loaded or triggered while its frame is on the wire, and nothing is
//!   sent in loopback (the model records these as violations);
//! - every frame `start_xmit` accepted goes out at most once, in order, with its own bytes; all
//!   of them go out unless a TX timeout, a stop or a suspend came after them; a frame dropped
//!   by `start_xmit` only if the card is gone or a suspend came after the stack saw its queue
//!   awake;
//! - every XDP frame (bounced or `ndo_xdp_xmit`) carries its own tag and sequence number: one
//!   `xdp_xmit` reported sent goes out exactly once, with its bytes, in the order its CPU gave
//!   it, unless a TX timeout, stop or suspend began after it was given (or the card is gone);
//!   one reported not sent never goes out; every bounce gets its `xdp_tx_done`; byte queue
//!   limits never hear of XDP frames (BQL balanced: never more completed than sent, nothing
//!   left in flight at the end);
//! - no received frame is delivered twice, torn or out of order;
//! - BNRY stays in the ring; no lock hold ends with a remote DMA open or off register page 0;
//! - a poll does at most `budget` receive work, and at budget 0 none (no receive DMA, no BNRY
//!   write, no `napi_complete_done`); a poll that returns less than its budget completes NAPI;
//! - every entry-point call is bounded (bus accesses);
//! - after `stop` the chip is stopped and masked, and nothing starts or unmasks it until `open`;
//!   after `suspend` (and `resume_down`) likewise until `resume` (or `open`), and the queue is
//!   stopped and nothing wakes it until resume;
//! - the line is never left asserted by a handler that says "not mine" (an interrupt storm),
//!   every mask of the line is undone, and no unmask comes without a mask;
//! - at the end, with time to settle, nothing is stranded: the ring is empty, both TX slots
//!   are free, the queue is awake. A suspended device is resumed first and a closed one
//!   opened; then (unless the card is gone) a frame from the wire is delivered, and a stack
//!   frame and an XDP frame are sent (the device works after resume).
//!
//! `NE2K_EXPLORE_SCHEDULES` sets the number of schedules (default below; `make stress` runs
//! 10^6), `NE2K_FUZZ_SEED` the first seed. A failure prints its seed; replay it alone with
//! `NE2K_FUZZ_SEED=<seed> NE2K_EXPLORE_SCHEDULES=1 cargo test --test explore -- --nocapture`.

use std::mem::MaybeUninit;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ne2k_host::datapath::{ChipLock, ChipState, Datapath, Log, Napi, NetIf, Probe, Xmit};
use ne2k_host::dp8390::{ChipFlags, Dp8390, Ring};
use ne2k_host::hw::regs::{p0, Cr, Isr, CR};
use ne2k_host::hw::RegisterBus;
use ne2k_host::model::Model;
use ne2k_host::sim::{env_u64, Rng};

const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const OTHER_MAC: [u8; 6] = [0x52, 0x54, 0x00, 0xab, 0xcd, 0xef];
/// Schedules in a plain `cargo test` (a few seconds).
const DEFAULT_SCHEDULES: u64 = 10_000;
const DEFAULT_SEED: u64 = 0x6578_706c_6f72_6521;
/// Bus accesses one entry-point call may make: a poll of 64 frames of 1518 bytes through a
/// 16-bit port is about 50 000; a transmit whose RDC never comes, 10 000 ISR polls.
const CALL_LIMIT: u64 = 100_000;
/// Scheduling points one schedule may take before it counts as a livelock.
const POINT_LIMIT: u64 = 2_000_000;


thread_local! {
    /// This thread's simulated CPU.
    static CPU: Cell<usize> = const { Cell::new(usize::MAX) };
    /// Interrupts off on this CPU (netpoll).
    static IRQS_OFF: Cell<u32> = const { Cell::new(0) };
    static IN_IRQ: Cell<bool> = const { Cell::new(false) };
    static IN_NETPOLL: Cell<bool> = const { Cell::new(false) };
    /// Scheduling points do nothing (a check that must see one consistent state).
    static ATOMIC: Cell<bool> = const { Cell::new(false) };
    /// Bus accesses in the current entry-point call.
    static ACCESSES: Cell<u64> = const { Cell::new(0) };
    static WORLD: std::cell::RefCell<Option<Arc<World>>> = const { std::cell::RefCell::new(None) };
}

fn cpu() -> usize {
    CPU.with(Cell::get)
}

fn world() -> Arc<World> {
    WORLD.with(|w| w.borrow().clone().expect("world"))
}

/// Starts counting an entry-point call's bus accesses.
fn call_begin() {
    ACCESSES.with(|a| a.set(0));
}

// ---- the scheduler ----

struct Sched {
    turn: AtomicUsize,
    live: Mutex<Vec<bool>>,
    rng: Mutex<Rng>,
    points: AtomicU64,
    abort: AtomicBool,
    /// How often a point switches CPU, and takes a pending interrupt (one in N).
    switch_one_in: u64,
    irq_one_in: u64,
}

impl Sched {
    /// Hands the token to a CPU the seed picks (maybe this one) and waits for it to come back.
    fn switch(&self) {
        let me = cpu();
        let n = self.points.fetch_add(1, Ordering::Relaxed);
        assert!(n < POINT_LIMIT, "{POINT_LIMIT} scheduling points: livelock");
        let next = {
            let live = self.live.lock().unwrap();
            let mut rng = self.rng.lock().unwrap();
            if !rng.one_in(self.switch_one_in) {
                return;
            }
            let cands: Vec<usize> = (0..live.len()).filter(|&i| live[i]).collect();
            cands[rng.below(cands.len() as u64) as usize]
        };
        if next == me {
            return;
        }
        self.turn.store(next, Ordering::SeqCst);
        self.wait_turn(me);
    }

    fn wait_turn(&self, me: usize) {
        while self.turn.load(Ordering::SeqCst) != me {
            if self.abort.load(Ordering::Relaxed) {
                panic!("another CPU failed");
            }
            std::thread::yield_now();
        }
    }

    /// This CPU is done: the token goes to another live one.
    fn exit(&self) {
        let me = cpu();
        let mut live = self.live.lock().unwrap();
        live[me] = false;
        if let Some(next) = (0..live.len()).find(|&i| live[i]) {
            self.turn.store(next, Ordering::SeqCst);
        }
    }

    fn roll(&self, one_in: u64) -> bool {
        self.rng.lock().unwrap().one_in(one_in)
    }
}

/// A scheduling point: maybe the card interrupts this CPU, maybe another CPU runs.
fn point() {
    if ATOMIC.with(Cell::get) {
        return;
    }
    let w = world();
    if !w.in_handler.load(Ordering::SeqCst) && w.dp.lock().masked.load(Ordering::SeqCst) > 0 && !w.dp.irq_deferred() {
        let free = w.dp.lock().state.try_lock().is_ok();
        if free {
            w.fail("the line is masked, the lock is free, no handler runs and no deferral is raised: nobody will unmask it".into());
        }
    }
    maybe_interrupt(&w);
    w.sched.switch();
    maybe_interrupt(&w);
}

/// The interrupt taken at a register access inside a hold (the lock is this CPU's).
fn interrupt_in_hold() {
    if ATOMIC.with(Cell::get) || IRQS_OFF.with(Cell::get) > 0 || IN_IRQ.with(Cell::get) {
        return;
    }
    let Some(w) = WORLD.with(|w| w.borrow().clone()) else { return };
    if w.dp.lock().masked.load(Ordering::SeqCst) > 0 || !w.sched.roll(w.sched.irq_one_in * 4) {
        return;
    }
    if w.in_handler.swap(true, Ordering::SeqCst) {
        return;
    }
    IN_IRQ.with(|c| c.set(true));
    w.line.delivered();
    let handled = w.dp.irq(&w.dev, w.dp.probe().now());
    IN_IRQ.with(|c| c.set(false));
    w.in_handler.store(false, Ordering::SeqCst);
    if !handled {
        w.fail("an interrupt that met the lock holder was not taken".into());
    }
}

/// Another interrupt taken inside a hold (the lock is this CPU's), one that prints (an RCU
/// stall report, a WARN, "irq N: nobody cared"): netconsole sends it through netpoll on this
/// CPU, with interrupts off, a transmit and a budget-0 poll, nested in the hold.
fn netpoll_in_hold() {
    if ATOMIC.with(Cell::get)
        || IRQS_OFF.with(Cell::get) > 0
        || IN_IRQ.with(Cell::get)
        || IN_NETPOLL.with(Cell::get)
    {
        return;
    }
    let Some(w) = WORLD.with(|w| w.borrow().clone()) else { return };
    if !w.sched.roll(w.sched.irq_one_in * 16) {
        return;
    }
    let mut rng = Rng(w.sched.rng.lock().unwrap().next());
    w.book.lock().unwrap().nested_netpolls += 1;
    IN_IRQ.with(|c| c.set(true));
    netpoll(&w, &mut rng);
    IN_IRQ.with(|c| c.set(false));
}

fn maybe_interrupt(w: &World) {
    if ATOMIC.with(Cell::get) || IRQS_OFF.with(Cell::get) > 0 || IN_IRQ.with(Cell::get) || !w.irq_line() {
        return;
    }
    if !w.sched.roll(w.sched.irq_one_in) {
        return;
    }
    // The IRQ core never runs one line's handler on two CPUs at once.
    if w.in_handler.swap(true, Ordering::SeqCst) {
        return;
    }
    IN_IRQ.with(|c| c.set(true));
    call_begin();
    w.line.delivered();
    let handled = w.dp.irq(&w.dev, w.dp.probe().now());
    if !handled {
        // Another CPU may have changed things since; a level-triggered line fires again at
        // once: if the handler still says "not mine" with the line asserted, it is a storm.
        ATOMIC.with(|c| c.set(true));
        let free = w.dp.lock().state.try_lock().is_ok();
        if free && w.irq_line() && {
            w.line.delivered();
            !w.dp.irq(&w.dev, w.dp.probe().now())
        } && w.irq_line()
        {
            w.fail(format!("the line is asserted and the handler says IRQ_NONE: an interrupt storm ({})", w.chip_regs()));
        }
        ATOMIC.with(|c| c.set(false));
    }
    IN_IRQ.with(|c| c.set(false));
    w.in_handler.store(false, Ordering::SeqCst);
}

// ---- the bus and the lock ----

/// The model behind the checks a bus access can make.
struct SimBus {
    m: Model,
    ring: Option<Ring>,
    /// Set after `stop` returned, cleared by `open`: nothing may start or unmask the chip.
    must_stay_stopped: bool,
    /// The last remote-DMA command was a read or write (the DMA is open while RBCR > 0).
    dma_cmd: bool,
    failures: Vec<String>,
    /// The model's interrupt output, mirrored after every access (read without the lock).
    line: Arc<Line>,
}

/// The card's interrupt output as the interrupt controller sees it. Level mode (an I/O APIC
/// as specified): the line is asserted while the chip's output is, through masks and EOIs.
/// Edge mode (Bochs' I/O APIC as observed with ne2k_rs: a level that stayed asserted while
/// the handler masked the line is not delivered again): one delivery per rising edge of the
/// chip's output. A driver must work with both.
struct Line {
    pending: AtomicBool,
    edge_mode: bool,
    edge: AtomicBool,
}

impl Line {
    fn set(&self, p: bool) {
        if !self.pending.swap(p, Ordering::SeqCst) && p {
            self.edge.store(true, Ordering::SeqCst);
        }
    }
    /// Whether the controller would deliver now (the line's mask aside).
    fn asserted(&self) -> bool {
        self.pending.load(Ordering::SeqCst) && (!self.edge_mode || self.edge.load(Ordering::SeqCst))
    }
    /// The handler is called: the edge is used up.
    fn delivered(&self) {
        self.edge.store(false, Ordering::SeqCst);
    }
}

impl SimBus {
    /// After an access: mirror the interrupt output; and since the lock is held with
    /// interrupts on, the interrupt may be taken right here.
    fn after_access(&mut self) {
        let p = self.m.irq_pending();
        self.line.set(p);
        if self.line.asserted() {
            interrupt_in_hold();
        }
        netpoll_in_hold();
        // The other CPU runs concurrently with a hold: sometimes let it (it spins if it wants
        // the lock; its hard IRQ handler finds the lock taken).
        if !ATOMIC.with(Cell::get) && !IN_IRQ.with(Cell::get) {
            if let Some(w) = WORLD.with(|w| w.borrow().clone()) {
                if w.sched.roll(8) {
                    w.sched.switch();
                }
            }
        }
    }

    fn fail(&mut self, what: String) {
        if self.failures.len() < 16 {
            self.failures.push(format!("cpu {}: {what}", cpu()));
        }
    }

    fn count(&mut self, n: u64) {
        let a = ACCESSES.with(|a| {
            a.set(a.get() + n);
            a.get()
        });
        if a > CALL_LIMIT {
            panic!("one entry-point call made more than {CALL_LIMIT} bus accesses: unbounded");
        }
    }

    fn check_write(&mut self, reg: u8, v: u8) {
        if self.m.gone {
            // The page these checks go by is the model's CMD, which a card that is gone no
            // longer takes: nothing to check against.
            return;
        }
        let page = self.m.cmd >> 6;
        if reg == CR::OFFSET {
            let dma = v & 0x38;
            self.dma_cmd = dma == Cr::RREAD.bits() || dma == Cr::RWRITE.bits();
            if self.must_stay_stopped && v & Cr::STA.bits() != 0 && v & Cr::STP.bits() == 0 {
                self.fail(format!("CMD {v:#04x} starts the chip after stop"));
            }
            if IN_NETPOLL.with(Cell::get) && dma == Cr::RREAD.bits() {
                self.fail("netpoll (budget 0) started a remote read of the ring".into());
            }
        } else if page == 0 && reg == p0::IMR::OFFSET && v != 0 && self.must_stay_stopped {
            self.fail(format!("IMR {v:#04x} unmasks the chip after stop"));
        } else if page == 0 && reg == p0::BNRY::OFFSET {
            if IN_NETPOLL.with(Cell::get) {
                self.fail("netpoll (budget 0) moved BNRY".into());
            }
            if let Some(r) = self.ring {
                if v < r.rx_start || v >= r.stop {
                    self.fail(format!("BNRY {v:#04x} outside the ring {:#04x}..{:#04x}", r.rx_start, r.stop));
                }
            }
        }
    }

    fn dma_open(&self) -> bool {
        self.dma_cmd && self.m.rbcr > 0
    }
}

impl RegisterBus for SimBus {
    fn read8(&mut self, reg: u8) -> u8 {
        self.count(1);
        let v = self.m.read8(reg);
        self.after_access();
        v
    }
    fn write8(&mut self, reg: u8, val: u8) {
        self.count(1);
        self.check_write(reg, val);
        self.m.write8(reg, val);
        self.after_access();
    }
    fn data_in16<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8] {
        self.count(dst.len() as u64 / 2);
        self.m.data_in16(dst)
    }
    fn data_in32<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8] {
        self.count(dst.len() as u64 / 4);
        self.m.data_in32(dst)
    }
    fn data_out16(&mut self, src: &[u8]) {
        self.count(src.len() as u64 / 2);
        self.m.data_out16(src)
    }
    fn data_out32(&mut self, src: &[u8]) {
        self.count(src.len() as u64 / 4);
        self.m.data_out32(src)
    }
    fn delay_us(&mut self, us: u32) {
        self.count(1);
        self.m.delay_us(us)
    }
    fn cycles(&mut self) -> u64 {
        self.m.cycles()
    }
}

/// The chip lock: a scheduling point before every acquire and after every release, a spin
/// (with scheduling points) while another CPU holds it; the page and remote-DMA rules checked
/// at every release. And the card's line, with its mask depth.
struct SimLock {
    state: Mutex<ChipState<SimBus>>,
    masked: AtomicU64,
    unbalanced: AtomicBool,
    /// The CPU holding the lock (`usize::MAX`: none).
    holder: AtomicUsize,
}

struct SimGuard<'a>(Option<MutexGuard<'a, ChipState<SimBus>>>);

impl ChipLock for SimLock {
    type Bus = SimBus;
    type Guard<'a> = SimGuard<'a>;
    fn lock(&self) -> SimGuard<'_> {
        point();
        loop {
            if let Ok(g) = self.state.try_lock() {
                self.holder.store(cpu(), Ordering::SeqCst);
                return SimGuard(Some(g));
            }
            assert!(!IN_IRQ.with(Cell::get), "the hard IRQ spins on the chip lock");
            // Interrupts off (netpoll) and the holder is this CPU, whose code it interrupted:
            // it would spin for ever.
            assert!(
                !(IRQS_OFF.with(Cell::get) > 0 && self.holder.load(Ordering::SeqCst) == cpu()),
                "netpoll spins on the chip lock its own CPU holds (a printk from a hard IRQ \
                 inside a hold, sent by netconsole)"
            );
            point();
        }
    }
    fn try_lock(&self) -> Option<SimGuard<'_>> {
        point();
        let g = self.state.try_lock().ok()?;
        self.holder.store(cpu(), Ordering::SeqCst);
        Some(SimGuard(Some(g)))
    }
    fn irqs_off(&self) -> bool {
        IRQS_OFF.with(Cell::get) > 0
    }
    fn mask_line(&self) {
        self.masked.fetch_add(1, Ordering::SeqCst);
        // Masking at the interrupt controller takes time: another CPU may run meanwhile (the
        // holder may let go before the handler raises its flag).
        point();
    }
    fn unmask_line(&self) {
        if self.masked.load(Ordering::SeqCst) == 0 {
            self.unbalanced.store(true, Ordering::SeqCst);
        } else {
            self.masked.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl std::ops::Deref for SimGuard<'_> {
    type Target = ChipState<SimBus>;
    fn deref(&self) -> &Self::Target {
        self.0.as_ref().unwrap()
    }
}
impl std::ops::DerefMut for SimGuard<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.0.as_mut().unwrap()
    }
}

impl Drop for SimGuard<'_> {
    fn drop(&mut self) {
        let mut g = self.0.take().unwrap();
        if let Some(w) = WORLD.with(|w| w.borrow().clone()) {
            w.dp.lock().holder.store(usize::MAX, Ordering::SeqCst);
        }
        let b = g.chip.bus();
        if b.dma_open() {
            b.fail("chip lock released with a remote DMA open".into());
        }
        if b.m.cmd >> 6 != 0 {
            let p = b.m.cmd >> 6;
            b.fail(format!("chip lock released on register page {p}"));
        }
        // No scheduling point between the release and `Held`'s look at the deferred flag: the
        // next acquire's point covers the interleavings, and this keeps "nobody holds the lock,
        // no handler runs, yet the line is masked" a lost interrupt, checked at every point.
        drop(g);
    }
}

struct NoProbe;
impl Probe for NoProbe {}

// ---- the net_device, NAPI and the kernel's serialisation ----

#[derive(Default)]
struct NapiState {
    sched: bool,
    missed: bool,
    disabled: bool,
    disable_pending: bool,
    /// The CPU running its poll (NAPI or netpoll).
    owner: Option<usize>,
}

#[derive(Default)]
struct DevState {
    up: bool,
    queue_stopped: bool,
    /// The carrier, as the datapath last set it.
    carrier: bool,
    /// Byte queue limits: bytes sent to the card and not yet completed.
    bql_inflight: u64,
    napi: NapiState,
    /// `netif_device_detach` (system suspend) until `netif_device_attach` (resume).
    detached: bool,
    /// The datapath's `suspend` returned; its `resume` has not begun: nothing may wake the
    /// queue (the stack would hand frames to a stopped chip, to be dropped, instead of keeping
    /// them in the qdisc until resume).
    suspended: bool,
    /// Kernel locks the datapath relies on: tx lock, RTNL, address-list lock (their holder).
    tx_lock: Option<usize>,
    rtnl: Option<usize>,
    addr_lock: Option<usize>,
}

struct SimDev {
    s: Mutex<DevState>,
}

impl SimDev {
    fn st(&self) -> MutexGuard<'_, DevState> {
        self.s.lock().unwrap()
    }

    fn queue_on(&self, how: &str) {
        // Another CPU may run between the datapath's last look at the chip and the queue's
        // change (outside the chip lock, as `tx_timeout`'s wake is).
        point();
        let suspended = {
            let mut s = self.st();
            s.queue_stopped = false;
            s.suspended
        };
        if suspended {
            world().fail(format!("the queue was {how} while the device is suspended"));
        }
    }
}

impl NetIf for SimDev {
    fn start_queue(&self) {
        self.queue_on("started");
    }
    fn stop_queue(&self) {
        self.st().queue_stopped = true;
    }
    fn wake_queue(&self) {
        self.queue_on("woken");
    }
    fn queue_stopped(&self) -> bool {
        self.st().queue_stopped
    }
    fn napi_enable(&self) {
        let mut s = self.st();
        s.napi.sched = false;
        s.napi.missed = false;
        s.napi.disabled = false;
    }
    fn napi_disable(&self) {
        self.st().napi.disable_pending = true;
        loop {
            {
                let mut s = self.st();
                if !s.napi.sched && s.napi.owner.is_none() {
                    s.napi.sched = true;
                    s.napi.disabled = true;
                    s.napi.disable_pending = false;
                    return;
                }
            }
            // The poll that is due runs (softirq, here or on the other CPU) before we own it.
            run_napi(&world(), 64);
            point();
        }
    }
    fn napi_schedule(&self) {
        let mut s = self.st();
        if s.napi.disabled {
            return;
        }
        if s.napi.sched {
            s.napi.missed = true;
        } else {
            s.napi.sched = true;
        }
    }
    fn carrier_on(&self) {
        self.st().carrier = true;
    }
    fn carrier_off(&self) {
        self.st().carrier = false;
    }
    fn tx_sent(&self, bytes: u32) {
        self.st().bql_inflight += u64::from(bytes);
    }
    fn tx_completed(&self, pkts: u32, bytes: u32) {
        let left = {
            let mut s = self.st();
            let left = s.bql_inflight.checked_sub(u64::from(bytes));
            s.bql_inflight = left.unwrap_or(0);
            left
        };
        if pkts == 0 || left.is_none() {
            world().fail(format!("BQL: {pkts} frames of {bytes} bytes completed, fewer in flight"));
        }
    }
    fn tx_reset(&self) {
        self.st().bql_inflight = 0;
    }
    fn log(&self, _err: bool, _what: Log) {}
}

/// One poll's NAPI context: collects the frames, checks the budget.
struct SimNapi<'a> {
    w: &'a World,
    budget: usize,
    delivered: Cell<usize>,
    completed: Cell<bool>,
}

impl Napi for SimNapi<'_> {
    type Buf = Vec<u8>;
    type Tx = Vec<u8>;
    fn alloc(&self, len: usize) -> Option<Vec<u8>> {
        if !self.w.settling.load(Ordering::Relaxed) && self.w.sched.roll(40) {
            return None; // GFP_ATOMIC can fail
        }
        // Half the buffers with the kernel's room after the frame, half exact: both copies.
        if len % 2 == 0 {
            Some(ne2k_host::sim::rx_buffer(len))
        } else {
            Some(vec![ne2k_host::sim::POISON; len])
        }
    }
    fn deliver(&self, buf: Vec<u8>) -> Option<Vec<u8>> {
        self.delivered.set(self.delivered.get() + 1);
        if self.delivered.get() > self.budget {
            self.w.fail(format!("{} frames delivered by a poll of budget {}", self.delivered.get(), self.budget));
        }
        self.w.received(&buf);
        if self.w.xdp_bounce_one_in == 0 || !self.w.sched.roll(self.w.xdp_bounce_one_in) {
            return None;
        }
        // XDP_TX: the program rewrites the frame (a frame of XDP's own, of the received
        // length, FCS and all if the card stored it) and bounces it.
        let mut b = self.w.book.lock().unwrap();
        b.xdp_seq += 1;
        b.xdp_tx += 1;
        let (seq, returned) = (b.xdp_seq, b.resets_returned);
        let bytes = make_frame_of(XDP, [0xff; 6], seq, buf.len().max(20));
        b.xdp.push(XdpFrame { seq, cpu: cpu(), bytes: bytes.clone(), sent: None, resets_returned: returned });
        Some(bytes)
    }
    fn xdp_tx_done(&self, tx: Vec<u8>, sent: bool) {
        let mut b = self.w.book.lock().unwrap();
        let rec = frame_tag(&tx).and_then(|(_, seq)| b.xdp.iter_mut().find(|x| x.seq == seq && x.bytes == tx));
        match rec {
            Some(x) if x.sent.is_none() => {
                x.sent = Some(sent);
                b.xdp_tx_sent += u64::from(sent);
            }
            _ => {
                drop(b);
                self.w.fail("an XDP_TX completion for a frame not bounced, or twice".into());
            }
        }
    }
    fn complete_done(&self, _work: usize) -> bool {
        if self.budget == 0 {
            self.w.fail("napi_complete_done at budget 0".into());
        }
        self.completed.set(true);
        let mut s = self.w.dev.st();
        if s.napi.missed {
            s.napi.missed = false;
            false
        } else {
            s.napi.sched = false;
            true
        }
    }
}

/// Runs the NAPI poll on this CPU if it is scheduled and nobody else runs it.
fn run_napi(w: &World, budget: usize) {
    {
        let mut s = w.dev.st();
        if !s.napi.sched || s.napi.disabled || s.napi.owner.is_some() {
            return;
        }
        s.napi.owner = Some(cpu());
    }
    let napi = SimNapi { w, budget, delivered: Cell::new(0), completed: Cell::new(false) };
    call_begin();
    let work = w.dp.poll(&w.dev, &napi, budget);
    if work > budget {
        w.fail(format!("poll returned {work} with budget {budget}"));
    }
    let mut s = w.dev.st();
    if work < budget && !napi.completed.get() {
        drop(s);
        w.fail(format!("poll returned {work} < budget {budget} without napi_complete_done: NAPI hangs"));
        s = w.dev.st();
    }
    if work == budget && s.napi.disable_pending {
        s.napi.sched = false; // napi_poll completes a disabled NAPI
    }
    s.napi.owner = None;
}

/// A kernel lock the datapath's callers hold (tx lock, RTNL, address-list lock).
fn kernel_lock(w: &World, which: fn(&mut DevState) -> &mut Option<usize>) {
    loop {
        {
            let mut s = w.dev.st();
            let l = which(&mut s);
            if l.is_none() {
                *l = Some(cpu());
                return;
            }
        }
        point();
    }
}

fn kernel_unlock(w: &World, which: fn(&mut DevState) -> &mut Option<usize>) {
    *which(&mut w.dev.st()) = None;
}

fn tx_lock(s: &mut DevState) -> &mut Option<usize> {
    &mut s.tx_lock
}
fn rtnl(s: &mut DevState) -> &mut Option<usize> {
    &mut s.rtnl
}
fn addr_lock(s: &mut DevState) -> &mut Option<usize> {
    &mut s.addr_lock
}

// ---- the world: the datapath, the wire, the bookkeeping ----

#[derive(Default)]
struct Book {
    /// Transmit: the next sequence number, the frames accepted (seq, bytes), a frame the
    /// stack got back (Busy) and will send again first.
    tx_seq: u32,
    accepted: Vec<(u32, Vec<u8>)>,
    requeued: Option<Vec<u8>>,
    /// Frames accepted up to this sequence may be lost (a TX timeout or stop came after them).
    tx_may_lose_upto: u32,
    /// Receive: the last sequence number scheduled to arrive.
    rx_seq: u32,
    /// Index in the model's stored frames after the last one delivered.
    rx_next_stored: u64,
    rx_delivered: u64,
    /// Netpoll runs nested in a hold of the chip lock on their own CPU (`netpoll_in_hold`).
    nested_netpolls: u64,
    /// The card vanished (removed under the driver: it reads all-ones from then on).
    gone: bool,
    /// XDP's frames (bounced by the poll's XDP program, or given to `ndo_xdp_xmit`): the next
    /// sequence number, and each frame with what `xdp_xmit` said.
    xdp_seq: u32,
    xdp: Vec<XdpFrame>,
    /// Calls that reset the TX slots (stop, TX timeout, suspend): begun, and returned. A frame
    /// loaded after every reset that began had returned must go out.
    resets_begun: u64,
    resets_returned: u64,
    /// System suspends begun (a transmit that saw its queue awake before one may find the chip
    /// stopped: dropped).
    suspends: u64,
    /// Counts for the summary: XDP_TX bounces and ndo_xdp_xmit frames, and how many were sent.
    xdp_tx: u64,
    xdp_tx_sent: u64,
    xdp_xmit: u64,
    xdp_xmit_sent: u64,
    /// The end of the schedule's probes: a frame received, a stack frame and an XDP frame
    /// sent, after everything (resume, open) that came before.
    rx_probe: Option<u32>,
    rx_probe_delivered: bool,
    failures: Vec<String>,
}

/// An XDP frame given to `xdp_xmit`.
struct XdpFrame {
    seq: u32,
    /// The CPU that gave it: a CPU's XDP frames go out in the order it gave them.
    cpu: usize,
    bytes: Vec<u8>,
    /// What `xdp_xmit` returned (`None`: not yet, a bounce before `xdp_tx_done`).
    sent: Option<bool>,
    /// `Book::resets_returned` when it was given: a reset that began after that may lose it.
    resets_returned: u64,
}

struct World {
    dp: Datapath<SimLock, NoProbe>,
    /// One received frame in N is bounced by the XDP program (`XDP_TX`); 0: no program.
    xdp_bounce_one_in: u64,
    /// The end of the schedule: buffers do not fail (the probes must get through).
    settling: AtomicBool,
    /// The card's interrupt output (mirrored by the bus), level or edge.
    line: Arc<Line>,
    /// A CPU is in the card's hard IRQ handler.
    in_handler: AtomicBool,
    dev: SimDev,
    sched: Sched,
    book: Mutex<Book>,
}

/// The kinds of frame, in the EtherType's low byte: the stack's (and the wire's: received
/// frames) and XDP's (an XDP_TX bounce or an `ndo_xdp_xmit`), which have sequence numbers of
/// their own and no order with the stack's.
const STACK: u8 = 0xb5;
const XDP: u8 = 0xb6;

/// A frame of `len` bytes with `seq` in it and bytes that depend on both (torn frames show).
fn make_frame(dst: [u8; 6], seq: u32, len: usize) -> Vec<u8> {
    make_frame_of(STACK, dst, seq, len)
}

/// [`make_frame`] of a `kind`.
fn make_frame_of(kind: u8, dst: [u8; 6], seq: u32, len: usize) -> Vec<u8> {
    let mut f = Vec::with_capacity(len);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 1, 0x88, kind]);
    f.extend_from_slice(&seq.to_le_bytes());
    f.extend_from_slice(&(len as u16).to_le_bytes());
    while f.len() < len {
        let i = f.len() as u32;
        f.push((seq.wrapping_mul(31).wrapping_add(i.wrapping_mul(7)).wrapping_add(u32::from(kind)) >> 1) as u8);
    }
    f
}

/// The sequence number in a stack frame, if its bytes are what `make_frame` made.
fn frame_seq(f: &[u8]) -> Option<u32> {
    frame_tag(f).and_then(|(k, seq)| (k == STACK).then_some(seq))
}

/// The kind and sequence number in a frame, if its bytes are what `make_frame_of` made.
fn frame_tag(f: &[u8]) -> Option<(u8, u32)> {
    if f.len() < 20 {
        return None;
    }
    let kind = f[13];
    let seq = u32::from_le_bytes(f[14..18].try_into().unwrap());
    let len = usize::from(u16::from_le_bytes(f[18..20].try_into().unwrap()));
    if len > f.len() || len < 20 || (kind != STACK && kind != XDP) {
        return None;
    }
    let mut dst = [0u8; 6];
    dst.copy_from_slice(&f[..6]);
    let want = make_frame_of(kind, dst, seq, len);
    (f[..len] == want[..] && f[len..].iter().all(|&b| b == 0)).then_some((kind, seq))
}

impl World {
    fn fail(&self, what: String) {
        let mut b = self.book.lock().unwrap();
        if b.failures.len() < 16 {
            b.failures.push(format!("cpu {}: {what}", cpu()));
        }
    }

    fn chip_regs(&self) -> String {
        self.chip(|st| {
            let (run, m) = (st.chip.running(), &st.chip.bus_ref().m);
            format!("ISR {:#04x} IMR {:#04x} CMD {:#04x} TCR {:#04x} running {run}", m.isr, m.imr, m.cmd, m.tcr)
        })
    }

    /// The card's interrupt line, as delivered.
    fn irq_line(&self) -> bool {
        self.line.asserted() && self.dp.lock().masked.load(Ordering::SeqCst) == 0
    }

    /// A frame handed to the stack: it must be the next (or a later) frame the chip stored,
    /// intact: never one delivered before, never one stored earlier than the last delivered.
    fn received(&self, f: &[u8]) {
        let stored_at = frame_seq(f).map(|seq| {
            let st = self.raw();
            let w = st.chip.bus_ref().m.wire.as_ref().unwrap();
            w.stored.iter().position(|s| frame_seq(s) == Some(seq))
        });
        let mut b = self.book.lock().unwrap();
        b.rx_delivered += 1;
        if b.rx_probe.is_some() && b.rx_probe == frame_seq(f) {
            b.rx_probe_delivered = true;
        }
        if b.gone && stored_at.is_none_or(|i| i.is_none()) {
            // A copy another CPU was making when the card went reads all-ones: what a removed
            // card gives; the stack drops it (no driver can tell). Not a torn frame of the ring.
            return;
        }
        match stored_at {
            None => b.failures.push(format!("a torn or foreign frame was delivered ({} bytes)", f.len())),
            Some(None) => b.failures.push("a frame the chip never stored was delivered".into()),
            Some(Some(i)) if (i as u64) < b.rx_next_stored => {
                let what = format!("stored frame #{i} delivered after #{}: twice or out of order", b.rx_next_stored - 1);
                b.failures.push(what);
            }
            Some(Some(i)) => b.rx_next_stored = i as u64 + 1,
        }
    }

    /// The chip state for the world's own bookkeeping (not a driver hold: no checks). A CPU
    /// may be parked holding the lock (inside an interrupt that met its own hold): wait for it
    /// at scheduling points, never block the one thread that runs.
    fn raw(&self) -> MutexGuard<'_, ChipState<SimBus>> {
        loop {
            if let Ok(g) = self.dp.lock().state.try_lock() {
                return g;
            }
            point();
        }
    }

    /// With the chip lock's data (for the world's own bookkeeping).
    fn chip<R>(&self, f: impl FnOnce(&mut ChipState<SimBus>) -> R) -> R {
        let mut st = self.raw();
        let r = f(&mut st);
        self.line.set(st.chip.bus_ref().m.irq_pending());
        r
    }
}

// ---- what a CPU does ----

fn act(w: &World, rng: &mut Rng) {
    match rng.below(108) {
        0..=29 => {
            let _ = xmit(w, rng);
        }
        30..=49 => {
            let budget = rng.pick(&[1usize, 2, 4, 16, 64]);
            run_napi(w, budget);
        }
        50..=57 => netpoll(w, rng),
        58..=61 => {
            // The watchdog: only for a stopped queue, under the tx lock.
            kernel_lock(w, tx_lock);
            // (dev_watchdog: netif_device_present under the tx lock, which a suspend's
            // netif_device_detach does not take: the timeout may run on while it suspends.)
            let (up, stopped, detached) = {
                let s = w.dev.st();
                (s.up, s.queue_stopped, s.detached)
            };
            if up && stopped && !detached {
                let mut b = w.book.lock().unwrap();
                b.tx_may_lose_upto = b.tx_seq;
                b.resets_begun += 1;
                drop(b);
                call_begin();
                w.dp.tx_timeout(&w.dev);
                w.book.lock().unwrap().resets_returned += 1;
            }
            kernel_unlock(w, tx_lock);
        }
        62..=65 => {
            // (__dev_set_rx_mode: up and present, under the address-list lock only: a suspend
            // may come between the check and the call.)
            kernel_lock(w, addr_lock);
            if w.dev.st().up && !w.dev.st().detached {
                let group = [[0x01, 0x00, 0x5e, 0, 0, rng.below(256) as u8]];
                call_begin();
                w.dp.set_rx_mode(&w.dev, rng.one_in(4), rng.one_in(4), Some(&group));
            }
            kernel_unlock(w, addr_lock);
        }
        66..=67 => {
            // (dev_set_mac_address: -ENODEV if not present, under RTNL like suspend.)
            kernel_lock(w, rtnl);
            if !w.dev.st().detached {
                call_begin();
                w.dp.set_mac_address(&w.dev, if rng.one_in(2) { MAC } else { OTHER_MAC });
            }
            kernel_unlock(w, rtnl);
        }
        68..=71 => open_or_stop(w),
        72..=85 => {
            // Now and then the card is removed under the driver (a surprise removal): from here
            // it reads all-ones. Frames accepted so far may never go out.
            if rng.one_in(150) && !w.book.lock().unwrap().gone {
                let mut b = w.book.lock().unwrap();
                b.gone = true;
                b.tx_may_lose_upto = b.tx_seq;
                drop(b);
                w.chip(|st| st.chip.bus().m.gone = true);
            }
            // Time passes on the wire.
            let ns = rng.below(1_500_000);
            w.chip(|st| st.chip.bus().m.advance(ns));
            point();
        }
        100..=105 => ndo_xdp_xmit(w, rng),
        106..=107 => suspend_or_resume(w),
        _ => {
            // Frames from the wire: a burst, spaced by their wire time (or closer).
            let n = 1 + rng.below(12);
            let mut at = rng.below(200_000);
            for _ in 0..n {
                let len = rng.pick(&[60usize, 64, 100, 300, 600, 1000, 1514]);
                let dst = if rng.one_in(5) { [0xff; 6] } else { MAC };
                let seq = {
                    let mut b = w.book.lock().unwrap();
                    b.rx_seq += 1;
                    b.rx_seq
                };
                let f = make_frame(dst, seq, len);
                w.chip(|st| st.chip.bus().m.schedule_arrival(at, f));
                at += ne2k_host::model::wire_ns(len) / rng.pick(&[1, 1, 2, 8]);
            }
        }
    }
}

/// The stack's transmit (qdisc, under the tx lock). True if a fresh frame (not one the stack
/// got back before) was accepted.
fn xmit(w: &World, rng: &mut Rng) -> bool {
    let mut fresh_queued = false;
    kernel_lock(w, tx_lock);
    let (up, stopped) = {
        let s = w.dev.st();
        (s.up, s.queue_stopped)
    };
    if up && !stopped {
        let suspends = w.book.lock().unwrap().suspends;
        let mut fresh = false;
        let frame = {
            let mut b = w.book.lock().unwrap();
            match b.requeued.take() {
                Some(f) => f,
                None => {
                    fresh = true;
                    b.tx_seq += 1;
                    let len = rng.pick(&[42usize, 60, 100, 500, 1000, 1514, 1518]);
                    make_frame([0xff; 6], b.tx_seq, len)
                }
            }
        };
        call_begin();
        match w.dp.start_xmit(&w.dev, Some(&frame)) {
            Xmit::Queued => {
                let seq = frame_seq(&frame).unwrap();
                w.book.lock().unwrap().accepted.push((seq, frame));
                fresh_queued = fresh;
            }
            Xmit::Busy => w.book.lock().unwrap().requeued = Some(frame),
            Xmit::Dropped => {
                let mut b = w.book.lock().unwrap();
                if b.gone {
                    // The card is gone: the datapath stopped it (its frames may be lost).
                    b.tx_may_lose_upto = b.tx_seq;
                } else if b.suspends != suspends || w.dev.st().detached {
                    // The queue was awake when the stack looked, and a suspend (which does not
                    // take the tx lock) stopped the chip meanwhile: dropped, as the kernel's
                    // netif_device_detach allows.
                } else {
                    drop(b);
                    w.fail("a valid frame was dropped by a running device".into());
                }
            }
        }
    }
    kernel_unlock(w, tx_lock);
    fresh_queued
}

/// netconsole: interrupts off, a transmit if the tx lock is free, a budget-0 poll if no
/// poll runs.
fn netpoll(w: &World, rng: &mut Rng) {
    if !w.dev.st().up {
        return;
    }
    IRQS_OFF.with(|c| c.set(c.get() + 1));
    // (netpoll_send_skb: running and present; netpoll_poll_dev: running only.)
    if rng.one_in(2) && !w.dev.st().detached {
        let got = {
            let mut s = w.dev.st();
            if s.tx_lock.is_none() && !s.queue_stopped {
                s.tx_lock = Some(cpu());
                true
            } else {
                false
            }
        };
        if got {
            w.dev.st().tx_lock = None;
            let _ = xmit(w, rng); // takes the (free) tx lock again at once, interrupts still off
        }
    }
    let owned = {
        let mut s = w.dev.st();
        if s.napi.owner.is_none() && !s.napi.disabled {
            s.napi.owner = Some(cpu());
            true
        } else {
            false
        }
    };
    if owned {
        let napi = SimNapi { w, budget: 0, delivered: Cell::new(0), completed: Cell::new(false) };
        IN_NETPOLL.with(|c| c.set(true));
        call_begin();
        let work = w.dp.poll(&w.dev, &napi, 0);
        IN_NETPOLL.with(|c| c.set(false));
        if work != 0 || napi.delivered.get() != 0 {
            w.fail(format!("netpoll's budget-0 poll did receive work ({work})"));
        }
        w.dev.st().napi.owner = None;
    }
    IRQS_OFF.with(|c| c.set(c.get() - 1));
}

fn open_or_stop(w: &World) {
    kernel_lock(w, rtnl);
    let up = w.dev.st().up;
    call_begin();
    if up {
        // dev_close: the qdisc is deactivated and in-flight transmits are waited for (the tx
        // lock), then ndo_stop.
        w.dev.st().up = false;
        kernel_lock(w, tx_lock);
        kernel_unlock(w, tx_lock);
        {
            let mut b = w.book.lock().unwrap();
            b.tx_may_lose_upto = b.tx_seq;
            b.requeued = None;
            b.resets_begun += 1;
        }
        w.dp.stop(&w.dev);
        w.book.lock().unwrap().resets_returned += 1;
        stays_stopped(w, "stop");
    } else if w.dev.st().detached {
        // dev_open: -ENODEV while the device is not present (suspended).
    } else {
        w.chip(|st| st.chip.bus().must_stay_stopped = false);
        match w.dp.open(&w.dev) {
            Ok(()) => w.dev.st().up = true,
            Err(e) => w.fail(format!("open failed: {e:?}")),
        }
    }
    kernel_unlock(w, rtnl);
}

/// After `stop`, `suspend` or `resume_down`: the chip is stopped and masked, and nothing may
/// start or unmask it (until `open` or `resume`).
fn stays_stopped(w: &World, after: &str) {
    w.chip(|st| {
        let running = st.chip.running();
        let b = st.chip.bus();
        // (A card that is gone keeps its registers as they were: the writes go nowhere.)
        if running || (!b.m.gone && (b.m.cmd & Cr::STP.bits() == 0 || b.m.imr != 0)) {
            let what = format!("after {after}: running {running}, CMD {:#04x}, IMR {:#04x}", b.m.cmd, b.m.imr);
            b.fail(what);
        }
        b.must_stay_stopped = true;
    });
}

/// `ndo_xdp_xmit`: another device's poll (softirq, bottom halves off, on this CPU) redirects
/// frames here. The core holds no lock of ours: the devmap checked IFF_UP when the frames
/// were queued, and flushes them at the end of that poll, perhaps after a stop or a suspend
/// began (neither waits for it). The glue gives them one by one and stops at the first not
/// sent (the core frees the rest).
fn ndo_xdp_xmit(w: &World, rng: &mut Rng) {
    if !w.dev.st().up {
        return;
    }
    point();
    for _ in 0..1 + rng.below(3) {
        // (1600: longer than the card sends; `xdp_xmit` refuses it.)
        let len = rng.pick(&[42usize, 60, 100, 1000, 1514, 1518, 1600]);
        let frame = {
            let mut b = w.book.lock().unwrap();
            b.xdp_seq += 1;
            b.xdp_xmit += 1;
            let (seq, returned) = (b.xdp_seq, b.resets_returned);
            let bytes = make_frame_of(XDP, OTHER_MAC, seq, len);
            b.xdp.push(XdpFrame { seq, cpu: cpu(), bytes: bytes.clone(), sent: None, resets_returned: returned });
            bytes
        };
        call_begin();
        let sent = w.dp.xdp_xmit(&w.dev, &frame);
        let mut b = w.book.lock().unwrap();
        b.xdp_xmit_sent += u64::from(sent);
        if let Some(x) = b.xdp.iter_mut().rev().find(|x| x.bytes == frame) {
            x.sent = Some(sent);
        }
        if !sent {
            break;
        }
    }
}

/// System suspend and resume (the PM core's callbacks, through `Registration::suspend` and
/// `resume`): under RTNL, `netif_device_detach` (the queue stops; no lock of the stack's is
/// taken, so a transmit or TX timeout already past its check runs on, and so does an
/// `ndo_xdp_xmit` or a `set_rx_mode` already under way) and, for an interface that is up, the
/// datapath's `suspend`; at resume, `resume` (up) or `resume_down` (down), then
/// `netif_device_attach` (the queue woken if up). The hard IRQ stays live through both (it is
/// only switched off after the devices' suspend callbacks, and the line is shared).
fn suspend_or_resume(w: &World) {
    kernel_lock(w, rtnl);
    let (up, detached) = {
        let s = w.dev.st();
        (s.up, s.detached)
    };
    call_begin();
    if !detached {
        {
            let mut s = w.dev.st();
            s.detached = true;
            if up {
                s.queue_stopped = true;
            }
        }
        w.book.lock().unwrap().suspends += 1;
        if up {
            {
                let mut b = w.book.lock().unwrap();
                b.tx_may_lose_upto = b.tx_seq;
                b.resets_begun += 1;
            }
            w.dp.suspend(&w.dev);
            {
                let mut b = w.book.lock().unwrap();
                // (A transmit that raced with the detach was accepted or dropped by now.)
                b.tx_may_lose_upto = b.tx_seq;
                b.resets_returned += 1;
            }
            let awake = {
                let mut s = w.dev.st();
                s.suspended = true;
                !s.queue_stopped
            };
            if awake {
                w.fail("after suspend: the queue is awake".into());
            }
            stays_stopped(w, "suspend");
        }
    } else {
        w.dev.st().suspended = false;
        if up {
            w.chip(|st| st.chip.bus().must_stay_stopped = false);
            if let Err(e) = w.dp.resume(&w.dev) {
                if !w.book.lock().unwrap().gone {
                    w.fail(format!("resume failed: {e:?}"));
                }
            }
        } else {
            w.dp.resume_down(&w.dev);
            stays_stopped(w, "resume_down");
        }
        let mut s = w.dev.st();
        s.detached = false;
        if up {
            s.queue_stopped = false;
        }
    }
    kernel_unlock(w, rtnl);
}

/// The end of a schedule: one CPU, time to settle; then nothing may be stranded. Then the
/// device is resumed (if suspended) and opened (if down), and must work: a frame received, a
/// stack frame and an XDP frame sent, and again nothing stranded.
fn settle(w: &World) {
    // First as the schedule left it: only the interrupt and the poll (and the frame the
    // stack got back) take the lock, so that a lost interrupt shows as one.
    settle_loop(w, false);
    settled(w);
    // The PM core resumes what it suspended; an interface that is down is opened.
    w.settling.store(true, Ordering::Relaxed);
    if w.dev.st().detached {
        suspend_or_resume(w);
    }
    let gone = w.book.lock().unwrap().gone;
    if !w.dev.st().up && !gone {
        open_or_stop(w);
    }
    if !w.dev.st().up || gone {
        return;
    }
    let (stack_probe, xdp_probe) = settle_loop(w, true);
    if !w.book.lock().unwrap().gone {
        if !stack_probe {
            w.fail("after settling: the stack could not send a frame (the queue stayed stopped)".into());
        }
        if !xdp_probe {
            w.fail("after settling: xdp_xmit never found a free slot".into());
        }
        if w.book.lock().unwrap().rx_probe.is_none() {
            w.fail("after settling: frames kept arriving, or the receiver stayed in overrun".into());
        } else if !w.book.lock().unwrap().rx_probe_delivered {
            let what = w.chip_regs();
            w.fail(format!("after settling: a frame from the wire was not delivered (the receiver is off?): {what}"));
        }
    }
    settled(w);
}

/// Time passes (40 ms), the interrupt and the poll run, the frame the stack got back is sent
/// again; with `probing`, a frame comes from the wire once the ring is quiet, and a stack frame
/// and an XDP frame are sent. Returns whether those two were accepted.
fn settle_loop(w: &World, probing: bool) -> (bool, bool) {
    let (mut stack_probe, mut xdp_probe) = (!probing, !probing);
    for i in 0..200 {
        let ns = 200_000;
        w.chip(|st| st.chip.bus().m.advance(ns));
        if probing && i >= 50 && w.book.lock().unwrap().rx_probe.is_none() {
            // A frame from the wire once the ones still to come have come and a receiver
            // overrun (a burst into a full ring) is over.
            let quiet = w.chip(|st| {
                let m = &st.chip.bus_ref().m;
                m.arrivals_pending() == 0 && m.isr & Isr::OVW.bits() == 0
            });
            if quiet {
                let seq = {
                    let mut b = w.book.lock().unwrap();
                    b.rx_seq += 1;
                    b.rx_probe = Some(b.rx_seq);
                    b.rx_seq
                };
                w.chip(|st| st.chip.bus().m.schedule_arrival(100_000, make_frame([0xff; 6], seq, 100)));
            }
        }
        if w.irq_line() {
            call_begin();
            w.line.delivered();
            if !w.dp.irq(&w.dev, w.dp.probe().now()) && w.irq_line() {
                w.fail(format!("line asserted at the end, handler says IRQ_NONE: {}", w.chip_regs()));
            }
        }
        run_napi(w, 64);
        let s = w.dev.st();
        let (up, stopped) = (s.up, s.queue_stopped);
        drop(s);
        if up && !stopped && (w.book.lock().unwrap().requeued.is_some() || !stack_probe) {
            stack_probe |= xmit(w, &mut Rng(1));
        }
        if !xdp_probe {
            let frame = {
                let mut b = w.book.lock().unwrap();
                b.xdp_seq += 1;
                let (seq, returned) = (b.xdp_seq, b.resets_returned);
                let bytes = make_frame_of(XDP, OTHER_MAC, seq, 200);
                b.xdp.push(XdpFrame { seq, cpu: cpu(), bytes: bytes.clone(), sent: None, resets_returned: returned });
                bytes
            };
            call_begin();
            // (Not sent: no slot free yet; recorded so, it must never go out.)
            xdp_probe = w.dp.xdp_xmit(&w.dev, &frame);
            w.book.lock().unwrap().xdp.last_mut().unwrap().sent = Some(xdp_probe);
        }
    }
    (stack_probe, xdp_probe)
}

/// After settling: the line unmasked, and for a device that is up and present nothing
/// stranded.
fn settled(w: &World) {
    if w.dp.lock().masked.load(Ordering::SeqCst) != 0 {
        w.fail("after settling: the interrupt line is still masked".into());
    }
    if w.dp.lock().unbalanced.load(Ordering::SeqCst) {
        w.fail("the line was unmasked more often than masked".into());
    }
    let (up, detached) = {
        let s = w.dev.st();
        (s.up, s.detached)
    };
    if !up || detached {
        // (Down, or suspended: the queue stays stopped, nothing arrives.)
        return;
    }
    if w.book.lock().unwrap().gone {
        // A card that is gone: nothing can complete or arrive. What must hold: the datapath,
        // once it saw all-ones, stopped the chip and took the carrier down (the TX watchdog
        // then stops), and nothing spun (every call stayed bounded, checked at each access).
        // Another device's interrupt on the shared line (a gone card raises none): not ours.
        call_begin();
        if w.dp.irq(&w.dev, w.dp.probe().now()) {
            w.fail("the hard IRQ claimed an interrupt with the card gone (all-ones read as every cause)".into());
        }
        run_napi(w, 64);
        let seen = w.chip(|st| st.chip.gone());
        if seen && w.dev.st().carrier {
            w.fail("the card is gone and the datapath saw it, but the carrier is still on".into());
        }
        if seen && w.chip(|st| st.chip.running()) {
            w.fail("the card is gone and the datapath saw it, but the chip counts as running".into());
        }
        return;
    }
    let stuck = w.chip(|st| {
        let free = st.chip.tx_free();
        let m = &st.chip.bus().m;
        let empty_ring = m.arrivals_pending() == 0 && {
            let next = if m.bnry + 1 >= m.pstop { m.pstart } else { m.bnry + 1 };
            next == m.curr
        };
        (free, empty_ring, m.transmitting())
    });
    if stuck.0 != 2 || stuck.2 {
        w.fail(format!("after settling: {} TX slots free, transmitting {}", stuck.0, stuck.2));
    }
    if !stuck.1 {
        w.fail("after settling: frames stranded on the receive ring (a lost interrupt?)".into());
    }
    if w.dev.st().queue_stopped {
        w.fail("after settling: the queue is still stopped".into());
    }
    let inflight = w.dev.st().bql_inflight;
    if inflight != 0 {
        w.fail(format!("after settling: BQL counts {inflight} bytes in flight, the slots are empty"));
    }
    if w.dev.st().napi.sched {
        w.fail("after settling: NAPI still scheduled".into());
    }
}


/// The transmit side's end-of-schedule check against the wire.
fn check_wire(w: &World) {
    let sent = w.chip(|st| st.chip.bus().m.sent.clone());
    let b = w.book.lock().unwrap();
    let mut last = 0u32;
    let mut on_wire = std::collections::HashSet::new();
    // XDP's frames: each goes out once, if `xdp_xmit` said it was sent; a CPU's in the order
    // it gave them.
    let mut xdp_last = std::collections::HashMap::new();
    let mut xdp_on_wire = std::collections::HashSet::new();
    for f in &sent {
        let Some((kind, seq)) = frame_tag(f) else {
            drop(b);
            w.fail(format!("a torn frame went out on the wire ({} bytes)", f.len()));
            return;
        };
        if kind == XDP {
            let what = match b.xdp.iter().find(|x| x.seq == seq) {
                None => Some(format!("XDP frame {seq} went out but was never given")),
                Some(x) if x.sent != Some(true) => {
                    Some(format!("XDP frame {seq} went out but xdp_xmit said {:?}", x.sent))
                }
                Some(_) if !xdp_on_wire.insert(seq) => Some(format!("XDP frame {seq} went out twice")),
                Some(x) if f.len() != x.bytes.len().max(60) || f[..x.bytes.len()] != x.bytes[..] => {
                    Some(format!("XDP frame {seq} went out with other bytes than it was given"))
                }
                Some(x) => match xdp_last.insert(x.cpu, seq) {
                    Some(l) if l > seq => Some(format!("XDP frame {seq} of cpu {} went out after {l}", x.cpu)),
                    _ => None,
                },
            };
            if let Some(what) = what {
                drop(b);
                w.fail(what);
                return;
            }
            continue;
        }
        if seq <= last {
            drop(b);
            w.fail(format!("frame {seq} went out after frame {last}: twice or out of order"));
            return;
        }
        last = seq;
        on_wire.insert(seq);
        match b.accepted.iter().find(|a| a.0 == seq) {
            Some((_, bytes)) => {
                let want_len = bytes.len().max(60);
                if f.len() != want_len || f[..bytes.len()] != bytes[..] {
                    drop(b);
                    w.fail(format!("frame {seq} went out with other bytes than it was given"));
                    return;
                }
            }
            None => {
                drop(b);
                w.fail(format!("frame {seq} went out but was never accepted"));
                return;
            }
        }
    }
    if let Some(x) = b.xdp.iter().find(|x| x.sent.is_none()) {
        let what = format!("XDP_TX frame {} bounced but xdp_tx_done never came", x.seq);
        drop(b);
        w.fail(what);
        return;
    }
    // (A card that is gone sends nothing more: every frame given around then may be lost.)
    if !b.gone {
        let lost: Vec<u32> = b
            .xdp
            .iter()
            .filter(|x| x.sent == Some(true) && x.resets_returned == b.resets_begun && !xdp_on_wire.contains(&x.seq))
            .map(|x| x.seq)
            .collect();
        if !lost.is_empty() {
            drop(b);
            w.fail(format!("XDP frames xdp_xmit sent never went out (no reset after them): {lost:?}"));
            return;
        }
    }
    if w.dev.st().up && !b.gone {
        let lost: Vec<u32> =
            b.accepted.iter().map(|a| a.0).filter(|s| *s > b.tx_may_lose_upto && !on_wire.contains(s)).collect();
        if !lost.is_empty() {
            drop(b);
            w.fail(format!("accepted frames never sent (no reset after them): {lost:?}"));
        }
    }
}

/// One schedule. Returns its failures (empty: all invariants held) and some counts.
fn run(seed: u64) -> (Vec<String>, [u64; 11]) {
    let mut rng = Rng(seed);
    let cpus = if rng.one_in(3) { 1 } else { 2 };
    let mem = rng.pick(&[16usize, 32]);
    let flags = rng.pick(&[ChipFlags::NONE, ChipFlags::ONLY_16BIT_IO]);
    let line = Arc::new(Line { pending: AtomicBool::new(false), edge_mode: rng.one_in(2), edge: AtomicBool::new(false) });
    let mut chip = Dp8390::new(
        SimBus {
            m: Model::with_wire(MAC, mem),
            ring: None,
            must_stay_stopped: false,
            dma_cmd: false,
            failures: vec![],
            line: line.clone(),
        },
        flags,
    );
    let prom = chip.probe().expect("probe");
    let ring = chip.ring();
    chip.bus().ring = Some(ring);
    chip.bus().m.log.clear();
    let w = Arc::new(World {
        dp: Datapath::new(
            SimLock { state: Mutex::new(ChipState::new(chip, 0)), masked: AtomicU64::new(0), unbalanced: AtomicBool::new(false), holder: AtomicUsize::new(usize::MAX) },
            NoProbe,
            prom.mac,
            rng.one_in(2),
        ),
        xdp_bounce_one_in: rng.pick(&[0, 2, 4, 8]),
        settling: AtomicBool::new(false),
        line,
        in_handler: AtomicBool::new(false),
        dev: SimDev { s: Mutex::new(DevState::default()) },
        sched: Sched {
            turn: AtomicUsize::new(0),
            live: Mutex::new(vec![true; cpus]),
            rng: Mutex::new(Rng(rng.next())),
            points: AtomicU64::new(0),
            abort: AtomicBool::new(false),
            switch_one_in: rng.pick(&[1, 2, 4]),
            irq_one_in: rng.pick(&[1, 2, 8]),
        },
        book: Mutex::new(Book::default()),
    });
    let steps = 8 + rng.below(24);
    let seeds: Vec<u64> = (0..cpus).map(|_| rng.next()).collect();
    let handles: Vec<_> = (0..cpus)
        .map(|c| {
            let w = w.clone();
            let mut r = Rng(seeds[c]);
            std::thread::spawn(move || {
                CPU.with(|x| x.set(c));
                WORLD.with(|x| *x.borrow_mut() = Some(w.clone()));
                struct Abort(Arc<World>);
                impl Drop for Abort {
                    fn drop(&mut self) {
                        if std::thread::panicking() {
                            self.0.sched.abort.store(true, Ordering::SeqCst);
                            self.0.sched.exit();
                        }
                    }
                }
                let _guard = Abort(w.clone());
                w.sched.wait_turn(c);
                if c == 0 {
                    open_or_stop(&w); // the interface comes up
                }
                for _ in 0..steps {
                    act(&w, &mut r);
                }
                w.sched.exit();
                WORLD.with(|x| *x.borrow_mut() = None);
            })
        })
        .collect();
    let mut panics = Vec::new();
    for h in handles {
        if let Err(e) = h.join() {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if msg != "another CPU failed" {
                panics.push(format!("panic: {msg}"));
            }
        }
    }
    if panics.is_empty() {
        // Settle on one CPU, no switching.
        CPU.with(|x| x.set(0));
        WORLD.with(|x| *x.borrow_mut() = Some(w.clone()));
        w.sched.live.lock().unwrap()[0] = true;
        w.sched.turn.store(0, Ordering::SeqCst);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settle(&w);
            check_wire(&w);
        }));
        if let Err(e) = r {
            panics.push(format!("panic while settling: {:?}", e.downcast_ref::<String>()));
        }
        WORLD.with(|x| *x.borrow_mut() = None);
    }
    let mut failures = panics;
    failures.extend(w.book.lock().unwrap().failures.iter().cloned());
    let (bus_failures, violations, sent) = w.chip(|st| {
        let b = st.chip.bus();
        (b.failures.clone(), b.m.violations.clone(), b.m.sent.len() as u64)
    });
    failures.extend(bus_failures);
    failures.extend(violations.into_iter().map(|v| format!("chip protocol: {v}")));
    let b = w.book.lock().unwrap();
    let counts = [
        cpus as u64,
        sent,
        b.rx_delivered,
        w.sched.points.load(Ordering::Relaxed),
        b.nested_netpolls,
        u64::from(b.gone),
        b.xdp_tx,
        b.xdp_tx_sent,
        b.xdp_xmit,
        b.xdp_xmit_sent,
        b.suspends,
    ];
    (failures, counts)
}


#[test]
fn explore_interleavings() {
    let n = env_u64("NE2K_EXPLORE_SCHEDULES").unwrap_or(DEFAULT_SCHEDULES);
    let first = env_u64("NE2K_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let mut totals = [0u64; 12];
    for i in 0..n {
        let seed = first.wrapping_add(i.wrapping_mul(0x9e37_79b9));
        let (failures, c) = run(seed);
        if !failures.is_empty() {
            panic!(
                "explore: schedule {i} failed: {failures:#?}\nreplay: NE2K_FUZZ_SEED={seed:#x} \
                 NE2K_EXPLORE_SCHEDULES=1 cargo test --test explore -- --nocapture"
            );
        }
        totals[0] += 1;
        totals[1] += u64::from(c[0] == 2);
        totals[2] += c[1];
        totals[3] += c[2];
        totals[4] += c[3];
        totals[5] += c[4];
        totals[6] += c[5];
        for k in 6..11 {
            totals[k + 1] += c[k];
        }
    }
    println!(
        "explore-schedules: {} ({} on two CPUs), frames sent {}, frames received {}, scheduling points {}, netpoll nested in a hold {}, card removed in {}, xdp_tx {} ({} sent), xdp_xmit {} ({} sent), suspend/resume {}",
        totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], totals[6], totals[7], totals[8], totals[9], totals[10], totals[11]
    );
}
