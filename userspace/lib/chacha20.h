/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ChaCha20 keystream (RFC 8439 block function), internal to librandepoch. */
#ifndef RANDEPOCH_CHACHA20_H
#define RANDEPOCH_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#define CHACHA20_KEY_SIZE	32
#define CHACHA20_BLOCK_SIZE	64
#define CHACHA20_NONCE_SIZE	12

/*
 * Write @nblocks blocks of keystream to @out: blocks @counter, @counter + 1,
 * ... for the 32-byte @key and the 12-byte @nonce (IETF layout: 32-bit block counter).
 * The caller keeps @counter + @nblocks <= 2^32. Uses four blocks in parallel
 * with GCC vector extensions where available.
 */
void chacha20_blocks(uint8_t *out, const uint8_t *key,
		     uint32_t counter, const uint8_t *nonce,
		     size_t nblocks);

/* The same, one block at a time in plain C: the reference for the tests. */
void chacha20_blocks_ref(uint8_t *out, const uint8_t *key,
			 uint32_t counter,
			 const uint8_t *nonce,
			 size_t nblocks);

/* memset() that the compiler may not drop as a dead store. */
static inline void chacha20_wipe(void *p, size_t len)
{
	__builtin_memset(p, 0, len);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

#endif /* RANDEPOCH_CHACHA20_H */
