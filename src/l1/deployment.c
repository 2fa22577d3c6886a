/* The deployment file: JSON, written atomically (docs/deployment.md). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lamina/bytes.h"
#include "lamina/l1_lamina.h"

static const char *const mode_names[] = {"optimistic", "zk", "validium"};

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char buf[2 * 32 + 3];
    lm_hex_encode(buf, b, n, true);
    return json_string(buf);
}

lm_code lm_deployment_save(const lm_deployment *d, const char *path, lm_err *err)
{
    const lm_rollup_config *c = &d->config;
    char bond[LM_U256_DEC_BUF];
    lm_u256_to_dec(bond, &c->proposal_bond);
    json_t *params = json_pack("{s:s, s:I, s:o, s:I, s:I, s:s, s:I, s:I}",
                               "mode", mode_names[c->mode], "l2ChainId", (json_int_t)c->l2_chain_id,
                               "genesisOutputRoot", hex_json(c->genesis_output_root, 32),
                               "sequencingWindow", (json_int_t)c->sequencing_window,
                               "challengeWindow", (json_int_t)c->challenge_window,
                               "proposalBond", bond,
                               "batcherTimeout", (json_int_t)c->batcher_timeout,
                               "proposerTimeout", (json_int_t)c->proposer_timeout);
    json_t *root = json_pack("{s:i, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o}",
                             "version", 1, "l1ChainId", (json_int_t)d->l1_chain_id,
                             "l2ChainId", (json_int_t)c->l2_chain_id,
                             "rollup", hex_json(d->rollup, 20), "bridge", hex_json(d->bridge, 20),
                             "admin", hex_json(d->admin, 20), "batcher", hex_json(d->batcher, 20),
                             "proposer", hex_json(d->proposer, 20),
                             "deployBlock", (json_int_t)d->deploy_block,
                             "deployBlockHash", hex_json(d->deploy_block_hash, 32),
                             "params", params);
    if (!root)
        return lm_err_set(err, LM_ENOMEM, "deployment: cannot build JSON");
    if (d->has_dev_token) {
        json_object_set_new(root, "devToken",
                            json_pack("{s:o, s:i, s:I}", "address", hex_json(d->dev_token, 20),
                                      "assetId", (int)d->dev_token_asset_id, "unit",
                                      (json_int_t)d->dev_token_unit));
    }
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        json_decref(root);
        return lm_err_set(err, LM_EINVAL, "deployment: path too long");
    }
    int rc = json_dump_file(root, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (rc != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return lm_err_set(err, LM_EIO, "deployment: cannot write %s", path);
    }
    return LM_OK;
}

static lm_code get_hex(uint8_t *out, size_t n, json_t *obj, const char *key, lm_err *err)
{
    json_t *v = json_object_get(obj, key);
    const char *s = json_string_value(v);
    if (!s)
        return lm_err_set(err, LM_EINVAL, "deployment: missing \"%s\"", key);
    if (lm_hex_decode_exact(out, n, s, strlen(s), LM_HEX_PREFIX_REQUIRED, err) != LM_OK)
        return lm_err_set(err, LM_EINVAL, "deployment: \"%s\" is not %zu hex bytes", key, n);
    return LM_OK;
}

static lm_code get_u64(uint64_t *out, json_t *obj, const char *key, lm_err *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return lm_err_set(err, LM_EINVAL, "deployment: \"%s\" must be a non-negative integer", key);
    *out = (uint64_t)json_integer_value(v);
    return LM_OK;
}

lm_code lm_deployment_load(lm_deployment *d, const char *path, lm_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return lm_err_set(err, LM_EIO, "deployment %s: %s (line %d)", path, je.text, je.line);
    lm_deployment x;
    memset(&x, 0, sizeof x);
    lm_code rc;
    uint64_t version = 0;
    json_t *p = json_object_get(root, "params");
    if ((rc = get_u64(&version, root, "version", err)))
        goto out;
    if (version != 1) {
        rc = lm_err_set(err, LM_EINVAL, "deployment: version %llu, expected 1",
                        (unsigned long long)version);
        goto out;
    }
    if (!json_is_object(p)) {
        rc = lm_err_set(err, LM_EINVAL, "deployment: missing \"params\"");
        goto out;
    }
    if ((rc = get_u64(&x.l1_chain_id, root, "l1ChainId", err)) ||
        (rc = get_hex(x.rollup, 20, root, "rollup", err)) ||
        (rc = get_hex(x.bridge, 20, root, "bridge", err)) ||
        (rc = get_hex(x.admin, 20, root, "admin", err)) ||
        (rc = get_hex(x.batcher, 20, root, "batcher", err)) ||
        (rc = get_hex(x.proposer, 20, root, "proposer", err)) ||
        (rc = get_u64(&x.deploy_block, root, "deployBlock", err)) ||
        (rc = get_hex(x.deploy_block_hash, 32, root, "deployBlockHash", err)) ||
        (rc = get_u64(&x.config.l2_chain_id, p, "l2ChainId", err)) ||
        (rc = get_hex(x.config.genesis_output_root, 32, p, "genesisOutputRoot", err)) ||
        (rc = get_u64(&x.config.sequencing_window, p, "sequencingWindow", err)) ||
        (rc = get_u64(&x.config.challenge_window, p, "challengeWindow", err)) ||
        (rc = get_u64(&x.config.batcher_timeout, p, "batcherTimeout", err)) ||
        (rc = get_u64(&x.config.proposer_timeout, p, "proposerTimeout", err)))
        goto out;
    const char *mode = json_string_value(json_object_get(p, "mode"));
    rc = LM_EINVAL;
    for (int i = 0; i < 3; i++)
        if (mode && strcmp(mode, mode_names[i]) == 0) {
            x.config.mode = (lm_rollup_mode)i;
            rc = LM_OK;
        }
    if (rc != LM_OK) {
        lm_err_set(err, rc, "deployment: \"mode\" must be optimistic, zk or validium");
        goto out;
    }
    const char *bond = json_string_value(json_object_get(p, "proposalBond"));
    if (!bond || lm_u256_from_dec(&x.config.proposal_bond, bond, strlen(bond), NULL) != LM_OK) {
        rc = lm_err_set(err, LM_EINVAL, "deployment: \"proposalBond\" must be a decimal string");
        goto out;
    }
    json_t *dt = json_object_get(root, "devToken");
    if (dt) {
        uint64_t asset;
        if ((rc = get_hex(x.dev_token, 20, dt, "address", err)) ||
            (rc = get_u64(&asset, dt, "assetId", err)) ||
            (rc = get_u64(&x.dev_token_unit, dt, "unit", err)))
            goto out;
        x.dev_token_asset_id = (uint32_t)asset;
        x.has_dev_token = true;
    }
    *d = x;
out:
    json_decref(root);
    return rc;
}
