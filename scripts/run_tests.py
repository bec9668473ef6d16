#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make test: boot the guest, run the in-guest selftests, then the host-side
tests (selftests/host/*.py), and print one closing line.

Exit status is non-zero on any failure, a guest that panicked or hung, or a
kernel splat in the guest's log.
"""

import glob
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap     # noqa: E402
import qemu    # noqa: E402

T0 = float(os.environ.get("RANDEPOCH_T0", time.time()))
GUEST_TIMEOUT = int(os.environ.get("RANDEPOCH_GUEST_TIMEOUT", "900"))
HOST_TEST_TIMEOUT = int(os.environ.get("RANDEPOCH_HOST_TEST_TIMEOUT", "1200"))


def step(msg):
    print("[%4ds] %s" % (time.time() - T0, msg), flush=True)


def guest_suite(name, run, timeout, kernel=qemu.KERNEL, extra=None):
    """Boot one guest running `run` and turn what it printed into results."""
    step("guest: booting %s%s (%s, timeout %ds, log build/logs/%s.console.log)"
         % (os.path.basename(kernel), " " + " ".join(extra) if extra else "",
            qemu.accel_name(), timeout, name))
    g = qemu.Guest(run=run, name=name, timeout=timeout, kernel=kernel,
                   extra=extra).start()
    g.wait()
    lines = g.text()
    res = tap.parse(lines, name)
    done = "randepoch: guest done" in lines
    if g.timed_out or not done:
        why = ("hung: killed after %ds" % timeout) if g.timed_out else \
            "died before finishing (panic?)"
        res.add("fail", "%s: guest %s" % (name, why),
                "last console lines:\n" + "\n".join(g.tail(30)))
    else:
        bad = qemu.splats(qemu.dmesg(lines))
        res.add("fail" if bad else "pass", "%s: kernel log has no splats" % name,
                "\n".join(bad[:40]))
    step("guest: %s finished in %.1fs" % (name, time.monotonic() - g.t0))
    return res


def host_suite(path):
    name = "host/" + os.path.basename(path)
    step("host: %s" % name)
    try:
        p = subprocess.run([sys.executable, path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=HOST_TEST_TIMEOUT)
        out = p.stdout.decode("utf-8", "replace").splitlines()
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace").splitlines()
        out.append("not ok 999 %s # TIMEOUT after %ds" % (name, HOST_TEST_TIMEOUT))
        rc = -1
    # Host tests print plain TAP; nest it like the guest's so one parser reads both.
    doc = ["1..1"] + ["# " + line for line in out] + \
          ["%sok 1 %s" % ("" if rc == 0 else "not ", os.path.basename(path))]
    return tap.parse(doc, name)


def main():
    results = tap.Results()
    results.extend(guest_suite("selftests", "tests", GUEST_TIMEOUT))
    if os.environ.get("RANDEPOCH_DEBUG_KERNEL", "1") != "0":
        # With a vmclock device: the tests of its page run here, those of
        # its absence above, and the debug kernel checks the driver.
        results.extend(guest_suite("selftests-debug", "tests", GUEST_TIMEOUT,
                                   kernel=os.path.join(qemu.BUILD, "bzImage-debug"),
                                   extra=["-device", "vmclock"]))
    only = os.environ.get("RANDEPOCH_HOST_TESTS")
    for path in sorted(glob.glob(os.path.join(qemu.TOP, "selftests", "host", "*_test.py"))):
        if only and os.path.basename(path) not in only.split(","):
            continue
        results.extend(host_suite(path))

    print()
    for status, name, detail in results.items:
        print("%s %s" % (status.upper(), name))
    for status, name, detail in results.items:
        if status == "fail" and detail:
            print("\n---- %s ----\n%s" % (name, detail))
    passed, failed, skipped = (results.count(s) for s in ("pass", "fail", "skip"))
    print()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
