/*
 * main.c -- lambda-emulator: run AWS Lambda functions locally.  Reads the
 * configuration, serves the Invoke API, starts runtime instances on demand,
 * and shuts everything down cleanly on SIGINT or SIGTERM.
 */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "console.h"
#include "emulator.h"
#include "front.h"
#include "http.h"

/* The host part of "HOST:PORT" as the server listens on it. */
static void host_of(const char *addr, char *buf, size_t n)
{
    int len = (int)strcspn(addr, ":");
    snprintf(buf, n, "%.*s", len > 60 ? 60 : len, addr);
    if (!*buf)
        snprintf(buf, n, "0.0.0.0");
}

int main(int argc, char **argv)
{
    char err[1024] = "";
    emu_settings st;
    int rc = emu_settings_load(&st, argc, argv, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "lambda-emulator: %s\n", err);
        emu_settings_free(&st);
        return rc > 0 ? 0 : 2;
    }
    if (http_check_addr(st.listen, err, sizeof err) < 0 ||
        (st.http_listen && http_check_addr(st.http_listen, err, sizeof err) < 0)) {
        fprintf(stderr, "lambda-emulator: %s\n", err);
        emu_settings_free(&st);
        return 2;
    }
    struct stat sb;
    if (stat(st.task_root, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr,
                "lambda-emulator: the task root %s is not a directory; "
                "point --task-root (or LAMBDA_TASK_ROOT, or task_root in [emulator]) at the "
                "directory holding the function's code\n",
                st.task_root);
        emu_settings_free(&st);
        return 2;
    }

    /* Signals are taken synchronously by this thread; every thread started
     * from here on inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    emu e;
    if (emu_start(&e, &st, err, sizeof err) < 0) {
        fprintf(stderr, "lambda-emulator: %s\n", err);
        emu_settings_free(&st);
        return 1;
    }
    char host[64];
    host_of(st.listen, host, sizeof host);
    for (function *fn = e.functions; fn; fn = fn->next)
        fprintf(stderr,
                "lambda-emulator: function %s (handler %s, runtime %s) at "
                "http://%s:%u/2015-03-31/functions/%s/invocations\n",
                fn->name, fn->s->handler, fn->s->runtime, host, e.port, fn->name);
    if (st.http_listen) {
        char fhost[64];
        host_of(st.http_listen, fhost, sizeof fhost);
        for (const struct front_route *r = st.routes; r; r = r->next)
            fprintf(stderr, "lambda-emulator: route %s -> function %s (payload %s)\n", r->key,
                    r->function, r->payload_format == FRONT_PAYLOAD_1_0 ? "1.0" : "2.0");
        fprintf(stderr, "lambda-emulator: HTTP front on http://%s:%u/\n", fhost, e.http_port);
    }
    if (console_enabled())
        fprintf(stderr, "lambda-emulator: console on http://%s:%u/console/\n", host, e.port);
    if (st.watch)
        fprintf(stderr, "lambda-emulator: watching %s: functions reload when it changes\n",
                st.task_root);
    fprintf(stderr, "lambda-emulator: listening on %s:%u\n", host, e.port);

    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "lambda-emulator: %s received, shutting down\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    emu_stop(&e);
    emu_settings_free(&st);
    return 0;
}
