// SPDX-License-Identifier: GPL-2.0
//! DP8390 (NE2000) chip logic, generic over a [`RegisterBus`].
//!
//! No `kernel::` types here: the module drives it over port I/O, and `cargo test` drives it
//! against a software DP8390 model (`tests/host/`). Register sequences follow the National
//! Semiconductor DP8390D datasheet and the C `lib8390`/`ne2k-pci` drivers.

use crate::hw::regs::{self, cmd, dcr, isr, rcr, tcr};
use crate::hw::RegisterBus;

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
        (0x10ec, 0x8029, c("RealTek RTL-8029(AS)", ChipFlags::REALTEK_FDX)),
        (0x1050, 0x0940, c("Winbond 89C940", ChipFlags::NONE)),
        (0x11f6, 0x1401, c("Compex RL2000", ChipFlags::NONE)),
        (0x8e2e, 0x3000, c("KTI ET32P2", ChipFlags::NONE)),
        (0x4a14, 0x5000, c("NetVin NV5000SC", ChipFlags::NONE)),
        (0x1106, 0x0926, c("Via 86C926", ChipFlags::ONLY_16BIT_IO)),
        (0x10bd, 0x0e34, c("SureCom NE34", ChipFlags::NONE)),
        (0x1050, 0x5a5a, c("Winbond W89C940F", ChipFlags::NONE)),
        (0x12c3, 0x0058, c("Holtek HT80232", ChipFlags::ONLY_16BIT_IO.union(ChipFlags::HOLTEK_FDX))),
        (0x12c3, 0x5598, c("Holtek HT80229",
            ChipFlags::ONLY_32BIT_IO.union(ChipFlags::HOLTEK_FDX).union(ChipFlags::STOP_PG_0X60))),
        (0x8c4a, 0x1980, c("Winbond W89C940(misprogrammed)", ChipFlags::NONE)),
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
}

impl ChipError {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAn8390 => "no DP8390 responds at this I/O address",
            Self::ResetTimeout => "card failure: no reset acknowledge (ISR.RST never set)",
            Self::BadStationAddress => "station address PROM holds no valid unicast MAC",
        }
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
    Ok(Prom { mac, ne2000_signature: b[14] == 0x57 && b[15] == 0x57 })
}

/// Bound on the reset-acknowledge poll: 2000 x 10 us = 20 ms (the C driver allows 2 jiffies).
const RESET_POLL_STEPS: u32 = 2000;
const RESET_POLL_US: u32 = 10;

/// The chip, as the driver sees it through a register bus.
pub struct Dp8390<B: RegisterBus> {
    bus: B,
    flags: ChipFlags,
}

impl<B: RegisterBus> Dp8390<B> {
    pub fn new(bus: B, flags: ChipFlags) -> Self {
        Self { bus, flags }
    }

    pub fn flags(&self) -> ChipFlags {
        self.flags
    }

    pub fn bus(&mut self) -> &mut B {
        &mut self.bus
    }

    /// Preliminary check that an 8390 sits at this address (as the C driver does before touching
    /// anything else): the command register must not float high, and reading a tally counter
    /// (page 0, offset 0x0d) must clear it. Restores what it changed if the check fails.
    pub fn detect(&mut self) -> Result<(), ChipError> {
        let b = &mut self.bus;
        let reg0 = b.read8(regs::CMD);
        if reg0 == 0xff {
            return Err(ChipError::NotAn8390);
        }
        b.write8(regs::CMD, cmd::NODMA | cmd::PAGE1 | cmd::STOP);
        let regd = b.read8(0x0d);
        b.write8(0x0d, 0xff);
        b.write8(regs::CMD, cmd::NODMA | cmd::PAGE0);
        b.read8(regs::P0_CNTR0); // reading clears the counter
        if b.read8(regs::P0_CNTR0) != 0 {
            b.write8(regs::CMD, reg0);
            b.write8(0x0d, regd);
            return Err(ChipError::NotAn8390);
        }
        Ok(())
    }

    /// Hardware reset through the NE2000 reset port; waits (bounded) for ISR.RST, then acks all
    /// interrupt causes. Leaves the chip stopped with IMR as the reset left it (0).
    pub fn reset(&mut self) -> Result<(), ChipError> {
        let b = &mut self.bus;
        let v = b.read8(regs::RESET);
        b.write8(regs::RESET, v);
        let mut steps = 0;
        while b.read8(regs::P0_ISR) & isr::RST == 0 {
            steps += 1;
            if steps > RESET_POLL_STEPS {
                return Err(ChipError::ResetTimeout);
            }
            b.delay_us(RESET_POLL_US);
        }
        b.write8(regs::P0_ISR, 0xff);
        Ok(())
    }

    /// Stops the chip and masks every interrupt: the quiescent state for probe and unbind.
    pub fn quiesce(&mut self) {
        let b = &mut self.bus;
        b.write8(regs::CMD, cmd::NODMA | cmd::PAGE0 | cmd::STOP);
        b.write8(regs::P0_IMR, 0);
        b.write8(regs::P0_ISR, 0xff);
    }

    /// Reads the 16-entry station-address PROM at packet-buffer address 0, with the
    /// initialisation sequence the C driver found necessary ("we can't reliably read the SAPROM
    /// address without this"): stopped, word-wide, receiver in monitor mode, transmitter in
    /// loopback, remote read of 32 bytes from 0.
    pub fn read_prom(&mut self) -> [u16; regs::PROM_WORDS] {
        let seq: [(u8, u8); 13] = [
            (regs::CMD, cmd::NODMA | cmd::PAGE0 | cmd::STOP),
            (regs::P0_DCR, dcr::NE2000),
            (regs::P0_RBCR0, 0),
            (regs::P0_RBCR1, 0),
            (regs::P0_IMR, 0),
            (regs::P0_ISR, 0xff),
            (regs::P0_RCR, rcr::MON),
            (regs::P0_TCR, tcr::LOOPBACK),
            (regs::P0_RBCR0, (regs::PROM_WORDS * 2) as u8),
            (regs::P0_RBCR1, 0),
            (regs::P0_RSAR0, 0),
            (regs::P0_RSAR1, 0),
            (regs::CMD, cmd::RREAD | cmd::START),
        ];
        for (reg, val) in seq {
            self.bus.write8(reg, val);
        }
        let mut raw = [0u8; regs::PROM_WORDS * 2];
        if self.flags.contains(ChipFlags::ONLY_32BIT_IO) {
            self.bus.data_in32(&mut raw);
        } else {
            self.bus.data_in16(&mut raw);
        }
        self.bus.write8(regs::P0_ISR, isr::RDC);
        let mut words = [0u16; regs::PROM_WORDS];
        for (i, w) in words.iter_mut().enumerate() {
            *w = u16::from_le_bytes([raw[2 * i], raw[2 * i + 1]]);
        }
        words
    }

    /// Probe-time bring-up: detect, reset, read and validate the PROM, leave the chip quiesced.
    pub fn probe(&mut self) -> Result<Prom, ChipError> {
        self.detect()?;
        self.reset()?;
        let words = self.read_prom();
        self.quiesce();
        parse_prom(&words)
    }
}
