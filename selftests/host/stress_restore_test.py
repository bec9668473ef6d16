#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The stress test across a VM snapshot restore: the real VMGenID path fires
while every other notifier does.

A guest (the debug kernel unless RANDEPOCH_DEBUG_KERNEL=0) runs the in-guest
stress test. Midway the host stops it, saves its state and starts one clone
from that state with a new VMGenID GUID, so the ACPI notification, the
vmfork reseed and the VMGenID epoch notifier run while the CRIU bumpers, the
test notifier (process and hard IRQ context), the timer, the readers and the
map/unmap churners are all busy. The clone finishes the stress test, which
checks that the epoch advanced by exactly the number of notifications and
that no reader saw a torn or backwards word.

Twice: with VMGenID alone, and with -device vmclock, where the VMGenID
GUID and the vmclock counter both change with one restore and the kernel's
check at draws on every CPU races the ACPI notification.

Required, in each: the stress test passes in the clone, it counted exactly
one VM fork notification (VMGenID or vmclock: one per restore, whichever
of the draws and the interrupt came first), the kernel logged the VM fork,
and the kernel log has no splats (KASAN, lockdep, sleeping in atomic,
WARN, ...).
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import qemu  # noqa: E402
from tap import Tap  # noqa: E402

STRESS_SECONDS = 12
RUN_BEFORE_SNAPSHOT = 4      # seconds of stress before the source is stopped

tap = Tap()


VARIANTS = (
    ("vmgenid", []),
    ("vmclock", ["-device", "vmclock"]),
)


def run_variant(kernel, variant, extra):
    run = "STRESS_SECONDS=%d,/selftests/stress_test" % STRESS_SECONDS
    name = "stress-restore-" + variant
    tap.diag("== %s: %s ==" % (variant, " ".join(extra) or "no vmclock"))
    _, clones, saved = qemu.clones_of_source(run, name, r"RUN\s+global\.all_notifiers_at_once", 1,
                                          RUN_BEFORE_SNAPSHOT, kernel=kernel, extra=extra,
                                          clones_name=name + "-clone")
    if clones is None:
        tap.check(False, "%s: source guest starts the stress test" % variant, "\n".join(saved))
        tap.done()
    tap.diag("snapshot: " + saved)
    clone, = clones

    text = clone.text()
    if not tap.check("randepoch: guest done" in text and not clone.timed_out,
                     "%s: the restored clone finished the stress test" % variant,
                     "\n".join(clone.tail(30))):
        tap.done()
    summary = [line for line in text if "bumps," in line or "VM forks:" in line]
    tap.diag("\n".join(line.lstrip("# ") for line in summary))
    tap.check(any(re.match(r"ok 1 global\.all_notifiers_at_once", line.strip()) for line in text),
              "%s stress: epoch advanced by exactly the notifications, no torn or "
              "backwards word" % variant,
              "\n".join(line for line in text if line.startswith("#")))
    m = next((m for m in (re.search(r"(\d+) vmgenid, (\d+) vmclock", line) for line in summary)
              if m), None)
    vmgenid, vmclock = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    tap.check(vmgenid + vmclock == 1,
              "%s: exactly one VM fork notification during the stress (%d "
              "vmgenid, %d vmclock)" % (variant, vmgenid, vmclock))
    log = qemu.dmesg(text)
    tap.check(any("crng reseeded due to virtual machine fork" in line for line in log),
              "%s: the clone's kernel saw the VM fork" % variant)
    bad = qemu.splats(log)
    tap.check(not bad, "%s, %s: kernel log has no splats" % (variant, os.path.basename(kernel)),
              "\n".join(bad[:40]))


def main():
    kernel = qemu.KERNEL
    debug = os.path.join(qemu.BUILD, "bzImage-debug")
    if os.environ.get("RANDEPOCH_DEBUG_KERNEL", "1") != "0" and os.path.exists(debug):
        kernel = debug
    tap.diag("kernel: %s (%s)" % (os.path.basename(kernel), qemu.accel_name()))
    for variant, extra in VARIANTS:
        run_variant(kernel, variant, extra)
    tap.done()


main()
