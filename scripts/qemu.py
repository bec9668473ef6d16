# SPDX-License-Identifier: GPL-2.0
"""Run the randepoch guest under QEMU: boot, console capture, QMP, timeouts.

Used by the test runner, the host-side tests, the demo and the benchmarks.
TCG by default; RANDEPOCH_ACCEL=kvm asks for KVM (these machines' nested
KVM fails on ordinary guests, so it is never the default).
"""

import json
import os
import re
import socket
import subprocess
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, "build")
KERNEL = os.path.join(BUILD, "bzImage-test")
INITRD = os.path.join(BUILD, "initramfs.cpio.gz")

# Kernel log lines that mean something went wrong in the guest kernel.
SPLAT = re.compile(r"(BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|"
                   r"possible circular locking|possible recursive locking|"
                   r"inconsistent lock state|sleeping function called|"
                   r"unreferenced object|Call Trace:|KFENCE:|KCSAN:)")


def accel_args():
    if os.environ.get("RANDEPOCH_ACCEL", "tcg") == "kvm":
        return ["-accel", "kvm", "-cpu", "host"]
    return ["-accel", "tcg,thread=multi", "-cpu", "max"]


def accel_name():
    return os.environ.get("RANDEPOCH_ACCEL", "tcg")


class Guest:
    """One QEMU process. Console lines are collected as they arrive."""

    def __init__(self, run="tests", name="guest", timeout=600, kernel=KERNEL,
                 initrd=INITRD, append="", smp=2, mem="1G", qmp=False,
                 incoming=None, log_dir=None, guid="auto", extra=None, accel=None):
        self.name = name
        self.timeout = timeout
        self.lines = []
        self.timed_out = False
        self.cond = threading.Condition()
        log_dir = log_dir or os.path.join(BUILD, "logs")
        os.makedirs(log_dir, exist_ok=True)
        self.log_path = os.path.join(log_dir, name + ".console.log")
        self.qmp_path = None
        self.qmp_sock = None
        cmdline = ("console=ttyS0 loglevel=4 panic=-1 oops=panic "
                   "randepoch.run=%s %s" % (run, append)).strip()
        # accel: QEMU's accelerator and CPU arguments instead of accel_args().
        self.args = (["qemu-system-x86_64"] + (accel or accel_args()) +
                     ["-smp", str(smp), "-m", mem, "-nodefaults",
                      "-display", "none", "-serial", "stdio",
                      "-no-reboot", "-kernel", kernel, "-initrd", initrd,
                      "-append", cmdline,
                      "-device", "vmgenid,guid=%s" % guid])
        if qmp:
            self.qmp_path = os.path.join(log_dir, name + ".qmp")
            if os.path.exists(self.qmp_path):
                os.unlink(self.qmp_path)
            self.args += ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if incoming:
            self.args += ["-incoming", incoming]
        self.args += extra or []

    def start(self):
        self.t0 = time.monotonic()
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.log.write(line + "\n")
            self.log.flush()
            with self.cond:
                self.lines.append((time.monotonic() - self.t0, line))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        """Wait for a console line matching pattern; return the match or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for _, line in self.lines[seen:]:
                    m = rx.search(line)
                    if m:
                        return m
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and
                                 not self.reader.is_alive()):
                    return None
                self.cond.wait(min(left, 0.5))

    def wait(self):
        """Wait for QEMU to exit, killing it at the timeout."""
        left = self.timeout - (time.monotonic() - self.t0)
        try:
            self.proc.wait(timeout=max(left, 0))
        except subprocess.TimeoutExpired:
            self.timed_out = True
            self.kill()
        self.reader.join(timeout=5)
        self.log.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def text(self):
        return [line for _, line in self.lines]

    def tail(self, n=30):
        return self.text()[-n:]

    # --- QMP ------------------------------------------------------------
    def qmp(self, command, **arguments):
        if self.qmp_sock is None:
            deadline = time.monotonic() + 30
            while True:
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(self.qmp_path)
                    break
                except OSError:
                    s.close()
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            self.qmp_sock = s
            self.qmp_file = s.makefile("rw")
            json.loads(self.qmp_file.readline())          # greeting
            self._qmp_send("qmp_capabilities")
        return self._qmp_send(command, **arguments)

    def _qmp_send(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.qmp_file.write(json.dumps(msg) + "\n")
        self.qmp_file.flush()
        while True:
            reply = json.loads(self.qmp_file.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (command, reply["error"]))
            # an asynchronous event: ignore

    def cont_after_incoming(self, timeout=120):
        """Start a clone restored with -incoming once its state is loaded.

        A "cont" sent while the state is still loading is swallowed (the
        clone then stays paused like its source), so wait for it first.
        """
        deadline = time.monotonic() + timeout
        while self.qmp("query-status").get("status") == "inmigrate":
            if time.monotonic() > deadline:
                raise RuntimeError("%s: state not loaded in %ds" % (self.name, timeout))
            time.sleep(0.05)
        self.qmp("cont")

    def migrate_to_file(self, path, timeout=120):
        """Save the (stopped) VM's state to path and wait until it is done."""
        self.qmp("migrate", uri="exec:cat > %s" % path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.qmp("query-migrate").get("status")
            if status == "completed":
                return
            if status in ("failed", "cancelled"):
                raise RuntimeError("migration " + status)
            time.sleep(0.1)
        raise RuntimeError("migration did not finish in %ds" % timeout)

    def snapshot_and_kill(self, path):
        """Stop the VM, save its state to path, and end this QEMU.

        Returns the seconds the save took (from the stopped VM to the
        completed migration), for the runners that report it.
        """
        self.qmp("stop")
        t0 = time.monotonic()
        self.migrate_to_file(path)
        took = time.monotonic() - t0
        self.kill()
        self.wait()
        return took


def run_clones(run, name, state, count, timeout=120, kernel=KERNEL, extra=None):
    """Start count guests named NAME-0.. from the saved state, each with a
    new VMGenID GUID, let them run to the end, and delete the state file.
    The kernel and the devices (extra) must be the ones the source ran."""
    clones = [Guest(run=run, name="%s-%d" % (name, i), timeout=timeout, qmp=True,
                    kernel=kernel, incoming="exec:cat %s" % state,
                    extra=extra).start()
              for i in range(count)]
    for g in clones:
        g.cont_after_incoming()   # a clone of a stopped source comes up paused
    for g in clones:
        g.wait()
    os.unlink(state)
    return clones


def write_results(name, data, md):
    """A benchmark's outputs: build/results/NAME.json (the raw figures) and
    docs/results/NAME.md (md, a list of lines, the table the docs cite)."""
    results = os.path.join(BUILD, "results")
    docs = os.path.join(TOP, "docs", "results")
    os.makedirs(results, exist_ok=True)
    os.makedirs(docs, exist_ok=True)
    with open(os.path.join(results, name + ".json"), "w") as f:
        json.dump(data, f, indent=1)
    with open(os.path.join(docs, name + ".md"), "w") as f:
        f.write("\n".join(md).rstrip("\n") + "\n")


def clones_of_source(run, name, ready, count, run_before_s, want=None, kernel=KERNEL,
                     extra=None, append="", clones_name=None, timeout=300,
                     on_snapshot=None):
    """The clone runners' common start: a source guest NAME-source runs
    RUN until its console matches the regex ready (and the match contains
    want, when given), runs run_before_s seconds more, is saved to a state
    file and ended; on_snapshot(state file) runs, then count clones
    (clones_name or NAME) run from that state to the end. Returns (the
    match, the clones, "saved N MB in S s"), or (None, None, the source's
    last console lines) when it never got ready."""
    src = Guest(run=run, name=name + "-source", kernel=kernel, timeout=timeout,
                qmp=True, append=append, extra=extra).start()
    m = src.wait_for(ready, 120)
    if not m or (want and want not in m.group(0)):
        tail = src.tail(30)
        src.kill()
        src.wait()
        return None, None, tail
    time.sleep(run_before_s)
    state = os.path.join(BUILD, name + ".state")
    took = src.snapshot_and_kill(state)
    saved = "saved %.1f MB in %.2fs" % (os.path.getsize(state) / 1e6, took)
    if on_snapshot:
        on_snapshot(state)
    return m, run_clones(run, clones_name or name, state, count, timeout=timeout,
                         kernel=kernel, extra=extra), saved


def dmesg(lines):
    """The guest kernel log the init printed between its markers."""
    out, inside = [], False
    for line in lines:
        if line == "randepoch: dmesg begin":
            inside = True
        elif line == "randepoch: dmesg end":
            inside = False
        elif inside:
            out.append(line)
    return out


def splats(lines):
    return [line for line in lines if SPLAT.search(line)]
