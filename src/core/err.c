#include "lamina/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const code_names[LM_ECODE_COUNT] = {
    [LM_OK] = "OK",           [LM_EINVAL] = "EINVAL",     [LM_ETRUNC] = "ETRUNC",
    [LM_ETRAILING] = "ETRAILING", [LM_ENONCANON] = "ENONCANON",
    [LM_EOVERFLOW] = "EOVERFLOW", [LM_ETOOLARGE] = "ETOOLARGE",
    [LM_ESPACE] = "ESPACE",   [LM_ENOMEM] = "ENOMEM",     [LM_EIO] = "EIO",
    [LM_ECRYPTO] = "ECRYPTO", [LM_EDIVZERO] = "EDIVZERO",     [LM_ETIMEOUT] = "ETIMEOUT",
    [LM_EHTTP] = "EHTTP",     [LM_ERPC] = "ERPC",           [LM_EPROTO] = "EPROTO",
    [LM_ENOTFOUND] = "ENOTFOUND", [LM_EDROPPED] = "EDROPPED",
};

const char *lm_code_name(lm_code code)
{
    if ((unsigned)code >= LM_ECODE_COUNT)
        return "E?";
    return code_names[code];
}

lm_code lm_err_set(lm_err *err, lm_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

lm_code lm_err_wrap(lm_err *err, lm_code code, const char *prefix)
{
    if (!err)
        return code;
    char old[LM_ERR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    size_t p = strnlen(prefix, sizeof err->msg - 3);
    memcpy(err->msg, prefix, p);
    memcpy(err->msg + p, ": ", 2);
    size_t room = sizeof err->msg - p - 3;
    size_t o = strnlen(old, room);
    memcpy(err->msg + p + 2, old, o);
    err->msg[p + 2 + o] = '\0';
    return err->code;
}

void lm_err_clear(lm_err *err)
{
    if (err) {
        err->code = LM_OK;
        err->msg[0] = '\0';
    }
}
