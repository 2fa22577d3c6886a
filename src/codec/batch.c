/* The L2 batch format: see include/lamina/batch.h and docs/batch-format.md,
 * which this file follows section by section. */
#include "lamina/batch.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/varint.h"

const lm_batch_limits lm_batch_default_limits = {
    LM_BATCH_MAX_PAYLOAD,
    LM_BATCH_MAX_BLOCKS,
    LM_MAX_TXS_PER_BLOCK,
    LM_BATCH_MAX_TXS,
};

/* docs/batch-format.md §3: "flags: bit 0 ORIGIN, bit 1 FEE, bits 2-7 zero" */
enum {
    FLAG_ORIGIN = 0x01,
    FLAG_FEE = 0x02,
    FLAGS_ALL = FLAG_ORIGIN | FLAG_FEE,
};
/* §3.3: "kind = type | (v - 27) << 7" */
enum {
    KIND_PARITY = 0x80,
    KIND_TYPE = 0x7f,
};
/* The fewest bytes an item can take, to check declared counts against the
 * bytes that remain before anything is allocated for them. */
enum {
    MIN_BLOCK_BYTES = 4,   /* flags, timestamp delta, messages delta, tx count */
    MIN_TX_BYTES = 7 + 64, /* kind, 6 one-byte varints, r, s */
    MAX_BLOCK_BYTES = 1 + 10 + 10 + 32 + 10 + 5 + 5,
    MAX_TX_BYTES = 1 + 5 + 5 + 5 + 10 + 10 + 10 + 64,
    MAX_HEAD_BYTES = 10 + 5 + 5,
};

static const lm_batch_limits *limits_of(const lm_batch_limits *l)
{
    return l ? l : &lm_batch_default_limits;
}

/* An address named by a transaction, and where (the position of the
 * reference: 2·tx + 0 for from, + 1 for to, counting over the batch). */
typedef struct addr_ref {
    const uint8_t *addr;
    uint32_t pos;
} addr_ref;

static int cmp_addr_pos(const void *a, const void *b)
{
    const addr_ref *x = a, *y = b;
    int c = memcmp(x->addr, y->addr, 20);
    if (c)
        return c;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_pos(const void *a, const void *b)
{
    const addr_ref *x = a, *y = b;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}
static size_t sat_mul(size_t a, size_t b)
{
    return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

static size_t total_txs_sat(const lm_batch_block *blocks, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t = sat_add(t, blocks[i].header.tx_count);
    return t;
}

/* ==== encoding ============================================================= */

static size_t payload_bound(size_t n_blocks, size_t n_txs)
{
    size_t b = MAX_HEAD_BYTES;
    b = sat_add(b, sat_mul(n_txs, 2 * 20)); /* the table: at most 2 per tx */
    b = sat_add(b, sat_mul(n_blocks, MAX_BLOCK_BYTES));
    b = sat_add(b, sat_mul(n_txs, MAX_TX_BYTES));
    return b;
}

size_t lm_batch_encode_bound(const lm_batch_block *blocks, size_t n)
{
    size_t p = payload_bound(n, total_txs_sat(blocks, n));
    if (p == SIZE_MAX)
        return SIZE_MAX;
    size_t z = ZSTD_compressBound(p);
    if (ZSTD_isError(z) || z < p)
        z = p;
    return sat_add(2, z);
}

size_t lm_batch_encode_scratch_size(const lm_batch_block *blocks, size_t n)
{
    size_t t = total_txs_sat(blocks, n);
    size_t s = payload_bound(n, t);
    /* per tx, two references: their values, the unknown ones (at most
     * two), the distinct unknown ones and the table of pointers to them */
    size_t per_tx = 2 * (sizeof(uint64_t) + 2 * sizeof(addr_ref) + sizeof(const uint8_t *));
    s = sat_add(s, sat_mul(t, per_tx));
    return sat_add(s, 256); /* alignment */
}

typedef struct wr {
    uint8_t *p;
    size_t cap, len;
} wr;

static void wr_u8(wr *w, uint8_t b)
{
    if (w->len < w->cap)
        w->p[w->len] = b;
    w->len++;
}

static void wr_bytes(wr *w, const uint8_t *b, size_t n)
{
    if (n <= w->cap && w->len <= w->cap - n)
        memcpy(w->p + w->len, b, n);
    w->len += n;
}

static void wr_varint(wr *w, uint64_t v)
{
    uint8_t tmp[LM_VARINT_MAX_LEN];
    wr_bytes(w, tmp, lm_varint_put(tmp, v));
}

/* Checks what the decoder recomputes or assumes (header comment in batch.h). */
static lm_code check_blocks(const lm_batch_params *params, const lm_batch_block *blocks, size_t n,
                            lm_err *err)
{
    uint8_t prev_hash[32];
    for (size_t b = 0; b < n; b++) {
        const lm_block_header *h = &blocks[b].header;
        if (h->tx_count && !blocks[b].txs)
            return lm_err_set(err, LM_EINVAL, "block %zu: tx_count %u but no txs", b, h->tx_count);
        if (b > 0) {
            const lm_block_header *p = &blocks[b - 1].header;
            if (h->number != p->number + 1 || p->number == UINT64_MAX)
                return lm_err_set(err, LM_EINVAL, "block %zu: number %llu does not follow %llu", b,
                                  (unsigned long long)h->number, (unsigned long long)p->number);
            if (memcmp(h->parent_hash, prev_hash, 32) != 0)
                return lm_err_set(err, LM_EINVAL, "block %zu: parent_hash is not block %zu's hash",
                                  b, b - 1);
            if (h->timestamp < p->timestamp)
                return lm_err_set(err, LM_EINVAL, "block %zu: timestamp decreases", b);
            if (h->l1_origin_number < p->l1_origin_number)
                return lm_err_set(err, LM_EINVAL, "block %zu: l1_origin_number decreases", b);
            if (h->l1_messages_upto < p->l1_messages_upto)
                return lm_err_set(err, LM_EINVAL, "block %zu: l1_messages_upto decreases", b);
        }
        lm_keccak k;
        lm_keccak_init(&k);
        for (uint32_t i = 0; i < h->tx_count; i++) {
            const lm_tx *tx = &blocks[b].txs[i];
            if (tx->type != LM_TX_TRANSFER && tx->type != LM_TX_WITHDRAW)
                return lm_err_set(err, LM_EINVAL, "block %zu tx %u: unknown type %d", b, i,
                                  (int)tx->type);
            if (tx->chain_id != params->chain_id)
                return lm_err_set(
                    err, LM_EINVAL, "block %zu tx %u: chain_id %llu, batch is for %llu", b, i,
                    (unsigned long long)tx->chain_id, (unsigned long long)params->chain_id);
            if (tx->sig[64] != 27 && tx->sig[64] != 28)
                return lm_err_set(err, LM_EINVAL, "block %zu tx %u: v is %u, not 27 or 28", b, i,
                                  tx->sig[64]);
            uint8_t th[32];
            lm_tx_hash(th, tx);
            lm_keccak_update(&k, th, 32);
        }
        uint8_t root[32] = {0};
        if (h->tx_count)
            lm_keccak_final(&k, root);
        if (memcmp(root, h->tx_root, 32) != 0)
            return lm_err_set(err, LM_EINVAL, "block %zu: tx_root does not match its txs", b);
        lm_block_hash(prev_hash, h);
    }
    return LM_OK;
}

static lm_code resolver_failed(lm_err *err, lm_code rc, const char *fn)
{
    return lm_err_set(err, rc, "resolver: %s failed (%s)", fn, lm_code_name(rc));
}

/* §2: "An address is written as 2·i if and only if the account state at
 * the start of the batch [...] has an account with that address, at index
 * i. Every other address is a table entry. The table lists each such
 * address once, in the order of its first reference in the batch (blocks
 * in order, transactions in order, from before to)." Fills refs[0..2·total)
 * and the table (slot order); returns its size. */
static lm_code assign_refs(lm_arena *a, uint64_t *refs, const uint8_t ***table, uint32_t *n_table,
                           const lm_batch_params *params, const lm_batch_block *blocks, size_t n,
                           size_t total, lm_err *err)
{
    const lm_batch_resolver *r = &params->resolver;
    addr_ref *unk = lm_arena_alloc(a, sat_mul(2 * total, sizeof *unk), _Alignof(addr_ref));
    if (!unk && total)
        return lm_err_set(err, LM_ESPACE, "batch encode: scratch arena too small");
    size_t m = 0, k = 0;
    for (size_t b = 0; b < n; b++) {
        for (uint32_t i = 0; i < blocks[b].header.tx_count; i++) {
            const lm_tx *tx = &blocks[b].txs[i];
            const uint8_t *side[2] = {tx->from, tx->to};
            for (int s = 0; s < 2; s++, k++) {
                uint32_t idx;
                lm_code rc = r->index_of(r->ctx, side[s], &idx);
                if (rc == LM_OK) {
                    refs[k] = 2 * (uint64_t)idx;
                } else if (rc == LM_ENOTFOUND) {
                    refs[k] = UINT64_MAX;
                    unk[m++] = (addr_ref){side[s], (uint32_t)k};
                } else {
                    return resolver_failed(err, rc, "index_of");
                }
            }
        }
    }
    *n_table = 0;
    *table = NULL;
    if (m == 0)
        return LM_OK;
    /* Group the unknown references by address; the first of a group (the
     * lowest position) is the address's first reference. */
    qsort(unk, m, sizeof *unk, cmp_addr_pos);
    addr_ref *uniq = lm_arena_alloc(a, m * sizeof *uniq, _Alignof(addr_ref));
    const uint8_t **tab = lm_arena_alloc(a, m * sizeof *tab, _Alignof(const uint8_t *));
    if (!uniq || !tab)
        return lm_err_set(err, LM_ESPACE, "batch encode: scratch arena too small");
    size_t u = 0;
    for (size_t j = 0; j < m; j++)
        if (j == 0 || memcmp(unk[j].addr, unk[j - 1].addr, 20) != 0)
            uniq[u++] = unk[j];
    qsort(uniq, u, sizeof *uniq, cmp_pos);
    for (size_t s = 0; s < u; s++) {
        refs[uniq[s].pos] = 2 * (uint64_t)s + 1;
        tab[s] = uniq[s].addr;
    }
    /* every later reference of an address takes its first one's slot */
    for (size_t j = 1; j < m; j++)
        if (memcmp(unk[j].addr, unk[j - 1].addr, 20) == 0)
            refs[unk[j].pos] = refs[unk[j - 1].pos];
    *table = tab;
    *n_table = (uint32_t)u;
    return LM_OK;
}

static void write_payload(wr *w, const lm_batch_block *blocks, size_t n, const uint64_t *refs,
                          const uint8_t **table, uint32_t n_table)
{
    /* §3.1: first_number ‖ block_count ‖ table_count ‖ table */
    wr_varint(w, blocks[0].header.number);
    wr_varint(w, n);
    wr_varint(w, n_table);
    for (uint32_t s = 0; s < n_table; s++)
        wr_bytes(w, table[s], 20);
    /* §3.2: the "previous block" of the first block is all zeros */
    lm_block_header prev;
    memset(&prev, 0, sizeof prev);
    size_t k = 0;
    for (size_t b = 0; b < n; b++) {
        const lm_block_header *h = &blocks[b].header;
        uint8_t flags = 0;
        if (b == 0 || h->l1_origin_number != prev.l1_origin_number ||
            memcmp(h->l1_origin_hash, prev.l1_origin_hash, 32) != 0)
            flags |= FLAG_ORIGIN;
        if (b == 0 || h->fee_recipient != prev.fee_recipient)
            flags |= FLAG_FEE;
        wr_u8(w, flags);
        wr_varint(w, h->timestamp - prev.timestamp);
        if (flags & FLAG_ORIGIN) {
            wr_varint(w, h->l1_origin_number - prev.l1_origin_number);
            wr_bytes(w, h->l1_origin_hash, 32);
        }
        wr_varint(w, h->l1_messages_upto - prev.l1_messages_upto);
        if (flags & FLAG_FEE)
            wr_varint(w, h->fee_recipient);
        wr_varint(w, h->tx_count);
        for (uint32_t i = 0; i < h->tx_count; i++) {
            const lm_tx *tx = &blocks[b].txs[i];
            /* §3.3 */
            wr_u8(w, (uint8_t)((unsigned)tx->type | (tx->sig[64] == 28 ? KIND_PARITY : 0)));
            wr_varint(w, refs[k++]);
            wr_varint(w, refs[k++]);
            wr_varint(w, tx->asset);
            wr_varint(w, tx->amount);
            wr_varint(w, tx->fee);
            wr_varint(w, tx->nonce);
            wr_bytes(w, tx->sig, 64);
        }
        prev = *h;
    }
}

static lm_code zstd_compress(uint8_t *out, size_t cap, size_t *len, const uint8_t *in,
                             size_t in_len, int level, lm_err *err)
{
    if (level == 0)
        level = LM_BATCH_ZSTD_LEVEL;
    if (level < 1 || level > ZSTD_maxCLevel())
        return lm_err_set(err, LM_EINVAL, "batch encode: zstd level %d is not 1..%d", level,
                          ZSTD_maxCLevel());
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!c)
        return lm_err_set(err, LM_ENOMEM, "zstd: cannot allocate a compression context");
    size_t r = ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, LM_BATCH_ZSTD_WINDOW_LOG_MAX);
    if (!ZSTD_isError(r))
        r = ZSTD_compress2(c, out, cap, in, in_len);
    ZSTD_freeCCtx(c);
    if (ZSTD_isError(r)) {
        ZSTD_ErrorCode e = ZSTD_getErrorCode(r);
        lm_code code = e == ZSTD_error_dstSize_tooSmall    ? LM_ESPACE
                       : e == ZSTD_error_memory_allocation ? LM_ENOMEM
                                                           : LM_EINVAL;
        return lm_err_set(err, code, "zstd: %s", ZSTD_getErrorName(r));
    }
    *len = r;
    return LM_OK;
}

static lm_code encode_inner(lm_arena *a, uint8_t *out, size_t out_cap, size_t *out_len,
                            const lm_batch_params *params, const lm_batch_block *blocks, size_t n,
                            lm_batch_compression compression, lm_err *err)
{
    const lm_batch_limits *lim = limits_of(params->limits);
    if (compression != LM_BATCH_NONE && compression != LM_BATCH_ZSTD)
        return lm_err_set(err, LM_EINVAL, "batch encode: unknown compression %d", (int)compression);
    if (n == 0)
        return lm_err_set(err, LM_EINVAL, "batch encode: no blocks");
    if (n > lim->max_blocks)
        return lm_err_set(err, LM_ETOOLARGE, "batch encode: %zu blocks, the limit is %u", n,
                          lim->max_blocks);
    size_t total = 0;
    for (size_t b = 0; b < n; b++) {
        uint32_t c = blocks[b].header.tx_count;
        if (c > lim->max_txs_per_block)
            return lm_err_set(err, LM_ETOOLARGE, "block %zu: %u txs, the limit is %u", b, c,
                              lim->max_txs_per_block);
        total += c; /* <= n · 2^32: no overflow in 64 bits */
        if (total > lim->max_txs)
            return lm_err_set(err, LM_ETOOLARGE, "batch encode: more than %u txs", lim->max_txs);
    }
    lm_code rc = check_blocks(params, blocks, n, err);
    if (rc)
        return rc;

    uint64_t *refs = lm_arena_alloc(a, 2 * total * sizeof *refs, _Alignof(uint64_t));
    if (!refs)
        return lm_err_set(err, LM_ESPACE, "batch encode: scratch arena too small");
    const uint8_t **table;
    uint32_t n_table;
    rc = assign_refs(a, refs, &table, &n_table, params, blocks, n, total, err);
    if (rc)
        return rc;

    size_t bound = payload_bound(n, total);
    uint8_t *payload = lm_arena_alloc(a, bound, 1);
    if (!payload)
        return lm_err_set(err, LM_ESPACE, "batch encode: scratch arena too small");
    wr w = {payload, bound, 0};
    write_payload(&w, blocks, n, refs, table, n_table);
    if (w.len > bound) /* payload_bound is an upper bound by construction */
        return lm_err_set(err, LM_EINVAL, "batch encode: internal error, payload bound");
    if (w.len > lim->max_payload)
        return lm_err_set(err, LM_ETOOLARGE, "batch encode: payload %zu bytes, the limit is %zu",
                          w.len, lim->max_payload);

    /* §1: version ‖ compression ‖ body */
    if (out_cap < 2)
        return lm_err_set(err, LM_ESPACE, "batch encode: output buffer too small");
    out[0] = LM_BATCH_VERSION;
    out[1] = (uint8_t)compression;
    size_t body = 0;
    if (compression == LM_BATCH_NONE) {
        if (w.len > out_cap - 2)
            return lm_err_set(err, LM_ESPACE, "batch encode: %zu bytes do not fit in %zu",
                              w.len + 2, out_cap);
        memcpy(out + 2, payload, w.len);
        body = w.len;
    } else {
        rc = zstd_compress(out + 2, out_cap - 2, &body, payload, w.len, params->zstd_level, err);
        if (rc)
            return rc;
    }
    *out_len = 2 + body;
    return LM_OK;
}

lm_code lm_batch_encode(lm_arena *scratch, uint8_t *out, size_t out_cap, size_t *out_len,
                        const lm_batch_params *params, const lm_batch_block *blocks, size_t n,
                        lm_batch_compression compression, lm_err *err)
{
    size_t mark = lm_arena_mark(scratch);
    lm_code rc = encode_inner(scratch, out, out_cap, out_len, params, blocks, n, compression, err);
    lm_arena_rewind(scratch, mark);
    return rc;
}

/* ==== decoding ============================================================= */

size_t lm_batch_decode_arena_size(const lm_batch_limits *limits)
{
    const lm_batch_limits *l = limits_of(limits);
    size_t table = 2 * (size_t)l->max_txs;
    size_t s = sat_add(l->max_payload, 64);           /* unwrap */
    s = sat_add(s, sat_mul(table, 20));               /* table */
    s = sat_add(s, sat_mul(table, sizeof(addr_ref))); /* its check */
    s = sat_add(s, sat_mul(l->max_blocks, sizeof(lm_batch_block) + 16));
    s = sat_add(s, sat_mul(l->max_txs, sizeof(lm_tx)));
    return sat_add(s, 256);
}

/* ---- §1: the outer layer --------------------------------------------------- */

static lm_code unzstd(lm_arena *a, const uint8_t **payload, size_t *payload_len, const uint8_t *src,
                      size_t n, size_t max, lm_err *err)
{
    /* RFC 8878 §3.1.1: "Magic_Number: 4 bytes, little-endian format.
     * Value: 0xFD2FB528." Skippable and legacy frames are refused. */
    if (n < 4)
        return lm_err_set(err, LM_ETRUNC, "zstd: %zu bytes, not a frame", n);
    if (lm_load_le32(src) != ZSTD_MAGICNUMBER)
        return lm_err_set(err, LM_EINVAL, "zstd: not a zstd frame (magic %08x)", lm_load_le32(src));
    size_t fsz = ZSTD_findFrameCompressedSize(src, n);
    if (ZSTD_isError(fsz))
        return lm_err_set(
            err, ZSTD_getErrorCode(fsz) == ZSTD_error_srcSize_wrong ? LM_ETRUNC : LM_EINVAL,
            "zstd: %s", ZSTD_getErrorName(fsz));
    if (fsz != n)
        return lm_err_set(err, LM_ETRAILING, "zstd: %zu bytes after the frame", n - fsz);
    /* The frame's declared size is a claim: it is checked against the limit
     * and against what decompression actually produces (zstd refuses a
     * frame whose content differs from its declared size). */
    unsigned long long fcs = ZSTD_getFrameContentSize(src, n);
    if (fcs == ZSTD_CONTENTSIZE_ERROR)
        return lm_err_set(err, LM_EINVAL, "zstd: bad frame header");
    size_t bound = max;
    if (fcs != ZSTD_CONTENTSIZE_UNKNOWN) {
        if (fcs > max)
            return lm_err_set(err, LM_ETOOLARGE,
                              "zstd: frame declares %llu bytes, the limit is %zu", fcs, max);
        bound = (size_t)fcs;
    }
    size_t mark = lm_arena_mark(a);
    size_t avail = a->cap - a->used;
    size_t cap = bound < avail ? bound : avail;
    if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && cap < bound)
        return lm_err_set(err, LM_ESPACE, "zstd: arena too small for %zu bytes", bound);
    uint8_t *buf = lm_arena_alloc(a, cap, 1);
    if (!buf)
        return lm_err_set(err, LM_ESPACE, "zstd: arena full");
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d) {
        lm_arena_rewind(a, mark);
        return lm_err_set(err, LM_ENOMEM, "zstd: cannot allocate a decompression context");
    }
    lm_code rc = LM_OK;
    size_t r = ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, LM_BATCH_ZSTD_WINDOW_LOG_MAX);
    if (ZSTD_isError(r)) {
        rc = lm_err_set(err, LM_EINVAL, "zstd: %s", ZSTD_getErrorName(r));
        goto done;
    }
    ZSTD_inBuffer in = {src, n, 0};
    ZSTD_outBuffer out = {buf, cap, 0};
    uint8_t spare_byte;
    ZSTD_outBuffer spare = {&spare_byte, 1, 0};
    for (;;) {
        /* Once the bounded buffer is full, one more byte of output means
         * the content is larger than allowed. */
        ZSTD_outBuffer *o = out.pos < out.size ? &out : &spare;
        size_t in_before = in.pos, out_before = o->pos;
        r = ZSTD_decompressStream(d, o, &in);
        if (ZSTD_isError(r)) {
            rc = lm_err_set(err, LM_EINVAL, "zstd: %s", ZSTD_getErrorName(r));
            goto done;
        }
        if (spare.pos) {
            if (cap < bound)
                rc = lm_err_set(err, LM_ESPACE, "zstd: arena too small for the content");
            else
                rc = lm_err_set(err, LM_ETOOLARGE, "zstd: content exceeds the limit of %zu bytes",
                                max);
            goto done;
        }
        if (r == 0)
            break;
        if (in.pos == in_before && o->pos == out_before) {
            rc = lm_err_set(err, LM_ETRUNC, "zstd: the frame ends early");
            goto done;
        }
    }
    if (in.pos != n)
        rc = lm_err_set(err, LM_ETRAILING, "zstd: %zu bytes after the frame", n - in.pos);
done:
    ZSTD_freeDCtx(d);
    lm_arena_rewind(a, mark);
    if (rc)
        return rc;
    /* keep exactly the bytes produced: same start, alignment 1 */
    buf = lm_arena_alloc(a, out.pos, 1);
    *payload = buf;
    *payload_len = out.pos;
    return LM_OK;
}

lm_code lm_batch_unwrap(lm_arena *arena, const uint8_t **payload, size_t *payload_len,
                        const uint8_t *data, size_t len, const lm_batch_limits *limits, lm_err *err)
{
    const lm_batch_limits *lim = limits_of(limits);
    /* §1: "batch = version:u8 ‖ compression:u8 ‖ body" */
    if (len < 2)
        return lm_err_set(err, LM_ETRUNC, "batch: %zu bytes, shorter than its 2-byte header", len);
    if (data[0] != LM_BATCH_VERSION)
        return lm_err_set(err, LM_EINVAL, "batch: version %u, this decoder reads version %u",
                          data[0], LM_BATCH_VERSION);
    switch (data[1]) {
    case LM_BATCH_NONE:
        if (len - 2 > lim->max_payload)
            return lm_err_set(err, LM_ETOOLARGE, "batch: payload %zu bytes, the limit is %zu",
                              len - 2, lim->max_payload);
        *payload = data + 2;
        *payload_len = len - 2;
        return LM_OK;
    case LM_BATCH_ZSTD:
        return unzstd(arena, payload, payload_len, data + 2, len - 2, lim->max_payload, err);
    default:
        return lm_err_set(err, LM_EINVAL, "batch: unknown compression %u", data[1]);
    }
}

/* ---- §3: the payload ------------------------------------------------------- */

typedef struct rd {
    const uint8_t *p;
    size_t len, pos;
    lm_err *err;
    long blk, tx; /* where we are, for messages; -1 when outside */
    /* the address table and how far first references have reached */
    const uint8_t (*table)[20];
    uint32_t n_table, next_slot;
    const lm_batch_resolver *resolver;
} rd;

__attribute__((format(printf, 4, 5))) static lm_code rd_fail(const rd *r, lm_code code, size_t at,
                                                             const char *fmt, ...)
{
    if (!r->err)
        return code;
    char what[LM_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (r->tx >= 0)
        return lm_err_set(r->err, code, "batch offset %zu (block %ld tx %ld): %s", at, r->blk,
                          r->tx, what);
    if (r->blk >= 0)
        return lm_err_set(r->err, code, "batch offset %zu (block %ld): %s", at, r->blk, what);
    return lm_err_set(r->err, code, "batch offset %zu: %s", at, what);
}

static lm_code rd_varint(rd *r, uint64_t *v, const char *what)
{
    size_t used;
    lm_err e;
    lm_code rc = lm_varint_get(v, &used, r->p + r->pos, r->len - r->pos, &e);
    if (rc)
        return rd_fail(r, rc, r->pos, "%s: %s", what, e.msg);
    r->pos += used;
    return LM_OK;
}

static lm_code rd_bytes(rd *r, const uint8_t **b, size_t n, const char *what)
{
    if (r->len - r->pos < n)
        return rd_fail(r, LM_ETRUNC, r->pos, "%s: needs %zu bytes, %zu remain", what, n,
                       r->len - r->pos);
    *b = r->p + r->pos;
    r->pos += n;
    return LM_OK;
}

/* a + b into *out, or EOVERFLOW */
static lm_code rd_add(const rd *r, uint64_t *out, uint64_t a, uint64_t b, size_t at,
                      const char *what)
{
    if (b > UINT64_MAX - a)
        return rd_fail(r, LM_EOVERFLOW, at, "%s: the sum passes 2^64", what);
    *out = a + b;
    return LM_OK;
}

/* §2: an address reference */
static lm_code rd_ref(rd *r, uint8_t out[20], const char *what)
{
    size_t at = r->pos;
    uint64_t ref;
    lm_code rc = rd_varint(r, &ref, what);
    if (rc)
        return rc;
    if (ref & 1) {
        uint64_t slot = ref >> 1;
        if (slot >= r->n_table)
            return rd_fail(r, LM_EINVAL, at, "%s: table slot %llu, the table has %u", what,
                           (unsigned long long)slot, r->n_table);
        /* "the first reference to slot k must come after the first
         * reference to slot k−1" */
        if (slot > r->next_slot)
            return rd_fail(r, LM_ENONCANON, at, "%s: table slot %llu referenced before slot %u",
                           what, (unsigned long long)slot, r->next_slot);
        if (slot == r->next_slot)
            r->next_slot++;
        memcpy(out, r->table[slot], 20);
        return LM_OK;
    }
    uint64_t idx = ref >> 1;
    if (idx > UINT32_MAX)
        return rd_fail(r, LM_EOVERFLOW, at, "%s: account index %llu past 2^32", what,
                       (unsigned long long)idx);
    rc = r->resolver->address_of(r->resolver->ctx, (uint32_t)idx, out);
    if (rc == LM_ENOTFOUND)
        return rd_fail(r, LM_ENOTFOUND, at, "%s: unknown account index %llu", what,
                       (unsigned long long)idx);
    if (rc)
        return rd_fail(r, rc, at, "%s: resolver address_of(%llu) failed (%s)", what,
                       (unsigned long long)idx, lm_code_name(rc));
    return LM_OK;
}

/* §3.1: the table must hold distinct addresses that the resolver does not
 * know. Sorting finds duplicates in O(n log n) whatever the input. */
static lm_code check_table(rd *r, lm_arena *a, size_t table_at)
{
    uint32_t n = r->n_table;
    for (uint32_t s = 0; s < n; s++) {
        uint32_t idx;
        lm_code rc = r->resolver->index_of(r->resolver->ctx, r->table[s], &idx);
        if (rc == LM_OK)
            return rd_fail(r, LM_ENONCANON, table_at + 20 * (size_t)s,
                           "table slot %u: the address has account index %u, use it", s, idx);
        if (rc != LM_ENOTFOUND)
            return rd_fail(r, rc, table_at + 20 * (size_t)s,
                           "table slot %u: resolver index_of failed (%s)", s, lm_code_name(rc));
    }
    if (n < 2)
        return LM_OK;
    size_t mark = lm_arena_mark(a);
    addr_ref *v = lm_arena_alloc(a, (size_t)n * sizeof *v, _Alignof(addr_ref));
    if (!v)
        return rd_fail(r, LM_ESPACE, table_at, "arena full");
    for (uint32_t s = 0; s < n; s++)
        v[s] = (addr_ref){r->table[s], s};
    qsort(v, n, sizeof *v, cmp_addr_pos);
    lm_code rc = LM_OK;
    for (uint32_t j = 1; j < n; j++) {
        if (memcmp(v[j].addr, v[j - 1].addr, 20) == 0) {
            rc = rd_fail(r, LM_ENONCANON, table_at + 20 * (size_t)v[j].pos,
                         "table slots %u and %u hold the same address", v[j - 1].pos, v[j].pos);
            break;
        }
    }
    lm_arena_rewind(a, mark);
    return rc;
}

/* §3.3: one transaction */
static lm_code rd_tx(rd *r, lm_tx *tx, uint64_t chain_id)
{
    size_t at = r->pos;
    const uint8_t *b = NULL;
    lm_code rc = rd_bytes(r, &b, 1, "kind");
    if (rc)
        return rc;
    uint8_t kind = b[0];
    unsigned type = kind & KIND_TYPE;
    if (type != LM_TX_TRANSFER && type != LM_TX_WITHDRAW)
        return rd_fail(r, LM_EINVAL, at, "kind 0x%02x: unknown tx type %u", kind, type);
    tx->type = (lm_tx_type)type;
    tx->chain_id = chain_id;
    if ((rc = rd_ref(r, tx->from, "from")) || (rc = rd_ref(r, tx->to, "to")))
        return rc;
    uint64_t asset = 0;
    at = r->pos;
    if ((rc = rd_varint(r, &asset, "asset")))
        return rc;
    if (asset > UINT32_MAX)
        return rd_fail(r, LM_EOVERFLOW, at, "asset %llu past 2^32", (unsigned long long)asset);
    tx->asset = (uint32_t)asset;
    if ((rc = rd_varint(r, &tx->amount, "amount")) || (rc = rd_varint(r, &tx->fee, "fee")) ||
        (rc = rd_varint(r, &tx->nonce, "nonce")) || (rc = rd_bytes(r, &b, 64, "signature r ‖ s")))
        return rc;
    memcpy(tx->sig, b, 64);
    tx->sig[64] = (kind & KIND_PARITY) ? 28 : 27;
    return LM_OK;
}

/* §3.2: one block. prev is the previous block's header (zeros before the
 * first); h->parent_hash and h->number are set by the caller. */
static lm_code rd_block(rd *r, lm_arena *a, lm_batch_block *blk, const lm_block_header *prev,
                        bool first, const lm_batch_params *params, uint32_t *total)
{
    const lm_batch_limits *lim = limits_of(params->limits);
    lm_block_header *h = &blk->header;
    size_t at = r->pos;
    const uint8_t *b = NULL;
    uint64_t v = 0;
    lm_code rc = rd_bytes(r, &b, 1, "flags");
    if (rc)
        return rc;
    uint8_t flags = b[0];
    if (flags & ~FLAGS_ALL)
        return rd_fail(r, LM_EINVAL, at, "flags 0x%02x: reserved bits set", flags);
    if (first && flags != FLAGS_ALL)
        return rd_fail(r, LM_EINVAL, at, "flags 0x%02x: the first block must set ORIGIN and FEE",
                       flags);

    at = r->pos;
    if ((rc = rd_varint(r, &v, "timestamp delta")) ||
        (rc = rd_add(r, &h->timestamp, prev->timestamp, v, at, "timestamp")))
        return rc;

    if (flags & FLAG_ORIGIN) {
        at = r->pos;
        if ((rc = rd_varint(r, &v, "l1 origin delta")) ||
            (rc = rd_add(r, &h->l1_origin_number, prev->l1_origin_number, v, at, "l1 origin")) ||
            (rc = rd_bytes(r, &b, 32, "l1 origin hash")))
            return rc;
        memcpy(h->l1_origin_hash, b, 32);
        /* "ORIGIN is set exactly when (number, hash) differs from the
         * previous block's" */
        if (!first && v == 0 && memcmp(b, prev->l1_origin_hash, 32) == 0)
            return rd_fail(r, LM_ENONCANON, at, "ORIGIN set but the l1 origin is unchanged");
    } else {
        h->l1_origin_number = prev->l1_origin_number;
        memcpy(h->l1_origin_hash, prev->l1_origin_hash, 32);
    }

    at = r->pos;
    if ((rc = rd_varint(r, &v, "l1 messages delta")) ||
        (rc = rd_add(r, &h->l1_messages_upto, prev->l1_messages_upto, v, at, "l1_messages_upto")))
        return rc;

    if (flags & FLAG_FEE) {
        at = r->pos;
        if ((rc = rd_varint(r, &v, "fee recipient")))
            return rc;
        if (v > UINT32_MAX)
            return rd_fail(r, LM_EOVERFLOW, at, "fee recipient %llu past 2^32",
                           (unsigned long long)v);
        if (!first && v == prev->fee_recipient)
            return rd_fail(r, LM_ENONCANON, at, "FEE set but the fee recipient is unchanged");
        h->fee_recipient = (uint32_t)v;
    } else {
        h->fee_recipient = prev->fee_recipient;
    }

    at = r->pos;
    if ((rc = rd_varint(r, &v, "tx count")))
        return rc;
    if (v > lim->max_txs_per_block)
        return rd_fail(r, LM_ETOOLARGE, at, "%llu txs, the limit per block is %u",
                       (unsigned long long)v, lim->max_txs_per_block);
    if (v > lim->max_txs - *total)
        return rd_fail(r, LM_ETOOLARGE, at, "more than %u txs in the batch", lim->max_txs);
    if (v > (r->len - r->pos) / MIN_TX_BYTES)
        return rd_fail(r, LM_ETRUNC, at, "%llu txs declared, %zu bytes remain",
                       (unsigned long long)v, r->len - r->pos);
    uint32_t count = (uint32_t)v;
    *total += count;
    h->tx_count = count;
    lm_tx *txs = NULL;
    if (count) {
        txs = lm_arena_alloc(a, (size_t)count * sizeof *txs, _Alignof(lm_tx));
        if (!txs)
            return rd_fail(r, LM_ESPACE, at, "arena full");
    }
    /* docs/l2-protocol.md §6: "tx_root = keccak256(h_0 ‖ h_1 ‖ …) over the
     * transaction hashes (zero when there are none)" */
    lm_keccak k;
    lm_keccak_init(&k);
    for (uint32_t i = 0; i < count; i++) {
        r->tx = i;
        if ((rc = rd_tx(r, &txs[i], params->chain_id)))
            return rc;
        uint8_t th[32];
        lm_tx_hash(th, &txs[i]);
        lm_keccak_update(&k, th, 32);
    }
    r->tx = -1;
    memset(h->tx_root, 0, 32);
    if (count)
        lm_keccak_final(&k, h->tx_root);
    blk->txs = txs;
    return LM_OK;
}

static lm_code decode_inner(lm_arena *a, lm_batch *out, const lm_batch_params *params,
                            const uint8_t parent_hash[32], const uint8_t *payload, size_t len,
                            lm_err *err)
{
    const lm_batch_limits *lim = limits_of(params->limits);
    rd r = {payload, len, 0, err, -1, -1, NULL, 0, 0, &params->resolver};
    uint64_t first = 0, n_blocks = 0, n_table = 0;
    lm_code rc;
    /* §3.1: first_number ‖ block_count ‖ table_count ‖ table_count × address */
    if ((rc = rd_varint(&r, &first, "first block number")))
        return rc;
    size_t at = r.pos;
    if ((rc = rd_varint(&r, &n_blocks, "block count")))
        return rc;
    if (n_blocks == 0)
        return rd_fail(&r, LM_EINVAL, at, "empty batch (block count 0)");
    if (n_blocks > lim->max_blocks)
        return rd_fail(&r, LM_ETOOLARGE, at, "%llu blocks, the limit is %u",
                       (unsigned long long)n_blocks, lim->max_blocks);
    if (n_blocks - 1 > UINT64_MAX - first)
        return rd_fail(&r, LM_EOVERFLOW, at, "the last block number passes 2^64");
    at = r.pos;
    if ((rc = rd_varint(&r, &n_table, "table size")))
        return rc;
    if (n_table > 2 * (uint64_t)lim->max_txs)
        return rd_fail(&r, LM_ETOOLARGE, at, "%llu table addresses, at most 2 per tx",
                       (unsigned long long)n_table);
    const uint8_t *tb = NULL;
    if ((rc = rd_bytes(&r, &tb, (size_t)n_table * 20, "address table")))
        return rc;
    uint8_t(*table)[20] = NULL;
    if (n_table) {
        table = lm_arena_alloc(a, (size_t)n_table * 20, 1);
        if (!table)
            return rd_fail(&r, LM_ESPACE, at, "arena full");
        memcpy(table, tb, (size_t)n_table * 20);
    }
    r.table = (const uint8_t(*)[20])table;
    r.n_table = (uint32_t)n_table;
    if ((rc = check_table(&r, a, at + lm_varint_len(n_table))))
        return rc;

    at = r.pos;
    if (n_blocks > (len - r.pos) / MIN_BLOCK_BYTES)
        return rd_fail(&r, LM_ETRUNC, at, "%llu blocks declared, %zu bytes remain",
                       (unsigned long long)n_blocks, len - r.pos);
    lm_batch_block *blocks =
        lm_arena_alloc(a, (size_t)n_blocks * sizeof *blocks, _Alignof(lm_batch_block));
    if (!blocks)
        return rd_fail(&r, LM_ESPACE, at, "arena full");
    lm_block_header zero;
    memset(&zero, 0, sizeof zero);
    const lm_block_header *prev = &zero;
    uint8_t parent[32];
    memcpy(parent, parent_hash, 32);
    uint32_t total = 0;
    for (uint32_t i = 0; i < n_blocks; i++) {
        r.blk = i;
        lm_block_header *h = &blocks[i].header;
        memset(h, 0, sizeof *h);
        h->number = first + i;
        memcpy(h->parent_hash, parent, 32);
        if ((rc = rd_block(&r, a, &blocks[i], prev, i == 0, params, &total)))
            return rc;
        lm_block_hash(parent, h);
        prev = h;
    }
    r.blk = -1;
    if (r.pos != len)
        return rd_fail(&r, LM_ETRAILING, r.pos, "%zu bytes after the last block", len - r.pos);
    if (r.next_slot != r.n_table)
        return rd_fail(&r, LM_ENONCANON, r.pos, "table slot %u is never referenced", r.next_slot);
    out->blocks = blocks;
    out->block_count = (uint32_t)n_blocks;
    out->tx_total = total;
    out->new_addresses = r.table;
    out->new_address_count = r.n_table;
    return LM_OK;
}

lm_code lm_batch_decode_payload(lm_arena *arena, lm_batch *out, const lm_batch_params *params,
                                const uint8_t parent_hash[32], const uint8_t *payload, size_t len,
                                lm_err *err)
{
    size_t mark = lm_arena_mark(arena);
    lm_code rc = decode_inner(arena, out, params, parent_hash, payload, len, err);
    if (rc)
        lm_arena_rewind(arena, mark);
    return rc;
}

lm_code lm_batch_decode(lm_arena *arena, lm_batch *out, const lm_batch_params *params,
                        const uint8_t parent_hash[32], const uint8_t *data, size_t len, lm_err *err)
{
    size_t mark = lm_arena_mark(arena);
    const uint8_t *payload;
    size_t payload_len;
    lm_code rc = lm_batch_unwrap(arena, &payload, &payload_len, data, len, params->limits, err);
    if (rc == LM_OK)
        rc = lm_batch_decode_payload(arena, out, params, parent_hash, payload, payload_len, err);
    if (rc)
        lm_arena_rewind(arena, mark);
    return rc;
}
