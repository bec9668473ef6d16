#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""OpenSSL's RAND_bytes() across VM snapshot clones, with and without the
randepoch provider (issues 14 and 18).

A source guest runs ossl_clone.sh: the same unmodified program, which calls
only RAND_bytes() and links only libcrypto, runs twice at once, once with
OPENSSL_CONF naming the randepoch provider (tag P) and once stock (tag S).
The host saves the running source and starts CLONES clones from that one
file, each with a new VMGenID GUID. In each clone the script waits for the
epoch word to change and then has both programs mark their next draw.
Each draw carries its CLOCK_MONOTONIC time: draws made before the snapshot
are the same, time included, in every clone, so the first draw whose time
differs between clones is the first one after the resume.

Two runs, one after the other:
  vmgenid   VMGenID alone: the provider learns of the restore from the
            epoch word, which changes at the VMGenID interrupt;
  vmclock   -device vmclock: QEMU bumps its disruption_marker before the
            clone's vCPUs run, and the provider checks it beside the word.

Required, in the same clones:
  - the word changes in every clone, with the VMGenID (or vmclock) ID;
  - with the provider: 0 duplicates across clones among the draws after
    the mark;
  - vmclock: with the provider, 0 duplicates counted from the first draw
    after the resume (vmgenid: the count is reported; the window between
    resume and interrupt is what vmclock closes);
  - stock OpenSSL: the draws after the mark repeat across clones (the
    control that shows the test can fail).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import qemu  # noqa: E402
from tap import Tap  # noqa: E402

CLONES = int(os.environ.get("RANDEPOCH_CLONES", "4"))
INTERVAL_US = 5000
DURATION_MS = 5000
RUN_BEFORE_SNAPSHOT = 1.5
VMGENID_ID = 1
VMCLOCK_ID = 4
RUN = "ossl_clone.sh,%d,%d" % (INTERVAL_US, DURATION_MS)
VARIANTS = (
    ("vmgenid", []),
    ("vmclock", ["-device", "vmclock"]),
)

tap = Tap()


def draws(lines, tag):
    """A program's draws as {seq: (ns, hex)} and the seq of its mark."""
    out, mark = {}, None
    for line in lines:
        f = line.split()
        if len(f) == 3 and f[0] == tag and f[1] == "M":
            mark = int(f[2])
        elif len(f) == 5 and f[0] == tag and f[1] == "R":
            out[int(f[2])] = (int(f[3]), f[4])
    return out, mark


def first_after_resume(logs):
    """The first seq drawn at different times in the clones, or None."""
    seqs = sorted(set.intersection(*(set(d) for d in logs)))
    return next((s for s in seqs if len({d[s][0] for d in logs}) > 1), None)


def duplicates(values):
    return len(values) - len(set(values))


def run_variant(variant, extra):
    name = "osslclone-" + variant
    ids = (VMGENID_ID, VMCLOCK_ID) if extra else (VMGENID_ID,)
    tap.diag("== %s: %s ==" % (variant, " ".join(extra) or "no vmclock"))
    _, clones, saved = qemu.clones_of_source(RUN, name, r"ossl_clone: start word|not found|P E ",
                                          CLONES, RUN_BEFORE_SNAPSHOT, want="start word",
                                          extra=extra)
    if clones is None:
        tap.check(False, "%s: source guest starts both OpenSSL programs" % variant,
                  "\n".join(saved))
        tap.done()
        sys.exit(1)

    logs = {"P": [], "S": []}
    marks = {"P": [], "S": []}
    for i, g in enumerate(clones):
        text = g.text()
        ok = "ossl_clone: done" in text and not g.timed_out
        ok = ok and "ossl_clone: P rc=0" in text and "ossl_clone: S rc=0" in text
        tap.check(ok, "%s: both programs ran to the end" % g.name, "\n".join(g.tail(20)))
        if not ok:
            tap.done()
            sys.exit(1)
        watch = [line for line in text if line.startswith("ossl_clone: watch ")]
        word = [w for line in watch for w in line.split() if w.startswith("0x")]
        tap.check(len(word) >= 2 and word[0] != word[-1] and
                  int(word[-1], 16) >> 24 in ids,
                  "%s clone %d: the word changed with the %s ID (%s)"
                  % (variant, i, " or ".join(str(x) for x in ids),
                     " -> ".join(word)), "\n".join(watch))
        for tag in logs:
            d, mark = draws(text, tag)
            logs[tag].append(d)
            marks[tag].append(mark)
        tap.check(None not in (marks["P"][-1], marks["S"][-1]),
                  "%s clone %d: both programs marked the change" % (variant, i))

    def after(tag, starts):
        return [h for d, s in zip(logs[tag], starts) if s is not None
                for q, (_, h) in d.items() if q >= s]

    prov = after("P", marks["P"])
    tap.check(prov and duplicates(prov) == 0,
              "%s, with the provider: 0 duplicates among %d RAND_bytes() draws "
              "after the word changed in %d clones (%d repeated)"
              % (variant, len(prov), CLONES, duplicates(prov)))
    stock = after("S", marks["S"])
    tap.check(duplicates(stock) > 0,
              "%s, stock OpenSSL (control): %d of %d draws after the change "
              "are duplicates across clones" % (variant, duplicates(stock), len(stock)))

    resumed = first_after_resume(logs["P"])
    if not tap.check(resumed is not None,
                     "%s: the provider's draws diverge in time after resume" % variant):
        return
    window = after("P", [resumed] * CLONES)
    # Draws from the resume to the mark, per clone: how long the guest
    # script's `randepoch watch` took to see the word change.
    before_mark = [m - resumed for m in marks["P"]]
    if extra:
        tap.check(window and duplicates(window) == 0,
                  "%s, with the provider: 0 duplicates among %d draws counted "
                  "from the first draw after resume (%d repeated; %s draws per "
                  "clone before the guest script saw the word change)"
                  % (variant, len(window), duplicates(window), before_mark))
    else:
        tap.diag("%s, with the provider, from the first draw after resume: %d "
                 "of %d draws repeated across clones (the window vmclock "
                 "closes); %s draws per clone before the guest script saw "
                 "the word change"
                 % (variant, duplicates(window), len(window), before_mark))


def main():
    for variant, extra in VARIANTS:
        run_variant(variant, extra)
    tap.done()
    sys.exit(1 if tap.failed else 0)


main()
