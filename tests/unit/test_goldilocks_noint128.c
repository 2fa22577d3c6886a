/* The Goldilocks tests again, on the path without unsigned __int128 (the
 * 64x64->128 product from 32-bit halves that rv32im uses): the header's
 * inline arithmetic is compiled here with LM_GL_NO_INT128. */
#define LM_GL_NO_INT128 1
#include "test_goldilocks.c"
