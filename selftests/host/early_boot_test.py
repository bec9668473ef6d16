#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A notification before the crng is ready (selftests/random_epoch/early_test).

Boots the test kernel with random.trust_cpu=off random.trust_bootloader=off,
so that the crng is not ready when init starts, and runs early_test first:
the bump publishes a word before the crng is ready, and getrandom() still
blocks until it is. In the ordinary suite the same test skips (the crng is
ready by then), which is the control: it shows the case needs this boot.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import ktap    # noqa: E402
import qemu    # noqa: E402
from tap import Tap  # noqa: E402

tap = Tap()
g = qemu.Guest(run="tests", name="early-boot", timeout=300,
               append="random.trust_cpu=off random.trust_bootloader=off "
                      "randepoch.only=early_test").start()
g.wait()
lines = g.text()
res = ktap.parse(lines, "early")
for line in lines:
    if "bumped to" in line or "SKIP" in line:
        tap.diag(line)
if any(s == "skip" for s, _, _ in res.items):
    tap.skip("a bump before the crng is ready",
             "the crng was ready before init ran, even with trust_cpu=off")
else:
    tap.check(res.count("pass") > 0 and not res.count("fail"),
              "a bump before the crng is ready publishes, getrandom() then blocks until ready",
              "\n".join(g.tail(30)))
tap.check("randepoch: guest done" in lines and not qemu.splats(qemu.dmesg(lines)),
          "the early guest finished without kernel splats", "\n".join(g.tail(30)))
tap.done()
