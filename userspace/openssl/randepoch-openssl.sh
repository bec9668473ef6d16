#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# randepoch-openssl: make RANDEPOCH (randepoch.so) the DRBG of every OpenSSL
# program, and undo it (docs/openssl.md, "System-wide").
#
# enable appends one marked line to openssl.cnf,
#     .include DROPIN # MARK
# whose drop-in (shipped with the provider) reopens Debian's sections
# [openssl_init], [provider_sect] and [default_sect]: OpenSSL's parser
# appends to a section opened a second time and a later value wins, and a
# missing .include file is no error, so removing the package (drop-in and
# module together) leaves a harmless line. disable deletes that line and
# nothing else, so the file is byte-identical to what it was. An admin runs
# this, not a maintainer script: openssl.cnf is the openssl package's
# conffile.
#
# Exit codes: 0 ok (status: enabled and RANDEPOCH active), 1 bad usage,
# 2 error (nothing changed), 3 status: not enabled, 4 status: enabled in
# the config but RANDEPOCH not the primary DRBG of a new process.
PROG=randepoch-openssl
DROPIN=@DROPIN@
MARK='# added by "randepoch-openssl enable", removed by "randepoch-openssl disable"'
# Any line carrying this is ours; one that is not exactly ".include PATH
# MARK" (PATH absolute, no blanks) was edited by hand: we touch nothing.
TAG='randepoch-openssl enable'

usage() {
	cat <<EOF
usage: $PROG enable|disable|status [--config FILE] [--include DROPIN]

  enable   append ".include DROPIN" (one marked line) to FILE, after
           checking on a copy that a new openssl process then has
           RANDEPOCH as its DRBG, every provider it had before, and
           working "openssl rand"; a second enable changes nothing
  disable  delete that line: FILE is as it was before enable
  status   whether FILE has the line, whether a new openssl process has
           RANDEPOCH as its primary DRBG, and the epoch source

  --config FILE     default: openssl.cnf in "openssl version -d"'s dir
                    (symlinks followed: the target is edited)
  --include DROPIN  default: $DROPIN
                    (your own copy, e.g. without allow_no_epoch)

Processes already running keep the DRBG they started with: restart them.
exit codes: 0 ok, 1 bad usage, 2 error (nothing changed),
            3 status: not enabled, 4 status: enabled but not active
EOF
}

die() {
	echo "$PROG: $*" >&2
	exit 2
}

usage_error() {
	echo "$PROG: $*" >&2
	usage >&2
	exit 1
}

# default_config: what openssl(1) and libcrypto read without OPENSSL_CONF.
default_config() {
	d=$(openssl version -d 2>/dev/null | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')
	[ -n "$d" ] || die "cannot ask 'openssl version -d' for the config directory"
	echo "$d/openssl.cnf"
}

# marked_line FILE: the line number of our well-formed line, empty if none;
# dies if a line with our tag is malformed or there are several.
marked_line() {
	awk -v tag="$TAG" -v mark="$MARK" -v prog="$PROG" -v file="$1" '
		index($0, tag) {
			n++
			path = substr($0, 10, length($0) - 9 - length(mark) - 1)
			if (n > 1 || substr($0, 1, 9) != ".include " ||
			    substr($0, length($0) - length(mark)) != " " mark ||
			    path !~ /^\/[^ \t#]+$/) {
				printf "%s: %s line %d: damaged %s line: %s\n",
					prog, file, NR, prog, $0 >"/dev/stderr"
				bad = 1
				exit
			}
			line = NR
		}
		END { if (bad) exit 1; if (line) print line }' "$1" ||
		die "fix or delete that line by hand; nothing changed"
}

# included FILE LINE: the path that (well-formed) line includes.
included() {
	awk -v n="$2" -v mark="$MARK" 'NR == n {
		print substr($0, 10, length($0) - 9 - length(mark) - 1); exit }' "$1"
}

# providers CONF: the providers a new openssl process has active.
providers() {
	OPENSSL_CONF=$1 openssl list -providers 2>/dev/null |
		sed -n 's/^  \([^ ].*\)$/\1/p'
}

# primary_is_randepoch CONF: RANDEPOCH is the primary DRBG of a new process.
primary_is_randepoch() {
	OPENSSL_CONF=$1 openssl list -random-instances 2>/dev/null |
		sed -n '/^primary:/{n;p;}' | grep -q "RANDEPOCH @ randepoch"
}

# check_writable FILE: we can replace it (a new file beside it, renamed).
check_writable() {
	[ -w "$1" ] || die "$1: not writable (run as root?); nothing changed"
	[ -w "$(dirname "$1")" ] ||
		die "$(dirname "$1"): not writable (run as root?); nothing changed"
}

# copy_beside FILE: $tmp, a copy of FILE (cp -p) in its directory, removed
# on exit unless replace() put it in FILE's place.
copy_beside() {
	check_writable "$1"
	tmp=$(mktemp "$(dirname "$1")/.$(basename "$1").XXXXXX") ||
		die "cannot create a file beside $1; nothing changed"
	trap 'rm -f "$tmp"' EXIT
	cp -p "$1" "$tmp" || die "cannot copy $1; nothing changed"
}

# replace FILE TMP: TMP (a copy of FILE with cp -p) takes FILE's place.
replace() {
	mv -f "$2" "$1" || { rm -f "$2"; die "$1: cannot replace; nothing changed"; }
}

enable() {
	n=$(marked_line "$config") || exit 2
	if [ -n "$n" ]; then
		have=$(included "$config" "$n")
		[ "$have" = "$dropin" ] ||
			die "$config line $n already includes $have; run '$PROG disable' first"
		echo "$PROG: $config already includes $dropin (line $n); nothing changed"
		return 0
	fi
	case $dropin in
	/*) ;;
	*) die "--include needs an absolute path (OpenSSL resolves a relative one against the working directory): $dropin" ;;
	esac
	case $dropin in
	*[[:space:]#]*) die "--include path must not contain blanks or '#': $dropin" ;;
	esac
	[ -r "$dropin" ] || die "$dropin: no such file (is randepoch-openssl-provider installed?)"
	[ -z "$(tail -c 1 "$config")" ] ||
		die "$config does not end with a newline; add one first, so that disable can restore the file exactly"
	copy_beside "$config"
	printf '.include %s %s\n' "$dropin" "$MARK" >>"$tmp"

	# Try the new config before it is the config: the copy sits beside
	# the file, so relative paths in it resolve as they will.
	before=$(providers "$config")
	after=$(providers "$tmp")
	# shellcheck disable=SC2086 # provider names are single words
	for p in $before randepoch; do
		printf '%s\n' "$after" | grep -qx "$p" && continue
		why=$(OPENSSL_CONF=$tmp openssl list -providers 2>&1 >/dev/null | head -n 1)
		die "with the include, provider '$p' is not active${why:+ ($why)}: is its module installed, does $config use Debian's section names openssl_init, provider_sect, default_sect? Nothing changed"
	done
	primary_is_randepoch "$tmp" ||
		die "with the include, RANDEPOCH is not the primary DRBG ('openssl list -random-instances'); nothing changed"
	err=$(OPENSSL_CONF=$tmp openssl rand -hex 16 2>&1 >/dev/null) ||
		die "with the include, 'openssl rand' fails: $err; nothing changed"
	replace "$config" "$tmp"
	trap - EXIT
	echo "$PROG: enabled in $config: restart running programs (services) so they use it"
}

disable() {
	n=$(marked_line "$config") || exit 2
	if [ -z "$n" ]; then
		echo "$PROG: not enabled in $config; nothing changed"
		return 0
	fi
	copy_beside "$config"
	# GNU sed keeps a missing final newline of the lines it leaves.
	sed "${n}d" "$config" >"$tmp" || die "cannot write $tmp; nothing changed"
	replace "$config" "$tmp"
	trap - EXIT
	echo "$PROG: disabled in $config: restart running programs (services) so they drop it"
}

status() {
	n=$(marked_line "$config") || exit 2
	if [ -n "$n" ]; then
		echo "config: $config line $n includes $(included "$config" "$n")"
	else
		echo "config: $config: not enabled"
	fi
	if primary_is_randepoch "$config"; then
		active=1
		echo "generator: RANDEPOCH @ randepoch is the primary DRBG of a new process"
	else
		active=0
		echo "generator: not RANDEPOCH ('OPENSSL_CONF=$config openssl list -random-instances')"
	fi
	# The provider's epoch_source parameter is readable only through
	# OSSL_PROVIDER_get_params(); "randepoch show" asks the same library
	# call (randepoch_open(): vDSO, else the mapping) in the same way.
	if command -v randepoch >/dev/null 2>&1; then
		src=$(randepoch show --verbose 2>/dev/null | sed -n 's/^source //p')
		echo "epoch source: ${src:-none (this kernel has no epoch page: RANDEPOCH runs fork-safe only, with allow_no_epoch = 1)}"
	else
		echo "epoch source: unknown (install the randepoch package for 'randepoch show')"
	fi
	echo "note: running processes keep the DRBG they started with until restarted"
	[ -n "$n" ] || return 3
	[ $active = 1 ] || return 4
	return 0
}

verb=
config=
dropin=$DROPIN
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--config | --include)
		[ $# -ge 2 ] || usage_error "$1 needs an argument"
		if [ "$1" = --config ]; then config=$2; else dropin=$2; fi
		shift 2
		;;
	enable | disable | status)
		[ -z "$verb" ] || usage_error "unexpected argument '$1'"
		verb=$1
		shift
		;;
	*)
		usage_error "unknown argument '$1'"
		;;
	esac
done
[ -n "$verb" ] || usage_error "no command"
[ -n "$config" ] || config=$(default_config) || exit 2
[ -f "$config" ] || die "$config: no such file"
[ -r "$config" ] || die "$config: not readable"
# The target of a symlink (/usr/lib/ssl/openssl.cnf -> /etc/ssl/openssl.cnf
# on Debian): replacing the link itself would cut the file loose.
config=$(readlink -f "$config")
$verb
