// SPDX-License-Identifier: GPL-2.0
//! The module's FFI layer: small safe types over the kernel's C interfaces that have no Rust
//! abstraction in 7.3 (I/O-port BARs, legacy INTx lines; the net_device/NAPI/sk_buff layer
//! joins them). Together with `hw/port.rs` this is the only place with `unsafe`.

use kernel::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

use kernel::bindings;
use kernel::error::to_result;
use kernel::pci;
use kernel::prelude::*;
use kernel::sync::Arc;

// The C shims of ne2k_rs_helpers.c (prototypes in ne2k_rs_helpers.h). Kernel structs are passed
// as `void *`: bindgen's renderings of `pci_dev`, `net_device` and `sk_buff` hold zero-sized
// members that rustc calls FFI-unsafe, and the shims are the only code that looks inside them.
type Raw = *mut c_void;
extern "C" {
    fn ne2k_rs_request_io(
        pdev: Raw,
        bar: c_int,
        extent: c_ulong,
        name: *const c_char,
        base: *mut c_ulong,
    ) -> c_int;
    fn ne2k_rs_release_io(base: c_ulong, extent: c_ulong);
    fn ne2k_rs_pci_irq(pdev: Raw) -> c_uint;
    fn ne2k_rs_pci_subsystem_vendor(pdev: Raw) -> u16;
    fn ne2k_rs_pci_device(pdev: Raw) -> Raw;

    fn ne2k_rs_alloc_etherdev(parent: Raw) -> Raw;
    fn ne2k_rs_netdev_setup(
        dev: Raw,
        drv: *const c_void,
        mac: *const u8,
        base_addr: c_ulong,
        irq: c_int,
        watchdog_ms: c_int,
        poll: unsafe extern "C" fn(Raw, c_int) -> c_int,
        weight: c_int,
    );
    fn ne2k_rs_drv(dev: Raw) -> *const c_void;
    fn ne2k_rs_napi_del(dev: Raw);
    fn ne2k_rs_napi_dev(napi: Raw) -> Raw;
    fn ne2k_rs_napi_enable(dev: Raw);
    fn ne2k_rs_napi_disable(dev: Raw);
    fn ne2k_rs_napi_schedule(dev: Raw);
    fn ne2k_rs_napi_complete_done(napi: Raw, work_done: c_int) -> bool;
    fn ne2k_rs_netif_start_queue(dev: Raw);
    fn ne2k_rs_netif_stop_queue(dev: Raw);
    fn ne2k_rs_netif_wake_queue(dev: Raw);
    fn ne2k_rs_netif_queue_stopped(dev: Raw) -> bool;
    fn ne2k_rs_netdev_flags(dev: Raw) -> c_uint;
    fn ne2k_rs_netdev_mc_list(dev: Raw, out: *mut [u8; 6], max: c_int) -> c_int;
    fn ne2k_rs_eth_hw_addr_set(dev: Raw, mac: *const u8);
    fn ne2k_rs_netdev_name(dev: Raw) -> *const c_char;
    fn ne2k_rs_sockaddr_mac(sockaddr: *const c_void, mac: *mut u8);

    fn ne2k_rs_register_netdev(dev: Raw) -> c_int;
    fn ne2k_rs_unregister_netdev(dev: Raw);
    fn ne2k_rs_free_netdev(dev: Raw);
    fn ne2k_rs_netif_carrier(dev: Raw, on: bool);

    fn ne2k_rs_skb_linear_data(skb: Raw, len: *mut c_uint) -> *const u8;
    fn ne2k_rs_napi_alloc_skb(napi: Raw, len: c_uint) -> Raw;
    fn ne2k_rs_skb_put(skb: Raw, len: c_uint) -> *mut u8;

    fn ne2k_rs_irqs_disabled() -> bool;
    fn ne2k_rs_spin_lock_bh(lock: *mut bindings::spinlock_t);
    fn ne2k_rs_spin_unlock_bh(lock: *mut bindings::spinlock_t);
    fn ne2k_rs_spin_trylock_bh(lock: *mut bindings::spinlock_t) -> bool;
    fn ne2k_rs_gro_receive(napi: Raw, skb: Raw);
    fn ne2k_rs_consume_skb(skb: Raw);
    fn ne2k_rs_kfree_skb(skb: Raw);
}

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
        if unsafe { ne2k_rs_irqs_disabled() } {
            // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
            unsafe { bindings::spin_lock(ptr) };
            false
        } else {
            // SAFETY: as above.
            unsafe { ne2k_rs_spin_lock_bh(ptr) };
            true
        }
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<bool> {
        // The same discipline as `lock`: the hard IRQ (interrupts off) tries it plainly; a
        // lock holder's release that takes a deferred interrupt (process or softirq context)
        // turns bottom halves off with it, or a NAPI poll on this CPU could spin on it.
        // SAFETY: `ne2k_rs_irqs_disabled` only reads the CPU's interrupt flag.
        if unsafe { ne2k_rs_irqs_disabled() } {
            // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
            (unsafe { bindings::spin_trylock(ptr) } != 0).then_some(false)
        } else {
            // SAFETY: as above.
            unsafe { ne2k_rs_spin_trylock_bh(ptr) }.then_some(true)
        }
    }

    unsafe fn unlock(ptr: *mut Self::State, bh: &bool) {
        // SAFETY: the caller owns the lock, taken by `lock` or `try_lock`, which set `bh`.
        unsafe {
            if *bh {
                ne2k_rs_spin_unlock_bh(ptr)
            } else {
                bindings::spin_unlock(ptr)
            }
        }
    }

    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
        unsafe { bindings::spin_assert_is_held(ptr) }
    }
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

/// An enabled PCI device with one I/O-port BAR claimed (`pci_enable_device` +
/// `request_region`). Dropping it releases the ports and disables the device.
///
/// # Invariants
///
/// `pdev` is a bound PCI device that outlives this value; the device is enabled and
/// `base..base + extent` is reserved for us.
pub struct IoRegion {
    pdev: *mut bindings::pci_dev,
    base: c_ulong,
    extent: c_ulong,
}

// SAFETY: the pointer is only used to call `pci_disable_device()`, which may run on any thread;
// the device outlives the binding that owns this value.
unsafe impl Send for IoRegion {}
// SAFETY: no method mutates through `&self`.
unsafe impl Sync for IoRegion {}

/// Which step of claiming the I/O region failed.
#[derive(Debug)]
pub enum IoRegionError {
    Enable(Error),
    NotIo,
    Busy,
}

impl IoRegion {
    /// Enables `pdev` and reserves `extent` ports of its BAR `bar`, named `name` in
    /// /proc/ioports. The device is disabled again if the reservation fails.
    pub fn claim(
        pdev: &pci::Device<kernel::device::Core<'_>>,
        bar: u32,
        extent: u64,
        name: &'static CStr,
    ) -> core::result::Result<Self, IoRegionError> {
        let raw = raw_pdev(pdev);
        // SAFETY: `raw` is the valid, bound device the probe callback was given.
        to_result(unsafe { bindings::pci_enable_device(raw) }).map_err(IoRegionError::Enable)?;
        let mut base: c_ulong = 0;
        // SAFETY: `raw` is valid (above); `name` is a NUL-terminated 'static string, as
        // request_region() keeps the pointer; `base` is a valid out-pointer.
        let ret = unsafe {
            ne2k_rs_request_io(
                raw.cast(),
                bar as c_int,
                extent as c_ulong,
                name.as_char_ptr(),
                &mut base,
            )
        };
        if ret != 0 {
            // SAFETY: we enabled the device above and own no other reference to that enable.
            unsafe { bindings::pci_disable_device(raw) };
            return Err(if ret == -(bindings::EBUSY as c_int) {
                IoRegionError::Busy
            } else {
                IoRegionError::NotIo
            });
        }
        Ok(Self {
            pdev: raw,
            base,
            extent: extent as c_ulong,
        })
    }

    /// First port of the window.
    pub fn base(&self) -> u64 {
        self.base as u64
    }

    /// A register bus over the claimed window.
    ///
    /// # Safety
    ///
    /// The bus carries no lifetime: the caller must drop it (and stop every context that may
    /// use it) before `self` is dropped.
    pub unsafe fn bus(&self) -> crate::hw::port::PortBus {
        // SAFETY: by the type invariant the window is reserved for us while `self` lives, and
        // the caller drops the bus before `self`.
        unsafe { crate::hw::port::PortBus::new(self.base as u16) }
    }

    /// The device's legacy interrupt line (`pdev->irq`).
    pub fn irq(&self) -> u32 {
        // SAFETY: `pdev` is valid by the type invariant.
        unsafe { ne2k_rs_pci_irq(self.pdev.cast()) }
    }
}

impl Drop for IoRegion {
    fn drop(&mut self) {
        // SAFETY: by the type invariant we reserved exactly this range and enabled the device.
        unsafe {
            ne2k_rs_release_io(self.base, self.extent);
            bindings::pci_disable_device(self.pdev);
        }
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
/// freed, for as long as the `NetDev` exists: it is only made by [`Vtable`]'s callbacks from
/// the device the core calls them with (alive for the call), and by [`Registration`], which
/// lends it out only by reference.
pub struct NetDev(Raw);

impl NetDev {
    pub fn start_queue(&self) {
        // SAFETY: `self.0` is a live, registered net_device (type invariant).
        unsafe { ne2k_rs_netif_start_queue(self.0) }
    }
    pub fn stop_queue(&self) {
        // SAFETY: as above.
        unsafe { ne2k_rs_netif_stop_queue(self.0) }
    }
    pub fn wake_queue(&self) {
        // SAFETY: as above.
        unsafe { ne2k_rs_netif_wake_queue(self.0) }
    }
    pub fn queue_stopped(&self) -> bool {
        // SAFETY: as above.
        unsafe { ne2k_rs_netif_queue_stopped(self.0) }
    }
    pub fn carrier_on(&self) {
        // SAFETY: as above; netif_carrier_on is callable from any context.
        unsafe { ne2k_rs_netif_carrier(self.0, true) }
    }
    pub fn carrier_off(&self) {
        // SAFETY: as above.
        unsafe { ne2k_rs_netif_carrier(self.0, false) }
    }
    pub fn napi_enable(&self) {
        // SAFETY: the napi_struct in our private area was added at registration.
        unsafe { ne2k_rs_napi_enable(self.0) }
    }
    pub fn napi_disable(&self) {
        // SAFETY: as above; called from process context (ndo_stop).
        unsafe { ne2k_rs_napi_disable(self.0) }
    }
    /// Schedules the device's NAPI poll (from the interrupt handler).
    pub fn napi_schedule(&self) {
        // SAFETY: as above; napi_schedule may be called from hard-IRQ context.
        unsafe { ne2k_rs_napi_schedule(self.0) }
    }
    /// `dev->flags` (IFF_*).
    pub fn flags(&self) -> u32 {
        // SAFETY: `self.0` is live.
        unsafe { ne2k_rs_netdev_flags(self.0) }
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
        let n = unsafe { ne2k_rs_netdev_mc_list(self.0, out.as_mut_ptr(), max) };
        n.max(0) as usize
    }
    pub fn set_dev_addr(&self, mac: &[u8; 6]) {
        // SAFETY: `mac` is 6 bytes; called under RTNL from ndo_set_mac_address.
        unsafe { ne2k_rs_eth_hw_addr_set(self.0, mac.as_ptr()) }
    }
    pub fn name(&self) -> &CStr {
        // SAFETY: netdev_name() returns the NUL-terminated name, live as long as the device.
        unsafe { CStr::from_char_ptr(ne2k_rs_netdev_name(self.0)) }
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
/// gives it back to the core unfreed with [`NetdevTx::Busy`] ([`Vtable::start_xmit`] forgets
/// it and returns `NETDEV_TX_BUSY`).
pub struct SkBuff(Raw);

// SAFETY: an skb may be freed from any CPU; ownership is unique.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// The frame as one linear byte slice (linearising a fragmented skb), or `None` if that
    /// needed memory that was not there.
    pub fn data(&mut self) -> Option<&[u8]> {
        let mut len: c_uint = 0;
        // SAFETY: we own the skb; the returned pointer is valid for `len` bytes until the skb
        // is modified or freed, which the borrow of `self` prevents.
        let p = unsafe { ne2k_rs_skb_linear_data(self.0, &mut len) };
        if p.is_null() {
            return None;
        }
        // SAFETY: see above.
        Some(unsafe { core::slice::from_raw_parts(p, len as usize) })
    }

    /// Frees the skb as successfully transmitted.
    pub fn consume(self) {
        let raw = self.0;
        core::mem::forget(self);
        // SAFETY: we own `raw` and give it up here, once.
        unsafe { ne2k_rs_consume_skb(raw) }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the skb and free it once.
        unsafe { ne2k_rs_kfree_skb(self.0) }
    }
}

/// A NAPI context during a poll.
///
/// # Invariants
///
/// `self.0` is the `napi_struct` the core is polling right now (made only in [`Vtable::poll`],
/// for the duration of the call).
pub struct Napi(Raw);

/// A receive skb of a fixed length, to be filled and handed to GRO. Dropping it frees it.
///
/// # Invariants
///
/// `skb` is owned; `data` points to `len` bytes of its linear data (`skb_put`: not cleared,
/// so possibly uninitialised until filled), which nothing else references.
pub struct RxSkb {
    skb: Raw,
    data: *mut u8,
    len: usize,
}

impl RxSkb {
    /// The frame's bytes, to fill (possibly uninitialised: the type says so, and only writes
    /// can be made through it without `unsafe`).
    pub fn buf(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        // SAFETY: by the type invariant `data` is valid and ours for `len` bytes (`MaybeUninit`
        // asks nothing of their contents); the borrow of `self` keeps the skb alive and
        // unshared.
        unsafe { core::slice::from_raw_parts_mut(self.data.cast(), self.len) }
    }
}

impl Drop for RxSkb {
    fn drop(&mut self) {
        // SAFETY: we own the skb and free it once.
        unsafe { ne2k_rs_kfree_skb(self.skb) }
    }
}

impl Napi {
    /// Allocates a receive skb holding `len` bytes (napi_alloc_skb: IP-aligned, from the
    /// per-CPU NAPI cache, GFP_ATOMIC), or `None` if no memory was available.
    pub fn alloc_skb(&self, len: usize) -> Option<RxSkb> {
        // SAFETY: we are inside this NAPI's poll (type invariant).
        let skb = unsafe { ne2k_rs_napi_alloc_skb(self.0, len as c_uint) };
        if skb.is_null() {
            return None;
        }
        // SAFETY: a fresh skb of `len` bytes of tailroom; skb_put makes them the data. They
        // are not cleared: the copy from the card writes every byte (`RxBuf`), and a memset
        // first would cost a pass over the frame (in Bochs, where a cycle is an instruction,
        // 1,514 of a full frame's ~3,100 driver cycles).
        let data = unsafe { ne2k_rs_skb_put(skb, len as c_uint) };
        // INVARIANT: `data` is the area of `len` bytes of the skb we own.
        Some(RxSkb { skb, data, len })
    }

    /// Hands a filled skb to the stack (eth_type_trans + napi_gro_receive).
    pub fn gro_receive(&self, skb: RxSkb) {
        let raw = skb.skb;
        core::mem::forget(skb);
        // SAFETY: inside this NAPI's poll; ownership of `raw` passes to the stack.
        unsafe { ne2k_rs_gro_receive(self.0, raw) };
    }

    /// Reports the poll's work; returns true if NAPI is complete and interrupts may be
    /// re-enabled.
    pub fn complete_done(&self, work_done: i32) -> bool {
        // SAFETY: inside this NAPI's poll.
        unsafe { ne2k_rs_napi_complete_done(self.0, work_done) }
    }
}

/// Interface statistics for `ndo_get_stats64`; the C side copies them into
/// `struct rtnl_link_stats64` (`struct ne2k_rs_link_stats` in ne2k_rs_helpers.h, same order).
#[repr(C)]
#[derive(Default)]
pub struct LinkStats64 {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
    pub multicast: u64,
    pub collisions: u64,
    pub rx_length_errors: u64,
    pub rx_over_errors: u64,
    pub rx_crc_errors: u64,
    pub rx_frame_errors: u64,
    pub rx_fifo_errors: u64,
    pub rx_missed_errors: u64,
    pub tx_aborted_errors: u64,
    pub tx_carrier_errors: u64,
    pub tx_fifo_errors: u64,
    pub tx_heartbeat_errors: u64,
    pub tx_window_errors: u64,
}

/// The callbacks of a network driver whose state is `Self`.
pub trait NetDevOps: Sync + Send + Sized + 'static {
    /// Names of the `ethtool -S` counters, in the order [`Self::ethtool_stats`] fills them.
    const STAT_NAMES: &'static [&'static CStr];

    fn open(&self, dev: &NetDev) -> Result;
    fn stop(&self, dev: &NetDev);
    fn start_xmit(&self, dev: &NetDev, skb: SkBuff) -> NetdevTx;
    fn tx_timeout(&self, dev: &NetDev);
    fn set_rx_mode(&self, dev: &NetDev);
    fn set_mac_address(&self, dev: &NetDev, mac: [u8; 6]) -> Result;
    fn get_stats64(&self, dev: &NetDev, stats: &mut LinkStats64);
    /// NAPI poll: do at most `budget` units of receive work; return the work done.
    fn poll(&self, dev: &NetDev, napi: &Napi, budget: i32) -> i32;
    /// Hard interrupt on the device's (shared) line.
    fn irq(&self, dev: &NetDev) -> IrqReturn;
    fn ethtool_stats(&self, dev: &NetDev, out: &mut [u64]);
    fn msglevel(&self, dev: &NetDev) -> u32;
    fn set_msglevel(&self, dev: &NetDev, level: u32);
}

/// Dispatch from the C callbacks to `T`. The `net_device_ops`/`ethtool_ops` tables are in
/// ne2k_rs_helpers.c (the kernel's Rust bindings do not cover netdevice.h); they call the
/// `ne2k_rs_ndo_*` functions that [`export_netdev_ops!`] generates for the driver's type.
pub struct Vtable<T: NetDevOps>(core::marker::PhantomData<T>);

impl<T: NetDevOps> Vtable<T> {
    /// The driver state of `dev`.
    ///
    /// # Safety
    ///
    /// `dev` must be a net_device set up by [`EtherDev::register`] for this `T` and not yet
    /// freed (its state is dropped only after `free_netdev`).
    unsafe fn drv<'a>(dev: Raw) -> &'a T {
        // SAFETY: the private area holds the pointer to `T` that `register` stored, and the
        // `Arc` keeping it alive is dropped only after the net_device is freed.
        unsafe { &*ne2k_rs_drv(dev).cast::<T>() }
    }

    /// # Safety
    /// Called by the core on our device (all the callbacks below share this contract).
    pub unsafe fn open(dev: Raw) -> c_int {
        // SAFETY: see the function's contract.
        match unsafe { Self::drv(dev) }.open(&NetDev(dev)) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    /// As [`Self::open`].
    pub unsafe fn stop(dev: Raw) -> c_int {
        // SAFETY: see `open`.
        unsafe { Self::drv(dev) }.stop(&NetDev(dev));
        0
    }

    /// Returns true for NETDEV_TX_BUSY.
    ///
    /// # Safety
    /// As [`Self::open`]; the core passes ownership of `skb`.
    pub unsafe fn start_xmit(skb: Raw, dev: Raw) -> bool {
        // SAFETY: see the contract.
        match unsafe { Self::drv(dev) }.start_xmit(&NetDev(dev), SkBuff(skb)) {
            NetdevTx::Ok => false,
            NetdevTx::Busy(skb) => {
                // Ownership goes back to the core, which requeues it.
                core::mem::forget(skb);
                true
            }
        }
    }

    /// # Safety
    /// As [`Self::open`].
    pub unsafe fn tx_timeout(dev: Raw) {
        // SAFETY: see `open`.
        unsafe { Self::drv(dev) }.tx_timeout(&NetDev(dev));
    }

    /// # Safety
    /// As [`Self::open`].
    pub unsafe fn set_rx_mode(dev: Raw) {
        // SAFETY: see `open`.
        unsafe { Self::drv(dev) }.set_rx_mode(&NetDev(dev));
    }

    /// # Safety
    /// As [`Self::open`]; `addr` is the `struct sockaddr` the core passes.
    pub unsafe fn set_mac_address(dev: Raw, addr: *const c_void) -> c_int {
        let mut mac = [0u8; 6];
        // SAFETY: a `struct sockaddr` has at least ETH_ALEN bytes of data.
        unsafe { ne2k_rs_sockaddr_mac(addr, mac.as_mut_ptr()) };
        // SAFETY: see `open`.
        match unsafe { Self::drv(dev) }.set_mac_address(&NetDev(dev), mac) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    /// As [`Self::open`]; `stats` is a valid, exclusive out-parameter.
    pub unsafe fn get_stats64(dev: Raw, stats: *mut LinkStats64) {
        // SAFETY: see the contract.
        unsafe { Self::drv(dev).get_stats64(&NetDev(dev), &mut *stats) };
    }

    /// # Safety
    /// As [`Self::open`].
    pub unsafe fn msglevel(dev: Raw) -> u32 {
        // SAFETY: see `open`.
        unsafe { Self::drv(dev) }.msglevel(&NetDev(dev))
    }

    /// # Safety
    /// As [`Self::open`].
    pub unsafe fn set_msglevel(dev: Raw, level: u32) {
        // SAFETY: see `open`.
        unsafe { Self::drv(dev) }.set_msglevel(&NetDev(dev), level)
    }

    /// Name of `ethtool -S` counter `i` (NUL-terminated), or NULL past the end.
    pub fn stat_name(i: c_int) -> *const c_char {
        match usize::try_from(i).ok().and_then(|i| T::STAT_NAMES.get(i)) {
            Some(n) => n.as_char_ptr(),
            None => core::ptr::null(),
        }
    }

    /// # Safety
    /// As [`Self::open`]; `data` has room for `STAT_NAMES.len()` counters.
    pub unsafe fn stats_fill(dev: Raw, data: *mut u64) {
        // SAFETY: see the contract.
        let out = unsafe { core::slice::from_raw_parts_mut(data, T::STAT_NAMES.len()) };
        // SAFETY: see `open`.
        unsafe { Self::drv(dev) }.ethtool_stats(&NetDev(dev), out);
    }

    /// # Safety
    /// Called only by the core as the NAPI poll of a context `EtherDev::register` added.
    unsafe extern "C" fn poll(napi: Raw, budget: c_int) -> c_int {
        // SAFETY: the core calls poll with our napi_struct, whose `dev` is our device.
        let dev = unsafe { ne2k_rs_napi_dev(napi) };
        // SAFETY: see `open`.
        unsafe { Self::drv(dev) }.poll(&NetDev(dev), &Napi(napi), budget)
    }

    /// # Safety
    /// Called only by the core as the handler of the line `EtherDev::register` requested, with
    /// its cookie.
    unsafe extern "C" fn irq(_irq: c_int, cookie: *mut c_void) -> bindings::irqreturn_t {
        // SAFETY: the cookie is the net_device we requested the line for; the line is requested
        // after the device and its state are set up and freed before the device is freed (see
        // `EtherDev::register` and `Registration::drop`).
        match unsafe { Self::drv(cookie) }.irq(&NetDev(cookie)) {
            IrqReturn::None => bindings::irqreturn::IRQ_NONE,
            IrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
        }
    }
}

/// Generates the `ne2k_rs_ndo_*` / `ne2k_rs_ethtool_*` symbols that the C ops tables in
/// ne2k_rs_helpers.c point to, dispatching to `$t: NetDevOps`. Invoke once per module.
macro_rules! export_netdev_ops {
    ($t:ty) => {
        mod netdev_exports {
            use super::*;
            use kernel::ffi::{c_char, c_int, c_uint, c_void};
            type V = $crate::netdev::Vtable<$t>;

            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ndo_open(dev: *mut c_void) -> c_int {
                // SAFETY: called by the core through our net_device_ops.
                unsafe { V::open(dev) }
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ndo_stop(dev: *mut c_void) -> c_int {
                // SAFETY: as above.
                unsafe { V::stop(dev) }
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ndo_start_xmit(
                skb: *mut c_void,
                dev: *mut c_void,
            ) -> bool {
                // SAFETY: as above; we get ownership of `skb`.
                unsafe { V::start_xmit(skb, dev) }
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ndo_tx_timeout(dev: *mut c_void, _q: c_uint) {
                // SAFETY: as above.
                unsafe { V::tx_timeout(dev) }
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ndo_set_rx_mode(dev: *mut c_void) {
                // SAFETY: as above.
                unsafe { V::set_rx_mode(dev) }
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ndo_set_mac_address(
                dev: *mut c_void,
                addr: *mut c_void,
            ) -> c_int {
                // SAFETY: as above.
                unsafe { V::set_mac_address(dev, addr) }
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ndo_get_stats(
                dev: *mut c_void,
                s: *mut $crate::netdev::LinkStats64,
            ) {
                // SAFETY: as above; `s` is the C wrapper's zeroed local.
                unsafe { V::get_stats64(dev, s) }
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ethtool_get_msglevel(dev: *mut c_void) -> u32 {
                // SAFETY: as above.
                unsafe { V::msglevel(dev) }
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ethtool_set_msglevel(dev: *mut c_void, v: u32) {
                // SAFETY: as above.
                unsafe { V::set_msglevel(dev, v) }
            }
            #[unsafe(no_mangle)]
            extern "C" fn ne2k_rs_ethtool_stat_name(i: c_int) -> *const c_char {
                V::stat_name(i)
            }
            /// # Safety
            /// Called only by the core, through the ops tables of ne2k_rs_helpers.c, with the
            /// arguments of the C callback it implements (see `Vtable`'s method of that name).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn ne2k_rs_ethtool_stats_fill(dev: *mut c_void, data: *mut u64) {
                // SAFETY: as above; the core sized `data` by our sset count.
                unsafe { V::stats_fill(dev, data) }
            }
        }
    };
}
pub(crate) use export_netdev_ops;

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
pub struct EtherDev(Raw);

// SAFETY: the pointer is only used for registration/free, which may happen on any thread.
unsafe impl Send for EtherDev {}

impl EtherDev {
    pub fn alloc(pdev: &pci::Device<kernel::device::Core<'_>>) -> Result<Self> {
        // SAFETY: `raw_pdev` is the bound device; the helper returns its embedded `struct device`.
        let parent = unsafe { ne2k_rs_pci_device(raw_pdev(pdev).cast()) };
        // SAFETY: alloc_etherdev with our private-area size; NULL on failure.
        let dev = unsafe { ne2k_rs_alloc_etherdev(parent) };
        if dev.is_null() {
            return Err(ENOMEM);
        }
        Ok(Self(dev))
    }

    /// Installs `data` as the device's state and callbacks, requests the interrupt line
    /// (shared) with the device as cookie, then registers the device.
    pub fn register<T: NetDevOps>(
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
        // SAFETY: `dev` is our freshly allocated, unregistered device; the tables are 'static
        // (promoted constants); `data` outlives the device (kept in the Registration, dropped
        // after free_netdev).
        unsafe {
            ne2k_rs_netdev_setup(
                dev,
                Arc::as_ptr(&data).cast(),
                mac.as_ptr(),
                base_addr as c_ulong,
                irq as c_int,
                watchdog_ms as c_int,
                Vtable::<T>::poll,
                napi_weight as c_int,
            )
        };
        let free = |dev: Raw| {
            // SAFETY: undoing the setup above on an unregistered device.
            unsafe {
                ne2k_rs_napi_del(dev);
                ne2k_rs_free_netdev(dev);
            }
        };
        // The line first: once registered the device can be opened, and its interrupt must
        // be there by then. Until open the chip is stopped and the handler says IRQ_NONE.
        // SAFETY: the handler and its cookie (`dev`, with `data`) stay valid until free_irq in
        // `Registration::drop` (or below), which runs before the device is freed.
        let ret = unsafe {
            bindings::request_threaded_irq(
                irq,
                Some(Vtable::<T>::irq),
                None,
                bindings::IRQF_SHARED as c_ulong,
                irq_name.as_char_ptr(),
                dev,
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
        if let Err(e) = to_result(unsafe { ne2k_rs_register_netdev(dev) }) {
            // SAFETY: requested above with this cookie; the device was never registered.
            unsafe { bindings::free_irq(irq, dev) };
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
        unsafe { ne2k_rs_free_netdev(self.0) }
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
        unsafe { CStr::from_char_ptr(ne2k_rs_netdev_name(self.dev.0)) }
    }
}

impl<T: NetDevOps> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: we registered `dev` and requested `irq` with cookie `dev`; after unregister
        // the core no longer calls our ops (the device is closed: the chip is quiesced);
        // free_irq then waits for a running handler; napi was added at setup. The Arc (our
        // state) is released after this, when the fields drop.
        unsafe {
            ne2k_rs_unregister_netdev(self.dev.0);
            let _ = bindings::free_irq(self.irq, self.dev.0);
            ne2k_rs_napi_del(self.dev.0);
            ne2k_rs_free_netdev(self.dev.0);
        }
    }
}

/// The PCI subsystem vendor ID (0x1af4 on QEMU's emulated devices).
pub fn pci_subsystem_vendor(pdev: &pci::Device<kernel::device::Core<'_>>) -> u16 {
    // SAFETY: `raw_pdev` is the bound device.
    unsafe { ne2k_rs_pci_subsystem_vendor(raw_pdev(pdev).cast()) }
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
