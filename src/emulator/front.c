/*
 * front.c -- the HTTP front's server (see front.h, docs/http-front.md).
 *
 * A libmicrohttpd daemon run by the same event-loop thread as the Invoke
 * API.  Each request is matched to a route, built into an event, submitted
 * to the function's pool like an Invoke API call, and its connection is
 * suspended until the result is published (or, for a function URL in
 * RESPONSE_STREAM mode, until the streamed prelude has arrived; the body is
 * then forwarded chunk by chunk as the runtime writes it).  A timer thread
 * enforces each route's integration timeout.  Everything shared with the
 * pool is under emu->lock.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "emulator.h"
#include "front.h"
#include "http.h"

#define MAX_HEADERS 256

typedef struct fconn {
    char *uri; /* as sent, query string included */
    int started;
    lr_buf body;
    size_t total;
    int has_body;
    invocation *inv; /* with a reference */
    int payload_format;
    waiter w;
    struct MHD_Connection *conn;
    int64_t deadline_ns; /* integration timeout; 0 none */
    int timed_out;
    struct fconn *t_next; /* in the timer's list (emu->lock) */
} fconn;

static struct {
    emu *e;
    struct MHD_Daemon *d;
    int listener;
    pthread_t timer;
    int timer_running, stop;
    pthread_cond_t cv; /* with emu->lock: the timer's list changed */
    fconn *waiting;    /* connections with a deadline */
} F = {.listener = -1};

/* ---- the integration timeout ---- */

static void unlink_timer(fconn *fc)
{
    for (fconn **p = &F.waiting; *p; p = &(*p)->t_next)
        if (*p == fc) {
            *p = fc->t_next;
            return;
        }
}

static void *timer_main(void *arg)
{
    emu *e = F.e;
    pthread_mutex_lock(&e->lock);
    while (!F.stop) {
        int64_t now = clock_mono_ns(), next = now + 1000000000LL;
        for (fconn **p = &F.waiting; *p;) {
            fconn *fc = *p;
            if (fc->deadline_ns > now) {
                next = fc->deadline_ns < next ? fc->deadline_ns : next;
                p = &fc->t_next;
                continue;
            }
            *p = fc->t_next;
            if (!fc->inv->finished) {
                fc->timed_out = 1;
                if (fc->inv->caller == &fc->w)
                    fc->inv->caller = NULL;
                waiter_resume(&fc->w);
            }
        }
        struct timespec ts;
        clock_realtime_after(&ts, (next - now) / 1000000 + 1);
        pthread_cond_timedwait(&F.cv, &e->lock, &ts);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* ---- answers ---- */

static void add_headers(struct MHD_Response *r, const front_response *fr, const char *id)
{
    const char *p = fr->headers.data;
    for (size_t i = 0; i < fr->nheaders; i++) {
        const char *name = p, *value = p + strlen(p) + 1;
        p = value + strlen(value) + 1;
        /* libmicrohttpd frames the body itself. */
        if (strcasecmp(name, "Content-Length") && strcasecmp(name, "Transfer-Encoding") &&
            strcasecmp(name, "Connection"))
            MHD_add_response_header(r, name, value);
    }
    MHD_add_response_header(r, "Apigw-Requestid", id);
}

/* A response built while emu->lock is held, queued after it is released:
 * libmicrohttpd takes a response's own mutex to queue and destroy it, and
 * holds that mutex while it calls stream_reader(), which takes emu->lock;
 * queueing under emu->lock would order the two locks both ways. */
typedef struct {
    unsigned status;
    struct MHD_Response *r;
} reply;

static void built(reply *out, unsigned status, struct MHD_Response *r)
{
    out->status = status;
    out->r = r;
}

static void built_message(reply *out, unsigned status, const char *text)
{
    char body[128];
    int n = snprintf(body, sizeof body, "{\"message\":\"%s\"}", text);
    struct MHD_Response *r =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (r)
        MHD_add_response_header(r, "Content-Type", "application/json");
    built(out, status, r);
}

/* Queue what built*() made (emu->lock not held). */
static enum MHD_Result send_reply(struct MHD_Connection *c, reply *rep)
{
    if (!rep->r)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(c, rep->status, rep->r);
    MHD_destroy_response(rep->r);
    return rc;
}

static enum MHD_Result message(struct MHD_Connection *c, unsigned status, const char *text)
{
    reply rep;
    built_message(&rep, status, text);
    return send_reply(c, &rep);
}

/* r with fr's status and headers. */
static void built_mapped(reply *out, fconn *fc, const front_response *fr, struct MHD_Response *r)
{
    if (r)
        add_headers(r, fr, fc->inv->id);
    built(out, (unsigned)fr->status, r);
}

static void reply_mapped(reply *out, fconn *fc, const front_response *fr, const char *body,
                         size_t len)
{
    built_mapped(out, fc, fr,
                 MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY));
}

/* The streamed body after the prelude: what the runtime has written, as it
 * arrives; suspended while there is nothing new. */
static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    fconn *fc = cls;
    invocation *inv = fc->inv;
    emu *e = F.e;
    pthread_mutex_lock(&e->lock);
    if (inv->resp.len > inv->sent) {
        size_t n = inv->resp.len - inv->sent < max ? inv->resp.len - inv->sent : max;
        memcpy(buf, inv->resp.data + inv->sent, n);
        inv->sent += n;
        /* Forwarded: drop, as the Invoke API's stream reader does. */
        if ((inv->sent == inv->resp.len || inv->sent >= EMU_STREAM_BUFFER / 4) &&
            inv->state != INV_DONE) {
            lr_buf_consume(&inv->resp, inv->sent);
            inv->sent = 0;
        }
        inv_drained(inv); /* the runtime's post may go on */
        pthread_mutex_unlock(&e->lock);
        return (ssize_t)n;
    }
    if (inv->finished) {
        pthread_mutex_unlock(&e->lock);
        /* An error after the headers went out can only cut the stream. */
        return inv->err_type ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
    }
    inv->caller = &fc->w;
    waiter_suspend(&fc->w, fc->conn);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

static void reply_stream(reply *out, fconn *fc, const front_response *fr)
{
    built_mapped(
        out, fc, fr,
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_reader, fc, NULL));
}

/* Whether the answer can start: the result is there, or a stream's prelude
 * (or, for a stream of another content type, its first bytes). */
static int ready(const invocation *inv)
{
    if (inv->finished || inv->kind != INV_STREAM || !inv->content_type)
        return inv->finished;
    if (strcmp(inv->content_type, FRONT_STREAM_CONTENT_TYPE) != 0)
        return inv->resp.len > 0;
    front_response fr;
    size_t used;
    int rc = front_prelude_parse(inv->resp.data ? inv->resp.data : "", inv->resp.len, &fr, &used);
    front_response_free(&fr);
    return rc != 0;
}

/* The answer of a stream whose content type is the HTTP integration's:
 * the prelude (status, headers) and then the body. */
static void answer_prelude(reply *out, fconn *fc, const char *data)
{
    invocation *inv = fc->inv;
    front_response fr;
    size_t used = 0;
    if (front_prelude_parse(data, inv->resp.len, &fr, &used) <= 0) {
        built_message(out, 500, "Internal Server Error");
    } else {
        inv->sent = used;
        if (inv->kind == INV_STREAM)
            reply_stream(out, fc, &fr);
        else
            reply_mapped(out, fc, &fr, data + used, inv->resp.len - used);
    }
    front_response_free(&fr);
}

/* The answer once ready() (emu->lock held: the buffers may still grow). */
static void answer(reply *out, fconn *fc)
{
    invocation *inv = fc->inv;
    const char *data = inv->resp.data ? inv->resp.data : "";
    front_response fr;
    if (fc->timed_out) {
        built_message(out, 503, "Service Unavailable");
    } else if (inv->err_type) {
        built_message(out, 500, "Internal Server Error");
    } else if (inv->content_type && strcmp(inv->content_type, FRONT_STREAM_CONTENT_TYPE) == 0) {
        answer_prelude(out, fc, data);
    } else if (inv->kind == INV_STREAM && !inv->finished) {
        memset(&fr, 0, sizeof fr);
        fr.status = 200;
        front_response_header(&fr, "Content-Type", inv->content_type);
        reply_stream(out, fc, &fr);
        front_response_free(&fr);
    } else if (front_result_map(data, inv->resp.len, fc->payload_format, &fr) < 0) {
        built_message(out, 500, "Internal Server Error");
    } else {
        reply_mapped(out, fc, &fr, fr.body.data ? fr.body.data : "", fr.body.len);
        front_response_free(&fr);
    }
}

static enum MHD_Result await(struct MHD_Connection *c, fconn *fc)
{
    emu *e = F.e;
    pthread_mutex_lock(&e->lock);
    if (!fc->timed_out && !ready(fc->inv)) {
        fc->inv->caller = &fc->w;
        waiter_suspend(&fc->w, c);
        pthread_mutex_unlock(&e->lock);
        return MHD_YES;
    }
    unlink_timer(fc);
    reply rep;
    answer(&rep, fc);
    pthread_mutex_unlock(&e->lock);
    return send_reply(c, &rep);
}

/* ---- requests ---- */

typedef struct header_list {
    front_header h[MAX_HEADERS];
    size_t n;
} header_list;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    header_list *l = cls;
    if (l->n < MAX_HEADERS)
        l->h[l->n++] = (front_header){key, value ? value : ""};
    return MHD_YES;
}

static void source_ip(struct MHD_Connection *c, char *buf, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, n, "127.0.0.1");
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf,
                  (socklen_t)n);
}

/* The event of this request for route m, into inv->event; 0 or -1. */
static int build_event(struct MHD_Connection *c, fconn *fc, const char *method, const char *version,
                       const front_match *m, invocation *inv)
{
    header_list *hl = malloc(sizeof *hl);
    if (!hl)
        return -1;
    hl->n = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect, hl);
    char ip[64];
    source_ip(c, ip, sizeof ip);
    char *q = strchr(fc->uri, '?');
    if (q)
        *q = '\0';
    front_request rq = {
        .method = method,
        .raw_path = fc->uri,
        .raw_query = q ? q + 1 : "",
        .protocol = version,
        .source_ip = ip,
        .headers = hl->h,
        .nheaders = hl->n,
        .body = fc->body.data ? fc->body.data : "",
        .body_len = fc->body.len,
        .has_body = fc->has_body,
        .request_id = inv->id,
        .time_ms = clock_epoch_ms(),
        .account_id = F.e->st->account_id,
        .api_id = "lambda-emulator",
    };
    json_object *ev = front_event(&rq, m);
    free(hl);
    size_t n = 0;
    const char *s = ev ? json_object_to_json_string_length(ev, JSON_C_TO_STRING_PLAIN, &n) : NULL;
    int rc = s && lr_buf_append(&inv->event, s, n) == 0 ? 0 : -1;
    json_object_put(ev);
    return rc;
}

static function *route_function(const front_route *r)
{
    return emu_function(F.e, r->function);
}

static enum MHD_Result dispatch(struct MHD_Connection *c, fconn *fc, const char *method,
                                const char *version)
{
    if (fc->total > EMU_SYNC_LIMIT)
        return message(c, 413, "Request Entity Too Large");
    char path[4096];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(fc->uri, "?"), fc->uri);
    front_match m;
    if (front_route_match(F.e->st->routes, method, path, &m) < 0)
        return message(c, 404, "Not Found");
    function *fn = route_function(m.route);
    int stream = fn && fn->s->invoke_mode == INVOKE_RESPONSE_STREAM;
    invocation *inv = fn ? inv_new(fn, stream ? INV_STREAM : INV_SYNC) : NULL;
    if (!inv || build_event(c, fc, method, version, &m, inv) < 0) {
        front_match_free(&m);
        if (inv) {
            pthread_mutex_lock(&F.e->lock);
            inv_unref(inv);
            pthread_mutex_unlock(&F.e->lock);
        }
        return message(c, 500, "Internal Server Error");
    }
    fc->payload_format = m.route->payload_format;
    double timeout = m.route->timeout;
    front_match_free(&m);
    fc->inv = inv;
    fc->conn = c;
    if (inv->event.len > EMU_SYNC_LIMIT)
        return message(c, 413, "Request Entity Too Large");
    int rc = pool_submit(inv);
    if (rc == -1) /* Lambda refused the invocation (throttled) */
        return message(c, 500, "Internal Server Error");
    if (rc < 0)
        return message(c, 503, "Service Unavailable");
    if (!stream) {
        pthread_mutex_lock(&F.e->lock);
        fc->deadline_ns = clock_mono_ns() + (int64_t)(timeout * 1e9);
        fc->t_next = F.waiting;
        F.waiting = fc;
        pthread_cond_signal(&F.cv);
        pthread_mutex_unlock(&F.e->lock);
    }
    return await(c, fc);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    fconn *fc = *con_cls;
    if (!fc)
        return MHD_NO;
    if (!fc->started) {
        fc->started = 1;
        pthread_mutex_lock(&F.e->lock);
        F.e->calls++;
        pthread_mutex_unlock(&F.e->lock);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
        if (cl && expect && strtoull(cl, NULL, 10) > EMU_SYNC_LIMIT) {
            fc->total = strtoull(cl, NULL, 10);
            fc->started = 2; /* answered */
            return message(c, 413, "Request Entity Too Large");
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        fc->has_body = 1;
        fc->total += *upload_data_size;
        if (fc->total <= EMU_SYNC_LIMIT)
            lr_buf_append(&fc->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (fc->started == 2)
        return MHD_YES;
    if (fc->inv)
        return await(c, fc); /* resumed */
    return dispatch(c, fc, method, version);
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    fconn *fc = calloc(1, sizeof *fc);
    if (fc && !(fc->uri = strdup(uri))) {
        free(fc);
        fc = NULL;
    }
    return fc;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
                 enum MHD_RequestTerminationCode toe)
{
    fconn *fc = *con_cls;
    if (!fc)
        return;
    emu *e = F.e;
    pthread_mutex_lock(&e->lock);
    unlink_timer(fc);
    if (fc->inv && fc->inv->caller == &fc->w)
        fc->inv->caller = NULL;
    if (fc->inv && fc->inv->kind == INV_STREAM) {
        fc->inv->caller_gone = 1; /* nobody reads the rest */
        inv_drained(fc->inv);
    }
    if (fc->inv)
        inv_unref(fc->inv);
    if (fc->started && --e->calls == 0 && e->shutdown)
        pthread_cond_broadcast(&e->idle_cv);
    pthread_mutex_unlock(&e->lock);
    lr_buf_free(&fc->body);
    free(fc->uri);
    free(fc);
    *con_cls = NULL;
}

/* ---- life cycle ---- */

int front_start(emu *e, const char *addr, char *err, size_t errlen)
{
    F.e = e;
    F.stop = 0;
    pthread_cond_init(&F.cv, NULL);
    if (pthread_create(&F.timer, NULL, timer_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the HTTP front's timer thread");
        return -1;
    }
    F.timer_running = 1;
    char msg[512];
    F.d = http_start_uri(addr, handle, NULL, done, uri_log, &e->http_port, msg, sizeof msg);
    if (!F.d) {
        snprintf(err, errlen, "HTTP front (--http, LAMBDA_HTTP_LISTEN): %s", msg);
        return -1;
    }
    return 0;
}

void front_quiesce(void)
{
    if (F.d)
        F.listener = http_quiesce(F.d);
}

void front_stop(void)
{
    if (F.d) {
        http_stop(F.d);
        F.d = NULL;
    }
    if (F.listener >= 0)
        close(F.listener);
    F.listener = -1;
    if (F.timer_running) {
        pthread_mutex_lock(&F.e->lock);
        F.stop = 1;
        pthread_cond_signal(&F.cv);
        pthread_mutex_unlock(&F.e->lock);
        pthread_join(F.timer, NULL);
        F.timer_running = 0;
        pthread_cond_destroy(&F.cv);
    }
}
