# SPDX-License-Identifier: GPL-2.0
# randepoch: reseed notifications for userspace PRNGs.
#
#   make test	install what is missing, build the kernel and the guest,
#		boot it under QEMU, run every test (the CI entry point)
#   make demo	the main job, shown in QEMU (see README.md)
#   make packages	the Debian packages: userspace .debs (debian/) and the
#		kernel's (make bindeb-pkg), into build/deb/
#   make debian-image	a Debian 13 guest image with them (build/debian-image/)
#
# Everything built lands in build/ (ignored by git).

BUILD		:= build
KSRC		:= $(BUILD)/src/linux-source-6.12
KSELFTEST	:= $(KSRC)/tools/testing/selftests
GUEST		:= $(BUILD)/guest
STAGE		:= $(BUILD)/selftests

CC		:= gcc
# Debian's Python, which has the Debian packages scripts/deps.sh installs
# (python3-matplotlib), whatever python3 comes first in PATH.
PYTHON		:= /usr/bin/python3
CFLAGS		:= -O2 -g -Wall -Werror -pthread -Iuapi
GUEST_LDFLAGS	:= -static

SELFTESTS	:= epoch_test registry_test timer_test badinput_test stress_test \
		   leak_test fuzz_test vdso_test watch_test early_test vmfork_test
SELFTEST_SCRIPTS := criu_test.sh
GUEST_BINS	:= $(addprefix $(GUEST)/selftests/,$(SELFTESTS) $(SELFTEST_SCRIPTS))

# The userspace library, CLI and reference PRNG (userspace/Makefile).
USERSPACE_O	:= $(abspath $(BUILD)/userspace)

.PHONY: packages debian-image test-debian bench bench-tls demo series checkpatch all deps kernel kernel-debug kcsan userspace guest test test-quick clean
.SECONDARY:
all: guest

deps:
	@scripts/deps.sh

kernel: deps
	@scripts/kernel.sh test

# The selftests include "../kselftest_harness.h" as they would in-tree: build
# them from a copy laid out like tools/testing/selftests/.
$(STAGE)/%.h: $(KSELFTEST)/%.h
	@mkdir -p $(@D) && cp $< $@
$(STAGE)/random_epoch/%: selftests/random_epoch/%
	@mkdir -p $(@D) && cp $< $@

$(STAGE)/vDSO/%: $(KSELFTEST)/vDSO/%
	@mkdir -p $(@D) && cp $< $@

$(GUEST)/selftests/%: $(STAGE)/random_epoch/%.c $(STAGE)/random_epoch/epoch_util.h \
		$(STAGE)/kselftest_harness.h $(STAGE)/kselftest.h uapi/linux/random_epoch.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(EXTRA_SRCS)

# The vDSO test looks the symbol up with the tree's reference parser.
$(GUEST)/selftests/vdso_test: EXTRA_SRCS = $(STAGE)/vDSO/parse_vdso.c
$(GUEST)/selftests/vdso_test: $(STAGE)/vDSO/parse_vdso.c $(STAGE)/vDSO/parse_vdso.h

$(GUEST)/selftests/%.sh: selftests/random_epoch/%.sh
	@mkdir -p $(@D) && install -m 755 $< $@

# The guest programs (guest/: bin/ into the guest's /usr/bin, tests/ into
# /selftests next to the selftests) are built by userspace/Makefile, which
# has the library's builds they link.
userspace: deps
	@$(MAKE) --no-print-directory -C userspace all O=$(USERSPACE_O)
	@$(MAKE) --no-print-directory -C userspace guest O=$(USERSPACE_O) \
		OUT=$(abspath $(GUEST)/bin) TESTS_OUT=$(abspath $(GUEST)/selftests)

kernel-debug: deps
	@scripts/kernel.sh debug

guest: kernel userspace
	@$(MAKE) --no-print-directory $(GUEST_BINS)
	@scripts/initramfs.sh

# Both kernels: the test kernel runs everything, the debug kernel (KASAN,
# lockdep, KFENCE, kmemleak) runs the in-guest suite again. The Debian 13
# image boots the test kernel, packaged (make packages), for the cloned-VM
# test (selftests/host/debian_clone_test.py).
test: guest kernel-debug debian-image
	@$(PYTHON) scripts/run_tests.py

# The stress, watcher and fuzz selftests on a KCSAN kernel (a third kernel
# flavour; outside `make test` for CI's time). Writes build/results/kcsan.txt.
kcsan: guest
	@scripts/kernel.sh kcsan
	@$(PYTHON) scripts/kcsan.py

# The main job, shown: VM snapshot clones and CRIU restores, with and
# without the epoch check.
demo: guest debian-image
	@$(PYTHON) scripts/demo.py

# Benchmarks side by side in one guest boot, the per-draw one natively on
# the host, and the check's instruction count under callgrind; writes
# docs/results/bench.{md,json,png}, vmfork_bench.md and check_cost.md;
# TLS handshakes per second in the Debian VM, tls_bench.md.
bench: guest debian-image
	@$(MAKE) --no-print-directory -C bench O=$(abspath $(BUILD)/bench)
	@$(PYTHON) scripts/bench.py
	@$(PYTHON) scripts/vmfork_bench.py
	@$(PYTHON) scripts/check_cost.py
	@$(PYTHON) scripts/tls_bench.py

# Only the TLS handshake bench (part of make bench).
bench-tls: debian-image
	@$(PYTHON) scripts/tls_bench.py

# Only the test kernel, for a quick edit-run loop.
test-quick: guest
	@RANDEPOCH_DEBUG_KERNEL=0 $(PYTHON) scripts/run_tests.py

# The upstream patch series in build/series/: generated, checkpatch --strict,
# and each patch built in order.
series: kernel
	@$(PYTHON) scripts/series.py

# Only the checkpatch part (make test runs it too).
checkpatch: kernel
	@$(PYTHON) scripts/series.py --no-build

# Debian packages, built by Debian's tooling into build/deb/.
packages: deps
	@scripts/debian_packages.sh
	@scripts/kernel.sh debian

# The Debian 13 guest image (mmdebstrap) with those packages installed.
debian-image: packages
	@scripts/debian_image.sh

# The Debian VM clone test alone (selftests/host/debian_clone_test.py;
# make test runs it with everything else).
test-debian: debian-image
	@$(PYTHON) selftests/host/debian_clone_test.py

clean:
	rm -rf $(BUILD)/obj-* $(BUILD)/guest $(BUILD)/selftests $(BUILD)/initramfs*
