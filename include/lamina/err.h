/* Errors: a code and a human-readable message.
 *
 * Bad input from the world is reported through an lm_err, never a crash.
 * Functions that can fail return an int code (LM_OK == 0) and, when the
 * caller passes a non-NULL lm_err, also write a message into it. */
#ifndef LAMINA_ERR_H
#define LAMINA_ERR_H

#include <stddef.h>

#define LM_MUST_CHECK __attribute__((warn_unused_result))

typedef enum lm_code {
    LM_OK = 0,
    LM_EINVAL,     /* malformed input (bad digit, bad tag, bad value) */
    LM_ETRUNC,     /* input ended early */
    LM_ETRAILING,  /* bytes left after a complete value */
    LM_ENONCANON,  /* a valid but non-canonical encoding */
    LM_EOVERFLOW,  /* arithmetic or value out of range */
    LM_ETOOLARGE,  /* a length or count above a limit */
    LM_ESPACE,     /* the output buffer is too small */
    LM_ENOMEM,     /* allocation failed */
    LM_EIO,        /* an operating-system call failed */
    LM_ECRYPTO,    /* a key, signature or proof is invalid */
    LM_EDIVZERO,   /* division by zero */
    LM_ETIMEOUT,   /* a peer did not answer in time */
    LM_EHTTP,      /* an HTTP status other than success */
    LM_ERPC,       /* a JSON-RPC error object from the peer */
    LM_EPROTO,     /* a peer's answer is malformed */
    LM_ENOTFOUND,  /* the thing asked for does not exist */
    LM_EDROPPED,   /* a sent L1 transaction will not be mined: gone from the chain and
                      the node's pool, its nonce taken, or stuck behind a nonce gap */
    LM_ECODE_COUNT
} lm_code;

#define LM_ERR_MSG_MAX 192

typedef struct lm_err {
    lm_code code;
    char msg[LM_ERR_MSG_MAX];
} lm_err;

/* Returns: a static name for a code ("EINVAL", …); "E?" for unknown codes. */
const char *lm_code_name(lm_code code);

/* Records code and a printf-style message in *err (if err is not NULL).
 * Returns: code, so that `return lm_err_set(err, LM_EINVAL, "...")` works. */
lm_code lm_err_set(lm_err *err, lm_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in *err with "prefix: " (if err is not NULL).
 * Returns: err->code (or code when err is NULL). */
lm_code lm_err_wrap(lm_err *err, lm_code code, const char *prefix);

/* Resets *err to LM_OK with an empty message. */
void lm_err_clear(lm_err *err);

#endif
