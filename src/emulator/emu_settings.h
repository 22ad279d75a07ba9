/*
 * emu_settings.h -- what the emulator serves: the [emulator] section (listen
 * address, task root, region, account, and defaults for every function) and
 * the [function NAME] sections of lambda-runtime.ini, plus the environment
 * and the command line on top (defaults < INI < environment < command line).
 */
#ifndef EMU_SETTINGS_H
#define EMU_SETTINGS_H

#include <stddef.h>

enum { INIT_ON_DEMAND, INIT_EAGER };
enum { LOGFMT_TEXT, LOGFMT_JSON };

typedef struct env_var {
    char *name, *value;
    struct env_var *next;
} env_var;

/* One function's settings.  Unset values are NULL / -1 until
 * emu_settings_load() fills them from the [emulator] defaults. */
typedef struct fn_settings {
    char *handler;         /* _HANDLER */
    char *runtime;         /* the runtime command (run by /bin/sh) */
    char *qualifiers;      /* aliases/versions served besides $LATEST (comma or space separated) */
    double timeout;        /* seconds */
    double init_timeout;   /* seconds */
    long memory_size;      /* MB */
    long concurrency;      /* instances in the pool */
    long max_concurrency;  /* AWS_LAMBDA_MAX_CONCURRENCY per instance; 0 = unset */
    long queue;            /* invocations waiting beyond the busy instances */
    long event_queue;      /* Event invocations accepted and not yet run */
    long max_retry_attempts; /* retries of a failed Event (0-2) */
    double retry_delay;    /* seconds before the first retry (twice that before the second) */
    double max_event_age;  /* seconds an Event may wait to run */
    int init;              /* INIT_* */
    int log_format;        /* LOGFMT_*; -1 = unset (Text lines, variable not set) */
    int log_level;         /* index into settings_log_levels; -1 = unset */
    env_var *env;          /* env.NAME = VALUE */
} fn_settings;

typedef struct function_cfg {
    char *name;
    fn_settings s;
    struct function_cfg *next;
} function_cfg;

typedef struct emu_settings {
    char *config_path;     /* the file read, or NULL */
    char *listen;          /* ADDR:PORT */
    char *task_root;
    char *region;
    char *account_id;
    double idle_timeout;   /* Invoke API: seconds a connection may idle; 0 = none */
    long max_connections;  /* Invoke API connections */
    long max_connections_per_address; /* from one non-loopback address; 0 = any */
    fn_settings defaults;
    function_cfg *functions; /* in file order; one named "function" if none */
} emu_settings;

extern const char *const settings_log_levels[];

/* Parse argv and the environment, load the configuration file, and fill
 * every function.  Returns 0; 1 when --help/--version was printed (exit 0);
 * -1 with a message in err (exit 2). */
int emu_settings_load(emu_settings *st, int argc, char **argv, char *err, size_t errlen);
void emu_settings_free(emu_settings *st);
/* Whether qualifier q is $LATEST or one of s->qualifiers. */
int emu_settings_has_qualifier(const fn_settings *s, const char *q);

#endif
