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

void evpub_end(invocation *inv, double dur_ms, long long billed_ms, long max_mb)
{
    if (!evbus_active())
        return;
    evbus_rec r;
    about(&r, EVB_END, inv->fn, inv);
    r.instance = inv->inst ? inv->inst->id : 0;
    snprintf(r.status, sizeof r.status, "%s", inv->status ? inv->status : "failure");
    r.duration_ms = dur_ms;
    r.billed_ms = billed_ms;
    r.init_ms = inv->has_init ? inv->init_ms : 0;
    r.memory_mb = inv->fn->s->memory_size;
    r.max_memory_mb = max_mb;
    if (inv->err_type) {
        r.text = inv->err_type;
        r.len = strlen(inv->err_type);
    }
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
