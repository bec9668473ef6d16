#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# randepoch.pc gives what it takes to build against the shared and the
# static library (what the .so exports: abi_test.sh).
: "${CC:=gcc}" "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${O:=$TOP/build/userspace}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PC="pkg-config --define-variable=libdir=$O --define-variable=includedir=$TOP/userspace/include"
export PKG_CONFIG_PATH=$O
. "$TOP/scripts/tap/tap.sh"

cat >"$tmp/app.c" <<'EOT'
#include <errno.h>
#include <stdio.h>
#include <randepoch_prng.h>
#include <randepoch_shared.h>
int main(void)
{
	struct randepoch ep;
	struct randepoch_prng *p;
	struct randepoch_shared *s;
	unsigned char buf[32];
	int ret = randepoch_open(&ep);

	if (ret && ret != -ENOSYS)
		return 1;
	/* Without the feature (a host): fork-safe only, and no shared PRNG. */
	p = randepoch_prng_new(ret ? NULL : &ep,
			       ret ? RANDEPOCH_PRNG_NO_EPOCH_CHECK : 0);
	errno = 0;
	s = randepoch_shared_new(ret ? NULL : &ep);
	if (!p || (!s && !(ret && errno == EINVAL)) ||
	    randepoch_prng_fill(p, buf, 32) ||
	    (s && randepoch_shared_fill(s, buf, 32)))
		return 1;
	randepoch_prng_free(p);
	randepoch_shared_free(s);
	if (!ret)
		randepoch_close(&ep);
	puts("app ok");
	return 0;
}
EOT

tap_plan 3
$PC --exists randepoch && [ "$($PC --modversion randepoch)" != "" ]
tap_result $? "pkg-config finds randepoch $($PC --modversion randepoch)"
$CC -Wall -Werror -o "$tmp/app" "$tmp/app.c" \
	$($PC --cflags --libs randepoch) &&
	LD_LIBRARY_PATH=$O "$tmp/app" | grep -q "app ok" &&
	ldd "$tmp/app" 2>/dev/null | grep -q "librandepoch.so.0"
tap_result $? "an app links the shared library with pkg-config and runs"
$CC -Wall -Werror -o "$tmp/app-static" "$tmp/app.c" \
	$($PC --cflags randepoch) "$O/librandepoch.a" \
	$($PC --static --libs-only-other --libs-only-l randepoch | sed 's/-lrandepoch//') &&
	"$tmp/app-static" | grep -q "app ok"
tap_result $? "an app links the static library with pkg-config --static"
tap_exit
