//! Host build of the driver's chip logic plus a software DP8390 model to run it against.
//! The `#[path]` modules are the very files the kernel module compiles.

#[path = "../../dp8390.rs"]
pub mod dp8390;

#[path = "../../datapath.rs"]
pub mod datapath;

#[path = "../../stagestats.rs"]
pub mod stagestats;

#[path = "../../hw/bus.rs"]
#[doc(hidden)]
pub mod hw_bus;
#[path = "../../hw/reg.rs"]
#[doc(hidden)]
pub mod hw_reg;
#[path = "../../hw/regs.rs"]
#[doc(hidden)]
pub mod hw_regs;

/// Mirrors the kernel crate's `hw` module, minus port I/O.
pub mod hw {
    pub use super::hw_bus as bus;
    pub use super::hw_reg as reg;
    pub use super::hw_regs as regs;
    pub use bus::RegisterBus;
}

pub mod model;
pub mod sim;
