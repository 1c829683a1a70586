// SPDX-License-Identifier: GPL-2.0
//! PCI: an I/O-port BAR claimed for the binding ([`IoRegion`]), the legacy INTx line
//! ([`IrqLine`]), ID-table entries for any vendor, and system sleep for a `pci::Driver`
//! ([`PciPmAdapter`]), which 7.3's kernel crate lacks.

use kernel::bindings;
use kernel::device::{Bound, Core};
use kernel::error::to_result;
use kernel::ffi::{c_int, c_ulong};
use kernel::pci;
use kernel::prelude::*;
use kernel::types::Opaque;

use super::sys;

/// The device's interrupt line, masked from its own hard IRQ handler and unmasked from the
/// lock holder's release (in ne2k_rs, see `Datapath::irq`): how a handler that finds the
/// device's lock held defers the interrupt to the holder without spinning.
///
/// # Examples
///
/// ```ignore
/// let line = IrqLine::new(io.irq());
///
/// // In the hard IRQ handler, the lock held by another context:
/// line.disable_nosync(); // the line stays masked until the holder has handled the interrupt
///
/// // In the holder's release, after handling what the handler left:
/// line.enable();
/// ```
///
/// Masking and unmasking a line are memory-safe on any line number (the kernel looks the
/// descriptor up, and warns on one it does not know or on an unbalanced enable), so the type
/// asks nothing of its user for safety. For correctness the driver keeps the rule that each
/// mask by its handler is undone by exactly one unmask before `free_irq`.
pub struct IrqLine(u32);

impl IrqLine {
    /// The line `irq`: the one the device's handler is requested on
    /// ([`NetDevConfig::irq`](super::NetDevConfig::irq)).
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
        // SAFETY: as `disable_nosync`: it looks the descriptor up by number and only changes
        // its mask depth (an unbalanced enable is a warning, not a memory error).
        unsafe { bindings::enable_irq(self.0) }
    }
}

pub(super) fn raw_pdev<Ctx: kernel::device::DeviceContext>(
    pdev: &pci::Device<Ctx>,
) -> *mut bindings::pci_dev {
    // `pci::Device` is `#[repr(transparent)]` over `Opaque<bindings::pci_dev>`, itself
    // transparent over the C struct, so the reference is the `struct pci_dev *` the bus gave
    // us. (The abstraction's own `as_raw()` is crate-private.)
    core::ptr::from_ref(pdev).cast_mut().cast()
}

/// An enabled PCI device with one I/O-port window claimed, both device-managed
/// (`pcim_enable_device` + `devm_request_region`): the driver core releases the ports and
/// disables the device after the driver's data is dropped at unbind, or after a failed probe.
/// `'a` is the lifetime of the binding: a port-I/O backend made from the region (`hw/port.rs`'s
/// `PortBus::new`) borrows it, so the borrow checker rejects one that could be used after the
/// ports are released.
///
/// # Examples
///
/// ```ignore
/// fn probe_one(pdev: &'b pci::Device<Core<'_>>, info: &ChipInfo) -> Result<Ne2k<'b>> {
///     let io = IoRegion::claim(pdev, 0, NE_IO_EXTENT, DRV_NAME).map_err(|e| match e {
///         IoRegionError::Enable(err) => err,
///         IoRegionError::NotIo => ENODEV,
///         IoRegionError::Busy => EBUSY,
///     })?;
///     let bus = PortBus::new(&io).ok_or(ENODEV)?; // borrows `io` for `'b`
///     dev_info!(pdev, "I/O {:#x}, IRQ {}\n", io.base(), io.irq());
///     // ...
/// }
/// ```
///
/// # Invariants
///
/// `base..base + extent` is an I/O port range of the device's BAR, reserved for this driver until
/// the binding `'a` ends; `irq` is the device's legacy interrupt line.
pub struct IoRegion<'a> {
    /// The binding the window is reserved for.
    _dev: core::marker::PhantomData<&'a pci::Device<Bound>>,
    base: u16,
    extent: u64,
    irq: u32,
}

/// Which step of claiming the I/O region ([`IoRegion::claim`]) failed.
///
/// # Examples
///
/// ```ignore
/// let io = IoRegion::claim(pdev, 0, NE_IO_EXTENT, DRV_NAME).map_err(|e| match e {
///     IoRegionError::Enable(err) => err,
///     IoRegionError::NotIo => {
///         dev_err!(pdev, "no I/O resource of {:#x} bytes at PCI BAR 0\n", NE_IO_EXTENT);
///         ENODEV
///     }
///     IoRegionError::Busy => EBUSY,
/// })?;
/// ```
#[derive(Debug)]
pub enum IoRegionError {
    /// `pcim_enable_device` failed, with this error.
    Enable(Error),
    /// The BAR is not an I/O-port BAR of at least the extent asked for (or lies above port
    /// 0xffff).
    NotIo,
    /// The ports are reserved already (another driver has them).
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
            sys::rnet_request_io(
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
            extent,
            irq,
        })
    }

    /// First port of the window.
    pub fn base(&self) -> u64 {
        u64::from(self.base)
    }

    /// First port of the window, for a port-I/O backend: by the type invariant the `extent`
    /// ports from it are reserved for the driver for all of `'a`.
    pub fn port_base(&self) -> u16 {
        self.base
    }

    /// Number of ports in the window.
    pub fn extent(&self) -> u64 {
        self.extent
    }

    /// The device's legacy interrupt line (`pdev->irq`).
    pub fn irq(&self) -> u32 {
        self.irq
    }
}

/// The system-sleep and shutdown callbacks of a PCI driver, which 7.3's `kernel::pci::Driver`
/// does not have. Each gets the driver's data of a bound device. The driver is registered as
/// [`PciPmAdapter<T>`] for them to be called.
///
/// # Examples
///
/// A network driver's are its [`Registration`](super::Registration)'s, which hold RTNL and
/// detach the device around [`PowerOps`](super::PowerOps):
///
/// ```ignore
/// impl netdev::PciPm for Ne2kDriver {
///     fn suspend(this: Pin<&Self::Data<'_>>) {
///         this.reg.suspend();
///     }
///
///     fn resume(this: Pin<&Self::Data<'_>>) {
///         this.reg.resume();
///     }
///
///     /// Reboot, power off, kexec: quiesced and detached, as at suspend.
///     fn shutdown(this: Pin<&Self::Data<'_>>) {
///         this.reg.suspend();
///     }
/// }
/// ```
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
///
/// # Examples
///
/// ```ignore
/// #[pin_data]
/// struct Ne2kModule {
///     #[pin]
///     _driver: kernel::driver::Registration<netdev::PciPmAdapter<Ne2kDriver>>,
///     _debugfs: netdev::DebugfsRoot,
/// }
///
/// impl kernel::InPlaceModule for Ne2kModule {
///     fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
///         // Before the driver registers: probe makes each card's directory in it.
///         let debugfs = netdev::DebugfsRoot::create(DRV_NAME);
///         try_pin_init!(Self {
///             _driver <- kernel::driver::Registration::new(DRV_NAME, module),
///             _debugfs: debugfs,
///         })
///     }
/// }
/// ```
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
    /// Sets the PM and shutdown callbacks in `reg`, then registers it as `pci::Adapter<T>`.
    ///
    /// # Safety
    ///
    /// On success, `reg` stays pinned and valid until the matching [`Self::unregister`]
    /// ([`RegistrationOps::register`](kernel::driver::RegistrationOps::register)'s contract).
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

    /// Unregisters `reg` as `pci::Adapter<T>`.
    ///
    /// # Safety
    ///
    /// A successful [`Self::register`] of the same `reg` came before.
    unsafe fn unregister(reg: &Opaque<bindings::pci_driver>) {
        // SAFETY: `reg` was registered by `pci::Adapter<T>::register` (above).
        unsafe { <pci::Adapter<T> as kernel::driver::RegistrationOps>::unregister(reg) }
    }
}

/// A PCI ID-table entry for `vendor:device` (any subsystem), like C's `PCI_DEVICE()`.
///
/// `pci::DeviceId::from_id` takes a `pci::Vendor`, which can only be built from the kernel's
/// named vendors; several NE2000 clone makers (KTI 0x8e2e, NetVin 0x4a14, 0x8c4a) are not among
/// them, so the entry is built from the C struct directly.
///
/// # Examples
///
/// ```ignore
/// kernel::pci_device_table!(
///     PCI_TABLE,
///     <MyDriver as pci::Driver>::IdInfo, // `&'static CStr`: the chip's name
///     [
///         (netdev::pci_device_id(0x10ec, 0x8029), c"RealTek RTL-8029"),
///         (netdev::pci_device_id(0x8e2e, 0x3000), c"KTI ET32P2"), // no `pci::Vendor` for KTI
///     ]
/// );
/// ```
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
