#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lamina/bytes.h"

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

lm_code cli_load_key(lm_seckey *key, const char *key_file, const char *env_name, lm_err *err)
{
    char text[130];
    size_t len = 0;
    if (key_file) {
        FILE *f = fopen(key_file, "r");
        if (!f)
            return lm_err_set(err, LM_EIO, "cannot read key file %s: %s", key_file, strerror(errno));
        len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
    } else {
        const char *env = env_name ? getenv(env_name) : NULL;
        if (!env)
            return lm_err_set(err, LM_EINVAL, "no key: pass --key-file or set %s", env_name);
        len = strnlen(env, sizeof text - 1);
        memcpy(text, env, len);
    }
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    uint8_t raw[32];
    lm_code rc = lm_hex_decode_exact(raw, 32, text, len, LM_HEX_PREFIX_OPTIONAL, err);
    lm_wipe(text, sizeof text);
    if (rc != LM_OK)
        return lm_err_set(err, LM_EINVAL, "the key is not 32 hex bytes");
    rc = lm_seckey_parse(key, raw, err);
    lm_wipe(raw, sizeof raw);
    return rc;
}

int cli_deploy(lm_l1_signer *signer, const lm_deploy_opts *o, lm_deployment *out)
{
    lm_err err;
    char who[LM_ADDRESS_TEXT_LEN + 1];
    lm_address a;
    memcpy(a.b, signer->address, 20);
    lm_address_to_checksum(who, &a);
    printf("deploying Lamina's contracts from %s (L1 chain %llu)...\n", who,
           (unsigned long long)signer->chain_id);
    fflush(stdout);
    if (lm_lamina_deploy(signer, o, out, &err) != LM_OK) {
        fprintf(stderr, "lamina: deploy failed: %s\n", err.msg);
        return 1;
    }
    char rollup[43], bridge[43];
    memcpy(a.b, out->rollup, 20);
    lm_address_to_checksum(rollup, &a);
    memcpy(a.b, out->bridge, 20);
    lm_address_to_checksum(bridge, &a);
    printf("  Rollup  %s (block %llu)\n  Bridge  %s\n", rollup,
           (unsigned long long)out->deploy_block, bridge);
    if (out->has_dev_token) {
        char tok[43];
        memcpy(a.b, out->dev_token, 20);
        lm_address_to_checksum(tok, &a);
        printf("  DevToken %s (asset %u)\n", tok, out->dev_token_asset_id);
    }
    return 0;
}
