/* loop.c -- see loop.h. */
#include "config.h"
#include "loop.h"
#include "crash.h"
#include "post.h"
#include "rstream.h"
#include "shutdown.h"
#include "stream_ops.h"
#include "trace_env.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unusable invocations in a row before the loop gives up, and the first
 * pause after one (doubling: 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s, then exit). */
#define BAD_INVOCATION_LIMIT 6
#define BAD_INVOCATION_PAUSE_MS 100L

static int post_answer(runtime *rt, lambda_invocation *inv, const char *kind, const void *data,
                       size_t len, const char *content_type, const char *error_type)
{
    char path[512], what[64];
    snprintf(path, sizeof path, "/runtime/invocation/%s/%s", inv->request_id, kind);
    snprintf(what, sizeof what, "%s (%zu bytes)", kind, len);
    rapi_result res;
    rapi_post(rt->api, path, data, len, content_type, error_type, inv->invocation_id, &res);
    /* after the post: a crash before this line may answer twice (refused
     * by the Runtime API), never zero times */
    slot_set(rt->slot, SLOT_ANSWERED);
    return post_verdict(rt, inv->request_id, what, &res);
}

static int host_respond(void *host, lambda_invocation *inv, const void *data, size_t len,
                        const char *content_type)
{
    return post_answer(host, inv, "response", data, len, content_type, NULL);
}

static int host_fail(void *host, lambda_invocation *inv, const char *error_type, const char *body,
                     size_t len)
{
    lr_log(inv->request_id, LAMBDA_LOG_ERROR, "invocation failed: %.*s",
           (int)(len > 2000 ? 2000 : len), body);
    return post_answer(host, inv, "error", body, len, "application/json", error_type);
}

static const lr_host_ops ops = {.respond = host_respond,
                                .fail = host_fail,
                                .stream_open = stream_host_open,
                                .stream_write = stream_host_write,
                                .stream_close = stream_host_close};

/* Entering (on) or leaving the wait for /next: the wake signal of the
 * thread model may interrupt that wait, and nothing else. */
static void polling(runtime *rt, int on)
{
    if (on)
        __atomic_store_n(&rt->polling, 1, __ATOMIC_SEQ_CST);
    if (rt->wake_signal) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, rt->wake_signal);
        pthread_sigmask(on ? SIG_UNBLOCK : SIG_BLOCK, &set, NULL);
    }
    if (!on)
        __atomic_store_n(&rt->polling, 0, __ATOMIC_SEQ_CST);
}

/* Can the invocation be answered?  Its request id goes into the URL path of
 * the answer, and both ids into the slot the supervisor answers from. */
static int usable(const lambda_invocation *inv, char *err, size_t errlen)
{
    if (lr_invocation_check(inv, err, errlen) < 0)
        return 0;
    size_t len = strlen(inv->request_id);
    if (len >= SLOT_ID_MAX) {
        snprintf(err, errlen,
                 "the Runtime API sent a request id of %zu bytes (at most %d are "
                 "accepted): '%.40s...'",
                 len, SLOT_ID_MAX - 1, inv->request_id);
        return 0;
    }
    if (inv->invocation_id && strlen(inv->invocation_id) >= SLOT_ID_MAX) {
        snprintf(err, errlen,
                 "the Runtime API sent an invocation id of %zu bytes (at most %d "
                 "are accepted)",
                 strlen(inv->invocation_id), SLOT_ID_MAX - 1);
        return 0;
    }
    return 1;
}

/* An invocation that cannot be answered (no usable request id) was taken:
 * it cannot be posted to, so it is logged once and skipped.  A Runtime API
 * that keeps sending such invocations is not one bootstrap can serve: pause
 * (doubling from BAD_INVOCATION_PAUSE_MS) so that it never becomes a hot
 * loop, and give up after BAD_INVOCATION_LIMIT in a row.  Returns -1 to
 * exit. */
static int skip_bad_invocation(runtime *rt, const char *why)
{
    int n = ++rt->bad_in_row;
    if (n >= BAD_INVOCATION_LIMIT) {
        lr_log(NULL, LAMBDA_LOG_FATAL,
               "%s; %d unusable invocations in a row: the Runtime API at "
               "%s is not one bootstrap can serve; exiting",
               why, n, rapi_base_url(rt->api));
        return -1;
    }
    long ms = BAD_INVOCATION_PAUSE_MS << (n - 1);
    lr_log(NULL, LAMBDA_LOG_ERROR,
           "%s; it cannot be answered: skipping it (%d in a row; pausing "
           "%ld ms; bootstrap exits after %d)",
           why, n, ms, BAD_INVOCATION_LIMIT);
    shutdown_pause_ms(ms);
    return 0;
}

int loop_run(runtime *rt)
{
    lambda_invocation *inv = &rt->inv;
    lr_function_info_from_env(&rt->fn);
    lr_invocation_init(inv, &ops, rt, &rt->fn);
    crash_watch(rt->slot);
    char err[1024];
    int status = 1;
    for (;;) {
        polling(rt, 1);
        int got = rapi_next(rt->api, inv, err, sizeof err);
        polling(rt, 0);
        if (got < 0) {
            lr_log(NULL, LAMBDA_LOG_FATAL, "%s", err);
            break;
        }
        if (got > 0) { /* stopped while waiting: no invocation taken */
            status = 0;
            break;
        }
        if (!usable(inv, err, sizeof err)) {
            lr_invocation_reset(inv);
            if (skip_bad_invocation(rt, err) < 0)
                break;
            continue;
        }
        rt->bad_in_row = 0;
        if (rt->slot) {
            snprintf(rt->slot->request_id, sizeof rt->slot->request_id, "%s", inv->request_id);
            snprintf(rt->slot->invocation_id, sizeof rt->slot->invocation_id, "%s",
                     inv->invocation_id ? inv->invocation_id : "");
            slot_set(rt->slot, SLOT_BUSY);
        }
        if (rt->trace_env)
            trace_env_set(inv->trace_id, inv->request_id);
        int rc = rt->plugin->handler(inv);
        lr_invocation_finish(inv, rt->plugin->handler_text, rc);
        slot_set(rt->slot, SLOT_IDLE);
        lr_invocation_reset(inv);
        if (rt->fatal) {
            lr_log(NULL, LAMBDA_LOG_FATAL, "%s", rt->fatal_msg);
            break;
        }
        if (shutdown_requested(NULL)) {
            status = 0;
            break;
        }
    }
    int signo;
    static int told; /* once per process, however many loops */
    if (status == 0 && shutdown_requested(&signo) && signo &&
        !__atomic_exchange_n(&told, 1, __ATOMIC_SEQ_CST))
        lr_log(NULL, LAMBDA_LOG_INFO, "%s received: shutting down",
               signo == SIGINT ? "SIGINT" : "SIGTERM");
    crash_unwatch();
    lr_invocation_free(inv);
    lr_function_info_free(&rt->fn);
    rstream_free(rt->stream);
    rt->stream = NULL;
    return status;
}
