#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pack busybox, our init and the static guest programs into an initramfs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROOT=$BUILD/initramfs
OUT=$BUILD/initramfs.cpio.gz
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,dev,proc,sys,tmp,etc,root,selftests}
cp /bin/busybox "$ROOT/bin/busybox"
cp "$TOP/scripts/guest/init" "$ROOT/init"
chmod 755 "$ROOT/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOT/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >>"$ROOT/etc/passwd"
echo "root:x:0:" >"$ROOT/etc/group"
: >"$ROOT/selftests/list"
for t in "$BUILD"/guest/selftests/*; do
	cp "$t" "$ROOT/selftests/"
	basename "$t" >>"$ROOT/selftests/list"
done
if [ -d "$BUILD/guest/bin" ]; then
	mkdir -p "$ROOT/usr/bin"
	cp "$BUILD"/guest/bin/* "$ROOT/usr/bin/"
fi
(cd "$ROOT" && find . | sort | cpio -o -H newc --quiet | gzip -1) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
step "initramfs: $(du -h "$OUT" | cut -f1) with $(wc -l <"$ROOT/selftests/list") selftests -> build/initramfs.cpio.gz"
