#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the patched 6.12 kernel.
#
#   scripts/kernel.sh [FLAVOUR]	FLAVOUR is "test" (default), "debug", "kcsan" or
#				"debian" (the test kernel packaged by make
#				bindeb-pkg into build/deb/, for the Debian guest)
#
# 1. Extract Debian's linux-source-6.12 once into build/src.
# 2. Lay kernel/ over it: hook patches (kernel/patches/series order) applied to
#    pristine copies of the files they touch, whole new files copied to their
#    in-tree paths, uapi/ copied to include/uapi. Only files whose content
#    changed are written, so make rebuilds only what changed.
# 3. tinyconfig + kernel/config/*.config fragments, merged with
#    merge_config.sh; every requested option is checked to have landed.
# 4. make bzImage with ccache into build/obj-FLAVOUR; for "debian", make
#    bindeb-pkg in build/obj-test (the kernel's own Debian packaging of the
#    very kernel the test suite runs: one build serves both).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# One kernel build at a time: both flavours patch the same source tree, and
# the machine has two cores, so builds from other checkouts on this machine
# (a second work tree, a CI clone) wait too.
exec 9>"$BUILD/.kernel.lock"
flock 9
exec 8>"${RANDEPOCH_MACHINE_LOCK:-/tmp/randepoch-kernel-build.lock}"
flock 8

FLAVOUR=${1:-test}
KOBJ=$BUILD/obj-$FLAVOUR
# The Debian guest boots the test kernel: same config, same object tree, so
# packaging it relinks vmlinux instead of building a third kernel.
if [ "$FLAVOUR" = debian ]; then
	KOBJ=$BUILD/obj-test
fi
# Part of the kernel release, so that the test build and bindeb-pkg agree
# on it (utsrelease.h), and the image's package is linux-image-*-randepoch.
KLOCALVERSION=-randepoch
KSRC=$KPRISTINE			# the extracted tree is patched in place
SAVED=$BUILD/pristine		# pristine copies of every file we replace
STAGE=$BUILD/stage
case $FLAVOUR in
test | debian) FRAGMENTS=("$TOP/kernel/config/randepoch.config" "$TOP/kernel/config/debian.config") ;;
debug) FRAGMENTS=("$TOP/kernel/config/randepoch.config" "$TOP/kernel/config/debug.config") ;;
kcsan) FRAGMENTS=("$TOP/kernel/config/randepoch.config" "$TOP/kernel/config/kcsan.config") ;;
*) die "unknown kernel flavour '$FLAVOUR' (test, debug, kcsan or debian)" ;;
esac

# --- 1. extract ------------------------------------------------------------
[ -f "$KTARBALL" ] || die "$KTARBALL not found: install Debian's linux-source-6.12 (scripts/deps.sh does)"
stamp="$(stat -c '%s %Y' "$KTARBALL")"
if [ "$(cat "$BUILD/src/.extracted" 2>/dev/null)" != "$stamp" ]; then
	step "kernel: extracting $KTARBALL"
	rm -rf "$BUILD/src" "$SAVED" "$BUILD/touched.list" "$BUILD"/obj-*
	mkdir -p "$BUILD/src"
	tar -C "$BUILD/src" -xf "$KTARBALL"
	echo "$stamp" >"$BUILD/src/.extracted"
fi
KVERSION=$(make -s -C "$KSRC" kernelversion)
step "kernel: base is Linux $KVERSION (Debian linux-source-6.12, $(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown))"

# --- 2. lay kernel/ and uapi/ over the tree -------------------------------
mapfile -t PATCHES < <(grep -v '^\s*\(#\|$\)' "$TOP/kernel/patches/series")
declare -A WANT=()		# in-tree path -> 1 for every file we provide
patched=()
for p in "${PATCHES[@]}"; do
	[ -f "$TOP/kernel/patches/$p" ] || die "kernel/patches/series names $p, which does not exist"
	while read -r f; do
		[ -n "${WANT[$f]:-}" ] || patched+=("$f")
		WANT[$f]=1
	done < <(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$TOP/kernel/patches/$p")
done
declare -A NEWFILE=()		# in-tree path -> our source file
while read -r f; do
	NEWFILE[${f#kernel/}]=$TOP/$f
done < <(cd "$TOP" && find kernel -type f ! -path 'kernel/patches/*' ! -path 'kernel/config/*' | sort)
while read -r f; do
	NEWFILE[include/uapi/${f#uapi/}]=$TOP/$f
done < <(cd "$TOP" && find uapi -type f | sort)

rm -rf "$STAGE"
mkdir -p "$STAGE" "$SAVED"
touch "$BUILD/touched.list"
save_pristine() {	# keep the upstream version of $1 before we first change it
	local f=$1
	grep -qxF "$f" "$BUILD/touched.list" && return 0
	if [ -e "$KSRC/$f" ]; then
		mkdir -p "$SAVED/$(dirname "$f")"
		cp -p "$KSRC/$f" "$SAVED/$f"
	fi
	echo "$f" >>"$BUILD/touched.list"
}
pristine_of() {		# copy the upstream version of $1 into the stage, if any
	local f=$1
	mkdir -p "$STAGE/$(dirname "$f")"
	if [ -e "$SAVED/$f" ]; then
		cp -p "$SAVED/$f" "$STAGE/$f"
	elif ! grep -qxF "$f" "$BUILD/touched.list" && [ -e "$KSRC/$f" ]; then
		cp -p "$KSRC/$f" "$STAGE/$f"
	fi
}
for f in "${patched[@]}"; do
	pristine_of "$f"
done
for f in "${!NEWFILE[@]}"; do
	if [ -e "$SAVED/$f" ] || { ! grep -qxF "$f" "$BUILD/touched.list" && [ -e "$KSRC/$f" ]; }; then
		die "${NEWFILE[$f]#"$TOP"/} would replace upstream $f: change upstream files with a patch in kernel/patches"
	fi
	mkdir -p "$STAGE/$(dirname "$f")"
	cp "${NEWFILE[$f]}" "$STAGE/$f"
	WANT[$f]=1
done
for p in "${PATCHES[@]}"; do
	if ! out=$(patch -p1 -F0 -N --no-backup-if-mismatch -r - -d "$STAGE" <"$TOP/kernel/patches/$p" 2>&1); then
		echo "$out" >&2
		die "kernel/patches/$p no longer applies to Linux $KVERSION (the file and hunk are named above)"
	fi
done

changed=0
for f in "${!WANT[@]}"; do
	save_pristine "$f"
	if ! cmp -s "$STAGE/$f" "$KSRC/$f"; then
		mkdir -p "$KSRC/$(dirname "$f")"
		cp "$STAGE/$f" "$KSRC/$f"
		changed=$((changed + 1))
	fi
done
# Files we provided before but no longer do go back to upstream's version.
while read -r f; do
	[ -n "${WANT[$f]:-}" ] && continue
	if [ -e "$SAVED/$f" ]; then
		cmp -s "$SAVED/$f" "$KSRC/$f" || { cp -p "$SAVED/$f" "$KSRC/$f"; changed=$((changed + 1)); }
	elif [ -e "$KSRC/$f" ]; then
		rm -f "$KSRC/$f"
		changed=$((changed + 1))
	fi
done <"$BUILD/touched.list"
step "kernel: ${#PATCHES[@]} patches, ${#NEWFILE[@]} new files, $changed files changed in the tree"

# --- 3. configure ----------------------------------------------------------
mkdir -p "$KOBJ"
cfghash=$(cat "${FRAGMENTS[@]}" "$STAGE"/drivers/char/Kconfig 2>/dev/null | sha1sum | cut -c1-40)
if [ "$(cat "$KOBJ/.randepoch-config" 2>/dev/null)" != "$cfghash" ] || [ ! -f "$KOBJ/.config" ]; then
	step "kernel: configuring ($FLAVOUR: tinyconfig + ${FRAGMENTS[*]##*/})"
	run_logged "$LOGS/config-$FLAVOUR.log" make -C "$KSRC" O="$KOBJ" tinyconfig
	run_logged "$LOGS/merge-$FLAVOUR.log" "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KOBJ" "$KOBJ/.config" "${FRAGMENTS[@]}"
	run_logged "$LOGS/olddefconfig-$FLAVOUR.log" make -C "$KSRC" O="$KOBJ" olddefconfig
	bad=0
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$KOBJ/.config" || { echo "config: wanted $line, got: $(grep "^${line%%=*}=\|^# ${line%%=*} is" "$KOBJ/.config" || echo unset)" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			! grep -q "^$sym=" "$KOBJ/.config" || { echo "config: wanted $sym off, but it is on" >&2; bad=1; } ;;
		esac
	done < <(cat "${FRAGMENTS[@]}")
	[ $bad -eq 0 ] || die "config fragment options did not land (missing dependencies?)"
	echo "$cfghash" >"$KOBJ/.randepoch-config"
fi

# --- 4. build --------------------------------------------------------------
# KBUILD_BUILD_VERSION as bindeb-pkg sets it (the package revision), so that
# packaging the test kernel does not relink it.
export KBUILD_BUILD_TIMESTAMP="2024-11-17" KBUILD_BUILD_USER=randepoch KBUILD_BUILD_HOST=randepoch
export KBUILD_BUILD_VERSION=1
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache} CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Paths relative to the checkout, so that a second work tree or a CI clone
# in another folder hits the cache this one filled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TOP}
check_warnings() {
	# Any warning in a directory that holds a file we add or patch fails the
	# build (drivers/char, drivers/virt, arch/x86/entry/vdso, include/linux, ...),
	# and so does any warning that names our code. Elsewhere upstream's own
	# warnings are left alone: the debug flavour's KASAN frames trip
	# -Wframe-larger-than in drivers/tty and lib/zstd.
	ourdirs=$(for f in "${!WANT[@]}"; do d=$(dirname "$f"); [ "$d" = . ] || echo "$d/"; done | sort -u)
	ours_warned=$(grep "warning:" "$LOGS/kernel-$FLAVOUR.log" | while read -r line; do
		# Absolute, or relative to the object tree (ccache's base dir).
		path=${line#*"${KSRC##*/}"/}
		case $line in *random_epoch*) echo "$line"; continue ;; esac
		for d in $ourdirs; do
			case $path in "$d"*) echo "$line"; break ;; esac
		done
	done || true)
	if [ -n "$ours_warned" ]; then
		echo "$ours_warned" >&2
		die "warnings in or about our code in the $FLAVOUR kernel build (log: $LOGS/kernel-$FLAVOUR.log)"
	fi
}

if [ "$FLAVOUR" = debian ]; then
	# The kernel's own packaging: linux-image-VERSION-randepoch and
	# linux-libc-dev, with dpkg-buildpackage. No modules, so no headers
	# package (whose build dependency gcc-x86-64-linux-gnu bookworm lacks).
	DEB=$BUILD/deb
	mkdir -p "$DEB"
	stamp=$( (echo "$cfghash"; cd "$KSRC" && cat "${!WANT[@]}" 2>/dev/null) | sha1sum | cut -c1-40)
	if [ "$(cat "$DEB/.kernel-inputs" 2>/dev/null)" = "$stamp" ] && ls "$DEB"/linux-image-*-randepoch_*.deb >/dev/null 2>&1; then
		step "kernel: $(cd "$DEB" && ls linux-image-*-randepoch_*.deb) up to date"
		exit 0
	fi
	step "kernel: make bindeb-pkg ($FLAVOUR, -j$(nproc), ccache; log: $LOGS/kernel-$FLAVOUR.log)"
	t0=$(date +%s)
	rm -f "$BUILD"/linux-*.deb "$BUILD"/linux-upstream_* "$DEB"/linux-*.deb
	run_logged "$LOGS/kernel-$FLAVOUR.log" make -C "$KSRC" O="$KOBJ" CC="ccache gcc" -j"$(nproc)" \
		LOCALVERSION="$KLOCALVERSION" KDEB_PKGVERSION="$KVERSION-1" KDEB_COMPRESS=gzip \
		DPKG_FLAGS="-Ppkg.linux-upstream.nokernelheaders" bindeb-pkg
	check_warnings
	mv "$BUILD"/linux-image-*.deb "$BUILD"/linux-libc-dev_*.deb "$DEB"/
	rm -f "$BUILD"/linux-upstream_*
	echo "$stamp" >"$DEB/.kernel-inputs"
	cp "$KOBJ/arch/x86/boot/bzImage" "$BUILD/bzImage-$FLAVOUR"
	step "kernel: built Linux $KVERSION in $(($(date +%s) - t0))s -> $(cd "$DEB" && ls linux-*.deb | tr '\n' ' ')"
	exit 0
fi
step "kernel: building bzImage ($FLAVOUR, -j$(nproc), ccache; log: $LOGS/kernel-$FLAVOUR.log)"
t0=$(date +%s)
run_logged "$LOGS/kernel-$FLAVOUR.log" make -C "$KSRC" O="$KOBJ" CC="ccache gcc" -j"$(nproc)" \
	LOCALVERSION="$KLOCALVERSION" bzImage
check_warnings
cp "$KOBJ/arch/x86/boot/bzImage" "$BUILD/bzImage-$FLAVOUR"
step "kernel: built Linux $KVERSION in $(($(date +%s) - t0))s -> build/bzImage-$FLAVOUR"
