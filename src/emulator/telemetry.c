/*
 * telemetry.c -- the Telemetry API (PUT /2022-07-01/telemetry) and the
 * legacy Logs API (PUT /2020-08-15/logs) an extension subscribes with, on
 * the instance's Runtime API address: the instance's platform events, the
 * function's log lines and the extensions' are batched per subscription
 * (maxItems, maxBytes, timeoutMs) and POSTed as a JSON array to the
 * subscriber's HTTP destination by one sender thread per subscription.
 *
 * Memory is bounded: a subscription queues at most maxBytes (and maxItems)
 * besides the batch being sent; past that, records are dropped and counted,
 * and a platform.logsDropped record tells the subscriber once there is room
 * again.  A batch that cannot be delivered is tried 3 times, then dropped
 * (counted too).  Nothing is sent while the instance is frozen (on Lambda
 * the extension does not run then either).  See telemetry.h.
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "evbus.h"
#include "extensions.h"
#include "http.h"
#include "telemetry.h"

#define POST_IO_MS 1000
/* The event bus's ring when telemetry opens it first (else the console's
 * sizes apply): records and bytes of log text. */
#define TEL_RING_RECORDS 8192
#define TEL_RING_BYTES (4 * 1024 * 1024)
#define POST_TRIES 3

struct tsub {
    instance *inst;
    char name[256]; /* the subscribing extension */
    int types;
    long max_items, max_bytes, timeout_ms;
    char host[256], path[512];
    unsigned port;
    uint64_t cursor;      /* the last event bus record read */
    int full;             /* a record waits on the bus for room in q */
    evbus_sub *bsub;      /* notified when the bus has more */
    pthread_mutex_t lock; /* a leaf: the queue below */
    pthread_cond_t cv;
    lr_buf q; /* records, comma-separated */
    long q_items;
    int64_t q_first_ns;
    long dropped_items, dropped_bytes;
    long lost_items, lost_bytes; /* its records the bus dropped unread (atomic) */
    int stop;
    pthread_t thread;
};

/* ------------------------------------------------------------------------
 * Queueing
 * ------------------------------------------------------------------------ */

static void enqueue(tsub *s, const char *rec, size_t len)
{
    pthread_mutex_lock(&s->lock);
    if (s->q_items >= s->max_items || s->q.len + len + 1 > (size_t)s->max_bytes) {
        s->dropped_items++;
        s->dropped_bytes += (long)len;
    } else {
        if (s->q_items++ == 0)
            s->q_first_ns = clock_mono_ns();
        else
            lr_buf_append(&s->q, ",", 1);
        lr_buf_append(&s->q, rec, len);
        if (s->q_items >= s->max_items || s->q.len >= (size_t)s->max_bytes || s->timeout_ms <= 0)
            pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->lock);
}

/* {"time": WHEN, "type": TYPE, "record": RECORD}, RECORD being JSON text
 * (when_ms 0: now). */
static void record_at(lr_buf *out, int64_t when_ms, const char *type, const char *rec, size_t len)
{
    char t[32];
    clock_iso8601_ms(when_ms ? when_ms : clock_epoch_ms(), t, sizeof t);
    lr_buf_printf(out, "{\"time\":\"%s\",\"type\":\"%s\",\"record\":", t, type);
    lr_buf_append(out, rec, len);
    lr_buf_append(out, "}", 1);
}

static void record(lr_buf *out, const char *type, const char *rec, size_t len)
{
    record_at(out, 0, type, rec, len);
}

static int type_bit(const char *type)
{
    return strncmp(type, "platform.", 9) == 0 ? TEL_PLATFORM
           : strcmp(type, "extension") == 0   ? TEL_EXTENSION
                                              : TEL_FUNCTION;
}

/* The subscriptions of inst (published with a release store: readers need
 * no lock; they live until instance_release). */
static int subs_of(instance *inst, tsub ***subs)
{
    ext_set *x = inst->ext;
    if (!x)
        return 0;
    *subs = x->subs;
    return __atomic_load_n(&x->nsubs, __ATOMIC_ACQUIRE);
}

void tel_emit(instance *inst, const char *type, const char *rec, size_t len)
{
    tsub **subs;
    int n = subs_of(inst, &subs);
    if (!n)
        return;
    lr_buf ev = {0};
    record(&ev, type, rec, len);
    for (int i = 0; i < n && ev.len; i++)
        if (subs[i]->types & type_bit(type))
            enqueue(subs[i], ev.data, ev.len);
    lr_buf_free(&ev);
}

/* ------------------------------------------------------------------------
 * Records from the invocation event bus (evbus.h): what pool.c, report.c
 * and instance.c publish there for the console is what subscribers get;
 * each subscription reads the bus with its own cursor.
 * ------------------------------------------------------------------------ */

/* Append one record (s->lock held); no room: -1 (it stays on the bus). */
static int add(tsub *s, int64_t when_ms, const char *type, const char *rec, size_t len)
{
    if (!(s->types & type_bit(type)))
        return 0;
    if (s->q_items >= s->max_items || s->q.len + len + 100 > (size_t)s->max_bytes) {
        s->full = 1;
        return -1;
    }
    lr_buf ev = {0};
    record_at(&ev, when_ms, type, rec, len);
    if (s->q_items++ == 0)
        s->q_first_ns = clock_mono_ns();
    else
        lr_buf_append(&s->q, ",", 1);
    lr_buf_append(&s->q, ev.data ? ev.data : "", ev.len);
    lr_buf_free(&ev);
    return 0;
}

/* A log line, the function's or an extension's (AWS's records carry no
 * extension name): a string record, or under the JSON log format the
 * object. */
static int add_line(tsub *s, const evbus_rec *r)
{
    size_t len = r->len;
    while (len && (r->text[len - 1] == '\n' || r->text[len - 1] == '\r'))
        len--;
    json_object *doc = NULL;
    if (s->inst->fn->s->log_format == LOGFMT_JSON && len && r->text[0] == '{') {
        json_tokener *tok = json_tokener_new();
        doc = tok ? json_tokener_parse_ex(tok, r->text, (int)len) : NULL;
        if (tok)
            json_tokener_free(tok);
    }
    if (!doc)
        doc = json_object_new_string_len(r->text, (int)len);
    const char *txt = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
    int rc = add(s, r->time_ms, r->ext[0] ? "extension" : "function", txt, strlen(txt));
    json_object_put(doc);
    return rc;
}

/* platform.runtimeDone and platform.report of an ended invocation. */
static int add_end(tsub *s, const evbus_rec *r)
{
    if (s->q_items + 2 > s->max_items) {
        s->full = 1;
        return -1;
    }
    lr_buf done = {0}, rep = {0};
    evpub_runtime_done(r, &done);
    lr_buf_printf(&rep,
                  "{\"requestId\":\"%s\",\"status\":\"%s\",\"metrics\":{\"durationMs\":%.3f,"
                  "\"billedDurationMs\":%lld,\"memorySizeMB\":%ld,\"maxMemoryUsedMB\":%ld",
                  r->request_id, r->status, r->duration_ms, r->billed_ms, r->memory_mb,
                  r->max_memory_mb);
    if (r->init_ms > 0)
        lr_buf_printf(&rep, ",\"initDurationMs\":%.3f", r->init_ms);
    lr_buf_printf(&rep, "}}");
    int rc = !done.len || add(s, r->time_ms, "platform.runtimeDone", done.data, done.len) < 0 ||
                     !rep.len || add(s, r->time_ms, "platform.report", rep.data, rep.len) < 0
                 ? -1
                 : 0;
    lr_buf_free(&done);
    lr_buf_free(&rep);
    return rc;
}

/* platform.initRuntimeDone and platform.initReport. */
static int add_init(tsub *s, const evbus_rec *r)
{
    if (s->q_items + 2 > s->max_items) {
        s->full = 1;
        return -1;
    }
    const char *type = s->inst->fn->s->init == INIT_EAGER ? "provisioned-concurrency" : "on-demand";
    char a[384], b[384], err[160] = "";
    if (r->len)
        snprintf(err, sizeof err, ",\"errorType\":\"%.100s\"", r->text);
    int na = snprintf(a, sizeof a,
                      "{\"initializationType\":\"%s\",\"phase\":\"init\",\"status\":\"%s\"%s}",
                      type, r->status, err);
    int nb = snprintf(b, sizeof b,
                      "{\"initializationType\":\"%s\",\"phase\":\"init\",\"status\":\"%s\"%s,"
                      "\"metrics\":{\"durationMs\":%.3f}}",
                      type, r->status, err, r->init_ms);
    return add(s, r->time_ms, "platform.initRuntimeDone", a, (size_t)na) < 0 ||
                   add(s, r->time_ms, "platform.initReport", b, (size_t)nb) < 0
               ? -1
               : 0;
}

/* evbus_read's visitor (bus_lock and s->lock held): nonzero leaves r on
 * the bus (the queue is full). */
static int visit(const evbus_rec *r, void *ud)
{
    tsub *s = ud;
    instance *inst = s->inst;
    if (r->instance != inst->id || strcmp(r->function, inst->fn->name) != 0)
        return 0;
    char rec[160];
    switch (r->type) {
    case EVB_START: {
        int n = snprintf(rec, sizeof rec, "{\"requestId\":\"%s\",\"version\":\"$LATEST\"}",
                         r->request_id);
        return add(s, r->time_ms, "platform.start", rec, (size_t)n) < 0;
    }
    case EVB_LOG: return add_line(s, r) < 0;
    case EVB_END: return add_end(s, r) < 0;
    case EVB_INIT: return add_init(s, r) < 0;
    default: return 0;
    }
}

/* The bus drops r before s has read it (bus_lock held, s->lock maybe not):
 * one of s's own records (its instance's, of a type it asked for) counts as
 * dropped; other instances' and functions' records do not concern it. */
static void bus_lost(const evbus_rec *r, void *ud)
{
    tsub *s = ud;
    instance *inst = s->inst;
    if (r->instance != inst->id || strcmp(r->function, inst->fn->name) != 0)
        return;
    int bit = TEL_PLATFORM;
    long n = 1; /* the subscriber's records it stands for (visit()'s) */
    switch (r->type) {
    case EVB_LOG: bit = r->ext[0] ? TEL_EXTENSION : TEL_FUNCTION; break;
    case EVB_START: break;
    case EVB_END:                /* runtimeDone and report */
    case EVB_INIT: n = 2; break; /* initRuntimeDone and initReport */
    default: return;
    }
    if (!(s->types & bit))
        return;
    __atomic_add_fetch(&s->lost_items, n, __ATOMIC_RELAXED);
    /* The record's size as sent: its text and about 100 bytes of framing. */
    __atomic_add_fetch(&s->lost_bytes, (long)r->len + 100 * n, __ATOMIC_RELAXED);
}

/* Take what the bus has for s (s->lock held); what of s's records the bus
 * dropped before s read them counts as dropped. */
static void pull(tsub *s)
{
    evbus_read(&s->cursor, 4096, visit, s, NULL);
    s->dropped_items += __atomic_exchange_n(&s->lost_items, 0, __ATOMIC_RELAXED);
    s->dropped_bytes += __atomic_exchange_n(&s->lost_bytes, 0, __ATOMIC_RELAXED);
}

static void bus_notify(void *ud)
{
    tsub *s = ud;
    pthread_cond_signal(&s->cv); /* under bus_lock: no s->lock (the sender waits with a timeout) */
}

static void no_suspend(void *arg)
{
    (void)arg;
}

/* ------------------------------------------------------------------------
 * Delivery
 * ------------------------------------------------------------------------ */

/* A connected socket to the destination, or -1. */
static int dial(const tsub *s)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    /* The name Lambda gives the environment itself. */
    if (strcasecmp(s->host, "sandbox.localdomain") == 0 || strcasecmp(s->host, "sandbox") == 0 ||
        strcasecmp(s->host, "localhost") == 0) {
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, s->host, &sa.sin_addr) != 1) {
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
        if (getaddrinfo(s->host, NULL, &hints, &ai) != 0 || !ai)
            return -1;
        sa.sin_addr = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        freeaddrinfo(ai);
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {POST_IO_MS / 1000, (POST_IO_MS % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* POST "[batch]"; 0 when the destination answered 2xx. */
static int post(const tsub *s, const lr_buf *batch)
{
    int fd = dial(s);
    if (fd < 0)
        return -1;
    lr_buf req = {0};
    lr_buf_printf(&req,
                  "POST %s HTTP/1.1\r\nHost: %s:%u\r\nContent-Type: application/json\r\n"
                  "Content-Length: %zu\r\nConnection: close\r\n\r\n[",
                  s->path, s->host, s->port, batch->len + 2);
    lr_buf_append(&req, batch->data ? batch->data : "", batch->len);
    lr_buf_append(&req, "]", 1);
    char head[64] = {0};
    size_t got = 0;
    int ok = req.len && send_all(fd, req.data, req.len) == 0;
    while (ok && got < 12) {
        ssize_t r = recv(fd, head + got, sizeof head - 1 - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            ok = 0;
        else
            got += (size_t)r;
    }
    close(fd);
    lr_buf_free(&req);
    return ok && strncmp(head, "HTTP/1.", 7) == 0 && head[9] == '2' ? 0 : -1;
}

/* Wait until a batch is due (s->lock held); 0 when stopping. */
static int wait_batch(tsub *s)
{
    for (;;) {
        if (s->stop)
            return 0;
        pull(s);
        int frozen = __atomic_load_n(&s->inst->frozen, __ATOMIC_RELAXED);
        int64_t due = s->q_first_ns + s->timeout_ms * 1000000LL;
        if (!frozen && (s->full || s->q_items >= s->max_items || s->q.len >= (size_t)s->max_bytes ||
                        (s->q_items > 0 && clock_mono_ns() >= due)))
            return 1;
        if (!frozen && evbus_wait(s->bsub, s->cursor, no_suspend, NULL))
            continue; /* more on the bus already */
        struct timespec ts;
        int64_t wait_ms = !s->q_items || frozen ? 200 : (due - clock_mono_ns()) / 1000000 + 1;
        clock_realtime_after(&ts, wait_ms < 1 ? 1 : wait_ms > 1000 ? 1000 : wait_ms);
        pthread_cond_timedwait(&s->cv, &s->lock, &ts);
    }
}

/* Take the queued records as a batch (s->lock held), and note what was
 * dropped in the fresh queue. */
static lr_buf take(tsub *s)
{
    lr_buf b = s->q;
    memset(&s->q, 0, sizeof s->q);
    s->q_items = 0;
    s->full = 0;
    if (s->dropped_items) {
        char rec[256];
        int n = snprintf(rec, sizeof rec,
                         "{\"reason\":\"Some logs were dropped because the downstream consumer "
                         "is slower than the logs production rate\",\"droppedRecords\":%ld,"
                         "\"droppedBytes\":%ld}",
                         s->dropped_items, s->dropped_bytes);
        s->dropped_items = s->dropped_bytes = 0;
        lr_buf ev = {0};
        record(&ev, "platform.logsDropped", rec, (size_t)n);
        s->q = ev;
        s->q_items = 1;
        s->q_first_ns = clock_mono_ns();
    }
    return b;
}

/* Deliver b: up to POST_TRIES tries; a try that failed because the
 * instance was frozen meanwhile (its subscriber stopped mid-answer) does
 * not count, and the next waits for the thaw.  0, or -1 when given up. */
static int deliver(tsub *s, const lr_buf *b)
{
    int tries = 0;
    while (post(s, b) < 0) {
        if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED))
            return -1;
        if (__atomic_load_n(&s->inst->frozen, __ATOMIC_RELAXED)) {
            while (__atomic_load_n(&s->inst->frozen, __ATOMIC_RELAXED) &&
                   !__atomic_load_n(&s->stop, __ATOMIC_RELAXED))
                usleep(20000);
            continue;
        }
        if (++tries >= POST_TRIES)
            return -1;
        usleep(100000 * (useconds_t)tries);
    }
    return 0;
}

static void *sender_main(void *arg)
{
    tsub *s = arg;
    pthread_mutex_lock(&s->lock);
    while (wait_batch(s)) {
        long items = s->q_items;
        lr_buf b = take(s);
        pthread_mutex_unlock(&s->lock);
        int failed = deliver(s, &b) < 0;
        pthread_mutex_lock(&s->lock);
        if (failed) { /* undeliverable: counted as dropped */
            s->dropped_items += items;
            s->dropped_bytes += (long)b.len;
        }
        lr_buf_free(&b);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Subscribing
 * ------------------------------------------------------------------------ */

/* "http://HOST:PORT/PATH" into s; 0 or -1. */
static int parse_uri(tsub *s, const char *uri)
{
    if (!uri || strncasecmp(uri, "http://", 7) != 0)
        return -1;
    uri += 7;
    size_t hl = strcspn(uri, ":/");
    if (hl == 0 || hl >= sizeof s->host || uri[hl] != ':')
        return -1;
    memcpy(s->host, uri, hl);
    s->host[hl] = '\0';
    char *end;
    long port = strtol(uri + hl + 1, &end, 10);
    if (port <= 0 || port > 65535 || (*end && *end != '/'))
        return -1;
    s->port = (unsigned)port;
    snprintf(s->path, sizeof s->path, "%s", *end ? end : "/");
    return 0;
}

static long get_long(json_object *o, const char *key, long def, long lo, long hi, int *bad)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v))
        return def;
    long n = (long)json_object_get_int64(v);
    if (!json_object_is_type(v, json_type_int) || n < lo || n > hi)
        *bad = 1;
    return n;
}

/* The subscription a body asks for, or NULL with *why set. */
static tsub *parse_sub(json_object *doc, const char **why)
{
    json_object *dest, *types, *buf = NULL, *v;
    *why = "the body must be a JSON object with destination {\"protocol\": \"HTTP\", \"URI\": "
           "\"http://sandbox.localdomain:PORT/\"} and types [\"platform\", \"function\", "
           "\"extension\"]";
    if (!doc || !json_object_object_get_ex(doc, "destination", &dest) ||
        !json_object_object_get_ex(doc, "types", &types) ||
        !json_object_is_type(types, json_type_array))
        return NULL;
    tsub *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < json_object_array_length(types); i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(types, i));
        s->types |= !t                            ? 0
                    : strcmp(t, "platform") == 0  ? TEL_PLATFORM
                    : strcmp(t, "function") == 0  ? TEL_FUNCTION
                    : strcmp(t, "extension") == 0 ? TEL_EXTENSION
                                                  : 0;
    }
    json_object_object_get_ex(doc, "buffering", &buf);
    int bad = 0;
    s->max_items = get_long(buf, "maxItems", 10000, 1000, 10000, &bad);
    s->max_bytes = get_long(buf, "maxBytes", 262144, 262144, 1048576, &bad);
    s->timeout_ms = get_long(buf, "timeoutMs", 1000, 25, 30000, &bad);
    const char *proto =
        json_object_object_get_ex(dest, "protocol", &v) ? json_object_get_string(v) : NULL;
    const char *uri = json_object_object_get_ex(dest, "URI", &v) ? json_object_get_string(v) : NULL;
    if (bad)
        *why = "buffering out of range: maxItems 1000-10000, maxBytes 262144-1048576, "
               "timeoutMs 25-30000";
    else if (!proto || strcmp(proto, "HTTP") != 0)
        *why = "only the HTTP destination protocol is served here";
    if (!s->types || bad || !proto || strcmp(proto, "HTTP") != 0 || parse_uri(s, uri) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static void subscribed_event(tsub *s)
{
    json_object *rec = json_object_new_object(), *types = json_object_new_array();
    static const char *const names[] = {"platform", "function", "extension"};
    for (int i = 0; i < 3; i++)
        if (s->types & (1 << i))
            json_object_array_add(types, json_object_new_string(names[i]));
    json_object_object_add(rec, "name", json_object_new_string(s->name));
    json_object_object_add(rec, "state", json_object_new_string("Subscribed"));
    json_object_object_add(rec, "types", types);
    const char *txt = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
    lr_buf ev = {0};
    record(&ev, "platform.telemetrySubscription", txt, strlen(txt));
    if (ev.len)
        enqueue(s, ev.data, ev.len);
    lr_buf_free(&ev);
    json_object_put(rec);
}

/* ------------------------------------------------------------------------
 * Platform events (AWS's Telemetry API schema, 2022-12-13)
 * ------------------------------------------------------------------------ */

static const char *init_type(const instance *inst)
{
    return inst->fn->s->init == INIT_EAGER ? "provisioned-concurrency" : "on-demand";
}

int tel_route(const char *url)
{
    return strcmp(url, "/2022-07-01/telemetry") == 0 || strcmp(url, "/2020-08-15/logs") == 0;
}

/* Add s to inst (emu->lock held); -1 when the extension is unknown. */
static int attach(instance *inst, tsub *s, const char *id)
{
    ext_set *x = inst->ext;
    ext_proc *p = NULL;
    for (int i = 0; x && id && i < x->n; i++)
        if (strcmp(x->p[i].id, id) == 0)
            p = &x->p[i];
    if (!p || x->nsubs >= EXT_MAX || x->kill_at_ns)
        return -1;
    snprintf(s->name, sizeof s->name, "%s", p->name);
    s->inst = inst;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cv, NULL);
    subscribed_event(s);
    if (!inst->ready && (s->types & TEL_PLATFORM)) { /* init is under way */
        char rec[160];
        int n = snprintf(rec, sizeof rec,
                         "{\"initializationType\":\"%s\",\"phase\":\"init\","
                         "\"runtimeVersion\":\"lambda-c-runtime\"}",
                         init_type(inst));
        lr_buf ev = {0};
        record(&ev, "platform.initStart", rec, (size_t)n);
        if (ev.len)
            enqueue(s, ev.data, ev.len);
        lr_buf_free(&ev);
    }
    /* The bus's records from now on are the subscription's. */
    if (evbus_open(TEL_RING_RECORDS, TEL_RING_BYTES) < 0)
        return -1;
    s->cursor = evbus_last();
    if ((s->bsub = evbus_subscribe(bus_notify, s)))
        evbus_track(s->bsub, &s->cursor, bus_lost);
    if (!s->bsub || pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        if (s->bsub)
            evbus_unsubscribe(s->bsub);
        evbus_close();
        return -1;
    }
    x->subs[x->nsubs] = s;
    __atomic_store_n(&x->nsubs, x->nsubs + 1, __ATOMIC_RELEASE);
    return 0;
}

enum MHD_Result tel_subscribe(struct MHD_Connection *c, instance *inst, const lr_buf *body,
                              int too_large)
{
    const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Extension-Identifier");
    json_tokener *tok = json_tokener_new();
    json_object *doc = tok && body->len && !too_large
                           ? json_tokener_parse_ex(tok, body->data, (int)body->len)
                           : NULL;
    if (tok)
        json_tokener_free(tok);
    const char *why;
    tsub *s = parse_sub(doc, &why);
    json_object_put(doc);
    if (!s)
        return http_reply_error(c, 400, "ValidationError", why);
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    int rc = attach(inst, s, id);
    pthread_mutex_unlock(&e->lock);
    if (rc < 0) {
        lr_buf_free(&s->q);
        free(s);
        return http_reply_error(c, 403, "Extension.Unregistered",
                                "unknown Lambda-Extension-Identifier (register first), or too "
                                "many subscriptions, or the environment is shutting down");
    }
    return http_reply(c, 200, "text/plain", "OK", 2, (char *)NULL);
}

void tel_halt(instance *inst)
{
    tsub **subs;
    int n = subs_of(inst, &subs);
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&subs[i]->lock);
        __atomic_store_n(&subs[i]->stop, 1, __ATOMIC_RELAXED);
        pthread_cond_signal(&subs[i]->cv);
        pthread_mutex_unlock(&subs[i]->lock);
    }
}

void tel_free(instance *inst)
{
    tsub **subs;
    int n = subs_of(inst, &subs);
    tel_halt(inst);
    for (int i = 0; i < n; i++) {
        tsub *s = subs[i];
        pthread_join(s->thread, NULL);
        evbus_unsubscribe(s->bsub);
        evbus_close();
        lr_buf_free(&s->q);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cv);
        free(s);
    }
    if (inst->ext)
        inst->ext->nsubs = 0;
}
