/*
 * trace_env.h -- _X_AMZN_TRACE_ID, set for each invocation without growing
 * the process.  glibc's setenv() keeps every value it was ever given (a
 * pointer to an old one may still be held by a caller of getenv), so calling
 * it once per invocation with a new trace id grows the heap by the size of
 * each id for the life of the process.  Instead one static buffer of the
 * largest accepted size is handed to putenv(), which stores the pointer
 * itself, and each id is written into it in place.  Only for one invoke loop
 * per process (concurrency 1): the variable is per process.
 */
#ifndef BOOTSTRAP_TRACE_ENV_H
#define BOOTSTRAP_TRACE_ENV_H

/* The longest trace id exported (an X-Ray header, "Root=1-...;Parent=...;
 * Sampled=1;Lineage=...", is well under 256 bytes).  A longer one leaves
 * the variable unset (logged once); lambda_trace_id() still has it whole. */
#define TRACE_ENV_MAX 1024

/* Export TRACE_ID (NULL: unset the variable) for the invocation REQUEST_ID. */
void trace_env_set(const char *trace_id, const char *request_id);

#endif
