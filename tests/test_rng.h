/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators, scrambled", 2016: shifts 12, 25, 27 and the multiplier
 * 0x2545F4914F6CDD1D): the small fixed-seed PRNG the tests draw their
 * random inputs from, so that every run sees the same inputs. Each test
 * keeps its own state and seed. Header-only. */
#ifndef LM_TESTS_TEST_RNG_H
#define LM_TESTS_TEST_RNG_H

#include <stdint.h>

/* Advances *state (nonzero) and returns the next output. */
static inline uint64_t xorshift64s(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

#endif
