/* Reading the vector files that tests/ethers/gen_<name>.js write to
 * LM_BINARY_DIR "/vectors/<name>.json" (ctest runs the generator first, as
 * a fixture of test_<name>_ethers) and the fields in them. Header-only;
 * include it after <cmocka.h>'s prerequisites as "../ethers_vectors.h". */
#ifndef LM_TESTS_ETHERS_VECTORS_H
#define LM_TESTS_ETHERS_VECTORS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"

/* Loads vectors/<name>.json with the jansson flags. Returns the document
 * (the caller's reference), or NULL after a line on stderr saying how to
 * make it (for a cmocka group setup). */
static inline json_t *ev_try_load(const char *name, size_t flags)
{
    char path[512];
    snprintf(path, sizeof path, "%s/vectors/%s.json", LM_BINARY_DIR, name);
    json_error_t jerr;
    json_t *root = json_load_file(path, flags, &jerr);
    if (!root)
        fprintf(stderr, "cannot read %s: %s (run ctest, which runs tests/ethers/gen_%s.js first)\n", path,
                jerr.text, name);
    return root;
}

/* ev_try_load, failing the running test when the file cannot be read. */
static inline json_t *ev_load(const char *name, size_t flags)
{
    json_t *root = ev_try_load(name, flags);
    if (!root)
        fail_msg("no vectors/%s.json", name);
    return root;
}

/* The string obj[key], "0x" + 2n hex digits, into out[0..n). Fails the
 * test when it is missing or not exactly that. */
static inline void ev_get_hex(uint8_t *out, size_t n, const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    lm_err err;
    if (!s || lm_hex_decode_exact(out, n, s, strlen(s), LM_HEX_PREFIX_REQUIRED, &err) != LM_OK)
        fail_msg("vector field %s is not %zu bytes of hex", key, n);
}

/* The string obj[key], a uint64 as "0x" + 16 hex digits. */
static inline uint64_t ev_get_u64(const json_t *obj, const char *key)
{
    uint8_t b[8];
    ev_get_hex(b, 8, obj, key);
    return lm_load_be64(b);
}

#endif
