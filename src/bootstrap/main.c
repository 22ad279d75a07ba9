/*
 * main.c -- bootstrap: the Lambda runtime daemon.  Reads the settings, loads
 * the handler plugin (posting an init error when that fails) and runs the
 * invoke loop.  Exit status: 0 after SIGTERM/SIGINT (graceful shutdown), 1
 * after an init error or when the Runtime API fails, 2 for a usage or
 * configuration error.
 */
#include "config.h"
#include "handler_name.h"
#include "loader.h"
#include "loop.h"
#include "settings.h"
#include "shutdown.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef LR_SYSCONFDIR
#define LR_SYSCONFDIR "/etc"
#endif

/* How long the plugin's shutdown hook may take: Lambda gives the runtime
 * about 500 ms between SIGTERM and SIGKILL. */
#define SHUTDOWN_HOOK_MS 400

static int start(settings *s)
{
    char err[1024];
    if (shutdown_install() < 0) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "cannot install the SIGTERM handler");
        return 1;
    }
    lr_log_configure((lambda_log_level)s->log_level, (lr_log_format)s->log_format);
    rapi *api = rapi_new(s->runtime_api, s->api_retries, s->api_retry_delay, err, sizeof err);
    if (!api) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "%s", err);
        return 2;
    }
    handler_name name;
    if (handler_name_parse(s->handler, &name, err, sizeof err) < 0) {
        post_init_error(api, ERR_MALFORMED, err);
        rapi_free(api);
        return 1;
    }
    plugin p;
    load_error e;
    if (plugin_load(&p, s->task_root, &name, &e) < 0 || plugin_init(&p, &e) < 0) {
        post_init_error(api, e.type, e.message);
        plugin_unload(&p, 0);
        rapi_free(api);
        return 1;
    }
    runtime rt = {.api = api, .plugin = &p};
    int status = loop_run(&rt);
    if (status == 0)
        shutdown_bound(SHUTDOWN_HOOK_MS);
    plugin_unload(&p, status == 0); /* the shutdown hook runs once, on a clean stop */
    rapi_free(api);
    return status;
}

int main(int argc, char **argv)
{
    settings s;
    char err[1024];
    settings_defaults(&s);
    int rc = settings_load(&s, argc, argv, LR_SYSCONFDIR "/lambda-runtime.ini", err, sizeof err);
    int status;
    if (rc == SETTINGS_EXIT)
        status = 0;
    else if (rc == SETTINGS_ERROR) {
        fprintf(stderr, "bootstrap: %s\n", err);
        status = 2;
    } else
        status = start(&s);
    settings_free(&s);
    return status;
}
