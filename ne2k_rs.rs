// SPDX-License-Identifier: GPL-2.0
//! ne2k_rs: a Rust driver for NE2000-compatible PCI cards (RTL8029 and the DP8390 clones of the
//! C `ne2k-pci` driver, QEMU's `ne2k_pci`).
//!
//! Layout: `dp8390.rs` is the chip logic (no kernel types, host-tested); `hw/` the register map
//! and port I/O; `netdev.rs` the safe layer over the C interfaces; this file the module and the
//! PCI driver.

// dp8390.rs and hw/ are also compiled as a host crate (tests/host) where their items must be `pub`.
#![allow(unreachable_pub)]

mod dp8390;
mod hw;
mod netdev;
mod tracing;

use core::pin::Pin;

use kernel::device::Core;
use kernel::pci;
use kernel::prelude::*;
use kernel::sync::{Arc, SpinLockIrq};

use dp8390::{ChipInfo, Dp8390, RxMode, RxPeek, PCI_CHIPS};
use hw::port::{rdtsc, PortBus};
use hw::regs::{self, isr};
use netdev::{IoRegion, IoRegionError, IrqReturn, LinkStats64, NetDev, NetDevOps, NetdevTx};

const DRV_NAME: &CStr = c"ne2k_rs";
/// Transmit watchdog: a stopped queue for this long means the chip lost a transmit.
const WATCHDOG_MS: u32 = 5000;
/// QEMU's PCI subsystem vendor: its ne2k_pci model filters unicast on the PROM address.
const QEMU_SUBSYS_VENDOR: u16 = 0x1af4;
/// netif_msg defaults, as lib8390 (DRV | PROBE | RX_ERR | TX_ERR).
const DEFAULT_MSG: u32 = 0x0001 | 0x0002 | 0x0040 | 0x0080;
/// Multicast addresses the filter tracks individually; more opens the whole hash.
const MC_MAX: usize = 64;

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

/// Everything the chip lock protects.
struct ChipState {
    chip: Dp8390<PortBus>,
    /// Causes the hard-IRQ handler took (and acked) for the poll to handle.
    pending: u8,
    /// Set by unbind: the device is going away and must not be restarted.
    dead: bool,
    msg_enable: u32,
    irqs: u64,
    polls: u64,
    /// TSC at the last hard interrupt that reported a receive (0: none since the last poll):
    /// the start of the RX NIC stage.
    t_rx_irq: u64,
    rx_seq: u32,
}

/// Per-device state, shared by the net_device callbacks, NAPI and the interrupt handler.
#[pin_data]
struct Ne2kNet {
    #[pin]
    chip: SpinLockIrq<ChipState>,
    info: ChipInfo,
    prom_mac: [u8; 6],
    /// QEMU's model compares unicast destinations with the PROM, not PAR: with another station
    /// address the driver must receive promiscuously (the stack drops frames not for it).
    prom_unicast_filter: bool,
}

impl Ne2kNet {
    fn rx_mode_for(&self, dev: &NetDev) -> RxMode {
        let mut list = [[0u8; 6]; MC_MAX];
        let n = dev.mc_list(&mut list);
        let quirk = self.prom_unicast_filter && dev.dev_addr() != self.prom_mac;
        RxMode::compute(dev.promisc() || quirk, dev.allmulti() || n > MC_MAX, list[..n.min(MC_MAX)].iter())
    }
}

/// `ethtool -S` counters, in `ethtool_stats` order.
const STAT_NAMES: &[&CStr] = &[
    c"rx_bad_headers",
    c"rx_ring_resets",
    c"rx_overruns",
    c"rx_dropped_nomem",
    c"rx_frame_errors",
    c"rx_crc_errors",
    c"rx_missed_errors",
    c"rx_fifo_errors",
    c"tx_timeouts",
    c"tx_padded",
    c"rdc_timeouts",
    c"port_accesses",
    c"irqs",
    c"napi_polls",
];

impl NetDevOps for Ne2kNet {
    const STAT_NAMES: &'static [&'static CStr] = STAT_NAMES;

    fn open(&self, dev: &NetDev) -> Result {
        // NAPI first: once the chip is unmasked its interrupt may schedule a poll.
        dev.napi_enable();
        let mut st = self.chip.lock();
        if st.dead {
            drop(st);
            dev.napi_disable();
            return Err(ENODEV);
        }
        if let Err(e) = st.chip.reset() {
            drop(st);
            dev.napi_disable();
            pr_err!("{}: open: {}\n", dev.name(), e.as_str());
            return Err(EIO);
        }
        let mode = self.rx_mode_for(dev);
        st.chip.set_rx_mode(mode);
        st.chip.init(true);
        st.pending = 0;
        dev.start_queue();
        drop(st);
        dev.carrier_on();
        Ok(())
    }

    fn stop(&self, dev: &NetDev) {
        dev.stop_queue();
        self.chip.lock().chip.quiesce();
        dev.napi_disable();
        dev.carrier_off();
    }

    fn start_xmit(&self, dev: &NetDev, mut skb: netdev::SkBuff) -> NetdevTx {
        // Stage boundary (TX driver stage start): start_xmit entry. Timestamps are taken only
        // while the ne2k_rs_tx event is enabled (a static-key branch otherwise).
        let t_enter = tracing::tx_enabled().then(rdtsc);
        let Some(frame) = skb.data() else {
            self.chip.lock().chip.stats.tx_errors += 1;
            return NetdevTx::Ok; // dropped (skb freed on return)
        };
        let mut st = self.chip.lock();
        if !st.chip.running() {
            st.chip.stats.tx_errors += 1;
            return NetdevTx::Ok;
        }
        match st.chip.xmit_timed(frame, t_enter) {
            Ok(_) => {
                // A completion that is already there is taken now, without an interrupt.
                if let Some(done) = st.chip.tx_reap() {
                    if let Some(stages) = done.stages {
                        tracing::tx(&stages);
                    }
                }
                if st.chip.tx_free() == 0 {
                    // Under the lock: a completion cannot wake the queue before we stop it.
                    dev.stop_queue();
                }
            }
            Err(()) if st.chip.tx_free() == 0 => {
                dev.stop_queue();
                drop(st);
                return NetdevTx::Busy(skb);
            }
            Err(()) => {
                // Oversize or empty: counted as a TX error by the chip logic, dropped.
                return NetdevTx::Ok;
            }
        }
        drop(st);
        skb.consume();
        NetdevTx::Ok
    }

    fn tx_timeout(&self, dev: &NetDev) {
        let mut st = self.chip.lock();
        if st.msg_enable & 0x0080 != 0 {
            pr_warn!("{}: transmit timed out, resetting the chip\n", dev.name());
        }
        if let Err(e) = st.chip.tx_timeout() {
            pr_err!("{}: reset after TX timeout failed: {}\n", dev.name(), e.as_str());
        }
        dev.wake_queue();
    }

    fn set_rx_mode(&self, dev: &NetDev) {
        let mode = self.rx_mode_for(dev);
        self.chip.lock().chip.set_rx_mode(mode);
    }

    fn set_mac_address(&self, dev: &NetDev, mac: [u8; 6]) -> Result {
        if !dp8390::is_valid_ether_addr(&mac) {
            return Err(EADDRNOTAVAIL);
        }
        dev.set_dev_addr(&mac);
        let mode = self.rx_mode_for(dev);
        let mut st = self.chip.lock();
        st.chip.set_mac(mac);
        st.chip.set_rx_mode(mode);
        Ok(())
    }

    fn get_stats64(&self, _dev: &NetDev, s: &mut LinkStats64) {
        let st = self.chip.lock();
        let c = &st.chip.stats;
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
        s.tx_aborted_errors = c.tx_aborted_errors;
        s.tx_carrier_errors = c.tx_carrier_errors;
        s.tx_fifo_errors = c.tx_fifo_errors;
        s.tx_heartbeat_errors = c.tx_heartbeat_errors;
        s.tx_window_errors = c.tx_window_errors;
        s.collisions = c.collisions;
    }

    fn irq(&self, dev: &NetDev) -> IrqReturn {
        // Stage boundary (RX NIC stage start): the interrupt is seen.
        let timed = tracing::irq_enabled() || tracing::rx_enabled();
        let t0 = if timed { rdtsc() } else { 0 };
        let mut st = self.chip.lock();
        match st.chip.irq_take() {
            None => IrqReturn::None,
            Some(status) => {
                st.pending |= status;
                st.irqs += 1;
                if status & (isr::PRX | isr::RXE) != 0 && st.t_rx_irq == 0 {
                    st.t_rx_irq = t0;
                }
                drop(st);
                dev.napi_schedule();
                if timed && tracing::irq_enabled() {
                    tracing::irq(status, rdtsc().wrapping_sub(t0));
                }
                IrqReturn::Handled
            }
        }
    }

    fn poll(&self, dev: &NetDev, napi: &netdev::Napi, budget: i32) -> i32 {
        let budget = budget.max(0) as usize;
        let t_poll = if tracing::poll_enabled() || tracing::rx_enabled() { rdtsc() } else { 0 };
        let mut work = 0usize;
        let mut tx_done = 0u32;
        // Cycles spent in the stack (GRO and up) during this poll, when ne2k_rs_poll records.
        let mut stack = 0u64;
        let t_ref;
        {
            let mut st = self.chip.lock();
            st.polls += 1;
            // Frames announced by an interrupt start their NIC stage there; frames found by a
            // poll that no receive interrupt announced start it at the poll.
            t_ref = match core::mem::take(&mut st.t_rx_irq) {
                0 => t_poll,
                t => t,
            };
            let status = core::mem::take(&mut st.pending) | st.chip.isr_take();
            if status & (isr::PTX | isr::TXE) != 0 {
                let done = st.chip.tx_complete(status);
                if done.freed {
                    tx_done += 1;
                    if dev.queue_stopped() {
                        dev.wake_queue();
                    }
                }
                if let Some(stages) = done.stages {
                    tracing::tx(&stages);
                }
            }
            if status & isr::CNT != 0 {
                st.chip.read_counters();
            }
            if status & isr::OVW != 0 {
                let resend = st.chip.rx_overrun_begin();
                // Drain what the ring holds, then leave loopback (NatSemi order).
                drop(st);
                work += self.rx_drain(dev, napi, usize::MAX, t_ref, &mut stack);
                st = self.chip.lock();
                st.chip.rx_overrun_finish(resend);
            }
        }
        if work < budget {
            work += self.rx_drain(dev, napi, budget - work, t_ref, &mut stack);
        }
        let work = work.min(budget);
        if work < budget && napi.complete_done(work as i32) {
            self.chip.lock().chip.irq_unmask();
        }
        if t_poll != 0 && tracing::poll_enabled() {
            tracing::poll(work as u32, tx_done, budget as u32, rdtsc().wrapping_sub(t_poll), stack);
        }
        work as i32
    }

    fn ethtool_stats(&self, out: &mut [u64]) {
        let st = self.chip.lock();
        let c = &st.chip.stats;
        let vals = [
            c.rx_bad_headers,
            c.rx_ring_resets,
            c.rx_overruns,
            c.rx_dropped,
            c.rx_frame_errors,
            c.rx_crc_errors,
            c.rx_missed_errors,
            c.rx_fifo_errors,
            c.tx_timeouts,
            c.tx_padded,
            c.rdc_timeouts,
            c.port_accesses,
            st.irqs,
            st.polls,
        ];
        for (o, v) in out.iter_mut().zip(vals) {
            *o = v;
        }
    }

    fn msglevel(&self) -> u32 {
        self.chip.lock().msg_enable
    }

    fn set_msglevel(&self, level: u32) {
        self.chip.lock().msg_enable = level;
    }
}

impl Ne2kNet {
    /// Takes up to `budget` frames off the ring into skbs for GRO. The chip lock is held per
    /// frame (header check + copy + boundary update), never across the stack. `t_ref` is where
    /// the frames' RX NIC stage starts (see `poll`); `stack` accumulates the cycles spent handing
    /// frames to the stack while the poll event is recording.
    fn rx_drain(&self, dev: &NetDev, napi: &netdev::Napi, budget: usize, t_ref: u64, stack: &mut u64) -> usize {
        let stack_timed = tracing::poll_enabled();
        let timed = tracing::rx_enabled() && t_ref != 0;
        let stamp = || if timed { rdtsc() } else { 0 };
        let mut done = 0;
        let mut curr = self.chip.lock().chip.rx_curr();
        while done < budget {
            let mut st = self.chip.lock();
            // Stage boundary (RX NIC stage end / DMA start): the poll picks the frame up.
            let mut t_pick = stamp();
            let mut peek = st.chip.rx_peek(curr);
            if peek == RxPeek::Empty {
                curr = st.chip.rx_curr();
                t_pick = stamp();
                peek = st.chip.rx_peek(curr);
            }
            match peek {
                RxPeek::Empty => break,
                RxPeek::BadHeader => {
                    let c = st.chip.rx_curr();
                    st.chip.rx_reset_ring(c);
                    if st.msg_enable & 0x0040 != 0 {
                        pr_warn!("{}: bogus receive-ring header, ring reset\n", dev.name());
                    }
                    break;
                }
                RxPeek::Frame(f) => {
                    // Stage boundary: header read (remote DMA of 4 bytes) done.
                    let t_hdr = stamp();
                    let mut skb = None;
                    let (mut t_b0, mut t_b1) = (0, 0);
                    if f.ok() {
                        skb = napi.alloc_skb(f.len);
                        if let Some(s) = skb.as_mut() {
                            // Stage boundaries: body remote-DMA read.
                            t_b0 = stamp();
                            st.chip.rx_read(&f, s.buf());
                            t_b1 = stamp();
                        }
                    }
                    st.chip.rx_account(&f, skb.is_some());
                    st.chip.rx_advance(&f);
                    st.rx_seq = st.rx_seq.wrapping_add(1);
                    let seq = st.rx_seq;
                    drop(st);
                    if let Some(s) = skb {
                        if timed {
                            // Stage boundary (RX driver stage end): handed to the stack.
                            let t_hand = rdtsc();
                            let dma = t_hdr.wrapping_sub(t_pick) + t_b1.wrapping_sub(t_b0);
                            let driver = t_hand.wrapping_sub(t_pick).wrapping_sub(dma);
                            tracing::rx(
                                seq,
                                f.len as u32,
                                u32::from(f.page),
                                t_pick.wrapping_sub(t_ref),
                                dma,
                                driver,
                                t_hand.wrapping_sub(t_ref),
                            );
                        }
                        if stack_timed {
                            let t = rdtsc();
                            napi.gro_receive(s);
                            *stack += rdtsc().wrapping_sub(t);
                        } else {
                            napi.gro_receive(s);
                        }
                    }
                    done += 1;
                }
            }
        }
        done
    }
}

netdev::export_netdev_ops!(Ne2kNet);

/// Per-device driver data. Fields drop in order: the net_device registration (free_irq,
/// unregister, free; then the shared state), then the I/O region (release_region,
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
        let ring = chip.ring();
        let msg = match module_parameters::msg_enable.value() {
            v if v < 0 => DEFAULT_MSG,
            v => v as u32,
        };

        let ndev = netdev::EtherDev::alloc(pdev).inspect_err(|_| dev_err!(pdev, "cannot allocate net_device\n"))?;
        let state = Arc::pin_init(
            pin_init!(Ne2kNet {
                chip <- kernel::new_spinlock_irq!(
                    ChipState {
                        chip,
                        pending: 0,
                        dead: false,
                        msg_enable: msg,
                        irqs: 0,
                        polls: 0,
                        t_rx_irq: 0,
                        rx_seq: 0,
                    },
                    "ne2k_rs_chip"
                ),
                info: *info,
                prom_mac: prom.mac,
                prom_unicast_filter: netdev::pci_subsystem_vendor(pdev) == QEMU_SUBSYS_VENDOR,
            }),
            GFP_KERNEL,
        )
        .inspect_err(|_| dev_err!(pdev, "out of memory for driver state\n"))?;
        let irq_no = io.irq();
        let reg = ndev
            .register(state, &prom.mac, io.base(), irq_no, DRV_NAME, WATCHDOG_MS, module_parameters::napi_weight.value())
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
        Ok(Self { reg, _io: io, info: *info })
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
        {
            let mut st = this.reg.data().chip.lock();
            st.dead = true;
            st.chip.quiesce();
        }
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
            pr_err!("ne2k_rs: msg_enable={} is invalid: use -1 (default) or a netif_msg bitmap >= 0\n", msg);
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
