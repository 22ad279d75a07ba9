/*
 * front.h -- the HTTP front of lambda-emulator: plain HTTP requests turned
 * into the events API Gateway HTTP APIs (payload format 2.0 or 1.0) and
 * function URLs send, and the functions' results turned back into HTTP as
 * they do.  See docs/http-front.md.
 *
 * The pure parts (no I/O, unit-tested): the route table and its matching
 * (routes.c), the event builder (front_event.c) and the result mapper
 * (front_result.c).  The server (front.c) glues them to libmicrohttpd and
 * the instance pool.
 */
#ifndef EMU_FRONT_H
#define EMU_FRONT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"

enum { FRONT_PAYLOAD_1_0, FRONT_PAYLOAD_2_0 };

/* ---- routes.c ---- */

/* One route: "METHOD /path" (METHOD may be ANY; the path may hold {name}
 * segments and end in {name+}) or "$default", to a function. */
typedef struct front_route {
    char *key;          /* as written: "GET /hello", "$default" */
    char *method;       /* NULL for $default */
    char *path;         /* NULL for $default */
    char *function;     /* the function's name (NULL: the only one) */
    int payload_format; /* FRONT_PAYLOAD_*; -1 unset (2.0) */
    double timeout;     /* integration timeout, seconds; -1 unset (30) */
    struct front_route *next;
} front_route;

/* A route that matched, with its path parameters ({"id":"42"}, or NULL). */
typedef struct front_match {
    const front_route *route;
    json_object *path_params; /* owned by the match */
} front_match;

/* Parse a route key into r->method and r->path; 0, or -1 with err. */
int front_route_parse(front_route *r, const char *key, char *err, size_t errlen);
/* The route API Gateway picks for METHOD and PATH (see routes.c for the
 * priorities); 0 with m filled, or -1 when none matches (404). */
int front_route_match(const front_route *routes, const char *method, const char *path,
                      front_match *m);
void front_match_free(front_match *m);
void front_routes_free(front_route *r);

/* ---- front_event.c ---- */

typedef struct front_header {
    const char *name, *value;
} front_header;

/* A request as received: everything the event carries. */
typedef struct front_request {
    const char *method;
    const char *raw_path;  /* as sent, before any %-decoding */
    const char *raw_query; /* after '?', "" when none */
    const char *protocol;  /* "HTTP/1.1" */
    const char *source_ip;
    const front_header *headers; /* in arrival order, names as sent */
    size_t nheaders;
    const void *body;
    size_t body_len;
    int has_body;
    const char *request_id;
    int64_t time_ms; /* epoch ms of arrival */
    const char *account_id;
    const char *api_id;
} front_request;

/* Whether a body of this Content-Type travels as text (else base64). */
int front_is_text_type(const char *content_type);
/* The event for rq matched by m, in the route's payload format (a new
 * object), or NULL when out of memory. */
json_object *front_event(const front_request *rq, const front_match *m);

/* ---- front_result.c ---- */

typedef struct front_response {
    int status;
    lr_buf headers; /* "name\0value\0" pairs */
    size_t nheaders;
    lr_buf body;
} front_response;

/* Map a buffered Lambda result (the function's response payload) to the
 * HTTP answer, by the rules of the payload format.  0, or -1 when the result
 * is malformed (the gateway then answers 500). */
int front_result_map(const char *payload, size_t len, int payload_format, front_response *out);
/* A function URL streaming prelude at the start of buf: the JSON object
 * {"statusCode","headers","cookies"} then 8 NUL bytes.  Returns 1 with out's
 * status and headers filled and *used = the bytes of prelude and separator,
 * 0 when more bytes are needed, -1 when it is malformed. */
int front_prelude_parse(const char *buf, size_t len, front_response *out, size_t *used);
/* Add a header pair to out (0, or -1 out of memory). */
int front_response_header(front_response *out, const char *name, const char *value);
void front_response_free(front_response *out);

#define FRONT_STREAM_CONTENT_TYPE "application/vnd.awslambda.http-integration-response"
#define FRONT_PRELUDE_LIMIT 65536

/* ---- front.c ---- */

struct emu;
/* Start the front on addr with the settings' routes; 0 or -1 with err. */
int front_start(struct emu *e, const char *addr, char *err, size_t errlen);
/* Stop accepting new requests (before the pool shuts down). */
void front_quiesce(void);
/* Stop the server once its answers are out (at most 2 s). */
void front_stop(void);

#endif
