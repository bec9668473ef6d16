/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's reference vDSO parser, tools/testing/selftests/vDSO/
 * parse_vdso.c (CC0), under names of our own so that a program which links
 * its own copy next to librandepoch.a does not clash with ours, and that
 * librandepoch.so does not export them (its map exports randepoch_*).
 */
#ifndef RANDEPOCH_VDSO_LOOKUP_H
#define RANDEPOCH_VDSO_LOOKUP_H

#define vdso_sym			__randepoch_vdso_sym
#define vdso_init_from_sysinfo_ehdr	__randepoch_vdso_init_from_sysinfo_ehdr
#define vdso_init_from_auxv		__randepoch_vdso_init_from_auxv

#include "parse_vdso.h"

#endif
