/* RLP: Ethereum's Recursive Length Prefix encoding (Yellow Paper, appendix B).
 *
 * Encoding writes into a caller buffer through an lm_rlp_writer. The sizes
 * of items are known in advance from the lm_rlp_*_size functions, so a
 * caller computes the exact length first (a list's header needs its payload
 * length), then writes. A writer with a NULL buffer only counts.
 *
 *     size_t payload = lm_rlp_uint64_size(nonce) + lm_rlp_bytes_size(to, 20);
 *     size_t total = lm_rlp_list_size(payload);       // exact
 *     lm_rlp_writer w;
 *     lm_rlp_writer_init(&w, buf, total);
 *     lm_rlp_put_list(&w, payload);
 *     lm_rlp_put_uint64(&w, nonce);
 *     lm_rlp_put_bytes(&w, to, 20);
 *     rc = lm_rlp_writer_finish(&w, &len, err);      // LM_ESPACE if it did not fit
 *
 * Decoding is zero-copy: an lm_rlp_item points into the input, which must
 * outlive it. lm_rlp_decode checks that the input is exactly one item and
 * that the whole tree under it is canonical; a cursor then walks a list's
 * payload item by item. Every length read from the wire is checked against
 * the bytes actually present and against a cap before it is used, and
 * nothing is ever allocated from a declared size.
 *
 * Strict rules (each rejected with its own code and message):
 *   - a single byte < 0x80 must be encoded as itself (0x81 0x05 -> ENONCANON);
 *   - a long-form length must not start with a zero byte (ENONCANON);
 *   - the long form must not be used for lengths < 56 (ENONCANON);
 *   - the input must hold the whole item (ETRUNC), and nothing after the top
 *     item (ETRAILING);
 *   - a declared length above limits.max_len is refused before anything else
 *     looks at it (ETOOLARGE); lists nested deeper than limits.max_depth are
 *     refused (ETOOLARGE);
 *   - integers are minimal big-endian byte strings: no leading zero byte
 *     (ENONCANON), 0 is the empty string 0x80; too wide for the target type
 *     -> EOVERFLOW. */
#ifndef LAMINA_RLP_H
#define LAMINA_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/u256.h"

/* ---- encoding ---------------------------------------------------------- */

/* Returns: the exact encoded size of each kind of item (header + payload).
 * A size that would not fit in size_t saturates to SIZE_MAX, which no buffer
 * can hold, so writing then fails with LM_ESPACE. */
size_t lm_rlp_bytes_size(const uint8_t *data, size_t len);
size_t lm_rlp_uint64_size(uint64_t v);
size_t lm_rlp_u256_size(const lm_u256 *v);
size_t lm_rlp_list_size(size_t payload_len);
/* Returns: the size of a string or list header alone for a payload of len
 * bytes (1 for len < 56, else 1 + the bytes of len). For a byte string of
 * one byte < 0x80 there is no header at all: use lm_rlp_bytes_size. */
size_t lm_rlp_header_size(size_t payload_len);

/* A write position in a caller buffer. buf may be NULL (count only). After
 * the first write that does not fit, nothing more is written and
 * lm_rlp_writer_finish reports LM_ESPACE; the bytes written up to then are
 * unspecified. */
typedef struct lm_rlp_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;    /* bytes written (or counted) so far */
    bool overflow; /* a write did not fit */
} lm_rlp_writer;

void lm_rlp_writer_init(lm_rlp_writer *w, uint8_t *buf, size_t cap);

/* Appends a byte string (data may be NULL when len is 0). */
void lm_rlp_put_bytes(lm_rlp_writer *w, const uint8_t *data, size_t len);
/* Appends an integer as its minimal big-endian byte string (0 -> 0x80). */
void lm_rlp_put_uint64(lm_rlp_writer *w, uint64_t v);
void lm_rlp_put_u256(lm_rlp_writer *w, const lm_u256 *v);
/* Appends a list header for payload_len bytes; the caller then appends the
 * items, which must total exactly payload_len bytes. */
void lm_rlp_put_list(lm_rlp_writer *w, size_t payload_len);
/* Appends bytes that are already RLP (an item copied from elsewhere). */
void lm_rlp_put_raw(lm_rlp_writer *w, const uint8_t *enc, size_t len);

/* Out: *out_len the total length written (may be NULL).
 * Returns: LM_OK, or LM_ESPACE when a write did not fit (or a count
 * overflowed size_t). */
LM_MUST_CHECK lm_code lm_rlp_writer_finish(const lm_rlp_writer *w, size_t *out_len, lm_err *err);

/* ---- decoding ---------------------------------------------------------- */

typedef enum lm_rlp_kind {
    LM_RLP_BYTES = 0, /* a byte string (single byte, short or long form) */
    LM_RLP_LIST,
} lm_rlp_kind;

/* Caps applied while decoding. */
typedef struct lm_rlp_limits {
    size_t max_len;     /* largest payload length accepted in any header */
    unsigned max_depth; /* deepest list nesting; the top item is depth 0 */
} lm_rlp_limits;

#define LM_RLP_DEFAULT_MAX_LEN ((size_t)16 << 20) /* 16 MiB */
#define LM_RLP_DEFAULT_MAX_DEPTH 16u
#define LM_RLP_MAX_DEPTH_LIMIT 64u /* max_depth is clamped to this */

/* One item. raw/raw_len span its whole encoding (header included), payload/
 * payload_len its content: the bytes of a string, the concatenated items of
 * a list. Both point into the decoded input and live as long as it does. */
typedef struct lm_rlp_item {
    lm_rlp_kind kind;
    const uint8_t *payload;
    size_t payload_len;
    const uint8_t *raw;
    size_t raw_len;
    unsigned depth; /* nesting level: 0 for the top item */
} lm_rlp_item;

/* A bounded cursor over a sequence of items (a list's payload). */
typedef struct lm_rlp_cursor {
    const uint8_t *p;
    size_t left;
    unsigned depth; /* depth of the items it yields */
    lm_rlp_limits limits;
} lm_rlp_cursor;

/* Decodes data[0..len) as exactly one item and checks the whole tree under
 * it (every nested header canonical, within limits and within its parent).
 * limits may be NULL for the defaults.
 * Out: *top on success.
 * Returns: LM_OK, LM_ETRUNC (empty or cut short), LM_ETRAILING,
 * LM_ENONCANON, LM_ETOOLARGE (a length or the depth above its cap). */
LM_MUST_CHECK lm_code lm_rlp_decode(lm_rlp_item *top, const uint8_t *data, size_t len,
                                    const lm_rlp_limits *limits, lm_err *err);

/* Starts a cursor over the payload of list item it (the usual next step
 * after lm_rlp_decode), yielding items at depth it->depth + 1.
 * Returns: LM_OK; LM_EINVAL when it is a byte string; LM_ETOOLARGE when the
 * children would be deeper than limits.max_depth. */
LM_MUST_CHECK lm_code lm_rlp_cursor_list(lm_rlp_cursor *c, const lm_rlp_item *it,
                                         const lm_rlp_limits *limits, lm_err *err);

/* Returns: true when the cursor has no bytes left. */
static inline bool lm_rlp_cursor_done(const lm_rlp_cursor *c) { return c->left == 0; }

/* Reads the next item's header and checks it is canonical and that its
 * payload lies within the cursor (not recursively: lm_rlp_decode does the
 * deep check).
 * Out: *it; the cursor moves past the item.
 * Returns: LM_OK; LM_ETRUNC when the cursor is empty or the item is cut
 * short; LM_ENONCANON; LM_ETOOLARGE. On error the cursor does not move. */
LM_MUST_CHECK lm_code lm_rlp_next(lm_rlp_cursor *c, lm_rlp_item *it, lm_err *err);

/* Returns: LM_OK when the cursor is done, else LM_ETRAILING ("list has N
 * more bytes"): the check after reading a list's expected fields. */
LM_MUST_CHECK lm_code lm_rlp_cursor_end(const lm_rlp_cursor *c, lm_err *err);

/* Typed views of one item. Each returns LM_EINVAL for the wrong kind.
 *   uint64: a canonical integer of at most 8 bytes (EOVERFLOW above, and
 *           ENONCANON for a leading zero byte).
 *   u256:   the same with at most 32 bytes.
 *   bytes:  Out: *data, *len the payload (zero-copy).
 *   bytes_exact: copies exactly n bytes into out (EINVAL for another
 *           length), e.g. a 20-byte address or a 32-byte hash. */
LM_MUST_CHECK lm_code lm_rlp_item_uint64(uint64_t *out, const lm_rlp_item *it, lm_err *err);
LM_MUST_CHECK lm_code lm_rlp_item_u256(lm_u256 *out, const lm_rlp_item *it, lm_err *err);
LM_MUST_CHECK lm_code lm_rlp_item_bytes(const uint8_t **data, size_t *len, const lm_rlp_item *it,
                                        lm_err *err);
LM_MUST_CHECK lm_code lm_rlp_item_bytes_exact(uint8_t *out, size_t n, const lm_rlp_item *it,
                                              lm_err *err);

/* Cursor helpers: read the next item and view it as above; on error the
 * cursor does not move. lm_rlp_decode_list starts *child over the next
 * item, which must be a list. */
LM_MUST_CHECK lm_code lm_rlp_decode_uint64(lm_rlp_cursor *c, uint64_t *out, lm_err *err);
LM_MUST_CHECK lm_code lm_rlp_decode_u256(lm_rlp_cursor *c, lm_u256 *out, lm_err *err);
LM_MUST_CHECK lm_code lm_rlp_decode_bytes(lm_rlp_cursor *c, const uint8_t **data, size_t *len,
                                          lm_err *err);
LM_MUST_CHECK lm_code lm_rlp_decode_bytes_exact(lm_rlp_cursor *c, uint8_t *out, size_t n,
                                                lm_err *err);
LM_MUST_CHECK lm_code lm_rlp_decode_list(lm_rlp_cursor *c, lm_rlp_cursor *child, lm_err *err);

#endif
