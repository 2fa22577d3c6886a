/* Keccak-256 (Ethereum's), written by hand: see include/lamina/keccak.h.
 *
 * Freestanding: only <stdint.h>, <stddef.h> and <string.h> (memcpy/memset,
 * which every freestanding toolchain provides). */
#include "lamina/keccak.h"

#include <string.h>

/* FIPS 202 §3.2.5, Algorithm 5/6 (iota): RC[i] for the 24 rounds, computed
 * from the rc(t) LFSR x^8 + x^6 + x^5 + x^4 + 1. */
static const uint64_t keccak_rc[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull,
    0x8000000080008000ull, 0x000000000000808bull, 0x0000000080000001ull,
    0x8000000080008081ull, 0x8000000000008009ull, 0x000000000000008aull,
    0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull,
    0x8000000000008003ull, 0x8000000000008002ull, 0x8000000000000080ull,
    0x000000000000800aull, 0x800000008000000aull, 0x8000000080008081ull,
    0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

static inline uint64_t rotl64(uint64_t x, unsigned n)
{
    return (x << n) | (x >> ((64 - n) & 63));
}

static inline uint64_t load_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
#endif
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Overwrites n bytes at p with zeros; the empty asm with a memory clobber
 * keeps the compiler from dropping the memset as a dead store. */
static void keccak_wipe(void *p, size_t n)
{
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

void lm_keccak_f1600(uint64_t st[25])
{
    /* Working on a local copy lets the compiler keep lanes in registers. */
    uint64_t a[25], b[25];
    memcpy(a, st, sizeof a);
    for (int round = 0; round < 24; round++) {
        /* theta (FIPS 202 §3.2.1): C[x] = xor of column x,
         * D[x] = C[x-1] ^ rot(C[x+1], 1), and every lane A[x, y] ^= D[x]. */
        uint64_t c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
        uint64_t c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
        uint64_t c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
        uint64_t c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
        uint64_t c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
        uint64_t d0 = c4 ^ rotl64(c1, 1);
        uint64_t d1 = c0 ^ rotl64(c2, 1);
        uint64_t d2 = c1 ^ rotl64(c3, 1);
        uint64_t d3 = c2 ^ rotl64(c4, 1);
        uint64_t d4 = c3 ^ rotl64(c0, 1);
        /* rho (§3.2.2) rotates lane (x, y) by (t+1)(t+2)/2 mod 64; pi (§3.2.3)
         * moves it to (y, 2x + 3y mod 5). Lane (x, y) is a[x + 5y]. */
        b[0] = a[0] ^ d0;
        b[10] = rotl64(a[1] ^ d1, 1);
        b[20] = rotl64(a[2] ^ d2, 62);
        b[5] = rotl64(a[3] ^ d3, 28);
        b[15] = rotl64(a[4] ^ d4, 27);
        b[16] = rotl64(a[5] ^ d0, 36);
        b[1] = rotl64(a[6] ^ d1, 44);
        b[11] = rotl64(a[7] ^ d2, 6);
        b[21] = rotl64(a[8] ^ d3, 55);
        b[6] = rotl64(a[9] ^ d4, 20);
        b[7] = rotl64(a[10] ^ d0, 3);
        b[17] = rotl64(a[11] ^ d1, 10);
        b[2] = rotl64(a[12] ^ d2, 43);
        b[12] = rotl64(a[13] ^ d3, 25);
        b[22] = rotl64(a[14] ^ d4, 39);
        b[23] = rotl64(a[15] ^ d0, 41);
        b[8] = rotl64(a[16] ^ d1, 45);
        b[18] = rotl64(a[17] ^ d2, 15);
        b[3] = rotl64(a[18] ^ d3, 21);
        b[13] = rotl64(a[19] ^ d4, 8);
        b[14] = rotl64(a[20] ^ d0, 18);
        b[24] = rotl64(a[21] ^ d1, 2);
        b[9] = rotl64(a[22] ^ d2, 61);
        b[19] = rotl64(a[23] ^ d3, 56);
        b[4] = rotl64(a[24] ^ d4, 14);
        /* chi (§3.2.4): A[x, y] = B[x, y] ^ (~B[x+1, y] & B[x+2, y]). */
        a[0] = b[0] ^ (~b[1] & b[2]);
        a[1] = b[1] ^ (~b[2] & b[3]);
        a[2] = b[2] ^ (~b[3] & b[4]);
        a[3] = b[3] ^ (~b[4] & b[0]);
        a[4] = b[4] ^ (~b[0] & b[1]);
        a[5] = b[5] ^ (~b[6] & b[7]);
        a[6] = b[6] ^ (~b[7] & b[8]);
        a[7] = b[7] ^ (~b[8] & b[9]);
        a[8] = b[8] ^ (~b[9] & b[5]);
        a[9] = b[9] ^ (~b[5] & b[6]);
        a[10] = b[10] ^ (~b[11] & b[12]);
        a[11] = b[11] ^ (~b[12] & b[13]);
        a[12] = b[12] ^ (~b[13] & b[14]);
        a[13] = b[13] ^ (~b[14] & b[10]);
        a[14] = b[14] ^ (~b[10] & b[11]);
        a[15] = b[15] ^ (~b[16] & b[17]);
        a[16] = b[16] ^ (~b[17] & b[18]);
        a[17] = b[17] ^ (~b[18] & b[19]);
        a[18] = b[18] ^ (~b[19] & b[15]);
        a[19] = b[19] ^ (~b[15] & b[16]);
        a[20] = b[20] ^ (~b[21] & b[22]);
        a[21] = b[21] ^ (~b[22] & b[23]);
        a[22] = b[22] ^ (~b[23] & b[24]);
        a[23] = b[23] ^ (~b[24] & b[20]);
        a[24] = b[24] ^ (~b[20] & b[21]);
        /* iota (§3.2.5) */
        a[0] ^= keccak_rc[round];
    }
    memcpy(st, a, sizeof a);
    keccak_wipe(a, sizeof a);
    keccak_wipe(b, sizeof b);
}

/* Absorbs one full rate block: XOR it into the first 17 lanes, permute. */
static void absorb_block(uint64_t st[25], const uint8_t *block)
{
    for (int i = 0; i < LM_KECCAK256_RATE / 8; i++)
        st[i] ^= load_le64(block + 8 * i);
    lm_keccak_f1600(st);
}

void lm_keccak_init(lm_keccak *k)
{
    memset(k, 0, sizeof *k);
}

void lm_keccak_update(lm_keccak *k, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    if (k->buf_len) {
        size_t take = LM_KECCAK256_RATE - k->buf_len;
        if (take > len)
            take = len;
        memcpy(k->buf + k->buf_len, data, take);
        k->buf_len += take;
        data += take;
        len -= take;
        if (k->buf_len < LM_KECCAK256_RATE)
            return;
        absorb_block(k->st, k->buf);
        k->buf_len = 0;
    }
    while (len >= LM_KECCAK256_RATE) {
        absorb_block(k->st, data);
        data += LM_KECCAK256_RATE;
        len -= LM_KECCAK256_RATE;
    }
    if (len) {
        memcpy(k->buf, data, len);
        k->buf_len = len;
    }
}

void lm_keccak_final(lm_keccak *k, uint8_t out[LM_KECCAK256_LEN])
{
    /* The original Keccak padding pad10*1 with no domain bits: a 1 bit right
     * after the message (byte 0x01, bits are little-endian within bytes),
     * zeros, and a final 1 bit (0x80 in the block's last byte); both land in
     * one byte (0x81) when a single byte of room is left. FIPS 202 SHA-3
     * would append the bits 01 first, giving 0x06 here. */
    memset(k->buf + k->buf_len, 0, LM_KECCAK256_RATE - k->buf_len);
    k->buf[k->buf_len] = 0x01;
    k->buf[LM_KECCAK256_RATE - 1] |= 0x80;
    absorb_block(k->st, k->buf);
    for (int i = 0; i < LM_KECCAK256_LEN / 8; i++)
        store_le64(out + 8 * i, k->st[i]);
    keccak_wipe(k, sizeof *k);
}

void lm_keccak256(uint8_t out[LM_KECCAK256_LEN], const uint8_t *data, size_t len)
{
    lm_keccak k;
    lm_keccak_init(&k);
    lm_keccak_update(&k, data, len);
    lm_keccak_final(&k, out);
}
