// SPDX-License-Identifier: GPL-2.0
//! The module's FFI layer: small safe types over the kernel's C interfaces that have no Rust
//! abstraction in 7.3 (I/O-port BARs, legacy INTx lines; the net_device/NAPI/sk_buff layer
//! joins them). Together with `hw/port.rs` this is the only place with `unsafe`.

use kernel::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use core::marker::PhantomPinned;
use core::pin::Pin;

use kernel::bindings;
use kernel::error::to_result;
use kernel::pci;
use kernel::prelude::*;

// The C shims of ne2k_rs_helpers.c (prototypes in ne2k_rs_helpers.h). `struct pci_dev` is
// passed as `void *`: bindgen's rendering of it holds zero-sized members rustc calls FFI-unsafe.
extern "C" {
    fn ne2k_rs_request_io(
        pdev: *mut c_void,
        bar: c_int,
        extent: c_ulong,
        name: *const c_char,
        base: *mut c_ulong,
    ) -> c_int;
    fn ne2k_rs_release_io(base: c_ulong, extent: c_ulong);
    fn ne2k_rs_pci_irq(pdev: *mut c_void) -> c_uint;
}

/// Busy-wait `us` microseconds (`udelay`).
pub fn udelay(us: u32) {
    kernel::time::delay::udelay(kernel::time::Delta::from_micros(i64::from(us)));
}

fn raw_pdev<Ctx: kernel::device::DeviceContext>(pdev: &pci::Device<Ctx>) -> *mut bindings::pci_dev {
    // `pci::Device` is `#[repr(transparent)]` over `Opaque<bindings::pci_dev>`, itself
    // transparent over the C struct, so the reference is the `struct pci_dev *` the bus gave
    // us. (The abstraction's own `as_raw()` is crate-private.)
    (pdev as *const pci::Device<Ctx>).cast_mut().cast()
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
            ne2k_rs_request_io(raw.cast(), bar as c_int, extent as c_ulong, name.as_char_ptr(), &mut base)
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
        Ok(Self { pdev: raw, base, extent: extent as c_ulong })
    }

    /// First port of the window.
    pub fn base(&self) -> u64 {
        self.base as u64
    }

    /// A register bus over the claimed window. It borrows `self`, so it cannot outlive the
    /// reservation.
    pub fn bus(&self) -> crate::hw::port::PortBus {
        // SAFETY: by the type invariant the window is reserved for us while `self` lives. The
        // returned bus is stored next to `self` in the driver data and dropped with it.
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

/// A hard-IRQ handler for a (possibly shared) legacy interrupt line.
pub trait IrqHandler: Sync + Send {
    fn handle_irq(&self) -> IrqReturn;
}

/// A requested interrupt line whose handler owns `T` (`request_irq` with `IRQF_SHARED`).
/// Dropping it calls `free_irq()`, which waits for a running handler, and only then drops `T`.
pub struct IrqLine<T: IrqHandler> {
    irq: u32,
    data: Pin<KBox<T>>,
    _pin: PhantomPinned,
}

impl<T: IrqHandler> IrqLine<T> {
    unsafe extern "C" fn trampoline(_irq: c_int, cookie: *mut c_void) -> bindings::irqreturn_t {
        // SAFETY: `cookie` is the address of the pinned `T` passed to `request_irq` below;
        // `free_irq` runs before that box is dropped, so it is live whenever we are called.
        let data = unsafe { &*cookie.cast::<T>() };
        match data.handle_irq() {
            IrqReturn::None => bindings::irqreturn::IRQ_NONE,
            IrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
        }
    }

    /// Requests `irq` as a shared line named `name`, with `data` as the handler's state.
    pub fn request(irq: u32, name: &'static CStr, data: Pin<KBox<T>>) -> Result<Self> {
        let cookie = (&*data as *const T).cast_mut().cast::<c_void>();
        // SAFETY: the handler and cookie stay valid until `free_irq` in `drop` (the box is
        // pinned and owned by the returned value); `name` is 'static as request_irq requires.
        to_result(unsafe {
            bindings::request_threaded_irq(
                irq,
                Some(Self::trampoline),
                None,
                bindings::IRQF_SHARED as c_ulong,
                name.as_char_ptr(),
                cookie,
            )
        })?;
        Ok(Self { irq, data, _pin: PhantomPinned })
    }

    pub fn irq(&self) -> u32 {
        self.irq
    }

    pub fn data(&self) -> &T {
        &self.data
    }
}

impl<T: IrqHandler> Drop for IrqLine<T> {
    fn drop(&mut self) {
        let cookie = (&*self.data as *const T).cast_mut().cast::<c_void>();
        // SAFETY: we requested `irq` with exactly this cookie; free_irq waits for a running
        // handler to finish, after which `data` is no longer referenced.
        let _ = unsafe { bindings::free_irq(self.irq, cookie) };
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
