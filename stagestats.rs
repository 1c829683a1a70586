// SPDX-License-Identifier: GPL-2.0
//! Stage statistics: the per-packet stage cycles of the `ne2k_rs:*` events, aggregated in the
//! driver, cheap enough to leave on. No kernel types: the host tests drive this file.
//!
//! For each stage of the study's Table 8 (TX driver/DMA/NIC, RX NIC/DMA/driver) and for the
//! interrupt handling of Table 10 (the hard IRQ plus the NAPI poll it scheduled, minus the
//! stack's share of the poll; and the hard IRQ alone), per cause (rx: PRX/RXE, tx: PTX/TXE) and
//! per frame size class (<= 64, <= 128, <= 512, <= 1024, <= 1518 bytes), a [`Hist`]: a sum and
//! a histogram of log2 buckets, each split into 8 linear sub-buckets. A percentile read from it
//! is the middle of its bucket: within 1/16 (6.25 %) of the sample it stands for.
//!
//! Recording is two relaxed atomic adds per histogram, no lock. The writers of one card are its
//! hard IRQ handler, its NAPI poll and (for a completion found at once) `start_xmit`; they may
//! run on two CPUs at a time, which relaxed read-modify-writes tolerate. A reader sees each
//! counter exact, the set of them as of some moment during the read. One block per card, not
//! per CPU: a card's writers mostly run on the CPU of its interrupt, and a per-CPU copy would
//! multiply its 70 KiB by the possible CPUs.

use core::fmt;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use crate::datapath::PollReport;
use crate::dp8390::TxStages;

/// Linear sub-buckets per power of two: 2^3 = 8.
const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;
/// The largest power of two with buckets of its own: values of 2^28 cycles (0.47 s at
/// 567 MHz) and more are counted in the last bucket.
const MAX_EXP: u32 = 27;
/// Values below 8 have a bucket each; then 8 per power of two from 2^3 to 2^MAX_EXP.
pub const BUCKETS: usize = SUB + (MAX_EXP - SUB_BITS + 1) as usize * SUB;

/// The frame size classes: the largest frame length (bytes, without FCS) of each. A larger
/// frame (a tagged full-size one is 1518) counts in the last.
pub const CLASSES: [u32; 5] = [64, 128, 512, 1024, 1518];
const NCLASS: usize = CLASSES.len();

/// The class of a `len`-byte frame.
pub fn class(len: u32) -> usize {
    CLASSES.iter().position(|&c| len <= c).unwrap_or(NCLASS - 1)
}

/// The bucket of a value.
pub fn bucket(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let e = 63 - v.leading_zeros();
    if e > MAX_EXP {
        return BUCKETS - 1;
    }
    let sub = (v >> (e - SUB_BITS)) as usize & (SUB - 1);
    SUB + (e - SUB_BITS) as usize * SUB + sub
}

/// The values of bucket `i`: its lowest and its width (the last also holds all larger values).
pub fn bucket_range(i: usize) -> (u64, u64) {
    if i < SUB {
        return (i as u64, 1);
    }
    let e = (i - SUB) / SUB + SUB_BITS as usize;
    let sub = ((i - SUB) % SUB) as u64;
    let width = 1u64 << (e - SUB_BITS as usize);
    ((1u64 << e) + sub * width, width)
}

/// One histogram: a sum and the bucket counts (the count is their total).
pub struct Hist {
    sum: AtomicU64,
    buckets: [AtomicU64; BUCKETS],
}

/// What a [`Hist`] says, read once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub count: u64,
    pub sum: u64,
    pub p5: u64,
    pub p50: u64,
    pub p95: u64,
}

impl Summary {
    pub fn mean(&self) -> u64 {
        self.sum.checked_div(self.count).unwrap_or(0)
    }
}

impl Default for Hist {
    fn default() -> Self {
        Self::new()
    }
}

impl Hist {
    pub const fn new() -> Self {
        Self {
            sum: AtomicU64::new(0),
            buckets: [const { AtomicU64::new(0) }; BUCKETS],
        }
    }

    #[inline]
    pub fn record(&self, v: u64) {
        self.sum.fetch_add(v, Relaxed);
        self.buckets[bucket(v)].fetch_add(1, Relaxed);
    }

    pub fn clear(&self) {
        self.sum.store(0, Relaxed);
        for b in &self.buckets {
            b.store(0, Relaxed);
        }
    }

    /// Count, sum and the 5th, 50th and 95th percentiles. A percentile interpolates between
    /// the samples of rank floor and ceil of (count - 1) * p / 100, as `numpy.percentile` and
    /// `scripts/report.py` do with the events; a sample is the middle of its bucket.
    pub fn summary(&self) -> Summary {
        let mut counts = [0u64; BUCKETS];
        let mut count = 0u64;
        for (c, b) in counts.iter_mut().zip(&self.buckets) {
            *c = b.load(Relaxed);
            count = count.saturating_add(*c);
        }
        // The sample of rank `rank` (0-based), as the middle of its bucket.
        let at = |rank: u64| -> u64 {
            let mut seen = 0u64;
            for (i, &c) in counts.iter().enumerate() {
                seen = seen.saturating_add(c);
                if seen > rank {
                    let (lo, width) = bucket_range(i);
                    return lo + width / 2;
                }
            }
            let (lo, width) = bucket_range(BUCKETS - 1);
            lo + width / 2
        };
        let pct = |p: u64| -> u64 {
            if count == 0 {
                return 0;
            }
            let n = count - 1;
            // n * p / 100 without overflow: its whole part and its remainder (of 100).
            let (whole, rem) = (n / 100 * p + n % 100 * p / 100, n % 100 * p % 100);
            let lo = at(whole);
            if rem == 0 {
                return lo;
            }
            lo + (at(whole + 1) - lo) * rem / 100
        };
        Summary {
            count,
            sum: self.sum.load(Relaxed),
            p5: pct(5),
            p50: pct(50),
            p95: pct(95),
        }
    }
}

/// The TX stages of Table 8, in the order of [`StageStats`]' rows.
pub const TX_STAGES: [&str; 3] = ["driver", "dma", "nic"];
/// The RX stages of Table 8.
pub const RX_STAGES: [&str; 3] = ["nic", "dma", "driver"];
/// The interrupt causes of Table 10.
pub const CAUSES: [&str; 2] = ["rx", "tx"];

/// The cause of an interrupt by its ISR bits, as Table 10 counts it: a received frame (PRX) or
/// a receive error (RXE) first, else a transmit done (PTX) or failed (TXE); else none.
pub fn cause(isr: u8) -> Option<usize> {
    if isr & 0x05 != 0 {
        Some(0)
    } else if isr & 0x0a != 0 {
        Some(1)
    } else {
        None
    }
}

/// A card's stage statistics. All-zero bytes are a valid, empty value (atomics only): the
/// kernel allocates it zeroed, in place.
pub struct StageStats {
    tx: [[Hist; NCLASS]; 3],
    rx: [[Hist; NCLASS]; 3],
    /// The hard IRQ handler alone, per cause.
    hard_irq: [Hist; 2],
    /// Table 10: the hard IRQ plus the poll it scheduled minus the stack's share, per cause
    /// and size class (of the last frame of that cause recorded before the poll ended).
    irq: [[Hist; NCLASS]; 2],
    /// The last hard IRQ recorded whose poll has not started: `PENDING | cause << 56 | cycles`.
    pending: AtomicU64,
    /// What the running poll took over from `pending` when it started (polls of a card never
    /// overlap: NAPI runs one at a time), joined at its report.
    claimed: AtomicU64,
    /// The length of the last frame received and transmitted that was recorded (the size
    /// class of an interrupt whose poll handled no frame of its cause).
    last_len: [AtomicU32; 2],
    /// The samplers' states (xorshift32) of transmits and interrupts ([`Self::sample`]).
    rng: [AtomicU32; 2],
}

// All-zero is an empty histogram and an empty table: `stages.rs` allocates the 70 KiB zeroed,
// in place (`netdev::kvzalloc`), and the macro checks that every field is an atomic integer.
#[cfg(MODULE)]
crate::zeroed_struct!(Hist { sum, buckets });
#[cfg(MODULE)]
crate::zeroed_struct!(StageStats {
    tx,
    rx,
    hard_irq,
    irq,
    pending,
    claimed,
    last_len,
    rng
});

/// What [`StageStats::sample`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A `start_xmit`.
    Tx = 0,
    /// A hard interrupt (and the poll it schedules).
    Irq = 1,
}

const PENDING: u64 = 1 << 63;
const CYCLES_MASK: u64 = (1 << 56) - 1;

impl Default for StageStats {
    fn default() -> Self {
        Self::new()
    }
}

impl StageStats {
    /// An empty set (about 70 KiB: the kernel does not build it on its stack but allocates
    /// it zeroed).
    pub const fn new() -> Self {
        Self {
            tx: [const { [const { Hist::new() }; NCLASS] }; 3],
            rx: [const { [const { Hist::new() }; NCLASS] }; 3],
            hard_irq: [const { Hist::new() }; 2],
            irq: [const { [const { Hist::new() }; NCLASS] }; 2],
            pending: AtomicU64::new(0),
            claimed: AtomicU64::new(0),
            last_len: [AtomicU32::new(0), AtomicU32::new(0)],
            rng: [AtomicU32::new(0), AtomicU32::new(0)],
        }
    }

    /// Whether to time this unit for the statistics, taking one in `period` (0 and 1: every
    /// one) at random: a fixed stride would alias with periodic traffic (a ping's transmit and
    /// receive interrupts alternate, and every 8th would always be the same cause). Racing
    /// writers may repeat a draw; that only skews a draw, never a count.
    #[inline]
    pub fn sample(&self, unit: Unit, period: u32) -> bool {
        if period <= 1 {
            return true;
        }
        let state = &self.rng[unit as usize];
        let mut x = state.load(Relaxed);
        if x == 0 {
            x = 0x9e37_79b9 ^ unit as u32; // zeroed allocation: seed it
        }
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        state.store(x, Relaxed);
        x % period == 0
    }

    /// A `start_xmit` at `period`: whether the statistics time it.
    #[inline]
    pub fn time_tx(&self, period: u32) -> bool {
        self.sample(Unit::Tx, period)
    }

    /// A hard interrupt at `period`.
    #[inline]
    pub fn time_irq(&self, period: u32) -> bool {
        self.sample(Unit::Irq, period)
    }

    /// A poll of `budget` starts at `period`: it takes over the interrupt recorded since the
    /// last poll started (the one that scheduled it), and is timed if there is one, so that the
    /// interrupt's handling (Table 10) is whole; at period 1, every poll is. A netpoll (budget
    /// 0, IRQs off, no receive work) is not an interrupt's poll: it leaves the interrupt to the
    /// poll that follows.
    #[inline]
    pub fn time_poll(&self, period: u32, budget: usize) -> bool {
        if budget == 0 {
            return false;
        }
        let p = self.pending.swap(0, Relaxed);
        self.claimed.store(p, Relaxed);
        p & PENDING != 0 || period <= 1
    }

    /// Whether the running poll times its received frames: those a timed interrupt announced,
    /// and at period 1, or in a poll timed for its interrupt, those it found.
    #[inline]
    pub fn time_rx(&self, period: u32, announced: bool) -> bool {
        announced || period <= 1 || self.claimed.load(Relaxed) & PENDING != 0
    }

    /// A transmitted frame's stages (the `ne2k_rs_tx` event's fields).
    #[inline]
    pub fn tx(&self, s: &TxStages) {
        let c = class(s.len);
        self.tx[0][c].record(s.driver);
        self.tx[1][c].record(s.dma);
        self.tx[2][c].record(s.nic);
        self.last_len[1].store(s.len, Relaxed);
    }

    /// A received frame's stages (the `ne2k_rs_rx` event's fields).
    #[inline]
    pub fn rx(&self, len: u32, nic: u64, dma: u64, driver: u64) {
        let c = class(len);
        self.rx[0][c].record(nic);
        self.rx[1][c].record(dma);
        self.rx[2][c].record(driver);
        self.last_len[0].store(len, Relaxed);
    }

    /// A hard interrupt that was ours (the `ne2k_rs_irq` event): recorded alone, and kept for
    /// the poll it scheduled ([`Self::time_poll`]).
    #[inline]
    pub fn irq(&self, isr: u8, cycles: u64) {
        if let Some(k) = cause(isr) {
            self.hard_irq[k].record(cycles);
            self.pending.store(
                PENDING | (k as u64) << 56 | cycles.min(CYCLES_MASK),
                Relaxed,
            );
        }
    }

    /// A NAPI poll (the `ne2k_rs_poll` event): joined to the interrupt it took over when it
    /// started, if any, in the size class of the last frame of the interrupt's cause it handled.
    /// A poll that follows a poll (budget spent) has none, as in the event tables.
    #[inline]
    pub fn poll(&self, r: &PollReport) {
        if r.budget == 0 {
            return;
        }
        let p = self.claimed.swap(0, Relaxed);
        if p & PENDING != 0 {
            let k = ((p >> 56) & 1) as usize;
            let len = match [r.rx_len, r.tx_len][k] {
                0 => self.last_len[k].load(Relaxed),
                len => len,
            };
            let handling = (p & CYCLES_MASK)
                .wrapping_add(r.cycles)
                .saturating_sub(r.stack);
            self.irq[k][class(len)].record(handling);
        }
    }

    pub fn clear(&self) {
        let rows = self.tx.iter().chain(&self.rx).chain(&self.irq);
        rows.flatten().chain(&self.hard_irq).for_each(Hist::clear);
        self.pending.store(0, Relaxed);
        self.claimed.store(0, Relaxed);
    }

    /// Every histogram with its name: (what, stage or cause, size class or None, histogram).
    /// `what` is "tx" or "rx" (a Table 8 stage), "irq" (Table 10: hard IRQ + poll, per cause)
    /// or "hardirq" (the hard IRQ handler alone, per cause).
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        per_class("tx", &TX_STAGES, &self.tx)
            .chain(per_class("rx", &RX_STAGES, &self.rx))
            .chain(per_class("irq", &CAUSES, &self.irq))
            .chain(
                CAUSES
                    .iter()
                    .zip(&self.hard_irq)
                    .map(|(c, h)| ("hardirq", *c, None, h)),
            )
    }
}

/// A histogram and its name: what, stage or cause, size class (see [`StageStats::rows`]).
pub type Row<'a> = (&'static str, &'static str, Option<u32>, &'a Hist);

fn per_class<'a>(
    what: &'static str,
    names: &'static [&'static str],
    h: &'a [[Hist; NCLASS]],
) -> impl Iterator<Item = Row<'a>> {
    names.iter().zip(h).flat_map(move |(name, row)| {
        CLASSES
            .iter()
            .zip(row)
            .map(move |(c, h)| (what, *name, Some(*c), h))
    })
}

/// The text of `/sys/kernel/debug/ne2k_rs/<device>/stage_stats`: a header, then a line per
/// histogram that counted something: `what stage class count mean p5 p50 p95` (cycles of the
/// stage clock; class "-" when the row has none).
impl fmt::Display for StageStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "# cycles of the stage clock (TSC); p5/p50/p95: middle of a log2/8 bucket (within 6.25%)"
        )?;
        writeln!(f, "# what stage class count mean p5 p50 p95")?;
        for (what, stage, class, h) in self.rows() {
            let s = h.summary();
            if s.count == 0 {
                continue;
            }
            write!(f, "{what} {stage} ")?;
            match class {
                Some(c) => write!(f, "{c}")?,
                None => write!(f, "-")?,
            }
            writeln!(f, " {} {} {} {} {}", s.count, s.mean(), s.p5, s.p50, s.p95)?;
        }
        Ok(())
    }
}
