/*
 * lambda-extension.c -- the host of Lambda extensions written in C
 * (lambda/extension.h).  Installed as the executable in /opt/extensions
 * (a copy or a symlink named after the extension), it loads the plugin
 * PLUGIN_DIR/NAME.so (NAME: its own file name; PLUGIN_DIR:
 * $LAMBDA_EXTENSION_PLUGIN_DIR, else /opt/lambda-extensions) or the .so
 * given as its argument, registers NAME with the Extensions API, subscribes
 * to the Telemetry API when the plugin asks (a loopback listener of its
 * own), and calls the plugin for each event and telemetry batch.  See
 * lambda-extension(1).
 */
#include "config.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lambda/extension.h"

#define ME "lambda-extension"
#define BODY_LIMIT (4 * 1024 * 1024) /* a telemetry batch: maxBytes is at most 1 MB */

static const lambda_extension *ext;
static pthread_mutex_t calls = PTHREAD_MUTEX_INITIALIZER; /* one callback at a time */
static char name[256], api[256], ext_id[128];
static volatile long batches; /* telemetry batches received */

static const lambda_extension *load(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, ME ": cannot load the extension plugin %s: %s\n", path, dlerror());
        return NULL;
    }
    const lambda_extension *d = dlsym(h, LAMBDA_EXTENSION_SYMBOL);
    if (!d) {
        fprintf(stderr,
                ME ": %s has no " LAMBDA_EXTENSION_SYMBOL ": declare it with "
                   "LAMBDA_EXTENSION() (lambda/extension.h)\n",
                path);
        return NULL;
    }
    if (d->abi_version != LAMBDA_EXTENSION_ABI_VERSION || d->size < LAMBDA_EXTENSION_MIN_SIZE) {
        fprintf(stderr,
                ME ": %s was built for extension ABI %u (size %u); this host has ABI %u: "
                   "rebuild it against this lambda/extension.h\n",
                path, d->abi_version, d->size, LAMBDA_EXTENSION_ABI_VERSION);
        return NULL;
    }
    return d;
}

/* ------------------------------------------------------------------------
 * The Extensions API (libcurl)
 * ------------------------------------------------------------------------ */

typedef struct reply {
    char *body;
    size_t len;
    char id[128]; /* Lambda-Extension-Identifier */
} reply;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    size_t add = size * n;
    if (r->len + add > BODY_LIMIT)
        return 0;
    char *b = realloc(r->body, r->len + add + 1);
    if (!b)
        return 0;
    memcpy(b + r->len, p, add);
    r->body = b;
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    size_t len = size * n;
    const char *h = "Lambda-Extension-Identifier:";
    if (len > strlen(h) && strncasecmp(p, h, strlen(h)) == 0) {
        const char *v = p + strlen(h);
        while (*v == ' ')
            v++;
        size_t vl = strcspn(v, "\r\n");
        if (vl < sizeof r->id) {
            memcpy(r->id, v, vl);
            r->id[vl] = '\0';
        }
    }
    return len;
}

/* METHOD path with body and extra headers; the HTTP status, or -1. */
static long call(const char *method, const char *path, const char *body, const char *h1,
                 const char *h2, reply *r)
{
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    char url[512], hdr[2][512];
    snprintf(url, sizeof url, "http://%s%s", api, path);
    struct curl_slist *hs = curl_slist_append(NULL, "Content-Type: application/json");
    const char *extra[2] = {h1, h2};
    for (int i = 0; i < 2; i++)
        if (extra[i]) {
            snprintf(hdr[i], sizeof hdr[i], "%s", extra[i]);
            hs = curl_slist_append(hs, hdr[i]);
        }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return status;
}

static int do_register(void)
{
    char hname[300], body[96];
    snprintf(hname, sizeof hname, "Lambda-Extension-Name: %s", name);
    snprintf(body, sizeof body, "{\"events\":[%s%s%s]}",
             ext->events & LAMBDA_EXT_INVOKE ? "\"INVOKE\"" : "",
             (ext->events & 3u) == 3u ? "," : "",
             ext->events & LAMBDA_EXT_SHUTDOWN ? "\"SHUTDOWN\"" : "");
    reply r = {0};
    long st = call("POST", "/2020-01-01/extension/register", body, hname, NULL, &r);
    free(r.body);
    if (st != 200 || !r.id[0]) {
        fprintf(stderr,
                ME ": %s: register answered %ld; is AWS_LAMBDA_RUNTIME_API (%s) the "
                   "Runtime API of this environment?\n",
                name, st, api);
        return -1;
    }
    snprintf(ext_id, sizeof ext_id, "%s", r.id);
    return 0;
}

/* ------------------------------------------------------------------------
 * The Telemetry API listener (libmicrohttpd, its own thread)
 * ------------------------------------------------------------------------ */

typedef struct tconn {
    char *body;
    size_t len;
    int too_large;
} tconn;

static enum MHD_Result on_batch(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *data,
                                size_t *size, void **con_cls)
{
    (void)cls, (void)url, (void)method, (void)version;
    tconn *t = *con_cls;
    if (!t) {
        *con_cls = calloc(1, sizeof *t);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*size) {
        char *b = t->len + *size <= BODY_LIMIT ? realloc(t->body, t->len + *size + 1) : NULL;
        if (!b)
            t->too_large = 1;
        else {
            memcpy(b + t->len, data, *size);
            t->body = b;
            t->len += *size;
            t->body[t->len] = '\0';
        }
        *size = 0;
        return MHD_YES;
    }
    json_object *doc = t->body && !t->too_large ? json_tokener_parse(t->body) : NULL;
    if (doc && json_object_is_type(doc, json_type_array) && ext->on_telemetry) {
        pthread_mutex_lock(&calls);
        ext->on_telemetry(doc);
        pthread_mutex_unlock(&calls);
    }
    json_object_put(doc);
    __atomic_add_fetch(&batches, 1, __ATOMIC_RELAXED);
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static void batch_done(void *cls, struct MHD_Connection *c, void **con_cls,
                       enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    tconn *t = *con_cls;
    if (t) {
        free(t->body);
        free(t);
    }
    *con_cls = NULL;
}

static int subscribe(void)
{
    static struct sockaddr_in lo;
    lo.sin_family = AF_INET;
    lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, on_batch, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, batch_done, NULL, MHD_OPTION_SOCK_ADDR, &lo, MHD_OPTION_END);
    const union MHD_DaemonInfo *di = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!di) {
        fprintf(stderr, ME ": %s: cannot listen for telemetry on 127.0.0.1\n", name);
        return -1;
    }
    char body[512], hid[200];
    static const char *const types[] = {"platform", "function", "extension"};
    int n = snprintf(body, sizeof body, "{\"schemaVersion\":\"2022-12-13\",\"types\":[");
    for (int i = 0, first = 1; i < 3; i++)
        if (ext->telemetry & (1u << i)) {
            n +=
                snprintf(body + n, sizeof body - (size_t)n, "%s\"%s\"", first ? "" : ",", types[i]);
            first = 0;
        }
    snprintf(body + n, sizeof body - (size_t)n,
             "],\"buffering\":{\"maxItems\":1000,\"maxBytes\":262144,\"timeoutMs\":25},"
             "\"destination\":{\"protocol\":\"HTTP\",\"URI\":\"http://sandbox.localdomain:%u\"}}",
             (unsigned)di->port);
    snprintf(hid, sizeof hid, "Lambda-Extension-Identifier: %s", ext_id);
    reply r = {0};
    long st = call("PUT", "/2022-07-01/telemetry", body, hid, NULL, &r);
    if (st != 200)
        fprintf(stderr, ME ": %s: the telemetry subscription answered %ld: %s\n", name, st,
                r.body ? r.body : "");
    free(r.body);
    return st == 200 ? 0 : -1;
}

/* ------------------------------------------------------------------------
 * The event loop
 * ------------------------------------------------------------------------ */

static void init_error(const char *type)
{
    char hid[200], ht[200];
    snprintf(hid, sizeof hid, "Lambda-Extension-Identifier: %s", ext_id);
    snprintf(ht, sizeof ht, "Lambda-Extension-Function-Error-Type: %s", type);
    reply r = {0};
    call("POST", "/2020-01-01/extension/init/error", "{}", hid, ht, &r);
    free(r.body);
}

/* After SHUTDOWN: let the telemetry still on its way arrive (until no batch
 * came for 200 ms, at most until 300 ms before the deadline). */
static void drain(json_object *ev)
{
    json_object *v;
    int64_t deadline =
        json_object_object_get_ex(ev, "deadlineMs", &v) ? json_object_get_int64(v) : 0;
    long seen = -1;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        long b = __atomic_load_n(&batches, __ATOMIC_RELAXED);
        if (b == seen || (deadline && now > deadline - 300))
            return;
        seen = b;
        usleep(200000);
    }
}

static int loop(void)
{
    char hid[200];
    snprintf(hid, sizeof hid, "Lambda-Extension-Identifier: %s", ext_id);
    for (;;) {
        reply r = {0};
        long st = call("GET", "/2020-01-01/extension/event/next", NULL, hid, NULL, &r);
        json_object *ev = st == 200 && r.body ? json_tokener_parse(r.body) : NULL;
        free(r.body);
        json_object *t;
        const char *type =
            ev && json_object_object_get_ex(ev, "eventType", &t) ? json_object_get_string(t) : NULL;
        if (!type) {
            fprintf(stderr, ME ": %s: event/next answered %ld; exiting\n", name, st);
            json_object_put(ev);
            return 1;
        }
        int shutdown = strcmp(type, "SHUTDOWN") == 0;
        void (*cb)(json_object *) = shutdown ? ext->on_shutdown : ext->on_invoke;
        if (shutdown && ext->telemetry)
            drain(ev);
        if (cb) {
            pthread_mutex_lock(&calls);
            cb(ev);
            pthread_mutex_unlock(&calls);
        }
        json_object_put(ev);
        if (shutdown)
            return 0;
    }
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    snprintf(name, sizeof name, "%s", base ? base + 1 : argv[0]);
    const char *rapi = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!rapi || !*rapi || argc > 2) {
        fprintf(stderr,
                "usage: %s [PLUGIN.so]  (run by Lambda from /opt/extensions, with "
                "AWS_LAMBDA_RUNTIME_API set)\n",
                ME);
        return 2;
    }
    snprintf(api, sizeof api, "%s", rapi);
    char path[4096];
    const char *dir = getenv("LAMBDA_EXTENSION_PLUGIN_DIR");
    if (argc == 2)
        snprintf(path, sizeof path, "%s", argv[1]);
    else
        snprintf(path, sizeof path, "%s/%s.so", dir && *dir ? dir : "/opt/lambda-extensions", name);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!(ext = load(path)) || do_register() < 0)
        return 1;
    if (ext->init && ext->init() != 0) {
        init_error("Extension.PluginInitError");
        return 1;
    }
    if (ext->telemetry && ext->on_telemetry && subscribe() < 0)
        return 1;
    return loop();
}
