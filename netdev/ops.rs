// SPDX-License-Identifier: GPL-2.0
//! The driver's callbacks as traits (`#[vtable]`), and the C tables built from them at compile
//! time ([`Tables`]): `net_device_ops`, `ethtool_ops`, `netdev_stat_ops`, the NAPI poll and the
//! hard IRQ handler.

use kernel::bindings::{self, napi_struct, net_device, sk_buff};
use kernel::error::VTABLE_DEFAULT_ERROR;
use kernel::ffi::{c_char, c_int, c_uint, c_void};
use kernel::prelude::*;

use super::sys;
use super::xdp::XDP_XMIT_FLUSH;
use super::*;

/// Interface statistics, as `ndo_get_stats64` fills them: the kernel's own
/// `struct rtnl_link_stats64` (the core hands it zeroed).
///
/// # Examples
///
/// ```ignore
/// fn get_stats64(&self, dev: &NetDev, s: &mut LinkStats64) {
///     let st = self.dp.hold(dev);
///     let c = st.stats();
///     s.rx_packets = c.rx_packets;
///     s.rx_bytes = c.rx_bytes;
///     s.tx_packets = c.tx_packets;
///     s.tx_bytes = c.tx_bytes;
///     // ... what is not written stays zero
/// }
/// ```
pub type LinkStats64 = sys::rtnl_link_stats64;

/// The `net_device_ops` of a network driver whose per-device state is `Self`.
///
/// Built into a `const` table by [`Tables`]; a method left at its default is a NULL entry
/// (`#[vtable]` records which ones the driver implements), so the core applies its own default.
/// `open`, `stop`, `start_xmit`, `poll` and `irq` have no default: every driver has them.
///
/// The state is shared by every callback, which may run at the same time on different CPUs
/// (the poll in softirq, the interrupt handler in hard IRQ, the others in process context):
/// what they change goes behind a lock ([`BhSpinLock`]) or in atomics.
///
/// # Examples
///
/// ```ignore
/// struct Card {
///     chip: Pin<KBox<BhSpinLock<Chip>>>,
///     line: IrqLine,
/// }
///
/// #[vtable]
/// impl NetDevOps for Card {
///     fn open(&self, dev: &NetDev) -> Result {
///         dev.napi_enable();
///         self.chip.lock().start()?;
///         dev.start_queue();
///         dev.carrier_on();
///         Ok(())
///     }
///
///     fn stop(&self, dev: &NetDev) {
///         dev.napi_disable();
///         dev.stop_queue();
///         self.chip.lock().stop();
///         dev.reset_queue();
///         dev.carrier_off();
///     }
///
///     fn start_xmit<'c>(&self, dev: &NetDev, mut skb: SkBuff<'c>) -> NetdevTx<'c> {
///         let mut chip = netdev::lock_bh_off(&*self.chip); // BHs are off in start_xmit
///         match skb.data() {
///             Some(frame) if chip.has_room() => {
///                 chip.send(frame);
///                 dev.sent_queue(frame.len() as u32);
///             }
///             Some(_) => {
///                 dev.stop_queue();
///                 return NetdevTx::Busy(skb);
///             }
///             None => return NetdevTx::Ok, // dropped: `skb` is freed as a drop
///         }
///         skb.consume();
///         NetdevTx::Ok
///     }
///
///     fn tx_timeout(&self, dev: &NetDev) {
///         netdev::lock_bh_off(&*self.chip).reset(); // the watchdog timer: softirq
///         dev.wake_queue();
///     }
///
///     fn poll(&self, dev: &NetDev, napi: &Napi, budget: i32) -> i32 {
///         let mut chip = netdev::lock_bh_off(&*self.chip); // softirq
///         let work = chip.receive(napi, budget);
///         if work < budget && napi.complete_done(work) {
///             chip.unmask();
///         }
///         work
///     }
///
///     fn irq(&self, dev: &NetDev, _entered: u64) -> IrqReturn {
///         let Some(mut chip) = netdev::try_lock_irq_off(&*self.chip) else {
///             // Held: mask the line; the holder unmasks it on release and handles the
///             // interrupt then.
///             self.line.disable_nosync();
///             return IrqReturn::Handled;
///         };
///         if !chip.mask_if_pending() {
///             return IrqReturn::None;
///         }
///         dev.napi_schedule();
///         IrqReturn::Handled
///     }
/// }
/// ```
#[vtable]
pub trait NetDevOps: Sync + Send + Sized {
    /// `ndo_open`: bring the interface up.
    fn open(&self, dev: &NetDev) -> Result;
    /// `ndo_stop`: bring it down. The core has stopped transmits and the TX watchdog before
    /// it calls this, and the driver disables NAPI here; other callbacks still run on a device
    /// that is down: [`Self::irq`] (the line is shared, and requested until the
    /// [`Registration`] drops), and the ethtool and statistics ones.
    fn stop(&self, dev: &NetDev);
    /// `ndo_start_xmit`.
    fn start_xmit<'call>(&self, dev: &NetDev, skb: SkBuff<'call>) -> NetdevTx<'call>;
    /// `ndo_tx_timeout`: the watchdog found the queue stopped for too long.
    fn tx_timeout(&self, _dev: &NetDev) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
    /// `ndo_set_rx_mode`: the flags or the multicast list changed.
    fn set_rx_mode(&self, _dev: &NetDev, _mc: &McList<'_>) {
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
    /// Hard interrupt on the device's (shared) line. `entered`: the cycle counter
    /// ([`cycles`](super::cycles)) read as the handler's first act, before the driver state is
    /// looked up, so that a driver's own accounting of the handler can count it whole.
    fn irq(&self, dev: &NetDev, entered: u64) -> IrqReturn;
}

/// The counters of one queue pair, as the queue statistics (`netdev_stat_ops`, read with
/// `ynl --family netdev --dump qstats-get`) report them.
///
/// # Examples
///
/// ```ignore
/// let q = QueueStats {
///     rx_packets: c.rx_packets,
///     rx_bytes: c.rx_bytes,
///     rx_alloc_fail: c.rx_dropped,
///     ..QueueStats::default()
/// };
/// ```
#[derive(Default)]
pub struct QueueStats {
    /// Frames received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Frames dropped for want of a receive buffer.
    pub rx_alloc_fail: u64,
    /// Frames transmitted.
    pub tx_packets: u64,
    /// Bytes transmitted.
    pub tx_bytes: u64,
}

/// The `netdev_stat_ops` (per-queue statistics) of a network driver whose per-device state is
/// `Self`; installed when [`Self::queue_stats`] is implemented. Every packet is counted in a
/// queue: the base (not per-queue) part is zero.
///
/// [`EtherDev::register`] asks for it (with [`NetDevOps`] and [`EthtoolOps`]); a driver without
/// queue statistics implements it empty: `#[vtable] impl StatOps for Card {}`.
///
/// # Examples
///
/// ```ignore
/// #[vtable]
/// impl StatOps for Ne2kNet<'_> {
///     /// The one queue pair: the interface's counters.
///     fn queue_stats(&self, dev: &NetDev, _queue: u32) -> QueueStats {
///         let st = self.dp.hold(dev);
///         let c = st.stats();
///         QueueStats {
///             rx_packets: c.rx_packets,
///             rx_bytes: c.rx_bytes,
///             rx_alloc_fail: c.rx_dropped,
///             tx_packets: c.tx_packets,
///             tx_bytes: c.tx_bytes,
///         }
///     }
/// }
/// ```
#[vtable]
pub trait StatOps: NetDevOps {
    /// The counters of queue pair `queue` (RX queue `queue` and TX queue `queue`).
    fn queue_stats(&self, _dev: &NetDev, _queue: u32) -> QueueStats {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Fixed ring sizes, in the ring's own units, for `ethtool -g`.
///
/// # Examples
///
/// ```ignore
/// fn ring_sizes(&self, dev: &NetDev) -> RingSizes {
///     let ring = self.dp.hold(dev).chip.ring();
///     RingSizes {
///         rx: u32::from(ring.stop - ring.rx_start), // 256-byte pages
///         tx: 2,                                    // transmit slots
///     }
/// }
/// ```
pub struct RingSizes {
    /// The receive ring's size.
    pub rx: u32,
    /// The transmit ring's size.
    pub tx: u32,
}

/// The `ethtool_ops` of a network driver whose per-device state is `Self`.
///
/// `get_drvinfo` ([`Self::DRIVER`]; the core fills in the version, the kernel's release, as
/// netdev asks of drivers, and the bus address of the parent device) and
/// `get_link` (the carrier) are always present; the statistics entries exist when
/// [`Self::STAT_NAMES`] is not empty, the others when the method is implemented.
///
/// # Examples
///
/// ```ignore
/// const STAT_NAMES: [&CStr; 2] = [c"rx_ring_resets", c"tx_timeouts"];
///
/// #[vtable]
/// impl EthtoolOps for Card {
///     const DRIVER: &'static CStr = c"mydrv";
///     const STAT_NAMES: &'static [&'static CStr] = &STAT_NAMES;
///     const COMBINED_CHANNELS: u32 = 1;
///
///     fn stats(&self, dev: &NetDev, out: &mut [u64]) {
///         let st = self.chip.lock();
///         out[0] = st.rx_ring_resets;
///         out[1] = st.tx_timeouts;
///     }
///
///     fn msglevel(&self, _dev: &NetDev) -> u32 {
///         self.chip.lock().msg_enable
///     }
///
///     fn set_msglevel(&self, _dev: &NetDev, level: u32) {
///         self.chip.lock().msg_enable = level;
///     }
/// }
/// ```
#[vtable]
pub trait EthtoolOps: NetDevOps {
    /// `ethtool -i`'s driver name.
    const DRIVER: &'static CStr;
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
///
/// A driver does not call it: [`EtherDev::register`] installs `Tables::<T>`'s tables for the
/// driver state `T` it is given, so naming the state's type is all it takes.
///
/// # Examples
///
/// ```ignore
/// // `Card: NetDevOps + EthtoolOps + StatOps`: the device gets `Tables::<Card>`'s
/// // `net_device_ops`, `ethtool_ops` (and `netdev_stat_ops` if `Card` has `queue_stats`),
/// // its NAPI poll and its interrupt handler.
/// let reg: Registration<Card> = ndev
///     .register(Arc::new(card, GFP_KERNEL)?, &cfg)
///     .map_err(|e| e.err)?;
/// ```
pub struct Tables<T>(core::marker::PhantomData<T>);

impl<T: NetDevOps + EthtoolOps + StatOps> Tables<T> {
    /// The `net_device_ops`, built at compile time.
    pub(super) const NETDEV_OPS: sys::net_device_ops = sys::net_device_ops {
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
    pub(super) const ETHTOOL_OPS: bindings::ethtool_ops = {
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
    pub(super) const STAT_OPS: sys::netdev_stat_ops = sys::netdev_stat_ops {
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
        // `RNET_PRIV_OFFSET` (netdev_priv(): the C shims check the first at compile time,
        // the second against netdev_priv() when the device is allocated).
        // SAFETY: `dev` is a live net_device allocated with our private area (the contract),
        // so the offset is inside its allocation and the field is an aligned pointer.
        let drv = unsafe {
            dev.cast::<u8>()
                .add(sys::RNET_PRIV_OFFSET as usize)
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
        // INVARIANT: `skb` is ours to free or give back, branded with this call.
        let skb = SkBuff(skb, core::marker::PhantomData);
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
        // INVARIANT: the core calls `ndo_set_rx_mode` with the address list locked, for the
        // call.
        let mc = McList(dev, core::marker::PhantomData);
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.set_rx_mode(d, &mc)) }
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
            Ok(()) => {
                // The driver took it: the device's address is set here, under RTNL (the core
                // calls `ndo_set_mac_address` with it held), not by the driver.
                // SAFETY: our device; `mac` is 6 bytes; RTNL is held.
                unsafe { sys::rnet_eth_hw_addr_set(dev, mac.as_ptr()) };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    /// `dev` is our device; `stats` is a valid, exclusive out-parameter, but not necessarily
    /// aligned: `rtnl_fill_stats` passes the netlink attribute's payload, which on x86 (no
    /// 64-bit padding of attributes) is 4-byte aligned or not, by the attributes before it
    /// (the interface's name among them). So no reference to it: the driver fills an aligned
    /// copy, read and written back unaligned.
    unsafe extern "C" fn get_stats64(dev: *mut net_device, stats: *mut LinkStats64) {
        // SAFETY: `stats` is valid for reads (the core zeroed it) and writes; `LinkStats64` is
        // plain integers.
        let mut s = unsafe { stats.read_unaligned() };
        // SAFETY: the contract.
        unsafe { Self::with(dev, |t, d| t.get_stats64(d, &mut s)) };
        // SAFETY: as above.
        unsafe { stats.write_unaligned(s) };
    }

    /// # Safety
    /// `dev` is our device; `info` is a valid, exclusive out-parameter.
    unsafe extern "C" fn get_drvinfo(_dev: *mut net_device, info: *mut bindings::ethtool_drvinfo) {
        // SAFETY: the contract.
        let info = unsafe { &mut *info };
        copy_cstr(&mut info.driver, T::DRIVER);
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
        let cmd = unsafe { sys::rnet_bpf_command(bpf, &mut prog) };
        if cmd as u32 != sys::bpf_netdev_command_XDP_SETUP_PROG {
            return -(bindings::EINVAL as c_int);
        }
        // Any program fits: a frame is at most 1518 bytes, one page, so a multi-buffer
        // program only ever sees single buffers. The reference the core took for `prog` is
        // ours from here; the one we held on the old program goes (bpf_prog_put frees it after
        // an RCU grace period: a poll still running it, in softirq, keeps it alive).
        // SAFETY: our device, under RTNL.
        let old = unsafe { sys::rnet_xdp_xchg_prog(dev, prog) };
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
            let data = unsafe { sys::rnet_xdp_frame_data(frame, &mut len) };
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
    pub(super) unsafe extern "C" fn poll(napi: *mut napi_struct, budget: c_int) -> c_int {
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
    pub(super) unsafe extern "C" fn irq(_irq: c_int, cookie: *mut c_void) -> bindings::irqreturn_t {
        // First, before the private area is looked up: the handler's cycles start here.
        let entered = super::cycles();
        // SAFETY: the cookie is the net_device we requested the line for; the line is requested
        // after the device and its state are set up and freed before the device is freed (see
        // `EtherDev::register` and `Registration::drop`).
        match unsafe { Self::with(cookie.cast(), |t, d| t.irq(d, entered)) } {
            IrqReturn::None => bindings::irqreturn::IRQ_NONE,
            IrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
        }
    }
}

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
