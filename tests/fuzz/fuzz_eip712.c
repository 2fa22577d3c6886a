/* Fuzz target: EIP-712 typed-data JSON text. Any input must give LM_OK or
 * an error with a message, never a crash; an accepted document hashes the
 * same twice and its digest follows from its two halves. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/eip712.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lm_eip712_hashes a, b;
    lm_err err;
    lm_code rc = lm_eip712_hash_typed_data_text(&a, (const char *)data, size, &err);
    if (rc != LM_OK) {
        if (err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (lm_eip712_hash_typed_data_text(&b, (const char *)data, size, NULL) != LM_OK ||
        memcmp(&a, &b, sizeof a) != 0)
        abort();
    uint8_t d[32];
    lm_eip712_digest(d, a.domain_separator, a.struct_hash);
    if (memcmp(d, a.digest, 32) != 0)
        abort();
    return 0;
}
