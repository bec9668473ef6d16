#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""VM snapshot and clones, end to end, with and without a vmclock device.

A source guest runs clone_logger, which draws from the reference PRNG with
the epoch check, from the same PRNG without it, from the getrandom() system
call and from vDSO getrandom(). The host stops the source mid-run, saves its
state to a file (QMP migrate) and starts CLONES new QEMU processes from that
one file, each with a fresh VMGenID GUID (guid=auto). Each clone prints
every draw it made, including the ones from before the snapshot, which it
inherited.

Three runs, one after the other:
  vmclock   -device vmclock: QEMU bumps its disruption_marker before the
            clone's vCPUs run;
  vmgenid   VMGenID alone: only the GUID in guest memory changes;
  control   as vmclock, but booted with random.vmfork_check=0, so that the
            kernel acts on the VM fork only at the VMGenID interrupt.

Required, in every run:
  - every clone's epoch word changes, with the VMGenID or vmclock ID;
  - across clones, no two draws made under the new word are equal;
  - without the check, the clones do repeat each other (the test can fail).
Required of the kernel's own output, counted from the first draw after
resume (the first one whose timestamp differs between clones):
  - vmclock and vmgenid: getrandom() never returns bytes another clone got;
  - vmclock: neither does vDSO getrandom(), nor the checked PRNG;
  - control: getrandom() or vDSO getrandom() does repeat another clone
    (today's window, which the check closes).
The per-clone stale windows go to build/results/stale_window.json.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import qemu  # noqa: E402
from tap import Tap  # noqa: E402

CLONES = int(os.environ.get("RANDEPOCH_CLONES", "4"))
INTERVAL_US = 2000
DURATION_MS = 4000
RUN_BEFORE_SNAPSHOT = 1.5     # seconds the source draws before it is stopped
VMGENID_ID = 1
VMCLOCK_ID = 4
RESULTS = os.path.join(qemu.BUILD, "results")
VARIANTS = (
    ("vmclock", ["-device", "vmclock"], ""),
    ("vmgenid", [], ""),
    ("control", ["-device", "vmclock"], "random.vmfork_check=0"),
)

tap = Tap()


def parse(lines):
    """R and K lines -> {seq: (ns, seed_word, vdso_gen, checked, unchecked,
    getrandom, vdso_getrandom)}."""
    draws, kernel = {}, {}
    for line in lines:
        f = line.split()
        if len(f) == 7 and f[0] == "R":
            draws[int(f[1])] = (int(f[2]), int(f[3], 16), int(f[4]), f[5], f[6])
        elif len(f) == 4 and f[0] == "K":
            kernel[int(f[1])] = (f[2], f[3])
    return {s: d + kernel.get(s, (None, None)) for s, d in draws.items()}


def duplicates(values):
    """How many of values another clone (or an earlier draw) also got."""
    values = [v for v in values if v not in (None, "-")]
    return len(values) - len(set(values)), len(values)


def run_variant(variant, extra, append):
    run = "clone_logger,%d,%d" % (INTERVAL_US, DURATION_MS)
    name = "vmclone-" + variant
    tap.diag("== %s: %s%s ==" % (variant, " ".join(extra) or "no vmclock",
                                 ", " + append if append else ""))
    _, clones, saved = qemu.clones_of_source(run, name, r"clone_logger: (start word|.*epoch page)",
                                          CLONES, RUN_BEFORE_SNAPSHOT, want="start word",
                                          extra=extra, append=append)
    if clones is None:
        tap.check(False, "%s: source guest starts clone_logger" % variant, "\n".join(saved))
        tap.done()
    tap.diag("snapshot: " + saved)

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
    if not tap.check(resumed is not None, "%s: clones diverge in time after resume" % variant):
        tap.done()
    old_word = logs[0][resumed - 1][1] if resumed else 0
    old_gen = logs[0][resumed - 1][2] if resumed else 0
    tap.diag("snapshot taken after draw %d, word %08x" % (resumed - 1, old_word))
    ids = (VMGENID_ID, VMCLOCK_ID) if extra else (VMGENID_ID,)

    stale_draws, stale_ns, vdso_ns, new_outputs = [], [], [], []
    after_all = []
    for i, d in enumerate(logs):
        after = [d[s] for s in sorted(d) if s >= resumed]
        t_resume = after[0][0]
        new = [x for x in after if x[1] != old_word]
        last_word = after[-1][1]
        tap.check(last_word != old_word and last_word >> 24 in ids,
                  "%s clone %d: word changed with the %s ID (%08x -> %08x)"
                  % (variant, i, "/".join({1: "VMGenID", 4: "vmclock"}[x] for x in ids),
                     old_word, last_word))
        stale = [x for x in after if x[1] == old_word]
        stale_draws.append(len(stale))
        stale_ns.append(new[0][0] - t_resume if new else None)
        gen_new = [x for x in after if x[2] != old_gen]
        vdso_ns.append(gen_new[0][0] - t_resume if gen_new else None)
        new_outputs += [x[3] for x in new]
        after_all += after
        tap.diag("clone %d: %d draws after resume, %d under the stale word, "
                 "new word after %s us (vDSO generation after %s us)"
                 % (i, len(after), len(stale),
                    "%.0f" % (stale_ns[-1] / 1e3) if stale_ns[-1] is not None else "-",
                    "%.0f" % (vdso_ns[-1] / 1e3) if vdso_ns[-1] is not None else "-"))

    before = {d[s][3] for d in logs for s in d if s < resumed}
    dups = len(new_outputs) - len(set(new_outputs))
    tap.check(new_outputs and dups == 0 and not before & set(new_outputs),
              "%s, with the check: 0 duplicates among %d draws under the new words "
              "(%d repeated)" % (variant, len(new_outputs), dups))
    res = {}
    for col, label in ((3, "checked_prng"), (4, "unchecked_prng"),
                       (5, "getrandom"), (6, "vdso_getrandom")):
        res[label] = duplicates([x[col] for x in after_all])
        tap.diag("%s: %s: %d of %d draws after resume were also drawn by another clone"
                 % (variant, label, res[label][0], res[label][1]))
    tap.check(res["unchecked_prng"][0] > 0,
              "%s, without the check: the clones repeat each other (%d of %d draws "
              "after resume are duplicates)" % ((variant,) + res["unchecked_prng"]))
    if res["vdso_getrandom"][1] == 0:
        tap.skip("%s: vDSO getrandom()" % variant, "this kernel's vDSO has no getrandom()")
    if variant in ("vmclock", "vmgenid"):
        tap.check(res["getrandom"][1] and res["getrandom"][0] == 0,
                  "%s: getrandom() repeated no other clone's bytes from the first "
                  "draw after resume (%d of %d)" % ((variant,) + res["getrandom"]))
    if variant == "vmclock":
        tap.check(res["checked_prng"][1] and res["checked_prng"][0] == 0,
                  "vmclock: the checked PRNG repeated no other clone's bytes from the "
                  "first draw after resume (%d of %d): it compares the counter"
                  % res["checked_prng"])
    if variant == "vmclock" and res["vdso_getrandom"][1]:
        tap.check(res["vdso_getrandom"][0] == 0,
                  "vmclock: vDSO getrandom() repeated no other clone's bytes from "
                  "the first draw after resume (%d of %d)" % res["vdso_getrandom"])
    if variant == "control":
        kernel_dups = res["getrandom"][0] + res["vdso_getrandom"][0]
        tap.check(kernel_dups > 0,
                  "control, random.vmfork_check=0: the kernel's output repeats "
                  "between clones until the interrupt (getrandom %d, vDSO %d)"
                  % (res["getrandom"][0], res["vdso_getrandom"][0]))
    return {"stale_draws": stale_draws, "stale_ns": stale_ns,
            "vdso_generation_stale_ns": vdso_ns,
            "duplicates_after_resume": {k: {"repeated": v[0], "draws": v[1]}
                                        for k, v in res.items()},
            "unchecked_duplicates": res["unchecked_prng"][0],
            "checked_new_word_draws": len(new_outputs)}


def main():
    only = os.environ.get("RANDEPOCH_CLONE_VARIANTS")
    out = {"clones": CLONES, "accel": qemu.accel_name(),
           "draw_interval_us": INTERVAL_US}
    for variant, extra, append in VARIANTS:
        if only and variant not in only.split(","):
            continue
        out[variant] = run_variant(variant, extra, append)
    # The figures docs/results.md and the bench report keep reading.
    if "vmgenid" in out:
        out.update(out["vmgenid"])
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "stale_window.json"), "w") as f:
        json.dump(out, f, indent=1)
    tap.diag("stale window written to build/results/stale_window.json")
    tap.done()


main()
