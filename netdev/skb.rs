// SPDX-License-Identifier: GPL-2.0
//! Socket buffers: one to transmit ([`SkBuff`], owned, freed once in any context) and one
//! being received ([`RxSkb`]).

use kernel::bindings::sk_buff;
use kernel::ffi::c_uint;

use super::sys;

/// An owned socket buffer to transmit, as [`NetDevOps::start_xmit`] gets it. Dropping it frees
/// it as a drop (`dev_kfree_skb_any`); [`SkBuff::consume`] frees it as sent
/// (`dev_consume_skb_any`). Either way it is freed exactly once, with the variant that is valid
/// in any context.
///
/// # Examples
///
/// `start_xmit` copies the frame to the card and consumes it, drops it (a frame it cannot
/// read), or gives it back to be requeued when the card has no room:
///
/// ```ignore
/// fn start_xmit<'c>(&self, dev: &NetDev, mut skb: SkBuff<'c>) -> NetdevTx<'c> {
///     let Some(frame) = skb.data() else {
///         return NetdevTx::Ok; // could not linearise: `skb` is dropped (kfree_skb)
///     };
///     match self.card.send(frame) {
///         Sent::Queued => {
///             skb.consume();
///             NetdevTx::Ok
///         }
///         Sent::NoRoom => {
///             dev.stop_queue();
///             NetdevTx::Busy(skb)
///         }
///     }
/// }
/// ```
///
/// # Invariants
///
/// `self.0` is an skb the core handed to `ndo_start_xmit`, owned by this value alone: the
/// callback either frees it (drop or [`SkBuff::consume`], then returns `NETDEV_TX_OK`) or
/// gives it back to the core unfreed with [`NetdevTx::Busy`] ([`Tables`]' `start_xmit` forgets
/// it and returns `NETDEV_TX_BUSY`). `'call` is that one call of `start_xmit`: invariant, and
/// fresh at every call (the callback is generic over it), so the skb the callback hands back
/// in `Busy` can only be the one it was given: it cannot be kept for a later call, nor one
/// from an earlier call returned in its place (the core would requeue a freed skb).
pub struct SkBuff<'call>(
    pub(super) *mut sk_buff,
    pub(super) core::marker::PhantomData<fn(&'call ()) -> &'call ()>,
);

impl SkBuff<'_> {
    /// The frame as one linear byte slice (linearising a fragmented skb), or `None` if that
    /// needed memory that was not there.
    #[inline]
    pub fn data(&mut self) -> Option<&[u8]> {
        // SAFETY: we own the skb (type invariant); reading its fields races with nothing.
        let (data_len, data, len) = unsafe { ((*self.0).data_len, (*self.0).data, (*self.0).len) };
        if data_len == 0 {
            // Linear already (skb_is_nonlinear() is false): what nearly every frame is.
            // SAFETY: a linear skb's `len` bytes at `data` are its frame, valid until the skb
            // is modified or freed, which the borrow of `self` prevents.
            return Some(unsafe { core::slice::from_raw_parts(data, len as usize) });
        }
        let mut len: c_uint = 0;
        // SAFETY: we own the skb; the returned pointer is valid for `len` bytes until the skb
        // is modified or freed, which the borrow of `self` prevents.
        let p = unsafe { sys::rnet_skb_linear_data(self.0, &mut len) };
        if p.is_null() {
            return None;
        }
        // SAFETY: see above.
        Some(unsafe { core::slice::from_raw_parts(p, len as usize) })
    }

    /// Frees the skb as successfully transmitted.
    #[inline]
    pub fn consume(self) {
        let raw = self.0;
        core::mem::forget(self);
        // SAFETY: we own `raw` and give it up here, once.
        unsafe { sys::dev_kfree_skb_any_reason(raw, sys::RNET_SKB_CONSUMED) }
    }
}

impl Drop for SkBuff<'_> {
    fn drop(&mut self) {
        // SAFETY: we own the skb and free it once.
        unsafe { sys::rnet_kfree_skb(self.0) }
    }
}

/// Bytes of room a receive buffer has after its frame ([`RxSkb::buf`], [`RxPage::buf`]): a
/// copy by 32-bit words (`insl`) can write the frame's last word whole, with no bounce buffer
/// and no byte-wise tail, as `ne2k_pci_block_input` does into its skb's tailroom.
pub const RX_SLACK: usize = 3;

/// A receive skb of a fixed length, to be filled and handed to GRO. Dropping it frees it.
///
/// Made by [`Napi::alloc_skb`] (the frame's length, [`RX_SLACK`] bytes of room after it);
/// handed to the stack by [`Napi::gro_receive`]. (An skb an XDP program passed is an
/// [`XdpPassSkb`]: it lends no bytes.)
///
/// # Examples
///
/// ```ignore
/// let Some(mut skb) = napi.alloc_skb(len) else {
///     return Err(ENOMEM); // counted as a receive drop
/// };
/// let buf: &mut [MaybeUninit<u8>] = skb.buf(); // `len + RX_SLACK` bytes
/// card.read_frame(&mut buf[..len]);
/// napi.gro_receive(skb);
/// ```
///
/// # Invariants
///
/// `skb` is owned; `data` points to `len` bytes of its linear data (`skb_put`: not cleared,
/// so possibly uninitialised until filled) followed by at least [`RX_SLACK`] bytes of its
/// tailroom, which nothing else references.
pub struct RxSkb {
    pub(super) skb: *mut sk_buff,
    pub(super) data: *mut u8,
    pub(super) len: usize,
}

impl RxSkb {
    /// The frame's bytes, to fill, and [`RX_SLACK`] bytes of tailroom after them (possibly
    /// uninitialised: the type says so, and only writes can be made through it without
    /// `unsafe`). What is written past the frame stays tailroom: `skb->len` is the frame's.
    #[inline]
    pub fn buf(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        // SAFETY: by the type invariant `data` is valid and ours for `len + RX_SLACK` bytes
        // (`MaybeUninit` asks nothing of their contents); the borrow of `self` keeps the skb
        // alive and unshared.
        unsafe { core::slice::from_raw_parts_mut(self.data.cast(), self.len + RX_SLACK) }
    }
}

impl Drop for RxSkb {
    fn drop(&mut self) {
        // SAFETY: we own the skb and free it once.
        unsafe { sys::rnet_kfree_skb(self.skb) }
    }
}

/// An skb built around the page an XDP program passed (`XDP_PASS`, [`XdpVerdict::Pass`]),
/// complete as the program left it: it can only go to the stack ([`Napi::gro_receive_passed`])
/// or be freed (dropped). Unlike [`RxSkb`] it lends no bytes: a tail the program grew may end
/// where the skb's shared info begins.
///
/// # Examples
///
/// ```ignore
/// if let XdpVerdict::Pass(skb) = napi.run_xdp(dev, &prog, page) {
///     napi.gro_receive_passed(skb);
/// }
/// ```
///
/// # Invariants
///
/// `self.0` is an skb built around the page, owned by this value alone.
pub struct XdpPassSkb(pub(super) *mut sk_buff);

impl Drop for XdpPassSkb {
    fn drop(&mut self) {
        // SAFETY: we own the skb and free it once.
        unsafe { sys::rnet_kfree_skb(self.0) }
    }
}
