#!/usr/bin/env python3
"""Plain Python verifier for Lamina's FRI and STARK proofs, written from
docs/stark.md (sections Transcript, Merkle commitments, FRI, STARK and the
two proof formats) on top of the Poseidon2 and transcript models, as a
check that the document is complete enough for another verifier (the
Solidity one) to follow. It verifies the encoded proofs committed as fuzz
seeds, which the C prover wrote:
  tests/fuzz/corpus/fri_proof/valid_proof_seed*   (the fuzz_fri_proof.c parameters)
  tests/fuzz/corpus/stark_proof/valid_fibonacci_8_rows (a fuzz_stark_proof.c statement)
  tests/fuzz/corpus/stark_proof/valid_periodic_counter_16_rows (the other one,
      with periodic columns)
  tests/vectors/stark_p2chain_n7.bin and stark_p2chain_n7_blowup2.bin (the
      Poseidon2 hash-chain AIR, x_7 = P^7(0..11), at blowup 8 and at blowup
      2, below its degree 7; written by tests/unit/test_air_poseidon2.c; its
      constraints are modelled here from docs/stark.md "The gadget" and
      "The hash-chain AIR", and x_7 comes from poseidon2_model.permute)
  tests/vectors/stark_state_far_leaf_n2.bin (the state-update AIR: leaf
      2^32 - 1 of an empty tree set to (1,2,3,4), then leaf 6 to (9,9,9,9),
      written by tests/unit/test_air_state.c; its 437 constraints modelled
      from docs/stark.md "State-update AIR", the roots from
      state_tree_model.py and the commitment from the Poseidon2 model)
and checks that tampering with one element, or with the statement (a
boundary or periodic value), makes it reject.
Run: python3 tests/vectors/stark_model.py"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from poseidon2_model import (P, compress, hash_elements, hash_bytes, permute, external, internal,  # noqa: E402
                             RCF, RCP)
from state_tree_model import Z as ZERO_SUBTREE, root as tree_root  # noqa: E402
from transcript_model import Transcript  # noqa: E402

ROOT_2_32 = 1753635133440165772
SHIFT = 7


def root(k):
    return pow(ROOT_2_32, 1 << (32 - k), P)


def bitrev(i, k):
    r = 0
    for _ in range(k):
        r = (r << 1) | (i & 1)
        i >>= 1
    return r


# ---- K = F_p[x]/(x^3 - x - 1) ------------------------------------------------
def kadd(a, b):
    return tuple((x + y) % P for x, y in zip(a, b))


def ksub(a, b):
    return tuple((x - y) % P for x, y in zip(a, b))


def kmul(a, b):
    d = [0] * 5
    for i in range(3):
        for j in range(3):
            d[i + j] += a[i] * b[j]
    # x^3 = x + 1, x^4 = x^2 + x
    return ((d[0] + d[3]) % P, (d[1] + d[3] + d[4]) % P, (d[2] + d[4]) % P)


def kbase(v):
    return (v % P, 0, 0)


def kpow(a, e):
    r = (1, 0, 0)
    while e:
        if e & 1:
            r = kmul(r, a)
        a = kmul(a, a)
        e >>= 1
    return r


def kinv(a):
    return kpow(a, P**3 - 2)


def squeeze_k(t):
    return (t.squeeze(), t.squeeze(), t.squeeze())


class Reject(Exception):
    pass


# ---- bytes --------------------------------------------------------------------
class Cursor:
    def __init__(self, data):
        self.d, self.i = data, 0

    def take(self, n):
        if self.i + n > len(self.d):
            raise Reject('truncated')
        b = self.d[self.i:self.i + n]
        self.i += n
        return b

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return int.from_bytes(self.take(2), 'little')

    def u32(self):
        return int.from_bytes(self.take(4), 'little')

    def u64(self):
        return int.from_bytes(self.take(8), 'little')

    def el(self):
        v = self.u64()
        if v >= P:
            raise Reject('non-canonical')
        return v

    def els(self, n):
        return [self.el() for _ in range(n)]


# ---- Merkle multi-proof (docs: "Merkle commitments") ------------------------------
def merkle_verify(root_d, k, idx, leaves, sib):
    assert all(idx[i] < idx[i + 1] for i in range(len(idx) - 1))
    S = list(zip(idx, leaves))
    used = 0
    for _ in range(k):
        nxt, i = [], 0
        while i < len(S):
            q, d = S[i]
            if q % 2 == 0 and i + 1 < len(S) and S[i + 1][0] == q + 1:
                par = compress(d, S[i + 1][1])
                i += 2
            else:
                if used >= len(sib):
                    raise Reject('missing sibling')
                s = sib[used]
                used += 1
                par = compress(s, d) if q & 1 else compress(d, s)
                i += 1
            nxt.append((q >> 1, par))
        S = nxt
    if used != len(sib) or S != [(0, list(root_d))]:
        raise Reject('merkle')


# ---- FRI (docs: "FRI", "Proof format") ---------------------------------------------
def fri_layers(log_n, log_blowup, log_final):
    log_d = log_n - log_blowup
    r = max(0, log_d - log_final)
    return r, 1 << (log_d - r)


def fri_read(c, log_n, log_blowup, log_final):
    r, L = fri_layers(log_n, log_blowup, log_final)
    if c.u8() != 1 or c.u8() != log_n or c.u8() != r or c.u32() != L:
        raise Reject('fri header')
    nonce = c.u64()
    roots = [c.els(4) for _ in range(r)]
    final = [tuple(c.els(3)) for _ in range(L)]
    layers = []
    for _ in range(r):
        n = c.u32()
        rows = [c.els(6) for _ in range(n)]
        ns = c.u32()
        sib = [c.els(4) for _ in range(ns)]
        layers.append((rows, sib))
    return dict(nonce=nonce, roots=roots, final=final, layers=layers, r=r)


def fri_verify(t, pf, log_n, queries, pow_bits):
    r = pf['r']
    betas = []
    for i in range(r):
        t.absorb(pf['roots'][i])
        betas.append(squeeze_k(t))
    for c in pf['final']:
        t.absorb(list(c))
    if pf['nonce'] >= P or not t.check_pow(pf['nonce'], pow_bits):
        raise Reject('pow')
    q = [t.squeeze_index(log_n) for _ in range(queries)]
    opened = []
    for i in range(r):
        pos = sorted(set(x >> (i + 1) for x in q))
        rows, sib = pf['layers'][i]
        if len(rows) != len(pos):
            raise Reject('row count')
        merkle_verify(pf['roots'][i], log_n - i - 1, pos, [hash_elements(rw) for rw in rows], sib)
        opened.append(dict(zip(pos, rows)))
    first = []
    half = (P + 1) // 2
    for x0 in q:
        s, val = SHIFT, None
        for i in range(r):
            p_ = x0 >> i
            leaf = p_ >> 1
            rw = opened[i][leaf]
            a, b = tuple(rw[0:3]), tuple(rw[3:6])
            known = b if p_ & 1 else a
            if i == 0:
                first.append(known)
            elif known != val:
                raise Reject('fold')
            Li = log_n - i
            x = s * pow(root(Li), bitrev(2 * leaf, Li), P) % P
            hinv = pow(2 * x % P, P - 2, P)
            even = tuple(v * half % P for v in kadd(a, b))
            odd = tuple(v * hinv % P for v in ksub(a, b))
            val = kadd(even, kmul(betas[i], odd))
            s = s * s % P
        Lr = log_n - r
        x = s * pow(root(Lr), bitrev(x0 >> r, Lr), P) % P
        fin = (0, 0, 0)
        for c in reversed(pf['final']):
            fin = kadd(kmul(fin, kbase(x)), c)
        if r == 0:
            first.append(fin)
        elif fin != val:
            raise Reject('final')
    return q, first


# ---- STARK (docs: "STARK") ---------------------------------------------------------
def fib_eval(cur, nxt, per):
    return [ksub(nxt[0], cur[1]), ksub(nxt[1], kadd(cur[0], cur[1]))]


def pc_eval(cur, nxt, per):
    one = (1, 0, 0)
    return [ksub(nxt[0], kmul(kadd(cur[0], one), ksub(one, per[0]))),
            ksub(nxt[1], kadd(cur[1], kmul(per[1], cur[0])))]


def k_linear(f, s):
    # M_E and M_I have base-field coefficients: apply them per coordinate of K
    cols = [f([v[c] for v in s]) for c in range(3)]
    return [(cols[0][i], cols[1][i], cols[2][i]) for i in range(len(s))]


def sbox7(v):
    v2 = kmul(v, v)
    return kmul(kmul(kmul(v2, v2), v2), v)


def p2_gadget_eval(x, rounds):
    # docs/stark.md "The gadget": rounds = the 118 round columns F_0..F_3,
    # y_0..y_21, F_4..F_7; x = the input state; 118 constraints in order
    out = []
    s = k_linear(external, x)
    for r in range(4):
        u = k_linear(external, [sbox7(kadd(s[i], kbase(RCF[r][i]))) for i in range(12)])
        f = rounds[12 * r:12 * r + 12]
        out += [ksub(f[i], u[i]) for i in range(12)]
        s = list(f)
    for r in range(22):
        y = rounds[48 + r]
        out.append(ksub(y, sbox7(kadd(s[0], kbase(RCP[r])))))
        s[0] = y
        s = k_linear(internal, s)
    for r in range(4):
        u = k_linear(external, [sbox7(kadd(s[i], kbase(RCF[4 + r][i]))) for i in range(12)])
        f = rounds[70 + 12 * r:82 + 12 * r]
        out += [ksub(f[i], u[i]) for i in range(12)]
        s = list(f)
    return out


def p2chain_eval(cur, nxt, per):
    # "the gadget's 118 constraints with input state cur[106..117] and round
    # columns next[0..117]"
    return p2_gadget_eval(cur[106:118], nxt[0:118])


# docs/stark.md "State-update AIR": column offsets
SA_GA, SA_GB, SA_GH = 0, 130, 260
SA_OLD, SA_NEW, SA_SIB, SA_B, SA_REM, SA_ROOT, SA_ACC = 390, 394, 398, 402, 403, 404, 408
ONE = (1, 0, 0)


def stateair_eval(cur, nxt, per):
    first, second, third, last = per
    nl = ksub(ONE, last)

    def g_in(row, g, j):
        return row[g + j]

    def g_out(row, g, j):
        return row[g + 118 + j]

    out = []
    for g in (SA_GA, SA_GB, SA_GH):  # 0..353
        out += p2_gadget_eval(cur[g:g + 12], cur[g + 12:g + 130])
    for g in (SA_GA, SA_GB):  # 354..361
        out += [g_in(cur, g, 8 + j) for j in range(4)]
    b = cur[SA_B]
    for g, node in ((SA_GA, SA_OLD), (SA_GB, SA_NEW)):  # 362..377
        for j in range(4):
            nd, sb = cur[node + j], cur[SA_SIB + j]
            sw = kmul(b, ksub(sb, nd))
            out.append(ksub(g_in(cur, g, j), kadd(nd, sw)))
            out.append(ksub(g_in(cur, g, 4 + j), ksub(sb, sw)))
    out.append(kmul(b, ksub(b, ONE)))  # 378
    rem = cur[SA_REM]
    out.append(kmul(nl, ksub(ksub(rem, b), kmul(kbase(2), nxt[SA_REM]))))  # 379
    out.append(kmul(last, ksub(rem, b)))  # 380
    out += [kmul(nl, ksub(nxt[SA_OLD + j], g_out(cur, SA_GA, j))) for j in range(4)]  # 381..384
    out += [kmul(nl, ksub(nxt[SA_NEW + j], g_out(cur, SA_GB, j))) for j in range(4)]  # 385..388
    out += [kmul(last, ksub(g_out(cur, SA_GA, j), cur[SA_ROOT + j])) for j in range(4)]  # 389..392
    out += [ksub(ksub(nxt[SA_ROOT + j], cur[SA_ROOT + j]),
                 kmul(last, ksub(g_out(cur, SA_GB, j), cur[SA_ROOT + j]))) for j in range(4)]  # 393..396
    w = [rem] + cur[SA_OLD:SA_OLD + 4] + cur[SA_NEW:SA_NEW + 3] + [kbase(9), ONE, kbase(0), kbase(0)]
    out += [kmul(first, ksub(g_in(cur, SA_GH, j), w[j])) for j in range(12)]  # 397..408
    out.append(kmul(first, ksub(g_in(nxt, SA_GH, 0), cur[SA_NEW + 3])))  # 409
    out += [kmul(first, g_in(nxt, SA_GH, j)) for j in range(1, 8)]  # 410..416
    out += [kmul(first, ksub(g_in(nxt, SA_GH, 8 + j), g_out(cur, SA_GH, 8 + j))) for j in range(4)]  # 417..420
    out += [kmul(second, ksub(g_in(nxt, SA_GH, j), cur[SA_ACC + j])) for j in range(4)]  # 421..424
    out += [kmul(second, ksub(g_in(nxt, SA_GH, 4 + j), g_out(cur, SA_GH, j))) for j in range(4)]  # 425..428
    out += [kmul(second, g_in(nxt, SA_GH, 8 + j)) for j in range(4)]  # 429..432
    out += [ksub(ksub(nxt[SA_ACC + j], cur[SA_ACC + j]),
                 kmul(third, ksub(g_out(cur, SA_GH, j), cur[SA_ACC + j]))) for j in range(4)]  # 433..436
    assert len(out) == 437
    return out


def periodic_at(vals, log_h, z):
    # docs: the column is p(x^(h/m)) with p(w_m^i) = vals[i], deg p < m.
    # Here by the inverse DFT c_k = (1/m) sum_i vals[i] w_m^(-ik) and Horner
    # (the C verifier uses the barycentric formula instead).
    m = len(vals)
    lp = m.bit_length() - 1
    assert 1 << lp == m and lp <= log_h
    w = root(lp)
    winv, minv = pow(w, P - 2, P), pow(m, P - 2, P)
    coef = [sum(v * pow(winv, i * k, P) for i, v in enumerate(vals)) * minv % P for k in range(m)]
    y = kpow(z, 1 << (log_h - lp))
    acc = (0, 0, 0)
    for c in reversed(coef):
        acc = kadd(kmul(acc, y), kbase(c))
    return acc


def stark_verify(data, name, width, n_cons, degree, bnd, ev, log_h, fp, periodic=()):
    log_blowup, log_final, queries, pow_bits = fp
    Q = max(1, degree - 1)
    log_N = log_h + log_blowup
    h = 1 << log_h
    c = Cursor(data)
    if c.u8() != 1 or c.u8() != log_h or c.u16() != width or c.u8() != Q:
        raise Reject('stark header')
    troot, croot = c.els(4), c.els(4)
    ood = [tuple(c.els(3)) for _ in range(2 * width + Q)]
    flen = c.u32()
    fc = Cursor(c.take(flen))
    fri = fri_read(fc, log_N, log_blowup, log_final)
    if fc.i != flen:
        raise Reject('fri trailing')
    n_open = c.u32()
    trows = [c.els(width) for _ in range(n_open)]
    tsib = [c.els(4) for _ in range(c.u32())]
    crows = [c.els(3 * Q) for _ in range(n_open)]
    csib = [c.els(4) for _ in range(c.u32())]
    if c.i != len(data):
        raise Reject('trailing')
    t = Transcript(b'lamina-stark-v1')
    t.absorb(hash_bytes(name))
    t.absorb([log_h, width, n_cons, degree, len(bnd), log_blowup, log_final, queries, pow_bits, Q,
              len(periodic)])
    for col, row, v in bnd:
        t.absorb([col, row, v])
    for vals in periodic:
        t.absorb([len(vals).bit_length() - 1])
        t.absorb(hash_elements(list(vals)))
    t.absorb(troot)
    ch = [squeeze_k(t) for _ in range(n_cons + len(bnd))]
    t.absorb(croot)
    z = squeeze_k(t)
    g = root(log_h)
    gz = kmul(z, kbase(g))
    for v in ood:
        t.absorb(list(v))
    gam = [squeeze_k(t) for _ in range(2 * width + Q)]
    # out-of-domain check
    zh = kpow(z, h)
    acc = (0, 0, 0)
    if n_cons:
        per = [periodic_at(vals, log_h, z) for vals in periodic]
        tv = ev(ood[0:width], ood[width:2 * width], per)
        for j in range(n_cons):
            acc = kadd(acc, kmul(ch[j], tv[j]))
        f = kmul(ksub(z, kbase(pow(g, h - 1, P))), kinv(ksub(zh, (1, 0, 0))))
        acc = kmul(acc, f)
    for k, (col, row, v) in enumerate(bnd):
        num = ksub(ood[col], kbase(v))
        acc = kadd(acc, kmul(ch[n_cons + k], kmul(num, kinv(ksub(z, kbase(pow(g, row, P)))))))
    rhs, zih = (0, 0, 0), (1, 0, 0)
    for i in range(Q):
        rhs = kadd(rhs, kmul(zih, ood[2 * width + i]))
        zih = kmul(zih, zh)
    if acc != rhs:
        raise Reject('ood')
    q, first = fri_verify(t, fri, log_N, queries, pow_bits)
    pos = sorted(set(q))
    if len(pos) != n_open:
        raise Reject('openings')
    merkle_verify(troot, log_N, pos, [hash_elements(rw) for rw in trows], tsib)
    merkle_verify(croot, log_N, pos, [hash_elements(rw) for rw in crows], csib)
    wN = root(log_N)
    for k, x0 in enumerate(q):
        r_ = pos.index(x0)
        x = SHIFT * pow(wN, bitrev(x0, log_N), P) % P
        iz, igz = kinv(ksub(kbase(x), z)), kinv(ksub(kbase(x), gz))
        a, b = (0, 0, 0), (0, 0, 0)
        for cc in range(width):
            tv_ = kbase(trows[r_][cc])
            a = kadd(a, kmul(gam[cc], ksub(tv_, ood[cc])))
            b = kadd(b, kmul(gam[width + cc], ksub(tv_, ood[width + cc])))
        for i in range(Q):
            sv = tuple(crows[r_][3 * i:3 * i + 3])
            a = kadd(a, kmul(gam[2 * width + i], ksub(sv, ood[2 * width + i])))
        if kadd(kmul(a, iz), kmul(b, igz)) != first[k]:
            raise Reject('deep')


def expect_reject(fn, data):
    try:
        fn(data)
    except Reject:
        return
    raise AssertionError('tampered proof accepted')


def expect_flips_rejected(fn, data, offsets):
    """fn rejects data with the low bit of any one byte at `offsets` flipped."""
    for off in offsets:
        bad = bytearray(data)
        bad[off] ^= 1
        expect_reject(fn, bytes(bad))


if __name__ == '__main__':
    corpus = os.path.join(HERE, '..', 'fuzz', 'corpus')

    def fri_check(data):
        c = Cursor(data)
        pf = fri_read(c, 7, 2, 1)
        if c.i != len(data):
            raise Reject('trailing')
        fri_verify(Transcript(b'lamina-fri-test'), pf, 7, 4, 3)

    for seed in ('valid_proof_seed1', 'valid_proof_seed2'):
        data = open(os.path.join(corpus, 'fri_proof', seed), 'rb').read()
        fri_check(data)
        bad = bytearray(data)
        bad[len(bad) - 9] ^= 1  # a sibling element of the last layer
        expect_reject(fri_check, bytes(bad))
        print('fri %s: verifies, tampered copy rejected' % seed)

    def stark_check(data):
        stark_verify(data, b'fibonacci', 2, 2, 1, [(0, 0, 1), (1, 0, 1), (1, 7, 34)], fib_eval, 3, (2, 1, 3, 1))

    data = open(os.path.join(corpus, 'stark_proof', 'valid_fibonacci_8_rows'), 'rb').read()
    stark_check(data)
    # the trace root, an out-of-domain value, the last composition sibling
    expect_flips_rejected(stark_check, data, (5 + 8, 5 + 64 + 8, len(data) - 8))
    print('stark valid_fibonacci_8_rows: verifies, tampered copies rejected')

    SEL, K = [0, 0, 0, 0, 0, 0, 0, 1], [5, 7, 11, 13]
    # the counter c_i = i mod 8 and a_15 = sum_(i < 15) K[i mod 4] (i mod 8)
    A15 = sum(K[i % 4] * (i % 8) for i in range(15))
    assert A15 == 469

    def pc_check(data, sel=SEL, k=K, a15=A15):
        stark_verify(data, b'periodic-counter', 2, 2, 2, [(0, 0, 0), (1, 0, 0), (1, 15, a15)], pc_eval, 4,
                     (2, 1, 3, 1), periodic=(sel, k))

    data = open(os.path.join(corpus, 'stark_proof', 'valid_periodic_counter_16_rows'), 'rb').read()
    pc_check(data)
    expect_flips_rejected(pc_check, data, (5 + 8, 5 + 64 + 8, len(data) - 8))
    expect_reject(lambda d: pc_check(d, sel=[0, 0, 0, 1, 0, 0, 0, 1]), data)
    expect_reject(lambda d: pc_check(d, k=[5, 7, 11, 14]), data)
    expect_reject(lambda d: pc_check(d, a15=A15 + 1), data)
    print('stark valid_periodic_counter_16_rows: verifies, tampered copies and statements rejected')

    # the model's gadget against the permutation itself: with the round
    # columns of a true permutation every constraint is zero, and a changed
    # round column breaks exactly the constraints that read it
    def gadget_columns(x):
        cols, s = [], external(list(x))
        for r in range(4):
            s = external([pow((s[i] + RCF[r][i]) % P, 7, P) for i in range(12)])
            cols += s
        ys = []
        for r in range(22):
            s[0] = pow((s[0] + RCP[r]) % P, 7, P)
            ys.append(s[0])
            s = internal(s)
        cols += ys
        for r in range(4, 8):
            s = external([pow((s[i] + RCF[r][i]) % P, 7, P) for i in range(12)])
            cols += s
        assert s == permute(list(x))
        return cols

    gx = list(range(12))
    gcols = gadget_columns(gx)
    assert all(v == (0, 0, 0) for v in p2_gadget_eval([kbase(v) for v in gx], [kbase(v) for v in gcols]))
    bad_cols = [kbase(v) for v in gcols]
    bad_cols[60] = kadd(bad_cols[60], (1, 0, 0))  # y_12
    assert p2_gadget_eval([kbase(v) for v in gx], bad_cols)[60] != (0, 0, 0)

    X0 = list(range(12))
    XN = X0
    for _ in range(7):
        XN = permute(XN)

    def chain_check(data, x0=X0, xn=XN, n=7, fri=(3, 1, 6, 4)):
        bnd = [(106 + k, 0, x0[k]) for k in range(12)] + [(106 + k, n, xn[k]) for k in range(12)]
        stark_verify(data, b'lamina-poseidon2-chain-v1', 118, 118, 7, bnd, p2chain_eval, 4, fri)

    data = open(os.path.join(HERE, 'stark_p2chain_n7.bin'), 'rb').read()
    chain_check(data)
    expect_flips_rejected(chain_check, data, (5 + 8, 5 + 64 + 8, len(data) // 2, len(data) - 8))
    expect_reject(lambda d: chain_check(d, xn=[XN[0] + 1] + XN[1:]), data)
    expect_reject(lambda d: chain_check(d, x0=[1] + X0[1:]), data)
    expect_reject(lambda d: chain_check(d, n=6), data)
    print('stark p2chain n = 7: verifies, tampered copies and statements rejected')

    # the same statement at blowup 2 (below the constraint degree 7: the
    # prover evaluated the constraints on 8 h points; the verifier is the same)
    def chain_check_b2(data, xn=XN):
        chain_check(data, xn=xn, fri=(1, 1, 24, 4))

    data = open(os.path.join(HERE, 'stark_p2chain_n7_blowup2.bin'), 'rb').read()
    chain_check_b2(data)
    expect_flips_rejected(chain_check_b2, data, (5 + 8, len(data) // 2, len(data) - 8))
    expect_reject(lambda d: chain_check_b2(d, xn=[XN[0] + 1] + XN[1:]), data)
    expect_reject(lambda d: chain_check(d), data)  # not a blowup-8 proof
    print('stark p2chain n = 7 at blowup 2: verifies, tampered copies and statements rejected')

    # the state-update AIR: an empty tree, leaf 2^32 - 1 := (1,2,3,4), then
    # leaf 6 := (9,9,9,9); A, B from the tree model, C from the definition
    UPS = [(0xffffffff, [0] * 4, [1, 2, 3, 4]), (6, [0] * 4, [9] * 4)]
    SA_A = ZERO_SUBTREE[32]
    SA_B_ROOT = tree_root({0xffffffff: [1, 2, 3, 4], 6: [9] * 4})
    SA_C = [0, 0, 0, 0]
    for idx, old_leaf, new_leaf in UPS:
        SA_C = compress(SA_C, hash_elements([idx] + old_leaf + new_leaf))
    PER = tuple([1 if l == k else 0 for l in range(32)] for k in (0, 1, 2, 31))

    def state_check(data, a=SA_A, b=SA_B_ROOT, c=SA_C, n=2):
        bnd = ([(SA_ROOT + j, 0, a[j]) for j in range(4)] + [(SA_ACC + j, 0, 0) for j in range(4)] +
               [(SA_GB + 118 + j, 32 * (n - 1) + 31, b[j]) for j in range(4)] +
               [(SA_ACC + j, 32 * (n - 1) + 3, c[j]) for j in range(4)])
        log_h = 6
        while (1 << log_h) < 32 * n + 1:
            log_h += 1
        stark_verify(data, b'lamina-state-update-v1', 412, 437, 7, bnd, stateair_eval, log_h, (3, 2, 12, 4),
                     periodic=PER)

    data = open(os.path.join(HERE, 'stark_state_far_leaf_n2.bin'), 'rb').read()
    state_check(data)
    expect_flips_rejected(state_check, data, (5 + 8, 5 + 64 + 8, len(data) // 2, len(data) - 8))
    expect_reject(lambda d: state_check(d, a=ZERO_SUBTREE[31]), data)
    expect_reject(lambda d: state_check(d, b=tree_root({0xffffffff: [1, 2, 3, 4]})), data)
    expect_reject(lambda d: state_check(d, c=compress([0] * 4, hash_elements([6] + [0] * 4 + [9] * 4))), data)
    expect_reject(lambda d: state_check(d, n=3), data)
    print('stark state-update, 2 updates: verifies, tampered copies and statements rejected')
