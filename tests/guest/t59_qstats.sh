#!/usr/bin/env bash
# Per-queue statistics (netdev_stat_ops), read as the kernel's selftests read them: the netdev
# netlink family's qstats-get, through the kernel's own ynl CLI. The one queue pair plus the
# base add up to the interface's counters (ip -s link); a queue reports only what the card
# counts (rx/tx packets and bytes, rx alloc-fail).
. "$(dirname "$0")/lib.sh"
YNL=$KSRC/tools/net/ynl/pyynl/cli.py
SPEC=$KSRC/Documentation/netlink/specs/netdev.yaml
[ -r "$YNL" ] && [ -r "$SPEC" ] || fail "no ynl CLI or netdev spec under KSRC=$KSRC"
ne2k_up
pin_peer
ping -q -c 50 -i 0.01 -s 1000 "$PEER_IP" >/dev/null || fail "ping"
ifindex=$(cat "/sys/class/net/$IFC/ifindex")
qstats() { # [queue] -> JSON (per queue, or the device's sum)
    local scope=""
    [ "${1:-}" = queue ] && scope=', "scope": ["queue"]'
    python3 "$YNL" --spec "$SPEC" --no-schema --dump qstats-get --json "{\"ifindex\": $ifindex$scope}" --output-json 2>&1
}
before=$(for k in rx_packets rx_bytes tx_packets tx_bytes; do stat "$IFC" $k; done | tr '\n' ' ')
q=$(qstats queue) || fail "qstats-get (queue scope): $q"
dev=$(qstats) || fail "qstats-get (device): $dev"
after=$(for k in rx_packets rx_bytes tx_packets tx_bytes; do stat "$IFC" $k; done | tr '\n' ' ')
note "ip -s link: $before / $after"
python3 - "$q" "$dev" "$before" "$after" <<'PY' || fail "qstats do not match the interface counters"
import json, sys
q, dev = json.loads(sys.argv[1]), json.loads(sys.argv[2])
before = list(map(int, sys.argv[3].split())); after = list(map(int, sys.argv[4].split()))
q = q if isinstance(q, list) else [q]
dev = dev[0] if isinstance(dev, list) else dev
print("  queues:", q); print("  device:", dev)
rx = [x for x in q if x.get("queue-type") == "rx"]; tx = [x for x in q if x.get("queue-type") == "tx"]
assert len(rx) == 1 and len(tx) == 1, "one RX and one TX queue"
assert "rx-alloc-fail" in rx[0], "rx alloc-fail reported"
for i, key in enumerate(["rx-packets", "rx-bytes", "tx-packets", "tx-bytes"]):
    qv = (rx if key.startswith("rx") else tx)[0][key]
    assert before[i] <= dev[key] <= after[i], f"device {key} {dev[key]} outside {before[i]}..{after[i]}"
    assert dev[key] == qv, f"device {key} {dev[key]} != queue {qv} (the base is 0)"
assert dev["rx-packets"] >= 50 and dev["tx-packets"] >= 50
PY
exit 0
