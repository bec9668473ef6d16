/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Symbols of the vDSO, found the one way every program of ours finds them:
 * the kernel's reference parser, tools/testing/selftests/vDSO/parse_vdso.c
 * (which the selftests build in-tree as it is). Internal to librandepoch
 * (not in its map); bench/ links librandepoch.a for it.
 */
#ifndef RANDEPOCH_VDSO_LOOKUP_H
#define RANDEPOCH_VDSO_LOOKUP_H

/*
 * The address of the vDSO's @name (version LINUX_2.6), or NULL if the
 * process has no vDSO or the vDSO no such symbol. Reads memory only (the
 * auxiliary vector and the vDSO's ELF tables): works under a seccomp filter
 * that forbids open, ioctl and mmap. Thread-safe.
 */
void *__randepoch_vdso_lookup(const char *name);

#endif
