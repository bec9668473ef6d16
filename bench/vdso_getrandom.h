/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calling vDSO getrandom() (6.11+) directly: Debian 12's glibc 2.36 has no
 * wrapper. The symbol is found through the vDSO's section headers; each
 * thread needs an opaque state of its own, allocated as the vDSO asks.
 */
#ifndef RANDEPOCH_BENCH_VDSO_GETRANDOM_H
#define RANDEPOCH_BENCH_VDSO_GETRANDOM_H

#include <elf.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/types.h>

typedef ssize_t (*vgetrandom_t)(void *buf, size_t len, unsigned int flags,
				void *state, size_t state_len);

struct vgetrandom_opaque_params {
	uint32_t size_of_opaque_state;
	uint32_t mmap_prot;
	uint32_t mmap_flags;
	uint32_t reserved[13];
};

static vgetrandom_t vgetrandom;
static size_t vstate_len;

/* Find a symbol in the vDSO through its section headers. */
static void *vdso_sym(const char *name)
{
	const Elf64_Ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	uintptr_t base;
	int i, j;

	if (!eh)
		return NULL;
	ph = (const void *)((const char *)eh + eh->e_phoff);
	base = (uintptr_t)eh;
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			base = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
			break;
		}
	sh = (const void *)((const char *)eh + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym;
		const char *str;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		sym = (const void *)((const char *)eh + sh[i].sh_offset);
		str = (const char *)eh + sh[sh[i].sh_link].sh_offset;
		for (j = 0; j < (int)(sh[i].sh_size / sizeof(*sym)); j++)
			if (sym[j].st_value && !strcmp(str + sym[j].st_name, name))
				return (void *)(base + sym[j].st_value);
	}
	return NULL;
}

/*
 * A vDSO getrandom() state of its own for the calling thread, or NULL when
 * the kernel has no vDSO getrandom (before 6.11, or not on this arch).
 */
static void *vdso_getrandom_state(void)
{
	struct vgetrandom_opaque_params params;
	void *state;

	if (!vgetrandom)
		vgetrandom = (vgetrandom_t)vdso_sym("__vdso_getrandom");
	if (!vgetrandom || vgetrandom(NULL, 0, 0, &params, ~0UL))
		return NULL;
	state = mmap(NULL, 4096, params.mmap_prot, params.mmap_flags, -1, 0);
	if (state == MAP_FAILED)
		return NULL;
	vstate_len = params.size_of_opaque_state;
	return state;
}

#endif
