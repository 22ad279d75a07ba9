/*
 * console.c -- the browser console under /console/ on the Invoke API's
 * address: the page (console_assets.c), GET /console/api/functions (the
 * functions, their settings and instances), GET /console/api/samples (the
 * saved test events: the built-in API Gateway sample and the *.json files of
 * --events DIR), and the live invocations (console_sse.c).  The Test tab
 * invokes through the Invoke API itself, as any caller does.
 *
 * On by default only when the Invoke API listens on loopback (console =
 * auto); then it also answers only loopback peers and requests whose Host
 * is a loopback name, so that neither another machine nor a web page that
 * rebinds its own name to 127.0.0.1 can read it.
 */
#include "config.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "clock.h"
#include "console.h"
#include "emulator.h"
#include "evbus.h"
#include "front.h"
#include "http.h"

/* The bus's bounds for the console: about 3 records per invocation. */
#define RING_RECORDS 16384
#define RING_BYTES (8 * 1024 * 1024)
/* Saved test events: at most this many files, each at most this big. */
#define MAX_SAMPLES 200
#define MAX_SAMPLE_BYTES (256 * 1024)

static int enabled, strict, bus_open;
static emu *the_emu;
/* The keep-alive thread: kicks the waiting live streams every
 * CONSOLE_KEEPALIVE_S.  Started with the first live stream and asleep while
 * none is open, so an emulator nobody watches never wakes for it. */
static pthread_t kicker;
static pthread_mutex_t kick_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kick_cv = PTHREAD_COND_INITIALIZER;
static int kicking, kick_stop, streams;

static void *kick_main(void *arg)
{
    pthread_setname_np(pthread_self(), "console-kick");
    pthread_mutex_lock(&kick_lock);
    while (!kick_stop) {
        if (streams == 0) {
            pthread_cond_wait(&kick_cv, &kick_lock);
            continue;
        }
        struct timespec ts;
        clock_realtime_after(&ts, CONSOLE_KEEPALIVE_S * 1000);
        if (pthread_cond_timedwait(&kick_cv, &kick_lock, &ts) == ETIMEDOUT && !kick_stop)
            evbus_kick();
    }
    pthread_mutex_unlock(&kick_lock);
    return NULL;
}

int console_stream_opened(void)
{
    int rc = 0;
    pthread_mutex_lock(&kick_lock);
    if (!kicking && !kick_stop) {
        if (pthread_create(&kicker, NULL, kick_main, NULL) == 0)
            kicking = 1;
        else
            rc = -1;
    }
    if (rc == 0 && streams++ == 0)
        pthread_cond_signal(&kick_cv);
    pthread_mutex_unlock(&kick_lock);
    return rc;
}

void console_stream_closed(void)
{
    pthread_mutex_lock(&kick_lock);
    streams--;
    pthread_mutex_unlock(&kick_lock);
}

static int loopback_host(const char *host)
{
    struct in_addr a;
    char h[64];
    snprintf(h, sizeof h, "%.*s", (int)strcspn(host, ":"), host);
    if (strcmp(h, "localhost") == 0 || strcmp(h, "") == 0)
        return strcmp(h, "localhost") == 0;
    return inet_pton(AF_INET, h, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

int console_start(emu *e, char *err, size_t errlen)
{
    const emu_settings *st = e->st;
    the_emu = e;
    enabled =
        st->console == CONSOLE_ON || (st->console == CONSOLE_AUTO && loopback_host(st->listen));
    strict = st->console != CONSOLE_ON;
    if (!enabled)
        return 0;
    if (evbus_open(RING_RECORDS, RING_BYTES) < 0) {
        snprintf(err, errlen, "out of memory for the console's event ring");
        return -1;
    }
    bus_open = 1;
    kick_stop = 0;
    return 0;
}

int console_enabled(void)
{
    return enabled;
}

void console_shutdown(void)
{
    pthread_mutex_lock(&kick_lock);
    kick_stop = 1;
    int join = kicking;
    kicking = 0;
    pthread_cond_signal(&kick_cv);
    pthread_mutex_unlock(&kick_lock);
    if (join)
        pthread_join(kicker, NULL);
    if (bus_open)
        evbus_shutdown();
}

void console_stop(void)
{
    if (bus_open)
        evbus_close();
    bus_open = enabled = 0;
}

int console_request(const char *url)
{
    return enabled && strncmp(url, "/console", 8) == 0 && (url[8] == '\0' || url[8] == '/');
}

/* console = auto: a loopback peer, with a loopback Host. */
static int allowed(struct MHD_Connection *c)
{
    if (!strict)
        return 1;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr_in *sa = ci ? (const struct sockaddr_in *)ci->client_addr : NULL;
    if (!sa || sa->sin_family != AF_INET || (ntohl(sa->sin_addr.s_addr) >> 24) != 127)
        return 0;
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    return host && loopback_host(host);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return http_reply(c, status, "text/plain; charset=utf-8", text, strlen(text), (char *)NULL);
}

static enum MHD_Result reply_json(struct MHD_Connection *c, json_object *o)
{
    size_t n;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    enum MHD_Result rc =
        http_reply(c, 200, "application/json", s, n, "Cache-Control", "no-store", (char *)NULL);
    json_object_put(o);
    return rc;
}

static json_object *function_json(function *fn)
{
    const fn_settings *s = fn->s;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(fn->name));
    json_object_object_add(o, "handler", json_object_new_string(s->handler));
    json_object_object_add(o, "runtime", json_object_new_string(s->runtime));
    json_object_object_add(o, "timeout", json_object_new_double(s->timeout));
    json_object_object_add(o, "memory", json_object_new_int64(s->memory_size));
    json_object_object_add(o, "concurrency", json_object_new_int64(s->concurrency));
    json_object_object_add(o, "maxConcurrency", json_object_new_int64(s->max_concurrency));
    long warm = 0, busy = 0;
    for (instance *i = fn->instances; i; i = i->next)
        if (!i->dead && !i->killed) {
            warm += i->ready;
            busy += i->busy > 0;
        }
    json_object_object_add(o, "warm", json_object_new_int64(warm));
    json_object_object_add(o, "busy", json_object_new_int64(busy));
    json_object_object_add(o, "queued", json_object_new_int64(fn->queued));
    json_object *routes = json_object_new_array();
    for (const front_route *r = fn->emu->st->routes; r; r = r->next)
        if (!r->function || strcmp(r->function, fn->name) == 0)
            json_object_array_add(routes, json_object_new_string(r->key));
    json_object_object_add(o, "routes", routes);
    return o;
}

static enum MHD_Result functions(struct MHD_Connection *c, emu *e)
{
    json_object *o = json_object_new_object();
    json_object *list = json_object_new_array();
    pthread_mutex_lock(&e->lock);
    for (function *fn = e->functions; fn; fn = fn->next)
        json_object_array_add(list, function_json(fn));
    pthread_mutex_unlock(&e->lock);
    json_object_object_add(o, "functions", list);
    json_object_object_add(o, "watch", json_object_new_boolean(e->st->watch));
    json_object_object_add(o, "httpFront", json_object_new_int64(e->http_port));
    return reply_json(c, o);
}

static void add_sample(json_object *list, const char *name, const char *text, size_t len)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "event", json_object_new_string_len(text, (int)len));
    json_object_array_add(list, o);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* The *.json files of dir, by name (at most MAX_SAMPLES, each at most
 * MAX_SAMPLE_BYTES; others are listed with what is wrong). */
static void add_dir_samples(json_object *list, const char *dir)
{
    static const char unreadable[] = "{\"error\": \"cannot read this file, or over 256 KB\"}";
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    for (int i = 0, kept = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t nl = strlen(name);
        if (kept < MAX_SAMPLES && nl > 5 && strcmp(name + nl - 5, ".json") == 0) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            FILE *f = fopen(path, "r");
            char *buf = malloc(MAX_SAMPLE_BYTES + 1);
            size_t len = f && buf ? fread(buf, 1, MAX_SAMPLE_BYTES + 1, f) : 0;
            if (f && buf && len <= MAX_SAMPLE_BYTES)
                add_sample(list, name, buf, len);
            else
                add_sample(list, name, unreadable, strlen(unreadable));
            if (f)
                fclose(f);
            free(buf);
            kept++;
        }
        free(names[i]);
    }
    free(names);
}

static enum MHD_Result samples(struct MHD_Connection *c, emu *e)
{
    json_object *list = json_object_new_array();
    const console_asset *a = console_asset_find("sample-apigw-hello.json");
    if (a)
        add_sample(list, "API Gateway GET /hello?name=Chris (built in)", a->data, a->len);
    if (e->st->events_dir)
        add_dir_samples(list, e->st->events_dir);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "samples", list);
    json_object_object_add(o, "dir",
                           e->st->events_dir ? json_object_new_string(e->st->events_dir) : NULL);
    return reply_json(c, o);
}

static enum MHD_Result asset(struct MHD_Connection *c, const char *name)
{
    const console_asset *a = console_asset_find(name);
    if (!a)
        return reply_text(c, 404, "not found\n");
    return http_reply(c, 200, a->type, a->data, a->len, "Cache-Control", "no-cache",
                      "X-Content-Type-Options", "nosniff", "Content-Security-Policy",
                      "default-src 'self'; script-src 'self'; style-src 'self'; "
                      "object-src 'none'; frame-ancestors 'none'",
                      (char *)NULL);
}

enum MHD_Result console_handle(emu *e, struct MHD_Connection *c, const char *url,
                               const char *method, void **state)
{
    if (*state)
        return MHD_YES; /* the stream is answering */
    if (!allowed(c))
        return reply_text(c, 403,
                          "the console answers loopback callers only, with a loopback Host "
                          "(see console in lambda-runtime.ini(5))\n");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return http_reply(c, 405, "text/plain; charset=utf-8", "GET only\n", strlen("GET only\n"),
                          "Allow", "GET", (char *)NULL);
    if (strcmp(url, "/console") == 0)
        return http_reply(c, 308, "text/plain", "", 0, "Location", "/console/", (char *)NULL);
    const char *name = url + 9; /* after "/console/" */
    if (strcmp(name, "api/events") == 0)
        return console_sse(c, state);
    if (strcmp(name, "api/functions") == 0)
        return functions(c, e);
    if (strcmp(name, "api/samples") == 0)
        return samples(c, e);
    return asset(c, name);
}

void console_done(void *state)
{
    if (state)
        console_sse_done(state);
}
