/* Temporary directories for the tests that open an LMDB store (data.mdb and
 * lock.mdb inside): made under $TMPDIR (unset or empty: /tmp), removed with
 * the store's two files. Header-only; fails the running test (cmocka) when
 * a directory cannot be made. */
#ifndef LM_TESTS_TEST_DIR_H
#define LM_TESTS_TEST_DIR_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

/* Makes "$TMPDIR/<prefix>_XXXXXX". Returns the path (malloc'd; give it to
 * test_dir_remove). */
static inline char *test_dir_make(const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    char *p = malloc(256);
    assert_non_null(p);
    snprintf(p, 256, "%s/%s_XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    assert_non_null(mkdtemp(p));
    return p;
}

/* Removes dir's data.mdb and lock.mdb, then dir, and frees dir. */
static inline void test_dir_remove(char *dir)
{
    char f[300];
    snprintf(f, sizeof f, "%s/data.mdb", dir);
    unlink(f);
    snprintf(f, sizeof f, "%s/lock.mdb", dir);
    unlink(f);
    rmdir(dir);
    free(dir);
}

#endif
