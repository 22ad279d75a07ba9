/*
 * front_event.c -- the event an HTTP request becomes, as API Gateway builds
 * it for a Lambda proxy integration ("Working with AWS Lambda proxy
 * integrations for HTTP APIs"):
 *
 *   2.0: version, routeKey, rawPath, rawQueryString, cookies (the Cookie
 *        header split at ';'), headers (names lower-cased, repeated values
 *        joined with commas, no cookie), queryStringParameters (repeated
 *        keys joined with commas), pathParameters, requestContext{accountId,
 *        apiId, domainName, domainPrefix, http{method, path, protocol,
 *        sourceIp, userAgent}, requestId, routeKey, stage, time, timeEpoch},
 *        body, isBase64Encoded; absent members are left out.
 *   1.0: version, resource, path, httpMethod, headers / multiValueHeaders,
 *        queryStringParameters / multiValueQueryStringParameters (last
 *        value / every value), requestContext{..., resourcePath, stage,
 *        identity{sourceIp, userAgent}}, pathParameters, stageVariables,
 *        body, isBase64Encoded; absent members are null.
 *
 * A body travels as text when its Content-Type is textual, else base64
 * with isBase64Encoded = true (as function URLs and HTTP APIs send binary).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base64.h"
#include "front.h"

int front_is_text_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strcspn(ct, ";");
    while (n && ct[n - 1] == ' ')
        n--;
    static const char *const exact[] = {"application/json",   "application/javascript",
                                        "application/xml",    "application/yaml",
                                        "application/x-yaml", NULL};
    if (n >= 5 && strncasecmp(ct, "text/", 5) == 0)
        return 1;
    for (int i = 0; exact[i]; i++)
        if (strlen(exact[i]) == n && strncasecmp(ct, exact[i], n) == 0)
            return 1;
    return (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0) ||
           (n > 4 && strncasecmp(ct + n - 4, "+xml", 4) == 0);
}

/* %XX and '+' decoded into a new string. */
static char *url_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            *o++ = s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Add value under key in obj: joined with ',' (joined), or appended to an
 * array (multi), or replacing (last). */
static void put(json_object *joined, json_object *last, json_object *multi, const char *key,
                const char *value)
{
    json_object *v;
    if (joined) {
        if (json_object_object_get_ex(joined, key, &v)) {
            lr_buf b = {0};
            lr_buf_printf(&b, "%s,%s", json_object_get_string(v), value);
            json_object_object_add(joined, key, json_object_new_string(b.data ? b.data : ""));
            lr_buf_free(&b);
        } else {
            json_object_object_add(joined, key, json_object_new_string(value));
        }
    }
    if (last)
        json_object_object_add(last, key, json_object_new_string(value));
    if (multi) {
        if (!json_object_object_get_ex(multi, key, &v)) {
            v = json_object_new_array();
            json_object_object_add(multi, key, v);
        }
        json_object_array_add(v, json_object_new_string(value));
    }
}

/* Query parameters of the raw query string, decoded. */
static void query_params(const char *q, json_object *joined, json_object *last, json_object *multi)
{
    while (*q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (n) {
            char *k = url_decode(q, eq ? (size_t)(eq - q) : n);
            char *v = eq ? url_decode(eq + 1, n - (size_t)(eq + 1 - q)) : strdup("");
            if (k && v && *k)
                put(joined, last, multi, k, v);
            free(k);
            free(v);
        }
        q += n + (q[n] == '&');
    }
}

static const char *header(const front_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->nheaders; i++)
        if (strcasecmp(rq->headers[i].name, name) == 0)
            return rq->headers[i].value;
    return NULL;
}

static char *lower(const char *s)
{
    char *l = strdup(s);
    for (char *p = l; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return l;
}

/* Headers lower-cased into joined (2.0, without cookie) or last + multi. */
static void headers(const front_request *rq, json_object *joined, json_object *last,
                    json_object *multi, json_object *cookies)
{
    for (size_t i = 0; i < rq->nheaders; i++) {
        char *name = lower(rq->headers[i].name);
        if (!name)
            continue;
        if (cookies && strcmp(name, "cookie") == 0) {
            for (const char *p = rq->headers[i].value; *p;) {
                p += strspn(p, " ");
                size_t n = strcspn(p, ";");
                while (n && p[n - 1] == ' ')
                    n--;
                if (n)
                    json_object_array_add(cookies, json_object_new_string_len(p, (int)n));
                p += n;
                p += strspn(p, " ");
                p += *p == ';';
            }
        } else {
            put(joined, last, multi, name, rq->headers[i].value);
        }
        free(name);
    }
}

static void add_body(json_object *ev, const front_request *rq, json_object *null_value)
{
    int text = front_is_text_type(header(rq, "content-type"));
    if (!rq->has_body) {
        if (null_value)
            json_object_object_add(ev, "body", NULL);
    } else if (text && !memchr(rq->body, '\0', rq->body_len)) {
        json_object_object_add(ev, "body", json_object_new_string_len(rq->body, (int)rq->body_len));
    } else {
        char *b64 = lr_base64_encode(rq->body, rq->body_len, NULL);
        json_object_object_add(ev, "body", json_object_new_string(b64 ? b64 : ""));
        free(b64);
        text = 0;
    }
    json_object_object_add(ev, "isBase64Encoded", json_object_new_boolean(rq->has_body && !text));
}

/* requestContext members both formats share. */
static json_object *context(const front_request *rq, const front_match *m)
{
    json_object *c = json_object_new_object();
    const char *host = header(rq, "host");
    char domain[256];
    snprintf(domain, sizeof domain, "%.*s", host ? (int)strcspn(host, ":") : 0, host ? host : "");
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%.*s", (int)strcspn(domain, "."), domain);
    char when[64];
    time_t secs = (time_t)(rq->time_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    json_object_object_add(c, "accountId", json_object_new_string(rq->account_id));
    json_object_object_add(c, "apiId", json_object_new_string(rq->api_id));
    json_object_object_add(c, "domainName", json_object_new_string(domain));
    json_object_object_add(c, "domainPrefix", json_object_new_string(prefix));
    json_object_object_add(c, "requestId", json_object_new_string(rq->request_id));
    json_object_object_add(c, "stage", json_object_new_string("$default"));
    json_object_object_add(c, "routeKey", json_object_new_string(m->route->key));
    json_object_object_add(c, "time", json_object_new_string(when));
    json_object_object_add(c, "timeEpoch", json_object_new_int64(rq->time_ms));
    return c;
}

static json_object *event_2_0(const front_request *rq, const front_match *m)
{
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "version", json_object_new_string("2.0"));
    json_object_object_add(ev, "routeKey", json_object_new_string(m->route->key));
    json_object_object_add(ev, "rawPath", json_object_new_string(rq->raw_path));
    json_object_object_add(ev, "rawQueryString", json_object_new_string(rq->raw_query));
    json_object *cookies = json_object_new_array(), *hdrs = json_object_new_object();
    headers(rq, hdrs, NULL, NULL, cookies);
    if (json_object_array_length(cookies))
        json_object_object_add(ev, "cookies", cookies);
    else
        json_object_put(cookies);
    json_object_object_add(ev, "headers", hdrs);
    json_object *q = json_object_new_object();
    query_params(rq->raw_query, q, NULL, NULL);
    if (json_object_object_length(q))
        json_object_object_add(ev, "queryStringParameters", q);
    else
        json_object_put(q);
    json_object *c = context(rq, m), *http = json_object_new_object();
    json_object_object_add(http, "method", json_object_new_string(rq->method));
    json_object_object_add(http, "path", json_object_new_string(rq->raw_path));
    json_object_object_add(http, "protocol", json_object_new_string(rq->protocol));
    json_object_object_add(http, "sourceIp", json_object_new_string(rq->source_ip));
    const char *ua = header(rq, "user-agent");
    json_object_object_add(http, "userAgent", json_object_new_string(ua ? ua : ""));
    json_object_object_add(c, "http", http);
    json_object_object_add(ev, "requestContext", c);
    if (m->path_params)
        json_object_object_add(ev, "pathParameters", json_object_get(m->path_params));
    add_body(ev, rq, NULL);
    return ev;
}

/* An object, or null when it stayed empty (1.0 style). */
static json_object *or_null(json_object *o)
{
    if (json_object_object_length(o))
        return o;
    json_object_put(o);
    return NULL;
}

static json_object *event_1_0(const front_request *rq, const front_match *m)
{
    json_object *ev = json_object_new_object();
    const char *resource = m->route->path ? m->route->path : m->route->key;
    json_object_object_add(ev, "version", json_object_new_string("1.0"));
    json_object_object_add(ev, "resource", json_object_new_string(resource));
    json_object_object_add(ev, "path", json_object_new_string(rq->raw_path));
    json_object_object_add(ev, "httpMethod", json_object_new_string(rq->method));
    json_object *h = json_object_new_object(), *mh = json_object_new_object();
    headers(rq, NULL, h, mh, NULL);
    json_object_object_add(ev, "headers", h);
    json_object_object_add(ev, "multiValueHeaders", mh);
    json_object *q = json_object_new_object(), *mq = json_object_new_object();
    query_params(rq->raw_query, NULL, q, mq);
    json_object_object_add(ev, "queryStringParameters", or_null(q));
    json_object_object_add(ev, "multiValueQueryStringParameters", or_null(mq));
    json_object *c = context(rq, m), *id = json_object_new_object();
    json_object_object_add(c, "extendedRequestId", json_object_new_string(rq->request_id));
    json_object_object_add(c, "httpMethod", json_object_new_string(rq->method));
    json_object_object_add(c, "path", json_object_new_string(rq->raw_path));
    json_object_object_add(c, "protocol", json_object_new_string(rq->protocol));
    json_object_object_add(c, "requestTime", json_object_get(json_object_object_get(c, "time")));
    json_object_object_add(c, "requestTimeEpoch", json_object_new_int64(rq->time_ms));
    json_object_object_add(c, "resourceId", json_object_new_string(m->route->key));
    json_object_object_add(c, "resourcePath", json_object_new_string(resource));
    json_object_object_del(c, "time");
    json_object_object_del(c, "timeEpoch");
    json_object_object_add(id, "sourceIp", json_object_new_string(rq->source_ip));
    const char *ua = header(rq, "user-agent");
    json_object_object_add(id, "userAgent", json_object_new_string(ua ? ua : ""));
    json_object_object_add(c, "identity", id);
    json_object_object_add(ev, "requestContext", c);
    json_object_object_add(ev, "pathParameters", json_object_get(m->path_params));
    json_object_object_add(ev, "stageVariables", NULL);
    add_body(ev, rq, ev);
    return ev;
}

json_object *front_event(const front_request *rq, const front_match *m)
{
    return m->route->payload_format == FRONT_PAYLOAD_1_0 ? event_1_0(rq, m) : event_2_0(rq, m);
}
