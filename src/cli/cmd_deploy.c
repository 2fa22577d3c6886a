/* lamina deploy: deploys Lamina's L1 contracts to any Ethereum endpoint. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lamina/l1_rpc.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: lamina deploy --l1-rpc URL (--key-file FILE | env LAMINA_DEPLOYER_KEY)\n"
            "                     [--out FILE] [--l2-chain-id N] [--mode optimistic|zk|validium]\n"
            "                     [--challenge-window SECONDS] [--sequencing-window L1_BLOCKS]\n"
            "                     [--batcher ADDRESS] [--proposer ADDRESS] [--dev-token]\n"
            "Writes the deployment file (default: deployment.json).\n");
    return 2;
}

int cmd_deploy(int argc, char **argv)
{
    const char *url = NULL, *key_file = NULL, *out_path = "deployment.json";
    lm_deploy_opts o;
    memset(&o, 0, sizeof o);
    lm_rollup_config_devnet(&o.config);
    o.config.challenge_window = 7 * 24 * 3600; /* production default */
    lm_address batcher, proposer;
    lm_err err;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--dev-token") == 0) {
            o.dev_token = true;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (strcmp(a, "--l1-rpc") == 0)
            url = v;
        else if (strcmp(a, "--key-file") == 0)
            key_file = v;
        else if (strcmp(a, "--out") == 0)
            out_path = v;
        else if (strcmp(a, "--l2-chain-id") == 0) {
            if (!cli_parse_u64(v, &o.config.l2_chain_id) || !o.config.l2_chain_id)
                return usage();
        } else if (strcmp(a, "--challenge-window") == 0) {
            if (!cli_parse_u64(v, &o.config.challenge_window))
                return usage();
        } else if (strcmp(a, "--sequencing-window") == 0) {
            if (!cli_parse_u64(v, &o.config.sequencing_window) || !o.config.sequencing_window)
                return usage();
        } else if (strcmp(a, "--mode") == 0) {
            if (strcmp(v, "optimistic") == 0)
                o.config.mode = LM_MODE_OPTIMISTIC;
            else if (strcmp(v, "zk") == 0)
                o.config.mode = LM_MODE_ZK;
            else if (strcmp(v, "validium") == 0)
                o.config.mode = LM_MODE_VALIDIUM;
            else
                return usage();
        } else if (strcmp(a, "--batcher") == 0 || strcmp(a, "--proposer") == 0) {
            lm_address *dst = a[2] == 'b' ? &batcher : &proposer;
            if (lm_address_parse(dst, v, strlen(v), &err) != LM_OK) {
                fprintf(stderr, "lamina deploy: %s: %s\n", a, err.msg);
                return 2;
            }
            if (a[2] == 'b')
                o.batcher = batcher.b;
            else
                o.proposer = proposer.b;
        } else
            return usage();
    }
    if (!url)
        return usage();
    lm_seckey key;
    if (cli_load_key(&key, key_file, "LAMINA_DEPLOYER_KEY", &err) != LM_OK) {
        fprintf(stderr, "lamina deploy: %s\n", err.msg);
        return 2;
    }
    lm_rpc rpc;
    lm_l1_signer signer;
    if (lm_rpc_init(&rpc, url, NULL, &err) != LM_OK) {
        lm_seckey_wipe(&key);
        fprintf(stderr, "lamina deploy: %s\n", err.msg);
        return 1;
    }
    lm_code rc = lm_l1_signer_init(&signer, &rpc, &key, 0, NULL, &err);
    lm_seckey_wipe(&key);
    if (rc != LM_OK) {
        fprintf(stderr, "lamina deploy: %s: %s\n", url, err.msg);
        lm_rpc_free(&rpc);
        return 1;
    }
    lm_deployment d;
    int status = cli_deploy(&signer, &o, &d);
    if (status == 0 && lm_deployment_save(&d, out_path, &err) != LM_OK) {
        fprintf(stderr, "lamina deploy: %s\n", err.msg);
        status = 1;
    }
    if (status == 0)
        printf("deployment written to %s\n", out_path);
    lm_l1_signer_free(&signer);
    lm_rpc_free(&rpc);
    return status;
}
