// SPDX-License-Identifier: GPL-2.0
//! debugfs files whose open pins the module: the driver's directory ([`DebugfsRoot`]) and a
//! device's directory with one read/write file ([`DebugfsDir`], [`SeqShow`]).

use kernel::alloc::flags::GFP_KERNEL;
use kernel::bindings;
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;
use kernel::sync::Arc;

use core::sync::atomic::{AtomicPtr, Ordering};

use super::sys;

/// The driver's debugfs directory (`/sys/kernel/debug/<driver>/`), which each card's directory
/// goes under. It exists from module init (before the PCI driver registers) to module exit
/// (after it unregisters): hold the [`DebugfsRoot`] in the module after the driver's
/// registration, so that it drops last.
///
/// Why not `kernel::debugfs`: its files' `file_operations` have no `.owner`, so an open file
/// does not pin the module, and closing it after `rmmod` reads the freed module's ops
/// (`full_proxy_release`). A [`DebugfsDir`]'s file is made in C with `.owner = THIS_MODULE`
/// (netdev/helpers.c): while it is open, `rmmod` says the module is in use.
static DEBUGFS_ROOT: AtomicPtr<bindings::dentry> = AtomicPtr::new(core::ptr::null_mut());

/// The [`DebugfsDir`]s that exist (counted before one looks the root up, uncounted after it
/// has removed its directory): the root is removed only while none does, so that no directory
/// is made in, or removed from, a root that is gone, whatever order a driver drops them in.
static DEBUGFS_DIRS: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// The driver's debugfs directory (`/sys/kernel/debug/<driver>/`), under which each
/// [`DebugfsDir`] is made. Owns [`DEBUGFS_ROOT`]: creates it, and removes it (with what is
/// left in it) when dropped.
///
/// One at a time (a second [`Self::create`] fails), held by the module after its driver
/// registration, so that every device is unbound (and its [`DebugfsDir`] dropped) before the
/// root goes. Dropped while a [`DebugfsDir`] still exists, the root is left in place (with a
/// warning) rather than removed under it.
///
/// # Examples
///
/// ```ignore
/// #[pin_data]
/// struct MyModule {
///     #[pin]
///     _driver: kernel::driver::Registration<netdev::PciPmAdapter<MyDriver>>,
///     _debugfs: netdev::DebugfsRoot, // dropped after `_driver`
/// }
///
/// // In `InPlaceModule::init`, before the driver registers:
/// let debugfs = netdev::DebugfsRoot::create(c"mydrv")?;
/// ```
pub struct DebugfsRoot(());

impl DebugfsRoot {
    /// Creates the root, from module init, before the driver registers. `EEXIST` if a root
    /// exists already.
    pub fn create(name: &CStr) -> Result<Self> {
        if !DEBUGFS_ROOT.load(Ordering::SeqCst).is_null() {
            return Err(EEXIST);
        }
        // SAFETY: `name` is a NUL-terminated string; a NULL parent is debugfs' own root. The
        // result may be an error pointer (no debugfs): the calls below accept one.
        let dir =
            unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), core::ptr::null_mut()) };
        if DEBUGFS_ROOT
            .compare_exchange(
                core::ptr::null_mut(),
                dir,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_err()
        {
            // SAFETY: made above and published nowhere: removed once, here.
            unsafe { bindings::debugfs_remove(dir) };
            return Err(EEXIST);
        }
        Ok(Self(()))
    }
}

impl Drop for DebugfsRoot {
    fn drop(&mut self) {
        // Unpublished first: a `DebugfsDir::create` that counts itself after the count is read
        // below finds no root (and makes its directory at debugfs' top level).
        let dir = DEBUGFS_ROOT.swap(core::ptr::null_mut(), Ordering::SeqCst);
        if DEBUGFS_DIRS.load(Ordering::SeqCst) != 0 {
            pr_warn!("debugfs root dropped before its device directories: left in place\n");
            return;
        }
        // SAFETY: `dir` came from `debugfs_create_dir` (or is an error pointer or NULL, which
        // `debugfs_remove` ignores), and is removed once: the swap took it. No `DebugfsDir`
        // exists, nor can one be made in it any more (unpublished above).
        unsafe { bindings::debugfs_remove(dir) };
    }
}

/// What a [`DebugfsDir`]'s file shows when read, and does when written.
///
/// Both may run on any CPU while the device's datapath writes the same state: `&self` only,
/// so the state is atomics or behind a lock.
///
/// # Examples
///
/// ```ignore
/// impl netdev::SeqShow for KVBox<StageStats> {
///     fn show(&self, m: &kernel::seq_file::SeqFile) {
///         m.call_printf(format_args!("{}", &**self));
///     }
///     fn write(&self) {
///         self.clear();
///     }
/// }
/// ```
pub trait SeqShow: Send + Sync + 'static {
    /// Writes the file's text (a `single_open` seq file: the whole text at each read).
    fn show(&self, m: &kernel::seq_file::SeqFile);
    /// A write of anything to the file (e.g. a reset).
    fn write(&self);
}

/// A device's debugfs directory, `<root>/<name>/`, with one file over `T` (read: [`SeqShow::show`];
/// write anything: [`SeqShow::write`]). Dropping it removes both, after any read or write in
/// progress has finished; then the `T` it kept alive may go.
///
/// # Examples
///
/// ```ignore
/// // In probe: /sys/kernel/debug/mydrv/0000:00:03.0/stage_stats, over the card's statistics.
/// let stats: Arc<KVBox<StageStats>> = Arc::new(netdev::kvzalloc()?, GFP_KERNEL)?;
/// let file = netdev::DebugfsDir::create(pdev.as_ref().name(), c"stage_stats", stats.clone())?;
/// // Kept in the driver data (dropped at unbind); `stats` goes to the datapath.
/// ```
///
/// # Invariants
///
/// `entry` is the file's private data, at a fixed address (boxed) and alive until `drop` has
/// removed the file; its `data` is `Arc::as_ptr` of `_data`, alive as long as `self`.
pub struct DebugfsDir<T: SeqShow> {
    dir: AtomicPtr<bindings::dentry>,
    _entry: KBox<sys::rnet_seq_file>,
    _data: Arc<T>,
}

// SAFETY: the entry is only read, by the file's readers and writers on any CPU, and points to
// a `T`, which is `Send + Sync` (`SeqShow`); the directory pointer is only used by `drop`.
unsafe impl<T: SeqShow> Send for DebugfsDir<T> {}
// SAFETY: `&DebugfsDir` gives access to nothing.
unsafe impl<T: SeqShow> Sync for DebugfsDir<T> {}

impl<T: SeqShow> DebugfsDir<T> {
    /// Creates `<root>/<name>/<file>` (mode 0644) over `data`. Without debugfs (or the root),
    /// nothing is made and nothing fails: debugfs is never a reason for a probe to fail.
    pub fn create(name: &CStr, file: &'static CStr, data: Arc<T>) -> Result<Self> {
        let entry = KBox::new(
            sys::rnet_seq_file {
                show: Some(Self::show),
                write: Some(Self::write),
                data: Arc::as_ptr(&data).cast(),
            },
            GFP_KERNEL,
        )?;
        // Counted before the root is looked up: from here the root is not removed.
        DEBUGFS_DIRS.fetch_add(1, Ordering::SeqCst);
        let root = DEBUGFS_ROOT.load(Ordering::SeqCst);
        // SAFETY: `name` is a NUL-terminated string; `root` is the driver's directory, which
        // is not removed while this `DebugfsDir` is counted (`DebugfsRoot::drop`), or NULL (no
        // root: debugfs' top level), or an error pointer, which `debugfs_create_dir` returns
        // as is.
        let dir = unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), root) };
        // SAFETY: `dir` as above (an error pointer makes no file); `file` is 'static; the file's
        // data is `entry`, which lives (boxed, not moved) until `drop` has removed the file.
        unsafe { sys::rnet_debugfs_seq_file(dir, file.as_char_ptr(), &*entry) };
        // INVARIANT: `entry.data` is `data`'s, both kept in `self`.
        Ok(Self {
            dir: AtomicPtr::new(dir),
            _entry: entry,
            _data: data,
        })
    }

    /// The file's `show` (netdev/helpers.c calls it from its `single_open` seq show).
    ///
    /// # Safety
    ///
    /// `m` is the seq file of a read in progress on the file; `data` its entry's data: a `T`
    /// kept alive by the `DebugfsDir`, whose drop waits for the read (`debugfs_remove`).
    unsafe extern "C" fn show(m: *mut bindings::seq_file, data: *const c_void) -> c_int {
        // SAFETY: the function's contract.
        let (m, t) = unsafe { (kernel::seq_file::SeqFile::from_raw(m), &*data.cast::<T>()) };
        t.show(m);
        0
    }

    /// The file's `write`.
    ///
    /// # Safety
    ///
    /// As [`Self::show`], inside a write.
    unsafe extern "C" fn write(data: *const c_void) {
        // SAFETY: the function's contract.
        unsafe { &*data.cast::<T>() }.write();
    }
}

impl<T: SeqShow> Drop for DebugfsDir<T> {
    fn drop(&mut self) {
        // SAFETY: the directory `create` made, removed once, in a root that is still there
        // (this `DebugfsDir` is counted); `debugfs_remove` waits for the file's readers and
        // writers in progress, so none touches the data after it.
        unsafe { bindings::debugfs_remove(*self.dir.get_mut()) };
        DEBUGFS_DIRS.fetch_sub(1, Ordering::SeqCst);
    }
}
