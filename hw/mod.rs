// SPDX-License-Identifier: GPL-2.0
//! Hardware access: the DP8390/NE2000 register map (`regs`), typed and page-aware through the
//! register layer (`reg`: a type per register, page scopes, bitfield values), the register-bus
//! trait that is its backend (`bus`), and (kernel only) x86 port I/O (`port`). `reg`, `regs`
//! and `bus` are also compiled into the host test crate.

pub mod bus;
#[allow(unsafe_code)] // port I/O: `in`/`out` and their `rep` forms
pub mod port;
pub mod reg;
#[expect(
    dead_code,
    reason = "the whole register map, documentation as much as code: not every register is used"
)]
pub mod regs;

pub use bus::RegisterBus;
