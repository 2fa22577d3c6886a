/* EIP-712 typed-data JSON hashing (jansson). See include/lamina/eip712.h
 * and docs/crypto.md for the rules; the EIP is quoted where implemented.
 *
 * Everything is checked before it is hashed: the whole "types" object is
 * validated up front (names, member types, references, cycles), and each
 * value is checked against its type as it is encoded. Memory: a fixed
 * table on the stack (about 5 KiB) and one Keccak context per nesting
 * level; jansson allocates only for an implicit EIP712Domain type (its
 * member array and a copy of the domain). The caller's document is only
 * read. No global state: any number of threads may hash at once. */
#include "lamina/eip712.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lamina/bytes.h"
#include "lamina/secp256k1.h"

#define JS_MAX_SAFE_INTEGER 9007199254740991LL /* 2^53 - 1 */

typedef struct e712_type {
    const char *name; /* key in the types object, NUL-terminated */
    size_t name_len;
    json_t *fields;   /* the member array */
    int color;        /* cycle search: 0 new, 1 on the path, 2 done */
    bool have_hash;
    uint8_t type_hash[32];
} e712_type;

typedef struct e712_ctx {
    e712_type t[LM_EIP712_MAX_TYPES + 1]; /* + an implicit EIP712Domain */
    size_t n;
    char path[160]; /* where we are, for messages: "message.to[2].wallet" */
    size_t path_len;
    int depth;
    lm_err *err;
} e712_ctx;

/* --- errors and paths ----------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static lm_code fail(e712_ctx *c, lm_code code, const char *fmt, ...)
{
    char msg[LM_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->path_len)
        return lm_err_set(c->err, code, "eip712: %s: %s", c->path, msg);
    return lm_err_set(c->err, code, "eip712: %s", msg);
}

/* Appends to the path; returns the old length for path_pop. */
__attribute__((format(printf, 2, 3)))
static size_t path_push(e712_ctx *c, const char *fmt, ...)
{
    size_t old = c->path_len;
    if (old < sizeof c->path - 1) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(c->path + old, sizeof c->path - old, fmt, ap);
        va_end(ap);
        if (n > 0)
            c->path_len = old + (size_t)n < sizeof c->path - 1 ? old + (size_t)n : sizeof c->path - 1;
    }
    return old;
}

static void path_pop(e712_ctx *c, size_t old)
{
    c->path_len = old;
    c->path[old] = '\0';
}

/* --- type names -------------------------------------------------------------- */

typedef enum e712_kind {
    K_UINT,
    K_INT,
    K_BYTES_N,
    K_BOOL,
    K_ADDRESS,
    K_BYTES,
    K_STRING,
    K_STRUCT,
    K_ARRAY,
} e712_kind;

typedef struct e712_tref {
    e712_kind kind;
    unsigned width;      /* K_UINT/K_INT: bits; K_BYTES_N: bytes */
    size_t struct_idx;   /* K_STRUCT */
    const char *elem;    /* K_ARRAY: the element type, elem_len chars */
    size_t elem_len;
    long array_len;      /* K_ARRAY: -1 for T[] */
} e712_tref;

static bool eq(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* Parses 1-3 decimal digits without a leading zero. Returns -1 if not. */
static int small_decimal(const char *p, size_t n)
{
    if (n == 0 || n > 3 || p[0] == '0')
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* The atomic and dynamic types: "The atomic types are bytes1 to bytes32,
 * uint8 to uint256, int8 to int256, bool and address. ... Note that there
 * are no aliases uint and int." "The dynamic types are bytes and string." */
static bool parse_elementary(const char *p, size_t n, e712_tref *t)
{
    if (eq(p, n, "address")) {
        t->kind = K_ADDRESS;
        return true;
    }
    if (eq(p, n, "bool")) {
        t->kind = K_BOOL;
        return true;
    }
    if (eq(p, n, "string")) {
        t->kind = K_STRING;
        return true;
    }
    if (eq(p, n, "bytes")) {
        t->kind = K_BYTES;
        return true;
    }
    if (n > 5 && memcmp(p, "bytes", 5) == 0) {
        int w = small_decimal(p + 5, n - 5);
        if (w >= 1 && w <= 32) {
            t->kind = K_BYTES_N;
            t->width = (unsigned)w;
            return true;
        }
        return false;
    }
    size_t skip = (n > 4 && memcmp(p, "uint", 4) == 0) ? 4 : (n > 3 && memcmp(p, "int", 3) == 0) ? 3 : 0;
    if (skip) {
        int w = small_decimal(p + skip, n - skip);
        if (w >= 8 && w <= 256 && w % 8 == 0) {
            t->kind = skip == 4 ? K_UINT : K_INT;
            t->width = (unsigned)w;
            return true;
        }
    }
    return false;
}

static bool is_identifier(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '$';
        if (!alpha && !(i > 0 && ch >= '0' && ch <= '9'))
            return false;
    }
    return true;
}

static bool find_struct(const e712_ctx *c, const char *p, size_t n, size_t *idx)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->t[i].name_len == n && memcmp(c->t[i].name, p, n) == 0) {
            *idx = i;
            return true;
        }
    }
    return false;
}

/* Parses one level of a member type: "T[n]" / "T[]" gives K_ARRAY with the
 * element type T; otherwise an elementary type or a struct of the table.
 * Returns LM_OK or an error naming the type. */
static lm_code parse_type(e712_ctx *c, const char *p, size_t n, e712_tref *t)
{
    memset(t, 0, sizeof *t);
    if (n > 0 && p[n - 1] == ']') {
        size_t open = n - 1;
        while (open > 0 && p[open] != '[')
            open--;
        if (p[open] != '[' || open == 0)
            return fail(c, LM_EINVAL, "malformed array type \"%.*s\"", (int)n, p);
        const char *digits = p + open + 1;
        size_t nd = n - 1 - (open + 1);
        long len = -1;
        if (nd) {
            if (digits[0] == '0' || nd > 9)
                return fail(c, LM_EINVAL, "bad array length in \"%.*s\" (1 to 999999999, no leading zeros)",
                            (int)n, p);
            len = 0;
            for (size_t i = 0; i < nd; i++) {
                if (digits[i] < '0' || digits[i] > '9')
                    return fail(c, LM_EINVAL, "bad array length in \"%.*s\"", (int)n, p);
                len = len * 10 + (digits[i] - '0');
            }
        }
        t->kind = K_ARRAY;
        t->elem = p;
        t->elem_len = open;
        t->array_len = len;
        return LM_OK;
    }
    if (parse_elementary(p, n, t))
        return LM_OK;
    if (find_struct(c, p, n, &t->struct_idx)) {
        t->kind = K_STRUCT;
        return LM_OK;
    }
    if (eq(p, n, "uint") || eq(p, n, "int"))
        return fail(c, LM_EINVAL, "\"%.*s\" is not an EIP-712 type (no aliases: write %.*s256)", (int)n, p,
                    (int)n, p);
    return fail(c, LM_EINVAL, "unknown type \"%.*s\"", (int)n, p);
}

/* Strips the array suffixes of a member type. Out: the base type. */
static lm_code base_type(e712_ctx *c, const char *p, size_t n, e712_tref *base)
{
    for (int dims = 0;; dims++) {
        lm_code rc = parse_type(c, p, n, base);
        if (rc != LM_OK)
            return rc;
        if (base->kind != K_ARRAY)
            return LM_OK;
        if (dims == LM_EIP712_MAX_DIMS)
            return fail(c, LM_ETOOLARGE, "more than %d array dimensions in \"%.*s\"", LM_EIP712_MAX_DIMS,
                        (int)n, p);
        n = base->elem_len;
    }
}

/* --- validating the types object ------------------------------------------- */

static lm_code field_strings(e712_ctx *c, json_t *field, const char **name, size_t *name_len,
                             const char **type, size_t *type_len)
{
    json_t *jn = json_object_get(field, "name"), *jt = json_object_get(field, "type");
    if (!json_is_object(field) || !json_is_string(jn) || !json_is_string(jt))
        return fail(c, LM_EINVAL, "a member must be an object with string \"name\" and \"type\"");
    *name = json_string_value(jn);
    *name_len = json_string_length(jn);
    *type = json_string_value(jt);
    *type_len = json_string_length(jt);
    return LM_OK;
}

/* Depth-first search for a cycle through struct references. */
static lm_code check_cycles(e712_ctx *c, size_t i)
{
    e712_type *ty = &c->t[i];
    if (ty->color == 2)
        return LM_OK;
    if (ty->color == 1)
        return fail(c, LM_EINVAL, "cyclic type reference through \"%s\"", ty->name);
    ty->color = 1;
    size_t k;
    json_t *field;
    json_array_foreach(ty->fields, k, field) {
        const char *fname, *ftype;
        size_t fname_len, ftype_len;
        e712_tref base;
        lm_code rc = field_strings(c, field, &fname, &fname_len, &ftype, &ftype_len);
        if (rc == LM_OK)
            rc = base_type(c, ftype, ftype_len, &base);
        if (rc == LM_OK && base.kind == K_STRUCT)
            rc = check_cycles(c, base.struct_idx);
        if (rc != LM_OK)
            return rc;
    }
    ty->color = 2;
    return LM_OK;
}

/* Fills the table from a "types" object, plus an EIP712Domain type with
 * the members domain_fields when that is not NULL, and checks all of it:
 * "A struct type has valid identifier as name and contains zero or more
 * member variables. Member variables have a member type and a name." */
static lm_code load_types(e712_ctx *c, const json_t *types, json_t *domain_fields)
{
    if (!json_is_object(types))
        return fail(c, LM_EINVAL, "\"types\" must be an object");
    if (json_object_size(types) > LM_EIP712_MAX_TYPES)
        return fail(c, LM_ETOOLARGE, "more than %d types", LM_EIP712_MAX_TYPES);
    const char *key;
    json_t *fields;
    c->n = 0;
    json_object_foreach((json_t *)types, key, fields) {
        size_t key_len = strlen(key);
        e712_tref dummy;
        if (!is_identifier(key, key_len) || parse_elementary(key, key_len, &dummy) || eq(key, key_len, "uint") ||
            eq(key, key_len, "int"))
            return fail(c, LM_EINVAL, "bad struct type name \"%.*s\"", (int)(key_len > 64 ? 64 : key_len), key);
        if (!json_is_array(fields))
            return fail(c, LM_EINVAL, "types.%s must be an array of members", key);
        if (json_array_size(fields) > LM_EIP712_MAX_FIELDS)
            return fail(c, LM_ETOOLARGE, "types.%s has more than %d members", key, LM_EIP712_MAX_FIELDS);
        size_t dup;
        if (find_struct(c, key, key_len, &dup)) /* only with a NUL inside a key */
            return fail(c, LM_EINVAL, "duplicate struct type name \"%s\"", key);
        c->t[c->n++] = (e712_type){.name = key, .name_len = key_len, .fields = fields};
    }
    if (domain_fields)
        c->t[c->n++] = (e712_type){.name = "EIP712Domain", .name_len = 12, .fields = domain_fields};
    for (size_t i = 0; i < c->n; i++) {
        size_t k;
        json_t *field;
        json_array_foreach(c->t[i].fields, k, field) {
            size_t mark = path_push(c, "types.%s[%zu]", c->t[i].name, k);
            const char *fname, *ftype;
            size_t fname_len, ftype_len;
            e712_tref base;
            lm_code rc = field_strings(c, field, &fname, &fname_len, &ftype, &ftype_len);
            if (rc != LM_OK)
                return rc;
            if (!is_identifier(fname, fname_len))
                return fail(c, LM_EINVAL, "bad member name \"%.*s\"", (int)(fname_len > 64 ? 64 : fname_len),
                            fname);
            for (size_t j = 0; j < k; j++) {
                json_t *other = json_object_get(json_array_get(c->t[i].fields, j), "name");
                if (json_string_length(other) == fname_len && memcmp(json_string_value(other), fname, fname_len) == 0)
                    return fail(c, LM_EINVAL, "duplicate member name \"%s\"", fname);
            }
            rc = base_type(c, ftype, ftype_len, &base);
            if (rc != LM_OK)
                return rc;
            path_pop(c, mark);
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        lm_code rc = check_cycles(c, i);
        if (rc != LM_OK)
            return rc;
    }
    return LM_OK;
}

/* --- encodeType --------------------------------------------------------------- */

/* Output for encodeType: into a hash, or into a buffer. */
typedef struct e712_sink {
    lm_keccak *k;
    char *buf;
    size_t cap, len;
} e712_sink;

static void sink_put(e712_sink *s, const char *p, size_t n)
{
    if (s->k)
        lm_keccak_update(s->k, (const uint8_t *)p, n);
    if (s->buf && s->len < s->cap) {
        size_t room = s->cap - s->len;
        memcpy(s->buf + s->len, p, n < room ? n : room);
    }
    s->len += n;
}

static void collect_deps(const e712_ctx *c, size_t i, bool *seen)
{
    size_t k;
    json_t *field;
    json_array_foreach(c->t[i].fields, k, field) {
        json_t *jt = json_object_get(field, "type");
        const char *p = json_string_value(jt);
        size_t n = json_string_length(jt);
        while (n > 0 && p[n - 1] == ']') /* validated: strip "[..]" */
            while (n > 0 && p[--n] != '[')
                ;
        size_t j;
        if (find_struct(c, p, n, &j) && !seen[j]) {
            seen[j] = true;
            collect_deps(c, j, seen);
        }
    }
}

/* "The type of a struct is encoded as name ‖ "(" ‖ member₁ ‖ "," ‖ member₂
 * ‖ "," ‖ … ‖ memberₙ ")" where each member is written as type ‖ " " ‖
 * name. ... If the struct type references other struct types (and these in
 * turn reference even more struct types), then the set of referenced
 * struct types is collected, sorted by name and appended to the encoding." */
static void encode_type(const e712_ctx *c, size_t primary, e712_sink *s)
{
    bool seen[LM_EIP712_MAX_TYPES] = {0};
    size_t order[LM_EIP712_MAX_TYPES];
    size_t n = 0;
    collect_deps(c, primary, seen);
    seen[primary] = false;
    for (size_t i = 0; i < c->n; i++)
        if (seen[i])
            order[n++] = i;
    /* Names are ASCII identifiers, so strcmp orders them as JavaScript's
     * default sort does (by UTF-16 code unit). Insertion sort: n <= 64, and
     * qsort has no context argument. */
    for (size_t i = 1; i < n; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && strcmp(c->t[order[j - 1]].name, c->t[v].name) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    for (size_t m = 0; m <= n; m++) {
        const e712_type *ty = &c->t[m == 0 ? primary : order[m - 1]];
        sink_put(s, ty->name, ty->name_len);
        sink_put(s, "(", 1);
        size_t k;
        json_t *field;
        json_array_foreach(ty->fields, k, field) {
            json_t *jn = json_object_get(field, "name"), *jt = json_object_get(field, "type");
            if (k)
                sink_put(s, ",", 1);
            sink_put(s, json_string_value(jt), json_string_length(jt));
            sink_put(s, " ", 1);
            sink_put(s, json_string_value(jn), json_string_length(jn));
        }
        sink_put(s, ")", 1);
    }
}

static const uint8_t *type_hash(e712_ctx *c, size_t i)
{
    e712_type *ty = &c->t[i];
    if (!ty->have_hash) {
        lm_keccak k;
        lm_keccak_init(&k);
        e712_sink s = {.k = &k};
        encode_type(c, i, &s);
        lm_keccak_final(&k, ty->type_hash);
        ty->have_hash = true;
    }
    return ty->type_hash;
}

/* --- 256-bit integers ----------------------------------------------------------- */

/* A magnitude in eight 32-bit limbs, least significant first. */
typedef struct e712_u256 {
    uint32_t l[8];
} e712_u256;

/* x = x * m + a. Returns false on overflow past 2^256. */
static bool u256_mul_add(e712_u256 *x, uint32_t m, uint32_t a)
{
    uint64_t carry = a;
    for (int i = 0; i < 8; i++) {
        uint64_t t = (uint64_t)x->l[i] * m + carry;
        x->l[i] = (uint32_t)t;
        carry = t >> 32;
    }
    return carry == 0;
}

/* Returns: x < 2^bits (bits <= 256). */
static bool u256_below_pow2(const e712_u256 *x, unsigned bits)
{
    for (unsigned i = bits / 32; i < 8; i++) {
        uint32_t limb = x->l[i];
        if (i == bits / 32)
            limb >>= bits % 32; /* bits % 32 < 32 */
        if (limb)
            return false;
    }
    return true;
}

static bool u256_is_zero(const e712_u256 *x)
{
    uint32_t acc = 0;
    for (int i = 0; i < 8; i++)
        acc |= x->l[i];
    return acc == 0;
}

static void u256_dec(e712_u256 *x) /* x > 0 */
{
    for (int i = 0; i < 8; i++)
        if (x->l[i]-- != 0)
            break;
}

static int hex_val(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Reads an integer value as ethers does (getBigInt): a JSON integer (a
 * JavaScript number, so at most 2^53 - 1 in size), a decimal string, or a
 * 0x hex string, either string with one leading '-'. Stricter than
 * JavaScript's BigInt(): no whitespace, no 0b/0o, no empty digits. */
static lm_code read_integer(e712_ctx *c, const json_t *v, bool *neg, e712_u256 *mag)
{
    memset(mag, 0, sizeof *mag);
    *neg = false;
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x > JS_MAX_SAFE_INTEGER || x < -JS_MAX_SAFE_INTEGER)
            return fail(c, LM_EINVAL,
                        "JSON number %lld is beyond 2^53 - 1, which JavaScript wallets cannot hold exactly; "
                        "give it as a string", (long long)x);
        *neg = x < 0;
        uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
        mag->l[0] = (uint32_t)u;
        mag->l[1] = (uint32_t)(u >> 32);
        return LM_OK;
    }
    if (!json_is_string(v))
        return fail(c, LM_EINVAL, "expected an integer (a JSON integer, a decimal string or a 0x string)");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    size_t i = 0;
    if (n > 0 && s[0] == '-') {
        *neg = true;
        i = 1;
    }
    bool hex = n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
    if (hex)
        i += 2;
    if (i == n)
        return fail(c, LM_EINVAL, "\"%.*s\" is not an integer", (int)(n > 80 ? 80 : n), s);
    for (; i < n; i++) {
        int d = hex ? hex_val(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
        if (d < 0)
            return fail(c, LM_EINVAL, "bad digit in integer \"%.*s\"", (int)(n > 80 ? 80 : n), s);
        if (!u256_mul_add(mag, hex ? 16 : 10, (uint32_t)d))
            return fail(c, LM_EOVERFLOW, "integer does not fit in 256 bits");
    }
    return LM_OK;
}

/* "Integer values are sign-extended to 256-bit and encoded in big endian
 * order." Checks the range of uintN / intN first. */
static lm_code encode_integer(e712_ctx *c, const json_t *v, bool is_signed, unsigned bits, uint8_t out[32])
{
    bool neg;
    e712_u256 mag;
    lm_code rc = read_integer(c, v, &neg, &mag);
    if (rc != LM_OK)
        return rc;
    if (neg && u256_is_zero(&mag))
        neg = false; /* "-0" */
    bool ok;
    if (!is_signed) {
        ok = !neg && u256_below_pow2(&mag, bits);
    } else if (!neg) {
        ok = u256_below_pow2(&mag, bits - 1);
    } else {
        e712_u256 m1 = mag; /* -2^(bits-1) <= -mag  <=>  mag - 1 < 2^(bits-1) */
        u256_dec(&m1);
        ok = u256_below_pow2(&m1, bits - 1);
    }
    if (!ok)
        return fail(c, LM_EOVERFLOW, "value out of range for %sint%u", is_signed ? "" : "u", bits);
    for (int i = 0; i < 8; i++)
        lm_store_be32(out + 28 - 4 * i, mag.l[i]);
    if (neg) { /* two's complement: invert and add one */
        unsigned carry = 1;
        for (int i = 31; i >= 0; i--) {
            unsigned b = (uint8_t)~out[i] + carry;
            out[i] = (uint8_t)b;
            carry = b >> 8;
        }
    }
    return LM_OK;
}

/* Checks "0x" + even hex digits. Out: the byte count. */
static lm_code check_hex(e712_ctx *c, const json_t *v, size_t *nbytes)
{
    if (!json_is_string(v))
        return fail(c, LM_EINVAL, "expected a 0x hex string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n < 2 || s[0] != '0' || s[1] != 'x')
        return fail(c, LM_EINVAL, "expected a 0x hex string");
    if (n % 2)
        return fail(c, LM_EINVAL, "odd number of hex digits");
    for (size_t i = 2; i < n; i++)
        if (hex_val(s[i]) < 0)
            return fail(c, LM_EINVAL, "bad hex digit at offset %zu", i);
    *nbytes = (n - 2) / 2;
    return LM_OK;
}

static void hex_bytes(uint8_t *out, const char *hex, size_t nbytes)
{
    for (size_t i = 0; i < nbytes; i++)
        out[i] = (uint8_t)(hex_val(hex[2 * i]) << 4 | hex_val(hex[2 * i + 1]));
}

/* --- encodeData ------------------------------------------------------------------ */

static lm_code hash_struct(e712_ctx *c, size_t idx, const json_t *value, uint8_t out[32]);

/* Encodes one value of type p[0..n) as its 32-byte word in encodeData. */
static lm_code encode_value(e712_ctx *c, const char *p, size_t n, const json_t *v, uint8_t out[32])
{
    e712_tref t;
    lm_code rc = parse_type(c, p, n, &t);
    if (rc != LM_OK)
        return rc;
    if (!v || json_is_null(v))
        return fail(c, LM_EINVAL, "missing value");
    memset(out, 0, 32);
    switch (t.kind) {
    case K_UINT:
    case K_INT:
        return encode_integer(c, v, t.kind == K_INT, t.width, out);
    case K_BOOL:
        /* "Boolean false and true are encoded as uint256 values 0 and 1". */
        if (!json_is_boolean(v))
            return fail(c, LM_EINVAL, "expected true or false");
        out[31] = json_is_true(v) ? 1 : 0;
        return LM_OK;
    case K_ADDRESS: {
        /* "Addresses are encoded as uint160." Mixed case must be a correct
         * EIP-55 checksum, as ethers' getAddress checks. */
        if (!json_is_string(v))
            return fail(c, LM_EINVAL, "expected an address string");
        lm_address a;
        lm_err aerr;
        if (lm_address_parse(&a, json_string_value(v), json_string_length(v), &aerr) != LM_OK)
            return fail(c, aerr.code, "%s", aerr.msg);
        memcpy(out + 12, a.b, 20);
        return LM_OK;
    }
    case K_BYTES_N: {
        /* "bytes1 to bytes31 are ... zero-padded at the end to bytes32". The
         * value must have exactly N bytes, as ethers requires. */
        size_t nb;
        rc = check_hex(c, v, &nb);
        if (rc != LM_OK)
            return rc;
        if (nb != t.width)
            return fail(c, LM_EINVAL, "expected %u bytes for bytes%u, got %zu", t.width, t.width, nb);
        hex_bytes(out, json_string_value(v) + 2, nb);
        return LM_OK;
    }
    case K_BYTES: {
        /* "The dynamic values bytes and string are encoded as a keccak256
         * hash of their contents." */
        size_t nb;
        rc = check_hex(c, v, &nb);
        if (rc != LM_OK)
            return rc;
        const char *hex = json_string_value(v) + 2;
        lm_keccak k;
        lm_keccak_init(&k);
        uint8_t chunk[64];
        for (size_t off = 0; off < nb; off += sizeof chunk) {
            size_t m = nb - off < sizeof chunk ? nb - off : sizeof chunk;
            hex_bytes(chunk, hex + 2 * off, m);
            lm_keccak_update(&k, chunk, m);
        }
        lm_keccak_final(&k, out);
        return LM_OK;
    }
    case K_STRING:
        if (!json_is_string(v))
            return fail(c, LM_EINVAL, "expected a string");
        lm_keccak256(out, (const uint8_t *)json_string_value(v), json_string_length(v));
        return LM_OK;
    case K_STRUCT:
        return hash_struct(c, t.struct_idx, v, out);
    case K_ARRAY: {
        /* "The array values are encoded as the keccak256 hash of the
         * concatenated encodeData of their contents (i.e. the encoding of
         * SomeType[5] is identical to that of a struct containing five
         * members of type SomeType)." A struct element contributes its
         * hashStruct, as a struct member does (ethers, eth-sig-util). */
        if (!json_is_array(v))
            return fail(c, LM_EINVAL, "expected an array");
        size_t len = json_array_size(v);
        if (t.array_len >= 0 && len != (size_t)t.array_len)
            return fail(c, LM_EINVAL, "array length %zu, type %.*s wants %ld", len, (int)n, p, t.array_len);
        if (++c->depth > LM_EIP712_MAX_DEPTH)
            return fail(c, LM_ETOOLARGE, "nested deeper than %d", LM_EIP712_MAX_DEPTH);
        lm_keccak k;
        lm_keccak_init(&k);
        for (size_t i = 0; i < len; i++) {
            uint8_t w[32];
            size_t mark = path_push(c, "[%zu]", i);
            rc = encode_value(c, t.elem, t.elem_len, json_array_get(v, i), w);
            if (rc != LM_OK)
                return rc;
            path_pop(c, mark);
            lm_keccak_update(&k, w, 32);
        }
        lm_keccak_final(&k, out);
        c->depth--;
        return LM_OK;
    }
    }
    return fail(c, LM_EINVAL, "internal: unhandled type kind");
}

/* "hashStruct(s : 𝕊) = keccak256(typeHash ‖ encodeData(s))"; "The encoding
 * of a struct instance is enc(value₁) ‖ enc(value₂) ‖ … ‖ enc(valueₙ), i.e.
 * the concatenation of the encoded member values in the order that they
 * appear in the type." Every member must be present and no other key. */
static lm_code hash_struct(e712_ctx *c, size_t idx, const json_t *value, uint8_t out[32])
{
    const e712_type *ty = &c->t[idx];
    if (!json_is_object(value))
        return fail(c, LM_EINVAL, "expected an object of type %s", ty->name);
    if (++c->depth > LM_EIP712_MAX_DEPTH)
        return fail(c, LM_ETOOLARGE, "nested deeper than %d", LM_EIP712_MAX_DEPTH);
    lm_keccak k;
    lm_keccak_init(&k);
    lm_keccak_update(&k, type_hash(c, idx), 32);
    size_t i;
    json_t *field;
    json_array_foreach(ty->fields, i, field) {
        json_t *jn = json_object_get(field, "name"), *jt = json_object_get(field, "type");
        const char *fname = json_string_value(jn);
        size_t mark = path_push(c, ".%s", fname);
        json_t *fv = json_object_get(value, fname);
        if (!fv || json_is_null(fv))
            return fail(c, LM_EINVAL, "missing member of %s", ty->name);
        uint8_t w[32];
        lm_code rc = encode_value(c, json_string_value(jt), json_string_length(jt), fv, w);
        if (rc != LM_OK)
            return rc;
        path_pop(c, mark);
        lm_keccak_update(&k, w, 32);
    }
    if (json_object_size(value) != json_array_size(ty->fields)) {
        /* Find a key the type does not declare, for the message. */
        const char *key;
        json_t *kv;
        json_object_foreach((json_t *)value, key, kv) {
            bool known = false;
            json_array_foreach(ty->fields, i, field)
                known = known || strcmp(json_string_value(json_object_get(field, "name")), key) == 0;
            if (!known)
                return fail(c, LM_EINVAL, "\"%.40s\" is not a member of %s", key, ty->name);
        }
        return fail(c, LM_EINVAL, "object has keys that are not members of %s", ty->name);
    }
    lm_keccak_final(&k, out);
    c->depth--;
    return LM_OK;
}

/* --- documents ------------------------------------------------------------------- */

static void ctx_init(e712_ctx *c, lm_err *err)
{
    c->n = 0;
    c->path[0] = '\0';
    c->path_len = 0;
    c->depth = 0;
    c->err = err;
}

/* ethers' order of the domain fields and their types (EIP-712: "The
 * EIP712Domain fields should be the order as above, skipping any absent
 * fields."). */
static const struct {
    const char *name, *type;
} domain_fields[] = {
    {"name", "string"},
    {"version", "string"},
    {"chainId", "uint256"},
    {"verifyingContract", "address"},
    {"salt", "bytes32"},
};

/* Makes the EIP712Domain type from the domain's keys, as ethers'
 * TypedDataEncoder.hashDomain does: null values are skipped, unknown keys
 * refused. Out: *fields_out (the member array) and *domain_out (a copy of
 * the domain without null values), both owned by the caller. The caller's
 * document is not touched, not even its reference counts. */
static lm_code implicit_domain(e712_ctx *c, const json_t *domain, json_t **fields_out, json_t **domain_out)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)domain, key, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof domain_fields / sizeof domain_fields[0]; i++)
            known = known || strcmp(key, domain_fields[i].name) == 0;
        if (!known)
            return fail(c, LM_EINVAL, "domain: unknown field \"%.40s\" (types has no EIP712Domain)", key);
    }
    json_t *fields = json_array();
    json_t *d = json_object();
    if (!fields || !d)
        goto nomem;
    for (size_t i = 0; i < sizeof domain_fields / sizeof domain_fields[0]; i++) {
        v = json_object_get(domain, domain_fields[i].name);
        if (!v || json_is_null(v))
            continue;
        /* both _new calls take their argument, also on failure */
        if (json_array_append_new(fields, json_pack("{s:s,s:s}", "name", domain_fields[i].name, "type",
                                                    domain_fields[i].type)) ||
            json_object_set_new(d, domain_fields[i].name, json_deep_copy(v)))
            goto nomem;
    }
    *fields_out = fields;
    *domain_out = d;
    return LM_OK;
nomem:
    json_decref(fields);
    json_decref(d);
    return fail(c, LM_ENOMEM, "out of memory");
}

lm_code lm_eip712_hash_typed_data(lm_eip712_hashes *out, const json_t *doc, lm_err *err)
{
    e712_ctx c;
    ctx_init(&c, err);
    if (!json_is_object(doc))
        return fail(&c, LM_EINVAL, "typed data must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)doc, key, v) {
        if (strcmp(key, "types") && strcmp(key, "primaryType") && strcmp(key, "domain") && strcmp(key, "message"))
            return fail(&c, LM_EINVAL, "unknown key \"%.40s\" (expected types, primaryType, domain, message)", key);
    }
    const json_t *types = json_object_get(doc, "types");
    const json_t *primary = json_object_get(doc, "primaryType");
    const json_t *domain = json_object_get(doc, "domain");
    const json_t *message = json_object_get(doc, "message");
    if (!json_is_object(types))
        return fail(&c, LM_EINVAL, "\"types\" must be an object");
    if (!json_is_string(primary))
        return fail(&c, LM_EINVAL, "\"primaryType\" must be a string");
    if (!json_is_object(domain))
        return fail(&c, LM_EINVAL, "\"domain\" must be an object");
    if (!json_is_object(message))
        return fail(&c, LM_EINVAL, "\"message\" must be an object");
    if (strcmp(json_string_value(primary), "EIP712Domain") == 0)
        return fail(&c, LM_EINVAL, "primaryType EIP712Domain (signing the domain alone) is not supported");

    json_t *own_fields = NULL, *own_domain = NULL;
    if (!json_object_get(types, "EIP712Domain")) {
        lm_code rc = implicit_domain(&c, domain, &own_fields, &own_domain);
        if (rc != LM_OK)
            return rc;
        domain = own_domain;
    }
    lm_eip712_hashes h;
    lm_code rc = load_types(&c, types, own_fields);
    size_t idx = 0;
    if (rc == LM_OK && !find_struct(&c, "EIP712Domain", 12, &idx))
        rc = fail(&c, LM_EINVAL, "internal: no EIP712Domain");
    if (rc == LM_OK) {
        size_t mark = path_push(&c, "domain");
        rc = hash_struct(&c, idx, domain, h.domain_separator);
        if (rc == LM_OK)
            path_pop(&c, mark);
    }
    if (rc == LM_OK) {
        const char *pname = json_string_value(primary);
        if (!find_struct(&c, pname, json_string_length(primary), &idx))
            rc = fail(&c, LM_EINVAL, "primaryType \"%.40s\" is not a struct type in \"types\"", pname);
    }
    if (rc == LM_OK) {
        size_t mark = path_push(&c, "message");
        rc = hash_struct(&c, idx, message, h.struct_hash);
        if (rc == LM_OK)
            path_pop(&c, mark);
    }
    json_decref(own_fields);
    json_decref(own_domain);
    if (rc != LM_OK)
        return rc;
    lm_eip712_digest(h.digest, h.domain_separator, h.struct_hash);
    *out = h;
    return LM_OK;
}

lm_code lm_eip712_hash_typed_data_text(lm_eip712_hashes *out, const char *text, size_t len, lm_err *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return lm_err_set(err, LM_EINVAL, "eip712: bad JSON at line %d column %d: %s", jerr.line, jerr.column,
                          jerr.text);
    lm_code rc = lm_eip712_hash_typed_data(out, doc, err);
    json_decref(doc);
    return rc;
}

lm_code lm_eip712_hash_struct_json(uint8_t out[32], const json_t *types, const char *type_name,
                                   const json_t *value, lm_err *err)
{
    e712_ctx c;
    ctx_init(&c, err);
    lm_code rc = load_types(&c, types, NULL);
    if (rc != LM_OK)
        return rc;
    size_t idx;
    if (!find_struct(&c, type_name, strlen(type_name), &idx))
        return fail(&c, LM_EINVAL, "\"%.40s\" is not a struct type in \"types\"", type_name);
    uint8_t h[32];
    size_t mark = path_push(&c, "value");
    rc = hash_struct(&c, idx, value, h);
    if (rc != LM_OK)
        return rc;
    path_pop(&c, mark);
    memcpy(out, h, 32);
    return LM_OK;
}

lm_code lm_eip712_encode_type(char *out, size_t out_cap, size_t *out_len, const json_t *types,
                              const char *type_name, lm_err *err)
{
    e712_ctx c;
    ctx_init(&c, err);
    lm_code rc = load_types(&c, types, NULL);
    if (rc != LM_OK)
        return rc;
    size_t idx;
    if (!find_struct(&c, type_name, strlen(type_name), &idx))
        return fail(&c, LM_EINVAL, "\"%.40s\" is not a struct type in \"types\"", type_name);
    e712_sink s = {.buf = out, .cap = out_cap};
    encode_type(&c, idx, &s);
    if (s.len >= out_cap)
        return fail(&c, LM_ESPACE, "encodeType needs %zu bytes and a NUL, have %zu", s.len, out_cap);
    out[s.len] = '\0';
    *out_len = s.len;
    return LM_OK;
}
