# SPDX-License-Identifier: GPL-2.0
"""Read KTAP/TAP results: the guest's selftests and the host-side tests."""

import re

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
