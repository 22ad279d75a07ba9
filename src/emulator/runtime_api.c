/*
 * runtime_api.c -- the Runtime API (2018-06-01) one instance talks to, on its
 * own loopback port: GET /runtime/invocation/next (long poll; several at once
 * with AWS_LAMBDA_MAX_CONCURRENCY), POST .../{id}/response (buffered, or
 * streamed chunk by chunk with error trailers), POST .../{id}/error and
 * POST /runtime/init/error.  The Extensions API (extensions.c) shares its
 * address and its admission check.
 */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "clock.h"
#include "emulator.h"
#include "extensions.h"
#include "http.h"
#include "peer.h"
#include "proctree.h"

#define PREFIX "/2018-06-01"
#define ERROR_BODY_LIMIT (1024 * 1024)

enum route { R_NONE, R_NEXT, R_RESPONSE, R_ERROR, R_INIT_ERROR, R_EXT };

typedef struct rconn {
    enum route route;
    invocation *inv; /* with a reference */
    unsigned status; /* refuse with this once the body is read */
    int streaming;
    int too_large;
    int caller_gone; /* a streamed response nobody reads any more */
    lr_buf body;
    waiter w;  /* a /next poll waiting for work */
    void *ext; /* R_EXT: the Extensions API's (extensions.c) */
} rconn;

/* One per connection (keep-alive: many requests): whose it is, decided on
 * its first request.  See docs/emulator-security.md. */
typedef struct rpeer {
    int verdict;      /* 0 not checked yet, 1 a process of the instance, -1 not */
    pid_t pid;        /* the process of the instance holding it */
    int64_t start_ns; /* when it started (CLOCK_BOOTTIME) */
} rpeer;

static void notify(void *cls, struct MHD_Connection *c, void **socket_context,
                   enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)c;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(rpeer));
    } else {
        free(*socket_context);
        *socket_context = NULL;
    }
}

/* Which of inst's processes connection c comes from: the socket at its
 * other end must be open in one of them.  A refusal is logged once. */
static void check_peer(struct MHD_Connection *c, instance *inst, rpeer *p)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    unsigned long inode = ci ? peer_socket_inode(ci->client_addr, inst->port) : 0;
    p->pid = inode ? instance_process_holding(inst, inode) : 0;
    /* Not found: if the socket is gone now, its holder closed it during the
     * search (a runtime that hangs up at once, e.g. a stream it breaks off):
     * nobody reads the answer, and it is no stranger's. */
    if (inode && p->pid <= 0 && peer_socket_inode(ci->client_addr, inst->port) != inode)
        inode = 0;
    p->verdict = p->pid > 0 ? 1 : -1;
    p->start_ns = p->pid > 0 ? proctree_start_ns(p->pid) : 0;
    /* inode 0: the other end has closed its socket (nobody reads the
     * answer): refused without a log line. */
    if (p->verdict < 0 && inode) {
        char line[512];
        unsigned port = 0;
        if (ci && ci->client_addr->sa_family == AF_INET)
            port = ntohs(((const struct sockaddr_in *)ci->client_addr)->sin_port);
        int n =
            snprintf(line, sizeof line,
                     "lambda-emulator: function %s: refused a Runtime API connection from "
                     "127.0.0.1:%u (socket inode %lu): not a process of execution environment %u; "
                     "only the runtime and its child processes may use AWS_LAMBDA_RUNTIME_API\n",
                     inst->fn->name, port, inode, inst->id);
        report_line(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
}

/* Whether connection c comes from one of inst's processes, decided on its
 * first request (keep-alive: once per connection); the process is noted
 * in rc's waiter for the reports. */
static int admitted(struct MHD_Connection *c, instance *inst, rconn *rc)
{
    const union MHD_ConnectionInfo *si =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    rpeer none = {0, 0, 0}, *p = si && si->socket_context ? si->socket_context : &none;
    if (!p->verdict)
        check_peer(c, inst, p);
    rc->w.pid = p->pid;
    rc->w.pid_start_ns = p->start_ns;
    return p->verdict > 0;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
                 enum MHD_RequestTerminationCode toe)
{
    instance *inst = cls;
    rconn *rc = *con_cls;
    if (!rc)
        return;
    if (rc->route == R_NEXT)
        pool_poll_gone(inst, &rc->w);
    if (rc->ext)
        ext_done(inst, rc->ext);
    if (rc->inv) {
        emu *e = inst->fn->emu;
        pthread_mutex_lock(&e->lock);
        if (rc->inv->producer == &rc->w)
            rc->inv->producer = NULL;
        inv_unref(rc->inv);
        pthread_mutex_unlock(&e->lock);
    }
    lr_buf_free(&rc->body);
    free(rc);
    *con_cls = NULL;
}

static enum MHD_Result reply_next(struct MHD_Connection *c, instance *inst, rconn *rc)
{
    int wait = 0;
    invocation *inv = pool_next(inst, &rc->w, c, &wait);
    if (!inv && wait)
        return MHD_YES; /* suspended: called again once there is work */
    if (!inv)
        return http_reply_error(c, 500, "Runtime.Terminated",
                                "this execution environment is shutting down; exit");
    rc->inv = inv;
    function *fn = inst->fn;
    char deadline[32];
    snprintf(deadline, sizeof deadline, "%lld", (long long)inv->deadline_ms);
    /* The event is not modified while the invocation lives; rc holds it. */
    struct MHD_Response *r = MHD_create_response_from_buffer(
        inv->event.len, inv->event.data ? inv->event.data : (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id", inv->id);
    MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms", deadline);
    MHD_add_response_header(r, "Lambda-Runtime-Invoked-Function-Arn",
                            inv->arn ? inv->arn : fn->arn);
    MHD_add_response_header(r, "Lambda-Runtime-Trace-Id", inv->trace);
    MHD_add_response_header(r, "Lambda-Runtime-Invocation-Id", inv->nonce);
    if (inv->client_context)
        MHD_add_response_header(r, "Lambda-Runtime-Client-Context", inv->client_context);
    if (inv->tenant_id)
        MHD_add_response_header(r, "Lambda-Runtime-Aws-Tenant-Id", inv->tenant_id);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* Route "/runtime/invocation/{id}/response" etc.; id copied into id. */
static enum route route_of(const char *method, const char *url, char *id, size_t idlen)
{
    if (strncmp(url, PREFIX, strlen(PREFIX)) != 0)
        return R_NONE;
    url += strlen(PREFIX);
    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/runtime/invocation/next") == 0)
        return get ? R_NEXT : R_NONE;
    if (strcmp(url, "/runtime/init/error") == 0)
        return post ? R_INIT_ERROR : R_NONE;
    const char *base = "/runtime/invocation/";
    if (!post || strncmp(url, base, strlen(base)) != 0)
        return R_NONE;
    url += strlen(base);
    const char *slash = strchr(url, '/');
    if (!slash || slash == url || (size_t)(slash - url) >= idlen)
        return R_NONE;
    memcpy(id, url, (size_t)(slash - url));
    id[slash - url] = '\0';
    if (strcmp(slash, "/response") == 0)
        return R_RESPONSE;
    if (strcmp(slash, "/error") == 0)
        return R_ERROR;
    return R_NONE;
}

/* The Content-Type of the post that answers inv (emu->lock held): the
 * latest post's, so a broken streamed response followed by a buffered one
 * leaves neither a leak nor the first post's type behind. */
static void set_content_type(invocation *inv, struct MHD_Connection *c)
{
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    free(inv->content_type);
    inv->content_type = ct ? strdup(ct) : NULL;
}

static void begin(struct MHD_Connection *c, instance *inst, rconn *rc, const char *id)
{
    if (rc->route != R_RESPONSE && rc->route != R_ERROR)
        return;
    int status = 400;
    const char *nonce =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Invocation-Id");
    rc->inv = pool_lookup(inst, id, nonce, &status);
    if (!rc->inv) {
        rc->status = (unsigned)status;
        return;
    }
    const char *mode =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Response-Mode");
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    if (rc->route == R_RESPONSE) /* the end of platform.runtimeDone's responseLatency span */
        rc->inv->resp_begin_ns = clock_mono_ns();
    if (rc->route == R_RESPONSE && mode && strcasecmp(mode, "streaming") == 0) {
        rc->streaming = 1;
        set_content_type(rc->inv, c);
    }
    pthread_mutex_unlock(&e->lock);
}

/* Bytes of a streamed response (emu->lock held).  For a streaming caller at
 * most EMU_STREAM_BUFFER wait: past that the post is suspended (its socket
 * is not read, so the runtime's writes block) until the caller drains; once
 * the caller has hung up, the bytes are dropped. */
static void take_stream(struct MHD_Connection *c, rconn *rc, const char *data, size_t n)
{
    invocation *inv = rc->inv;
    if (inv->state != INV_RUNNING)
        return;
    size_t limit = inv->kind == INV_STREAM ? EMU_STREAM_LIMIT : EMU_SYNC_LIMIT;
    inv->streamed += n;
    if (inv->kind == INV_STREAM && inv->caller_gone)
        rc->caller_gone = 1;
    else if (inv->streamed > limit)
        rc->too_large = 1;
    else if (lr_buf_append(&inv->resp, data, n) == 0 && inv->kind == INV_STREAM) {
        inv_wake(inv);
        /* libmicrohttpd may hand over what it has already read before the
         * suspension takes effect: suspend once. */
        if (inv->resp.len - inv->sent > EMU_STREAM_BUFFER && !rc->w.suspended) {
            inv->producer = &rc->w;
            waiter_suspend(&rc->w, c);
        }
    }
}

static void take_data(struct MHD_Connection *c, instance *inst, rconn *rc, const char *data,
                      size_t n)
{
    if (rc->ext && !rc->status) {
        ext_data(rc->ext, data, n);
        return;
    }
    if (rc->status ||
        (rc->route != R_RESPONSE && rc->route != R_ERROR && rc->route != R_INIT_ERROR))
        return; /* refused or unknown: read and drop */
    if (rc->route == R_RESPONSE && rc->streaming) {
        emu *e = inst->fn->emu;
        pthread_mutex_lock(&e->lock);
        take_stream(c, rc, data, n);
        pthread_mutex_unlock(&e->lock);
        return;
    }
    size_t limit = rc->route == R_RESPONSE ? EMU_SYNC_LIMIT : ERROR_BODY_LIMIT;
    if (rc->body.len + n > limit)
        rc->too_large = 1;
    else
        lr_buf_append(&rc->body, data, n);
}

static enum MHD_Result accepted(struct MHD_Connection *c)
{
    static const char ok[] = "{\"status\":\"OK\"}";
    return http_reply(c, 202, "application/json", ok, sizeof ok - 1, (char *)NULL);
}

static enum MHD_Result stale(struct MHD_Connection *c, unsigned status)
{
    static const http_error errors[] = {
        {410, 410, "InvocationGone",
         "this invocation already ended (timed out, answered, or a stale delivery); "
         "go on with the next invocation"},
        {404, 404, "NotFound", "no such Runtime API call"},
        {428, 400, "MissingInvocationId",
         "this runtime has echoed Lambda-Runtime-Invocation-Id before; a post "
         "without it is refused (echo the header /next gave with the request id)"},
        {403, 403, "AccessDeniedException",
         "this Runtime API serves only the processes of its own execution "
         "environment (the runtime and its child processes)"},
        {0, 400, "InvalidRequestID",
         "no invocation with this request id runs in this execution environment"},
    };
    const http_error *e = http_error_of(errors, status);
    return http_reply_error(c, e->status, e->type, e->message);
}

static enum MHD_Result finish(struct MHD_Connection *c, instance *inst, rconn *rc)
{
    emu *e = inst->fn->emu;
    invocation *inv = rc->inv;
    if (rc->status)
        return stale(c, rc->status);
    switch (rc->route) {
    case R_NEXT: return reply_next(c, inst, rc);
    case R_EXT: return ext_finish(c, inst, rc->ext);
    case R_RESPONSE: {
        const char *etype = NULL;
        char *ebody = NULL;
        size_t elen = 0;
        if (rc->streaming) {
            etype = MHD_lookup_connection_value(c, MHD_FOOTER_KIND,
                                                "Lambda-Runtime-Function-Error-Type");
            const char *b64 = MHD_lookup_connection_value(c, MHD_FOOTER_KIND,
                                                          "Lambda-Runtime-Function-Error-Body");
            if (b64)
                ebody = lr_base64_decode(b64, strlen(b64), &elen);
        }
        instance_drain(inst);
        pthread_mutex_lock(&e->lock);
        int live = inv->state == INV_RUNNING;
        if (live) {
            if (rc->too_large) {
                inv_service_error(
                    inv, "Function.ResponseSizeTooLarge",
                    "Response payload size exceeded maximum allowed payload size (%d bytes).",
                    inv->kind == INV_STREAM && rc->streaming ? EMU_STREAM_LIMIT : EMU_SYNC_LIMIT);
            } else if (etype && *etype) {
                inv_set_error(inv, etype, ebody, elen);
            } else if (!rc->streaming) {
                lr_buf_free(&inv->resp);
                inv->resp = rc->body;
                memset(&rc->body, 0, sizeof rc->body);
                set_content_type(inv, c);
            }
            inv->produced = rc->streaming ? inv->streamed : inv->resp.len;
        }
        pthread_mutex_unlock(&e->lock);
        free(ebody);
        if (!live || pool_finish(inv) < 0)
            return stale(c, 410);
        if (rc->caller_gone)
            return http_reply_error(
                c, 410, "InvocationGone",
                "the caller disconnected: the rest of the streamed response was "
                "discarded; go on with the next invocation");
        if (rc->too_large)
            return http_reply_error(
                c, 413, "RequestEntityTooLarge",
                rc->streaming && inv->kind == INV_STREAM
                    ? "streamed response exceeds 209715200 bytes"
                    : "response payload exceeds 6291456 bytes; stream it or make it smaller");
        return accepted(c);
    }
    case R_ERROR: {
        const char *type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type");
        instance_drain(inst);
        pthread_mutex_lock(&e->lock);
        int live = inv->state == INV_RUNNING;
        if (live)
            inv_set_error(inv, type ? type : "Runtime.Unknown", rc->body.data, rc->body.len);
        pthread_mutex_unlock(&e->lock);
        if (!live || pool_finish(inv) < 0)
            return stale(c, 410);
        return accepted(c);
    }
    case R_INIT_ERROR: {
        const char *type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type");
        if (pool_init_error(inst, type, rc->body.data, rc->body.len) < 0)
            return http_reply_error(c, 403, "InvalidStateTransition",
                                    "init errors are accepted only before the first /next, once");
        return accepted(c);
    }
    default: return stale(c, 404);
    }
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    instance *inst = cls;
    rconn *rc = *con_cls;
    if (!rc) {
        rc = calloc(1, sizeof *rc);
        if (!rc)
            return MHD_NO;
        *con_cls = rc;
        char id[128];
        rc->route = route_of(method, url, id, sizeof id);
        /* Answers wait for the second call: one queued on the first makes
         * libmicrohttpd close the connection. */
        if (!admitted(c, inst, rc))
            rc->status = 403; /* before it can take or answer anything */
        else if (ext_route(url) && (rc->route = R_EXT) && !(rc->ext = ext_begin(c, method, url)))
            return MHD_NO;
        else if (rc->route == R_NONE)
            rc->status = 404;
        else
            begin(c, inst, rc, id);
        return MHD_YES;
    }
    if (*upload_data_size) {
        take_data(c, inst, rc, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return finish(c, inst, rc);
}

struct MHD_Daemon *runtime_api_start(instance *inst, unsigned *port, char *err, size_t errlen)
{
    return http_start_notify("127.0.0.1:0", handle, inst, done, notify, port, err, errlen);
}
