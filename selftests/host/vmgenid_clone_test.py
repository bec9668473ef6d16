#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""VM snapshot and clones, end to end.

A source guest runs clone_logger, which draws from the reference PRNG with
the epoch check and from the same PRNG without it. The host stops the source
mid-run, saves its state to a file (QMP migrate) and starts CLONES new QEMU
processes from that one file, each with a fresh VMGenID GUID (guid=auto).
Each clone prints every draw it made, including the ones from before the
snapshot, which it inherited.

Required:
  - every clone's epoch word changes, with the VMGenID notifier's ID;
  - across clones, no two draws made under the new word are equal;
  - without the check, the clones do repeat each other (the test can fail);
  - the draws each clone made under the stale word after it resumed (the
    window ACPI delivery leaves) are counted and reported, next to the same
    window for the vDSO getrandom() generation.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import qemu  # noqa: E402
from tap import Tap  # noqa: E402

CLONES = int(os.environ.get("RANDEPOCH_CLONES", "4"))
INTERVAL_US = 2000
DURATION_MS = 4000
RUN_BEFORE_SNAPSHOT = 1.5     # seconds the source draws before it is stopped
VMGENID_ID = 1
RESULTS = os.path.join(qemu.BUILD, "results")

tap = Tap()


def parse(lines):
    """R lines -> {seq: (ns, seed_word, vdso_gen, checked, unchecked)}."""
    draws = {}
    for line in lines:
        f = line.split()
        if len(f) == 7 and f[0] == "R":
            draws[int(f[1])] = (int(f[2]), int(f[3], 16), int(f[4]), f[5], f[6])
    return draws


def main():
    run = "clone_logger,%d,%d" % (INTERVAL_US, DURATION_MS)
    state = os.path.join(qemu.BUILD, "vmclone.state")
    src = qemu.Guest(run=run, name="vmclone-source", timeout=300, qmp=True).start()
    m = src.wait_for(r"clone_logger: (start word|.*epoch page)", 120)
    if not m or "start word" not in m.group(0):
        tap.check(False, "source guest starts clone_logger", "\n".join(src.tail(30)))
        src.kill()
        tap.done()
    time.sleep(RUN_BEFORE_SNAPSHOT)
    took = src.snapshot_and_kill(state)
    tap.diag("snapshot: %.1f MB saved in %.2fs" % (os.path.getsize(state) / 1e6, took))
    clones = qemu.run_clones(run, "vmclone", state, CLONES, timeout=300)

    logs = []
    for g in clones:
        text = g.text()
        ok = "clone_logger: done" in text and not g.timed_out
        tap.check(ok, "%s ran to the end" % g.name, "\n".join(g.tail(20)))
        if not ok:
            tap.done()
        logs.append(parse(text))
        tap.check(any("crng reseeded due to virtual machine fork" in line
                      for line in qemu.dmesg(text)),
                  "%s: the kernel saw the VM fork" % g.name)
        bad = qemu.splats(qemu.dmesg(text))
        tap.check(not bad, "%s: kernel log has no splats" % g.name, "\n".join(bad))

    # Draws made before the snapshot are byte-for-byte the same in every
    # clone, timestamp included; the first seq where the clones' clocks
    # disagree was drawn after the resume.
    seqs = sorted(set.intersection(*(set(d) for d in logs)))
    resumed = next((s for s in seqs if len({d[s][0] for d in logs}) > 1), None)
    if not tap.check(resumed is not None, "clones diverge in time after resume"):
        tap.done()
    old_word = logs[0][resumed - 1][1] if resumed else 0
    old_gen = logs[0][resumed - 1][2] if resumed else 0
    tap.diag("snapshot taken after draw %d, word %08x" % (resumed - 1, old_word))

    stale_draws, stale_ns, vdso_ns, new_outputs = [], [], [], []
    after_unchecked = []
    for i, d in enumerate(logs):
        after = [d[s] for s in sorted(d) if s >= resumed]
        t_resume = after[0][0]
        new = [x for x in after if x[1] != old_word]
        last_word = after[-1][1]
        tap.check(last_word != old_word and last_word >> 24 == VMGENID_ID,
                  "clone %d: word changed with the VMGenID ID (%08x -> %08x)"
                  % (i, old_word, last_word))
        stale = [x for x in after if x[1] == old_word]
        stale_draws.append(len(stale))
        stale_ns.append(new[0][0] - t_resume if new else None)
        gen_new = [x for x in after if x[2] != old_gen]
        vdso_ns.append(gen_new[0][0] - t_resume if gen_new else None)
        new_outputs += [x[3] for x in new]
        after_unchecked += [x[4] for x in after]
        tap.diag("clone %d: %d draws after resume, %d under the stale word, "
                 "new word after %s us (vDSO generation after %s us)"
                 % (i, len(after), len(stale),
                    "%.0f" % (stale_ns[-1] / 1e3) if stale_ns[-1] is not None else "-",
                    "%.0f" % (vdso_ns[-1] / 1e3) if vdso_ns[-1] is not None else "-"))

    before = {d[s][3] for d in logs for s in d if s < resumed}
    dups = len(new_outputs) - len(set(new_outputs))
    tap.check(new_outputs and dups == 0 and not before & set(new_outputs),
              "with the check: 0 duplicates among %d draws under the new words "
              "(%d repeated)" % (len(new_outputs), dups))
    udups = len(after_unchecked) - len(set(after_unchecked))
    tap.check(udups > 0,
              "without the check: the clones repeat each other (%d of %d draws "
              "after resume are duplicates)" % (udups, len(after_unchecked)))

    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "stale_window.json"), "w") as f:
        json.dump({"clones": CLONES, "accel": qemu.accel_name(),
                   "draw_interval_us": INTERVAL_US,
                   "stale_draws": stale_draws, "stale_ns": stale_ns,
                   "vdso_generation_stale_ns": vdso_ns,
                   "unchecked_duplicates": udups,
                   "checked_new_word_draws": len(new_outputs)}, f, indent=1)
    tap.diag("stale window written to build/results/stale_window.json")
    tap.done()


main()
