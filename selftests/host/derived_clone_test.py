#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Derived state across real VM clones: watchers, hooks and settle.

A source guest runs guest/bin/derived_state.sh: two copies of an
instance UUID and a stand-in host key, made before the snapshot. One copy
is renewed by "randepoch watch --exec" (a hook that takes HOOK_MS), the
other by nobody (the control, in the same guest). An orchestrator waits for
the word to change, then "randepoch settle", then prints "network up". The
host snapshots the source and starts CLONES clones with fresh VMGenIDs.

Required, per clone: the hook ran and finished before "network up"; settle
returned 0. Across clones: the hooked UUIDs and keys all differ from each
other and from the snapshot's; the control's are identical in every clone.
The time from the change to settled is written to
build/results/derived_settle.json.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import qemu  # noqa: E402
from tap import Tap  # noqa: E402

CLONES = int(os.environ.get("RANDEPOCH_CLONES", "3"))
HOOK_MS = 300
RESULTS = os.path.join(qemu.BUILD, "results")
STATE = re.compile(r"hooked (\S+) (\S+) plain (\S+) (\S+)")

tap = Tap()


def main():
    run = "derived_state.sh,%d" % HOOK_MS
    m, clones, saved = qemu.clones_of_source(run, "derived", r"derived: ready .*", CLONES, 0)
    if not tap.check(m, "source guest made its state and started the watcher",
                     "\n".join(saved)):
        tap.done()
    before = STATE.search(m.group(0)).groups()

    after, settle_ms = [], []
    for i, g in enumerate(clones):
        text = g.text()
        hook = [n for n, line in enumerate(text) if line.startswith("derived: hook done")]
        up = [n for n, line in enumerate(text) if line.startswith("derived: network up")]
        if not tap.check(hook and up and not g.timed_out,
                         "clone %d: the hook ran and the network came up" % i,
                         "\n".join(g.tail(30))):
            tap.done()
        line = text[up[0]]
        rc = int(re.search(r"settle_rc (\d+)", line).group(1))
        cs = int(re.search(r"settle_cs (-?\d+)", line).group(1))
        tap.check(rc == 0 and hook[0] < up[0],
                  "clone %d: settle returned %d, network up after the hook finished" % (i, rc))
        after.append(STATE.search(line).groups())
        settle_ms.append(cs * 10)
        bad = qemu.splats(qemu.dmesg(text))
        tap.check(not bad, "clone %d: kernel log has no splats" % i, "\n".join(bad))
        tap.diag("clone %d: change to settled %d ms (hook sleeps %d ms)"
                 % (i, cs * 10, HOOK_MS))

    hooked = [(a[0], a[1]) for a in after]
    tap.check(len(set(a[0] for a in hooked)) == CLONES and
              all(a[0] != before[0] for a in hooked),
              "with the hook: %d different instance UUIDs, none the snapshot's" % CLONES)
    tap.check(len(set(a[1] for a in hooked)) == CLONES and
              all(a[1] != before[1] for a in hooked),
              "with the hook: %d different host keys, none the snapshot's" % CLONES)
    tap.check(all(a[2] == before[2] and a[3] == before[3] for a in after),
              "control, without the hook: every clone keeps the snapshot's UUID %s"
              % before[2])

    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "derived_settle.json"), "w") as f:
        json.dump({"clones": CLONES, "accel": qemu.accel_name(), "hook_ms": HOOK_MS,
                   "change_to_settled_ms": settle_ms}, f, indent=1)
    tap.done()


main()
