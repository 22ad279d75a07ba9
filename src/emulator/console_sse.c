/*
 * console_sse.c -- GET /console/api/events: the event bus's records as
 * Server-Sent Events ("id: SEQ" and one JSON object per event), from the
 * oldest the ring still holds (or after Last-Event-ID, which EventSource
 * sends when it reconnects), then live.  While there is nothing new the
 * connection is suspended; the bus's notification resumes it.  At most
 * OUT_MAX bytes are formatted ahead of what the browser has taken.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "clock.h"
#include "console.h"
#include "evbus.h"
#include "http.h"

#define OUT_MAX (64 * 1024)
/* A stream idle this long gets a comment line: a peer that is gone is found
 * out (the write fails) and its connection closed (console.c kicks the
 * waiting streams every CONSOLE_KEEPALIVE_S). */
#define KEEPALIVE_NS ((int64_t)CONSOLE_KEEPALIVE_S * 1000000000 - 500000000)

typedef struct sse {
    struct MHD_Connection *conn;
    evbus_sub *sub;
    uint64_t cursor;
    lr_buf out;
    int64_t sent_ns; /* when something was last formatted */
    int counted;     /* console_stream_opened() said yes */
} sse;

static const char *const type_names[] = {"start", "log", "end", "init", "throttle", "reload"};

static void add_str(json_object *o, const char *k, const char *v)
{
    if (v && *v)
        json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *record_json(const evbus_rec *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string(type_names[r->type]));
    json_object_object_add(o, "t", json_object_new_int64(r->time_ms));
    add_str(o, "fn", r->function);
    add_str(o, "id", r->request_id);
    if (r->instance)
        json_object_object_add(o, "inst", json_object_new_int64(r->instance));
    add_str(o, "status", r->status);
    add_str(o, "kind", r->kind);
    if (r->type == EVB_LOG)
        json_object_object_add(o, "fd", json_object_new_int(r->fd));
    if (r->type == EVB_END) {
        json_object_object_add(o, "dur", json_object_new_double(r->duration_ms));
        json_object_object_add(o, "billed", json_object_new_int64(r->billed_ms));
        json_object_object_add(o, "mem", json_object_new_int64(r->memory_mb));
        json_object_object_add(o, "maxMem", json_object_new_int64(r->max_memory_mb));
    }
    if (r->init_ms > 0)
        json_object_object_add(o, "init", json_object_new_double(r->init_ms));
    if (r->len)
        json_object_object_add(o, "text", json_object_new_string_len(r->text, (int)r->len));
    return o;
}

/* Format one record (bus_lock held); stop once OUT_MAX is formatted. */
static int format(const evbus_rec *r, void *ud)
{
    sse *s = ud;
    if (s->out.len >= OUT_MAX)
        return 1;
    json_object *o = record_json(r);
    /* JSON text has no raw newline: one data line. */
    lr_buf_printf(&s->out, "id: %llu\ndata: %s\n\n", (unsigned long long)r->seq,
                  json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return 0;
}

static void suspend(void *arg)
{
    MHD_suspend_connection(((sse *)arg)->conn);
}

static void notify(void *ud)
{
    http_resume(((sse *)ud)->conn);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    sse *s = cls;
    while (s->out.len == 0) {
        if (evbus_shutting_down())
            return MHD_CONTENT_READER_END_OF_STREAM;
        uint64_t lost = 0;
        evbus_read(&s->cursor, 256, format, s, &lost);
        if (lost)
            lr_buf_printf(&s->out, "data: {\"type\":\"lost\",\"n\":%llu}\n\n",
                          (unsigned long long)lost);
        int64_t now = clock_mono_ns();
        if (s->out.len == 0 && now - s->sent_ns >= KEEPALIVE_NS)
            lr_buf_printf(&s->out, ": keep-alive\n\n");
        if (s->out.len)
            s->sent_ns = now;
        if (s->out.len == 0 && evbus_wait(s->sub, s->cursor, suspend, s) == 0)
            return 0; /* suspended until a record arrives */
    }
    size_t n = s->out.len < max ? s->out.len : max;
    memcpy(buf, s->out.data, n);
    lr_buf_consume(&s->out, n);
    return (ssize_t)n;
}

enum MHD_Result console_sse(struct MHD_Connection *c, void **state)
{
    sse *s = calloc(1, sizeof *s);
    if (!s)
        return MHD_NO;
    s->conn = c;
    s->sent_ns = clock_mono_ns();
    s->sub = evbus_subscribe(notify, s);
    const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    if (last)
        s->cursor = strtoull(last, NULL, 10);
    *state = s;
    if (!s->sub || console_stream_opened() < 0)
        return MHD_NO;
    s->counted = 1;
    return http_reply_stream(c, 200, 16 * 1024, reader, s, "text/event-stream", "Cache-Control",
                             "no-store", (char *)NULL);
}

void console_sse_done(void *state)
{
    sse *s = state;
    if (s->counted)
        console_stream_closed();
    evbus_unsubscribe(s->sub);
    lr_buf_free(&s->out);
    free(s);
}
