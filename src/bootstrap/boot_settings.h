/*
 * boot_settings.h -- bootstrap's configuration: built-in defaults < INI file
 * ([runtime] and [log]) < the environment Lambda sets < the command line.
 * Every source goes through the key tables of src/common/cfg.c, so a bad
 * value is refused the same way wherever it comes from.
 */
#ifndef BOOT_SETTINGS_H
#define BOOT_SETTINGS_H

#include <stddef.h>

typedef struct settings {
    /* [runtime] */
    char *handler;          /* module.function */
    char *task_root;        /* where plugins are */
    char *runtime_api;      /* host:port[/prefix] of the Runtime API */
    long api_retries;       /* attempts to reach the Runtime API before giving up */
    double api_retry_delay; /* first pause between attempts (doubles each time) */
    double post_timeout;    /* seconds a post may take (a stream: may stall) */
    int supervisor;         /* run the plugin in a supervised worker process */
    long max_concurrency;   /* invocations in flight at once (AWS_LAMBDA_MAX_CONCURRENCY) */
    int concurrency_model;  /* index into settings_models: how to run them */
    /* [log] */
    int log_level;  /* index into lr_log_level_names */
    int log_format; /* index into lr_log_format_names */
    /* where the settings came from */
    char *config_path; /* the INI file read (NULL if none) */
} settings;

/* How max_concurrency > 1 invocations run: auto = threads of one worker
 * process when the plugin declares LAMBDA_PLUGIN_THREAD_SAFE, else one
 * worker process each. */
enum { MODEL_AUTO, MODEL_THREADS, MODEL_PROCESSES };
extern const char *const settings_models[];

enum { SETTINGS_OK = 0, SETTINGS_EXIT = 1, SETTINGS_ERROR = -1 };

/* The built-in defaults. */
void boot_settings_defaults(settings *s);

/* Everything in order of precedence.  Returns SETTINGS_OK; SETTINGS_EXIT when
 * --help or --version was printed (exit 0); SETTINGS_ERROR with err set.
 * default_config is the file read when neither --config nor
 * LAMBDA_RUNTIME_CONFIG names one (a missing default file is fine). */
int boot_settings_load(settings *s, int argc, char **argv, const char *default_config, char *err,
                       size_t errlen);

void boot_settings_free(settings *s);

#endif
