/* test-pool.c -- the emulator's pool (src/emulator/pool.c, linked from
 * libemulator.la) driven by hand through its ops table (pool.h): no HTTP
 * loop, no process, no thread.  A "caller" is an invocation made by inv_new
 * and given to pool_submit, a "runtime" is a waiter given to pool_next, time
 * is what pool_tick is told, and an instance's exit is pool_instance_exited.
 * The ops record what the pool asked of the rest of the emulator: which
 * connections it suspended and resumed, which signals it sent, which lines
 * the log writer got; END lines are handed back with pool_reported, as the
 * log writer does.
 *
 * Covered: FIFO queueing, 429 when the pool and its queue are full, a
 * finished invocation waking the caller and the waiting poll, timeouts and
 * init timeouts (the instance killed, the error AWS gives), an instance that
 * exits mid-invocation (Runtime.ExitError, a late post refused, the queued
 * work handed to a fresh instance), the per-instance concurrency slots, an
 * instance kept until the log writer has reported its invocations (and a
 * Tail caller answered only then), the Event queue's bound and a retry
 * queued when due, a reload (idle instances stopped, busy ones once done),
 * and a runtime's init error passed on to the caller. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check-run.h"
#include "pool.h"

#define MAX_REC 32

/* What the ops saw. */
static struct {
    int suspends, resumes;
    waiter *resumed[MAX_REC];
    int starts, start_fails, releases, stops;
    int signals[MAX_REC];
    int n_signals;
    int inv_starts;
    invocation *ended[MAX_REC]; /* END lines not yet written */
    int n_ended;
    char lines[4096];
} R;

static void op_suspend(waiter *w, struct MHD_Connection *c)
{
    (void)c;
    w->suspended = 1;
    R.suspends++;
}

static void op_resume(waiter *w)
{
    if (!w || !w->suspended)
        return;
    w->suspended = 0;
    if (R.resumes < MAX_REC)
        R.resumed[R.resumes] = w;
    R.resumes++;
}

static int op_start(instance *inst, char *err, size_t errlen)
{
    R.starts++;
    if (R.start_fails) {
        snprintf(err, errlen, "cannot run the runtime");
        return -1;
    }
    inst->pid = 100000 + (pid_t)inst->id; /* never signalled: op_signal records */
    return 0;
}

static void op_signal(instance *inst, int sig)
{
    (void)inst;
    if (R.n_signals < MAX_REC)
        R.signals[R.n_signals++] = sig;
}

static long op_peak_rss_kb(instance *inst)
{
    (void)inst;
    return 2048;
}

static void op_stop(instance *inst)
{
    (void)inst;
    R.stops++;
}

static void op_release(instance *inst)
{
    (void)inst;
    R.releases++;
}

static void op_line(int fd, const char *text, size_t len)
{
    (void)fd;
    size_t have = strlen(R.lines);
    if (have + len < sizeof R.lines)
        memcpy(R.lines + have, text, len);
}

static void op_inv_start(invocation *inv)
{
    (void)inv;
    R.inv_starts++;
}

static void op_inv_end(invocation *inv)
{
    ck_assert_int_lt(R.n_ended, MAX_REC);
    R.ended[R.n_ended++] = inv;
}

static const pool_ops test_ops = {
    .suspend = op_suspend,
    .resume = op_resume,
    .start = op_start,
    .signal = op_signal,
    .peak_rss_kb = op_peak_rss_kb,
    .stop = op_stop,
    .release = op_release,
    .line = op_line,
    .inv_start = op_inv_start,
    .inv_end = op_inv_end,
};

static emu E;
static waiter W[8]; /* the runtime's polls: they may outlive a test's frame */
static emu_settings ST;
static function FN;
static fn_settings S;

static void setup(void)
{
    memset(&R, 0, sizeof R);
    memset(&E, 0, sizeof E);
    memset(W, 0, sizeof W);
    memset(&ST, 0, sizeof ST);
    memset(&FN, 0, sizeof FN);
    memset(&S, 0, sizeof S);
    S.timeout = 3;
    S.init_timeout = 10;
    S.memory_size = 128;
    S.concurrency = 1;
    S.queue = 1;
    S.init = INIT_ON_DEMAND;
    S.log_format = LOGFMT_TEXT;
    ST.freeze = 0;
    E.st = &ST;
    E.ops = &test_ops;
    E.wd_next = INT64_MAX;
    pthread_mutex_init(&E.lock, NULL);
    pthread_cond_init(&E.idle_cv, NULL);
    pthread_cond_init(&E.wd_cv, NULL);
    FN.emu = &E;
    FN.name = "function";
    FN.s = &S;
    E.functions = &FN;
}

/* What the log writer does with the END lines queued so far. */
static void write_reports(void)
{
    for (int i = 0; i < R.n_ended; i++)
        pool_reported(R.ended[i], "END\n", 4);
    R.n_ended = 0;
}

/* inst's process is gone: what its reaper thread does. */
static void exit_instance(instance *inst, int status)
{
    pool_instance_exited(inst, status, 0);
    write_reports();
    pool_retire(inst);
}

static void teardown(void)
{
    E.shutdown = 1;
    while (FN.instances)
        exit_instance(FN.instances, 0);
    pthread_cond_destroy(&E.idle_cv);
    pthread_cond_destroy(&E.wd_cv);
    pthread_mutex_destroy(&E.lock);
}

/* A caller: an invocation with its (suspended) connection. */
typedef struct caller {
    invocation *inv;
    waiter w;
} caller;

static int submit(caller *c)
{
    memset(c, 0, sizeof *c);
    c->inv = inv_new(&FN, INV_SYNC);
    ck_assert_ptr_nonnull(c->inv);
    int rc = pool_submit(c->inv);
    if (rc == 0) { /* as invoke_api.c:await_result */
        c->inv->caller = &c->w;
        op_suspend(&c->w, NULL);
    }
    return rc;
}

static void caller_done(caller *c)
{
    inv_unref(c->inv);
    c->inv = NULL;
}

/* The manager's round at time now. */
static int64_t tick(int64_t now)
{
    pthread_mutex_lock(&E.lock);
    int64_t next = pool_tick(&E, now);
    pthread_mutex_unlock(&E.lock);
    return next;
}

/* The nth instance of the function (newest first, as the pool links them). */
static instance *nth_instance(int n)
{
    instance *i = FN.instances;
    while (i && n-- > 0)
        i = i->next;
    ck_assert_ptr_nonnull(i);
    return i;
}

/* A /next poll: the invocation handed over (with the connection's
 * reference), or NULL with the poll suspended. */
static invocation *next(instance *inst, waiter *w)
{
    int wait = -1;
    invocation *inv = pool_next(inst, w, NULL, &wait);
    ck_assert_int_eq(wait, inv ? 0 : w->suspended);
    return inv;
}

/* The runtime's /response post: found, answered, the connection's
 * references let go (as runtime_api.c does). */
static int respond(instance *inst, invocation *got, const char *body)
{
    int status = 0;
    invocation *inv = pool_lookup(inst, got->id, got->nonce, &status);
    if (!inv)
        return status;
    lr_buf_append(&inv->resp, body, strlen(body));
    int rc = pool_finish(inv);
    inv_unref(inv);
    inv_unref(got);
    return rc == 0 ? 202 : 410;
}

static int resumed(const waiter *w)
{
    for (int i = 0; i < R.resumes && i < MAX_REC; i++)
        if (R.resumed[i] == w)
            return 1;
    return 0;
}

START_TEST(queue_is_fifo_and_429_when_full)
{
    S.queue = 2;
    caller a, b, c, d;
    ck_assert_int_eq(submit(&a), 0);
    ck_assert_int_eq(FN.n_instances, 1); /* added for the work, not started */
    ck_assert_int_eq(R.starts, 0);
    tick(0);
    ck_assert_int_eq(R.starts, 1);
    instance *inst = nth_instance(0);
    ck_assert_int_eq(submit(&b), 0);
    ck_assert_int_eq(submit(&c), 0);
    /* One running slot (not yet taken) and two queued: full. */
    ck_assert_int_eq(submit(&d), -1);
    caller_done(&d);
    ck_assert_int_eq(FN.queued, 3);
    ck_assert_int_eq(FN.n_instances, 1); /* concurrency 1: no more */
    waiter *w1 = &W[0], *w2 = &W[1];
    invocation *got = next(inst, w1);
    ck_assert_ptr_eq(got, a.inv);
    ck_assert_int_eq(got->state, INV_RUNNING);
    ck_assert_int_eq(got->has_init, 1); /* the cold start's init is reported */
    ck_assert_int_eq(R.inv_starts, 1);
    /* The one slot is busy: the next poll waits. */
    ck_assert_ptr_null(next(inst, w2));
    ck_assert_int_eq(w2->suspended, 1);
    ck_assert_int_eq(respond(inst, got, "\"a\""), 202);
    ck_assert_int_eq(a.inv->state, INV_DONE);
    ck_assert_int_eq(a.inv->finished, 1);
    ck_assert(resumed(&a.w)); /* the caller has its result */
    ck_assert(resumed(w2));   /* and the waiting poll looks again */
    ck_assert_int_eq(R.n_ended, 1);
    write_reports();
    got = next(inst, w2);
    ck_assert_ptr_eq(got, b.inv); /* oldest first */
    ck_assert_int_eq(got->has_init, 0);
    ck_assert_int_eq(respond(inst, got, "\"b\""), 202);
    got = next(inst, w1);
    ck_assert_ptr_eq(got, c.inv);
    ck_assert_int_eq(respond(inst, got, "\"c\""), 202);
    write_reports();
    ck_assert_int_eq(FN.queued + FN.running, 0);
    ck_assert_str_eq(c.inv->resp.data, "\"c\"");
    /* A second answer to the same invocation is stale. */
    ck_assert_int_eq(respond(inst, c.inv, "\"again\""), 410);
    caller_done(&a);
    caller_done(&b);
    caller_done(&c);
}
END_TEST

START_TEST(timeout_kills_the_instance)
{
    caller a, b;
    ck_assert_int_eq(submit(&a), 0);
    tick(0);
    instance *inst = nth_instance(0);
    waiter *w = &W[0];
    invocation *got = next(inst, w);
    ck_assert_ptr_eq(got, a.inv);
    ck_assert_int_eq(submit(&b), 0);
    /* Before the deadline: nothing; the manager sleeps until then. */
    ck_assert_int_eq(tick(got->deadline_ns - 1), got->deadline_ns);
    ck_assert_int_eq(got->state, INV_RUNNING);
    ck_assert_int_eq(R.n_signals, 0);
    tick(got->deadline_ns);
    ck_assert_int_eq(a.inv->state, INV_DONE);
    ck_assert_str_eq(a.inv->status, "timeout");
    ck_assert_str_eq(a.inv->err_type, "Sandbox.Timedout");
    ck_assert_ptr_nonnull(strstr(a.inv->err.data, "Task timed out after 3.00 seconds"));
    ck_assert(resumed(&a.w));
    ck_assert_int_eq(inst->killed, 1);
    ck_assert_str_eq(inst->kill_reason, "timeout");
    ck_assert_int_eq(R.n_signals, 1);
    ck_assert_int_eq(R.signals[0], SIGKILL);
    ck_assert_int_eq(inst->hwm_kb, 2048); /* measured before the kill */
    /* The runtime's late answer is refused. */
    ck_assert_int_eq(respond(inst, got, "\"late\""), 410);
    inv_unref(got);
    /* The killed process is reaped; b gets a fresh instance. */
    exit_instance(inst, SIGKILL);
    ck_assert_int_eq(R.releases, 1);
    ck_assert_int_eq(FN.n_instances, 1);
    tick(0);
    ck_assert_int_eq(R.starts, 2);
    got = next(nth_instance(0), w);
    ck_assert_ptr_eq(got, b.inv);
    ck_assert_int_eq(respond(nth_instance(0), got, "\"b\""), 202);
    write_reports();
    caller_done(&a);
    caller_done(&b);
}
END_TEST

START_TEST(init_timeout_fails_the_waiting_invocation)
{
    S.init_timeout = 2;
    caller a;
    ck_assert_int_eq(submit(&a), 0);
    tick(0);
    instance *inst = nth_instance(0);
    ck_assert_int_eq(tick(inst->init_deadline_ns - 1), inst->init_deadline_ns);
    tick(inst->init_deadline_ns);
    ck_assert_int_eq(inst->killed, 1);
    ck_assert_str_eq(inst->kill_reason, "init timeout");
    pool_instance_exited(inst, SIGKILL, 0);
    ck_assert_int_eq(a.inv->state, INV_DONE);
    ck_assert_int_eq(a.inv->finished, 1);
    ck_assert_str_eq(a.inv->err_type, "Sandbox.Timedout");
    ck_assert_ptr_nonnull(strstr(a.inv->err.data, "Init timed out after 2.00 seconds"));
    ck_assert(resumed(&a.w));
    ck_assert_ptr_nonnull(strstr(R.lines, "INIT_REPORT Init Duration: "));
    ck_assert_ptr_nonnull(strstr(R.lines, "Status: timeout\tError Type: Sandbox.Timedout"));
    ck_assert_int_eq(R.n_ended, 0); /* it never ran: no END */
    pool_retire(inst);
    ck_assert_int_eq(FN.n_instances, 0); /* nothing waits: no new instance */
    caller_done(&a);
}
END_TEST

START_TEST(exit_mid_invocation)
{
    caller a, b;
    ck_assert_int_eq(submit(&a), 0);
    tick(0);
    instance *inst = nth_instance(0);
    waiter *w = &W[0], *w2 = &W[1];
    invocation *got = next(inst, w);
    ck_assert_ptr_eq(got, a.inv);
    ck_assert_int_eq(submit(&b), 0);
    ck_assert_ptr_null(next(inst, w2)); /* a second poll of its waits */
    pool_instance_exited(inst, 139, 0); /* signal 11, core dumped */
    ck_assert_int_eq(a.inv->state, INV_DONE);
    ck_assert_str_eq(a.inv->status, "error");
    ck_assert_str_eq(a.inv->err_type, "Runtime.ExitError");
    ck_assert_ptr_nonnull(
        strstr(a.inv->err.data, "Runtime exited with error: signal: segmentation fault"));
    ck_assert(resumed(&a.w));
    ck_assert(resumed(w2));             /* the instance's polls are answered */
    ck_assert_ptr_null(next(inst, w2)); /* ... with nothing: it has gone */
    ck_assert_int_eq(w2->suspended, 0);
    /* A post from the dead instance is refused. */
    ck_assert_int_eq(respond(inst, got, "\"late\""), 410);
    inv_unref(got);
    /* The log writer has END to write: the instance waits for it. */
    ck_assert_int_eq(R.n_ended, 1);
    ck_assert_int_eq(inst->refs, 1);
    write_reports();
    ck_assert_int_eq(inst->refs, 0);
    pool_retire(inst);
    ck_assert_int_eq(R.stops, 1);
    ck_assert_int_eq(R.releases, 1);
    /* The queued b runs on a new instance. */
    ck_assert_int_eq(FN.n_instances, 1);
    tick(0);
    instance *fresh = nth_instance(0);
    got = next(fresh, w);
    ck_assert_ptr_eq(got, b.inv);
    ck_assert_int_eq(got->has_init, 1);
    ck_assert_int_eq(respond(fresh, got, "\"b\""), 202);
    write_reports();
    caller_done(&a);
    caller_done(&b);
}
END_TEST

START_TEST(clean_exit_mid_invocation)
{
    caller a;
    ck_assert_int_eq(submit(&a), 0);
    tick(0);
    instance *inst = nth_instance(0);
    waiter *w = &W[0];
    invocation *got = next(inst, w);
    exit_instance(inst, 0);
    ck_assert_str_eq(a.inv->err_type, "Runtime.ExitError");
    ck_assert_ptr_nonnull(strstr(a.inv->err.data, "Runtime exited without providing a reason"));
    ck_assert_int_eq(FN.n_instances, 0);
    inv_unref(got);
    caller_done(&a);
}
END_TEST

START_TEST(concurrency_slots)
{
    S.concurrency = 2;
    S.max_concurrency = 2; /* two slots per instance */
    S.queue = 0;
    caller c[5];
    ck_assert_int_eq(submit(&c[0]), 0);
    ck_assert_int_eq(submit(&c[1]), 0);
    ck_assert_int_eq(FN.n_instances, 1); /* one instance has two slots */
    tick(0);
    instance *first = nth_instance(0);
    waiter *w = W;
    invocation *got0 = next(first, &w[0]);
    invocation *got1 = next(first, &w[1]);
    ck_assert_ptr_eq(got0, c[0].inv);
    ck_assert_ptr_eq(got1, c[1].inv);
    ck_assert_int_eq(first->busy, 2);
    ck_assert_ptr_null(next(first, &w[2])); /* both slots busy */
    ck_assert_int_eq(submit(&c[2]), 0);
    ck_assert_int_eq(FN.n_instances, 2); /* the work needs another instance */
    ck_assert_int_eq(submit(&c[3]), 0);
    /* 2 instances x 2 slots, no queue: the fifth is refused. */
    ck_assert_int_eq(submit(&c[4]), -1);
    caller_done(&c[4]);
    ck_assert_int_eq(pool_free_slots(&FN), 0);
    tick(0);
    ck_assert_int_eq(R.starts, 2);
    instance *second = nth_instance(0);
    ck_assert_ptr_ne(second, first);
    invocation *got2 = next(second, &w[3]);
    ck_assert_ptr_eq(got2, c[2].inv);
    /* A slot of the first frees: its waiting poll takes c[3]. */
    ck_assert_int_eq(respond(first, got0, "0"), 202);
    ck_assert(resumed(&w[2]));
    invocation *got3 = next(first, &w[2]);
    ck_assert_ptr_eq(got3, c[3].inv);
    ck_assert_int_eq(first->busy, 2);
    ck_assert_int_eq(respond(first, got1, "1"), 202);
    ck_assert_int_eq(respond(second, got2, "2"), 202);
    ck_assert_int_eq(respond(first, got3, "3"), 202);
    write_reports();
    ck_assert_int_eq(first->busy + second->busy, 0);
    ck_assert_int_eq(pool_free_slots(&FN), 4);
    for (int i = 0; i < 4; i++)
        caller_done(&c[i]);
}
END_TEST

START_TEST(one_slot_per_instance_by_default)
{
    S.concurrency = 2;
    S.queue = 0;
    caller a, b, c;
    ck_assert_int_eq(submit(&a), 0);
    ck_assert_int_eq(submit(&b), 0);
    ck_assert_int_eq(FN.n_instances, 2);
    ck_assert_int_eq(submit(&c), -1);
    caller_done(&c);
    tick(0);
    waiter *w = W;
    instance *i0 = nth_instance(0), *i1 = nth_instance(1);
    invocation *g0 = next(i1, &w[0]);
    ck_assert_ptr_eq(g0, a.inv);
    ck_assert_ptr_null(next(i1, &w[1])); /* its one slot is busy */
    invocation *g1 = next(i0, &w[2]);
    ck_assert_ptr_eq(g1, b.inv);
    ck_assert_int_eq(respond(i1, g0, "a"), 202);
    ck_assert_int_eq(respond(i0, g1, "b"), 202);
    write_reports();
    caller_done(&a);
    caller_done(&b);
}
END_TEST

START_TEST(start_failure_is_an_init_error)
{
    R.start_fails = 1;
    caller a;
    ck_assert_int_eq(submit(&a), 0);
    tick(0);
    ck_assert_int_eq(R.starts, 1);
    ck_assert_int_eq(FN.n_instances, 0); /* gone, not replaced */
    ck_assert_int_eq(a.inv->finished, 1);
    ck_assert_str_eq(a.inv->err_type, "Runtime.StartError");
    ck_assert_ptr_nonnull(strstr(a.inv->err.data, "cannot run the runtime"));
    ck_assert(resumed(&a.w));
    caller_done(&a);
}
END_TEST

START_TEST(shutdown_refuses_work)
{
    E.shutdown = 1;
    caller a;
    ck_assert_int_eq(submit(&a), -2);
    ck_assert_int_eq(FN.n_instances, 0);
    caller_done(&a);
}
END_TEST

START_TEST(tail_caller_answered_after_the_report)
{
    caller a;
    memset(&a, 0, sizeof a);
    a.inv = inv_new(&FN, INV_SYNC);
    a.inv->tail = 1; /* X-Amz-Log-Type: Tail */
    ck_assert_int_eq(pool_submit(a.inv), 0);
    a.inv->caller = &a.w;
    op_suspend(&a.w, NULL);
    tick(0);
    instance *inst = nth_instance(0);
    invocation *got = next(inst, &W[0]);
    ck_assert_int_eq(respond(inst, got, "\"a\""), 202);
    /* Done, but its log lines are not out: the caller waits for them. */
    ck_assert_int_eq(a.inv->state, INV_DONE);
    ck_assert_int_eq(a.inv->finished, 0);
    ck_assert(!resumed(&a.w));
    ck_assert_int_eq(inst->refs, 1);
    write_reports();
    ck_assert_int_eq(a.inv->finished, 1);
    ck_assert(resumed(&a.w));
    ck_assert_int_eq(inst->refs, 0);
    ck_assert_ptr_nonnull(memmem(a.inv->log.data, a.inv->log.len, "END\n", 4));
    caller_done(&a);
}
END_TEST

/* An Event invocation: answered 202 by the Invoke API, no caller waits. */
static invocation *submit_event(int *rc)
{
    invocation *inv = inv_new(&FN, INV_EVENT);
    ck_assert_ptr_nonnull(inv);
    *rc = pool_submit(inv);
    return inv;
}

START_TEST(event_queue_full_and_retry)
{
    S.queue = 0;
    S.event_queue = 1;
    S.max_retry_attempts = 1;
    S.retry_delay = 1;
    S.max_event_age = 3600;
    int rc;
    invocation *e1 = submit_event(&rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(FN.queued, 1); /* a slot was free: in the function's queue */
    invocation *e2 = submit_event(&rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(FN.ev_queued, 1); /* no slot: waits in the Event queue */
    invocation *e3 = submit_event(&rc);
    ck_assert_int_eq(rc, -1); /* the Event queue is full */
    inv_unref(e3);
    tick(0);
    instance *inst = nth_instance(0);
    invocation *got = next(inst, &W[0]);
    ck_assert_ptr_eq(got, e1);
    /* The function fails: a retry is planned, e2 takes the slot. */
    int status = 0;
    invocation *found = pool_lookup(inst, got->id, got->nonce, &status);
    ck_assert_ptr_eq(found, e1);
    inv_set_error(found, "Oops", "{\"errorMessage\":\"no\"}", 22);
    ck_assert_int_eq(pool_finish(found), 0);
    inv_unref(found);
    inv_unref(got);
    ck_assert_ptr_nonnull(strstr(R.lines, "failed (Oops); retry 1 of 1"));
    ck_assert_ptr_nonnull(FN.retries);
    invocation *retry = FN.retries;
    ck_assert_int_eq(retry->attempt, 1);
    ck_assert_str_eq(retry->id, e1->id);
    ck_assert_int_eq(FN.ev_queued, 0);
    got = next(inst, &W[0]);
    ck_assert_ptr_eq(got, e2);
    ck_assert_int_eq(respond(inst, got, "2"), 202);
    /* The manager queues the retry when it is due, not before. */
    ck_assert_int_eq(tick(retry->retry_at_ns - 1), retry->retry_at_ns);
    ck_assert_ptr_eq(FN.retries, retry);
    tick(retry->retry_at_ns);
    ck_assert_ptr_null(FN.retries);
    got = next(inst, &W[0]);
    ck_assert_ptr_eq(got, retry);
    ck_assert_int_eq(respond(inst, got, "1"), 202);
    write_reports();
    inv_unref(e1);
    inv_unref(e2);
}
END_TEST

START_TEST(reload_retires_instances)
{
    S.concurrency = 2;
    S.queue = 0;
    caller a, b;
    ck_assert_int_eq(submit(&a), 0);
    ck_assert_int_eq(submit(&b), 0);
    tick(0);
    instance *busy = nth_instance(1), *idle = nth_instance(0);
    invocation *ga = next(busy, &W[0]);
    invocation *gb = next(idle, &W[1]);
    ck_assert_int_eq(respond(idle, gb, "b"), 202);
    ck_assert_ptr_null(next(idle, &W[1])); /* idle: waits in /next */
    long stopped, finishing;
    pool_reload(&E, &stopped, &finishing);
    ck_assert_int_eq(stopped, 1);
    ck_assert_int_eq(finishing, 1);
    ck_assert_int_eq(idle->killed, 1);
    ck_assert_str_eq(idle->kill_reason, "reload");
    ck_assert(resumed(&W[1]));
    ck_assert_int_eq(busy->killed, 0); /* its invocation ends on the old code */
    ck_assert_int_eq(respond(busy, ga, "a"), 202);
    ck_assert_int_eq(busy->killed, 1);
    ck_assert_str_eq(busy->kill_reason, "reload");
    ck_assert_int_eq(R.n_signals, 2);
    write_reports();
    exit_instance(idle, SIGKILL);
    exit_instance(busy, SIGKILL);
    ck_assert_int_eq(FN.n_instances, 0);
    /* New work gets an instance of the new code. */
    caller c;
    ck_assert_int_eq(submit(&c), 0);
    ck_assert_int_eq(nth_instance(0)->gen, FN.gen);
    tick(0);
    invocation *gc = next(nth_instance(0), &W[2]);
    ck_assert_ptr_eq(gc, c.inv);
    ck_assert_int_eq(respond(nth_instance(0), gc, "c"), 202);
    write_reports();
    caller_done(&a);
    caller_done(&b);
    caller_done(&c);
}
END_TEST

START_TEST(init_error_reaches_the_caller)
{
    caller a;
    ck_assert_int_eq(submit(&a), 0);
    tick(0);
    instance *inst = nth_instance(0);
    const char *doc =
        "{\"errorMessage\":\"no module\",\"errorType\":\"Runtime.ImportModuleError\"}";
    ck_assert_int_eq(pool_init_error(inst, "Runtime.ImportModuleError", doc, strlen(doc)), 0);
    ck_assert_int_eq(pool_init_error(inst, "Again", "{}", 2), -1); /* once */
    /* The runtime should exit by itself; it lingers, and is killed. */
    ck_assert_int_eq(tick(inst->kill_at_ns - 1), inst->kill_at_ns);
    ck_assert_int_eq(inst->killed, 0);
    tick(inst->kill_at_ns);
    ck_assert_int_eq(inst->killed, 1);
    ck_assert_str_eq(inst->kill_reason, "init error");
    pool_instance_exited(inst, SIGKILL, 0);
    ck_assert_int_eq(a.inv->finished, 1);
    ck_assert_str_eq(a.inv->err_type, "Runtime.ImportModuleError");
    ck_assert_str_eq(a.inv->err.data, doc); /* the runtime's own document */
    ck_assert_ptr_nonnull(strstr(R.lines, "Status: error\tError Type: Runtime.ImportModuleError"));
    pool_retire(inst);
    caller_done(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, queue_is_fifo_and_429_when_full);
    tcase_add_test(tc, timeout_kills_the_instance);
    tcase_add_test(tc, init_timeout_fails_the_waiting_invocation);
    tcase_add_test(tc, exit_mid_invocation);
    tcase_add_test(tc, clean_exit_mid_invocation);
    tcase_add_test(tc, concurrency_slots);
    tcase_add_test(tc, one_slot_per_instance_by_default);
    tcase_add_test(tc, start_failure_is_an_init_error);
    tcase_add_test(tc, shutdown_refuses_work);
    tcase_add_test(tc, tail_caller_answered_after_the_report);
    tcase_add_test(tc, event_queue_full_and_retry);
    tcase_add_test(tc, reload_retires_instances);
    tcase_add_test(tc, init_error_reaches_the_caller);
    suite_add_tcase(s, tc);
    return check_run(s);
}
