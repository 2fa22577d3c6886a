/* Poseidon2 (width 12), P2X_N independent permutations at once, one per
 * vector lane: a template included by src/crypto/poseidon2_x8.c once per
 * instruction set. Internal; no include guard on purpose.
 *
 * The includer defines:
 *   P2X_N            lanes per vector (4: AVX2, 8: AVX-512)
 *   P2X_V            the vector type: uint64_t with vector_size(8 * P2X_N)
 *   P2X(name)        the name of this instance's copy of `name`
 *   P2X_FN           "static inline" plus the target attribute
 *   P2X(mul32)(a, b)             lane-wise (a mod 2^32) * (b mod 2^32)
 *   P2X(add_if_lt)(x, a, b, v)   lane-wise x + (a < b ? v : 0), unsigned
 *   P2X(sub_if_lt)(x, a, b, v)   lane-wise x - (a < b ? v : 0), unsigned
 * Everything else is plain GCC/clang vector arithmetic (+, -, &, <<, >>),
 * so this one text is the permutation of every instruction set.
 *
 * The arithmetic follows src/crypto/poseidon2.c (lazy elements: any 64-bit
 * word congruent to the value; one reduction per product) with two changes
 * that suit lanes with no 128-bit type and no carry flag:
 * - a 64x64 -> 128-bit product is assembled from four 32x32 -> 64-bit
 *   lane products (mul_wide), and a 64-bit addend rides along for free;
 * - the linear layers run on the 32-bit halves of the elements, each half
 *   in its own 64-bit lane sum, so they need no carries at all: a row of
 *   M_E adds up to 64, so each half-sum stays below 2^38 (red_split).
 * Every step maps congruent inputs to congruent outputs and the result is
 * made canonical at the end, so the output equals lm_poseidon2_permute's
 * bit for bit (tests/unit/test_poseidon2_x8.c). No branch or memory index
 * depends on the data: comparisons become lane masks. */

#define P2X_EPS ((P2X_V){0} + LM_GL_EPSILON)

/* Out: *hi, *lo: the 128-bit a * b + c, for any 64-bit a, b, c (at most
 * (2^64 - 1)^2 + 2^64 - 1 < 2^128). With a = ah 2^32 + al,
 * b = bh 2^32 + bl and c = ch 2^32 + cl:
 *   a b + c = hh 2^64 + (hl + lh + ch) 2^32 + ll + cl.
 * No partial sum overflows 64 bits: ll + cl, t and u are each at most
 * (2^32 - 1)^2 + 2 (2^32 - 1) = 2^64 - 1. */
P2X_FN void P2X(mul_wide)(P2X_V *hi, P2X_V *lo, P2X_V a, P2X_V b, P2X_V c)
{
    P2X_V ah = P2X(hi32)(a), bh = P2X(hi32)(b);
    P2X_V ll = P2X(mul32)(a, b) + (c & P2X_EPS), lh = P2X(mul32)(a, bh);
    P2X_V hl = P2X(mul32)(ah, b), hh = P2X(mul32)(ah, bh);
    P2X_V t = hl + (ll >> 32);
    P2X_V u = lh + (t & P2X_EPS) + (c >> 32);
    *lo = P2X(join32)(ll, u);
    *hi = hh + (t >> 32) + (u >> 32);
}

/* Returns: some r < 2^64 with r = hi 2^64 + lo (mod p): as red128 of
 * poseidon2.c, x = lo - hh + hl (2^32 - 1) for hi = hh 2^32 + hl. */
P2X_FN P2X_V P2X(red128)(P2X_V hi, P2X_V lo)
{
    P2X_V hh = hi >> 32;
    P2X_V t = P2X(sub_if_lt)(lo - hh, lo, hh, P2X_EPS); /* a borrow added 2^64 = p + eps */
    P2X_V m = P2X(mul32)(hi, P2X_EPS);                  /* hl (2^32 - 1) < 2^64 */
    P2X_V r = t + m;
    return P2X(add_if_lt)(r, r, m, P2X_EPS); /* a carry lost 2^64 = eps; r < m: no new carry */
}

/* Returns: a b + c mod p as some value < 2^64; a, b, c any 64-bit words. */
P2X_FN P2X_V P2X(mul_add)(P2X_V a, P2X_V b, P2X_V c)
{
    P2X_V hi, lo;
    P2X(mul_wide)(&hi, &lo, a, b, c);
    return P2X(red128)(hi, lo);
}

/* Returns: a b mod p as some value < 2^64. */
P2X_FN P2X_V P2X(mul)(P2X_V a, P2X_V b) { return P2X(mul_add)(a, b, (P2X_V){0}); }

/* Returns: some r < 2^64 with r = h 2^32 + l (mod p), for h, l < 2^63:
 * the 128-bit value is lo = (h << 32) + l (mod 2^64) and
 * hi = (h >> 32) + carry < 2^32, then x = lo + hi (2^32 - 1) as red96 of
 * poseidon2.c (r < m on a carry, so adding eps cannot carry again). */
P2X_FN P2X_V P2X(red_split)(P2X_V h, P2X_V l)
{
    P2X_V lo = (h << 32) + l;
    P2X_V hi = P2X(add_if_lt)(h >> 32, lo, l, (P2X_V){0} + 1);
    P2X_V m = (hi << 32) - hi;
    P2X_V r = lo + m;
    return P2X(add_if_lt)(r, r, m, P2X_EPS);
}

/* Returns: x + c mod p as some value < 2^64, for x < 2^64 and a canonical
 * constant c < p: on a carry x + c - 2^64 <= p - 2, so adding eps (the
 * lost 2^64 mod p) cannot carry again. */
P2X_FN P2X_V P2X(add_const)(P2X_V x, lm_gl c)
{
    P2X_V r = x + c;
    return P2X(add_if_lt)(r, r, (P2X_V){0} + c, P2X_EPS);
}

/* The S-box x^7 in 4 multiplications (x^2, x^3, x^4 = (x^2)^2, x^3 x^4). */
P2X_FN P2X_V P2X(sbox)(P2X_V x)
{
    P2X_V x2 = P2X(mul)(x, x);
    P2X_V x3 = P2X(mul)(x2, x);
    P2X_V x4 = P2X(mul)(x2, x2);
    return P2X(mul)(x3, x4);
}

/* x <- M4 x on one half (the reference's 4x4 matrix [5 7 1 3; 4 6 1 1;
 * 1 3 5 7; 1 1 4 6], 8 additions and 4 doublings, as m4 of poseidon2.c). */
P2X_FN void P2X(m4)(P2X_V x[4])
{
    P2X_V t0 = x[0] + x[1];
    P2X_V t1 = x[2] + x[3];
    P2X_V t2 = (x[1] << 1) + t1;
    P2X_V t3 = (x[3] << 1) + t0;
    P2X_V t4 = (t1 << 2) + t3;
    P2X_V t5 = (t0 << 2) + t2;
    x[0] = t3 + t5;
    x[1] = t5;
    x[2] = t2 + t4;
    x[3] = t4;
}

/* x <- M_E x + c (c may be NULL: no constant). Poseidon2 paper (eprint
 * 2023/323), for t = 4t': "M_E = circ(2 M4, M4, ..., M4)": M4 on each
 * 4-element block, then each element gains the sum of its column position
 * over all blocks. Run on the low and the high 32-bit halves separately
 * (h, l < 2^32, times a row sum of 64: below 2^38, no carries) and
 * recombined once per element by red_split. */
P2X_FN void P2X(external)(P2X_V x[LM_P2_WIDTH], const lm_gl *c)
{
    P2X_V l[LM_P2_WIDTH], h[LM_P2_WIDTH];
    for (int i = 0; i < LM_P2_WIDTH; i++) {
        l[i] = x[i] & P2X_EPS;
        h[i] = x[i] >> 32;
    }
    for (int b = 0; b < LM_P2_WIDTH; b += 4) {
        P2X(m4)(l + b);
        P2X(m4)(h + b);
    }
    for (int k = 0; k < 4; k++) {
        P2X_V cl = l[k] + l[4 + k] + l[8 + k], ch = h[k] + h[4 + k] + h[8 + k];
        for (int b = 0; b < LM_P2_WIDTH; b += 4) {
            x[b + k] = P2X(red_split)(h[b + k] + ch, l[b + k] + cl);
            if (c != NULL)
                x[b + k] = P2X(add_const)(x[b + k], c[b + k]);
        }
    }
}

/* A full round after its constant addition: x <- M_E x^7 + c_next. */
P2X_FN void P2X(full_round)(P2X_V x[LM_P2_WIDTH], const lm_gl *c_next)
{
    for (int i = 0; i < LM_P2_WIDTH; i++)
        x[i] = P2X(sbox)(x[i]);
    P2X(external)(x, c_next);
}

/* A partial round whose constant is already in x[0]: x_0 <- x_0^7, then
 * x <- M_I x, (M_I x)_i = S + d_i x_i with S the sum of all lanes, and
 * c_next added to x_0. S is formed on the halves (below 12 2^32 each) and
 * reduced once; each lane is then one d_i x_i + S product-sum. */
P2X_FN void P2X(partial_round)(P2X_V x[LM_P2_WIDTH], lm_gl c_next)
{
    P2X_V rl = x[1] & P2X_EPS, rh = x[1] >> 32; /* the lanes that skip the S-box */
    for (int j = 2; j < LM_P2_WIDTH; j++) {
        rl += x[j] & P2X_EPS;
        rh += x[j] >> 32;
    }
    P2X_V u = P2X(sbox)(x[0]);
    P2X_V s = P2X(red_split)(rh + (u >> 32), rl + (u & P2X_EPS));
    for (int j = 1; j < LM_P2_WIDTH; j++)
        x[j] = P2X(mul_add)(x[j], (P2X_V){0} + lm_poseidon2_diag[j], s);
    x[0] = P2X(add_const)(P2X(mul_add)(u, (P2X_V){0} + lm_poseidon2_diag[0], s), c_next);
}

/* x <- the permutation of x (P2X_N states, lane-interleaved: x[i] holds
 * element i of every state); on return every word is canonical. The same
 * round sequence as lm_poseidon2_permute. */
P2X_FN void P2X(permute_v)(P2X_V x[LM_P2_WIDTH])
{
    /* "Linear layer at beginning", with the first round's constants. */
    P2X(external)(x, lm_poseidon2_rc_full[0]);
    for (int r = 1; r < LM_P2_ROUNDS_F / 2; r++)
        P2X(full_round)(x, lm_poseidon2_rc_full[r]);
    P2X(full_round)(x, NULL);
    x[0] = P2X(add_const)(x[0], lm_poseidon2_rc_partial[0]);
    for (int r = 0; r < LM_P2_ROUNDS_P - 1; r++)
        P2X(partial_round)(x, lm_poseidon2_rc_partial[r + 1]);
    P2X(partial_round)(x, 0);
    for (int i = 0; i < LM_P2_WIDTH; i++)
        x[i] = P2X(add_const)(x[i], lm_poseidon2_rc_full[LM_P2_ROUNDS_F / 2][i]);
    for (int r = LM_P2_ROUNDS_F / 2 + 1; r < LM_P2_ROUNDS_F; r++)
        P2X(full_round)(x, lm_poseidon2_rc_full[r]);
    P2X(full_round)(x, NULL);
    /* canonical: x - p when p - 1 < x (x < 2^64 < 2p) */
    for (int i = 0; i < LM_P2_WIDTH; i++)
        x[i] = P2X(sub_if_lt)(x[i], (P2X_V){0} + (LM_GL_P - 1), x[i], (P2X_V){0} + LM_GL_P);
}

#undef P2X_EPS
