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

SELFTESTS	:= epoch_test registry_test timer_test
GUEST_BINS	:= $(addprefix $(GUEST)/selftests/,$(SELFTESTS))

.PHONY: all deps kernel guest test clean
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

guest: kernel
	@$(MAKE) --no-print-directory $(GUEST_BINS)
	@scripts/initramfs.sh

test: guest
	@python3 scripts/run_tests.py

clean:
	rm -rf $(BUILD)/obj-* $(BUILD)/guest $(BUILD)/selftests $(BUILD)/initramfs*
