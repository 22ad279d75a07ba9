/* trace_env.c -- see trace_env.h. */
#include "config.h"
#include "trace_env.h"
#include "host.h"

#include <stdlib.h>
#include <string.h>

#define TRACE_ENV "_X_AMZN_TRACE_ID"

static char entry[sizeof TRACE_ENV "=" + TRACE_ENV_MAX] = TRACE_ENV "=";

void trace_env_set(const char *trace_id, const char *request_id)
{
    static int told;
    size_t len = trace_id ? strlen(trace_id) : 0;
    if (trace_id && len > TRACE_ENV_MAX && !told) {
        told = 1;
        lr_log(request_id, LAMBDA_LOG_WARN,
               "trace id of %zu bytes is longer than %d: " TRACE_ENV " is left unset for such "
               "invocations (lambda_trace_id() has it whole)",
               len, TRACE_ENV_MAX);
    }
    if (!trace_id || len > TRACE_ENV_MAX) {
        unsetenv(TRACE_ENV); /* drops the pointer; frees nothing, allocates nothing */
        return;
    }
    memcpy(entry + sizeof TRACE_ENV, trace_id, len + 1);
    /* Every time, not once: the plugin may have called setenv() or
     * unsetenv() on the name since.  putenv() of the same pointer replaces
     * the entry without allocating. */
    putenv(entry);
}
