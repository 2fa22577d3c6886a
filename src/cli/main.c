/* lamina: the one binary, with subcommands (DESIGN.md §7). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lamina/version.h"

static int usage(FILE *f)
{
    fprintf(f,
            "usage: lamina <command> [options]\n"
            "\n"
            "commands:\n"
            "  version    print the version\n"
            "  devnet     start a local devnet: anvil (L1) with Lamina's contracts\n"
            "  deploy     deploy Lamina's contracts to an Ethereum endpoint\n"
            "  node       run the sequencer\n"
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
    if (strcmp(cmd, "node") == 0)
        return cmd_sequencer(argc - 1, argv + 1);
    fprintf(stderr, "lamina: unknown command '%s'\n", cmd);
    return usage(stderr);
}
