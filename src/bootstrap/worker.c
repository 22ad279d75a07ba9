/* worker.c -- see worker.h. */
#include "config.h"
#include "worker.h"
#include "handler_name.h"
#include "loader.h"
#include "loop.h"
#include "shutdown.h"

/* How long the plugin's shutdown hook may take: Lambda gives the runtime
 * about 500 ms between SIGTERM and SIGKILL. */
#define SHUTDOWN_HOOK_MS 400

static int leave(worker_slot *slot, int status)
{
    if (slot)
        slot->exit_reason = status == 0 ? SLOT_EXIT_GRACEFUL : SLOT_EXIT_FATAL;
    return status;
}

int worker_run(const settings *s, worker_slot *slot)
{
    char err[1024];
    rapi *api = rapi_new(s->runtime_api, s->api_retries, s->api_retry_delay, err, sizeof err);
    if (!api) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "%s", err);
        return leave(slot, 2);
    }
    handler_name name;
    if (handler_name_parse(s->handler, &name, err, sizeof err) < 0) {
        post_init_error(api, ERR_MALFORMED, err);
        rapi_free(api);
        return leave(slot, 1);
    }
    plugin p;
    load_error e;
    if (plugin_load(&p, s->task_root, &name, &e) < 0 || plugin_init(&p, &e) < 0) {
        post_init_error(api, e.type, e.message);
        plugin_unload(&p, 0);
        rapi_free(api);
        return leave(slot, 1);
    }
    runtime rt = {.api = api, .plugin = &p, .slot = slot};
    slot_set(slot, SLOT_IDLE);
    int status = loop_run(&rt);
    if (status == 0)
        shutdown_bound(SHUTDOWN_HOOK_MS);
    plugin_unload(&p, status == 0); /* the shutdown hook runs once, on a clean stop */
    rapi_free(api);
    return leave(slot, status);
}
