/*
 * loop.h -- the invoke loop: GET /next, export the trace id, call the
 * handler, make sure exactly one answer is posted, and go again.  Also the
 * init error post that ends a failed start.
 */
#ifndef BOOTSTRAP_LOOP_H
#define BOOTSTRAP_LOOP_H

#include "host.h"
#include "loader.h"
#include "rapi.h"
#include "slot.h"

typedef struct runtime {
    rapi *api;
    plugin *plugin;
    lr_function_info fn;
    lambda_invocation inv;
    worker_slot *slot; /* shared with the supervisor; NULL without one */
    /* set when a post met a non-recoverable answer: exit after this handler */
    int fatal;
    char fatal_msg[768];
} runtime;

/* Post {errorType, errorMessage} to /runtime/init/error and log it. */
void post_init_error(rapi *api, const char *type, const char *message);

/* Run invocations until the Runtime API fails (returns 1) or a shutdown is
 * requested (returns 0 once the invocation in flight is answered). */
int loop_run(runtime *rt);

#endif
