/* Internal to air_poseidon2.c: the gadget's constraints on P2X_N rows at
 * once (eval_base_ lane by lane), instantiated per instruction set by
 * lanes.h. No include guard on purpose.
 *
 * The state is held as lazy lane values (any word congruent to the value)
 * through the rounds, as in src/crypto/poseidon2_lanes.h; each constraint
 * value "column - computed" is made canonical before it is stored, so the
 * output is eval_base_'s bit for bit. */

/* M_I = 1 + diag(d): s_i <- S + d_i s_i with S = sum of all s_j, formed on
 * the 32-bit halves (each sum below 12 * 2^32) and reduced once. */
P2X_FN void P2X(p2_internal)(P2X_V s[LM_P2_WIDTH])
{
    P2X_V mask = (P2X_V){0} + LM_GL_EPSILON, rl = s[0] & mask, rh = s[0] >> 32;
    for (int j = 1; j < LM_P2_WIDTH; j++) {
        rl += s[j] & mask;
        rh += s[j] >> 32;
    }
    P2X_V sum = P2X(red_split)(rh, rl);
    for (int j = 0; j < LM_P2_WIDTH; j++)
        s[j] = P2X(mul_add)(s[j], P2X(splat)(lm_poseidon2_diag[j]), sum);
}

/* After a full round: out[k + i] = post_i - s_i for the 12 stored columns
 * post (lane-interleaved, stride LM_AIR_ROWS), then s = post plus the next
 * round's constants rc (NULL: none). Returns: k + 12. */
P2X_FN unsigned P2X(p2_full_check)(lm_gl *out, unsigned k, P2X_V s[LM_P2_WIDTH], const lm_gl *post,
                                   const lm_gl *rc)
{
    for (int i = 0; i < LM_P2_WIDTH; i++) {
        P2X_V y = P2X(load)(post + (size_t)i * LM_AIR_ROWS);
        P2X(store)(out + (size_t)(k + i) * LM_AIR_ROWS, P2X(sub_cc)(y, P2X(canon)(s[i])));
        s[i] = rc != NULL ? P2X(add_const)(y, rc[i]) : y;
    }
    return k + LM_P2_WIDTH;
}

/* Out: out[j * LM_AIR_ROWS + l] (j < 118, l < P2X_N) the constraints of
 * lanes l. In: in[i * LM_AIR_ROWS + l] (i < 12), rounds[c * LM_AIR_ROWS + l]
 * (c < 118), canonical. */
LANES_TARGET static void P2X(p2_eval_lanes)(lm_gl *out, const lm_gl *in, const lm_gl *rounds)
{
    P2X_V s[LM_P2_WIDTH];
    for (int i = 0; i < LM_P2_WIDTH; i++)
        s[i] = P2X(load)(in + (size_t)i * LM_AIR_ROWS);
    unsigned k = 0;
    /* "Linear layer at beginning", then the first round's constants. */
    P2X(external)(s, lm_poseidon2_rc_full[0]);
    for (int r = 0; r < HALF_F; r++) {
        for (int i = 0; i < LM_P2_WIDTH; i++)
            s[i] = P2X(sbox)(s[i]);
        P2X(external)(s, NULL);
        k = P2X(p2_full_check)(out, k, s, rounds + (size_t)(R_FULL_BEGIN + W * r) * LM_AIR_ROWS,
                               r + 1 < HALF_F ? lm_poseidon2_rc_full[r + 1] : NULL);
    }
    for (int r = 0; r < LM_P2_ROUNDS_P; r++) {
        P2X_V u = P2X(sbox)(P2X(add_const)(s[0], lm_poseidon2_rc_partial[r]));
        P2X_V y = P2X(load)(rounds + (size_t)(R_PARTIAL + r) * LM_AIR_ROWS);
        P2X(store)(out + (size_t)k * LM_AIR_ROWS, P2X(sub_cc)(y, P2X(canon)(u)));
        k++;
        s[0] = y;
        P2X(p2_internal)(s);
    }
    for (int r = 0; r < HALF_F; r++) {
        for (int i = 0; i < LM_P2_WIDTH; i++)
            s[i] = P2X(sbox)(P2X(add_const)(s[i], lm_poseidon2_rc_full[HALF_F + r][i]));
        P2X(external)(s, NULL);
        k = P2X(p2_full_check)(out, k, s, rounds + (size_t)(R_FULL_END + W * r) * LM_AIR_ROWS, NULL);
    }
}

/* The same on all LM_AIR_ROWS rows. */
LANES_TARGET static void P2X(p2_eval_rows)(lm_gl *out, const lm_gl *in, const lm_gl *rounds)
{
    for (unsigned h = 0; h < LM_AIR_ROWS; h += P2X_N)
        P2X(p2_eval_lanes)(out + h, in + h, rounds + h);
}

/* lm_p2air_fill_rounds on P2X_N rows at once, without the output columns:
 * Out: rounds[c * stride + l] for the round columns c < 106 (the state
 *      after each of the first 7 full rounds, the partial S-box outputs),
 *      canonical. In: in[i * in_stride + l] (i < 12), the input states. */
LANES_TARGET static void P2X(p2_fill_lanes)(lm_gl *rounds, size_t stride, const lm_gl *in, size_t in_stride)
{
    P2X_V s[LM_P2_WIDTH];
    for (int i = 0; i < LM_P2_WIDTH; i++)
        s[i] = P2X(canon)(P2X(load)(in + (size_t)i * in_stride));
    P2X(external)(s, lm_poseidon2_rc_full[0]);
    for (int r = 0; r < HALF_F; r++) {
        for (int i = 0; i < LM_P2_WIDTH; i++)
            s[i] = P2X(sbox)(s[i]);
        P2X(external)(s, NULL);
        for (int i = 0; i < LM_P2_WIDTH; i++) {
            P2X_V y = P2X(canon)(s[i]);
            P2X(store)(rounds + (size_t)(R_FULL_BEGIN + W * r + i) * stride, y);
            s[i] = r + 1 < HALF_F ? P2X(add_const)(y, lm_poseidon2_rc_full[r + 1][i]) : y;
        }
    }
    for (int r = 0; r < LM_P2_ROUNDS_P; r++) {
        P2X_V y = P2X(canon)(P2X(sbox)(P2X(add_const)(s[0], lm_poseidon2_rc_partial[r])));
        P2X(store)(rounds + (size_t)(R_PARTIAL + r) * stride, y);
        s[0] = y;
        P2X(p2_internal)(s);
    }
    for (int r = 0; r + 1 < HALF_F; r++) {
        for (int i = 0; i < LM_P2_WIDTH; i++)
            s[i] = P2X(sbox)(P2X(add_const)(s[i], lm_poseidon2_rc_full[HALF_F + r][i]));
        P2X(external)(s, NULL);
        for (int i = 0; i < LM_P2_WIDTH; i++) {
            s[i] = P2X(canon)(s[i]);
            P2X(store)(rounds + (size_t)(R_FULL_END + W * r + i) * stride, s[i]);
        }
    }
}
