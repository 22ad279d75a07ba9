/*
 * post.h -- what every post to the Runtime API shares: judging its answer
 * (a 4xx refuses this invocation's answer and the loop goes on; a 5xx or a
 * lost connection ends the runtime, as the Runtime API's contract says),
 * and the init error post that ends a failed start.
 */
#ifndef BOOTSTRAP_POST_H
#define BOOTSTRAP_POST_H

#include "rapi.h"
#include "runtime.h"

/* Log the outcome of a post of what (e.g. "response (12 bytes)") for
 * request_id; a 5xx or a lost connection is fatal (rt->fatal).  Returns
 * LAMBDA_OK for a 2xx. */
int post_verdict(runtime *rt, const char *request_id, const char *what, const rapi_result *res);

/* Post {errorType, errorMessage} to /runtime/init/error and log it. */
void post_init_error(rapi *api, const char *type, const char *message);

#endif
