/*
 * proctree.c -- the processes of an execution environment as /proc shows
 * them: the runtime and its descendants, which of them holds a socket, when
 * one started, and their peak memory.  See proctree.h.
 */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "proctree.h"

/* Preorder walk from pid through /proc/PID/task/TID/children; depth-first,
 * so a process comes before its children. */
static size_t walk(pid_t pid, int depth, pid_t *out, size_t n, size_t max)
{
    if (n >= max)
        return n;
    out[n++] = pid;
    if (depth >= PROCTREE_MAX_DEPTH)
        return n;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return n;
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        if (de->d_name[0] == '.')
            continue;
        char cpath[320];
        snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", (int)pid, de->d_name);
        FILE *f = fopen(cpath, "re");
        if (!f)
            continue;
        int child;
        while (n < max && fscanf(f, "%d", &child) == 1)
            n = walk(child, depth + 1, out, n, max);
        fclose(f);
    }
    closedir(d);
    return n;
}

size_t proctree_list(pid_t root, pid_t *out, size_t max)
{
    return root > 0 ? walk(root, 0, out, 0, max) : 0;
}

void proctree_signal(pid_t root, int sig)
{
    if (root <= 0)
        return;
    pid_t pids[PROCTREE_MAX];
    size_t n = proctree_list(root, pids, PROCTREE_MAX);
    kill(-root, sig);
    for (size_t i = 1; i < n; i++)
        kill(pids[i], sig);
}

int proctree_holds_socket(pid_t pid, unsigned long inode)
{
    char path[64], want[48];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    int wn = snprintf(want, sizeof want, "socket:[%lu]", inode);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int found = 0;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char link[48];
        ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof link);
        found = n == wn && memcmp(link, want, (size_t)wn) == 0;
    }
    closedir(d);
    return found;
}

int64_t proctree_start_ns(pid_t pid)
{
    /* Field 22 of /proc/PID/stat, after the command name in parentheses
     * (which may hold spaces and parentheses itself). */
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long ticks = 0;
    /* After ')': state (3) ... starttime (22): skip 19 fields. */
    if (sscanf(p + 1,
               " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &ticks) != 1)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        return -1;
    return (int64_t)(ticks / (unsigned long long)hz) * 1000000000LL +
           (int64_t)(ticks % (unsigned long long)hz) * (1000000000LL / hz);
}

int64_t proctree_boot_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long status_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    long kb = 0;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

long proctree_hwm_kb(pid_t root)
{
    pid_t pids[PROCTREE_MAX];
    size_t n = proctree_list(root, pids, PROCTREE_MAX);
    long kb = 0;
    for (size_t i = 0; i < n; i++)
        kb += status_kb(pids[i], "VmHWM");
    return kb;
}

void proctree_child_setup(int out, int err, int go[2])
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    dup2(out, 1);
    dup2(err, 2);
    close(go[1]);
    char b;
    while (read(go[0], &b, 1) < 0 && errno == EINTR)
        ;
}
