/*
 * invoke_check.c -- see invoke_check.h.  The order of the checks is the
 * order AWS answers in where it is known: the operation, the framing, the
 * function and qualifier, the invocation type, the size, the client
 * context, the payload.
 */
#include "config.h"

#include "invoke_check.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "pool.h"

#define CLIENT_CONTEXT_LIMIT 3583
#define JSON_DEPTH 1000 /* nesting AWS's parser accepts */

static const char name_pattern[] =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
    "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

static void refuse(ic_verdict *v, unsigned status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The length of the UTF-8 sequence at s[0..n) as RFC 3629 defines it (no
 * overlong form, no surrogate, nothing past U+10FFFF; NUL counts), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xbf;
    size_t len;
    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf)
        len = 2;
    else if (b >= 0xe0 && b <= 0xef)
        len = 3, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
    else if (b >= 0xf0 && b <= 0xf4)
        len = 4, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

size_t ic_utf8_valid(const char *s, size_t n)
{
    size_t i = 0, len;
    while (i < n && (len = utf8_seq((const unsigned char *)s + i, n - i)))
        i += len;
    return i;
}

void ic_text_clean(char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq((const unsigned char *)s + i, n - i);
        if (len == 0 || s[i] == '\0')
            s[i] = '?', len = 1;
        i += len;
    }
}

/* The message quotes what the caller sent (a percent-decoded name, say) and
 * may cut a character short: it is made valid UTF-8, so that the error
 * document is valid JSON. */
static void refuse(ic_verdict *v, unsigned status, const char *type, const char *fmt, ...)
{
    v->status = status;
    v->error_type = type;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof v->message, fmt, ap);
    va_end(ap);
    ic_text_clean(v->message, strlen(v->message));
}

const char *ic_header_value(const ic_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->nheaders; i++)
        if (rq->headers[i].name && strcasecmp(rq->headers[i].name, name) == 0)
            return rq->headers[i].value ? rq->headers[i].value : "";
    return NULL;
}

/* "/2015-03-31/functions/NAME/invocations" and the others -> api, NAME. */
static enum ic_api parse_path(const char *path, char *name, size_t n)
{
    static const struct {
        const char *pre, *post;
        enum ic_api api;
    } paths[] = {
        {"/2015-03-31/functions/", "/invocations", IC_API_INVOKE},
        {"/2021-11-15/functions/", "/response-streaming-invocations", IC_API_STREAM},
        {"/2014-11-13/functions/", "/invoke-async/", IC_API_ASYNC},
        {"/2014-11-13/functions/", "/invoke-async", IC_API_ASYNC},
    };
    size_t ul = strlen(path);
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        size_t pl = strlen(paths[i].pre), sl = strlen(paths[i].post);
        if (ul <= pl + sl || strncmp(path, paths[i].pre, pl) != 0 ||
            strcmp(path + ul - sl, paths[i].post) != 0 || ul - pl - sl >= n)
            continue;
        memcpy(name, path + pl, ul - pl - sl);
        name[ul - pl - sl] = '\0';
        return paths[i].api;
    }
    return IC_API_NONE;
}

/* Content-Length and Transfer-Encoding: one way to delimit the body, or
 * the request is refused (two lengths are how requests are smuggled
 * through proxies; an unknown coding cannot be read). */
static int check_framing(const ic_request *rq, ic_verdict *v)
{
    const char *cl = NULL, *te = NULL;
    for (size_t i = 0; i < rq->nheaders; i++) {
        const char *name = rq->headers[i].name, *value = rq->headers[i].value;
        if (!name || !value)
            continue;
        if (strcasecmp(name, "Content-Length") == 0) {
            size_t d = strspn(value, "0123456789");
            if (d == 0 || d > 19 || value[d + strspn(value + d, " \t")]) {
                refuse(v, 400, "BadRequestException", "Content-Length '%.64s' is not a number",
                       value);
                return -1;
            }
            if (cl && strcmp(cl, value) != 0) {
                refuse(v, 400, "BadRequestException",
                       "Two different Content-Length headers (%.32s, %.32s): refused", cl, value);
                return -1;
            }
            cl = value;
        } else if (strcasecmp(name, "Transfer-Encoding") == 0) {
            if (te || strcasecmp(value, "chunked") != 0) {
                refuse(v, 501, "NotImplementedException",
                       "Transfer-Encoding '%.64s' is not supported: send the payload with "
                       "Content-Length or Transfer-Encoding: chunked",
                       value);
                return -1;
            }
            te = value;
        }
    }
    if (cl && te) {
        refuse(v, 400, "BadRequestException",
               "Both Content-Length and Transfer-Encoding: refused (send one)");
        return -1;
    }
    return 0;
}

static int valid_chars(const char *s, const char *extra)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
            return 0;
    return 1;
}

/* AWS's ValidationException for a value that fails its pattern. */
static void refuse_pattern(ic_verdict *v, const char *what, const char *value, const char *pattern)
{
    refuse(v, 400, "ValidationException",
           "1 validation error detected: Value '%.140s' at '%s' failed to satisfy constraint: "
           "Member must satisfy regular expression pattern: %s",
           value, what, pattern);
}

/* NAME, NAME:QUALIFIER, ACCOUNT:function:NAME[:Q] or
 * arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:Q] -> v->name and
 * v->qualifier; an ARN of another region or account names no function here. */
static int parse_function(const ic_request *rq, const char *given, ic_verdict *v)
{
    char buf[256], *f[8];
    snprintf(buf, sizeof buf, "%s", given);
    int n = 0;
    for (char *p = buf, *colon; n < 8; p = colon + 1) {
        f[n++] = p;
        if (!(colon = strchr(p, ':')))
            break;
        *colon = '\0';
    }
    const char *region = NULL, *account = NULL, *name, *qual = NULL;
    int arn = strcmp(f[0], "arn") == 0;
    if (arn && n >= 7 && strcmp(f[2], "lambda") == 0 && strcmp(f[5], "function") == 0 && n <= 8) {
        region = f[3], account = f[4], name = f[6], qual = n == 8 ? f[7] : NULL;
    } else if (!arn && n >= 3 && strcmp(f[1], "function") == 0 && n <= 4) {
        account = f[0], name = f[2], qual = n == 4 ? f[3] : NULL;
    } else if (!arn && n <= 2) {
        name = f[0], qual = n == 2 ? f[1] : NULL;
    } else {
        refuse_pattern(v, "functionName", given, name_pattern);
        return -1;
    }
    if (!*name || strlen(name) > 64 || !valid_chars(name, "-_") ||
        (qual && (!*qual || strlen(qual) > 128 || !valid_chars(qual, "-_$"))) ||
        (account && (strlen(account) != 12 || strspn(account, "0123456789") != 12))) {
        refuse_pattern(v, "functionName", given, name_pattern);
        return -1;
    }
    snprintf(v->name, sizeof v->name, "%s", name);
    snprintf(v->qualifier, sizeof v->qualifier, "%s", qual ? qual : "");
    if ((region && strcmp(region, rq->region) != 0) ||
        (account && strcmp(account, rq->account) != 0)) {
        refuse(v, 404, "ResourceNotFoundException",
               "Function not found: arn:aws:lambda:%s:%s:function:%s%s%s",
               region ? region : rq->region, account ? account : rq->account, name, qual ? ":" : "",
               qual ? qual : "");
        return -1;
    }
    return 0;
}

/* The qualifier of ?Qualifier= and of the name must agree, and exist. */
static int check_qualifier(const ic_request *rq, ic_verdict *v)
{
    const char *q = rq->qualifier_arg;
    if (q) {
        if (!*q || strlen(q) > 128 || !valid_chars(q, "-_$")) {
            refuse_pattern(v, "qualifier", q, "(|[a-zA-Z0-9$_-]+)");
            return -1;
        }
        if (*v->qualifier && strcmp(v->qualifier, q) != 0) {
            refuse(v, 400, "InvalidParameterValueException",
                   "The derived qualifier from the function name does not match the specified "
                   "qualifier.");
            return -1;
        }
        snprintf(v->qualifier, sizeof v->qualifier, "%s", q);
    }
    v->known_function = rq->exists(rq->ctx, v->name, "");
    if (!v->known_function || (*v->qualifier && strcmp(v->qualifier, "$LATEST") != 0 &&
                               !rq->exists(rq->ctx, v->name, v->qualifier))) {
        refuse(v, 404, "ResourceNotFoundException",
               "Function not found: arn:aws:lambda:%s:%s:function:%s%s%s", rq->region, rq->account,
               v->name, *v->qualifier ? ":" : "", v->qualifier);
        return -1;
    }
    return 0;
}

/* X-Amz-Invocation-Type (Event is implied by InvokeAsync) and Tail. */
static int check_type(const ic_request *rq, ic_verdict *v)
{
    const char *type = ic_header_value(rq, "X-Amz-Invocation-Type");
    v->kind = v->api == IC_API_STREAM ? IC_STREAM_KIND : IC_SYNC;
    if (v->api == IC_API_ASYNC)
        v->kind = IC_EVENT;
    else if (type && strcasecmp(type, "Event") == 0 && v->api == IC_API_INVOKE)
        v->kind = IC_EVENT;
    else if (type && strcasecmp(type, "DryRun") == 0)
        v->dry_run = 1;
    else if (type && strcasecmp(type, "RequestResponse") != 0) {
        refuse(v, 400, "InvalidParameterValueException",
               "1 validation error detected: Value at 'invocationType' failed to satisfy "
               "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
        return -1;
    }
    const char *log = ic_header_value(rq, "X-Amz-Log-Type");
    v->tail = v->kind != IC_EVENT && log && strcasecmp(log, "Tail") == 0;
    return 0;
}

/* Announced (Expect: 100-continue) or sent: over the limit is 413. */
static int check_size(const ic_request *rq, ic_verdict *v)
{
    size_t limit = v->kind == IC_EVENT ? EMU_EVENT_LIMIT : EMU_SYNC_LIMIT;
    size_t size = rq->body_total;
    const char *cl = ic_header_value(rq, "Content-Length");
    if (!rq->have_body && cl && ic_header_value(rq, "Expect"))
        size = (size_t)strtoull(cl, NULL, 10);
    if (size <= limit)
        return 0;
    refuse(v, 413, "RequestTooLargeException",
           "Request must be smaller than %zu bytes for the %s operation", limit,
           v->api == IC_API_STREAM  ? "InvokeWithResponseStream"
           : v->api == IC_API_ASYNC ? "InvokeAsync"
                                    : "InvokeFunction");
    return -1;
}

/* X-Amz-Client-Context: base64 of a JSON object, at most 3583 bytes, that
 * can travel in a Runtime API header (no CR, LF or other control bytes). */
static int check_client_context(const ic_request *rq, ic_verdict *v)
{
    const char *cc64 = ic_header_value(rq, "X-Amz-Client-Context");
    if (!cc64 || !*cc64)
        return 0;
    size_t len = 0;
    char *cc = lr_base64_decode(cc64, strlen(cc64), &len);
    int ok = cc && len <= CLIENT_CONTEXT_LIMIT && strlen(cc) == len;
    for (size_t i = 0; ok && i < len; i++)
        ok = (unsigned char)cc[i] >= 0x20 && cc[i] != 0x7f;
    char why[128];
    json_object *o = ok ? ic_parse_json(cc, len, why, sizeof why) : NULL;
    ok = o && json_object_is_type(o, json_type_object);
    json_object_put(o);
    if (!ok) {
        free(cc);
        refuse(v, 400, "InvalidRequestContentException",
               "Client context must be a valid Base64-encoded JSON object.");
        return -1;
    }
    v->client_context = cc;
    return 0;
}

json_object *ic_parse_json(const char *p, size_t n, char *why, size_t whylen)
{
    size_t bad = ic_utf8_valid(p, n);
    if (bad < n) {
        snprintf(why, whylen, "invalid UTF-8 at offset %zu", bad);
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
    if (!tok) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = n <= (size_t)0x7fffffff ? json_tokener_parse_ex(tok, p, (int)n) : NULL;
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t at = json_tokener_get_parse_end(tok);
    if (o && e == json_tokener_success) {
        while (at < n && p[at] && strchr(" \t\r\n", p[at]))
            at++;
        if (at == n) {
            json_tokener_free(tok);
            return o;
        }
        snprintf(why, whylen, "unexpected data after the JSON value at offset %zu", at);
    } else {
        snprintf(why, whylen, "%s at offset %zu",
                 e == json_tokener_continue ? "unexpected end of input"
                                            : json_tokener_error_desc(e),
                 at);
    }
    json_object_put(o);
    json_tokener_free(tok);
    return NULL;
}

/* The payload must be JSON (AWS parses it); an empty one is passed as {}. */
static int check_payload(const ic_request *rq, ic_verdict *v)
{
    if (rq->body_total == 0) {
        v->empty_payload = 1;
        return 0;
    }
    char why[160];
    json_object *o = ic_parse_json(rq->body, rq->body_len, why, sizeof why);
    if (!o) {
        refuse(v, 400, "InvalidRequestContentException",
               "Could not parse request body into json: Could not parse payload into json: %s",
               why);
        return -1;
    }
    json_object_put(o);
    return 0;
}

/* X-Amz-Tenant-Id (tenant isolation), when given, as AWS's model defines
 * TenantId: 1 to 256 of [a-zA-Z0-9._:/=+-@ ].  It goes to the runtime as
 * Lambda-Runtime-Aws-Tenant-Id, so nothing else may pass (no control byte
 * can reach a Runtime API header).  An empty header counts as none. */
static int check_tenant(const ic_request *rq, ic_verdict *v)
{
    const char *t = ic_header_value(rq, "X-Amz-Tenant-Id");
    if (!t || !*t)
        return 0;
    size_t n = strlen(t);
    if (n > 256) {
        refuse(v, 400, "ValidationException",
               "1 validation error detected: Value at 'tenantId' failed to satisfy constraint: "
               "Member must have length less than or equal to 256");
        return -1;
    }
    if (!valid_chars(t, "._:/=+-@ ")) {
        refuse_pattern(v, "tenantId", t, "[a-zA-Z0-9\\._:\\/=+\\-@ ]+");
        return -1;
    }
    return 0;
}

void invoke_check(const ic_request *rq, ic_verdict *v)
{
    memset(v, 0, sizeof *v);
    char given[256];
    v->api = parse_path(rq->path ? rq->path : "", given, sizeof given);
    if (v->api == IC_API_NONE || !rq->method || strcmp(rq->method, "POST") != 0) {
        v->api = IC_API_NONE;
        refuse(v, 404, "UnknownOperationException",
               "Unknown operation: use POST /2015-03-31/functions/NAME/invocations, "
               "POST /2021-11-15/functions/NAME/response-streaming-invocations or "
               "POST /2014-11-13/functions/NAME/invoke-async/");
        return;
    }
    if (check_framing(rq, v) < 0)
        return;
    if (check_type(rq, v) < 0 || check_size(rq, v) < 0 || !rq->have_body)
        return;
    if (parse_function(rq, given, v) < 0 || check_qualifier(rq, v) < 0 || check_tenant(rq, v) < 0 ||
        check_client_context(rq, v) < 0 || check_payload(rq, v) < 0) {
        /* a refused request keeps nothing (the client context was decoded
         * before the payload was judged) */
        free(v->client_context);
        v->client_context = NULL;
    }
}
