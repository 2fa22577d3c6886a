#include "lamina/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

static lm_log_level g_level = LM_LOG_INFO;
static FILE *g_stream;

static const char *const level_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"};

void lm_log_set_level(lm_log_level level) { g_level = level; }
lm_log_level lm_log_get_level(void) { return g_level; }
void lm_log_set_stream(FILE *stream) { g_stream = stream; }

int lm_log_level_parse(const char *name, lm_log_level *out)
{
    static const char *const names[] = {"trace", "debug", "info", "warn", "error", "off"};
    for (int i = 0; i <= LM_LOG_OFF; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (lm_log_level)i;
            return 0;
        }
    }
    return -1;
}

void lm_log(lm_log_level level, const char *component, const char *fmt, ...)
{
    if (level < g_level || level >= LM_LOG_OFF)
        return;
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], component);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    fwrite(line, 1, len, g_stream ? g_stream : stderr);
}
