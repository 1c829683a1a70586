// SPDX-License-Identifier: GPL-2.0
//! A net-device layer for Rust network drivers: safe types over the kernel's C interfaces that
//! Linux 7.3's kernel crate has no abstraction for (`net_device`, NAPI, `sk_buff`, XDP,
//! ethtool, queue statistics, legacy PCI I/O-port BARs and INTx lines, PCI power management,
//! debugfs files that pin their module).
//!
//! The layer knows no driver: it imports nothing from the rest of the crate, and a driver uses
//! it the way it uses the kernel crate. It and `hw/port.rs` (port I/O) are the crate's only
//! `unsafe` code; every other module denies `unsafe_code` (`ne2k_rs.rs`). Each `unsafe` block
//! here carries a `// SAFETY:` comment and each type its `# Invariants`.
//!
//! - [`device`]: [`EtherDev`] (allocated), [`Registration`] (registered, RAII), [`NetDev`] (the
//!   device a callback gets), [`PowerOps`];
//! - [`ops`]: the driver's callbacks: [`NetDevOps`] (`#[vtable]` `net_device_ops`),
//!   [`EthtoolOps`], [`StatOps`]; [`Tables`] builds the C tables;
//! - [`napi`]: [`Napi`]: a NAPI context during its poll (receive buffers, GRO);
//! - [`skb`]: [`SkBuff`] (a frame to send, freed once with the right reason), [`RxSkb`] (a
//!   frame received);
//! - [`xdp`]: [`RxPage`], [`XdpProg`], [`XdpVerdict`], [`XdpTxFrame`];
//! - [`lock`]: [`BhSpinLock`]: a `spinlock_t` lock for state shared by process context,
//!   softirq and a hard IRQ;
//! - [`pci`]: [`IoRegion`] (an I/O-port BAR claimed), [`IrqLine`], [`PciPmAdapter`],
//!   [`pci_device_id`];
//! - [`debugfs`]: [`DebugfsRoot`], [`DebugfsDir`] with a [`SeqShow`] file;
//! - [`alloc`]: [`kvzalloc`]: a large zeroed value in place;
//! - [`trace`]: macros that declare a C tracepoint, a static key and a C `u32` as safe Rust
//!   functions.
//!
//! The C shims it calls (static inlines and macros, `netdev/helpers.c`) are declared by
//! bindgen in [`sys`].
//!
//! # Examples
//!
//! A driver's state implements the ops traits; probe allocates and registers the device; the
//! [`Registration`] unregisters it when dropped:
//!
//! ```ignore
//! struct Card { /* ... */ }
//!
//! #[vtable]
//! impl NetDevOps for Card {
//!     fn open(&self, dev: &NetDev) -> Result {
//!         dev.napi_enable();
//!         dev.start_queue();
//!         Ok(())
//!     }
//!     fn stop(&self, dev: &NetDev) {
//!         dev.napi_disable();
//!         dev.stop_queue();
//!     }
//!     fn start_xmit<'c>(&self, _dev: &NetDev, skb: SkBuff<'c>) -> NetdevTx<'c> {
//!         skb.consume();
//!         NetdevTx::Ok
//!     }
//!     fn poll(&self, _dev: &NetDev, _napi: &Napi, _budget: i32) -> i32 {
//!         0
//!     }
//!     fn irq(&self, _dev: &NetDev, _entered: u64) -> IrqReturn {
//!         IrqReturn::None
//!     }
//! }
//!
//! #[vtable]
//! impl EthtoolOps for Card {
//!     const DRIVER: &'static CStr = c"card";
//! }
//!
//! #[vtable]
//! impl StatOps for Card {}
//!
//! // In probe:
//! let reg = EtherDev::alloc(pdev)?
//!     .register(Arc::new(Card { /* ... */ }, GFP_KERNEL)?, &cfg)
//!     .map_err(|e| e.err)?;
//! ```

pub mod alloc;
pub mod debugfs;
pub mod device;
pub mod lock;
pub mod napi;
pub mod ops;
pub mod pci;
pub mod skb;
pub mod sys;
pub mod trace;
pub mod xdp;

pub use alloc::{kvzalloc, Zeroed};
pub use debugfs::{DebugfsDir, DebugfsRoot, SeqShow};
pub use device::{
    EtherDev, IrqReturn, McList, NetDev, NetDevConfig, NetdevTx, PowerOps, Registration,
};
pub use lock::{irqs_disabled, lock_bh_off, try_lock_irq_off, BhSpinLock, BhSpinLockGuard};
pub use napi::Napi;
pub use ops::{EthtoolOps, LinkStats64, NetDevOps, QueueStats, RingSizes, StatOps, Tables};
pub use pci::{pci_device_id, IoRegion, IoRegionError, IrqLine, PciPm, PciPmAdapter};
pub use skb::{RxSkb, SkBuff, XdpPassSkb, RX_SLACK};
pub use xdp::{
    RxPage, XdpProg, XdpTxFrame, XdpVerdict, XDP_ACT_BASIC, XDP_ACT_NDO_XMIT, XDP_ACT_REDIRECT,
};

/// The CPU's cycle counter (`get_cycles()`: the TSC on x86), for timing a driver's own stages;
/// [`NetDevOps::irq`] gets it read at the handler's first instruction. Not serialising.
///
/// # Examples
///
/// ```ignore
/// fn irq(&self, dev: &NetDev, entered: u64) -> IrqReturn {
///     let handled = self.handle(dev);
///     self.stats.hard_irq(netdev::cycles().wrapping_sub(entered));
///     handled
/// }
/// ```
#[inline(always)]
pub fn cycles() -> u64 {
    // SAFETY: `rdtsc` only reads the TSC into registers; the kernel runs with CR4.TSD clear.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Where the layer's `napi_struct` is in a net_device: the private area's offset and the
/// field's (`struct rnet_priv`, helpers.h).
const NAPI_OFFSET: usize = sys::RNET_PRIV_OFFSET as usize + sys::RNET_NAPI_IN_PRIV as usize;
