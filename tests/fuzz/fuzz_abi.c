/* Fuzz target: lamina/abi.h.
 *
 * The first input byte picks a type from the table below; 0xff instead
 * takes the type text from the input up to a newline (fuzzing the type
 * parser too: a type that parses must format back to the same text). The
 * rest is decoded:
 *   - strictly: success means the input is the canonical encoding, so
 *     re-encoding the value must give back exactly those bytes;
 *   - leniently: success means the value must encode, and that encoding
 *     must decode strictly to an equal value.
 * Refusals must carry their code and a message. Mismatches abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/abi.h"

static const char *const types[] = {
    "(uint256)",
    "(bool,address)",
    "(int8,int256)",
    "(bytes)",
    "(string)",
    "(uint256[])",
    "(bytes3[2])",
    "(bytes,bool,uint256[])",
    "(uint256,uint32[],bytes10,bytes)",
    "(uint256[][],string[])",
    "((uint8,string)[])",
    "(uint256,address,bytes,(uint8,string)[])",
    "(string[2],bytes[])",
    "((bool,bytes32)[2],int64[])",
    "()",
    "(uint8[3][2],(int24,string)[])",
};
#define N_TYPES (sizeof types / sizeof types[0])

static _Alignas(64) uint8_t arena_buf[4 << 20];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    lm_arena a;
    lm_arena_init(&a, arena_buf, sizeof arena_buf);
    lm_err err;
    const lm_abi_type *t;
    const uint8_t *body;
    size_t body_len;
    if (data[0] == 0xff) {
        const uint8_t *nl = memchr(data + 1, '\n', size - 1);
        size_t tl = nl ? (size_t)(nl - data - 1) : size - 1;
        const char *text = (const char *)data + 1;
        lm_code rc = lm_abi_type_parse(&t, &a, text, tl, &err);
        if (rc != LM_OK) {
            if (err.code != rc || err.msg[0] == '\0')
                abort();
            return 0;
        }
        char back[LM_ABI_MAX_TYPE_LEN + 1];
        size_t bl;
        if (lm_abi_type_format(back, sizeof back, &bl, t, &err) != LM_OK || bl != tl ||
            memcmp(back, text, tl) != 0)
            abort();
        body = nl ? nl + 1 : data + size;
        body_len = (size_t)(data + size - body);
    } else {
        const char *text = types[data[0] % N_TYPES];
        if (lm_abi_type_parse(&t, &a, text, strlen(text), &err) != LM_OK)
            abort();
        body = data + 1;
        body_len = size - 1;
    }
    size_t mark = lm_arena_mark(&a);

    lm_abi_value v;
    lm_code rc = lm_abi_decode(&v, &a, t, body, body_len, NULL, &err);
    if (rc == LM_OK) {
        size_t n;
        uint8_t *out = malloc(body_len ? body_len : 1);
        if (!out)
            return 0;
        if (lm_abi_encode(out, body_len, &n, t, &v, &err) != LM_OK || n != body_len ||
            memcmp(out, body, n) != 0)
            abort();
        free(out);
    } else if (err.code != rc || err.msg[0] == '\0') {
        abort();
    }

    lm_arena_rewind(&a, mark);
    lm_abi_limits lenient = {LM_ABI_DEFAULT_MAX_LEN, true};
    rc = lm_abi_decode(&v, &a, t, body, body_len, &lenient, &err);
    if (rc != LM_OK) {
        if (err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    size_t n;
    if (lm_abi_encoded_size(&n, t, &v, &err) != LM_OK)
        abort();
    uint8_t *out = malloc(n ? n : 1);
    if (!out)
        return 0;
    size_t got;
    lm_abi_value again;
    if (lm_abi_encode(out, n, &got, t, &v, &err) != LM_OK || got != n)
        abort();
    rc = lm_abi_decode(&again, &a, t, out, n, NULL, &err);
    if (rc != LM_ENOMEM && (rc != LM_OK || !lm_abi_value_eq(t, &v, &again)))
        abort();
    free(out);
    return 0;
}
