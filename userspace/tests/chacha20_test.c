// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20 against RFC 8439: the block function vector (2.3.2), the
 * encryption vector (2.4.2) and test vector #1 of A.1; and the four-block
 * vector path against the one-block reference for every length and offset
 * the PRNGs use.
 */
#include <stdint.h>
#include <string.h>

#include "chacha20.h"
#include "tap.h"

static void unhex(uint8_t *out, const char *hex)
{
	while (hex[0] && hex[1]) {
		unsigned int v;

		sscanf(hex, "%2x", &v);
		*out++ = v;
		hex += 2;
	}
}

static const char block_232[] =
	"10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
	"d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e";
static const char plain_242[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you "
	"only one tip for the future, sunscreen would be it.";
static const char cipher_242[] =
	"6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
	"f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
	"07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
	"5af90bbf74a35be6b40b8eedf2785e42874d";
static const char zero_a1[] =
	"76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
	"da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586";

int main(void)
{
	uint8_t key[32], nonce[12], want[128], ks[16 * 64], ref[16 * 64];
	uint8_t zero[32] = { 0 };
	size_t i, n, len = sizeof(plain_242) - 1;
	int ok;

	tap_plan(6);
	for (i = 0; i < 32; i++)
		key[i] = i;

	unhex(nonce, "000000090000004a00000000");
	unhex(want, block_232);
	chacha20_blocks_ref(ks, key, 1, nonce, 1);
	tap_ok(!memcmp(ks, want, 64), "RFC 8439 2.3.2 block, reference");
	/* The same block as lane 0 of the four-block path. */
	chacha20_blocks(ks, key, 1, nonce, 4);
	tap_ok(!memcmp(ks, want, 64), "RFC 8439 2.3.2 block, vector path");

	unhex(nonce, "000000000000004a00000000");
	unhex(want, cipher_242);
	chacha20_blocks(ks, key, 1, nonce, 2);
	for (i = 0; i < len; i++)
		ks[i] ^= (uint8_t)plain_242[i];
	tap_ok(!memcmp(ks, want, len), "RFC 8439 2.4.2 encryption (114 bytes)");

	unhex(want, zero_a1);
	memset(nonce, 0, sizeof(nonce));
	chacha20_blocks(ks, zero, 0, nonce, 4);
	tap_ok(!memcmp(ks, want, 64), "RFC 8439 A.1 test vector #1");

	/* Every block count 1..16 at counters that cross byte boundaries. */
	ok = 1;
	unhex(nonce, "0102030405060708090a0b0c");
	for (n = 1; n <= 16; n++) {
		uint32_t ctrs[] = { 0, 1, 255, 65533, 0x7ffffff0 };

		for (i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
			memset(ks, 0xaa, sizeof(ks));
			chacha20_blocks(ks, key, ctrs[i], nonce, n);
			chacha20_blocks_ref(ref, key, ctrs[i], nonce, n);
			if (memcmp(ks, ref, n * 64) ||
			    (n < 16 && ks[n * 64] != 0xaa)) {
				tap_diag("mismatch: %zu blocks at %u", n,
					 ctrs[i]);
				ok = 0;
			}
		}
	}
	tap_ok(ok, "vector path equals reference for 1..16 blocks");

	/* In place, as the PRNG refill does: the key is read first. */
	memcpy(ks, key, 32);
	chacha20_blocks(ks, ks, 0, nonce, 8);
	chacha20_blocks_ref(ref, key, 0, nonce, 8);
	tap_ok(!memcmp(ks, ref, 512), "keystream over its own key (in place)");
	return tap_exit();
}
