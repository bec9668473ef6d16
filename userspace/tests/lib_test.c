// SPDX-License-Identifier: GPL-2.0
/*
 * The library on the host: open and bump on a kernel without the feature
 * give -ENOSYS (skipped if this kernel has it), names and messages, and
 * word/changed/wait on a simulated page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "randepoch.h"
#include "randepoch_testing.h"
#include "tap.h"

static uint32_t *sim;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *bump_later(void *arg)
{
	usleep(30000);
	__atomic_store_n(sim, (uint32_t)(uintptr_t)arg, __ATOMIC_RELEASE);
	return NULL;
}

int main(void)
{
	struct randepoch ep;
	pthread_t t;
	long long t0, dt;
	uint32_t word = 0, *vmclock;
	const volatile uint64_t *ctr;
	volatile uint64_t *fake;
	int ret, ret2, ok, ok2;

	tap_plan(19);

	ret = randepoch_open(&ep);
	if (ret == 0) {
		tap_skip("open: this kernel has the epoch page (word 0x%08x)",
			 randepoch_word(&ep));
		randepoch_close(&ep);
		tap_skip("bump: this kernel has the epoch page");
	} else {
		tap_ok(ret == -ENOSYS && ep.page == NULL && ep.fd == -1,
		       "open without the feature gives -ENOSYS (got %d)", ret);
		ret = randepoch_bump(1, 5, &word);
		tap_ok(ret == -ENOSYS,
		       "bump without the feature gives -ENOSYS (got %d)", ret);
	}
	/* Each path on its own; a bad source changes nothing and says so. */
	ep.fd = 99;
	ret = randepoch_open_source(&ep, RANDEPOCH_SOURCE_NONE);
	ret2 = randepoch_open_source(&ep, 42);
	tap_ok(ret == -EINVAL && ret2 == -EINVAL && ep.page == NULL &&
	       ep.fd == -1 && ep.source == RANDEPOCH_SOURCE_NONE,
	       "open_source: only vdso or mmap (got %d, %d)", ret, ret2);
	tap_ok(!strcmp(randepoch_source_name(RANDEPOCH_SOURCE_NONE), "none") &&
	       !strcmp(randepoch_source_name(RANDEPOCH_SOURCE_VDSO), "vdso") &&
	       !strcmp(randepoch_source_name(RANDEPOCH_SOURCE_MMAP), "mmap") &&
	       !strcmp(randepoch_source_name(3), "unknown"),
	       "source names");
	tap_ok(strstr(randepoch_strerror(-ENOSYS), "RNDGETEPOCHFD") &&
	       strstr(randepoch_strerror(ENOSYS), "RNDGETEPOCHFD") &&
	       strstr(randepoch_strerror(-EPERM), "CAP_CHECKPOINT_RESTORE") &&
	       !strcmp(randepoch_strerror(-ENOENT), strerror(ENOENT)),
	       "strerror names the cause");
	tap_ok(!strcmp(randepoch_id_name(0), "none") &&
	       !strcmp(randepoch_id_name(1), "vmgenid") &&
	       !strcmp(randepoch_id_name(2), "criu") &&
	       !strcmp(randepoch_id_name(3), "timer") &&
	       !strcmp(randepoch_id_name(4), "vmclock") &&
	       !strcmp(randepoch_id_name(5), "reserved") &&
	       !strcmp(randepoch_id_name(16), "dynamic") &&
	       !strcmp(randepoch_id_name(255), "dynamic") &&
	       !strcmp(randepoch_id_name(256), "reserved"),
	       "ID names");

	/* A simulated page, written the way the kernel does. */
	sim = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sim == MAP_FAILED)
		return KSFT_FAIL;
	randepoch_attach(&ep, sim);
	tap_ok(ep.fd == -1 && ep.source == RANDEPOCH_SOURCE_NONE &&
	       randepoch_word(&ep) == 0 &&
	       !randepoch_changed(&ep, 0) && randepoch_changed(&ep, 1),
	       "attach: word 0, changed() only against another word");
	__atomic_store_n(sim, 0x02000001, __ATOMIC_RELEASE);
	tap_ok(randepoch_word(&ep) == 0x02000001 &&
	       RANDEPOCH_WORD_ID(randepoch_word(&ep)) == 2 &&
	       RANDEPOCH_WORD_COUNTER(randepoch_word(&ep)) == 1 &&
	       randepoch_changed(&ep, 0) && !randepoch_changed(&ep, 0x02000001),
	       "a published word is seen and decoded");

	t0 = now_ms();
	ret = randepoch_wait(&ep, 0, 1000);
	dt = now_ms() - t0;
	tap_ok(ret == 1 && dt < 100,
	       "wait returns at once when the word already differs (%d, %lld ms)",
	       ret, dt);

	t0 = now_ms();
	ret = randepoch_wait(&ep, 0x02000001, 50);
	dt = now_ms() - t0;
	tap_ok(ret == 0 && dt >= 50 && dt < 1000,
	       "wait times out after 50 ms (%d, %lld ms)", ret, dt);

	t0 = now_ms();
	ret = randepoch_wait(&ep, 0x02000001, 0);
	tap_ok(ret == 0 && now_ms() - t0 < 100, "wait with timeout 0 polls once");

	pthread_create(&t, NULL, bump_later, (void *)(uintptr_t)0x03000002);
	t0 = now_ms();
	ret = randepoch_wait(&ep, 0x02000001, -1);
	dt = now_ms() - t0;
	pthread_join(t, NULL);
	ret2 = randepoch_wait(&ep, 0x03000002, 10);
	tap_ok(ret == 1 && dt >= 20 && dt < 2000 && ret2 == 0,
	       "wait without timeout wakes on a change (%d after %lld ms, then %d)",
	       ret, dt, ret2);

	/* The VM generation counter: none while the offset is 0. */
	ctr = (const volatile uint64_t *)&ep;
	ret = randepoch_vm_counter_ptr(&ep, &ctr);
	tap_ok(!ret && !ctr && !strcmp(randepoch_vm_counter_name(&ep), "none") &&
	       !randepoch_stale(sim, NULL, 0x03000002, 0) &&
	       randepoch_stale(sim, NULL, 0x03000001, 0) &&
	       randepoch_vm_counter(NULL) == 0,
	       "no vmclock device: no counter, the check is the word alone");
	fake = randepoch_fake_vm_counter(sim);
	if (!fake)
		return KSFT_FAIL;
	vmclock = (uint32_t *)((uintptr_t)fake & ~(uintptr_t)4095);
	ret = randepoch_vm_counter_ptr(&ep, &ctr);
	tap_ok(!ret && ctr == fake && randepoch_vm_counter(ctr) == 1 &&
	       !strcmp(randepoch_vm_counter_name(&ep), "vm_generation_counter"),
	       "vmclock device: the counter the page names (%d, %s)", ret,
	       randepoch_vm_counter_name(&ep));
	ok = !randepoch_stale(sim, ctr, 0x03000002, 1);
	__atomic_store_n(fake, 2, __ATOMIC_RELAXED);
	ok2 = randepoch_stale(sim, ctr, 0x03000002, 1) &&
	      !randepoch_stale(sim, ctr, 0x03000002, 2) &&
	      randepoch_stale(sim, ctr, 0x03000001, 2);
	tap_ok(ok && ok2, "stale: the word or the counter changed, else not");
	sim[1] = 16;
	ret = randepoch_vm_counter_ptr(&ep, &ctr);
	tap_ok(!ret && ctr == (const volatile uint64_t *)(vmclock + 4) &&
	       !strcmp(randepoch_vm_counter_name(&ep), "disruption_marker"),
	       "offset 16: disruption_marker");
	ok = 1;
	{
		static const uint32_t bad[] = { 105, 108, 8, 4092, 4096, 1u << 31 };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			sim[1] = bad[i];
			ctr = fake;
			ret = randepoch_vm_counter_ptr(&ep, &ctr);
			if (ret != -EPROTO || ctr)
				tap_diag("offset %u: %d", bad[i], ret);
			ok &= ret == -EPROTO && !ctr;
		}
	}
	tap_ok(ok && !strcmp(randepoch_vm_counter_name(&ep), "unknown"),
	       "misaligned, header or out-of-range offsets: -EPROTO");
	sim[1] = 104;
	vmclock[0] ^= 1;
	ctr = fake;
	ret = randepoch_vm_counter_ptr(&ep, &ctr);
	vmclock[0] ^= 1;
	ret2 = randepoch_vm_counter_ptr(&ep, &ctr);
	tap_ok(ret == -EPROTO && ret2 == 0 && ctr == fake &&
	       strstr(randepoch_strerror(-EPROTO), "vmclock"),
	       "bad magic: -EPROTO (%d), \"%s\"; the good page again: 0",
	       ret, randepoch_strerror(-EPROTO));
	sim[1] = 0;

	randepoch_close(&ep);
	tap_ok(ep.page == NULL && ep.fd == -1 && *sim == 0x03000002,
	       "close after attach leaves the page alone");
	munmap(sim, 4096);
	return tap_exit();
}
