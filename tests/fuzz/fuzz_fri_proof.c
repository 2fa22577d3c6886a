/* Fuzz target: the FRI proof decoder and verifier (lamina/fri.h).
 *
 * The input is an encoded FRI proof for fixed parameters (a domain of 2^7
 * points, blowup 4, final length 2, 4 queries, 3 grinding bits — those of the
 * committed corpus). lm_fri_proof_read must either fail with a message whose
 * code matches its return value, or give a proof that re-encodes to exactly
 * the input; a decoded proof is then verified against a fresh transcript,
 * which must return without crashing (and set a message on failure).
 * Mismatches abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/fri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const lm_fri_params fp = {2, 1, 4, 3};
    const unsigned log_n = 7;
    lm_fri_proof p;
    lm_err err;
    int rc = lm_fri_proof_read(&p, &fp, log_n, data, size, &err);
    if (rc != LM_OK) {
        if ((int)err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    /* canonical encoding: what decodes encodes back to the same bytes */
    size_t n = lm_fri_proof_size(&p), len;
    uint8_t *enc = malloc(n + 1);
    if (enc == NULL || n != size || lm_fri_proof_write(enc, n, &len, &p, NULL) != LM_OK || len != size ||
        memcmp(enc, data, size) != 0)
        abort();
    free(enc);
    lm_transcript t;
    lm_transcript_init(&t, (const uint8_t *)"lamina-fri-test", 15);
    rc = lm_fri_verify(&fp, &t, &p, log_n, NULL, NULL, &err);
    if (rc != LM_OK && ((int)err.code != rc || err.msg[0] == '\0'))
        abort();
    lm_fri_proof_free(&p);
    return 0;
}
