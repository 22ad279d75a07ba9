/*
 * waitpid-gate.c -- LD_PRELOADed into bootstrap by t-sigterm-race.sh to
 * make a race reproducible: it holds the process's first blocking
 * waitpid() at its start -- the moment between the supervisor's check for
 * a shutdown request and its wait -- until the test has sent its signal.
 * With WAITPID_GATE=PATH, in a program named $WAITPID_GATE_NAME (not the
 * shell of libtool's wrapper script, which waits for its own commands), it
 * writes its pid to PATH.entered, waits for PATH.go to exist (at most
 * 30 s), then waits for real.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pid_t waitpid(pid_t pid, int *status, int options)
{
    static pid_t (*real)(pid_t, int *, int);
    static int used;
    if (!real)
        real = (pid_t(*)(pid_t, int *, int))dlsym(RTLD_NEXT, "waitpid");
    const char *gate = getenv("WAITPID_GATE"), *name = getenv("WAITPID_GATE_NAME");
    if (gate && name && strcmp(program_invocation_short_name, name) == 0 && !(options & WNOHANG) &&
        !used) {
        used = 1;
        char path[4096];
        snprintf(path, sizeof path, "%s.entered", gate);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
        }
        snprintf(path, sizeof path, "%s.go", gate);
        for (int i = 0; i < 3000 && access(path, F_OK) != 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL); /* a signal cuts one short: fine */
        }
    }
    return real(pid, status, options);
}
