#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The network gate of randepoch-hooks, on the host, with a stand-in nft.

randepoch-gate keeps the nftables table while any reason is recorded; the
hooks 10-gate-close and 90-gate-open bracket the others under run-parts, so
a failing hook leaves the gate closed (the decision: fail closed) with its
reason on record; the fsfreeze hook closes on freeze, and on thaw opens
only after "randepoch settle" returned, staying closed on a settle failure
(here: the CLI without the kernel feature, exit 2). Plain TAP; exit 4
(skip) without run-parts or flock."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from tap import Tap  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GATE_DIR = os.path.join(TOP, "userspace", "systemd", "gate")
GATE = os.path.join(GATE_DIR, "randepoch-gate")

FAKE_NFT = """#!/bin/sh
# stand-in nft: the table is a file
t=$FAKE_NFT_STATE
echo "nft $*" >>"$t.calls"
case "$*" in
"list table inet randepoch_gate") [ -e "$t" ] ;;
"-f -") cat >"$t" ;;
"delete table inet randepoch_gate") [ -e "$t" ] && rm -f "$t" ;;
*) exit 9 ;;
esac
"""

tap = Tap()
ok = tap.check


def main():
    for tool in ("run-parts", "flock"):
        if not shutil.which(tool):
            print("1..0 # SKIP %s not installed" % tool)
            return 4
    tmp = tempfile.mkdtemp(prefix="randepoch-gate-")
    try:
        bin_dir = os.path.join(tmp, "bin")
        os.makedirs(bin_dir)
        nft = os.path.join(bin_dir, "nft")
        with open(nft, "w") as f:
            f.write(FAKE_NFT)
        os.chmod(nft, 0o755)
        state = os.path.join(tmp, "table")
        # The hooks call the gate by its installed path; give them ours.
        libexec = os.path.join(tmp, "libexec")
        os.makedirs(libexec)
        env = dict(os.environ, RANDEPOCH_GATE_DIR=os.path.join(tmp, "gate"),
                   RANDEPOCH_GATE_NFT=nft, FAKE_NFT_STATE=state,
                   RANDEPOCH_WORD="01000002", RANDEPOCH_ID_NAME="vmgenid")
        hooks = os.path.join(tmp, "hooks.d")
        os.makedirs(hooks)
        for h in ("10-gate-close", "90-gate-open"):
            src = open(os.path.join(GATE_DIR, "hooks.d", h)).read()
            with open(os.path.join(hooks, h), "w") as f:
                f.write(src.replace("/usr/libexec/randepoch/randepoch-gate", GATE))
            os.chmod(os.path.join(hooks, h), 0o755)

        def gate(*args):
            return subprocess.run([GATE] + list(args), env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True)

        p = gate("status")
        ok(p.returncode == 0 and p.stdout.strip() == "open" and not os.path.exists(state),
           "the gate starts open, no table")
        p = gate("close", "fsfreeze", "test")
        ok(p.returncode == 0 and os.path.exists(state) and "reject with tcp reset" in open(state).read(),
           "close: the table is made, rejecting new TCP with a reset")
        gate("close", "epoch-change")
        p = gate("open", "epoch-change")
        ok(os.path.exists(state) and "still closed: fsfreeze" in p.stdout,
           "open of one reason keeps the table while another is recorded")
        p = gate("open", "fsfreeze")
        ok(p.returncode == 0 and not os.path.exists(state) and gate("status").returncode == 0,
           "the last reason cleared: table gone, status open")
        ok(gate("close").returncode == 1 and gate("close", "../x").returncode == 1,
           "close without a REASON, or with a path, is refused")

        # Under run-parts, as the unit runs the hooks.
        p = subprocess.run(["run-parts", "--exit-on-error", hooks], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        calls = open(state + ".calls").read()
        ok(p.returncode == 0 and not os.path.exists(state) and calls.count("-f -") == 2,
           "run-parts: the gate closes first and opens last")
        with open(os.path.join(hooks, "50-fails"), "w") as f:
            f.write("#!/bin/sh\necho 'cannot renew' >&2\nexit 3\n")
        os.chmod(os.path.join(hooks, "50-fails"), 0o755)
        p = subprocess.run(["run-parts", "--exit-on-error", hooks], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        st = gate("status")
        ok(p.returncode != 0 and os.path.exists(state) and st.returncode == 1 and
           "epoch-change" in st.stdout and "01000002" in st.stdout,
           "a failing hook: run-parts fails, the gate stays closed, status names the reason",
           p.stdout + st.stdout)
        gate("open", "epoch-change")

        # The fsfreeze hook, with a randepoch CLI whose settle fails.
        cli = os.path.join(bin_dir, "randepoch")
        with open(cli, "w") as f:
            f.write("#!/bin/sh\ncase $1 in show) echo 0x01000001 ;; "
                    "watch) exit 5 ;; settle) echo 'outdated 1'; exit ${FAKE_SETTLE:-5} ;; esac\n")
        os.chmod(cli, 0o755)
        hook_src = open(os.path.join(GATE_DIR, "fsfreeze-hook.d", "randepoch-gate")).read()
        hook = os.path.join(tmp, "fsfreeze-hook")
        with open(hook, "w") as f:
            f.write(hook_src.replace("/usr/libexec/randepoch/randepoch-gate", GATE)
                    .replace("/run/randepoch/freeze-word", os.path.join(tmp, "freeze-word"))
                    .replace("RANDEPOCH_CLONE_GRACE_MS=1000", "RANDEPOCH_CLONE_GRACE_MS=10"))
        os.chmod(hook, 0o755)
        fenv = dict(env, PATH=bin_dir + ":" + os.environ["PATH"])

        def fhook(arg, **extra):
            return subprocess.run([hook, arg], env=dict(fenv, **extra), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True)
        p = fhook("freeze")
        ok(p.returncode == 0 and os.path.exists(state), "fsfreeze freeze: the gate closes")
        p = fhook("thaw")
        ok(p.returncode == 1 and os.path.exists(state) and "settle failed" in p.stdout and
           "gate stays closed" in p.stdout,
           "fsfreeze thaw, settle timed out: exit 1, the gate stays closed, and says so", p.stdout)
        p = fhook("thaw", FAKE_SETTLE="0")
        ok(p.returncode == 0 and not os.path.exists(state) and "settled" in p.stdout,
           "fsfreeze thaw, settled: the gate opens", p.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    sys.exit(main())
