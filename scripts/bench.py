#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: every benchmark side by side in one guest boot, plus the
per-draw comparison natively on the host; results as ratios.

Writes build/results/bench.json and docs/results/bench.{json,md,png}.
"""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

TOP = qemu.TOP
BENCH = os.path.join(qemu.BUILD, "bench")
INITRD = os.path.join(qemu.BUILD, "initramfs-bench.cpio.gz")
DOCS = os.path.join(TOP, "docs", "results")
ROUNDS = 5
# The guest's per-draw figures: a few per cent apart under TCG, whose
# rounds scatter by +-20 %, so more interleaved rounds than the rest.
GUEST_DRAW_ROUNDS = 15
T0 = time.time()

VARIANTS = ["prng_check", "prng_check_mmap", "prng_nocheck", "vdso_getrandom",
            "getrandom_syscall", "read_urandom"]
LABEL = {"prng_check": "PRNG, epoch check (vDSO page)",
         "prng_check_mmap": "PRNG, epoch check (mmap page)", "prng_nocheck": "PRNG, no check",
         "vdso_getrandom": "vDSO getrandom()", "getrandom_syscall": "getrandom() syscall",
         "read_urandom": "read(/dev/urandom)"}
SIZES = [4, 16, 64, 4096]


def step(msg):
    print("[%4ds] bench: %s" % (time.time() - T0, msg), flush=True)


def parse(lines):
    out = []
    for line in lines:
        if line.startswith("BENCH "):
            out.append(json.loads(line[6:]))
    return out


def stats(v):
    v = [x for x in v if x is not None and x >= 0]
    return {"min": min(v), "median": statistics.median(v), "max": max(v), "n": len(v)}


def guest_run():
    env = dict(os.environ, RANDEPOCH_INITRD=INITRD,
               RANDEPOCH_GUEST_BIN=os.path.join(BENCH, "guest-bin"))
    subprocess.run([os.path.join(TOP, "scripts", "initramfs.sh")], env=env, check=True)
    step("guest: one boot runs notify_bench, draw_bench and ossl_bench (%s)"
         % qemu.accel_name())
    g = qemu.Guest(run="uname,-r;notify_bench,%d,400;draw_bench,real,%d,40;ossl_bench,%d,real"
                   % (ROUNDS, GUEST_DRAW_ROUNDS, ROUNDS),
                   name="bench", timeout=1200, initrd=INITRD).start()
    g.wait()
    lines = g.text()
    if g.timed_out or "randepoch: guest done" not in lines:
        sys.exit("bench: the guest did not finish; see build/logs/bench.console.log")
    kernel = next((line.split("kernel ")[1].split(",")[0] for line in lines
                   if line.startswith("randepoch: guest up")), "?")
    return parse(lines), kernel


def host_run():
    step("host: draw_bench on a simulated page (kernel %s)" % platform.release())
    p = subprocess.run([os.path.join(BENCH, "host", "draw_bench"), "sim", "7", "100"],
                       stdout=subprocess.PIPE, universal_newlines=True, check=True)
    return parse(p.stdout.splitlines())


def ossl_run():
    step("host: ossl_bench, RAND_bytes via the provider vs OpenSSL's default DRBG")
    p = subprocess.run([os.path.join(BENCH, "host", "ossl_bench"), "7"],
                       stdout=subprocess.PIPE, universal_newlines=True, check=True)
    return parse(p.stdout.splitlines())


def ossl_table(results, where, page):
    """RAND_bytes_ex() ns per call: randepoch provider vs default CTR-DRBG."""
    d = {(r["variant"], r["size"], r["threads"]): stats(r["ns"]) for r in results
         if r["bench"] == "openssl" and r.get("page", "sim") == page}
    if not d:
        return []
    out = ["### OpenSSL RAND_bytes(), %s" % where, "",
           "`RAND_bytes_ex()` with the randepoch provider as the DRBG (its code built in, "
           "the word checked before every generate, on %s) vs OpenSSL's default CTR-DRBG, "
           "same run, interleaved; median ns per call in each thread (min-max)."
           % ("the kernel's epoch page" if page == "real" else "a stand-in page"), "",
           "| size | threads | default CTR-DRBG | randepoch provider | speed-up |",
           "|---|---|---|---|---|"]
    for threads in (1, 2):
        for size in (16, 4096):
            a, b = d[("default", size, threads)], d[("randepoch", size, threads)]
            out.append("| %d B | %d | %.0f (%.0f-%.0f) | %.0f (%.0f-%.0f) | %.2fx |" % (
                size, threads, a["median"], a["min"], a["max"], b["median"], b["min"],
                b["max"], a["median"] / b["median"]))
    r = d[("default", 16, 1)]["median"] / d[("randepoch", 16, 1)]["median"]
    out += ["", "- %s: %s" % (where, goal(r >= 1.0, "provider >= 1.0x the default at 16 B, "
                                                    "1 thread: %.2fx" % r)), ""]
    return out


def draws(results, page):
    """{(variant, size, threads): stats}"""
    return {(r["variant"], r["size"], r["threads"]): stats(r["ns"])
            for r in results if r["bench"] == "draw" and r["page"] == page}


def goal(ok, text):
    return "%s %s" % ("met" if ok else "**not met**", text)


def draw_table(d, where):
    out = ["### Per-draw cost, %s" % where, "",
           "Median ns per draw (min-max over the rounds); ratios of medians.", "",
           "| size | threads | " + " | ".join(LABEL[v] for v in VARIANTS) +
           " | check overhead | vs syscall | vs vDSO |",
           "|---|---|" + "---|" * (len(VARIANTS) + 3)]
    for threads in (1, 2):
        for size in SIZES:
            cells = []
            for v in VARIANTS:
                s = d.get((v, size, threads))
                cells.append("%.1f (%.1f-%.1f)" % (s["median"], s["min"], s["max"]) if s else "n/a")
            c, n = d[("prng_check", size, threads)], d[("prng_nocheck", size, threads)]
            sysc = d[("getrandom_syscall", size, threads)]
            vd = d.get(("vdso_getrandom", size, threads))
            out.append("| %d | %d | %s | %+.1f %% | %.1fx | %s |" % (
                size, threads, " | ".join(cells), (c["median"] / n["median"] - 1) * 100,
                sysc["median"] / c["median"],
                "%.2fx" % (vd["median"] / c["median"]) if vd else "n/a"))
    return out


def draw_goals(d, where):
    c16, n16 = d[("prng_check", 16, 1)], d[("prng_nocheck", 16, 1)]
    s16 = d[("getrandom_syscall", 16, 1)]
    over = (c16["median"] / n16["median"] - 1) * 100
    lines = ["- %s: %s" % (where, goal(over <= 2, "check overhead at 16 B <= 2 %%: %+.1f %%" % over)),
             "- %s: %s" % (where, goal(s16["median"] / c16["median"] >= 20,
                                       ">= 20x faster than the syscall at 16 B: %.1fx"
                                       % (s16["median"] / c16["median"])))]
    for size in (16, 4096):
        vd = d.get(("vdso_getrandom", size, 1))
        if vd:
            r = vd["median"] / d[("prng_check", size, 1)]["median"]
            lines.append("- %s: %s" % (where, goal(r >= 1.0, ">= 1.0x vDSO getrandom at %d B: %.2fx"
                                                   % (size, r))))
        else:
            lines.append("- %s: vDSO getrandom not available" % where)
    cm16 = d.get(("prng_check_mmap", 16, 1))
    if cm16:
        # The same load from the other page: the two paths must not differ.
        over_m = (cm16["median"] / n16["median"] - 1) * 100
        apart = (c16["median"] / cm16["median"] - 1) * 100
        lines += ["- %s: %s" % (where, goal(over_m <= 2, "check overhead at 16 B through the "
                                            "mmap page <= 2 %%: %+.1f %%" % over_m)),
                  "- %s: %s" % (where, goal(abs(apart) <= 1, "vDSO page vs mmap page at 16 B "
                                            "within 1 %%: %+.1f %%" % apart))]
    return lines


def write_markdown(res, path):
    g, h = draws(res["guest"], "real"), draws(res["host"], "sim")
    lat = {r["kind"]: r for r in res["guest"] if r["bench"] == "latency"}
    bump = {(r["mappings"], r["waiters"]): stats(r["ns"]) for r in res["guest"]
            if r["bench"] == "bumpcost"}
    mem = {r["fds"]: stats(r["kb"]) for r in res["guest"] if r["bench"] == "memory"}
    md = ["# Benchmark results", "",
          "Generated by `make bench` on %s. Guest: Linux %s under QEMU %s (%s, 2 vCPUs), "
          "every guest figure from one boot. Host: Linux %s, native, the epoch page stood in "
          "for by a shared anonymous page (the check is the same load). Each figure is "
          "repeated %d times (guest per-draw: %d, host: 7), the variants interleaved in "
          "every round."
          % (res["date"], res["guest_kernel"], res["qemu"], res["accel"].upper(),
             res["host_kernel"], ROUNDS, GUEST_DRAW_ROUNDS), ""]
    md += draw_table(h, "host (native)") + [""]
    md += draw_table(g, "guest (%s: loads, vector code and syscalls are emulated)"
                     % res["accel"].upper()) + [""]
    md += ["### Goals", ""] + draw_goals(h, "host") + draw_goals(g, "guest (TCG)") + [""]
    if res.get("host_openssl"):
        md += ossl_table(res["host_openssl"], "host (native)", "sim")
    md += ossl_table(res["guest"], "guest (%s)" % res["accel"].upper(), "real")
    md += ["Under TCG the vector ChaCha20 is emulated instruction by instruction, so the "
           "guest's PRNG vs vDSO ratio says little about real hardware; the host figures "
           "are the comparison that counts. The check overhead is one load of a shared, "
           "rarely written cache line: near the noise on this shared 2-core machine.", ""]
    md += ["### Notification latency (guest, %s)" % res["accel"].upper(), "",
           "Bump-to-seen, a reader in another process; baselines measured the same way "
           "in the same boot.", "",
           "| reader | samples | min | median | p99 | max |", "|---|---|---|---|---|---|"]
    for k in ("spin_epoch", "spin_store_baseline", "epoll_epoch", "epoll_eventfd_baseline"):
        r = lat[k]
        md.append("| %s | %d | %.1f us | %.1f us | %.1f us | %.1f us |" % (
            k, r["samples"], r["min_ns"] / 1e3, r["median_ns"] / 1e3, r["p99_ns"] / 1e3,
            r["max_ns"] / 1e3))
    sp = lat["spin_epoch"]["median_ns"] / lat["spin_store_baseline"]["median_ns"]
    po = lat["epoll_epoch"]["median_ns"] / lat["epoll_eventfd_baseline"]["median_ns"]
    md += ["", "- spinning: median %.1f us, %.1fx a plain shared-memory store under TCG "
           "(the bump also reseeds the crng); goal (KVM) <= 2 us: not measurable here."
           % (lat["spin_epoch"]["median_ns"] / 1e3, sp),
           "- epoll: median %.1f us, %.2fx an eventfd wake-up in the same boot; goal (KVM) "
           "<= 50 us: %s under TCG." % (lat["epoll_epoch"]["median_ns"] / 1e3, po,
                                       "met even" if lat["epoll_epoch"]["median_ns"] <= 50e3
                                       else "not met"), ""]
    md += ["### Bump cost (guest, %s)" % res["accel"].upper(), "",
           "| live mappings | poll waiters | median ns per bump (min-max) |", "|---|---|---|"]
    for key in sorted(bump):
        s = bump[key]
        md.append("| %d | %d | %.0f (%.0f-%.0f) |" % (key[0], key[1], s["median"], s["min"], s["max"]))
    r = bump[(10000, 0)]["median"] / bump[(1, 0)]["median"]
    rmin = bump[(10000, 0)]["min"] / bump[(1, 0)]["min"]
    # Under TCG a bump's cost is bimodal from round to round (the crng
    # reseed inside it), so the best rounds are shown next to the medians.
    md += ["", "- %s" % goal(r <= 1.1, "10,000 vs 1 mappings, no waiters, <= 1.1: %.2f "
                                       "(best rounds: %.2f)" % (r, rmin)),
           "- with 100 waiters a bump wakes them all: %.0fx the cost without" %
           (bump[(1, 100)]["median"] / bump[(1, 0)]["median"]), ""]
    watch = {r["watchers"]: stats(r["ns"]) for r in res["guest"] if r["bench"] == "watchcost"}
    if 1 in watch and 10000 in watch:
        # A bump never visits the watchers: it bumps a sequence number.
        md += ["### Bump cost with watchers (guest, %s)" % res["accel"].upper(), "",
               "| open watchers (RNDGETEPOCHFD_WATCH) | median ns per bump (min-max) |",
               "|---|---|"]
        for n in sorted(watch):
            s = watch[n]
            md.append("| %d | %.0f (%.0f-%.0f) |" % (n, s["median"], s["min"], s["max"]))
        r = watch[10000]["median"] / watch[1]["median"]
        rmin = watch[10000]["min"] / watch[1]["min"]
        md += ["", "- %s" % goal(r <= 1.1, "10,000 vs 1 watchers <= 1.1: %.2f (best rounds: %.2f)"
                                           % (r, rmin)), ""]
    per_fd = (mem[10000]["median"] - mem[1]["median"]) * 1024 / 9999
    md += ["### Kernel memory (guest)", "",
           "Slab + PageTables growth in a process holding N epoch descriptors, each mapped.", "",
           "| descriptors + mappings | kB (median, min-max) |", "|---|---|",
           "| 1 | %.0f (%.0f-%.0f) |" % (mem[1]["median"], mem[1]["min"], mem[1]["max"]),
           "| 10,000 | %.0f (%.0f-%.0f) |" % (mem[10000]["median"], mem[10000]["min"],
                                             mem[10000]["max"]),
           "", "About %.0f bytes per descriptor and mapping (a struct file, a VMA, page "
           "tables); the page itself is one page for the whole system." % per_fd, ""]
    sw = res.get("stale_window")
    md += ["### Stale window after a snapshot restore", ""]
    if sw:
        md += ["From the last VM clone test (%d clones, a draw every %d us, %s):" % (
            sw["clones"], sw["draw_interval_us"], sw["accel"].upper()), "",
            "| clone | draws under the stale word | resume to new word | resume to new vDSO generation |",
            "|---|---|---|---|"]
        for i in range(sw["clones"]):
            vd = sw["vdso_generation_stale_ns"][i]
            md.append("| %d | %d | %.1f ms | %s |" % (
                i, sw["stale_draws"][i], sw["stale_ns"][i] / 1e6,
                "%.1f ms" % (vd / 1e6) if vd is not None else "n/a"))
        md += ["", "Both change in the same crng reseed (the vDSO generation first, the word "
               "right after), so both windows are the ACPI notification's delivery time."]
    else:
        md += ["Not measured in this run (run make test first: the VM clone test writes "
               "build/results/stale_window.json)."]
    open(path, "w").write("\n".join(md) + "\n")


def plot(res, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        step("matplotlib missing (Debian python3-matplotlib): no PNG")
        return
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, (name, page, results) in zip(axes, (("host (native)", "sim", res["host"]),
                                              ("guest (%s)" % res["accel"].upper(), "real",
                                               res["guest"]))):
        d = draws(results, page)
        width = 0.14
        for i, v in enumerate(VARIANTS):
            ys = [d[(v, s, 1)]["median"] if (v, s, 1) in d else 0 for s in SIZES]
            ax.bar([x + (i - 2.5) * width for x in range(len(SIZES))], ys, width,
                   label=LABEL[v])
        ax.set_xticks(range(len(SIZES)))
        ax.set_xticklabels(["%d B" % s for s in SIZES])
        ax.set_yscale("log")
        ax.set_ylabel("ns per draw (median, 1 thread, log)")
        ax.set_title("Per-draw cost, " + name)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    guest, kernel = guest_run()
    host = host_run()
    qv = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE,
                        universal_newlines=True).stdout.split()[3]
    res = {"date": datetime.date.today().isoformat(), "accel": qemu.accel_name(),
           "guest_kernel": kernel, "host_kernel": platform.release(), "qemu": qv,
           "rounds": ROUNDS, "guest": guest, "host": host, "host_openssl": ossl_run()}
    sw = os.path.join(qemu.BUILD, "results", "stale_window.json")
    if os.path.exists(sw):
        res["stale_window"] = json.load(open(sw))
    os.makedirs(DOCS, exist_ok=True)
    os.makedirs(os.path.join(qemu.BUILD, "results"), exist_ok=True)
    for path in (os.path.join(qemu.BUILD, "results", "bench.json"), os.path.join(DOCS, "bench.json")):
        with open(path, "w") as f:
            json.dump(res, f, indent=1)
    write_markdown(res, os.path.join(DOCS, "bench.md"))
    plot(res, os.path.join(DOCS, "bench.png"))
    step("wrote docs/results/bench.md, bench.json, bench.png")
    text = open(os.path.join(DOCS, "bench.md")).read()
    print(text[text.index("### Goals"):text.index("### Notification")])


main()
