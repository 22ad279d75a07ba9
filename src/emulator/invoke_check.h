/*
 * invoke_check.h -- the Invoke API's request validation as a pure function:
 * method, path, query qualifier, headers and body in; what the request asks
 * for, or the error AWS answers, out.  No libmicrohttpd and no emulator state
 * (whether a function exists is asked through a callback), so that it can be
 * fuzzed (tests/fuzz) and unit-tested on its own.
 */
#ifndef EMU_INVOKE_CHECK_H
#define EMU_INVOKE_CHECK_H

#include <stddef.h>

#include <json-c/json.h>

typedef struct ic_header {
    const char *name, *value;
} ic_header;

enum ic_api { IC_API_NONE, IC_API_INVOKE, IC_API_STREAM, IC_API_ASYNC };
enum ic_kind { IC_SYNC, IC_EVENT, IC_STREAM_KIND };

typedef struct ic_request {
    const char *method;
    const char *path;          /* percent-decoded, without the query */
    const char *qualifier_arg; /* ?Qualifier=, or NULL */
    const ic_header *headers;  /* every header line, repeats included */
    size_t nheaders;
    int have_body;    /* 0: only the headers are in (framing checks) */
    const char *body; /* the payload (may be truncated past the limit) */
    size_t body_len;
    size_t body_total;            /* bytes the caller sent */
    const char *region, *account; /* the emulator's */
    /* Whether function NAME has QUALIFIER ("" = unqualified). */
    int (*exists)(void *ctx, const char *name, const char *qualifier);
    void *ctx;
} ic_request;

typedef struct ic_verdict {
    unsigned status;        /* 0: go ahead; else the HTTP status to answer */
    const char *error_type; /* x-amzn-ErrorType with status */
    char message[640];
    enum ic_api api;
    enum ic_kind kind;
    int dry_run;
    int tail;           /* X-Amz-Log-Type: Tail */
    int known_function; /* the name is served (for a 404's wording) */
    char name[65];
    char qualifier[129];  /* "" when none */
    char *client_context; /* accepted: the decoded JSON object (malloc'd), or NULL */
    int empty_payload;    /* no body: the function gets {} as AWS passes */
} ic_verdict;

/* Fill v from rq.  With !rq->have_body only the request line and framing
 * are judged (a request whose body cannot be delimited is refused before
 * its body is read).  v->client_context is set only when the request is
 * accepted (status 0): free it then. */
void invoke_check(const ic_request *rq, ic_verdict *v);

/* The first value of header NAME (any case) in rq, or NULL. */
const char *ic_header_value(const ic_request *rq, const char *name);

/* The whole of p[0..n) as one strict JSON value (strict UTF-8, nothing
 * but white space after it), or NULL with why (json-c's reason and the
 * offset). */
json_object *ic_parse_json(const char *p, size_t n, char *why, size_t whylen);

/* How many bytes of s[0..n) are valid UTF-8 (RFC 3629: no overlong form,
 * no surrogate, nothing past U+10FFFF): n when all are. */
size_t ic_utf8_valid(const char *s, size_t n);

/* Make s[0..n) valid UTF-8 text in place: each byte that does not begin a
 * valid sequence, and each NUL, becomes '?'. */
void ic_text_clean(char *s, size_t n);

#endif
