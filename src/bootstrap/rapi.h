/*
 * rapi.h -- the Runtime API client (AWS Lambda Runtime API, 2018-06-01) on one libcurl
 * easy handle kept for the whole life of the process, so every call reuses
 * one keep-alive connection.  GET /next has no timeout (it is a long poll);
 * a post must be answered within post_timeout ([runtime], settings.h), or it
 * fails as if the connection were lost.  Posts send the handler's bytes in
 * place (no copy) and never `Expect: 100-continue`.
 */
#ifndef BOOTSTRAP_RAPI_H
#define BOOTSTRAP_RAPI_H

#include "boot_settings.h"

#include <curl/curl.h>
#include <lambda/lambda.h>
#include <stddef.h>

typedef struct rapi rapi;

/* A client of the Runtime API of s->runtime_api (AWS_LAMBDA_RUNTIME_API:
 * host:port, maybe with a path prefix; used verbatim), retrying an
 * unreachable one s->api_retries times from s->api_retry_delay seconds
 * (doubling); posts bounded by s->post_timeout seconds. */
rapi *rapi_new(const settings *s, char *err, size_t errlen);
void rapi_free(rapi *r);

/* Wait for the next invocation and fill inv (which must be reset).  Returns
 * 0; 1 when a shutdown was requested while waiting (no invocation taken);
 * or -1 with err set when the runtime must exit (500, unexpected status, or
 * the Runtime API unreachable after the retries). */
int rapi_next(rapi *r, lambda_invocation *inv, char *err, size_t errlen);

/* The result of a post. */
typedef struct rapi_result {
    long status;      /* HTTP status, 0 if no answer */
    char detail[512]; /* curl's error, or the start of the answer's body */
} rapi_result;

/* POST body to PATH (below /2018-06-01, e.g. "/runtime/init/error").
 * error_type and invocation_id may be NULL (header not sent).  Retries only
 * while the connection cannot be made (nothing was sent).  No answer within
 * the post timeout: status 0, detail says what timed out. */
void rapi_post(rapi *r, const char *path, const void *body, size_t len, const char *content_type,
               const char *error_type, const char *invocation_id, rapi_result *res);

/* "Name: value" (malloc'd, NULL when out of memory) with control characters
 * in value replaced by spaces: header values come from plugins (error
 * types), so no CR/LF injection. */
char *rapi_header_line(const char *name, const char *value);

/* The base URL, for messages. */
const char *rapi_base_url(const rapi *r);

/* The post timeout in seconds (rstream uses it as its stall timeout). */
double rapi_post_timeout(const rapi *r);

/* "timed out after N s without ..." for a post that hit the timeout. */
void rapi_timeout_detail(double seconds, const char *what, const char *curl_err, char *buf,
                         size_t n);

/* What made a transfer fail, into buf: curl_err (else libcurl's text for
 * rc) and, for a connection that could not be made, the system's error. */
void rapi_failure_text(CURL *curl, CURLcode rc, const char *curl_err, char *buf, size_t n);

#endif
