/* Shared pieces of the wallet commands: see cli_wallet.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cli_wallet.h"
#include "lamina/bytes.h"
#include "lamina/keystore.h"

/* ---- options ---------------------------------------------------------------- */

static bool value_slot(cw_opts *o, const char *name, const char ***slot)
{
    struct {
        const char *name;
        const char **field;
    } table[] = {
        {"--keystore", &o->keystore},     {"--key-file", &o->key_file},
        {"--password-file", &o->password_file}, {"--dir", &o->dir},
        {"--deployment", &o->deployment}, {"--l1-rpc", &o->l1_rpc},
        {"--rpc", &o->rpc},               {"--amount", &o->amount},
        {"--fee", &o->fee},               {"--asset", &o->asset},
        {"--to", &o->to},                 {"--address", &o->address},
        {"--id", &o->id},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) {
            *slot = table[i].field;
            return true;
        }
    *slot = NULL;
    return false;
}

/* Whether name is a whole word of the space-separated list. */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

bool cw_opts_parse(cw_opts *o, int argc, char **argv, int first, const char *allowed,
                   const char *cmd)
{
    memset(o, 0, sizeof *o);
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] != '-') {
            if (o->n_positional == 2) {
                fprintf(stderr, "lamina %s: unexpected argument '%s'\n", cmd, a);
                return false;
            }
            o->positional[o->n_positional++] = a;
            continue;
        }
        if (!listed(allowed, a)) {
            fprintf(stderr, "lamina %s: unknown option '%s'\n", cmd, a);
            return false;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "--light") == 0) {
            o->light = true;
            continue;
        }
        const char **slot;
        if (!value_slot(o, a, &slot) || i + 1 >= argc) {
            fprintf(stderr, "lamina %s: %s needs a value\n", cmd, a);
            return false;
        }
        *slot = argv[++i];
    }
    return true;
}

void cw_opts_defaults(cw_opts *o)
{
    static char dir[4096];
    if (!o->deployment)
        o->deployment = CLI_DEFAULT_DEPLOYMENT;
    if (!o->rpc)
        o->rpc = getenv("LAMINA_RPC") ? getenv("LAMINA_RPC") : CLI_DEFAULT_NODE_RPC;
    if (!o->l1_rpc)
        o->l1_rpc = getenv("LAMINA_L1_RPC") ? getenv("LAMINA_L1_RPC") : CLI_DEFAULT_L1_RPC;
    if (!o->dir) {
        const char *env = getenv("LAMINA_KEYSTORE"), *home = getenv("HOME");
        if (env && *env)
            o->dir = env;
        else {
            snprintf(dir, sizeof dir, "%s/.lamina/keystore", home && *home ? home : ".");
            o->dir = dir;
        }
    }
}

/* ---- files and passwords ------------------------------------------------------ */

lm_code cw_read_file(char **text, size_t *len, const char *path, size_t max, lm_err *err)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return lm_err_set(err, LM_EIO, "cannot read %s: %s", path, strerror(errno));
    char *buf = malloc(max + 1);
    if (!buf) {
        fclose(f);
        return lm_err_set(err, LM_ENOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, max + 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        return lm_err_set(err, LM_EIO, "cannot read %s", path);
    }
    if (n > max) {
        free(buf);
        return lm_err_set(err, LM_ETOOLARGE, "%s is larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return LM_OK;
}

/* Strips one trailing "\n" or "\r\n" (a password may contain other spaces). */
static size_t strip_newline(char *s, size_t n)
{
    if (n && s[n - 1] == '\n')
        n--;
    if (n && s[n - 1] == '\r')
        n--;
    s[n] = '\0';
    return n;
}

static lm_code ask_tty(char pw[CLI_PASSWORD_MAX + 1], size_t *len, const char *prompt, lm_err *err)
{
    struct termios old, quiet;
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return lm_err_set(err, LM_EIO, "cannot read the terminal: %s", strerror(errno));
    quiet = old;
    quiet.c_lflag &= (tcflag_t)~ECHO;
    quiet.c_lflag |= ECHONL;
    /* echo off first, then the prompt: what is typed after the prompt is never shown */
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
        return lm_err_set(err, LM_EIO, "cannot turn off the terminal's echo: %s", strerror(errno));
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    char *got = fgets(pw, CLI_PASSWORD_MAX + 1, stdin);
    (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (!got) {
        lm_wipe(pw, CLI_PASSWORD_MAX + 1);
        return lm_err_set(err, LM_EIO, "no password read");
    }
    *len = strip_newline(pw, strnlen(pw, CLI_PASSWORD_MAX + 1));
    return LM_OK;
}

lm_code cw_read_password(char pw[CLI_PASSWORD_MAX + 1], size_t *len, const cw_opts *o, bool confirm,
                         lm_err *err)
{
    if (o->password_file) {
        char *text;
        size_t n;
        lm_code rc = cw_read_file(&text, &n, o->password_file, 64 * 1024, err);
        if (rc != LM_OK)
            return rc;
        size_t line = strcspn(text, "\n");
        if (line < n)
            line++; /* keep the newline for strip_newline */
        if (line > CLI_PASSWORD_MAX) {
            lm_wipe(text, n);
            free(text);
            return lm_err_set(err, LM_ETOOLARGE, "password longer than %d bytes", CLI_PASSWORD_MAX);
        }
        memcpy(pw, text, line);
        lm_wipe(text, n);
        free(text);
        *len = strip_newline(pw, line);
        return LM_OK;
    }
    const char *env = getenv("LAMINA_PASSWORD");
    if (env) {
        size_t n = strlen(env);
        if (n > CLI_PASSWORD_MAX)
            return lm_err_set(err, LM_ETOOLARGE, "password longer than %d bytes", CLI_PASSWORD_MAX);
        memcpy(pw, env, n + 1);
        *len = n;
        return LM_OK;
    }
    if (!isatty(STDIN_FILENO))
        return lm_err_set(err, LM_EINVAL,
                          "no password: pass --password-file FILE, set LAMINA_PASSWORD, or run on a "
                          "terminal");
    lm_code rc = ask_tty(pw, len, confirm ? "New password: " : "Password: ", err);
    if (rc != LM_OK || !confirm)
        return rc;
    char again[CLI_PASSWORD_MAX + 1];
    size_t len2;
    rc = ask_tty(again, &len2, "Repeat the password: ", err);
    if (rc == LM_OK && (len2 != *len || !lm_ct_equal((const uint8_t *)again, (const uint8_t *)pw, len2)))
        rc = lm_err_set(err, LM_EINVAL, "the passwords differ");
    lm_wipe(again, sizeof again);
    if (rc != LM_OK)
        lm_wipe(pw, CLI_PASSWORD_MAX + 1);
    return rc;
}

/* ---- keys ------------------------------------------------------------------- */

lm_code cw_keystore_path(char *path, size_t cap, const cw_opts *o, lm_err *err)
{
    struct stat st;
    lm_address want;
    if (stat(o->keystore, &st) == 0 ||
        lm_address_parse(&want, o->keystore, strlen(o->keystore), NULL) != LM_OK) {
        if ((size_t)snprintf(path, cap, "%s", o->keystore) >= cap)
            return lm_err_set(err, LM_ETOOLARGE, "path too long");
        return LM_OK;
    }
    /* an address: find its file in the keystore directory */
    DIR *d = opendir(o->dir);
    if (!d)
        return lm_err_set(err, LM_ENOTFOUND, "no keystore file %s, and cannot open %s: %s",
                          o->keystore, o->dir, strerror(errno));
    lm_code rc = lm_err_set(err, LM_ENOTFOUND, "no keystore for %s in %s", o->keystore, o->dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char p[4096];
        if ((size_t)snprintf(p, sizeof p, "%s/%s", o->dir, e->d_name) >= sizeof p)
            continue;
        char *text;
        size_t len;
        lm_address a;
        if (cw_read_file(&text, &len, p, LM_KEYSTORE_MAX_FILE, NULL) != LM_OK)
            continue;
        bool match = lm_keystore_peek_address(&a, text, len, NULL) == LM_OK &&
                     memcmp(a.b, want.b, 20) == 0;
        free(text);
        if (match) {
            if ((size_t)snprintf(path, cap, "%s", p) >= cap)
                rc = lm_err_set(err, LM_ETOOLARGE, "path too long");
            else
                rc = LM_OK;
            break;
        }
    }
    closedir(d);
    return rc;
}

lm_code cw_signing_key(lm_seckey *key, lm_address *addr, const cw_opts *o, lm_err *err)
{
    if (o->keystore && o->key_file)
        return lm_err_set(err, LM_EINVAL, "pass --keystore or --key-file, not both");
    if (o->key_file) {
        lm_code rc = cli_load_key(key, o->key_file, NULL, err);
        if (rc == LM_OK)
            rc = lm_address_from_seckey(addr, key, err);
        return rc;
    }
    if (!o->keystore)
        return lm_err_set(err, LM_EINVAL,
                          "no signing key: pass --keystore FILE|ADDRESS or --key-file FILE");
    char path[4096];
    lm_code rc = cw_keystore_path(path, sizeof path, o, err);
    if (rc != LM_OK)
        return rc;
    char *text;
    size_t len;
    rc = cw_read_file(&text, &len, path, LM_KEYSTORE_MAX_FILE, err);
    if (rc != LM_OK)
        return rc;
    char pw[CLI_PASSWORD_MAX + 1];
    size_t pw_len = 0;
    rc = cw_read_password(pw, &pw_len, o, false, err);
    if (rc == LM_OK) {
        rc = lm_keystore_decrypt(key, addr, text, len, pw, pw_len, err);
        if (rc != LM_OK)
            lm_err_wrap(err, rc, path);
    }
    lm_wipe(pw, sizeof pw);
    free(text);
    return rc;
}

lm_code cw_account_address(lm_address *addr, const cw_opts *o, lm_err *err)
{
    if (o->address) {
        if (lm_address_parse(addr, o->address, strlen(o->address), err) != LM_OK)
            return lm_err_wrap(err, LM_EINVAL, "--address");
        return LM_OK;
    }
    if (o->keystore) {
        char path[4096], *text;
        size_t len;
        lm_code rc = cw_keystore_path(path, sizeof path, o, err);
        if (rc == LM_OK)
            rc = cw_read_file(&text, &len, path, LM_KEYSTORE_MAX_FILE, err);
        if (rc != LM_OK)
            return rc;
        rc = lm_keystore_peek_address(addr, text, len, err);
        free(text);
        return rc;
    }
    if (o->key_file) {
        lm_seckey k;
        lm_code rc = cli_load_key(&k, o->key_file, NULL, err);
        if (rc == LM_OK)
            rc = lm_address_from_seckey(addr, &k, err);
        lm_seckey_wipe(&k);
        return rc;
    }
    return lm_err_set(err, LM_EINVAL, "which account? pass --address, --keystore or --key-file");
}

/* ---- assets ------------------------------------------------------------------ */

void cw_asset_fmt_of(lm_asset_fmt *fmt, uint32_t id, const lm_deployment *d)
{
    if (id == 0) {
        lm_asset_fmt_eth(fmt);
    } else if (d && d->has_dev_token && id == d->dev_token_asset_id) {
        fmt->decimals = 6; /* DevToken (docs/deployment.md): 6 decimals */
        fmt->unit = lm_u256_from_u64(d->dev_token_unit ? d->dev_token_unit : 1);
    } else {
        fmt->decimals = 0; /* unknown token: whole L2 units */
        fmt->unit = LM_U256_ONE;
    }
}

const char *cw_asset_name(char buf[24], uint32_t id, const lm_deployment *d)
{
    if (id == 0)
        return "ETH";
    if (d && d->has_dev_token && id == d->dev_token_asset_id)
        return "ldUSD";
    snprintf(buf, 24, "asset %u", id);
    return buf;
}

lm_code cw_asset(uint32_t *id, lm_asset_fmt *fmt, const uint8_t **token, const cw_opts *o,
                 const lm_deployment *d, lm_err *err)
{
    const char *a = o->asset ? o->asset : "eth";
    uint64_t v;
    if (strcmp(a, "eth") == 0 || strcmp(a, "ETH") == 0)
        v = 0;
    else if (strcmp(a, "dev") == 0 || strcmp(a, "ldUSD") == 0 || strcmp(a, "ldusd") == 0) {
        if (!d->has_dev_token)
            return lm_err_set(err, LM_EINVAL, "the deployment has no devnet token");
        v = d->dev_token_asset_id;
    } else if (!cli_parse_u64(a, &v) || v >= LM_MAX_ASSETS)
        return lm_err_set(err, LM_EINVAL, "--asset: eth, dev, or an asset id 0..%d",
                          LM_MAX_ASSETS - 1);
    if (v != 0 && !(d->has_dev_token && v == d->dev_token_asset_id))
        return lm_err_set(err, LM_EINVAL,
                          "asset %llu is not in the deployment file: this wallet knows ETH (0)%s",
                          (unsigned long long)v, d->has_dev_token ? " and the devnet token" : "");
    *id = (uint32_t)v;
    cw_asset_fmt_of(fmt, *id, d);
    if (token)
        *token = v == 0 ? NULL : d->dev_token;
    return LM_OK;
}

/* ---- the node ------------------------------------------------------------------ */

lm_code cw_node_call(lm_rpc *rpc, json_t **result, const char *method, json_t *params, lm_err *err)
{
    lm_code rc = lm_rpc_call_json(rpc, result, method, params, err);
    if (rc == LM_ERPC) {
        /* docs/node-api.md: a rejection carries data {"reason", "code"} */
        const char *reason = NULL;
        json_t *data = rpc->fault.rpc_data ? json_loads(rpc->fault.rpc_data, JSON_DECODE_ANY, NULL)
                                           : NULL;
        if (json_is_object(data))
            reason = json_string_value(json_object_get(data, "reason"));
        lm_err_set(err, LM_ERPC, "the node refused: %s%s%s%s (code %lld)", rpc->fault.rpc_message,
                   reason ? " [" : "", reason ? reason : "", reason ? "]" : "",
                   (long long)rpc->fault.rpc_code);
        json_decref(data);
    } else if (rc != LM_OK) {
        lm_err_wrap(err, rc, "the node");
    }
    return rc;
}

/* ---- output ---------------------------------------------------------------------- */

int cw_fail(const char *cmd, const lm_err *err)
{
    fprintf(stderr, "lamina %s: %s\n", cmd, err->msg);
    return 1;
}

void cw_print_json(json_t *j)
{
    if (j) {
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    }
    json_decref(j);
}

const char *cw_addr_text(char buf[LM_ADDRESS_TEXT_LEN + 1], const uint8_t b[20])
{
    lm_address a;
    memcpy(a.b, b, 20);
    lm_address_to_checksum(buf, &a);
    return buf;
}
