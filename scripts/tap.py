# SPDX-License-Identifier: GPL-2.0
"""Minimal TAP output for the host-side tests."""

import sys


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def diag(self, msg):
        for line in str(msg).splitlines():
            print("# " + line, flush=True)

    def check(self, ok, name, detail=""):
        self.n += 1
        if not ok:
            self.failed += 1
            if detail:
                self.diag(detail)
        print("%sok %d %s" % ("" if ok else "not ", self.n, name), flush=True)
        return ok

    def skip(self, name, why):
        self.n += 1
        print("ok %d %s # SKIP %s" % (self.n, name, why), flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)
