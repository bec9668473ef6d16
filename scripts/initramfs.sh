#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pack busybox, our init and the guest programs (with the shared libraries
# of any dynamic one) into an initramfs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# RANDEPOCH_INITRD and RANDEPOCH_GUEST_BIN let other runners (bench) pack their own.
OUT=${RANDEPOCH_INITRD:-$BUILD/initramfs.cpio.gz}
ROOT=${OUT%.cpio.gz}.root
GUEST_BIN=${RANDEPOCH_GUEST_BIN:-$BUILD/guest/bin}
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,dev,proc,sys,tmp,etc,root,selftests}
cp /bin/busybox "$ROOT/bin/busybox"
cp "$TOP/guest/init" "$ROOT/init"
chmod 755 "$ROOT/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOT/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >>"$ROOT/etc/passwd"
echo "root:x:0:" >"$ROOT/etc/group"
: >"$ROOT/selftests/list"
# add_libs BINARY: the shared libraries a dynamic program needs (none for a
# static one).
add_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
}
# add_dynamic BINARY: a host program with the shared libraries it needs.
add_dynamic() {
	mkdir -p "$ROOT$(dirname "$1")"
	cp "$1" "$ROOT$1"
	add_libs "$1"
}
for t in "$BUILD"/guest/selftests/*; do
	cp "$t" "$ROOT/selftests/"
	basename "$t" >>"$ROOT/selftests/list"
	add_libs "$t"
done
if [ -d "$GUEST_BIN" ]; then
	mkdir -p "$ROOT/usr/bin"
	cp "$GUEST_BIN"/* "$ROOT/usr/bin/"
	for t in "$GUEST_BIN"/*; do
		add_libs "$t"	# the dynamic OpenSSL programs and provider
	done
fi
# Real checkpoint/restore in the guest (Debian's criu).
if [ -x /usr/sbin/criu ]; then
	add_dynamic /usr/sbin/criu
	mkdir -p "$ROOT/lib64" "$ROOT/usr/lib" "$ROOT/var/run" "$ROOT/run"
fi

(cd "$ROOT" && find . | sort | cpio -o -H newc --quiet | gzip -1) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
step "initramfs: $(du -h "$OUT" | cut -f1) with $(wc -l <"$ROOT/selftests/list") selftests -> ${OUT#"$TOP"/}"
