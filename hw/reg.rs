// SPDX-License-Identifier: GPL-2.0
//! Typed, page-aware register access, on top of the raw byte access of a
//! [`RegisterBus`](crate::hw::bus::RegisterBus).
//!
//! The shape is that of the kernel's `kernel::io::register!` (Linux 7.3,
//! `rust/kernel/io/register.rs`): a type per register that knows its offset, read with
//! `io.read(REG)` and written with `io.write(REG, value)`, the raw byte access of the bus (like
//! upstream's `Io`) as the backend. What the kernel's macro has no notion of, and the DP8390
//! needs, is the register page: CR's PS1/PS0 bits select which of four register sets the offsets
//! 0x01..0x0f reach, and on page 0 an offset can even mean one register when read and another
//! when written (0x04: TSR read, TPSR write). So each register also has
//!
//! - a page: [`Page0`], [`Page1`], [`Page2`], or [`AnyPage`] for the page-independent ones (CR,
//!   the NE2000 reset port);
//! - a direction: [`Readable`], [`Writable`], or both.
//!
//! Register access goes through an [`On<A, P>`]: page `P` is selected on the chip behind the
//! backend `A`. The driver's resting state is page 0 (every hold of the chip ends there), so
//! [`On::page0`] is where it starts; a page-1 or page-2 register is reachable only inside
//! [`On::with_page`], which writes CR with the page selected at entry and writes the page-0
//! command given at exit: two CR writes, the same port accesses as a hand-written page switch.
//! The page-independent registers are reached from the page-0 context only: writing CR or the
//! reset port inside a scope would change the page under it.
//!
//! What the types do not track, on purpose: a `Cr` made from a byte
//! (`Cr::from_bits`, a CR value read back) may select any
//! page, and [`ByteIo`] writes any offset. The driver uses both once, in the probe's restore of
//! a chip that is not an 8390 (`Dp8390::detect`: ne2k-pci writes back the CR it read and then
//! offset 0x0d on whatever page that selects).
//!
//! Everything is `#[inline(always)]` and generic: a register is a zero-sized type, a value a
//! `u8` newtype, so an access compiles to the bus's `read8`/`write8` at a constant offset.
//!
//! A page-1 register is not reachable on page 0:
//!
//! ```compile_fail,E0277
//! use ne2k_host::hw::reg::On;
//! use ne2k_host::hw::regs::p1;
//! use ne2k_host::hw::RegisterBus;
//!
//! fn curr<B: RegisterBus>(bus: &mut B) -> u8 {
//!     On::page0(bus).read(p1::CURR) // error: `CURR` is not `Readable<Page0>`
//! }
//! ```
//!
//! nor a page-0 register inside a page-1 scope:
//!
//! ```compile_fail,E0277
//! use ne2k_host::hw::reg::{On, Page1};
//! use ne2k_host::hw::regs::{p0, Cr};
//! use ne2k_host::hw::RegisterBus;
//!
//! fn isr<B: RegisterBus>(bus: &mut B) {
//!     On::page0(bus).with_page::<Page1, _, _>(Cr::START, Cr::START, |p1| p1.read(p0::ISR));
//! }
//! ```
//!
//! nor is a read-only register writable:
//!
//! ```compile_fail,E0277
//! use ne2k_host::hw::reg::On;
//! use ne2k_host::hw::regs::{p0, Tsr};
//! use ne2k_host::hw::RegisterBus;
//!
//! fn tsr<B: RegisterBus>(bus: &mut B) {
//!     On::page0(bus).write(p0::TSR, Tsr::PTX); // error: `TSR` is not `Writable<Page0>`
//! }
//! ```
//!
//! What compiles (here against the host tests' software DP8390):
//!
//! ```
//! use ne2k_host::hw::reg::{On, Page1};
//! use ne2k_host::hw::regs::{p0, p1, Cr, Isr};
//! use ne2k_host::model::{Access, Model};
//!
//! let mut m = Model::new([0x52, 0x54, 0, 0x12, 0x34, 0x56], 32);
//! let mut p0 = On::page0(&mut m);
//! p0.write(p0::IMR, Isr::ALL);
//! let pending = p0.read(p0::ISR);
//! assert!(pending.contains(Isr::RST)); // a fresh chip is in reset
//! // CURR is a page-1 register: reachable inside the scope, which restores page 0.
//! let curr = p0.with_page::<Page1, _, _>(Cr::START, Cr::START, |p1| {
//!     p1.write(p1::CURR, 0x4c);
//!     p1.read(p1::CURR)
//! });
//! assert_eq!(curr, 0x4c);
//! assert_eq!(m.cmd >> 6, 0, "back on page 0");
//! assert_eq!(m.log.len(), 6, "IMR, ISR, CR, CURR, CURR, CR: nothing more");
//! assert_eq!(m.log[2], Access::Write(0x00, Cr::START.bits() | 0x40));
//! ```

use crate::hw::bus::RegisterBus;
use core::marker::PhantomData;

/// Register page 0 (the driver's resting page: every hold of the chip ends on it).
pub enum Page0 {}
/// Register page 1: the station address (PAR0-5), CURR, the multicast filter (MAR0-7).
pub enum Page1 {}
/// Register page 2: page 0's write-only registers read back (diagnostics).
pub enum Page2 {}
/// A page-independent register (CR, the NE2000 reset and data ports). Reached from the page-0
/// context only: writing one inside a page scope would change the page under it.
pub enum AnyPage {}

/// A register page marker.
pub trait Page {
    /// The context a register of this page is reached from ([`AnyPage`]'s: page 0).
    type Ctx;
}
impl Page for Page0 {
    type Ctx = Page0;
}
impl Page for Page1 {
    type Ctx = Page1;
}
impl Page for Page2 {
    type Ctx = Page2;
}
impl Page for AnyPage {
    type Ctx = Page0;
}

/// A page that [`On::with_page`] can select.
pub trait SelectablePage {
    /// CR's page-select bits (PS1, PS0) for this page.
    const PS: u8;
}
impl SelectablePage for Page1 {
    const PS: u8 = 0x40;
}
impl SelectablePage for Page2 {
    const PS: u8 = 0x80;
}

/// A value of the command register, where the page is selected (the DP8390's CR: `Cr` in
/// `hw/regs.rs`, which implements this): the mechanism here knows no register map.
pub trait PageSelect: Copy {
    /// The command register's offset.
    const OFFSET: u8;
    /// The value's bits.
    fn bits(self) -> u8;
}

/// CR's page-select bits.
const PS_MASK: u8 = 0xc0;

/// A register: where it is, on which page, and what its value is. Implemented by
/// `register!` (this module) for zero-sized types named after the register.
pub trait Register: Copy {
    /// The value read or written: `u8`, or a bitfield type such as `Isr`.
    type Value: Copy + From<u8> + Into<u8>;
    /// [`Page0`], [`Page1`], [`Page2`] or [`AnyPage`].
    type Page: Page;
    /// Offset from the I/O base.
    const OFFSET: u8;
}

/// A block of registers at consecutive offsets (PAR0-5, MAR0-7), [`Register::OFFSET`] the first.
pub trait RegisterArray: Register {
    /// Number of registers in the block.
    const SIZE: usize;
}

/// The register can be read in page context `P`.
pub trait Readable<P>: Register {}
/// The register can be written in page context `P`.
pub trait Writable<P>: Register {}

/// The typed layer's backend: byte access at an offset from the I/O base (upstream's `Io`).
/// Every [`RegisterBus`] is one; the chip logic puts its own in front (it counts the accesses
/// in the host build).
pub trait ByteIo {
    /// Reads the byte register at `offset`.
    fn read_byte(&mut self, offset: u8) -> u8;
    /// Writes the byte register at `offset`.
    fn write_byte(&mut self, offset: u8, val: u8);
}

impl<B: RegisterBus> ByteIo for B {
    #[inline(always)]
    fn read_byte(&mut self, offset: u8) -> u8 {
        self.read8(offset)
    }
    #[inline(always)]
    fn write_byte(&mut self, offset: u8, val: u8) {
        self.write8(offset, val)
    }
}

/// The registers of page `P`, through the backend `A` (which has page `P` selected).
pub struct On<'a, A: ?Sized, P> {
    io: &'a mut A,
    page: PhantomData<P>,
}

impl<'a, A: ByteIo + ?Sized> On<'a, A, Page0> {
    /// The page-0 context: the caller's rule is that page 0 is selected between page scopes
    /// (the driver's: every hold of the chip ends on page 0; only [`Self::with_page`] selects
    /// another page, and it selects page 0 again).
    #[inline(always)]
    pub fn page0(io: &'a mut A) -> Self {
        On {
            io,
            page: PhantomData,
        }
    }

    /// Selects page `P` (the command register: `enter` with its page-select bits set to
    /// `P`'s), runs `f` with that page's registers, and writes `leave` to the command register.
    /// `leave` must select page 0, as every `Cr` built by name does (`Cr::STOP`, `Cr::run`,
    /// ...). Two port accesses besides `f`'s.
    #[inline(always)]
    pub fn with_page<P: SelectablePage, T, C: PageSelect>(
        &mut self,
        enter: C,
        leave: C,
        f: impl FnOnce(&mut On<'_, A, P>) -> T,
    ) -> T {
        let cr = (enter.bits() & !PS_MASK) | P::PS;
        self.io.write_byte(C::OFFSET, cr);
        let r = f(&mut On {
            io: &mut *self.io,
            page: PhantomData,
        });
        self.io.write_byte(C::OFFSET, leave.bits());
        r
    }
}

impl<A: ByteIo + ?Sized, P> On<'_, A, P> {
    /// Reads register `R` (one port access).
    #[inline(always)]
    pub fn read<R: Readable<P>>(&mut self, _reg: R) -> R::Value {
        R::Value::from(self.io.read_byte(R::OFFSET))
    }

    /// Writes `val` to register `R` (one port access).
    #[inline(always)]
    pub fn write<R: Writable<P>>(&mut self, _reg: R, val: R::Value) {
        self.io.write_byte(R::OFFSET, val.into())
    }

    /// Writes a sequence of register writes kept as data ([`Write`]s, built by [`Write::new`]),
    /// in order, one port access each: a table like the C drivers' `program_seq`.
    #[inline(always)]
    pub fn write_seq<const N: usize>(&mut self, seq: [Write<P>; N]) {
        for w in seq {
            self.io.write_byte(w.offset, w.val);
        }
    }

    /// Writes `vals` to the registers of block `R` in order, one port access each; `N` must be
    /// the block's size (checked at compile time).
    #[inline(always)]
    pub fn write_all<R: RegisterArray + Writable<P>, const N: usize>(
        &mut self,
        _reg: R,
        vals: [R::Value; N],
    ) {
        const { assert!(N == R::SIZE) };
        for (offset, v) in (R::OFFSET..).zip(vals) {
            self.io.write_byte(offset, v.into());
        }
    }
}

/// One register write of a sequence ([`On::write_seq`]), checked when built: `R` is writable
/// in page context `P`.
#[derive(Clone, Copy)]
pub struct Write<P> {
    offset: u8,
    val: u8,
    page: PhantomData<P>,
}

impl<P> Write<P> {
    /// The write of `val` to register `R`.
    #[inline(always)]
    pub fn new<R: Writable<P>>(_reg: R, val: R::Value) -> Self {
        Write {
            offset: R::OFFSET,
            val: val.into(),
            page: PhantomData,
        }
    }
}

/// Declares registers: a zero-sized type per register, with its offset, page, value type and
/// direction (`r`, `w` or `rw`); `[N]` after the value type declares a block of `N` registers
/// at consecutive offsets.
///
/// ```ignore
/// register! {
///     /// Interrupt status: the causes pending; writing ones acks them.
///     pub ISR(Isr) @ 0x07 on Page0, rw;
///     /// Transmit status of the last transmission (page 0 0x04 read; TPSR is the write).
///     pub TSR(Tsr) @ 0x04 on Page0, r;
///     /// The station address.
///     pub PAR(u8)[6] @ 0x01 on Page1, rw;
/// }
/// ```
macro_rules! register {
    (@dir $name:ident $page:ident r) => {
        impl $crate::hw::reg::Readable<
            <$crate::hw::reg::$page as $crate::hw::reg::Page>::Ctx> for $name {}
    };
    (@dir $name:ident $page:ident w) => {
        impl $crate::hw::reg::Writable<
            <$crate::hw::reg::$page as $crate::hw::reg::Page>::Ctx> for $name {}
    };
    (@dir $name:ident $page:ident rw) => {
        $crate::hw::reg::register!(@dir $name $page r);
        $crate::hw::reg::register!(@dir $name $page w);
    };
    (@size $name:ident) => {};
    (@size $name:ident $size:literal) => {
        impl $crate::hw::reg::RegisterArray for $name {
            const SIZE: usize = $size;
        }
    };
    ($(
        $(#[$meta:meta])*
        $vis:vis $name:ident($value:ty)$([$size:literal])? @ $offset:literal on $page:ident,
        $dir:ident;
    )*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug)]
        #[allow(clippy::upper_case_acronyms, reason = "the datasheet's register names")]
        $vis struct $name;

        impl $name {
            /// Offset from the I/O base (for code that decodes raw offsets, such as a model).
            pub const OFFSET: u8 = $offset;
        }

        impl $crate::hw::reg::Register for $name {
            type Value = $value;
            type Page = $crate::hw::reg::$page;
            const OFFSET: u8 = $offset;
        }

        $crate::hw::reg::register!(@size $name $($size)?);
        $crate::hw::reg::register!(@dir $name $page $dir);
    )*};
}
pub(crate) use register;

/// Declares a register value type: a `u8` newtype with named bits (or bit combinations),
/// `contains`/`intersects`, `|`, `&`, `-` (difference), and `u8` conversions, all `const` and
/// free.
macro_rules! bitfield {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                const $flag:ident = $bits:expr;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
        #[repr(transparent)]
        $vis struct $name(u8);

        #[allow(dead_code, reason = "a register's whole bit map, not all of it used")]
        impl $name {
            $(
                $(#[$fmeta])*
                pub const $flag: Self = Self($bits);
            )*

            /// No bit set.
            #[inline(always)]
            pub const fn empty() -> Self {
                Self(0)
            }
            /// The value of the register byte `bits` (every bit kept, named or not).
            #[inline(always)]
            pub const fn from_bits(bits: u8) -> Self {
                Self(bits)
            }
            /// The register byte.
            #[inline(always)]
            pub const fn bits(self) -> u8 {
                self.0
            }
            /// Every bit of `other` is set.
            #[inline(always)]
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }
            /// Some bit of `other` is set.
            #[inline(always)]
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }
            /// No bit is set.
            #[inline(always)]
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }
            /// The bits of either.
            #[inline(always)]
            pub const fn union(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }
            /// The bits of both.
            #[inline(always)]
            pub const fn intersection(self, other: Self) -> Self {
                Self(self.0 & other.0)
            }
            /// The bits of `self` not in `other`.
            #[inline(always)]
            pub const fn difference(self, other: Self) -> Self {
                Self(self.0 & !other.0)
            }
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            #[inline(always)]
            fn bitor(self, other: Self) -> Self {
                self.union(other)
            }
        }
        impl core::ops::BitOrAssign for $name {
            #[inline(always)]
            fn bitor_assign(&mut self, other: Self) {
                *self = self.union(other);
            }
        }
        impl core::ops::BitAnd for $name {
            type Output = Self;
            #[inline(always)]
            fn bitand(self, other: Self) -> Self {
                self.intersection(other)
            }
        }
        impl core::ops::Sub for $name {
            type Output = Self;
            #[inline(always)]
            fn sub(self, other: Self) -> Self {
                self.difference(other)
            }
        }
        impl From<u8> for $name {
            #[inline(always)]
            fn from(bits: u8) -> Self {
                Self(bits)
            }
        }
        impl From<$name> for u8 {
            #[inline(always)]
            fn from(v: $name) -> u8 {
                v.0
            }
        }
    };
}
pub(crate) use bitfield;
