#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make demo: what randepoch is for, shown in QEMU in a few minutes.

1. A VM runs a program that draws from the same PRNG twice: once checking
   the epoch word before every draw, once not. We snapshot the VM and start
   three clones from the snapshot. Without the check, the clones print the
   same "random" values; with it, they diverge as soon as the kernel learns
   of the restore (VMGenID).
2. The same for a process restored twice by CRIU, with and without the
   epoch bump in CRIU's action script.
3. OpenSSL in cloned VMs: an unmodified program calling RAND_bytes(), run
   stock and with the randepoch provider named in OPENSSL_CONF.
4. Derived state in cloned VMs: an instance UUID and a host key made before
   the snapshot, renewed by a "randepoch watch --exec" hook, and a network
   that "randepoch settle" holds back until the hook finished; next to a
   copy that no hook renews.
5. A real Debian 13 VM with our packages, cloned three times the way an
   orchestrator does it (freeze through the guest agent, save, thaw), and
   ssh-keyscan from the host against every clone from the moment it resumes.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

CLONES = 3
RUN = "clone_logger,5000,3000"      # a draw every 5 ms for 3 s (guest time)


def say(msg=""):
    print(msg, flush=True)


def draws(lines):
    """{seq: (ns, seed word, checked, unchecked, getrandom())}"""
    out, kernel = {}, {}
    for line in lines:
        f = line.split()
        if len(f) == 7 and f[0] == "R":
            out[int(f[1])] = (int(f[2]), int(f[3], 16), f[5], f[6])
        elif len(f) == 4 and f[0] == "K":
            kernel[int(f[1])] = f[2]
    return {s: d + (kernel.get(s),) for s, d in out.items()}


def word(w):
    names = {0: "none", 1: "vmgenid", 2: "criu", 3: "timer", 4: "vmclock"}
    return "%08x (%s, epoch %d)" % (w, names.get(w >> 24, "dynamic"), w & 0xffffff)


def snapshot_clones(run, name, ready, settle_s, on_snapshot=None, extra=None):
    """Boot a guest running `run`; once it prints `ready` (and `settle_s`
    later) save it to a file and start CLONES guests from that file, each
    with a new VM generation ID; wait for them. Returns the match of `ready`
    and the clones. `on_snapshot(state_file)` runs before the clones start."""
    m, clones, _ = qemu.clones_of_source(run, name, ready, CLONES, settle_s, extra=extra,
                                         timeout=120, on_snapshot=on_snapshot)
    if not m:
        sys.exit("demo: the guest did not start %s; see build/logs/%s-source.console.log"
                 % (run.split(",")[0], name))
    return m, clones


def vm_demo():
    say("== 1. VM snapshot and clones ==")
    say("Booting the patched kernel in a VM with QEMU's vmclock device (-device vmclock):")
    say("the guest runs clone_logger, which draws 16 bytes every 5 ms from a PRNG that")
    say("checks the epoch word and the vmclock counter, from one that does not, and")
    say("from the kernel's getrandom().")

    def announce(state):
        say("Snapshot taken after about 1 s and saved to a file (%.0f MB); starting %d clones"
            % (os.path.getsize(state) / 1e6, CLONES))
        say("from it, each with a new VM generation ID.")

    _, clones = snapshot_clones(RUN, "demo-vm", "clone_logger: start", 1, announce,
                                extra=["-device", "vmclock"])
    logs = [draws(g.text()) for g in clones]
    if not all(logs):
        sys.exit("demo: a clone printed nothing; see build/logs/demo-vm-*.console.log")
    seqs = sorted(set.intersection(*(set(d) for d in logs)))
    resumed = next(s for s in seqs if len({d[s][0] for d in logs}) > 1)
    old = logs[0][resumed - 1][1]
    say()
    say("The first draws each clone made after it resumed (draw %d onwards):" % resumed)
    for s in range(resumed, resumed + 3):
        say("  draw %d" % s)
        for i, d in enumerate(logs):
            say("    clone %d  without check %s   with check %s   getrandom() %s"
                % (i + 1, d[s][3], d[s][2], d[s][4]))
    for i, d in enumerate(logs):
        after = [d[s] for s in sorted(d) if s >= resumed]
        first_new = next((x for x in after if x[1] != old), None)
        say("  clone %d: epoch word %s -> %s"
            % (i + 1, "%08x" % old, word(first_new[1]) if first_new else "unchanged"))
    after = [x for d in logs for s, x in d.items() if s >= resumed]

    def repeats(col):
        v = [x[col] for x in after]
        return len(v) - len(set(v)), len(v)

    say()
    say("WITHOUT the check: %d of the clones' %d draws after the restore were also drawn"
        % repeats(3))
    say("  by another clone: every clone hands out the same \"random\" values.")
    checked, kernel = repeats(2), repeats(4)
    say("WITH the check: %d of %d draws after the restore repeat another clone's%s"
        % (checked + (", the first draw included." if not checked[0] else ".",)))
    if checked[0]:
        say("  They are the first draws after the resume, before the kernel published.")
    say("getrandom(): %d of %d repeat%s" % (kernel + ("." if kernel[0] else
                                                      ", the first draw included.",)))
    say("  QEMU's vmclock device changed its counter before the clones' vCPUs ran again,")
    say("  so no clone had to wait for the VMGenID interrupt: the kernel compares the")
    say("  counter (and the VMGenID GUID) before its first output and reseeds, and the")
    say("  PRNG compares the counter before every draw. Without vmclock the kernel still")
    say("  gives 0 repeats (it reads the GUID); a PRNG then waits for the kernel, see")
    say("  docs/results.md.")


def criu_demo():
    say()
    say("== 2. CRIU: one process restored twice ==")
    say("The process finds the epoch word through the vDSO: no descriptor, no mapping")
    say("of its own, so CRIU can checkpoint it.")
    g = qemu.Guest(run="sh,/usr/bin/criu_demo.sh", name="demo-criu", timeout=300).start()
    g.wait()
    lines = [line[5:] for line in g.text() if line.startswith("DEMO ")]
    if not lines:
        sys.exit("demo: the CRIU demo printed nothing; see build/logs/demo-criu.console.log")
    for line in lines:
        say(line)
    say("Without the bump both restored copies continue the same stream; with the")
    say("bump (randepoch bump --avoid WORD in CRIU's post-restore action script) each")
    say("copy sees a new word before it runs again, and reseeds.")


def openssl_demo():
    say()
    say("== 3. OpenSSL in cloned VMs ==")
    say("The same program, which only calls RAND_bytes() and knows nothing of randepoch,")
    say("runs twice in the VM: stock, and with OPENSSL_CONF naming the randepoch provider")
    say("(docs/openssl.md). Snapshot, %d clones, as in part 1." % CLONES)
    _, clones = snapshot_clones("ossl_clone.sh,5000,4000", "demo-ossl",
                                "ossl_clone: start word", 1)
    res = {}
    for tag in ("S", "P"):
        per = []
        for g in clones:
            out, marked = {}, False
            for line in g.text():
                f = line.split()
                if len(f) >= 3 and f[0] == tag and f[1] == "M":
                    marked = True
                elif marked and len(f) == 5 and f[0] == tag and f[1] == "R":
                    # "TAG R draw time_ns bytes" (ossl_rand_logger)
                    out[int(f[2])] = f[4]
            per.append(out)
        res[tag] = per
    if not all(res["S"]) or not all(res["P"]):
        sys.exit("demo: a clone printed no OpenSSL draws; see build/logs/demo-ossl-*.console.log")
    # Each clone saw the change at its own draw: show one draw number that
    # every clone made after it, for each program.
    seq = {tag: min(set.intersection(*(set(d) for d in res[tag])), default=None)
           for tag in ("S", "P")}
    say()
    if seq["S"] is not None and seq["P"] is not None:
        say("Draw number %d of the stock program and %d of the provider's, in each"
            % (seq["S"], seq["P"]))
        say("clone, after its epoch word changed:")
        for i in range(CLONES):
            say("  clone %d  stock %s   with the provider %s"
                % (i + 1, res["S"][i][seq["S"]], res["P"][i][seq["P"]]))
    for tag, name in (("S", "STOCK OpenSSL"), ("P", "WITH the provider")):
        allv = [x for d in res[tag] for x in d.values()]
        say("%s: %d of %d draws after the change were also drawn by another clone."
            % (name, len(allv) - len(set(allv)), len(allv)))
    say("  Stock OpenSSL reseeds on a pid change or after minutes, not on a VM restore;")
    say("  the provider checks the epoch word before every RAND_bytes() and reseeds.")


def derived_demo():
    say()
    say("== 4. Keys and IDs made before the snapshot ==")
    say("A PRNG can check before every draw; a host key or an instance UUID made")
    say("before the snapshot cannot. In the VM, \"randepoch watch --exec\" runs a hook")
    say("on every change of the epoch word that makes a new UUID and key, and tells")
    say("the kernel when it is done. A second copy of the UUID has no hook. The")
    say("\"network\" comes up only after \"randepoch settle\", which waits for the hook.")
    m, clones = snapshot_clones("derived_state.sh,300", "demo-derived",
                                r"derived: ready .*", 0)
    f = m.group(0).split()
    say("Before the snapshot: UUID %s (renewed by the hook), %s (no hook)" % (f[5], f[8]))
    for i, g in enumerate(clones):
        text = g.text()
        hook = next((n for n, l in enumerate(text) if l.startswith("derived: hook done")), None)
        up = next((n for n, l in enumerate(text) if l.startswith("derived: network up")), None)
        if hook is None or up is None:
            sys.exit("demo: clone %d did not finish; see %s" % (i + 1, g.log_path))
        f = text[up].split()
        say("  clone %d: hook finished, then network up %d ms after the change;"
            % (i + 1, int(f[6]) * 10))
        say("           UUID with the hook %s, without %s" % (f[10], f[13]))
    say("With the hook every clone has its own UUID and key before its network comes")
    say("up; without it every clone keeps the snapshot's.")


def debian_demo():
    import debian_vm
    import tls_hello
    say()
    say("== 5. A Debian 13 VM, cloned ==")
    say("Debian trixie with systemd, OpenSSH and qemu-guest-agent, our kernel and our")
    say("packages installed with apt. Booting it (under TCG this takes about a minute).")
    work = os.path.join(qemu.BUILD, "debian-vm")
    src = debian_vm.DebianVM.boot("demo-debian-source", work=work)
    if not src.wait_agent(600):
        sys.exit("demo: the Debian VM did not boot; see %s" % src.log_path)
    k0 = debian_vm.wait_ssh(src, 300)
    if not k0:
        sys.exit("demo: sshd in the Debian VM did not answer; see %s" % src.log_path)
    src.sh("echo RANDEPOCH_SETTLE_TIMEOUT_MS=300000 >/etc/default/randepoch-gate")
    ed = [k for k in k0 if k.startswith("ssh-ed25519")]
    say("Its SSH host key (ed25519): ...%s" % (ed[0][-16:] if ed else sorted(k0)[0][-16:]))
    h0 = tls_hello.hello(src.tls_port, timeout=30)
    say("Debian's nginx serves TLS 1.3 on it, unmodified; OpenSSL's DRBG is our provider")
    say("system-wide (randepoch-openssl enable, once). A handshake's ServerHello random: %s..."
        % (h0["random"][:16] if h0 else "none (nginx did not answer)"))
    say("Snapshot as an orchestrator takes it: the guest agent freezes the filesystems")
    say("(our fsfreeze hook closes the network gate first), the VM is saved to a file,")
    say("the original is thawed. Then %d clones start from the file, each with a new" % CLONES)
    say("VM generation ID, and the host runs ssh-keyscan and openssl s_client against")
    say("each in a loop.")
    state = os.path.join(work, "demo-debian.state")
    disk = os.path.join(work, "demo-debian.snap.qcow2")
    src.snapshot(state, disk)
    src.kill()
    src.wait()
    clones = [debian_vm.DebianVM.clone("demo-debian-%d" % i, state, disk, work=work)
              for i in range(CLONES)]
    scanners, handshakers = [], []
    for g in clones:
        while g.qmp("query-status").get("status") == "inmigrate":
            time.sleep(0.05)
    for g in clones:
        g.qmp("cont")
        sc = debian_vm.Scanner(g)
        sc.start()
        scanners.append(sc)
        hs = debian_vm.Handshaker(g, sc.t0)
        hs.start()
        handshakers.append(hs)
    for g in clones:
        g.agent("guest-fsfreeze-thaw", timeout=400)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (
            all(sum(1 for _, k in s.scans if k) >= 2 for s in scanners) and
            all(len(h.answered()) >= 2 for h in handshakers)):
        time.sleep(0.5)
    for sc in scanners + handshakers:
        sc.stop.set()
        sc.join(15)
    say()
    for i, sc in enumerate(scanners):
        keys = sc.keys()
        refused = sum(1 for t, k in sc.scans if not k)
        new = [k for k in keys if k.startswith("ssh-ed25519")]
        say("  clone %d: %d tries refused, then sshd answered %.0f s after resume with"
            % (i + 1, refused, sc.first_accepted() or -1))
        say("           host key ...%s (%s)" % (new[0][-16:] if new else "?",
                                               "the snapshot's!" if keys & k0 else "new"))
    every = [s.keys() for s in scanners]
    stale = sum(1 for k in every if k & k0)
    shared = any(every[i] & every[j] for i in range(CLONES) for j in range(i + 1, CLONES))
    say("%d of %d clones ever answered with the snapshot's keys; %s."
        % (stale, CLONES, "two clones shared a key" if shared else "no two clones share a key"))
    if not stale:
        say("Nothing answered before the new keys: the gate refused every connection until")
        say("\"randepoch settle\" said the hooks had renewed them.")
    else:
        say("SOMETHING ANSWERED WITH THE SNAPSHOT'S KEYS: see build/logs/demo-debian-*.console.log")
    say()
    randoms = [[h["random"] for h in hs.answered()] for hs in handshakers]
    for i, r in enumerate(randoms):
        say("  clone %d: nginx's first ServerHello random after resume %s... (%d handshakes)"
            % (i + 1, r[0][:16] if r else "none", len(r)))
    seen = [set(r) for r in randoms]
    dup = any(seen[i] & seen[j] for i in range(CLONES) for j in range(i + 1, CLONES))
    say("%s." % ("TWO CLONES REPEATED A RANDOM" if dup else "No two clones' nginx sent the same random"))
    say("Stock OpenSSL would give the same random in every clone (make test's controls")
    say("show it, with the stock image and with the provider disabled), because each")
    say("clone's nginx worker holds the snapshot's DRBG state; the provider saw the new")
    say("epoch word and reseeded first.")
    for g in clones:
        g.kill()
        g.wait()
        os.unlink(g.disk)
    for f in (state, disk, src.disk):
        if os.path.exists(f):
            os.unlink(f)


def main():
    t0 = time.time()
    vm_demo()
    criu_demo()
    openssl_demo()
    derived_demo()
    debian_demo()
    say()
    say("Done in %.0f s. Consoles are in build/logs/demo-*.console.log." % (time.time() - t0))


main()
