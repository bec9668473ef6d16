#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the stress, watcher and fuzz selftests on the KCSAN kernel.

`make kcsan` builds build/bzImage-kcsan (kernel/config/kcsan.config) and
runs this. Every KCSAN report in the guest's log is collected; a report
whose stacks name the feature's code (random_epoch*, vmgenid, random.c) is
a failure, one elsewhere in the kernel is listed and counted, not judged
(tinyconfig's own code races are upstream's). The summary goes to
build/results/kcsan.txt, for docs/results.md.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap     # noqa: E402
import qemu    # noqa: E402

TESTS = "stress_test,watch_test,fuzz_test"
OURS = re.compile(r"random_epoch|vmgenid|crng_|_get_random_bytes|get_random_|"
                  r"add_vmfork_randomness")
REPORT = re.compile(r"BUG: KCSAN: (.*)")
KERNEL = os.path.join(qemu.BUILD, "bzImage-kcsan")


def reports(lines):
    """Each KCSAN report: its title and the lines up to the next ===== rule."""
    out, cur = [], None
    for line in lines:
        m = REPORT.search(line)
        if m:
            cur = [m.group(1)]
            out.append(cur)
        elif cur is not None:
            if line.startswith("=" * 20) and len(cur) > 1:
                cur = None
            else:
                cur.append(line)
    return out


def main():
    if not os.path.exists(KERNEL):
        print("error: %s missing: run 'scripts/kernel.sh kcsan' (make kcsan does)" % KERNEL)
        return 1
    t0 = time.monotonic()
    g = qemu.Guest(run="tests", name="selftests-kcsan", timeout=1800, kernel=KERNEL,
                   append="randepoch.only=" + TESTS).start()
    g.wait()
    lines = g.text()
    res = tap.parse(lines, "kcsan")
    # The control: KCSAN's own boot selftest (CONFIG_KCSAN_SELFTEST) makes
    # races on purpose and checks that they are reported, so this run could
    # have seen one.
    live = [line for line in lines if re.search(r"kcsan: selftest: (\d+)/\1 tests passed", line)]
    found = reports(lines)
    ours = [r for r in found if any(OURS.search(line) for line in r)]
    summary = ["KCSAN run of %s, %.0f s" % (TESTS, time.monotonic() - t0),
               "tests: %d passed, %d failed, %d skipped"
               % tuple(res.count(s) for s in ("pass", "fail", "skip")),
               "KCSAN live: %s" % (live[0].split("] ")[-1] if live else "NO boot selftest pass seen"),
               "KCSAN reports: %d in all, %d naming the feature's code"
               % (len(found), len(ours))]
    for r in found:
        summary.append("  %s %s" % ("OURS " if r in ours else "other", r[0]))
    os.makedirs(os.path.join(qemu.BUILD, "results"), exist_ok=True)
    with open(os.path.join(qemu.BUILD, "results", "kcsan.txt"), "w") as f:
        f.write("\n".join(summary) + "\n")
    print("\n".join(summary))
    for r in ours:
        print("\n---- %s ----\n%s" % (r[0], "\n".join(r[1:40])))
    done = "randepoch: guest done" in lines
    failed = res.count("fail") or not done or ours or not live
    print("%d passed, %d failed, %d skipped"
          % (res.count("pass"),
             res.count("fail") + (0 if done else 1) + len(ours) + (0 if live else 1),
             res.count("skip")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
