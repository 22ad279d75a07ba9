/*
 * fuzz-invoke-check.c -- the Invoke API's request validation
 * (src/emulator/invoke_check.c: invoke_check), which judges what callers
 * send before anything runs.  The input is a request as text:
 *
 *   METHOD\n PATH\n [?QUALIFIER]\n Name: value\n ... \n\n BODY
 *
 * (the third line is ?Qualifier=, absent unless it starts with '?'; the
 * path is already percent-decoded, as libmicrohttpd hands it over).  It is
 * judged twice as the server does, headers first, then with the body.
 * Invariants: an accepted request names a function that exists, with a
 * qualifier that exists, and nothing that would break a Runtime API header
 * (no control bytes in name, qualifier or client context); its framing is
 * unambiguous and its payload JSON (or empty, passed as {}); a refusal has
 * a status AWS uses, an error type and a message whose error document is
 * valid JSON (strict UTF-8) that carries the message unchanged; a framing
 * refusal of the headers stands with the body; the verdict is the same
 * twice; the body, cleaned as a runtime's /error text is, is valid UTF-8;
 * nothing leaks (ASan).
 */
#include "config.h"
#include "fuzz.h"
#include "invoke_check.h"

#include <string.h>
#include <strings.h>

#define MAX_HEADERS 64

static int exists(void *ctx, const char *name, const char *qualifier)
{
    FUZZ_CHECK(ctx == NULL && name != NULL && qualifier != NULL);
    int fn = strcmp(name, "function") == 0 || strcmp(name, "fn-2") == 0;
    return fn && (!*qualifier || strcmp(qualifier, "$LATEST") == 0 ||
                  (strcmp(name, "function") == 0 && strcmp(qualifier, "live") == 0));
}

/* The next line of [*p, end) as a NUL-terminated string (in place: the
 * '\n' becomes '\0'), or NULL at the end. */
static char *next_line(char **p, char *end)
{
    if (*p >= end)
        return NULL;
    char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl)
        nl = end; /* the copy has a '\0' at end */
    *nl = '\0';
    *p = nl + 1;
    return line;
}

static int header_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* UTF-8 as RFC 3629 has it, decoded here independently of invoke_check.c:
 * no overlong form, no surrogate, nothing past U+10FFFF. */
static int strict_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], cp, min;
        size_t len;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (len > n - i)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

/* ic_utf8_valid agrees with strict_utf8; ic_text_clean (how a runtime's
 * /error body that is not JSON is quoted to the caller) leaves valid text
 * without NULs alone and makes anything else valid, length kept. */
static void check_text(const char *p, size_t n)
{
    int valid = strict_utf8((const unsigned char *)p, n);
    FUZZ_CHECK((ic_utf8_valid(p, n) == n) == valid);
    char *t = malloc(n + 1);
    FUZZ_CHECK(t != NULL);
    memcpy(t, p, n);
    ic_text_clean(t, n);
    FUZZ_CHECK(strict_utf8((unsigned char *)t, n) && memchr(t, '\0', n) == NULL);
    if (valid && !memchr(p, '\0', n))
        FUZZ_CHECK(memcmp(t, p, n) == 0);
    free(t);
}

/* Content-Length and Transfer-Encoding leave one way to delimit the body. */
static int framing_unambiguous(const ic_request *rq)
{
    const char *cl = NULL;
    int te = 0;
    for (size_t i = 0; i < rq->nheaders; i++) {
        const ic_header *h = &rq->headers[i];
        if (!h->name || !h->value)
            continue;
        if (strcasecmp(h->name, "Content-Length") == 0) {
            if (cl && strcmp(cl, h->value) != 0)
                return 0;
            cl = h->value;
        } else if (strcasecmp(h->name, "Transfer-Encoding") == 0) {
            if (te || strcasecmp(h->value, "chunked") != 0)
                return 0;
            te = 1;
        }
    }
    return !(cl && te);
}

static void check_accepted(const ic_request *rq, const ic_verdict *v)
{
    FUZZ_CHECK(v->api != IC_API_NONE && strcmp(rq->method, "POST") == 0);
    FUZZ_CHECK(framing_unambiguous(rq));
    if (!rq->have_body)
        return;
    FUZZ_CHECK(exists(NULL, v->name, "") && exists(NULL, v->name, v->qualifier));
    FUZZ_CHECK(header_safe(v->name) && header_safe(v->qualifier));
    FUZZ_CHECK(v->known_function);
    if (v->api == IC_API_ASYNC)
        FUZZ_CHECK(v->kind == IC_EVENT);
    if (v->api == IC_API_STREAM)
        FUZZ_CHECK(v->kind == IC_STREAM_KIND);
    FUZZ_CHECK(!(v->tail && v->kind == IC_EVENT));
    if (v->client_context) {
        FUZZ_CHECK(strlen(v->client_context) <= 3583 && header_safe(v->client_context));
        char why[160];
        json_object *o =
            ic_parse_json(v->client_context, strlen(v->client_context), why, sizeof why);
        FUZZ_CHECK(o && json_object_is_type(o, json_type_object));
        json_object_put(o);
    }
    FUZZ_CHECK(v->empty_payload == (rq->body_total == 0));
    if (!v->empty_payload) {
        char why[160];
        json_object *o = ic_parse_json(rq->body, rq->body_len, why, sizeof why);
        FUZZ_CHECK(o != NULL);
        json_object_put(o);
    }
}

/* The document the Invoke API answers a refusal with (invoke_api.c's
 * service_error) is valid JSON, strict UTF-8, and carries the message. */
static void check_refused(const ic_verdict *v)
{
    FUZZ_CHECK(v->status == 400 || v->status == 404 || v->status == 413 || v->status == 501);
    FUZZ_CHECK(v->error_type && strlen(v->error_type) > 9 &&
               strcmp(v->error_type + strlen(v->error_type) - 9, "Exception") == 0);
    FUZZ_CHECK(v->message[0] != '\0' && v->client_context == NULL);
    FUZZ_CHECK(strict_utf8((const unsigned char *)v->message, strlen(v->message)));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "message", json_object_new_string(v->message));
    size_t n;
    const char *doc = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    char why[160];
    json_object *back = ic_parse_json(doc, n, why, sizeof why);
    if (!back)
        fprintf(stderr, "error document is not valid JSON (%s): %s\n", why, doc);
    FUZZ_CHECK(back != NULL);
    json_object *m = NULL;
    FUZZ_CHECK(json_object_object_get_ex(back, "message", &m));
    FUZZ_CHECK(strcmp(json_object_get_string(m), v->message) == 0);
    json_object_put(back);
    json_object_put(o);
}

static void judge(const ic_request *rq, ic_verdict *v)
{
    invoke_check(rq, v);
    if (v->status == 0)
        check_accepted(rq, v);
    else
        check_refused(v);
}

static int framing_refusal(const ic_verdict *v)
{
    return v->status && (strcmp(v->error_type, "BadRequestException") == 0 ||
                         strcmp(v->error_type, "NotImplementedException") == 0 ||
                         strcmp(v->error_type, "UnknownOperationException") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size), *p = text, *end = text + size;
    ic_header headers[MAX_HEADERS];
    ic_request rq = {.headers = headers,
                     .region = "us-east-1",
                     .account = "123456789012",
                     .exists = exists,
                     .ctx = NULL};
    rq.method = next_line(&p, end);
    rq.path = next_line(&p, end);
    const char *q = next_line(&p, end);
    rq.qualifier_arg = q && *q == '?' ? q + 1 : NULL;
    char *line;
    while (rq.nheaders < MAX_HEADERS && (line = next_line(&p, end)) && *line) {
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            colon += 1 + strspn(colon + 1, " \t");
        }
        headers[rq.nheaders++] = (ic_header){line, colon};
    }
    if (p < end) {
        rq.body = p;
        rq.body_len = rq.body_total = (size_t)(end - p);
    }

    ic_verdict head, full, again;
    judge(&rq, &head); /* the headers alone, as they arrive */
    free(head.client_context);
    rq.have_body = 1;
    judge(&rq, &full);
    if (framing_refusal(&head))
        FUZZ_CHECK(full.status == head.status && strcmp(full.error_type, head.error_type) == 0);
    invoke_check(&rq, &again);
    FUZZ_CHECK(again.status == full.status && strcmp(again.message, full.message) == 0);
    free(full.client_context);
    free(again.client_context);
    check_text(rq.body ? rq.body : "", rq.body_len);
    free(text);
    return 0;
}
