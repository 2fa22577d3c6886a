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
    const char *asset;         /* --asset eth|dev|ID|TOKEN */
    const char *to;            /* --to ADDRESS */
    const char *address;       /* --address ADDRESS */
    const char *id;            /* --id N */
    const char *token;         /* --token ADDRESS (token register) */
    const char *unit;          /* --unit N (token register) */
    bool json;                 /* --json */
    bool light;                /* --light: scrypt n = 2^12 */
    bool l1_rpc_explicit;      /* l1_rpc came from --l1-rpc or $LAMINA_L1_RPC (cw_opts_defaults) */
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
 * ($LAMINA_KEYSTORE, else ~/.lamina/keystore); sets l1_rpc_explicit when
 * --l1-rpc or $LAMINA_L1_RPC gave the L1 endpoint. */
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

/* An asset as the wallet parses and shows its amounts (docs/wallet.md §2). */
typedef struct cw_asset_info {
    uint32_t id;
    lm_asset_fmt fmt;                   /* the token's decimals and the Bridge's unit */
    bool is_token;                      /* false: ETH (asset 0) */
    uint8_t token[20];                  /* the ERC-20 contract (is_token) */
    bool from_l1;                       /* read from the Bridge, not the deployment file */
    char name[LM_ERC20_SYMBOL_MAX + 1]; /* "ETH", "ldUSD", the token's symbol,
                                           else its address */
} cw_asset_info;

/* The asset of --asset text (NULL: "eth"): "eth", "dev"/"ldUSD", a decimal
 * asset id, or a 0x token address. ETH and the deployment's devnet token
 * resolve offline; any other asset through the Bridge and the token at
 * l1_url (NULL: refused, naming --l1-rpc), which must be the deployment's
 * L1 chain. Refused: ids >= LM_MAX_ASSETS (the L2 holds no balance of
 * them), ids >= assetCount(), unregistered tokens, a unit of 0, a token
 * whose decimals() fails or exceeds 77. Out: *out on LM_OK. */
lm_code cw_asset_resolve(cw_asset_info *out, const char *text, const lm_deployment *d,
                         const char *l1_url, lm_err *err);

/* The asset with id as cw_asset_resolve finds it; l1 (NULL: offline) is
 * an open client on the deployment's chain. */
lm_code cw_asset_by_id(cw_asset_info *out, uint32_t id, const lm_deployment *d, lm_rpc *l1,
                       lm_err *err);

/* Loads o->deployment; an error names --deployment. */
lm_code cw_load_deployment(lm_deployment *d, const cw_opts *o, lm_err *err);

/* Opens a client on url and checks that it is the deployment's L1 chain. */
lm_code cw_l1_open(lm_rpc *rpc, const char *url, const lm_deployment *d, lm_err *err);

/* Asset name for display: "ETH", "ldUSD" (the devnet token) or "asset N". */
const char *cw_asset_name(char buf[24], uint32_t id, const lm_deployment *d);

/* The format of an asset id for display (ETH, the devnet token, else
 * whole L2 units). */
void cw_asset_fmt_of(lm_asset_fmt *fmt, uint32_t id, const lm_deployment *d);

/* Parses a decimal integer of up to 78 digits (a unit, an amount in base
 * units). Returns: false when s is not one or exceeds 2^256 - 1. */
bool cw_parse_u256(const char *s, lm_u256 *out);

/* A JSON number for v when it is below 2^53, else a decimal string (the
 * convention of the wallet's --json output). */
json_t *cw_json_u256(const lm_u256 *v);

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
