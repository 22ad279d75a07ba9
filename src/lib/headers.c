/*
 * headers.c -- the Runtime API headers of a /next response, parsed into the
 * invocation (AWS Lambda Runtime API, 2018-06-01), and the check that the request id
 * can be put in a URL path.
 */
#include "config.h"
#include "host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct known_header {
    const char *name;
    size_t offset; /* of the char * field; (size_t)-1 for the deadline */
};

#define FIELD(f) offsetof(struct lambda_invocation, f)
static const struct known_header known[] = {
    {"Lambda-Runtime-Aws-Request-Id", FIELD(request_id)},
    {"Lambda-Runtime-Deadline-Ms", (size_t)-1},
    {"Lambda-Runtime-Invoked-Function-Arn", FIELD(arn)},
    {"Lambda-Runtime-Trace-Id", FIELD(trace_id)},
    {"Lambda-Runtime-Client-Context", FIELD(client_context)},
    {"Lambda-Runtime-Cognito-Identity", FIELD(cognito_identity)},
    {"Lambda-Runtime-Aws-Tenant-Id", FIELD(tenant_id)},
    {"Lambda-Runtime-Invocation-Id", FIELD(invocation_id)},
    {NULL, 0},
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int lr_invocation_header(lambda_invocation *inv, const char *line, size_t len, char *err,
                         size_t errlen)
{
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return 0;
    size_t nlen = (size_t)(colon - line);
    const struct known_header *h;
    for (h = known; h->name; h++)
        if (strlen(h->name) == nlen && strncasecmp(line, h->name, nlen) == 0)
            break;
    if (!h->name)
        return 0;

    const char *v = colon + 1, *end = line + len;
    while (v < end && is_blank(*v))
        v++;
    while (end > v && is_blank(end[-1]))
        end--;
    size_t vlen = (size_t)(end - v);
    /* A NUL would cut the stored value short: "id\0../x" must not pass as
     * "id" (found by tests/fuzz/fuzz-headers). */
    if (memchr(v, '\0', vlen)) {
        snprintf(err, errlen, "bad %s value: it contains a NUL byte", h->name);
        return -1;
    }

    if (h->offset == (size_t)-1) {
        char buf[32], *stop;
        if (vlen == 0 || vlen >= sizeof buf) {
            snprintf(
                err, errlen,
                "bad Lambda-Runtime-Deadline-Ms value '%.*s': expected Unix epoch milliseconds",
                (int)(vlen < 64 ? vlen : 64), v);
            return -1;
        }
        memcpy(buf, v, vlen);
        buf[vlen] = '\0';
        errno = 0;
        long long ms = strtoll(buf, &stop, 10);
        if (errno || *stop || ms < 0) {
            snprintf(err, errlen,
                     "bad Lambda-Runtime-Deadline-Ms value '%s': expected Unix epoch milliseconds",
                     buf);
            return -1;
        }
        inv->deadline_ms = ms;
        return 1;
    }
    char *copy = strndup(v, vlen);
    if (!copy) {
        snprintf(err, errlen, "out of memory storing header %s", h->name);
        return -1;
    }
    char **field = (char **)((char *)inv + h->offset);
    free(*field);
    *field = copy;
    return 1;
}

int lr_invocation_check(const lambda_invocation *inv, char *err, size_t errlen)
{
    const char *id = inv->request_id;
    if (!id || !*id) {
        snprintf(
            err, errlen,
            "the Runtime API sent an invocation without a Lambda-Runtime-Aws-Request-Id header");
        return -1;
    }
    for (const char *p = id; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c >= 0x7f || strchr("/?#%\\\"<>", c)) {
            snprintf(err, errlen,
                     "the Runtime API sent request id '%s', which cannot be used in a URL path",
                     id);
            return -1;
        }
    }
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0) {
        snprintf(err, errlen,
                 "the Runtime API sent request id '%s', which cannot be used in a URL path", id);
        return -1;
    }
    return 0;
}
