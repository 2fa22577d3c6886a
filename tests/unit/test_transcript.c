/* Unit tests for the Fiat-Shamir transcript (include/lamina/transcript.h,
 * src/stark/transcript.c).
 *
 * Known answers: tests/vectors/transcript_model.py, a Python model written
 * from docs/stark.md ("Transcript") on top of the Poseidon2 model that checks
 * the Horizen Labs known-answer test, prints the outputs of the script that
 * test_known_answer replays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/transcript.h"

#define LABEL "lamina-transcript-test"

static void start(lm_transcript *t) { lm_transcript_init(t, (const uint8_t *)LABEL, strlen(LABEL)); }

static void test_known_answer(void **state)
{
    (void)state;
    static const uint64_t want[] = {
        UINT64_C(3913653366784926282),  UINT64_C(18182207180557630952), UINT64_C(2851157370620756066),
        UINT64_C(71261086820195484),    UINT64_C(8902347338304265459),  UINT64_C(1591346166592567314),
        UINT64_C(96937),                UINT64_C(10675176410543673701), UINT64_C(14068079924931111686),
        UINT64_C(9956470071089587003),  UINT64_C(1185460298416458711),  UINT64_C(7440380805144539261),
        UINT64_C(13481893961409720480), UINT64_C(11762136453380665412), UINT64_C(10453654054318863373),
        UINT64_C(10196055831208751669), UINT64_C(15721076651363908129), UINT64_C(541),
        UINT64_C(12032001638160932294),
    };
    uint64_t got[19];
    size_t k = 0;
    lm_transcript t;
    start(&t);
    const lm_gl a[5] = {1, 2, 3, 4, 5};
    lm_transcript_absorb(&t, a, 5);
    for (int i = 0; i < 3; i++)
        got[k++] = lm_transcript_squeeze(&t);
    lm_gl3 b[3];
    lm_gl flat[10];
    for (int i = 0; i < 10; i++)
        flat[i] = LM_GL_P - 1 - (lm_gl)i;
    memcpy(b, flat, 9 * sizeof(lm_gl)); /* 3 cubic elements = the first 9 */
    lm_transcript_absorb_gl3(&t, b, 3);
    lm_transcript_absorb(&t, flat + 9, 1);
    lm_gl3 c = lm_transcript_squeeze_gl3(&t);
    for (int i = 0; i < 3; i++)
        got[k++] = c.c[i];
    got[k++] = lm_transcript_squeeze_index(&t, 20);
    for (int i = 0; i < 9; i++)
        got[k++] = lm_transcript_squeeze(&t);
    const lm_gl d[4] = {7, 7, 7, 7};
    lm_transcript_absorb_digest(&t, d);
    lm_transcript_absorb_digest(&t, d);
    got[k++] = lm_transcript_squeeze(&t);
    lm_transcript v = t; /* the verifier's copy */
    uint64_t nonce;
    assert_int_equal(lm_transcript_grind(&t, &nonce, 8, 2, NULL), LM_OK);
    got[k++] = nonce;
    got[k++] = lm_transcript_squeeze(&t);
    assert_int_equal(k, 19);
    assert_memory_equal(got, want, sizeof want);
    /* the verifier follows */
    assert_int_equal(lm_transcript_check_pow(&v, nonce, 8, NULL), LM_OK);
    assert_true(lm_transcript_squeeze(&v) == want[18]);
}

static void test_determinism_and_sensitivity(void **state)
{
    (void)state;
    lm_gl e[20];
    for (int i = 0; i < 20; i++)
        e[i] = (lm_gl)i * 1000003u;
    lm_transcript a, b;
    start(&a);
    start(&b);
    lm_transcript_absorb(&a, e, 20);
    lm_transcript_absorb(&b, e, 20);
    assert_true(lm_transcript_squeeze(&a) == lm_transcript_squeeze(&b));
    /* every absorbed element matters */
    start(&a);
    lm_transcript_absorb(&a, e, 20);
    lm_gl ref = lm_transcript_squeeze(&a);
    for (int i = 0; i < 20; i++) {
        e[i] ^= 1;
        start(&b);
        lm_transcript_absorb(&b, e, 20);
        assert_true(lm_transcript_squeeze(&b) != ref);
        e[i] ^= 1;
    }
    /* the label matters */
    lm_transcript_init(&b, (const uint8_t *)"other", 5);
    lm_transcript_absorb(&b, e, 20);
    assert_true(lm_transcript_squeeze(&b) != ref);
    /* interleaving matters: a squeeze between absorbs changes what follows */
    start(&a);
    start(&b);
    lm_transcript_absorb(&a, e, 2);
    lm_transcript_absorb(&b, e, 1);
    (void)lm_transcript_squeeze(&b);
    lm_transcript_absorb(&b, e + 1, 1);
    assert_true(lm_transcript_squeeze(&a) != lm_transcript_squeeze(&b));
    /* consecutive squeezes differ and indices stay in range */
    start(&a);
    lm_gl x = lm_transcript_squeeze(&a), y = lm_transcript_squeeze(&a);
    assert_true(x != y);
    for (int i = 0; i < 100; i++)
        assert_true(lm_transcript_squeeze_index(&a, 5) < 32);
    assert_true(lm_transcript_squeeze_index(&a, 0) == 0);
}

/* Grinding tries 8 nonces side by side; whatever the number of inputs
 * still pending in the sponge (0..7, so the nonce's absorb or the squeeze
 * runs the permutation), the nonce found is the smallest valid one. */
static void test_pow_pending_inputs(void **state)
{
    (void)state;
    for (unsigned pending = 0; pending < LM_P2_RATE; pending++) {
        lm_transcript p;
        start(&p);
        lm_gl e[2 * LM_P2_RATE];
        for (unsigned i = 0; i < 2 * LM_P2_RATE; i++)
            e[i] = 1000 + i;
        lm_transcript_absorb(&p, e, LM_P2_RATE + pending); /* one full block, then `pending` */
        lm_transcript w = p;
        uint64_t n;
        assert_int_equal(lm_transcript_grind(&p, &n, 9, 2, NULL), LM_OK);
        for (uint64_t k = 0; k <= n; k++) {
            lm_transcript x = w;
            assert_int_equal(lm_transcript_check_pow(&x, k, 9, NULL), k == n ? LM_OK : LM_ECRYPTO);
        }
    }
}

static void test_pow(void **state)
{
    (void)state;
    for (unsigned bits = 0; bits <= 12; bits += 3) {
        lm_transcript p, v, w;
        start(&p);
        const lm_gl e[3] = {bits, 9, 9};
        lm_transcript_absorb(&p, e, 3);
        v = w = p;
        uint64_t n1, n2;
        lm_transcript q = p;
        assert_int_equal(lm_transcript_grind(&p, &n1, bits, 1, NULL), LM_OK);
        assert_int_equal(lm_transcript_grind(&q, &n2, bits, 2, NULL), LM_OK);
        assert_true(n1 == n2); /* the smallest valid nonce, on any thread count */
        lm_err err;
        assert_int_equal(lm_transcript_check_pow(&v, n1, bits, &err), LM_OK);
        assert_true(lm_transcript_squeeze(&v) == lm_transcript_squeeze(&p));
        if (bits > 0) {
            /* every smaller nonce fails (n1 is the smallest) */
            for (uint64_t n = 0; n < n1; n++) {
                lm_transcript x = w;
                assert_int_equal(lm_transcript_check_pow(&x, n, bits, &err), LM_ECRYPTO);
            }
        }
    }
    lm_transcript t;
    start(&t);
    lm_err err;
    assert_int_equal(lm_transcript_check_pow(&t, LM_GL_P, 1, &err), LM_ENONCANON);
    assert_int_equal(lm_transcript_check_pow(&t, 0, LM_TRANSCRIPT_MAX_POW_BITS + 1, &err), LM_ETOOLARGE);
    uint64_t n;
    assert_int_equal(lm_transcript_grind(&t, &n, LM_TRANSCRIPT_MAX_POW_BITS + 1, 1, &err), LM_ETOOLARGE);
    /* 16 bits: a wrong nonce next to the right one fails */
    lm_transcript g = t, c1 = t, c2 = t;
    assert_int_equal(lm_transcript_grind(&g, &n, 16, 2, NULL), LM_OK);
    assert_int_equal(lm_transcript_check_pow(&c1, n, 16, &err), LM_OK);
    assert_int_equal(lm_transcript_check_pow(&c2, n + 1, 16, &err), LM_ECRYPTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_determinism_and_sensitivity),
        cmocka_unit_test(test_pow), cmocka_unit_test(test_pow_pending_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
