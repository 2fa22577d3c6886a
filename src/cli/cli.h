/* Shared helpers of the lamina subcommands. */
#ifndef LAMINA_CLI_H
#define LAMINA_CLI_H

#include <stdbool.h>

#include "lamina/err.h"
#include "lamina/l1_lamina.h"
#include "lamina/secp256k1.h"

int cmd_deploy(int argc, char **argv);
int cmd_devnet(int argc, char **argv);
/* The wallet and the user's commands (cmd_wallet.c, cmd_user.c; docs/wallet.md). */
int cmd_wallet(int argc, char **argv);
int cmd_deposit(int argc, char **argv);
int cmd_transfer(int argc, char **argv);
int cmd_withdraw(int argc, char **argv);
int cmd_balance(int argc, char **argv);
int cmd_tx(int argc, char **argv);
int cmd_token(int argc, char **argv);  /* cmd_token.c: token list | token register */
int cmd_follow(int argc, char **argv); /* cmd_node.c: lamina node --follow */
int cmd_sequencer(int argc, char **argv);

/* Reads a private key: from --key-file PATH (a file holding the hex key),
 * else from the environment variable env_name. Returns: LM_OK or an error. */
lm_code cli_load_key(lm_seckey *key, const char *key_file, const char *env_name, lm_err *err);

/* Parses a non-negative decimal integer that fits 64 bits. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* Deploys Lamina's contracts with the signer (lm_lamina_deploy), printing
 * progress; returns 0 or prints the error and returns 1. */
int cli_deploy(lm_l1_signer *signer, const lm_deploy_opts *o, lm_deployment *out);

#endif
