/* worker.c -- see worker.h. */
#include "config.h"
#include "worker.h"
#include "handler_name.h"
#include "loader.h"
#include "loop.h"
#include "post.h"
#include "shutdown.h"
#include "threads.h"

#include <stdio.h>
#include <stdlib.h>

/* How long the plugin's shutdown hook may take: Lambda gives the runtime
 * about 500 ms between SIGTERM and SIGKILL. */
#define SHUTDOWN_HOOK_MS 400

static int leave(worker_slot *slot, int status)
{
    if (slot)
        slot->exit_reason = status == 0 ? SLOT_EXIT_GRACEFUL : SLOT_EXIT_FATAL;
    return status;
}

int worker_threads(const settings *s, int model, uint32_t plugin_flags)
{
    if (s->max_concurrency <= 1)
        return 1;
    if (model == MODEL_AUTO)
        model = plugin_flags & LAMBDA_PLUGIN_THREAD_SAFE ? MODEL_THREADS : MODEL_PROCESSES;
    return model == MODEL_THREADS ? (int)s->max_concurrency : 1;
}

/* The invoke loops: n runtimes on the loaded plugin, the first one on api. */
static int run_loops(const settings *s, rapi *api, plugin *p, worker_slot *slots, int n)
{
    char err[1024];
    runtime *rts = calloc((size_t)n, sizeof *rts);
    if (!rts) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "out of memory setting up %d invoke loops", n);
        return 1;
    }
    int status = 0, made = 0;
    for (; made < n; made++) {
        runtime *rt = &rts[made];
        /* libcurl's global init is not thread-safe: every client is made
         * here, before the threads start */
        rt->api = made == 0 ? api : rapi_new(s, err, sizeof err);
        if (!rt->api) {
            lr_log(NULL, LAMBDA_LOG_FATAL, "%s", err);
            status = 1;
            break;
        }
        rt->plugin = p;
        rt->slot = slots ? &slots[made] : NULL;
        rt->trace_env = s->max_concurrency <= 1;
        slot_set(rt->slot, SLOT_IDLE);
    }
    if (status == 0) {
        if (n == 1)
            status = loop_run(&rts[0]);
        else {
            lr_log(NULL, LAMBDA_LOG_INFO,
                   "running %d invocations at once in threads of one process (plugin %s, %s)", n,
                   p->desc->name ? p->desc->name : "?",
                   p->desc->flags & LAMBDA_PLUGIN_THREAD_SAFE
                       ? "thread-safe"
                       : "not declared thread-safe: forced by concurrency_model = threads");
            status = threads_run(rts, n);
        }
    }
    for (int i = 1; i < made; i++)
        rapi_free(rts[i].api);
    free(rts);
    return status;
}

int worker_run(const settings *s, worker_slot *slots, int model)
{
    char err[1024];
    /* a handler's printf() lines reach the log as they are printed (a
     * pipe or file would otherwise hold them until 4 KB or the exit) */
    setvbuf(stdout, NULL, _IOLBF, 0);
    rapi *api = rapi_new(s, err, sizeof err);
    if (!api) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "%s", err);
        return leave(slots, 2);
    }
    handler_name name;
    if (handler_name_parse(s->handler, &name, err, sizeof err) < 0) {
        post_init_error(api, ERR_MALFORMED, err);
        rapi_free(api);
        return leave(slots, 1);
    }
    plugin p;
    load_error e;
    if (plugin_load(&p, s->task_root, &name, &e) < 0 || plugin_init(&p, &e) < 0) {
        post_init_error(api, e.type, e.message);
        plugin_unload(&p, 0);
        rapi_free(api);
        return leave(slots, 1);
    }
    int n = worker_threads(s, model, p.desc->flags);
    if (s->max_concurrency > 1)
        unsetenv("_X_AMZN_TRACE_ID"); /* never set under concurrency: none is stale */
    if (n == 1 && s->max_concurrency > 1 && !slots)
        lr_log(
            NULL, LAMBDA_LOG_WARN,
            "AWS_LAMBDA_MAX_CONCURRENCY=%ld, but plugin %s is not declared thread-safe and "
            "worker processes need the supervisor: running one invocation at a time "
            "(set supervisor = true, or concurrency_model = threads if the plugin is thread-safe)",
            s->max_concurrency, p.desc->name ? p.desc->name : "?");
    int status = run_loops(s, api, &p, slots, n);
    if (status == 0)
        shutdown_bound(SHUTDOWN_HOOK_MS);
    plugin_unload(&p, status == 0); /* the shutdown hook runs once, on a clean stop */
    if (status == 0)
        shutdown_bound(0); /* the hook returned: the rest of the exit is not its time */
    rapi_free(api);
    return leave(slots, status);
}
