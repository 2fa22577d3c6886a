/* A tiny entry for the freestanding RISC-V build of the STF
 * (scripts/check_freestanding.sh): a host whose callbacks are `ecall`s to
 * the (future) fault-proof emulator, and an _start that reaches every
 * public STF function, so that the link proves each of them and all they
 * call resolve without libc. Not a working program yet: the emulator's
 * ecall numbers and the preimage oracle are defined with the emulator. */
#ifndef __riscv
#error "tests/riscv/entry.c is built only for RISC-V, by scripts/check_freestanding.sh"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/l2tx.h"
#include "lamina/stf.h"

enum { ECALL_GET = 1, ECALL_PUT, ECALL_FIND, ECALL_ECRECOVER, ECALL_HALT };

static uintptr_t ecall3(uintptr_t n, uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3)
{
    register uintptr_t r_a0 __asm__("a0") = a0;
    register uintptr_t r_a1 __asm__("a1") = a1;
    register uintptr_t r_a2 __asm__("a2") = a2;
    register uintptr_t r_a3 __asm__("a3") = a3;
    register uintptr_t r_a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a7) : "memory");
    return r_a0;
}

static bool h_get(void *ctx, uint64_t index, lm_account *out)
{
    (void)ctx;
    return ecall3(ECALL_GET, (uintptr_t)index, (uintptr_t)(index >> 32), (uintptr_t)out, 0) != 0;
}

static bool h_put(void *ctx, uint64_t index, const lm_account *acct)
{
    (void)ctx;
    return ecall3(ECALL_PUT, (uintptr_t)index, (uintptr_t)(index >> 32), (uintptr_t)acct, 0) != 0;
}

static bool h_find(void *ctx, const uint8_t address[20], bool *found, uint64_t *index)
{
    (void)ctx;
    uint32_t r[3];
    if (ecall3(ECALL_FIND, (uintptr_t)address, (uintptr_t)r, 0, 0) == 0)
        return false;
    *found = r[0] != 0;
    *index = (uint64_t)r[2] << 32 | r[1];
    return true;
}

static bool h_ecrecover(void *ctx, const uint8_t digest[32], const uint8_t sig[65],
                        uint8_t address_out[20])
{
    (void)ctx;
    return ecall3(ECALL_ECRECOVER, (uintptr_t)digest, (uintptr_t)sig, (uintptr_t)address_out, 0) != 0;
}

static lm_withdrawal withdrawals[16];
static lm_stf_message msgs[4];
static lm_tx txs[4];
static lm_block_header header;
static lm_stf_code outcomes[4];
static uint8_t wire[LM_TX_WIRE_LEN];

void _start(void)
{
    static const lm_stf_host host = {0, h_get, h_put, h_find, h_ecrecover};
    static const uint8_t rollup[20] = {1};
    lm_chain_meta meta = {0};
    lm_stf_ctx ctx;
    lm_stf_init(&ctx, 1, rollup, &meta, &host, withdrawals, 16);
    uintptr_t acc = 0;
    acc += (uintptr_t)lm_stf_check_tx(&ctx, &txs[0]);
    acc += (uintptr_t)lm_stf_apply_tx(&ctx, &txs[1], 0);
    acc += (uintptr_t)lm_stf_apply_tx_wire(&ctx, wire, sizeof wire, 0);
    acc += (uintptr_t)lm_stf_apply_message(&ctx, &msgs[0], 0, &outcomes[0]);
    lm_stf_block_result r = lm_stf_apply_block(&ctx, &header, msgs, 4, txs, 4, outcomes);
    acc += (uintptr_t)r.code;
    lm_gl leaf[4], meta_leaf[4], root[4];
    lm_account a = {0};
    lm_account_leaf(leaf, &a);
    lm_meta_leaf(meta_leaf, &ctx.meta);
    lm_state_root(root, leaf, meta_leaf);
    uint8_t out[32];
    lm_state_root_bytes(out, root);
    acc += out[0];
    acc += (uintptr_t)lm_stf_code_message(LM_STF_OK)[0];
    ecall3(ECALL_HALT, acc, (uintptr_t)out, 0, 0);
    for (;;) {
    }
}
