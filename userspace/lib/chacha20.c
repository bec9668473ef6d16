// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ChaCha20 block function (RFC 8439). A plain C version, and a version that
 * computes four blocks at once with GCC vector extensions: each vector holds
 * one state word of four consecutive blocks, so the four quarter rounds of a
 * round are independent and SSE2 (or NEON) keeps its lanes busy, which a
 * one-block SIMD loop cannot; and eight at once with AVX2 where the CPU
 * has it.
 */
#include <string.h>

#include "chacha20.h"

#define ROTL32(v, n)	(((v) << (n)) | ((v) >> (32 - (n))))

#define QR(a, b, c, d) do {						\
	a += b; d ^= a; d = ROTL32(d, 16);				\
	c += d; b ^= c; b = ROTL32(b, 12);				\
	a += b; d ^= a; d = ROTL32(d, 8);				\
	c += d; b ^= c; b = ROTL32(b, 7);				\
} while (0)

#define DOUBLE_ROUND(x) do {						\
	QR(x[0], x[4], x[8], x[12]);					\
	QR(x[1], x[5], x[9], x[13]);					\
	QR(x[2], x[6], x[10], x[14]);					\
	QR(x[3], x[7], x[11], x[15]);					\
	QR(x[0], x[5], x[10], x[15]);					\
	QR(x[1], x[6], x[11], x[12]);					\
	QR(x[2], x[7], x[8], x[13]);					\
	QR(x[3], x[4], x[9], x[14]);					\
} while (0)

static inline uint32_t load32_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void store32_le(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void chacha20_init(uint32_t s[16], const uint8_t *key, uint32_t counter,
			  const uint8_t *nonce)
{
	int i;

	s[0] = 0x61707865;	/* "expand 32-byte k" */
	s[1] = 0x3320646e;
	s[2] = 0x79622d32;
	s[3] = 0x6b206574;
	for (i = 0; i < 8; i++)
		s[4 + i] = load32_le(key + 4 * i);
	s[12] = counter;
	for (i = 0; i < 3; i++)
		s[13 + i] = load32_le(nonce + 4 * i);
}

static void chacha20_one(uint8_t *out, uint32_t s[16])
{
	uint32_t x[16];
	int i;

	memcpy(x, s, sizeof(x));
	for (i = 0; i < 10; i++)
		DOUBLE_ROUND(x);
	for (i = 0; i < 16; i++)
		store32_le(out + 4 * i, x[i] + s[i]);
	s[12]++;
	chacha20_wipe(x, sizeof(x));
}

void chacha20_blocks_ref(uint8_t *out, const uint8_t *key, uint32_t counter,
			 const uint8_t *nonce, size_t nblocks)
{
	uint32_t s[16];

	chacha20_init(s, key, counter, nonce);
	while (nblocks--) {
		chacha20_one(out, s);
		out += CHACHA20_BLOCK_SIZE;
	}
	chacha20_wipe(s, sizeof(s));
}

#if (defined(__GNUC__) || defined(__clang__)) && \
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CHACHA20_VEC 1

typedef uint32_t v4u32 __attribute__((vector_size(16)));

#ifdef __clang__
#define SHUF(a, b, i, j, k, l)	__builtin_shufflevector(a, b, i, j, k, l)
#else
#define SHUF(a, b, i, j, k, l)	__builtin_shuffle(a, b, (v4u32){ i, j, k, l })
#endif

/*
 * Lanes 0..3 of the vectors a, b, c, d hold words i..i+3 of four blocks:
 * transpose the 4x4 tile and store each row in its block.
 */
#define TRANSPOSE_STORE(out, a, b, c, d, i) do {			\
	v4u32 t0 = SHUF(a, b, 0, 4, 1, 5), t1 = SHUF(a, b, 2, 6, 3, 7);	\
	v4u32 t2 = SHUF(c, d, 0, 4, 1, 5), t3 = SHUF(c, d, 2, 6, 3, 7);	\
	v4u32 r0 = SHUF(t0, t2, 0, 1, 4, 5), r1 = SHUF(t0, t2, 2, 3, 6, 7); \
	v4u32 r2 = SHUF(t1, t3, 0, 1, 4, 5), r3 = SHUF(t1, t3, 2, 3, 6, 7); \
									\
	memcpy((out) + 0 * CHACHA20_BLOCK_SIZE + 4 * (i), &r0, 16);	\
	memcpy((out) + 1 * CHACHA20_BLOCK_SIZE + 4 * (i), &r1, 16);	\
	memcpy((out) + 2 * CHACHA20_BLOCK_SIZE + 4 * (i), &r2, 16);	\
	memcpy((out) + 3 * CHACHA20_BLOCK_SIZE + 4 * (i), &r3, 16);	\
} while (0)

/* Four blocks: s[12], s[12] + 1, ..., written in order to @out. */
static void chacha20_four(uint8_t *out, const uint32_t s[16])
{
	v4u32 x[16], in[16];
	int i;

	for (i = 0; i < 16; i++)
		in[i] = (v4u32){ s[i], s[i], s[i], s[i] };
	in[12] += (v4u32){ 0, 1, 2, 3 };
	memcpy(x, in, sizeof(x));
	for (i = 0; i < 10; i++)
		DOUBLE_ROUND(x);
	for (i = 0; i < 16; i++)
		x[i] += in[i];
	for (i = 0; i < 16; i += 4)
		TRANSPOSE_STORE(out, x[i], x[i + 1], x[i + 2], x[i + 3], i);
	chacha20_wipe(x, sizeof(x));
}

/*
 * x86-64 with AVX2, chosen at run time: eight blocks in 256-bit vectors,
 * twice the work per instruction. Needs __builtin_shufflevector to split
 * a vector into halves (GCC 12, clang).
 */
#if defined(__x86_64__) && (__GNUC__ >= 12 || defined(__clang__))
#define CHACHA20_AVX2 1

typedef uint32_t v8u32 __attribute__((vector_size(32)));

#define LO(v)	__builtin_shufflevector(v, v, 0, 1, 2, 3)
#define HI(v)	__builtin_shufflevector(v, v, 4, 5, 6, 7)

__attribute__((target("avx2")))
static void chacha20_eight(uint8_t *out, const uint32_t s[16])
{
	v8u32 x[16], in[16];
	int i;

	for (i = 0; i < 16; i++)
		in[i] = (v8u32){ s[i], s[i], s[i], s[i], s[i], s[i], s[i], s[i] };
	in[12] += (v8u32){ 0, 1, 2, 3, 4, 5, 6, 7 };
	memcpy(x, in, sizeof(x));
	for (i = 0; i < 10; i++)
		DOUBLE_ROUND(x);
	for (i = 0; i < 16; i++)
		x[i] += in[i];
	for (i = 0; i < 16; i += 4) {
		TRANSPOSE_STORE(out, LO(x[i]), LO(x[i + 1]), LO(x[i + 2]),
				LO(x[i + 3]), i);
		TRANSPOSE_STORE(out + 4 * CHACHA20_BLOCK_SIZE, HI(x[i]),
				HI(x[i + 1]), HI(x[i + 2]), HI(x[i + 3]), i);
	}
	chacha20_wipe(x, sizeof(x));
}

static int have_avx2(void)
{
	static int cached = -1;
	int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (v < 0) {
		v = __builtin_cpu_supports("avx2") ? 1 : 0;
		__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	}
	return v;
}
#endif
#endif

void chacha20_blocks(uint8_t *out, const uint8_t *key, uint32_t counter,
		     const uint8_t *nonce, size_t nblocks)
{
	uint32_t s[16];

	chacha20_init(s, key, counter, nonce);
#ifdef CHACHA20_AVX2
	if (nblocks >= 8 && have_avx2()) {
		do {
			chacha20_eight(out, s);
			s[12] += 8;
			out += 8 * CHACHA20_BLOCK_SIZE;
			nblocks -= 8;
		} while (nblocks >= 8);
	}
#endif
#ifdef CHACHA20_VEC
	while (nblocks >= 4) {
		chacha20_four(out, s);
		s[12] += 4;
		out += 4 * CHACHA20_BLOCK_SIZE;
		nblocks -= 4;
	}
#endif
	while (nblocks--) {
		chacha20_one(out, s);
		out += CHACHA20_BLOCK_SIZE;
	}
	chacha20_wipe(s, sizeof(s));
}
