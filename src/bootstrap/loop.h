/*
 * loop.h -- the invoke loop: GET /next, export the trace id, call the
 * handler, make sure exactly one answer is posted, and go again.
 */
#ifndef BOOTSTRAP_LOOP_H
#define BOOTSTRAP_LOOP_H

#include "runtime.h"

/* Run invocations until the Runtime API fails (returns 1) or a shutdown is
 * requested (returns 0 once the invocation in flight is answered). */
int loop_run(runtime *rt);

#endif
