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
enum { INVOKE_BUFFERED, INVOKE_RESPONSE_STREAM }; /* a function URL's InvokeMode */
enum { CONSOLE_AUTO, CONSOLE_ON, CONSOLE_OFF };   /* auto: on when listening on loopback */

typedef struct env_var {
    char *name, *value;
    struct env_var *next;
} env_var;

/* One function's settings.  Unset values are NULL / -1 until
 * emu_settings_load() fills them from the [emulator] defaults. */
typedef struct fn_settings {
    char *handler;        /* _HANDLER */
    char *runtime;        /* the runtime command (run by /bin/sh) */
    char *qualifiers;     /* aliases/versions served besides $LATEST (comma or space separated) */
    double timeout;       /* seconds */
    double init_timeout;  /* seconds */
    long memory_size;     /* MB */
    long concurrency;     /* instances in the pool */
    long max_concurrency; /* AWS_LAMBDA_MAX_CONCURRENCY per instance; 0 = unset */
    long queue;           /* invocations waiting beyond the busy instances */
    long event_queue;     /* Event invocations accepted and not yet run */
    long max_retry_attempts; /* retries of a failed Event (0-2) */
    double retry_delay;      /* seconds before the first retry (twice that before the second) */
    double max_event_age;    /* seconds an Event may wait to run */
    int init;                /* INIT_* */
    int log_format;          /* LOGFMT_*; -1 = unset (Text lines, variable not set) */
    int log_level;           /* index into settings_log_levels; -1 = unset */
    env_var *env;            /* env.NAME = VALUE */
    int invoke_mode;         /* INVOKE_*, through the HTTP front */
} fn_settings;

typedef struct function_cfg {
    char *name;
    fn_settings s;
    struct function_cfg *next;
} function_cfg;

typedef struct emu_settings {
    char *config_path; /* the file read, or NULL */
    char *listen;      /* ADDR:PORT */
    char *task_root;
    char *region;
    char *account_id;
    double idle_timeout;              /* Invoke API: seconds a connection may idle; 0 = none */
    long max_connections;             /* Invoke API connections */
    long max_connections_per_address; /* from one non-loopback address; 0 = any */
    fn_settings defaults;
    function_cfg *functions;    /* in file order; one named "function" if none */
    char *http_listen;          /* the HTTP front's ADDR:PORT, or NULL */
    char *template_path;        /* a SAM template's functions and routes */
    char *extensions_dir;       /* the extensions started with each instance, or NULL */
    int freeze;                 /* SIGSTOP idle instances, as Lambda freezes them */
    double freeze_delay;        /* seconds idle before the freeze */
    struct front_route *routes; /* the HTTP front's routes (front.h) */
    int console;                /* CONSOLE_* */
    char *events_dir;           /* the console's saved test events, or NULL */
    int watch;                  /* reload functions when the task root changes */
} emu_settings;

extern const char *const settings_log_levels[];

/* Parse argv and the environment, load the configuration file, and fill
 * every function.  Returns 0; 1 when --help/--version was printed (exit 0);
 * -1 with a message in err (exit 2). */
int emu_settings_load(emu_settings *st, int argc, char **argv, char *err, size_t errlen);
void emu_settings_free(emu_settings *st);
/* Whether qualifier q is $LATEST or one of s->qualifiers. */
int emu_settings_has_qualifier(const fn_settings *s, const char *q);
/* Set KEY of function FN (NULL: the [emulator] defaults) as the INI file
 * would, adding the function if it is new (only that when KEY is NULL);
 * 0, or -1 with err. */
int emu_settings_set(emu_settings *st, const char *fn, const char *key, const char *value,
                     char *err, size_t errlen);

/* front_settings.c: the [route "KEY"] sections (front_route_keys, declared
 * where cfg.h's cfg_key is known), and their checks once every function
 * is known. */
void *front_route_target(void *st, const char *arg, char *err, size_t errlen);
int front_settings_finish(emu_settings *st, char *err, size_t errlen);
void front_settings_free(emu_settings *st);
/* sam.c: add the functions and routes of a SAM template; 0 or -1 with err. */
int sam_load(emu_settings *st, const char *path, char *err, size_t errlen);

#endif
