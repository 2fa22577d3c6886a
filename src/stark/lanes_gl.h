/* Internal to src/stark: Goldilocks helpers on vector lanes beside those of
 * src/crypto/poseidon2_lanes.h, instantiated by lanes.h (no include guard
 * on purpose). "Lazy" values are any 64-bit words congruent to the value,
 * "canonical" ones lie below p; every function says which it takes. */

#define LX_EPS ((P2X_V){0} + LM_GL_EPSILON)

/* Returns: c in every lane. */
P2X_FN P2X_V P2X(splat)(uint64_t c) { return (P2X_V){0} + c; }

/* Returns: p[0..P2X_N) (any alignment). */
P2X_FN P2X_V P2X(load)(const lm_gl *p)
{
    P2X_V v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Out: p[0..P2X_N) = v (any alignment). */
P2X_FN void P2X(store)(lm_gl *p, P2X_V v) { memcpy(p, &v, sizeof v); }

/* Returns: the canonical value of a lazy x (x - p when p <= x; x < 2^64 < 2p). */
P2X_FN P2X_V P2X(canon)(P2X_V x)
{
    return P2X(sub_if_lt)(x, (P2X_V){0} + (LM_GL_P - 1), x, (P2X_V){0} + LM_GL_P);
}

/* Returns: a - b, canonical, for canonical a and b (a borrow added
 * 2^64 = p + eps: taking eps off leaves a - b + p, in [1, p - 1]). */
P2X_FN P2X_V P2X(sub_cc)(P2X_V a, P2X_V b) { return P2X(sub_if_lt)(a - b, a, b, LX_EPS); }

/* Returns: x + c as a lazy value, for a lazy x and a canonical c (on a carry
 * x + c - 2^64 < c <= p - 1, so adding eps = 2^64 mod p cannot carry again). */
P2X_FN P2X_V P2X(add_lc)(P2X_V x, P2X_V c)
{
    P2X_V r = x + c;
    return P2X(add_if_lt)(r, r, c, LX_EPS);
}

/* Returns: a + b, canonical, for canonical a and b. */
P2X_FN P2X_V P2X(add_cc)(P2X_V a, P2X_V b) { return P2X(canon)(P2X(add_lc)(a, b)); }

/* r[k] <- (a b)[k] + r[k] in K = F_p[x]/(x^3 - x - 1), lane-wise: a lazy, b
 * canonical (b02 = b0 + b2 and b12 = b1 + b2 canonical), r lazy. With
 * x^3 = x + 1: r0 = a0 b0 + a1 b2 + a2 b1, r1 = a0 b1 + a1 (b0 + b2) + a2 (b1 + b2),
 * r2 = a0 b2 + a1 b1 + a2 (b0 + b2) (lm_gl3_mul's r0 = d0 + d3,
 * r1 = d1 + d3 + d4, r2 = d2 + d4, regrouped). */
P2X_FN void P2X(k3_mul_acc)(P2X_V r[3], const P2X_V a[3], P2X_V b0, P2X_V b1, P2X_V b2)
{
    P2X_V b02 = P2X(add_cc)(b0, b2), b12 = P2X(add_cc)(b1, b2);
    r[0] = P2X(mul_add)(a[0], b0, P2X(mul_add)(a[1], b2, P2X(mul_add)(a[2], b1, r[0])));
    r[1] = P2X(mul_add)(a[0], b1, P2X(mul_add)(a[1], b02, P2X(mul_add)(a[2], b12, r[1])));
    r[2] = P2X(mul_add)(a[0], b2, P2X(mul_add)(a[1], b1, P2X(mul_add)(a[2], b02, r[2])));
}

#undef LX_EPS
