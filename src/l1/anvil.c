/* Running anvil as a child process: see include/lamina/l1_anvil.h. */
#include "lamina/l1_anvil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lamina/l1_rpc.h"

static int is_exec(const char *p) { return access(p, X_OK) == 0; }

lm_code lm_anvil_find(char *buf, size_t cap, lm_err *err)
{
    const char *env = getenv("LAMINA_ANVIL");
    if (env && *env) {
        if (!is_exec(env))
            return lm_err_set(err, LM_ENOTFOUND, "LAMINA_ANVIL=%s is not executable", env);
        snprintf(buf, cap, "%s", env);
        return LM_OK;
    }
    struct utsname u;
    const char *arch = "amd64";
    if (uname(&u) == 0 && strcmp(u.machine, "aarch64") == 0)
        arch = "arm64";
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *bases[3];
    size_t nb = 0;
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        bases[nb++] = exe;
    }
    bases[nb++] = ".";
    for (size_t i = 0; i < nb; i++) {
        for (const char *up = "/..";; up = "") {
            int m = snprintf(buf, cap, "%s%s/node_modules/@foundry-rs/anvil-linux-%s/bin/anvil",
                             bases[i], up, arch);
            if (m > 0 && (size_t)m < cap && is_exec(buf))
                return LM_OK;
            if (!*up)
                break;
        }
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        int m = snprintf(buf, cap, "%.*s/anvil", (int)len, path);
        if (m > 0 && (size_t)m < cap && is_exec(buf))
            return LM_OK;
        path = colon ? colon + 1 : NULL;
    }
    return lm_err_set(err, LM_ENOTFOUND,
                      "anvil not found: run scripts/deps.sh, or set LAMINA_ANVIL");
}

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    uint16_t port = 0;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static lm_code start_once(lm_anvil *a, const char *bin, const char *const *extra,
                          const char *log_path, lm_err *err)
{
    uint16_t port = free_port();
    if (!port)
        return lm_err_set(err, LM_EIO, "anvil: no free port: %s", strerror(errno));
    char port_s[8];
    snprintf(port_s, sizeof port_s, "%u", port);
    const char *argv[40];
    size_t k = 0;
    argv[k++] = bin;
    argv[k++] = "--host";
    argv[k++] = "127.0.0.1";
    argv[k++] = "--port";
    argv[k++] = port_s;
    for (size_t i = 0; extra && extra[i] && k < 39; i++)
        argv[k++] = extra[i];
    argv[k] = NULL;

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return lm_err_set(err, LM_EIO, "anvil: fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0) {
            dup2(in, 0);
            close(in);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid);
    a->pid = pid;
    a->port = port;
    snprintf(a->url, sizeof a->url, "http://127.0.0.1:%u", port);

    lm_rpc rpc;
    lm_rpc_opts o;
    lm_rpc_opts_default(&o);
    o.timeout_ms = 500;
    o.max_retries = 0;
    if (lm_rpc_init(&rpc, a->url, &o, err) != LM_OK) {
        lm_anvil_stop(a);
        return LM_EIO;
    }
    lm_code rc = LM_EIO;
    for (int i = 0; i < 300; i++) { /* 30 s */
        uint64_t id;
        if (lm_rpc_chain_id(&rpc, &id, NULL) == LM_OK) {
            rc = LM_OK;
            break;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            a->pid = 0;
            lm_rpc_free(&rpc);
            return lm_err_set(err, LM_EIO, "anvil exited during start-up (status %d; log: %s)",
                              WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                              log_path ? log_path : "none");
        }
        sleep_ms(100);
    }
    lm_rpc_free(&rpc);
    if (rc != LM_OK) {
        lm_anvil_stop(a);
        return lm_err_set(err, LM_EIO, "anvil did not answer on %s within 30 s", a->url);
    }
    return LM_OK;
}

lm_code lm_anvil_start(lm_anvil *a, const char *bin, const char *const *extra_args,
                       const char *log_path, lm_err *err)
{
    memset(a, 0, sizeof *a);
    char found[PATH_MAX];
    if (!bin) {
        lm_code rc = lm_anvil_find(found, sizeof found, err);
        if (rc != LM_OK)
            return rc;
        bin = found;
    }
    lm_code rc = LM_EIO;
    for (int attempt = 0; attempt < 3 && rc != LM_OK; attempt++) /* the port may be taken */
        rc = start_once(a, bin, extra_args, log_path, err);
    return rc;
}

void lm_anvil_stop(lm_anvil *a)
{
    if (a->pid <= 0)
        return;
    kill(-a->pid, SIGTERM);
    kill(a->pid, SIGTERM);
    for (int i = 0; i < 30; i++) {
        if (waitpid(a->pid, NULL, WNOHANG) == a->pid) {
            a->pid = 0;
            return;
        }
        sleep_ms(100);
    }
    kill(-a->pid, SIGKILL);
    kill(a->pid, SIGKILL);
    waitpid(a->pid, NULL, 0);
    a->pid = 0;
}
