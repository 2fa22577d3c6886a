/* Checked 64-bit unsigned arithmetic.
 *
 * Every operation returns true on success and false on overflow (or division
 * by zero), writing the result only on success. The result must be checked:
 * money in Lamina never goes through unchecked arithmetic. These are
 * header-only and freestanding, so the STF can use them. */
#ifndef LAMINA_CHECKED_H
#define LAMINA_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

#define LM_CHECKED static inline __attribute__((warn_unused_result))

LM_CHECKED bool lm_add_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

LM_CHECKED bool lm_sub_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    if (b > a)
        return false;
    *out = a - b;
    return true;
}

LM_CHECKED bool lm_mul_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

/* q = a / b, r = a % b; false when b == 0. Either output may be NULL. */
LM_CHECKED bool lm_divmod_u64(uint64_t *q, uint64_t *r, uint64_t a, uint64_t b)
{
    if (b == 0)
        return false;
    if (q)
        *q = a / b;
    if (r)
        *r = a % b;
    return true;
}

#endif
