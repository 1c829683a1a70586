// SPDX-License-Identifier: GPL-2.0
//! ne2k_rs: a Rust driver for NE2000-compatible PCI cards (RTL8029 and the DP8390 clones of the
//! C `ne2k-pci` driver, QEMU's `ne2k_pci`).
//!
//! Layout: `dp8390.rs` is the chip logic (no kernel types, host-tested); `hw/` the register map
//! and port I/O; `netdev.rs` the safe layer over the C interfaces; this file the module and the
//! PCI driver.

// dp8390.rs and hw/ are also compiled as a host crate (tests/host) where their items must be `pub`.
#![allow(unreachable_pub)]
#![allow(dead_code)]

mod dp8390;
mod hw;
mod netdev;

use core::pin::Pin;

use kernel::device::Core;
use kernel::pci;
use kernel::prelude::*;
use kernel::sync::SpinLockIrq;

use dp8390::{ChipInfo, Dp8390, PCI_CHIPS};
use hw::port::PortBus;
use hw::regs;
use hw::RegisterBus;
use netdev::{IoRegion, IoRegionError, IrqLine, IrqReturn};

const DRV_NAME: &CStr = c"ne2k_rs";

kernel::pci_device_table!(
    PCI_TABLE,
    <Ne2kDriver as pci::Driver>::IdInfo,
    [
        (netdev::pci_device_id(PCI_CHIPS[0].0, PCI_CHIPS[0].1), PCI_CHIPS[0].2),
        (netdev::pci_device_id(PCI_CHIPS[1].0, PCI_CHIPS[1].1), PCI_CHIPS[1].2),
        (netdev::pci_device_id(PCI_CHIPS[2].0, PCI_CHIPS[2].1), PCI_CHIPS[2].2),
        (netdev::pci_device_id(PCI_CHIPS[3].0, PCI_CHIPS[3].1), PCI_CHIPS[3].2),
        (netdev::pci_device_id(PCI_CHIPS[4].0, PCI_CHIPS[4].1), PCI_CHIPS[4].2),
        (netdev::pci_device_id(PCI_CHIPS[5].0, PCI_CHIPS[5].1), PCI_CHIPS[5].2),
        (netdev::pci_device_id(PCI_CHIPS[6].0, PCI_CHIPS[6].1), PCI_CHIPS[6].2),
        (netdev::pci_device_id(PCI_CHIPS[7].0, PCI_CHIPS[7].1), PCI_CHIPS[7].2),
        (netdev::pci_device_id(PCI_CHIPS[8].0, PCI_CHIPS[8].1), PCI_CHIPS[8].2),
        (netdev::pci_device_id(PCI_CHIPS[9].0, PCI_CHIPS[9].1), PCI_CHIPS[9].2),
        (netdev::pci_device_id(PCI_CHIPS[10].0, PCI_CHIPS[10].1), PCI_CHIPS[10].2),
    ]
);

/// State shared between process context and the interrupt handler.
#[pin_data]
struct Shared {
    #[pin]
    chip: SpinLockIrq<Dp8390<PortBus>>,
}

impl netdev::IrqHandler for Shared {
    fn handle_irq(&self) -> IrqReturn {
        let mut chip = self.chip.lock();
        let bus = chip.bus();
        // Shared INTx line: claim the interrupt only if an unmasked cause is pending here. The
        // chip is kept masked until the interface is opened, so after probe this is IRQ_NONE.
        let status = bus.read8(regs::P0_ISR);
        if status & regs::isr::ALL == 0 {
            return IrqReturn::None;
        }
        bus.write8(regs::P0_IMR, 0);
        bus.write8(regs::P0_ISR, status);
        IrqReturn::Handled
    }
}

/// Per-device driver data. Fields drop in order: the IRQ line (free_irq, then the chip state),
/// then the I/O region (release_region, pci_disable_device).
struct Ne2k {
    irq: IrqLine<Shared>,
    io: IoRegion,
    info: ChipInfo,
}

struct Ne2kDriver;

impl Ne2k {
    fn probe_one(pdev: &pci::Device<Core<'_>>, info: &ChipInfo) -> Result<Self> {
        let io = IoRegion::claim(pdev, 0, regs::NE_IO_EXTENT, DRV_NAME).map_err(|e| match e {
            IoRegionError::Enable(err) => {
                dev_err!(pdev, "pci_enable_device failed: {:?}\n", err);
                err
            }
            IoRegionError::NotIo => {
                dev_err!(pdev, "no I/O resource of {:#x} bytes at PCI BAR 0\n", regs::NE_IO_EXTENT);
                ENODEV
            }
            IoRegionError::Busy => {
                dev_err!(pdev, "I/O ports of BAR 0 are busy (another driver bound?)\n");
                EBUSY
            }
        })?;

        let mut chip = Dp8390::new(io.bus(), info.flags);
        let prom = chip.probe().map_err(|e| {
            dev_err!(pdev, "{} at I/O {:#x}: {}\n", info.name, io.base(), e.as_str());
            ENODEV
        })?;
        if !prom.ne2000_signature {
            dev_info!(pdev, "PROM lacks the 0x57 0x57 NE2000 signature (common on PCI clones)\n");
        }

        let shared = KBox::pin_init(
            pin_init!(Shared { chip <- kernel::new_spinlock_irq!(chip, "ne2k_rs_chip") }),
            GFP_KERNEL,
        )
        .inspect_err(|_| dev_err!(pdev, "out of memory for driver state\n"))?;
        let irq_no = io.irq();
        let irq = IrqLine::request(irq_no, DRV_NAME, shared).inspect_err(|e| {
            dev_err!(pdev, "request_irq({}) failed: {:?}\n", irq_no, e);
        })?;

        dev_info!(
            pdev,
            "{} at I/O {:#x}, IRQ {}, MAC {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}\n",
            info.name,
            io.base(),
            irq.irq(),
            prom.mac[0], prom.mac[1], prom.mac[2], prom.mac[3], prom.mac[4], prom.mac[5]
        );
        Ok(Self { irq, io, info: *info })
    }
}

impl pci::Driver for Ne2kDriver {
    type IdInfo = ChipInfo;
    type Data<'bound> = Ne2k;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let info = info.ok_or(ENODEV)?;
        Ne2k::probe_one(pdev, info)
    }

    fn unbind<'bound>(pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // Stop the chip and mask it before the line is freed and the ports released.
        this.irq.data().chip.lock().quiesce();
        dev_info!(pdev, "{} unbound\n", this.info.name);
    }
}

kernel::module_pci_driver! {
    type: Ne2kDriver,
    name: "ne2k_rs",
    authors: ["ne2k-rs developers"],
    description: "NE2000-compatible PCI (RTL8029 / DP8390) network driver in Rust",
    license: "GPL",
}
