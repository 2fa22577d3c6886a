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
        {"--keystore", &o->keystore},
        {"--key-file", &o->key_file},
        {"--password-file", &o->password_file},
        {"--dir", &o->dir},
        {"--deployment", &o->deployment},
        {"--l1-rpc", &o->l1_rpc},
        {"--rpc", &o->rpc},
        {"--amount", &o->amount},
        {"--fee", &o->fee},
        {"--asset", &o->asset},
        {"--to", &o->to},
        {"--address", &o->address},
        {"--id", &o->id},
        {"--token", &o->token},
        {"--unit", &o->unit},
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
    const char *l1_env = getenv("LAMINA_L1_RPC");
    o->l1_rpc_explicit = o->l1_rpc || (l1_env && *l1_env);
    if (!o->l1_rpc)
        o->l1_rpc = l1_env && *l1_env ? l1_env : CLI_DEFAULT_L1_RPC;
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

/* ETH or the deployment's devnet token: known without L1. */
static bool asset_offline(cw_asset_info *out, uint32_t id, const lm_deployment *d)
{
    memset(out, 0, sizeof *out);
    out->id = id;
    if (id == 0) {
        lm_asset_fmt_eth(&out->fmt);
        snprintf(out->name, sizeof out->name, "ETH");
        return true;
    }
    if (d && d->has_dev_token && id == d->dev_token_asset_id) {
        cw_asset_fmt_of(&out->fmt, id, d);
        out->is_token = true;
        memcpy(out->token, d->dev_token, 20);
        snprintf(out->name, sizeof out->name, "ldUSD");
        return true;
    }
    return false;
}

lm_code cw_load_deployment(lm_deployment *d, const cw_opts *o, lm_err *err)
{
    lm_code rc = lm_deployment_load(d, o->deployment, err);
    if (rc != LM_OK)
        lm_err_wrap(err, rc, "the deployment file (--deployment)");
    return rc;
}

lm_code cw_l1_open(lm_rpc *rpc, const char *url, const lm_deployment *d, lm_err *err)
{
    lm_code rc = lm_rpc_init(rpc, url, NULL, err);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, url);
    uint64_t chain;
    rc = lm_rpc_chain_id(rpc, &chain, err);
    if (rc != LM_OK)
        lm_err_wrap(err, rc, url);
    else if (chain != d->l1_chain_id)
        rc = lm_err_set(err, LM_EINVAL, "%s is chain %llu, the deployment is on chain %llu", url,
                        (unsigned long long)chain, (unsigned long long)d->l1_chain_id);
    if (rc != LM_OK)
        lm_rpc_free(rpc);
    return rc;
}

static lm_code refuse_high_id(uint64_t id, lm_err *err)
{
    /* docs/l2-protocol.md: the L2 holds balances of the first LM_MAX_ASSETS
     * asset ids; a deposit of a higher one is refunded, never credited. */
    return lm_err_set(err, LM_EINVAL,
                      "asset %llu: the L2 holds balances of asset ids 0..%d only (a deposit of it "
                      "would be refunded on L1)",
                      (unsigned long long)id, LM_MAX_ASSETS - 1);
}

lm_code cw_asset_by_id(cw_asset_info *out, uint32_t id, const lm_deployment *d, lm_rpc *l1,
                       lm_err *err)
{
    if (asset_offline(out, id, d))
        return LM_OK;
    if (id >= LM_MAX_ASSETS)
        return refuse_high_id(id, err);
    if (!l1)
        return lm_err_set(err, LM_EINVAL,
                          "asset %u is not in the deployment file: pass --l1-rpc URL (or set "
                          "LAMINA_L1_RPC) to read it from the Bridge",
                          id);
    uint64_t count;
    lm_code rc = lm_bridge_asset_count(l1, d, &count, err);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, "the Bridge");
    if (id >= count)
        return lm_err_set(
            err, LM_ENOTFOUND,
            "asset %u is not registered on the Bridge (assetCount is %llu: ids 0..%llu)", id,
            (unsigned long long)count, (unsigned long long)count - 1);
    lm_u256 unit;
    if ((rc = lm_bridge_asset(l1, d, id, out->token, &unit, err)) != LM_OK)
        return lm_err_wrap(err, rc, "the Bridge");
    char tok[LM_ADDRESS_TEXT_LEN + 1];
    cw_addr_text(tok, out->token);
    if (lm_u256_is_zero(&unit))
        return lm_err_set(err, LM_EPROTO, "asset %u (%s): the Bridge says its unit is 0", id, tok);
    unsigned decimals;
    lm_err why;
    if (lm_erc20_decimals(l1, out->token, &decimals, &why) != LM_OK)
        return lm_err_set(
            err, LM_EINVAL,
            "asset %u (token %s): decimals() failed, so its amounts cannot be written: %s", id, tok,
            why.msg);
    if (decimals > 77)
        return lm_err_set(
            err, LM_EINVAL,
            "asset %u (token %s): %u decimals, more than the 77 a 256-bit amount holds", id, tok,
            decimals);
    out->is_token = true;
    out->from_l1 = true;
    out->fmt.decimals = decimals;
    out->fmt.unit = unit;
    /* a symbol is optional and not unique: the address stands in for it */
    if (lm_erc20_symbol(l1, out->token, out->name, NULL) != LM_OK)
        snprintf(out->name, sizeof out->name, "%s", tok);
    return LM_OK;
}

lm_code cw_asset_resolve(cw_asset_info *out, const char *text, const lm_deployment *d,
                         const char *l1_url, lm_err *err)
{
    const char *a = text ? text : "eth";
    uint64_t v = 0;
    lm_address tok;
    bool by_token = false;
    if (strcmp(a, "eth") == 0 || strcmp(a, "ETH") == 0) {
        v = 0;
    } else if (strcmp(a, "dev") == 0 || strcmp(a, "ldUSD") == 0 || strcmp(a, "ldusd") == 0) {
        if (!d->has_dev_token)
            return lm_err_set(err, LM_EINVAL, "the deployment has no devnet token");
        v = d->dev_token_asset_id;
    } else if (cli_parse_u64(a, &v)) {
        if (v >= LM_MAX_ASSETS)
            return refuse_high_id(v, err);
    } else if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X') &&
               lm_address_parse(&tok, a, strlen(a), NULL) == LM_OK) {
        by_token = true;
        if (d->has_dev_token && memcmp(tok.b, d->dev_token, 20) == 0) {
            by_token = false;
            v = d->dev_token_asset_id;
        }
    } else {
        return lm_err_set(err, LM_EINVAL,
                          "--asset: eth, dev, an asset id 0..%d or a token address (0x + 40 hex "
                          "digits, EIP-55 checksum if mixed case)",
                          LM_MAX_ASSETS - 1);
    }
    if (!by_token && asset_offline(out, (uint32_t)v, d))
        return LM_OK;
    if (!l1_url)
        return lm_err_set(err, LM_EINVAL,
                          "asset %s is not in the deployment file: pass --l1-rpc URL (or set "
                          "LAMINA_L1_RPC) to read it from the Bridge",
                          a);
    lm_rpc rpc;
    lm_code rc = cw_l1_open(&rpc, l1_url, d, err);
    if (rc != LM_OK)
        return rc;
    if (by_token) {
        uint32_t id;
        rc = lm_bridge_asset_id_of(&rpc, d, tok.b, &id, err);
        if (rc == LM_ENOTFOUND) {
            char t[LM_ADDRESS_TEXT_LEN + 1], b[LM_ADDRESS_TEXT_LEN + 1];
            rc = lm_err_set(err, LM_ENOTFOUND, "token %s is not registered on the Bridge %s",
                            cw_addr_text(t, tok.b), cw_addr_text(b, d->bridge));
        } else if (rc != LM_OK) {
            lm_err_wrap(err, rc, "the Bridge");
        }
        if (rc == LM_OK)
            rc = cw_asset_by_id(out, id, d, &rpc, err);
    } else {
        rc = cw_asset_by_id(out, (uint32_t)v, d, &rpc, err);
    }
    lm_rpc_free(&rpc);
    return rc;
}

bool cw_parse_u256(const char *s, lm_u256 *out)
{
    if (!s || !*s || strlen(s) > 78)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return lm_u256_from_dec(out, s, strlen(s), NULL) == LM_OK;
}

json_t *cw_json_u256(const lm_u256 *v)
{
    uint64_t x;
    if (lm_u256_to_u64(&x, v) && x < (1ull << 53))
        return json_integer((json_int_t)x);
    char dec[LM_U256_DEC_BUF];
    lm_u256_to_dec(dec, v);
    return json_string(dec);
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
