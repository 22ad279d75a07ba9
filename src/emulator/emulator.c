/*
 * emulator.c -- the emulator as a whole: the functions it serves, and the
 * order in which its parts start (log writer, the pool's manager, the
 * console's event bus, the Invoke API, the HTTP front, the task root's
 * watch, eager instances) and stop (the pool first, so
 * every caller has its answer before the servers close).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "console.h"
#include "emulator.h"
#include "extensions.h"
#include "front.h"
#include "http.h"
#include "proctree.h"
#include "watch.h"

static void signal_runtime(instance *inst, int sig)
{
    proctree_signal(inst->pid, sig);
}

static long runtime_peak_rss_kb(instance *inst)
{
    return proctree_hwm_kb(inst->pid);
}

static void stop_runtime_api(instance *inst)
{
    if (inst->rapi)
        http_stop(inst->rapi);
    inst->rapi = NULL;
}

/* The pool's view of the rest of the emulator (pool.h). */
static const pool_ops live_ops = {
    .suspend = waiter_suspend,
    .resume = waiter_resume,
    .start = instance_start,
    .signal = signal_runtime,
    .peak_rss_kb = runtime_peak_rss_kb,
    .stop = stop_runtime_api,
    .release = instance_release,
    .line = report_line,
    .inv_start = report_invocation_start,
    .inv_end = ext_report_end, /* report_invocation_end when the extensions are done */
};

function *emu_function(emu *e, const char *name)
{
    for (function *fn = e->functions; fn; fn = fn->next)
        if (strcmp(fn->name, name) == 0)
            return fn;
    return NULL;
}

static int add_functions(emu *e, emu_settings *st, char *err, size_t errlen)
{
    function **tail = &e->functions;
    for (function_cfg *fc = st->functions; fc; fc = fc->next) {
        function *fn = calloc(1, sizeof *fn);
        if (!fn) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        fn->emu = e;
        fn->name = fc->name;
        fn->s = &fc->s;
        lr_buf b = {0};
        lr_buf_printf(&b, "arn:aws:lambda:%s:%s:function:%s", st->region, st->account_id, fc->name);
        fn->arn = lr_buf_take(&b, NULL);
        *tail = fn;
        tail = &fn->next;
    }
    return 0;
}

int emu_start(emu *e, emu_settings *st, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->st = st;
    e->ops = &live_ops;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->idle_cv, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->wd_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (add_functions(e, st, err, errlen) < 0)
        return -1;
    if (report_start_writer() < 0) {
        snprintf(err, errlen, "cannot start the log writer thread");
        return -1;
    }
    http_loop_hooks(report_flush, pool_spin_worthwhile);
    if (pool_start(e, err, errlen) < 0) {
        report_stop_writer();
        return -1;
    }
    if (console_start(e, err, errlen) < 0) {
        emu_stop(e);
        return -1;
    }
    e->invoke_api = invoke_api_start(e, st->listen, &e->port, err, errlen);
    if (!e->invoke_api) {
        emu_stop(e);
        return -1;
    }
    if (st->http_listen && front_start(e, st->http_listen, err, errlen) < 0) {
        emu_stop(e);
        return -1;
    }
    if (watch_start(e, err, errlen) < 0) {
        emu_stop(e);
        return -1;
    }
    pool_spawn_initial(e);
    return 0;
}

void emu_stop(emu *e)
{
    watch_stop();
    pool_shutdown(e);
    /* Every caller has its answer now: let the answers go out before the
     * connections close (at most 2 s). */
    int listener = e->invoke_api ? http_quiesce(e->invoke_api) : -1;
    front_quiesce();
    pthread_mutex_lock(&e->lock);
    int64_t give_up = clock_mono_ns() + 2000 * 1000000LL;
    while (e->calls > 0 && clock_mono_ns() < give_up) {
        struct timespec ts;
        clock_realtime_after(&ts, 20);
        pthread_cond_timedwait(&e->idle_cv, &e->lock, &ts);
    }
    pthread_mutex_unlock(&e->lock);
    console_shutdown(); /* its live streams end */
    if (e->invoke_api)
        http_stop(e->invoke_api);
    if (listener >= 0)
        close(listener);
    e->invoke_api = NULL;
    front_stop();
    http_loop_end();
    report_stop_writer();
    console_stop();
    for (function *fn = e->functions, *next; fn; fn = next) {
        next = fn->next;
        free(fn->arn);
        free(fn->log_stream);
        free(fn);
    }
    e->functions = NULL;
    pthread_cond_destroy(&e->idle_cv);
    pthread_cond_destroy(&e->wd_cv);
    pthread_mutex_destroy(&e->lock);
}
