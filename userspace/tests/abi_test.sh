#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What we ship exports its API and holds no test hook: librandepoch.so
# exports exactly the names in lib/librandepoch.map, the provider only
# OSSL_provider_init, and no name of the test builds' entry points
# (testing/randepoch_testing.h) is in a shipped binary's symbol tables or a
# shipped header. The same lookup finds them in librandepoch-testing.a, or
# the test could not fail.
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${O:=$TOP/build/userspace}"
US=$TOP/userspace
SO=$O/librandepoch.so.0
. "$TOP/scripts/tap/tap.sh"

# defined_names FILE [nm options]: the names FILE defines, one a line.
defined_names() {
	f=$1
	shift
	nm "$@" --defined-only "$f" 2>/dev/null | awk 'NF >= 3 { print $3 }' |
		sed 's/@.*//' | sort -u
}

# The functions it declares: a type at the start of the line, then the name.
hooks=$(sed -n 's/^[a-z].*[ *]\(randepoch_[a-z_]*\)(.*/\1/p' \
	"$US/testing/randepoch_testing.h" | sort -u)
api=$(sed -n 's/^[[:space:]]*\(randepoch_[a-z_]*\);$/\1/p' \
	"$US/lib/librandepoch.map" | sort -u)
exported=$(defined_names "$SO" -D | grep -v '^RANDEPOCH_[0-9.]*$')
# The names of the first version node, released with 0.1.0 and never
# changed, and those librandepoch.so exports with that version.
node0=$(sed -n '/^RANDEPOCH_0 {/,/^}/s/^[[:space:]]*\(randepoch_[a-z_]*\);$/\1/p' \
	"$US/lib/librandepoch.map" | sort -u)
exported0=$(nm -D --defined-only "$SO" | awk '$3 ~ /@@?RANDEPOCH_0$/ { print $3 }' |
	sed 's/@.*//' | grep -v '^RANDEPOCH_' | sort -u)

tap_plan 6
tap_diag "test hooks:" $hooks

extra=$(echo "$exported" | grep -vxF "$api")
missing=$(echo "$api" | grep -vxF "$exported")
[ -n "$api" ] && [ -z "$extra" ] && [ -z "$missing" ]
tap_result $? "librandepoch.so exports the map's $(echo "$api" | wc -l) names and nothing else${extra:+ (extra: $(echo $extra))}${missing:+ (missing: $(echo $missing))}"

[ -n "$node0" ] && [ "$node0" = "$exported0" ]
tap_result $? "the $(echo "$node0" | wc -l) names of node RANDEPOCH_0 keep that version"

found=$(defined_names "$O/librandepoch-testing.a" | grep -xF "$hooks")
[ -n "$hooks" ] && [ "$found" = "$hooks" ]
tap_result $? "the test build defines every test hook (the control: nm sees them)"

leaks=
for bin in "$SO" "$O/librandepoch.a" "$O/randepoch.so" "$O/randepoch"; do
	for h in $(defined_names "$bin" | grep -xF "$hooks"); do
		leaks="$leaks $(basename "$bin"):$h"
	done
done
[ -n "$hooks" ] && [ -z "$leaks" ]
tap_result $? "no shipped binary holds a test hook${leaks:+ (found:$leaks)}"

decl=$(grep -lwF "$hooks" "$US"/include/*.h 2>/dev/null)
[ -n "$hooks" ] && [ -z "$decl" ]
tap_result $? "no shipped header declares a test hook${decl:+ (in: $(echo $decl))}"

prov=$(defined_names "$O/randepoch.so" -D)
[ "$prov" = OSSL_provider_init ]
tap_result $? "the provider exports OSSL_provider_init only${prov:+ (exports: $(echo $prov))}"

tap_exit
