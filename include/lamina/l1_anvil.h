/* A local L1 for development and tests: anvil (Foundry), started as a child
 * process on 127.0.0.1 at a free port, in its own process group, and killed
 * with its parent (PR_SET_PDEATHSIG) so that nothing is left running. */
#ifndef LAMINA_L1_ANVIL_H
#define LAMINA_L1_ANVIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lamina/err.h"

typedef struct lm_anvil {
    pid_t pid;    /* 0 when not running */
    uint16_t port;
    char url[64]; /* http://127.0.0.1:PORT */
} lm_anvil;

/* anvil's first default accounts (from its public test mnemonic "test test
 * ... junk"): funded with 10000 ETH on every anvil. Test keys, never for value. */
#define LM_ANVIL_KEY0 "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define LM_ANVIL_KEY1 "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
#define LM_ANVIL_KEY2 "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
#define LM_ANVIL_KEY3 "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"

/* Finds the anvil binary: $LAMINA_ANVIL if set, else the platform binary of
 * the npm package next to the lamina build (../node_modules/@foundry-rs/
 * anvil-linux-<arch>/bin/anvil, from the executable's directory or the
 * current one), else "anvil" on PATH.
 * Out: path in buf (NUL-terminated). Returns: LM_OK or LM_ENOTFOUND. */
LM_MUST_CHECK lm_code lm_anvil_find(char *buf, size_t cap, lm_err *err);

/* Starts anvil (bin NULL: lm_anvil_find) with the given extra arguments
 * (NULL-terminated list, may be NULL), its output appended to log_path
 * (NULL: discarded), and waits until it answers eth_chainId.
 * Returns: LM_OK; LM_ENOTFOUND; LM_EIO (it exited or did not answer within
 * 30 s; the message says which). */
LM_MUST_CHECK lm_code lm_anvil_start(lm_anvil *a, const char *bin, const char *const *extra_args,
                                     const char *log_path, lm_err *err);

/* Stops anvil (SIGTERM to its group, SIGKILL after 3 s) and reaps it.
 * Safe to call twice. */
void lm_anvil_stop(lm_anvil *a);

#endif
