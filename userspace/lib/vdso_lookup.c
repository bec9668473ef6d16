// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's parse_vdso.c, under names of our own so that a program
 * which links its own copy next to librandepoch.a does not clash with ours
 * (and librandepoch.so does not export them: its map names the API).
 */
#include <pthread.h>
#include <sys/auxv.h>

#include "vdso_lookup.h"

#define vdso_sym			__randepoch_vdso_sym
#define vdso_init_from_sysinfo_ehdr	__randepoch_vdso_init_from_sysinfo_ehdr
#define vdso_init_from_auxv		__randepoch_vdso_init_from_auxv

#include "parse_vdso.h"
#include "parse_vdso.c"

static pthread_once_t vdso_once = PTHREAD_ONCE_INIT;
static int vdso_found;

static void vdso_init(void)
{
	unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);

	if (!ehdr)
		return;
	vdso_init_from_sysinfo_ehdr(ehdr);
	vdso_found = 1;
}

void *__randepoch_vdso_lookup(const char *name)
{
	pthread_once(&vdso_once, vdso_init);
	return vdso_found ? vdso_sym("LINUX_2.6", name) : NULL;
}
