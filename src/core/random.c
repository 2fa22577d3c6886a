#include "lamina/random.h"

#include <errno.h>
#include <sys/random.h>

lm_code lm_random_bytes(uint8_t *buf, size_t n, lm_err *err)
{
    size_t off = 0;
    while (off < n) {
        ssize_t got = getrandom(buf + off, n - off, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return lm_err_set(err, LM_EIO, "getrandom failed (errno %d)", errno);
        }
        off += (size_t)got;
    }
    return LM_OK;
}
