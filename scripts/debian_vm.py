# SPDX-License-Identifier: GPL-2.0
"""The Debian 13 guest (scripts/debian_image.sh) under QEMU: an ext4 disk on
virtio-blk behind a qcow2 overlay, QEMU user networking with the guest's
ports 22 and 443 forwarded to 127.0.0.1:PORT and :TLS_PORT,
qemu-guest-agent on virtio-serial, QMP.

An orchestrator's snapshot (snapshot()): guest-fsfreeze-freeze through the
agent, stop, copy the disk overlay and save the VM state to a file, then
cont and thaw the original. Clones (clone()) start from that state, each on
its own overlay over the copied one and with a new VM generation ID; the
caller thaws each one. Without the agent (agent=False) the freeze and thaw
are left out, as on Firecracker.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import threading
import time

import qemu
import tls_hello

IMAGE_DIR = os.path.join(qemu.BUILD, "debian-image")
VMLINUZ = os.path.join(IMAGE_DIR, "vmlinuz")
# systemd.firstboot=off: no interactive first-boot questions on the console.
CMDLINE = ("root=/dev/vda rw rootfstype=ext4 console=ttyS0 loglevel=4 "
           "panic=-1 systemd.firstboot=off")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def overlay(path, backing, fmt):
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", fmt,
                    "-b", os.path.abspath(backing), path], check=True)


class DebianVM(qemu.Guest):
    def __init__(self, name, disk, port=None, incoming=None, image="randepoch",
                 mem="512M", smp=1, timeout=900, guid="auto", work=None):
        super().__init__(name=name, timeout=timeout, qmp=True, incoming=incoming,
                         guid=guid)
        self.image = image
        self.port = port or free_port()
        self.tls_port = free_port()
        self.work = work or os.path.join(qemu.BUILD, "debian-vm")
        os.makedirs(self.work, exist_ok=True)
        self.disk = disk
        self.ga_path = os.path.join(self.work, name + ".ga")
        if os.path.exists(self.ga_path):
            os.unlink(self.ga_path)
        self.ga = None
        self.args = (["qemu-system-x86_64"] + qemu.accel_args() +
                     ["-smp", str(smp), "-m", mem, "-nodefaults",
                      "-display", "none", "-serial", "stdio", "-no-reboot",
                      "-kernel", VMLINUZ, "-append", CMDLINE,
                      "-drive", "file=%s,if=virtio,format=qcow2,cache=unsafe" % disk,
                      "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22,hostfwd=tcp:127.0.0.1:%d-:443"
                      % (self.port, self.tls_port),
                      "-device", "virtio-net-pci,netdev=n0",
                      "-device", "vmgenid,guid=%s" % guid,
                      "-device", "virtio-serial-pci",
                      "-chardev", "socket,id=ga0,path=%s,server=on,wait=off" % self.ga_path,
                      "-device", "virtserialport,chardev=ga0,name=org.qemu.guest_agent.0",
                      "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path])
        if incoming:
            self.args += ["-incoming", incoming]

    @classmethod
    def boot(cls, name, image="randepoch", **kw):
        """A fresh VM on its own overlay over build/debian-image/IMAGE.img."""
        work = kw.get("work") or os.path.join(qemu.BUILD, "debian-vm")
        os.makedirs(work, exist_ok=True)
        disk = os.path.join(work, name + ".qcow2")
        overlay(disk, os.path.join(IMAGE_DIR, image + ".img"), "raw")
        return cls(name, disk, image=image, **kw).start()

    # --- the guest agent -------------------------------------------------
    def agent(self, command, timeout=60, **arguments):
        deadline = time.monotonic() + timeout
        if self.ga is None:
            while True:
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(self.ga_path)
                    break
                except OSError:
                    s.close()
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            self.ga = s
            self.ga_buf = b""
            # Anything stale in the channel is skipped up to our sync reply.
            sync_id = int(time.time() * 1000) % (1 << 31)
            self._ga_send({"execute": "guest-sync-delimited", "arguments": {"id": sync_id}})
            while True:
                r = self._ga_reply(deadline, want_sync=True)
                if r.get("return") == sync_id:
                    break
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self._ga_send(msg)
        r = self._ga_reply(deadline)
        if "error" in r:
            raise RuntimeError("agent %s: %s" % (command, r["error"]))
        return r.get("return")

    def _ga_send(self, msg):
        self.ga.sendall(json.dumps(msg).encode() + b"\n")

    def _ga_reply(self, deadline, want_sync=False):
        while True:
            if want_sync and b"\xff" in self.ga_buf:
                self.ga_buf = self.ga_buf[self.ga_buf.index(b"\xff") + 1:]
                want_sync = False
            if not want_sync and b"\n" in self.ga_buf:
                line, self.ga_buf = self.ga_buf.split(b"\n", 1)
                line = line.strip()
                if line:
                    try:
                        return json.loads(line.decode("utf-8", "replace"))
                    except ValueError:
                        continue
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                self.ga.close()
                self.ga = None
                raise TimeoutError("%s: no reply from the guest agent" % self.name)
            self.ga.settimeout(left)
            try:
                data = self.ga.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise RuntimeError("%s: guest agent channel closed" % self.name)
            self.ga_buf += data

    def wait_agent(self, timeout=300):
        """Until the agent answers guest-ping."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.agent("guest-ping", timeout=5)
                return True
            except (OSError, RuntimeError, TimeoutError):
                if self.ga is not None:
                    self.ga.close()
                    self.ga = None
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    return False
                time.sleep(1)

    def sh(self, script, timeout=120):
        """Run a shell script in the guest through the agent: (rc, output)."""
        pid = self.agent("guest-exec", path="/bin/sh", arg=["-c", script],
                         **{"capture-output": True})["pid"]
        deadline = time.monotonic() + timeout
        while True:
            st = self.agent("guest-exec-status", pid=pid)
            if st.get("exited"):
                out = base64.b64decode(st.get("out-data", "")) + \
                    base64.b64decode(st.get("err-data", ""))
                return st.get("exitcode", -1), out.decode("utf-8", "replace")
            if time.monotonic() > deadline:
                raise TimeoutError("%s: %r still running after %ds" % (self.name, script, timeout))
            time.sleep(0.2)

    # --- snapshot and clones ----------------------------------------------
    def snapshot(self, state, disk_copy, use_agent=True):
        """The orchestrator's snapshot. Returns a dict of timings (s)."""
        t = {}
        t0 = time.monotonic()
        if use_agent:
            n = self.agent("guest-fsfreeze-freeze", timeout=120)
            t["freeze"] = time.monotonic() - t0
            t["frozen_fs"] = n
        self.qmp("stop")
        shutil.copyfile(self.disk, disk_copy)
        self.migrate_to_file(state)
        t["saved"] = time.monotonic() - t0
        self.qmp("cont")
        if use_agent:
            self.agent("guest-fsfreeze-thaw", timeout=180)
        t["original_thawed"] = time.monotonic() - t0
        return t

    @classmethod
    def clone(cls, name, state, disk_copy, image="randepoch", **kw):
        work = kw.get("work") or os.path.join(qemu.BUILD, "debian-vm")
        disk = os.path.join(work, name + ".qcow2")
        overlay(disk, disk_copy, "qcow2")
        return cls(name, disk, incoming="exec:cat %s" % state, image=image, **kw).start()


def keyscan(port, timeout=2, types="ed25519,ecdsa,rsa"):
    """One ssh-keyscan of 127.0.0.1:port: the set of host keys ("type
    base64") it answered with, empty when nothing answered."""
    p = subprocess.run(["ssh-keyscan", "-T", str(timeout), "-t", types,
                        "-p", str(port), "127.0.0.1"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       universal_newlines=True)
    keys = set()
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) >= 3 and not line.startswith("#"):
            keys.add(f[1] + " " + f[2])
    return keys


def set_provider(vm, verb):
    """randepoch-openssl enable|disable in vm, then an nginx restart, as an
    operator does (running processes keep the DRBG they started with), and
    3 handshakes, so that the new worker's DRBG is seeded and in use.
    Returns (exit status, output, handshakes answered)."""
    rc, out = vm.sh("randepoch-openssl %s && systemctl restart nginx.service" % verb)
    answered = sum(1 for _ in range(3) if tls_hello.hello(vm.tls_port, timeout=30))
    return rc, out, answered


def nginx_workers_mapping(vm):
    """Whether each nginx worker has randepoch.so mapped: a list of bools,
    and the output. Workers are www-data's nginx processes ("pgrep -f
    'nginx: worker'" would also match the shell that runs it); they inherit
    the provider from the master, which loads openssl.cnf at start."""
    rc, out = vm.sh("for p in $(pgrep -u www-data -x nginx); do "
                    "if grep -q /randepoch.so /proc/$p/maps; then echo worker $p maps randepoch.so; "
                    "else echo worker $p lacks randepoch.so; fi; done")
    return [line.endswith(" maps randepoch.so") for line in out.splitlines()
            if line.startswith("worker ")], out


def wait_ssh(vm, timeout=300):
    """Until sshd answers with host keys; returns them (empty: timed out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and vm.proc.poll() is None:
        keys = keyscan(vm.port)
        if keys:
            return keys
        time.sleep(1)
    return set()


class Prober(threading.Thread):
    """A real client against one VM in a loop from t0 (its resume) until
    stop is set: results is [(seconds since t0, probe()'s answer)], a false
    answer for a refusal. It pauses pause seconds after a refusal, and
    after every answer too with pause_always (so that the clones' CPUs,
    TCG on shared host cores, still run their hooks)."""

    def __init__(self, vm, t0=None, pause=0.1, pause_always=False):
        super().__init__(daemon=True)
        self.vm, self.t0 = vm, t0 or time.monotonic()
        self.pause, self.pause_always = pause, pause_always
        self.results = []
        self.stop = threading.Event()

    def probe(self):
        raise NotImplementedError

    def run(self):
        while not self.stop.is_set() and self.vm.proc.poll() is None:
            answer = self.probe()
            self.results.append((time.monotonic() - self.t0, answer))
            if self.pause_always or not answer:
                time.sleep(self.pause)

    def answered(self):
        return [a for _, a in self.results if a]


class Scanner(Prober):
    """ssh-keyscan in a tight loop: scans is [(s, set of keys)], empty sets
    for refusals."""

    def probe(self):
        return keyscan(self.vm.port, timeout=2)

    @property
    def scans(self):
        return self.results

    def first_accepted(self):
        return next((t for t, k in self.scans if k), None)

    def keys(self):
        out = set()
        for _, k in self.scans:
            out |= k
        return out


class Handshaker(Prober):
    """openssl s_client against the VM's nginx: hellos is [(s, ServerHello
    fields or None)], with pause (0.2 s) after every handshake by default."""

    def __init__(self, vm, t0=None, pause=0.2, pause_always=True):
        super().__init__(vm, t0, pause, pause_always)

    def probe(self):
        return tls_hello.hello(self.vm.tls_port, timeout=10)

    @property
    def hellos(self):
        return self.results
