// SPDX-License-Identifier: GPL-2.0
//! Hardware access: the DP8390/NE2000 register map, the register-bus trait, and (kernel only)
//! x86 port I/O. `regs` and `bus` are also compiled into the host test crate.

pub mod bus;
#[allow(unsafe_code)] // port I/O: `in`/`out` and their `rep` forms
pub mod port;
#[expect(
    dead_code,
    reason = "the whole register map, documentation as much as code: not every register is used"
)]
pub mod regs;

pub use bus::RegisterBus;
