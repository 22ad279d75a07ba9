/*
 * inv.c -- one invocation (inv_*): ids, the result it ends with, and the
 * reference count shared by its caller, the pool and the Runtime API
 * connections that touch it.  All under emu->lock.
 */
#include "config.h"
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <uuid/uuid.h>

#include "pool.h"
#include "error_json.h"
#include "invoke_check.h"

static void hex(char *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

invocation *inv_new(function *fn, enum inv_kind kind)
{
    invocation *inv = calloc(1, sizeof *inv);
    if (!inv)
        return NULL;
    inv->refs = 1;
    inv->fn = fn;
    inv->kind = kind;
    /* The request id and the invocation nonce (v4 UUIDs) and the X-Ray ids
     * from one read (libuuid's generator costs six system calls):
     * Root=1-<epoch seconds, 8 hex>-<96 random bits>;Parent=<64 bits> */
    unsigned char r[52];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        uuid_t u; /* not expected: libuuid's own sources */
        for (size_t i = 0; i < sizeof r; i += 16) {
            uuid_generate_random(u);
            memcpy(r + i, u, sizeof r - i < 16 ? sizeof r - i : 16);
        }
    }
    for (int i = 20; i < 52; i += 16) {
        r[i + 6] = (unsigned char)((r[i + 6] & 0x0f) | 0x40);
        r[i + 8] = (unsigned char)((r[i + 8] & 0x3f) | 0x80);
    }
    uuid_unparse_lower(r + 20, inv->id);
    uuid_unparse_lower(r + 36, inv->nonce);
    char root[25], parent[17];
    hex(root, r, 12);
    hex(parent, r + 12, 8);
    snprintf(inv->trace, sizeof inv->trace, "Root=1-%08lx-%s;Parent=%s;Sampled=0",
             (unsigned long)time(NULL), root, parent);
    inv->status = "success";
    return inv;
}

void inv_ref(invocation *inv)
{
    inv->refs++;
}

void inv_unref(invocation *inv)
{
    if (!inv || --inv->refs > 0)
        return;
    free(inv->arn);
    free(inv->client_context);
    free(inv->tenant_id);
    free(inv->content_type);
    free(inv->err_type);
    lr_buf_free(&inv->event);
    lr_buf_free(&inv->resp);
    lr_buf_free(&inv->err);
    lr_buf_free(&inv->log);
    free(inv);
}

/* body[0..len) as text for a JSON string: bytes that are not UTF-8, and
 * NULs, become '?' (json-c would pass them on and break the document). */
static char *as_text(const char *body, size_t len)
{
    char *t = malloc(len + 1);
    if (!t)
        return NULL;
    memcpy(t, body, len);
    t[len] = '\0';
    ic_text_clean(t, len);
    return t;
}

void inv_set_error(invocation *inv, const char *type, const char *body, size_t len)
{
    free(inv->err_type);
    inv->err_type = strdup(type && *type ? type : "Runtime.Unknown");
    inv->err.len = 0;
    /* Only a whole, strictly valid JSON object is passed on as it is: the
     * caller always receives valid error JSON, as from AWS. */
    char why[160];
    json_object *parsed = body && len ? ic_parse_json(body, len, why, sizeof why) : NULL;
    if (parsed && json_object_is_type(parsed, json_type_object)) {
        lr_buf_append(&inv->err, body, len); /* the runtime's own document */
    } else {
        char *text = as_text(body ? body : "", body ? len : 0);
        char *doc = error_json(inv->err_type, text ? text : "", NULL, NULL);
        free(text);
        if (doc)
            lr_buf_append(&inv->err, doc, strlen(doc));
        free(doc);
    }
    json_object_put(parsed);
    inv->status = "error";
}

void inv_service_error(invocation *inv, const char *type, const char *fmt, ...)
{
    char what[512], msg[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "RequestId: %s Error: %s", inv->id, what);
    char *doc = error_json(type, msg, NULL, NULL);
    inv_set_error(inv, type, doc, doc ? strlen(doc) : 0);
    free(doc);
}

/* Keep at most a little more than what Tail returns. */
void inv_tail_append(invocation *inv, const char *text, size_t len)
{
    lr_buf_append(&inv->log, text, len);
    if (inv->log.len > 4 * EMU_TAIL_BYTES)
        lr_buf_consume(&inv->log, inv->log.len - EMU_TAIL_BYTES);
}

void inv_wake(invocation *inv)
{
    if (inv->caller) {
        inv->fn->emu->ops->resume(inv->caller);
        inv->caller = NULL;
    }
}

void inv_drained(invocation *inv)
{
    if (!inv->producer)
        return;
    if (inv->state == INV_RUNNING && !inv->caller_gone &&
        inv->resp.len - inv->sent > EMU_STREAM_BUFFER / 2)
        return;
    inv->fn->emu->ops->resume(inv->producer);
    inv->producer = NULL;
}

void inv_publish(invocation *inv)
{
    inv->finished = 1;
    inv_wake(inv);
}
