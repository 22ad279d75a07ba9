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
    worker_slot *slot;      /* shared with the supervisor; NULL without one */
    struct rstream *stream; /* streamed responses (rstream.h), made when first needed */
    /* export the trace id as _X_AMZN_TRACE_ID (single concurrency only:
     * setenv is not thread-safe, and the variable is per process) */
    int trace_env;
    int polling;    /* non-zero while waiting in GET /next (atomic; threads.c) */
    int bad_in_row; /* unusable invocations in a row (loop.c) */
    /* threads.c: the signal that wakes this loop out of /next, blocked in
     * its thread but while it waits there (0: none) */
    int wake_signal;
    /* set when a post met a non-recoverable answer: exit after this handler */
    int fatal;
    char fatal_msg[768];
} runtime;

/* Log the outcome of a post of what (e.g. "response (12 bytes)") for
 * request_id; a 5xx or a lost connection is fatal (rt->fatal).  Returns
 * LAMBDA_OK for a 2xx. */
int loop_judge(runtime *rt, const char *request_id, const char *what, const rapi_result *res);

/* Post {errorType, errorMessage} to /runtime/init/error and log it. */
void post_init_error(rapi *api, const char *type, const char *message);

/* Run invocations until the Runtime API fails (returns 1) or a shutdown is
 * requested (returns 0 once the invocation in flight is answered). */
int loop_run(runtime *rt);

#endif
