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
//! DP8390 (NE2000) chip logic, generic over a [`RegisterBus`].
//!
//! No `kernel::` types here: the module drives it over port I/O, and `cargo test` drives it
//! against a software DP8390 model (`tests/host/`). Register sequences follow the National
//! Semiconductor DP8390D datasheet and the C `lib8390`/`ne2k-pci` drivers.

use crate::hw::reg::{ByteIo, On, Page0, Page1, Readable, Writable, Write};
use crate::hw::regs::{self, p0, p1, Cr, Dcr, Dma, Isr, Rcr, Rsr, Tcr, Tsr, CR, RESET};
use crate::hw::RegisterBus;
use core::mem::MaybeUninit;

/// Per-chip quirks, as in the C driver's `pci_clone_list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipFlags(pub u32);

impl ChipFlags {
    pub const NONE: Self = Self(0);
    /// Chip only does 16-bit data-port transfers.
    pub const ONLY_16BIT_IO: Self = Self(8);
    /// Chip only does 32-bit data-port transfers.
    pub const ONLY_32BIT_IO: Self = Self(4);
    pub const REALTEK_FDX: Self = Self(0x40);
    pub const HOLTEK_FDX: Self = Self(0x80);
    /// The packet RAM ends at page 0x60 (Holtek HT80229).
    pub const STOP_PG_0X60: Self = Self(0x100);

    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

/// One entry of the PCI ID table: what the C driver calls a `pci_clone_list` entry.
#[derive(Clone, Copy, Debug)]
pub struct ChipInfo {
    pub name: &'static str,
    pub flags: ChipFlags,
}

/// The NE2000-PCI clones, in the C driver's order (`enum ne2k_pci_chipsets`), with their
/// vendor/device IDs.
pub const PCI_CHIPS: [(u16, u16, ChipInfo); 11] = {
    const fn c(name: &'static str, flags: ChipFlags) -> ChipInfo {
        ChipInfo { name, flags }
    }
    [
        (
            0x10ec,
            0x8029,
            c("RealTek RTL-8029(AS)", ChipFlags::REALTEK_FDX),
        ),
        (0x1050, 0x0940, c("Winbond 89C940", ChipFlags::NONE)),
        (0x11f6, 0x1401, c("Compex RL2000", ChipFlags::NONE)),
        (0x8e2e, 0x3000, c("KTI ET32P2", ChipFlags::NONE)),
        (0x4a14, 0x5000, c("NetVin NV5000SC", ChipFlags::NONE)),
        (0x1106, 0x0926, c("Via 86C926", ChipFlags::ONLY_16BIT_IO)),
        (0x10bd, 0x0e34, c("SureCom NE34", ChipFlags::NONE)),
        (0x1050, 0x5a5a, c("Winbond W89C940F", ChipFlags::NONE)),
        (
            0x12c3,
            0x0058,
            c(
                "Holtek HT80232",
                ChipFlags::ONLY_16BIT_IO.union(ChipFlags::HOLTEK_FDX),
            ),
        ),
        (
            0x12c3,
            0x5598,
            c(
                "Holtek HT80229",
                ChipFlags::ONLY_32BIT_IO
                    .union(ChipFlags::HOLTEK_FDX)
                    .union(ChipFlags::STOP_PG_0X60),
            ),
        ),
        (
            0x8c4a,
            0x1980,
            c("Winbond W89C940(misprogrammed)", ChipFlags::NONE),
        ),
    ]
};

/// Why talking to the chip failed. Each maps to an errno in the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChipError {
    /// Reads return all-ones, or the 8390 self-check failed: nothing 8390-like answers here.
    NotAn8390,
    /// The reset never set ISR.RST.
    ResetTimeout,
    /// The station-address PROM holds no valid unicast Ethernet address.
    BadStationAddress,
    /// The packet RAM failed a write/read-back test.
    MemoryTest,
}

impl core::fmt::Display for ChipError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::NotAn8390 => "no DP8390 responds at this I/O address",
            Self::ResetTimeout => "card failure: no reset acknowledge (ISR.RST never set)",
            Self::BadStationAddress => "station address PROM holds no valid unicast MAC",
            Self::MemoryTest => "packet RAM failed the write/read-back test",
        })
    }
}

/// What the station-address PROM says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prom {
    pub mac: [u8; 6],
    /// By-the-spec NE2000 clones have 0x57 0x57 at PROM bytes 14/15; many PCI clones do not.
    pub ne2000_signature: bool,
}

/// True for an address the kernel's `is_valid_ether_addr()` accepts: not multicast/broadcast,
/// not all zeros.
pub fn is_valid_ether_addr(mac: &[u8; 6]) -> bool {
    mac[0] & 1 == 0 && mac.iter().any(|&b| b != 0)
}

/// Parses the 16 PROM entries read in word mode (one 16-bit word per PROM byte, the byte in the
/// low half: true of real word-wide NE2000 clones and of QEMU's model, which stores each PROM
/// byte twice).
pub fn parse_prom(words: &[u16; regs::PROM_WORDS]) -> Result<Prom, ChipError> {
    let mut b = [0u8; regs::PROM_WORDS];
    for (d, w) in b.iter_mut().zip(words) {
        *d = (*w & 0xff) as u8;
    }
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&b[..6]);
    if !is_valid_ether_addr(&mac) {
        return Err(ChipError::BadStationAddress);
    }
    Ok(Prom {
        mac,
        ne2000_signature: b[14] == 0x57 && b[15] == 0x57,
    })
}

/// Bound on the reset-acknowledge poll: 2000 x 10 us = 20 ms (the C driver allows 2 jiffies).
const RESET_POLL_STEPS: u32 = 2000;
const RESET_POLL_US: u32 = 10;
/// Bound on the overrun recovery's wait for a transmit in progress to end (a 1518-byte frame
/// takes 1.23 ms at 10 Mbit/s, with preamble and gap).
pub const OVERRUN_TX_WAIT_US: u32 = 2000;
/// Bound on waiting for remote-DMA completion (ISR.RDC) after a transfer: polls, no delay.
/// The C driver waits up to 2 jiffies; a transfer of at most 1536 bytes completes with the last
/// data-port access on every chip we know of, so this is a safety net, not a wait.
const RDC_POLL_STEPS: u32 = 10_000;

/// Two transmit slots of 6 pages (1536 bytes) each, as in lib8390 (`TX_PAGES = 12`).
pub const TX_SLOTS: usize = 2;
pub const TX_SLOT_PAGES: u8 = 6;
/// Frames shorter than this are zero-padded before transmission (ETH_ZLEN).
pub const ETH_ZLEN: usize = 60;
/// Largest frame the driver takes off the ring, counted as the DP8390 counts it: a full-size
/// 802.1Q frame (ETH_FRAME_LEN + VLAN_HLEN = 1518) and the 4-byte frame check sequence, which
/// the chip's byte count includes (its datasheet; QEMU's and Bochs' cards leave it out). lib8390
/// takes 1518 with it, so a real card's full-size VLAN frame is a length error there. The FCS,
/// when counted, stays in the buffer (lib8390 leaves it too: the driver cannot tell a card that
/// counts it from one that does not); the stack trims it.
pub const MAX_FRAME: usize = 1518 + 4;
/// Largest frame handed to `xmit`, without CRC: a full-size 802.1Q-tagged frame
/// (ETH_FRAME_LEN + VLAN_HLEN = 1518). A TX slot holds 1536 bytes; the C driver sends whatever
/// the stack gives it.
pub const MAX_TX_FRAME: usize = 1518;
/// Frames the overrun recovery takes off the ring while the chip is in loopback (lib8390's
/// `ei_receive` stops after 10 as well); the poll's budget bounds it further.
pub const OVERRUN_RX_MAX: usize = 10;

/// Why [`Dp8390::xmit`] refused a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XmitError {
    /// Both TX slots are loaded: the caller should have stopped its queue.
    Full,
    /// Empty or longer than [`MAX_TX_FRAME`]: counted as a TX error, the frame is dropped.
    BadLength,
}

/// Packet-buffer layout, in 256-byte pages: TX slots at `tx_start`, the RX ring from
/// `rx_start` up to (not including) `stop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ring {
    pub tx_start: u8,
    pub rx_start: u8,
    pub stop: u8,
}

impl Ring {
    /// The layout for packet RAM that starts at page 0x40 and ends before `stop`.
    pub const fn for_stop_page(stop: u8) -> Self {
        Ring {
            tx_start: 0x40,
            rx_start: 0x40 + TX_SLOTS as u8 * TX_SLOT_PAGES,
            stop,
        }
    }
    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn rx_pages(&self) -> u8 {
        self.stop - self.rx_start
    }
    /// Whether `page` is a page of the receive ring.
    #[inline(always)]
    pub fn in_rx(&self, page: u8) -> bool {
        page >= self.rx_start && page < self.stop
    }
    #[inline]
    pub fn tx_page(&self, slot: usize) -> u8 {
        // `slot` < TX_SLOTS: the slots lie below `rx_start`, so this stays in the page range.
        self.tx_start
            .wrapping_add((slot as u8).wrapping_mul(TX_SLOT_PAGES))
    }
}

/// Receive filter: RCR bits and the 64-bit multicast hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxMode {
    pub rcr: Rcr,
    pub mar: [u8; 8],
}

impl RxMode {
    /// The filter for the interface flags and multicast list, as lib8390's
    /// `do_set_multicast_list`: broadcast always; promiscuous takes everything; allmulti (or a
    /// list the hash cannot express) opens the whole hash; otherwise the hash of the list.
    pub fn compute<'a>(
        promisc: bool,
        allmulti: bool,
        mc: impl Iterator<Item = &'a [u8; 6]>,
    ) -> Self {
        let mut mar = [0u8; 8];
        let mut any = false;
        if promisc || allmulti {
            mar = [0xff; 8];
            any = true;
        } else {
            for a in mc {
                let bit = mc_hash_bit(a);
                mar[(bit >> 3) as usize] |= 1 << (bit & 7);
                any = true;
            }
        }
        let mut rcr = Rcr::AB;
        if any {
            rcr |= Rcr::AM;
        }
        if promisc {
            rcr |= Rcr::PRO | Rcr::AM;
        }
        RxMode { rcr, mar }
    }
}

impl RxMode {
    /// The same filter, promiscuous (what `compute` gives with `promisc` set).
    pub fn promiscuous(self) -> Self {
        RxMode {
            rcr: self.rcr | Rcr::PRO | Rcr::AM,
            mar: [0xff; 8],
        }
    }
}

/// Ethernet CRC-32 (big-endian bit order, the kernel's `ether_crc()`), of `data`.
pub fn ether_crc(data: &[u8]) -> u32 {
    let mut crc: u32 = 0xffff_ffff;
    for &byte in data {
        let mut b = byte;
        for _ in 0..8 {
            let top = (crc >> 31) as u8 & 1;
            crc <<= 1;
            if top ^ (b & 1) != 0 {
                crc ^= 0x04c1_1db7;
            }
            b >>= 1;
        }
    }
    crc
}

/// Index (0..64) of the multicast-hash bit for `addr`: the top 6 bits of its Ethernet CRC.
pub fn mc_hash_bit(addr: &[u8; 6]) -> u8 {
    (ether_crc(addr) >> 26) as u8
}

/// Counters kept by the chip logic (read by get_stats64 and `ethtool -S`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub rx_errors: u64,
    pub rx_length_errors: u64,
    pub rx_fifo_errors: u64,
    pub rx_crc_errors: u64,
    pub rx_frame_errors: u64,
    pub rx_missed_errors: u64,
    pub rx_over_errors: u64,
    pub rx_dropped: u64,
    pub multicast: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub tx_errors: u64,
    /// Frames dropped before reaching the chip (no linear data, device stopped).
    pub tx_dropped: u64,
    pub tx_aborted_errors: u64,
    pub tx_carrier_errors: u64,
    pub tx_fifo_errors: u64,
    pub tx_heartbeat_errors: u64,
    pub tx_window_errors: u64,
    pub collisions: u64,
    /// Driver-specific (ethtool -S).
    pub rx_bad_headers: u64,
    pub rx_ring_resets: u64,
    pub rx_overruns: u64,
    pub tx_timeouts: u64,
    pub tx_padded: u64,
    pub rdc_timeouts: u64,
    /// Port accesses made (each register access, each data-port word).
    pub port_accesses: u64,
}

/// Adds `n` to a statistics counter. Counters wrap, as the C driver's do: a checked add (the
/// kernel builds Rust with overflow checks) would cost a compare and a branch on every frame for
/// an overflow no `u64` counter reaches.
#[inline(always)]
fn count(c: &mut u64, n: u64) {
    *c = c.wrapping_add(n);
}

/// One frame found on the receive ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxFrame {
    /// Page its 4-byte header starts at.
    pub page: u8,
    /// Receive status (RSR at reception).
    pub status: Rsr,
    /// Page of the frame after it.
    pub next: u8,
    /// Frame length (the header's count minus the header).
    pub len: usize,
}

impl RxFrame {
    /// Received intact (the C driver's `(status & 0x0f) == ENRSR_RXOK`) and of a length a
    /// frame can have (60..=1518). A frame outside that range with a consistent header (a runt
    /// stored by a clone or an emulator that does not pad, an oversize frame) is skipped and
    /// counted as a length error, like lib8390 does; only an inconsistent header resets the ring.
    #[inline]
    pub fn ok(&self) -> bool {
        self.status.received_ok() && self.len_ok()
    }

    /// Length within 60..=[`MAX_FRAME`] (1518 and the FCS).
    #[inline]
    pub fn len_ok(&self) -> bool {
        (60..=MAX_FRAME).contains(&self.len)
    }
}

/// A receive buffer the stack gave us (an skb of the frame's length), for
/// [`Dp8390::rx_take`] to copy a frame into.
pub trait RxBuf {
    /// The frame's bytes, to fill, and the buffer's room after them if it has any (the
    /// kernel's have `netdev::RX_SLACK` bytes, so that the copy by 32-bit words writes the
    /// last one whole). They may be uninitialised (an skb's fresh data area: no memset before
    /// the copy); the chip writes every byte of the frame, and nothing but initialised bytes,
    /// before [`Dp8390::rx_take`] returns it. What it writes past the frame is not the frame's.
    fn bytes_mut(&mut self) -> &mut [MaybeUninit<u8>];
}

/// Where [`Dp8390::rx_take`] is, for a caller that times the receive stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxMark {
    /// The header was read and is plausible.
    Header,
    /// The buffer was asked for (a good frame only).
    Buffer,
    /// The body was copied into it.
    Body,
}

/// What [`Dp8390::rx_take`] did.
pub enum RxTake<T> {
    /// Nothing between the boundary and the chip's current page.
    Empty,
    /// A header that cannot be right: the ring was reset to CURR (what it held is dropped).
    Reset,
    /// A frame taken off the ring and not delivered (counted): a receive error, no buffer, or
    /// a buffer shorter than the frame.
    Skipped(#[cfg_attr(MODULE, expect(dead_code, reason = "for the host tests"))] RxFrame),
    /// A frame, copied into its buffer and counted.
    Frame(T, RxFrame),
}

/// A transmit completion [`Dp8390::tx_reap`] took: the slot of the frame that was on the wire
/// is free again (the queue can be woken).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxDone {
    /// The bytes the slot held (what [`Dp8390::xmit`] returned for the frame): sent or not,
    /// they have left the card (byte queue limits count them as completed).
    pub bytes: u32,
    /// The frame is in byte queue limits ([`Dp8390::tx_queue_last`]): its completion goes
    /// there. False for an XDP frame and for one completed inside the `start_xmit` that loaded
    /// it (never in flight, never counted).
    pub queued: bool,
    /// The frame was timed: its stages are [`Dp8390::tx_stages`] until the next timed
    /// completion.
    pub timed: bool,
}

/// The chip, as the driver sees it through a register bus.
pub struct Dp8390<B: RegisterBus> {
    bus: B,
    flags: ChipFlags,
    ring: Ring,
    mac: [u8; 6],
    rx_mode: RxMode,
    /// Whether the chip was started (open) and its interrupts may be unmasked.
    running: bool,
    /// Interrupts masked by [`Self::irq_take`] until [`Self::irq_unmask`] (a poll is running).
    masked: bool,
    /// The card reads all-ones ([`Self::vanished`]): removed, or powered down under us. Set
    /// with `running` cleared, so that nothing touches it again; until the next start.
    gone: bool,
    /// [`Self::gone`] was set and nobody has been told yet ([`Self::take_gone_news`]).
    gone_news: bool,
    /// The last command written was [`Cr::START`] (page 0, no remote DMA, running): a remote
    /// DMA set up now needs no CR write first (lib8390 writes it before every transfer, to end
    /// any remote DMA and select page 0; the lock's page rule has done both already).
    idle_cr: bool,
    /// The driver's side of the receive ring.
    rx: RxState,
    /// The two transmit slots.
    tx: TxState,
    pub stats: Stats,
}

/// The driver's side of the receive ring.
#[derive(Default)]
struct RxState {
    /// Page of the next frame to take off the ring (the C driver's `current_page`).
    next: u8,
    /// The chip's current page as last read (CURR costs three port accesses: a page switch
    /// and back), so a drain reads it once per batch, not per frame. Forgotten by
    /// [`Dp8390::init`]: after a re-initialisation the ring starts over.
    curr_seen: Option<u8>,
}

/// The two transmit slots: what each holds, which one is on the wire, and the stage
/// timestamps of their frames.
#[derive(Default)]
struct TxState {
    /// Frame length loaded in each TX slot (0: free).
    len: [u16; TX_SLOTS],
    /// Whether the frame in each slot is in byte queue limits: a frame of the stack's queue
    /// still in flight when `start_xmit` returned ([`Dp8390::tx_queue_last`]); not a frame the
    /// card completed before that, nor an XDP frame (`XDP_TX`, `ndo_xdp_xmit`).
    queued: [bool; TX_SLOTS],
    /// The slot the last frame was loaded into.
    last: usize,
    /// Slot whose frame is on the wire.
    on_wire: Option<usize>,
    /// Stage timestamps of the frame in each TX slot (all zero when not timed).
    times: [TxTimes; TX_SLOTS],
    /// Sequence number of the next timed frame.
    seq: u32,
    /// The stages of the last timed frame completed ([`Dp8390::tx_stages`]).
    stages: TxStages,
}

/// Stage timestamps of one frame in a TX slot (cycles from [`RegisterBus::cycles`]).
#[derive(Clone, Copy, Debug, Default)]
struct TxTimes {
    timed: bool,
    seq: u32,
    /// `start_xmit` entry.
    t_enter: u64,
    /// Driver cycles so far: entry to copy start, plus copy end to trigger (or to xmit return
    /// when the frame must wait for the transmitter).
    driver: u64,
    /// The remote-DMA write.
    dma: u64,
    /// xmit returned with the frame waiting for the other slot (0 if triggered at once).
    t_ready: u64,
    /// The TRANS command was written.
    t_trig: u64,
}

/// The stages of one transmitted frame (see the `ne2k_rs_tx` tracepoint):
/// `total = driver + dma + queued + nic`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxStages {
    pub seq: u32,
    pub len: u32,
    /// start_xmit entry -> copy start, copy end -> send triggered, and the completion work
    /// (TSR, counters, slot release, starting the next slot).
    pub driver: u64,
    /// The remote-DMA write of the frame into card memory.
    pub dma: u64,
    /// Waiting for the transmitter (the other slot was on the wire).
    pub queued: u64,
    /// Send triggered -> transmit-complete seen by the driver (the card, the interrupt, and
    /// the scheduling of the poll).
    pub nic: u64,
    pub total: u64,
}

impl<B: RegisterBus> Dp8390<B> {
    pub fn new(bus: B, flags: ChipFlags) -> Self {
        Self {
            bus,
            flags,
            ring: Ring::for_stop_page(0x80),
            mac: [0; 6],
            rx_mode: RxMode::default(),
            running: false,
            masked: false,
            gone: false,
            gone_news: false,
            idle_cr: false,
            rx: RxState::default(),
            tx: TxState::default(),
            stats: Stats::default(),
        }
    }

    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn flags(&self) -> ChipFlags {
        self.flags
    }

    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn bus(&mut self) -> &mut B {
        &mut self.bus
    }

    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn bus_ref(&self) -> &B {
        &self.bus
    }

    pub fn ring(&self) -> Ring {
        self.ring
    }

    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn mac(&self) -> [u8; 6] {
        self.mac
    }
}

/// The typed registers' backend for the chip logic: the bus, each access counted (host build).
impl<B: RegisterBus> ByteIo for Dp8390<B> {
    #[inline(always)]
    fn read_byte(&mut self, offset: u8) -> u8 {
        self.count_accesses(1);
        self.bus.read8(offset)
    }
    #[inline(always)]
    fn write_byte(&mut self, offset: u8, val: u8) {
        self.count_accesses(1);
        self.bus.write8(offset, val)
    }
}

impl<B: RegisterBus> Dp8390<B> {
    // ---- register access: typed, page 0 (see `with_page1` for page 1) ----
    #[inline(always)]
    fn rd<R: Readable<Page0>>(&mut self, reg: R) -> R::Value {
        On::page0(self).read(reg)
    }
    #[inline(always)]
    fn wr<R: Writable<Page0>>(&mut self, reg: R, v: R::Value) {
        On::page0(self).write(reg, v)
    }

    /// Counts `n` port accesses in [`Stats::port_accesses`]: in the host build only, where
    /// the tests hold each operation to its access budget. The module leaves it out (an
    /// instruction per access); the lab counts the card's accesses from outside, in QEMU and
    /// in Bochs' card log.
    #[inline(always)]
    fn count_accesses(&mut self, n: usize) {
        #[cfg(not(MODULE))]
        count(&mut self.stats.port_accesses, n as u64);
        #[cfg(MODULE)]
        let _ = n;
    }

    /// Writes the command register.
    #[inline(always)]
    fn wr_cr(&mut self, cr: Cr) {
        self.idle_cr = cr == Cr::START;
        self.wr(CR, cr);
    }

    /// Writes the command register with a value read back from it (the probe's restore): the
    /// chip's state is not known to be [`Cr::START`] afterwards, nor its page to be 0.
    fn wr_cmd_raw(&mut self, v: Cr) {
        self.idle_cr = false;
        self.wr(CR, v);
    }

    /// Selects register page 1 (no remote DMA, the NIC's run state kept), runs `f`, and selects
    /// page 0 again. The datapath's lock rule is that every hold of the chip ends on page 0 (a
    /// later holder writes page-0 registers without selecting the page); page 1 is reached
    /// only through here (and in [`Self::detect`], before the chip is anyone's), so the rule
    /// holds by construction.
    /// The page is in the types: `f` reaches page-1 registers only, and no page-1 register
    /// is reachable outside (see [`crate::hw::reg`]).
    #[inline]
    fn with_page1<R>(&mut self, f: impl FnOnce(&mut On<'_, Self, Page1>) -> R) -> R {
        let run = Cr::run(self.running);
        // (As `wr_cr` would for the page-1 command, and then for `run`.)
        self.idle_cr = false;
        let r = On::page0(self).with_page::<Page1, _, _>(run, run, f);
        self.idle_cr = run == Cr::START;
        r
    }

    /// Bytes the data port moves per access on this chip.
    #[inline]
    fn io_width(&self) -> usize {
        if self.flags.contains(ChipFlags::ONLY_16BIT_IO) {
            2
        } else {
            4
        }
    }

    /// Reads `dst` from the data port with the chip's access width and returns it, written;
    /// `dst.len()` must be a multiple of the width. `dst` may be uninitialised.
    #[inline(always)]
    fn data_in<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8] {
        if self.io_width() == 4 {
            self.count_accesses(dst.len() / 4);
            self.bus.data_in32(dst)
        } else {
            self.count_accesses(dst.len() / 2);
            self.bus.data_in16(dst)
        }
    }

    /// Reads `dst` (any length) from a running remote read, writing every byte of it: whole
    /// words straight into `dst`, a tail shorter than a word through a small bounce buffer, so
    /// nothing is written past it. `dst` may be uninitialised (a receive buffer).
    #[inline]
    fn data_in_any(&mut self, dst: &mut [MaybeUninit<u8>]) {
        let w = self.io_width();
        let (body, rest) = dst.split_at_mut(dst.len() / w * w);
        self.data_in(body);
        if !rest.is_empty() {
            let mut tail = [MaybeUninit::uninit(); 4];
            let tail = self.data_in(&mut tail[..w]);
            // (a loop, not `write_copy_of_slice`: that is Rust 1.93's, and the module also builds
            // with 1.85, Debian 13's kernel's rustc; at most three bytes)
            for (d, s) in rest.iter_mut().zip(tail.iter()) {
                d.write(*s);
            }
        }
    }

    #[inline(always)]
    fn data_out(&mut self, src: &[u8]) {
        if self.io_width() == 4 {
            self.count_accesses(src.len() / 4);
            self.bus.data_out32(src);
        } else {
            self.count_accesses(src.len() / 2);
            self.bus.data_out16(src);
        }
    }

    /// Preliminary check that an 8390 sits at this address (as the C driver does before touching
    /// anything else): the command register must not float high, and reading a tally counter
    /// (CNTR0, page 0) must clear it. Restores what it changed if the check fails.
    pub fn detect(&mut self) -> Result<(), ChipError> {
        let reg0 = self.rd(CR);
        if reg0.bits() == 0xff {
            return Err(ChipError::NotAn8390);
        }
        // MAR5 on page 1 and CNTR0 on page 0 share offset 0x0d (as in ne2k-pci's probe): page
        // 1 stopped, then page 0 with the run state left as it is.
        self.idle_cr = false;
        let regd = On::page0(self).with_page::<Page1, _, _>(Cr::STOP, Cr::PAGE0_ONLY, |p1| {
            let regd = p1.read(p1::MAR5);
            p1.write(p1::MAR5, 0xff);
            regd
        });
        self.rd(p0::CNTR0); // reading clears the counter
        if self.rd(p0::CNTR0) != 0 {
            // Back to the command read at entry, and MAR5 on the page it selects, whatever
            // that is (ne2k-pci's restore): a raw write, the page untracked.
            self.wr_cmd_raw(reg0);
            self.write_byte(p1::MAR5::OFFSET, regd);
            return Err(ChipError::NotAn8390);
        }
        Ok(())
    }

    /// Hardware reset through the NE2000 reset port; waits (bounded) for ISR.RST, then acks all
    /// interrupt causes. Leaves the chip stopped with IMR as the reset left it (0).
    pub fn reset(&mut self) -> Result<(), ChipError> {
        // A reset stops the chip: CR is no longer what was last written.
        self.idle_cr = false;
        let v = self.rd(RESET);
        self.wr(RESET, v);
        let mut steps = 0;
        while !self.rd(p0::ISR).contains(Isr::RST) {
            steps += 1;
            if steps > RESET_POLL_STEPS {
                return Err(ChipError::ResetTimeout);
            }
            self.bus.delay_us(RESET_POLL_US);
        }
        self.wr(p0::ISR, Isr::EVERY);
        Ok(())
    }

    /// Stops the chip and masks every interrupt: the quiescent state for probe, close, unbind.
    pub fn quiesce(&mut self) {
        self.running = false;
        self.wr_cr(Cr::STOP);
        self.wr(p0::IMR, Isr::empty());
        self.wr(p0::ISR, Isr::EVERY);
    }

    /// Reads the 16-entry station-address PROM at packet-buffer address 0, with the
    /// initialisation sequence the C driver found necessary ("we can't reliably read the SAPROM
    /// address without this"): stopped, word-wide, receiver in monitor mode, transmitter in
    /// loopback, remote read of 32 bytes from 0.
    pub fn read_prom(&mut self) -> [u16; regs::PROM_WORDS] {
        On::page0(self).write_seq([
            Write::new(CR, Cr::STOP),
            Write::new(p0::DCR, Dcr::NE2000),
            Write::new(p0::RBCR0, 0),
            Write::new(p0::RBCR1, 0),
            Write::new(p0::IMR, Isr::empty()),
            Write::new(p0::ISR, Isr::EVERY),
            Write::new(p0::RCR, Rcr::MON),
            Write::new(p0::TCR, Tcr::LOOPBACK),
            Write::new(p0::RBCR0, (regs::PROM_WORDS * 2) as u8),
            Write::new(p0::RBCR1, 0),
            Write::new(p0::RSAR0, 0),
            Write::new(p0::RSAR1, 0),
            Write::new(CR, Cr::START.dma(Dma::Read)),
        ]);
        self.idle_cr = false;
        let mut raw = [MaybeUninit::uninit(); regs::PROM_WORDS * 2];
        let raw = if self.flags.contains(ChipFlags::ONLY_32BIT_IO) {
            self.count_accesses(raw.len() / 4);
            self.bus.data_in32(&mut raw)
        } else {
            self.count_accesses(raw.len() / 2);
            self.bus.data_in16(&mut raw)
        };
        self.wr(p0::ISR, Isr::RDC);
        let mut words = [0u16; regs::PROM_WORDS];
        for (i, w) in words.iter_mut().enumerate() {
            *w = u16::from_le_bytes([raw[2 * i], raw[2 * i + 1]]);
        }
        words
    }

    /// Sets up a remote-DMA transfer of `count` bytes at packet-buffer address `addr`.
    #[inline(always)]
    fn remote_dma(&mut self, addr: u16, count: usize, dir: Dma) {
        if !self.idle_cr {
            self.wr_cr(Cr::START);
        }
        self.wr(p0::RBCR0, count as u8);
        self.wr(p0::RBCR1, (count >> 8) as u8);
        self.wr(p0::RSAR0, addr as u8);
        self.wr(p0::RSAR1, (addr >> 8) as u8);
        self.wr_cr(Cr::START.dma(dir));
    }

    /// Waits (bounded, no delay) for remote-DMA complete, then acks it.
    #[inline(always)]
    fn finish_remote_dma(&mut self) {
        let mut n = 0;
        while !self.rd(p0::ISR).contains(Isr::RDC) {
            n += 1;
            if n > RDC_POLL_STEPS {
                count(&mut self.stats.rdc_timeouts, 1);
                break;
            }
        }
        self.wr(p0::ISR, Isr::RDC);
    }

    /// Remote-DMA read of `dst.len()` bytes from packet-buffer address `addr`, writing every
    /// byte of `dst` (which may be uninitialised). Whole words go straight into `dst`; a tail
    /// shorter than a word goes through a small bounce buffer, so nothing is written past it.
    pub fn block_input(&mut self, addr: u16, dst: &mut [MaybeUninit<u8>]) {
        let w = self.io_width();
        let count = dst.len().div_ceil(w) * w;
        self.remote_dma(addr, count, Dma::Read);
        self.data_in_any(dst);
        // A read ends when the count runs out; the RDC bit is acked without waiting for it.
        self.wr(p0::ISR, Isr::RDC);
    }

    /// Remote-DMA write of `src` to packet-buffer address `addr`, zero-padded to `pad_to` bytes
    /// (at most 64) and to the access width: whole words straight from `src`, then its tail
    /// shorter than a word with zeros after it; a frame shorter than `pad_to` goes out as one
    /// zero-padded block write (ei_start_xmit pads runts in a stack buffer the same way).
    #[inline(always)]
    pub fn block_output(&mut self, addr: u16, src: &[u8], pad_to: usize) {
        let w = self.io_width();
        let len = src.len();
        if len < pad_to {
            let mut buf = [0u8; 64];
            let count = pad_to.div_ceil(w) * w;
            buf[..len].copy_from_slice(src);
            self.remote_dma(addr, count, Dma::Write);
            self.data_out(&buf[..count]);
        } else {
            // Whole words, then the tail shorter than a word as 16-bit words (the last one
            // zero-padded), as ne2k_pci_block_output's outsl + outw; a chip that takes only
            // 32-bit accesses gets the tail in one zero-padded 32-bit word.
            let only32 = self.flags.contains(ChipFlags::ONLY_32BIT_IO);
            let (body, count) = if w == 2 {
                (len & !1, (len + 1) & !1)
            } else if only32 {
                (len & !3, (len + 3) & !3)
            } else {
                (len & !3, (len + 1) & !1)
            };
            self.remote_dma(addr, count, Dma::Write);
            self.data_out(&src[..body]);
            if body != len {
                self.data_out_tail(&src[body..], only32);
            }
        }
        self.finish_remote_dma();
    }

    /// Writes the one to three bytes `rest` after a block write's whole words: one 16-bit word
    /// per pair, and the odd byte in a word of its own with a zero; or (`only32`) all of them
    /// in one zero-padded 32-bit word.
    #[inline(always)]
    fn data_out_tail(&mut self, rest: &[u8], only32: bool) {
        if only32 {
            let at = |i: usize| rest.get(i).copied().unwrap_or(0);
            self.count_accesses(1);
            self.bus.data_out32(&[at(0), at(1), at(2), 0]);
            return;
        }
        let (pair, odd) = rest.split_at(rest.len() & !1);
        if !pair.is_empty() {
            self.count_accesses(1);
            self.bus.data_out16(pair);
        }
        if let [b] = odd {
            self.count_accesses(1);
            self.bus.data_out16(&[*b, 0]);
        }
    }

    /// Finds how much packet RAM the card has: 32 KiB (pages 0x40..0xC0, QEMU's model) or 16 KiB
    /// (0x40..0x80, a real NE2000/RTL8029). Writes a distinct pattern at the first page, at the
    /// last page of 16 KiB and at the last page of 32 KiB, and reads them back: a page that
    /// aliases or does not exist fails. Returns the stop page, or `None` if even 16 KiB fails.
    pub fn memory_test(&mut self) -> Option<u8> {
        const PAT: usize = 32;
        let pattern = |seed: u8| -> [u8; PAT] {
            let mut p = [0u8; PAT];
            for (i, b) in p.iter_mut().enumerate() {
                *b = seed.wrapping_mul(31).wrapping_add(i as u8).wrapping_mul(7) ^ 0xa5;
            }
            p
        };
        // Remote DMA must not wrap during the test: no ring is configured yet.
        self.wr_cr(Cr::STOP);
        self.wr(p0::DCR, Dcr::NE2000);
        self.wr(p0::PSTART, 0);
        self.wr(p0::PSTOP, 0);
        let pages: [u8; 3] = [0x40, 0x7f, 0xbf];
        for (i, &pg) in pages.iter().enumerate() {
            self.block_output(u16::from(pg) << 8, &pattern(i as u8 + 1), 0);
        }
        let mut ok = [false; 3];
        for (i, &pg) in pages.iter().enumerate() {
            // PAT is a whole number of words: one remote read straight into `buf`.
            let mut buf = [MaybeUninit::uninit(); PAT];
            self.remote_dma(u16::from(pg) << 8, PAT, Dma::Read);
            ok[i] = *self.data_in(&mut buf) == pattern(i as u8 + 1);
            self.wr(p0::ISR, Isr::RDC);
        }
        self.wr_cr(Cr::STOP);
        let cap = if self.flags.contains(ChipFlags::STOP_PG_0X60) {
            0x60
        } else {
            0xc0
        };
        let stop = match ok {
            [true, true, true] => 0xc0,
            [true, true, false] => 0x80,
            _ => return None,
        };
        Some(stop.min(cap))
    }

    /// Probe-time bring-up: detect, reset, read and validate the PROM, size the packet RAM,
    /// leave the chip quiesced.
    pub fn probe(&mut self) -> Result<Prom, ChipError> {
        self.detect()?;
        self.reset()?;
        let words = self.read_prom();
        let prom = parse_prom(&words);
        let stop = self.memory_test();
        self.quiesce();
        let prom = prom?;
        self.ring = Ring::for_stop_page(stop.ok_or(ChipError::MemoryTest)?);
        self.mac = prom.mac;
        Ok(prom)
    }

    /// Programs the chip in the NatSemi order (lib8390's `__NS8390_init`): stopped, word-wide,
    /// receiver in monitor mode and transmitter in loopback while the ring, station address and
    /// multicast hash are set; then, if `start`, acks and unmasks interrupts, starts, and
    /// enables the transmitter and receiver.
    pub fn init(&mut self, start: bool) {
        let r = self.ring;
        self.wr_cr(Cr::STOP);
        self.wr(p0::DCR, Dcr::NE2000);
        self.wr(p0::RBCR0, 0);
        self.wr(p0::RBCR1, 0);
        self.wr(p0::RCR, Rcr::MON);
        self.wr(p0::TCR, Tcr::LOOPBACK);
        self.wr(p0::TPSR, r.tx_start);
        self.wr(p0::PSTART, r.rx_start);
        self.wr(p0::BNRY, r.stop - 1);
        self.wr(p0::PSTOP, r.stop);
        self.wr(p0::ISR, Isr::EVERY);
        self.wr(p0::IMR, Isr::empty());
        self.running = false;
        let (mac, mar) = (self.mac, self.rx_mode.mar);
        self.with_page1(|p1| {
            p1.write_all(p1::PAR, mac);
            p1.write_all(p1::MAR, mar);
            p1.write(p1::CURR, r.rx_start);
        });
        self.rx.next = r.rx_start;
        self.rx.curr_seen = None;
        self.tx.len = [0; TX_SLOTS];
        self.tx.on_wire = None;
        self.tx.times = [TxTimes::default(); TX_SLOTS];
        self.running = false;
        self.masked = false;
        self.gone = false;
        if start {
            self.wr(p0::ISR, Isr::EVERY);
            self.wr(p0::IMR, Isr::ALL);
            self.wr_cr(Cr::START);
            self.wr(p0::TCR, Tcr::NORMAL);
            self.wr(p0::RCR, self.rx_mode.rcr);
            self.running = true;
        }
    }

    #[inline]
    pub fn running(&self) -> bool {
        self.running
    }

    /// Whether the card was found gone: it read all-ones where no DP8390 can (ISR and CR both
    /// 0xff). A removed card, or one left powered down, reads so on PCI.
    #[inline]
    pub fn gone(&self) -> bool {
        self.gone
    }

    /// Whether the card was found gone since the last call (then the caller reports it once:
    /// no carrier, a message).
    #[inline]
    pub fn take_gone_news(&mut self) -> bool {
        core::mem::take(&mut self.gone_news)
    }

    /// ISR, or nothing pending if it reads all-ones and the card is gone ([`Self::vanished`]).
    #[inline(always)]
    fn isr_present(&mut self) -> Isr {
        let raw = self.rd(p0::ISR);
        if raw.bits() == 0xff && self.vanished() {
            return Isr::empty();
        }
        raw
    }

    /// A register read all-ones (ISR: every cause, reset and remote DMA at once): the card is
    /// gone if CR reads so too, which a present DP8390 cannot (STA and STP both set, remote
    /// DMA 7). Then it is left alone: not running, so that every path skips it, no busy-wait,
    /// no interrupt claimed. Returns whether it is gone.
    #[cold]
    #[inline(never)]
    fn vanished(&mut self) -> bool {
        if self.rd(CR).bits() != 0xff {
            return false;
        }
        self.gone = true;
        self.gone_news = true;
        self.running = false;
        self.masked = false;
        true
    }

    /// The bus's cycle counter (for the driver's own stage timestamps).
    #[inline(always)]
    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn cycles(&mut self) -> u64 {
        self.bus.cycles()
    }

    /// Sets the station address (takes effect in PAR at once if the chip is initialised).
    pub fn set_mac(&mut self, mac: [u8; 6]) {
        self.mac = mac;
        self.with_page1(|p1| p1.write_all(p1::PAR, mac));
    }

    /// Applies a receive filter (RCR + multicast hash).
    pub fn set_rx_mode(&mut self, mode: RxMode) {
        self.rx_mode = mode;
        self.with_page1(|p1| p1.write_all(p1::MAR, mode.mar));
        if self.running {
            self.wr(p0::RCR, mode.rcr);
        }
    }

    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn rx_mode(&self) -> RxMode {
        self.rx_mode
    }

    // ---- interrupts ----

    /// Hard-IRQ half: if an unmasked cause is pending, masks the chip and returns the causes
    /// (the poll acks and handles them); `None` if the interrupt is not ours: the chip is
    /// stopped, already masked (a poll is due or running: it cannot be asserting the line), or
    /// has no unmasked cause. Two port accesses: with IMR at 0 the chip drops its
    /// (level-triggered) line, so the ack can wait for the poll.
    #[inline]
    pub fn irq_take(&mut self) -> Option<Isr> {
        if !self.running || self.masked {
            return None;
        }
        let status = self.isr_present() & Isr::ALL;
        if status.is_empty() {
            return None;
        }
        self.wr(p0::IMR, Isr::empty());
        self.masked = true;
        Some(status)
    }

    /// Reads and acks the receive-side causes (PRX, RXE, CNT): the poll's snapshot of what
    /// to handle. The transmit causes are left for [`Self::tx_reap`] (their ack completes a
    /// frame) and OVW for [`Self::rx_overrun_finish`] (the datasheet clears it only after the
    /// ring has room again).
    ///
    /// The value returned also serves [`Self::tx_reap_isr`] in the same lock hold, so that a
    /// poll reads ISR once for both halves.
    #[inline]
    pub fn isr_take(&mut self) -> Isr {
        let status = self.isr_present() & Isr::ALL;
        let ack = status & (Isr::PRX | Isr::RXE | Isr::CNT);
        if !ack.is_empty() {
            self.wr(p0::ISR, ack);
            if ack.intersects(Isr::PRX | Isr::RXE) {
                // Frames stored before this ack are found by a CURR read after it.
                self.rx.curr_seen = None;
            }
        }
        status
    }

    /// Masks the chip's interrupts for a transmit under the lock, as lib8390's `ei_start_xmit`
    /// writes IMR 0 around its copy: a cause that came meanwhile would raise the line while the
    /// lock is held, and the hard IRQ would have to defer it (mask the line, the release take
    /// it). Returns whether it masked: not if a poll already has the chip masked, or the chip
    /// is stopped. End it with [`Self::xmit_unmask`] (or [`Self::irq_unmask`]).
    #[inline]
    pub fn xmit_mask(&mut self) -> bool {
        if !self.running || self.masked {
            return false;
        }
        self.wr(p0::IMR, Isr::empty());
        self.masked = true;
        true
    }

    /// Ends [`Self::xmit_mask`], given `isr`, the status the transmit read (before it acked
    /// its transmit bits): if an unmasked cause other than a transmit completion (which the
    /// transmit took) is pending, the chip stays masked as [`Self::irq_take`] leaves it and
    /// the caller schedules the poll: true, the transmit took the interrupt. Else the mask is
    /// restored (with any change the transmit made to it).
    #[inline]
    pub fn xmit_unmask(&mut self, isr: Isr) -> bool {
        if isr.intersects(Isr::ALL - (Isr::PTX | Isr::TXE)) {
            return true;
        }
        self.irq_unmask();
        false
    }

    /// Masks the chip again after a poll unmasked it and NAPI did not complete (busy polling,
    /// or `napi_defer_hard_irqs` with `gro_flush_timeout`: the core polls again later and
    /// wants the device's interrupts off until then). Nothing if the chip is masked already (an
    /// interrupt came since and scheduled the poll) or stopped.
    #[inline]
    pub fn irq_remask(&mut self) {
        if self.running && !self.masked {
            self.wr(p0::IMR, Isr::empty());
            self.masked = true;
        }
    }

    /// The interrupt status register (a read; nothing acked).
    #[inline]
    pub fn isr(&mut self) -> Isr {
        // (All-ones here is not looked at: the poll this schedules, or the hard IRQ, finds a
        // card that is gone.)
        self.rd(p0::ISR)
    }

    /// Unmasks the chip's interrupts (end of a poll). A cause that is still pending raises the
    /// (level-triggered) line again at once.
    #[inline]
    pub fn irq_unmask(&mut self) {
        self.masked = false;
        if self.running {
            self.wr(p0::IMR, Isr::ALL);
        }
    }

    /// Takes a transmit completion if the chip has one (ISR.PTX / ISR.TXE): acks it, reads TSR,
    /// counts, frees the slot that was on the wire and starts the other one if it is loaded.
    ///
    /// The ISR ack is the single owner of a completion: whoever acks the transmit bits (this
    /// function, under the chip lock: `start_xmit` right after loading a frame, or the poll)
    /// completes exactly one frame, and nobody completes a frame from a status read earlier.
    /// The transmit causes stay in the interrupt mask, as lib8390's `ENISR_ALL`: a completion
    /// that comes while the chip is unmasked (a frame on the wire) wakes the poll; one that comes
    /// during `start_xmit` (QEMU's model completes inside the command write) finds the chip
    /// masked by [`Self::xmit_mask`] and is taken here with no interrupt. One register read when
    /// nothing is done; three when a frame completes.
    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    #[inline(always)]
    pub fn tx_reap(&mut self) -> Option<TxDone> {
        self.tx_reap_with::<true>()
    }

    /// [`Self::tx_reap`]; `TIMED` false: the stage clock is off (the datapath's untimed copy),
    /// so the frame's stages are neither looked at nor reported ([`TxDone::timed`] false).
    #[inline(always)]
    pub fn tx_reap_with<const TIMED: bool>(&mut self) -> Option<TxDone> {
        self.tx.on_wire?;
        let status = self.rd(p0::ISR);
        self.tx_reap_isr::<TIMED>(status)
    }

    /// [`Self::tx_reap_with`] with `isr` an ISR value read in this same lock hold (by
    /// [`Self::isr_take`]), which saves reading it again. Its transmit bits are still the
    /// chip's: nobody else acks them while the lock is held, and the frame on the wire cannot
    /// change. A completion that came after that read waits for the next reap (the transmit
    /// interrupt is unmasked while a frame is on the wire, so it is not lost).
    #[inline(always)]
    pub fn tx_reap_isr<const TIMED: bool>(&mut self, isr: Isr) -> Option<TxDone> {
        let slot = self.tx.on_wire?;
        let status = isr & (Isr::PTX | Isr::TXE);
        if status.is_empty() {
            return None;
        }
        self.wr(p0::ISR, status);
        Some(self.tx_complete::<TIMED>(slot, status))
    }

    /// Empties the tally counters (ISR.CNT) into the stats.
    pub fn read_counters(&mut self) {
        let fae = self.rd(p0::CNTR0);
        let crc = self.rd(p0::CNTR1);
        let missed = self.rd(p0::CNTR2);
        count(&mut self.stats.rx_frame_errors, u64::from(fae));
        count(&mut self.stats.rx_crc_errors, u64::from(crc));
        count(&mut self.stats.rx_missed_errors, u64::from(missed));
        count(
            &mut self.stats.rx_errors,
            u64::from(fae) + u64::from(crc) + u64::from(missed),
        );
    }

    // ---- transmit ----

    /// Both TX slots are loaded: the stack's queue must wait for a completion.
    #[inline]
    pub fn tx_full(&self) -> bool {
        const { assert!(TX_SLOTS == 2) };
        self.tx.len[0] != 0 && self.tx.len[1] != 0
    }

    /// Number of free TX slots.
    #[inline]
    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn tx_free(&self) -> usize {
        self.tx.len.iter().filter(|&&l| l == 0).count()
    }

    /// The bytes of the stack's frames loaded in the TX slots (sent to the card, not
    /// completed): what byte queue limits must count in flight. XDP frames are left out.
    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn tx_loaded_bytes(&self) -> u64 {
        self.tx
            .len
            .iter()
            .zip(self.tx.queued)
            .filter(|(_, q)| *q)
            .map(|(&l, _)| u64::from(l))
            .sum()
    }

    #[inline(always)]
    fn trigger_send(&mut self, slot: usize) {
        let len = usize::from(self.tx.len[slot]);
        // Page 0 is selected (the remote write or the poll's CURR read left it there); the
        // TRANS command below also ends the remote-DMA state, so no CMD write is needed first.
        self.wr(p0::TBCR0, len as u8);
        self.wr(p0::TBCR1, (len >> 8) as u8);
        self.wr(p0::TPSR, self.ring.tx_page(slot));
        self.tx.on_wire = Some(slot);
        self.wr_cr(Cr::START.transmit());
        // Stage boundary: send triggered (end of driver / start of NIC stage).
        if self.tx.times[slot].timed {
            self.tx.times[slot].t_trig = self.bus.cycles();
        }
    }

    /// Copies `frame` into a free TX slot (zero-padding runts to 60 bytes) and starts sending it
    /// if the transmitter is idle. Returns the bytes loaded (the frame's length, padded), what
    /// its completion ([`TxDone::bytes`]) will give back.
    #[cfg_attr(MODULE, expect(dead_code, reason = "an accessor for the host tests"))]
    pub fn xmit(&mut self, frame: &[u8]) -> Result<u32, XmitError> {
        self.xmit_timed(frame, None)
    }

    /// [`Self::xmit`], recording the frame's stages from `t_enter` (the driver's timestamp at
    /// `start_xmit` entry) if given; [`Self::tx_reap`] then returns them.
    ///
    /// The frame is not in byte queue limits: [`Self::tx_queue_last`] puts a frame of the
    /// stack's there if it is still in flight once the caller has reaped what completed. A
    /// frame that did not come through the stack's queue (an XDP program's `XDP_TX`, or one
    /// redirected to this device) goes the same way, untimed, and never into byte queue limits
    /// ([`TxDone::queued`] stays false).
    #[inline(always)]
    pub fn xmit_timed(&mut self, frame: &[u8], t_enter: Option<u64>) -> Result<u32, XmitError> {
        let len = frame.len();
        if len > MAX_TX_FRAME || len == 0 {
            count(&mut self.stats.tx_errors, 1);
            return Err(XmitError::BadLength);
        }
        let slot = match self.tx.len.iter().position(|&l| l == 0) {
            Some(s) => s,
            None => return Err(XmitError::Full),
        };
        if len < ETH_ZLEN {
            count(&mut self.stats.tx_padded, 1);
        }
        self.tx.last = slot;
        self.tx.queued[slot] = false;
        if let Some(t_enter) = t_enter {
            return Ok(self.load_timed(slot, frame, t_enter));
        }
        self.block_output(self.tx_addr(slot), frame, ETH_ZLEN);
        let bytes = len.max(ETH_ZLEN) as u16;
        self.tx.len[slot] = bytes;
        self.tx.times[slot].timed = false;
        if self.tx.on_wire.is_none() {
            self.trigger_send(slot);
        }
        Ok(u32::from(bytes))
    }

    /// Puts the frame the last transmit loaded in byte queue limits if it is still in a slot,
    /// i.e. in flight, once its caller has reaped what completed: returns its bytes for
    /// `netdev_tx_sent_queue`, and its completion will have [`TxDone::queued`]. `None`: the
    /// card completed it already (QEMU's model sends inside the command write), so it never
    /// was in flight and byte queue limits, which bound the bytes in flight, need not hear of
    /// it, neither sent nor completed.
    #[inline(always)]
    pub fn tx_queue_last(&mut self) -> Option<u32> {
        let slot = self.tx.last % TX_SLOTS;
        if self.tx.len[slot] == 0 || self.tx.queued[slot] {
            return None;
        }
        self.tx.queued[slot] = true;
        Some(u32::from(self.tx.len[slot]))
    }

    /// The packet-buffer address of TX slot `slot`.
    fn tx_addr(&self, slot: usize) -> u16 {
        u16::from(self.ring.tx_page(slot)) << 8
    }

    /// [`Self::xmit_timed`] of a frame whose stages are timed from `t_enter`. Inline: only the
    /// timed copy of a caller passes a `t_enter`, the untimed one's call is dead code.
    #[inline(always)]
    fn load_timed(&mut self, slot: usize, frame: &[u8], t_enter: u64) -> u32 {
        // Timed frames are numbered: the sequence number ties a frame's stage event together.
        self.tx.seq = self.tx.seq.wrapping_add(1);
        // Stage boundary: copy start (end of the first driver part, start of DMA).
        let t_copy = self.bus.cycles();
        self.block_output(self.tx_addr(slot), frame, ETH_ZLEN);
        // Stage boundary: copy end (remote DMA complete and acked).
        let t_dma = self.bus.cycles();
        self.tx.len[slot] = frame.len().max(ETH_ZLEN) as u16;
        self.tx.times[slot] = TxTimes {
            timed: true,
            seq: self.tx.seq,
            t_enter,
            driver: t_copy.wrapping_sub(t_enter),
            dma: t_dma.wrapping_sub(t_copy),
            t_ready: 0,
            t_trig: 0,
        };
        if self.tx.on_wire.is_none() {
            self.trigger_send(slot);
            let t = &mut self.tx.times[slot];
            t.driver = t.driver.wrapping_add(t.t_trig.wrapping_sub(t_dma));
        } else {
            // Stage boundary: the frame waits for the transmitter from here.
            let t_ready = self.bus.cycles();
            let t = &mut self.tx.times[slot];
            t.t_ready = t_ready;
            t.driver = t.driver.wrapping_add(t_ready.wrapping_sub(t_dma));
        }
        u32::from(self.tx.len[slot])
    }

    /// Transmit-complete handling of the frame in `slot`, on the wire, for an acked `status`
    /// (see [`Self::tx_reap`]).
    #[inline(always)]
    fn tx_complete<const TIMED: bool>(&mut self, slot: usize, status: Isr) -> TxDone {
        // A frame loaded with the clock on and completed with it off goes unreported; its
        // slot's times are overwritten by the next load.
        let timed = TIMED && self.tx.times[slot].timed;
        // Stage boundary: transmit completion seen (end of NIC stage, start of completion work).
        let t_seen = if timed { self.bus.cycles() } else { 0 };
        let t = self.rd(p0::TSR);
        let len = usize::from(self.tx.len[slot]);
        if status.contains(Isr::TXE) || t.intersects(Tsr::ABT | Tsr::FU) {
            count(&mut self.stats.tx_errors, 1);
            if t.contains(Tsr::ABT) {
                count(&mut self.stats.tx_aborted_errors, 1);
                count(&mut self.stats.collisions, 16);
            }
            if t.contains(Tsr::CRS) {
                count(&mut self.stats.tx_carrier_errors, 1);
            }
            if t.contains(Tsr::FU) {
                count(&mut self.stats.tx_fifo_errors, 1);
            }
            if t.contains(Tsr::CDH) {
                count(&mut self.stats.tx_heartbeat_errors, 1);
            }
            if t.contains(Tsr::OWC) {
                count(&mut self.stats.tx_window_errors, 1);
            }
        } else {
            count(&mut self.stats.tx_packets, 1);
            count(&mut self.stats.tx_bytes, len as u64);
            if t.contains(Tsr::COL) {
                let ncr = self.rd(p0::NCR).collisions();
                count(&mut self.stats.collisions, u64::from(ncr));
            }
        }
        self.tx.len[slot] = 0;
        self.tx.on_wire = None;
        let other = (slot + 1) % TX_SLOTS;
        if self.tx.len[other] != 0 {
            self.trigger_send(other);
        }
        if timed {
            self.tx_stages_done(slot, len, t_seen);
        }
        TxDone {
            bytes: len as u32,
            queued: self.tx.queued[slot],
            timed,
        }
    }

    /// The stages of the last timed frame whose completion was taken ([`TxDone::timed`]).
    pub fn tx_stages(&self) -> &TxStages {
        &self.tx.stages
    }

    /// Records the stages of the timed frame whose completion was seen at `t_seen` and is now
    /// done, for [`Self::tx_stages`]. Inline: only the timed copy of a caller reaches it.
    #[inline(always)]
    fn tx_stages_done(&mut self, slot: usize, len: usize, t_seen: u64) {
        self.tx.times[slot].timed = false;
        let times = self.tx.times[slot];
        // Stage boundary: completion work done.
        let t_done = self.bus.cycles();
        self.tx.stages = TxStages {
            seq: times.seq,
            len: len as u32,
            driver: times.driver.wrapping_add(t_done.wrapping_sub(t_seen)),
            dma: times.dma,
            queued: if times.t_ready != 0 {
                times.t_trig.wrapping_sub(times.t_ready)
            } else {
                0
            },
            nic: t_seen.wrapping_sub(times.t_trig),
            total: t_done.wrapping_sub(times.t_enter),
        };
    }

    /// Transmit watchdog fired: reset and re-initialise the chip (frames in the slots are lost
    /// and counted as errors); the caller wakes its queue.
    pub fn tx_timeout(&mut self) -> Result<(), ChipError> {
        count(&mut self.stats.tx_timeouts, 1);
        count(
            &mut self.stats.tx_errors,
            self.tx.len.iter().filter(|&&l| l != 0).count() as u64,
        );
        let was_running = self.running;
        self.reset()?;
        self.init(was_running);
        Ok(())
    }

    // ---- receive ----

    /// Acks the receive causes (PRX, RXE) if they are pending, and then forgets the CURR seen
    /// (the next look at the ring reads it: see [`Self::rx_take`]); true if they were. One ISR
    /// read when they are not.
    #[inline]
    fn rx_ack(&mut self) -> bool {
        let pending = self.rd(p0::ISR) & (Isr::PRX | Isr::RXE);
        if !pending.is_empty() {
            self.wr(p0::ISR, pending);
            self.rx.curr_seen = None;
        }
        !pending.is_empty()
    }

    /// The chip's current page (where it will put the next frame): a page-1 register.
    #[inline]
    pub fn rx_curr(&mut self) -> u8 {
        // Running or not as the chip is: a read of CURR must not start a stopped chip.
        let curr = self.with_page1(|p1| p1.read(p1::CURR));
        self.rx.curr_seen = Some(curr);
        curr
    }

    /// Takes the next frame off the receive ring, in one pass: the header (validated before
    /// anything else is read), a buffer from `alloc` for a good frame, the body copied into it,
    /// the frame counted and its pages handed back to the chip. `mark` is told where the pass
    /// is ([`RxMark`]), for a caller that times the stages; the remote read of the header is
    /// continued for the body, so a frame costs one DMA setup and one abort.
    ///
    /// CURR (three port accesses: a page switch and back) is read only when the last CURR seen
    /// says nothing more is there, so a batch costs one CURR read, as ei_receive's does per
    /// frame. The rule that makes that enough: every ack of the receive causes is followed by
    /// a CURR read before the ring is called empty ([`Self::isr_take`] and `rx_ack`
    /// forget the CURR seen), so a frame the chip stores after that read leaves PRX set:
    /// [`Self::rx_pending`] and the next call here see it, and if nobody looks, the poll's
    /// unmask raises the (level-triggered) line again.
    #[inline(always)]
    pub fn rx_take<T: RxBuf>(
        &mut self,
        alloc: impl FnOnce(usize) -> Option<T>,
        mut mark: impl FnMut(RxMark),
    ) -> RxTake<T> {
        let next = self.rx.next;
        let curr = match self.rx.curr_seen {
            Some(c) if c != next => c,
            seen => {
                // Taken up to the last CURR seen: a frame stored since then has set PRX.
                if seen.is_some() && !self.rx_ack() {
                    return RxTake::Empty;
                }
                let c = self.rx_curr();
                if c == next {
                    return RxTake::Empty;
                }
                c
            }
        };
        let Some((f, left)) = self.rx_peek(curr) else {
            return self.rx_bad_header();
        };
        mark(RxMark::Header);
        if !f.ok() {
            return self.rx_skip(f, left);
        }
        let buf = alloc(f.len);
        mark(RxMark::Buffer);
        let Some(mut buf) = buf else {
            return self.rx_skip(f, left);
        };
        let dst = buf.bytes_mut();
        if dst.len() < f.len {
            // Refused (a buffer shorter than the frame): dropped, and the unwritten buffer
            // never goes up.
            return self.rx_skip(f, left);
        }
        self.rx_read(&f, left, dst);
        mark(RxMark::Body);
        self.rx_account_ok(&f);
        self.rx_advance(&f);
        RxTake::Frame(buf, f)
    }

    /// Skips frame `f`, its remote read open with `left` bytes of its count: a receive error if
    /// it is not [`RxFrame::ok`], else a drop (no buffer, or too short a buffer).
    #[inline(never)]
    fn rx_skip<T>(&mut self, f: RxFrame, left: usize) -> RxTake<T> {
        self.rx_close(left);
        self.rx_account_skipped(&f);
        self.rx_advance(&f);
        RxTake::Skipped(f)
    }

    /// Whether another frame may wait on the ring after the one just taken, asked under the
    /// same lock hold so that a poll that took the last frame can unmask the chip in it: the
    /// last CURR seen is ahead of the ring position, or a receive cause came since (then it is
    /// acked, and the next [`Self::rx_take`] reads CURR). One ISR read when the ring is empty.
    #[inline]
    pub fn rx_pending(&mut self) -> bool {
        self.rx.curr_seen != Some(self.rx.next) || self.rx_ack()
    }

    /// A header that cannot be right (its remote read, if any, already ended): the ring is
    /// reset to the chip's current page.
    #[cold]
    #[inline(never)]
    fn rx_bad_header<T>(&mut self) -> RxTake<T> {
        count(&mut self.stats.rx_bad_headers, 1);
        count(&mut self.stats.rx_errors, 1);
        let curr = self.rx_curr();
        self.rx_reset_ring(curr);
        RxTake::Reset
    }

    /// Looks at the next frame on the ring, given the chip's current page `curr` (not the ring
    /// position: the caller checked). Reads only the 4-byte header and validates it before
    /// anything else is read, as lib8390's ei_receive does (the next-page check, by adding and
    /// comparing), and more strictly: the frame must end at or before CURR. Returns the frame
    /// and the bytes left in the count of the remote read, which is still open, at the body;
    /// `None`: a header that cannot be right, or a CURR outside the ring (a broken chip:
    /// nothing on the ring can be trusted), and no remote read open.
    #[inline(always)]
    fn rx_peek(&mut self, curr: u8) -> Option<(RxFrame, usize)> {
        let r = self.ring;
        let page = self.rx.next;
        // The ring position is always a ring page (set from a validated header, or from CURR
        // when CURR is one, or the ring's start).
        debug_assert!(r.in_rx(page));
        if !r.in_rx(curr) {
            return None;
        }
        // One remote read for header and body: its count covers the longest frame (or up to
        // the stop page); the header comes first, the body follows in rx_read, and the read is
        // aborted after that. Saves a second DMA setup and two RDC acks per frame.
        let addr = u16::from(page) << 8;
        // (`page` is below the stop page: at least one page to it.)
        let to_stop = usize::from(r.stop.wrapping_sub(page)) << 8;
        let count = to_stop.min(4 + MAX_FRAME + 2);
        self.remote_dma(addr, count, Dma::Read);
        // The header (status, next page, byte count) in one 32-bit read, or two 16-bit ones.
        let h = if self.io_width() == 2 {
            self.count_accesses(2);
            u32::from(self.bus.data_read16()) | u32::from(self.bus.data_read16()) << 16
        } else {
            self.count_accesses(1);
            self.bus.data_read32()
        };
        let (status, next, count_hdr) =
            (Rsr::from_bits(h as u8), (h >> 8) as u8, (h >> 16) as usize);
        let left = count.wrapping_sub(4);
        // Pages ahead of this frame's, around the ring (0 for this page), for a ring page `p`.
        let pages = r.stop - r.rx_start;
        #[inline(always)]
        fn ahead_of(page: u8, pages: u8, p: u8) -> usize {
            let d = p.wrapping_sub(page);
            usize::from(if p >= page { d } else { d.wrapping_add(pages) })
        }
        // The next frame starts right after this one: the chip rounds up to a page, and some
        // chips count the CRC in the rounding (one page more). A frame never takes the whole
        // ring (`ahead` is below `pages`), which also bounds the length. And the chip has
        // stored frames up to CURR only: a frame reaching past it is not there (stale bytes),
        // and a ring of such headers would keep the drain walking forever.
        let a = ahead_of(page, pages, next);
        let fits = a <= ahead_of(page, pages, curr) && r.in_rx(next);
        match count_hdr.checked_sub(4) {
            Some(len) if fits && (a == 1 + (len + 4) / 256 || a == 2 + (len + 4) / 256) => Some((
                RxFrame {
                    page,
                    status,
                    next,
                    len,
                },
                left,
            )),
            _ => {
                self.rx_close(left);
                None
            }
        }
    }

    /// Ends the remote read of a frame that has `left` bytes of its count left: an abort (a
    /// CMD write); RDC is acked if the count ran out (the chip flagged remote DMA complete).
    #[inline(always)]
    fn rx_close(&mut self, left: usize) {
        self.wr_cr(Cr::START);
        if left == 0 {
            self.wr(p0::ISR, Isr::RDC);
        }
    }

    /// Copies the frame's bytes into `dst` (at least `f.len` long), following the ring's wrap
    /// at the stop page, and ends the remote read the header left open with `left` bytes of
    /// its count.
    #[inline(always)]
    fn rx_read(&mut self, f: &RxFrame, left: usize, dst: &mut [MaybeUninit<u8>]) {
        let len = f.len;
        // The frame rounded up to whole words of the data port.
        let whole = if self.io_width() == 2 {
            (len + 1) & !1
        } else {
            (len + 3) & !3
        };
        if whole <= left {
            // The header's read is at the body and its count covers it: continue it.
            if let Some(room) = dst.get_mut(..whole) {
                // The buffer has room for the last word: straight in.
                self.data_in(room);
            } else {
                self.data_in_any(&mut dst[..len]);
            }
            self.rx_close(left - whole);
            return;
        }
        self.rx_close(left);
        self.rx_read_wrapped(f, dst);
    }

    /// The body of a frame that wraps at the stop page, in two block reads.
    #[cold]
    #[inline(never)]
    fn rx_read_wrapped(&mut self, f: &RxFrame, dst: &mut [MaybeUninit<u8>]) {
        let r = self.ring;
        let start = (usize::from(f.page) << 8) + 4;
        let end = usize::from(r.stop) << 8;
        let len = f.len;
        if start + len > end {
            let first = end - start;
            self.block_input(start as u16, &mut dst[..first]);
            self.block_input(u16::from(r.rx_start) << 8, &mut dst[first..len]);
        } else {
            self.block_input(start as u16, &mut dst[..len]);
        }
    }

    /// Counts a good frame ([`RxFrame::ok`]) as received, after `rx_read`.
    #[inline]
    fn rx_account_ok(&mut self, f: &RxFrame) {
        count(&mut self.stats.rx_packets, 1);
        count(&mut self.stats.rx_bytes, f.len as u64);
        if f.status.contains(Rsr::PHY) {
            count(&mut self.stats.multicast, 1);
        }
    }

    /// Counts a frame that is not delivered: a receive error, by its status, or a drop (a good
    /// frame with no buffer). A delivered frame is [`Self::rx_account_ok`]'s.
    #[inline]
    fn rx_account_skipped(&mut self, f: &RxFrame) {
        if !f.ok() {
            count(&mut self.stats.rx_errors, 1);
            if !f.len_ok() {
                count(&mut self.stats.rx_length_errors, 1);
            }
            if f.status.contains(Rsr::FO) {
                count(&mut self.stats.rx_fifo_errors, 1);
            }
            if f.status.contains(Rsr::CRC) {
                count(&mut self.stats.rx_crc_errors, 1);
            }
            if f.status.contains(Rsr::FAE) {
                count(&mut self.stats.rx_frame_errors, 1);
            }
        } else {
            count(&mut self.stats.rx_dropped, 1);
        }
    }

    /// Releases the frame's pages to the chip: BNRY trails the next frame by one page.
    #[inline]
    fn rx_advance(&mut self, f: &RxFrame) {
        self.rx.next = f.next;
        self.write_boundary();
    }

    #[inline]
    fn write_boundary(&mut self) {
        let r = self.ring;
        // (Both nonzero: the ring lies above the TX slots.)
        let b = if self.rx.next == r.rx_start {
            r.stop.wrapping_sub(1)
        } else {
            self.rx.next.wrapping_sub(1)
        };
        self.wr(p0::BNRY, b);
    }

    /// After a bad header: drop everything on the ring (up to the chip's current page).
    fn rx_reset_ring(&mut self, curr: u8) {
        let r = self.ring;
        count(&mut self.stats.rx_ring_resets, 1);
        self.rx.next = if r.in_rx(curr) { curr } else { r.rx_start };
        self.write_boundary();
    }

    /// Receiver overrun (ISR.OVW), the NatSemi procedure: stop the chip, wait (bounded) until a
    /// transmit in progress is over, clear the byte count, decide whether a transmit was cut
    /// short, restart in loopback; the caller then takes frames off the ring and calls
    /// [`Self::rx_overrun_finish`].
    ///
    /// The chip finishes a transmit in progress before it stops; ISR.RST is no sign of that,
    /// since an overflow sets it already (DP8390D). lib8390 sleeps 10 ms for it; here the
    /// transmitter is polled until CMD.TXP clears (the longest frame takes 1.2 ms on the wire;
    /// [`OVERRUN_TX_WAIT_US`] at most). Only then does "TXP was set and no PTX/TXE came" mean
    /// the transmit never started.
    pub fn rx_overrun_begin(&mut self) -> bool {
        count(&mut self.stats.rx_overruns, 1);
        count(&mut self.stats.rx_over_errors, 1);
        let was_txing = self.rd(CR).contains(Cr::TXP);
        self.wr_cr(Cr::STOP);
        let mut waited = 0;
        loop {
            let cr = self.rd(CR);
            if !cr.contains(Cr::TXP) || waited >= OVERRUN_TX_WAIT_US {
                break;
            }
            // A card that is gone reads TXP forever: no wait for it.
            if cr.bits() == 0xff && self.vanished() {
                return false;
            }
            self.bus.delay_us(10);
            waited += 10;
        }
        self.wr(p0::RBCR0, 0);
        self.wr(p0::RBCR1, 0);
        let must_resend = was_txing && !self.rd(p0::ISR).intersects(Isr::PTX | Isr::TXE);
        self.wr(p0::TCR, Tcr::LOOPBACK);
        self.wr_cr(Cr::START);
        must_resend
    }

    pub fn rx_overrun_finish(&mut self, must_resend: bool) {
        self.wr(p0::ISR, Isr::OVW);
        self.wr(p0::TCR, Tcr::NORMAL);
        if must_resend && self.tx.on_wire.is_some() {
            self.wr_cr(Cr::START.transmit());
        }
    }
}
