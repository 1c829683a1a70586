#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ne2k-rs's own driver selftest: XDP head and tail adjustment on single buffers.

The kernel's xdp.py tests bpf_xdp_adjust_head/_tail only with its multi-buffer program, which
first sets MTU 9000 on both ends: on a 10 Mbit/s NE2000 (max_mtu 1500) that command fails
before any frame moves. This test runs the same checks, with the kernel's own helpers and
BPF program (xdp_native.bpf.o), through its single-buffer entry point (section "xdp") at MTU
1500, with the payload sizes that fit one frame (512 and 1024 bytes of the kernel's 512, 1024,
2048) and the kernel's offsets. As in xdp.py, a case passes when at least its first size and
offset work; where a larger offset stops working it says so (e.g. growing the head by 256
bytes needs more than XDP_PACKET_HEADROOM minus the xdp_frame the kernel keeps there).

Run by scripts/guest/selftests.sh with the HW-mode environment (NETIF, LOCAL_V4/V6,
REMOTE_V4/V6, REMOTE_TYPE=netns, REMOTE_ARGS) and SELFTESTS_DIR (the installed selftests).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.environ["SELFTESTS_DIR"], "drivers/net"))

import xdp as kx  # noqa: E402  (the kernel's drivers/net/xdp.py, as a library)
from lib.py import ksft_run, ksft_exit, ksft_variants, KsftSkipEx  # noqa: E402
from lib.py import EthtoolFamily, NetdevFamily, NetDrvEpEnv  # noqa: E402

SIZES = [512, 1024]
_kernel_prog_info = kx.BPFProgInfo


def _single_buffer(name, file, xdp_sec, mtu=1500):
    """xdp.py's program choice, made single-buffer: the "xdp" section at MTU 1500."""
    del name, xdp_sec, mtu
    return _kernel_prog_info("xdp_prog", file, "xdp", 1500)


kx.BPFProgInfo = _single_buffer


def _need_native(cfg):
    """The programs are attached natively (xdp.py's way); a driver without native XDP (the C
    ne2k-pci) skips, as ping.py's native cases do, instead of failing at the attach."""
    feats = cfg.netnl.dev_get({"ifindex": cfg.ifindex}).get("xdp-features", ())
    if "basic" not in feats:
        raise KsftSkipEx("device does not support native-XDP")


def _tail(cfg, ipver, offsets):
    _need_native(cfg)
    kx._set_ipver_defer_restore(cfg, ipver)
    res = kx._test_xdp_native_tail_adjst(cfg, SIZES, offsets)
    kx._validate_res(res, offsets, SIZES)


def _head(cfg, ipver, offsets):
    _need_native(cfg)
    kx._set_ipver_defer_restore(cfg, ipver)
    res = kx._test_xdp_native_head_adjst(cfg, "xdp_prog", SIZES, offsets)
    kx._validate_res(res, offsets, SIZES)


@ksft_variants(kx._ipvers)
def tail_grow_data(cfg, ipver):
    _tail(cfg, ipver, [1, 16, 32, 64, 128, 256])


@ksft_variants(kx._ipvers)
def tail_shrnk_data(cfg, ipver):
    _tail(cfg, ipver, [-16, -32, -64, -128, -256])


@ksft_variants(kx._ipvers)
def head_grow_data(cfg, ipver):
    _head(cfg, ipver, [-16, -32, -64, -128, -256])


@ksft_variants(kx._ipvers)
def head_shrnk_data(cfg, ipver):
    _head(cfg, ipver, [16, 32, 64, 128, 256])


def main():
    with NetDrvEpEnv(kx.__file__) as cfg:
        cfg.ethnl = EthtoolFamily()
        cfg.netnl = NetdevFamily()
        ksft_run([tail_grow_data, tail_shrnk_data, head_grow_data, head_shrnk_data],
                 args=(cfg,))
    ksft_exit()


if __name__ == "__main__":
    main()
