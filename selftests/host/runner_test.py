#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The test runner itself: a guest that panics or hangs must fail the run,
within its timeout, with the guest's last console lines shown."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import run_tests  # noqa: E402
from tap import Tap  # noqa: E402

tap = Tap()

t0 = time.monotonic()
res = run_tests.guest_suite("runner-panic", "panic", timeout=120)
took = time.monotonic() - t0
fails = [(n, d) for s, n, d in res.items if s == "fail"]
tap.check(any("died before finishing" in n for n, _ in fails),
          "panicking guest is reported as a failure", repr(res.items))
tap.check(any("Kernel panic" in d or "Attempted to kill init" in d for _, d in fails),
          "the report shows the guest's last console lines")
tap.check(took < 120, "panicking guest ends well before its timeout (%.1fs)" % took)

t0 = time.monotonic()
res = run_tests.guest_suite("runner-hang", "hang", timeout=20)
took = time.monotonic() - t0
fails = [(n, d) for s, n, d in res.items if s == "fail"]
tap.check(any("hung: killed after 20s" in n for n, _ in fails),
          "hanging guest is killed at its timeout and reported", repr(res.items))
tap.check(any("randepoch: guest up" in d for _, d in fails),
          "the hang report shows the guest's last console lines")
tap.check(20 <= took < 40, "hang is caught within its timeout (%.1fs)" % took)
tap.done()
