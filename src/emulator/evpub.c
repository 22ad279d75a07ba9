/*
 * evpub.c -- the emulator's records on the invocation event bus (evbus.h):
 * built from the invocation, instance and function they are about, by the
 * hooks in pool.c (start, init, a queued invocation failed), report.c (end,
 * with the REPORT figures), instance.c (output lines) and invoke_api.c
 * (throttles).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "pool.h"
#include "evbus.h"

static void about(evbus_rec *r, enum evbus_type type, const function *fn, const invocation *inv)
{
    memset(r, 0, sizeof *r);
    r->type = type;
    snprintf(r->function, sizeof r->function, "%s", fn->name);
    if (inv) {
        snprintf(r->request_id, sizeof r->request_id, "%s", inv->id);
        snprintf(r->kind, sizeof r->kind, "%s",
                 inv->kind == INV_EVENT    ? "event"
                 : inv->kind == INV_STREAM ? "stream"
                                           : "sync");
    }
    r->text = "";
}

void evpub_start(invocation *inv)
{
    if (!evbus_active())
        return;
    evbus_rec r;
    about(&r, EVB_START, inv->fn, inv);
    r.instance = inv->inst ? inv->inst->id : 0;
    evbus_publish(&r);
}

/* The epoch ms of monotonic time ns. */
static int64_t epoch_of(int64_t ns, int64_t now_ms, int64_t now_ns)
{
    return now_ms - (now_ns - ns) / 1000000;
}

void evpub_fill_end(evbus_rec *r, invocation *inv, double dur_ms, long long billed_ms, long max_mb)
{
    about(r, EVB_END, inv->fn, inv);
    r->instance = inv->inst ? inv->inst->id : 0;
    snprintf(r->status, sizeof r->status, "%s", inv->status ? inv->status : "failure");
    r->duration_ms = dur_ms;
    r->billed_ms = billed_ms;
    r->init_ms = inv->has_init ? inv->init_ms : 0;
    r->memory_mb = inv->fn->s->memory_size;
    r->max_memory_mb = max_mb;
    if (inv->err_type) {
        r->text = inv->err_type;
        r->len = strlen(inv->err_type);
    }
    r->produced = (long long)inv->produced;
    if (inv->start_ns && inv->end_ns >= inv->start_ns)
        r->runtime_ms = (double)(inv->end_ns - inv->start_ns) / 1e6;
    if (inv->start_ns && inv->end_ns >= inv->start_ns) {
        int64_t now_ms = clock_epoch_ms(), now_ns = clock_mono_ns();
        r->start_ms = epoch_of(inv->start_ns, now_ms, now_ns);
        if (inv->resp_begin_ns >= inv->start_ns && inv->resp_begin_ns <= inv->end_ns) {
            r->resp_start_ms = epoch_of(inv->resp_begin_ns, now_ms, now_ns);
            r->latency_ms = (double)(inv->resp_begin_ns - inv->start_ns) / 1e6;
            r->resp_ms = (double)(inv->end_ns - inv->resp_begin_ns) / 1e6;
        }
    }
}

void evpub_runtime_done(const evbus_rec *r, lr_buf *out)
{
    lr_buf_printf(out, "{\"requestId\":\"%s\",\"status\":\"%s\"", r->request_id, r->status);
    if (r->len && strcmp(r->status, "success") != 0)
        lr_buf_printf(out, ",\"errorType\":\"%.100s\"", r->text);
    lr_buf_printf(out, ",\"metrics\":{\"durationMs\":%.3f,\"producedBytes\":%lld}", r->runtime_ms,
                  r->produced);
    if (r->resp_start_ms) {
        char a[32], b[32];
        clock_iso8601_ms(r->start_ms, a, sizeof a);
        clock_iso8601_ms(r->resp_start_ms, b, sizeof b);
        lr_buf_printf(out,
                      ",\"spans\":[{\"name\":\"responseLatency\",\"start\":\"%s\","
                      "\"durationMs\":%.3f},{\"name\":\"responseDuration\",\"start\":\"%s\","
                      "\"durationMs\":%.3f}]",
                      a, r->latency_ms, b, r->resp_ms);
    }
    lr_buf_printf(out, "}");
}

void evpub_end(invocation *inv, double dur_ms, long long billed_ms, long max_mb)
{
    if (!evbus_active())
        return;
    evbus_rec r;
    evpub_fill_end(&r, inv, dur_ms, billed_ms, max_mb);
    evbus_publish(&r);
}

void evpub_line(instance *inst, invocation *owner, int fd, const char *line, size_t len)
{
    evbus_rec r;
    about(&r, EVB_LOG, inst->fn, owner);
    r.instance = inst->id;
    r.fd = fd;
    r.text = line;
    r.len = len;
    evbus_publish(&r);
}

void evpub_ext_line(instance *inst, invocation *owner, const char *ext, int fd, const char *line,
                    size_t len)
{
    evbus_rec r;
    about(&r, EVB_LOG, inst->fn, owner);
    r.instance = inst->id;
    r.fd = fd;
    snprintf(r.ext, sizeof r.ext, "%s", ext);
    r.text = line;
    r.len = len;
    evbus_publish(&r);
}

void evpub_init(instance *inst, const char *status, const char *error_type, double init_ms)
{
    if (!evbus_active())
        return;
    evbus_rec r;
    about(&r, EVB_INIT, inst->fn, NULL);
    r.instance = inst->id;
    snprintf(r.status, sizeof r.status, "%s", status);
    r.init_ms = init_ms;
    if (error_type) {
        r.text = error_type;
        r.len = strlen(error_type);
    }
    evbus_publish(&r);
}

void evpub_throttle(invocation *inv)
{
    if (!evbus_active())
        return;
    evbus_rec r;
    about(&r, EVB_THROTTLE, inv->fn, inv);
    snprintf(r.status, sizeof r.status, "throttled");
    r.memory_mb = inv->fn->s->memory_size;
    evbus_publish(&r);
}
