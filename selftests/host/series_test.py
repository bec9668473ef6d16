#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The upstream series: generated from kernel/, and every patch
checkpatch.pl --strict clean (0 errors, 0 warnings, 0 checks).

`make series` also builds each patch in order; that takes minutes, so the
test suite runs only the generation and checkpatch part.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from tap import Tap  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
tap = Tap()
p = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "series.py"), "--no-build"],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
out = p.stdout
tap.check("patches and a cover letter" in out, "series generated from kernel/", out[-3000:])
for m in re.finditer(r"checkpatch --strict (\S+): (\d+) errors, (\d+) warnings, (\d+) checks", out):
    name, counts = m.group(1), tuple(int(x) for x in m.groups()[1:])
    tap.check(sum(counts) == 0, "checkpatch --strict %s: %d errors, %d warnings, %d checks"
              % ((name,) + counts))
tap.check(p.returncode == 0, "scripts/series.py --no-build exits 0", out[-3000:])
tap.done()
