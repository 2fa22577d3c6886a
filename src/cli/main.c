/* lamina: the one binary, with subcommands (DESIGN.md §7). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lamina/version.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: lamina <command> [options]\n"
               "\n"
               "commands:\n"
               "  version    print the version\n"
               "  devnet     start a local devnet: anvil (L1) with Lamina's contracts\n"
               "  deploy     deploy Lamina's contracts to an Ethereum endpoint\n"
               "  wallet     encrypted keys: wallet new | import | list\n"
               "  deposit    deposit ETH or a registered ERC-20 from L1 to L2\n"
               "  transfer   send an L2 transfer\n"
               "  withdraw   withdraw from L2 to L1; withdraw finalize claims it on L1\n"
               "  balance    L2 and L1 balances of an account\n"
               "  tx         tx status HASH: an L2 transaction's status\n"
               "  token      the Bridge's assets: token list | token register\n"
               "  node       run the sequencer; node --follow derives the chain from L1 alone\n"
               "  help       this text\n");
    return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *cmd = argv[1];
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("lamina %s\n", LM_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return usage(stdout);
    if (strcmp(cmd, "devnet") == 0)
        return cmd_devnet(argc - 1, argv + 1);
    if (strcmp(cmd, "deploy") == 0)
        return cmd_deploy(argc - 1, argv + 1);
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } user_cmds[] = {
        {"wallet", cmd_wallet},     {"deposit", cmd_deposit}, {"transfer", cmd_transfer},
        {"withdraw", cmd_withdraw}, {"balance", cmd_balance}, {"tx", cmd_tx},
        {"token", cmd_token},
    };
    for (size_t i = 0; i < sizeof user_cmds / sizeof user_cmds[0]; i++)
        if (strcmp(cmd, user_cmds[i].name) == 0)
            return user_cmds[i].fn(argc - 1, argv + 1);
    if (strcmp(cmd, "node") == 0)
        for (int i = 2; i < argc; i++)
            if (strcmp(argv[i], "--follow") == 0)
                return cmd_follow(argc - 1, argv + 1);
    if (strcmp(cmd, "node") == 0)
        return cmd_sequencer(argc - 1, argv + 1);
    fprintf(stderr, "lamina: unknown command '%s'\n", cmd);
    return usage(stderr);
}
