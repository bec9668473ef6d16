#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian 13 (trixie) guest image, from Debian's packages with mmdebstrap.
#
#   scripts/debian_image.sh	build build/debian-image/{randepoch,stock}.img
#
# One bootstrap gives two ext4 images (raw, for virtio-blk, no partition
# table): "stock" is trixie with our kernel (linux-image-*-randepoch from
# build/deb, installed with apt), systemd 257, OpenSSH 10, OpenSSL 3.5,
# qemu-guest-agent 10, nftables, nginx (TLS 1.3 on 443) and CRIU; "randepoch" is
# the same tree with our userspace .debs then installed with apt, as a user
# would, and the provider enabled system-wide (randepoch-openssl enable). The kernel is
# also copied out (vmlinuz) for QEMU's direct boot: the image has no boot
# loader. Rebuilt only when an input changes (the .debs, this script, the
# files in scripts/debian-image/); each phase's time is printed.
#
# Per-VM identity: mmdebstrap's openssh-server postinst makes host keys,
# which every VM booted from the image would share. They are deleted, and
# /etc/machine-id is "uninitialized": each VM's first boot is then a
# systemd first boot (machine-id(5)), which makes its own machine ID and runs
# Debian's sshd-keygen.service (ConditionFirstBoot=yes) for its own keys.
# Clones of a running VM are another matter: see docs/debian.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SELF=$(readlink -f "$0")
SUITE=trixie
MIRROR=${RANDEPOCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
OUT=$BUILD/debian-image
DEB=$BUILD/deb
OVERLAY=$TOP/scripts/debian-image
SIZE=2G
PACKAGES=systemd-sysv,udev,openssh-server,qemu-guest-agent,nftables,iproute2,procps,nginx,openssl,criu
# What a user of the randepoch image installs (not -dev, not the kernel's
# linux-libc-dev).
OURS=(librandepoch0 randepoch randepoch-hooks randepoch-openssl-provider)

# --- hooks, run by mmdebstrap with the root directory as $2 -----------------
if [ "${1:-}" = --hook ]; then
	what=$2 root=$3
	echo "$what $(date +%s.%N)" >>"$OUT/.times"
	case $what in
	setup|extracted|essential) ;;
	kernel)
		k=$(cd "$DEB" && ls linux-image-*-randepoch_*.deb)
		cp "$DEB/$k" "$root/tmp/"
		chroot "$root" apt-get install -y --no-install-recommends "/tmp/$k"
		rm -f "$root/tmp/$k" ;;
	configure)
		cp -r "$OVERLAY"/. "$root/"
		rm -f "$root"/etc/ssh/ssh_host_*
		# nginx's TLS key (etc/nginx/conf.d/randepoch-tls.conf): one per
		# image, as an operator's certificate would be.
		chroot "$root" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -days 3650 -subj /CN=localhost \
			-keyout /etc/ssl/private/randepoch-tls.key -out /etc/ssl/certs/randepoch-tls.pem
		echo uninitialized >"$root/etc/machine-id"
		rm -f "$root/var/lib/dbus/machine-id"
		chroot "$root" systemctl enable systemd-networkd.service
		# The serial console, for the boot log the tests keep.
		chroot "$root" systemctl enable serial-getty@ttyS0.service ;;
	stock)
		rm -rf "$OUT/stock.tree"
		rsync -aHAX --one-file-system --exclude='/var/cache/apt/archives/*.deb' \
			--exclude='/var/lib/apt/lists/*' --exclude='/tmp/*' "$root/" "$OUT/stock.tree/" ;;
	ours)
		mkdir -p "$root/tmp/randepoch-debs"
		debs=()
		for p in "${OURS[@]}"; do
			f=$(cd "$DEB" && ls "${p}_"*.deb)
			cp "$DEB/$f" "$root/tmp/randepoch-debs/"
			debs+=("/tmp/randepoch-debs/$f")
		done
		chroot "$root" apt-get install -y --no-install-recommends "${debs[@]}"
		rm -rf "$root/tmp/randepoch-debs"
		# What an operator does once (docs/openssl.md, "System-wide"):
		# every OpenSSL program, nginx included, draws from RANDEPOCH.
		chroot "$root" randepoch-openssl enable
		chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$OUT/manifest.txt" ;;
	done) ;;
	esac
	echo "$what-end $(date +%s.%N)" >>"$OUT/.times"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "mmdebstrap needs root here (it runs apt and dpkg in a chroot)"
ls "$DEB"/linux-image-*-randepoch_*.deb >/dev/null 2>&1 || die "no kernel package in build/deb: run make packages"
for p in "${OURS[@]}"; do
	ls "$DEB/${p}_"*.deb >/dev/null 2>&1 || die "no $p package in build/deb: run make packages"
done

inputs=$( { sha1sum "$SELF" "$DEB"/linux-image-*-randepoch_*.deb; for p in "${OURS[@]}"; do sha1sum "$DEB/${p}_"*.deb; done
	    (cd "$OVERLAY" && find . -type f | sort | xargs sha1sum); echo "$SUITE $MIRROR $PACKAGES $SIZE"; } | sha1sum | cut -c1-40)
if [ "$(cat "$OUT/.inputs" 2>/dev/null)" = "$inputs" ] && [ -f "$OUT/randepoch.img" ] && [ -f "$OUT/stock.img" ]; then
	step "image: build/debian-image/{randepoch,stock}.img up to date (inputs ${inputs:0:12})"
	exit 0
fi

step "image: inputs changed (${inputs:0:12}), building"
rm -rf "$OUT"
mkdir -p "$OUT"
ROOT=$OUT/randepoch.tree
t0=$(date +%s.%N)
step "image: mmdebstrap $SUITE ($PACKAGES; log: $LOGS/mmdebstrap.log)"
run_logged "$LOGS/mmdebstrap.log" mmdebstrap --variant=apt --include="$PACKAGES" \
	--setup-hook="'$SELF' --hook setup \"\$1\"" \
	--extract-hook="'$SELF' --hook extracted \"\$1\"" \
	--essential-hook="'$SELF' --hook essential \"\$1\"" \
	--customize-hook="'$SELF' --hook kernel \"\$1\"" \
	--customize-hook="'$SELF' --hook configure \"\$1\"" \
	--customize-hook="'$SELF' --hook stock \"\$1\"" \
	--customize-hook="'$SELF' --hook ours \"\$1\"" \
	--customize-hook="'$SELF' --hook done \"\$1\"" \
	"$SUITE" "$ROOT" "$MIRROR"
t1=$(date +%s.%N)
cp "$ROOT"/boot/vmlinuz-* "$OUT/vmlinuz"
# mmdebstrap's cleanup leaves /etc/machine-id empty (a new ID at boot, but
# no first-boot semantics, so no sshd-keygen): "uninitialized" again.
for img in randepoch stock; do
	echo uninitialized >"$OUT/$img.tree/etc/machine-id"
done
for img in randepoch stock; do
	step "image: mkfs.ext4 -d $img.tree $img.img ($SIZE sparse)"
	run_logged "$LOGS/mkfs-$img.log" mkfs.ext4 -q -F -L debian-root -E root_owner=0:0 -d "$OUT/$img.tree" "$OUT/$img.img" "$SIZE"
done
t2=$(date +%s.%N)
step "image: removing the trees"
rm -rf "$OUT"/*.tree

# Where the time went, from the hooks' timestamps.
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" '
	{ t[$1] = $2 }
	function d(a, b) { return sprintf("%5.1fs", t[b] - t[a]) }
	END {
		printf "    %s  apt update, download and unpack of the essential set\n", sprintf("%5.1fs", t["extracted"] - t0)
		printf "    %s  essential set installed (dpkg --configure)\n", d("extracted-end", "essential")
		printf "    %s  the %s packages and their dependencies downloaded and installed\n", d("essential-end", "kernel"), "included"
		printf "    %s  our kernel .deb installed with apt\n", d("kernel", "kernel-end")
		printf "    %s  configured (network, machine-id, no host keys)\n", d("configure", "configure-end")
		printf "    %s  stock tree copied\n", d("stock", "stock-end")
		printf "    %s  our userspace .debs installed with apt\n", d("ours", "ours-end")
		printf "    %s  mmdebstrap cleanup\n", sprintf("%5.1fs", t1 - t["done-end"])
		printf "    %s  mkfs.ext4 -d, both images\n", sprintf("%5.1fs", t2 - t1)
		printf "    %s  total\n", sprintf("%5.1fs", t2 - t0)
	}' "$OUT/.times" | tee "$OUT/times.txt"
echo "$inputs" >"$OUT/.inputs"
step "image: $(grep -E '^(systemd|openssh-server|openssl|qemu-guest-agent|nftables|linux-image-[^ ]*|randepoch) ' "$OUT/manifest.txt" | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
