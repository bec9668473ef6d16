#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the host tests given as arguments (programs, or .sh scripts), each
# printing TAP; summarise and fail if any failed. Exit 4 from a test: skip.
pass=0
fail=0
skip=0
for t in "$@"; do
	name=$(basename "$t")
	echo "# ---- $name"
	case $t in
	*.sh) sh "$t" ;;
	*) "$t" ;;
	esac
	rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	4) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); echo "# $name FAILED (exit $rc)" ;;
	esac
done
echo "# userspace check: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
