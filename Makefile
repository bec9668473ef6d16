# SPDX-License-Identifier: GPL-2.0
# randepoch: reseed notifications for userspace PRNGs.
#
#   make test	install what is missing, build the kernel and the guest,
#		boot it under QEMU, run every test (the CI entry point)
#   make demo	the main job, shown in QEMU (see README.md)
#
# Everything built lands in build/ (ignored by git).

BUILD		:= build
KSRC		:= $(BUILD)/src/linux-source-6.12
KSELFTEST	:= $(KSRC)/tools/testing/selftests
GUEST		:= $(BUILD)/guest
STAGE		:= $(BUILD)/selftests

CC		:= gcc
CFLAGS		:= -O2 -g -Wall -Werror -pthread -Iuapi
GUEST_LDFLAGS	:= -static

SELFTESTS	:= epoch_test registry_test timer_test badinput_test stress_test \
		   leak_test fuzz_test
SELFTEST_SCRIPTS := criu_test.sh
GUEST_BINS	:= $(addprefix $(GUEST)/selftests/,$(SELFTESTS) $(SELFTEST_SCRIPTS))

.PHONY: all deps kernel kernel-debug guest test test-quick clean
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

$(GUEST)/selftests/%: $(STAGE)/random_epoch/%.c $(STAGE)/random_epoch/epoch_util.h \
		$(STAGE)/kselftest_harness.h $(STAGE)/kselftest.h uapi/linux/random_epoch.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(GUEST_LDFLAGS) -o $@ $<

$(GUEST)/selftests/%.sh: selftests/random_epoch/%.sh
	@mkdir -p $(@D) && install -m 755 $< $@

kernel-debug: deps
	@scripts/kernel.sh debug

guest: kernel
	@$(MAKE) --no-print-directory $(GUEST_BINS)
	@scripts/initramfs.sh

# Both kernels: the test kernel runs everything, the debug kernel (KASAN,
# lockdep, KFENCE, kmemleak) runs the in-guest suite again.
test: guest kernel-debug
	@python3 scripts/run_tests.py

# Only the test kernel, for a quick edit-run loop.
test-quick: guest
	@RANDEPOCH_DEBUG_KERNEL=0 python3 scripts/run_tests.py

clean:
	rm -rf $(BUILD)/obj-* $(BUILD)/guest $(BUILD)/selftests $(BUILD)/initramfs*
