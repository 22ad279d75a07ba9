/*
 * conc.c -- test plugin for multi-concurrency (AWS_LAMBDA_MAX_CONCURRENCY):
 * declared thread-safe; built a second time as concp.so without the flag
 * (-DCONC_NOT_THREAD_SAFE) for the process model.
 *   conc.report  logs a line, sleeps the event's "ms" (default 200), logs
 *                again, then answers what the accessors said before and
 *                after the sleep (request id, trace id), the
 *                _X_AMZN_TRACE_ID it sees, its pid and thread id, and the
 *                event's "i"
 *   conc.crash   like report, but an event with "crash": true raises
 *                SIGSEGV after the sleep (once "after" handlers, default 1,
 *                are running in this process, for at most 10 s: so that
 *                a test knows what was in flight), and one with "overflow": true
 *                overflows its thread's stack (unbounded recursion)
 * The shutdown hook appends "shutdown PID" to $CONC_SHUTDOWN_FILE (when set).
 */
#define _GNU_SOURCE
#include <lambda/lambda.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int report(lambda_invocation *inv);
int crash(lambda_invocation *inv);

static void add_str(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

/* Recurse until the stack runs out (each frame keeps 4 KB live). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int recurse(volatile char *up, long depth)
{
    volatile char frame[4096];
    frame[0] = (char)depth;
    frame[1] = up ? up[0] : 0;
    return recurse(frame, depth + 1) + frame[1];
}
#pragma GCC diagnostic pop

static int inflight; /* handlers running in this process (atomic) */

/* Wait (at most 10 s) until n handlers run in this process. */
static void wait_inflight(long n)
{
    for (int i = 0; i < 1000 && __atomic_load_n(&inflight, __ATOMIC_SEQ_CST) < n; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static int run(lambda_invocation *inv, int may_crash)
{
    __atomic_add_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
    json_object *ev = lambda_event_json(inv), *v;
    long ms = ev && json_object_object_get_ex(ev, "ms", &v) ? (long)json_object_get_int64(v) : 200;
    int crash_now =
        may_crash && ev && json_object_object_get_ex(ev, "crash", &v) && json_object_get_boolean(v);
    int64_t i = ev && json_object_object_get_ex(ev, "i", &v) ? json_object_get_int64(v) : -1;
    char *id = strdup(lambda_request_id(inv));
    const char *t = lambda_trace_id(inv);
    char *trace = t ? strdup(t) : NULL;
    lambda_log(inv, LAMBDA_LOG_INFO, "conc start i=%lld", (long long)i);
    struct timespec t0, t1; /* CLOCK_MONOTONIC: one clock for every process */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    if (crash_now) {
        wait_inflight(json_object_object_get_ex(ev, "after", &v) ? (long)json_object_get_int64(v)
                                                                 : 1);
        raise(SIGSEGV);
    }
    if (may_crash && ev && json_object_object_get_ex(ev, "overflow", &v) &&
        json_object_get_boolean(v))
        recurse(NULL, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    lambda_log(inv, LAMBDA_LOG_WARN, "conc end i=%lld", (long long)i);
    json_object *o = json_object_new_object();
    add_str(o, "requestId", id);
    add_str(o, "requestIdAfter", lambda_request_id(inv));
    add_str(o, "traceId", trace);
    add_str(o, "traceIdAfter", lambda_trace_id(inv));
    add_str(o, "traceEnv", getenv("_X_AMZN_TRACE_ID"));
    json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
    json_object_object_add(o, "tid", json_object_new_int((int)gettid()));
    json_object_object_add(o, "i", json_object_new_int64(i));
    json_object_object_add(o, "startNs",
                           json_object_new_int64((int64_t)t0.tv_sec * 1000000000 + t0.tv_nsec));
    json_object_object_add(o, "endNs",
                           json_object_new_int64((int64_t)t1.tv_sec * 1000000000 + t1.tv_nsec));
    free(id);
    free(trace);
    __atomic_sub_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
    return lambda_respond_json(inv, o);
}

int report(lambda_invocation *inv)
{
    return run(inv, 0);
}

int crash(lambda_invocation *inv)
{
    return run(inv, 1);
}

static void conc_shutdown(void)
{
    const char *path = getenv("CONC_SHUTDOWN_FILE");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "shutdown %d\n", (int)getpid());
        fclose(f);
    }
}

#ifdef CONC_NOT_THREAD_SAFE
LAMBDA_PLUGIN("concp", "1.0", 0, NULL, conc_shutdown);
#else
LAMBDA_PLUGIN("conc", "1.0", LAMBDA_PLUGIN_THREAD_SAFE, NULL, conc_shutdown);
#endif
