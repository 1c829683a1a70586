#!/bin/bash
# /init of the Bochs guest (scripts/bochs/rootfs.sh). The per-run cpio that
# scripts/bochs/boot.sh adds holds /run/ne2k/out (the host's OUT path), the repo's guest
# scripts at the host's REPO path and $OUT/.env, $OUT/.args as the QEMU runner writes them.
# Runs scripts/guest-init.sh (the same as under QEMU) with its output streamed to Bochs'
# port-0xE9 console, then sends $OUT back the same way (tar | gzip | base64 between markers)
# and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd   # bash's process substitution
ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
hostname bochs
ip link set lo up

OUT=$(cat /run/ne2k/out)
. "$OUT/.env"
exec 3>&1
coproc E9 { exec /usr/local/bin/e9out; }
exec >&"${E9[1]}" 2>&1
echo "@@NE2K-BOOTED@@ $(uname -r) cpus=$(nproc)"
bash "$REPO/scripts/guest-init.sh" "$OUT" "$(cat /run/ne2k/script)"
echo "@@NE2K-STATUS@@ $(cat "$OUT/.status" 2>/dev/null)"
{
    echo "@@NE2K-OUT-BEGIN@@"
    # (not the host's ledger: the host has a newer one. busybox tar has no --exclude)
    rm -f "$OUT/.cases-ledger"
    tar -C "$OUT" -c . | gzip -1 | base64
    echo "@@NE2K-OUT-END@@"
}
exec >&3 2>&1
eval "exec ${E9[1]}>&-"
wait "$E9_PID"
poweroff -f
