/* The Solidity contract ABI: type descriptors, encoding, strict decoding,
 * function selectors (Solidity docs, "Contract ABI Specification").
 *
 * Types are trees parsed once from their canonical text, e.g.
 * "(uint256,address,bytes,(uint8,string)[])", into an arena. Values are
 * trees of lm_abi_value that mirror the type: a number for uintN/intN, 20
 * bytes for an address, a span for bytes/string, a list of child values for
 * arrays and tuples. A contract-binding layer typically does:
 *
 *     lm_abi_function f;       // name, argument tuple type, selector
 *     rc = lm_abi_function_parse(&f, &arena, "transfer(address,uint256)", 25, err);
 *     lm_abi_value args[2] = {lm_abi_address(to), lm_abi_uint(amount)};
 *     lm_abi_value call = lm_abi_tuple(args, 2);
 *     rc = lm_abi_encode_call(buf, cap, &len, &f, &call, err);
 *
 *     const lm_abi_type *ret;  // return data
 *     rc = lm_abi_type_parse(&ret, &arena, "(bool)", 6, err);
 *     rc = lm_abi_decode(&out, &arena, ret, data, data_len, NULL, err);
 *     ok = out.u.list.items[0].u.boolean;
 *
 * Supported: uint8..uint256, int8..int256 (two's complement, sign-extended),
 * address, bool, bytes1..bytes32, bytes, string, T[k], T[], tuples — nested
 * to any mix, dynamic inside static and the reverse. Not supported (refused
 * by the parser): fixed/ufixed, function, the aliases uint/int/byte (use the
 * canonical uint256/int256/bytes1), T[0], and the empty tuple except as a
 * whole argument list "()".
 *
 * Decoding is strict by default: the input must be exactly the encoding the
 * specification defines (and Solidity and ethers produce): every offset
 * equal to where the canonical encoder puts that tail, all padding zero,
 * bool 0 or 1, intN properly sign-extended, uintN/address/bytesN with
 * nothing outside their width, no bytes after the value. So decode and
 * encode are inverse bijections. Lenient mode (lm_abi_limits.lenient)
 * accepts what Solidity's abi.decode accepts on offsets: any offset that
 * points after the head of its enclosing tuple and inside the data, plus
 * trailing bytes; every other rule still holds, and a work budget stops
 * inputs whose offsets alias one region many times from blowing up.
 * Every length, count and offset read from the wire is checked against the
 * bytes present and against limits before it is used; arrays are allocated
 * from the arena only after their elements are known to fit in the input. */
#ifndef LAMINA_ABI_H
#define LAMINA_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/arena.h"
#include "lamina/err.h"
#include "lamina/u256.h"

/* ---- types --------------------------------------------------------------- */

typedef enum lm_abi_kind {
    LM_ABI_UINT = 0,    /* uintN */
    LM_ABI_INT,         /* intN */
    LM_ABI_ADDRESS,     /* address (uint160) */
    LM_ABI_BOOL,        /* bool */
    LM_ABI_FIXED_BYTES, /* bytesN, 1 <= N <= 32 */
    LM_ABI_BYTES,       /* bytes */
    LM_ABI_STRING,      /* string (bytes, UTF-8 assumed, not checked) */
    LM_ABI_ARRAY,       /* T[k] */
    LM_ABI_DYN_ARRAY,   /* T[] */
    LM_ABI_TUPLE,       /* (T1,...,Tn) */
} lm_abi_kind;

/* A type node. Built by lm_abi_type_parse; read-only afterwards. */
typedef struct lm_abi_type {
    lm_abi_kind kind;
    unsigned bits;        /* UINT, INT: N; FIXED_BYTES: N (bytes) */
    size_t count;         /* ARRAY: k; TUPLE: number of members */
    const struct lm_abi_type *elem;    /* ARRAY, DYN_ARRAY: element type */
    const struct lm_abi_type *members; /* TUPLE: members[0..count) */
    bool dynamic;         /* the specification's "dynamic" */
    size_t head_size;     /* bytes in the enclosing head: the whole encoding
                             when static, 32 (an offset) when dynamic */
} lm_abi_type;

#define LM_ABI_MAX_TYPE_LEN 8192      /* characters of a type string */
#define LM_ABI_MAX_DEPTH 16           /* nesting of tuples and arrays */
#define LM_ABI_MAX_MEMBERS 256        /* members of one tuple */
#define LM_ABI_MAX_FIXED_COUNT 32768  /* k of T[k] (32768 words = the static cap) */
#define LM_ABI_MAX_STATIC_SIZE (1u << 20) /* bytes of one static type */

/* Parses a canonical type string of exactly len characters (no spaces, no
 * aliases). Nodes are allocated from a and live as long as it does.
 * Out: *out the root.
 * Returns: LM_OK; LM_EINVAL (syntax, unknown or non-canonical type — the
 * message names the offset); LM_ETOOLARGE (a limit above); LM_ENOMEM (arena
 * full). On error the arena may hold garbage from this call: rewind it. */
LM_MUST_CHECK lm_code lm_abi_type_parse(const lm_abi_type **out, lm_arena *a, const char *text,
                                        size_t len, lm_err *err);

/* Writes the canonical text of t to out, NUL-terminated.
 * Out: *out_len the characters written, not counting the NUL (may be NULL).
 * Returns: LM_OK, or LM_ESPACE when out[0..cap) is too small. */
LM_MUST_CHECK lm_code lm_abi_type_format(char *out, size_t cap, size_t *out_len,
                                         const lm_abi_type *t, lm_err *err);

/* ---- functions and selectors --------------------------------------------- */

/* "The first four bytes of the call data for a function call specifies the
 * function to be called. It is the first (left, high-order in big-endian)
 * four bytes of the Keccak-256 hash of the signature of the function." */
void lm_abi_selector(uint8_t out[4], const char *signature, size_t len);

typedef struct lm_abi_function {
    const char *name; /* points into the signature text passed to parse */
    size_t name_len;
    const lm_abi_type *args; /* a tuple */
    uint8_t selector[4];
} lm_abi_function;

/* Parses a canonical signature "name(T1,...,Tn)": an identifier
 * ([A-Za-z_$][A-Za-z0-9_$]*) and a tuple type, and computes its selector.
 * The text must outlive *out (out->name points into it).
 * Returns: as lm_abi_type_parse. */
LM_MUST_CHECK lm_code lm_abi_function_parse(lm_abi_function *out, lm_arena *a, const char *sig,
                                            size_t len, lm_err *err);

/* ---- values -------------------------------------------------------------- */

typedef struct lm_abi_value {
    lm_abi_kind kind; /* the kind of the type it is for (ARRAY and DYN_ARRAY
                         values are interchangeable when encoding) */
    union {
        lm_u256 num;         /* UINT; INT in two's complement (256 bits) */
        bool boolean;        /* BOOL */
        uint8_t address[20]; /* ADDRESS */
        uint8_t fixed[32];   /* FIXED_BYTES: fixed[0..N), the rest zero */
        struct {
            const uint8_t *data; /* BYTES, STRING: not owned */
            size_t len;
        } bytes;
        struct {
            const struct lm_abi_value *items; /* ARRAY, DYN_ARRAY, TUPLE: not owned */
            size_t count;
        } list;
    } u;
} lm_abi_value;

static inline lm_abi_value lm_abi_uint(lm_u256 v)
{
    return (lm_abi_value){.kind = LM_ABI_UINT, .u.num = v};
}
static inline lm_abi_value lm_abi_uint64(uint64_t v) { return lm_abi_uint(lm_u256_from_u64(v)); }
/* v is the 256-bit two's complement of the signed value. */
static inline lm_abi_value lm_abi_int(lm_u256 v)
{
    return (lm_abi_value){.kind = LM_ABI_INT, .u.num = v};
}
static inline lm_abi_value lm_abi_int64(int64_t v)
{
    uint64_t s = v < 0 ? UINT64_MAX : 0;
    return lm_abi_int((lm_u256){{(uint64_t)v, s, s, s}});
}
static inline lm_abi_value lm_abi_bool(bool b)
{
    return (lm_abi_value){.kind = LM_ABI_BOOL, .u.boolean = b};
}
lm_abi_value lm_abi_address(const uint8_t addr[20]);
/* n <= 32 bytes; bytes after n are zero. */
lm_abi_value lm_abi_fixed_bytes(const uint8_t *data, size_t n);
static inline lm_abi_value lm_abi_bytes(const uint8_t *data, size_t len)
{
    return (lm_abi_value){.kind = LM_ABI_BYTES, .u.bytes = {data, len}};
}
static inline lm_abi_value lm_abi_string(const char *s, size_t len)
{
    return (lm_abi_value){.kind = LM_ABI_STRING, .u.bytes = {(const uint8_t *)s, len}};
}
static inline lm_abi_value lm_abi_array(const lm_abi_value *items, size_t count)
{
    return (lm_abi_value){.kind = LM_ABI_DYN_ARRAY, .u.list = {items, count}};
}
static inline lm_abi_value lm_abi_tuple(const lm_abi_value *items, size_t count)
{
    return (lm_abi_value){.kind = LM_ABI_TUPLE, .u.list = {items, count}};
}

/* Returns: true when a and b are the same value of type t (lists compared
 * element by element, bytes by content). Values that do not fit t compare
 * unequal. */
bool lm_abi_value_eq(const lm_abi_type *t, const lm_abi_value *a, const lm_abi_value *b);

/* ---- encoding ------------------------------------------------------------ */

/* Checks that v is a value of type t and computes the size of enc(v).
 * Returns: LM_OK; LM_EINVAL (a value of the wrong kind, a T[k] or tuple with
 * the wrong number of items); LM_EOVERFLOW (a number too wide for uintN or
 * out of range for intN); LM_ETOOLARGE (the size overflows size_t). */
LM_MUST_CHECK lm_code lm_abi_encoded_size(size_t *out, const lm_abi_type *t, const lm_abi_value *v,
                                          lm_err *err);

/* Writes enc(v) to out[0..cap).
 * Out: *out_len its length.
 * Returns: as lm_abi_encoded_size, or LM_ESPACE when cap is too small
 * (nothing is written then). */
LM_MUST_CHECK lm_code lm_abi_encode(uint8_t *out, size_t cap, size_t *out_len,
                                    const lm_abi_type *t, const lm_abi_value *v, lm_err *err);

/* Writes selector ‖ enc(args), args a tuple value for f->args. */
LM_MUST_CHECK lm_code lm_abi_encode_call(uint8_t *out, size_t cap, size_t *out_len,
                                         const lm_abi_function *f, const lm_abi_value *args,
                                         lm_err *err);

/* ---- decoding ------------------------------------------------------------ */

typedef struct lm_abi_limits {
    size_t max_len;   /* largest bytes/string length and array count */
    bool lenient;     /* see the top of this file */
} lm_abi_limits;

#define LM_ABI_DEFAULT_MAX_LEN ((size_t)16 << 20)
/* Lenient mode may visit at most this many times the input's bytes. */
#define LM_ABI_WORK_FACTOR 8

/* Decodes data[0..len) as a value of type t. limits may be NULL (strict,
 * LM_ABI_DEFAULT_MAX_LEN).
 * Out: *out; its lists are allocated from a, its bytes/string spans point
 * into data: both must outlive *out.
 * Returns: LM_OK; LM_ETRUNC (data ends inside the value); LM_EINVAL (an
 * offset out of range or into a head, non-zero padding, a bool not 0/1, an
 * int not sign-extended, a number wider than its type); LM_ENONCANON (strict
 * mode: an offset that is in range but not the canonical one); LM_ETRAILING
 * (strict mode: bytes after the value); LM_ETOOLARGE (a length or count
 * above limits, or the lenient work budget spent); LM_ENOMEM (arena full).
 * The message names the offset in data where the problem is. */
LM_MUST_CHECK lm_code lm_abi_decode(lm_abi_value *out, lm_arena *a, const lm_abi_type *t,
                                    const uint8_t *data, size_t len, const lm_abi_limits *limits,
                                    lm_err *err);

/* Checks data starts with f's selector (LM_EINVAL otherwise) and decodes
 * the rest as f->args. */
LM_MUST_CHECK lm_code lm_abi_decode_call(lm_abi_value *out, lm_arena *a, const lm_abi_function *f,
                                         const uint8_t *data, size_t len,
                                         const lm_abi_limits *limits, lm_err *err);

#endif
