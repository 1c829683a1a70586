// SPDX-License-Identifier: GPL-2.0
//! A NAPI context during its poll: receive buffers and GRO.

use kernel::bindings::{napi_struct, net_device};
use kernel::ffi::c_uint;

use super::sys;
use super::*;

/// A NAPI context during a poll: what [`NetDevOps::poll`] gets to allocate receive skbs, hand
/// them to GRO and report its work. It exists only for the poll (the driver gets a `&Napi`),
/// so nothing that needs the poll's context can be called outside it.
///
/// # Examples
///
/// A poll that receives up to `budget` frames, copied from the card into fresh skbs:
///
/// ```ignore
/// fn poll(&self, dev: &NetDev, napi: &Napi, budget: i32) -> i32 {
///     let mut work = 0;
///     while work < budget {
///         let Some(len) = self.next_frame_len() else { break };
///         let Some(mut skb) = napi.alloc_skb(len) else {
///             self.drop_frame(); // no memory: count it and go on
///             continue;
///         };
///         self.copy_frame(skb.buf()); // writes `len` bytes (and may use the slack)
///         napi.gro_receive(skb);
///         work += 1;
///     }
///     if work < budget && napi.complete_done(work) {
///         self.unmask_rx_interrupts();
///     }
///     work
/// }
/// ```
///
/// # Invariants
///
/// `self.0` is the `napi_struct` the core is polling right now (made only in [`Tables`]' `poll`,
/// for the duration of the call).
pub struct Napi(pub(super) *mut napi_struct);

impl Napi {
    /// Allocates a receive skb holding `len` bytes (napi_alloc_skb: IP-aligned, from the
    /// per-CPU NAPI cache, GFP_ATOMIC), or `None` if no memory was available.
    #[inline]
    pub fn alloc_skb(&self, len: usize) -> Option<RxSkb> {
        // SAFETY: we are inside this NAPI's poll (type invariant).
        let skb = unsafe { sys::napi_alloc_skb(self.0, (len + RX_SLACK) as c_uint) };
        if skb.is_null() {
            return None;
        }
        // SAFETY: a fresh skb of `len + RX_SLACK` bytes of tailroom; skb_put makes the first
        // `len` the data. They are not cleared: the copy from the card writes every byte
        // (`RxBuf`), and a memset first would cost a pass over the frame (in Bochs, where a
        // cycle is an instruction, 1,514 of a full frame's ~3,100 driver cycles).
        let data = unsafe { sys::skb_put(skb, len as c_uint) }.cast::<u8>();
        // INVARIANT: `data` is the area of `len` bytes of the skb we own, `RX_SLACK` bytes of
        // its tailroom after it.
        Some(RxSkb { skb, data, len })
    }

    /// Hands a filled skb to the stack (eth_type_trans + napi_gro_receive).
    #[inline]
    pub fn gro_receive(&self, skb: RxSkb) {
        let raw = skb.skb;
        core::mem::forget(skb);
        self.gro(raw)
    }

    /// Hands the skb an XDP program passed to the stack, as [`Self::gro_receive`].
    #[inline]
    pub fn gro_receive_passed(&self, skb: XdpPassSkb) {
        let raw = skb.0;
        core::mem::forget(skb);
        self.gro(raw)
    }

    /// eth_type_trans + napi_gro_receive of `raw`, whose ownership passes to the stack.
    #[inline(always)]
    fn gro(&self, raw: *mut kernel::bindings::sk_buff) {
        // napi_gro_receive() is a static inline: what it does, with the device found as the
        // poll finds it (our napi_struct is in our device's private area) and its GRO node at
        // the offset the C side gives.
        // SAFETY: `self.0` is our napi_struct, `NAPI_OFFSET` bytes into our net_device; we own
        // `raw`, a filled skb, and set its protocol before ownership passes to the stack; the
        // GRO node is the napi_struct's, used inside its poll.
        unsafe {
            let dev = self.0.cast::<u8>().sub(NAPI_OFFSET).cast::<net_device>();
            let proto = raw.cast::<u8>().add(sys::RNET_SKB_PROTOCOL as usize);
            proto.cast::<u16>().write(sys::eth_type_trans(raw, dev));
            let gro = self.0.cast::<u8>().add(sys::RNET_GRO_IN_NAPI as usize);
            sys::gro_receive_skb(gro.cast(), raw);
        }
    }

    /// Reports the poll's work; returns true if NAPI is complete and interrupts may be
    /// re-enabled.
    #[inline]
    pub fn complete_done(&self, work_done: i32) -> bool {
        // SAFETY: inside this NAPI's poll.
        unsafe { sys::napi_complete_done(self.0, work_done) }
    }
}
