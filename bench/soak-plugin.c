/*
 * soak-plugin.c -- the handler of the soak bench (bench/soak): soak.handler.
 * The event {"id": N, "do": "echo" | "crash" | "sleep", "seconds": S} says
 * what to do, so the client knows the answer to expect: echo answers
 * {"id": N}; crash segfaults (the caller gets Runtime.ExitError); sleep
 * sleeps S seconds, past the function's timeout (Sandbox.Timedout).  Before
 * acting, the handler appends "N\n" to the file $SOAK_LOG, so the client can
 * tell how many times each invocation ran (a duplicate runs twice).
 */
#include <lambda/lambda.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int handler(lambda_invocation *inv);

static void record(lambda_invocation *inv, long id)
{
    const char *path = getenv("SOAK_LOG");
    if (!path)
        return;
    /* one write(2) per line on an O_APPEND file: lines of concurrent
     * workers never interleave */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    char line[32];
    int n = snprintf(line, sizeof line, "%ld\n", id);
    if (fd < 0 || write(fd, line, (size_t)n) != n)
        lambda_log(inv, LAMBDA_LOG_ERROR, "soak: cannot record invocation %ld in %s", id, path);
    if (fd >= 0)
        close(fd);
}

int handler(lambda_invocation *inv)
{
    json_object *ev = lambda_event_json(inv), *v;
    if (!ev || !json_object_object_get_ex(ev, "id", &v))
        return lambda_fail(inv, "Soak.BadEvent", "expected {\"id\": N, \"do\": ...}");
    long id = (long)json_object_get_int64(v);
    const char *what = json_object_object_get_ex(ev, "do", &v) ? json_object_get_string(v) : "echo";
    record(inv, id);
    if (strcmp(what, "crash") == 0) {
        raise(SIGSEGV);
    } else if (strcmp(what, "sleep") == 0) {
        double s = json_object_object_get_ex(ev, "seconds", &v) ? json_object_get_double(v) : 5;
        struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
    json_object *out = json_object_new_object();
    json_object_object_add(out, "id", json_object_new_int64(id));
    return lambda_respond_json(inv, out);
}

LAMBDA_PLUGIN("soak", "1.0", 0, NULL, NULL);
