/*
 * main.c -- bootstrap: the Lambda runtime daemon.  Reads the settings, then
 * runs the plugin in a supervised worker process (supervisor.c) or, with
 * supervisor = false, in this process (worker.c).  Exit status: 0 after
 * SIGTERM/SIGINT (graceful shutdown), 1 after an init error or when the
 * Runtime API fails, 2 for a usage or configuration error.
 */
#include "config.h"
#include "host.h"
#include "boot_settings.h"
#include "shutdown.h"
#include "supervisor.h"
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef LR_SYSCONFDIR
#define LR_SYSCONFDIR "/etc"
#endif

static int start(settings *s)
{
    if (shutdown_install() < 0) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "cannot install the SIGTERM handler");
        return 1;
    }
    lr_log_configure((lambda_log_level)s->log_level, (lr_log_format)s->log_format);
    if (!s->runtime_api || !*s->runtime_api) {
        lr_log(NULL, LAMBDA_LOG_FATAL,
               "AWS_LAMBDA_RUNTIME_API is not set: bootstrap must run inside "
               "AWS Lambda or under lambda-emulator (or set runtime_api in [runtime])");
        return 2;
    }
    return s->supervisor ? supervise(s) : worker_run(s, NULL, s->concurrency_model);
}

int main(int argc, char **argv)
{
    settings s;
    char err[1024];
    boot_settings_defaults(&s);
    int rc =
        boot_settings_load(&s, argc, argv, LR_SYSCONFDIR "/lambda-runtime.ini", err, sizeof err);
    int status;
    if (rc == SETTINGS_EXIT)
        status = 0;
    else if (rc == SETTINGS_ERROR) {
        fprintf(stderr, "bootstrap: %s\n", err);
        status = 2;
    } else
        status = start(&s);
    boot_settings_free(&s);
    return status;
}
