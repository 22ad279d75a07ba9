/*
 * respond.c -- ending an invocation exactly once (lambda_respond,
 * lambda_respond_json, lambda_fail), the Runtime.NoResponse error for a
 * handler that returns without answering, and lambda_init_fail.
 */
#include "config.h"
#include "host.h"
#include "error_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONTENT_TYPE "application/json"

/* Claim the single answer of inv; logs and refuses a second one. */
static int claim(lambda_invocation *inv, const char *what)
{
    if (inv->answered) {
        lr_log(inv->request_id, LAMBDA_LOG_ERROR,
               "%s refused: this invocation was already answered (a handler ends an "
               "invocation exactly once)",
               what);
        return LAMBDA_ERR;
    }
    inv->answered = 1;
    return LAMBDA_OK;
}

int lambda_respond(lambda_invocation *inv, const void *data, size_t len, const char *content_type)
{
    if (claim(inv, "lambda_respond()") != LAMBDA_OK)
        return LAMBDA_ERR;
    if (!data)
        len = 0;
    return inv->ops->respond(inv->host, inv, data ? data : "", len,
                             content_type && *content_type ? content_type : DEFAULT_CONTENT_TYPE);
}

int lambda_respond_json(lambda_invocation *inv, json_object *obj)
{
    if (claim(inv, "lambda_respond_json()") != LAMBDA_OK) {
        json_object_put(obj);
        return LAMBDA_ERR;
    }
    size_t len;
    const char *text = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int rc = inv->ops->respond(inv->host, inv, text, len, DEFAULT_CONTENT_TYPE);
    json_object_put(obj);
    return rc;
}

static int post_error(lambda_invocation *inv, const char *type, const char *message)
{
    size_t len;
    char *body = error_json(type, message, NULL, &len);
    if (!body) {
        static const char oom[] = "{\"errorMessage\":\"out of memory formatting the error\","
                                  "\"errorType\":\"Runtime.OutOfMemory\",\"stackTrace\":[]}";
        return inv->ops->fail(inv->host, inv, "Runtime.OutOfMemory", oom, sizeof oom - 1);
    }
    int rc = inv->ops->fail(inv->host, inv, type, body, len);
    free(body);
    return rc;
}

int lambda_fail(lambda_invocation *inv, const char *error_type, const char *fmt, ...)
{
    /* an open stream ends with the error in its trailers */
    int streaming = inv->stream == LR_STREAM_OPEN || inv->stream == LR_STREAM_BROKEN;
    if (!streaming && claim(inv, "lambda_fail()") != LAMBDA_OK)
        return LAMBDA_ERR;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (!fmt || vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    const char *type = error_type && *error_type ? error_type : "Error";
    int rc = streaming ? lr_stream_fail(inv, type, msg ? msg : "")
                       : post_error(inv, type, msg ? msg : "");
    free(msg);
    return rc;
}

int lambda_answered(const lambda_invocation *inv)
{
    return inv->answered;
}

int lr_invocation_finish(lambda_invocation *inv, const char *handler, int rc)
{
    if (inv->stream == LR_STREAM_OPEN || inv->stream == LR_STREAM_BROKEN)
        return lr_stream_end(inv); /* returning ends the stream */
    if (inv->answered)
        return LAMBDA_OK;
    inv->answered = 1;
    char msg[512];
    snprintf(msg, sizeof msg,
             "handler %s returned %d without answering the invocation; end every invocation "
             "with lambda_respond(), lambda_respond_json() or lambda_fail()",
             handler ? handler : "(unknown)", rc);
    lr_log(inv->request_id, LAMBDA_LOG_ERROR, "%s", msg);
    return post_error(inv, "Runtime.NoResponse", msg);
}

void lr_init_ctx_init(lambda_init *ctx)
{
    ctx->error_type = NULL;
    ctx->message = NULL;
}

void lr_init_ctx_free(lambda_init *ctx)
{
    free(ctx->error_type);
    free(ctx->message);
    lr_init_ctx_init(ctx);
}

int lambda_init_fail(lambda_init *ctx, const char *error_type, const char *fmt, ...)
{
    if (!ctx)
        return LAMBDA_ERR;
    free(ctx->error_type);
    free(ctx->message);
    ctx->error_type = strdup(error_type && *error_type ? error_type : "Runtime.InitError");
    ctx->message = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (!fmt || vasprintf(&ctx->message, fmt, ap) < 0)
        ctx->message = NULL;
    va_end(ap);
    return LAMBDA_ERR;
}
