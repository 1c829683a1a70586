// SPDX-License-Identifier: GPL-2.0
//
// Derived from the C drivers ne2k-pci.c and lib8390.c (drivers/net/ethernet/8390/), whose notice
// this derived work retains, as they ask:
//   ne2k-pci.c: 1992-2000 by Donald Becker, NE2000 core and various modifications.
//               1995-1998 by Paul Gortmaker, core modifications and PCI support.
//   lib8390.c:  Written 1992-94 by Donald Becker.
//   Copyright 1993 assigned to the United States Government as represented by the Director,
//   National Security Agency.
//   This software may be used and distributed according to the terms of the GNU General Public
//   License (GPL), incorporated herein by reference. Drivers based on or derived from this code
//   fall under the GPL and must retain the authorship, copyright and license notice.
//! ne2k_rs: a Rust driver for NE2000-compatible PCI cards (RTL8029 and the DP8390 clones of the
//! C `ne2k-pci` driver, QEMU's `ne2k_pci`).
//!
//! Layout: `dp8390.rs` is the chip logic (no kernel types, host-tested); `hw/` the register map
//! and port I/O; `netdev.rs` the safe layer over the C interfaces; this file the module and the
//! PCI driver.

// dp8390.rs and hw/ are also compiled as a host crate (tests/host) where their items must be `pub`.
#![allow(unreachable_pub)]

mod datapath;
mod dp8390;
mod hw;
mod netdev;
mod tracing;

use core::pin::Pin;

use kernel::device::Core;
use kernel::pci;
use kernel::prelude::*;
use kernel::sync::Arc;

use datapath::{ChipLock, ChipState, Datapath, Log, NetIf, OpenError, Probe, Xmit};
use dp8390::{ChipInfo, Dp8390, PCI_CHIPS};
use hw::port::{rdtsc, PortBus};
use hw::regs;
use netdev::{
    BhSpinLock, BhSpinLockGuard, IoRegion, IoRegionError, IrqLine, IrqReturn, LinkStats64, NetDev,
    NetDevOps, NetdevTx,
};

const DRV_NAME: &CStr = c"ne2k_rs";
/// Transmit watchdog: a stopped queue for this long means the chip lost a transmit.
const WATCHDOG_MS: u32 = 5000;
/// QEMU's PCI subsystem vendor: its ne2k_pci model filters unicast on the PROM address.
const QEMU_SUBSYS_VENDOR: u16 = 0x1af4;
/// Multicast addresses the filter tracks individually; more opens the whole hash.
const MC_MAX: usize = 64;

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

/// The chip lock (see `datapath.rs` for what it protects, who takes it and why interrupts stay
/// on), boxed so that the datapath that owns it needs no pinning of its own; and the card's
/// interrupt line, which the hard IRQ masks when it meets a holder.
struct ChipLockBox {
    lock: Pin<KBox<BhSpinLock<ChipState<PortBus>>>>,
    line: IrqLine,
}

impl ChipLock for ChipLockBox {
    type Bus = PortBus;
    type Guard<'a> = BhSpinLockGuard<'a, ChipState<PortBus>>;

    #[inline]
    fn lock(&self) -> Self::Guard<'_> {
        self.lock.as_ref().get_ref().lock()
    }

    #[inline]
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        self.lock.as_ref().get_ref().try_lock()
    }

    fn mask_line(&self) {
        self.line.disable_nosync();
    }

    fn unmask_line(&self) {
        self.line.enable();
    }
}

/// The stage clock (TSC) and the `ne2k_rs:*` tracepoints.
struct Tracepoints;

impl Probe for Tracepoints {
    #[inline(always)]
    fn now(&self) -> u64 {
        rdtsc()
    }
    #[inline(always)]
    fn tx_enabled(&self) -> bool {
        tracing::tx_enabled()
    }
    #[inline(always)]
    fn rx_enabled(&self) -> bool {
        tracing::rx_enabled()
    }
    #[inline(always)]
    fn irq_enabled(&self) -> bool {
        tracing::irq_enabled()
    }
    #[inline(always)]
    fn poll_enabled(&self) -> bool {
        tracing::poll_enabled()
    }
    fn tx(&self, s: &dp8390::TxStages) {
        tracing::tx(s)
    }
    fn rx(&self, seq: u32, len: u32, page: u32, nic: u64, dma: u64, driver: u64, total: u64) {
        tracing::rx(seq, len, page, nic, dma, driver, total)
    }
    fn irq(&self, isr: u8, cycles: u64) {
        tracing::irq(isr, cycles)
    }
    fn poll(&self, rx: u32, tx: u32, budget: u32, cycles: u64, stack: u64) {
        tracing::poll(rx, tx, budget, cycles, stack)
    }
}

impl NetIf for NetDev {
    fn start_queue(&self) {
        NetDev::start_queue(self)
    }
    fn stop_queue(&self) {
        NetDev::stop_queue(self)
    }
    fn wake_queue(&self) {
        NetDev::wake_queue(self)
    }
    fn queue_stopped(&self) -> bool {
        NetDev::queue_stopped(self)
    }
    fn napi_enable(&self) {
        NetDev::napi_enable(self)
    }
    fn napi_disable(&self) {
        NetDev::napi_disable(self)
    }
    fn napi_schedule(&self) {
        NetDev::napi_schedule(self)
    }
    fn carrier_on(&self) {
        NetDev::carrier_on(self)
    }
    fn carrier_off(&self) {
        NetDev::carrier_off(self)
    }
    fn log(&self, err: bool, what: Log) {
        let name = self.name();
        match (err, what) {
            (_, Log::TxTimeout) => pr_warn!("{}: transmit timed out, resetting the chip\n", name),
            (_, Log::TxTimeoutReset(e)) => {
                pr_err!("{}: reset after TX timeout failed: {}\n", name, e.as_str())
            }
            (_, Log::RingReset) => pr_warn!("{}: bogus receive-ring header, ring reset\n", name),
            (_, Log::OpenReset(e)) => pr_err!("{}: open: {}\n", name, e.as_str()),
        }
    }
}

impl datapath::RxBuf for netdev::RxSkb {
    fn bytes_mut(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        self.buf()
    }
}

impl datapath::Napi for netdev::Napi {
    type Buf = netdev::RxSkb;
    fn alloc(&self, len: usize) -> Option<Self::Buf> {
        self.alloc_skb(len)
    }
    fn deliver(&self, buf: Self::Buf) {
        self.gro_receive(buf)
    }
    fn complete_done(&self, work: usize) -> bool {
        netdev::Napi::complete_done(self, work as i32)
    }
}

/// Per-device state, shared by the net_device callbacks, NAPI and the interrupt handler.
struct Ne2kNet {
    dp: Datapath<ChipLockBox, Tracepoints>,
}

/// `ethtool -S` counters, in `ethtool_stats` order.
/// `ethtool -S`: every counter's name and where its value comes from, in one table.
type StatFn = fn(&Ne2kNet, &ChipState<PortBus>) -> u64;
const ETHTOOL_STATS: [(&CStr, StatFn); 15] = [
    (c"rx_bad_headers", |_, st| st.stats().rx_bad_headers),
    (c"rx_ring_resets", |_, st| st.stats().rx_ring_resets),
    (c"rx_overruns", |_, st| st.stats().rx_overruns),
    (c"rx_dropped_nomem", |_, st| st.stats().rx_dropped),
    (c"rx_frame_errors", |_, st| st.stats().rx_frame_errors),
    (c"rx_crc_errors", |_, st| st.stats().rx_crc_errors),
    (c"rx_missed_errors", |_, st| st.stats().rx_missed_errors),
    (c"rx_fifo_errors", |_, st| st.stats().rx_fifo_errors),
    (c"tx_timeouts", |_, st| st.stats().tx_timeouts),
    (c"tx_padded", |_, st| st.stats().tx_padded),
    (c"rdc_timeouts", |_, st| st.stats().rdc_timeouts),
    (c"port_accesses", |_, st| st.stats().port_accesses),
    (c"irqs", |_, st| st.irqs),
    (c"napi_polls", |_, st| st.polls),
    (c"irq_deferrals", |net, _| net.dp.irq_deferrals()),
];
/// The names column of [`ETHTOOL_STATS`] (what `ethtool -S` lists).
const STAT_NAMES: [&CStr; ETHTOOL_STATS.len()] = {
    let mut names = [c""; ETHTOOL_STATS.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = ETHTOOL_STATS[i].0;
        i += 1;
    }
    names
};

impl NetDevOps for Ne2kNet {
    const STAT_NAMES: &'static [&'static CStr] = &STAT_NAMES;

    fn open(&self, dev: &NetDev) -> Result {
        self.dp.open(dev).map_err(|e| match e {
            OpenError::Gone => ENODEV,
            OpenError::Chip(_) => EIO,
        })?;
        Ok(())
    }

    fn stop(&self, dev: &NetDev) {
        self.dp.stop(dev);
    }

    fn start_xmit(&self, dev: &NetDev, mut skb: netdev::SkBuff) -> NetdevTx {
        match self.dp.start_xmit(dev, skb.data()) {
            Xmit::Queued => {
                skb.consume();
                NetdevTx::Ok
            }
            // Freed as a drop (kfree_skb) when `skb` goes out of scope.
            Xmit::Dropped => NetdevTx::Ok,
            Xmit::Busy => NetdevTx::Busy(skb),
        }
    }

    fn tx_timeout(&self, dev: &NetDev) {
        self.dp.tx_timeout(dev);
    }

    fn set_rx_mode(&self, dev: &NetDev) {
        // The core holds the address-list lock here: the only place the list is read.
        let mut list = [[0u8; 6]; MC_MAX];
        let n = dev.mc_list(&mut list);
        let mc = (n <= MC_MAX).then(|| &list[..n]);
        self.dp.set_rx_mode(dev, dev.promisc(), dev.allmulti(), mc);
    }

    fn set_mac_address(&self, dev: &NetDev, mac: [u8; 6]) -> Result {
        if !dp8390::is_valid_ether_addr(&mac) {
            return Err(EADDRNOTAVAIL);
        }
        dev.set_dev_addr(&mac);
        self.dp.set_mac_address(dev, mac);
        Ok(())
    }

    fn get_stats64(&self, dev: &NetDev, s: &mut LinkStats64) {
        let st = self.dp.hold(dev);
        let c = st.stats();
        s.rx_packets = c.rx_packets;
        s.rx_bytes = c.rx_bytes;
        s.rx_errors = c.rx_errors;
        s.rx_dropped = c.rx_dropped;
        s.rx_length_errors = c.rx_length_errors;
        s.rx_over_errors = c.rx_over_errors;
        s.rx_crc_errors = c.rx_crc_errors;
        s.rx_frame_errors = c.rx_frame_errors;
        s.rx_fifo_errors = c.rx_fifo_errors;
        s.rx_missed_errors = c.rx_missed_errors;
        s.multicast = c.multicast;
        s.tx_packets = c.tx_packets;
        s.tx_bytes = c.tx_bytes;
        s.tx_errors = c.tx_errors;
        s.tx_dropped = c.tx_dropped;
        s.tx_aborted_errors = c.tx_aborted_errors;
        s.tx_carrier_errors = c.tx_carrier_errors;
        s.tx_fifo_errors = c.tx_fifo_errors;
        s.tx_heartbeat_errors = c.tx_heartbeat_errors;
        s.tx_window_errors = c.tx_window_errors;
        s.collisions = c.collisions;
    }

    fn irq(&self, dev: &NetDev) -> IrqReturn {
        if self.dp.irq(dev) {
            IrqReturn::Handled
        } else {
            IrqReturn::None
        }
    }

    fn poll(&self, dev: &NetDev, napi: &netdev::Napi, budget: i32) -> i32 {
        self.dp.poll(dev, napi, budget.max(0) as usize) as i32
    }

    fn ethtool_stats(&self, dev: &NetDev, out: &mut [u64]) {
        let st = self.dp.hold(dev);
        for (o, (_, value)) in out.iter_mut().zip(ETHTOOL_STATS) {
            *o = value(self, &st);
        }
    }

    fn msglevel(&self, dev: &NetDev) -> u32 {
        self.dp.hold(dev).msg_enable
    }

    fn set_msglevel(&self, dev: &NetDev, level: u32) {
        self.dp.hold(dev).msg_enable = level;
    }
}

netdev::export_netdev_ops!(Ne2kNet);

/// Per-device driver data. Fields drop in order: the net_device registration (unregister,
/// free_irq, free; then the shared state), then the I/O region (release_region,
/// pci_disable_device).
struct Ne2k {
    reg: netdev::Registration<Ne2kNet>,
    /// Held for its Drop (release_region, pci_disable_device) after `reg`'s.
    _io: IoRegion,
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

        // SAFETY: the bus goes into the device state, which `Ne2k` drops (with the
        // registration: unregister, free_irq, free) before `_io`, the reservation.
        let mut chip = Dp8390::new(unsafe { io.bus() }, info.flags);
        let prom = chip.probe().map_err(|e| {
            dev_err!(
                pdev,
                "{} at I/O {:#x}: {}\n",
                info.name,
                io.base(),
                e.as_str()
            );
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
        let state = Arc::new(
            Ne2kNet {
                dp: Datapath::new(
                    ChipLockBox {
                        lock,
                        line: IrqLine::new(irq_no),
                    },
                    Tracepoints,
                    prom.mac,
                    netdev::pci_subsystem_vendor(pdev) == QEMU_SUBSYS_VENDOR,
                ),
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
            .map_err(|(e, what)| {
                dev_err!(pdev, "{} failed: {:?}\n", what, e);
                e
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
            _io: io,
            info: *info,
        })
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
        // Mask and stop the chip, and forbid a restart, before the line is freed and the
        // device unregistered (Drop of `reg`).
        this.reg.data().dp.unbind(this.reg.netdev());
        dev_info!(pdev, "{} unbound\n", this.info.name);
    }
}

/// The module: validates the parameters, then registers the PCI driver.
#[pin_data]
struct Ne2kModule {
    #[pin]
    _driver: kernel::driver::Registration<pci::Adapter<Ne2kDriver>>,
}

impl kernel::InPlaceModule for Ne2kModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        let msg = module_parameters::msg_enable.value();
        let weight = module_parameters::napi_weight.value();
        let valid = if msg < -1 {
            pr_err!(
                "ne2k_rs: msg_enable={} is invalid: use -1 (default) or a netif_msg bitmap >= 0\n",
                msg
            );
            Err(EINVAL)
        } else if !(1..=64).contains(&weight) {
            pr_err!("ne2k_rs: napi_weight={} is invalid: use 1..=64\n", weight);
            Err(EINVAL)
        } else {
            Ok(())
        };
        pin_init::pin_init_scope(move || {
            valid?;
            Ok(try_pin_init!(Self {
                _driver <- kernel::driver::Registration::new(DRV_NAME, module),
            }))
        })
    }
}

module! {
    type: Ne2kModule,
    name: "ne2k_rs",
    authors: ["ne2k-rs developers"],
    description: "NE2000-compatible PCI (RTL8029 / DP8390) network driver in Rust",
    license: "GPL",
    params: {
        msg_enable: i32 {
            default: -1,
            description: "netif_msg bitmap (-1: drv, probe, rx_err, tx_err)",
        },
        napi_weight: u32 {
            default: 64,
            description: "NAPI poll weight, 1..64",
        },
    },
}
