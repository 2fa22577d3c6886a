/* STARK security calculator and default parameters.
 * See include/lamina/stark_params.h and docs/stark.md ("Security"). */
#include "lamina/stark_params.h"

#include <stdint.h>
#include <string.h>

/* lm_stark links no libm, so the two functions needed are here. */

/* Returns: log2(x) for a finite x > 0 (normal numbers), to ~1e-15. */
static double log2_(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & ~(UINT64_C(0x7ff) << 52)) | (UINT64_C(1023) << 52);
    double m;
    memcpy(&m, &bits, sizeof m); /* x = m 2^e, 1 <= m < 2 */
    if (m > 1.4142135623730951) {
        m /= 2;
        e++;
    }
    /* ln m = 2 atanh(z), z = (m - 1)/(m + 1), |z| < 0.172. */
    double z = (m - 1) / (m + 1), z2 = z * z, term = z, sum = 0;
    for (int k = 1; k < 40; k += 2) {
        sum += term / k;
        term *= z2;
    }
    return e + 2 * sum / 0.6931471805599453;
}

/* Returns: sqrt(x) for x >= 0 (Newton's iteration). */
static double sqrt_(double x)
{
    if (x <= 0)
        return 0;
    double y = x > 1 ? x : 1;
    for (int i = 0; i < 200; i++) {
        double n = 0.5 * (y + x / y);
        if (n == y)
            break;
        y = n;
    }
    return y;
}

static double ceil_(double x)
{
    double t = (double)(int64_t)x;
    return t < x ? t + 1 : t;
}

static double min_(double a, double b) { return a < b ? a : b; }

/* Bits of security from a -log2(error) value: floor, and 0 when negative. */
static unsigned to_bits_(double v)
{
    if (!(v > 0))
        return 0;
    return (unsigned)v;
}

static bool input_ok_(const lm_security_input *in)
{
    return in->base_field_bits >= 8 && in->base_field_bits <= 256 && in->ext_degree >= 1 && in->ext_degree <= 4 &&
           in->log_blowup >= 1 && in->log_blowup <= LM_FRI_MAX_LOG_BLOWUP && in->num_queries >= 1 &&
           in->num_queries <= LM_FRI_MAX_QUERIES && in->grinding_bits <= LM_TRANSCRIPT_MAX_POW_BITS &&
           in->log_trace_len >= 2 && in->log_trace_len <= 40 && in->folding_factor >= 2 &&
           in->folding_factor <= 16 && in->log_final_len <= 40;
}

static double max_deg_(const lm_security_input *in)
{
    double blowup = (double)(1u << in->log_blowup);
    return in->constraint_degree != 0 ? (double)in->constraint_degree : blowup + 1;
}

/* Theorem 2 of eprint 2024/1553 at Johnson parameter m (see the header).
 * Out: t[0..4) = -log2 of the ALI, DEEP, FRI-commit and FRI-query errors.
 * Returns: false when m is outside the theorem's range (l <= 0). */
static bool ldr_terms_(double t[4], const lm_security_input *in, double m)
{
    double F = in->base_field_bits * in->ext_degree;
    double rho = 1.0 / (double)(1u << in->log_blowup);
    double h = (double)((uint64_t)1 << in->log_trace_len);
    double N = h * (double)(1u << in->log_blowup);
    double denom = rho - 2 * m / N;
    if (!(denom > 0))
        return false;
    /* list size l = m / (rho - 2m/N) */
    double l = m / denom;
    /* epsilon_ALI = l / |F| (linear batching: C = 1) */
    t[0] = F - log2_(l);
    /* epsilon_DEEP = l^2 (d (h + k - 1) + (h - 1)) / |F|, k = 2 openings */
    t[1] = F - log2_(l * l * (max_deg_(in) * (h + 2 - 1) + (h - 1)));
    /* epsilon_FRI-commit ~ (m + 1/2)^7 N^2 / (2 rho^(3/2) |F|) (eprint 2022/1216, eq. 7, first term) */
    double mp = m + 0.5, mp7 = mp * mp * mp * mp * mp * mp * mp;
    t[2] = F - log2_(0.5 * mp7 / (rho * sqrt_(rho)) * N * N);
    /* epsilon_query = alpha^q / 2^grinding, alpha = (1 + 1/(2m)) sqrt(rho) */
    double alpha = (1 + 0.5 / m) * sqrt_(rho);
    t[3] = (double)in->grinding_bits - (double)in->num_queries * log2_(alpha);
    return true;
}

void lm_stark_security_ldr_terms(double terms[4], const lm_security_input *in, unsigned m)
{
    if (!ldr_terms_(terms, in, (double)m))
        terms[0] = terms[1] = terms[2] = terms[3] = 0;
    for (int i = 0; i < 4; i++)
        if (terms[i] < 0)
            terms[i] = 0;
}

/* The largest m keeping the slack eta > 0 in the proof of ethSTARK's
 * Theorem 1: ceil(1 / (2 (sqrt((h+2)/h) - 1))), capped at 1000. */
static unsigned m_max_(const lm_security_input *in)
{
    double h = (double)((uint64_t)1 << in->log_trace_len);
    double m = ceil_(1.0 / (2 * (sqrt_((h + 2) / h) - 1)));
    return m > 1000 ? 1000u : (unsigned)m;
}

/* Theorem 3 of eprint 2024/1553 (unique decoding). */
static double udr_(const lm_security_input *in)
{
    double F = in->base_field_bits * in->ext_degree;
    double h = (double)((uint64_t)1 << in->log_trace_len);
    double N = h * (double)(1u << in->log_blowup);
    double rho_plus = (h + 2) / N; /* (h + k) / N, k = 2 openings */
    double alpha = (1 + rho_plus) / 2;
    double e = F; /* ALI */
    /* DEEP: (d (h + k - 1) + (h - 1)) / |F| */
    e = min_(e, F - log2_(max_deg_(in) * (h + 2 - 1) + (h - 1)));
    /* FRI commit, first round: N / |F| */
    e = min_(e, F - log2_(N));
    /* FRI commit, later rounds: (folding - 1)(N + 1) / |F|, when there are any */
    unsigned log_d = in->log_trace_len, layers = log_d > in->log_final_len ? log_d - in->log_final_len : 0;
    if (layers > 0)
        e = min_(e, F - log2_((in->folding_factor - 1) * (N + 1)));
    /* queries: alpha^q / 2^grinding */
    e = min_(e, (double)in->grinding_bits - (double)in->num_queries * log2_(alpha));
    return e;
}

int lm_stark_security(lm_security *out, const lm_security_input *in, lm_err *err)
{
    if (!input_ok_(in))
        return lm_err_set(err, LM_EINVAL, "stark params: security input out of range");
    double F = in->base_field_bits * in->ext_degree;
    double log_N = (double)(in->log_trace_len + in->log_blowup);
    /* Conjectured: min(F - log2 N, q log2(blowup) + grinding) - 1. */
    double conj = min_(F - log_N, (double)in->num_queries * in->log_blowup + in->grinding_bits) - 1;
    unsigned cap = in->collision_bits;
    memset(out, 0, sizeof *out);
    out->conjectured = to_bits_(conj) < cap ? to_bits_(conj) : cap;
    unsigned udr = to_bits_(udr_(in));
    out->proven_udr = udr < cap ? udr : cap;
    /* Maximise the round-by-round minimum (in whole bits) over m in
     * [3, m_max); the last m reaching the maximum is reported. */
    unsigned ldr = 0, best_m = 0, mmax = m_max_(in);
    for (unsigned m = 3; m < mmax; m++) {
        double t[4];
        if (!ldr_terms_(t, in, (double)m))
            continue;
        unsigned v = to_bits_(min_(min_(t[0], t[1]), min_(t[2], t[3])));
        if (best_m == 0 || v >= ldr) {
            ldr = v;
            best_m = m;
        }
    }
    out->proven_ldr = ldr < cap ? ldr : cap;
    out->best_m = best_m;
    out->proven = out->proven_ldr > out->proven_udr ? out->proven_ldr : out->proven_udr;
    return LM_OK;
}

void lm_stark_default_fri_params(lm_fri_params *fp)
{
    fp->log_blowup = LM_STARK_DEFAULT_LOG_BLOWUP;
    fp->log_final_len = LM_STARK_DEFAULT_LOG_FINAL;
    fp->num_queries = LM_STARK_DEFAULT_QUERIES;
    fp->pow_bits = LM_STARK_DEFAULT_POW_BITS;
}

void lm_stark_fast_fri_params(lm_fri_params *fp)
{
    fp->log_blowup = LM_STARK_FAST_LOG_BLOWUP;
    fp->log_final_len = LM_STARK_DEFAULT_LOG_FINAL;
    fp->num_queries = LM_STARK_FAST_QUERIES;
    fp->pow_bits = LM_STARK_FAST_POW_BITS;
}

void lm_stark_default_security_input(lm_security_input *in, unsigned log_trace_len)
{
    *in = (lm_security_input){
        .base_field_bits = 64,
        .ext_degree = 3,
        .log_blowup = LM_STARK_DEFAULT_LOG_BLOWUP,
        .num_queries = LM_STARK_DEFAULT_QUERIES,
        .grinding_bits = LM_STARK_DEFAULT_POW_BITS,
        .log_trace_len = log_trace_len,
        .constraint_degree = 0,
        .folding_factor = 2,
        .log_final_len = LM_STARK_DEFAULT_LOG_FINAL,
        .collision_bits = LM_STARK_COLLISION_BITS,
    };
}
