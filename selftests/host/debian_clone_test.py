#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A real Debian 13 VM, cloned: our .debs installed with apt, the
randepoch-hooks unit under systemd renewing the SSH host keys, and a network
gate that opens only after every clone has renewed them.

The host plays the orchestrator (scripts/debian_vm.py): guest-fsfreeze-freeze
through qemu-guest-agent, stop, save the VM to a file, cont and thaw the
original; then CLONES clones start from the file, each with a new VM
generation ID, and are thawed one by one. From each clone's resume the host
runs ssh-keyscan (ed25519, ecdsa, rsa) against it in a tight loop over QEMU
user networking (127.0.0.1).

Required:
  - quiesced snapshot: no host key any clone ever presents is the
    snapshot's, and no key is presented by two clones; the time from resume
    to the first accepted connection is reported per clone;
  - control, the stock image (no randepoch packages): every clone presents
    the snapshot's keys;
  - snapshot without the agent (as on Firecracker): the connections
    answered with the snapshot's keys and the time until the gate closed
    are counted and reported (build/results/debian_clone.json);
  - a failing hook: the gate stays closed, the thaw's settle times out,
    "randepoch show" shows the outdated watcher and the journal says why.
Beside every ssh-keyscan loop an openssl s_client loop against the
clone's nginx (provider enabled system-wide) records each ServerHello
random and key share:
  - quiesced: no value shared by two clones;
  - controls: the stock image, and the same image after
    "randepoch-openssl disable" (nginx restarted): the first handshakes of
    every clone return the same random;
  - "randepoch-openssl enable" again: every new worker maps the provider;
  - reliability: a bounded flood (4 parallel clients, FLOOD_COUNT
    handshakes or FLOOD_SECONDS) against the source while the guest bumps
    the epoch word every 50 ms: no failed handshake, no repeated value.
Last, Debian's CRIU in the source: a restore runs our action script
because the package named it in /etc/criu/default.conf.
Plain TAP. make test (and make test-debian) build the packages and the
image first; a missing image is a failure, not a skip, because the test is
then never run where it should be. RANDEPOCH_DEBIAN=0 skips it visibly.
"""

import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import debian_vm  # noqa: E402
import qemu  # noqa: E402
from debian_vm import (DebianVM, Handshaker, Scanner, keyscan, nginx_workers_mapping,  # noqa: E402
                       set_provider, wait_ssh)
import tls_hello  # noqa: E402
from tap import Tap  # noqa: E402

CLONES = int(os.environ.get("RANDEPOCH_DEBIAN_CLONES", "4"))
NOAGENT_CLONES = 2
# The reliability flood against the source: at most this many handshakes,
# or this long.
FLOOD_COUNT = 400
FLOOD_SECONDS = 60
RESULTS = os.path.join(qemu.BUILD, "results")
WORK = os.path.join(qemu.BUILD, "debian-vm")
# The gate's log and the unit's, in one stream (journalctl ORs across "+").
JOURNAL = "SYSLOG_IDENTIFIER=randepoch-gate + _SYSTEMD_UNIT=randepoch-hooks.service"
# Under TCG, with every clone making RSA, ECDSA and Ed25519 keys on two host
# cores, the hooks take tens of seconds: the orchestrator allows 5 minutes
# (/etc/default/randepoch-gate in the source, before the snapshot).
SETTLE_MS = 300000

tap = Tap()


def boot(name, image):
    vm = DebianVM.boot(name, image=image, work=WORK)
    return vm


def ready(vm, what):
    if not vm.wait_agent(600):
        tap.check(False, "%s boots to qemu-guest-agent" % what, "\n".join(vm.tail(40)))
        return None
    t_agent = time.monotonic() - vm.t0
    keys = wait_ssh(vm, 300)
    tap.check(bool(keys), "%s boots, sshd answers ssh-keyscan on 127.0.0.1:%d (agent up %.0fs, sshd %.0fs from start)"
              % (what, vm.port, t_agent, time.monotonic() - vm.t0),
              "\n".join(vm.tail(40)))
    # nginx serves before the snapshot: its workers' DRBGs are seeded and
    # in use, as on a server that has been up for a while.
    hellos = [tls_hello.hello(vm.tls_port, timeout=30) for _ in range(3)]
    tap.check(all(hellos), "%s: nginx answers TLS 1.3 handshakes on 127.0.0.1:%d (%s)"
              % (what, vm.tls_port, hellos[0]["group_name"] if hellos[0] else "none"))
    return keys


def clones_from(src, tag, image, count, use_agent=True, settle_wait=180):
    """Snapshot src and start count clones; scan each from its resume, thaw
    each (with the agent); returns (snapshot keys, clones, scanners, thaw results)."""
    state = os.path.join(WORK, "%s.state" % tag)
    disk = os.path.join(WORK, "%s.snap.qcow2" % tag)
    # A mark in the journal just before the snapshot: the clones' journals
    # then time the gate from it on the guest's clock, which stands still
    # while the VM is stopped and saved.
    src.sh("logger -t randepoch-test snapshot-now")
    t = src.snapshot(state, disk, use_agent=use_agent)
    tap.diag("%s: snapshot %s the agent: %s" % (tag, "with" if use_agent else "without",
             ", ".join("%s %.2fs" % (k, v) if isinstance(v, float) else "%s %s" % (k, v)
                       for k, v in t.items())))
    src.qmp("stop")        # the original waits, its CPU goes to the clones
    clones = [DebianVM.clone("%s-%d" % (tag, i), state, disk, image=image, work=WORK)
              for i in range(count)]
    scanners, handshakers, thaws = [], [], [None] * count
    for g in clones:
        while g.qmp("query-status").get("status") == "inmigrate":
            time.sleep(0.05)
    for g in clones:
        g.qmp("cont")
        t0 = time.monotonic()
        s = Scanner(g, t0)
        s.start()
        scanners.append(s)
        h = Handshaker(g, t0)
        h.start()
        handshakers.append(h)

    def thaw(i, g):
        t0 = time.monotonic()
        try:
            g.agent("guest-fsfreeze-thaw", timeout=settle_wait)
            thaws[i] = ("ok", time.monotonic() - t0)
        except Exception as e:   # noqa: BLE001 - reported
            thaws[i] = ("error: %s" % e, time.monotonic() - t0)
    threads = []
    if use_agent:
        for i, g in enumerate(clones):
            th = threading.Thread(target=thaw, args=(i, g), daemon=True)
            th.start()
            threads.append(th)
    return state, disk, clones, scanners, handshakers, threads, thaws


def settle_scans(scanners, handshakers, want_accepted=3, timeout=240):
    """Let each scanner and handshaker run until it saw want_accepted
    answers, or timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(sum(1 for _, k in s.scans if k) >= want_accepted for s in scanners) and \
                all(len(h.answered()) >= want_accepted for h in handshakers):
            break
        time.sleep(0.5)
    for s in scanners + handshakers:
        s.stop.set()
    for s in scanners + handshakers:
        s.join(15)


def tls_shared(handshakers):
    """(values seen, values shared by two clones): ServerHello randoms and
    key shares of every handshake each clone answered."""
    per_clone = [set(v for h in hs.answered() for v in (h["random"], h["key_exchange"]))
                 for hs in handshakers]
    shared = set()
    for i in range(len(per_clone)):
        for j in range(i + 1, len(per_clone)):
            shared |= per_clone[i] & per_clone[j]
    return sum(len(v) for v in per_clone), shared


def provider_status(vm):
    """randepoch-openssl status in vm, nginx running, and every nginx
    worker with the provider mapped. (enabled and active, output)"""
    rc, out = vm.sh("randepoch-openssl status; echo status=$?; systemctl is-active nginx.service")
    mapped, workers = nginx_workers_mapping(vm)
    ok = ("status=0" in out and "epoch source: vdso" in out and "\nactive" in out and
          mapped and all(mapped))
    return ok, out + workers


def tls_control(what, handshakers):
    """A control's check: nginx without the provider repeats. Counts how
    many handshakes from the first on returned the same ServerHello random
    in every clone (the k-th of each clone compared); at least one must."""
    firsts = [x.answered() for x in handshakers]
    same = 0
    while all(len(f) > same for f in firsts) and \
            len(set(f[same]["random"] for f in firsts)) == 1:
        same += 1
    n, shared = tls_shared(handshakers)
    tap.check(same >= 1, "control (%s): nginx's first %d handshakes return the same "
              "ServerHello random in all %d clones (%d of %d values shared)"
              % (what, same, len(firsts), len(shared), n),
              "\n".join("clone %d: %s" % (i, [h["random"][:16] for h in f[:4]])
                        for i, f in enumerate(firsts)))
    return {"same_first_k": same, "values": n, "shared": len(shared)}


def flood(vm, count, seconds, clients=4):
    """Handshakes from clients parallel s_client loops against vm's nginx,
    count of them or for seconds, whichever ends first, while the guest
    bumps the epoch word (randepoch bump) every 50 ms. Returns (answers
    and refusals, epoch steps during the flood, word before, word after)."""
    rc, before = vm.sh("randepoch show --raw")
    vm.sh("systemd-run --unit=randepoch-flood-bump sh -c "
          "'while :; do randepoch bump >/dev/null; sleep 0.05; done'")
    hs = [Handshaker(vm, pause=0, pause_always=False) for _ in range(clients)]
    t0 = time.monotonic()
    for h in hs:
        h.start()
    while time.monotonic() - t0 < seconds and sum(len(h.hellos) for h in hs) < count:
        time.sleep(0.2)
    for h in hs:
        h.stop.set()
    for h in hs:
        h.join(15)
    vm.sh("systemctl stop randepoch-flood-bump.service")
    rc, after = vm.sh("randepoch show --raw")
    before, after = before.strip(), after.strip()
    try:
        # Nothing but the bumper notifies meanwhile: the counter's steps.
        bumps = (int(after, 16) - int(before, 16)) & 0xffffff
    except ValueError:
        bumps = None
    return [a for h in hs for _, a in h.hellos], bumps, before, after


def criu_restore(vm):
    """Debian's CRIU in the VM picks our action script up from
    /etc/criu/default.conf, where the randepoch package's postinst named
    it: a dump records the word, a restore bumps away from it (ID CRIU).
    Control: a dump with --no-default-config records nothing. Returns
    (ok, output)."""
    rc, out = vm.sh(
        "cat /etc/criu/default.conf; rm -rf /tmp/criu-c /tmp/criu-n; mkdir -p /tmp/criu-c /tmp/criu-n; "
        "setsid sleep 600 </dev/null >/dev/null 2>&1 & p=$!; sleep 1; "
        "criu dump --no-default-config --leave-running -t $p -D /tmp/criu-n -o dump.log && "
        "{ test -e /tmp/criu-n/randepoch-word || echo control: no word recorded; }; "
        "criu dump -t $p -D /tmp/criu-c -o dump.log && echo dumped word $(cat /tmp/criu-c/randepoch-word); "
        "criu restore -d -D /tmp/criu-c -o restore.log && echo after restore $(randepoch show --raw); "
        "kill -9 $p; tail -n 3 /tmp/criu-c/dump.log /tmp/criu-c/restore.log", timeout=180)
    dumped = re.search(r"dumped word (0x[0-9a-f]{8})", out)
    after = re.search(r"after restore (0x[0-9a-f]{8})", out)
    ok = bool("control: no word recorded" in out and dumped and after and
              after.group(1) != dumped.group(1) and int(after.group(1), 16) >> 24 == 2)
    return ok, out


def finish(state, disk, clones):
    for g in clones:
        g.kill()
        g.wait()
    for f in [state, disk] + [g.disk for g in clones]:
        if os.path.exists(f):
            os.unlink(f)


def main():
    if os.environ.get("RANDEPOCH_DEBIAN") == "0":
        tap.skip("Debian 13 VM clones", "RANDEPOCH_DEBIAN=0")
        tap.done()
    if not os.path.exists(debian_vm.VMLINUZ) or \
            not os.path.exists(os.path.join(debian_vm.IMAGE_DIR, "stock.img")):
        tap.check(False, "the Debian image exists", "no %s or stock.img: run make debian-image"
                  % debian_vm.VMLINUZ)
        tap.done()
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    results = {"clones": CLONES, "accel": qemu.accel_name()}

    # Both sources boot at once.
    src = boot("deb-source", "randepoch")
    ctl = boot("deb-stock-source", "stock")
    k0 = ready(src, "randepoch image")
    c0 = ready(ctl, "stock image (control)")
    if not k0 or not c0:
        src.kill(); ctl.kill()
        tap.done()
    rc, out = src.sh("systemctl is-active randepoch-hooks.service; randepoch show; "
                     "/usr/libexec/randepoch/randepoch-gate status; "
                     "dpkg-query -W -f='${Package} ${Version}\\n' randepoch randepoch-hooks "
                     "librandepoch0 randepoch-openssl-provider systemd openssh-server "
                     "qemu-guest-agent nftables openssl; uname -r; cat /etc/machine-id")
    tap.diag("source: " + out.strip().replace("\n", "; "))
    tap.check(out.startswith("active") and "open" in out,
              "the source runs randepoch-hooks.service under systemd, gate open", out)
    ok, out = provider_status(src)
    tap.check(ok, "source: the provider is enabled system-wide and active (randepoch-openssl status), "
              "every nginx worker maps it", out)
    tap.diag("source: " + out.strip().replace("\n", "; "))
    rc, out = ctl.sh("randepoch-openssl status; openssl list -random-instances | head -n 3")
    tap.diag("stock source: " + out.strip().replace("\n", "; "))
    src.sh("echo RANDEPOCH_SETTLE_TIMEOUT_MS=%d >/etc/default/randepoch-gate" % SETTLE_MS)

    # --- control: the stock image -----------------------------------------
    st, dk, cl, sc, hs, th, thaws = clones_from(ctl, "deb-stock", "stock", CLONES)
    settle_scans(sc, hs)
    for t in th:
        t.join(60)
    seen = [s.keys() for s in sc]
    # Every key a clone presents is the snapshot's (under load ssh-keyscan's
    # 2 s timeout may drop a key type from a scan: a subset still counts).
    tap.check(all(k and k <= c0 for k in seen),
              "control (stock image): all %d clones present the snapshot's host keys" % CLONES,
              "snapshot %s\nclones %s\nscans (accepted/all) %s"
              % (sorted(c0), [sorted(k) for k in seen],
                 ["%d/%d" % (sum(1 for _, k in s.scans if k), len(s.scans)) for s in sc]))
    # Stock OpenSSL in nginx's worker: the same DRBG state in every clone,
    # so the k-th handshake of each clone draws the same bytes.
    results["control_tls"] = tls_control("stock image", hs)
    finish(st, dk, cl)
    ctl.kill(); ctl.wait()

    # --- quiesced snapshot ------------------------------------------------------
    st, dk, cl, sc, hs, th, thaws = clones_from(src, "deb-clone", "randepoch", CLONES,
                                            settle_wait=SETTLE_MS / 1000 + 60)
    for t in th:
        t.join(SETTLE_MS / 1000 + 90)
    settle_scans(sc, hs)
    seen = [s.keys() for s in sc]
    firsts = [s.first_accepted() for s in sc]
    every = set().union(*seen)
    tap.check(all(seen) and not (every & k0),
              "quiesced snapshot: no clone ever presents a snapshot host key (%d scans, %d keys seen)"
              % (sum(len(s.scans) for s in sc), len(every)),
              "snapshot %s\nclones %s" % (sorted(k0), [sorted(k) for k in seen]))
    shared = [(i, j) for i in range(CLONES) for j in range(i + 1, CLONES) if seen[i] & seen[j]]
    tap.check(all(seen) and not shared,
              "quiesced snapshot: no host key shared by two clones", "shared: %s" % shared)
    tap.check(all(t and t[0] == "ok" for t in thaws),
              "every clone's thaw returned (settle, then the gate opened)", str(thaws))
    n, shared = tls_shared(hs)
    answered = [len(x.answered()) for x in hs]
    tap.check(all(answered) and not shared,
              "quiesced snapshot: nginx (unmodified, provider enabled system-wide) shares no "
              "ServerHello random or key share between clones (%d values from %s handshakes)"
              % (n, answered), "shared: %s" % sorted(shared)[:8])
    for i, x in enumerate(hs):
        tap.diag("clone %d: first TLS handshake %.1fs after resume, %d handshakes, %d refused"
                 % (i, next((t for t, h in x.hellos if h), -1), answered[i],
                    sum(1 for _, h in x.hellos if not h)))
    results["quiesced_tls"] = {"handshakes": answered, "values": n, "shared": len(shared)}
    for i, s in enumerate(sc):
        refused = sum(1 for _, k in s.scans if not k)
        tap.diag("clone %d: first accepted connection %.1fs after resume (%d refused before), thaw %s in %.1fs"
                 % (i, firsts[i] or -1, refused, thaws[i][0] if thaws[i] else "?",
                    thaws[i][1] if thaws[i] else -1))
    results["quiesced"] = {"first_accepted_s": firsts, "thaw_s": [t[1] if t else None for t in thaws],
                           "scans": [len(s.scans) for s in sc]}
    gates = [g.sh("/usr/libexec/randepoch/randepoch-gate status")[1].strip() for g in cl]
    tap.check(all(x == "open" for x in gates),
              "after the thaw every clone's gate is open (settled within the timeout)", str(gates))
    rc, out = cl[0].sh("journalctl -b -o short-monotonic --no-pager " + JOURNAL + " | tail -n 14")
    tap.diag("clone 0 journal:\n" + out.rstrip())
    finish(st, dk, cl)

    # The original, thawed, is not a clone: it keeps its keys.
    src.qmp("cont")
    tap.check(keyscan(src.port) == k0, "the original, thawed, keeps its host keys")

    # --- snapshot without the agent (Firecracker) --------------------------------
    st, dk, cl, sc, hs, th, thaws = clones_from(src, "deb-noagent", "randepoch", NOAGENT_CLONES,
                                            use_agent=False)
    settle_scans(sc, hs)
    stale = [sum(1 for _, k in s.scans if k & k0) for s in sc]
    closed = []
    for s in sc:
        last_old = max((t for t, k in s.scans if k & k0), default=None)
        first_refused = next((t for t, k in s.scans if not k and (last_old is None or t > last_old)), None)
        closed.append(first_refused)
    new_ok = all(s.keys() - k0 for s in sc)
    guest_closed = []
    for g in cl:
        rc, out = g.sh("journalctl -b --no-pager -o short-monotonic "
                       "SYSLOG_IDENTIFIER=randepoch-test + SYSLOG_IDENTIFIER=randepoch-gate")
        mark = close = None
        for line in out.splitlines():
            try:
                ts = float(line.split("]")[0].strip("[ "))
            except ValueError:
                continue
            if "snapshot-now" in line:
                mark, close = ts, None
            elif mark is not None and close is None and "closed (epoch-change" in line:
                close = ts
        guest_closed.append(round(close - mark, 3) if mark is not None and close is not None else None)
    tap.check(new_ok, "without the agent: every clone ends up presenting new keys")
    n, shared = tls_shared(hs)
    tap.diag("without the agent: %d of %d ServerHello randoms and key shares shared between "
             "clones, from %s handshakes" % (len(shared), n, [len(x.answered()) for x in hs]))
    results["no_agent_tls"] = {"values": n, "shared": len(shared)}
    for i, s in enumerate(sc):
        tap.diag("no agent, clone %d: %d scans (3 connections each) answered with the snapshot's keys; "
                 "gate closed %s s after resume on the guest's clock, first refused scan at %.2f s "
                 "(host), first new key at %.1f s"
                 % (i, stale[i], guest_closed[i], closed[i] if closed[i] is not None else -1,
                    next((t for t, k in s.scans if k and not (k & k0)), -1)))
    tap.check(all(x is not None for x in guest_closed),
              "without the agent: the first hook closed the gate in every clone (%s s after resume)"
              % guest_closed)
    results["no_agent"] = {"stale_scans": stale, "first_refused_scan_s": closed,
                           "gate_closed_guest_s": guest_closed}
    finish(st, dk, cl)

    # --- control: the same image, the provider disabled -------------------------
    # randepoch-openssl disable and an nginx restart, then the no-agent
    # snapshot again: only the provider differs from the phase above. A
    # few handshakes per clone suffice, before the first hook closes the
    # gate.
    src.qmp("cont")
    rc, out, _ = set_provider(src, "disable")
    ok, status = provider_status(src)
    tap.check(rc == 0 and "status=3" in status and not ok,
              "randepoch-openssl disable: status says not enabled (exit 3), nginx restarted", out + status)
    st, dk, cl, sc, hs, th, thaws = clones_from(src, "deb-noprov", "randepoch", CLONES,
                                            use_agent=False)
    settle_scans([], hs, want_accepted=8, timeout=180)
    for s in sc:
        s.stop.set()
    for s in sc:
        s.join(15)
    results["provider_disabled_tls"] = tls_control("same image, provider disabled", hs)
    finish(st, dk, cl)
    src.qmp("cont")
    rc, out, _ = set_provider(src, "enable")
    ok, status = provider_status(src)
    tap.check(rc == 0 and ok, "randepoch-openssl enable again: active, every new nginx worker maps it",
              out + status)

    # --- a failing hook -------------------------------------------------------------
    src.qmp("cont")
    src.sh("printf '#!/bin/sh\\necho \"70-test-fails: cannot renew (test)\" >&2\\nexit 1\\n' "
           ">/etc/randepoch/hooks.d/70-test-fails && chmod 755 /etc/randepoch/hooks.d/70-test-fails && "
           "echo RANDEPOCH_SETTLE_TIMEOUT_MS=5000 >/etc/default/randepoch-gate")
    st, dk, cl, sc, hs, th, thaws = clones_from(src, "deb-failhook", "randepoch", 1, settle_wait=120)
    for t in th:
        t.join(130)
    time.sleep(5)
    for x in (sc[0], hs[0]):
        x.stop.set()
        x.join(15)
    g = cl[0]
    accepted = sum(1 for _, k in sc[0].scans if k)
    rc1, show = g.sh("randepoch show")
    rc2, gate = g.sh("/usr/libexec/randepoch/randepoch-gate status")
    rc3, journal = g.sh("journalctl -b --no-pager -o cat " + JOURNAL + " | tail -n 20")
    tap.diag("failing hook clone: " + show.strip() + "; gate: " + gate.strip().replace("\n", " "))
    tap.diag("journal:\n" + journal.rstrip())
    tap.check(accepted == 0 and rc2 == 1 and "epoch-change" in gate and "fsfreeze" in gate,
              "a failing hook: the gate stays closed (%d scans, %d accepted)" % (len(sc[0].scans), accepted),
              gate)
    tap.check("outdated 1" in show, "a failing hook: randepoch show shows the outdated watcher", show)
    tap.check("70-test-fails: cannot renew" in journal and "settle failed" in journal,
              "a failing hook: the journal names the hook and the settle timeout", journal)
    finish(st, dk, cl)

    # --- reliability: a handshake flood while the word is bumped ------------------
    # The unit is stopped first: every bump would otherwise run the hooks,
    # whose first one closes the gate (refused handshakes by design).
    src.qmp("cont")
    src.sh("systemctl stop randepoch-hooks.service; rm -f /etc/randepoch/hooks.d/70-test-fails")
    answers, bumps, before, after = flood(src, FLOOD_COUNT, FLOOD_SECONDS)
    good = [a for a in answers if a]
    randoms = [a["random"] for a in good]
    shares = [a["key_exchange"] for a in good]
    tap.diag("flood: %d handshakes, %d failed, %s bumps, word %s -> %s"
             % (len(answers), len(answers) - len(good), bumps, before, after))
    tap.check(bumps is not None and bumps >= 10 and before != after,
              "flood: the guest bumped the epoch word during the flood (%s epoch steps)" % bumps)
    tap.check(len(good) >= 100 and len(good) == len(answers),
              "flood: no failed handshake (%d of %d answered, 4 clients, %d s at most)"
              % (len(good), len(answers), FLOOD_SECONDS))
    tap.check(good and len(set(randoms)) == len(randoms) and len(set(shares)) == len(shares),
              "flood: no ServerHello random or key share repeated (%d handshakes)" % len(good))
    results["flood"] = {"handshakes": len(answers), "failed": len(answers) - len(good), "bumps": bumps,
                        "distinct_randoms": len(set(randoms))}

    # --- CRIU, as the package set it up ------------------------------------------
    ok, out = criu_restore(src)
    tap.check(ok, "criu restore runs our action script from /etc/criu/default.conf: the word "
              "moves off the dumped one, ID CRIU (control: --no-default-config records none)", out)
    src.kill(); src.wait()
    os.unlink(src.disk)

    with open(os.path.join(RESULTS, "debian_clone.json"), "w") as f:
        json.dump(results, f, indent=1)
    tap.done()


if __name__ == "__main__":
    main()
