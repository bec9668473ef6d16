#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the upstream patch series from kernel/, uapi/ and selftests/.

    scripts/series.py            generate, checkpatch --strict, build each patch in order
    scripts/series.py --no-build generate and checkpatch only (what CI runs)

The series is described in kernel/upstream-series; every new kernel file and
every hook patch must appear in it exactly once. Output: build/series/*.patch
(git format-patch, with a cover letter). Needs the extracted tree that
scripts/kernel.sh leaves in build/src.
"""

import fcntl
import glob
import os
import re
import shutil
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, "build")
KSRC = os.path.join(BUILD, "src", "linux-source-6.12")
PRISTINE = os.path.join(BUILD, "pristine")
OUT = os.path.join(BUILD, "series")
GIT = os.path.join(OUT, "git")
AUTHOR = "randepoch developers <randepoch@example.org>"
T0 = time.time()


def step(msg):
    print("[%4ds] series: %s" % (time.time() - T0, msg), flush=True)


def die(msg):
    print("series: error: " + msg, file=sys.stderr)
    sys.exit(1)


def in_tree(path):
    """Our path -> its path in the kernel tree."""
    if path.startswith("uapi/"):
        return "include/uapi/" + path[len("uapi/"):]
    if path.startswith("kernel/"):
        return path[len("kernel/"):]
    if path.startswith("selftests/random_epoch/"):
        return "tools/testing/selftests/" + path[len("selftests/"):]
    die("no in-tree place for " + path)


def parse():
    blocks, cur = [], None
    for line in open(os.path.join(TOP, "kernel", "upstream-series")):
        line = line.rstrip("\n")
        if line.startswith("## "):
            cur = {"subject": line[3:], "files": [], "patches": [], "body": []}
            blocks.append(cur)
        elif cur is None or (line.startswith("#") and not cur["body"]):
            continue
        elif line.startswith("files: ") and not cur["body"]:
            cur["files"] = line[7:].split()
        elif line.startswith("patches: ") and not cur["body"]:
            cur["patches"] = line[9:].split()
        else:
            cur["body"].append(line)
    for b in blocks:
        b["body"] = "\n".join(b["body"]).strip() + "\n"
    return blocks


def check_complete(blocks):
    """Every file we ship and every hook patch is in exactly one patch."""
    ours = set()
    for pattern in ("kernel/**/*", "uapi/**/*"):
        for f in glob.glob(os.path.join(TOP, pattern), recursive=True):
            rel = os.path.relpath(f, TOP)
            if os.path.isfile(f) and not rel.startswith(("kernel/patches/", "kernel/config/")) \
                    and rel != "kernel/upstream-series":
                ours.add(rel)
    series = [p.strip() for p in open(os.path.join(TOP, "kernel", "patches", "series"))
              if p.strip() and not p.startswith("#")]
    used_files = [f for b in blocks for f in b["files"]]
    used_patches = [p for b in blocks for p in b["patches"]]
    missing = sorted(ours - set(used_files))
    if missing:
        die("kernel/upstream-series leaves out " + " ".join(missing))
    if sorted(used_patches) != sorted(series):
        die("kernel/upstream-series must use each of kernel/patches/series once: %s vs %s"
            % (used_patches, series))
    for f in used_files:
        if not os.path.isfile(os.path.join(TOP, f)):
            die("kernel/upstream-series names %s, which does not exist" % f)


def git(*args, **kw):
    return subprocess.run(["git", "-C", GIT] + list(args), check=True,
                          stdout=subprocess.PIPE, universal_newlines=True, **kw).stdout


def upstream_files(blocks):
    files = set()
    for b in blocks:
        for p in b["patches"]:
            text = open(os.path.join(TOP, "kernel", "patches", p)).read()
            files.update(re.findall(r"^\+\+\+ b/(\S+)", text, re.M))
    return sorted(files)


def pristine(path):
    saved = os.path.join(PRISTINE, path)
    return saved if os.path.exists(saved) else os.path.join(KSRC, path)


def generate(blocks, version):
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(GIT)
    git("init", "-q")
    git("config", "user.name", "randepoch developers")
    git("config", "user.email", "randepoch@example.org")
    # The base: upstream's version of every file a hook patch touches.
    for f in upstream_files(blocks):
        os.makedirs(os.path.dirname(os.path.join(GIT, f)), exist_ok=True)
        shutil.copy(pristine(f), os.path.join(GIT, f))
    git("add", "-A")
    git("commit", "-q", "-m", "Linux %s (the files this series touches)" % version)
    base = git("rev-parse", "HEAD").strip()
    for b in blocks:
        for f in b["files"]:
            dst = os.path.join(GIT, in_tree(f))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(os.path.join(TOP, f), dst)
        for p in b["patches"]:
            r = subprocess.run(["patch", "-p1", "-F0", "-N", "--no-backup-if-mismatch",
                                "-d", GIT, "-i", os.path.join(TOP, "kernel", "patches", p)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
            if r.returncode:
                die("%s does not apply:\n%s" % (p, r.stdout))
        git("add", "-A")
        msg = "%s\n\n%s\nSigned-off-by: %s\n" % (b["subject"], b["body"], AUTHOR)
        git("commit", "-q", "--author", AUTHOR, "-F", "-", input=msg)
    git("format-patch", "-q", "--cover-letter", "-o", OUT, "%s..HEAD" % base)
    cover = os.path.join(OUT, "0000-cover-letter.patch")
    text = open(cover).read()
    text = text.replace("*** SUBJECT HERE ***", "random: reseed notifications for userspace PRNGs")
    text = text.replace("*** BLURB HERE ***", open(os.path.join(TOP, "docs", "cover-letter.txt")).read().strip())
    open(cover, "w").write(text)
    return sorted(glob.glob(os.path.join(OUT, "0*.patch")))


def checkpatch(patches):
    bad = 0
    for p in patches:
        if p.endswith("0000-cover-letter.patch"):
            continue
        r = subprocess.run(["perl", os.path.join(KSRC, "scripts", "checkpatch.pl"), "--strict", p],
                           cwd=KSRC,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        total = re.search(r"total: (\d+) errors, (\d+) warnings, (\d+) checks", r.stdout)
        counts = tuple(int(x) for x in total.groups()) if total else (1, 0, 0)
        step("checkpatch --strict %s: %d errors, %d warnings, %d checks"
             % (os.path.basename(p), *counts))
        if sum(counts):
            print(r.stdout)
            bad += 1
    return bad


def build_each(patches):
    """Apply the patches one by one to upstream's tree and build each step."""
    obj = os.path.join(BUILD, "obj-series")
    os.makedirs(obj, exist_ok=True)
    touched = set()
    for p in patches[1:]:
        touched.update(re.findall(r"^\+\+\+ b/(\S+)", open(p).read(), re.M))
    # Back to upstream: pristine versions, our new files removed.
    for f in touched:
        if os.path.exists(os.path.join(PRISTINE, f)):
            shutil.copy(os.path.join(PRISTINE, f), os.path.join(KSRC, f))
        elif os.path.exists(os.path.join(KSRC, f)):
            os.unlink(os.path.join(KSRC, f))
    failed = 0
    for p in patches[1:]:
        r = subprocess.run(["patch", "-p1", "-F0", "-N", "-d", KSRC, "-i", p],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        if r.returncode:
            print(r.stdout)
            die("%s does not apply to the tree" % os.path.basename(p))
        log = os.path.join(BUILD, "logs", "series-" + os.path.basename(p) + ".log")
        # The test kernel's config each time, so that a symbol a patch adds
        # (CONFIG_RANDOM_EPOCH_TEST) is built from that patch on.
        shutil.copy(os.path.join(BUILD, "obj-test", ".config"), os.path.join(obj, ".config"))
        with open(log, "w") as f:
            ok = subprocess.run(["make", "-C", KSRC, "O=" + obj, "olddefconfig"],
                                stdout=f, stderr=subprocess.STDOUT).returncode == 0
            ok = ok and subprocess.run(["make", "-C", KSRC, "O=" + obj, "CC=ccache gcc",
                                        "-j%d" % os.cpu_count(), "bzImage"],
                                       stdout=f, stderr=subprocess.STDOUT).returncode == 0
        step("build after %s: %s (log %s)" % (os.path.basename(p), "ok" if ok else "FAILED",
                                             os.path.relpath(log, TOP)))
        failed += not ok
    return failed


def vvar_without_feature():
    """With CONFIG_RANDOM_EPOCH=n the vDSO's vvar area keeps upstream's four
    pages: build the vDSO image of the whole series with the feature off and
    read its vvar start."""
    obj = os.path.join(BUILD, "obj-series")
    log = os.path.join(BUILD, "logs", "series-vvar-without-feature.log")
    with open(log, "w") as f:
        ok = subprocess.run([os.path.join(KSRC, "scripts", "config"), "--file",
                             os.path.join(obj, ".config"), "--disable", "RANDOM_EPOCH"],
                            stdout=f, stderr=subprocess.STDOUT).returncode == 0
        ok = ok and subprocess.run(["make", "-C", KSRC, "O=" + obj, "olddefconfig"],
                                   stdout=f, stderr=subprocess.STDOUT).returncode == 0
        ok = ok and subprocess.run(["make", "-C", KSRC, "O=" + obj, "CC=ccache gcc",
                                    "-j%d" % os.cpu_count(), "arch/x86/entry/vdso/"],
                                   stdout=f, stderr=subprocess.STDOUT).returncode == 0
    image = os.path.join(obj, "arch", "x86", "entry", "vdso", "vdso-image-64.c")
    m = ok and re.search(r"\.sym_vvar_start = (-?\d+),", open(image).read())
    pages = -int(m.group(1)) // 4096 if m else None
    step("vDSO without CONFIG_RANDOM_EPOCH: %s vvar pages (upstream: 4; log %s)"
         % (pages, os.path.relpath(log, TOP)))
    return pages == 4


def main():
    build = "--no-build" not in sys.argv
    if not os.path.isdir(KSRC):
        die("no kernel tree in %s: run scripts/kernel.sh first" % KSRC)
    version = subprocess.run(["make", "-s", "-C", KSRC, "kernelversion"], stdout=subprocess.PIPE,
                             universal_newlines=True).stdout.strip()
    blocks = parse()
    check_complete(blocks)
    patches = generate(blocks, version)
    step("%d patches and a cover letter against Linux %s in %s"
         % (len(patches) - 1, version, os.path.relpath(OUT, TOP)))
    bad = checkpatch(patches)
    failed = 0
    if build:
        # build_each() patches the tree scripts/kernel.sh builds from: take
        # its lock, and let it go before kernel.sh takes it again below.
        # And the machine-wide lock kernel.sh takes: one kernel build at a
        # time on this machine's two cores.
        machine_lock = os.environ.get("RANDEPOCH_MACHINE_LOCK", "/tmp/randepoch-kernel-build.lock")
        with open(os.path.join(BUILD, ".kernel.lock"), "w") as lock, \
                open(machine_lock, "w") as machine:
            fcntl.flock(lock, fcntl.LOCK_EX)
            fcntl.flock(machine, fcntl.LOCK_EX)
            failed = build_each(patches)
            failed += not vvar_without_feature()
        # Put the tree back the way scripts/kernel.sh left it.
        subprocess.run([os.path.join(TOP, "scripts", "kernel.sh"), "test"], check=True,
                       stdout=subprocess.DEVNULL)
    if bad or failed:
        die("%d patches with checkpatch findings, %d failed to build" % (bad, failed))
    step("all patches checkpatch --strict clean%s" % (", each builds in order" if build else ""))


main()
