#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build, the guest and the tests need.
# Idempotent: does nothing when everything is already there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	linux-source-6.12	# the base kernel tarball in /usr/src
	gcc make bc flex bison libelf-dev libssl-dev cpio xz-utils kmod
	ccache
	busybox-static		# guest shell and tools
	liburcu-dev		# concurrent readers in the userspace library
	criu			# real checkpoint/restore in the guest
	python3			# host-side QEMU drivers
	perl			# checkpatch.pl
	python3-matplotlib	# the benchmark plot
	openssl valgrind	# the OpenSSL provider's host tests
	systemd openssh-client debianutils # systemd-analyze verify, the example hooks
	dpkg-dev debhelper lintian pkgconf # make packages: the .debs, the Debian way
	mmdebstrap e2fsprogs	# the Debian 13 guest image (mkfs.ext4 -d)
	rsync			# make bindeb-pkg
)

# QEMU 10.0, the version Debian 13 users run (it has -device vmclock), comes
# from bookworm-backports through a sources file of our own; the machine's
# existing sources are never edited.
BACKPORTS_SOURCES=/etc/apt/sources.list.d/randepoch-bookworm-backports.sources
BACKPORTS=(qemu-system-x86 qemu-utils)	# qemu-img: the Debian guest's qcow2 overlays
QEMU_MIN=10.0

missing=()
qemu_version=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
if [ -z "$qemu_version" ] || dpkg --compare-versions "${qemu_version#*:}" lt "$QEMU_MIN" ||
	! dpkg-query -W -f='${Status}' qemu-utils 2>/dev/null | grep -q "ok installed"; then
	need_backports=1
else
	need_backports=0
fi
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ $need_backports -eq 0 ] && exit 0

step "deps: installing ${missing[*]}${missing[*]:+ }$([ $need_backports -eq 0 ] || echo "${BACKPORTS[*]} (>= $QEMU_MIN, bookworm-backports)")"
if [ "$(id -u)" -ne 0 ]; then
	die "missing Debian packages: ${missing[*]} ${BACKPORTS[*]}; run this as root"
fi
export DEBIAN_FRONTEND=noninteractive
if [ $need_backports -eq 1 ] && [ ! -f "$BACKPORTS_SOURCES" ]; then
	cat >"$BACKPORTS_SOURCES" <<-EOF
	# Written by randepoch's scripts/deps.sh: QEMU 10.0 for the VM tests.
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: bookworm-backports
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
fi
run_logged "$LOGS/apt-update.log" apt-get update
[ ${#missing[@]} -eq 0 ] ||
	run_logged "$LOGS/apt-install.log" apt-get install -y --no-install-recommends "${missing[@]}"
if [ $need_backports -eq 1 ]; then
	run_logged "$LOGS/apt-install-backports.log" apt-get install -y --no-install-recommends \
		-t bookworm-backports "${BACKPORTS[@]}"
	qemu_version=$(dpkg-query -W -f='${Version}' qemu-system-x86)
	dpkg --compare-versions "${qemu_version#*:}" ge "$QEMU_MIN" ||
		die "qemu-system-x86 $qemu_version installed, but $QEMU_MIN or later is needed"
fi
[ -f "$KTARBALL" ] || die "linux-source-6.12 is installed but $KTARBALL is missing"
step "deps: done"
