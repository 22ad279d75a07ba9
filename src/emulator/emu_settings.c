/*
 * emu_settings.c -- the emulator's configuration: built-in defaults, the INI file
 * (through the shared typed loader), the environment Lambda sets, and the
 * command line, in that order of precedence.  See emu_settings.h.
 */
#include "config.h"

#include "emu_settings.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

extern const cfg_key front_route_keys[]; /* front_settings.c */

#ifndef LR_TASK_ROOT
#define LR_TASK_ROOT "/var/task"
#endif
#ifndef LR_RUNTIME_DIR
#define LR_RUNTIME_DIR "/var/runtime"
#endif
#ifndef LR_SYSCONFDIR
#define LR_SYSCONFDIR "/etc"
#endif

const char *const settings_log_levels[] = {"TRACE", "DEBUG", "INFO", "WARN",
                                           "ERROR", "FATAL", NULL};
static const char *const init_modes[] = {"on-demand", "eager", NULL};
static const char *const log_formats[] = {"Text", "JSON", NULL};
static const char *const invoke_modes[] = {"BUFFERED", "RESPONSE_STREAM", NULL};
static const char *const console_modes[] = {"auto", "on", "off", NULL};

/* The function keys, once for [function NAME] (offsets in fn_settings) and
 * once for [emulator] (offsets of its defaults member). */
#define FN_KEYS(BASE, F)                                                                             \
    {"handler", CFG_STRING, BASE + offsetof(fn_settings, handler), 0, 0, NULL},                      \
        {"runtime", CFG_STRING, BASE + offsetof(fn_settings, runtime), 0, 0, NULL},                  \
        {"qualifiers", CFG_STRING, BASE + offsetof(fn_settings, qualifiers), 0, 0, NULL},            \
        {"timeout", CFG_SECONDS, BASE + offsetof(fn_settings, timeout), 0, 900, NULL},               \
        {"init_timeout", CFG_SECONDS, BASE + offsetof(fn_settings, init_timeout), 0, 900, NULL},     \
        {"memory_size", CFG_INT, BASE + offsetof(fn_settings, memory_size), 128, 10240, NULL},       \
        {"concurrency", CFG_INT, BASE + offsetof(fn_settings, concurrency), 1, 1024, NULL},          \
        {"max_concurrency", CFG_INT, BASE + offsetof(fn_settings, max_concurrency), 0, 1024, NULL},  \
        {"queue", CFG_INT, BASE + offsetof(fn_settings, queue), 0, 1000000, NULL},                   \
        {"event_queue", CFG_INT, BASE + offsetof(fn_settings, event_queue), 0, 10000000, NULL},      \
        {"max_retry_attempts",                                                                       \
         CFG_INT,                                                                                    \
         BASE + offsetof(fn_settings, max_retry_attempts),                                           \
         0,                                                                                          \
         2,                                                                                          \
         NULL},                                                                                      \
        {"retry_delay", CFG_SECONDS, BASE + offsetof(fn_settings, retry_delay), 0, 3600, NULL},      \
        {"max_event_age", CFG_SECONDS, BASE + offsetof(fn_settings, max_event_age), 1, 21600, NULL}, \
        {"init", CFG_ENUM, BASE + offsetof(fn_settings, init), 0, 0, init_modes},                    \
        {"log_format", CFG_ENUM, BASE + offsetof(fn_settings, log_format), 0, 0, log_formats},       \
        {"log_level", CFG_ENUM, BASE + offsetof(fn_settings, log_level), 0, 0, settings_log_levels}, \
    {                                                                                                \
        "invoke_mode", CFG_ENUM, BASE + offsetof(fn_settings, invoke_mode), 0, 0, invoke_modes       \
    }

static const cfg_key function_keys[] = {FN_KEYS(0, x), CFG_KEY_END};

#define DEF offsetof(emu_settings, defaults)
static const cfg_key emulator_keys[] = {
    {"listen", CFG_STRING, offsetof(emu_settings, listen), 0, 0, NULL},
    {"task_root", CFG_STRING, offsetof(emu_settings, task_root), 0, 0, NULL},
    {"region", CFG_STRING, offsetof(emu_settings, region), 0, 0, NULL},
    {"account_id", CFG_STRING, offsetof(emu_settings, account_id), 0, 0, NULL},
    {"idle_timeout", CFG_SECONDS, offsetof(emu_settings, idle_timeout), 0, 3600, NULL},
    {"max_connections", CFG_INT, offsetof(emu_settings, max_connections), 16, 1000000, NULL},
    {"max_connections_per_address", CFG_INT, offsetof(emu_settings, max_connections_per_address), 0,
     1000000, NULL},
    {"http_listen", CFG_STRING, offsetof(emu_settings, http_listen), 0, 0, NULL},
    {"template", CFG_STRING, offsetof(emu_settings, template_path), 0, 0, NULL},
    {"console", CFG_ENUM, offsetof(emu_settings, console), 0, 0, console_modes},
    {"events", CFG_STRING, offsetof(emu_settings, events_dir), 0, 0, NULL},
    {"watch", CFG_BOOL, offsetof(emu_settings, watch), 0, 0, NULL},
    {"extensions_dir", CFG_STRING, offsetof(emu_settings, extensions_dir), 0, 0, NULL},
    {"freeze", CFG_BOOL, offsetof(emu_settings, freeze), 0, 0, NULL},
    {"freeze_delay", CFG_SECONDS, offsetof(emu_settings, freeze_delay), 0, 60, NULL},
    FN_KEYS(DEF, x),
    CFG_KEY_END};

static void fn_unset(fn_settings *s)
{
    memset(s, 0, sizeof *s);
    s->timeout = s->init_timeout = -1;
    s->memory_size = s->concurrency = s->max_concurrency = s->queue = -1;
    s->event_queue = s->max_retry_attempts = -1;
    s->retry_delay = s->max_event_age = -1;
    s->init = s->log_format = s->log_level = s->invoke_mode = -1;
}

static void env_free(env_var *e)
{
    while (e) {
        env_var *next = e->next;
        free(e->name);
        free(e->value);
        free(e);
        e = next;
    }
}

static int env_set(env_var **list, const char *name, const char *value)
{
    for (env_var *e = *list; e; e = e->next)
        if (strcmp(e->name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return -1;
            free(e->value);
            e->value = v;
            return 0;
        }
    env_var *e = calloc(1, sizeof *e);
    if (!e || !(e->name = strdup(name)) || !(e->value = strdup(value))) {
        if (e)
            free(e->name);
        free(e);
        return -1;
    }
    env_var **tail = list;
    while (*tail)
        tail = &(*tail)->next;
    *tail = e;
    return 0;
}

static int valid_env_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static int other_env(env_var **list, const char *key, const char *value, char *err, size_t errlen)
{
    if (strncmp(key, "env.", 4) != 0) {
        snprintf(
            err, errlen,
            "unknown key '%s'; known keys: listen, task_root, region, account_id, "
            "idle_timeout, max_connections, max_connections_per_address, http_listen, template, "
            "console, events, watch, extensions_dir, freeze, freeze_delay ([emulator] only), "
            "handler, runtime, timeout, init_timeout, memory_size, "
            "concurrency, max_concurrency, queue, event_queue, max_retry_attempts, retry_delay, "
            "max_event_age, init, log_format, log_level, invoke_mode, qualifiers, env.NAME",
            key);
        return -1;
    }
    if (!valid_env_name(key + 4)) {
        snprintf(err, errlen, "bad environment variable name in '%s': use letters, digits and _",
                 key);
        return -1;
    }
    if (env_set(list, key + 4, value) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int other_function(void *target, const char *key, const char *value, char *err,
                          size_t errlen)
{
    return other_env(&((fn_settings *)target)->env, key, value, err, errlen);
}

static int other_emulator(void *target, const char *key, const char *value, char *err,
                          size_t errlen)
{
    return other_env(&((emu_settings *)target)->defaults.env, key, value, err, errlen);
}

static int valid_function_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void *target_emulator(void *ud, const char *arg, char *err, size_t errlen)
{
    return ud;
}

static void *target_function(void *ud, const char *arg, char *err, size_t errlen)
{
    emu_settings *st = ud;
    if (!valid_function_name(arg)) {
        snprintf(err, errlen, "bad function name '%s': use 1 to 64 letters, digits, - and _", arg);
        return NULL;
    }
    function_cfg **tail = &st->functions;
    for (; *tail; tail = &(*tail)->next)
        if (strcmp((*tail)->name, arg) == 0)
            return &(*tail)->s; /* a repeated section adds to the first */
    function_cfg *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(arg))) {
        free(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    fn_unset(&f->s);
    *tail = f;
    return &f->s;
}

static const cfg_section sections[] = {
    {"runtime", 0, NULL, NULL, NULL},
    {"log", 0, NULL, NULL, NULL},
    {"emulator", 0, emulator_keys, target_emulator, other_emulator},
    {"function", 1, function_keys, target_function, other_function},
    {"route", 1, front_route_keys, front_route_target, NULL},
    {NULL, 0, NULL, NULL, NULL}};

static int set_defaults(emu_settings *st)
{
    fn_unset(&st->defaults);
    fn_settings *d = &st->defaults;
    if (!(st->listen = strdup("127.0.0.1:9000")) || !(st->task_root = strdup(LR_TASK_ROOT)) ||
        !(st->region = strdup("us-east-1")) || !(st->account_id = strdup("123456789012")) ||
        !(d->handler = strdup("lambda_function.handler")) ||
        !(d->runtime = strdup(LR_RUNTIME_DIR "/bootstrap")))
        return -1;
    st->idle_timeout = 60;
    st->freeze = 1;
    st->freeze_delay = 0.1;
    st->max_connections = 4096;
    st->max_connections_per_address = 1024;
    d->timeout = 3;
    d->init_timeout = 10;
    d->memory_size = 128;
    d->concurrency = 4;
    d->max_concurrency = 0;
    d->queue = 100;
    d->event_queue = 100000;
    d->max_retry_attempts = 2; /* AWS's defaults */
    d->retry_delay = 60;
    d->max_event_age = 21600;
    d->init = INIT_ON_DEMAND;
    d->log_format = -1; /* unset: AWS_LAMBDA_LOG_FORMAT is not set, [log] applies */
    d->invoke_mode = INVOKE_BUFFERED;
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: lambda-emulator [OPTION]... [HANDLER]\n"
            "Run AWS Lambda functions locally: serve the Invoke API and start the runtime\n"
            "(bootstrap by default) as Lambda does, each instance with its own Runtime API.\n"
            "\n"
            "  -c, --config FILE        configuration file (default $LAMBDA_RUNTIME_CONFIG,\n"
            "                           else " LR_SYSCONFDIR "/lambda-runtime.ini)\n"
            "  -l, --listen ADDR:PORT   Invoke API address (default 127.0.0.1:9000)\n"
            "      --http ADDR:PORT     also serve plain HTTP, as API Gateway and function URLs\n"
            "                           do (default $LAMBDA_HTTP_LISTEN, else off)\n"
            "      --template FILE      functions and HTTP routes from a SAM template\n"
            "      --no-console         no browser console at /console/ (default: on when\n"
            "                           listening on loopback)\n"
            "      --console            the console even when not listening on loopback\n"
            "      --events DIR         the console's saved test events (*.json files)\n"
            "      --watch              reload the functions when a file of the task root\n"
            "                           changes (inotify)\n"
            "      --extensions DIR     start the Lambda extensions in DIR with each instance\n"
            "                           (default none; /opt/extensions in the image)\n"
            "      --no-freeze          do not freeze (SIGSTOP) instances between invocations\n"
            "      --task-root DIR      LAMBDA_TASK_ROOT for the runtime (default " LR_TASK_ROOT
            ")\n"
            "      --runtime CMD        runtime command, run directly or by /bin/sh "
            "(default " LR_RUNTIME_DIR "/bootstrap)\n"
            "      --concurrency N      instances per function (default 4)\n"
            "      --max-concurrency N  AWS_LAMBDA_MAX_CONCURRENCY per instance (default unset)\n"
            "      --timeout SECONDS    function timeout (default 3)\n"
            "      --init-timeout SECONDS  init phase timeout (default 10)\n"
            "      --memory-size MB     function memory size (default 128)\n"
            "      --init MODE          on-demand (default) or eager\n"
            "      --log-format FORMAT  Text or JSON: sets AWS_LAMBDA_LOG_FORMAT, and the format\n"
            "                           of START/END/REPORT (default Text, variable unset)\n"
            "  -h, --help               show this help and exit\n"
            "  -V, --version            show the version and exit\n"
            "\n"
            "HANDLER (else $_HANDLER, else the configuration) is the handler of the function\n"
            "named 'function' served when the configuration has no [function NAME] sections:\n"
            "  curl -d '{}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations\n"
            "See lambda-emulator(1) and lambda-runtime.ini(5).\n");
}

struct cli_value {
    const char *key;
    const char *value;
};

/* Apply the [emulator] keys that the environment Lambda sets may carry. */
static int apply_environment(emu_settings *st, char *err, size_t errlen)
{
    static const struct {
        const char *var, *key;
    } vars[] = {
        {"_HANDLER", "handler"},
        {"AWS_LAMBDA_FUNCTION_TIMEOUT", "timeout"},
        {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "memory_size"},
        {"AWS_LAMBDA_LOG_FORMAT", "log_format"},
        {"AWS_LAMBDA_LOG_LEVEL", "log_level"},
        {"AWS_REGION", "region"},
        {"LAMBDA_TASK_ROOT", "task_root"},
        {"LAMBDA_HTTP_LISTEN", "http_listen"},
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        char source[96];
        snprintf(source, sizeof source, "environment variable %s", vars[i].var);
        if (cfg_set_from(emulator_keys, st, vars[i].key, getenv(vars[i].var), source, err, errlen) <
            0)
            return -1;
    }
    return 0;
}

static void fill(fn_settings *s, const fn_settings *d)
{
    if (!s->handler)
        s->handler = strdup(d->handler);
    if (!s->runtime)
        s->runtime = strdup(d->runtime);
    if (!s->qualifiers && d->qualifiers)
        s->qualifiers = strdup(d->qualifiers);
#define FILL(f)   \
    if (s->f < 0) \
    s->f = d->f
    FILL(timeout);
    FILL(init_timeout);
    FILL(memory_size);
    FILL(concurrency);
    FILL(max_concurrency);
    FILL(queue);
    FILL(event_queue);
    FILL(max_retry_attempts);
    FILL(retry_delay);
    FILL(max_event_age);
    FILL(init);
    FILL(log_format);
    FILL(log_level);
    FILL(invoke_mode);
#undef FILL
    /* [emulator] env.NAME apply to every function unless it sets its own. */
    for (const env_var *e = d->env; e; e = e->next) {
        int own = 0;
        for (const env_var *o = s->env; o; o = o->next)
            own |= strcmp(o->name, e->name) == 0;
        if (!own)
            env_set(&s->env, e->name, e->value);
    }
}

/* "option --task-root needs a value": ARG is the word getopt stopped at
 * ("--task-root", or "-c" alone or ending a cluster such as "-hc"), OPT the
 * option's value in the table (a letter for the short ones). */
static void missing_value(char *err, size_t errlen, const char *arg, int opt)
{
    if (strncmp(arg, "--", 2) == 0 || opt <= 0 || opt > 127)
        snprintf(err, errlen, "option %s needs a value (see --help)", arg);
    else
        snprintf(err, errlen, "option -%c needs a value (see --help)", opt);
}

/* What the command line said: settings by key, --config, the HANDLER. */
typedef struct cli_args {
    struct cli_value v[16];
    size_t n;
    const char *config, *handler;
} cli_args;

/* Options that name a function setting override every function. */
static const char *const forced[] = {"runtime", "concurrency",  "max_concurrency",
                                     "timeout", "init_timeout", "memory_size",
                                     "init",    "log_format",   NULL};

/* The options that set no setting (getopt's table starts with them). */
static const struct option fixed_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
};

/* Parse the command line into a.  Returns 0, 1 (--help or --version
 * answered: exit 0) or -1 with err. */
static int parse_cli(cli_args *a, int argc, char **argv, char *err, size_t errlen)
{
    /* The long options that set a setting, and its key: one table, from
     * which getopt's is built (an option's value is 256 + its index). */
    static const struct {
        const char *name, *key;
    } setting_opts[] = {
        {"task-root", "task_root"},       {"runtime", "runtime"},
        {"concurrency", "concurrency"},   {"max-concurrency", "max_concurrency"},
        {"timeout", "timeout"},           {"init-timeout", "init_timeout"},
        {"memory-size", "memory_size"},   {"init", "init"},
        {"log-format", "log_format"},     {"http", "http_listen"},
        {"template", "template"},         {"events", "events"},
        {"extensions", "extensions_dir"},
    };
    /* Options without a value that set a setting. */
    static const struct {
        const char *name, *key, *value;
    } flag_opts[] = {
        {"watch", "watch", "true"},
        {"console", "console", "on"},
        {"no-console", "console", "off"},
        {"no-freeze", "freeze", "false"},
    };
    enum { NFLAG = sizeof flag_opts / sizeof flag_opts[0] };
    enum { NSET = sizeof setting_opts / sizeof setting_opts[0], O_FIRST = 256 };
    /* The options of their own, then the two tables, then getopt's
     * all-zero terminator: every index below derives from these counts. */
    enum { NFIXED = sizeof fixed_opts / sizeof fixed_opts[0] };
    struct option options[NFIXED + NSET + NFLAG + 1];
    _Static_assert(sizeof options / sizeof options[0] == NFIXED + NSET + NFLAG + 1,
                   "getopt's table: the fixed options, both tables and the terminator");
    memcpy(options, fixed_opts, sizeof fixed_opts);
    for (int i = 0; i < (int)NSET; i++)
        options[NFIXED + i] =
            (struct option){setting_opts[i].name, required_argument, NULL, O_FIRST + i};
    for (int i = 0; i < (int)NFLAG; i++)
        options[NFIXED + NSET + i] =
            (struct option){flag_opts[i].name, no_argument, NULL, O_FIRST + NSET + i};
    options[NFIXED + NSET + NFLAG] = (struct option){NULL, 0, NULL, 0};
    memset(a, 0, sizeof *a);
    optind = 1;
    opterr = 0;
    int c;
    /* A leading ':' (after '+'): a missing value returns ':', told apart
     * from an unknown option. */
    while ((c = getopt_long(argc, argv, "+:c:l:hV", options, NULL)) != -1) {
        const char *key =
            c >= O_FIRST && c < O_FIRST + (int)NSET ? setting_opts[c - O_FIRST].key : NULL;
        const char *value = optarg;
        if (c >= O_FIRST + (int)NSET && c < O_FIRST + (int)(NSET + NFLAG)) {
            key = flag_opts[c - O_FIRST - NSET].key;
            value = flag_opts[c - O_FIRST - NSET].value;
        }
        switch (c) {
        case 'c': a->config = optarg; break;
        case 'l': key = "listen"; break;
        case 'h': usage(stdout); return 1;
        case 'V': printf("lambda-emulator (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 1;
        case ':': missing_value(err, errlen, argv[optind - 1], optopt); return -1;
        default:
            if (key)
                break;
            snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
            return -1;
        }
        if (key && a->n < sizeof a->v / sizeof a->v[0])
            a->v[a->n++] = (struct cli_value){key, value};
    }
    if (argc - optind > 1) {
        snprintf(err, errlen, "expected at most one HANDLER argument, got '%s' and '%s'",
                 argv[optind], argv[optind + 1]);
        return -1;
    }
    a->handler = optind < argc ? argv[optind] : NULL;
    return 0;
}

/* The sources in order of precedence, lowest first: the configuration file
 * (--config, else LAMBDA_RUNTIME_CONFIG, else the default path, which may
 * be missing), the environment, the options, the HANDLER argument. */
static int load_sources(emu_settings *st, const cli_args *a, char *err, size_t errlen)
{
    const char *config = a->config;
    int missing_ok = 0;
    if (!config)
        config = getenv("LAMBDA_RUNTIME_CONFIG");
    if (!config || !*config) {
        config = LR_SYSCONFDIR "/lambda-runtime.ini";
        missing_ok = 1;
    }
    if (cfg_load(config, sections, st, missing_ok, err, errlen) < 0)
        return -1;
    FILE *probe = fopen(config, "r");
    if (probe) {
        fclose(probe);
        st->config_path = strdup(config);
    }
    if (apply_environment(st, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < a->n; i++) {
        char source[64];
        snprintf(source, sizeof source, "command-line option for %s", a->v[i].key);
        if (cfg_set_from(emulator_keys, st, a->v[i].key, a->v[i].value, source, err, errlen) < 0)
            return -1;
        if (!*a->v[i].value) {
            snprintf(err, errlen, "%s: empty value", source);
            return -1;
        }
    }
    if (a->handler &&
        cfg_set_from(emulator_keys, st, "handler", a->handler, "HANDLER argument", err, errlen) < 0)
        return -1;
    return 0;
}

/* The template's functions and routes, then every function: the options
 * that override them, the defaults for what is unset, and the checks; last
 * the HTTP front's routes. */
static int finish_functions(emu_settings *st, const cli_args *a, char *err, size_t errlen)
{
    if (st->template_path && *st->template_path && sam_load(st, st->template_path, err, errlen) < 0)
        return -1;
    if (!st->functions) {
        char msg[64];
        if (!target_function(st, "function", msg, sizeof msg)) {
            snprintf(err, errlen, "%s", msg);
            return -1;
        }
    }
    for (function_cfg *f = st->functions; f; f = f->next) {
        for (size_t i = 0; i < a->n; i++)
            for (int k = 0; forced[k]; k++)
                if (strcmp(a->v[i].key, forced[k]) == 0 &&
                    cfg_set(function_keys, &f->s, a->v[i].key, a->v[i].value, err, errlen) != 0)
                    return -1;
        fill(&f->s, &st->defaults);
        if (!f->s.handler || !f->s.runtime) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (f->s.timeout <= 0 || f->s.init_timeout <= 0) {
            snprintf(err, errlen,
                     "function %s: timeout and init_timeout must be more than 0 seconds", f->name);
            return -1;
        }
        if (!*f->s.runtime) {
            snprintf(err, errlen,
                     "function %s: the runtime command is empty; set runtime = PATH or --runtime",
                     f->name);
            return -1;
        }
    }
    return front_settings_finish(st, err, errlen);
}

int emu_settings_set(emu_settings *st, const char *fn, const char *key, const char *value,
                     char *err, size_t errlen)
{
    void *target = fn ? target_function(st, fn, err, errlen) : &st->defaults;
    if (!target || !key)
        return target ? 0 : -1;
    int rc = cfg_set(function_keys, target, key, value, err, errlen);
    return rc > 0 ? other_env(&((fn_settings *)target)->env, key, value, err, errlen) : rc;
}

int emu_settings_load(emu_settings *st, int argc, char **argv, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (set_defaults(st) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cli_args a;
    int rc = parse_cli(&a, argc, argv, err, errlen);
    if (rc != 0)
        return rc;
    if (load_sources(st, &a, err, errlen) < 0 || finish_functions(st, &a, err, errlen) < 0)
        return -1;
    return 0;
}

static void fn_free(fn_settings *s)
{
    cfg_free(function_keys, s);
    env_free(s->env);
}

void emu_settings_free(emu_settings *st)
{
    for (function_cfg *f = st->functions, *next; f; f = next) {
        next = f->next;
        fn_free(&f->s);
        free(f->name);
        free(f);
    }
    fn_free(&st->defaults);
    free(st->config_path);
    free(st->listen);
    free(st->task_root);
    free(st->region);
    free(st->account_id);
    free(st->http_listen);
    free(st->template_path);
    free(st->events_dir);
    free(st->extensions_dir);
    front_settings_free(st);
    memset(st, 0, sizeof *st);
}

int emu_settings_has_qualifier(const fn_settings *s, const char *q)
{
    if (strcmp(q, "$LATEST") == 0)
        return 1;
    size_t n = strlen(q);
    for (const char *p = s->qualifiers; p && *p;) {
        p += strspn(p, ", \t");
        size_t len = strcspn(p, ", \t");
        if (len == n && n && strncmp(p, q, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}
