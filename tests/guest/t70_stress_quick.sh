#!/usr/bin/env bash
# The stress run of make stress (tests/guest/stress.sh), scaled down for make check: every phase
# (bad params, load churn with and without traffic, link flaps, soak with watchdog, fault
# injection during probe and traffic, odd frames from the injector, card removal under traffic,
# netconsole under traffic with a printk storm) with small counts.
export STRESS_CHURN=${STRESS_CHURN:-30} STRESS_CHURN_TRAFFIC=${STRESS_CHURN_TRAFFIC:-3}
export STRESS_FLAPS=${STRESS_FLAPS:-20} STRESS_SOAK=${STRESS_SOAK:-20}
export STRESS_FAULT_SECONDS=${STRESS_FAULT_SECONDS:-15} STRESS_ODD=${STRESS_ODD:-100}
export STRESS_REMOVES=${STRESS_REMOVES:-2} STRESS_HOTPLUGS=${STRESS_HOTPLUGS:-2}
export STRESS_NETCONSOLE_SECONDS=${STRESS_NETCONSOLE_SECONDS:-10}
exec bash "$(dirname "$0")/stress.sh"
