/*
 * invoke_api.c -- the Invoke API callers use (curl, the AWS CLI, SDKs):
 *   POST /2015-03-31/functions/{name}/invocations            (Invoke)
 *   POST /2021-11-15/functions/{name}/response-streaming-invocations
 *                                        (InvokeWithResponseStream, event-stream)
 * with RequestResponse / Event / DryRun, Tail logs, client context, and the
 * service errors AWS returns (404, 413, 429).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "base64.h"
#include "emulator.h"
#include "eventstream.h"
#include "http.h"

#define CLIENT_CONTEXT_LIMIT 3583

enum api { API_NONE, API_INVOKE, API_STREAM };

typedef struct iconn {
    enum api api;
    char name[256];
    char qualifier[128];
    function *fn;
    size_t total;
    int refused;          /* a response was queued on the first call */
    lr_buf body;
    invocation *inv;      /* with a reference */
    emu *e;
    waiter w;             /* suspended until the result (or more of it) */
    /* streaming */
    struct MHD_Connection *conn;
    lr_buf out;
    int complete_sent;
} iconn;

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
                 enum MHD_RequestTerminationCode toe)
{
    emu *e = cls;
    iconn *ic = *con_cls;
    if (!ic)
        return;
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
static enum MHD_Result service_error(struct MHD_Connection *c, unsigned status,
                                     const char *type, const char *message,
                                     const char *extra_name, const char *extra_value)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "Type", json_object_new_string(status >= 500 ? "Service" : "User"));
    json_object_object_add(o, "message", json_object_new_string(message));
    if (extra_name)
        json_object_object_add(o, extra_name, json_object_new_string(extra_value));
    size_t n;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    enum MHD_Result rc = http_reply(c, status, "application/json", s, n,
                                    "x-amzn-ErrorType", type, (char *)NULL);
    json_object_put(o);
    return rc;
}

/* "/2015-03-31/functions/NAME/invocations" -> API_INVOKE and NAME. */
static enum api parse_path(const char *url, char *name, size_t n)
{
    static const struct { const char *pre, *post; enum api api; } paths[] = {
        {"/2015-03-31/functions/", "/invocations", API_INVOKE},
        {"/2021-11-15/functions/", "/response-streaming-invocations", API_STREAM},
    };
    for (size_t i = 0; i < 2; i++) {
        size_t pl = strlen(paths[i].pre), sl = strlen(paths[i].post), ul = strlen(url);
        if (ul <= pl + sl || strncmp(url, paths[i].pre, pl) != 0 ||
            strcmp(url + ul - sl, paths[i].post) != 0 || ul - pl - sl >= n)
            continue;
        memcpy(name, url + pl, ul - pl - sl);
        name[ul - pl - sl] = '\0';
        return paths[i].api;
    }
    return API_NONE;
}

/* NAME, NAME:QUALIFIER, ACCOUNT:function:NAME or a full ARN -> NAME; the
 * qualifier (if any) in *qualifier. */
static void function_name(char *name, const char **qualifier)
{
    char *p = strstr(name, ":function:");
    if (p)
        memmove(name, p + 10, strlen(p + 10) + 1);
    char *colon = strchr(name, ':');
    *qualifier = NULL;
    if (colon) {
        *colon = '\0';
        *qualifier = colon + 1;
    }
}

static char *tail_header(invocation *inv)
{
    size_t off = inv->log.len > EMU_TAIL_BYTES ? inv->log.len - EMU_TAIL_BYTES : 0;
    return lr_base64_encode(inv->log.data ? inv->log.data + off : "", inv->log.len - off, NULL);
}

static enum MHD_Result reply_result(struct MHD_Connection *c, invocation *inv)
{
    const lr_buf *b = inv->err_type ? &inv->err : &inv->resp;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        b->len, b->data ? b->data : (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type",
                            !inv->err_type && inv->content_type ? inv->content_type : "application/json");
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
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                                               stream_reader, ic, NULL);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/vnd.amazon.eventstream");
    MHD_add_response_header(r, "X-Amz-Executed-Version", "$LATEST");
    MHD_add_response_header(r, "x-amzn-RequestId", ic->inv->id);
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
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

static enum MHD_Result invoke(struct MHD_Connection *c, iconn *ic)
{
    emu *e = ic->e;
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type");
    enum inv_kind kind = ic->api == API_STREAM ? INV_STREAM : INV_SYNC;
    int dry = 0;
    if (type && strcasecmp(type, "Event") == 0 && ic->api == API_INVOKE)
        kind = INV_EVENT;
    else if (type && strcasecmp(type, "DryRun") == 0)
        dry = 1;
    else if (type && strcasecmp(type, "RequestResponse") != 0)
        return service_error(c, 400, "InvalidParameterValueException",
                             "1 validation error detected: Value at 'invocationType' failed to satisfy "
                             "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
                             NULL, NULL);
    size_t limit = kind == INV_EVENT ? EMU_EVENT_LIMIT : EMU_SYNC_LIMIT;
    if (ic->total > limit) {
        char msg[128];
        snprintf(msg, sizeof msg, "Request must be smaller than %zu bytes for the %s operation",
                 limit, ic->api == API_STREAM ? "InvokeWithResponseStream" : "InvokeFunction");
        return service_error(c, 413, "RequestTooLargeException", msg, NULL, NULL);
    }
    if (!ic->fn) {
        char msg[512];
        snprintf(msg, sizeof msg, "Function not found: arn:aws:lambda:%s:%s:function:%s",
                 e->st->region, e->st->account_id, ic->name);
        return service_error(c, 404, "ResourceNotFoundException", msg, NULL, NULL);
    }
    const char *cc64 = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Client-Context");
    char *cc = NULL;
    if (cc64 && *cc64) {
        size_t cclen = 0;
        cc = lr_base64_decode(cc64, strlen(cc64), &cclen);
        json_object *ccj = cc ? json_tokener_parse(cc) : NULL;
        int ok = ccj && json_object_is_type(ccj, json_type_object) && cclen <= CLIENT_CONTEXT_LIMIT;
        json_object_put(ccj);
        if (!ok) {
            free(cc);
            return service_error(c, 400, "InvalidRequestContentException",
                                 "Client context must be a valid Base64-encoded JSON object.", NULL, NULL);
        }
    }
    if (dry) {
        free(cc);
        return http_reply(c, 204, NULL, "", 0, (char *)NULL);
    }
    invocation *inv = inv_new(ic->fn, kind);
    if (!inv) {
        free(cc);
        return MHD_NO;
    }
    ic->inv = inv;
    ic->conn = c;
    inv->client_context = cc;
    const char *qualifier = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "Qualifier");
    if (!qualifier)
        qualifier = ic->qualifier;
    if (qualifier && *qualifier) {
        lr_buf b = {0};
        lr_buf_printf(&b, "%s:%s", ic->fn->arn, qualifier);
        inv->arn = lr_buf_take(&b, NULL);
    }
    const char *tenant = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Tenant-Id");
    if (tenant && *tenant)
        inv->tenant_id = strdup(tenant);
    const char *log = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type");
    inv->tail = kind != INV_EVENT && log && strcasecmp(log, "Tail") == 0;
    inv->event = ic->body;
    memset(&ic->body, 0, sizeof ic->body);

    int rc = pool_submit(inv);
    if (rc == -1)
        return service_error(c, 429, "TooManyRequestsException", "Rate Exceeded.",
                             "Reason", "ReservedFunctionConcurrentInvocationLimitExceeded");
    if (rc < 0)
        return service_error(c, 503, "ServiceException", "The emulator is shutting down.", NULL, NULL);
    if (kind == INV_EVENT)
        return http_reply(c, 202, NULL, "", 0, "x-amzn-RequestId", inv->id, (char *)NULL);
    if (kind == INV_STREAM)
        return reply_stream(c, ic);
    return await_result(c, ic);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    emu *e = cls;
    iconn *ic = *con_cls;
    if (!ic) {
        ic = calloc(1, sizeof *ic);
        if (!ic)
            return MHD_NO;
        *con_cls = ic;
        ic->e = e;
        pthread_mutex_lock(&e->lock);
        e->calls++;
        pthread_mutex_unlock(&e->lock);
        ic->api = parse_path(url, ic->name, sizeof ic->name);
        if (ic->api == API_NONE || strcmp(method, "POST") != 0) {
            ic->refused = 1;
            return service_error(c, 404, "UnknownOperationException",
                                 "Unknown operation: use POST /2015-03-31/functions/NAME/invocations "
                                 "or POST /2021-11-15/functions/NAME/response-streaming-invocations",
                                 NULL, NULL);
        }
        const char *qualifier;
        function_name(ic->name, &qualifier);
        if (qualifier)
            snprintf(ic->qualifier, sizeof ic->qualifier, "%s", qualifier);
        ic->fn = emu_function(e, ic->name);
        /* A body announced too large is refused before it is sent when the
         * client waits for "100 Continue"; otherwise read and dropped. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
        if (cl && expect && strtoull(cl, NULL, 10) > EMU_SYNC_LIMIT) {
            ic->refused = 1;
            ic->total = strtoull(cl, NULL, 10);
            return invoke(c, ic);
        }
        return MHD_YES;
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
    return invoke(c, ic);
}

/* One Invoke API per process; the guard lives as long as the program. */
static http_guard guard;

struct MHD_Daemon *invoke_api_start(emu *e, const char *listen, unsigned *port,
                                    char *err, size_t errlen)
{
    const emu_settings *st = e->st;
    memset(&guard, 0, sizeof guard);
    guard.name = "Invoke API";
    guard.idle_timeout = st->idle_timeout > 0 ? (unsigned)(st->idle_timeout + 0.999) : 0;
    guard.max_connections = (unsigned)st->max_connections;
    guard.per_address = (unsigned)st->max_connections_per_address;
    return http_start_guarded(listen, handle, e, done, &guard, port, err, errlen);
}
