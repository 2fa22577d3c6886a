/* Keccak-256 as Ethereum uses it.
 *
 * This is the original Keccak submission with 1088-bit rate, 512-bit capacity
 * and the multi-rate padding pad10*1 whose first padding byte is 0x01 — NOT
 * FIPS 202 SHA3-256, which pads with the domain byte 0x06 and gives different
 * digests. keccak256("") = c5d24601…5d85a470, sha3_256("") = a7ffc6f8….
 *
 * Written by hand because the system crypto library (OpenSSL 3.0) offers only
 * the FIPS 202 variants; see docs/crypto.md.
 *
 * Freestanding: no allocation, no libc beyond memcpy/memset, no global state,
 * so the state transition function can use it in its RISC-V build. The
 * context is a plain caller-owned struct; it is not shared between threads
 * while in use, but any number of contexts may run in parallel. Not
 * constant-time with respect to input length (time depends on len only, not
 * on the bytes). */
#ifndef LAMINA_KECCAK_H
#define LAMINA_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define LM_KECCAK256_LEN 32   /* digest bytes */
#define LM_KECCAK256_RATE 136 /* block bytes: (1600 - 2*256) / 8 */

/* A streaming Keccak-256 context. Copyable: copying a context mid-stream
 * forks the hash (e.g. to hash a common prefix once). */
typedef struct lm_keccak {
    uint64_t st[25];                  /* the Keccak-f[1600] state, lanes */
    uint8_t buf[LM_KECCAK256_RATE];   /* a partial block */
    size_t buf_len;                   /* bytes in buf, < LM_KECCAK256_RATE */
} lm_keccak;

/* Starts a new hash in *k (any previous content is overwritten). */
void lm_keccak_init(lm_keccak *k);

/* Absorbs data[0..len). data may be NULL when len is 0. Any split of the
 * input over calls gives the same digest as one call. */
void lm_keccak_update(lm_keccak *k, const uint8_t *data, size_t len);

/* Out: out[0..32) the digest. Pads, squeezes, and then wipes *k (it may
 * have absorbed secrets); call lm_keccak_init before using *k again. */
void lm_keccak_final(lm_keccak *k, uint8_t out[LM_KECCAK256_LEN]);

/* One-shot: out = keccak256(data[0..len)). out may alias data. */
void lm_keccak256(uint8_t out[LM_KECCAK256_LEN], const uint8_t *data, size_t len);

/* The Keccak-f[1600] permutation (24 rounds) on 25 lanes, lane (x, y) at
 * st[x + 5*y], each lane little-endian as FIPS 202 §3.1.2 orders bits.
 * Exposed for benchmarks and for building other Keccak-based functions. */
void lm_keccak_f1600(uint64_t st[25]);

#endif
