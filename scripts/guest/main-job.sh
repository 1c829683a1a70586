#!/usr/bin/env bash
# Guest side of `make demo`: the ping/iperf3 demo through ne2k_rs and the C driver, then the
# stage experiment for ne2k_rs, ne2k-pci and e100.
"$REPO/scripts/guest/demo.sh" || exit 1
echo
echo "################ stage experiment (${EXP_COUNT:-1100} packets per workload and driver) ################"
"$REPO/scripts/guest/experiment.sh"
