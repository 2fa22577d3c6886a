/* Ethereum JSON-RPC over HTTP(S), with libcurl.
 *
 * An lm_rpc is one client for one endpoint: a caller-owned struct holding
 * one curl easy handle that is reused for every request, so the connection
 * stays alive between calls. One thread uses a client at a time; give each
 * thread its own.
 *
 * Error model (docs/l1-client.md):
 *   LM_ETIMEOUT   an attempt ran past opts.timeout_ms (retried)
 *   LM_EIO        the connection failed: refused, reset, DNS (retried)
 *   LM_EHTTP      an HTTP status other than 200; 5xx and 429 are retried,
 *                 the others are final; rpc->fault.http_status holds it
 *   LM_ERPC       the server answered a JSON-RPC error object; final, never
 *                 retried; rpc->fault.rpc_code / rpc_message / rpc_data
 *   LM_EPROTO     the answer is malformed: bad JSON, wrong "jsonrpc", id
 *                 mismatch, neither or both of result/error, a result of the
 *                 wrong type or a quantity that is not canonical
 *   LM_ETOOLARGE  the answer is larger than opts.max_response_bytes
 *   LM_ENOTFOUND  typed getters whose result is null (unknown block,
 *                 receipt of a pending tx)
 * Retries wait backoff_initial_ms * 2^k (capped at backoff_max_ms, with
 * jitter in [d/2, d]) before attempt k+2, up to max_retries extra attempts.
 *
 * Quantities (JSON-RPC "QUANTITY") are parsed strictly: "0x" followed by at
 * least one hex digit, no leading zeros except "0x0", and the value must fit
 * the target type; violations are LM_EPROTO. Wei amounts use lm_u256, gas
 * and block numbers uint64_t. */
#ifndef LAMINA_L1_RPC_H
#define LAMINA_L1_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lamina/err.h"
#include "lamina/u256.h"

/* ---- client ------------------------------------------------------------- */

typedef struct lm_rpc_opts {
    uint32_t timeout_ms;         /* one attempt, connect to last byte; default 10000 */
    uint32_t connect_timeout_ms; /* default 5000 (capped at timeout_ms) */
    uint32_t max_retries;        /* extra attempts after the first; default 3 */
    uint32_t backoff_initial_ms; /* delay before the first retry; default 100 */
    uint32_t backoff_max_ms;     /* delay cap; default 4000 */
    size_t max_response_bytes;   /* larger answers are LM_ETOOLARGE; default 64 MiB */
    /* eth_getLogs paging (lm_rpc_get_logs) */
    uint64_t logs_max_range; /* blocks per request at most; default 1000 */
    size_t logs_page_cap;    /* a page with more logs is split; default 10000 */
    size_t logs_max_total;   /* more logs in all is LM_ETOOLARGE; default 1000000 */
} lm_rpc_opts;

/* Out: *o = the defaults above. */
void lm_rpc_opts_default(lm_rpc_opts *o);

/* Details of the last failed call, valid until the next call. */
typedef struct lm_rpc_fault {
    unsigned attempts;     /* attempts the last call made (1 = no retry) */
    long http_status;      /* the last HTTP status seen, 0 when none */
    int64_t rpc_code;      /* LM_ERPC: the error object's "code" */
    char rpc_message[256]; /* LM_ERPC: its "message" (truncated) */
    char *rpc_data;        /* LM_ERPC: its "data" as compact JSON text (for
                              a revert, a hex string in quotes), or NULL;
                              owned by the client, freed by the next call */
} lm_rpc_fault;

typedef struct lm_rpc_stats {
    uint64_t calls;    /* lm_rpc_call* invocations */
    uint64_t attempts; /* HTTP requests sent */
    uint64_t failures; /* calls that returned an error */
} lm_rpc_stats;

struct lm_rpc_impl; /* private: the curl handle and buffers */

/* The client. opts, fault and stats may be read at any time; change opts
 * only through lm_rpc_init. The struct may be moved or copied-then-abandoned
 * freely (its private state lives behind impl_). */
typedef struct lm_rpc {
    struct lm_rpc_impl *impl_;
    lm_rpc_opts opts;
    lm_rpc_fault fault;
    lm_rpc_stats stats;
} lm_rpc;

/* Prepares *rpc for url ("http://host:port/path" or https). opts may be NULL
 * for the defaults; it is copied.
 * Returns: LM_OK; LM_EINVAL (url is not an http(s) URL); LM_ENOMEM; LM_EIO
 * (libcurl could not be set up). On error *rpc needs no lm_rpc_free. */
LM_MUST_CHECK lm_code lm_rpc_init(lm_rpc *rpc, const char *url, const lm_rpc_opts *opts,
                                  lm_err *err);

/* Releases everything *rpc holds; *rpc may then be lm_rpc_init'ed again.
 * Safe on a zeroed struct. */
void lm_rpc_free(lm_rpc *rpc);

/* Calls method with params (a JSON array; NULL for []). The reference to
 * params is stolen (decref'ed) in every case.
 * Out: *result = a new reference to the "result" member (json null is a
 * valid result); the caller json_decref's it. NULL on error.
 * Returns: LM_OK or an error of the model above. */
LM_MUST_CHECK lm_code lm_rpc_call_json(lm_rpc *rpc, json_t **result, const char *method,
                                       json_t *params, lm_err *err);

/* Like lm_rpc_call_json, with params given as JSON text (e.g. "[\"0x1\"]",
 * NULL or "" for []). Returns LM_EINVAL when params_json is not a JSON array.
 * This is the escape hatch for any method without a typed wrapper (anvil's
 * evm_snapshot, evm_revert, evm_mine, anvil_setBalance, …). */
LM_MUST_CHECK lm_code lm_rpc_call(lm_rpc *rpc, json_t **result, const char *method,
                                  const char *params_json, lm_err *err);

/* ---- quantities and data ---------------------------------------------- */

/* Parses a QUANTITY of exactly len characters into a u64 / u256.
 * Returns: LM_OK; LM_EPROTO (not "0x", no digit, leading zero, bad digit,
 * value too large for the type). */
LM_MUST_CHECK lm_code lm_rpc_parse_u64(uint64_t *out, const char *text, size_t len, lm_err *err);
LM_MUST_CHECK lm_code lm_rpc_parse_u256(lm_u256 *out, const char *text, size_t len, lm_err *err);

/* Formats v as a QUANTITY ("0x0", "0x1f"). out must hold 19 chars.
 * Returns: the length written, without the NUL. */
size_t lm_rpc_format_u64(char out[19], uint64_t v);

/* ---- typed methods ------------------------------------------------------ */

typedef enum lm_block_tag {
    LM_BLOCK_NUMBER = 0, /* use lm_block_id.number */
    LM_BLOCK_LATEST,
    LM_BLOCK_SAFE,
    LM_BLOCK_FINALIZED,
    LM_BLOCK_PENDING,
    LM_BLOCK_EARLIEST,
} lm_block_tag;

typedef struct lm_block_id {
    lm_block_tag tag;
    uint64_t number; /* when tag == LM_BLOCK_NUMBER */
} lm_block_id;

static inline lm_block_id lm_block_at(uint64_t n)
{
    return (lm_block_id){LM_BLOCK_NUMBER, n};
}
static inline lm_block_id lm_block_tagged(lm_block_tag t)
{
    return (lm_block_id){t, 0};
}

/* A block header, as much of it as Lamina needs. */
typedef struct lm_l1_header {
    uint64_t number;
    uint8_t hash[32];
    uint8_t parent_hash[32];
    uint64_t timestamp;
    uint64_t gas_limit;
    uint64_t gas_used;
    bool has_base_fee; /* false before London */
    lm_u256 base_fee_per_gas;
} lm_l1_header;

/* One log (event). */
typedef struct lm_l1_log {
    uint8_t address[20];
    uint8_t topics[4][32];
    uint8_t n_topics;
    uint8_t *data; /* malloc'ed, owned by the list holding the log */
    size_t data_len;
    uint64_t block_number;
    uint8_t block_hash[32];
    uint8_t tx_hash[32];
    uint64_t tx_index;
    uint64_t log_index;
    bool removed;
} lm_l1_log;

/* A growable list of logs; zero-initialize, free with lm_l1_logs_free. */
typedef struct lm_l1_logs {
    lm_l1_log *v;
    size_t len, cap;
} lm_l1_logs;

void lm_l1_logs_free(lm_l1_logs *logs);

/* An eth_getLogs query over the inclusive block range [from_block, to_block].
 * addresses: n_addresses 20-byte addresses, any of which matches (0: any).
 * topics[i]: n_topics[i] 32-byte values, any of which must be topic i
 * (0: any). All pointers are borrowed for the call. */
typedef struct lm_l1_log_filter {
    uint64_t from_block, to_block;
    const uint8_t (*addresses)[20];
    size_t n_addresses;
    const uint8_t (*topics[4])[32];
    size_t n_topics[4];
} lm_l1_log_filter;

/* A transaction receipt. */
typedef struct lm_l1_receipt {
    uint8_t tx_hash[32];
    uint8_t block_hash[32];
    uint64_t block_number;
    uint64_t tx_index;
    uint8_t type;
    bool status; /* true: executed successfully (status 0x1) */
    uint64_t gas_used;
    uint64_t cumulative_gas_used;
    lm_u256 effective_gas_price;
    uint8_t from[20];
    bool has_to;
    uint8_t to[20];
    bool has_contract_address;
    uint8_t contract_address[20];
    lm_l1_logs logs; /* owned; lm_l1_receipt_free releases them */
} lm_l1_receipt;

void lm_l1_receipt_free(lm_l1_receipt *r);

/* A transaction as eth_getTransactionByHash returns it. */
typedef struct lm_l1_tx_info {
    uint8_t hash[32];
    uint8_t type;
    uint64_t nonce;
    uint8_t from[20];
    bool has_to; /* false: contract creation */
    uint8_t to[20];
    lm_u256 value;
    uint64_t gas;
    lm_u256 gas_price;                /* zero when absent */
    lm_u256 max_fee_per_gas;          /* type 2+: zero when absent */
    lm_u256 max_priority_fee_per_gas; /* type 2+: zero when absent */
    uint8_t *input;                   /* calldata, malloc'ed; lm_l1_tx_info_free */
    size_t input_len;
    bool mined; /* false while pending: the block fields are then zero */
    uint64_t block_number;
    uint8_t block_hash[32];
    uint64_t tx_index;
} lm_l1_tx_info;

void lm_l1_tx_info_free(lm_l1_tx_info *t);

#define LM_FEE_HISTORY_MAX_BLOCKS 64
#define LM_FEE_HISTORY_MAX_PERCENTILES 8

/* eth_feeHistory's answer. base_fee has n_blocks + 1 entries: the last is
 * the base fee of the block after the newest. */
typedef struct lm_l1_fee_history {
    uint64_t oldest_block;
    size_t n_blocks;
    size_t n_percentiles;
    lm_u256 base_fee[LM_FEE_HISTORY_MAX_BLOCKS + 1];
    double gas_used_ratio[LM_FEE_HISTORY_MAX_BLOCKS];
    lm_u256 reward[LM_FEE_HISTORY_MAX_BLOCKS][LM_FEE_HISTORY_MAX_PERCENTILES];
} lm_l1_fee_history;

/* A message for eth_call / eth_estimateGas. Pointers are borrowed. */
typedef struct lm_l1_call_msg {
    const uint8_t *from; /* 20 bytes, or NULL */
    const uint8_t *to;   /* 20 bytes, or NULL (contract creation) */
    const uint8_t *data;
    size_t data_len;
    const lm_u256 *value; /* NULL: none */
    uint64_t gas;         /* 0: none */
} lm_l1_call_msg;

/* Each typed method below returns LM_OK or an error of the model above;
 * outputs are written on LM_OK only. */

LM_MUST_CHECK lm_code lm_rpc_chain_id(lm_rpc *rpc, uint64_t *chain_id, lm_err *err);
LM_MUST_CHECK lm_code lm_rpc_block_number(lm_rpc *rpc, uint64_t *number, lm_err *err);

/* Header of a block by number or tag / by hash. LM_ENOTFOUND when the node
 * has no such block. The returned number must match the one asked for. */
LM_MUST_CHECK lm_code lm_rpc_get_block_by_number(lm_rpc *rpc, lm_l1_header *h, lm_block_id id,
                                                 lm_err *err);
LM_MUST_CHECK lm_code lm_rpc_get_block_by_hash(lm_rpc *rpc, lm_l1_header *h, const uint8_t hash[32],
                                               lm_err *err);

/* Parses a block object (as eth_getBlockBy* return it) into *h.
 * Returns: LM_OK or LM_EPROTO. */
LM_MUST_CHECK lm_code lm_rpc_parse_header(lm_l1_header *h, const json_t *block, lm_err *err);

/* Parsers for the objects the typed methods return, for answers obtained
 * otherwise (lm_rpc_call, a subscription, a file). Each checks types and
 * canonical forms like the typed methods, and returns LM_OK or LM_EPROTO
 * (LM_ENOMEM). On LM_OK the caller frees with lm_l1_logs_free /
 * lm_l1_receipt_free / lm_l1_tx_info_free; lm_rpc_parse_logs appends to
 * *logs and leaves what it appended before an error in place. */
LM_MUST_CHECK lm_code lm_rpc_parse_logs(lm_l1_logs *logs, const json_t *array, lm_err *err);
LM_MUST_CHECK lm_code lm_rpc_parse_receipt(lm_l1_receipt *r, const json_t *receipt, lm_err *err);
LM_MUST_CHECK lm_code lm_rpc_parse_tx(lm_l1_tx_info *t, const json_t *tx, lm_err *err);

/* All logs matching f, appended to *logs in chain order. The range is
 * requested in pages of at most opts.logs_max_range blocks; a page is split
 * in two when the server refuses it as too large (LM_ERPC whose code or
 * message says so, HTTP 413, LM_ETOOLARGE) or when it holds more than
 * opts.logs_page_cap logs. A single block that the server still refuses
 * fails the call. On error, *logs keeps what was appended so far.
 * Returns: LM_OK; LM_EINVAL (from > to); LM_ETOOLARGE (more than
 * opts.logs_max_total logs); LM_EPROTO (a log outside its page's range);
 * or a call error. */
LM_MUST_CHECK lm_code lm_rpc_get_logs(lm_rpc *rpc, lm_l1_logs *logs, const lm_l1_log_filter *f,
                                      lm_err *err);

/* eth_call at block id. Out: *out (malloc'ed; caller free()s; NULL when
 * *out_len is 0) the return data. A revert is LM_ERPC with the revert data
 * in rpc->fault.rpc_data. */
LM_MUST_CHECK lm_code lm_rpc_eth_call(lm_rpc *rpc, uint8_t **out, size_t *out_len,
                                      const lm_l1_call_msg *msg, lm_block_id id, lm_err *err);

LM_MUST_CHECK lm_code lm_rpc_estimate_gas(lm_rpc *rpc, uint64_t *gas, const lm_l1_call_msg *msg,
                                          lm_err *err);

/* eth_feeHistory over block_count (1..LM_FEE_HISTORY_MAX_BLOCKS) blocks up
 * to newest, with n_percentiles (0..LM_FEE_HISTORY_MAX_PERCENTILES)
 * ascending reward percentiles. The node may return fewer blocks. */
LM_MUST_CHECK lm_code lm_rpc_fee_history(lm_rpc *rpc, lm_l1_fee_history *fh, uint64_t block_count,
                                         lm_block_id newest, const double *percentiles,
                                         size_t n_percentiles, lm_err *err);

LM_MUST_CHECK lm_code lm_rpc_max_priority_fee(lm_rpc *rpc, lm_u256 *tip, lm_err *err);

/* eth_getTransactionCount(address, id): use LM_BLOCK_PENDING for the next
 * nonce to sign with, LM_BLOCK_LATEST for the mined count. */
LM_MUST_CHECK lm_code lm_rpc_get_transaction_count(lm_rpc *rpc, uint64_t *count,
                                                   const uint8_t address[20], lm_block_id id,
                                                   lm_err *err);

LM_MUST_CHECK lm_code lm_rpc_get_balance(lm_rpc *rpc, lm_u256 *balance, const uint8_t address[20],
                                         lm_block_id id, lm_err *err);

/* eth_sendRawTransaction. Out: hash the transaction hash the node returned. */
LM_MUST_CHECK lm_code lm_rpc_send_raw_transaction(lm_rpc *rpc, uint8_t hash[32], const uint8_t *raw,
                                                  size_t raw_len, lm_err *err);

/* LM_ENOTFOUND while the transaction is not mined (or unknown). On LM_OK the
 * caller frees *r with lm_l1_receipt_free. */
LM_MUST_CHECK lm_code lm_rpc_get_receipt(lm_rpc *rpc, lm_l1_receipt *r, const uint8_t hash[32],
                                         lm_err *err);

/* LM_ENOTFOUND when the node does not know the transaction. On LM_OK the
 * caller frees *t with lm_l1_tx_info_free. */
LM_MUST_CHECK lm_code lm_rpc_get_transaction(lm_rpc *rpc, lm_l1_tx_info *t, const uint8_t hash[32],
                                             lm_err *err);

#endif
