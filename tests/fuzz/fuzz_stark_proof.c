/* Fuzz target: the STARK proof decoder and verifier (lamina/stark.h).
 *
 * The input is an encoded proof for one of two fixed statements, tried
 * against each, with blowup 4, final length 2, 3 queries and 1 grinding bit
 * (those of the committed corpus, which tests/unit/test_stark.c regenerates):
 *   - the Fibonacci AIR (a' = b, b' = a + b) over 2^3 rows with
 *     a_0 = b_0 = 1 and b_7 = 34;
 *   - the periodic counter over 2^4 rows: c' = (c + 1)(1 - sel),
 *     a' = a + k c, periodic sel = (0,0,0,0,0,0,0,1) and k = (5,7,11,13),
 *     c_0 = a_0 = 0, a_15 = 469.
 * lm_stark_proof_read must either fail with a message whose code matches
 * its return value, or give a proof that re-encodes to exactly the input;
 * a decoded proof is then verified, which must return without crashing and
 * with a consistent error. Mismatches abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/stark.h"

static void fib_eval(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next, const lm_gl3 *per)
{
    (void)ctx;
    (void)per;
    out[0] = lm_gl3_sub(next[0], cur[1]);
    out[1] = lm_gl3_sub(next[1], lm_gl3_add(cur[0], cur[1]));
}

static void pc_eval(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next, const lm_gl3 *per)
{
    (void)ctx;
    lm_gl3 one = lm_gl3_from_base(1);
    out[0] = lm_gl3_sub(next[0], lm_gl3_mul(lm_gl3_add(cur[0], one), lm_gl3_sub(one, per[0])));
    out[1] = lm_gl3_sub(next[1], lm_gl3_add(cur[1], lm_gl3_mul(per[1], cur[0])));
}

static void one_statement(const lm_air *air, unsigned log_h, const uint8_t *data, size_t size)
{
    const lm_fri_params fp = {2, 1, 3, 1};
    lm_stark_proof p;
    lm_err err;
    int rc = lm_stark_proof_read(&p, air, &fp, log_h, data, size, &err);
    if (rc != LM_OK) {
        if ((int)err.code != rc || err.msg[0] == '\0')
            abort();
        return;
    }
    size_t n = lm_stark_proof_size(&p), len;
    uint8_t *enc = malloc(n + 1);
    if (enc == NULL || n != size || lm_stark_proof_write(enc, n, &len, &p, NULL) != LM_OK || len != size ||
        memcmp(enc, data, size) != 0)
        abort();
    free(enc);
    rc = lm_stark_verify(air, &fp, log_h, &p, &err);
    if (rc != LM_OK && ((int)err.code != rc || err.msg[0] == '\0'))
        abort();
    lm_stark_proof_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const lm_air_boundary fib_bnd[3] = {{0, 0, 1}, {1, 0, 1}, {1, 7, 34}};
    const lm_air fib = {"fibonacci", 2, 2, 1, fib_eval, NULL, fib_bnd, 3, NULL, 0, NULL};
    one_statement(&fib, 3, data, size);
    static const lm_air_boundary pc_bnd[3] = {{0, 0, 0}, {1, 0, 0}, {1, 15, 469}};
    static const lm_gl sel[8] = {0, 0, 0, 0, 0, 0, 0, 1}, k[4] = {5, 7, 11, 13};
    static const lm_air_periodic per[2] = {{3, sel}, {2, k}};
    const lm_air pc = {"periodic-counter", 2, 2, 2, pc_eval, NULL, pc_bnd, 3, per, 2, NULL};
    one_statement(&pc, 4, data, size);
    return 0;
}
