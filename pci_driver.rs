// SPDX-License-Identifier: GPL-2.0
//! The PCI driver: the ID table (from `PCI_CHIPS`), probe (claim the I/O region, find and
//! check the chip, size its memory, register the net_device) and unbind.

use kernel::device::Core;
use kernel::pci;
use kernel::prelude::*;
use kernel::sync::Arc;

use crate::datapath::{self, ChipState, Datapath};
use crate::dp8390::{ChipInfo, Dp8390, PCI_CHIPS};
use crate::hw::port::PortBus;
use crate::hw::regs;
use crate::net::{ChipLockBox, Ne2kNet, XdpStats};
use crate::netdev::{self, BhSpinLock, IoRegion, IoRegionError, IrqLine};
use crate::stages::{self, StageProbe};
use crate::stagestats::StageStats;
use crate::{module_parameters, DRV_NAME};
use kernel::alloc::KVBox;

/// Transmit watchdog: a stopped queue for this long means the chip lost a transmit.
const WATCHDOG_MS: u32 = 5000;
/// QEMU's PCI subsystem vendor: its ne2k_pci model filters unicast on the PROM address.
const QEMU_SUBSYS_VENDOR: u16 = 0x1af4;

/// The PCI ID table, one entry per [`PCI_CHIPS`] row (the chip list lives there, once): the
/// kernel's `pci_device_table!` wants its entries written out, so this spells them out by index,
/// and a chip added to `PCI_CHIPS` without its index here does not compile.
macro_rules! pci_table_from_chips {
    ($($i:literal)*) => {
        const _: () = assert!(PCI_CHIPS.len() == [$($i),*].len(), "an index per PCI_CHIPS row");
        kernel::pci_device_table!(
            PCI_TABLE,
            <Ne2kDriver as pci::Driver>::IdInfo,
            [$((netdev::pci_device_id(PCI_CHIPS[$i].0, PCI_CHIPS[$i].1), PCI_CHIPS[$i].2),)*]
        );
    };
}
pci_table_from_chips!(0 1 2 3 4 5 6 7 8 9 10);

/// Per-device driver data, for the binding `'b`. Dropping it (at unbind) unregisters the
/// net_device, frees the IRQ and the device, then the shared state with the register bus; the
/// driver core then releases the I/O ports and disables the device (device-managed, see
/// [`IoRegion`]), which the bus's lifetime `'b` guarantees it cannot outlive.
pub(crate) struct Ne2k<'b> {
    reg: netdev::Registration<Ne2kNet<'b>>,
    info: ChipInfo,
    /// `/sys/kernel/debug/ne2k_rs/<pci device>/stage_stats`: the card's stage statistics
    /// (read: the table; write anything: reset them).
    _stage_stats: netdev::DebugfsDir<KVBox<StageStats>>,
}

pub(crate) struct Ne2kDriver;

impl<'b> Ne2k<'b> {
    fn probe_one(pdev: &'b pci::Device<Core<'_>>, info: &ChipInfo) -> Result<Self> {
        let io = IoRegion::claim(pdev, 0, regs::NE_IO_EXTENT, DRV_NAME).map_err(|e| match e {
            IoRegionError::Enable(err) => {
                dev_err!(pdev, "pci_enable_device failed: {:?}\n", err);
                err
            }
            IoRegionError::NotIo => {
                dev_err!(
                    pdev,
                    "no I/O resource of {:#x} bytes at PCI BAR 0\n",
                    regs::NE_IO_EXTENT
                );
                ENODEV
            }
            IoRegionError::Busy => {
                dev_err!(
                    pdev,
                    "I/O ports of BAR 0 are busy (another driver bound?)\n"
                );
                EBUSY
            }
        })?;

        let bus = PortBus::new(&io).ok_or(ENODEV)?;
        let mut chip = Dp8390::new(bus, info.flags);
        let prom = chip.probe().map_err(|e| {
            dev_err!(pdev, "{} at I/O {:#x}: {}\n", info.name, io.base(), e);
            ENODEV
        })?;
        if !prom.ne2000_signature {
            dev_info!(
                pdev,
                "PROM lacks the 0x57 0x57 NE2000 signature (common on PCI clones)\n"
            );
        }
        let ring = chip.ring();
        let msg = match module_parameters::msg_enable.value() {
            v if v < 0 => datapath::msg::DEFAULT,
            v => v as u32,
        };

        let ndev = netdev::EtherDev::alloc(pdev)
            .inspect_err(|_| dev_err!(pdev, "cannot allocate net_device\n"))?;
        let irq_no = io.irq();
        let lock = KBox::pin_init(
            BhSpinLock::new(
                ChipState::new(chip, msg),
                c"ne2k_rs_chip",
                kernel::static_lock_class!(),
            ),
            GFP_KERNEL,
        )
        .inspect_err(|_| dev_err!(pdev, "out of memory for driver state\n"))?;
        let stats = stages::new_stats()
            .inspect_err(|_| dev_err!(pdev, "out of memory for the stage statistics\n"))?;
        let stage_stats =
            netdev::DebugfsDir::create(pdev.as_ref().name(), c"stage_stats", stats.clone())
                .inspect_err(|_| dev_err!(pdev, "out of memory for the debugfs entry\n"))?;
        let state = Arc::new(
            Ne2kNet {
                dp: Datapath::new(
                    ChipLockBox {
                        lock,
                        line: IrqLine::new(irq_no),
                    },
                    StageProbe { stats },
                    prom.mac,
                    pdev.subsystem_vendor_id() == QEMU_SUBSYS_VENDOR,
                ),
                xdp: XdpStats::default(),
            },
            GFP_KERNEL,
        )
        .inspect_err(|_| dev_err!(pdev, "out of memory for driver state\n"))?;
        let reg = ndev
            .register(
                state,
                &netdev::NetDevConfig {
                    mac: prom.mac,
                    base_addr: io.base(),
                    irq: irq_no,
                    irq_name: DRV_NAME,
                    watchdog_ms: WATCHDOG_MS,
                    napi_weight: module_parameters::napi_weight.value(),
                },
            )
            .map_err(|e| {
                dev_err!(pdev, "{}\n", e);
                e.err
            })?;

        dev_info!(
            pdev,
            "{}: {} at I/O {:#x}, IRQ {}, MAC {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}, {} KiB packet RAM (RX ring {:#04x}-{:#04x})\n",
            reg.name(),
            info.name,
            io.base(),
            irq_no,
            prom.mac[0], prom.mac[1], prom.mac[2], prom.mac[3], prom.mac[4], prom.mac[5],
            (u32::from(ring.stop) - 0x40) / 4,
            ring.rx_start,
            ring.stop - 1
        );
        Ok(Self {
            reg,
            info: *info,
            _stage_stats: stage_stats,
        })
    }
}

impl pci::Driver for Ne2kDriver {
    type IdInfo = ChipInfo;
    type Data<'bound> = Ne2k<'bound>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let info = info.ok_or(ENODEV)?;
        Ne2k::probe_one(pdev, info)
    }

    fn unbind<'bound>(pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // Mask and stop the chip, and forbid a restart, before the line is freed and the
        // device unregistered (Drop of `reg`).
        this.reg.data().dp.unbind(this.reg.netdev());
        dev_info!(pdev, "{} unbound\n", this.info.name);
    }
}

impl netdev::PciPm for Ne2kDriver {
    fn suspend(this: Pin<&Self::Data<'_>>) {
        this.reg.suspend();
    }

    fn resume(this: Pin<&Self::Data<'_>>) {
        this.reg.resume();
    }

    /// Reboot, power off, kexec: the card is quiesced and detached, as at suspend, so that
    /// the next kernel finds no unmasked interrupt (the card does port I/O only: it never
    /// writes to host memory).
    fn shutdown(this: Pin<&Self::Data<'_>>) {
        this.reg.suspend();
    }
}
