/*
 * reloadfn.c -- test plugin for hot reload (--watch), built three times:
 * reloadv1.so and reloadv2.so answer {"version": 1} and {"version": 2};
 * reloadbad.so fails its init (ReloadInitError).  With {"gate": PATH} in
 * the event the handler first creates PATH.in, then waits until PATH
 * exists (at most 30 s): a test holds an invocation in flight that way.
 */
#include <lambda/lambda.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION 1
#endif

int handler(lambda_invocation *inv);

static void hold(const char *gate)
{
    char in[4096];
    snprintf(in, sizeof in, "%s.in", gate);
    FILE *f = fopen(in, "w");
    if (f)
        fclose(f);
    for (int i = 0; i < 3000 && access(gate, F_OK) != 0; i++) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

int handler(lambda_invocation *inv)
{
    json_object *ev = lambda_event_json(inv), *gate;
    if (ev && json_object_object_get_ex(ev, "gate", &gate))
        hold(json_object_get_string(gate));
    char body[64];
    int n = snprintf(body, sizeof body, "{\"version\": %d}", VERSION);
    return lambda_respond(inv, body, (size_t)n, "application/json");
}

#ifdef INIT_FAILS
static int init(lambda_init *ctx)
{
    return lambda_init_fail(ctx, "ReloadInitError", "this build's init fails on purpose");
}
LAMBDA_PLUGIN("reloadfn", "bad", 0, init, NULL);
#else
LAMBDA_PLUGIN("reloadfn", "ok", 0, NULL, NULL);
#endif
