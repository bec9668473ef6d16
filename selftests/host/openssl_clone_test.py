#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""OpenSSL's RAND_bytes() across VM snapshot clones, with and without the
randepoch provider (issue 14).

A source guest runs ossl_clone.sh: the same unmodified program, which calls
only RAND_bytes() and links only libcrypto, runs twice at once, once with
OPENSSL_CONF naming the randepoch provider (tag P) and once stock (tag S).
The host saves the running source and starts CLONES clones from that one
file, each with a new VMGenID GUID. In each clone the script waits for the
epoch word to change and then has both programs mark their next draw.

Required, in the same clones:
  - the word changes in every clone, with the VMGenID notifier's ID;
  - with the provider: 0 duplicates across clones among the draws after
    the mark;
  - stock OpenSSL: the draws after the mark repeat across clones (the
    control that shows the test can fail).
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import qemu  # noqa: E402
from tap import Tap  # noqa: E402

CLONES = int(os.environ.get("RANDEPOCH_CLONES", "4"))
INTERVAL_US = 5000
DURATION_MS = 5000
RUN_BEFORE_SNAPSHOT = 1.5
VMGENID_ID = 1
RUN = "ossl_clone.sh,%d,%d" % (INTERVAL_US, DURATION_MS)

tap = Tap()


def after_mark(lines, tag):
    """The draws (hex) a program made after its mark, or None if unmarked."""
    out, marked = [], False
    for line in lines:
        f = line.split()
        if len(f) >= 3 and f[0] == tag and f[1] == "M":
            marked = True
        elif marked and len(f) == 4 and f[0] == tag and f[1] == "R":
            out.append(f[3])
    return out if marked else None


def main():
    state = os.path.join(qemu.BUILD, "osslclone.state")
    src = qemu.Guest(run=RUN, name="osslclone-source", timeout=300, qmp=True).start()
    m = src.wait_for(r"ossl_clone: start word|not found|P E ", 120)
    if not m or "start word" not in m.group(0):
        tap.check(False, "source guest starts both OpenSSL programs",
                  "\n".join(src.tail(30)))
        src.kill()
        tap.done()
        sys.exit(1)
    time.sleep(RUN_BEFORE_SNAPSHOT)
    src.snapshot_and_kill(state)
    clones = qemu.run_clones(RUN, "osslclone", state, CLONES, timeout=300)

    prov, stock = [], []
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
                  int(word[-1], 16) >> 24 == VMGENID_ID,
                  "clone %d: the word changed with the VMGenID ID (%s)"
                  % (i, " -> ".join(word)), "\n".join(watch))
        p, s = after_mark(text, "P"), after_mark(text, "S")
        tap.check(p and s, "clone %d: both programs marked the change (%d, %d draws after)"
                  % (i, len(p or []), len(s or [])))
        prov += p or []
        stock += s or []

    pdups = len(prov) - len(set(prov))
    tap.check(prov and pdups == 0,
              "with the provider: 0 duplicates among %d RAND_bytes() draws after "
              "the word changed in %d clones (%d repeated)" % (len(prov), CLONES, pdups))
    sdups = len(stock) - len(set(stock))
    tap.check(sdups > 0,
              "stock OpenSSL (control): %d of %d draws after the change are "
              "duplicates across clones" % (sdups, len(stock)))
    tap.done()
    sys.exit(1 if tap.failed else 0)


main()
