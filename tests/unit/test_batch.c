/* Unit tests for lamina/varint.h and lamina/batch.h.
 *
 * Known answers from outside: the unsigned LEB128 examples of the DWARF
 * specification (DWARF 4 and 5, §7.6, "Examples of unsigned LEB128
 * encodings": 2, 127, 128, 129, 130, 12857) and Wikipedia's LEB128 example
 * (624485 -> e5 8e 26). The batch format has no outside implementation: its
 * vectors are the two worked examples of docs/batch-format.md §6, checked
 * byte for byte here (test_vectors_in_doc checks that the doc and this file
 * agree); their block hashes and keccak256 were computed independently with
 * ethers 6, and tests/vectors/batch_model.py (a Python model written from
 * the doc) decodes and re-encodes both to the same fields. Then round trips
 * over seeded random batches, every rejection of the decoder and of the
 * encoder, and the sizes the lead's benchmarks quote (printed, not
 * asserted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zstd.h>

#include "lamina/batch.h"
#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/varint.h"

#include "../test_hex.h"

/* ---- helpers ------------------------------------------------------------- */

static size_t hex_into(uint8_t *out, size_t cap, const char *hex)
{
    return test_hex_into(out, cap, hex, LM_HEX_PREFIX_OPTIONAL);
}

static uint64_t rng_state;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }
static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

/* A resolver over a plain array: account i has address addrs[i]. */
typedef struct test_state {
    uint8_t (*addrs)[20];
    uint32_t n;
    lm_code fail_with; /* LM_OK, or a code every call returns */
} test_state;

static lm_code ts_address_of(void *ctx, uint32_t index, uint8_t out[20])
{
    test_state *s = ctx;
    if (s->fail_with)
        return s->fail_with;
    if (index >= s->n)
        return LM_ENOTFOUND;
    memcpy(out, s->addrs[index], 20);
    return LM_OK;
}

static lm_code ts_index_of(void *ctx, const uint8_t address[20], uint32_t *index)
{
    test_state *s = ctx;
    if (s->fail_with)
        return s->fail_with;
    for (uint32_t i = 0; i < s->n; i++) {
        if (memcmp(s->addrs[i], address, 20) == 0) {
            *index = i;
            return LM_OK;
        }
    }
    return LM_ENOTFOUND;
}

static lm_batch_params params_for(test_state *s, uint64_t chain_id, const lm_batch_limits *lim)
{
    lm_batch_params p = {chain_id, {s, ts_address_of, ts_index_of}, lim, 0};
    return p;
}

/* Fills the derived fields (parent links, tx_count, tx_root) of blocks. */
static void link_blocks(lm_batch_block *blocks, size_t n, const uint8_t parent[32])
{
    uint8_t prev[32];
    memcpy(prev, parent, 32);
    for (size_t b = 0; b < n; b++) {
        lm_block_header *h = &blocks[b].header;
        memcpy(h->parent_hash, prev, 32);
        lm_keccak k;
        lm_keccak_init(&k);
        for (uint32_t i = 0; i < h->tx_count; i++) {
            uint8_t th[32];
            lm_tx_hash(th, &blocks[b].txs[i]);
            lm_keccak_update(&k, th, 32);
        }
        memset(h->tx_root, 0, 32);
        if (h->tx_count)
            lm_keccak_final(&k, h->tx_root);
        lm_block_hash(prev, h);
    }
}

static void assert_same_blocks(const lm_batch_block *a, const lm_batch_block *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ea[LM_BLOCK_HEADER_LEN], eb[LM_BLOCK_HEADER_LEN];
        lm_block_header_encode(ea, &a[i].header);
        lm_block_header_encode(eb, &b[i].header);
        assert_memory_equal(ea, eb, sizeof ea);
        for (uint32_t t = 0; t < a[i].header.tx_count; t++) {
            uint8_t wa[LM_TX_WIRE_LEN], wb[LM_TX_WIRE_LEN];
            lm_tx_encode(wa, &a[i].txs[t]);
            lm_tx_encode(wb, &b[i].txs[t]);
            assert_memory_equal(wa, wb, sizeof wa);
        }
    }
}

/* One big arena for everything (decoding needs the payload and the output). */
#define ARENA_CAP (48u << 20)
static uint8_t *arena_buf;

static int setup(void **state)
{
    (void)state;
    arena_buf = malloc(ARENA_CAP);
    return arena_buf ? 0 : -1;
}
static int teardown(void **state)
{
    (void)state;
    free(arena_buf);
    return 0;
}

/* encode -> bytes (malloc'd), asserting success */
static uint8_t *encode_ok(size_t *len, const lm_batch_params *p, const lm_batch_block *blocks,
                          size_t n, lm_batch_compression c)
{
    size_t cap = lm_batch_encode_bound(blocks, n);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    lm_arena scratch;
    size_t scap = lm_batch_encode_scratch_size(blocks, n);
    void *sbuf = malloc(scap);
    assert_non_null(sbuf);
    lm_arena_init(&scratch, sbuf, scap);
    lm_err err;
    lm_code rc = lm_batch_encode(&scratch, out, cap, len, p, blocks, n, c, &err);
    if (rc != LM_OK)
        fail_msg("encode: %s %s", lm_code_name(rc), err.msg);
    assert_int_equal(scratch.used, 0); /* rewound */
    free(sbuf);
    return out;
}

static lm_code decode_with(lm_batch *out, const lm_batch_params *p, const uint8_t parent[32],
                           const uint8_t *data, size_t len, lm_err *err)
{
    lm_arena a;
    lm_arena_init(&a, arena_buf, ARENA_CAP);
    lm_code rc = lm_batch_decode(&a, out, p, parent, data, len, err);
    if (rc != LM_OK) {
        assert_int_equal(a.used, 0); /* rewound on error */
        assert_int_equal(err->code, rc);
        assert_true(err->msg[0] != '\0');
    }
    return rc;
}

/* ---- varints --------------------------------------------------------------- */

static void test_varint_known(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        const char *hex;
    } vec[] = {
        /* DWARF 4/5 §7.6, unsigned LEB128 examples */
        {2, "02"},
        {127, "7f"},
        {128, "8001"},
        {129, "8101"},
        {130, "8201"},
        {12857, "b964"},
        /* Wikipedia, "LEB128", unsigned example */
        {624485, "e58e26"},
        /* edges */
        {0, "00"},
        {16383, "ff7f"},
        {16384, "808001"},
        {UINT32_MAX, "ffffffff0f"},
        {UINT64_MAX, "ffffffffffffffffff01"},
        {1ULL << 63, "80808080808080808001"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint8_t want[16], got[LM_VARINT_MAX_LEN];
        size_t n = hex_into(want, sizeof want, vec[i].hex);
        assert_int_equal(lm_varint_len(vec[i].v), n);
        assert_int_equal(lm_varint_put(got, vec[i].v), n);
        assert_memory_equal(got, want, n);
        uint64_t v;
        size_t used;
        lm_err err;
        /* a following byte is not consumed */
        want[n] = 0xaa;
        assert_int_equal(lm_varint_get(&v, &used, want, n + 1, &err), LM_OK);
        assert_true(v == vec[i].v);
        assert_int_equal(used, n);
    }
}

static void test_varint_reject(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        lm_code code;
    } vec[] = {
        {"", LM_ETRUNC},
        {"80", LM_ETRUNC},
        {"ffffffff", LM_ETRUNC},
        {"8000", LM_ENONCANON},               /* 0 in two bytes */
        {"ff00", LM_ENONCANON},               /* 127 in two bytes */
        {"8080808080808080808000", LM_EOVERFLOW}, /* 11 bytes: tenth has 0x80 */
        {"80808080808080808000", LM_ENONCANON},   /* ten bytes, zero top group */
        {"ffffffffffffffffff02", LM_EOVERFLOW},   /* 2^64 */
        {"ffffffffffffffffff7f", LM_EOVERFLOW},
        {"ffffffffffffffffff81", LM_EOVERFLOW},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint8_t in[16];
        size_t n = hex_into(in, sizeof in, vec[i].hex);
        uint64_t v = 77;
        size_t used = 77;
        lm_err err;
        lm_code rc = lm_varint_get(&v, &used, in, n, &err);
        if (rc != vec[i].code)
            fail_msg("%s: got %s, want %s", vec[i].hex, lm_code_name(rc),
                     lm_code_name(vec[i].code));
        assert_int_equal(err.code, rc);
        assert_true(v == 77 && used == 77);
    }
}

/* Every value round-trips and is the only encoding: exhaustive over short
 * byte strings (all of 1 and 2 bytes): a string decodes iff it is the
 * encoding of its value. */
static void test_varint_exhaustive(void **state)
{
    (void)state;
    for (unsigned x = 0; x < 65536; x++) {
        uint8_t in[2] = {(uint8_t)x, (uint8_t)(x >> 8)};
        for (size_t n = 1; n <= 2; n++) {
            if (n == 1 && x > 255)
                continue;
            uint64_t v;
            size_t used;
            lm_code rc = lm_varint_get(&v, &used, in, n, NULL);
            if (rc == LM_OK) {
                uint8_t re[LM_VARINT_MAX_LEN];
                assert_int_equal(lm_varint_put(re, v), used);
                assert_memory_equal(re, in, used);
            } else {
                assert_true(rc == LM_ETRUNC || rc == LM_ENONCANON);
            }
        }
    }
}

/* ---- the worked vectors of docs/batch-format.md §6 -------------------------- */

/* Vector resolver: account i (i < n) has the address of 20 bytes 0xa0 + i. */
static uint8_t vec_addrs[16][20];
static test_state vec_state(uint32_t n)
{
    for (uint32_t i = 0; i < 16; i++)
        memset(vec_addrs[i], 0xa0 + (int)i, 20);
    test_state s = {vec_addrs, n, LM_OK};
    return s;
}

static lm_tx mk_tx(lm_tx_type type, uint64_t chain, uint8_t from, uint8_t to, uint32_t asset,
                   uint64_t amount, uint64_t fee, uint64_t nonce, uint8_t r, uint8_t s, uint8_t v)
{
    lm_tx t;
    memset(&t, 0, sizeof t);
    t.type = type;
    t.chain_id = chain;
    memset(t.from, from, 20);
    memset(t.to, to, 20);
    t.asset = asset;
    t.amount = amount;
    t.fee = fee;
    t.nonce = nonce;
    memset(t.sig, r, 32);
    memset(t.sig + 32, s, 32);
    t.sig[64] = v;
    return t;
}

#define V1_CHAIN 901
static lm_tx v1_txs0[2], v1_txs1[1];
static lm_batch_block v1_blocks[3];

/* Fills b's header fields (tx_root and parent_hash are left to link_blocks)
 * and its txs. */
static void v1_block(lm_batch_block *b, uint64_t number, uint64_t origin, uint8_t origin_hash_byte,
                     uint64_t timestamp, uint32_t fee_recipient, uint64_t upto, const lm_tx *txs,
                     uint32_t tx_count)
{
    lm_block_header *h = &b->header;
    h->number = number;
    h->l1_origin_number = origin;
    memset(h->l1_origin_hash, origin_hash_byte, 32);
    h->timestamp = timestamp;
    h->fee_recipient = fee_recipient;
    h->l1_messages_upto = upto;
    h->tx_count = tx_count;
    b->txs = txs;
}

static void v1_build(void)
{
    v1_txs0[0] = mk_tx(LM_TX_TRANSFER, V1_CHAIN, 0xa1, 0xb0, 0, 1000000, 21, 0, 0x11, 0x22, 27);
    v1_txs0[1] = mk_tx(LM_TX_WITHDRAW, V1_CHAIN, 0xa2, 0xc0, 1, 500, 1, 7, 0x33, 0x44, 28);
    v1_txs1[0] = mk_tx(LM_TX_TRANSFER, V1_CHAIN, 0xb0, 0xa1, 0, 400000, 21, 0, 0x55, 0x66, 27);
    memset(v1_blocks, 0, sizeof v1_blocks);
    /* number, L1 origin (number, hash filled with one byte), timestamp, fee
     * recipient, queue upto, then the txs */
    v1_block(&v1_blocks[0], 100, 5000, 0xee, 1700000000, 0, 3, v1_txs0, 2);
    v1_block(&v1_blocks[1], 101, 5001, 0xef, 1700000002, 0, 4, v1_txs1, 1);
    v1_block(&v1_blocks[2], 102, 5001, 0xef, 1700000004, 3, 4, NULL, 0);
    uint8_t zero[32] = {0};
    link_blocks(v1_blocks, 3, zero);
}

/* docs/batch-format.md §6.1, byte for byte */
static const char V1_HEX[] =
    "01" "00"                                       /* version, compression none */
    "64" "03" "02"                                  /* first 100, 3 blocks, 2 table */
    "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"      /* slot 0 */
    "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"      /* slot 1 */
    /* block 100 */
    "03" "80e2cfaa06" "8827"
    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
    "03" "00" "02"
    "01" "02" "01" "00" "c0843d" "15" "00"
    "1111111111111111111111111111111111111111111111111111111111111111"
    "2222222222222222222222222222222222222222222222222222222222222222"
    "82" "04" "03" "01" "f403" "01" "07"
    "3333333333333333333333333333333333333333333333333333333333333333"
    "4444444444444444444444444444444444444444444444444444444444444444"
    /* block 101 */
    "01" "02" "01"
    "efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef"
    "01" "01"
    "01" "01" "02" "00" "80b518" "15" "00"
    "5555555555555555555555555555555555555555555555555555555555555555"
    "6666666666666666666666666666666666666666666666666666666666666666"
    /* block 102 */
    "02" "02" "00" "03" "00";

/* the block hashes the decoder derives, and keccak256 of the batch (what L1
 * records), docs §6.1; computed independently with ethers 6 (keccak256 over
 * the encodings of docs/l2-protocol.md §4 and §6) */
static const char V1_KECCAK[] = "6129ac04eb6c029754fe7b2a6e2a7735f111fb19095a6dfeae6f1b6a1ff95845";
static const char *const V1_HASHES[3] = {
    "7f3328892bb308203f047af67daf3b1647f3332d1a2e074d7ff1113c8a851d2b",
    "f9b7198b8893f759342cb4b8360a9557a48b6a4d4a4f33e82a90e84ec1a00f38",
    "13479565682fa4aacfce14417a2fc387b18623f33cd9fb4ff69db0562ac86ce0",
};

static void test_vector_uncompressed(void **state)
{
    (void)state;
    v1_build();
    test_state s = vec_state(4);
    lm_batch_params p = params_for(&s, V1_CHAIN, NULL);
    size_t len;
    uint8_t *enc = encode_ok(&len, &p, v1_blocks, 3, LM_BATCH_NONE);
    static uint8_t want[1024];
    size_t wlen = hex_into(want, sizeof want, V1_HEX);
    if (len != wlen || memcmp(enc, want, len) != 0) {
        char hex[2 * 1024 + 1];
        lm_hex_encode(hex, enc, len < 1024 ? len : 1024, false);
        fail_msg("vector 1 differs: got %s", hex);
    }
    lm_batch b;
    lm_err err;
    uint8_t zero[32] = {0};
    assert_int_equal(decode_with(&b, &p, zero, want, wlen, &err), LM_OK);
    assert_int_equal(b.block_count, 3);
    assert_int_equal(b.tx_total, 3);
    assert_int_equal(b.new_address_count, 2);
    assert_memory_equal(b.new_addresses[0], v1_txs0[0].to, 20);
    assert_memory_equal(b.new_addresses[1], v1_txs0[1].to, 20);
    assert_same_blocks(b.blocks, v1_blocks, 3);
    uint8_t kh[32], kw[32];
    lm_keccak256(kh, want, wlen);
    hex_into(kw, sizeof kw, V1_KECCAK);
    assert_memory_equal(kh, kw, 32);
    for (int i = 0; i < 3; i++) {
        uint8_t h[32], w[32];
        lm_block_hash(h, &b.blocks[i].header);
        hex_into(w, sizeof w, V1_HASHES[i]);
        assert_memory_equal(h, w, 32);
    }
    free(enc);
}

/* §6.2: 3 blocks, 8 transfers among accounts a0…a7 plus two new addresses;
 * signatures are keccak256 of one byte (r: tx number, s: 0x80 + it). */
#define V2_CHAIN 42069
static lm_tx v2_txs[8];
static lm_batch_block v2_blocks[3];

static void v2_build(void)
{
    static const struct {
        uint8_t from, to;
        uint64_t amount, nonce;
        lm_tx_type type;
    } t[8] = {
        {0xa0, 0xa1, 250000000, 0, LM_TX_TRANSFER}, {0xa1, 0xa2, 120000000, 3, LM_TX_TRANSFER},
        {0xa2, 0xd0, 5000000, 1, LM_TX_TRANSFER},   {0xa3, 0xa0, 1, 9, LM_TX_TRANSFER},
        {0xd0, 0xa4, 2000000, 0, LM_TX_TRANSFER},   {0xa5, 0xd1, 77000000, 2, LM_TX_WITHDRAW},
        {0xa6, 0xa7, 999999999, 4, LM_TX_TRANSFER}, {0xa7, 0xd0, 31337, 5, LM_TX_TRANSFER},
    };
    for (int i = 0; i < 8; i++) {
        lm_tx *x = &v2_txs[i];
        memset(x, 0, sizeof *x);
        x->type = t[i].type;
        x->chain_id = V2_CHAIN;
        memset(x->from, t[i].from, 20);
        memset(x->to, t[i].to, 20);
        x->asset = 0;
        x->amount = t[i].amount;
        x->fee = 42000;
        x->nonce = t[i].nonce;
        uint8_t one = (uint8_t)i, two = (uint8_t)(0x80 + i);
        lm_keccak256(x->sig, &one, 1);
        lm_keccak256(x->sig + 32, &two, 1);
        x->sig[64] = (uint8_t)(27 + (i & 1));
    }
    memset(v2_blocks, 0, sizeof v2_blocks);
    for (int b = 0; b < 3; b++) {
        lm_block_header *h = &v2_blocks[b].header;
        h->number = 7000000 + (uint64_t)b;
        h->l1_origin_number = 21000000 + (b == 2);
        memset(h->l1_origin_hash, b == 2 ? 0x5b : 0x5a, 32);
        h->timestamp = 1750000000 + 2 * (uint64_t)b;
        h->fee_recipient = 5;
        h->l1_messages_upto = 1234 + 2 * (uint64_t)b;
    }
    v2_blocks[0].header.tx_count = 3;
    v2_blocks[0].txs = v2_txs;
    v2_blocks[1].header.tx_count = 3;
    v2_blocks[1].txs = v2_txs + 3;
    v2_blocks[2].header.tx_count = 2;
    v2_blocks[2].txs = v2_txs + 6;
    uint8_t parent[32];
    memset(parent, 0x99, 32);
    link_blocks(v2_blocks, 3, parent);
}

static const char V2_HEX[] =
    "010128b52ffd60e1014d14006426c09fab030302d0d10380c3bbc206c0de810a"
    "5ad20905030100020080e59a7790c80200bc36789e7a1e281436464229828f81"
    "7d6612f7b477d66591ff96a9e064bcc98a56e81f171bcc55a6ff8345e692c0f8"
    "6e5b48e01b996cadc001622fb5e363b42181020400809c9c39035fe7f977e71d"
    "ba2ea1a68e21057beebb9be2ac30c6410aa38d4f3fbe41dcffd21fed454f3570"
    "1d8970ad2ac06907e973314989ab6eb948eda79c00e416c4bdeb01040100c096"
    "b10201f2ee15ea639b73fa3db9b34a245bdfa015c260c598b211bf05a1ecc4b3"
    "e3b4f240e5b3ba79114ba91ce72248452926d84d47a16e2d570e8d55e7e3c25e"
    "48b07d0002020381060000010969c322e3248a5dfc29d73c5b0553b0185a35cd"
    "5bb6386747517ef7e53b15e287cb17308d2a45e47cbe68c337f7da13202b3cf3"
    "f3d10750751682a1a8d12eac490101080080897af343681465b9efe82c933c3e"
    "8748c70cb8aa06539c361de20f72eac04e766393cf50d641d7984383a2344499"
    "60e5af06c34cab1f0529b602cda105255e84f187820a0300c0dadb2402dbb8d0"
    "f4c497851a5043c6363657698cb1387682cac2f786c731f8936109d79522bd73"
    "c565cfab984c8a998ab033d7fbb605bb3d22a5a732051025dc68a5596d010201"
    "5b0202010c0e00ff93ebdc0304d0591206d9e81e07f4defc5327957173572bcd"
    "1bca7838caa7be39b0c12b1873f01d3723333ff38619fc5436cefcf861370990"
    "0c750c45342c079fe9fb2ee417810e0100e9f405ee2a4bc7db81da2b7164e56b"
    "3649b1e2a09c58c455b15dabddd9146c7582cebc8c4e6ea42b9bdc7ed9d2bc77"
    "5a81bf781c4507c2ddcc89b09e82094f184ebc890b00c7d506b10e8017b8e620"
    "0081cc6c70142800910070b0270011340e1296802d";

/* keccak256 of vector 2 (ethers 6) */
static const char V2_KECCAK[] = "42bd966287a37457688c14e1eb18d9b8106f003cbe0d80768d3cd184f09b0c80";

static void test_vector_compressed(void **state)
{
    (void)state;
    v2_build();
    test_state s = vec_state(8);
    lm_batch_params p = params_for(&s, V2_CHAIN, NULL);
    static uint8_t want[4096];
    size_t wlen = hex_into(want, sizeof want, V2_HEX);
    uint8_t parent[32];
    memset(parent, 0x99, 32);
    lm_batch b;
    lm_err err;
    uint8_t kh[32], kw[32];
    lm_keccak256(kh, want, wlen);
    hex_into(kw, sizeof kw, V2_KECCAK);
    assert_memory_equal(kh, kw, 32);
    /* decoding the published bytes is exact whatever the zstd version */
    lm_code rc = decode_with(&b, &p, parent, want, wlen, &err);
    if (rc != LM_OK)
        fail_msg("vector 2: %s", err.msg);
    assert_int_equal(b.block_count, 3);
    assert_int_equal(b.new_address_count, 2);
    assert_same_blocks(b.blocks, v2_blocks, 3);
    /* the payload is the uncompressed encoding */
    size_t ulen, zlen;
    uint8_t *u = encode_ok(&ulen, &p, v2_blocks, 3, LM_BATCH_NONE);
    lm_arena a;
    lm_arena_init(&a, arena_buf, ARENA_CAP);
    const uint8_t *payload;
    size_t plen;
    assert_int_equal(lm_batch_unwrap(&a, &payload, &plen, want, wlen, NULL, &err), LM_OK);
    assert_int_equal(plen, ulen - 2);
    assert_memory_equal(payload, u + 2, plen);
    /* the encoder reproduces the bytes with the zstd it was made with */
    uint8_t *z = encode_ok(&zlen, &p, v2_blocks, 3, LM_BATCH_ZSTD);
    if (ZSTD_versionNumber() == 10504) {
        assert_int_equal(zlen, wlen);
        assert_memory_equal(z, want, wlen);
    } else {
        print_message("note: libzstd %s, vector made with 1.5.4: compressed bytes not compared\n",
                      ZSTD_versionString());
    }
    print_message("vector 2: payload %zu bytes, compressed %zu bytes\n", ulen - 2, zlen - 2);
    /* another level: other bytes, the same blocks; a level zstd lacks: refused */
    p.zstd_level = LM_BATCH_ZSTD_LEVEL_FAST;
    size_t flen;
    uint8_t *f = encode_ok(&flen, &p, v2_blocks, 3, LM_BATCH_ZSTD);
    rc = decode_with(&b, &p, parent, f, flen, &err);
    if (rc != LM_OK)
        fail_msg("level %d: %s", p.zstd_level, err.msg);
    assert_same_blocks(b.blocks, v2_blocks, 3);
    uint8_t out[4096];
    lm_arena_init(&a, arena_buf, ARENA_CAP);
    for (int bad = 0; bad < 2; bad++) {
        p.zstd_level = bad ? -1 : ZSTD_maxCLevel() + 1;
        assert_int_equal(lm_batch_encode(&a, out, sizeof out, &flen, &p, v2_blocks, 3, LM_BATCH_ZSTD,
                                         &err),
                         LM_EINVAL);
        assert_non_null(strstr(err.msg, "zstd level"));
    }
    free(f);
    free(u);
    free(z);
}

/* The doc's hex blocks are the test's vectors: docs/batch-format.md §6 must
 * hold V1_HEX and V2_HEX verbatim (in 64-digit lines, inside ``` fences). */
static char *doc_hex_block(const char *doc, const char *starts_with)
{
    char key[64];
    int kn = snprintf(key, sizeof key, "```\n%s", starts_with);
    assert_true(kn > 0 && (size_t)kn < sizeof key);
    const char *p = strstr(doc, key);
    assert_non_null(p);
    p += 4;
    const char *e = strstr(p, "```");
    assert_non_null(e);
    char *out = malloc((size_t)(e - p) + 1);
    assert_non_null(out);
    size_t n = 0;
    for (; p < e; p++)
        if (*p != '\n')
            out[n++] = *p;
    out[n] = '\0';
    return out;
}

static void test_vectors_in_doc(void **state)
{
    (void)state;
    FILE *f = fopen(LM_SOURCE_DIR "/docs/batch-format.md", "rb");
    assert_non_null(f);
    static char doc[1 << 16];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    static uint8_t a[4096], b[4096];
    char *h1 = doc_hex_block(doc, "0100640302");
    size_t la = hex_into(a, sizeof a, h1), lb = hex_into(b, sizeof b, V1_HEX);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    char *h2 = doc_hex_block(doc, "010128b52ffd");
    la = hex_into(a, sizeof a, h2), lb = hex_into(b, sizeof b, V2_HEX);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_non_null(strstr(doc, V1_KECCAK));
    assert_non_null(strstr(doc, V2_KECCAK));
    for (int i = 0; i < 3; i++)
        assert_non_null(strstr(doc, V1_HASHES[i]));
    free(h1);
    free(h2);
}

/* ---- random batches ------------------------------------------------------ */

typedef struct rnd_batch {
    lm_batch_block *blocks;
    lm_tx *txs;
    size_t n, total;
    uint8_t (*accts)[20]; /* known accounts */
    uint32_t n_accts;
    uint8_t (*fresh)[20]; /* a pool of addresses unknown to the resolver */
    uint32_t n_fresh;
} rnd_batch;

static void rnd_batch_free(rnd_batch *r)
{
    free(r->blocks);
    free(r->txs);
    free(r->accts);
    free(r->fresh);
}

static uint64_t rnd_amount(void)
{
    switch (rnd_below(4)) {
    case 0: return rnd_below(128);
    case 1: return rnd_below(1u << 20);
    case 2: return rnd_below(1000000000000ULL);
    default: return rnd();
    }
}

static void rnd_batch_make(rnd_batch *r, size_t n_blocks, uint32_t max_txs, uint32_t n_accts,
                           uint32_t n_fresh, uint64_t chain, const uint8_t parent[32])
{
    r->n = n_blocks;
    r->n_accts = n_accts;
    r->n_fresh = n_fresh;
    r->accts = malloc((size_t)(n_accts ? n_accts : 1) * 20);
    r->fresh = malloc((size_t)(n_fresh ? n_fresh : 1) * 20);
    assert_true(r->accts && r->fresh);
    rnd_bytes((uint8_t *)r->accts, (size_t)n_accts * 20);
    rnd_bytes((uint8_t *)r->fresh, (size_t)n_fresh * 20);
    r->blocks = calloc(n_blocks, sizeof *r->blocks);
    size_t counts[64];
    assert_true(n_blocks <= 64);
    r->total = 0;
    for (size_t b = 0; b < n_blocks; b++) {
        counts[b] = rnd_below(max_txs + 1);
        r->total += counts[b];
    }
    r->txs = calloc(r->total ? r->total : 1, sizeof *r->txs);
    assert_true(r->blocks && r->txs);
    size_t k = 0;
    lm_block_header prev;
    memset(&prev, 0, sizeof prev);
    prev.number = rnd_below(3) ? rnd_below(1u << 30) : UINT64_MAX - 64 - rnd_below(64);
    prev.timestamp = rnd_below(1ULL << 40);
    prev.l1_origin_number = rnd_below(1ULL << 30);
    rnd_bytes(prev.l1_origin_hash, 32);
    prev.l1_messages_upto = rnd_below(1ULL << 20);
    prev.fee_recipient = (uint32_t)rnd();
    for (size_t b = 0; b < n_blocks; b++) {
        lm_block_header *h = &r->blocks[b].header;
        *h = prev;
        h->number = prev.number + (b > 0);
        h->timestamp += rnd_below(3) ? rnd_below(5) : rnd_below(1u << 20);
        switch (rnd_below(4)) {
        case 0: h->l1_origin_number += 1 + rnd_below(3); rnd_bytes(h->l1_origin_hash, 32); break;
        case 1: rnd_bytes(h->l1_origin_hash, 32); break; /* same number, new hash */
        default: break;
        }
        h->l1_messages_upto += rnd_below(2) ? 0 : rnd_below(100);
        if (rnd_below(4) == 0)
            h->fee_recipient = (uint32_t)rnd_below(rnd_below(2) ? 10 : UINT32_MAX);
        h->tx_count = (uint32_t)counts[b];
        r->blocks[b].txs = r->txs + k;
        for (size_t i = 0; i < counts[b]; i++, k++) {
            lm_tx *t = &r->txs[k];
            t->type = rnd_below(4) ? LM_TX_TRANSFER : LM_TX_WITHDRAW;
            t->chain_id = chain;
            uint8_t *side[2] = {t->from, t->to};
            for (int s = 0; s < 2; s++) {
                if (n_fresh && (rnd_below(3) == 0 || !n_accts))
                    memcpy(side[s], r->fresh[rnd_below(n_fresh)], 20);
                else if (n_accts)
                    memcpy(side[s], r->accts[rnd_below(n_accts)], 20);
                else
                    rnd_bytes(side[s], 20);
            }
            t->asset = rnd_below(8) ? (uint32_t)rnd_below(8) : (uint32_t)rnd();
            t->amount = rnd_amount();
            t->fee = rnd_amount();
            t->nonce = rnd_amount();
            rnd_bytes(t->sig, 64);
            t->sig[64] = (uint8_t)(27 + rnd_below(2));
        }
        prev = *h;
    }
    link_blocks(r->blocks, n_blocks, parent);
}

static void test_round_trip_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 150; seed++) {
        rng_state = seed;
        uint8_t parent[32];
        rnd_bytes(parent, 32);
        rnd_batch r;
        uint64_t chain = rnd();
        uint32_t accts = (uint32_t)rnd_below(seed % 5 == 0 ? 1 : 300);
        uint32_t fresh = (uint32_t)rnd_below(40);
        rnd_batch_make(&r, 1 + rnd_below(12), (uint32_t)rnd_below(40), accts, fresh, chain, parent);
        test_state s = {r.accts, r.n_accts, LM_OK};
        lm_batch_params p = params_for(&s, chain, NULL);
        for (int c = 0; c < 2; c++) {
            size_t len;
            uint8_t *enc = encode_ok(&len, &p, r.blocks, r.n, c ? LM_BATCH_ZSTD : LM_BATCH_NONE);
            lm_batch b;
            lm_err err;
            lm_code rc = decode_with(&b, &p, parent, enc, len, &err);
            if (rc != LM_OK)
                fail_msg("seed %llu: %s", (unsigned long long)seed, err.msg);
            assert_int_equal(b.block_count, r.n);
            assert_int_equal(b.tx_total, r.total);
            assert_same_blocks(b.blocks, r.blocks, r.n);
            /* the table holds exactly the distinct unknown addresses */
            for (uint32_t i = 0; i < b.new_address_count; i++) {
                uint32_t idx;
                assert_int_equal(ts_index_of(&s, b.new_addresses[i], &idx), LM_ENOTFOUND);
            }
            /* re-encoding the decoded batch gives the same bytes */
            size_t len2;
            uint8_t *enc2 = encode_ok(&len2, &p, b.blocks, b.block_count,
                                      c ? LM_BATCH_ZSTD : LM_BATCH_NONE);
            assert_int_equal(len2, len);
            assert_memory_equal(enc2, enc, len);
            free(enc2);
            free(enc);
        }
        rnd_batch_free(&r);
    }
}

/* ---- rejections: the outer layer ------------------------------------------- */

static test_state rej_state;
static lm_batch_params rej_params;
static lm_batch_limits rej_limits;

static void rej_init(void)
{
    rej_state = vec_state(4);
    rej_limits = lm_batch_default_limits;
    rej_params = params_for(&rej_state, V1_CHAIN, &rej_limits);
}

/* decode the hex; assert the code (and that the message is set) */
static void expect(const char *hex, lm_code want, const char *why)
{
    static uint8_t buf[8192];
    size_t n = hex_into(buf, sizeof buf, hex);
    uint8_t *exact = malloc(n ? n : 1); /* exact size for ASan */
    assert_non_null(exact);
    memcpy(exact, buf, n);
    lm_batch b;
    memset(&b, 0x5c, sizeof b);
    lm_batch before = b;
    lm_err err;
    uint8_t zero[32] = {0};
    lm_code rc = decode_with(&b, &rej_params, zero, exact, n, &err);
    if (rc != want)
        fail_msg("%s: got %s (%s), want %s", why, lm_code_name(rc), rc ? err.msg : "",
                 lm_code_name(want));
    if (rc != LM_OK)
        assert_memory_equal(&b, &before, sizeof b); /* untouched */
    free(exact);
}

static void expect_bytes(const uint8_t *data, size_t n, lm_code want, const char *why)
{
    lm_batch b;
    lm_err err;
    uint8_t zero[32] = {0};
    lm_code rc = decode_with(&b, &rej_params, zero, data, n, &err);
    if (rc != want)
        fail_msg("%s: got %s (%s), want %s", why, lm_code_name(rc), rc ? err.msg : "",
                 lm_code_name(want));
}

/* a zstd frame of data, with the content size in the header or not */
static size_t zstd_frame(uint8_t *out, size_t cap, const uint8_t *data, size_t n, bool with_size,
                         int window_log)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    assert_non_null(c);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3)));
    if (window_log)
        assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log)));
    size_t r;
    if (with_size) {
        r = ZSTD_compress2(c, out, cap, data, n);
    } else {
        /* streamed in two calls: the size is never known, so the header
         * carries none and the window is the configured one */
        ZSTD_inBuffer in = {data, n, 0};
        ZSTD_outBuffer o = {out, cap, 0};
        r = ZSTD_compressStream2(c, &o, &in, ZSTD_e_continue);
        assert_false(ZSTD_isError(r));
        ZSTD_inBuffer empty = {NULL, 0, 0};
        do
            r = ZSTD_compressStream2(c, &o, &empty, ZSTD_e_end);
        while (r > 0 && !ZSTD_isError(r));
        assert_false(ZSTD_isError(r));
        r = o.pos;
    }
    assert_false(ZSTD_isError(r));
    ZSTD_freeCCtx(c);
    return r;
}

static void test_reject_outer(void **state)
{
    (void)state;
    rej_init();
    v1_build();
    static uint8_t v1[1024];
    size_t v1_len = hex_into(v1, sizeof v1, V1_HEX);
    const uint8_t *payload = v1 + 2;
    size_t plen = v1_len - 2;

    expect("", LM_ETRUNC, "empty");
    expect("01", LM_ETRUNC, "version only");
    expect("0200", LM_EINVAL, "version 2");
    expect("0000", LM_EINVAL, "version 0");
    expect("0102", LM_EINVAL, "compression 2");
    expect("01ff", LM_EINVAL, "compression 255");
    expect("0100", LM_ETRUNC, "no payload");
    expect_bytes(v1, v1_len, LM_OK, "vector 1");

    static uint8_t z[1 << 16], frame[1 << 16];
    /* a good frame, then each way to break it */
    size_t fl = zstd_frame(frame, sizeof frame, payload, plen, true, 0);
    z[0] = 1, z[1] = 1;
    memcpy(z + 2, frame, fl);
    expect_bytes(z, 2 + fl, LM_OK, "zstd with size");
    fl = zstd_frame(frame, sizeof frame, payload, plen, false, 0);
    assert_true(ZSTD_getFrameContentSize(frame, fl) == ZSTD_CONTENTSIZE_UNKNOWN);
    memcpy(z + 2, frame, fl);
    expect_bytes(z, 2 + fl, LM_OK, "zstd without size");
    expect_bytes(z, 2 + 3, LM_ETRUNC, "zstd: 3 bytes");
    expect_bytes(z, 2 + fl - 1, LM_ETRUNC, "zstd: frame cut short");
    expect_bytes(z, 2 + 6, LM_ETRUNC, "zstd: header only");
    z[2 + fl] = 0;
    expect_bytes(z, 2 + fl + 1, LM_ETRAILING, "zstd: byte after the frame");
    memcpy(z + 2 + fl, frame, fl);
    expect_bytes(z, 2 + 2 * fl, LM_ETRAILING, "zstd: two frames");
    z[2] ^= 1;
    expect_bytes(z, 2 + fl, LM_EINVAL, "zstd: bad magic");
    z[2] ^= 1;
    /* a skippable frame (magic 0x184D2A50, then a 4-byte length) */
    expect("0101" "502a4d18" "00000000", LM_EINVAL, "zstd: skippable frame");
    /* zstd of a non-canonical payload is still refused by the payload rules */
    static const uint8_t bad_payload[] = {0x80, 0x00};
    fl = zstd_frame(frame, sizeof frame, bad_payload, sizeof bad_payload, true, 0);
    memcpy(z + 2, frame, fl);
    expect_bytes(z, 2 + fl, LM_ENONCANON, "zstd of a non-minimal varint");
    /* corrupted compressed data: a block whose data is garbage */
    static uint8_t rnd_payload[4096];
    rng_state = 5;
    rnd_bytes(rnd_payload, sizeof rnd_payload);
    for (size_t i = 0; i < sizeof rnd_payload; i += 3)
        rnd_payload[i] = 0;
    fl = zstd_frame(frame, sizeof frame, rnd_payload, sizeof rnd_payload, true, 0);
    memcpy(z + 2, frame, fl);
    z[2 + fl / 2] ^= 0x55;
    z[2 + fl / 2 + 1] ^= 0xaa;
    lm_batch b;
    lm_err err;
    uint8_t zero[32] = {0};
    lm_code rc = decode_with(&b, &rej_params, zero, z, 2 + fl, &err);
    assert_true(rc != LM_OK); /* corrupt (EINVAL) or garbage payload */

    /* sizes: max_payload 1000 */
    rej_limits.max_payload = 1000;
    static uint8_t big[2000];
    memset(big, 0, sizeof big);
    big[0] = 1, big[1] = 0;
    expect_bytes(big, 2 + 1001, LM_ETOOLARGE, "none: payload over the limit");
    fl = zstd_frame(frame, sizeof frame, big + 2, 1001, true, 0);
    memcpy(z + 2, frame, fl);
    z[1] = 1;
    expect_bytes(z, 2 + fl, LM_ETOOLARGE, "zstd: declared size over the limit");
    fl = zstd_frame(frame, sizeof frame, big + 2, 1001, false, 0);
    memcpy(z + 2, frame, fl);
    expect_bytes(z, 2 + fl, LM_ETOOLARGE, "zstd: no declared size, content over the limit");
    fl = zstd_frame(frame, sizeof frame, big + 2, 1000, false, 0);
    memcpy(z + 2, frame, fl);
    expect_bytes(z, 2 + fl, LM_EINVAL, "zstd: 1000 zero bytes, at the limit (then 0 blocks)");
    rej_limits = lm_batch_default_limits;
    /* a frame that asks for a 32 MiB window */
    fl = zstd_frame(frame, sizeof frame, payload, plen, false, 25);
    memcpy(z + 2, frame, fl);
    expect_bytes(z, 2 + fl, LM_EINVAL, "zstd: window 2^25");
    fl = zstd_frame(frame, sizeof frame, payload, plen, false, 24);
    memcpy(z + 2, frame, fl);
    expect_bytes(z, 2 + fl, LM_OK, "zstd: window 2^24");

    /* the arena too small for the decompressed payload */
    fl = zstd_frame(frame, sizeof frame, payload, plen, true, 0);
    memcpy(z + 2, frame, fl);
    lm_arena a;
    lm_arena_init(&a, arena_buf, 100);
    assert_int_equal(lm_batch_decode(&a, &b, &rej_params, zero, z, 2 + fl, &err), LM_ESPACE);
    assert_int_equal(a.used, 0);
    fl = zstd_frame(frame, sizeof frame, payload, plen, false, 0);
    memcpy(z + 2, frame, fl);
    assert_int_equal(lm_batch_decode(&a, &b, &rej_params, zero, z, 2 + fl, &err), LM_ESPACE);
    assert_int_equal(a.used, 0);
    /* and too small for the decoded blocks */
    lm_arena_init(&a, arena_buf, 300);
    assert_int_equal(lm_batch_decode(&a, &b, &rej_params, zero, v1, v1_len, &err), LM_ESPACE);
    assert_int_equal(a.used, 0);
    /* lm_batch_decode_arena_size is enough for the worst case it claims */
    assert_true(lm_batch_decode_arena_size(NULL) > LM_BATCH_MAX_PAYLOAD);
    assert_true(lm_batch_decode_arena_size(NULL) <= ARENA_CAP);
}

/* ---- rejections: the payload ------------------------------------------------ */

/* Pieces of payloads, hex. Resolver: accounts a0…a3 (indices 0..3). */
#define ADDR_B0 "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define ADDR_C0 "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
#define ADDR_A1 "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define HASH_EE "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define SIG "1111111111111111111111111111111111111111111111111111111111111111" \
            "2222222222222222222222222222222222222222222222222222222222222222"
/* a first block header with n txs: ts 5, origin 7 / ee…, messages 0, fee 0 */
#define BLK0(n) "03" "05" "07" HASH_EE "00" "00" n
/* a transfer from index 0 to index 1 */
#define TX_OK "01" "00" "02" "00" "01" "00" "00" SIG

static void test_reject_payload(void **state)
{
    (void)state;
    rej_init();
    /* the minimal batch: one empty block */
    expect("0100" "00" "01" "00" BLK0("00"), LM_OK, "one empty block");
    expect("0100" "00" "01" "00" BLK0("01") TX_OK, LM_OK, "one tx");
    /* header */
    expect("0100" "8000", LM_ENONCANON, "first number not minimal");
    expect("0100" "ffffffffffffffffff02", LM_EOVERFLOW, "first number past 2^64");
    expect("0100" "00", LM_ETRUNC, "no block count");
    expect("0100" "00" "00" "00", LM_EINVAL, "zero blocks");
    expect("0100" "00" "ffff03" "00", LM_ETOOLARGE, "65535 blocks");
    expect("0100" "00" "05" "00" BLK0("00"), LM_ETRUNC, "5 blocks declared, 1 present");
    expect("0100" "ffffffffffffffffff01" "02" "00" BLK0("00") "00" "00" "00" "00", LM_EOVERFLOW,
           "last number past 2^64");
    expect("0100" "feffffffffffffffff01" "02" "00" BLK0("00") "00" "00" "00" "00", LM_OK,
           "last number 2^64-1");
    /* table */
    expect("0100" "00" "01", LM_ETRUNC, "no table size");
    expect("0100" "00" "01" "01" "b0b0", LM_ETRUNC, "table cut short");
    expect("0100" "00" "01" "8080808001", LM_ETOOLARGE, "table of 2^28");
    expect("0100" "00" "01" "01" ADDR_B0 BLK0("00"), LM_ENONCANON, "table slot never referenced");
    expect("0100" "00" "01" "01" ADDR_A1 BLK0("01") "01" "00" "03" "00" "01" "00" "00" SIG,
           LM_ENONCANON, "table address known to the resolver");
    expect("0100" "00" "01" "02" ADDR_B0 ADDR_B0 BLK0("01") "01" "01" "03" "00" "01" "00" "00" SIG,
           LM_ENONCANON, "table address twice");
    expect("0100" "00" "01" "02" ADDR_B0 ADDR_C0 BLK0("01") "01" "01" "03" "00" "01" "00" "00" SIG,
           LM_OK, "two table addresses in order");
    expect("0100" "00" "01" "02" ADDR_B0 ADDR_C0 BLK0("01") "01" "03" "01" "00" "01" "00" "00" SIG,
           LM_ENONCANON, "slot 1 referenced before slot 0");
    expect("0100" "00" "01" "01" ADDR_B0 BLK0("01") "01" "03" "01" "00" "01" "00" "00" SIG,
           LM_EINVAL, "slot out of range");
    expect("0100" "00" "01" "00" BLK0("01") "01" "0a" "02" "00" "01" "00" "00" SIG, LM_ENOTFOUND,
           "unknown account index 5");
    expect("0100" "00" "01" "00" BLK0("01") "01" "8080808040" "02" "00" "01" "00" "00" SIG,
           LM_EOVERFLOW, "account index 2^32");
    expect("0100" "00" "01" "00" BLK0("01") "01" "feffffff1f" "02" "00" "01" "00" "00" SIG,
           LM_ENOTFOUND, "account index 2^32-1 (in range, unknown)");
    /* blocks */
    expect("0100" "00" "01" "00" "07" "05" "07" HASH_EE "00" "00" "00", LM_EINVAL, "flag bit 2");
    expect("0100" "00" "01" "00" "83" "05" "07" HASH_EE "00" "00" "00", LM_EINVAL, "flag bit 7");
    expect("0100" "00" "01" "00" "01" "05" "07" HASH_EE "00" "00", LM_EINVAL, "first block no FEE");
    expect("0100" "00" "01" "00" "02" "05" "00" "00" "00", LM_EINVAL, "first block no ORIGIN");
    expect("0100" "00" "02" "00" BLK0("00") "00" "00" "00" "00", LM_OK,
           "second block, nothing changes");
    expect("0100" "00" "02" "00" BLK0("00") "01" "00" "00" HASH_EE "00" "00", LM_ENONCANON,
           "ORIGIN set, origin unchanged");
    expect("0100" "00" "02" "00" BLK0("00") "01" "00" "01" HASH_EE "00" "00", LM_OK,
           "ORIGIN set, number changed");
    expect("0100" "00" "02" "00" BLK0("00") "02" "00" "00" "00" "00", LM_ENONCANON,
           "FEE set, recipient unchanged");
    expect("0100" "00" "02" "00" BLK0("00") "02" "00" "00" "01" "00", LM_OK, "FEE set, changed");
    expect("0100" "00" "01" "00" "03" "05" "07" HASH_EE "00" "8080808010" "00", LM_EOVERFLOW,
           "fee recipient 2^32");
    expect("0100" "00" "01" "00" "03" "05" "07" HASH_EE "00" "ffffffff0f" "00", LM_OK,
           "fee recipient 2^32-1");
    expect("0100" "00" "02" "00" "03" "ffffffffffffffffff01" "07" HASH_EE "00" "00" "00"
           "00" "01" "00" "00",
           LM_EOVERFLOW, "timestamp past 2^64");
    expect("0100" "00" "02" "00" "03" "05" "ffffffffffffffffff01" HASH_EE "00" "00" "00"
           "01" "00" "01" HASH_EE "00" "00",
           LM_EOVERFLOW, "l1 origin past 2^64");
    expect("0100" "00" "02" "00" "03" "05" "07" HASH_EE "ffffffffffffffffff01" "00" "00"
           "00" "00" "01" "00",
           LM_EOVERFLOW, "l1 messages past 2^64");
    expect("0100" "00" "01" "00" "03" "05" "07" "eeee", LM_ETRUNC, "origin hash cut short");
    expect("0100" "00" "01" "00" BLK0("01"), LM_ETRUNC, "1 tx declared, none present");
    expect("0100" "00" "01" "00" BLK0("8120"), LM_ETOOLARGE, "4097 txs in a block");
    expect("0100" "00" "01" "00" BLK0("00") "00", LM_ETRAILING, "a byte after the last block");
    expect("0100" "00" "01" "00" BLK0("02") TX_OK, LM_ETRUNC, "2 txs declared, 1 present");
    /* transactions */
    expect("0100" "00" "01" "00" BLK0("01") "00" "00" "02" "00" "01" "00" "00" SIG, LM_EINVAL,
           "kind 0");
    expect("0100" "00" "01" "00" BLK0("01") "03" "00" "02" "00" "01" "00" "00" SIG, LM_EINVAL,
           "kind 3");
    expect("0100" "00" "01" "00" BLK0("01") "41" "00" "02" "00" "01" "00" "00" SIG, LM_EINVAL,
           "kind 0x41");
    expect("0100" "00" "01" "00" BLK0("01") "81" "00" "02" "00" "01" "00" "00" SIG, LM_OK,
           "kind 0x81 (v = 28)");
    expect("0100" "00" "01" "00" BLK0("01") "02" "00" "02" "00" "01" "00" "00" SIG, LM_OK,
           "kind 2 (withdraw)");
    expect("0100" "00" "01" "00" BLK0("01") "01" "00" "02" "8080808010" "01" "00" "00" SIG,
           LM_EOVERFLOW, "asset 2^32");
    expect("0100" "00" "01" "00" BLK0("01") "01" "00" "02" "00" "8100" "00" "00" SIG,
           LM_ENONCANON, "amount not minimal");
    expect("0100" "00" "01" "00" BLK0("01") "01" "00" "02" "00" "01" "00"
           "ffffffffffffffffff02" SIG,
           LM_EOVERFLOW, "nonce past 2^64");
    expect("0100" "00" "01" "00" BLK0("01") "01" "00" "02" "00" "01" "00" "00" "1111",
           LM_ETRUNC, "signature cut short");

    /* limits: per block and per batch */
    rej_limits.max_txs_per_block = 1;
    expect("0100" "00" "01" "00" BLK0("02") TX_OK TX_OK, LM_ETOOLARGE, "2 txs, limit 1 per block");
    rej_limits = lm_batch_default_limits;
    rej_limits.max_txs = 2;
    expect("0100" "00" "02" "00" BLK0("02") TX_OK TX_OK "00" "00" "00" "01" TX_OK, LM_ETOOLARGE,
           "3 txs, limit 2 per batch");
    rej_limits.max_txs = 3;
    expect("0100" "00" "02" "00" BLK0("02") TX_OK TX_OK "00" "00" "00" "01" TX_OK, LM_OK,
           "3 txs, limit 3 per batch");
    rej_limits = lm_batch_default_limits;
    rej_limits.max_blocks = 1;
    expect("0100" "00" "02" "00" BLK0("00") "00" "00" "00" "00", LM_ETOOLARGE, "2 blocks, limit 1");
    rej_limits = lm_batch_default_limits;

    /* the resolver fails: its code comes through */
    rej_state.fail_with = LM_EIO;
    expect("0100" "00" "01" "00" BLK0("01") TX_OK, LM_EIO, "address_of fails");
    expect("0100" "00" "01" "01" ADDR_B0 BLK0("01") "01" "01" "02" "00" "01" "00" "00" SIG,
           LM_EIO, "index_of fails");
    rej_state.fail_with = LM_OK;
}

/* Every strict prefix of the vector is refused, and so is every one-byte
 * change that the decoder accepts re-encodes to itself (canonical). */
static void test_reject_mutations(void **state)
{
    (void)state;
    rej_init();
    static uint8_t v1[1024];
    size_t n = hex_into(v1, sizeof v1, V1_HEX);
    for (size_t cut = 0; cut < n; cut++)
        expect_bytes(v1, cut, LM_ETRUNC, "prefix");
    size_t accepted = 0;
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            v1[i] ^= (uint8_t)(1u << bit);
            lm_batch b;
            lm_err err;
            uint8_t zero[32] = {0};
            if (decode_with(&b, &rej_params, zero, v1, n, &err) == LM_OK) {
                accepted++;
                size_t len;
                uint8_t *enc = encode_ok(&len, &rej_params, b.blocks, b.block_count, LM_BATCH_NONE);
                assert_int_equal(len, n);
                assert_memory_equal(enc, v1, n);
                free(enc);
            }
            v1[i] ^= (uint8_t)(1u << bit);
        }
    }
    print_message("vector 1: %zu of %zu one-bit changes decode (and re-encode exactly)\n",
                  accepted, 8 * n);
}

/* ---- rejections: the encoder ----------------------------------------------- */

static lm_code try_encode(const lm_batch_params *p, const lm_batch_block *blocks, size_t n,
                          lm_batch_compression c, size_t out_cap, size_t scratch_cap)
{
    static uint8_t out[1 << 16];
    static uint8_t sbuf[1 << 20];
    assert_true(out_cap <= sizeof out && scratch_cap <= sizeof sbuf);
    lm_arena scratch;
    lm_arena_init(&scratch, sbuf, scratch_cap);
    size_t len = 12345;
    lm_err err;
    lm_code rc = lm_batch_encode(&scratch, out, out_cap, &len, p, blocks, n, c, &err);
    assert_int_equal(scratch.used, 0);
    if (rc != LM_OK) {
        assert_int_equal(err.code, rc);
        assert_true(err.msg[0] != '\0');
        assert_int_equal(len, 12345);
    }
    return rc;
}

static void test_reject_encode(void **state)
{
    (void)state;
    rej_init();
    v1_build();
    lm_batch_params *p = &rej_params;
    const size_t OC = 1 << 16, SC = 1 << 20;
    assert_int_equal(try_encode(p, v1_blocks, 3, LM_BATCH_NONE, OC, SC), LM_OK);
    assert_int_equal(try_encode(p, v1_blocks, 0, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    assert_int_equal(try_encode(p, v1_blocks, 3, (lm_batch_compression)2, OC, SC), LM_EINVAL);
    /* output and scratch too small */
    static uint8_t v1[1024];
    size_t v1_len = hex_into(v1, sizeof v1, V1_HEX);
    assert_int_equal(try_encode(p, v1_blocks, 3, LM_BATCH_NONE, v1_len, SC), LM_OK);
    assert_int_equal(try_encode(p, v1_blocks, 3, LM_BATCH_NONE, v1_len - 1, SC), LM_ESPACE);
    assert_int_equal(try_encode(p, v1_blocks, 3, LM_BATCH_NONE, 1, SC), LM_ESPACE);
    assert_int_equal(try_encode(p, v1_blocks, 3, LM_BATCH_ZSTD, 20, SC), LM_ESPACE);
    assert_int_equal(try_encode(p, v1_blocks, 3, LM_BATCH_NONE, OC, 64), LM_ESPACE);
    assert_int_equal(try_encode(p, v1_blocks, 3, LM_BATCH_NONE, OC,
                                lm_batch_encode_scratch_size(v1_blocks, 3)), LM_OK);
    /* inconsistent input, one fault at a time */
    lm_batch_block bad[3];
    lm_tx btx0[2], btx1[1];
#define RESET()                                                  \
    do {                                                         \
        memcpy(bad, v1_blocks, sizeof bad);                      \
        memcpy(btx0, v1_txs0, sizeof btx0);                      \
        memcpy(btx1, v1_txs1, sizeof btx1);                      \
        bad[0].txs = btx0;                                       \
        bad[1].txs = btx1;                                       \
    } while (0)
    RESET();
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_OK);
    bad[1].header.number = 102;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    bad[2].header.parent_hash[5] ^= 1;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    bad[0].header.parent_hash[5] ^= 1; /* not encoded: the first parent is the decoder's */
    link_blocks(bad, 3, bad[0].header.parent_hash);
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_OK);
    RESET();
    bad[1].header.timestamp = 1;
    link_blocks(bad, 3, bad[0].header.parent_hash);
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    bad[2].header.l1_origin_number = 4999;
    link_blocks(bad, 3, bad[0].header.parent_hash);
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    bad[2].header.l1_messages_upto = 0;
    link_blocks(bad, 3, bad[0].header.parent_hash);
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    bad[0].header.tx_root[0] ^= 1; /* the tx_root does not match (parent links redone) */
    {
        uint8_t h0[32];
        lm_block_hash(h0, &bad[0].header);
        memcpy(bad[1].header.parent_hash, h0, 32);
        lm_block_hash(h0, &bad[1].header);
        memcpy(bad[2].header.parent_hash, h0, 32);
    }
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    btx0[1].chain_id = 1;
    link_blocks(bad, 3, bad[0].header.parent_hash);
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    btx0[1].sig[64] = 0;
    link_blocks(bad, 3, bad[0].header.parent_hash);
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    btx1[0].type = (lm_tx_type)3;
    link_blocks(bad, 3, bad[0].header.parent_hash);
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    RESET();
    bad[1].txs = NULL;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EINVAL);
    /* limits */
    RESET();
    rej_limits.max_txs_per_block = 1;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_ETOOLARGE);
    rej_limits = lm_batch_default_limits;
    rej_limits.max_txs = 2;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_ETOOLARGE);
    rej_limits = lm_batch_default_limits;
    rej_limits.max_blocks = 2;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_ETOOLARGE);
    rej_limits = lm_batch_default_limits;
    rej_limits.max_payload = v1_len - 3;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_ETOOLARGE);
    rej_limits.max_payload = v1_len - 2;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_OK);
    rej_limits = lm_batch_default_limits;
    /* the resolver fails */
    rej_state.fail_with = LM_EIO;
    assert_int_equal(try_encode(p, bad, 3, LM_BATCH_NONE, OC, SC), LM_EIO);
    rej_state.fail_with = LM_OK;
#undef RESET
}

/* ---- sizes for the benchmarks ---------------------------------------------- */

/* 1000 transfers of ETH among 1000 existing accounts, in 10 blocks:
 * amounts up to 1 ETH in gwei, a fee around 21000 gwei·(a few), nonces
 * that follow each sender's count. Printed, not asserted (except sanity). */
static void test_sizes(void **state)
{
    (void)state;
    rng_state = 2026;
    const uint32_t N_ACCTS = 1000, N_TX = 1000, N_BLOCKS = 10;
    uint8_t(*accts)[20] = malloc((size_t)N_ACCTS * 20);
    uint64_t *nonces = calloc(N_ACCTS, sizeof *nonces);
    lm_tx *txs = calloc(N_TX, sizeof *txs);
    lm_batch_block blocks[10];
    assert_true(accts && nonces && txs);
    rnd_bytes((uint8_t *)accts, (size_t)N_ACCTS * 20);
    for (uint32_t i = 0; i < N_TX; i++) {
        lm_tx *t = &txs[i];
        uint32_t from = (uint32_t)rnd_below(N_ACCTS), to = (uint32_t)rnd_below(N_ACCTS);
        t->type = LM_TX_TRANSFER;
        t->chain_id = 42069;
        memcpy(t->from, accts[from], 20);
        memcpy(t->to, accts[to], 20);
        t->asset = 0;
        t->amount = 1 + rnd_below(1000000000);
        t->fee = 21000 * (1 + rnd_below(3));
        t->nonce = nonces[from]++;
        rnd_bytes(t->sig, 64);
        t->sig[64] = (uint8_t)(27 + rnd_below(2));
    }
    memset(blocks, 0, sizeof blocks);
    for (uint32_t b = 0; b < N_BLOCKS; b++) {
        lm_block_header *h = &blocks[b].header;
        h->number = 1000000 + b;
        h->l1_origin_number = 21000000 + b / 6;
        memset(h->l1_origin_hash, (int)(b / 6), 32);
        h->timestamp = 1750000000 + 2 * b;
        h->fee_recipient = 0;
        h->l1_messages_upto = 500;
        h->tx_count = N_TX / N_BLOCKS;
        blocks[b].txs = txs + b * (N_TX / N_BLOCKS);
    }
    uint8_t parent[32] = {0};
    link_blocks(blocks, N_BLOCKS, parent);
    test_state s = {accts, N_ACCTS, LM_OK};
    lm_batch_params p = params_for(&s, 42069, NULL);
    size_t ulen, zlen;
    uint8_t *u = encode_ok(&ulen, &p, blocks, N_BLOCKS, LM_BATCH_NONE);
    uint8_t *z = encode_ok(&zlen, &p, blocks, N_BLOCKS, LM_BATCH_ZSTD);
    print_message("1000 transfers / 1000 accounts / 10 blocks: wire form %d B/tx; "
                  "batch uncompressed %zu B = %.2f B/tx; zstd-%d %zu B = %.2f B/tx (ratio %.3f)\n",
                  LM_TX_WIRE_LEN, ulen, (double)ulen / N_TX, LM_BATCH_ZSTD_LEVEL, zlen,
                  (double)zlen / N_TX, (double)zlen / (double)ulen);
    assert_true(ulen < (size_t)N_TX * 90); /* sanity: well below the 143-byte wire form */
    assert_true(zlen < ulen + 64);
    /* the same with a new recipient for each transfer (fresh addresses) */
    for (uint32_t i = 0; i < N_TX; i++)
        rnd_bytes(txs[i].to, 20);
    link_blocks(blocks, N_BLOCKS, parent);
    size_t u2, z2;
    uint8_t *uu = encode_ok(&u2, &p, blocks, N_BLOCKS, LM_BATCH_NONE);
    uint8_t *zz = encode_ok(&z2, &p, blocks, N_BLOCKS, LM_BATCH_ZSTD);
    print_message("same, every recipient new: uncompressed %.2f B/tx; zstd %.2f B/tx\n",
                  (double)u2 / N_TX, (double)z2 / N_TX);
    /* decoding both back, for completeness */
    lm_batch b;
    lm_err err;
    assert_int_equal(decode_with(&b, &p, parent, zz, z2, &err), LM_OK);
    assert_same_blocks(b.blocks, blocks, N_BLOCKS);
    free(u), free(z), free(uu), free(zz);
    free(accts), free(nonces), free(txs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_known),
        cmocka_unit_test(test_varint_reject),
        cmocka_unit_test(test_varint_exhaustive),
        cmocka_unit_test(test_vector_uncompressed),
        cmocka_unit_test(test_vector_compressed),
        cmocka_unit_test(test_vectors_in_doc),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_reject_outer),
        cmocka_unit_test(test_reject_payload),
        cmocka_unit_test(test_reject_mutations),
        cmocka_unit_test(test_reject_encode),
        cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
