/* The operating system's random source. */
#ifndef LAMINA_RANDOM_H
#define LAMINA_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"

/* Fills buf[0..n) from getrandom(2), retrying short reads and EINTR.
 * Returns: LM_OK, or LM_EIO when the kernel refuses. */
LM_MUST_CHECK lm_code lm_random_bytes(uint8_t *buf, size_t n, lm_err *err);

#endif
