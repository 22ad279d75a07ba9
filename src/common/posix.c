/* posix.c -- see posix.h. */
#include "config.h"
#include "posix.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int write_full(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

void exit_status_text(int wstatus, char *buf, size_t n, int *signo)
{
    int sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    if (signo)
        *signo = sig;
    if (sig) {
        const char *name = strsignal(sig);
        snprintf(buf, n, "signal: %s%s", name ? name : "unknown",
                 WCOREDUMP(wstatus) ? " (core dumped)" : "");
        if (n > 8 && buf[8]) /* "Segmentation fault" -> "segmentation fault" */
            buf[8] = (char)tolower((unsigned char)buf[8]);
    } else {
        snprintf(buf, n, "exit status %d", WEXITSTATUS(wstatus));
    }
}
