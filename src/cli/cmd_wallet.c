/* lamina wallet: encrypted keys (keystore v3) in a directory.
 *   wallet new     a fresh key, encrypted, written to the directory
 *   wallet import  a hex key file, encrypted, written to the directory
 *   wallet list    the addresses in the directory
 * docs/wallet.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_wallet.h"
#include "lamina/bytes.h"
#include "lamina/keystore.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: lamina wallet new    [--dir DIR] [--password-file FILE] [--light] [--json]\n"
            "       lamina wallet import --key-file FILE [--dir DIR] [--password-file FILE] [--light] [--json]\n"
            "       lamina wallet list   [--dir DIR] [--json]\n"
            "DIR defaults to $LAMINA_KEYSTORE, else ~/.lamina/keystore. The password comes from\n"
            "--password-file, else $LAMINA_PASSWORD, else the terminal. --light: scrypt n = 2^12\n"
            "(fast; for throwaway devnet keys and tests only).\n");
    return 2;
}

/* mkdir -p with mode 0700 for the directories it creates. */
static lm_code make_dirs(const char *dir, lm_err *err)
{
    char p[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p)
        return lm_err_set(err, LM_EINVAL, "bad directory name");
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return lm_err_set(err, LM_EIO, "cannot create %s: %s", p, strerror(errno));
        p[i] = c;
    }
    return LM_OK;
}

/* Lists the keystore files of dir: their paths and addresses (sorted by
 * file name). Out: *paths (malloc'ed array of malloc'ed strings), *addrs. */
typedef struct ks_entry {
    char *path;
    lm_address addr;
} ks_entry;

static int by_path(const void *a, const void *b)
{
    return strcmp(((const ks_entry *)a)->path, ((const ks_entry *)b)->path);
}

static void free_entries(ks_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].path);
    free(v);
}

static lm_code list_dir(ks_entry **out, size_t *n_out, const char *dir, lm_err *err)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return LM_OK;
        return lm_err_set(err, LM_EIO, "cannot open %s: %s", dir, strerror(errno));
    }
    ks_entry *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    lm_code rc = LM_OK;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char p[4096], *text;
        size_t tlen;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= sizeof p)
            continue;
        if (cw_read_file(&text, &tlen, p, LM_KEYSTORE_MAX_FILE, NULL) != LM_OK)
            continue;
        lm_address a;
        bool ok = lm_keystore_peek_address(&a, text, tlen, NULL) == LM_OK;
        free(text);
        if (!ok)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            ks_entry *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rc = lm_err_set(err, LM_ENOMEM, "out of memory");
                break;
            }
            v = nv;
            cap = nc;
        }
        v[n].path = strdup(p);
        if (!v[n].path) {
            rc = lm_err_set(err, LM_ENOMEM, "out of memory");
            break;
        }
        v[n++].addr = a;
    }
    closedir(d);
    if (rc != LM_OK) {
        free_entries(v, n);
        return rc;
    }
    if (n)
        qsort(v, n, sizeof *v, by_path);
    *out = v;
    *n_out = n;
    return LM_OK;
}

/* Encrypts key and writes it as DIR/UTC--<time>--<address>.json (geth's
 * naming), mode 0600, never overwriting. */
static int store_key(const lm_seckey *key, const cw_opts *o, const char *cmd)
{
    lm_err err;
    lm_address addr;
    if (lm_address_from_seckey(&addr, key, &err) != LM_OK)
        return cw_fail(cmd, &err);
    ks_entry *have;
    size_t n_have;
    if (list_dir(&have, &n_have, o->dir, &err) != LM_OK)
        return cw_fail(cmd, &err);
    for (size_t i = 0; i < n_have; i++)
        if (memcmp(have[i].addr.b, addr.b, 20) == 0) {
            char at[43];
            fprintf(stderr, "lamina %s: %s is already in the keystore: %s\n", cmd,
                    cw_addr_text(at, addr.b), have[i].path);
            free_entries(have, n_have);
            return 1;
        }
    free_entries(have, n_have);

    char pw[CLI_PASSWORD_MAX + 1];
    size_t pw_len = 0;
    if (cw_read_password(pw, &pw_len, o, true, &err) != LM_OK) {
        lm_wipe(pw, sizeof pw);
        return cw_fail(cmd, &err);
    }
    lm_keystore_scrypt light = {LM_KEYSTORE_SCRYPT_N_LIGHT, LM_KEYSTORE_SCRYPT_R,
                                LM_KEYSTORE_SCRYPT_P};
    char *json = NULL;
    lm_code rc = lm_keystore_encrypt(&json, key, pw, pw_len, o->light ? &light : NULL, &err);
    lm_wipe(pw, sizeof pw);
    if (rc != LM_OK)
        return cw_fail(cmd, &err);
    if (make_dirs(o->dir, &err) != LM_OK) {
        free(json);
        return cw_fail(cmd, &err);
    }
    char stamp[32], hex[41], path[4096];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H-%M-%SZ", &tm);
    lm_hex_encode(hex, addr.b, 20, false);
    if ((size_t)snprintf(path, sizeof path, "%s/UTC--%s--%s.json", o->dir, stamp, hex) >= sizeof path) {
        free(json);
        fprintf(stderr, "lamina %s: path too long\n", cmd);
        return 1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        fprintf(stderr, "lamina %s: cannot create %s: %s\n", cmd, path, strerror(errno));
        free(json);
        return 1;
    }
    size_t len = strlen(json), off = 0;
    bool ok = true;
    while (off < len) {
        ssize_t w = write(fd, json + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ok = false;
            break;
        }
        off += (size_t)w;
    }
    ok = ok && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    free(json);
    if (!ok) {
        fprintf(stderr, "lamina %s: cannot write %s: %s\n", cmd, path, strerror(errno));
        unlink(path);
        return 1;
    }
    char at[43];
    cw_addr_text(at, addr.b);
    if (o->json) {
        json_t *j = json_object();
        json_object_set_new(j, "address", json_string(at));
        json_object_set_new(j, "file", json_string(path));
        cw_print_json(j);
    } else {
        printf("%s\n", at);
        fprintf(stderr, "keystore written to %s\n", path);
    }
    return 0;
}

static int wallet_new(int argc, char **argv)
{
    cw_opts o;
    if (!cw_opts_parse(&o, argc, argv, 2, "--dir --password-file --light --json", "wallet new") ||
        o.n_positional)
        return usage();
    cw_opts_defaults(&o);
    lm_seckey key;
    lm_err err;
    if (lm_seckey_generate(&key, &err) != LM_OK)
        return cw_fail("wallet new", &err);
    int status = store_key(&key, &o, "wallet new");
    lm_seckey_wipe(&key);
    return status;
}

static int wallet_import(int argc, char **argv)
{
    cw_opts o;
    if (!cw_opts_parse(&o, argc, argv, 2, "--dir --password-file --key-file --light --json",
                       "wallet import") ||
        o.n_positional || !o.key_file)
        return usage();
    cw_opts_defaults(&o);
    lm_seckey key;
    lm_err err;
    if (cli_load_key(&key, o.key_file, NULL, &err) != LM_OK)
        return cw_fail("wallet import", &err);
    int status = store_key(&key, &o, "wallet import");
    lm_seckey_wipe(&key);
    return status;
}

static int wallet_list(int argc, char **argv)
{
    cw_opts o;
    if (!cw_opts_parse(&o, argc, argv, 2, "--dir --json", "wallet list") || o.n_positional)
        return usage();
    cw_opts_defaults(&o);
    ks_entry *v;
    size_t n;
    lm_err err;
    if (list_dir(&v, &n, o.dir, &err) != LM_OK)
        return cw_fail("wallet list", &err);
    json_t *arr = o.json ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        char at[43];
        cw_addr_text(at, v[i].addr.b);
        if (arr) {
            json_t *e = json_object();
            json_object_set_new(e, "address", json_string(at));
            json_object_set_new(e, "file", json_string(v[i].path));
            json_array_append_new(arr, e);
        } else {
            printf("%s  %s\n", at, v[i].path);
        }
    }
    if (arr)
        cw_print_json(arr);
    else if (n == 0)
        fprintf(stderr, "no keys in %s (lamina wallet new makes one)\n", o.dir);
    free_entries(v, n);
    return 0;
}

int cmd_wallet(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "new") == 0)
        return wallet_new(argc, argv);
    if (strcmp(argv[1], "import") == 0)
        return wallet_import(argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return wallet_list(argc, argv);
    return usage();
}
