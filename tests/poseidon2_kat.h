/* The Horizen Labs known answer for Poseidon2 over Goldilocks, t = 12
 * (github.com/HorizenLabs/poseidon2, plain_implementations, kats() of
 * poseidon2_instance_goldilocks: the permutation of 0, 1, ..., 11), shared
 * by every test of a Poseidon2 implementation (scalar, lanes, AIR, GPU). */
#ifndef LAMINA_TESTS_POSEIDON2_KAT_H
#define LAMINA_TESTS_POSEIDON2_KAT_H

#include <stdint.h>

static const uint64_t P2_KAT_OUT[12] = {
    0x01eaef96bdf1c0c1ull, 0x1f0d2cc525b2540cull, 0x6282c1dfe1e0358dull, 0xe780d721f698e1e6ull,
    0x280c0b6f753d833bull, 0x1b942dd5023156abull, 0x43f0df3fcccb8398ull, 0xe8e8190585489025ull,
    0x56bdbf72f77ada22ull, 0x7911c32bf9dcd705ull, 0xec467926508fbe67ull, 0x6a50450ddf85a6edull,
};

#endif
