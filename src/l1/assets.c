/* The Bridge's registered assets and the ERC-20 reads a wallet needs
 * (include/lamina/l1_lamina.h, docs/l1-client.md "Assets and tokens"). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "l1_internal.h"
#include "lamina/abi.h"
#include "lamina/arena.h"
#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l1_lamina.h"

#define SIG_ASSET_REGISTERED "AssetRegistered(uint32,address,uint256)"

void lm_topic_asset_registered(uint8_t out[32])
{
    lm_keccak256(out, (const uint8_t *)SIG_ASSET_REGISTERED, strlen(SIG_ASSET_REGISTERED));
}

/* Whether the last failure on rpc was a revert with the custom error sig:
 * the error's data starts with its selector. */
static bool reverted_with(const lm_rpc *rpc, const char *sig)
{
    const char *d = rpc->fault.rpc_data;
    if (!d || d[0] != '"')
        return false;
    uint8_t sel[4];
    char want[11];
    lm_abi_selector(sel, sig, strlen(sig));
    lm_hex_encode(want, sel, 4, true);
    return strlen(d + 1) >= 10 && strncasecmp(d + 1, want, 10) == 0;
}

/* A word whose value fits `bits` bits (an ABI uintN: the rest is zero). */
static bool word_fits(const uint8_t w[32], unsigned bits)
{
    unsigned zero_bytes = 32 - (bits + 7) / 8;
    for (unsigned i = 0; i < zero_bytes; i++)
        if (w[i])
            return false;
    return bits % 8 == 0 || (w[zero_bytes] >> (bits % 8)) == 0;
}

lm_code lm_bridge_asset_count(lm_rpc *rpc, const lm_deployment *d, uint64_t *out, lm_err *err)
{
    uint8_t w[32];
    lm_code rc = lm_l1_view_word(rpc, d->bridge, "assetCount()", NULL, 0, w, err);
    if (rc != LM_OK)
        return rc;
    if (!word_fits(w, 64))
        return lm_err_set(err, LM_EPROTO, "assetCount(): value does not fit 64 bits");
    *out = lm_load_be64(w + 24);
    return LM_OK;
}

/* eth_call at "latest" with the whole answer. Out: *ret (malloc'ed), *len. */
static lm_code view_raw(lm_rpc *rpc, const uint8_t to[20], const char *sig,
                        const lm_abi_value *args, size_t n, uint8_t **ret, size_t *len, lm_err *err)
{
    uint8_t *data;
    size_t data_len;
    lm_code rc = lm_l1_encode_call(&data, &data_len, sig, args, n, err);
    if (rc != LM_OK)
        return rc;
    lm_l1_call_msg msg = {.to = to, .data = data, .data_len = data_len};
    *ret = NULL;
    *len = 0;
    rc = lm_rpc_eth_call(rpc, ret, len, &msg, lm_block_tagged(LM_BLOCK_LATEST), err);
    free(data);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, sig);
    return LM_OK;
}

lm_code lm_bridge_asset(lm_rpc *rpc, const lm_deployment *d, uint32_t id, uint8_t token[20],
                        lm_u256 *unit, lm_err *err)
{
    lm_abi_value a[1] = {lm_abi_uint64(id)};
    uint8_t *ret;
    size_t len;
    lm_code rc = view_raw(rpc, d->bridge, "asset(uint32)", a, 1, &ret, &len, err);
    if (rc == LM_ERPC && reverted_with(rpc, "UnknownAsset(uint32)"))
        return lm_err_set(err, LM_ENOTFOUND, "asset %u is not registered on the Bridge", id);
    if (rc != LM_OK)
        return rc;
    /* returns (Asset memory) = a static tuple (address token, uint96 unit): two words */
    bool ok = len == 64 && word_fits(ret, 160) && word_fits(ret + 32, 96);
    if (ok) {
        memcpy(token, ret + 12, 20);
        lm_u256_from_be32(unit, ret + 32);
        ok = !lm_u256_is_zero(unit);
    }
    free(ret);
    if (!ok)
        return lm_err_set(err, LM_EPROTO, "asset(%u): not an (address, uint96 unit >= 1) answer",
                          id);
    return LM_OK;
}

lm_code lm_bridge_asset_id_of(lm_rpc *rpc, const lm_deployment *d, const uint8_t token[20],
                              uint32_t *id, lm_err *err)
{
    lm_abi_value a[1] = {lm_abi_address(token)};
    uint8_t w[32];
    lm_code rc = lm_l1_view_word(rpc, d->bridge, "assetIdOf(address)", a, 1, w, err);
    if (rc == LM_ERPC && reverted_with(rpc, "UnregisteredToken(address)")) {
        char t[43];
        lm_hex_encode(t, token, 20, true);
        return lm_err_set(err, LM_ENOTFOUND, "token %s is not registered on the Bridge", t);
    }
    if (rc != LM_OK)
        return rc;
    if (!word_fits(w, 32))
        return lm_err_set(err, LM_EPROTO, "assetIdOf(): not a uint32");
    *id = lm_load_be32(w + 28);
    return LM_OK;
}

lm_code lm_bridge_asset_totals(lm_rpc *rpc, const lm_deployment *d, uint32_t id, lm_u256 *deposited,
                               lm_u256 *withdrawn, lm_err *err)
{
    lm_abi_value a[1] = {lm_abi_uint64(id)};
    uint8_t dw[32], ww[32];
    lm_code rc = lm_l1_view_word(rpc, d->bridge, "totalDeposited(uint32)", a, 1, dw, err);
    if (rc == LM_OK)
        rc = lm_l1_view_word(rpc, d->bridge, "totalWithdrawn(uint32)", a, 1, ww, err);
    if (rc == LM_ERPC && reverted_with(rpc, "UnknownAsset(uint32)"))
        return lm_err_set(err, LM_ENOTFOUND, "asset %u is not registered on the Bridge", id);
    if (rc != LM_OK)
        return rc;
    lm_u256_from_be32(deposited, dw);
    lm_u256_from_be32(withdrawn, ww);
    return LM_OK;
}

lm_code lm_erc20_decimals(lm_rpc *rpc, const uint8_t token[20], unsigned *out, lm_err *err)
{
    uint8_t w[32];
    lm_code rc = lm_l1_view_word(rpc, token, "decimals()", NULL, 0, w, err);
    if (rc != LM_OK)
        return rc;
    /* EIP-20: "function decimals() public view returns (uint8)" */
    if (!word_fits(w, 8))
        return lm_err_set(err, LM_EPROTO, "decimals(): not a uint8");
    *out = w[31];
    return LM_OK;
}

/* The length of the valid UTF-8 sequence at s[0..n) holding one printable
 * character, or 0: RFC 3629 (no overlong forms, no surrogates, at most
 * U+10FFFF), without C0/C1 controls, DEL or the bidirectional controls
 * U+202A..U+202E and U+2066..U+2069 (which can reorder what a terminal
 * shows around them). */
static size_t printable_utf8(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return c >= 0x20 && c != 0x7f ? 1 : 0;
    size_t k;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) {
        k = 2, cp = c & 0x1fu, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        k = 3, cp = c & 0x0fu, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        k = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f ||
        (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
        return 0;
    return k;
}

lm_code lm_erc20_symbol_decode(char out[LM_ERC20_SYMBOL_MAX + 1], const uint8_t *ret, size_t len,
                               lm_err *err)
{
    const uint8_t *text;
    size_t n;
    if (len == 32) {
        /* bytes32, as tokens written before the string form settled (MKR) */
        text = ret;
        n = 0;
        while (n < 32 && ret[n])
            n++;
    } else {
        /* EIP-20: "function symbol() public view returns (string)" */
        _Alignas(16) uint8_t mem[1024];
        lm_arena a;
        lm_arena_init(&a, mem, sizeof mem);
        const lm_abi_type *t;
        lm_abi_value v;
        lm_abi_limits lim = {.max_len = 4096, .lenient = true};
        if (lm_abi_type_parse(&t, &a, "(string)", 8, NULL) != LM_OK)
            return lm_err_set(err, LM_EPROTO, "symbol(): cannot parse (string)");
        if (lm_abi_decode(&v, &a, t, ret, len, &lim, NULL) != LM_OK)
            return lm_err_set(err, LM_EPROTO,
                              "symbol(): %zu bytes, neither an ABI string nor a bytes32", len);
        text = v.u.list.items[0].u.bytes.data;
        n = v.u.list.items[0].u.bytes.len;
    }
    if (n == 0)
        return lm_err_set(err, LM_EINVAL, "symbol(): empty");
    if (n > LM_ERC20_SYMBOL_MAX)
        return lm_err_set(err, LM_ETOOLARGE, "symbol(): %zu bytes, more than %d", n,
                          LM_ERC20_SYMBOL_MAX);
    for (size_t i = 0; i < n;) {
        size_t k = printable_utf8(text + i, n - i);
        if (k == 0)
            return lm_err_set(err, LM_EINVAL,
                              "symbol(): byte %zu is not printable UTF-8 (a control character, "
                              "a bidirectional override or a malformed sequence)",
                              i);
        i += k;
    }
    memcpy(out, text, n);
    out[n] = '\0';
    return LM_OK;
}

lm_code lm_erc20_symbol(lm_rpc *rpc, const uint8_t token[20], char out[LM_ERC20_SYMBOL_MAX + 1],
                        lm_err *err)
{
    uint8_t *ret;
    size_t len;
    lm_code rc = view_raw(rpc, token, "symbol()", NULL, 0, &ret, &len, err);
    if (rc != LM_OK)
        return rc;
    rc = lm_erc20_symbol_decode(out, ret, len, err);
    free(ret);
    return rc;
}

/* 2^96 - 1, the largest unit the Bridge takes (Asset.unit is a uint96). */
static bool unit_ok(const lm_u256 *unit)
{
    return !lm_u256_is_zero(unit) && lm_u256_bit_len(unit) <= 96;
}

lm_code lm_bridge_register_token(lm_l1_signer *s, const lm_deployment *d, const uint8_t token[20],
                                 const lm_u256 *unit, uint32_t *asset_id, lm_l1_receipt *receipt,
                                 lm_err *err)
{
    /* "unit: token base units per L2 unit, 1 .. 2^96-1" (Bridge.registerToken) */
    if (!unit_ok(unit))
        return lm_err_set(err, LM_EINVAL, "registerToken: the unit must be 1 .. 2^96 - 1");
    lm_abi_value a[2] = {lm_abi_address(token), lm_abi_uint(*unit)};
    lm_l1_receipt r;
    lm_code rc = lm_l1_call_tx(s, d->bridge, NULL, "registerToken(address,uint256)", a, 2, &r, err);
    if (rc != LM_OK)
        return rc;
    /* "event AssetRegistered(uint32 indexed assetId, address indexed token, uint256 unit)" */
    uint8_t t0[32], want[32] = {0};
    lm_topic_asset_registered(t0);
    memcpy(want + 12, token, 20);
    bool found = false;
    for (size_t i = 0; i < r.logs.len && !found; i++) {
        const lm_l1_log *l = &r.logs.v[i];
        if (memcmp(l->address, d->bridge, 20) == 0 && l->n_topics == 3 &&
            memcmp(l->topics[0], t0, 32) == 0 && memcmp(l->topics[2], want, 32) == 0 &&
            word_fits(l->topics[1], 32)) {
            *asset_id = lm_load_be32(l->topics[1] + 28);
            found = true;
        }
    }
    if (!found)
        rc = lm_bridge_asset_id_of(s->rpc, d, token, asset_id, err);
    if (rc == LM_OK && receipt)
        *receipt = r;
    else
        lm_l1_receipt_free(&r);
    return rc;
}

lm_code lm_dev_token_deploy(lm_l1_signer *s, const char *name, const char *symbol,
                            unsigned decimals, uint8_t addr[20], lm_err *err)
{
    if (decimals > 255)
        return lm_err_set(err, LM_EINVAL, "DevToken: decimals %u > 255", decimals);
    lm_abi_value a[3] = {lm_abi_string(name, strlen(name)), lm_abi_string(symbol, strlen(symbol)),
                         lm_abi_uint64(decimals)};
    return lm_l1_deploy_code(s, &lm_code_dev_token, "(string,string,uint8)", a, 3, addr,
                             "deploy DevToken", err);
}

lm_code lm_dev_token_mint_at(lm_l1_signer *s, const uint8_t token[20], const uint8_t to[20],
                             const lm_u256 *amount, lm_l1_receipt *receipt, lm_err *err)
{
    lm_abi_value a[2] = {lm_abi_address(to), lm_abi_uint(*amount)};
    return lm_l1_call_tx(s, token, NULL, "mint(address,uint256)", a, 2, receipt, err);
}
