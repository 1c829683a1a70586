// SPDX-License-Identifier: GPL-2.0
//! The net_device: allocated ([`EtherDev`]), registered with its interrupt line
//! ([`Registration`], RAII), and as a callback sees it ([`NetDev`]).

use kernel::bindings::{self, napi_struct, net_device};
use kernel::error::to_result;
use kernel::ffi::{c_int, c_ulong};
use kernel::pci;
use kernel::prelude::*;
use kernel::sync::Arc;

use super::pci::raw_pdev;
use super::sys;
use super::*;

/// What an interrupt handler ([`NetDevOps::irq`]) returns: whether the interrupt was the
/// device's (`irqreturn_t`). The line is shared, so an interrupt the device did not raise must
/// say [`IrqReturn::None`].
///
/// # Examples
///
/// ```ignore
/// fn irq(&self, dev: &NetDev, entered: u64) -> IrqReturn {
///     if !self.card.interrupt_pending() {
///         return IrqReturn::None; // another device on the shared line
///     }
///     self.card.mask_interrupts();
///     dev.napi_schedule();
///     IrqReturn::Handled
/// }
/// ```
pub enum IrqReturn {
    /// `IRQ_NONE`: not this device's interrupt (or nothing to do).
    None,
    /// `IRQ_HANDLED`: the device's interrupt, handled (or its work scheduled).
    Handled,
}

/// What `start_xmit` ([`NetDevOps::start_xmit`]) tells the stack (`netdev_tx_t`).
///
/// # Examples
///
/// ```ignore
/// fn start_xmit<'c>(&self, dev: &NetDev, mut skb: SkBuff<'c>) -> NetdevTx<'c> {
///     match self.dp.start_xmit(dev, skb.data()) {
///         Xmit::Queued => {
///             skb.consume(); // sent: freed as consumed
///             NetdevTx::Ok
///         }
///         Xmit::Dropped => NetdevTx::Ok, // `skb` is freed as a drop when it goes out of scope
///         Xmit::Busy => NetdevTx::Busy(skb), // the queue was stopped: the core requeues it
///     }
/// }
/// ```
pub enum NetdevTx<'call> {
    /// The skb was taken (sent, or dropped and counted).
    Ok,
    /// No room: the skb of this call is handed back and will be requeued (the queue must be
    /// stopped).
    Busy(SkBuff<'call>),
}

// include/uapi/linux/if.h
const IFF_PROMISC: u32 = 0x100;
const IFF_ALLMULTI: u32 = 0x200;

/// A network device the kernel hands to a callback (valid for the duration of the callback), or
/// that a [`Registration`] lends (valid while it is borrowed).
///
/// A driver only ever has a `&NetDev`: every callback of [`NetDevOps`], [`EthtoolOps`],
/// [`StatOps`] and [`PowerOps`] gets one, and [`Registration::netdev`] lends one to driver code
/// outside them (PCI unbind). Through it the driver drives the transmit queue, the byte queue
/// limits, the carrier, NAPI, and reads the interface's flags and addresses.
///
/// # Examples
///
/// ```ignore
/// fn open(&self, dev: &NetDev) -> Result {
///     dev.xdp_rxq_register()?; // before NAPI can run
///     dev.napi_enable();
///     self.card.start(); // interrupts unmasked
///     dev.start_queue();
///     dev.carrier_on();
///     Ok(())
/// }
///
/// fn stop(&self, dev: &NetDev) {
///     dev.napi_disable(); // waits for a poll in progress
///     dev.stop_queue();
///     self.card.stop();
///     dev.reset_queue(); // what was in flight will not complete
///     dev.carrier_off();
///     dev.xdp_rxq_unregister();
/// }
///
/// fn set_rx_mode(&self, dev: &NetDev, mc_list: &McList<'_>) {
///     let mut list = [[0u8; 6]; 64];
///     let n = mc_list.copy_to(&mut list); // the list's length, maybe more than was copied
///     let mc = (n <= list.len()).then(|| &list[..n]);
///     self.card.set_filter(dev.promisc(), dev.allmulti(), mc);
/// }
/// ```
///
/// # Invariants
///
/// `self.0` is one of this driver's net_devices, set up by [`EtherDev::register`] and not yet
/// freed, for as long as the `NetDev` exists: it is only made by [`Tables`]' callbacks from
/// the device the core calls them with (alive for the call), and by [`Registration`], which
/// lends it out only by reference.
pub struct NetDev(pub(super) *mut net_device);

impl NetDev {
    /// Lets the stack transmit (`netif_start_queue`): in `open`.
    pub fn start_queue(&self) {
        // SAFETY: `self.0` is a live, registered net_device (type invariant).
        unsafe { sys::rnet_netif_start_queue(self.0) }
    }
    /// Stops the stack's transmits (`netif_stop_queue`): the card has no room, or `stop`.
    pub fn stop_queue(&self) {
        // SAFETY: as above.
        unsafe { sys::rnet_netif_stop_queue(self.0) }
    }
    /// Restarts a stopped queue and has the stack transmit (`netif_wake_queue`): room again.
    pub fn wake_queue(&self) {
        // SAFETY: as above.
        unsafe { sys::rnet_netif_wake_queue(self.0) }
    }
    /// Whether the transmit queue is stopped (`netif_queue_stopped`).
    pub fn queue_stopped(&self) -> bool {
        // SAFETY: as above.
        unsafe { sys::rnet_netif_queue_stopped(self.0) }
    }
    /// Byte queue limits: `bytes` more went to the card (`netdev_sent_queue`).
    #[inline]
    pub fn sent_queue(&self, bytes: u32) {
        // SAFETY: `self.0` is live; the caller serialises it with the completions (the chip
        // lock).
        unsafe { sys::rnet_netdev_sent_queue(self.0, bytes) }
    }
    /// Byte queue limits: `pkts` frames of `bytes` left the card (`netdev_completed_queue`).
    #[inline]
    pub fn completed_queue(&self, pkts: u32, bytes: u32) {
        // SAFETY: as `sent_queue`.
        unsafe { sys::rnet_netdev_completed_queue(self.0, pkts, bytes) }
    }
    /// Byte queue limits: nothing is in flight any more (`netdev_reset_queue`).
    pub fn reset_queue(&self) {
        // SAFETY: as `sent_queue`.
        unsafe { sys::rnet_netdev_reset_queue(self.0) }
    }
    /// The interface is up (`netif_running`).
    pub fn running(&self) -> bool {
        // SAFETY: as above.
        unsafe { sys::rnet_netif_running(self.0) }
    }
    /// The link is up (`netif_carrier_on`); callable from any context.
    pub fn carrier_on(&self) {
        // SAFETY: as above; netif_carrier_on is callable from any context.
        unsafe { sys::netif_carrier_on(self.0) }
    }
    /// The link is down (`netif_carrier_off`).
    pub fn carrier_off(&self) {
        // SAFETY: as above.
        unsafe { sys::netif_carrier_off(self.0) }
    }
    /// Enables the device's NAPI context (`napi_enable`): in `open`, before the interrupts.
    pub fn napi_enable(&self) {
        // SAFETY: the napi_struct in our private area was added at registration.
        unsafe { sys::rnet_napi_enable(self.0) }
    }
    /// Disables it, waiting for a poll in progress (`napi_disable`): in `stop`, process
    /// context only (it sleeps).
    pub fn napi_disable(&self) {
        // SAFETY: as above; called from process context (ndo_stop).
        unsafe { sys::rnet_napi_disable(self.0) }
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
        unsafe { sys::rnet_netdev_flags(self.0) }
    }
    /// `IFF_PROMISC` is set: receive every frame.
    pub fn promisc(&self) -> bool {
        self.flags() & IFF_PROMISC != 0
    }
    /// `IFF_ALLMULTI` is set: receive every multicast frame.
    pub fn allmulti(&self) -> bool {
        self.flags() & IFF_ALLMULTI != 0
    }
    /// The interface's name (`netdev_name`: `eth0`), for messages.
    pub fn name(&self) -> &CStr {
        // SAFETY: netdev_name() returns the NUL-terminated name, live as long as the device.
        unsafe { CStr::from_char_ptr(sys::rnet_netdev_name(self.0)) }
    }
}

/// Which step of [`EtherDev::register`] failed.
///
/// # Examples
///
/// ```ignore
/// let reg = ndev.register(state, &cfg).map_err(|e| {
///     if let RegisterStep::RequestIrq = e.step {
///         dev_err!(pdev, "IRQ {} is not available\n", cfg.irq);
///     }
///     e.err
/// })?;
/// ```
#[derive(Clone, Copy, Debug)]
pub enum RegisterStep {
    /// `request_irq` of the device's line.
    RequestIrq,
    /// `register_netdev`.
    RegisterNetdev,
}

/// A failed [`EtherDev::register`]: the step and the kernel's error (everything done before it
/// was undone). It prints as `<step> failed: <error>`; probe returns its [`Self::err`].
///
/// # Examples
///
/// ```ignore
/// let reg = ndev.register(state, &cfg).map_err(|e| {
///     dev_err!(pdev, "{}\n", e); // "request_irq failed: EBUSY"
///     e.err
/// })?;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RegisterError {
    /// The step that failed.
    pub step: RegisterStep,
    /// What it returned.
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
///
/// # Examples
///
/// ```ignore
/// let cfg = NetDevConfig {
///     mac: prom.mac,
///     base_addr: io.base(),
///     irq: io.irq(),
///     irq_name: DRV_NAME,
///     watchdog_ms: 5000,
///     napi_weight: 64,
/// };
/// let reg = ndev.register(state, &cfg).map_err(|e| e.err)?;
/// ```
#[derive(Clone, Copy)]
pub struct NetDevConfig {
    /// The station address (`dev_addr`).
    pub mac: [u8; 6],
    /// The I/O base (`base_addr`, shown by `ip -d link`).
    pub base_addr: u64,
    /// The interrupt line (requested shared).
    pub irq: u32,
    /// The name the line shows in /proc/interrupts.
    pub irq_name: &'static CStr,
    /// The TX watchdog (`watchdog_timeo`), in milliseconds.
    pub watchdog_ms: u32,
    /// The NAPI weight (the poll's budget).
    pub napi_weight: u32,
}

/// A PCI-parented Ethernet device, allocated but not registered (`alloc_etherdev`).
///
/// Probe allocates it early, so that a failure to allocate comes before anything else is set
/// up, then [`EtherDev::register`] turns it into a [`Registration`]. Dropped unregistered (a
/// later step of probe failed), it is freed.
///
/// # Examples
///
/// ```ignore
/// fn probe_one(pdev: &'b pci::Device<Core<'_>>) -> Result<Ne2k<'b>> {
///     let io = IoRegion::claim(pdev, 0, NE_IO_EXTENT, DRV_NAME).map_err(|_| ENODEV)?;
///     let ndev = EtherDev::alloc(pdev)?;
///     let state = Arc::new(Card::new(&io)?, GFP_KERNEL)?; // on error, `ndev` is freed
///     let cfg = NetDevConfig { mac, base_addr: io.base(), irq: io.irq(), /* ... */ };
///     let reg = ndev.register(state, &cfg).map_err(|e| e.err)?;
///     Ok(Ne2k { reg })
/// }
/// ```
///
/// # Invariants
///
/// `self.0` is a net_device from `alloc_etherdev`, not registered, owned by this value alone
/// (dropping it frees the device; [`EtherDev::register`] consumes it).
pub struct EtherDev(*mut net_device);

// SAFETY: the pointer is only used for registration/free, which may happen on any thread.
unsafe impl Send for EtherDev {}

impl EtherDev {
    /// Allocates an Ethernet device (`alloc_etherdev`, with the layer's private area) whose
    /// parent is `pdev`; `ENOMEM` if there is no memory.
    pub fn alloc(pdev: &pci::Device<kernel::device::Core<'_>>) -> Result<Self> {
        // SAFETY: `raw_pdev` is the bound device; this is the address of its embedded
        // `struct device`, no access.
        let parent = unsafe { &raw mut (*raw_pdev(pdev)).dev };
        // SAFETY: alloc_etherdev with our private-area size; NULL on failure.
        let dev = unsafe { sys::rnet_alloc_etherdev(parent) };
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
        let setup = sys::rnet_netdev_setup {
            drv: Arc::as_ptr(&data).cast(),
            ops,
            ethtool_ops,
            stat_ops: stat_ops.map_or(core::ptr::null(), core::ptr::from_ref),
            mac,
            base_addr: base_addr as c_ulong,
            irq: irq as c_int,
            watchdog_ms: watchdog_ms as c_int,
            poll: Some(Tables::<T>::poll),
            weight: napi_weight as c_int,
            xdp_features: T::XDP_FEATURES,
        };
        // SAFETY: `dev` is our freshly allocated, unregistered device; `setup` is valid for the
        // call; the tables are 'static (promoted constants); `data` outlives the device (kept in
        // the Registration, dropped after free_netdev).
        unsafe { sys::rnet_netdev_setup(dev, &setup) };
        let free = |dev: *mut net_device| {
            // SAFETY: undoing the setup above on an unregistered device.
            unsafe {
                sys::rnet_napi_del(dev);
                sys::free_netdev(dev);
            }
        };
        // The line is requested raw, not with `pci::Device::alloc_irq_vectors(1, 1,
        // IrqType::Intx)` and `kernel::irq::Registration`. What 7.3 lacks for that:
        // - `IrqVectorRegistration::index(&self)` gives an `IrqVector<'_>` that borrows the
        //   vector allocation, and `irq::Registration<'a, T>` keeps that borrow: both would
        //   have to live in the driver data, one borrowing the other. `pci::Driver::Data<'bound>`
        //   ties data to the device binding, not to a sibling field, so the pair cannot be
        //   stored (an `IrqRequest<'bound>` from a devres-managed allocation, as C's
        //   `pcim_enable_device` makes `pci_alloc_irq_vectors`, would do);
        // - `irq::Handler::handle(&self)` gets no cookie, and the handler must be requested
        //   after the net_device is set up and before it is registered, and freed after it is
        //   unregistered and before it is freed: the ordering this `Registration` keeps, which
        //   a handler object owned apart from it could not.
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
///
/// A PCI driver keeps it in its driver data, so that unbind drops it; the driver state is
/// reached with [`Registration::data`], the device with [`Registration::netdev`]; with
/// [`PowerOps`], [`Registration::suspend`] and [`Registration::resume`] are the PCI
/// driver's sleep callbacks ([`PciPm`]).
///
/// # Examples
///
/// ```ignore
/// struct Ne2k<'b> {
///     reg: netdev::Registration<Ne2kNet<'b>>,
/// }
///
/// impl pci::Driver for Ne2kDriver {
///     // ...
///     fn unbind<'bound>(_pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
///         // Quiesce the card before the line is freed and the device unregistered (the drop
///         // of `reg`, after this).
///         this.reg.data().dp.unbind(this.reg.netdev());
///     }
/// }
///
/// impl netdev::PciPm for Ne2kDriver {
///     fn suspend(this: Pin<&Self::Data<'_>>) {
///         this.reg.suspend();
///     }
///     fn resume(this: Pin<&Self::Data<'_>>) {
///         this.reg.resume();
///     }
///     fn shutdown(this: Pin<&Self::Data<'_>>) {
///         this.reg.suspend();
///     }
/// }
/// ```
///
/// # Invariants
///
/// `dev` is a net_device this value registered (`register_netdev`) and alone unregisters and
/// frees; `irq` is requested (shared) with `dev` as the cookie and [`Tables`]' `irq` as the
/// handler, and freed only by `drop`; the device's private area points to the `T` of `data`,
/// which outlives the device (dropped after `free_netdev`).
pub struct Registration<T: NetDevOps> {
    /// Lent out only as `&NetDev` (`netdev`), so no handle outlives the registration.
    dev: NetDev,
    irq: u32,
    data: Arc<T>,
}

// SAFETY: unregistration and free_irq may run on any thread; `T` is Send + Sync.
unsafe impl<T: NetDevOps> Send for Registration<T> {}
// SAFETY: `&Registration` gives `&T` (`T: Sync`), `&NetDev`, whose methods are the kernel's
// calls for any context they are documented for, the device's name, and `suspend`/`resume`,
// which serialise on RTNL.
unsafe impl<T: NetDevOps> Sync for Registration<T> {}

impl<T: NetDevOps> Registration<T> {
    /// The driver state the device was registered with.
    pub fn data(&self) -> &T {
        &self.data
    }
    /// The registered device, for driver code outside the ops (PCI unbind); borrowed, so it
    /// cannot outlive the registration.
    pub fn netdev(&self) -> &NetDev {
        &self.dev
    }
    /// The interface's name (`eth0`), for messages.
    pub fn name(&self) -> &CStr {
        // SAFETY: netdev_name() of our registered device is NUL-terminated and lives as long
        // as the device, i.e. as long as `self`.
        unsafe { CStr::from_char_ptr(sys::rnet_netdev_name(self.dev.0)) }
    }
}

/// What a device does at system sleep, for an interface that is up (the PCI callbacks of
/// [`PciPmAdapter`] reach it through [`Registration::suspend`] and [`Registration::resume`],
/// which hold RTNL and detach the device first: the stack then neither transmits nor opens it).
///
/// # Examples
///
/// ```ignore
/// impl PowerOps for Ne2kNet<'_> {
///     fn suspend(&self, dev: &NetDev) {
///         // Mask the card, disable NAPI, drop what is in flight.
///         self.dp.suspend(dev);
///     }
///     fn resume(&self, dev: &NetDev) {
///         // Reset and restart the card as `open` left it (logged if it does not come back).
///         let _ = self.dp.resume(dev);
///     }
///     fn resume_down(&self, dev: &NetDev) {
///         self.dp.resume_down(dev);
///     }
/// }
/// ```
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

impl<T: NetDevOps> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: we registered `dev` and requested `irq` with cookie `dev`; after unregister
        // the core no longer calls our ops (the device is closed: the chip is quiesced);
        // free_irq then waits for a running handler; napi was added at setup. The Arc (our
        // state) is released after this, when the fields drop.
        unsafe {
            sys::unregister_netdev(self.dev.0);
            let _ = bindings::free_irq(self.irq, self.dev.0.cast());
            sys::rnet_napi_del(self.dev.0);
            sys::free_netdev(self.dev.0);
        }
    }
}

/// The device's multicast list, as `ndo_set_rx_mode` may read it: only made by [`Tables`]'
/// `set_rx_mode` for the call, while the core holds the address-list lock (`netif_addr_lock`),
/// which is what makes walking the list safe.
///
/// # Examples
///
/// ```ignore
/// fn set_rx_mode(&self, dev: &NetDev, mc: &McList<'_>) {
///     let mut list = [[0u8; 6]; 64];
///     let n = mc.copy_to(&mut list); // the list's length, maybe more than was copied
///     let filter = (n <= list.len()).then(|| &list[..n]); // None: receive all multicast
///     self.program_filter(dev.promisc(), dev.allmulti(), filter);
/// }
/// ```
///
/// # Invariants
///
/// `self.0` is our device, its address list locked for `'a`.
pub struct McList<'a>(
    pub(super) *mut net_device,
    pub(super) core::marker::PhantomData<&'a ()>,
);

impl McList<'_> {
    /// Copies up to `out.len()` addresses; returns the list's length.
    pub fn copy_to(&self, out: &mut [[u8; 6]]) -> usize {
        let max = out.len().min(c_int::MAX as usize) as c_int;
        // SAFETY: `out` is valid for `max` entries; the device is live and its address list
        // locked (type invariant).
        let n = unsafe { sys::rnet_netdev_mc_list(self.0, out.as_mut_ptr(), max) };
        n.max(0) as usize
    }
}
