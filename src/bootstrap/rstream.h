/*
 * rstream.h -- the streamed response post (AWS Lambda Runtime API, 2018-06-01;
 * "Response streaming"): POST .../{id}/response with Transfer-Encoding:
 * chunked, Lambda-Runtime-Function-Response-Mode: streaming and the declared
 * error trailers.  It runs on its own libcurl easy handle (kept, with its
 * keep-alive connection, from one stream to the next) driven by a multi
 * handle from the handler's thread: a write runs the transfer until libcurl
 * has handed those bytes to the socket, then pauses it.  So each write
 * reaches the Runtime API before it returns, no thread is needed, and memory
 * stays flat (libcurl's upload buffer only) however long the stream.
 */
#ifndef BOOTSTRAP_RSTREAM_H
#define BOOTSTRAP_RSTREAM_H

#include "rapi.h"

#include <stddef.h>

typedef struct rstream rstream;

/* stall_timeout: seconds the transfer may make no progress (no byte sent
 * or received) while bootstrap waits on it -- the handler's own pauses
 * between writes do not count; then it fails as a lost connection would. */
rstream *rstream_new(double stall_timeout);
void rstream_free(rstream *s);

/* Start the post to url (the request line and headers go out now).
 * invocation_id may be NULL (not echoed).  Returns 0; or -1 when the
 * transfer ended already, with res filled as rstream_close() fills it. */
int rstream_open(rstream *s, const char *url, const char *content_type, const char *invocation_id,
                 rapi_result *res);

/* Send len > 0 bytes as one chunk; returns once libcurl has written them
 * to the connection.  -1 when the transfer has ended (the Runtime API
 * answered or the connection failed): rstream_close() says how. */
int rstream_write(rstream *s, const void *data, size_t len);

/* End the stream: the last chunk, then the trailers when error_type is set
 * (Lambda-Runtime-Function-Error-Type, and -Error-Body = base64 of body).
 * Waits for the Runtime API's answer and fills res. */
void rstream_close(rstream *s, const char *error_type, const char *body, size_t len,
                   rapi_result *res);

/* Bytes written in the current (or last) stream. */
unsigned long long rstream_bytes(const rstream *s);

#endif
