/*
 * pool.c -- Lambda's lifecycle for each function: a pool of up to
 * `concurrency` instances started on demand (or eagerly), a bounded queue in
 * front of them, one invocation per free slot handed to each /next poll,
 * timeouts (the instance is killed and replaced), crashes and init errors
 * (the caller gets the error AWS gives, the instance is replaced).
 *
 * One "manager" thread starts instances (so the children's parent-death
 * signal is tied to a thread that lives as long as the emulator) and
 * enforces every deadline (pool_tick).  The servers, the processes and the
 * log writer are reached through e->ops (pool.h), never called directly.
 */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "error_json.h"
#include "extensions.h"
#include "pool.h"
#include "posix.h"
#include "proctree.h"

/* Invocations queued or running, all functions (atomic: the HTTP loop reads
 * it without emu->lock). */
static long in_flight;

int pool_spin_worthwhile(void)
{
    return __atomic_load_n(&in_flight, __ATOMIC_RELAXED) <= 1;
}

static long slots_per_instance(const function *fn)
{
    return fn->s->max_concurrency > 0 ? fn->s->max_concurrency : 1;
}

/* Add instances while queued work exceeds the free slots (and, in eager
 * mode, until the pool is full).  emu->lock held; the manager starts them. */
static void maybe_spawn(function *fn)
{
    emu *e = fn->emu;
    if (e->shutdown)
        return;
    long free_slots = 0;
    for (instance *i = fn->instances; i; i = i->next)
        if (!i->dead && !i->killed && i->gen == fn->gen)
            free_slots += i->slots - i->busy;
    int eager = fn->s->init == INIT_EAGER && !fn->eager_hold;
    while (fn->n_instances < fn->s->concurrency && (fn->queued > free_slots || eager)) {
        instance *inst = calloc(1, sizeof *inst);
        if (!inst)
            break;
        inst->fn = fn;
        inst->id = ++e->next_instance_id;
        inst->gen = fn->gen;
        inst->slots = slots_per_instance(fn);
        inst->out_fd = inst->err_fd = -1;
        inst->spawn_ns = clock_mono_ns();
        inst->init_deadline_ns = inst->spawn_ns + (int64_t)(fn->s->init_timeout * 1e9);
        /* Like provisioned concurrency: an eager init is not reported (nor
         * billed) with the first invocation. */
        inst->init_reported = eager && fn->queued <= free_slots;
        inst->next = fn->instances;
        fn->instances = inst;
        fn->n_instances++;
        free_slots += inst->slots;
        pthread_cond_signal(&e->wd_cv);
    }
}

/* Whether inst can take an invocation now: alive, a slot free, its
 * extensions all waiting in event/next (emu->lock held). */
static int can_take(const instance *i)
{
    return !i->dead && !i->killed && i->busy < i->slots && i->gen == i->fn->gen && ext_idle(i);
}

/* Resume up to n suspended /next polls whose instance can take an
 * invocation (emu->lock held); each looks at the queue again. */
static void wake_for_work(function *fn, long n)
{
    for (waiter **p = &fn->polls; *p && n > 0;) {
        waiter *w = *p;
        instance *i = w->inst;
        if (!can_take(i)) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        w->next = NULL;
        fn->emu->ops->resume(w);
        n--;
    }
}

/* Resume every suspended poll of inst (of every instance when NULL): the
 * instance is going away, or the emulator is (emu->lock held). */
static void wake_polls(function *fn, instance *inst)
{
    for (waiter **p = &fn->polls; *p;) {
        waiter *w = *p;
        if (inst && w->inst != inst) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        w->next = NULL;
        fn->emu->ops->resume(w);
    }
}

void pool_ext_ready(instance *inst)
{
    wake_polls(inst->fn, inst);
}

static void unlink_poll(function *fn, waiter *w)
{
    for (waiter **p = &fn->polls; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            w->next = NULL;
            return;
        }
}

void pool_poll_gone(instance *inst, waiter *w)
{
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    unlink_poll(inst->fn, w);
    w->suspended = 0;
    pthread_mutex_unlock(&e->lock);
}

void pool_in_flight(long delta)
{
    __atomic_add_fetch(&in_flight, delta, __ATOMIC_RELAXED);
}

long pool_free_slots(const function *fn)
{
    return fn->s->concurrency * slots_per_instance(fn) - fn->queued - fn->running;
}

int pool_submit(invocation *inv)
{
    function *fn = inv->fn;
    emu *e = fn->emu;
    pthread_mutex_lock(&e->lock);
    if (e->shutdown) {
        pthread_mutex_unlock(&e->lock);
        return -2;
    }
    if (inv->kind == INV_EVENT) {
        int rc = async_submit(inv);
        pthread_mutex_unlock(&e->lock);
        return rc;
    }
    long capacity = fn->s->concurrency * slots_per_instance(fn) + fn->s->queue;
    if (fn->queued + fn->running >= capacity) {
        pthread_mutex_unlock(&e->lock);
        return -1;
    }
    inv_ref(inv); /* the pool's reference, released once reported */
    __atomic_add_fetch(&in_flight, 1, __ATOMIC_RELAXED);
    pool_enqueue(inv);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

void pool_enqueue(invocation *inv)
{
    function *fn = inv->fn;
    inv->state = INV_QUEUED;
    inv->queued_ns = clock_mono_ns();
    inv->q_next = NULL;
    if (fn->q_tail)
        fn->q_tail->q_next = inv;
    else
        fn->q_head = inv;
    fn->q_tail = inv;
    fn->queued++;
    maybe_spawn(fn);
    /* One poll per queued invocation (a woken poll that cannot take it
     * passes the wake-up on). */
    wake_for_work(fn, 1);
}

static invocation *dequeue(function *fn)
{
    invocation *inv = fn->q_head;
    if (!inv)
        return NULL;
    fn->q_head = inv->q_next;
    if (!fn->q_head)
        fn->q_tail = NULL;
    inv->q_next = NULL;
    fn->queued--;
    return inv;
}

/* The first /next of a process w->pid of inst (emu->lock held): one that
 * started after the instance's first poll (a worker the runtime started to
 * replace a crashed one) has run its init; w->reinit_ms is that time, from
 * its start to now, which the invocation it takes reports. */
static void note_poller(instance *inst, waiter *w)
{
    if (w->pid <= 0 || w->pid_start_ns <= 0)
        return;
    for (unsigned i = 0; i < 32; i++)
        if (inst->pollers[i].pid == w->pid && inst->pollers[i].start_ns == w->pid_start_ns)
            return;
    unsigned i = inst->pollers_i++ % 32;
    inst->pollers[i].pid = w->pid;
    inst->pollers[i].start_ns = w->pid_start_ns;
    if (inst->ready_boot_ns > 0 && w->pid_start_ns > inst->ready_boot_ns)
        w->reinit_ms = (double)(proctree_boot_ns() - w->pid_start_ns) / 1e6;
}

invocation *pool_next(instance *inst, waiter *w, struct MHD_Connection *c, int *wait)
{
    function *fn = inst->fn;
    emu *e = fn->emu;
    pthread_mutex_lock(&e->lock);
    note_poller(inst, w);
    /* Init ends when the runtime polls and every extension waits in
     * event/next (extensions.c wakes this poll when they do). */
    if (!inst->ready && ext_idle(inst)) {
        ext_announce(inst);
        inst->ready = 1;
        inst->init_ms = (double)(clock_mono_ns() - inst->spawn_ns) / 1e6;
        inst->ready_boot_ns = proctree_boot_ns();
        fn->eager_hold = 0;
        evpub_init(inst, "success", NULL, inst->init_ms);
    }
    *wait = 0;
    if (inst->gen != fn->gen && inst->busy == 0)
        pool_kill_instance(inst, "reload"); /* ready now, on old code: retire */
    if (e->shutdown || inst->dead || inst->killed) {
        if (fn->queued > 0)
            wake_for_work(fn, 1); /* the wake-up was not ours */
        pthread_mutex_unlock(&e->lock);
        return NULL;
    }
    if (fn->queued == 0 || !can_take(inst)) {
        if (fn->queued > 0)
            wake_for_work(fn, 1); /* the wake-up was not ours */
        /* Polls are served oldest first (AWS hands work to the runtime
         * that has waited longest): append. */
        w->inst = inst;
        w->next = NULL;
        waiter **tail = &fn->polls;
        while (*tail)
            tail = &(*tail)->next;
        *tail = w;
        e->ops->suspend(w, c);
        *wait = 1;
        freeze_idle(inst); /* the runtime waits for work: Lambda freezes it */
        pthread_mutex_unlock(&e->lock);
        return NULL;
    }
    invocation *inv = dequeue(fn);
    freeze_thaw(inst);
    fn->running++;
    inv->state = INV_RUNNING;
    inv->inst = inst;
    inst->refs++;
    inst->busy++;
    inv->r_next = inst->running;
    inst->running = inv;
    if (inv->tail)
        __atomic_add_fetch(&inst->ntail, 1, __ATOMIC_RELAXED);
    inv->start_ns = clock_mono_ns();
    int64_t budget_ms = (int64_t)(fn->s->timeout * 1000.0 + 0.5);
    inv->deadline_ns = inv->start_ns + budget_ms * 1000000;
    inv->deadline_ms = clock_epoch_ms() + budget_ms;
    ext_invoke(inst, inv);
    if (!inst->init_reported) {
        inst->init_reported = 1;
        inv->has_init = 1;
        inv->init_ms = inst->init_ms;
    } else if (w->reinit_ms > 0) {
        inv->has_init = 1;
        inv->init_ms = w->reinit_ms;
    }
    w->reinit_ms = 0;
    inv_ref(inv); /* the /next connection's */
    e->ops->inv_start(inv);
    if (inv->deadline_ns < e->wd_next)
        pthread_cond_signal(&e->wd_cv); /* wake the manager only if it sleeps too long */
    pthread_mutex_unlock(&e->lock);
    return inv;
}

invocation *pool_lookup(instance *inst, const char *id, const char *nonce, int *status)
{
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    int echoed = nonce && *nonce;
    /* A runtime that has echoed the nonce once must always: a post without
     * it is then stale or not the runtime's.  One that never echoes (written
     * before the header existed) is matched by request id alone, as AWS
     * does; the Runtime API admits only the instance's own processes. */
    if (echoed)
        inst->echoes_nonce = 1;
    else if (inst->echoes_nonce) {
        *status = 428;
        pthread_mutex_unlock(&e->lock);
        return NULL;
    }
    for (invocation *inv = inst->running; inv; inv = inv->r_next)
        if (strcmp(inv->id, id) == 0) {
            if (echoed && strcmp(nonce, inv->nonce) != 0)
                break; /* an earlier delivery of this id */
            inv_ref(inv);
            pthread_mutex_unlock(&e->lock);
            return inv;
        }
    *status = 400;
    for (int i = 0; i < 16; i++)
        if (strcmp(inst->recent[i], id) == 0)
            *status = 410;
    for (invocation *inv = inst->running; inv; inv = inv->r_next)
        if (strcmp(inv->id, id) == 0)
            *status = 410;
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* Take a running invocation off its instance (emu->lock held). */
static void end_running(invocation *inv)
{
    instance *inst = inv->inst;
    function *fn = inv->fn;
    inv->state = INV_DONE;
    inv->end_ns = clock_mono_ns();
    __atomic_sub_fetch(&in_flight, 1, __ATOMIC_RELAXED);
    for (invocation **p = &inst->running; *p; p = &(*p)->r_next)
        if (*p == inv) {
            *p = inv->r_next;
            break;
        }
    inv->r_next = NULL;
    inv_drained(inv); /* a suspended streamed post: read (and drop) the rest */
    inst->busy--;
    fn->running--;
    if (inv->tail)
        __atomic_sub_fetch(&inst->ntail, 1, __ATOMIC_RELAXED);
    snprintf(inst->recent[inst->recent_i++ % 16], sizeof inst->recent[0], "%s", inv->id);
    if (inst->gen != fn->gen && inst->busy == 0)
        pool_kill_instance(inst, "reload"); /* its last invocation on old code */
    if (fn->queued > 0)
        wake_for_work(fn, fn->queued);
    async_ended(inv);
    async_feed(fn);
    /* The caller learns the result now; a Tail caller once the lines are out. */
    if (!inv->tail)
        inv_publish(inv);
    fn->emu->ops->inv_end(inv);
}

int pool_finish(invocation *inv)
{
    emu *e = inv->fn->emu;
    pthread_mutex_lock(&e->lock);
    if (inv->state != INV_RUNNING) {
        pthread_mutex_unlock(&e->lock);
        return -1;
    }
    end_running(inv);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

int pool_init_error(instance *inst, const char *type, const char *body, size_t len)
{
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    if (inst->ready || inst->init_error_type) {
        pthread_mutex_unlock(&e->lock);
        return -1;
    }
    inst->init_error_type = strdup(type && *type ? type : "Runtime.Unknown");
    lr_buf_append(&inst->init_error, body, len);
    /* The runtime exits by itself; if it lingers, it is killed. */
    inst->kill_at_ns = clock_mono_ns() + 500 * 1000000LL;
    pthread_cond_signal(&e->wd_cv);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

void pool_kill_instance(instance *inst, const char *reason)
{
    if (inst->killed || inst->dead)
        return;
    inst->killed = 1;
    inst->kill_reason = reason;
    if (inst->pid > 0)
        inst->fn->emu->ops->signal(inst, SIGKILL);
    wake_polls(inst->fn, inst);
}

void pool_reload(emu *e, long *stopped, long *finishing)
{
    *stopped = *finishing = 0;
    pthread_mutex_lock(&e->lock);
    for (function *fn = e->functions; fn; fn = fn->next) {
        fn->gen++;
        fn->eager_hold = 0;
        for (instance *inst = fn->instances; inst; inst = inst->next) {
            if (inst->dead || inst->killed)
                continue;
            if (inst->pid == 0) { /* not started yet: it will run the new code */
                inst->gen = fn->gen;
                continue;
            }
            if (inst->busy > 0 || !inst->ready)
                ++*finishing; /* retired when its invocations end, or at its first poll */
            else {
                pool_kill_instance(inst, "reload");
                ++*stopped;
            }
        }
        maybe_spawn(fn);
        if (fn->queued > 0)
            wake_for_work(fn, fn->queued);
    }
    pthread_mutex_unlock(&e->lock);
}

/* An invocation that never ran ends with the instance's init failure. */
static void fail_queued(invocation *inv)
{
    inv->state = INV_DONE;
    inv->start_ns = inv->end_ns = clock_mono_ns();
    evpub_end(inv, 0, 0, 0);
    __atomic_sub_fetch(&in_flight, 1, __ATOMIC_RELAXED);
    inv_publish(inv);
    async_ended(inv);
    inv_unref(inv); /* the pool's */
}

void pool_instance_exited(instance *inst, int status, long maxrss_kb)
{
    function *fn = inst->fn;
    emu *e = fn->emu;
    char how[96];
    exit_status_text(status, how, sizeof how, NULL);
    pthread_mutex_lock(&e->lock);
    inst->dead = 1;
    if (maxrss_kb > inst->hwm_kb)
        inst->hwm_kb = maxrss_kb;
    ext_shutdown(inst, ext_shutdown_reason(inst));
    char xmsg[320];
    const char *xtype = ext_failure(inst, xmsg, sizeof xmsg);
    while (inst->running) {
        invocation *inv = inst->running;
        if (xtype)
            inv_service_error(inv, xtype, "%s", xmsg);
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            inv_service_error(inv, "Runtime.ExitError",
                              "Runtime exited without providing a reason");
        else
            inv_service_error(inv, "Runtime.ExitError", "Runtime exited with error: %s", how);
        end_running(inv);
    }
    if (!inst->ready && !e->shutdown) {
        /* Init failed: the invocation that waited for this instance gets the
         * error (each queued one triggers a fresh init, as on Lambda). */
        char line[256];
        double init_ms = (double)(clock_mono_ns() - inst->spawn_ns) / 1e6;
        int timed_out = !inst->init_error_type && inst->kill_reason &&
                        strcmp(inst->kill_reason, "init timeout") == 0;
        const char *type = inst->init_error_type ? inst->init_error_type
                           : timed_out           ? "Sandbox.Timedout"
                                                 : "Runtime.ExitError";
        int n = snprintf(line, sizeof line,
                         "INIT_REPORT Init Duration: %.2f ms\tPhase: init\t"
                         "Status: %s\tError Type: %s\n",
                         init_ms, timed_out ? "timeout" : "error", type);
        e->ops->line(1, line, (size_t)n);
        evpub_init(inst, timed_out ? "timeout" : "error", type, init_ms);
        invocation *inv = dequeue(fn);
        if (inv) {
            if (inst->init_error_type)
                inv_set_error(inv, inst->init_error_type, inst->init_error.data,
                              inst->init_error.len);
            else if (timed_out)
                inv_service_error(inv, "Sandbox.Timedout", "Init timed out after %.2f seconds",
                                  fn->s->init_timeout);
            else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                inv_service_error(inv, "Runtime.ExitError",
                                  "Runtime exited without providing a reason");
            else
                inv_service_error(inv, "Runtime.ExitError", "Runtime exited with error: %s", how);
            fail_queued(inv);
        }
        fn->eager_hold = 1;
    }
    wake_polls(fn, inst);
    if (fn->queued > 0)
        wake_for_work(fn, fn->queued);
    async_feed(fn);
    pthread_mutex_unlock(&e->lock);
}

/* What the pool allocated for inst, after what its start made (ops). */
static void free_instance(instance *inst)
{
    inst->fn->emu->ops->release(inst);
    lr_buf_free(&inst->init_error);
    free(inst->init_error_type);
    free(inst);
}

void pool_retire(instance *inst)
{
    function *fn = inst->fn;
    emu *e = fn->emu;
    ext_retire(inst); /* their Shutdown phase; their polls answered */
    e->ops->stop(inst);
    pthread_mutex_lock(&e->lock);
    while (inst->refs > 0)
        pthread_cond_wait(&e->idle_cv, &e->lock);
    for (instance **p = &fn->instances; *p; p = &(*p)->next)
        if (*p == inst) {
            *p = inst->next;
            break;
        }
    fn->n_instances--;
    maybe_spawn(fn);
    free_instance(inst);
    pthread_cond_broadcast(&e->idle_cv);
    pthread_mutex_unlock(&e->lock);
}

void pool_instance_gone(instance *inst, int status, long maxrss_kb)
{
    pool_instance_exited(inst, status, maxrss_kb);
    pool_retire(inst);
}

void pool_reported(invocation *inv, const char *lines, size_t len)
{
    emu *e = inv->fn->emu;
    pthread_mutex_lock(&e->lock);
    if (inv->tail) {
        inv_tail_append(inv, lines, len);
        inv_publish(inv);
    }
    instance *inst = inv->inst;
    if (inst && --inst->refs == 0)
        pthread_cond_broadcast(&e->idle_cv);
    inv->inst = NULL;
    inv_unref(inv); /* the pool's */
    pthread_mutex_unlock(&e->lock);
}

/* ------------------------------------------------------------------------
 * The manager thread: starts instances, enforces deadlines.
 * ------------------------------------------------------------------------ */

static int64_t check_deadlines(emu *e, int64_t now)
{
    int64_t next = now + 3600 * 1000000000LL;
    for (function *fn = e->functions; fn; fn = fn->next)
        for (instance *inst = fn->instances; inst; inst = inst->next) {
            if (inst->dead || inst->killed || inst->pid <= 0)
                continue;
            if (!inst->ready && !inst->init_error_type) {
                if (now >= inst->init_deadline_ns) {
                    pool_kill_instance(inst, "init timeout");
                    continue;
                }
                if (inst->init_deadline_ns < next)
                    next = inst->init_deadline_ns;
            }
            if (inst->kill_at_ns) {
                if (now >= inst->kill_at_ns) {
                    pool_kill_instance(inst, "init error");
                    continue;
                }
                if (inst->kill_at_ns < next)
                    next = inst->kill_at_ns;
            }
            freeze_check(inst, now, &next);
            const char *why = ext_overdue(inst, now, &next);
            if (why) {
                pool_kill_instance(inst, why);
                continue;
            }
            int expired = 0;
            for (invocation *inv = inst->running; inv; inv = inv->r_next) {
                if (now >= inv->deadline_ns)
                    expired = 1;
                else if (inv->deadline_ns < next)
                    next = inv->deadline_ns;
            }
            if (!expired)
                continue;
            /* Measure before the kill: the figures of a killed process are gone. */
            inst->hwm_kb = e->ops->peak_rss_kb(inst);
            for (invocation *inv = inst->running, *nx; inv; inv = nx) {
                nx = inv->r_next;
                if (now < inv->deadline_ns)
                    continue;
                inv_service_error(inv, "Sandbox.Timedout", "Task timed out after %.2f seconds",
                                  fn->s->timeout);
                inv->status = "timeout";
                end_running(inv);
            }
            pool_kill_instance(inst, "timeout");
        }
    return next;
}

/* Start the instances maybe_spawn() added; emu->lock held, released while
 * forking. */
static void start_pending(emu *e)
{
    for (function *fn = e->functions; fn; fn = fn->next) {
    again:
        for (instance *inst = fn->instances; inst; inst = inst->next) {
            if (inst->pid != 0 || inst->dead)
                continue;
            inst->pid = -1; /* starting */
            pthread_mutex_unlock(&e->lock);
            char err[512];
            int rc = e->ops->start(inst, err, sizeof err);
            pthread_mutex_lock(&e->lock);
            if (rc < 0) {
                fprintf(stderr, "lambda-emulator: function %s: %s\n", fn->name, err);
                char *doc = error_json("Runtime.StartError", err, NULL, NULL);
                free(inst->init_error_type);
                inst->init_error_type = strdup("Runtime.StartError");
                inst->init_error.len = 0;
                if (doc)
                    lr_buf_append(&inst->init_error, doc, strlen(doc));
                free(doc);
                pthread_mutex_unlock(&e->lock);
                pool_instance_gone(inst, 127 << 8, 0);
                pthread_mutex_lock(&e->lock);
            }
            goto again; /* the list may have changed while unlocked */
        }
    }
}

int64_t pool_tick(emu *e, int64_t now)
{
    start_pending(e);
    int64_t next = check_deadlines(e, now);
    int64_t retry = async_due(e, now);
    if (retry < next)
        next = retry;
    e->wd_next = next;
    return next;
}

static void *manager_main(void *arg)
{
    emu *e = arg;
    pthread_mutex_lock(&e->lock);
    while (!e->stop_manager) {
        int64_t next = pool_tick(e, clock_mono_ns());
        struct timespec ts = {next / 1000000000, next % 1000000000};
        pthread_cond_timedwait(&e->wd_cv, &e->lock, &ts);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Start and stop (emulator.c calls these around the servers)
 * ------------------------------------------------------------------------ */

int pool_start(emu *e, char *err, size_t errlen)
{
    if (pthread_create(&e->manager, NULL, manager_main, e) != 0) {
        snprintf(err, errlen, "cannot start the manager thread");
        return -1;
    }
    return 0;
}

void pool_spawn_initial(emu *e)
{
    pthread_mutex_lock(&e->lock);
    for (function *fn = e->functions; fn; fn = fn->next)
        maybe_spawn(fn);
    pthread_mutex_unlock(&e->lock);
}

void pool_shutdown(emu *e)
{
    pthread_mutex_lock(&e->lock);
    e->shutdown = 1;
    for (function *fn = e->functions; fn; fn = fn->next) {
        invocation *inv;
        async_drain(fn);
        while ((inv = dequeue(fn))) {
            inv_service_error(inv, "Runtime.ExitError", "the emulator is shutting down");
            fail_queued(inv);
        }
        /* SIGTERM first, as Lambda does: a runtime waiting in /next shuts
         * down gracefully; its polls are answered when it exits. */
        for (instance *inst = fn->instances; inst; inst = inst->next)
            if (inst->pid > 0 && !inst->dead) {
                e->ops->signal(inst, SIGTERM);
                freeze_thaw(inst); /* a stopped runtime takes SIGTERM once continued */
                ext_shutdown(inst, "spindown");
            }
    }
    /* Lambda gives a runtime about 500 ms after SIGTERM. */
    int64_t until = clock_mono_ns() + 500 * 1000000LL;
    int killed = 0;
    for (;;) {
        long alive = 0;
        for (function *fn = e->functions; fn; fn = fn->next)
            alive += fn->n_instances;
        if (!alive)
            break;
        if (!killed && clock_mono_ns() >= until) {
            for (function *fn = e->functions; fn; fn = fn->next)
                for (instance *inst = fn->instances; inst; inst = inst->next)
                    pool_kill_instance(inst, "shutdown");
            killed = 1;
        }
        struct timespec ts;
        clock_realtime_after(&ts, 50);
        pthread_cond_timedwait(&e->idle_cv, &e->lock, &ts);
    }
    e->stop_manager = 1;
    pthread_cond_signal(&e->wd_cv);
    pthread_mutex_unlock(&e->lock);
    pthread_join(e->manager, NULL);
}
