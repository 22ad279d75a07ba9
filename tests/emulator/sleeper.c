/*
 * sleeper.c -- test plugin for the emulator: sleeper.handler sleeps for the
 * event's "seconds", keeps "mb" megabytes touched (so the instance's peak RSS
 * grows), and answers {"pid": PID}; "crash": true kills the process with
 * SIGSEGV.  Its init hook sleeps SLEEPER_INIT_MS milliseconds (environment).
 * Used for timeouts, memory reports and the reports after a crash.
 */
#include <lambda/lambda.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int handler(lambda_invocation *inv);

static int init(lambda_init *ctx)
{
    (void)ctx;
    const char *ms = getenv("SLEEPER_INIT_MS");
    long n = ms ? strtol(ms, NULL, 10) : 0;
    if (n > 0) {
        struct timespec ts = {n / 1000, (n % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Kept for the life of the process on purpose, the peak must stay; global,
 * so that the compiler cannot drop the allocations as unused. */
extern char *sleeper_hold[64];
char *sleeper_hold[64];

int handler(lambda_invocation *inv)
{
    json_object *ev = lambda_event_json(inv), *v;
    double seconds = 0;
    long mb = 0;
    if (ev && json_object_object_get_ex(ev, "seconds", &v))
        seconds = json_object_get_double(v);
    if (ev && json_object_object_get_ex(ev, "mb", &v))
        mb = json_object_get_int64(v);
    if (ev && json_object_object_get_ex(ev, "crash", &v) && json_object_get_boolean(v))
        raise(SIGSEGV);
    if (mb > 0) {
        static int n;
        char *p = malloc((size_t)mb << 20);
        if (!p)
            return lambda_fail(inv, "Sleeper.NoMemory", "cannot allocate %ld MB", mb);
        memset(p, 1, (size_t)mb << 20);
        if (n < 64)
            sleeper_hold[n++] = p;
    }
    if (seconds > 0) {
        struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
        nanosleep(&ts, NULL);
    }
    json_object *out = json_object_new_object();
    json_object_object_add(out, "pid", json_object_new_int(getpid()));
    return lambda_respond_json(inv, out);
}

LAMBDA_PLUGIN("sleeper", "1.0", 0, init, NULL);
