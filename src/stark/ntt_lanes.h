/* Internal to ntt.c: radix-2 butterflies on vector lanes, instantiated per
 * instruction set by lanes.h (no include guard on purpose). Inputs and
 * outputs are canonical, so every stage gives the scalar stage's values. */

/* dif_stage_ of ntt.c with m, k0 and k1 multiples of P2X_N:
 * (u, v) -> (u + v, (u - v) w_(2m)^j), P2X_N butterflies at a time. */
LANES_TARGET static void P2X(dif_stage)(lm_gl *a, size_t m, const lm_gl *tw, size_t k0, size_t k1)
{
    size_t k = k0;
    while (k < k1) {
        size_t j = k % m;
        lm_gl *x = a + 2 * m * (k / m);
        size_t jend = m - j < k1 - k ? m : j + (k1 - k);
        k += jend - j;
        for (; j < jend; j += P2X_N) {
            P2X_V u = P2X(load)(x + j), v = P2X(load)(x + j + m);
            P2X(store)(x + j, P2X(add_cc)(u, v));
            P2X(store)(x + j + m, P2X(canon)(P2X(mul)(P2X(sub_cc)(u, v), P2X(load)(tw + m + j))));
        }
    }
}

/* dit_stage_ of ntt.c, same conditions: (u, v) -> (u + v w, u - v w). */
LANES_TARGET static void P2X(dit_stage)(lm_gl *a, size_t m, const lm_gl *tw, size_t k0, size_t k1)
{
    size_t k = k0;
    while (k < k1) {
        size_t j = k % m;
        lm_gl *x = a + 2 * m * (k / m);
        size_t jend = m - j < k1 - k ? m : j + (k1 - k);
        k += jend - j;
        for (; j < jend; j += P2X_N) {
            P2X_V u = P2X(load)(x + j);
            P2X_V v = P2X(canon)(P2X(mul)(P2X(load)(x + j + m), P2X(load)(tw + m + j)));
            P2X(store)(x + j, P2X(add_cc)(u, v));
            P2X(store)(x + j + m, P2X(sub_cc)(u, v));
        }
    }
}

/* Lane masks and twiddles of the stages inside one vector (half-size
 * m < P2X_N, butterfly (i, i ^ m)): for m = 2^s, mask[s] selects the lanes
 * with bit m set (the "v" side) and wv[s] holds tw[m + (i mod m)] there. */
P2X_FN void P2X(small_tables)(P2X_V mask[4], P2X_V wv[4], const lm_gl *tw)
{
    lm_gl t[P2X_N], idx[P2X_N];
    for (unsigned i = 0; i < P2X_N; i++)
        idx[i] = i;
    for (unsigned s = 0, m = 1; m < P2X_N; s++, m *= 2) {
        for (unsigned i = 0; i < P2X_N; i++)
            t[i] = tw[m + (i & (m - 1))];
        wv[s] = P2X(load)(t);
        mask[s] = (P2X_V)((P2X(load)(idx) & m) != 0);
    }
}

#if P2X_N == 8
/* The DIF stages m = 4, 2, 1 of 8 groups of 8 at once: transposed, vector c
 * holds element c of each group, so the butterflies (c, c + m) are whole
 * vectors with one twiddle w_(2m)^(c mod m) each. */
P2X_FN void P2X(dif_tail64)(lm_gl *a, const lm_gl *tw)
{
    P2X_V y[8];
    for (int r = 0; r < 8; r++)
        y[r] = P2X(load)(a + 8 * r);
    p2x8_transpose(y);
    for (unsigned m = 4; m >= 1; m /= 2)
        for (unsigned c = 0; c < 8; c++) {
            if (c & m)
                continue;
            P2X_V u = y[c], v = y[c + m], d = P2X(sub_cc)(u, v);
            unsigned j = c & (m - 1);
            y[c] = P2X(add_cc)(u, v);
            y[c + m] = j == 0 ? d : P2X(canon)(P2X(mul)(d, P2X(splat)(tw[m + j])));
        }
    p2x8_transpose(y);
    for (int r = 0; r < 8; r++)
        P2X(store)(a + 8 * r, y[r]);
}

/* The DIT stages m = 1, 2, 4 of 8 groups of 8 at once, likewise:
 * (u, v) -> (u + v w, u - v w), w = w_(2m)^-(c mod m). */
P2X_FN void P2X(dit_head64)(lm_gl *a, const lm_gl *tw)
{
    P2X_V y[8];
    for (int r = 0; r < 8; r++)
        y[r] = P2X(load)(a + 8 * r);
    p2x8_transpose(y);
    for (unsigned m = 1; m <= 4; m *= 2)
        for (unsigned c = 0; c < 8; c++) {
            if (c & m)
                continue;
            unsigned j = c & (m - 1);
            P2X_V u = y[c], v = j == 0 ? y[c + m] : P2X(canon)(P2X(mul)(y[c + m], P2X(splat)(tw[m + j])));
            y[c] = P2X(add_cc)(u, v);
            y[c + m] = P2X(sub_cc)(u, v);
        }
    p2x8_transpose(y);
    for (int r = 0; r < 8; r++)
        P2X(store)(a + 8 * r, y[r]);
}
#endif

/* The DIF stages m = P2X_N / 2, ..., 2, 1 on a[0..n) (n a multiple of
 * P2X_N), all in registers: for each m, lane i gets u + v when bit m of i is
 * clear and (u - v) w_(2m)^(i mod m) when it is set (u the clear lane). */
LANES_TARGET static void P2X(dif_tail)(lm_gl *a, size_t n, const lm_gl *tw)
{
    P2X_V mask[4], wv[4];
    P2X(small_tables)(mask, wv, tw);
    size_t i = 0;
#if P2X_N == 8
    for (; i + 64 <= n; i += 64)
        P2X(dif_tail64)(a + i, tw);
#endif
    for (; i < n; i += P2X_N) {
        P2X_V x = P2X(load)(a + i);
        for (int s = P2X_N == 8 ? 2 : 1; s >= 0; s--) {
            P2X_V y = P2X(swap)(x, 1u << s);
            P2X_V sum = P2X(add_cc)(x, y), d = P2X(sub_cc)(y, x);
            if (s > 0)
                d = P2X(canon)(P2X(mul)(d, wv[s]));
            x = (d & mask[s]) | (sum & ~mask[s]);
        }
        P2X(store)(a + i, x);
    }
}

/* The DIT stages m = 1, 2, ..., P2X_N / 2 on a[0..n), in registers: with v
 * the lane whose bit m is set and w = w_(2m)^-(i mod m), the clear lane
 * gets u + v w and the set lane u - v w. */
LANES_TARGET static void P2X(dit_head)(lm_gl *a, size_t n, const lm_gl *tw)
{
    P2X_V mask[4], wv[4];
    P2X(small_tables)(mask, wv, tw);
    size_t i = 0;
#if P2X_N == 8
    for (; i + 64 <= n; i += 64)
        P2X(dit_head64)(a + i, tw);
#endif
    for (; i < n; i += P2X_N) {
        P2X_V x = P2X(load)(a + i);
        for (int s = 0; s < (P2X_N == 8 ? 3 : 2); s++) {
            P2X_V y = P2X(swap)(x, 1u << s);
            P2X_V v = (x & mask[s]) | (y & ~mask[s]), u = (y & mask[s]) | (x & ~mask[s]);
            if (s > 0)
                v = P2X(canon)(P2X(mul)(v, wv[s]));
            x = (P2X(sub_cc)(u, v) & mask[s]) | (P2X(add_cc)(u, v) & ~mask[s]);
        }
        P2X(store)(a + i, x);
    }
}

/* a[k] <- a[k] s for k < n (n a multiple of P2X_N). */
LANES_TARGET static void P2X(scale)(lm_gl *a, size_t n, lm_gl s)
{
    P2X_V sv = P2X(splat)(s);
    for (size_t i = 0; i < n; i += P2X_N)
        P2X(store)(a + i, P2X(canon)(P2X(mul)(P2X(load)(a + i), sv)));
}

/* a[k] <- a[k] c s^k for k < n (n a multiple of P2X_N). Four chains of
 * powers side by side (each steps by s^(4 P2X_N)), so that the running
 * power's multiplications do not wait on each other. */
LANES_TARGET static void P2X(scale_powers)(lm_gl *a, size_t n, lm_gl s, lm_gl c)
{
    lm_gl t[4 * P2X_N];
    t[0] = c;
    for (unsigned i = 1; i < 4 * P2X_N; i++)
        t[i] = lm_gl_mul(t[i - 1], s);
    P2X_V pv[4];
    for (int u = 0; u < 4; u++)
        pv[u] = P2X(load)(t + u * P2X_N);
    size_t i = 0;
    if (n >= 4 * P2X_N) {
        P2X_V step = P2X(splat)(lm_gl_pow(s, 4 * P2X_N));
        for (; i + 4 * P2X_N <= n; i += 4 * P2X_N)
            for (int u = 0; u < 4; u++) {
                lm_gl *x = a + i + u * P2X_N;
                P2X(store)(x, P2X(canon)(P2X(mul)(P2X(load)(x), pv[u])));
                pv[u] = P2X(mul)(pv[u], step); /* lazy: any word congruent to the power */
            }
    }
    for (int u = 0; i < n; i += P2X_N, u++)
        P2X(store)(a + i, P2X(canon)(P2X(mul)(P2X(load)(a + i), pv[u])));
}
