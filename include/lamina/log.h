/* Levelled logging to stderr (or a caller-chosen stream).
 *
 * Lines look like: 2026-11-22T17:11:53.123Z INFO  node: message
 * Secrets never go through the logger: callers log key ids, not keys. */
#ifndef LAMINA_LOG_H
#define LAMINA_LOG_H

#include <stdio.h>

typedef enum lm_log_level {
    LM_LOG_TRACE = 0,
    LM_LOG_DEBUG,
    LM_LOG_INFO,
    LM_LOG_WARN,
    LM_LOG_ERROR,
    LM_LOG_OFF,
} lm_log_level;

/* Sets the lowest level that is written (default LM_LOG_INFO). */
void lm_log_set_level(lm_log_level level);
lm_log_level lm_log_get_level(void);

/* Sends log lines to stream (default stderr). The caller keeps it open. */
void lm_log_set_stream(FILE *stream);

/* Parses "trace", "debug", "info", "warn", "error" or "off".
 * Returns: 0 and *out on success, -1 for an unknown name. */
int lm_log_level_parse(const char *name, lm_log_level *out);

/* Writes one line when level is enabled. Thread-safe (one write per line). */
void lm_log(lm_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LM_DEBUG(comp, ...) lm_log(LM_LOG_DEBUG, comp, __VA_ARGS__)
#define LM_INFO(comp, ...) lm_log(LM_LOG_INFO, comp, __VA_ARGS__)
#define LM_WARN(comp, ...) lm_log(LM_LOG_WARN, comp, __VA_ARGS__)
#define LM_ERROR(comp, ...) lm_log(LM_LOG_ERROR, comp, __VA_ARGS__)

#endif
