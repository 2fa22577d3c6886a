/* Shared pieces of the wallet and user commands (cmd_wallet.c, cmd_user.c):
 * options, passwords, keystore directories, signing keys, the node's RPC.
 * docs/wallet.md is the user's side of this. */
#ifndef LAMINA_CLI_WALLET_H
#define LAMINA_CLI_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/l1_lamina.h"
#include "lamina/l1_rpc.h"
#include "lamina/secp256k1.h"
#include "lamina/wallet.h"

#define CLI_DEFAULT_NODE_RPC "http://127.0.0.1:8547"
#define CLI_DEFAULT_L1_RPC "http://127.0.0.1:8545"
#define CLI_DEFAULT_DEPLOYMENT ".devnet/deployment.json"
#define CLI_PASSWORD_MAX 1024

/* Options of every wallet command; each command uses the ones it needs and
 * refuses the others (cw_opts_parse's `allowed`). */
typedef struct cw_opts {
    const char *keystore;      /* --keystore FILE or ADDRESS */
    const char *key_file;      /* --key-file FILE (hex) */
    const char *password_file; /* --password-file FILE */
    const char *dir;           /* --dir DIR (keystore directory) */
    const char *deployment;    /* --deployment FILE */
    const char *l1_rpc;        /* --l1-rpc URL */
    const char *rpc;           /* --rpc URL (the node) */
    const char *amount;        /* --amount X */
    const char *fee;           /* --fee X */
    const char *asset;         /* --asset eth|ID */
    const char *to;            /* --to ADDRESS */
    const char *address;       /* --address ADDRESS */
    const char *id;            /* --id N */
    bool json;                 /* --json */
    bool light;                /* --light: scrypt n = 2^12 */
    const char *positional[2]; /* non-option arguments */
    size_t n_positional;
} cw_opts;

/* Parses argv[first..argc). allowed is a space-separated list of the option
 * names the command takes ("--keystore --json"). Returns false (after a
 * message on stderr) for an unknown or disallowed option, a missing value
 * or too many positional arguments. */
bool cw_opts_parse(cw_opts *o, int argc, char **argv, int first, const char *allowed,
                   const char *cmd);

/* Fills the defaults: deployment, rpc, l1_rpc (from $LAMINA_L1_RPC), dir
 * ($LAMINA_KEYSTORE, else ~/.lamina/keystore). */
void cw_opts_defaults(cw_opts *o);

/* The password: --password-file (its first line), else $LAMINA_PASSWORD,
 * else asked on the terminal without echo (twice when confirm). Out:
 * pw[0..*len), NUL-terminated; wipe it after use. Returns: LM_OK or an error
 * saying how to give one. */
lm_code cw_read_password(char pw[CLI_PASSWORD_MAX + 1], size_t *len, const cw_opts *o, bool confirm,
                         lm_err *err);

/* Reads a whole small file (at most max bytes). Out: *text (malloc'ed,
 * NUL-terminated) and *len. Returns: LM_OK, LM_EIO or LM_ETOOLARGE. */
lm_code cw_read_file(char **text, size_t *len, const char *path, size_t max, lm_err *err);

/* The keystore file for --keystore: a path, or an address looked up in the
 * keystore directory. Out: path (NUL-terminated). */
lm_code cw_keystore_path(char *path, size_t cap, const cw_opts *o, lm_err *err);

/* The signing key: --keystore (decrypted with the password) or --key-file.
 * Out: *key, *addr. */
lm_code cw_signing_key(lm_seckey *key, lm_address *addr, const cw_opts *o, lm_err *err);

/* The account address without any secret: --address, else the keystore's
 * address field, else the key file's key. */
lm_code cw_account_address(lm_address *addr, const cw_opts *o, lm_err *err);

/* The asset of --asset ("eth", "0", or the deployment's devnet token id or
 * "dev"), with how its amounts are written; token (NULL for ETH) its L1
 * contract. */
lm_code cw_asset(uint32_t *id, lm_asset_fmt *fmt, const uint8_t **token, const cw_opts *o,
                 const lm_deployment *d, lm_err *err);

/* Asset name for display: "ETH", "ldUSD" (the devnet token) or "asset N". */
const char *cw_asset_name(char buf[24], uint32_t id, const lm_deployment *d);

/* The format of an asset id for display (ETH, the devnet token, else
 * whole L2 units). */
void cw_asset_fmt_of(lm_asset_fmt *fmt, uint32_t id, const lm_deployment *d);

/* Calls the node: method with params (stolen). On LM_ERPC the message holds
 * the node's message and, for a rejected transaction, its reason. */
lm_code cw_node_call(lm_rpc *rpc, json_t **result, const char *method, json_t *params, lm_err *err);

/* Prints an error "lamina CMD: msg" and returns 1. */
int cw_fail(const char *cmd, const lm_err *err);

/* Prints j (stolen) as JSON on stdout with a newline. */
void cw_print_json(json_t *j);


/* Formats an address as EIP-55 text. */
const char *cw_addr_text(char buf[LM_ADDRESS_TEXT_LEN + 1], const uint8_t b[20]);

#endif
