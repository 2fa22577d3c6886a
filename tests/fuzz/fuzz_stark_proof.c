/* Fuzz target: the STARK proof decoder and verifier (lamina/stark.h).
 *
 * The input is an encoded proof for a fixed statement: the Fibonacci AIR
 * (a' = b, b' = a + b) over 2^3 rows with a_0 = b_0 = 1 and b_7 = 34,
 * blowup 4, final length 2, 3 queries, 1 grinding bit — those of the
 * committed corpus. lm_stark_proof_read must either fail with a message whose
 * code matches its return value, or give a proof that re-encodes to exactly
 * the input; a decoded proof is then verified, which must return without
 * crashing and with a consistent error. Mismatches abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/stark.h"

static void fib_eval(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next)
{
    (void)ctx;
    out[0] = lm_gl3_sub(next[0], cur[1]);
    out[1] = lm_gl3_sub(next[1], lm_gl3_add(cur[0], cur[1]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const lm_air_boundary bnd[3] = {{0, 0, 1}, {1, 0, 1}, {1, 7, 34}};
    const lm_air air = {"fibonacci", 2, 2, 1, fib_eval, NULL, bnd, 3};
    const lm_fri_params fp = {2, 1, 3, 1};
    lm_stark_proof p;
    lm_err err;
    int rc = lm_stark_proof_read(&p, &air, &fp, 3, data, size, &err);
    if (rc != LM_OK) {
        if ((int)err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    size_t n = lm_stark_proof_size(&p), len;
    uint8_t *enc = malloc(n + 1);
    if (enc == NULL || n != size || lm_stark_proof_write(enc, n, &len, &p, NULL) != LM_OK || len != size ||
        memcmp(enc, data, size) != 0)
        abort();
    free(enc);
    rc = lm_stark_verify(&air, &fp, 3, &p, &err);
    if (rc != LM_OK && ((int)err.code != rc || err.msg[0] == '\0'))
        abort();
    lm_stark_proof_free(&p);
    return 0;
}
