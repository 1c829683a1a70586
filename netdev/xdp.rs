// SPDX-License-Identifier: GPL-2.0
//! Native XDP on a single-buffer receive path: a page per frame ([`RxPage`]), the attached
//! program ([`XdpProg`]), its verdict carried out ([`XdpVerdict`]).

use kernel::alloc::flags::GFP_ATOMIC;
use kernel::bindings;
use kernel::error::to_result;
use kernel::page::{Page, PAGE_SIZE};
use kernel::prelude::*;

use core::sync::atomic::Ordering;

use super::sys;
use super::*;

/// Headroom before a frame in its receive page (`XDP_PACKET_HEADROOM`): room for a program to
/// grow the head (`bpf_xdp_adjust_head`).
pub const XDP_HEADROOM: usize = bindings::XDP_PACKET_HEADROOM as usize;

/// A receive buffer for a device with an XDP program: a whole page, the frame at
/// [`XDP_HEADROOM`], the tail of the page left for the program to grow into and for the
/// `skb_shared_info` of the skb built around it. Dropping it frees the page.
///
/// The receive buffer of a poll that found an XDP program attached ([`NetDev::xdp_prog`]):
/// filled from the card like an [`RxSkb`], then given to [`Napi::run_xdp`].
///
/// # Examples
///
/// ```ignore
/// let Some(mut page) = RxPage::alloc(len) else {
///     return None; // counted as a receive drop
/// };
/// card.read_frame(&mut page.buf()[..len]);
/// match napi.run_xdp(dev, &prog, page) {
///     XdpVerdict::Pass(skb) => napi.gro_receive_passed(skb),
///     XdpVerdict::Tx(frame) => self.send_back(frame),
///     _ => {} // dropped, redirected or aborted: the page is no longer ours
/// }
/// ```
///
/// # Invariants
///
/// `addr` is the kernel address of `_page`, a page owned by this value. As a receive buffer
/// (from [`RxPage::alloc`] to [`Napi::run_xdp`]) its first [`XDP_HEADROOM`] bytes are zero and
/// `XDP_HEADROOM + len` is at most half a page, so `len + RX_SLACK` bytes after the headroom
/// are inside it; inside an [`XdpTxFrame`], `len` is the frame's length as the program left
/// it (see there).
pub struct RxPage {
    /// Owned for its `Drop` (which frees it); the frame is reached through `addr`.
    _page: Page,
    /// The page's kernel address.
    addr: *mut u8,
    len: usize,
}

impl RxPage {
    /// A page for a `len`-byte frame (GFP_ATOMIC), or `None`.
    pub fn alloc(len: usize) -> Option<Self> {
        // A frame is at most 1518 bytes: with the headroom and the skb's tail it fits a page.
        if XDP_HEADROOM + len > PAGE_SIZE / 2 {
            return None;
        }
        let page = Page::alloc_page(GFP_ATOMIC).ok()?;
        // SAFETY: a page we own; order-0 pages are in the kernel's direct map.
        let addr = unsafe { sys::rnet_page_address(page.as_ptr()) }.cast::<u8>();
        // The headroom is cleared: a program that grows the head (bpf_xdp_adjust_head) and
        // sends the frame must not put old kernel memory on the wire. (A grown tail is cleared
        // by the kernel; the frame itself is written by the copy from the card.)
        // SAFETY: the first `XDP_HEADROOM` bytes of the page we own.
        unsafe { core::ptr::write_bytes(addr, 0, XDP_HEADROOM) };
        Some(Self {
            _page: page,
            addr,
            len,
        })
    }

    /// The frame's bytes, to fill, and [`RX_SLACK`] bytes of room after them (uninitialised: a
    /// fresh page).
    #[inline]
    pub fn buf(&mut self) -> &mut [core::mem::MaybeUninit<u8>] {
        // SAFETY: `len + RX_SLACK` bytes at the headroom lie within the page we own (`alloc`
        // keeps the frame to half a page);
        // the borrow of `self` keeps it ours and alive.
        unsafe {
            core::slice::from_raw_parts_mut(self.addr.add(XDP_HEADROOM).cast(), self.len + RX_SLACK)
        }
    }
}

/// A frame an XDP program returned `XDP_TX` for: its page, where the program left it.
/// Dropping it frees the page (the driver sends a copy of [`Self::bytes`]).
///
/// # Examples
///
/// ```ignore
/// if let XdpVerdict::Tx(frame) = napi.run_xdp(dev, &prog, page) {
///     let sent = netdev::lock_bh_off(&*self.chip).send(frame.bytes()); // copied to the card
///     stats.count_xdp_tx(sent);
///     // `frame` is dropped here: its page is freed
/// }
/// ```
///
/// # Invariants
///
/// `page.len` bytes at offset `off` of `page` are the frame as the program left it: inside the
/// page (the verifier and the helpers keep a program inside its buffer) and initialised (by
/// the copy from the card, the zeroed headroom, or the kernel, which clears a grown tail).
pub struct XdpTxFrame {
    page: RxPage,
    off: usize,
}

impl XdpTxFrame {
    /// The frame's bytes, as the program left them.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `off..off + len` is the frame inside our page (what the program left, which
        // the verifier keeps inside the buffer); initialised by the copy from the card or by
        // the program.
        unsafe { core::slice::from_raw_parts(self.page.addr.add(self.off), self.page.len) }
    }
}

/// The XDP program attached to a device, as a poll read it ([`NetDev::xdp_prog`]).
///
/// # Invariants
///
/// A program the device holds a reference on, read inside a NAPI poll: `bpf_prog_put` on a
/// replaced program frees it only after an RCU grace period, and a poll runs in softirq, an
/// RCU read-side section; `'a` is the poll's borrow of the device.
///
/// # Examples
///
/// The poll reads it once, and picks the receive path by it:
///
/// ```ignore
/// fn poll(&self, dev: &NetDev, napi: &Napi, budget: i32) -> i32 {
///     match dev.xdp_prog(napi) {
///         None => self.receive_skbs(dev, napi, budget),
///         Some(prog) => self.receive_pages(dev, napi, &prog, budget),
///     }
/// }
/// ```
pub struct XdpProg<'a>(
    *mut bindings::bpf_prog,
    core::marker::PhantomData<&'a NetDev>,
);

/// What an XDP program decided for a frame, and what became of it ([`Napi::run_xdp`]).
///
/// # Examples
///
/// ```ignore
/// match napi.run_xdp(dev, &prog, page) {
///     XdpVerdict::Pass(skb) => napi.gro_receive_passed(skb),
///     XdpVerdict::Tx(frame) => return Some(frame), // the caller sends it back out
///     XdpVerdict::Redirect => redirected = true,   // napi.xdp_flush() before the poll ends
///     XdpVerdict::PassNoMem
///     | XdpVerdict::Drop
///     | XdpVerdict::RedirectFailed
///     | XdpVerdict::Aborted => stats.dropped += 1,
/// }
/// ```
pub enum XdpVerdict {
    /// `XDP_PASS`: an skb built around the page, for the stack.
    Pass(XdpPassSkb),
    /// `XDP_PASS`, but no skb could be had: dropped.
    PassNoMem,
    /// `XDP_DROP`: the page is freed.
    Drop,
    /// `XDP_TX`: to send back out through this device.
    Tx(XdpTxFrame),
    /// `XDP_REDIRECT`, handed to its target (flush with [`Napi::xdp_flush`]).
    Redirect,
    /// `XDP_REDIRECT` refused by its target: dropped.
    RedirectFailed,
    /// `XDP_ABORTED`, or an action the program may not return: dropped (traced).
    Aborted,
}

impl NetDev {
    /// The attached XDP program, if any.
    pub fn xdp_prog<'a>(&'a self, _napi: &'a Napi) -> Option<XdpProg<'a>> {
        let off = sys::RNET_PRIV_OFFSET as usize + sys::RNET_XDP_PROG_IN_PRIV as usize;
        // SAFETY: our device (the `NetDev` invariant): the field is an aligned pointer in its
        // private area, live as long as the device.
        let field = unsafe {
            self.0
                .cast::<u8>()
                .add(off)
                .cast::<*mut bindings::bpf_prog>()
        };
        // SAFETY: `field` is valid and aligned for the device's life; the C side swaps it with
        // `xchg` (an atomic access) under RTNL, so every access to it is atomic: C's READ_ONCE.
        let p = unsafe { core::sync::atomic::AtomicPtr::from_ptr(field) }.load(Ordering::Relaxed);
        // INVARIANT: read in a poll (the `Napi` borrow), the device holding its reference.
        (!p.is_null()).then_some(XdpProg(p, core::marker::PhantomData))
    }

    /// Registers the receive queue's XDP information (open, before NAPI runs).
    pub fn xdp_rxq_register(&self) -> Result {
        // SAFETY: our device.
        to_result(unsafe { sys::rnet_xdp_rxq_reg(self.0) })
    }

    /// Unregisters it (stop, NAPI disabled); nothing if it is not registered.
    pub fn xdp_rxq_unregister(&self) {
        // SAFETY: our device.
        unsafe { sys::rnet_xdp_rxq_unreg(self.0) }
    }
}

impl Napi {
    /// Runs `prog` on the frame in `page` and carries out its decision, except `XDP_TX`, which
    /// is the caller's to send.
    pub fn run_xdp(&self, dev: &NetDev, prog: &XdpProg<'_>, page: RxPage) -> XdpVerdict {
        let mut xdp = core::mem::MaybeUninit::<sys::xdp_buff>::uninit();
        let xdp = xdp.as_mut_ptr();
        // SAFETY: `xdp` is ours to initialise (the shim does, before the program runs); the
        // page holds the frame at the headroom (`RxPage`); the program is alive for the poll
        // (`XdpProg`); our device.
        let act = unsafe {
            sys::rnet_xdp_run(
                prog.0,
                xdp,
                dev.0,
                page.addr.cast(),
                XDP_HEADROOM as u32,
                page.len as u32,
            )
        };
        let (mut off, mut len) = (0u32, 0u32);
        // SAFETY: `xdp` was initialised by the run.
        unsafe { sys::rnet_xdp_frame(xdp, &mut off, &mut len) };
        match act {
            bindings::xdp_action_XDP_PASS => {
                // SAFETY: a page we own, holding the frame at `off`, `len` long.
                let skb = unsafe { sys::rnet_xdp_build_skb(page.addr.cast(), off, len) };
                if skb.is_null() {
                    return XdpVerdict::PassNoMem;
                }
                // The page is the skb's head now: the skb frees it.
                core::mem::forget(page);
                // INVARIANT: the skb built around the page, ours.
                XdpVerdict::Pass(XdpPassSkb(skb))
            }
            bindings::xdp_action_XDP_DROP => XdpVerdict::Drop,
            bindings::xdp_action_XDP_TX => {
                let mut page = page;
                page.len = len as usize;
                XdpVerdict::Tx(XdpTxFrame {
                    page,
                    off: off as usize,
                })
            }
            bindings::xdp_action_XDP_REDIRECT => {
                // SAFETY: inside the poll, with the buffer the program ran on and the program.
                if unsafe { sys::xdp_do_redirect(dev.0, xdp, prog.0) } == 0 {
                    // The target owns the page now (it returns it with put_page).
                    core::mem::forget(page);
                    XdpVerdict::Redirect
                } else {
                    XdpVerdict::RedirectFailed
                }
            }
            act => {
                if act != bindings::xdp_action_XDP_ABORTED {
                    // SAFETY: our device and the running program.
                    unsafe { sys::bpf_warn_invalid_xdp_action(dev.0, prog.0, act) };
                }
                // SAFETY: as above.
                unsafe { sys::rnet_trace_xdp_exception(dev.0, prog.0, act) };
                XdpVerdict::Aborted
            }
        }
    }

    /// Ends the poll's redirects (`xdp_do_flush`): the targets send what they were given.
    pub fn xdp_flush(&self) {
        // SAFETY: inside this NAPI's poll.
        unsafe { sys::xdp_do_flush() }
    }
}

/// `ndo_xdp_xmit`'s one flag (net/xdp.h): the batch ends here. Every frame is sent (or refused)
/// as it comes, so there is nothing to flush.
pub(super) const XDP_XMIT_FLUSH: u32 = 1;

/// `NETDEV_XDP_ACT_BASIC`: XDP_PASS, XDP_DROP, XDP_ABORTED and XDP_TX.
pub const XDP_ACT_BASIC: u32 = sys::netdev_xdp_act_NETDEV_XDP_ACT_BASIC;
/// `NETDEV_XDP_ACT_REDIRECT`: XDP_REDIRECT.
pub const XDP_ACT_REDIRECT: u32 = sys::netdev_xdp_act_NETDEV_XDP_ACT_REDIRECT;
/// `NETDEV_XDP_ACT_NDO_XMIT`: frames redirected to the device (`ndo_xdp_xmit`).
pub const XDP_ACT_NDO_XMIT: u32 = sys::netdev_xdp_act_NETDEV_XDP_ACT_NDO_XMIT;
