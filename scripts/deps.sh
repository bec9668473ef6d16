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
	qemu-system-x86
	busybox-static		# guest shell and tools
	liburcu-dev		# concurrent readers in the userspace library
	criu			# real checkpoint/restore in the guest
	python3			# host-side QEMU drivers
	perl			# checkpatch.pl
	python3-matplotlib	# the benchmark plot
	openssl valgrind	# the OpenSSL provider's host tests
	systemd openssh-client debianutils # systemd-analyze verify, the example hooks
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

step "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	die "missing Debian packages: ${missing[*]}; run 'sudo apt-get install ${missing[*]}' or run this as root"
fi
export DEBIAN_FRONTEND=noninteractive
run_logged "$LOGS/apt-update.log" apt-get update
run_logged "$LOGS/apt-install.log" apt-get install -y --no-install-recommends "${missing[@]}"
[ -f "$KTARBALL" ] || die "linux-source-6.12 is installed but $KTARBALL is missing"
step "deps: done"
