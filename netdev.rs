// SPDX-License-Identifier: GPL-2.0
//! The module's FFI layer: small safe types over the kernel's C interfaces that have no Rust
//! abstraction in 7.3 (I/O-port BARs, legacy INTx lines; the net_device/NAPI/sk_buff layer
//! joins them). Together with `hw/port.rs` this is the only place with `unsafe`.

use kernel::alloc::flags::GFP_ATOMIC;
use kernel::bindings::{self, napi_struct, net_device, sk_buff};
use kernel::device::{Bound, Core};
use kernel::error::{to_result, VTABLE_DEFAULT_ERROR};
use kernel::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use kernel::page::{Page, PAGE_SIZE};
use kernel::pci;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::Opaque;

use core::sync::atomic::{AtomicPtr, Ordering};

// The C shims (`ne2k_rs_*`) and the netdev functions and types the kernel crate lacks, declared
// by bindgen from ne2k_rs_helpers.h.
use crate::hw::port::PortBus;
use crate::stagestats::StageStats;
use crate::sys;

/// The lock backend of the chip lock: a `spinlock_t` taken with bottom halves off and
/// interrupts on (`spin_lock_bh`), or plainly where interrupts are already off (netpoll, which
/// calls the driver with interrupts disabled: `spin_unlock_bh` would warn there). `try_lock` is
/// a plain `spin_trylock`, for the hard IRQ handler, the one context that must not spin (and,
/// a trylock, not counted by lockdep as a hard-IRQ use). See `datapath.rs` for why the lock
/// keeps interrupts on.
pub struct BhSpinLockBackend;

/// A `spinlock_t` lock with the [`BhSpinLockBackend`] discipline.
pub type BhSpinLock<T> = kernel::sync::lock::Lock<T, BhSpinLockBackend>;
/// Its guard.
pub type BhSpinLockGuard<'a, T> = kernel::sync::lock::Guard<'a, T, BhSpinLockBackend>;

// SAFETY: `spinlock_t` gives mutual exclusion; every acquisition is released by the matching
// call: `GuardState` records whether `lock` disabled bottom halves.
unsafe impl kernel::sync::lock::Backend for BhSpinLockBackend {
    type State = bindings::spinlock_t;
    /// Bottom halves were disabled by the acquisition (and are enabled by the release).
    type GuardState = bool;

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: the caller passes a pointer valid for writes and a name and key that live
        // forever.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> bool {
        // SAFETY: `ne2k_rs_irqs_disabled` only reads the CPU's interrupt flag.
        if unsafe { sys::ne2k_rs_irqs_disabled() } {
            // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
            unsafe { bindings::spin_lock(ptr) };
            false
        } else {
            // SAFETY: as above.
            unsafe { sys::ne2k_rs_spin_lock_bh(ptr) };
            true
        }
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<bool> {
        // The same discipline as `lock`: the hard IRQ (interrupts off) tries it plainly; a
        // lock holder's release that takes a deferred interrupt (process or softirq context)
        // turns bottom halves off with it, or a NAPI poll on this CPU could spin on it.
        // SAFETY: `ne2k_rs_irqs_disabled` only reads the CPU's interrupt flag.
        if unsafe { sys::ne2k_rs_irqs_disabled() } {
            // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
            (unsafe { bindings::spin_trylock(ptr) } != 0).then_some(false)
        } else {
            // SAFETY: as above.
            unsafe { sys::ne2k_rs_spin_trylock_bh(ptr) }.then_some(true)
        }
    }

    unsafe fn unlock(ptr: *mut Self::State, bh: &bool) {
        // SAFETY: the caller owns the lock, taken by `lock` or `try_lock`, which set `bh`.
        unsafe {
            if *bh {
                sys::ne2k_rs_spin_unlock_bh(ptr)
            } else {
                bindings::spin_unlock(ptr)
            }
        }
    }

    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // spin_assert_is_held() is lockdep's; without lockdep it is empty, and the call into
        // its C helper (every guard's construction makes it) would be for nothing.
        #[cfg(CONFIG_LOCKDEP)]
        // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
        unsafe {
            bindings::spin_assert_is_held(ptr)
        }
        #[cfg(not(CONFIG_LOCKDEP))]
        let _ = ptr;
    }
}

/// Takes `lock` plainly (`spin_lock`), where bottom halves or interrupts are already off: a
/// softirq (the NAPI poll, the TX watchdog, another device's poll calling `ndo_xdp_xmit`),
/// `ndo_start_xmit` (the core calls it with BHs off), netpoll (interrupts off). There the
/// backend's `spin_lock_bh` would only nest a `local_bh_disable`, and its release would look
/// for pending softirqs for nothing. Called with bottom halves on, a softirq on this CPU
/// could spin on the lock under its holder: a deadlock, which is why the datapath calls it
/// only from those contexts.
#[inline(always)]
pub fn lock_bh_off<T>(lock: &BhSpinLock<T>) -> BhSpinLockGuard<'_, T> {
    let ptr = raw_spinlock(lock);
    // SAFETY: `ptr` is the lock's `spinlock_t`, initialised by `Lock::new` (the `Lock` exists),
    // and interior-mutable (`Opaque`), so the C side may write it through a shared reference.
    unsafe { bindings::spin_lock(ptr) };
    // SAFETY: the lock was just acquired; `false` records that bottom halves were not turned
    // off by it, so the guard's release is a plain `spin_unlock` (`BhSpinLockBackend::unlock`).
    unsafe { kernel::sync::lock::Guard::new(lock, false) }
}

/// Where our `napi_struct` is in a net_device: the private area's offset and the field's.
const NAPI_OFFSET: usize = sys::NE2K_RS_PRIV_OFFSET as usize + sys::NE2K_RS_NAPI_IN_PRIV as usize;

/// The `spinlock_t` of `lock`: `Lock` is `#[repr(C)]` with its `Opaque<spinlock_t>` state as the
/// first field (Linux 7.3's rust/kernel/sync/lock.rs, which `Lock::from_raw` relies on too; a
/// kernel crate that changed that layout would have to change `from_raw` as well).
#[inline(always)]
fn raw_spinlock<T>(lock: &BhSpinLock<T>) -> *mut bindings::spinlock_t {
    core::ptr::from_ref(lock)
        .cast::<bindings::spinlock_t>()
        .cast_mut()
}

/// Tries `lock` plainly (`spin_trylock`) where interrupts are off: the hard IRQ handler. Never
/// spins.
#[inline(always)]
pub fn try_lock_irq_off<T>(lock: &BhSpinLock<T>) -> Option<BhSpinLockGuard<'_, T>> {
    let ptr = raw_spinlock(lock);
    // SAFETY: `ptr` is the lock's initialised, interior-mutable `spinlock_t` (see `lock_bh_off`).
    if unsafe { bindings::spin_trylock(ptr) } == 0 {
        return None;
    }
    // SAFETY: the lock was just acquired, plainly (`false`: a plain `spin_unlock` releases it).
    Some(unsafe { kernel::sync::lock::Guard::new(lock, false) })
}

/// The device's interrupt line, masked from its own hard IRQ handler and unmasked from the
/// lock holder's release (see `Datapath::irq`).
///
/// # Invariants
///
/// `0` is the line the driver requests for the device; it is masked only by the handler,
/// between `request_irq` and `free_irq`, and each mask is undone by exactly one unmask before
/// `free_irq` (the device is closed, so no lock holder is left, before the line is freed).
pub struct IrqLine(u32);

impl IrqLine {
    pub fn new(irq: u32) -> Self {
        Self(irq)
    }

    /// `disable_irq_nosync`: callable from the line's own handler.
    pub fn disable_nosync(&self) {
        // SAFETY: the function looks the line's descriptor up by number and only changes that
        // descriptor's mask depth (it warns on a line that has none).
        unsafe { bindings::disable_irq_nosync(self.0) }
    }

    /// `enable_irq`: undoes one `disable_nosync`.
    pub fn enable(&self) {
        // SAFETY: as `disable_nosync`; by the type invariant it balances an earlier mask.
        unsafe { bindings::enable_irq(self.0) }
    }
}

/// Busy-wait `us` microseconds (`udelay`).
pub fn udelay(us: u32) {
    kernel::time::delay::udelay(kernel::time::Delta::from_micros(i64::from(us)));
}

fn raw_pdev<Ctx: kernel::device::DeviceContext>(pdev: &pci::Device<Ctx>) -> *mut bindings::pci_dev {
    // `pci::Device` is `#[repr(transparent)]` over `Opaque<bindings::pci_dev>`, itself
    // transparent over the C struct, so the reference is the `struct pci_dev *` the bus gave
    // us. (The abstraction's own `as_raw()` is crate-private.)
    core::ptr::from_ref(pdev).cast_mut().cast()
}

/// An enabled PCI device with one I/O-port window claimed, both device-managed
/// (`pcim_enable_device` + `devm_request_region`): the driver core releases the ports and
/// disables the device after the driver's data is dropped at unbind, or after a failed probe.
/// The window is lent out as a [`PortBus`] that borrows the bound device for `'a`, the lifetime
/// of the binding, so the borrow checker rejects a bus that could be used after the ports are
/// released.
///
/// # Invariants
///
/// `base..base + extent` is an I/O port range of the device's BAR, reserved for this driver until
/// the binding `'a` ends; `irq` is the device's legacy interrupt line.
pub struct IoRegion<'a> {
    /// The binding the window is reserved for.
    _dev: core::marker::PhantomData<&'a pci::Device<Bound>>,
    base: u16,
    irq: u32,
}

/// Which step of claiming the I/O region failed.
#[derive(Debug)]
pub enum IoRegionError {
    Enable(Error),
    NotIo,
    Busy,
}

impl<'a> IoRegion<'a> {
    /// Enables `pdev` and reserves `extent` ports of its BAR `bar`, named `name` in
    /// /proc/ioports, both until the driver is unbound.
    pub fn claim(
        pdev: &'a pci::Device<Core<'_>>,
        bar: u32,
        extent: u64,
        name: &'static CStr,
    ) -> core::result::Result<Self, IoRegionError> {
        let raw = raw_pdev(pdev);
        // SAFETY: `raw` is the valid device the probe callback was given, bound (a device-managed
        // enable is undone at unbind).
        to_result(unsafe { bindings::pcim_enable_device(raw) }).map_err(IoRegionError::Enable)?;
        let mut base: c_ulong = 0;
        // SAFETY: `raw` is valid and bound (above); `name` is a NUL-terminated 'static string,
        // as the resource keeps the pointer; `base` is a valid out-pointer.
        let ret = unsafe {
            sys::ne2k_rs_request_io(
                raw,
                bar as c_int,
                extent as c_ulong,
                name.as_char_ptr(),
                &mut base,
            )
        };
        if ret != 0 {
            return Err(if ret == -(bindings::EBUSY as c_int) {
                IoRegionError::Busy
            } else {
                IoRegionError::NotIo
            });
        }
        let base = u16::try_from(base).map_err(|_| IoRegionError::NotIo)?;
        // SAFETY: `raw` is valid; `irq` is set before probe and not changed while bound.
        let irq = unsafe { (*raw).irq };
        // INVARIANT: the range was reserved above, device-managed: until unbind.
        Ok(Self {
            _dev: core::marker::PhantomData,
            base,
            irq,
        })
    }

    /// First port of the window.
    pub fn base(&self) -> u64 {
        u64::from(self.base)
    }

    /// A register bus over the claimed window, usable while the device is bound.
    pub fn bus(&self) -> PortBus<'a> {
        // SAFETY: by the type invariant the window is reserved for us until the binding `'a`
        // ends, and the bus lives at most that long.
        unsafe { PortBus::new(self.base) }
    }

    /// The device's legacy interrupt line (`pdev->irq`).
    pub fn irq(&self) -> u32 {
        self.irq
    }
}

/// What an interrupt handler returns.
pub enum IrqReturn {
    None,
    Handled,
}

/// What `start_xmit` tells the stack.
pub enum NetdevTx {
    /// The skb was taken (sent, or dropped and counted).
    Ok,
    /// No room: the skb is handed back and will be requeued (the queue must be stopped).
    Busy(SkBuff),
}

// include/uapi/linux/if.h
const IFF_PROMISC: u32 = 0x100;
const IFF_ALLMULTI: u32 = 0x200;

/// A network device the kernel hands to a callback (valid for the duration of the callback), or
/// that a [`Registration`] lends (valid while it is borrowed).
///
/// # Invariants
///
/// `self.0` is one of this driver's net_devices, set up by [`EtherDev::register`] and not yet
/// freed, for as long as the `NetDev` exists: it is only made by [`Tables`]' callbacks from
/// the device the core calls them with (alive for the call), and by [`Registration`], which
/// lends it out only by reference.
pub struct NetDev(*mut net_device);

impl NetDev {
    pub fn start_queue(&self) {
        // SAFETY: `self.0` is a live, registered net_device (type invariant).
        unsafe { sys::ne2k_rs_netif_start_queue(self.0) }
    }
    pub fn stop_queue(&self) {
        // SAFETY: as above.
        unsafe { sys::ne2k_rs_netif_stop_queue(self.0) }
    }
    pub fn wake_queue(&self) {
        // SAFETY: as above.
        unsafe { sys::ne2k_rs_netif_wake_queue(self.0) }
    }
    pub fn queue_stopped(&self) -> bool {
        // SAFETY: as above.
        unsafe { sys::ne2k_rs_netif_queue_stopped(self.0) }
    }
    /// Byte queue limits: `bytes` more went to the card (`netdev_sent_queue`).
    #[inline]
    pub fn sent_queue(&self, bytes: u32) {
        // SAFETY: `self.0` is live; the caller serialises it with the completions (the chip
        // lock).
        unsafe { sys::ne2k_rs_netdev_sent_queue(self.0, bytes) }
    }
    /// Byte queue limits: `pkts` frames of `bytes` left the card (`netdev_completed_queue`).
    #[inline]
    pub fn completed_queue(&self, pkts: u32, bytes: u32) {
        // SAFETY: as `sent_queue`.
        unsafe { sys::ne2k_rs_netdev_completed_queue(self.0, pkts, bytes) }
    }
    /// Byte queue limits: nothing is in flight any more (`netdev_reset_queue`).
    pub fn reset_queue(&self) {
        // SAFETY: as `sent_queue`.
        unsafe { sys::ne2k_rs_netdev_reset_queue(self.0) }
    }
    /// The interface is up (`netif_running`).
    pub fn running(&self) -> bool {
        // SAFETY: as above.
        unsafe { sys::ne2k_rs_netif_running(self.0) }
    }
    pub fn carrier_on(&self) {
        // SAFETY: as above; netif_carrier_on is callable from any context.
        unsafe { sys::netif_carrier_on(self.0) }
    }
    pub fn carrier_off(&self) {
        // SAFETY: as above.
        unsafe { sys::netif_carrier_off(self.0) }
    }
    pub fn napi_enable(&self) {
        // SAFETY: the napi_struct in our private area was added at registration.
        unsafe { sys::ne2k_rs_napi_enable(self.0) }
    }
    pub fn napi_disable(&self) {
        // SAFETY: as above; called from process context (ndo_stop).
        unsafe { sys::ne2k_rs_napi_disable(self.0) }
    }
    /// Schedules the device's NAPI poll (from the interrupt handler).
    #[inline]
    pub fn napi_schedule(&self) {
        let napi = self.napi_ptr();
        // SAFETY: the napi_struct in our private area, added at registration; napi_schedule()
        // (these two calls) may be made from any context.
        unsafe {
            if sys::napi_schedule_prep(napi) {
                sys::__napi_schedule(napi);
            }
        }
    }
    /// Our napi_struct, in the private area.
    #[inline(always)]
    fn napi_ptr(&self) -> *mut napi_struct {
        // SAFETY: `self.0` is live with our private area (type invariant): the field is inside
        // its allocation.
        unsafe { self.0.cast::<u8>().add(NAPI_OFFSET).cast::<napi_struct>() }
    }
    /// `dev->flags` (IFF_*).
    pub fn flags(&self) -> u32 {
        // SAFETY: `self.0` is live.
        unsafe { sys::ne2k_rs_netdev_flags(self.0) }
    }
    pub fn promisc(&self) -> bool {
        self.flags() & IFF_PROMISC != 0
    }
    pub fn allmulti(&self) -> bool {
        self.flags() & IFF_ALLMULTI != 0
    }
    /// The multicast list (up to `out.len()` entries copied; returns the list's length).
    /// Only meaningful in `set_rx_mode`, where the core holds the address-list lock.
    pub fn mc_list(&self, out: &mut [[u8; 6]]) -> usize {
        let max = out.len().min(c_int::MAX as usize) as c_int;
        // SAFETY: `out` is valid for `max` entries; the device is live.
        let n = unsafe { sys::ne2k_rs_netdev_mc_list(self.0, out.as_mut_ptr(), max) };
        n.max(0) as usize
    }
    pub fn set_dev_addr(&self, mac: &[u8; 6]) {
        // SAFETY: `mac` is 6 bytes; called under RTNL from ndo_set_mac_address.
        unsafe { sys::ne2k_rs_eth_hw_addr_set(self.0, mac.as_ptr()) }
    }
    pub fn name(&self) -> &CStr {
        // SAFETY: netdev_name() returns the NUL-terminated name, live as long as the device.
        unsafe { CStr::from_char_ptr(sys::ne2k_rs_netdev_name(self.0)) }
    }
}

/// An owned socket buffer to transmit. Dropping it frees it as a drop
/// (`dev_kfree_skb_any`); [`SkBuff::consume`] frees it as sent (`dev_consume_skb_any`). Either
/// way it is freed exactly once, with the variant that is valid in any context.
///
/// # Invariants
///
/// `self.0` is an skb the core handed to `ndo_start_xmit`, owned by this value alone: the
/// callback either frees it (drop or [`SkBuff::consume`], then returns `NETDEV_TX_OK`) or
/// gives it back to the core unfreed with [`NetdevTx::Busy`] ([`Tables`]' `start_xmit` forgets
/// it and returns `NETDEV_TX_BUSY`).
pub struct SkBuff(*mut sk_buff);

// SAFETY: an skb may be freed from any CPU; ownership is unique.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// The frame as one linear byte slice (linearising a fragmented skb), or `None` if that
    /// needed memory that was not there.
    #[inline]
    pub fn data(&mut self) -> Option<&[u8]> {
        // SAFETY: we own the skb (type invariant); reading its fields races with nothing.
        let (data_len, data, len) = unsafe { ((*self.0).data_len, (*self.0).data, (*self.0).len) };
        if data_len == 0 {
            // Linear already (skb_is_nonlinear() is false): what nearly every frame is.
            // SAFETY: a linear skb's `len` bytes at `data` are its frame, valid until the skb
            // is modified or freed, which the borrow of `self` prevents.
            return Some(unsafe { core::slice::from_raw_parts(data, len as usize) });
        }
        let mut len: c_uint = 0;
        // SAFETY: we own the skb; the returned pointer is valid for `len` bytes until the skb
        // is modified or freed, which the borrow of `self` prevents.
        let p = unsafe { sys::ne2k_rs_skb_linear_data(self.0, &mut len) };
        if p.is_null() {
            return None;
        }
        // SAFETY: see above.
        Some(unsafe { core::slice::from_raw_parts(p, len as usize) })
    }

    /// Frees the skb as successfully transmitted.
    #[inline]
    pub fn consume(self) {
        let raw = self.0;
        core::mem::forget(self);
        // SAFETY: we own `raw` and give it up here, once.
        unsafe { sys::dev_kfree_skb_any_reason(raw, sys::NE2K_RS_SKB_CONSUMED) }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the skb and free it once.
        unsafe { sys::ne2k_rs_kfree_skb(self.0) }
    }
}

/// A NAPI context during a poll.
///
/// # Invariants
///
/// `self.0` is the `napi_struct` the core is polling right now (made only in [`Tables`]' `poll`,
/// for the duration of the call).
pub struct Napi(*mut napi_struct);

/// Bytes of room a receive buffer has after its frame ([`RxSkb::buf`], [`RxPage::buf`]): a
/// copy by 32-bit words (`insl`) can write the frame's last word whole, with no bounce buffer
/// and no byte-wise tail, as `ne2k_pci_block_input` does into its skb's tailroom.
pub const RX_SLACK: usize = 3;

/// A receive skb of a fixed length, to be filled and handed to GRO. Dropping it frees it.
///
/// # Invariants
///
/// `skb` is owned; `data` points to `len` bytes of its linear data (`skb_put`: not cleared,
/// so possibly uninitialised until filled) followed by at least [`RX_SLACK`] bytes of its
/// tailroom, which nothing else references.
pub struct RxSkb {
    skb: *mut sk_buff,
    data: *mut u8,
    len: usize,
}

impl RxSkb {
    /// The frame's bytes, to fill, and [`RX_SLACK`] bytes of tailroom after them (possibly
    /// uninitialised: the type says so, and only writes can be made through it without
    /// `unsafe`). What is written past the frame stays tailroom: `skb->len` is the frame's.
    #[inline]
    pub fn buf(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        // SAFETY: by the type invariant `data` is valid and ours for `len + RX_SLACK` bytes
        // (`MaybeUninit` asks nothing of their contents); the borrow of `self` keeps the skb
        // alive and unshared.
        unsafe { core::slice::from_raw_parts_mut(self.data.cast(), self.len + RX_SLACK) }
    }
}

impl Drop for RxSkb {
    fn drop(&mut self) {
        // SAFETY: we own the skb and free it once.
        unsafe { sys::ne2k_rs_kfree_skb(self.skb) }
    }
}

impl Napi {
    /// Allocates a receive skb holding `len` bytes (napi_alloc_skb: IP-aligned, from the
    /// per-CPU NAPI cache, GFP_ATOMIC), or `None` if no memory was available.
    #[inline]
    pub fn alloc_skb(&self, len: usize) -> Option<RxSkb> {
        // SAFETY: we are inside this NAPI's poll (type invariant).
        let skb = unsafe { sys::napi_alloc_skb(self.0, (len + RX_SLACK) as c_uint) };
        if skb.is_null() {
            return None;
        }
        // SAFETY: a fresh skb of `len + RX_SLACK` bytes of tailroom; skb_put makes the first
        // `len` the data. They are not cleared: the copy from the card writes every byte
        // (`RxBuf`), and a memset first would cost a pass over the frame (in Bochs, where a
        // cycle is an instruction, 1,514 of a full frame's ~3,100 driver cycles).
        let data = unsafe { sys::skb_put(skb, len as c_uint) }.cast::<u8>();
        // INVARIANT: `data` is the area of `len` bytes of the skb we own, `RX_SLACK` bytes of
        // its tailroom after it.
        Some(RxSkb { skb, data, len })
    }

    /// Hands a filled skb to the stack (eth_type_trans + napi_gro_receive).
    #[inline]
    pub fn gro_receive(&self, skb: RxSkb) {
        let raw = skb.skb;
        core::mem::forget(skb);
        // napi_gro_receive() is a static inline: what it does, with the device found as the
        // poll finds it (our napi_struct is in our device's private area) and its GRO node at
        // the offset the C side gives.
        // SAFETY: `self.0` is our napi_struct, `NAPI_OFFSET` bytes into our net_device; we own
        // `raw`, a filled skb, and set its protocol before ownership passes to the stack; the
        // GRO node is the napi_struct's, used inside its poll.
        unsafe {
            let dev = self.0.cast::<u8>().sub(NAPI_OFFSET).cast::<net_device>();
            let proto = raw.cast::<u8>().add(sys::NE2K_RS_SKB_PROTOCOL as usize);
            proto.cast::<u16>().write(sys::eth_type_trans(raw, dev));
            let gro = self.0.cast::<u8>().add(sys::NE2K_RS_GRO_IN_NAPI as usize);
            sys::gro_receive_skb(gro.cast(), raw);
        }
    }

    /// Reports the poll's work; returns true if NAPI is complete and interrupts may be
    /// re-enabled.
    #[inline]
    pub fn complete_done(&self, work_done: i32) -> bool {
        // SAFETY: inside this NAPI's poll.
        unsafe { sys::napi_complete_done(self.0, work_done) }
    }
}

/// Headroom before a frame in its receive page (`XDP_PACKET_HEADROOM`): room for a program to
/// grow the head (`bpf_xdp_adjust_head`).
pub const XDP_HEADROOM: usize = bindings::XDP_PACKET_HEADROOM as usize;

/// A receive buffer for a device with an XDP program: a whole page, the frame at
/// [`XDP_HEADROOM`], the tail of the page left for the program to grow into and for the
/// `skb_shared_info` of the skb built around it. Dropping it frees the page.
pub struct RxPage {
    /// Owned for its `Drop` (which frees it); the frame is reached through `addr`.
    _page: Page,
    /// The page's kernel address.
    addr: *mut u8,
    len: usize,
}

impl RxPage {
    /// A page for a `len`-byte frame (GFP_ATOMIC), or `None`.
    pub fn alloc(len: usize) -> Option<Self> {
        // A frame is at most 1518 bytes: with the headroom and the skb's tail it fits a page.
        if XDP_HEADROOM + len > PAGE_SIZE / 2 {
            return None;
        }
        let page = Page::alloc_page(GFP_ATOMIC).ok()?;
        // SAFETY: a page we own; order-0 pages are in the kernel's direct map.
        let addr = unsafe { sys::ne2k_rs_page_address(page.as_ptr()) }.cast::<u8>();
        // The headroom is cleared: a program that grows the head (bpf_xdp_adjust_head) and
        // sends the frame must not put old kernel memory on the wire. (A grown tail is cleared
        // by the kernel; the frame itself is written by the copy from the card.)
        // SAFETY: the first `XDP_HEADROOM` bytes of the page we own.
        unsafe { core::ptr::write_bytes(addr, 0, XDP_HEADROOM) };
        Some(Self {
            _page: page,
            addr,
            len,
        })
    }

    /// The frame's bytes, to fill, and [`RX_SLACK`] bytes of room after them (uninitialised: a
    /// fresh page).
    #[inline]
    pub fn buf(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        // SAFETY: `len + RX_SLACK` bytes at the headroom lie within the page we own (`alloc`
        // keeps the frame to half a page);
        // the borrow of `self` keeps it ours and alive.
        unsafe {
            core::slice::from_raw_parts_mut(self.addr.add(XDP_HEADROOM).cast(), self.len + RX_SLACK)
        }
    }
}

/// A frame an XDP program returned `XDP_TX` for: its page, where the program left it.
pub struct XdpTxFrame {
    page: RxPage,
    off: usize,
}

impl XdpTxFrame {
    /// The frame's bytes, as the program left them.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `off..off + len` is the frame inside our page (what the program left, which
        // the verifier keeps inside the buffer); initialised by the copy from the card or by
        // the program.
        unsafe { core::slice::from_raw_parts(self.page.addr.add(self.off), self.page.len) }
    }
}

/// The XDP program attached to a device, as a poll read it ([`NetDev::xdp_prog`]).
///
/// # Invariants
///
/// A program the device holds a reference on, read inside a NAPI poll: `bpf_prog_put` on a
/// replaced program frees it only after an RCU grace period, and a poll runs in softirq, an
/// RCU read-side section; `'a` is the poll's borrow of the device.
pub struct XdpProg<'a>(
    *mut bindings::bpf_prog,
    core::marker::PhantomData<&'a NetDev>,
);

/// What an XDP program decided for a frame, and what became of it.
pub enum XdpVerdict {
    /// `XDP_PASS`: an skb built around the page, for the stack.
    Pass(RxSkb),
    /// `XDP_PASS`, but no skb could be had: dropped.
    PassNoMem,
    /// `XDP_DROP`: the page is freed.
    Drop,
    /// `XDP_TX`: to send back out through this device.
    Tx(XdpTxFrame),
    /// `XDP_REDIRECT`, handed to its target (flush with [`Napi::xdp_flush`]).
    Redirect,
    /// `XDP_REDIRECT` refused by its target: dropped.
    RedirectFailed,
    /// `XDP_ABORTED`, or an action the program may not return: dropped (traced).
    Aborted,
}

impl NetDev {
    /// The attached XDP program, if any.
    pub fn xdp_prog<'a>(&'a self, _napi: &'a Napi) -> Option<XdpProg<'a>> {
        let off = sys::NE2K_RS_PRIV_OFFSET as usize + sys::NE2K_RS_XDP_PROG_IN_PRIV as usize;
        // SAFETY: our device (the `NetDev` invariant): the field is an aligned pointer in its
        // private area, live as long as the device.
        let field = unsafe {
            self.0
                .cast::<u8>()
                .add(off)
                .cast::<*mut bindings::bpf_prog>()
        };
        // SAFETY: `field` is valid and aligned for the device's life; the C side swaps it with
        // `xchg` (an atomic access) under RTNL, so every access to it is atomic: C's READ_ONCE.
        let p = unsafe { core::sync::atomic::AtomicPtr::from_ptr(field) }.load(Ordering::Relaxed);
        // INVARIANT: read in a poll (the `Napi` borrow), the device holding its reference.
        (!p.is_null()).then_some(XdpProg(p, core::marker::PhantomData))
    }

    /// Registers the receive queue's XDP information (open, before NAPI runs).
    pub fn xdp_rxq_register(&self) -> Result {
        // SAFETY: our device.
        to_result(unsafe { sys::ne2k_rs_xdp_rxq_reg(self.0) })
    }

    /// Unregisters it (stop, NAPI disabled); nothing if it is not registered.
    pub fn xdp_rxq_unregister(&self) {
        // SAFETY: our device.
        unsafe { sys::ne2k_rs_xdp_rxq_unreg(self.0) }
    }
}

impl Napi {
    /// Runs `prog` on the frame in `page` and carries out its decision, except `XDP_TX`, which
    /// is the caller's to send.
    pub fn run_xdp(&self, dev: &NetDev, prog: &XdpProg<'_>, page: RxPage) -> XdpVerdict {
        let mut xdp = core::mem::MaybeUninit::<sys::xdp_buff>::uninit();
        let xdp = xdp.as_mut_ptr();
        // SAFETY: `xdp` is ours to initialise (the shim does, before the program runs); the
        // page holds the frame at the headroom (`RxPage`); the program is alive for the poll
        // (`XdpProg`); our device.
        let act = unsafe {
            sys::ne2k_rs_xdp_run(
                prog.0,
                xdp,
                dev.0,
                page.addr.cast(),
                XDP_HEADROOM as u32,
                page.len as u32,
            )
        };
        let (mut off, mut len) = (0u32, 0u32);
        // SAFETY: `xdp` was initialised by the run.
        unsafe { sys::ne2k_rs_xdp_frame(xdp, &mut off, &mut len) };
        match act {
            bindings::xdp_action_XDP_PASS => {
                // SAFETY: a page we own, holding the frame at `off`, `len` long.
                let skb = unsafe { sys::ne2k_rs_xdp_build_skb(page.addr.cast(), off, len) };
                if skb.is_null() {
                    return XdpVerdict::PassNoMem;
                }
                // The page is the skb's head now: the skb frees it.
                // SAFETY: `off` is within the page.
                let data = unsafe { page.addr.add(off as usize) };
                core::mem::forget(page);
                // INVARIANT: `data` is the skb's data, `len` bytes, ours.
                XdpVerdict::Pass(RxSkb {
                    skb,
                    data,
                    len: len as usize,
                })
            }
            bindings::xdp_action_XDP_DROP => XdpVerdict::Drop,
            bindings::xdp_action_XDP_TX => {
                let mut page = page;
                page.len = len as usize;
                XdpVerdict::Tx(XdpTxFrame {
                    page,
                    off: off as usize,
                })
            }
            bindings::xdp_action_XDP_REDIRECT => {
                // SAFETY: inside the poll, with the buffer the program ran on and the program.
                if unsafe { sys::xdp_do_redirect(dev.0, xdp, prog.0) } == 0 {
                    // The target owns the page now (it returns it with put_page).
                    core::mem::forget(page);
                    XdpVerdict::Redirect
                } else {
                    XdpVerdict::RedirectFailed
                }
            }
            act => {
                if act != bindings::xdp_action_XDP_ABORTED {
                    // SAFETY: our device and the running program.
                    unsafe { sys::bpf_warn_invalid_xdp_action(dev.0, prog.0, act) };
                }
                // SAFETY: as above.
                unsafe { sys::ne2k_rs_trace_xdp_exception(dev.0, prog.0, act) };
                XdpVerdict::Aborted
            }
        }
    }

    /// Ends the poll's redirects (`xdp_do_flush`): the targets send what they were given.
    pub fn xdp_flush(&self) {
        // SAFETY: inside this NAPI's poll.
        unsafe { sys::xdp_do_flush() }
    }
}

/// Interface statistics, as `ndo_get_stats64` fills them: the kernel's own
/// `struct rtnl_link_stats64` (the core hands it zeroed).
pub type LinkStats64 = sys::rtnl_link_stats64;

/// The `net_device_ops` of a network driver whose per-device state is `Self`.
///
/// Built into a `const` table by [`Tables`]; a method left at its default is a NULL entry
/// (`#[vtable]` records which ones the driver implements), so the core applies its own default.
#[vtable]
pub trait NetDevOps: Sync + Send + Sized {
    /// `ndo_open`: bring the interface up.
    fn open(&self, dev: &NetDev) -> Result;
    /// `ndo_stop`: bring it down; no callback runs on the device after this returns.
    fn stop(&self, dev: &NetDev);
    /// `ndo_start_xmit`.
    fn start_xmit(&self, dev: &NetDev, skb: SkBuff) -> NetdevTx;
    /// `ndo_tx_timeout`: the watchdog found the queue stopped for too long.
    fn tx_timeout(&self, _dev: &NetDev) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `ndo_set_rx_mode`: the flags or the multicast list changed.
    fn set_rx_mode(&self, _dev: &NetDev) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `ndo_set_mac_address`, with the new address.
    fn set_mac_address(&self, _dev: &NetDev, _mac: [u8; 6]) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `ndo_get_stats64`.
    fn get_stats64(&self, _dev: &NetDev, _stats: &mut LinkStats64) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// The XDP actions the device offers (`NETDEV_XDP_ACT_*`, [`XDP_ACT_BASIC`], ...); 0: no
    /// XDP (no `ndo_bpf`, no `ndo_xdp_xmit`). With XDP, `ndo_bpf` installs the program, which
    /// the poll reads with [`NetDev::xdp_prog`].
    const XDP_FEATURES: u32 = 0;
    /// `ndo_xdp_xmit`, one frame: send `frame` (redirected to this device by XDP); true if it
    /// was taken. The frame is copied out: it is freed as soon as this returns.
    fn xdp_xmit(&self, _dev: &NetDev, _frame: &[u8]) -> bool {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// The NAPI poll: do at most `budget` units of receive work; return the work done.
    fn poll(&self, dev: &NetDev, napi: &Napi, budget: i32) -> i32;
    /// Hard interrupt on the device's (shared) line. `entered`: the time-stamp counter read as
    /// the handler's first act, so that a driver's own accounting of the handler can count it
    /// whole (the call into it included).
    fn irq(&self, dev: &NetDev, entered: u64) -> IrqReturn;
}

/// The counters of one queue pair, as the queue statistics (`netdev_stat_ops`, read with
/// `ynl --family netdev --dump qstats-get`) report them.
#[derive(Default)]
pub struct QueueStats {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    /// Frames dropped for want of a receive buffer.
    pub rx_alloc_fail: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
}

/// The `netdev_stat_ops` (per-queue statistics) of a network driver whose per-device state is
/// `Self`; installed when [`Self::queue_stats`] is implemented. Every packet is counted in a
/// queue: the base (not per-queue) part is zero.
#[vtable]
pub trait StatOps: NetDevOps {
    /// The counters of queue pair `queue` (RX queue `queue` and TX queue `queue`).
    fn queue_stats(&self, _dev: &NetDev, _queue: u32) -> QueueStats {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Fixed ring sizes, in the ring's own units, for `ethtool -g`.
pub struct RingSizes {
    pub rx: u32,
    pub tx: u32,
}

/// The `ethtool_ops` of a network driver whose per-device state is `Self`.
///
/// `get_drvinfo` (from [`Self::DRIVER`], [`Self::VERSION`] and the parent bus device) and
/// `get_link` (the carrier) are always present; the statistics entries exist when
/// [`Self::STAT_NAMES`] is not empty, the others when the method is implemented.
#[vtable]
pub trait EthtoolOps: NetDevOps {
    /// `ethtool -i`'s driver name and version.
    const DRIVER: &'static CStr;
    const VERSION: &'static CStr;
    /// Names of the `ethtool -S` counters, in the order [`Self::stats`] fills them.
    const STAT_NAMES: &'static [&'static CStr] = &[];
    /// `ethtool -l`: the number of combined RX/TX queue pairs, fixed (0: no channel entries).
    /// `ethtool -L` accepts exactly this count and nothing else.
    const COMBINED_CHANNELS: u32 = 0;

    /// `get_ethtool_stats`: fills `out` (one value per [`Self::STAT_NAMES`] entry).
    fn stats(&self, _dev: &NetDev, _out: &mut [u64]) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `ethtool -g` (`get_ringparam`): the receive and transmit ring sizes, fixed (reported as
    /// their own maxima). `ethtool -G` (`set_ringparam`) accepts exactly these sizes (a tool
    /// that restores what it read does not fail) and refuses any other.
    fn ring_sizes(&self, _dev: &NetDev) -> RingSizes {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `get_msglevel`.
    fn msglevel(&self, _dev: &NetDev) -> u32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `set_msglevel`.
    fn set_msglevel(&self, _dev: &NetDev, _level: u32) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The C callbacks of the ops tables of `T`, and the tables.
///
/// Every callback is called by the core only on a net_device set up by
/// [`EtherDev::register`] for this `T`, which is alive for the call (the driver state it points
/// to is dropped only after `free_netdev`). That is the contract each `# Safety` below refers to
/// as "our device".
pub struct Tables<T>(core::marker::PhantomData<T>);

impl<T: NetDevOps + EthtoolOps + StatOps> Tables<T> {
    /// The `net_device_ops`, built at compile time.
    const NETDEV_OPS: sys::net_device_ops = sys::net_device_ops {
        ndo_open: Some(Self::open),
        ndo_stop: Some(Self::stop),
        ndo_start_xmit: Some(Self::start_xmit),
        ndo_tx_timeout: entry(T::HAS_TX_TIMEOUT, Self::tx_timeout),
        ndo_set_rx_mode: entry(T::HAS_SET_RX_MODE, Self::set_rx_mode),
        ndo_set_mac_address: entry(T::HAS_SET_MAC_ADDRESS, Self::set_mac_address),
        ndo_get_stats64: entry(T::HAS_GET_STATS64, Self::get_stats64),
        ndo_validate_addr: Some(sys::eth_validate_addr),
        ndo_bpf: entry(T::XDP_FEATURES != 0, Self::bpf),
        ndo_xdp_xmit: entry(T::XDP_FEATURES & XDP_ACT_NDO_XMIT != 0, Self::xdp_xmit),
        ..pin_init::zeroed()
    };

    /// The `ethtool_ops`, built at compile time.
    const ETHTOOL_OPS: bindings::ethtool_ops = {
        let stats = !T::STAT_NAMES.is_empty();
        bindings::ethtool_ops {
            get_drvinfo: Some(Self::get_drvinfo),
            get_link: Some(bindings::ethtool_op_get_link),
            get_msglevel: entry(T::HAS_MSGLEVEL, Self::get_msglevel),
            set_msglevel: entry(T::HAS_SET_MSGLEVEL, Self::set_msglevel),
            get_sset_count: entry(stats, Self::get_sset_count),
            get_strings: entry(stats, Self::get_strings),
            get_ethtool_stats: entry(stats, Self::get_ethtool_stats),
            get_channels: entry(T::COMBINED_CHANNELS > 0, Self::get_channels),
            set_channels: entry(T::COMBINED_CHANNELS > 0, Self::set_channels),
            get_ringparam: entry(T::HAS_RING_SIZES, Self::get_ringparam),
            set_ringparam: entry(T::HAS_RING_SIZES, Self::set_ringparam),
            ..pin_init::zeroed()
        }
    };

    /// The `netdev_stat_ops`, built at compile time.
    const STAT_OPS: sys::netdev_stat_ops = sys::netdev_stat_ops {
        get_queue_stats_rx: Some(Self::get_queue_stats_rx),
        get_queue_stats_tx: Some(Self::get_queue_stats_tx),
        get_base_stats: Some(Self::get_base_stats),
    };

    /// Calls `f` with the driver state of `dev` and the device.
    ///
    /// # Safety
    ///
    /// `dev` is our device (see the type's documentation).
    #[inline(always)]
    unsafe fn with<R>(dev: *mut net_device, f: impl FnOnce(&T, &NetDev) -> R) -> R {
        // The driver state pointer is the first field of the private area, which starts at
        // `NE2K_RS_PRIV_OFFSET` (netdev_priv(): the C shims check the first at compile time,
        // the second against netdev_priv() when the device is allocated).
        // SAFETY: `dev` is a live net_device allocated with our private area (the contract),
        // so the offset is inside its allocation and the field is an aligned pointer.
        let drv = unsafe {
            dev.cast::<u8>()
                .add(sys::NE2K_RS_PRIV_OFFSET as usize)
                .cast::<*const T>()
                .read()
        };
        // SAFETY: the private area holds the pointer to `T` that `register` stored, and the
        // `Arc` keeping it alive is dropped only after the net_device is freed; the `NetDev`
        // lives only for the call.
        f(unsafe { &*drv }, &NetDev(dev))
    }

    /// # Safety
    /// `dev` is our device.
    unsafe extern "C" fn open(dev: *mut net_device) -> c_int {
        // SAFETY: the contract.
        match unsafe { Self::with(dev, |t, d| t.open(d)) } {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    /// `dev` is our device.
    unsafe extern "C" fn stop(dev: *mut net_device) -> c_int {
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.stop(d)) };
        0
    }

    /// # Safety
    /// `dev` is our device; the core passes us ownership of `skb`.
    unsafe extern "C" fn start_xmit(skb: *mut sk_buff, dev: *mut net_device) -> sys::netdev_tx_t {
        // INVARIANT: `skb` is ours to free or give back.
        let skb = SkBuff(skb);
        // SAFETY: the contract.
        match unsafe { Self::with(dev, |t, d| t.start_xmit(d, skb)) } {
            NetdevTx::Ok => sys::netdev_tx_NETDEV_TX_OK,
            NetdevTx::Busy(skb) => {
                // Ownership goes back to the core, which requeues it.
                core::mem::forget(skb);
                sys::netdev_tx_NETDEV_TX_BUSY
            }
        }
    }

    /// # Safety
    /// `dev` is our device.
    unsafe extern "C" fn tx_timeout(dev: *mut net_device, _txqueue: c_uint) {
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.tx_timeout(d)) }
    }

    /// # Safety
    /// `dev` is our device.
    unsafe extern "C" fn set_rx_mode(dev: *mut net_device) {
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.set_rx_mode(d)) }
    }

    /// # Safety
    /// `dev` is our device; `addr` is the `struct sockaddr` the core passes.
    unsafe extern "C" fn set_mac_address(dev: *mut net_device, addr: *mut c_void) -> c_int {
        // SAFETY: `addr` points to a `struct sockaddr`, whose data holds at least ETH_ALEN
        // bytes.
        let data = unsafe { &(*addr.cast::<bindings::sockaddr>()).sa_data };
        let mac: [u8; 6] = core::array::from_fn(|i| data[i]);
        // SAFETY: the contract.
        match unsafe { Self::with(dev, |t, d| t.set_mac_address(d, mac)) } {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    /// `dev` is our device; `stats` is a valid, exclusive out-parameter.
    unsafe extern "C" fn get_stats64(dev: *mut net_device, stats: *mut LinkStats64) {
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.get_stats64(d, &mut *stats)) }
    }

    /// # Safety
    /// `dev` is our device; `info` is a valid, exclusive out-parameter.
    unsafe extern "C" fn get_drvinfo(dev: *mut net_device, info: *mut bindings::ethtool_drvinfo) {
        // SAFETY: the contract.
        let info = unsafe { &mut *info };
        copy_cstr(&mut info.driver, T::DRIVER);
        copy_cstr(&mut info.version, T::VERSION);
        // SAFETY: `dev` is live; the name, if any, lives as long as the parent device.
        let bus = unsafe { sys::ne2k_rs_netdev_bus_info(dev) };
        if !bus.is_null() {
            // SAFETY: a non-NULL result is a NUL-terminated device name.
            copy_cstr(&mut info.bus_info, unsafe { CStr::from_char_ptr(bus) });
        }
    }

    /// # Safety
    /// `dev` is our device; `stats` is a valid, exclusive out-parameter that the core filled
    /// with "not reported" (all ones): what is not written stays so.
    unsafe extern "C" fn get_queue_stats_rx(
        dev: *mut net_device,
        idx: c_int,
        stats: *mut sys::netdev_queue_stats_rx,
    ) {
        // SAFETY: the contract.
        let q = unsafe { Self::with(dev, |t, d| t.queue_stats(d, idx as u32)) };
        // SAFETY: the contract.
        let stats = unsafe { &mut *stats };
        stats.packets = q.rx_packets;
        stats.bytes = q.rx_bytes;
        stats.alloc_fail = q.rx_alloc_fail;
    }

    /// # Safety
    /// As `get_queue_stats_rx`.
    unsafe extern "C" fn get_queue_stats_tx(
        dev: *mut net_device,
        idx: c_int,
        stats: *mut sys::netdev_queue_stats_tx,
    ) {
        // SAFETY: the contract.
        let q = unsafe { Self::with(dev, |t, d| t.queue_stats(d, idx as u32)) };
        // SAFETY: the contract.
        let stats = unsafe { &mut *stats };
        stats.packets = q.tx_packets;
        stats.bytes = q.tx_bytes;
    }

    /// Every packet is in a queue: the base adds nothing (zero for what the queues report).
    ///
    /// # Safety
    /// `rx` and `tx` are valid, exclusive out-parameters.
    unsafe extern "C" fn get_base_stats(
        _dev: *mut net_device,
        rx: *mut sys::netdev_queue_stats_rx,
        tx: *mut sys::netdev_queue_stats_tx,
    ) {
        // SAFETY: the contract.
        let (rx, tx) = unsafe { (&mut *rx, &mut *tx) };
        rx.packets = 0;
        rx.bytes = 0;
        rx.alloc_fail = 0;
        tx.packets = 0;
        tx.bytes = 0;
    }

    /// # Safety
    /// `ch` is a valid, exclusive out-parameter.
    unsafe extern "C" fn get_channels(_dev: *mut net_device, ch: *mut bindings::ethtool_channels) {
        // SAFETY: the contract.
        let ch = unsafe { &mut *ch };
        ch.max_combined = T::COMBINED_CHANNELS;
        ch.combined_count = T::COMBINED_CHANNELS;
    }

    /// # Safety
    /// `ch` is a valid request.
    unsafe extern "C" fn set_channels(
        _dev: *mut net_device,
        ch: *mut bindings::ethtool_channels,
    ) -> c_int {
        // SAFETY: the contract.
        let ch = unsafe { &*ch };
        // The core has checked the request against the maxima `get_channels` gave (0 for rx,
        // tx and other): only the fixed combined count itself can reach here, or none at all.
        if ch.combined_count == T::COMBINED_CHANNELS && ch.rx_count == 0 && ch.tx_count == 0 {
            0
        } else {
            -(bindings::EINVAL as c_int)
        }
    }

    /// # Safety
    /// `dev` is our device; `ring` is a valid, exclusive out-parameter.
    unsafe extern "C" fn get_ringparam(
        dev: *mut net_device,
        ring: *mut bindings::ethtool_ringparam,
        _kernel_ring: *mut bindings::kernel_ethtool_ringparam,
        _extack: *mut bindings::netlink_ext_ack,
    ) {
        // SAFETY: the contract.
        let sizes = unsafe { Self::with(dev, |t, d| t.ring_sizes(d)) };
        // SAFETY: the contract.
        let ring = unsafe { &mut *ring };
        ring.rx_max_pending = sizes.rx;
        ring.rx_pending = sizes.rx;
        ring.tx_max_pending = sizes.tx;
        ring.tx_pending = sizes.tx;
    }

    /// # Safety
    /// `dev` is our device; `ring` is a valid request.
    unsafe extern "C" fn set_ringparam(
        dev: *mut net_device,
        ring: *mut bindings::ethtool_ringparam,
        _kernel_ring: *mut bindings::kernel_ethtool_ringparam,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: the contract.
        let sizes = unsafe { Self::with(dev, |t, d| t.ring_sizes(d)) };
        // SAFETY: the contract.
        let ring = unsafe { &*ring };
        // The netlink core calls this only when a value changed; the ioctl calls it always.
        let same = ring.rx_pending == sizes.rx
            && ring.tx_pending == sizes.tx
            && ring.rx_mini_pending == 0
            && ring.rx_jumbo_pending == 0;
        if same {
            0
        } else {
            -(bindings::EINVAL as c_int)
        }
    }

    /// # Safety
    /// `dev` is our device.
    unsafe extern "C" fn get_msglevel(dev: *mut net_device) -> u32 {
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.msglevel(d)) }
    }

    /// # Safety
    /// `dev` is our device.
    unsafe extern "C" fn set_msglevel(dev: *mut net_device, level: u32) {
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.set_msglevel(d, level)) }
    }

    /// # Safety
    /// `dev` is our device.
    unsafe extern "C" fn get_sset_count(_dev: *mut net_device, sset: c_int) -> c_int {
        if sset == bindings::ethtool_stringset_ETH_SS_STATS as c_int {
            T::STAT_NAMES.len() as c_int
        } else {
            -(bindings::EOPNOTSUPP as c_int)
        }
    }

    /// # Safety
    /// `dev` is our device; `data` has room for `get_sset_count(sset)` strings of
    /// ETH_GSTRING_LEN bytes.
    unsafe extern "C" fn get_strings(_dev: *mut net_device, sset: u32, mut data: *mut u8) {
        if sset != bindings::ethtool_stringset_ETH_SS_STATS {
            return;
        }
        for name in T::STAT_NAMES {
            // SAFETY: the core sized `data` by our count; ethtool_puts writes one string of
            // ETH_GSTRING_LEN bytes and advances `data` past it.
            unsafe { bindings::ethtool_puts(&mut data, name.as_char_ptr()) };
        }
    }

    /// # Safety
    /// `dev` is our device; `data` has room for `STAT_NAMES.len()` counters.
    unsafe extern "C" fn get_ethtool_stats(
        dev: *mut net_device,
        _stats: *mut bindings::ethtool_stats,
        data: *mut u64,
    ) {
        // SAFETY: the core sized `data` by our count, and nothing else refers to it.
        let out = unsafe { core::slice::from_raw_parts_mut(data, T::STAT_NAMES.len()) };
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.stats(d, out)) }
    }

    /// # Safety
    /// `dev` is our device; `bpf` is a valid command; RTNL is held (the core's contract).
    unsafe extern "C" fn bpf(dev: *mut net_device, bpf: *mut sys::netdev_bpf) -> c_int {
        let mut prog = core::ptr::null_mut();
        // SAFETY: `bpf` is valid (the contract); `prog` is a valid out-parameter.
        let cmd = unsafe { sys::ne2k_rs_bpf_command(bpf, &mut prog) };
        if cmd as u32 != sys::bpf_netdev_command_XDP_SETUP_PROG {
            return -(bindings::EINVAL as c_int);
        }
        // Any program fits: a frame is at most 1518 bytes, one page, so a multi-buffer
        // program only ever sees single buffers. The reference the core took for `prog` is
        // ours from here; the one we held on the old program goes (bpf_prog_put frees it after
        // an RCU grace period: a poll still running it, in softirq, keeps it alive).
        // SAFETY: our device, under RTNL.
        let old = unsafe { sys::ne2k_rs_xdp_xchg_prog(dev, prog) };
        if !old.is_null() {
            // SAFETY: `old` was installed here with the core's reference, now dropped.
            unsafe { bindings::bpf_prog_put(old) };
        }
        0
    }

    /// # Safety
    /// `dev` is our device; `frames` holds `n` valid XDP frames, ours to send (the core's
    /// contract: it frees those past the count we return).
    unsafe extern "C" fn xdp_xmit(
        dev: *mut net_device,
        n: c_int,
        frames: *mut *mut bindings::xdp_frame,
        flags: u32,
    ) -> c_int {
        if flags & !XDP_XMIT_FLUSH != 0 {
            return -(bindings::EINVAL as c_int);
        }
        // SAFETY: the contract: `n` frame pointers.
        let frames = unsafe { core::slice::from_raw_parts(frames, n.max(0) as usize) };
        let mut sent = 0;
        for &frame in frames {
            let mut len = 0u32;
            // SAFETY: a valid frame (the contract).
            let data = unsafe { sys::ne2k_rs_xdp_frame_data(frame, &mut len) };
            // SAFETY: an XDP frame's `len` bytes at `data`, alive until we return the frame.
            let bytes = unsafe { core::slice::from_raw_parts(data, len as usize) };
            // SAFETY: the contract.
            if !unsafe { Self::with(dev, |t, d| t.xdp_xmit(d, bytes)) } {
                // The rest go back to the core in order: it frees them.
                break;
            }
            // SAFETY: the card holds its own copy: the frame is ours to return, once.
            unsafe { sys::xdp_return_frame(frame) };
            sent += 1;
        }
        sent
    }

    /// # Safety
    /// Called only by the core as the NAPI poll of a context `EtherDev::register` added.
    unsafe extern "C" fn poll(napi: *mut napi_struct, budget: c_int) -> c_int {
        // `napi` is the `napi` field of our private area, inside the net_device that holds it
        // (container_of; the kernel crate keeps `napi_struct` opaque).
        // SAFETY: the core calls poll with our napi_struct, which `register` added at that
        // place in our device: going back `NAPI_OFFSET` bytes stays in the net_device's
        // allocation.
        let dev = unsafe { napi.cast::<u8>().sub(NAPI_OFFSET).cast::<net_device>() };
        // SAFETY: `dev` is our device; the `Napi` lives only for the poll.
        unsafe {
            Self::with(
                dev,
                #[inline(always)]
                |t, d| t.poll(d, &Napi(napi), budget),
            )
        }
    }

    /// # Safety
    /// Called only by the core as the handler of the line `EtherDev::register` requested, with
    /// its cookie.
    unsafe extern "C" fn irq(_irq: c_int, cookie: *mut c_void) -> bindings::irqreturn_t {
        // First, before the private area is looked up: the handler's cycles start here.
        let entered = crate::hw::port::rdtsc();
        // SAFETY: the cookie is the net_device we requested the line for; the line is requested
        // after the device and its state are set up and freed before the device is freed (see
        // `EtherDev::register` and `Registration::drop`).
        match unsafe { Self::with(cookie.cast(), |t, d| t.irq(d, entered)) } {
            IrqReturn::None => bindings::irqreturn::IRQ_NONE,
            IrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
        }
    }
}

/// `ndo_xdp_xmit`'s one flag (net/xdp.h): the batch ends here. Every frame is sent (or refused)
/// as it comes, so there is nothing to flush.
const XDP_XMIT_FLUSH: u32 = 1;

/// `NETDEV_XDP_ACT_BASIC`: XDP_PASS, XDP_DROP, XDP_ABORTED and XDP_TX.
pub const XDP_ACT_BASIC: u32 = sys::netdev_xdp_act_NETDEV_XDP_ACT_BASIC;
/// `NETDEV_XDP_ACT_REDIRECT`: XDP_REDIRECT.
pub const XDP_ACT_REDIRECT: u32 = sys::netdev_xdp_act_NETDEV_XDP_ACT_REDIRECT;
/// `NETDEV_XDP_ACT_NDO_XMIT`: frames redirected to the device (`ndo_xdp_xmit`).
pub const XDP_ACT_NDO_XMIT: u32 = sys::netdev_xdp_act_NETDEV_XDP_ACT_NDO_XMIT;

/// An ops-table entry: `Some(f)` where the driver implements the method (`#[vtable]`'s `HAS_*`
/// constant, or a condition of the table's own), else NULL, so the core applies its default.
const fn entry<F: Copy>(implemented: bool, f: F) -> Option<F> {
    if implemented {
        Some(f)
    } else {
        None
    }
}

/// Copies `s` into the fixed C string field `dst`, truncated and always NUL-terminated (as
/// `strscpy` does).
fn copy_cstr(dst: &mut [c_char], s: &CStr) {
    // The kernel's `c_char` is `u8` on every architecture.
    let Some(room) = dst.len().checked_sub(1) else {
        return;
    };
    let bytes = s.to_bytes();
    let n = bytes.len().min(room);
    dst[..n].copy_from_slice(&bytes[..n]);
    dst[n] = 0;
}

/// Which step of [`EtherDev::register`] failed.
#[derive(Clone, Copy, Debug)]
pub enum RegisterStep {
    RequestIrq,
    RegisterNetdev,
}

/// A failed [`EtherDev::register`]: the step and the kernel's error (everything done before it
/// was undone).
#[derive(Clone, Copy, Debug)]
pub struct RegisterError {
    pub step: RegisterStep,
    pub err: Error,
}

impl kernel::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let step = match self.step {
            RegisterStep::RequestIrq => "request_irq",
            RegisterStep::RegisterNetdev => "register_netdev",
        };
        write!(f, "{} failed: {:?}", step, self.err)
    }
}

/// What [`EtherDev::register`] sets up besides the driver state.
#[derive(Clone, Copy)]
pub struct NetDevConfig {
    /// The station address (`dev_addr`).
    pub mac: [u8; 6],
    /// The I/O base (`base_addr`, shown by `ip -d link`).
    pub base_addr: u64,
    /// The interrupt line, and the name it shows in /proc/interrupts.
    pub irq: u32,
    pub irq_name: &'static CStr,
    /// The TX watchdog (`watchdog_timeo`), in milliseconds.
    pub watchdog_ms: u32,
    /// The NAPI weight (the poll's budget).
    pub napi_weight: u32,
}

/// A PCI-parented Ethernet device, allocated but not registered (`alloc_etherdev`).
///
/// # Invariants
///
/// `self.0` is a net_device from `alloc_etherdev`, not registered, owned by this value alone
/// (dropping it frees the device; [`EtherDev::register`] consumes it).
pub struct EtherDev(*mut net_device);

// SAFETY: the pointer is only used for registration/free, which may happen on any thread.
unsafe impl Send for EtherDev {}

impl EtherDev {
    pub fn alloc(pdev: &pci::Device<kernel::device::Core<'_>>) -> Result<Self> {
        // SAFETY: `raw_pdev` is the bound device; this is the address of its embedded
        // `struct device`, no access.
        let parent = unsafe { &raw mut (*raw_pdev(pdev)).dev };
        // SAFETY: alloc_etherdev with our private-area size; NULL on failure.
        let dev = unsafe { sys::ne2k_rs_alloc_etherdev(parent) };
        if dev.is_null() {
            return Err(ENOMEM);
        }
        Ok(Self(dev))
    }

    /// Installs `data` as the device's state and callbacks, requests the interrupt line
    /// (shared) with the device as cookie, then registers the device.
    pub fn register<T: NetDevOps + EthtoolOps + StatOps>(
        self,
        data: Arc<T>,
        cfg: &NetDevConfig,
    ) -> core::result::Result<Registration<T>, RegisterError> {
        let NetDevConfig {
            mac,
            base_addr,
            irq,
            irq_name,
            watchdog_ms,
            napi_weight,
        } = *cfg;
        let dev = self.0;
        core::mem::forget(self);
        let ops: &'static sys::net_device_ops = &Tables::<T>::NETDEV_OPS;
        let ethtool_ops: &'static bindings::ethtool_ops = &Tables::<T>::ETHTOOL_OPS;
        let stat_ops: Option<&'static sys::netdev_stat_ops> =
            T::HAS_QUEUE_STATS.then_some(&Tables::<T>::STAT_OPS);
        // SAFETY: `dev` is our freshly allocated, unregistered device; the tables are 'static
        // (promoted constants); `data` outlives the device (kept in the Registration, dropped
        // after free_netdev).
        unsafe {
            sys::ne2k_rs_netdev_setup(
                dev,
                Arc::as_ptr(&data).cast(),
                ops,
                ethtool_ops,
                stat_ops.map_or(core::ptr::null(), core::ptr::from_ref),
                mac.as_ptr(),
                base_addr as c_ulong,
                irq as c_int,
                watchdog_ms as c_int,
                Some(Tables::<T>::poll),
                napi_weight as c_int,
                T::XDP_FEATURES,
            )
        };
        let free = |dev: *mut net_device| {
            // SAFETY: undoing the setup above on an unregistered device.
            unsafe {
                sys::ne2k_rs_napi_del(dev);
                sys::free_netdev(dev);
            }
        };
        // The line is requested raw, not with `kernel::irq::Registration`: in 7.3 a PCI
        // device's `IrqRequest` comes only from `IrqVectorRegistration::index`, which borrows
        // the vector registration, so the two would have to live side by side in the driver
        // data, one borrowing the other.
        // The line first: once registered the device can be opened, and its interrupt must
        // be there by then. Until open the chip is stopped and the handler says IRQ_NONE.
        // SAFETY: the handler and its cookie (`dev`, with `data`) stay valid until free_irq in
        // `Registration::drop` (or below), which runs before the device is freed.
        let ret = unsafe {
            bindings::request_threaded_irq(
                irq,
                Some(Tables::<T>::irq),
                None,
                bindings::IRQF_SHARED as c_ulong,
                irq_name.as_char_ptr(),
                dev.cast(),
            )
        };
        if let Err(e) = to_result(ret) {
            free(dev);
            return Err(RegisterError {
                step: RegisterStep::RequestIrq,
                err: e,
            });
        }
        // SAFETY: `dev` is fully set up.
        if let Err(e) = to_result(unsafe { sys::register_netdev(dev) }) {
            // SAFETY: requested above with this cookie; the device was never registered.
            unsafe { bindings::free_irq(irq, dev.cast()) };
            free(dev);
            return Err(RegisterError {
                step: RegisterStep::RegisterNetdev,
                err: e,
            });
        }
        Ok(Registration {
            dev: NetDev(dev),
            irq,
            data,
        })
    }
}

impl Drop for EtherDev {
    fn drop(&mut self) {
        // SAFETY: never registered (register() forgets self).
        unsafe { sys::free_netdev(self.0) }
    }
}

/// A registered network device with its interrupt line. Dropping it unregisters the device
/// (the core calls `stop` if it is up), frees the IRQ, deletes NAPI, frees the device, and
/// only then drops the driver state.
pub struct Registration<T: NetDevOps> {
    /// Lent out only as `&NetDev` (`netdev`), so no handle outlives the registration.
    dev: NetDev,
    irq: u32,
    data: Arc<T>,
}

// SAFETY: unregistration and free_irq may run on any thread; `T` is Send + Sync.
unsafe impl<T: NetDevOps> Send for Registration<T> {}
// SAFETY: `&Registration` only gives `&T` and the device's name.
unsafe impl<T: NetDevOps> Sync for Registration<T> {}

impl<T: NetDevOps> Registration<T> {
    pub fn data(&self) -> &T {
        &self.data
    }
    /// The registered device, for driver code outside the ops (PCI unbind); borrowed, so it
    /// cannot outlive the registration.
    pub fn netdev(&self) -> &NetDev {
        &self.dev
    }
    pub fn name(&self) -> &CStr {
        // SAFETY: netdev_name() of our registered device is NUL-terminated and lives as long
        // as the device, i.e. as long as `self`.
        unsafe { CStr::from_char_ptr(sys::ne2k_rs_netdev_name(self.dev.0)) }
    }
}

/// What a device does at system sleep, for an interface that is up (the PCI callbacks of
/// [`PciPmAdapter`] reach it through [`Registration::suspend`] and [`Registration::resume`],
/// which hold RTNL and detach the device first: the stack then neither transmits nor opens it).
pub trait PowerOps: NetDevOps {
    /// Quiesce the card: no interrupt, no poll, nothing in flight, until [`Self::resume`].
    fn suspend(&self, dev: &NetDev);
    /// Bring the card back (it may have lost power) as the stack left it.
    fn resume(&self, dev: &NetDev);
    /// Resume of an interface that is down: leave the card quiet (it comes back as the kernel
    /// before left it, which after a hibernation restore may be started, interrupts unmasked).
    fn resume_down(&self, dev: &NetDev);
}

/// RTNL, held while this lives (`rtnl_lock`/`rtnl_unlock`); not `Send`: it is released by
/// the task that took it.
struct Rtnl(core::marker::PhantomData<*mut ()>);

impl Rtnl {
    /// Sleeps: process context, and not with RTNL already held (PM and shutdown callbacks
    /// never are).
    fn lock() -> Self {
        // SAFETY: called from a PM or shutdown callback: process context, RTNL not held.
        unsafe { sys::rtnl_lock() };
        Rtnl(core::marker::PhantomData)
    }
}

impl Drop for Rtnl {
    fn drop(&mut self) {
        // SAFETY: `self` exists only while we hold RTNL (taken in `lock`).
        unsafe { sys::rtnl_unlock() }
    }
}

impl<T: PowerOps> Registration<T> {
    /// System suspend (and shutdown): under RTNL, the device is marked absent
    /// (`netif_device_detach`: its queue stops, `dev_open` and netpoll refuse it) and, if the
    /// interface is up, quiesced by [`PowerOps::suspend`]. It stays up: resume restarts it.
    pub fn suspend(&self) {
        let _rtnl = Rtnl::lock();
        // SAFETY: `self.dev` is our registered device (type invariant of NetDev).
        unsafe { sys::netif_device_detach(self.dev.0) };
        if self.dev.running() {
            self.data.suspend(&self.dev);
        }
    }

    /// System resume: under RTNL, an interface that was up is restarted by
    /// [`PowerOps::resume`] (one that is down gets its card quieted, [`PowerOps::resume_down`]),
    /// then the device is present again (`netif_device_attach` wakes its queue).
    pub fn resume(&self) {
        let _rtnl = Rtnl::lock();
        if self.dev.running() {
            self.data.resume(&self.dev);
        } else {
            self.data.resume_down(&self.dev);
        }
        // SAFETY: as in `suspend`.
        unsafe { sys::netif_device_attach(self.dev.0) };
    }
}

/// The system-sleep and shutdown callbacks of a PCI driver, which 7.3's `kernel::pci::Driver`
/// does not have. Each gets the driver's data of a bound device.
pub trait PciPm: pci::Driver {
    /// `dev_pm_ops` `suspend`, `freeze` and `poweroff`.
    fn suspend(this: Pin<&Self::Data<'_>>);
    /// `dev_pm_ops` `resume`, `thaw` and `restore`.
    fn resume(this: Pin<&Self::Data<'_>>);
    /// `pci_driver.shutdown` (reboot, power off, kexec).
    fn shutdown(this: Pin<&Self::Data<'_>>);
}

/// `kernel::pci::Adapter<T>` plus [`PciPm`]: a shim for what the kernel crate lacks, to go away
/// when `pci::Driver` grows PM callbacks. Registered as
/// `kernel::driver::Registration<PciPmAdapter<T>>`; it sets `driver.pm` and `shutdown` in the
/// `struct pci_driver`, then registers it with `pci::Adapter<T>`'s own code, so probe, remove
/// and the driver data are the kernel crate's.
pub struct PciPmAdapter<T>(core::marker::PhantomData<T>);

impl<T: PciPm> PciPmAdapter<T> {
    const PM_OPS: bindings::dev_pm_ops = bindings::dev_pm_ops {
        suspend: Some(Self::suspend_callback),
        resume: Some(Self::resume_callback),
        freeze: Some(Self::suspend_callback),
        thaw: Some(Self::resume_callback),
        poweroff: Some(Self::suspend_callback),
        restore: Some(Self::resume_callback),
        ..pin_init::zeroed()
    };
    /// The table the `struct pci_driver` points to: a `'static` reference, checked as such.
    const PM_OPS_REF: &'static bindings::dev_pm_ops = &Self::PM_OPS;

    /// The driver data of `dev`.
    ///
    /// # Safety
    ///
    /// `dev` is a device bound to this driver, for the call (the PM core and the PCI shutdown
    /// call a driver's callbacks only for a device bound to it, holding the device lock, which
    /// excludes an unbind); `pci::Adapter<T>`'s probe stored a `Pin<KBox<T::Data>>` in it
    /// before the bind completed (with `set_drvdata`, which remove borrows the same way).
    unsafe fn data<'a>(dev: *mut bindings::device) -> Pin<&'a T::Data<'a>> {
        // SAFETY: `dev` is a valid, bound device for 'a (the caller's contract); the internal
        // bound context is what the kernel crate's own bus callbacks view it as.
        let dev =
            unsafe { &*dev.cast::<kernel::device::Device<kernel::device::CoreInternal<'a>>>() };
        // SAFETY: probe stored this type (the caller's contract); the device stays bound for
        // the call.
        unsafe { dev.drvdata_borrow::<T::Data<'a>>() }
    }

    /// # Safety
    /// `dev` is a device bound to this driver (the PM core's call; see [`Self::data`]).
    unsafe extern "C" fn suspend_callback(dev: *mut bindings::device) -> c_int {
        // SAFETY: the PM core calls this for a device bound to us (see `data`).
        T::suspend(unsafe { Self::data(dev) });
        0
    }

    /// # Safety
    /// As [`Self::suspend_callback`].
    unsafe extern "C" fn resume_callback(dev: *mut bindings::device) -> c_int {
        // SAFETY: as in `suspend_callback`.
        T::resume(unsafe { Self::data(dev) });
        0
    }

    /// # Safety
    /// `pdev` is a PCI device bound to this driver (the PCI core's `shutdown` call).
    unsafe extern "C" fn shutdown_callback(pdev: *mut bindings::pci_dev) {
        // SAFETY: the PCI core calls `shutdown` with a valid pci_dev bound to us (under its
        // device lock); its `dev` is the device the driver data hangs on.
        T::shutdown(unsafe { Self::data(&raw mut (*pdev).dev) });
    }
}

// SAFETY: the same layout as `pci::Adapter<T>`'s: `struct pci_driver` (repr(C)) embeds its
// `struct device_driver` at `driver`, and the driver data is `T::Data`, which
// `pci::Adapter<T>`'s probe stores.
unsafe impl<T: PciPm> kernel::driver::DriverLayout for PciPmAdapter<T> {
    type DriverType = bindings::pci_driver;
    type DriverData<'bound> = T::Data<'bound>;
    const DEVICE_DRIVER_OFFSET: usize = core::mem::offset_of!(bindings::pci_driver, driver);
}

// SAFETY: `unregister` is `pci::Adapter<T>`'s, after a successful `register` that was its too.
unsafe impl<T: PciPm + 'static> kernel::driver::RegistrationOps for PciPmAdapter<T> {
    unsafe fn register(
        reg: &Opaque<bindings::pci_driver>,
        name: &'static CStr,
        module: &'static kernel::ThisModule,
    ) -> Result {
        // SAFETY: `reg` is not registered yet (`Registration::new` initialised it and calls
        // this once): its fields may be written. The ops table is 'static (`PM_OPS_REF`).
        unsafe {
            (*reg.get()).driver.pm = Self::PM_OPS_REF;
            (*reg.get()).shutdown = Some(Self::shutdown_callback);
        }
        // SAFETY: our caller's contract (`reg` stays pinned until `unregister`) is the one
        // `pci::Adapter<T>::register` asks for.
        unsafe { <pci::Adapter<T> as kernel::driver::RegistrationOps>::register(reg, name, module) }
    }

    unsafe fn unregister(reg: &Opaque<bindings::pci_driver>) {
        // SAFETY: `reg` was registered by `pci::Adapter<T>::register` (above).
        unsafe { <pci::Adapter<T> as kernel::driver::RegistrationOps>::unregister(reg) }
    }
}

impl<T: NetDevOps> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: we registered `dev` and requested `irq` with cookie `dev`; after unregister
        // the core no longer calls our ops (the device is closed: the chip is quiesced);
        // free_irq then waits for a running handler; napi was added at setup. The Arc (our
        // state) is released after this, when the fields drop.
        unsafe {
            sys::unregister_netdev(self.dev.0);
            let _ = bindings::free_irq(self.irq, self.dev.0.cast());
            sys::ne2k_rs_napi_del(self.dev.0);
            sys::free_netdev(self.dev.0);
        }
    }
}

/// A PCI ID-table entry for `vendor:device` (any subsystem), like C's `PCI_DEVICE()`.
///
/// `pci::DeviceId::from_id` takes a `pci::Vendor`, which can only be built from the kernel's
/// named vendors; several NE2000 clone makers (KTI 0x8e2e, NetVin 0x4a14, 0x8c4a) are not among
/// them, so the entry is built from the C struct directly.
pub const fn pci_device_id(vendor: u16, device: u16) -> pci::DeviceId {
    let raw = bindings::pci_device_id {
        vendor: vendor as u32,
        device: device as u32,
        subvendor: !0,
        subdevice: !0,
        class: 0,
        class_mask: 0,
        driver_data: 0,
        override_only: 0,
    };
    // SAFETY: `pci::DeviceId` is `#[repr(transparent)]` over `bindings::pci_device_id` and adds
    // no invariant beyond it (the abstraction's own `from_id` builds exactly this value).
    unsafe { core::mem::transmute::<bindings::pci_device_id, pci::DeviceId>(raw) }
}

/// The driver's debugfs directory (`/sys/kernel/debug/<driver>/`), which each card's directory
/// goes under. It exists from module init (before the PCI driver registers) to module exit
/// (after it unregisters): hold the [`DebugfsRoot`] in the module after the driver's
/// registration, so that it drops last.
///
/// Why not `kernel::debugfs`: its files' `file_operations` have no `.owner`, so an open file
/// does not pin the module, and closing it after `rmmod` reads the freed module's ops
/// (`full_proxy_release`). The stage statistics' file is made in C with `.owner =
/// THIS_MODULE` (ne2k_rs_helpers.c): while it is open, `rmmod` says the module is in use.
static DEBUGFS_ROOT: AtomicPtr<bindings::dentry> = AtomicPtr::new(core::ptr::null_mut());

/// Owns [`DEBUGFS_ROOT`]: creates it, and removes it (with what is left in it) when dropped.
pub(crate) struct DebugfsRoot(());

impl DebugfsRoot {
    /// Creates the root. Call once, from module init, before the driver registers.
    pub(crate) fn create(name: &CStr) -> Self {
        // SAFETY: `name` is a NUL-terminated string; a NULL parent is debugfs' own root. The
        // result may be an error pointer (no debugfs): the calls below accept one.
        let dir =
            unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), core::ptr::null_mut()) };
        DEBUGFS_ROOT.store(dir, Ordering::Release);
        Self(())
    }
}

impl Drop for DebugfsRoot {
    fn drop(&mut self) {
        let dir = DEBUGFS_ROOT.swap(core::ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: `dir` came from `debugfs_create_dir` (or is an error pointer or NULL, which
        // `debugfs_remove` ignores), and is removed once: the swap took it.
        unsafe { bindings::debugfs_remove(dir) };
    }
}

/// A card's debugfs directory, `<root>/<name>/`, with its `stage_stats` file (read: the
/// table; write anything: reset). Dropping it removes both, after any read or write in
/// progress has finished; then the statistics it kept alive may go.
pub(crate) struct StageStatsFile {
    dir: AtomicPtr<bindings::dentry>,
    _stats: crate::stages::SharedStats,
}

impl StageStatsFile {
    pub(crate) fn create(name: &CStr, stats: crate::stages::SharedStats) -> Self {
        let root = DEBUGFS_ROOT.load(Ordering::Acquire);
        // SAFETY: `name` is a NUL-terminated string; `root` is the driver's directory, alive
        // while a device is bound (module init to exit), or an error pointer, which
        // `debugfs_create_dir` returns as is.
        let dir = unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), root) };
        let data: *const StageStats = &**stats;
        // SAFETY: `dir` as above (an error pointer makes no file). The file's data is the
        // `StageStats` that `stats` keeps alive until after `drop` has removed the file.
        unsafe { sys::ne2k_rs_debugfs_stage_stats(dir, data.cast_mut().cast()) };
        Self {
            dir: AtomicPtr::new(dir),
            _stats: stats,
        }
    }
}

impl Drop for StageStatsFile {
    fn drop(&mut self) {
        // SAFETY: the directory `create` made, removed once; `debugfs_remove` waits for the
        // file's readers and writers in progress, so none touches the statistics after it.
        unsafe { bindings::debugfs_remove(*self.dir.get_mut()) };
    }
}

/// `show` of a card's `stage_stats` file (ne2k_rs_helpers.c): the sampling period and the
/// table.
#[no_mangle]
extern "C" fn ne2k_rs_stage_stats_show(m: *mut bindings::seq_file, data: *mut c_void) -> c_int {
    // SAFETY: ne2k_rs_helpers.c calls this from the file's `single_open` show with its
    // seq_file and the data given at creation: a `StageStats` alive while the file exists
    // (`StageStatsFile`), and the show runs inside a debugfs read, which removal waits for.
    let (m, stats) = unsafe {
        (
            kernel::seq_file::SeqFile::from_raw(m),
            &*data.cast_const().cast::<StageStats>(),
        )
    };
    m.call_printf(format_args!(
        "# stage_stats={} (0: off; N: one transmit, and one interrupt with its poll, in N timed)\n{}",
        crate::tracing::stats_period(),
        stats
    ));
    0
}

/// `write` of a card's `stage_stats` file: any write resets the statistics.
#[no_mangle]
extern "C" fn ne2k_rs_stage_stats_clear(data: *mut c_void) {
    // SAFETY: as `ne2k_rs_stage_stats_show`, inside a debugfs write.
    unsafe { &*data.cast_const().cast::<StageStats>() }.clear();
}

/// An empty [`StageStats`], allocated zeroed in place (70 KiB:
/// not built on the stack; `kvmalloc`, so vmalloc may serve it).
pub(crate) fn kvzalloc_stage_stats() -> Result<kernel::alloc::KVBox<crate::stagestats::StageStats>>
{
    use kernel::alloc::flags::{__GFP_ZERO, GFP_KERNEL};
    let zeroed = kernel::alloc::KVBox::<StageStats>::new_uninit(GFP_KERNEL | __GFP_ZERO)?;
    // SAFETY: the memory is zeroed (`__GFP_ZERO`), and all-zero bytes are a valid, empty
    // `StageStats`: it holds atomic integers only (see its definition in stagestats.rs).
    Ok(unsafe { zeroed.assume_init() })
}
