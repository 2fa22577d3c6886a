/* Internal: ends a lanes_avx512.h / lanes_avx2.h section (no include guard). */
#undef P2X_N
#undef P2X_V
#undef P2X
#undef P2X_FN
