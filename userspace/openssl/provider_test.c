// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The provider's own code (provider.o, as built for randepoch.so) registered
 * as a built-in provider with OSSL_PROVIDER_add_builtin(), on a stand-in
 * epoch page: the host kernel has no epoch page, and a test must be able to
 * change the word. The link wraps the provider's calls (OSSL_TEST_WRAP in
 * the Makefile): randepoch_open() attaches the stand-in, and
 * randepoch_prng_new() shows the test the PRNG a context made. OpenSSL's API
 * drives everything: EVP_RAND_fetch by name, RAND_bytes/RAND_priv_bytes with
 * RANDEPOCH as the DRBG type, the context parameters, fork, the "no
 * feature" error, and a simulated clone (the PRNG state copied, as a VM
 * snapshot copies memory) with and without a word change.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "randepoch_prng.h"
#include "randepoch_testing.h"
#include "tap.h"

/* The provider's entry point, in provider.o. */
OSSL_provider_init_fn OSSL_provider_init;

/* The stand-in epoch page: the word, vmclock_counter_offset, the rest. */
static uint32_t stand_in[1024] = { 0x01000001 };
static int no_feature;
/* With a fake vmclock device: its counter, which clone_draw() changes. */
static volatile uint64_t *vm_counter;
static struct randepoch_prng *last_prng;	/* the last one a context made */

int __wrap_randepoch_open(struct randepoch *ep);
struct randepoch_prng *__real_randepoch_prng_new(const struct randepoch *ep,
						 unsigned int flags);
struct randepoch_prng *__wrap_randepoch_prng_new(const struct randepoch *ep,
						 unsigned int flags);

int __wrap_randepoch_open(struct randepoch *ep)
{
	if (no_feature) {
		ep->page = NULL;
		ep->fd = -1;
		ep->source = RANDEPOCH_SOURCE_NONE;
		return -ENOSYS;
	}
	randepoch_attach(ep, stand_in);
	return 0;
}

struct randepoch_prng *__wrap_randepoch_prng_new(const struct randepoch *ep,
						 unsigned int flags)
{
	last_prng = __real_randepoch_prng_new(ep, flags);
	return last_prng;
}

/*
 * A VM clone of @rc: draw 32 bytes into @clone from a copy of its PRNG state
 * as it is now, with the word changed to @bump first if nonzero (with a
 * vmclock device: the counter changed instead), then put the word, the
 * counter and the state back and draw the original's next 32 bytes into
 * @orig. 1 if both draws succeeded.
 */
static int clone_draw(EVP_RAND_CTX *rc, struct randepoch_prng *prng,
		      uint32_t bump, unsigned char orig[32],
		      unsigned char clone[32])
{
	struct randepoch_prng_state saved = *prng->st;
	uint32_t word = __atomic_load_n(stand_in, __ATOMIC_ACQUIRE);
	uint64_t counter = vm_counter ? *vm_counter : 0;
	int ok;

	if (bump && vm_counter)
		*vm_counter = counter + 1;	/* the hypervisor's restore */
	else if (bump)
		__atomic_store_n(stand_in, bump, __ATOMIC_RELEASE);
	ok = EVP_RAND_generate(rc, clone, 32, 0, 0, NULL, 0);
	__atomic_store_n(stand_in, word, __ATOMIC_RELEASE);
	if (vm_counter)
		*vm_counter = counter;
	*prng->st = saved;
	return EVP_RAND_generate(rc, orig, 32, 0, 0, NULL, 0) && ok;
}

static OSSL_PROVIDER *prov;

static OSSL_LIB_CTX *new_libctx(void)
{
	OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();

	if (lib && OSSL_PROVIDER_add_builtin(lib, "randepoch",
					     OSSL_provider_init))
		prov = OSSL_PROVIDER_load(lib, "randepoch");
	else
		prov = NULL;
	if (!prov ||
	    !RAND_set_DRBG_type(lib, "RANDEPOCH", "provider=randepoch",
				NULL, NULL)) {
		ERR_print_errors_fp(stdout);
		exit(KSFT_FAIL);
	}
	return lib;
}

/* 32 bytes of RAND_bytes_ex() in a child of fork() into @out, via a pipe. */
static int child_draw(OSSL_LIB_CTX *lib, unsigned char out[32])
{
	int fds[2], st, ok;
	pid_t pid;

	if (pipe(fds))
		return 0;
	pid = fork();
	if (pid == 0) {
		unsigned char b[32];

		ok = RAND_bytes_ex(lib, b, 32, 0);
		_exit(!ok || write(fds[1], b, 32) != 32);
	}
	close(fds[1]);
	ok = pid > 0 && read(fds[0], out, 32) == 32;
	close(fds[0]);
	return pid > 0 && waitpid(pid, &st, 0) == pid && ok &&
	       WIFEXITED(st) && !WEXITSTATUS(st);
}

#define SHARED_DRAWS	4000

struct shared_job {
	EVP_RAND_CTX *rc;
	unsigned char (*out)[16];
	int ok;
};

/* Draws from one context shared by two threads; the word changes meanwhile. */
static void *shared_worker(void *arg)
{
	struct shared_job *j = arg;
	int i;

	j->ok = 1;
	for (i = 0; i < SHARED_DRAWS; i++) {
		if (!EVP_RAND_generate(j->rc, j->out[i], 16, 0, 0, NULL, 0))
			j->ok = 0;
		if (i % 500 == 0)
			__atomic_add_fetch(stand_in, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* 0 if both threads drew without error and no 16-byte output repeats. */
static int shared_ctx_test(EVP_RAND *rand, int *dups)
{
	static unsigned char out[2 * SHARED_DRAWS][16];
	struct shared_job j[2];
	EVP_RAND_CTX *rc = EVP_RAND_CTX_new(rand, NULL);
	pthread_t t[2];
	int i, ok;

	ok = rc && EVP_RAND_enable_locking(rc) &&
	     EVP_RAND_instantiate(rc, 256, 0, NULL, 0, NULL);
	for (i = 0; ok && i < 2; i++) {
		j[i] = (struct shared_job){ rc, out + i * SHARED_DRAWS, 0 };
		pthread_create(&t[i], NULL, shared_worker, &j[i]);
	}
	for (i = 0; ok && i < 2; i++) {
		pthread_join(t[i], NULL);
		ok = ok && j[i].ok;
	}
	EVP_RAND_CTX_free(rc);
	qsort(out, 2 * SHARED_DRAWS, 16, cmp16);
	*dups = 0;
	for (i = 1; i < 2 * SHARED_DRAWS; i++)
		*dups += !memcmp(out[i - 1], out[i], 16);
	return ok;
}

int main(void)
{
	unsigned char a[32], b[32], c[32];
	OSSL_LIB_CTX *lib = new_libctx();
	EVP_RAND_CTX *rc, *pub;
	struct randepoch_prng *prng;
	EVP_RAND *rand;
	unsigned int strength = 0;
	size_t max_request = 0;
	uint64_t reseeds;
	OSSL_PARAM params[] = {
		OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, &strength),
		OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, &max_request),
		OSSL_PARAM_END
	};
	unsigned long e;
	int ok;

	int dups;

	tap_plan(22);

	rand = EVP_RAND_fetch(lib, "RANDEPOCH", NULL);
	tap_ok(!!rand, "EVP_RAND_fetch(\"RANDEPOCH\")");
	if (!rand)
		return KSFT_FAIL;
	rc = EVP_RAND_CTX_new(rand, NULL);
	last_prng = NULL;
	tap_ok(rc && EVP_RAND_instantiate(rc, 256, 0, NULL, 0, NULL) &&
	       EVP_RAND_get_state(rc) == EVP_RAND_STATE_READY && last_prng,
	       "instantiate at strength 256: state READY");
	prng = last_prng;
	if (!prng)
		return KSFT_FAIL;
	ok = EVP_RAND_CTX_get_params(rc, params);
	tap_ok(ok && strength == 256 &&
	       max_request == 1 << 16 && EVP_RAND_get_strength(rc) == 256,
	       "get_ctx_params: strength %u, max_request %zu",
	       strength, max_request);
	tap_ok(!EVP_RAND_generate(rc, a, sizeof(a), 512, 0, NULL, 0),
	       "a request above strength 256 is refused");
	ERR_clear_error();

	/* The word changes: the next generate reseeds, storing the word. */
	EVP_RAND_generate(rc, a, sizeof(a), 0, 0, NULL, 0);
	reseeds = randepoch_prng_reseeds(prng);
	EVP_RAND_generate(rc, a, sizeof(a), 0, 0, NULL, 0);
	tap_ok(randepoch_prng_reseeds(prng) == reseeds,
	       "same word: no reseed (control)");
	__atomic_store_n(stand_in, 0x01000002, __ATOMIC_RELEASE);
	EVP_RAND_generate(rc, a, sizeof(a), 0, 0, NULL, 0);
	tap_ok(randepoch_prng_reseeds(prng) == reseeds + 1 &&
	       randepoch_prng_seed_word(prng) == 0x01000002,
	       "new word: one reseed, under the new word");

	/*
	 * A clone: the PRNG state copied, as a VM snapshot copies memory.
	 * Without a word change the clone repeats the original's output (the
	 * control); with one it does not.
	 */
	tap_ok(clone_draw(rc, prng, 0, a, b) && !memcmp(a, b, 32),
	       "clone, word unchanged: output repeats (control)");
	tap_ok(clone_draw(rc, prng, 0x01000003, a, b) && memcmp(a, b, 32),
	       "clone, word changed: output differs");

	EVP_RAND_uninstantiate(rc);
	tap_ok(EVP_RAND_verify_zeroization(rc) &&
	       EVP_RAND_get_state(rc) == EVP_RAND_STATE_UNINITIALISED,
	       "uninstantiate: verify_zeroization");
	EVP_RAND_CTX_free(rc);

	ok = shared_ctx_test(rand, &dups);
	tap_ok(ok && !dups, "one locked context, 2 threads, word changing: %d draws, %d repeats",
	       2 * SHARED_DRAWS, dups);

	/* RAND_bytes and RAND_priv_bytes with RANDEPOCH as the DRBG type. */
	pub = RAND_get0_public(lib);
	tap_ok(pub && !strcmp(EVP_RAND_get0_name(EVP_RAND_CTX_get0_rand(pub)),
			      "RANDEPOCH") &&
	       RAND_bytes_ex(lib, a, sizeof(a), 0) == 1 &&
	       RAND_priv_bytes_ex(lib, b, sizeof(b), 0) == 1 && memcmp(a, b, 32),
	       "RAND_bytes_ex/RAND_priv_bytes_ex through the public DRBG %s",
	       pub ? EVP_RAND_get0_name(EVP_RAND_CTX_get0_rand(pub)) : "?");
	tap_ok(child_draw(lib, b) &&
	       RAND_bytes_ex(lib, c, sizeof(c), 0) == 1 && memcmp(b, c, 32),
	       "fork: RAND_bytes in the child differs from the parent's");

	/*
	 * A vmclock device: RAND_bytes through the public DRBG, whose PRNG
	 * RAND_get0_public() of a new library context makes.
	 */
	OSSL_PROVIDER_unload(prov);
	OSSL_LIB_CTX_free(lib);
	vm_counter = randepoch_fake_vm_counter(stand_in);
	lib = new_libctx();
	last_prng = NULL;
	pub = RAND_get0_public(lib);
	prng = last_prng;
	if (!pub || !prng || !vm_counter)
		return KSFT_FAIL;
	ok = RAND_bytes_ex(lib, a, sizeof(a), 0) == 1;
	reseeds = randepoch_prng_reseeds(prng);
	ok &= RAND_bytes_ex(lib, a, sizeof(a), 0) == 1;
	tap_ok(ok && prng->vm_counter && randepoch_prng_reseeds(prng) == reseeds,
	       "vmclock device, counter unchanged: RAND_bytes does not reseed (control)");
	*vm_counter += 1;
	ok = RAND_bytes_ex(lib, a, sizeof(a), 0) == 1 &&
	     RAND_bytes_ex(lib, a, sizeof(a), 0) == 1;
	tap_ok(ok && randepoch_prng_reseeds(prng) == reseeds + 1,
	       "the counter changes alone: RAND_bytes reseeds exactly once");
	tap_ok(clone_draw(pub, prng, 0, a, b) && !memcmp(a, b, 32),
	       "clone, counter unchanged: output repeats (control)");
	tap_ok(clone_draw(pub, prng, 1, a, b) && memcmp(a, b, 32),
	       "clone, counter changed: output differs");

	/* A malformed vmclock page: instantiation fails and says why. */
	*(volatile uint32_t *)((uintptr_t)vm_counter & ~(uintptr_t)4095) = 0;
	rc = EVP_RAND_CTX_new(rand, NULL);
	ERR_clear_error();
	ok = rc && !EVP_RAND_instantiate(rc, 0, 0, NULL, 0, NULL) &&
	     EVP_RAND_get_state(rc) == EVP_RAND_STATE_ERROR;
	tap_ok(ok, "bad vmclock magic: EVP_RAND_instantiate fails, state ERROR");
	e = ERR_peek_last_error();
	tap_ok(e && ERR_reason_error_string(e) &&
	       strstr(ERR_reason_error_string(e), "vmclock"),
	       "the error names the cause: %s",
	       e ? ERR_reason_error_string(e) : "(none)");
	ERR_clear_error();
	EVP_RAND_CTX_free(rc);
	stand_in[1] = 0;	/* no device again */
	rc = EVP_RAND_CTX_new(rand, NULL);
	last_prng = NULL;
	ok = rc && EVP_RAND_instantiate(rc, 0, 0, NULL, 0, NULL) && last_prng &&
	     !last_prng->vm_counter;
	if (ok) {
		EVP_RAND_generate(rc, a, 32, 0, 0, NULL, 0);
		reseeds = randepoch_prng_reseeds(last_prng);
		*vm_counter += 1;
		ok = EVP_RAND_generate(rc, a, 32, 0, 0, NULL, 0) &&
		     randepoch_prng_reseeds(last_prng) == reseeds;
		__atomic_store_n(stand_in, 0x01000009, __ATOMIC_RELEASE);
		ok = ok && EVP_RAND_generate(rc, a, 32, 0, 0, NULL, 0) &&
		     randepoch_prng_reseeds(last_prng) == reseeds + 1;
	}
	tap_ok(ok, "no vmclock device: the counter is not looked at, the word is");
	EVP_RAND_CTX_free(rc);
	vm_counter = NULL;

	/* No epoch page: instantiation fails and says why. */
	no_feature = 1;
	OSSL_PROVIDER_unload(prov);
	OSSL_LIB_CTX_free(lib);
	lib = new_libctx();
	ERR_clear_error();
	tap_ok(RAND_bytes_ex(lib, a, sizeof(a), 0) != 1,
	       "no epoch page: RAND_bytes fails");
	for (e = ERR_get_error(); e; e = ERR_get_error())
		if (ERR_reason_error_string(e) &&
		    strstr(ERR_reason_error_string(e), "epoch page"))
			break;
	tap_ok(e != 0, "the error names the cause: %s",
	       e ? ERR_reason_error_string(e) : "(none)");
	ERR_clear_error();
	rand = (EVP_RAND_free(rand), EVP_RAND_fetch(lib, "RANDEPOCH", NULL));
	rc = rand ? EVP_RAND_CTX_new(rand, NULL) : NULL;
	tap_ok(rc && !EVP_RAND_instantiate(rc, 0, 0, NULL, 0, NULL) &&
	       EVP_RAND_get_state(rc) == EVP_RAND_STATE_ERROR,
	       "no epoch page: EVP_RAND_instantiate fails, state ERROR");
	ERR_clear_error();
	EVP_RAND_CTX_free(rc);
	EVP_RAND_free(rand);
	OSSL_PROVIDER_unload(prov);
	OSSL_LIB_CTX_free(lib);
	return tap_failed ? KSFT_FAIL : KSFT_PASS;
}
