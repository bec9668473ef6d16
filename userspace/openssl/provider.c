// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * randepoch.so: an OpenSSL 3 provider whose EVP_RAND "RANDEPOCH" makes every
 * RAND_bytes() of an unmodified program snapshot-safe through openssl.cnf.
 *
 * Each RAND context owns a librandepoch reference PRNG (randepoch_prng):
 * ChaCha20 with fast key erasure, which loads the epoch word and (where the
 * VM has a vmclock device) the VM generation counter before every draw
 * and, when either changed, stores them first and then reseeds from
 * getrandom(). The state lives in MADV_WIPEONFORK memory, so a forked child
 * reseeds too. A parent DRBG is never used as a seed source: after a VM
 * snapshot restore the parent's state is as duplicated as ours, so every
 * seed comes straight from the (reseeded) kernel crng.
 *
 * The epoch page is found once per provider instance (vDSO, else the
 * RNDGETEPOCHFD mapping). Without it, instantiation fails with an error
 * naming the cause, unless the provider section sets allow_no_epoch = 1,
 * which runs fork-safe only, on purpose. See docs/openssl.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>		/* EVP_RAND_STATE_* */
#include <openssl/params.h>

#include "randepoch.h"
#include "randepoch_prng.h"

#define RANDEPOCH_OSSL_STRENGTH		256
#define RANDEPOCH_OSSL_MAX_REQUEST	(1 << 16)

/* Reason codes, in this provider's own error library. */
enum {
	RANDEPOCH_R_NO_EPOCH = 1,
	RANDEPOCH_R_GETRANDOM,
	RANDEPOCH_R_NO_MEMORY,
	RANDEPOCH_R_NOT_READY,
	RANDEPOCH_R_BAD_REQUEST,
	RANDEPOCH_R_NO_PRNG,
};

static const OSSL_ITEM reason_strings[] = {
	{ RANDEPOCH_R_NO_EPOCH,
	  "kernel has no /dev/random epoch page (RNDGETEPOCHFD): not snapshot-safe" },
	{ RANDEPOCH_R_GETRANDOM, "getrandom() failed" },
	{ RANDEPOCH_R_NO_MEMORY, "out of memory" },
	{ RANDEPOCH_R_NOT_READY, "RANDEPOCH context not instantiated" },
	{ RANDEPOCH_R_BAD_REQUEST, "request exceeds strength or max_request" },
	{ RANDEPOCH_R_NO_PRNG, "cannot set up the snapshot check (epoch page, vmclock counter)" },
	{ 0, NULL }
};

struct prov {
	const OSSL_CORE_HANDLE *handle;
	OSSL_FUNC_core_new_error_fn *new_error;
	OSSL_FUNC_core_set_error_debug_fn *set_error_debug;
	OSSL_FUNC_core_vset_error_fn *vset_error;
	struct randepoch ep;
	int ep_err;		/* 0, or -errno from opening the epoch */
	int allow_no_epoch;	/* provider parameter allow_no_epoch */
};

#define prov_err(p, reason, ...) \
	prov_err_at(p, __FILE__, __LINE__, __func__, reason, __VA_ARGS__)

struct rctx {
	struct prov *prov;
	struct randepoch_prng *prng;
	pthread_mutex_t lock;
	int locking;
	int state;		/* EVP_RAND_STATE_* */
};

/* ERR_raise_data() for a provider: through the core's error functions. */
static void __attribute__((format(printf, 6, 7)))
prov_err_at(const struct prov *p, const char *file, int line,
	    const char *func, int reason, const char *fmt, ...)
{
	va_list ap;

	if (!p->new_error || !p->vset_error)
		return;
	p->new_error(p->handle);
	if (p->set_error_debug)
		p->set_error_debug(p->handle, file, line, func);
	va_start(ap, fmt);
	p->vset_error(p->handle, reason, fmt, ap);
	va_end(ap);
}

static void *rand_newctx(void *provctx, void *parent,
			 const OSSL_DISPATCH *parent_dispatch)
{
	struct rctx *c;

	(void)parent;		/* never a seed source: see the top comment */
	(void)parent_dispatch;
	c = calloc(1, sizeof(*c));
	if (!c) {
		prov_err(provctx, RANDEPOCH_R_NO_MEMORY, NULL);
		return NULL;
	}
	c->prov = provctx;
	c->state = EVP_RAND_STATE_UNINITIALISED;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static int rand_uninstantiate(void *vctx)
{
	struct rctx *c = vctx;

	randepoch_prng_free(c->prng);	/* wipes the key and keystream */
	c->prng = NULL;
	c->state = EVP_RAND_STATE_UNINITIALISED;
	return 1;
}

static void rand_freectx(void *vctx)
{
	struct rctx *c = vctx;

	if (!c)
		return;
	rand_uninstantiate(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static int rand_instantiate(void *vctx, unsigned int strength,
			    int prediction_resistance,
			    const unsigned char *pstr, size_t pstr_len,
			    const OSSL_PARAM params[])
{
	struct rctx *c = vctx;
	struct prov *p = c->prov;
	unsigned int flags = 0;

	(void)prediction_resistance;	/* every seed is fresh anyway */
	(void)pstr;			/* no personalisation in ChaCha20 FKE */
	(void)pstr_len;
	(void)params;
	if (strength > RANDEPOCH_OSSL_STRENGTH) {
		prov_err(p, RANDEPOCH_R_BAD_REQUEST, "strength %u > %d",
			 strength, RANDEPOCH_OSSL_STRENGTH);
		return 0;
	}
	if (p->ep_err) {
		if (!p->allow_no_epoch) {
			c->state = EVP_RAND_STATE_ERROR;
			prov_err(p, RANDEPOCH_R_NO_EPOCH,
				 "%s; set allow_no_epoch = 1 in the randepoch provider section to run fork-safe only",
				 randepoch_strerror(p->ep_err));
			return 0;
		}
		flags = RANDEPOCH_PRNG_NO_EPOCH_CHECK;
	}
	randepoch_prng_free(c->prng);
	c->prng = randepoch_prng_new(flags ? NULL : &p->ep, flags);
	if (!c->prng) {
		c->state = EVP_RAND_STATE_ERROR;
		prov_err(p, errno == ENOMEM ? RANDEPOCH_R_NO_MEMORY :
			 RANDEPOCH_R_NO_PRNG, "randepoch_prng_new: %s",
			 randepoch_strerror(errno));
		return 0;
	}
	c->state = EVP_RAND_STATE_READY;
	return 1;
}

static int rand_generate(void *vctx, unsigned char *out, size_t outlen,
			 unsigned int strength, int prediction_resistance,
			 const unsigned char *adin, size_t adin_len)
{
	struct rctx *c = vctx;
	int err;

	(void)adin;		/* accepted and ignored, as OpenSSL's seed source does */
	(void)adin_len;
	if (c->state != EVP_RAND_STATE_READY || !c->prng) {
		prov_err(c->prov, RANDEPOCH_R_NOT_READY, NULL);
		return 0;
	}
	if (strength > RANDEPOCH_OSSL_STRENGTH ||
	    outlen > RANDEPOCH_OSSL_MAX_REQUEST) {
		prov_err(c->prov, RANDEPOCH_R_BAD_REQUEST,
			 "strength %u, %zu bytes", strength, outlen);
		return 0;
	}
	if (prediction_resistance && !rand_instantiate(c, 0, 0, NULL, 0, NULL))
		return 0;
	err = randepoch_prng_fill(c->prng, out, outlen);
	if (err) {
		prov_err(c->prov, RANDEPOCH_R_GETRANDOM, "%s", strerror(-err));
		return 0;
	}
	return 1;
}

/* A new key from getrandom() on the next draw; the old one is wiped now. */
static int rand_reseed(void *vctx, int prediction_resistance,
		       const unsigned char *ent, size_t ent_len,
		       const unsigned char *adin, size_t adin_len)
{
	struct rctx *c = vctx;

	(void)prediction_resistance;
	(void)ent;
	(void)ent_len;
	(void)adin;
	(void)adin_len;
	if (c->state != EVP_RAND_STATE_READY) {
		prov_err(c->prov, RANDEPOCH_R_NOT_READY, NULL);
		return 0;
	}
	return rand_instantiate(c, 0, 0, NULL, 0, NULL);
}

static int rand_enable_locking(void *vctx)
{
	((struct rctx *)vctx)->locking = 1;
	return 1;
}

static int rand_lock(void *vctx)
{
	struct rctx *c = vctx;

	return !c->locking || pthread_mutex_lock(&c->lock) == 0;
}

static void rand_unlock(void *vctx)
{
	struct rctx *c = vctx;

	if (c->locking)
		pthread_mutex_unlock(&c->lock);
}

static int rand_verify_zeroization(void *vctx)
{
	/* uninstantiate freed (and wiped) the whole PRNG state */
	return !((struct rctx *)vctx)->prng;
}

static int rand_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct rctx *c = vctx;
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
	if (p && !OSSL_PARAM_set_int(p, c->state))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
	if (p && !OSSL_PARAM_set_uint(p, RANDEPOCH_OSSL_STRENGTH))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
	if (p && !OSSL_PARAM_set_size_t(p, RANDEPOCH_OSSL_MAX_REQUEST))
		return 0;
	return 1;
}

static const OSSL_PARAM *rand_gettable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM known[] = {
		OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
		OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
		OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
		OSSL_PARAM_END
	};

	(void)vctx;
	(void)provctx;
	return known;
}

static const OSSL_DISPATCH rand_functions[] = {
	{ OSSL_FUNC_RAND_NEWCTX, (void (*)(void))rand_newctx },
	{ OSSL_FUNC_RAND_FREECTX, (void (*)(void))rand_freectx },
	{ OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))rand_instantiate },
	{ OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))rand_uninstantiate },
	{ OSSL_FUNC_RAND_GENERATE, (void (*)(void))rand_generate },
	{ OSSL_FUNC_RAND_RESEED, (void (*)(void))rand_reseed },
	{ OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))rand_enable_locking },
	{ OSSL_FUNC_RAND_LOCK, (void (*)(void))rand_lock },
	{ OSSL_FUNC_RAND_UNLOCK, (void (*)(void))rand_unlock },
	{ OSSL_FUNC_RAND_VERIFY_ZEROIZATION,
	  (void (*)(void))rand_verify_zeroization },
	{ OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))rand_get_ctx_params },
	{ OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS,
	  (void (*)(void))rand_gettable_ctx_params },
	{ 0, NULL }
};

static const OSSL_ALGORITHM rands[] = {
	{ "RANDEPOCH", "provider=randepoch", rand_functions,
	  "ChaCha20 DRBG that reseeds on every change of the kernel's epoch word" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *prov_query(void *provctx, int operation_id,
					int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	return operation_id == OSSL_OP_RAND ? rands : NULL;
}

static const OSSL_ITEM *prov_reason_strings(void *provctx)
{
	(void)provctx;
	return reason_strings;
}

static int prov_get_params(void *provctx, OSSL_PARAM params[])
{
	struct prov *p = provctx;
	OSSL_PARAM *q;

	q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
	if (q && !OSSL_PARAM_set_utf8_ptr(q, "randepoch"))
		return 0;
	q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
	if (q && !OSSL_PARAM_set_utf8_ptr(q, "0.1.0"))
		return 0;
	q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
	if (q && !OSSL_PARAM_set_int(q, 1))
		return 0;
	q = OSSL_PARAM_locate(params, "epoch_source");
	if (q && !OSSL_PARAM_set_utf8_ptr(q, randepoch_source_name(p->ep.source)))
		return 0;
	return 1;
}

static const OSSL_PARAM *prov_gettable_params(void *provctx)
{
	static const OSSL_PARAM known[] = {
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
		OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL),
		OSSL_PARAM_utf8_ptr("epoch_source", NULL, 0),
		OSSL_PARAM_END
	};

	(void)provctx;
	return known;
}

static void prov_teardown(void *provctx)
{
	struct prov *p = provctx;

	if (!p->ep_err)
		randepoch_close(&p->ep);
	free(p);
}

static const OSSL_DISPATCH prov_functions[] = {
	{ OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))prov_teardown },
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))prov_query },
	{ OSSL_FUNC_PROVIDER_GET_REASON_STRINGS,
	  (void (*)(void))prov_reason_strings },
	{ OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))prov_get_params },
	{ OSSL_FUNC_PROVIDER_GETTABLE_PARAMS,
	  (void (*)(void))prov_gettable_params },
	{ 0, NULL }
};

/* "1", "yes", "true", "on": anything else (or absent) is off. */
static int conf_true(const char *s)
{
	return s && (!strcmp(s, "1") || !strcasecmp(s, "yes") ||
		     !strcasecmp(s, "true") || !strcasecmp(s, "on"));
}

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle,
		       const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
		       void **provctx);

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle,
		       const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
		       void **provctx)
{
	OSSL_FUNC_core_get_params_fn *get_params = NULL;
	char *allow = NULL;
	OSSL_PARAM conf[] = {
		OSSL_PARAM_utf8_ptr("allow_no_epoch", &allow, 0),
		OSSL_PARAM_END
	};
	struct prov *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return 0;
	p->handle = handle;
	for (; in->function_id; in++) {
		switch (in->function_id) {
		case OSSL_FUNC_CORE_GET_PARAMS:
			get_params = OSSL_FUNC_core_get_params(in);
			break;
		case OSSL_FUNC_CORE_NEW_ERROR:
			p->new_error = OSSL_FUNC_core_new_error(in);
			break;
		case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
			p->set_error_debug = OSSL_FUNC_core_set_error_debug(in);
			break;
		case OSSL_FUNC_CORE_VSET_ERROR:
			p->vset_error = OSSL_FUNC_core_vset_error(in);
			break;
		}
	}
	if (get_params && get_params(handle, conf))
		p->allow_no_epoch = conf_true(allow);
	p->ep_err = randepoch_open(&p->ep);
	*out = prov_functions;
	*provctx = p;
	return 1;
}
