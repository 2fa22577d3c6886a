/* The Solidity contract ABI. See include/lamina/abi.h.
 *
 * The encoding, from the specification ("Formal Specification of the
 * Encoding"):
 *   enc(X) = head(X(1)) ... head(X(k)) tail(X(1)) ... tail(X(k))
 *   "if Ti is static: head(X(i)) = enc(X(i)) and tail(X(i)) = ''
 *    otherwise: head(X(i)) = enc(len( head(X(1)) ... head(X(k))
 *               tail(X(1)) ... tail(X(i-1)) )) and tail(X(i)) = enc(X(i))"
 *   T[k]: encoded as a tuple of k elements of type T;
 *   T[]:  enc(k) enc([X[0], ..., X[k-1]]);
 *   bytes: enc(k) pad_right(X); string: enc(enc_utf8(X));
 *   uint<M>: big-endian, left-padded with zero bytes to 32;
 *   int<M>: big-endian two's complement, left-padded with 0xff for
 *           negative X and zero bytes for non-negative X;
 *   bool: as uint8, 1 for true and 0 for false; address: as uint160;
 *   bytes<M>: padded with trailing zero bytes to 32. */
#include "lamina/abi.h"

#include <stdio.h>
#include <string.h>

#include "lamina/keccak.h"

#define WORD 32

static size_t ceil32(size_t n) { return (n + 31) & ~(size_t)31; } /* caller ensures no wrap */

static const lm_abi_type *child_type(const lm_abi_type *t, size_t i)
{
    return t->kind == LM_ABI_TUPLE ? &t->members[i] : t->elem;
}

/* ---- type parser ----------------------------------------------------------- */

typedef struct parser {
    const char *s;
    size_t len;
    size_t pos;
    size_t top; /* where the root type starts */
    lm_arena *a;
    lm_err *err;
} parser;

static lm_code perr(parser *p, lm_code code, const char *what)
{
    return lm_err_set(p->err, code, "abi type: %s at offset %zu", what, p->pos);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || is_digit(c); }

/* Reads a canonical decimal (no leading zero) of at most 6 digits from
 * s[*i..end); returns -1 when there is none or it is not canonical. */
static long read_small_dec(const char *s, size_t *i, size_t end)
{
    size_t j = *i;
    long v = 0;
    while (j < end && is_digit(s[j])) {
        if (j - *i >= 6)
            return -1;
        v = v * 10 + (s[j] - '0');
        j++;
    }
    if (j == *i || (s[*i] == '0' && j - *i > 1))
        return -1;
    *i = j;
    return v;
}

static void set_word(lm_abi_type *t, lm_abi_kind kind, unsigned bits)
{
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->bits = bits;
    t->head_size = WORD;
}

static lm_code parse_base(parser *p, lm_abi_type *t)
{
    size_t start = p->pos, end = p->pos;
    while (end < p->len && is_lower_alnum(p->s[end]))
        end++;
    size_t n = end - start;
    const char *w = p->s + start;
    if (n == 0)
        return perr(p, LM_EINVAL, "expected a type");
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(w, lit, n) == 0)
#define STARTS(lit) (n > sizeof(lit) - 1 && memcmp(w, lit, sizeof(lit) - 1) == 0)
    if (IS("address")) {
        set_word(t, LM_ABI_ADDRESS, 160);
    } else if (IS("bool")) {
        set_word(t, LM_ABI_BOOL, 8);
    } else if (IS("string") || IS("bytes")) {
        memset(t, 0, sizeof *t);
        t->kind = IS("string") ? LM_ABI_STRING : LM_ABI_BYTES;
        t->dynamic = true;
        t->head_size = WORD;
    } else if (IS("uint") || IS("int") || IS("byte")) {
        return perr(p, LM_EINVAL, IS("byte") ? "non-canonical alias (use bytes1)"
                                             : "non-canonical alias (use uint256/int256)");
    } else if (STARTS("uint") || STARTS("int") || STARTS("bytes")) {
        lm_abi_kind kind = w[0] == 'u' ? LM_ABI_UINT : w[0] == 'i' ? LM_ABI_INT : LM_ABI_FIXED_BYTES;
        size_t i = start + (kind == LM_ABI_UINT ? 4 : kind == LM_ABI_INT ? 3 : 5);
        long v = read_small_dec(p->s, &i, end);
        if (v < 0 || i != end)
            return perr(p, LM_EINVAL, "unknown type");
        if (kind == LM_ABI_FIXED_BYTES ? (v < 1 || v > 32) : (v < 8 || v > 256 || v % 8))
            return perr(p, LM_EINVAL, kind == LM_ABI_FIXED_BYTES ? "bytesN needs 1 <= N <= 32"
                                                                 : "intN/uintN needs N in 8, 16, ..., 256");
        set_word(t, kind, (unsigned)v);
    } else if (STARTS("fixed") || STARTS("ufixed") || IS("fixed") || IS("ufixed") || IS("function")) {
        return perr(p, LM_EINVAL, "unsupported type (fixed, ufixed, function)");
    } else {
        return perr(p, LM_EINVAL, "unknown type");
    }
#undef IS
#undef STARTS
    p->pos = end;
    return LM_OK;
}

static lm_code parse_type(parser *p, unsigned depth, lm_abi_type *t);

static lm_code parse_tuple(parser *p, unsigned depth, lm_abi_type *t)
{
    /* Count the members first (commas at this level up to the matching
     * parenthesis), so that they can live in one array. */
    size_t count = 0, i = p->pos + 1;
    int level = 0;
    bool any = false;
    for (; i < p->len; i++) {
        char c = p->s[i];
        if (c == '(') {
            level++;
        } else if (c == ')') {
            if (level == 0)
                break;
            level--;
        } else if (c == ',' && level == 0) {
            count++;
        }
        any = true;
    }
    if (i == p->len)
        return perr(p, LM_EINVAL, "unbalanced parenthesis");
    if (any)
        count++;
    if (count > LM_ABI_MAX_MEMBERS)
        return perr(p, LM_ETOOLARGE, "tuple with too many members");
    memset(t, 0, sizeof *t);
    t->kind = LM_ABI_TUPLE;
    t->count = count;
    lm_abi_type *m = NULL;
    if (count) {
        m = lm_arena_alloc(p->a, count * sizeof *m, _Alignof(lm_abi_type));
        if (!m)
            return perr(p, LM_ENOMEM, "arena full");
    }
    p->pos++; /* '(' */
    size_t head = 0;
    for (size_t k = 0; k < count; k++) {
        lm_code rc = parse_type(p, depth + 1, &m[k]);
        if (rc != LM_OK)
            return rc;
        char want = k + 1 < count ? ',' : ')';
        if (p->pos >= p->len || p->s[p->pos] != want)
            return perr(p, LM_EINVAL, want == ',' ? "expected ','" : "expected ')'");
        p->pos++;
        t->dynamic |= m[k].dynamic;
        head += m[k].head_size; /* <= 256 * 2^20: no overflow */
    }
    if (count == 0)
        p->pos++; /* ')' */
    t->members = m;
    if (head > LM_ABI_MAX_STATIC_SIZE)
        return perr(p, LM_ETOOLARGE, "tuple head too large");
    t->head_size = t->dynamic ? WORD : head;
    return LM_OK;
}

static lm_code parse_type(parser *p, unsigned depth, lm_abi_type *t)
{
    if (depth > LM_ABI_MAX_DEPTH)
        return perr(p, LM_ETOOLARGE, "type nested too deeply");
    size_t start = p->pos;
    lm_code rc = p->pos < p->len && p->s[p->pos] == '(' ? parse_tuple(p, depth, t) : parse_base(p, t);
    if (rc != LM_OK)
        return rc;
    if (t->kind == LM_ABI_TUPLE && t->count == 0 && !(start == p->top && p->pos == p->len)) {
        p->pos = start;
        return perr(p, LM_EINVAL, "empty tuple allowed only as a whole argument list");
    }
    while (p->pos < p->len && p->s[p->pos] == '[') {
        if (++depth > LM_ABI_MAX_DEPTH)
            return perr(p, LM_ETOOLARGE, "type nested too deeply");
        lm_abi_type *elem = lm_arena_alloc(p->a, sizeof *elem, _Alignof(lm_abi_type));
        if (!elem)
            return perr(p, LM_ENOMEM, "arena full");
        *elem = *t;
        memset(t, 0, sizeof *t);
        t->elem = elem;
        size_t i = p->pos + 1;
        if (i < p->len && p->s[i] == ']') {
            t->kind = LM_ABI_DYN_ARRAY;
            t->dynamic = true;
            t->head_size = WORD;
        } else {
            long k = read_small_dec(p->s, &i, p->len);
            if (k < 0) {
                p->pos = i;
                return perr(p, LM_EINVAL, "bad array length (canonical decimal, no leading zero)");
            }
            if (k == 0 || k > LM_ABI_MAX_FIXED_COUNT) {
                p->pos = i;
                return perr(p, k == 0 ? LM_EINVAL : LM_ETOOLARGE,
                            k == 0 ? "T[0] is not supported" : "fixed array too long");
            }
            t->kind = LM_ABI_ARRAY;
            t->count = (size_t)k;
            t->dynamic = elem->dynamic;
            if ((size_t)k > LM_ABI_MAX_STATIC_SIZE / elem->head_size) {
                p->pos = i;
                return perr(p, LM_ETOOLARGE, "fixed array head too large");
            }
            t->head_size = t->dynamic ? WORD : (size_t)k * elem->head_size;
        }
        if (i >= p->len || p->s[i] != ']') {
            p->pos = i;
            return perr(p, LM_EINVAL, "expected ']'");
        }
        p->pos = i + 1;
    }
    return LM_OK;
}

static lm_code parse_root(parser *p, const lm_abi_type **out)
{
    if (p->len > LM_ABI_MAX_TYPE_LEN)
        return lm_err_set(p->err, LM_ETOOLARGE, "abi type: text of %zu characters exceeds %d",
                          p->len, LM_ABI_MAX_TYPE_LEN);
    lm_abi_type *root = lm_arena_alloc(p->a, sizeof *root, _Alignof(lm_abi_type));
    if (!root)
        return perr(p, LM_ENOMEM, "arena full");
    lm_code rc = parse_type(p, 0, root);
    if (rc != LM_OK)
        return rc;
    if (p->pos != p->len)
        return perr(p, LM_EINVAL, "unexpected character");
    *out = root;
    return LM_OK;
}

lm_code lm_abi_type_parse(const lm_abi_type **out, lm_arena *a, const char *text, size_t len,
                          lm_err *err)
{
    parser p = {text, len, 0, 0, a, err};
    return parse_root(&p, out);
}

/* ---- formatting ------------------------------------------------------------ */

typedef struct sbuf {
    char *out;
    size_t cap;
    size_t len;
    bool full;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->full || n >= b->cap - b->len) { /* keep room for the NUL */
        b->full = true;
        return;
    }
    memcpy(b->out + b->len, s, n);
    b->len += n;
}

static void put_num(sbuf *b, const char *prefix, size_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%s%zu", prefix, v);
    put(b, tmp, (size_t)n);
}

static void format_type(sbuf *b, const lm_abi_type *t)
{
    switch (t->kind) {
    case LM_ABI_UINT: put_num(b, "uint", t->bits); break;
    case LM_ABI_INT: put_num(b, "int", t->bits); break;
    case LM_ABI_ADDRESS: put(b, "address", 7); break;
    case LM_ABI_BOOL: put(b, "bool", 4); break;
    case LM_ABI_FIXED_BYTES: put_num(b, "bytes", t->bits); break;
    case LM_ABI_BYTES: put(b, "bytes", 5); break;
    case LM_ABI_STRING: put(b, "string", 6); break;
    case LM_ABI_ARRAY:
        format_type(b, t->elem);
        put_num(b, "[", t->count);
        put(b, "]", 1);
        break;
    case LM_ABI_DYN_ARRAY:
        format_type(b, t->elem);
        put(b, "[]", 2);
        break;
    case LM_ABI_TUPLE:
        put(b, "(", 1);
        for (size_t i = 0; i < t->count; i++) {
            if (i)
                put(b, ",", 1);
            format_type(b, &t->members[i]);
        }
        put(b, ")", 1);
        break;
    }
}

lm_code lm_abi_type_format(char *out, size_t cap, size_t *out_len, const lm_abi_type *t,
                           lm_err *err)
{
    if (cap == 0)
        return lm_err_set(err, LM_ESPACE, "abi type: no room to format");
    sbuf b = {out, cap, 0, false};
    format_type(&b, t);
    if (b.full) {
        out[0] = '\0';
        return lm_err_set(err, LM_ESPACE, "abi type: %zu characters are not enough", cap);
    }
    out[b.len] = '\0';
    if (out_len)
        *out_len = b.len;
    return LM_OK;
}

/* ---- functions and selectors ------------------------------------------------ */

void lm_abi_selector(uint8_t out[4], const char *signature, size_t len)
{
    uint8_t h[LM_KECCAK256_LEN];
    lm_keccak256(h, (const uint8_t *)signature, len);
    memcpy(out, h, 4);
}

static bool ident_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
           (!first && is_digit(c));
}

lm_code lm_abi_function_parse(lm_abi_function *out, lm_arena *a, const char *sig, size_t len,
                              lm_err *err)
{
    size_t n = 0;
    while (n < len && ident_char(sig[n], n == 0))
        n++;
    if (n == 0)
        return lm_err_set(err, LM_EINVAL, "abi signature: expected a function name at offset 0");
    if (n == len || sig[n] != '(')
        return lm_err_set(err, LM_EINVAL, "abi signature: expected '(' at offset %zu", n);
    parser p = {sig, len, n, n, a, err};
    const lm_abi_type *args;
    lm_code rc = parse_root(&p, &args);
    if (rc != LM_OK)
        return rc;
    out->name = sig;
    out->name_len = n;
    out->args = args;
    lm_abi_selector(out->selector, sig, len);
    return LM_OK;
}

/* ---- values -------------------------------------------------------------- */

lm_abi_value lm_abi_address(const uint8_t addr[20])
{
    lm_abi_value v = {.kind = LM_ABI_ADDRESS};
    memcpy(v.u.address, addr, 20);
    return v;
}

lm_abi_value lm_abi_fixed_bytes(const uint8_t *data, size_t n)
{
    lm_abi_value v = {.kind = LM_ABI_FIXED_BYTES};
    memset(v.u.fixed, 0, sizeof v.u.fixed);
    if (n > 32)
        n = 32;
    if (n)
        memcpy(v.u.fixed, data, n);
    return v;
}

/* intN range: bits N-1 .. 255 all equal (the sign, extended). */
static bool int_fits(const lm_u256 *v, unsigned bits)
{
    if (bits >= 256)
        return true;
    lm_u256 hi, ones, max = LM_U256_MAX;
    lm_u256_shr(&hi, v, bits - 1);
    if (lm_u256_is_zero(&hi))
        return true;
    lm_u256_shr(&ones, &max, bits - 1);
    return lm_u256_eq(&hi, &ones);
}

static bool is_list_kind(lm_abi_kind k) { return k == LM_ABI_ARRAY || k == LM_ABI_DYN_ARRAY; }

static bool kind_matches(const lm_abi_type *t, const lm_abi_value *v)
{
    if (is_list_kind(t->kind))
        return is_list_kind(v->kind);
    return t->kind == v->kind;
}

static bool zero_from(const uint8_t *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (p[i])
            return false;
    return true;
}

bool lm_abi_value_eq(const lm_abi_type *t, const lm_abi_value *a, const lm_abi_value *b)
{
    if (!kind_matches(t, a) || !kind_matches(t, b))
        return false;
    switch (t->kind) {
    case LM_ABI_UINT:
    case LM_ABI_INT: return lm_u256_eq(&a->u.num, &b->u.num);
    case LM_ABI_BOOL: return a->u.boolean == b->u.boolean;
    case LM_ABI_ADDRESS: return memcmp(a->u.address, b->u.address, 20) == 0;
    case LM_ABI_FIXED_BYTES: return memcmp(a->u.fixed, b->u.fixed, 32) == 0;
    case LM_ABI_BYTES:
    case LM_ABI_STRING:
        return a->u.bytes.len == b->u.bytes.len &&
               (a->u.bytes.len == 0 || memcmp(a->u.bytes.data, b->u.bytes.data, a->u.bytes.len) == 0);
    case LM_ABI_ARRAY:
    case LM_ABI_DYN_ARRAY:
    case LM_ABI_TUPLE:
        if (a->u.list.count != b->u.list.count)
            return false;
        if (t->kind != LM_ABI_DYN_ARRAY && a->u.list.count != t->count)
            return false;
        for (size_t i = 0; i < a->u.list.count; i++)
            if (!lm_abi_value_eq(child_type(t, i), &a->u.list.items[i], &b->u.list.items[i]))
                return false;
        return true;
    }
    return false;
}

/* ---- encoding ------------------------------------------------------------ */

static const char *kind_name(lm_abi_kind k)
{
    switch (k) {
    case LM_ABI_UINT: return "uint";
    case LM_ABI_INT: return "int";
    case LM_ABI_ADDRESS: return "address";
    case LM_ABI_BOOL: return "bool";
    case LM_ABI_FIXED_BYTES: return "bytesN";
    case LM_ABI_BYTES: return "bytes";
    case LM_ABI_STRING: return "string";
    case LM_ABI_ARRAY: return "T[k]";
    case LM_ABI_DYN_ARRAY: return "T[]";
    case LM_ABI_TUPLE: return "tuple";
    }
    return "?";
}

static lm_code enc_size(size_t *out, const lm_abi_type *t, const lm_abi_value *v, lm_err *err);

/* Size of the tuple-like encoding of items[0..n) (heads and tails). */
static lm_code enc_list_size(size_t *out, const lm_abi_type *t, const lm_abi_value *items, size_t n,
                             lm_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const lm_abi_type *ct = child_type(t, i);
        size_t s;
        lm_code rc = enc_size(&s, ct, &items[i], err);
        if (rc != LM_OK)
            return rc;
        if (ct->dynamic && s > SIZE_MAX - WORD)
            return lm_err_set(err, LM_ETOOLARGE, "abi: encoding too large");
        s += ct->dynamic ? WORD : 0;
        if (s > SIZE_MAX - total)
            return lm_err_set(err, LM_ETOOLARGE, "abi: encoding too large");
        total += s;
    }
    *out = total;
    return LM_OK;
}

static lm_code enc_size(size_t *out, const lm_abi_type *t, const lm_abi_value *v, lm_err *err)
{
    if (!kind_matches(t, v))
        return lm_err_set(err, LM_EINVAL, "abi: a %s value given for a %s", kind_name(v->kind),
                          kind_name(t->kind));
    switch (t->kind) {
    case LM_ABI_UINT:
        if (lm_u256_bit_len(&v->u.num) > t->bits)
            return lm_err_set(err, LM_EOVERFLOW, "abi: value too wide for uint%u", t->bits);
        break;
    case LM_ABI_INT:
        if (!int_fits(&v->u.num, t->bits))
            return lm_err_set(err, LM_EOVERFLOW, "abi: value out of range for int%u", t->bits);
        break;
    case LM_ABI_FIXED_BYTES:
        if (!zero_from(v->u.fixed, t->bits, 32))
            return lm_err_set(err, LM_EINVAL, "abi: bytes%u value has data after byte %u", t->bits,
                              t->bits);
        break;
    case LM_ABI_ADDRESS:
    case LM_ABI_BOOL: break;
    case LM_ABI_BYTES:
    case LM_ABI_STRING:
        if (v->u.bytes.len > SIZE_MAX - 2 * WORD)
            return lm_err_set(err, LM_ETOOLARGE, "abi: bytes too long");
        *out = WORD + ceil32(v->u.bytes.len);
        return LM_OK;
    case LM_ABI_ARRAY:
    case LM_ABI_TUPLE:
        if (v->u.list.count != t->count)
            return lm_err_set(err, LM_EINVAL, "abi: %s of %zu items given for one of %zu",
                              kind_name(t->kind), v->u.list.count, t->count);
        return enc_list_size(out, t, v->u.list.items, t->count, err);
    case LM_ABI_DYN_ARRAY: {
        size_t s;
        lm_code rc = enc_list_size(&s, t, v->u.list.items, v->u.list.count, err);
        if (rc != LM_OK)
            return rc;
        if (s > SIZE_MAX - WORD)
            return lm_err_set(err, LM_ETOOLARGE, "abi: encoding too large");
        *out = WORD + s;
        return LM_OK;
    }
    }
    *out = WORD; /* the one-word static types */
    return LM_OK;
}

static void put_word_u64(uint8_t *out, uint64_t v)
{
    memset(out, 0, WORD - 8);
    lm_store_be64(out + WORD - 8, v);
}

static size_t enc_write(uint8_t *out, const lm_abi_type *t, const lm_abi_value *v);

static size_t enc_write_list(uint8_t *out, const lm_abi_type *t, const lm_abi_value *items, size_t n)
{
    size_t head = 0;
    for (size_t i = 0; i < n; i++)
        head += child_type(t, i)->head_size;
    size_t pos = 0, tail = head;
    for (size_t i = 0; i < n; i++) {
        const lm_abi_type *ct = child_type(t, i);
        if (ct->dynamic) {
            put_word_u64(out + pos, (uint64_t)tail);
            pos += WORD;
            tail += enc_write(out + tail, ct, &items[i]);
        } else {
            pos += enc_write(out + pos, ct, &items[i]);
        }
    }
    return tail;
}

static size_t enc_write(uint8_t *out, const lm_abi_type *t, const lm_abi_value *v)
{
    switch (t->kind) {
    case LM_ABI_UINT:
    case LM_ABI_INT: lm_u256_to_be32(out, &v->u.num); return WORD;
    case LM_ABI_ADDRESS:
        memset(out, 0, 12);
        memcpy(out + 12, v->u.address, 20);
        return WORD;
    case LM_ABI_BOOL: put_word_u64(out, v->u.boolean ? 1 : 0); return WORD;
    case LM_ABI_FIXED_BYTES: memcpy(out, v->u.fixed, WORD); return WORD;
    case LM_ABI_BYTES:
    case LM_ABI_STRING: {
        size_t n = v->u.bytes.len, padded = ceil32(n);
        put_word_u64(out, (uint64_t)n);
        if (n)
            memcpy(out + WORD, v->u.bytes.data, n);
        memset(out + WORD + n, 0, padded - n);
        return WORD + padded;
    }
    case LM_ABI_ARRAY:
    case LM_ABI_TUPLE: return enc_write_list(out, t, v->u.list.items, t->count);
    case LM_ABI_DYN_ARRAY:
        put_word_u64(out, (uint64_t)v->u.list.count);
        return WORD + enc_write_list(out + WORD, t, v->u.list.items, v->u.list.count);
    }
    return 0;
}

lm_code lm_abi_encoded_size(size_t *out, const lm_abi_type *t, const lm_abi_value *v, lm_err *err)
{
    return enc_size(out, t, v, err);
}

lm_code lm_abi_encode(uint8_t *out, size_t cap, size_t *out_len, const lm_abi_type *t,
                      const lm_abi_value *v, lm_err *err)
{
    size_t n;
    lm_code rc = enc_size(&n, t, v, err);
    if (rc != LM_OK)
        return rc;
    if (n > cap)
        return lm_err_set(err, LM_ESPACE, "abi: encoding needs %zu bytes, buffer has %zu", n, cap);
    size_t w = enc_write(out, t, v);
    (void)w; /* == n by construction */
    *out_len = n;
    return LM_OK;
}

lm_code lm_abi_encode_call(uint8_t *out, size_t cap, size_t *out_len, const lm_abi_function *f,
                           const lm_abi_value *args, lm_err *err)
{
    if (cap < 4)
        return lm_err_set(err, LM_ESPACE, "abi: no room for the selector");
    size_t n;
    lm_code rc = lm_abi_encode(out + 4, cap - 4, &n, f->args, args, err);
    if (rc != LM_OK)
        return rc;
    memcpy(out, f->selector, 4);
    *out_len = n + 4;
    return LM_OK;
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct dctx {
    const uint8_t *data;
    size_t len;
    lm_arena *a;
    size_t max_len;
    bool lenient;
    size_t work, work_limit;
    lm_err *err;
} dctx;

/* Accounts for reading n bytes at pos, which must lie inside the data. */
static lm_code need(dctx *c, size_t pos, size_t n, const char *what)
{
    if (pos > c->len || c->len - pos < n)
        return lm_err_set(c->err, LM_ETRUNC, "abi: at offset %zu: %s needs %zu bytes, %zu remain",
                          pos, what, n, pos > c->len ? 0 : c->len - pos);
    if (n > c->work_limit - c->work)
        return lm_err_set(c->err, LM_ETOOLARGE,
                          "abi: at offset %zu: decoding exceeds %d times the input size", pos,
                          LM_ABI_WORK_FACTOR);
    c->work += n;
    return LM_OK;
}

/* Reads a word at pos as a size (length, count or offset); values that do
 * not fit 64 bits or size_t are reported as LM_ETOOLARGE by the caller's
 * limit check through *v = SIZE_MAX. */
static lm_code read_size(dctx *c, size_t pos, size_t *v, const char *what)
{
    lm_code rc = need(c, pos, WORD, what);
    if (rc != LM_OK)
        return rc;
    lm_u256 w;
    uint64_t x;
    lm_u256_from_be32(&w, c->data + pos);
    if (!lm_u256_to_u64(&x, &w) || x > SIZE_MAX)
        *v = SIZE_MAX;
    else
        *v = (size_t)x;
    return LM_OK;
}

static lm_code dec_at(dctx *c, const lm_abi_type *t, size_t start, lm_abi_value *out, size_t *end);

/* Decodes the tuple-like encoding of n children at base. */
static lm_code dec_list(dctx *c, const lm_abi_type *t, size_t base, size_t n, lm_abi_value *out,
                        size_t *end)
{
    size_t head = 0;
    for (size_t i = 0; i < n && t->kind == LM_ABI_TUPLE; i++)
        head += t->members[i].head_size;
    if (t->kind != LM_ABI_TUPLE)
        head = n * t->elem->head_size; /* checked against the data by the caller */
    if (base > c->len || c->len - base < head)
        return lm_err_set(c->err, LM_ETRUNC, "abi: at offset %zu: head of %zu bytes cut short", base,
                          head);
    lm_abi_value *items = NULL;
    if (n) {
        items = lm_arena_alloc(c->a, n * sizeof *items, _Alignof(lm_abi_value));
        if (!items)
            return lm_err_set(c->err, LM_ENOMEM, "abi: arena full (%zu values at offset %zu)", n,
                              base);
    }
    size_t pos = base, expect = head, max_end = base + head;
    for (size_t i = 0; i < n; i++) {
        const lm_abi_type *ct = child_type(t, i);
        size_t e;
        lm_code rc;
        if (!ct->dynamic) {
            rc = dec_at(c, ct, pos, &items[i], &e);
            if (rc != LM_OK)
                return rc;
            pos += ct->head_size;
            continue;
        }
        size_t off;
        rc = read_size(c, pos, &off, "offset");
        if (rc != LM_OK)
            return rc;
        if (off > c->len - base) {
            if (off == SIZE_MAX)
                return lm_err_set(c->err, LM_EINVAL, "abi: at offset %zu: huge offset", pos);
            return lm_err_set(c->err, LM_EINVAL,
                              "abi: at offset %zu: offset 0x%zx points past the end", pos, off);
        }
        if (off < head)
            return lm_err_set(c->err, LM_EINVAL,
                              "abi: at offset %zu: offset 0x%zx points into the head (0x%zx bytes)",
                              pos, off, head);
        if (!c->lenient && off != expect)
            return lm_err_set(c->err, LM_ENONCANON,
                              "abi: at offset %zu: offset 0x%zx is not the canonical 0x%zx", pos, off,
                              expect);
        rc = dec_at(c, ct, base + off, &items[i], &e);
        if (rc != LM_OK)
            return rc;
        expect = e - base;
        if (e > max_end)
            max_end = e;
        pos += WORD;
    }
    out->u.list.items = items;
    out->u.list.count = n;
    *end = c->lenient ? max_end : base + expect;
    return LM_OK;
}

static lm_code dec_word(dctx *c, const lm_abi_type *t, size_t start, lm_abi_value *out)
{
    lm_code rc = need(c, start, WORD, kind_name(t->kind));
    if (rc != LM_OK)
        return rc;
    const uint8_t *w = c->data + start;
    switch (t->kind) {
    case LM_ABI_UINT:
        lm_u256_from_be32(&out->u.num, w);
        if (lm_u256_bit_len(&out->u.num) > t->bits)
            return lm_err_set(c->err, LM_EINVAL, "abi: at offset %zu: uint%u with non-zero high bits",
                              start, t->bits);
        return LM_OK;
    case LM_ABI_INT:
        lm_u256_from_be32(&out->u.num, w);
        if (!int_fits(&out->u.num, t->bits))
            return lm_err_set(c->err, LM_EINVAL,
                              "abi: at offset %zu: int%u not sign-extended to 256 bits", start,
                              t->bits);
        return LM_OK;
    case LM_ABI_ADDRESS:
        if (!zero_from(w, 0, 12))
            return lm_err_set(c->err, LM_EINVAL, "abi: at offset %zu: address with non-zero padding",
                              start);
        memcpy(out->u.address, w + 12, 20);
        return LM_OK;
    case LM_ABI_BOOL:
        if (!zero_from(w, 0, 31) || w[31] > 1)
            return lm_err_set(c->err, LM_EINVAL, "abi: at offset %zu: bool is not 0 or 1", start);
        out->u.boolean = w[31] == 1;
        return LM_OK;
    case LM_ABI_FIXED_BYTES:
        if (!zero_from(w, t->bits, WORD))
            return lm_err_set(c->err, LM_EINVAL,
                              "abi: at offset %zu: bytes%u with non-zero padding", start, t->bits);
        memcpy(out->u.fixed, w, WORD);
        return LM_OK;
    case LM_ABI_BYTES:
    case LM_ABI_STRING:
    case LM_ABI_ARRAY:
    case LM_ABI_DYN_ARRAY:
    case LM_ABI_TUPLE: break; /* not word types: dec_at does not send them here */
    }
    return LM_OK;
}

static lm_code dec_at(dctx *c, const lm_abi_type *t, size_t start, lm_abi_value *out, size_t *end)
{
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    lm_code rc;
    switch (t->kind) {
    case LM_ABI_UINT:
    case LM_ABI_INT:
    case LM_ABI_ADDRESS:
    case LM_ABI_BOOL:
    case LM_ABI_FIXED_BYTES:
        rc = dec_word(c, t, start, out);
        *end = start + WORD;
        return rc;
    case LM_ABI_BYTES:
    case LM_ABI_STRING: {
        size_t n;
        rc = read_size(c, start, &n, "length");
        if (rc != LM_OK)
            return rc;
        if (n > c->max_len)
            return lm_err_set(c->err, LM_ETOOLARGE, "abi: at offset %zu: length exceeds the cap %zu",
                              start, c->max_len);
        size_t padded = ceil32(n), body = start + WORD;
        rc = need(c, body, padded, kind_name(t->kind));
        if (rc != LM_OK)
            return rc;
        if (!zero_from(c->data + body, n, padded))
            return lm_err_set(c->err, LM_EINVAL, "abi: at offset %zu: non-zero padding after %s",
                              body + n, kind_name(t->kind));
        out->u.bytes.data = c->data + body;
        out->u.bytes.len = n;
        *end = body + padded;
        return LM_OK;
    }
    case LM_ABI_DYN_ARRAY: {
        size_t n;
        rc = read_size(c, start, &n, "array length");
        if (rc != LM_OK)
            return rc;
        if (n > c->max_len)
            return lm_err_set(c->err, LM_ETOOLARGE, "abi: at offset %zu: array length exceeds the cap %zu",
                              start, c->max_len);
        size_t body = start + WORD, room = c->len - body; /* need() checked body <= len */
        if (t->elem->head_size == 0)
            return lm_err_set(c->err, LM_EINVAL, "abi: array of zero-size elements");
        if (n > room / t->elem->head_size)
            return lm_err_set(c->err, LM_ETRUNC,
                              "abi: at offset %zu: %zu elements do not fit in the %zu bytes left",
                              start, n, room);
        return dec_list(c, t, body, n, out, end);
    }
    case LM_ABI_ARRAY:
    case LM_ABI_TUPLE: return dec_list(c, t, start, t->count, out, end);
    }
    return LM_OK;
}

lm_code lm_abi_decode(lm_abi_value *out, lm_arena *a, const lm_abi_type *t, const uint8_t *data,
                      size_t len, const lm_abi_limits *limits, lm_err *err)
{
    dctx c = {.data = data, .len = len, .a = a, .err = err};
    c.max_len = limits ? limits->max_len : LM_ABI_DEFAULT_MAX_LEN;
    if (c.max_len > SIZE_MAX - 2 * WORD)
        c.max_len = SIZE_MAX - 2 * WORD; /* so ceil32(len) never wraps */
    c.lenient = limits && limits->lenient;
    c.work_limit = len > (SIZE_MAX - 64) / LM_ABI_WORK_FACTOR ? SIZE_MAX
                                                              : len * LM_ABI_WORK_FACTOR + 64;
    lm_abi_value v;
    size_t end;
    lm_code rc = dec_at(&c, t, 0, &v, &end);
    if (rc != LM_OK)
        return rc;
    if (!c.lenient && end != len)
        return lm_err_set(err, LM_ETRAILING, "abi: %zu trailing byte(s) after the value", len - end);
    *out = v;
    return LM_OK;
}

lm_code lm_abi_decode_call(lm_abi_value *out, lm_arena *a, const lm_abi_function *f,
                           const uint8_t *data, size_t len, const lm_abi_limits *limits, lm_err *err)
{
    if (len < 4)
        return lm_err_set(err, LM_ETRUNC, "abi: call data of %zu bytes has no selector", len);
    if (memcmp(data, f->selector, 4) != 0)
        return lm_err_set(err, LM_EINVAL, "abi: selector %02x%02x%02x%02x is not %.*s's", data[0],
                          data[1], data[2], data[3], (int)f->name_len, f->name);
    return lm_abi_decode(out, a, f->args, data + 4, len - 4, limits, err);
}
