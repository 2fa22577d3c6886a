/* Committed STARK proofs that independent checkers read (the fuzz corpus
 * seeds, the Python models' vectors): proofs are deterministic, so the file
 * must equal a fresh proof byte for byte. With LM_STARK_WRITE_CORPUS=1 in
 * the environment the file is rewritten instead (after a change of format
 * or transcript). For cmocka tests; include after <cmocka.h>. */
#ifndef LAMINA_TESTS_PROOF_FILE_H
#define LAMINA_TESTS_PROOF_FILE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/stark.h"

static inline void check_proof_file(const lm_stark_proof *p, const char *path)
{
    size_t n = lm_stark_proof_size(p), len;
    uint8_t *b = malloc(n), *f = malloc(n + 1);
    assert_non_null(b);
    assert_non_null(f);
    assert_int_equal(lm_stark_proof_write(b, n, &len, p, NULL), LM_OK);
    const char *wr = getenv("LM_STARK_WRITE_CORPUS");
    bool write = wr != NULL && wr[0] == '1';
    FILE *fh = fopen(path, write ? "wb" : "rb");
    if (fh == NULL)
        fail_msg("cannot open %s", path);
    if (write) {
        assert_int_equal(fwrite(b, 1, n, fh), n);
    } else {
        size_t got = fread(f, 1, n + 1, fh);
        if (got != n || memcmp(f, b, n) != 0)
            fail_msg("%s differs from a fresh proof (LM_STARK_WRITE_CORPUS=1 rewrites it)", path);
    }
    fclose(fh);
    free(b);
    free(f);
}

#endif
