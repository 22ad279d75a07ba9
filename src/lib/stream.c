/*
 * stream.c -- response streaming, the plugin side: lambda_stream_open,
 * lambda_stream_open_http, lambda_stream_write, lambda_stream_printf, and
 * how a stream ends (the handler returns, or lambda_fail() sends the error
 * in the trailers).  The bytes go straight to the host's stream ops; nothing
 * is buffered here.
 */
#include "config.h"
#include "host.h"
#include "error_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STREAM_TYPE "application/octet-stream"
#define HTTP_INTEGRATION_TYPE "application/vnd.awslambda.http-integration-response"
/* Separates the HTTP integration prelude from the body. */
static const char prelude_end[8] = {0};

int lambda_stream_open(lambda_invocation *inv, const char *content_type)
{
    if (inv->answered) {
        lr_log(inv->request_id, LAMBDA_LOG_ERROR,
               "lambda_stream_open() refused: this invocation was already %s (a handler ends an "
               "invocation exactly once)",
               inv->stream ? "streaming" : "answered");
        return LAMBDA_ERR;
    }
    if (!inv->ops->stream_open) {
        lr_log(inv->request_id, LAMBDA_LOG_ERROR,
               "lambda_stream_open() refused: this runtime cannot stream responses; answer with "
               "lambda_respond()");
        return LAMBDA_ERR;
    }
    inv->answered = 1;
    if (inv->ops->stream_open(inv->host, inv,
                              content_type && *content_type ? content_type : DEFAULT_STREAM_TYPE) !=
        LAMBDA_OK) {
        /* nothing reached the caller: the invocation may still be answered */
        inv->answered = 0;
        return LAMBDA_ERR;
    }
    inv->stream = LR_STREAM_OPEN;
    return LAMBDA_OK;
}

int lambda_stream_write(lambda_invocation *inv, const void *data, size_t len)
{
    if (inv->stream != LR_STREAM_OPEN) {
        /* a broken stream was logged when it broke */
        if (inv->stream != LR_STREAM_BROKEN)
            lr_log(inv->request_id, LAMBDA_LOG_ERROR, "lambda_stream_write() refused: %s",
                   inv->stream == LR_STREAM_ENDED
                       ? "the stream already ended (lambda_fail() was called)"
                       : "no stream is open; call lambda_stream_open() first");
        return LAMBDA_ERR;
    }
    if (len == 0)
        return LAMBDA_OK;
    if (!data || inv->ops->stream_write(inv->host, inv, data, len) != LAMBDA_OK) {
        if (data)
            inv->stream = LR_STREAM_BROKEN;
        return LAMBDA_ERR;
    }
    return LAMBDA_OK;
}

int lambda_stream_printf(lambda_invocation *inv, const char *fmt, ...)
{
    char small[512], *text = small;
    va_list ap;
    va_start(ap, fmt);
    int n = fmt ? vsnprintf(small, sizeof small, fmt, ap) : -1;
    va_end(ap);
    if (n < 0)
        return LAMBDA_ERR;
    if ((size_t)n >= sizeof small) {
        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
            text = NULL;
        va_end(ap);
        if (!text)
            return LAMBDA_ERR;
    }
    int rc = lambda_stream_write(inv, text, (size_t)n);
    if (text != small)
        free(text);
    return rc;
}

int lambda_stream_open_http(lambda_invocation *inv, int status_code, json_object *headers,
                            json_object *cookies)
{
    json_object *prelude = json_object_new_object();
    if (!prelude) {
        json_object_put(headers);
        json_object_put(cookies);
        return LAMBDA_ERR;
    }
    json_object_object_add(prelude, "statusCode", json_object_new_int(status_code));
    if (headers)
        json_object_object_add(prelude, "headers", headers);
    if (cookies)
        json_object_object_add(prelude, "cookies", cookies);
    size_t len;
    const char *text = json_object_to_json_string_length(
        prelude, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int rc = LAMBDA_ERR;
    if (text && lambda_stream_open(inv, HTTP_INTEGRATION_TYPE) == LAMBDA_OK &&
        lambda_stream_write(inv, text, len) == LAMBDA_OK &&
        lambda_stream_write(inv, prelude_end, sizeof prelude_end) == LAMBDA_OK)
        rc = LAMBDA_OK;
    json_object_put(prelude);
    return rc;
}

int lr_stream_fail(lambda_invocation *inv, const char *error_type, const char *message)
{
    int was = inv->stream;
    inv->stream = LR_STREAM_ENDED;
    size_t len;
    char *body = error_json(error_type, message, NULL, &len);
    if (!body)
        return LAMBDA_ERR;
    int rc = inv->ops->stream_close(inv->host, inv, error_type, body, len);
    free(body);
    /* a broken stream cannot carry the error: the host reported why */
    return was == LR_STREAM_OPEN ? rc : LAMBDA_ERR;
}

int lr_stream_end(lambda_invocation *inv)
{
    inv->stream = LR_STREAM_ENDED;
    return inv->ops->stream_close(inv->host, inv, NULL, NULL, 0);
}
