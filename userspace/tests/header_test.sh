#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The uapi header compiles as C89 and as C++98/C++17, pedantic, without
# warnings; the library headers as C99/C11 and C++98/C++17.
: "${CC:=gcc}" "${CXX:=g++}" "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
UINC=$TOP/userspace/include
. "$TOP/scripts/tap/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A translation unit that uses every name the uapi header defines. The
# negative array size fails the build if the struct layout changes.
cat >"$tmp/uapi.c" <<'EOT'
#include <linux/random_epoch.h>
typedef char size_is_16[sizeof(struct rand_epoch_bump) == 16 ? 1 : -1];
typedef char id_shift[RANDOM_EPOCH_WORD_ID(0x02000005U) == 2 ? 1 : -1];
typedef char counter[RANDOM_EPOCH_WORD_COUNTER(0x02000005U) == 5 ? 1 : -1];
typedef char word[RANDOM_EPOCH_WORD(3, 0x1000001U) == 0x03000001U ? 1 : -1];
static unsigned long cmds[] = { RNDGETEPOCHFD, RNDBUMPEPOCH };
int main(void)
{
	struct rand_epoch_bump b = { RNDBUMPEPOCH_AVOID, 0, 0, 0 };

	return (int)(b.flags & ~RNDBUMPEPOCH_FLAGS) +
	       (cmds[0] == cmds[1]) + RANDOM_EPOCH_PAGE_SIZE / 8192 +
	       RANDOM_EPOCH_ID_NONE + RANDOM_EPOCH_ID_VMGENID / 2 +
	       RANDOM_EPOCH_ID_CRIU / 4 + RANDOM_EPOCH_ID_TIMER / 4 +
	       RANDOM_EPOCH_ID_DYNAMIC_FIRST / 32 +
	       RANDOM_EPOCH_ID_MAX / 256 + (int)RANDOM_EPOCH_COUNTER_MASK * 0;
}
EOT
cp "$tmp/uapi.c" "$tmp/uapi.cc"

cat >"$tmp/lib.c" <<'EOT'
#include <randepoch.h>
#include <randepoch_prng.h>
#include <randepoch_shared.h>
int draw(struct randepoch_prng *p, const struct randepoch *ep, void *buf);
int draw(struct randepoch_prng *p, const struct randepoch *ep, void *buf)
{
	return randepoch_prng_fill(p, buf, 16) + randepoch_changed(ep, 0) +
	       (int)RANDEPOCH_WORD_ID(randepoch_word(ep));
}
EOT
cp "$tmp/lib.c" "$tmp/lib.cc"

check() {
	desc=$1
	shift
	"$@" >"$tmp/log" 2>&1
	tap_result $? "$desc" || sed 's/^/# /' "$tmp/log"
}

tap_plan 8
W="-pedantic -Wall -Wextra -Werror -I$TOP/uapi"
check "uapi header: gcc -std=c89 -pedantic" \
	$CC -std=c89 $W -o "$tmp/a" "$tmp/uapi.c"
check "uapi header: gcc -std=c11 -pedantic" \
	$CC -std=c11 $W -o "$tmp/a" "$tmp/uapi.c"
check "uapi header: g++ -std=c++98 -pedantic" \
	$CXX -std=c++98 $W -o "$tmp/a" "$tmp/uapi.cc"
check "uapi header: g++ -std=c++17 -pedantic" \
	$CXX -std=c++17 $W -o "$tmp/a" "$tmp/uapi.cc"
W="-Wall -Wextra -Werror -I$UINC"
check "library headers: gcc -std=c99" \
	$CC -std=c99 $W -c -o "$tmp/a.o" "$tmp/lib.c"
check "library headers: gcc -std=gnu11 -O2" \
	$CC -std=gnu11 -O2 $W -c -o "$tmp/a.o" "$tmp/lib.c"
check "library headers: g++ -std=c++98" \
	$CXX -std=c++98 $W -c -o "$tmp/a.o" "$tmp/lib.cc"
check "library headers: g++ -std=c++17 -O2" \
	$CXX -std=c++17 -O2 $W -c -o "$tmp/a.o" "$tmp/lib.cc"
tap_exit
