/* Internal to stark.c: the prover's sums on vector lanes, instantiated per
 * instruction set by lanes.h (no include guard on purpose). Each has a
 * scalar twin in stark.c giving the same canonical values; sums run on
 * lazy values (mul_add folds the running sum into each product's 128-bit
 * reduction) and are made canonical once at the end. */

/* Out: acc[k * LM_AIR_ROWS + l] = coordinate k of sum_j ch[j] T[j][l]
 *      (canonical), k < 3, l < LM_AIR_ROWS.
 * In:  T[j * LM_AIR_ROWS + l] (j < nc) canonical; ch[0..nc). */
LANES_TARGET static void P2X(comp_sum)(lm_gl *acc, const lm_gl *T, unsigned nc, const lm_gl3 *ch)
{
    for (unsigned h = 0; h < LM_AIR_ROWS; h += P2X_N) {
        P2X_V a0 = {0}, a1 = {0}, a2 = {0};
        for (unsigned j = 0; j < nc; j++) {
            P2X_V t = P2X(load)(T + (size_t)j * LM_AIR_ROWS + h);
            a0 = P2X(mul_add)(t, P2X(splat)(ch[j].c[0]), a0);
            a1 = P2X(mul_add)(t, P2X(splat)(ch[j].c[1]), a1);
            a2 = P2X(mul_add)(t, P2X(splat)(ch[j].c[2]), a2);
        }
        P2X(store)(acc + h, P2X(canon)(a0));
        P2X(store)(acc + LM_AIR_ROWS + h, P2X(canon)(a1));
        P2X(store)(acc + 2 * LM_AIR_ROWS + h, P2X(canon)(a2));
    }
}

/* Rows r0 .. r0 + LM_AIR_ROWS of the trace combinations:
 * Out: out[k][r] = coordinate k of sum_c gam[c] cols[c][r] and
 *      out[3 + k][r] that of sum_c gam[w + c] cols[c][r] (canonical).
 * In:  cols[0..w) canonical columns; gam[0..2w). */
LANES_TARGET static void P2X(trace_comb)(lm_gl *const *out, const lm_gl *const *cols, unsigned w,
                                         const lm_gl3 *gam, size_t r0)
{
    for (size_t r = r0; r < r0 + LM_AIR_ROWS; r += P2X_N) {
        P2X_V a[6] = {{0}};
        for (unsigned c = 0; c < w; c++) {
            P2X_V t = P2X(load)(cols[c] + r);
            for (int k = 0; k < 3; k++) {
                a[k] = P2X(mul_add)(t, P2X(splat)(gam[c].c[k]), a[k]);
                a[3 + k] = P2X(mul_add)(t, P2X(splat)(gam[w + c].c[k]), a[3 + k]);
            }
        }
        for (int k = 0; k < 6; k++)
            P2X(store)(out[k] + r, P2X(canon)(a[k]));
    }
}

/* Lane partial sums of sum_i L[i] y[i] and sum_i L[i] y[i + 1] over
 * i < n (n a multiple of P2X_N; y[0..n] readable).
 * Out: part[k * P2X_N + l] and part[(3 + k) * P2X_N + l], canonical: lane
 *      l's share of coordinate k. In: L0, L1, L2 the coordinates of L. */
LANES_TARGET static void P2X(ood_part)(lm_gl *part, const lm_gl *y, size_t n, const lm_gl *L0, const lm_gl *L1,
                                       const lm_gl *L2)
{
    P2X_V a[6] = {{0}};
    for (size_t i = 0; i < n; i += P2X_N) {
        P2X_V t0 = P2X(load)(y + i), t1 = P2X(load)(y + i + 1);
        P2X_V l0 = P2X(load)(L0 + i), l1 = P2X(load)(L1 + i), l2 = P2X(load)(L2 + i);
        a[0] = P2X(mul_add)(t0, l0, a[0]);
        a[1] = P2X(mul_add)(t0, l1, a[1]);
        a[2] = P2X(mul_add)(t0, l2, a[2]);
        a[3] = P2X(mul_add)(t1, l0, a[3]);
        a[4] = P2X(mul_add)(t1, l1, a[4]);
        a[5] = P2X(mul_add)(t1, l2, a[5]);
    }
    for (int k = 0; k < 6; k++)
        P2X(store)(part + k * P2X_N, P2X(canon)(a[k]));
}

/* C at LM_AIR_ROWS points from the constraint sum:
 * Out: out[k * LM_AIR_ROWS + l] = coordinate k of
 *        acc_l f_l + sum_r binv[r][l] sum_(k: bidx[k] = r) b_k (cur[col_k][l] - v_k)
 *      (canonical), the boundary terms grouped by row.
 * In:  acc[k * LM_AIR_ROWS + l] (canonical; NULL: zero), f[l], cur[c *
 *      LM_AIR_ROWS + l] the trace rows, binv[r * LM_AIR_ROWS + l], chb[k] = b_k. */
LANES_TARGET static void P2X(comp_finish)(lm_gl *out, const lm_gl *acc, const lm_gl *f, const lm_gl *cur,
                                          const lm_air *air, const size_t *bidx, const lm_gl *binv, size_t n_rows,
                                          const lm_gl3 *chb)
{
    for (unsigned h = 0; h < LM_AIR_ROWS; h += P2X_N) {
        P2X_V a[3] = {{0}};
        if (acc != NULL) {
            P2X_V fv = P2X(load)(f + h);
            for (int c = 0; c < 3; c++)
                a[c] = P2X(mul)(P2X(load)(acc + c * LM_AIR_ROWS + h), fv);
        }
        for (size_t r = 0; r < n_rows; r++) {
            P2X_V s[3] = {{0}};
            for (size_t k = 0; k < air->n_boundary; k++) {
                if (bidx[k] != r)
                    continue;
                const lm_air_boundary *bd = &air->boundary[k];
                P2X_V d = P2X(sub_cc)(P2X(load)(cur + (size_t)bd->col * LM_AIR_ROWS + h), P2X(splat)(bd->value));
                for (int c = 0; c < 3; c++)
                    s[c] = P2X(mul_add)(d, P2X(splat)(chb[k].c[c]), s[c]);
            }
            P2X_V bi = P2X(load)(binv + r * LM_AIR_ROWS + h);
            for (int c = 0; c < 3; c++)
                a[c] = P2X(mul_add)(s[c], bi, a[c]);
        }
        for (int c = 0; c < 3; c++)
            P2X(store)(out + c * LM_AIR_ROWS + h, P2X(canon)(a[c]));
    }
}

/* out = a b in K, lane-wise, canonical; a lazy, b canonical. */
P2X_FN void P2X(k3_mul)(P2X_V out[3], const P2X_V a[3], const P2X_V b[3])
{
    P2X_V r[3] = {{0}, {0}, {0}};
    P2X(k3_mul_acc)(r, a, b[0], b[1], b[2]);
    for (int c = 0; c < 3; c++)
        out[c] = P2X(canon)(r[c]);
}

/* x - z in K for base x (canonical), with nz = -z (canonical). */
P2X_FN void P2X(k3_sub_from)(P2X_V d[3], P2X_V x, lm_gl3 nz)
{
    d[0] = P2X(add_cc)(x, P2X(splat)(nz.c[0]));
    d[1] = P2X(splat)(nz.c[1]);
    d[2] = P2X(splat)(nz.c[2]);
}

/* DEEP at the n points a .. a + n (n a multiple of P2X_N, at most
 * DEEP_CHUNK), as job_deep_ of stark.c: out[pp] = (U(x) - k[0]) / (x - z)
 * + (V(x) - k[1]) / (x - g z), x = xs[pp], U and V given as 3 columns of
 * N each. The 2 n denominators are inverted lane by lane with Montgomery's
 * trick (each lane one chain through the groups of P2X_N points), one K
 * inversion per lane. */
LANES_TARGET static void P2X(deep_chunk)(lm_gl3 *out, const lm_gl *xs, const lm_gl *U, const lm_gl *V, size_t N,
                                         size_t a, size_t n, lm_gl3 z, lm_gl3 gz, const lm_gl3 k[2])
{
    enum { G = 2 * DEEP_CHUNK / P2X_N };
    P2X_V P[G][3], d[3], t[3];
    size_t ng = n / P2X_N, m = 2 * ng;
    lm_gl3 nz[2] = {lm_gl3_neg(z), lm_gl3_neg(gz)};
    /* prefix products of the denominators: z's groups, then g z's */
    for (size_t i = 0; i < m; i++) {
        P2X(k3_sub_from)(d, P2X(load)(xs + a + (i % ng) * P2X_N), nz[i / ng]);
        if (i == 0)
            for (int c = 0; c < 3; c++)
                P[0][c] = d[c];
        else
            P2X(k3_mul)(P[i], d, P[i - 1]);
    }
    /* inv = P[m - 1]^-1, lane by lane */
    lm_gl lanes[3][P2X_N];
    for (int c = 0; c < 3; c++)
        P2X(store)(lanes[c], P[m - 1][c]);
    for (unsigned l = 0; l < P2X_N; l++) {
        lm_gl3 v = lm_gl3_inv((lm_gl3){{lanes[0][l], lanes[1][l], lanes[2][l]}});
        for (int c = 0; c < 3; c++)
            lanes[c][l] = v.c[c];
    }
    P2X_V inv[3];
    for (int c = 0; c < 3; c++)
        inv[c] = P2X(load)(lanes[c]);
    /* walking down: P[i] <- 1/d_i = inv P[i - 1], inv <- inv d_i */
    for (size_t i = m - 1; i > 0; i--) {
        P2X(k3_sub_from)(d, P2X(load)(xs + a + (i % ng) * P2X_N), nz[i / ng]);
        P2X(k3_mul)(t, inv, P[i - 1]);
        P2X(k3_mul)(inv, inv, d);
        for (int c = 0; c < 3; c++)
            P[i][c] = t[c];
    }
    for (int c = 0; c < 3; c++)
        P[0][c] = inv[c];
    for (size_t g = 0; g < ng; g++) {
        size_t pp = a + g * P2X_N;
        P2X_V u[3], v[3], r[3] = {{0}, {0}, {0}};
        for (int c = 0; c < 3; c++) {
            u[c] = P2X(sub_cc)(P2X(load)(U + c * N + pp), P2X(splat)(k[0].c[c]));
            v[c] = P2X(sub_cc)(P2X(load)(V + c * N + pp), P2X(splat)(k[1].c[c]));
        }
        P2X(k3_mul_acc)(r, u, P[g][0], P[g][1], P[g][2]);
        P2X(k3_mul_acc)(r, v, P[ng + g][0], P[ng + g][1], P[ng + g][2]);
        for (int c = 0; c < 3; c++)
            P2X(store)(lanes[c], P2X(canon)(r[c]));
        for (unsigned l = 0; l < P2X_N; l++)
            out[pp + l] = (lm_gl3){{lanes[0][l], lanes[1][l], lanes[2][l]}};
    }
}
