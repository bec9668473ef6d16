# SPDX-License-Identifier: GPL-2.0
"""TAP for the Python tests, the counterpart of tap.h (C) and tap.sh (shell)
in this directory: Tap writes it (the host-side tests), Results and parse()
read KTAP/TAP (the guest's selftests and the host-side tests' output)."""

import re
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


RESULT = re.compile(r"^(not )?ok \d+ (.*?)(?:\s+#\s*(SKIP|TODO|XFAIL)\b(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)")


class Results:
    def __init__(self):
        self.items = []         # (status, name, detail)

    def add(self, status, name, detail=""):
        self.items.append((status, name, detail))

    def count(self, status):
        return sum(1 for s, _, _ in self.items if s == status)

    def extend(self, other):
        self.items += other.items


def parse(lines, suite):
    """Parse one KTAP document whose subtests are nested behind "# ".

    Every subtest counts; a top-level test that failed without a failing
    subtest (it crashed, timed out or printed nothing) counts as one failure,
    and so does a top-level test the plan announced but that never reported.
    """
    res = Results()
    plan = None
    top = 0
    nested = Results()
    body = []
    for line in lines:
        if line.startswith("# "):
            inner = line[2:]
            body.append(inner)
            m = RESULT.match(inner.lstrip())
            if m and not inner.startswith("#"):
                status = "skip" if m.group(3) == "SKIP" else (
                    "fail" if m.group(1) else "pass")
                nested.add(status, "%s: %s" % (suite, m.group(2)),
                           "\n".join(body[-40:]) if status == "fail" else "")
            continue
        m = PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        top += 1
        name = "%s: %s" % (suite, m.group(2))
        failed = m.group(1) is not None
        res.extend(nested)
        if failed and not nested.count("fail"):
            res.add("fail", name, "\n".join(body[-40:]))
        elif not nested.items:
            res.add("skip" if m.group(3) == "SKIP" else
                    ("fail" if failed else "pass"), name)
        nested = Results()
        body = []
    if plan is None:
        res.add("fail", suite + ": no KTAP plan (did the guest run the tests?)")
    elif top < plan:
        res.add("fail", "%s: only %d of %d tests reported" % (suite, top, plan),
                "\n".join(body[-40:]))
    return res
