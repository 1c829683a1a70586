// SPDX-License-Identifier: GPL-2.0
//! x86 port I/O on the NE2000's I/O BAR: the kernel side of [`RegisterBus`].
//!
//! With the net layer (`netdev/`), the only `unsafe` code of the module: every `unsafe` block
//! that touches the hardware is here. The instructions are exactly those of
//! `arch/x86/include/asm/io.h` (`inb`/`outb`/`insw`/`insl`/`outsw`/`outsl`), inlined.

use super::bus::RegisterBus;
use crate::netdev::IoRegion;
use core::marker::PhantomData;
use core::mem::MaybeUninit;

#[cfg(not(target_arch = "x86_64"))]
compile_error!("ne2k_rs port I/O is implemented for x86_64 only");

/// An I/O-port window of `NE_IO_EXTENT` bytes that the driver has claimed, usable for `'a`.
///
/// # Invariants
///
/// `base..base + NE_IO_EXTENT` is an I/O port range reserved for this driver and mapped to an
/// NE2000-compatible card for all of `'a` (made from a `netdev::IoRegion`, whose invariant that
/// is, `'a` the device's binding).
pub struct PortBus<'a> {
    base: u16,
    _window: PhantomData<&'a ()>,
}

impl<'a> PortBus<'a> {
    /// A bus over the window `region` claimed, usable while the device is bound (`'a`), or
    /// `None` if the window is smaller than the NE2000's `NE_IO_EXTENT` ports.
    pub fn new(region: &IoRegion<'a>) -> Option<Self> {
        if region.extent() < super::regs::NE_IO_EXTENT {
            return None;
        }
        // INVARIANT: by `IoRegion`'s invariant its `NE_IO_EXTENT` (or more) ports are reserved
        // for this driver until the binding `'a` ends; the bus lives at most that long.
        Some(Self {
            base: region.port_base(),
            _window: PhantomData,
        })
    }

    #[inline(always)]
    fn port(&self, reg: u8) -> u16 {
        debug_assert!(u64::from(reg) < super::regs::NE_IO_EXTENT);
        // No overflow: by the type invariant the whole window is a range of ports.
        self.base.wrapping_add(u16::from(reg))
    }
}

impl RegisterBus for PortBus<'_> {
    #[inline(always)]
    fn read8(&mut self, reg: u8) -> u8 {
        let v: u8;
        // SAFETY: by the type invariant the port is inside our reserved window; `in` has no
        // memory side effects visible to Rust.
        unsafe {
            core::arch::asm!("in al, dx", out("al") v, in("dx") self.port(reg),
                             options(nomem, nostack, preserves_flags))
        };
        v
    }

    #[inline(always)]
    fn write8(&mut self, reg: u8, val: u8) {
        // SAFETY: by the type invariant the port is inside our reserved window.
        unsafe {
            core::arch::asm!("out dx, al", in("al") val, in("dx") self.port(reg),
                             options(nomem, nostack, preserves_flags))
        };
    }

    #[inline]
    fn data_in16<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8] {
        debug_assert!(dst.len() % 2 == 0);
        // Whole words only: what is returned is what the port wrote, whatever the length.
        let whole = dst.len() & !1;
        let dst = &mut dst[..whole];
        // SAFETY: `rep insw` stores `rcx` words at `rdi`, which is `dst` (exclusive, and
        // `dst.len() / 2` words long; storing to uninitialised bytes is what `MaybeUninit`
        // allows); DF is clear per the kernel ABI; the port is ours.
        unsafe {
            core::arch::asm!("rep insw", in("dx") self.port(super::regs::DATAPORT),
                             inout("rdi") dst.as_mut_ptr() => _, inout("rcx") dst.len() / 2 => _,
                             options(nostack, preserves_flags))
        };
        // SAFETY: the `rep insw` above wrote every byte of `dst` (cut to an even length above),
        // so all are initialised; the result borrows `dst` exclusively, as the argument did.
        unsafe { core::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<u8>(), dst.len()) }
    }

    #[inline]
    fn data_in32<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8] {
        debug_assert!(dst.len() % 4 == 0);
        let whole = dst.len() & !3;
        let dst = &mut dst[..whole];
        // SAFETY: as `data_in16`, with `dst.len() / 4` doublewords.
        unsafe {
            core::arch::asm!("rep insd", in("dx") self.port(super::regs::DATAPORT),
                             inout("rdi") dst.as_mut_ptr() => _, inout("rcx") dst.len() / 4 => _,
                             options(nostack, preserves_flags))
        };
        // SAFETY: the `rep insd` above wrote every byte of `dst` (cut to a multiple of 4).
        unsafe { core::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<u8>(), dst.len()) }
    }

    #[inline(always)]
    fn data_read32(&mut self) -> u32 {
        let v: u32;
        // SAFETY: by the type invariant the data port is inside our reserved window; `in` has
        // no memory side effects visible to Rust.
        unsafe {
            core::arch::asm!("in eax, dx", out("eax") v, in("dx") self.port(super::regs::DATAPORT),
                             options(nomem, nostack, preserves_flags))
        };
        v
    }

    #[inline(always)]
    fn data_read16(&mut self) -> u16 {
        let v: u16;
        // SAFETY: as `data_read32`.
        unsafe {
            core::arch::asm!("in ax, dx", out("ax") v, in("dx") self.port(super::regs::DATAPORT),
                             options(nomem, nostack, preserves_flags))
        };
        v
    }

    #[inline]
    fn data_out16(&mut self, src: &[u8]) {
        debug_assert!(src.len() % 2 == 0);
        // SAFETY: `rep outsw` reads `rcx` words from `rsi`, which is `src` (`src.len() / 2`
        // words long); DF is clear per the kernel ABI; the port is ours.
        unsafe {
            core::arch::asm!("rep outsw", in("dx") self.port(super::regs::DATAPORT),
                             inout("rsi") src.as_ptr() => _, inout("rcx") src.len() / 2 => _,
                             options(nostack, preserves_flags, readonly))
        };
    }

    #[inline]
    fn data_out32(&mut self, src: &[u8]) {
        debug_assert!(src.len() % 4 == 0);
        // SAFETY: as `data_out16`, with `src.len() / 4` doublewords.
        unsafe {
            core::arch::asm!("rep outsd", in("dx") self.port(super::regs::DATAPORT),
                             inout("rsi") src.as_ptr() => _, inout("rcx") src.len() / 4 => _,
                             options(nostack, preserves_flags, readonly))
        };
    }

    #[inline]
    fn delay_us(&mut self, us: u32) {
        kernel::time::delay::udelay(kernel::time::Delta::from_micros(i64::from(us)));
    }

    #[inline(always)]
    fn cycles(&mut self) -> u64 {
        // The net layer's cycle counter: the clock its interrupt trampoline reads at entry.
        crate::netdev::cycles()
    }
}
