// SPDX-License-Identifier: GPL-2.0
//! DP8390 / NE2000 register map (National Semiconductor DP8390D datasheet, and the NE2000 ASIC
//! ports at base + 0x10 / 0x1f). Offsets are relative to the I/O base; page-dependent registers
//! are named `P<page>_...`. Nothing here touches hardware.

/// Size of the NE2000 I/O window the driver claims (registers, data port, reset port).
pub const NE_IO_EXTENT: u64 = 0x20;

/// Command register: the same offset on every page.
pub const CMD: u8 = 0x00;
/// NE2000 data port: remote-DMA window (8/16/32-bit accesses).
pub const DATAPORT: u8 = 0x10;
/// NE2000 reset port: a read starts a reset, a write ends the pulse.
pub const RESET: u8 = 0x1f;

// ---- page 0, read ----
pub const P0_CLDA0: u8 = 0x01;
pub const P0_BNRY: u8 = 0x03;
pub const P0_TSR: u8 = 0x04;
pub const P0_NCR: u8 = 0x05;
pub const P0_ISR: u8 = 0x07;
pub const P0_CRDA0: u8 = 0x08;
pub const P0_CRDA1: u8 = 0x09;
/// RTL8029 only: ID bytes 'P' 'C' (0x50 0x43) at page 0, offsets 0x0a/0x0b, read.
pub const P0_8029ID0: u8 = 0x0a;
pub const P0_8029ID1: u8 = 0x0b;
pub const P0_RSR: u8 = 0x0c;
pub const P0_CNTR0: u8 = 0x0d;
pub const P0_CNTR1: u8 = 0x0e;
pub const P0_CNTR2: u8 = 0x0f;
// ---- page 0, write ----
pub const P0_PSTART: u8 = 0x01;
pub const P0_PSTOP: u8 = 0x02;
pub const P0_TPSR: u8 = 0x04;
pub const P0_TBCR0: u8 = 0x05;
pub const P0_TBCR1: u8 = 0x06;
pub const P0_RSAR0: u8 = 0x08;
pub const P0_RSAR1: u8 = 0x09;
pub const P0_RBCR0: u8 = 0x0a;
pub const P0_RBCR1: u8 = 0x0b;
pub const P0_RCR: u8 = 0x0c;
pub const P0_TCR: u8 = 0x0d;
pub const P0_DCR: u8 = 0x0e;
pub const P0_IMR: u8 = 0x0f;
// ---- page 1, read/write ----
pub const P1_PAR0: u8 = 0x01;
pub const P1_CURR: u8 = 0x07;
pub const P1_MAR0: u8 = 0x08;
/// The multicast filter's sixth byte; at the offset of page 0's CNTR0.
pub const P1_MAR5: u8 = 0x0d;

/// A value for the command register (CR, offset 0 on every page), built by name: the register
/// page it selects, what the remote DMA does, whether the NIC runs, the transmit trigger.
///
/// `Cr::START` is "page 0, no remote DMA, running"; the methods change one field each, e.g.
/// `Cr::run(running).page1()` to reach PAR/CURR/MAR without changing the run state, or
/// `Cr::START.dma(Dma::Read)` to start a remote read. Reading CR back is still done with the
/// [`cmd`] bits (a read shows the chip's state, not a command).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Cr(u8);

/// What a CR write tells the remote DMA.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dma {
    /// Remote read: the data port reads packet memory from RSAR on.
    Read,
    /// Remote write.
    Write,
}

impl Cr {
    /// Page 0, no remote DMA, the NIC stopped.
    pub const STOP: Cr = Cr(cmd::NODMA | cmd::PAGE0 | cmd::STOP);
    /// Page 0, no remote DMA, the NIC running.
    pub const START: Cr = Cr(cmd::NODMA | cmd::PAGE0 | cmd::START);
    /// Page 0, no remote DMA, neither STA nor STP (what ne2k-pci's probe writes after its
    /// page-1 access: the run state stays as it was).
    pub const PAGE0_ONLY: Cr = Cr(cmd::NODMA | cmd::PAGE0);

    /// [`Cr::START`] or [`Cr::STOP`].
    pub const fn run(running: bool) -> Cr {
        if running {
            Cr::START
        } else {
            Cr::STOP
        }
    }

    /// The same command with register page 1 selected (PAR, CURR, MAR).
    pub const fn page1(self) -> Cr {
        Cr((self.0 & !PAGE_MASK) | cmd::PAGE1)
    }

    /// The same command with a remote read or write started instead of "no DMA".
    pub const fn dma(self, dma: Dma) -> Cr {
        let bits = match dma {
            Dma::Read => cmd::RREAD,
            Dma::Write => cmd::RWRITE,
        };
        Cr((self.0 & !DMA_MASK) | bits)
    }

    /// The same command with the transmit trigger (TXP) set.
    pub const fn transmit(self) -> Cr {
        Cr(self.0 | cmd::TRANS)
    }

    /// The byte written to CR.
    pub const fn bits(self) -> u8 {
        self.0
    }
}

const PAGE_MASK: u8 = cmd::PAGE3;
const DMA_MASK: u8 = cmd::RREAD | cmd::RWRITE | cmd::NODMA;

/// Command register bits (for reading CR back, and for [`Cr`]).
pub mod cmd {
    pub const STOP: u8 = 0x01;
    pub const START: u8 = 0x02;
    pub const TRANS: u8 = 0x04;
    pub const RREAD: u8 = 0x08;
    pub const RWRITE: u8 = 0x10;
    pub const NODMA: u8 = 0x20;
    pub const PAGE0: u8 = 0x00;
    pub const PAGE1: u8 = 0x40;
    pub const PAGE2: u8 = 0x80;
    pub const PAGE3: u8 = 0xc0;
}

/// Interrupt status / mask bits (ISR, IMR).
pub mod isr {
    pub const PRX: u8 = 0x01;
    pub const PTX: u8 = 0x02;
    pub const RXE: u8 = 0x04;
    pub const TXE: u8 = 0x08;
    pub const OVW: u8 = 0x10;
    pub const CNT: u8 = 0x20;
    pub const RDC: u8 = 0x40;
    pub const RST: u8 = 0x80;
    /// The causes the driver services (everything but RDC and RST).
    pub const ALL: u8 = PRX | PTX | RXE | TXE | OVW | CNT;
}

/// Data configuration register values.
pub mod dcr {
    /// Word-wide transfer select.
    pub const WTS: u8 = 0x01;
    /// Loopback select off (normal operation).
    pub const LS: u8 = 0x08;
    /// FIFO threshold 8 bytes.
    pub const FT1: u8 = 0x40;
    /// What the NE2000 drivers program: word-wide, normal, FIFO threshold 8 bytes (0x49).
    pub const NE2000: u8 = FT1 | LS | WTS;
}

/// Receive configuration register bits.
pub mod rcr {
    pub const SEP: u8 = 0x01;
    pub const AR: u8 = 0x02;
    pub const AB: u8 = 0x04;
    pub const AM: u8 = 0x08;
    pub const PRO: u8 = 0x10;
    pub const MON: u8 = 0x20;
}

/// Transmit configuration register bits.
pub mod tcr {
    /// Internal loopback (mode 1): the transmitter is off the wire.
    pub const LOOPBACK: u8 = 0x02;
    pub const NORMAL: u8 = 0x00;
}

/// Receive status (RSR and the status byte of each ring header).
pub mod rsr {
    pub const PRX: u8 = 0x01;
    pub const CRC: u8 = 0x02;
    pub const FAE: u8 = 0x04;
    pub const FO: u8 = 0x08;
    pub const MPA: u8 = 0x10;
    pub const PHY: u8 = 0x20;
}

/// Transmit status bits.
pub mod tsr {
    pub const PTX: u8 = 0x01;
    pub const COL: u8 = 0x04;
    pub const ABT: u8 = 0x08;
    pub const CRS: u8 = 0x10;
    pub const FU: u8 = 0x20;
    pub const CDH: u8 = 0x40;
    pub const OWC: u8 = 0x80;
}

/// A packet-buffer page is 256 bytes; ring pointers are page numbers.
pub const PAGE_SIZE: usize = 256;
/// The station-address PROM: 16 entries at packet-buffer address 0, one per 16-bit word.
pub const PROM_WORDS: usize = 16;
