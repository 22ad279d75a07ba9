/*
 * front_result.c -- a Lambda result turned into the HTTP answer, by API
 * Gateway's rules for Lambda proxy integrations:
 *
 *   2.0: a JSON object with statusCode is a proxy result: statusCode,
 *        headers (values strings, numbers or booleans), multiValueHeaders,
 *        cookies (each a Set-Cookie header), body, isBase64Encoded (the body
 *        is base64 to decode).  Any other valid JSON is returned as is:
 *        200, content-type application/json, the result as the body.
 *   1.0: the result must be a proxy result (statusCode required).
 *
 * Anything else (not JSON, a bad statusCode, a body that is not a string,
 * bad base64) is malformed: the gateway answers 500.  Function URLs in
 * RESPONSE_STREAM mode send the same statusCode/headers/cookies as a JSON
 * prelude ended by 8 NUL bytes before the body (front_prelude_parse).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "front.h"

int front_response_header(front_response *out, const char *name, const char *value)
{
    if (lr_buf_append(&out->headers, name, strlen(name) + 1) < 0 ||
        lr_buf_append(&out->headers, value, strlen(value) + 1) < 0)
        return -1;
    out->nheaders++;
    return 0;
}

void front_response_free(front_response *out)
{
    lr_buf_free(&out->headers);
    lr_buf_free(&out->body);
    memset(out, 0, sizeof *out);
}

/* A header value: a string, number or boolean (as its JSON text). */
static const char *scalar(json_object *v)
{
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
        json_object_is_type(v, json_type_boolean))
        return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    return NULL;
}

/* statusCode, headers, multiValueHeaders, cookies of a result or prelude. */
static int status_and_headers(json_object *o, int status_required, front_response *out)
{
    json_object *v;
    out->status = 200;
    if (json_object_object_get_ex(o, "statusCode", &v)) {
        if (!json_object_is_type(v, json_type_int))
            return -1;
        out->status = json_object_get_int(v);
    } else if (status_required) {
        return -1;
    }
    if (out->status < 100 || out->status > 599)
        return -1;
    if (json_object_object_get_ex(o, "headers", &v) && v) {
        if (!json_object_is_type(v, json_type_object))
            return -1;
        json_object_object_foreach(v, name, value)
        {
            const char *s = scalar(value);
            if (!s || front_response_header(out, name, s) < 0)
                return -1;
        }
    }
    if (json_object_object_get_ex(o, "multiValueHeaders", &v) && v) {
        if (!json_object_is_type(v, json_type_object))
            return -1;
        json_object_object_foreach(v, name, values)
        {
            if (!json_object_is_type(values, json_type_array))
                return -1;
            for (size_t i = 0; i < json_object_array_length(values); i++) {
                const char *s = scalar(json_object_array_get_idx(values, i));
                if (!s || front_response_header(out, name, s) < 0)
                    return -1;
            }
        }
    }
    if (json_object_object_get_ex(o, "cookies", &v) && v) {
        if (!json_object_is_type(v, json_type_array))
            return -1;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *c = json_object_array_get_idx(v, i);
            if (!json_object_is_type(c, json_type_string) ||
                front_response_header(out, "Set-Cookie", json_object_get_string(c)) < 0)
                return -1;
        }
    }
    return 0;
}

static int proxy_body(json_object *o, front_response *out)
{
    json_object *body = NULL, *b64 = NULL;
    json_object_object_get_ex(o, "body", &body);
    json_object_object_get_ex(o, "isBase64Encoded", &b64);
    if (b64 && !json_object_is_type(b64, json_type_boolean))
        return -1;
    if (!body)
        return 0;
    if (!json_object_is_type(body, json_type_string))
        return -1;
    const char *s = json_object_get_string(body);
    size_t n = (size_t)json_object_get_string_len(body);
    if (!json_object_get_boolean(b64))
        return lr_buf_append(&out->body, s, n);
    size_t dn = 0;
    void *bytes = lr_base64_decode(s, n, &dn);
    if (!bytes && n)
        return -1;
    int rc = lr_buf_append(&out->body, bytes ? bytes : "", dn);
    free(bytes);
    return rc;
}

static json_object *parse(const char *s, size_t len)
{
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    size_t used = json_tokener_get_parse_end(tok);
    if (!o && json_tokener_get_error(tok) == json_tokener_continue && used == len)
        o = json_tokener_parse_ex(tok, "", 1); /* a number or literal ends with the text */
    /* The whole text must be one JSON value (whitespace after it is fine). */
    int ok = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    for (; ok && used < len; used++)
        ok = s[used] == ' ' || s[used] == '\n' || s[used] == '\r' || s[used] == '\t';
    if (!ok) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

int front_result_map(const char *payload, size_t len, int payload_format, front_response *out)
{
    memset(out, 0, sizeof *out);
    if (len > 0x7fffffff)
        return -1;
    json_object *o = parse(payload, len);
    if (!o && !(len == 4 && memcmp(payload, "null", 4) == 0))
        return -1;
    int proxy = json_object_is_type(o, json_type_object) &&
                json_object_object_get_ex(o, "statusCode", NULL);
    int rc = 0;
    if (proxy)
        rc = status_and_headers(o, 1, out) < 0 || proxy_body(o, out) < 0 ? -1 : 0;
    else if (payload_format == FRONT_PAYLOAD_1_0)
        rc = -1;
    else {
        out->status = 200;
        rc = front_response_header(out, "Content-Type", "application/json") < 0 ||
                     lr_buf_append(&out->body, payload, len) < 0
                 ? -1
                 : 0;
    }
    json_object_put(o);
    if (rc < 0)
        front_response_free(out);
    return rc;
}

int front_prelude_parse(const char *buf, size_t len, front_response *out, size_t *used)
{
    static const char sep[8] = {0};
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    for (size_t i = 0; i + 8 <= len && !end; i++)
        if (buf[i] == '\0' && memcmp(buf + i, sep, 8) == 0)
            end = buf + i;
    if (!end)
        return len >= FRONT_PRELUDE_LIMIT ? -1 : 0;
    json_object *o = parse(buf, (size_t)(end - buf));
    int rc =
        json_object_is_type(o, json_type_object) && status_and_headers(o, 0, out) == 0 ? 1 : -1;
    json_object_put(o);
    if (rc < 0)
        front_response_free(out);
    *used = (size_t)(end - buf) + 8;
    return rc;
}
