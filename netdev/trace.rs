// SPDX-License-Identifier: GPL-2.0
//! Tracepoints and static keys a driver defines in C (`TRACE_EVENT`, `DEFINE_RUST_DO_TRACE`,
//! `DEFINE_STATIC_KEY_FALSE`), as safe Rust functions: [`declare_trace!`](crate::declare_trace)
//! and [`declare_static_key!`](crate::declare_static_key). Unlike the kernel crate's
//! `declare_trace!` (an `unsafe fn`, whatever the arguments), an event here takes integers
//! only, which any C function accepts, so calling it is safe; and the check is apart from the
//! call, so that a driver gathers an event's fields only while it records.

use kernel::bindings;

/// `DEFINE_STATIC_KEY_FALSE(name)`'s type, as a struct with the key as its field (what
/// `static_branch_unlikely!` takes).
///
/// A driver does not name it: [`declare_static_key!`](crate::declare_static_key) declares the
/// C key with this type and reads it.
///
/// # Examples
///
/// ```ignore
/// // C: DEFINE_STATIC_KEY_FALSE(mydrv_stats_key);
/// crate::declare_static_key! {
///     /// The statistics' switch.
///     pub(crate) fn stats_on() = mydrv_stats_key;
/// }
/// if stats_on() {
///     // ... count ...
/// }
/// ```
#[repr(C)]
pub struct StaticKeyFalse {
    /// The key.
    pub key: bindings::static_key_false,
}

/// An integer type, passed to C by value as C passes it: the only argument type
/// [`declare_trace!`](crate::declare_trace) accepts (`u8`, `u16`, `u32`, `u64`, `i32`, `i64`).
///
/// # Examples
///
/// A tracepoint's arguments are checked against it; a pointer or a reference does not compile:
///
/// ```ignore
/// crate::declare_trace! {
///     /// `mydrv:mydrv_poll`.
///     pub(crate) fn mydrv_poll(rx: u32, budget: u32, cycles: u64);
/// }
/// ```
pub trait CInt: Copy + sealed::Sealed {}

/// Nothing outside this file can implement [`CInt`] (a pointer type, say), on which the
/// macros' safety rests.
mod sealed {
    pub trait Sealed {}
}

macro_rules! c_ints {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl CInt for $t {}
    )*};
}
c_ints!(u8, u16, u32, u64, i32, i64);

/// Requires `T: CInt` (the macros' argument check).
#[doc(hidden)]
pub const fn c_int<T: CInt>(_: T) {}

/// Declares the Rust side of tracepoints defined in the module's C (`TRACE_EVENT(name, ...)`
/// with `DEFINE_RUST_DO_TRACE(name, ...)`): for each, `fn name_enabled() -> bool` (a static-key
/// branch on `__tracepoint_name`, a patched no-op while no probe is attached) and `fn name(...)`
/// (`rust_do_trace_name`: records the event; call it after `name_enabled()`, a call while
/// nothing listens records nothing). The arguments must be integers ([`CInt`]), in the order
/// and of the types of the C prototype.
///
/// # Examples
///
/// ```ignore
/// // C: TRACE_EVENT(mydrv_irq, ...) and DEFINE_RUST_DO_TRACE(mydrv_irq, ...)
/// crate::declare_trace! {
///     /// `mydrv:mydrv_irq`.
///     pub(crate) fn mydrv_irq(isr: u32, cycles: u64);
/// }
/// if mydrv_irq_enabled() {
///     mydrv_irq(u32::from(isr), netdev::cycles() - entered);
/// }
/// ```
#[macro_export]
macro_rules! declare_trace {
    ($($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?);)*) => {
        ::kernel::macros::paste! {$(
            #[allow(improper_ctypes)] // the `tracepoint` struct: only its key's address is used
            extern "C" {
                static [<__tracepoint_ $name>]: ::kernel::bindings::tracepoint;
                fn [<rust_do_trace_ $name>]($($arg: $ty),*);
            }

            #[doc = concat!("Whether `", stringify!($name), "` records (a static-key branch).")]
            #[inline(always)]
            $vis fn [<$name _enabled>]() -> bool {
                #[allow(unsafe_code)]
                // SAFETY: querying a tracepoint's static key is always allowed; the tracepoint
                // is a C definition linked into this module (the link fails without it).
                unsafe {
                    ::kernel::jump_label::static_branch_unlikely!(
                        [<__tracepoint_ $name>],
                        ::kernel::bindings::tracepoint,
                        key
                    )
                }
            }

            $(#[$attr])*
            #[inline(always)]
            $vis fn $name($($arg: $ty),*) {
                $($crate::netdev::trace::c_int($arg);)*
                #[allow(unsafe_code)]
                // SAFETY: a `DEFINE_RUST_DO_TRACE` entry point, callable from any context, whose
                // arguments are integers (checked above): no value of them is invalid.
                unsafe { [<rust_do_trace_ $name>]($($arg),*) }
            }
        )*}
    };
}

/// Declares `fn $name() -> bool` over a static key defined in the module's C
/// (`DEFINE_STATIC_KEY_FALSE($key)`): a branch, patched to a no-op while the key is off.
///
/// # Examples
///
/// ```ignore
/// // C: DEFINE_STATIC_KEY_FALSE(mydrv_stats_key);
/// crate::declare_static_key! {
///     /// The statistics' switch (a module parameter's setter turns it on and off).
///     pub(crate) fn stats_on() = mydrv_stats_key;
/// }
/// ```
#[macro_export]
macro_rules! declare_static_key {
    ($(#[$attr:meta])* $vis:vis fn $name:ident() = $key:ident;) => {
        $(#[$attr])*
        #[inline(always)]
        $vis fn $name() -> bool {
            extern "C" {
                static $key: $crate::netdev::trace::StaticKeyFalse;
            }
            #[allow(unsafe_code)]
            // SAFETY: querying a static key is always allowed; the key is a
            // `DEFINE_STATIC_KEY_FALSE` linked into this module, whose type is `StaticKeyFalse`'s
            // field.
            unsafe {
                ::kernel::jump_label::static_branch_unlikely!(
                    $key,
                    $crate::netdev::trace::StaticKeyFalse,
                    key
                )
            }
        }
    };
}

/// Declares `fn $name() -> u32`: a `u32` the module's C defines and writes with `WRITE_ONCE`
/// (a module parameter's value, say), read once.
///
/// # Examples
///
/// ```ignore
/// // C: u32 mydrv_stats_period; (written by a parameter's setter with WRITE_ONCE)
/// crate::declare_c_u32! {
///     /// The statistics' sampling period (0: off; N: one in N).
///     pub(crate) fn stats_period() = mydrv_stats_period;
/// }
/// ```
#[macro_export]
macro_rules! declare_c_u32 {
    ($(#[$attr:meta])* $vis:vis fn $name:ident() = $sym:ident;) => {
        $(#[$attr])*
        #[inline(always)]
        $vis fn $name() -> u32 {
            extern "C" {
                static $sym: ::core::sync::atomic::AtomicU32;
            }
            #[allow(unsafe_code)]
            // SAFETY: an aligned `u32` defined in C, written with WRITE_ONCE: an atomic
            // relaxed load of it is a plain aligned load, as READ_ONCE.
            unsafe { &$sym }.load(::core::sync::atomic::Ordering::Relaxed)
        }
    };
}
