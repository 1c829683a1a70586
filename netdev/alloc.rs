// SPDX-License-Identifier: GPL-2.0
//! Large values allocated zeroed in place ([`kvzalloc`]), for types whose all-zero bytes are a
//! valid value ([`Zeroed`], implemented for a struct of such fields by [`zeroed_struct!`]).

use core::sync::atomic::{
    AtomicBool, AtomicI32, AtomicI64, AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize,
};
use kernel::alloc::flags::{__GFP_ZERO, GFP_KERNEL};
use kernel::alloc::KVBox;
use kernel::prelude::*;

/// A type whose all-zero bytes are a valid value (like `pin_init::Zeroable`, which the kernel
/// crate does not implement for the atomic integers): what [`kvzalloc`] can make without
/// writing it.
///
/// Implemented here for the integers, `bool`, the atomic integers and arrays of them; a driver
/// implements it for its own struct with [`zeroed_struct!`](crate::zeroed_struct), which checks
/// every field, rather than with an `unsafe impl` of its own.
///
/// # Examples
///
/// ```ignore
/// use core::sync::atomic::AtomicU64;
/// use kernel::alloc::KVBox;
///
/// /// Per-card counters, too large for the stack.
/// struct Hist {
///     sum: AtomicU64,
///     buckets: [AtomicU64; 4096],
/// }
/// crate::zeroed_struct!(Hist { sum, buckets });
///
/// let hist: KVBox<Hist> = netdev::kvzalloc::<Hist>()?;
/// ```
///
/// # Safety
///
/// All-zero bytes are a valid value of `Self`.
pub unsafe trait Zeroed {}

macro_rules! zeroed {
    ($($t:ty),*) => {
        // SAFETY: zero is a valid integer, boolean (false) and atomic integer.
        $(unsafe impl Zeroed for $t {})*
    };
}
zeroed!(u8, u16, u32, u64, usize, i32, i64, bool);
zeroed!(
    AtomicU8,
    AtomicU16,
    AtomicU32,
    AtomicU64,
    AtomicUsize,
    AtomicI32,
    AtomicI64,
    AtomicBool
);

// SAFETY: an array of zero-valid elements is zero-valid (it has no other bytes).
unsafe impl<T: Zeroed, const N: usize> Zeroed for [T; N] {}

/// Requires `T: Zeroed` ([`zeroed_struct!`]'s check of each field).
#[doc(hidden)]
pub const fn field_is_zeroed<T: Zeroed>(_: &T) {}

/// `unsafe impl Zeroed` for a struct, checked: the pattern names every field (a field added to
/// the struct and not here fails to compile: the pattern has no `..`) and each field's type
/// must be [`Zeroed`]. A struct whose fields are all zero-valid is zero-valid (padding is no
/// part of a value).
///
/// # Examples
///
/// ```ignore
/// struct Hist {
///     sum: AtomicU64,
///     buckets: [AtomicU64; 32],
/// }
/// crate::zeroed_struct!(Hist { sum, buckets });
/// ```
#[macro_export]
macro_rules! zeroed_struct {
    ($t:ident { $($f:ident),* $(,)? }) => {
        const _: () = {
            #[allow(dead_code)]
            fn every_field_is_zeroed(v: &$t) {
                let $t { $($f),* } = v;
                $($crate::netdev::alloc::field_is_zeroed($f);)*
            }
            // SAFETY: every field of the struct is `Zeroed` (checked above).
            #[allow(unsafe_code)]
            unsafe impl $crate::netdev::alloc::Zeroed for $t {}
        };
    };
}

/// Allocates a `T` zeroed, in place (`kvmalloc` with `__GFP_ZERO`: never built on the stack,
/// and vmalloc may serve a large one). Sleeps (`GFP_KERNEL`): process context only.
///
/// # Examples
///
/// ```ignore
/// // 70 KiB of statistics, shared by the datapath and a debugfs file.
/// let stats = Arc::new(netdev::kvzalloc::<StageStats>()?, GFP_KERNEL)?;
/// ```
pub fn kvzalloc<T: Zeroed>() -> Result<KVBox<T>> {
    let zeroed = KVBox::<T>::new_uninit(GFP_KERNEL | __GFP_ZERO)?;
    // SAFETY: the memory is zeroed (`__GFP_ZERO`), and all-zero bytes are a valid `T`
    // (`T: Zeroed`).
    Ok(unsafe { zeroed.assume_init() })
}
