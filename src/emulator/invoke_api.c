/*
 * invoke_api.c -- the Invoke API callers use (curl, the AWS CLI, SDKs):
 *   POST /2015-03-31/functions/{name}/invocations            (Invoke)
 *   POST /2021-11-15/functions/{name}/response-streaming-invocations
 *                                        (InvokeWithResponseStream, event-stream)
 *   POST /2014-11-13/functions/{name}/invoke-async/  (InvokeAsync, deprecated)
 * with RequestResponse / Event / DryRun, Tail logs, client context, and the
 * service errors AWS returns (400, 404, 413, 429).  What a request may be is
 * judged by invoke_check() (invoke_check.c); this file runs it.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "base64.h"
#include "console.h"
#include "emulator.h"
#include "eventstream.h"
#include "http.h"
#include "invoke_check.h"

typedef struct iconn {
    size_t total;
    int refused; /* a response was queued on the first call */
    lr_buf body;
    invocation *inv; /* with a reference */
    emu *e;
    waiter w; /* suspended until the result (or more of it) */
    /* streaming */
    struct MHD_Connection *conn;
    lr_buf out;
    int complete_sent;
    int console; /* a request for the console (console.c) */
    void *console_state;
} iconn;

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
                 enum MHD_RequestTerminationCode toe)
{
    emu *e = cls;
    iconn *ic = *con_cls;
    if (!ic)
        return;
    if (ic->console) {
        console_done(ic->console_state);
        free(ic);
        *con_cls = NULL;
        return;
    }
    pthread_mutex_lock(&e->lock);
    if (ic->inv && ic->inv->caller == &ic->w)
        ic->inv->caller = NULL;
    if (ic->inv && ic->inv->kind == INV_STREAM) {
        ic->inv->caller_gone = 1; /* nobody reads the rest */
        inv_drained(ic->inv);
    }
    if (ic->inv)
        inv_unref(ic->inv);
    if (--e->calls == 0 && e->shutdown)
        pthread_cond_broadcast(&e->idle_cv);
    pthread_mutex_unlock(&e->lock);
    lr_buf_free(&ic->body);
    lr_buf_free(&ic->out);
    free(ic);
    *con_cls = NULL;
}

/* AWS's service errors: {"Type":"User","message":...} + x-amzn-ErrorType. */
static enum MHD_Result service_error(struct MHD_Connection *c, unsigned status, const char *type,
                                     const char *message, const char *extra_name,
                                     const char *extra_value)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "Type", json_object_new_string(status >= 500 ? "Service" : "User"));
    json_object_object_add(o, "message", json_object_new_string(message));
    if (extra_name)
        json_object_object_add(o, extra_name, json_object_new_string(extra_value));
    size_t n;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    enum MHD_Result rc =
        http_reply(c, status, "application/json", s, n, "x-amzn-ErrorType", type, (char *)NULL);
    json_object_put(o);
    return rc;
}

static char *tail_header(invocation *inv)
{
    size_t off = inv->log.len > EMU_TAIL_BYTES ? inv->log.len - EMU_TAIL_BYTES : 0;
    return lr_base64_encode(inv->log.data ? inv->log.data + off : "", inv->log.len - off, NULL);
}

static enum MHD_Result reply_result(struct MHD_Connection *c, invocation *inv)
{
    const lr_buf *b = inv->err_type ? &inv->err : &inv->resp;
    struct MHD_Response *r = MHD_create_response_from_buffer(b->len, b->data ? b->data : (char *)"",
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type",
                            !inv->err_type && inv->content_type ? inv->content_type
                                                                : "application/json");
    MHD_add_response_header(r, "X-Amz-Executed-Version", "$LATEST");
    MHD_add_response_header(r, "x-amzn-RequestId", inv->id);
    if (inv->err_type)
        MHD_add_response_header(r, "X-Amz-Function-Error", "Unhandled");
    if (inv->tail) {
        char *t = tail_header(inv);
        if (t)
            MHD_add_response_header(r, "X-Amz-Log-Result", t);
        free(t);
    }
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

/* Event-stream body: PayloadChunk events as the runtime writes, then one
 * InvokeComplete.  While there is nothing new the connection is suspended
 * (the Runtime API resumes it when bytes arrive or the invocation ends). */
static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    iconn *ic = cls;
    invocation *inv = ic->inv;
    while (ic->out.len == 0) {
        if (ic->complete_sent)
            return MHD_CONTENT_READER_END_OF_STREAM;
        pthread_mutex_lock(&ic->e->lock);
        if (inv->resp.len == inv->sent && !inv->finished) {
            inv->caller = &ic->w;
            waiter_suspend(&ic->w, ic->conn);
            pthread_mutex_unlock(&ic->e->lock);
            return 0;
        }
        if (inv->resp.len > inv->sent) {
            size_t n = inv->resp.len - inv->sent;
            if (n > 256 * 1024)
                n = 256 * 1024;
            lr_eventstream_event(&ic->out, "PayloadChunk", "application/octet-stream",
                                 inv->resp.data + inv->sent, n);
            inv->sent += n;
            /* Forwarded: drop (as soon as a good part of the buffer, lest a
             * caller that never quite catches up keeps it all). */
            if ((inv->sent == inv->resp.len || inv->sent >= EMU_STREAM_BUFFER / 4) &&
                inv->state != INV_DONE) {
                lr_buf_consume(&inv->resp, inv->sent);
                inv->sent = 0;
            }
            inv_drained(inv);
        } else {
            json_object *o = json_object_new_object();
            if (inv->err_type) {
                json_object_object_add(o, "ErrorCode", json_object_new_string(inv->err_type));
                json_object_object_add(o, "ErrorDetails",
                                       json_object_new_string(inv->err.data ? inv->err.data : ""));
            }
            if (inv->tail) {
                char *t = tail_header(inv);
                json_object_object_add(o, "LogResult", json_object_new_string(t ? t : ""));
                free(t);
            }
            size_t n;
            const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
            lr_eventstream_event(&ic->out, "InvokeComplete", "application/json", s, n);
            json_object_put(o);
            ic->complete_sent = 1;
        }
        pthread_mutex_unlock(&ic->e->lock);
        if (ic->out.len == 0 && !ic->complete_sent)
            return MHD_CONTENT_READER_END_WITH_ERROR; /* out of memory */
    }
    size_t n = ic->out.len < max ? ic->out.len : max;
    memcpy(buf, ic->out.data, n);
    lr_buf_consume(&ic->out, n);
    return (ssize_t)n;
}

static enum MHD_Result reply_stream(struct MHD_Connection *c, iconn *ic)
{
    return http_reply_stream(c, 200, 64 * 1024, stream_reader, ic,
                             "application/vnd.amazon.eventstream", "X-Amz-Executed-Version",
                             "$LATEST", "x-amzn-RequestId", ic->inv->id, (char *)NULL);
}

/* The answer of a RequestResponse invocation once it is there; until then
 * the connection is suspended (inv_publish resumes it, and libmicrohttpd
 * calls the handler again). */
static enum MHD_Result await_result(struct MHD_Connection *c, iconn *ic)
{
    invocation *inv = ic->inv;
    pthread_mutex_lock(&ic->e->lock);
    if (!inv->finished) {
        inv->caller = &ic->w;
        waiter_suspend(&ic->w, c);
        pthread_mutex_unlock(&ic->e->lock);
        return MHD_YES;
    }
    pthread_mutex_unlock(&ic->e->lock);
    return reply_result(c, inv);
}

static int function_exists(void *ctx, const char *name, const char *qualifier)
{
    function *fn = emu_function(ctx, name);
    return fn && (!*qualifier || emu_settings_has_qualifier(fn->s, qualifier));
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    lr_buf *b = cls;
    ic_header h = {key, value};
    lr_buf_append(b, &h, sizeof h);
    return MHD_YES;
}

/* Judge the request on c (its headers, and the body once have_body). */
static void check(struct MHD_Connection *c, const char *url, const char *method, iconn *ic,
                  int have_body, ic_verdict *v)
{
    lr_buf hs = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, &hs);
    ic_request rq = {
        .method = method,
        .path = url,
        .qualifier_arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "Qualifier"),
        .headers = (const ic_header *)hs.data,
        .nheaders = hs.len / sizeof(ic_header),
        .have_body = have_body,
        .body = ic->body.data,
        .body_len = ic->body.len,
        .body_total = ic->total,
        .region = ic->e->st->region,
        .account = ic->e->st->account_id,
        .exists = function_exists,
        .ctx = ic->e,
    };
    invoke_check(&rq, v);
    lr_buf_free(&hs);
}

static enum MHD_Result refuse(struct MHD_Connection *c, iconn *ic, const ic_verdict *v)
{
    ic->refused = 1;
    if (v->status == 429)
        return service_error(c, 429, v->error_type, v->message, "Reason",
                             "ReservedFunctionConcurrentInvocationLimitExceeded");
    return service_error(c, v->status, v->error_type, v->message, NULL, NULL);
}

static enum MHD_Result invoke(struct MHD_Connection *c, iconn *ic, ic_verdict *v)
{
    if (v->dry_run) {
        free(v->client_context);
        return http_reply(c, 204, NULL, "", 0, (char *)NULL);
    }
    function *fn = emu_function(ic->e, v->name);
    enum inv_kind kind = v->kind == IC_EVENT         ? INV_EVENT
                         : v->kind == IC_STREAM_KIND ? INV_STREAM
                                                     : INV_SYNC;
    invocation *inv = fn ? inv_new(fn, kind) : NULL;
    if (!inv) {
        free(v->client_context);
        return MHD_NO;
    }
    ic->inv = inv;
    ic->conn = c;
    inv->client_context = v->client_context;
    if (*v->qualifier) {
        lr_buf b = {0};
        lr_buf_printf(&b, "%s:%s", fn->arn, v->qualifier);
        inv->arn = lr_buf_take(&b, NULL);
    }
    const char *tenant = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Tenant-Id");
    if (tenant && *tenant)
        inv->tenant_id = strdup(tenant);
    inv->tail = v->tail;
    if (v->empty_payload)
        lr_buf_append(&inv->event, "{}", 2); /* what AWS passes for no payload */
    else
        inv->event = ic->body;
    memset(&ic->body, 0, sizeof ic->body);

    int rc = pool_submit(inv);
    if (rc == -1) {
        evpub_throttle(inv);
        ic_verdict busy = {
            .status = 429, .error_type = "TooManyRequestsException", .message = "Rate Exceeded."};
        return refuse(c, ic, &busy);
    }
    if (rc < 0)
        return service_error(c, 503, "ServiceException", "The emulator is shutting down.", NULL,
                             NULL);
    if (v->api == IC_API_ASYNC)
        return http_reply(c, 202, "application/json", "{\"Status\":202}", 14, "x-amzn-RequestId",
                          inv->id, (char *)NULL);
    if (kind == INV_EVENT)
        return http_reply(c, 202, NULL, "", 0, "x-amzn-RequestId", inv->id, (char *)NULL);
    if (kind == INV_STREAM)
        return reply_stream(c, ic);
    return await_result(c, ic);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    emu *e = cls;
    iconn *ic = *con_cls;
    ic_verdict v;
    if (!ic) {
        ic = calloc(1, sizeof *ic);
        if (!ic)
            return MHD_NO;
        *con_cls = ic;
        ic->e = e;
        ic->console = console_request(url);
        if (ic->console)
            return console_handle(e, c, url, method, &ic->console_state);
        pthread_mutex_lock(&e->lock);
        e->calls++;
        pthread_mutex_unlock(&e->lock);
        /* The request line and framing, before any of the body is read
         * (a body announced too large is refused before it is sent when
         * the client waits for "100 Continue"). */
        check(c, url, method, ic, 0, &v);
        return v.status ? refuse(c, ic, &v) : MHD_YES;
    }
    if (ic->console) {
        *upload_data_size = 0;
        return console_handle(e, c, url, method, &ic->console_state);
    }
    if (*upload_data_size) {
        ic->total += *upload_data_size;
        if (ic->total <= EMU_SYNC_LIMIT)
            lr_buf_append(&ic->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ic->refused)
        return MHD_YES;
    if (ic->inv)
        return await_result(c, ic); /* resumed */
    check(c, url, method, ic, 1, &v);
    return v.status ? refuse(c, ic, &v) : invoke(c, ic, &v);
}

/* One Invoke API per process; the guard lives as long as the program. */
static http_guard guard;

struct MHD_Daemon *invoke_api_start(emu *e, const char *listen, unsigned *port, char *err,
                                    size_t errlen)
{
    const emu_settings *st = e->st;
    memset(&guard, 0, sizeof guard);
    guard.name = "Invoke API";
    guard.idle_timeout = st->idle_timeout > 0 ? (unsigned)(st->idle_timeout + 0.999) : 0;
    guard.max_connections = (unsigned)st->max_connections;
    guard.per_address = (unsigned)st->max_connections_per_address;
    return http_start_guarded(listen, handle, e, done, &guard, port, err, errlen);
}
