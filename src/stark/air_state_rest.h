/* Internal to air_state.c: the state-update constraints after the three
 * permutations (docs/stark.md, "State-update AIR"), written once for two
 * fields and included once per field (no include guard on purpose). The
 * includer defines
 *   F               the element type (lm_gl3, or lm_gl for base-field rows)
 *   F_ADD, F_SUB, F_MUL, F_K(v)   its operations and the constant v
 *   RS_NAME         the function's name
 * and the function reads element i of a row at row[i * stride] (stride 1
 * for a plain row, LM_AIR_ROWS for one lane of lane-interleaved rows) and
 * writes its constraint values to out[0], out[stride], ...
 * Returns: the number of values written. The parameters are undefined at
 * the end, ready for the next instantiation. */
static unsigned RS_NAME(F *out, const F *cur, const F *next, const F *per, size_t stride)
{
#define C_(i) cur[(size_t)(i) * stride]
#define N_(i) next[(size_t)(i) * stride]
#define O_ out[(size_t)(o++) * stride] =
    const F first = per[0], second = per[stride], third = per[2 * stride], last = per[3 * stride];
    const F one = F_K(1), not_last = F_SUB(one, last), b = C_(BIT);
    unsigned o = 0;
    /* Compressions: capacity zero. */
    for (unsigned j = 0; j < D; j++)
        O_ C_(GA + IN + 2 * D + j);
    for (unsigned j = 0; j < D; j++)
        O_ C_(GB + IN + 2 * D + j);
    /* left = node + b (sib - node), right = sib + b (node - sib), both paths:
     * the node is the right child when bit l of the index is 1. */
    for (unsigned g = 0; g < 2; g++) {
        unsigned gad = g == 0 ? GA : GB, node = g == 0 ? NODE_OLD : NODE_NEW;
        for (unsigned j = 0; j < D; j++) {
            F d = F_MUL(b, F_SUB(C_(SIB + j), C_(node + j)));
            O_ F_SUB(C_(gad + IN + j), F_ADD(C_(node + j), d));
            O_ F_SUB(C_(gad + IN + D + j), F_SUB(C_(SIB + j), d));
        }
    }
    /* The index: boolean bits, rem_l = b_l + 2 rem_(l+1), rem_31 = b_31. */
    O_ F_MUL(b, F_SUB(b, one));
    F r = F_SUB(C_(REM), b);
    O_ F_MUL(not_last, F_SUB(r, F_ADD(N_(REM), N_(REM))));
    O_ F_MUL(last, r);
    /* Path chaining: the parent is the next level's node. */
    for (unsigned j = 0; j < D; j++)
        O_ F_MUL(not_last, F_SUB(N_(NODE_OLD + j), C_(GA + OUT + j)));
    for (unsigned j = 0; j < D; j++)
        O_ F_MUL(not_last, F_SUB(N_(NODE_NEW + j), C_(GB + OUT + j)));
    /* Roots: the old path reaches the current root; the new path's root is
     * the root of the next update. */
    for (unsigned j = 0; j < D; j++)
        O_ F_MUL(last, F_SUB(C_(GA + OUT + j), C_(ROOT + j)));
    for (unsigned j = 0; j < D; j++)
        O_ F_SUB(F_SUB(N_(ROOT + j), C_(ROOT + j)), F_MUL(last, F_SUB(C_(GB + OUT + j), C_(ROOT + j))));
    /* Commitment, row 0: the sponge's first block (index, old leaf,
     * new_leaf[0..3)) with capacity (9, LM_P2_TAG_ELEMENTS, 0, 0). */
    F want[LM_P2_WIDTH];
    want[0] = C_(REM);
    for (unsigned j = 0; j < D; j++) {
        want[1 + j] = C_(NODE_OLD + j);
        want[1 + D + j] = j < D - 1 ? C_(NODE_NEW + j) : F_K(2 * D + 1);
    }
    want[2 * D + 1] = F_K(LM_P2_TAG_ELEMENTS);
    want[2 * D + 2] = F_K(0);
    want[2 * D + 3] = F_K(0);
    for (unsigned j = 0; j < LM_P2_WIDTH; j++)
        O_ F_MUL(first, F_SUB(C_(GH + IN + j), want[j]));
    /* row 1: the second block (new_leaf[3], 0, ..., 0), capacity carried */
    O_ F_MUL(first, F_SUB(N_(GH + IN), C_(NODE_NEW + D - 1)));
    for (unsigned j = 1; j < 2 * D; j++)
        O_ F_MUL(first, N_(GH + IN + j));
    for (unsigned j = 2 * D; j < LM_P2_WIDTH; j++)
        O_ F_MUL(first, F_SUB(N_(GH + IN + j), C_(GH + OUT + j)));
    /* row 2: compress(acc, digest) */
    for (unsigned j = 0; j < D; j++)
        O_ F_MUL(second, F_SUB(N_(GH + IN + j), C_(ACC + j)));
    for (unsigned j = 0; j < D; j++)
        O_ F_MUL(second, F_SUB(N_(GH + IN + D + j), C_(GH + OUT + j)));
    for (unsigned j = 2 * D; j < LM_P2_WIDTH; j++)
        O_ F_MUL(second, N_(GH + IN + j));
    /* acc takes the compression's output after row 2 */
    for (unsigned j = 0; j < D; j++)
        O_ F_SUB(F_SUB(N_(ACC + j), C_(ACC + j)), F_MUL(third, F_SUB(C_(GH + OUT + j), C_(ACC + j))));
    return o;
#undef C_
#undef N_
#undef O_
}

#undef F
#undef F_ADD
#undef F_SUB
#undef F_MUL
#undef F_K
#undef RS_NAME
