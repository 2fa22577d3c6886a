/* Runs the lamina binary as a user would, for the CLI tests: stdin from
 * /dev/null, stdout and stderr captured through files in the test's
 * directory. Define TDIR (that directory, existing) and LAMINA (the binary)
 * before including; for cmocka tests, include after <cmocka.h>.
 * LM_TEST_VERBOSE=1 prints every command and its output (what a user sees). */
#ifndef LAMINA_TESTS_CLI_RUN_H
#define LAMINA_TESTS_CLI_RUN_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

typedef struct run_result {
    int status;
    char out[16384];
    char err[16384];
} run_result;

static void slurp(char *buf, size_t cap, const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
}

/* Runs lamina with the NULL-terminated arguments; the result is static
 * (valid until the next run). */
static run_result *run(const char *first, ...)
{
    static run_result r;
    const char *argv[40];
    int n = 0;
    argv[n++] = LAMINA;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 39; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(TDIR "/out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(TDIR "/err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || in < 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        dup2(in, 0);
        execv(LAMINA, (char *const *)argv);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    slurp(r.out, sizeof r.out, TDIR "/out.txt");
    slurp(r.err, sizeof r.err, TDIR "/err.txt");
    if (r.status == 127)
        fail_msg("cannot run %s (build the lamina target)", LAMINA);
    if (getenv("LM_TEST_VERBOSE"))
        fprintf(stderr, "$ lamina %s %s ...  -> %d\n%s%s\n", argv[1], argv[2] ? argv[2] : "",
                r.status, r.out, r.err);
    return &r;
}

static inline void expect_ok(const run_result *r)
{
    if (r->status != 0)
        fail_msg("lamina exited %d\nstdout: %s\nstderr: %s", r->status, r->out, r->err);
}

static inline void expect_fail(const run_result *r, const char *msg)
{
    if (r->status == 0 || !strstr(r->err, msg))
        fail_msg("expected a failure saying \"%s\", got %d\nstdout: %s\nstderr: %s", msg, r->status,
                 r->out, r->err);
}

static inline void expect_out(const run_result *r, const char *text)
{
    if (!strstr(r->out, text))
        fail_msg("expected \"%s\" in the output\nstdout: %s\nstderr: %s", text, r->out, r->err);
}

/* Writes text to path (a key or password file), or the test fails. */
static inline void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* For a group setup: clears the environment variables lamina reads, so
 * that only the arguments count, and checks that the binary is built.
 * Returns: 0, or -1 (with a message) when it is missing. */
static inline int cli_setup(void)
{
    static const char *const vars[] = {"LAMINA_PASSWORD", "LAMINA_KEYSTORE", "LAMINA_RPC",
                                       "LAMINA_L1_RPC", "LAMINA_DEPLOYER_KEY"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    if (access(LAMINA, X_OK) != 0) {
        fprintf(stderr, "%s is missing: build the lamina target first\n", LAMINA);
        return -1;
    }
    return 0;
}

/* stdout as JSON (a new reference), or the test fails. */
static inline json_t *out_json(const run_result *r)
{
    json_error_t je;
    json_t *j = json_loads(r->out, 0, &je);
    if (!j)
        fail_msg("not JSON (%s): %s", je.text, r->out);
    return j;
}

#endif
