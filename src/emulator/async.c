/*
 * async.c -- Event (asynchronous) invocations, as Lambda runs them: accepted
 * with 202 into their own queue (bounded by event_queue, large: not the
 * synchronous queue, whose bound is for callers that wait), fed to the
 * function's queue only while instance slots are free (so a waiting caller
 * is never queued behind thousands of events), and retried when they fail:
 * max_retry_attempts times (AWS: 2 by default, 0-2), first after
 * retry_delay (AWS: about 1 minute), then after twice that (about 2); an
 * event older than max_event_age (AWS: 6 hours by default, 60 s to 6 h) is
 * dropped instead of run.  A retry keeps the request id, as on AWS.
 * All under emu->lock.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "pool.h"

/* "lambda-emulator: function F: Event ID " + what, on the emulator's stderr. */
static void say(const invocation *inv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const invocation *inv, const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof line, "lambda-emulator: function %s: Event %s ", inv->fn->name,
                     inv->id);
    va_list ap;
    va_start(ap, fmt);
    if (n < (int)sizeof line)
        n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    inv->fn->emu->ops->line(2, line, (size_t)n);
}

static void push(function *fn, invocation *inv)
{
    inv->q_next = NULL;
    *(fn->ev_tail ? &fn->ev_tail->q_next : &fn->ev_head) = inv;
    fn->ev_tail = inv;
    fn->ev_queued++;
}

static invocation *pop(function *fn)
{
    invocation *inv = fn->ev_head;
    if (inv) {
        fn->ev_head = inv->q_next;
        if (!fn->ev_head)
            fn->ev_tail = NULL;
        inv->q_next = NULL;
        fn->ev_queued--;
    }
    return inv;
}

/* The end of an Event that will not run (again): drop the pool's reference. */
static void drop(invocation *inv)
{
    inv->state = INV_DONE;
    pool_in_flight(-1);
    inv_unref(inv);
}

int async_submit(invocation *inv)
{
    function *fn = inv->fn;
    if (fn->ev_queued >= fn->s->event_queue)
        return -1;
    inv_ref(inv); /* the pool's */
    pool_in_flight(1);
    inv->accepted_ns = clock_mono_ns();
    push(fn, inv);
    async_feed(fn);
    return 0;
}

void async_feed(function *fn)
{
    int64_t now = clock_mono_ns();
    while (fn->ev_head && pool_free_slots(fn) > 0) {
        invocation *inv = pop(fn);
        if (now - inv->accepted_ns > (int64_t)(fn->s->max_event_age * 1e9)) {
            say(inv, "dropped: older than max_event_age (%d attempts made)", inv->attempt);
            drop(inv);
            continue;
        }
        pool_enqueue(inv);
    }
}

void async_ended(invocation *inv)
{
    function *fn = inv->fn;
    if (inv->kind != INV_EVENT || !inv->err_type || fn->emu->shutdown)
        return;
    if (inv->attempt >= fn->s->max_retry_attempts) {
        say(inv,
            "failed after %d attempts: dropped (on AWS: to its on-failure destination "
            "or dead-letter queue, if any)",
            inv->attempt + 1);
        return;
    }
    invocation *r = inv_new(fn, INV_EVENT); /* its reference is the pool's */
    if (!r)
        return;
    memcpy(r->id, inv->id, sizeof r->id);
    r->attempt = inv->attempt + 1;
    r->accepted_ns = inv->accepted_ns;
    r->arn = inv->arn ? strdup(inv->arn) : NULL;
    r->client_context = inv->client_context ? strdup(inv->client_context) : NULL;
    r->tenant_id = inv->tenant_id ? strdup(inv->tenant_id) : NULL;
    lr_buf_append(&r->event, inv->event.data ? inv->event.data : "", inv->event.len);
    double delay = fn->s->retry_delay * (double)(1 << inv->attempt);
    r->retry_at_ns = clock_mono_ns() + (int64_t)(delay * 1e9);
    pool_in_flight(1);
    r->q_next = fn->retries;
    fn->retries = r;
    say(r, "failed (%s); retry %d of %ld in %g s", inv->err_type, r->attempt,
        fn->s->max_retry_attempts, delay);
    if (r->retry_at_ns < fn->emu->wd_next)
        pthread_cond_signal(&fn->emu->wd_cv);
}

int64_t async_due(emu *e, int64_t now)
{
    int64_t next = now + 3600 * 1000000000LL;
    for (function *fn = e->functions; fn; fn = fn->next) {
        int moved = 0;
        for (invocation **p = &fn->retries; *p;) {
            invocation *r = *p;
            if (r->retry_at_ns > now) {
                if (r->retry_at_ns < next)
                    next = r->retry_at_ns;
                p = &r->q_next;
                continue;
            }
            *p = r->q_next;
            push(fn, r);
            moved = 1;
        }
        if (moved)
            async_feed(fn);
    }
    return next;
}

void async_drain(function *fn)
{
    invocation *inv;
    while ((inv = pop(fn)))
        drop(inv);
    while ((inv = fn->retries)) {
        fn->retries = inv->q_next;
        drop(inv);
    }
}
