/*
 * runtime.h -- the state of one invoke loop (loop.h): its Runtime API
 * client, its plugin, the invocation it runs, its supervisor slot, and
 * whether a post met a non-recoverable answer.  One per loop: the thread
 * model (threads.h) runs several.
 */
#ifndef BOOTSTRAP_RUNTIME_H
#define BOOTSTRAP_RUNTIME_H

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

#endif
