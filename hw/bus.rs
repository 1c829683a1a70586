// SPDX-License-Identifier: GPL-2.0
//! The register-bus abstraction the chip logic (`dp8390.rs`) is written against.
//!
//! In the kernel it is port I/O on the card's BAR 0 (`hw/port.rs`); on the host it is a software
//! DP8390 model (`tests/host/model.rs`). Nothing here depends on the kernel crate.

use core::mem::MaybeUninit;

/// Byte-wide register access plus the NE2000 data port, relative to the card's I/O base.
///
/// `&mut self` everywhere: the 8390's page select makes every access depend on chip-global
/// state, so whoever holds the bus must hold it exclusively.
pub trait RegisterBus {
    /// Reads the byte register at `reg` (0x00..0x1f).
    fn read8(&mut self, reg: u8) -> u8;
    /// Writes the byte register at `reg` (0x00..0x1f).
    fn write8(&mut self, reg: u8, val: u8);
    /// Reads `dst.len() / 2` 16-bit words from the data port (little-endian into `dst`) and
    /// returns the bytes they filled: all of `dst` when its length is even (the driver's reads
    /// are), else all but the last byte, which is left as it was. `dst` may be uninitialised
    /// memory (a receive buffer: nothing has to clear it first); the result is initialised.
    fn data_in16<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8];
    /// Reads `dst.len() / 4` 32-bit words from the data port, as `data_in16`: the result is
    /// the first `dst.len() & !3` bytes.
    fn data_in32<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8];
    /// Reads one 32-bit word from the data port (little-endian: the first byte is the low
    /// one), into a register rather than memory.
    fn data_read32(&mut self) -> u32 {
        let mut b = [MaybeUninit::uninit(); 4];
        let b = self.data_in32(&mut b);
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
    /// Reads one 16-bit word from the data port, as `data_read32`.
    fn data_read16(&mut self) -> u16 {
        let mut b = [MaybeUninit::uninit(); 2];
        let b = self.data_in16(&mut b);
        u16::from_le_bytes([b[0], b[1]])
    }
    /// Writes `src.len() / 2` 16-bit words to the data port. `src.len()` must be even.
    fn data_out16(&mut self, src: &[u8]);
    /// Writes `src.len() / 4` 32-bit words to the data port. `src.len()` must be a multiple of 4.
    fn data_out32(&mut self, src: &[u8]);
    /// Busy-waits about `us` microseconds (a no-op in the software model).
    fn delay_us(&mut self, us: u32);
    /// A free-running cycle counter for stage timing (the TSC in the kernel; the software
    /// model counts bus accesses).
    fn cycles(&mut self) -> u64;
}
