#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The userspace library's host tests (make -C userspace check): ChaCha20
vectors, the library on a simulated epoch page, the reference PRNG, the
liburcu shared PRNG under ASan and UBSan, header C89/C++ compiles, the CLI's
exit codes and pkg-config linking. Their TAP output is passed through."""

import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = subprocess.run(["make", "--no-print-directory", "-C", os.path.join(TOP, "userspace"), "check",
                    "O=" + os.path.join(TOP, "build", "userspace")],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
n = 0
for line in p.stdout.splitlines():
    # Renumber the programs' TAP into one stream; keep the rest as comments.
    if line.startswith(("ok ", "not ok ")):
        n += 1
        status, _, rest = line.partition("ok ")
        name = rest.split(" ", 1)[1] if " " in rest else rest
        print("%sok %d %s" % (status, n, name))
    else:
        print("# " + line)
if p.returncode and not any(l.startswith("not ok") for l in p.stdout.splitlines()):
    n += 1
    print("not ok %d make -C userspace check exited %d" % (n, p.returncode))
print("1..%d" % n)
sys.exit(1 if p.returncode else 0)
