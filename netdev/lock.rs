// SPDX-License-Identifier: GPL-2.0
//! The chip-lock discipline of a NIC driver: a `spinlock_t` lock taken with bottom halves off
//! (interrupts on), plainly where they are already off, and tried from the hard IRQ.

use kernel::bindings;
use kernel::ffi::c_char;

use super::sys;

/// The lock backend of the chip lock: a `spinlock_t` taken with bottom halves off and
/// interrupts on (`spin_lock_bh`), or plainly where interrupts are already off (netpoll, which
/// calls the driver with interrupts disabled: `spin_unlock_bh` would warn there). `try_lock` is
/// a plain `spin_trylock`, for the hard IRQ handler, the one context that must not spin (and,
/// a trylock, not counted by lockdep as a hard-IRQ use). See ne2k_rs's `datapath.rs` for why
/// the lock keeps interrupts on.
///
/// A driver does not name it: it uses [`BhSpinLock`], whose `lock`, `try_lock` and guard
/// come from `kernel::sync::lock::Lock`.
///
/// # Examples
///
/// ```ignore
/// // Process context (open, ethtool): `spin_lock_bh`, released with `spin_unlock_bh`; with
/// // interrupts off (netpoll) the same call is a plain `spin_lock`.
/// let mut st = lock.lock();
/// st.reset()?;
/// drop(st);
///
/// // A holder's release taking over a deferred interrupt: `spin_trylock_bh` (or plain).
/// if let Some(st) = lock.try_lock() {
///     // ...
/// }
/// ```
pub struct BhSpinLockBackend;

/// A `spinlock_t` lock with the [`BhSpinLockBackend`] discipline, for state shared by process
/// context, softirq (the NAPI poll) and the hard IRQ handler, with interrupts left on: `lock`
/// in process context, [`lock_bh_off`] where bottom halves are off already, and
/// [`try_lock_irq_off`] in the hard IRQ handler.
///
/// # Examples
///
/// ```ignore
/// let lock: Pin<KBox<BhSpinLock<Chip>>> = KBox::pin_init(
///     BhSpinLock::new(Chip::new(bus), c"mydrv_chip", kernel::static_lock_class!()),
///     GFP_KERNEL,
/// )?;
///
/// lock.lock().set_filter(promisc); // process context
/// netdev::lock_bh_off(&*lock).receive(napi, budget); // the NAPI poll (softirq)
/// if let Some(mut chip) = netdev::try_lock_irq_off(&*lock) {
///     chip.ack(); // the hard IRQ handler
/// }
/// ```
pub type BhSpinLock<T> = kernel::sync::lock::Lock<T, BhSpinLockBackend>;
/// Its guard: the lock is held while it lives, and released on drop the way it was taken.
///
/// # Examples
///
/// ```ignore
/// impl<'b> ChipLock for ChipLockBox<'b> {
///     type Guard<'a>
///         = BhSpinLockGuard<'a, ChipState<PortBus<'b>>>
///     where
///         Self: 'a;
///
///     fn lock(&self) -> Self::Guard<'_> {
///         self.lock.as_ref().get_ref().lock()
///     }
/// }
/// ```
pub type BhSpinLockGuard<'a, T> = kernel::sync::lock::Guard<'a, T, BhSpinLockBackend>;

// SAFETY: `spinlock_t` gives mutual exclusion; every acquisition is released by the matching
// call: `GuardState` records whether `lock` disabled bottom halves.
unsafe impl kernel::sync::lock::Backend for BhSpinLockBackend {
    type State = bindings::spinlock_t;
    /// Bottom halves were disabled by the acquisition (and are enabled by the release).
    type GuardState = bool;

    /// `spin_lock_init`.
    ///
    /// # Safety
    ///
    /// [`Backend::init`](kernel::sync::lock::Backend::init)'s: `ptr` is valid for writes for
    /// the call; `name` and `key` stay valid for reads forever.
    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: the caller passes a pointer valid for writes and a name and key that live
        // forever.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    /// `spin_lock_bh`, or `spin_lock` where interrupts are off; returns which (true: bottom
    /// halves were turned off).
    ///
    /// # Safety
    ///
    /// `ptr` is a spinlock initialised by [`Self::init`].
    unsafe fn lock(ptr: *mut Self::State) -> bool {
        // SAFETY: `rnet_irqs_disabled` only reads the CPU's interrupt flag.
        if unsafe { sys::rnet_irqs_disabled() } {
            // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
            unsafe { bindings::spin_lock(ptr) };
            false
        } else {
            // SAFETY: as above.
            unsafe { sys::rnet_spin_lock_bh(ptr) };
            true
        }
    }

    /// `spin_trylock_bh`, or `spin_trylock` where interrupts are off.
    ///
    /// # Safety
    ///
    /// `ptr` is a spinlock initialised by [`Self::init`].
    unsafe fn try_lock(ptr: *mut Self::State) -> Option<bool> {
        // The same discipline as `lock`: the hard IRQ (interrupts off) tries it plainly; a
        // lock holder's release that takes a deferred interrupt (process or softirq context)
        // turns bottom halves off with it, or a NAPI poll on this CPU could spin on it.
        // SAFETY: `rnet_irqs_disabled` only reads the CPU's interrupt flag.
        if unsafe { sys::rnet_irqs_disabled() } {
            // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
            (unsafe { bindings::spin_trylock(ptr) } != 0).then_some(false)
        } else {
            // SAFETY: as above.
            unsafe { sys::rnet_spin_trylock_bh(ptr) }.then_some(true)
        }
    }

    /// `spin_unlock_bh` or `spin_unlock`, as the acquisition recorded in `bh`.
    ///
    /// # Safety
    ///
    /// The caller owns the lock, and `bh` is the state its acquisition returned.
    unsafe fn unlock(ptr: *mut Self::State, bh: &bool) {
        // SAFETY: the caller owns the lock, taken by `lock` or `try_lock`, which set `bh`.
        unsafe {
            if *bh {
                sys::rnet_spin_unlock_bh(ptr)
            } else {
                bindings::spin_unlock(ptr)
            }
        }
    }

    /// `spin_assert_is_held` (lockdep only).
    ///
    /// # Safety
    ///
    /// `ptr` is a spinlock initialised by [`Self::init`].
    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // spin_assert_is_held() is lockdep's; without lockdep it is empty, and the call into
        // its C helper (every guard's construction makes it) would be for nothing.
        #[cfg(CONFIG_LOCKDEP)]
        // SAFETY: the caller guarantees `ptr` is an initialised spinlock.
        unsafe {
            bindings::spin_assert_is_held(ptr)
        }
        #[cfg(not(CONFIG_LOCKDEP))]
        let _ = ptr;
    }
}

/// Takes `lock` plainly (`spin_lock`), where bottom halves or interrupts are already off: a
/// softirq (the NAPI poll, the TX watchdog, another device's poll calling `ndo_xdp_xmit`),
/// `ndo_start_xmit` (the core calls it with BHs off), netpoll (interrupts off). There the
/// backend's `spin_lock_bh` would only nest a `local_bh_disable`, and its release would look
/// for pending softirqs for nothing. Called with bottom halves on, a softirq on this CPU
/// could spin on the lock under its holder: a deadlock, which is why the datapath calls it
/// only from those contexts.
///
/// # Examples
///
/// ```ignore
/// fn lock_bh_off(&self) -> Self::Guard<'_> {
///     netdev::lock_bh_off(self.lock.as_ref().get_ref())
/// }
/// ```
#[inline(always)]
pub fn lock_bh_off<T>(lock: &BhSpinLock<T>) -> BhSpinLockGuard<'_, T> {
    let ptr = raw_spinlock(lock);
    // SAFETY: `ptr` is the lock's `spinlock_t`, initialised by `Lock::new` (the `Lock` exists),
    // and interior-mutable (`Opaque`), so the C side may write it through a shared reference.
    unsafe { bindings::spin_lock(ptr) };
    // SAFETY: the lock was just acquired; `false` records that bottom halves were not turned
    // off by it, so the guard's release is a plain `spin_unlock` (`BhSpinLockBackend::unlock`).
    unsafe { kernel::sync::lock::Guard::new(lock, false) }
}

/// The `spinlock_t` of `lock`: `Lock` is `#[repr(C)]` with its `Opaque<spinlock_t>` state as the
/// first field (Linux 7.3's rust/kernel/sync/lock.rs, which `Lock::from_raw` relies on too; a
/// kernel crate that changed that layout would have to change `from_raw` as well).
#[inline(always)]
fn raw_spinlock<T>(lock: &BhSpinLock<T>) -> *mut bindings::spinlock_t {
    core::ptr::from_ref(lock)
        .cast::<bindings::spinlock_t>()
        .cast_mut()
}

/// Tries `lock` plainly (`spin_trylock`) where interrupts are off: the hard IRQ handler. Never
/// spins.
///
/// # Examples
///
/// ```ignore
/// let Some(chip) = netdev::try_lock_irq_off(&*self.lock) else {
///     self.line.disable_nosync(); // the holder handles it on release
///     return IrqReturn::Handled;
/// };
/// ```
#[inline(always)]
pub fn try_lock_irq_off<T>(lock: &BhSpinLock<T>) -> Option<BhSpinLockGuard<'_, T>> {
    let ptr = raw_spinlock(lock);
    // SAFETY: `ptr` is the lock's initialised, interior-mutable `spinlock_t` (see `lock_bh_off`).
    if unsafe { bindings::spin_trylock(ptr) } == 0 {
        return None;
    }
    // SAFETY: the lock was just acquired, plainly (`false`: a plain `spin_unlock` releases it).
    Some(unsafe { kernel::sync::lock::Guard::new(lock, false) })
}

/// Whether interrupts are off on this CPU (`irqs_disabled()`). With a lock whose holders keep
/// interrupts on, such a caller (netpoll: netconsole's transmit and poll) may have interrupted
/// a holder on its own CPU: it must only try the lock.
///
/// # Examples
///
/// ```ignore
/// let guard = match try_lock_irq_off(&lock) {
///     Some(g) => g,
///     None if irqs_disabled() => return NetdevTx::Busy(skb), // netpoll: retried later
///     None => lock_bh_off(&lock),
/// };
/// ```
#[inline]
pub fn irqs_disabled() -> bool {
    // SAFETY: `rnet_irqs_disabled` only reads the CPU's interrupt flag.
    unsafe { sys::rnet_irqs_disabled() }
}
