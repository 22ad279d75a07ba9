/*
 * stream_ops.h -- the host ops behind lambda_stream_*: open, write and close
 * a streamed /response post (rstream.h) for the invocation a runtime is
 * running, judge the Runtime API's answer as every post is judged, and mark
 * the supervisor's slot answered once the stream has ended.
 */
#ifndef BOOTSTRAP_STREAM_OPS_H
#define BOOTSTRAP_STREAM_OPS_H

#include "host.h"

/* host is the runtime (runtime.h). */
int stream_host_open(void *host, lambda_invocation *inv, const char *content_type);
int stream_host_write(void *host, lambda_invocation *inv, const void *data, size_t len);
int stream_host_close(void *host, lambda_invocation *inv, const char *error_type, const char *body,
                      size_t len);

#endif
