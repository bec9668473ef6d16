#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make packages, the userspace half: the Debian source package "randepoch"
# and its binary packages, built with dpkg-buildpackage and debhelper, then
# checked with lintian.
#
# The source package is staged in build/deb/randepoch-VERSION from the
# files it needs (debian/, userspace/, uapi/, scripts/tap/, the docs it ships) plus the
# kernel's reference vDSO parser (CC0) from linux-source-6.12, so that it
# builds on its own; the .debs, .dsc and .changes land in build/deb/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DEB=$BUILD/deb
VERSION=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
SRC=$DEB/randepoch-$VERSION
VDSO=tools/testing/selftests/vDSO

# Rebuild only when an input changed.
inputs=$(cd "$TOP" && find debian userspace uapi scripts/tap docs/openssl.md docs/userspace.md README.md -type f | sort)
hash=$( (cd "$TOP" && cat $inputs; echo "$inputs") | sha1sum | cut -c1-40)
if [ "$(cat "$DEB/.inputs" 2>/dev/null)" = "$hash" ] && ls "$DEB"/randepoch_"$VERSION"_*.changes >/dev/null 2>&1; then
	step "packages: userspace .debs up to date ($(cd "$DEB" && ls ./*.deb | grep -v linux- | wc -l) in build/deb)"
	exit 0
fi

step "packages: staging the source package randepoch $VERSION"
rm -rf "$SRC" "$DEB"/randepoch_* "$DEB"/librandepoch* "$DEB"/randepoch-*_*
mkdir -p "$SRC/third_party/linux/$VDSO" "$SRC/docs"
# scripts/tap: the TAP helpers the userspace tests (make check) include.
(cd "$TOP" && cp -a debian userspace uapi README.md "$SRC/" && cp docs/openssl.md docs/userspace.md "$SRC/docs/" &&
	cp -a --parents scripts/tap "$SRC/")
VDSO_CACHE=$BUILD/vdso-parser		# unpacking two files reads the whole tarball
if [ -f "$KPRISTINE/$VDSO/parse_vdso.c" ]; then
	cp "$KPRISTINE/$VDSO"/parse_vdso.[ch] "$SRC/third_party/linux/$VDSO/"
else
	if [ ! -f "$VDSO_CACHE/parse_vdso.h" ]; then
		mkdir -p "$VDSO_CACHE"
		tar -xJf "$KTARBALL" -C "$VDSO_CACHE" --strip-components=5 \
			"linux-source-6.12/$VDSO/parse_vdso.c" "linux-source-6.12/$VDSO/parse_vdso.h"
	fi
	cp "$VDSO_CACHE"/parse_vdso.[ch] "$SRC/third_party/linux/$VDSO/"
fi

(cd "$SRC" && dpkg-checkbuilddeps) || die "build dependencies missing (scripts/deps.sh installs them)"
step "packages: dpkg-buildpackage (log: $LOGS/dpkg-buildpackage.log)"
t0=$(date +%s)
(cd "$SRC" && run_logged "$LOGS/dpkg-buildpackage.log" dpkg-buildpackage -us -uc)
step "packages: built in $(($(date +%s) - t0))s: $(cd "$DEB" && ls ./*_"$VERSION"_*.deb | sed 's|^\./||' | tr '\n' ' ')"

changes=$(ls "$DEB"/randepoch_"$VERSION"_*.changes)
step "packages: lintian $(lintian --version | cut -d' ' -f2) (log: $LOGS/lintian.log)"
lintian --display-info --pedantic "$changes" >"$LOGS/lintian.log" 2>&1 || true
if grep -q '^[EW]: ' "$LOGS/lintian.log"; then
	grep '^[EW]: ' "$LOGS/lintian.log" >&2
	die "lintian reports errors or warnings (full log: $LOGS/lintian.log)"
fi
grep -v '^running with root' "$LOGS/lintian.log" | sed 's/^/    /'
step "packages: lintian: no errors, no warnings"
echo "$hash" >"$DEB/.inputs"
