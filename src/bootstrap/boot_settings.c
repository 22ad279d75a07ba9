/* boot_settings.c -- see boot_settings.h. */
#include "config.h"
#include "boot_settings.h"
#include "host.h"
#include "cfg.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef LR_TASK_ROOT
#define LR_TASK_ROOT "/var/task"
#endif

const char *const settings_models[] = {"auto", "threads", "processes", NULL};

static const cfg_key runtime_keys[] = {
    {"handler", CFG_STRING, offsetof(settings, handler), 0, 0, NULL},
    {"task_root", CFG_STRING, offsetof(settings, task_root), 0, 0, NULL},
    {"runtime_api", CFG_STRING, offsetof(settings, runtime_api), 0, 0, NULL},
    {"api_retries", CFG_INT, offsetof(settings, api_retries), 1, 100, NULL},
    {"api_retry_delay", CFG_SECONDS, offsetof(settings, api_retry_delay), 0, 10, NULL},
    {"post_timeout", CFG_SECONDS, offsetof(settings, post_timeout), 1, 3600, NULL},
    {"supervisor", CFG_BOOL, offsetof(settings, supervisor), 0, 0, NULL},
    {"max_concurrency", CFG_INT, offsetof(settings, max_concurrency), 1, 1024, NULL},
    {"concurrency_model", CFG_ENUM, offsetof(settings, concurrency_model), 0, 0, settings_models},
    CFG_KEY_END,
};

static const cfg_key log_keys[] = {
    {"level", CFG_ENUM, offsetof(settings, log_level), 0, 0, lr_log_level_names},
    {"format", CFG_ENUM, offsetof(settings, log_format), 0, 0, lr_log_format_names},
    CFG_KEY_END,
};

static void *whole(void *ud, const char *arg, char *err, size_t errlen)
{
    return ud;
}

static const cfg_section sections[] = {
    {"runtime", 0, runtime_keys, whole, NULL},
    {"log", 0, log_keys, whole, NULL},
    /* lambda-emulator's sections share the file; bootstrap skips them */
    {"emulator", 0, NULL, NULL, NULL},
    {"function", 1, NULL, NULL, NULL},
    {"route", 1, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL},
};

/* Environment variable -> key, in the table of that key. */
static const struct env_map {
    const char *var;
    const cfg_key *keys;
    const char *key;
} env_map[] = {
    {"_HANDLER", runtime_keys, "handler"},
    {"LAMBDA_TASK_ROOT", runtime_keys, "task_root"},
    {"AWS_LAMBDA_RUNTIME_API", runtime_keys, "runtime_api"},
    {"AWS_LAMBDA_MAX_CONCURRENCY", runtime_keys, "max_concurrency"},
    {"LAMBDA_RUNTIME_POST_TIMEOUT", runtime_keys, "post_timeout"},
    {"AWS_LAMBDA_LOG_LEVEL", log_keys, "level"},
    {"AWS_LAMBDA_LOG_FORMAT", log_keys, "format"},
    {NULL, NULL, NULL},
};

void boot_settings_defaults(settings *s)
{
    memset(s, 0, sizeof *s);
    s->task_root = strdup(LR_TASK_ROOT);
    s->api_retries = 5;
    s->api_retry_delay = 0.1;
    s->post_timeout = 120; /* 6 MB at 50 KB/s */
    s->supervisor = 1;
    s->max_concurrency = 1;
    s->concurrency_model = MODEL_AUTO;
    s->log_level = 2;  /* INFO */
    s->log_format = 0; /* Text */
}

void boot_settings_free(settings *s)
{
    cfg_free(runtime_keys, s);
    cfg_free(log_keys, s);
    free(s->config_path);
    s->config_path = NULL;
}

static void usage(FILE *to, const char *default_config)
{
    fprintf(to,
            "Usage: bootstrap [OPTION]... [HANDLER]\n"
            "The AWS Lambda runtime of lambda-c-runtime: loads the plugin named by HANDLER\n"
            "(module.function -> $LAMBDA_TASK_ROOT/module.so, symbol function) and runs the\n"
            "Lambda invoke loop against the Runtime API at $AWS_LAMBDA_RUNTIME_API.\n"
            "\n"
            "  -c, --config FILE  read FILE instead of $LAMBDA_RUNTIME_CONFIG or\n"
            "                     %s\n"
            "  -h, --help         print this help and exit\n"
            "  -V, --version      print the version and exit\n"
            "\n"
            "Settings, each overriding the one before: built-in defaults, the [runtime] and\n"
            "[log] sections of the INI file, the environment (_HANDLER, LAMBDA_TASK_ROOT,\n"
            "AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_MAX_CONCURRENCY, AWS_LAMBDA_LOG_LEVEL,\n"
            "AWS_LAMBDA_LOG_FORMAT, LAMBDA_RUNTIME_POST_TIMEOUT), and\n"
            "HANDLER.  See bootstrap(8) and lambda-runtime.ini(5).\n",
            default_config);
}

int boot_settings_load(settings *s, int argc, char **argv, const char *default_config, char *err,
                       size_t errlen)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    int c;
    opterr = 0;
    optind = 0; /* full reset, so tests can call this more than once */
    while ((c = getopt_long(argc, argv, "+:c:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'h': usage(stdout, default_config); return SETTINGS_EXIT;
        case 'V':
            printf("bootstrap (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return SETTINGS_EXIT;
        case ':':
            snprintf(err, errlen, "option %s needs an argument (see bootstrap --help)",
                     argv[optind - 1]);
            return SETTINGS_ERROR;
        default:
            snprintf(err, errlen, "unknown option %s (see bootstrap --help)", argv[optind - 1]);
            return SETTINGS_ERROR;
        }
    }
    if (argc - optind > 1) {
        snprintf(
            err, errlen,
            "too many arguments: expected at most one handler (module.function), got '%s' and '%s'",
            argv[optind], argv[optind + 1]);
        return SETTINGS_ERROR;
    }

    int missing_ok = 0;
    if (!config)
        config = getenv("LAMBDA_RUNTIME_CONFIG");
    if (!config || !*config) {
        config = default_config;
        missing_ok = 1;
    }
    if (config && *config) {
        if (cfg_load(config, sections, s, missing_ok, err, errlen) < 0)
            return SETTINGS_ERROR;
        if (access(config, F_OK) == 0) {
            free(s->config_path);
            s->config_path = strdup(config);
        }
    }

    for (const struct env_map *e = env_map; e->var; e++) {
        char what[96];
        snprintf(what, sizeof what, "environment variable %s", e->var);
        if (cfg_set_from(e->keys, s, e->key, getenv(e->var), what, err, errlen) < 0)
            return SETTINGS_ERROR;
    }

    if (optind < argc &&
        cfg_set_from(runtime_keys, s, "handler", argv[optind], "command line", err, errlen) < 0)
        return SETTINGS_ERROR;
    return SETTINGS_OK;
}
