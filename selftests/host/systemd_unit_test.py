#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The watcher's systemd unit and example hooks, on the host.

systemd-analyze verify accepts userspace/systemd/randepoch-hooks.service in a
root that has the randepoch CLI at its ExecStart path; the control, the same
root without the CLI, is refused. The example hooks renew what they own (an
instance UUID file, SSH host keys in a scratch directory) and only that; the
control, not running them, keeps the old values; a hook that cannot write
fails. Plain TAP; exit 4 (skip) without
systemd-analyze or ssh-keygen."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from tap import Tap  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = os.path.join(TOP, "userspace", "systemd", "randepoch-hooks.service")
HOOKS = os.path.join(TOP, "userspace", "systemd", "hooks.d")
CLI = os.path.join(TOP, "build", "userspace", "randepoch")

tap = Tap()
ok = tap.check


def run(cmd, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=e)


def verify(root):
    return run(["systemd-analyze", "verify", "--root=" + root,
                "/etc/systemd/system/randepoch-hooks.service"])


def fingerprints(d):
    out = {}
    for f in sorted(os.listdir(d)):
        if f.startswith("ssh_host_") and f.endswith(".pub"):
            out[f] = run(["ssh-keygen", "-l", "-f", os.path.join(d, f)]).stdout
    return out


def main():
    for tool in ("systemd-analyze", "ssh-keygen", "run-parts"):
        if not shutil.which(tool):
            print("1..0 # SKIP %s not installed (scripts/deps.sh)" % tool)
            return 4
    if not os.access(CLI, os.X_OK):
        subprocess.run(["make", "--no-print-directory", "-C", os.path.join(TOP, "userspace"),
                        "all", "O=" + os.path.dirname(CLI)], stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp(prefix="randepoch-unit-")
    try:
        root = os.path.join(tmp, "root")
        os.makedirs(os.path.join(root, "etc", "systemd", "system"))
        os.makedirs(os.path.join(root, "usr", "local", "bin"))
        shutil.copy(UNIT, os.path.join(root, "etc", "systemd", "system"))
        # Control first: the CLI is not at its ExecStart path.
        p = verify(root)
        print("# control: " + p.stdout.strip().replace("\n", "\n# "))
        ok(p.returncode != 0 and "randepoch" in p.stdout,
           "control: systemd-analyze verify refuses the unit without the CLI (rc %d)" % p.returncode)
        shutil.copy(CLI, os.path.join(root, "usr", "local", "bin"))
        p = verify(root)
        print("# " + p.stdout.strip().replace("\n", "\n# "))
        ok(p.returncode == 0 and not p.stdout.strip(),
           "systemd-analyze verify accepts randepoch-hooks.service, no warnings (rc %d)" % p.returncode)

        # The hooks, through run-parts as the unit runs them.
        ssh = os.path.join(tmp, "ssh")
        os.makedirs(ssh)
        for t in ("ed25519", "ecdsa"):
            run(["ssh-keygen", "-q", "-t", t, "-N", "", "-f",
                 os.path.join(ssh, "ssh_host_%s_key" % t)])
        uuid_file = os.path.join(tmp, "lib", "instance-uuid")
        env = {"RANDEPOCH_SSH_DIR": ssh, "RANDEPOCH_UUID_FILE": uuid_file,
               "RANDEPOCH_WORD": "02000005", "RANDEPOCH_ID": "2",
               "RANDEPOCH_ID_NAME": "criu"}
        p = run(["run-parts", "--exit-on-error", HOOKS], env)
        print("# " + p.stdout.strip().replace("\n", "\n# "))
        ok(p.returncode == 0, "run-parts runs both hooks (rc %d)" % p.returncode)
        with open(uuid_file) as f:
            uuid1 = f.read().strip()
        keys1 = fingerprints(ssh)
        # Control: nothing runs, nothing changes.
        ok(fingerprints(ssh) == keys1 and open(uuid_file).read().strip() == uuid1,
           "control: without a hook run the UUID and keys stay")
        p = run(["run-parts", "--exit-on-error", HOOKS], env)
        with open(uuid_file) as f:
            uuid2 = f.read().strip()
        keys2 = fingerprints(ssh)
        ok(p.returncode == 0 and len(uuid2) == 36 and uuid2 != uuid1,
           "a second run gives a new instance UUID (%s -> %s)" % (uuid1, uuid2))
        ok(len(keys2) == 2 and all(keys2[k] != keys1[k] for k in keys1),
           "a second run gives new SSH host keys (%d types)" % len(keys2))
        ok(not any(f.startswith(".randepoch") for f in os.listdir(ssh)),
           "no temporary directory left behind")
        # A hook that cannot make its keys fails, and changes nothing.
        bad = dict(env, RANDEPOCH_SSH_DIR=os.path.join(tmp, "missing"))
        p = run([os.path.join(HOOKS, "60-ssh-host-keys")], bad)
        ok(p.returncode != 0 and fingerprints(ssh) == keys2,
           "the SSH hook fails without its directory (rc %d), keys unchanged" % p.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    sys.exit(main())
