/*
 * invocation.c -- the opaque lambda_invocation: its life cycle on the host
 * side (init, event buffer, reset) and the accessors plugins call.
 */
#include "config.h"
#include "host.h"
#include "clock.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Event buffers larger than this are freed after the invocation so that one
 * big event does not keep the runtime's RSS high for the rest of its life. */
#define KEEP_EVENT_BUFFER (1u << 20)

static char *env_dup(const char *name)
{
    const char *v = getenv(name);
    return v ? strdup(v) : NULL;
}

int lr_function_info_from_env(lr_function_info *fn)
{
    memset(fn, 0, sizeof *fn);
    fn->name = env_dup("AWS_LAMBDA_FUNCTION_NAME");
    fn->version = env_dup("AWS_LAMBDA_FUNCTION_VERSION");
    fn->log_group = env_dup("AWS_LAMBDA_LOG_GROUP_NAME");
    fn->log_stream = env_dup("AWS_LAMBDA_LOG_STREAM_NAME");
    const char *mem = getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
    if (mem) {
        char *end;
        long v = strtol(mem, &end, 10);
        if (end != mem && *end == '\0' && v > 0 && v <= INT_MAX)
            fn->memory_mb = (int)v;
    }
    return 0;
}

void lr_function_info_free(lr_function_info *fn)
{
    free(fn->name);
    free(fn->version);
    free(fn->log_group);
    free(fn->log_stream);
    memset(fn, 0, sizeof *fn);
}

void lr_invocation_init(lambda_invocation *inv, const lr_host_ops *ops, void *host,
                        const lr_function_info *fn)
{
    memset(inv, 0, sizeof *inv);
    inv->ops = ops;
    inv->host = host;
    inv->fn = fn;
}

static void clear_headers(lambda_invocation *inv)
{
    char **fields[] = {
        &inv->request_id,       &inv->arn,       &inv->trace_id,     &inv->client_context,
        &inv->cognito_identity, &inv->tenant_id, &inv->invocation_id};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
    inv->deadline_ms = 0;
}

void lr_invocation_reset(lambda_invocation *inv)
{
    clear_headers(inv);
    if (inv->event_json)
        json_object_put(inv->event_json);
    inv->event_json = NULL;
    inv->json_parsed = 0;
    inv->answered = 0;
    inv->stream = LR_STREAM_NONE;
    inv->event_len = 0;
    if (inv->event_cap > KEEP_EVENT_BUFFER) {
        free(inv->event);
        inv->event = NULL;
        inv->event_cap = 0;
    }
    if (inv->event)
        inv->event[0] = '\0';
}

void lr_invocation_free(lambda_invocation *inv)
{
    lr_invocation_reset(inv);
    free(inv->event);
    inv->event = NULL;
    inv->event_cap = 0;
}

int lr_invocation_reserve(lambda_invocation *inv, size_t len)
{
    if (len >= SIZE_MAX - 1)
        return LAMBDA_ERR;
    if (len + 1 <= inv->event_cap)
        return LAMBDA_OK;
    char *p = realloc(inv->event, len + 1);
    if (!p)
        return LAMBDA_ERR;
    inv->event = p;
    inv->event_cap = len + 1;
    return LAMBDA_OK;
}

int lr_invocation_append(lambda_invocation *inv, const void *data, size_t len)
{
    size_t need = inv->event_len + len;
    if (need < inv->event_len)
        return LAMBDA_ERR;
    if (need + 1 > inv->event_cap) {
        /* grow geometrically when Content-Length was not known */
        size_t want = inv->event_cap ? inv->event_cap * 2 : 4096;
        if (want < need)
            want = need;
        if (lr_invocation_reserve(inv, want) != LAMBDA_OK)
            return LAMBDA_ERR;
    }
    memcpy(inv->event + inv->event_len, data, len);
    inv->event_len = need;
    inv->event[need] = '\0';
    return LAMBDA_OK;
}

/* ---- accessors (public API) ---- */

const char *lambda_event(const lambda_invocation *inv, size_t *len)
{
    if (len)
        *len = inv->event_len;
    return inv->event ? inv->event : "";
}

json_object *lambda_event_json(lambda_invocation *inv)
{
    if (!inv->json_parsed) {
        inv->json_parsed = 1;
        json_tokener *tok = json_tokener_new();
        if (!tok)
            return NULL;
        if (inv->event_len < INT_MAX && inv->event) {
            /* the NUL after the last byte is passed too: it ends a bare
             * number ("42") that the tokener would otherwise wait on */
            json_object *obj = json_tokener_parse_ex(tok, inv->event, (int)inv->event_len + 1);
            /* the whole event must be one JSON value (trailing blanks allowed) */
            if (obj && json_tokener_get_error(tok) == json_tokener_success) {
                size_t used = json_tokener_get_parse_end(tok);
                while (used < inv->event_len && strchr(" \t\r\n", inv->event[used]))
                    used++;
                if (used >= inv->event_len)
                    inv->event_json = obj;
                else
                    json_object_put(obj);
            } else if (obj) {
                json_object_put(obj);
            }
        }
        json_tokener_free(tok);
    }
    return inv->event_json;
}

const char *lambda_request_id(const lambda_invocation *inv)
{
    return inv->request_id;
}
int64_t lambda_deadline_ms(const lambda_invocation *inv)
{
    return inv->deadline_ms;
}

int64_t lambda_remaining_ms(const lambda_invocation *inv)
{
    int64_t left = inv->deadline_ms - clock_epoch_ms();
    return left > 0 ? left : 0;
}

const char *lambda_invoked_function_arn(const lambda_invocation *inv)
{
    return inv->arn;
}
const char *lambda_trace_id(const lambda_invocation *inv)
{
    return inv->trace_id;
}
const char *lambda_client_context(const lambda_invocation *inv)
{
    return inv->client_context;
}
const char *lambda_cognito_identity(const lambda_invocation *inv)
{
    return inv->cognito_identity;
}
const char *lambda_tenant_id(const lambda_invocation *inv)
{
    return inv->tenant_id;
}

const char *lambda_function_name(const lambda_invocation *inv)
{
    return inv->fn ? inv->fn->name : NULL;
}
const char *lambda_function_version(const lambda_invocation *inv)
{
    return inv->fn ? inv->fn->version : NULL;
}
int lambda_function_memory_mb(const lambda_invocation *inv)
{
    return inv->fn ? inv->fn->memory_mb : 0;
}
const char *lambda_log_group_name(const lambda_invocation *inv)
{
    return inv->fn ? inv->fn->log_group : NULL;
}
const char *lambda_log_stream_name(const lambda_invocation *inv)
{
    return inv->fn ? inv->fn->log_stream : NULL;
}

const char *lambda_runtime_version(void)
{
    return PACKAGE_VERSION;
}
