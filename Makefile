# ne2k-rs: the module, the lab kernel, the guest runner and the tests.
# `make help` lists the targets. KDIR defaults to the lab kernel (built and cached on demand).
FLAVOR  ?= default
KDIR    ?=
# KERNEL=debian: make demo on Debian 13's stock kernel (scripts/debian-kernel.sh) instead of the lab's
KERNEL  ?= lab
ifeq ($(filter $(KERNEL),lab debian),)
$(error KERNEL must be lab or debian (got '$(KERNEL)'))
endif
TIMEOUT ?= 900
SCRIPT  ?=
SHELL   := /bin/bash
export FLAVOR

# Resolve KDIR lazily: only targets that need a kernel build one.
kdir = $(if $(KDIR),$(KDIR),$$(scripts/build-kernel.sh $(FLAVOR)))

.PHONY: all module deps kernel guest-run shell check check-host check-guest demo stress bench irqsoff profile selftests mutants debian-kernel dkms-deb dkms-test clean help

all: module

help:
	@echo "make            build ne2k_rs.ko (against KDIR, default: the lab kernel, built on demand)"
	@echo "make deps       install host packages, bindgen-cli and virtme-ng (root, idempotent)"
	@echo "make kernel     build/cache the lab guest kernel [FLAVOR=default|debug|irqsoff|selftests]; prints its dir"
	@echo "make guest-run SCRIPT=path [TIMEOUT=s] [EMU=qemu|bochs] [CPUS=1|2]  run a script as root in a fresh QEMU (or Bochs) guest"
	@echo "make shell      interactive guest shell with the same environment"
	@echo "make check      host tests (cargo test) + guest tests; last line: N passed, N failed"
	@echo "make demo       the main job: build all, boot, ping+iperf3 via ne2k_rs and ne2k-pci, stage experiment, Tables 8 and 10 [EXP_COUNT=1100 KERNEL=lab|debian]"
	@echo "make stress     reliability run: fuzz 10^6 cases, churn, flaps, 10-min soak, fault injection, odd frames -> results/stress.json [FLAVOR=]"
	@echo "make bench      ne2k_rs vs ne2k-pci, A B A' in one boot, then in Bochs [BENCH_ROUNDS=5 BENCH_BOCHS=1] -> results/bench.json, results/bench.md"
	@echo "make profile    kernel instructions per echo, per function, ne2k_rs vs ne2k-pci, counted by a QEMU plugin (-icount guest) [PROFILE_COUNT=3000 PROFILE_RUNS=2 PROFILE_WORKLOAD=icmp|udp] -> results/profile-<time>/profile.md"
	@echo "make irqsoff    longest/p99 interrupts-off section under a 1514-byte flood, ne2k_rs vs ne2k-pci (irqsoff kernel flavor) -> results/irqsoff.json"
	@echo "make selftests  the kernel's driver selftests (drivers/net HW mode) + netconsole/VLAN, ne2k_rs vs ne2k-pci, two cards on a 10 Mbit/s wire [FLAVOR=selftests] -> results/selftests.json, docs/selftests.md"
	@echo "make mutants    put each race of issue #12 back into a scratch tree: its host test and the explorer must fail"
	@echo "make debian-kernel  ne2k_rs.ko for Debian 13's stock kernel (trixie build root) + smoke test on its unmodified vmlinuz [DEBIAN_KREL=]"
	@echo "make dkms-deb   dist/ne2k-rs-dkms_<version>_all.deb: DKMS package for Debian 13 (builds ne2k_rs at install and at every kernel update)"
	@echo "make dkms-test  installs that package and linux-headers in a trixie root, checks DKMS' build, smoke-boots Debian's vmlinuz with it [DKMS_TEST_ARGS=--cold]"
	@echo "make clean      remove build products in the checkout (the kernel cache stays)"

deps:
	@scripts/host-deps.sh

kernel: deps
	@scripts/build-kernel.sh $(FLAVOR)

# With KDIR given (a kernel tree of your own) the module build needs no lab packages, no root.
module: $(if $(KDIR),,deps)
	@set -e; k=$(kdir); \
	echo "==> building ne2k_rs.ko against $$k" >&2; \
	$(MAKE) -s -C "$$k" M=$(CURDIR) modules; \
	ls -l $(CURDIR)/ne2k_rs.ko >&2

guest-run: module
	@test -n "$(SCRIPT)" || { echo "usage: make guest-run SCRIPT=path/to/script.sh [TIMEOUT=seconds]" >&2; exit 2; }
	@scripts/guest-run.sh --kdir "$$(scripts/build-kernel.sh $(FLAVOR))" --timeout $(TIMEOUT) "$(SCRIPT)"

shell: module
	@scripts/guest-run.sh --kdir "$$(scripts/build-kernel.sh $(FLAVOR))" --interactive

check-host:
	@scripts/check.sh --host-only

check: module
	@scripts/check.sh --kdir "$$(scripts/build-kernel.sh $(FLAVOR))"

ifeq ($(KERNEL),debian)
demo: deps
	@set -e; ko=$$(scripts/debian-kernel.sh module | tail -1); eval "$$(scripts/debian-kernel.sh paths)"; \
	NE2K_RS_KO="$$ko" scripts/demo.sh --kimg "$$VMLINUZ" --ksrc "$$KSRC"
else
demo: module
	@scripts/demo.sh --kdir "$$(scripts/build-kernel.sh $(FLAVOR))"
endif

stress: module
	@scripts/stress.sh --kdir "$$(scripts/build-kernel.sh $(FLAVOR))" --flavor $(FLAVOR)

bench: module
	@scripts/bench.sh --kdir "$$(scripts/build-kernel.sh $(FLAVOR))"

profile: module
	@scripts/profile.sh --kdir "$$(scripts/build-kernel.sh $(FLAVOR))" --count $${PROFILE_COUNT:-3000}

irqsoff: deps
	@scripts/irqsoff.sh

# The full set needs the selftests flavor (IPv6, BTF for the XDP programs, AF_XDP, qdiscs).
selftests: FLAVOR = selftests
selftests: deps
	@scripts/selftests.sh --kdir "$$(scripts/build-kernel.sh $(FLAVOR))" \
		--json results/selftests.json --md results/selftests.md --docs docs/selftests.md

mutants:
	@scripts/mutants.sh

# ne2k_rs.ko for Debian 13's stock kernel, built in a trixie build root, and a smoke test on
# Debian's unmodified vmlinuz (docs/debian-kernel.md) [DEBIAN_KREL=7.3.4+deb13-amd64]
debian-kernel:
	@scripts/debian-kernel.sh all

# The DKMS package for Debian 13 (docs/debian-kernel.md, "DKMS package"): dist/ne2k-rs-dkms_<version>_all.deb
dkms-deb:
	@scripts/dkms-deb.sh

# Its test in a trixie root (cached; --cold: from nothing) [DKMS_TEST_ARGS=--cold --no-smoke]
dkms-test:
	@scripts/dkms-test.sh $(DKMS_TEST_ARGS)

clean:
	@k=$$(ls -d $${NE2K_RS_CACHE:-$$HOME/.cache/ne2k-rs}/kbuild-$(FLAVOR) 2>/dev/null); \
	if [ -n "$$k" ]; then $(MAKE) -s -C "$$k" M=$(CURDIR) clean; fi; \
	rm -rf target
