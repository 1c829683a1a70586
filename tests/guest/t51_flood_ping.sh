#!/usr/bin/env bash
# flood ping, 1000 packets, 0% loss.
. "$(dirname "$0")/lib.sh"
ne2k_up
ping_ok 1000 56 -f
ne2k_down
