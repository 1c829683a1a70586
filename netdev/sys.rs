// SPDX-License-Identifier: GPL-2.0
//! Raw declarations the kernel crate's `bindings` do not have: netdevice.h's `net_device_ops`
//! and `rtnl_link_stats64`, the exported netdev functions the driver calls, and the C shims of
//! `netdev/helpers.c`.
//!
//! Kbuild writes them with bindgen from `helpers.h`, with the C flags the kernel's own
//! bindings are made with, so their layout is the compiled kernel's. Every type they mention
//! that the kernel crate already binds (`net_device`, `sk_buff`, `napi_struct`, `pci_dev`,
//! `ethtool_ops`, ...) resolves to the kernel crate's, through the glob import below: a pointer
//! from either set of bindings is the same Rust type. Only the net layer (netdev/) uses this
//! module.

#![allow(
    // What the kernel's rust/bindings allows in its generated code, for the same reasons.
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn
)]

use kernel::bindings::*;
use kernel::ffi;
use pin_init::MaybeZeroable;

include!("bindings_generated.rs");
