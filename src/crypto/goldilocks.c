/* Goldilocks field: the parts that are not inline (batch inversion, roots of
 * unity, extension-field inversion and powers). See include/lamina/goldilocks.h
 * and docs/field.md. Freestanding: no libc. */
#include "lamina/goldilocks.h"

void lm_gl_batch_inv(lm_gl *out, const lm_gl *in, size_t n, lm_gl *scratch)
{
    if (n == 0)
        return;
    /* Montgomery's trick: scratch[i] = in[0] * ... * in[i], with each zero
     * replaced by 1 so that one zero does not make every inverse zero. */
    lm_gl acc = 1;
    for (size_t i = 0; i < n; i++) {
        lm_gl x = in[i] + (lm_gl)(in[i] == 0);
        acc = lm_gl_mul(acc, x);
        scratch[i] = acc;
    }
    /* inv = (in[0] * ... * in[i])^-1 while walking i down. in[i] is read
     * before out[i] is written, so out == in works. */
    lm_gl inv = lm_gl_inv(acc);
    for (size_t i = n - 1; i > 0; i--) {
        lm_gl x = in[i];
        uint64_t keep = ~lm_gl_mask_(x == 0);
        x += (lm_gl)(x == 0);
        lm_gl r = lm_gl_mul(inv, scratch[i - 1]);
        inv = lm_gl_mul(inv, x);
        out[i] = r & keep;
    }
    out[0] = inv & ~lm_gl_mask_(in[0] == 0);
}

bool lm_gl_root_of_unity(lm_gl *out, unsigned log_n)
{
    if (log_n > LM_GL_TWO_ADICITY)
        return false;
    /* w = 7^((p-1)/2^32) has order exactly 2^32, so w^(2^(32-k)) has order
     * exactly 2^k. */
    *out = lm_gl_sqn_(LM_GL_ROOT_2_32, LM_GL_TWO_ADICITY - log_n);
    return true;
}

/* ---- quadratic extension ------------------------------------------------- */

lm_gl2 lm_gl2_inv(lm_gl2 a)
{
    /* (a0 + a1 x)^-1 = (a0 - a1 x) / (a0^2 - 7 a1^2); the norm is zero only
     * for a == 0 because 7 is not a square. */
    lm_gl norm = lm_gl_sub(lm_gl_square(a.c[0]), lm_gl_mul(lm_gl_square(a.c[1]), LM_GL2_W));
    lm_gl ninv = lm_gl_inv(norm);
    return (lm_gl2){{lm_gl_mul(a.c[0], ninv), lm_gl_neg(lm_gl_mul(a.c[1], ninv))}};
}

static lm_gl2 gl2_select(lm_gl2 x, lm_gl2 y, uint64_t mask)
{
    /* mask ? x : y */
    return (lm_gl2){{(x.c[0] & mask) | (y.c[0] & ~mask), (x.c[1] & mask) | (y.c[1] & ~mask)}};
}

lm_gl2 lm_gl2_pow(lm_gl2 a, uint64_t e)
{
    lm_gl2 r = lm_gl2_from_base(1);
    for (int i = 63; i >= 0; i--) {
        r = lm_gl2_square(r);
        r = gl2_select(lm_gl2_mul(r, a), r, lm_gl_mask_((e >> i) & 1u));
    }
    return r;
}

/* ---- cubic extension ----------------------------------------------------- */

lm_gl3 lm_gl3_inv(lm_gl3 a)
{
    /* Multiplication by a is the matrix (see lm_gl3_mul)
     *     [ a0   a2       a1      ]
     * M = [ a1   a0 + a2  a1 + a2 ]
     *     [ a2   a1       a0 + a2 ]
     * and a^-1 = M^-1 e0 = (C00, C01, C02) / det M, the cofactors of the
     * first row; det M = a0 C00 + a2 C01 + a1 C02 is the norm of a, zero only
     * for a == 0 since x^3 - x - 1 is irreducible. */
    lm_gl a0 = a.c[0], a1 = a.c[1], a2 = a.c[2];
    lm_gl s02 = lm_gl_add(a0, a2), s12 = lm_gl_add(a1, a2);
    lm_gl c00 = lm_gl_sub(lm_gl_square(s02), lm_gl_mul(s12, a1));
    lm_gl c01 = lm_gl_sub(lm_gl_mul(s12, a2), lm_gl_mul(a1, s02));
    lm_gl c02 = lm_gl_sub(lm_gl_square(a1), lm_gl_mul(s02, a2));
    lm_gl det = lm_gl_add(lm_gl_add(lm_gl_mul(a0, c00), lm_gl_mul(a2, c01)), lm_gl_mul(a1, c02));
    lm_gl dinv = lm_gl_inv(det);
    return (lm_gl3){{lm_gl_mul(c00, dinv), lm_gl_mul(c01, dinv), lm_gl_mul(c02, dinv)}};
}

static lm_gl3 gl3_select(lm_gl3 x, lm_gl3 y, uint64_t mask)
{
    return (lm_gl3){{(x.c[0] & mask) | (y.c[0] & ~mask), (x.c[1] & mask) | (y.c[1] & ~mask),
                     (x.c[2] & mask) | (y.c[2] & ~mask)}};
}

lm_gl3 lm_gl3_pow(lm_gl3 a, uint64_t e)
{
    lm_gl3 r = lm_gl3_from_base(1);
    for (int i = 63; i >= 0; i--) {
        r = lm_gl3_square(r);
        r = gl3_select(lm_gl3_mul(r, a), r, lm_gl_mask_((e >> i) & 1u));
    }
    return r;
}
