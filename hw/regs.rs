// SPDX-License-Identifier: GPL-2.0
//! DP8390 / NE2000 register map (National Semiconductor DP8390D datasheet, and the NE2000 ASIC
//! ports at base + 0x10 / 0x1f), typed: each register is a type that knows its offset from the
//! I/O base, its page and whether it is read, written or both ([`crate::hw::reg`]); each register
//! with bits has a value type ([`Cr`], [`Isr`], [`Rsr`], [`Tsr`], [`Rcr`], [`Tcr`], [`Dcr`],
//! [`Ncr`]). Page-0 registers are in [`p0`], page 1's in [`p1`], page 2's in [`p2`]; CR and the
//! reset port, the same on every page, are here. Nothing here touches hardware.

use crate::hw::reg::{bitfield, register, PageSelect};

/// Size of the NE2000 I/O window the driver claims (registers, data port, reset port).
pub const NE_IO_EXTENT: u64 = 0x20;

/// NE2000 data port: the remote-DMA window (8/16/32-bit accesses), the offset the bus's
/// `data_*` transfers use. Not a byte register: the typed layer does not reach it.
pub const DATAPORT: u8 = 0x10;

register! {
    /// Command register (CR): the same offset on every page. Written with a [`Cr`] command
    /// (which always selects page 0: another page is selected only by
    /// [`On::with_page`](crate::hw::reg::On::with_page)); read back, it shows the chip's state.
    pub CR(Cr) @ 0x00 on AnyPage, rw;
    /// NE2000 reset port: a read starts a reset, a write ends the pulse.
    pub RESET(u8) @ 0x1f on AnyPage, rw;
}

/// Page 0: the operational registers. Several offsets are one register when read and another
/// when written (0x01 CLDA0 / PSTART, 0x04 TSR / TPSR, 0x0c RSR / RCR, ...).
pub mod p0 {
    use super::{Dcr, Isr, Ncr, Rcr, Rsr, Tcr, Tsr};
    use crate::hw::reg::register;

    register! {
        /// Current local DMA address, low byte.
        pub CLDA0(u8) @ 0x01 on Page0, r;
        /// Current local DMA address, high byte.
        pub CLDA1(u8) @ 0x02 on Page0, r;
        /// Boundary: the last ring page the driver has not released.
        pub BNRY(u8) @ 0x03 on Page0, rw;
        /// Transmit status.
        pub TSR(Tsr) @ 0x04 on Page0, r;
        /// Number of collisions of the last transmission.
        pub NCR(Ncr) @ 0x05 on Page0, r;
        /// FIFO (loopback diagnostics).
        pub FIFO(u8) @ 0x06 on Page0, r;
        /// Interrupt status: the causes pending; writing ones acks them.
        pub ISR(Isr) @ 0x07 on Page0, rw;
        /// Current remote DMA address, low byte.
        pub CRDA0(u8) @ 0x08 on Page0, r;
        /// Current remote DMA address, high byte.
        pub CRDA1(u8) @ 0x09 on Page0, r;
        /// RTL8029 only: ID byte 'P' (0x50).
        pub RTL8029ID0(u8) @ 0x0a on Page0, r;
        /// RTL8029 only: ID byte 'C' (0x43).
        pub RTL8029ID1(u8) @ 0x0b on Page0, r;
        /// Receive status of the last frame.
        pub RSR(Rsr) @ 0x0c on Page0, r;
        /// Tally counter: frame alignment errors (reading clears it).
        pub CNTR0(u8) @ 0x0d on Page0, r;
        /// Tally counter: CRC errors (reading clears it).
        pub CNTR1(u8) @ 0x0e on Page0, r;
        /// Tally counter: missed frames (reading clears it).
        pub CNTR2(u8) @ 0x0f on Page0, r;

        /// Page start: the receive ring's first page.
        pub PSTART(u8) @ 0x01 on Page0, w;
        /// Page stop: the page after the receive ring.
        pub PSTOP(u8) @ 0x02 on Page0, w;
        /// Transmit page start.
        pub TPSR(u8) @ 0x04 on Page0, w;
        /// Transmit byte count, low byte.
        pub TBCR0(u8) @ 0x05 on Page0, w;
        /// Transmit byte count, high byte.
        pub TBCR1(u8) @ 0x06 on Page0, w;
        /// Remote start address, low byte.
        pub RSAR0(u8) @ 0x08 on Page0, w;
        /// Remote start address, high byte.
        pub RSAR1(u8) @ 0x09 on Page0, w;
        /// Remote byte count, low byte.
        pub RBCR0(u8) @ 0x0a on Page0, w;
        /// Remote byte count, high byte.
        pub RBCR1(u8) @ 0x0b on Page0, w;
        /// Receive configuration.
        pub RCR(Rcr) @ 0x0c on Page0, w;
        /// Transmit configuration.
        pub TCR(Tcr) @ 0x0d on Page0, w;
        /// Data configuration.
        pub DCR(Dcr) @ 0x0e on Page0, w;
        /// Interrupt mask: ISR's layout, a bit set enables that cause.
        pub IMR(Isr) @ 0x0f on Page0, w;
    }
}

/// Page 1: the station address, the ring's current page, the multicast filter.
pub mod p1 {
    use crate::hw::reg::register;

    register! {
        /// Physical (station) address, PAR0-PAR5.
        pub PAR(u8)[6] @ 0x01 on Page1, rw;
        /// Current page: where the chip stores the next frame.
        pub CURR(u8) @ 0x07 on Page1, rw;
        /// Multicast filter, MAR0-MAR7.
        pub MAR(u8)[8] @ 0x08 on Page1, rw;
        /// The multicast filter's sixth byte alone; at the offset of page 0's CNTR0 (the probe
        /// tells an 8390 by the two).
        pub MAR5(u8) @ 0x0d on Page1, rw;
    }
}

/// Page 2: page 0's write-only registers read back (diagnostics; the driver does not use it).
pub mod p2 {
    use super::{Dcr, Isr, Rcr, Tcr};
    use crate::hw::reg::register;

    register! {
        /// Page start.
        pub PSTART(u8) @ 0x01 on Page2, r;
        /// Page stop.
        pub PSTOP(u8) @ 0x02 on Page2, r;
        /// Transmit page start.
        pub TPSR(u8) @ 0x04 on Page2, r;
        /// Receive configuration.
        pub RCR(Rcr) @ 0x0c on Page2, r;
        /// Transmit configuration.
        pub TCR(Tcr) @ 0x0d on Page2, r;
        /// Data configuration.
        pub DCR(Dcr) @ 0x0e on Page2, r;
        /// Interrupt mask.
        pub IMR(Isr) @ 0x0f on Page2, r;
    }
}

bitfield! {
    /// A command register (CR) value. Built by name, a command selects page 0 (no page-select
    /// bit is named: [`On::with_page`](crate::hw::reg::On::with_page) selects the others); read
    /// back, it shows the chip's state, page included ([`Cr::page`]).
    ///
    /// `Cr::START` is "page 0, no remote DMA, running"; the methods change one field each, e.g.
    /// `Cr::START.dma(Dma::Read)` to start a remote read, `Cr::START.transmit()` to send.
    pub struct Cr {
        /// STP: stop (offline).
        const STP = 0x01;
        /// STA: start.
        const STA = 0x02;
        /// TXP: transmit packet (set until the transmission ends).
        const TXP = 0x04;
        /// RD0: remote read.
        const RREAD = 0x08;
        /// RD1: remote write.
        const RWRITE = 0x10;
        /// RD2: abort or complete remote DMA (no DMA).
        const NODMA = 0x20;
        /// Page 0, no remote DMA, the NIC stopped.
        const STOP = 0x20 | 0x01;
        /// Page 0, no remote DMA, the NIC running.
        const START = 0x20 | 0x02;
        /// Page 0, no remote DMA, neither STA nor STP (what ne2k-pci's probe writes after its
        /// page-1 access: the run state stays as it was).
        const PAGE0_ONLY = 0x20;
    }
}

/// CR is where the page is selected (`On::with_page`).
impl PageSelect for Cr {
    const OFFSET: u8 = CR::OFFSET;
    #[inline(always)]
    fn bits(self) -> u8 {
        Cr::bits(self)
    }
}

/// What a CR write tells the remote DMA.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dma {
    /// Remote read: the data port reads packet memory from RSAR on.
    Read,
    /// Remote write.
    Write,
}

#[allow(dead_code, reason = "the whole register map, not all of it used")]
impl Cr {
    /// [`Cr::START`] or [`Cr::STOP`].
    #[inline(always)]
    pub const fn run(running: bool) -> Cr {
        if running {
            Cr::START
        } else {
            Cr::STOP
        }
    }

    /// The same command with a remote read or write started instead of "no DMA".
    #[inline(always)]
    pub const fn dma(self, dma: Dma) -> Cr {
        let bits = match dma {
            Dma::Read => Cr::RREAD,
            Dma::Write => Cr::RWRITE,
        };
        self.difference(Cr::RREAD.union(Cr::RWRITE).union(Cr::NODMA))
            .union(bits)
    }

    /// The same command with the transmit trigger (TXP) set.
    #[inline(always)]
    pub const fn transmit(self) -> Cr {
        self.union(Cr::TXP)
    }

    /// The register page a CR value read back selects (0 to 3).
    #[inline(always)]
    pub const fn page(self) -> u8 {
        self.bits() >> 6
    }

    /// The remote-DMA field (RD2-RD0) of a CR value read back.
    #[inline(always)]
    pub const fn dma_field(self) -> Cr {
        self.intersection(Cr::RREAD.union(Cr::RWRITE).union(Cr::NODMA))
    }
}

bitfield! {
    /// Interrupt status (ISR) and, with the same layout, interrupt mask (IMR) values.
    pub struct Isr {
        /// Packet received.
        const PRX = 0x01;
        /// Packet transmitted.
        const PTX = 0x02;
        /// Receive error.
        const RXE = 0x04;
        /// Transmit error.
        const TXE = 0x08;
        /// Overwrite warning: the receive ring is full.
        const OVW = 0x10;
        /// A tally counter's top bit is set.
        const CNT = 0x20;
        /// Remote DMA complete.
        const RDC = 0x40;
        /// Reset status (also set by a ring overflow).
        const RST = 0x80;
        /// The causes the driver services (everything but RDC and RST): lib8390's ENISR_ALL.
        const ALL = 0x3f;
        /// Every bit, RDC and RST too: what acking everything writes.
        const EVERY = 0xff;
    }
}

/// IMR values have ISR's layout.
pub type Imr = Isr;

bitfield! {
    /// Data configuration register (DCR) values.
    pub struct Dcr {
        /// Word-wide transfer select.
        const WTS = 0x01;
        /// Loopback select off (normal operation).
        const LS = 0x08;
        /// FIFO threshold 8 bytes.
        const FT1 = 0x40;
        /// What the NE2000 drivers program: word-wide, normal, FIFO threshold 8 bytes (0x49).
        const NE2000 = 0x40 | 0x08 | 0x01;
    }
}

bitfield! {
    /// Receive configuration register (RCR) values.
    pub struct Rcr {
        /// Save errored packets.
        const SEP = 0x01;
        /// Accept runt packets.
        const AR = 0x02;
        /// Accept broadcast.
        const AB = 0x04;
        /// Accept multicast (through the hash filter).
        const AM = 0x08;
        /// Promiscuous physical.
        const PRO = 0x10;
        /// Monitor mode: check addresses and CRC, store nothing.
        const MON = 0x20;
    }
}

bitfield! {
    /// Transmit configuration register (TCR) values.
    pub struct Tcr {
        /// Normal operation: no loopback.
        const NORMAL = 0x00;
        /// Internal loopback (mode 1): the transmitter is off the wire.
        const LOOPBACK = 0x02;
    }
}

bitfield! {
    /// Receive status: RSR, and the status byte of each ring header.
    pub struct Rsr {
        /// Packet received intact.
        const PRX = 0x01;
        /// CRC error.
        const CRC = 0x02;
        /// Frame alignment error.
        const FAE = 0x04;
        /// FIFO overrun.
        const FO = 0x08;
        /// Missed packet.
        const MPA = 0x10;
        /// Physical (0) or multicast/broadcast (1) address.
        const PHY = 0x20;
        /// Receiver disabled (monitor mode).
        const DIS = 0x40;
        /// Deferring (carrier or collision seen).
        const DFR = 0x80;
        /// The status bits of a reception: intact, or which error.
        const STATUS = 0x01 | 0x02 | 0x04 | 0x08;
    }
}

impl Rsr {
    /// Received intact: PRX and no CRC, alignment or FIFO error (the C driver's
    /// `(status & 0x0f) == ENRSR_RXOK`).
    #[inline(always)]
    pub const fn received_ok(self) -> bool {
        self.intersection(Rsr::STATUS).bits() == Rsr::PRX.bits()
    }
}

bitfield! {
    /// Transmit status register (TSR) values.
    pub struct Tsr {
        /// Packet transmitted without error.
        const PTX = 0x01;
        /// Collided at least once.
        const COL = 0x04;
        /// Aborted: 16 collisions.
        const ABT = 0x08;
        /// Carrier sense lost.
        const CRS = 0x10;
        /// FIFO underrun.
        const FU = 0x20;
        /// CD heartbeat failed.
        const CDH = 0x40;
        /// Out-of-window collision.
        const OWC = 0x80;
    }
}

/// The number-of-collisions register (NCR): a 4-bit count.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(transparent)]
pub struct Ncr(u8);

impl Ncr {
    /// The collisions of the last transmission (0-15: the upper bits read as junk).
    #[inline(always)]
    pub const fn collisions(self) -> u8 {
        self.0 & 0x0f
    }
}

impl From<u8> for Ncr {
    #[inline(always)]
    fn from(bits: u8) -> Self {
        Ncr(bits)
    }
}

impl From<Ncr> for u8 {
    #[inline(always)]
    fn from(v: Ncr) -> u8 {
        v.0
    }
}

/// A packet-buffer page is 256 bytes; ring pointers are page numbers.
pub const PAGE_SIZE: usize = 256;
/// The station-address PROM: 16 entries at packet-buffer address 0, one per 16-bit word.
pub const PROM_WORDS: usize = 16;
