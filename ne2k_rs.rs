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
//! Layout, top down: this file is the module (parameters, registration of the PCI driver);
//! `pci_driver.rs` the PCI driver (ID table, probe, unbind); `net.rs` the net_device side (the
//! chip lock, the callbacks, the glue to the datapath); `stages.rs` the stage clock and events,
//! `stagestats.rs` their aggregates;
//! `datapath.rs` what each entry point does, over `dp8390.rs`, the chip logic (neither has
//! kernel types: both are host-tested); `tracing/` the tracepoints. On the ground floor:
//! `hw/` the register map and port I/O, and `netdev/`, a net-device layer over the kernel's C
//! interfaces that knows no driver.
//!
//! `unsafe` code is denied in the whole crate but those two corners: the net layer and
//! `hw/port.rs`. A driver module that needs `unsafe` fails to build; what it needs goes into
//! the layer as a safe API.

#![deny(unsafe_code)]
#![expect(
    unreachable_pub,
    reason = "datapath.rs, dp8390.rs and hw/ are also the host test crate, where they are `pub`"
)]

mod datapath;
mod dp8390;
mod hw;
#[allow(unsafe_code)] // the net layer: the FFI to the kernel's C net-device interfaces
mod netdev;
mod tracing;

mod net;
mod pci_driver;
mod stages;
mod stagestats;

use kernel::prelude::*;

use pci_driver::Ne2kDriver;

const DRV_NAME: &CStr = c"ne2k_rs";

/// The module: validates the parameters, creates its debugfs directory, then registers the
/// PCI driver. Fields drop in order: the driver unregisters before the directory goes.
#[pin_data]
struct Ne2kModule {
    #[pin]
    _driver: kernel::driver::Registration<netdev::PciPmAdapter<Ne2kDriver>>,
    _debugfs: netdev::DebugfsRoot,
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
            let debugfs = netdev::DebugfsRoot::create(DRV_NAME)?;
            Ok(try_pin_init!(Self {
                _driver <- kernel::driver::Registration::new(DRV_NAME, module),
                _debugfs: debugfs,
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
