/*
 * rapi-server.c -- a scripted Lambda Runtime API on loopback for the
 * integration tests and the benchmarks.  It listens on 127.0.0.1 (a port the
 * kernel picks), runs COMMAND with AWS_LAMBDA_RUNTIME_API pointing at itself,
 * serves the invocations of SCRIPT in order, records everything the runtime
 * sends, and stops COMMAND (SIGTERM) when it asks for an invocation after the
 * last one.
 *
 *   rapi-server -d DIR -s SCRIPT [-t SECONDS] [-p PREFIX] [-r REPEAT] [-i MODE] [-a] [-q] -- COMMAND [ARG]...
 *
 * -a: stop COMMAND only once every invocation served has been answered
 * (a post to its /response or /error), not at the first poll after the
 * last: with several threads polling, one may ask again while another is
 * still reading its invocation, and Lambda never stops a runtime with an
 * invocation in flight.
 * -i MODE: how POST /runtime/init/error is answered: 202 (default), or
 * hang / short as post= below.
 *
 * SCRIPT lines (fields separated by TABs; # starts a comment):
 *   invoke FILE [id=ID|noid] [post=STATUS] [deadline=MS] [Header-Name: value]...
 *          serve FILE's bytes as the next event (request id ID, default
 *          req-N, or no Lambda-Runtime-Aws-Request-Id header at all with
 *          noid; the runtime's post for it is answered with STATUS,
 *          default 202, or never (post=hang: the answer is held until the
 *          server stops), or with a body one byte shorter than its
 *          Content-Length (post=short), or stop reading the body after
 *          its first bytes (post=stall); deadline MS from now, default
 *          300000), with the extra headers given; term=MS sends COMMAND a
 *          SIGTERM MS milliseconds after serving the event; delay=MS holds
 *          the GET /next MS milliseconds before answering
 *   status STATUS   answer the next GET /next with STATUS (e.g. 500)
 *   vanish          close the connection and stop listening
 *
 * Recorded in DIR: `requests` (one line per request: METHOD PATH STATUS),
 * post-K.path / post-K.headers / post-K.body for the K-th POST (not with
 * -q), next-K.headers for the K-th GET, `status` (COMMAND's end: "exit N",
 * "signal N" or "timeout"), `first-next-us` (microseconds from starting
 * COMMAND to its first GET /next), `vmhwm-kb` (COMMAND's peak RSS when it
 * was stopped), `vmhwm-children-kb` (the sum over its child processes) and,
 * when COMMAND failed, `listener` (whether this server still accepted
 * connections on the port it gave COMMAND, or "not listening (vanish)").  Exit status: 0, 2 for usage errors, 3 on timeout.
 */
#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

#define MAX_HEADERS 16
#define POST_HANG 1  /* post=hang: never answer the post */
#define POST_SHORT 2 /* post=short: answer one byte short of Content-Length */
#define POST_STALL 3 /* post=stall: stop reading the body after its first bytes */

typedef enum { STEP_INVOKE, STEP_STATUS, STEP_VANISH } step_kind;

typedef struct step {
    step_kind kind;
    char *event;
    size_t event_len;
    char id[1024];
    int noid;                     /* send no request id header */
    unsigned post_status, status; /* post_status: POST_HANG, POST_SHORT or HTTP */
    long long deadline;
    long long term_ms;  /* -1: none */
    long long delay_ms; /* hold GET /next this long first */
    char *headers[MAX_HEADERS];
    int nheaders;
} step;

static struct {
    const char *dir, *prefix;
    unsigned init_post; /* the answer to /runtime/init/error (-i) */
    int quiet;
    step *steps;
    int nsteps, repeat;
    /* guarded by lock */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    long served; /* steps handed out */
    int posts, gets;
    int await_answers; /* -a */
    long unanswered;   /* invocations served and not yet posted for */
    int done, vanished, shutdown;
    long long first_next_us;
    long long started_us;
    long long term_at_us; /* when to send SIGTERM (0: not scheduled) */
    FILE *requests;
} S = {.prefix = "",
       .repeat = 1,
       .init_post = 202,
       .lock = PTHREAD_MUTEX_INITIALIZER,
       .cond = PTHREAD_COND_INITIALIZER,
       .first_next_us = -1};

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rapi-server: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open event file %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        die("out of memory reading %s", path);
    *len = n;
    return buf;
}

static void load_script(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open script %s: %s", path, strerror(errno));
    char line[8192];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        S.steps = realloc(S.steps, sizeof(step) * (size_t)(S.nsteps + 1));
        step *st = &S.steps[S.nsteps++];
        memset(st, 0, sizeof *st);
        char *save, *tok = strtok_r(line, "\t", &save);
        if (strcmp(tok, "vanish") == 0) {
            st->kind = STEP_VANISH;
        } else if (strcmp(tok, "status") == 0) {
            st->kind = STEP_STATUS;
            tok = strtok_r(NULL, "\t", &save);
            st->status = tok ? (unsigned)atoi(tok) : 0;
            if (st->status < 100 || st->status > 599)
                die("%s:%d: status needs an HTTP status", path, lineno);
        } else if (strcmp(tok, "invoke") == 0) {
            st->kind = STEP_INVOKE;
            st->post_status = 202;
            st->deadline = 300000;
            st->term_ms = -1;
            snprintf(st->id, sizeof st->id, "req-%d", S.nsteps);
            tok = strtok_r(NULL, "\t", &save);
            if (!tok)
                die("%s:%d: invoke needs an event file", path, lineno);
            st->event = slurp(tok, &st->event_len);
            while ((tok = strtok_r(NULL, "\t", &save))) {
                if (strncmp(tok, "id=", 3) == 0)
                    snprintf(st->id, sizeof st->id, "%s", tok + 3);
                else if (strcmp(tok, "noid") == 0)
                    st->noid = 1;
                else if (strcmp(tok, "post=hang") == 0)
                    st->post_status = POST_HANG;
                else if (strcmp(tok, "post=short") == 0)
                    st->post_status = POST_SHORT;
                else if (strcmp(tok, "post=stall") == 0)
                    st->post_status = POST_STALL;
                else if (strncmp(tok, "post=", 5) == 0)
                    st->post_status = (unsigned)atoi(tok + 5);
                else if (strncmp(tok, "term=", 5) == 0)
                    st->term_ms = atoll(tok + 5);
                else if (strncmp(tok, "delay=", 6) == 0)
                    st->delay_ms = atoll(tok + 6);
                else if (strncmp(tok, "deadline=", 9) == 0)
                    st->deadline = atoll(tok + 9);
                else if (strchr(tok, ':') && st->nheaders < MAX_HEADERS)
                    st->headers[st->nheaders++] = strdup(tok);
                else
                    die("%s:%d: unknown invoke option '%s'", path, lineno, tok);
            }
        } else {
            die("%s:%d: unknown directive '%s' (invoke, status, vanish)", path, lineno, tok);
        }
    }
    fclose(f);
}

static void write_file(const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", S.dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        die("cannot write %s: %s", path, strerror(errno));
    fwrite(data, 1, len, f);
    fclose(f);
}

static MHD_RESULT dump_header(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    fprintf(cls, "%s: %s\n", key, value ? value : "");
    return MHD_YES;
}

static void record_headers(struct MHD_Connection *c, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", S.dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write %s: %s", path, strerror(errno));
    MHD_get_connection_values(c, MHD_HEADER_KIND, dump_header, f);
    fclose(f);
}

static MHD_RESULT reply(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_RESULT ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Hold the calling connection's thread until the server stops, or at most
 * ms milliseconds (0: no limit).  Returns non-zero if the server stopped. */
static int hold_until_shutdown(long long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&S.lock);
    int rc = 0;
    while (!S.shutdown && rc == 0)
        rc = ms ? pthread_cond_timedwait(&S.cond, &S.lock, &until)
                : pthread_cond_wait(&S.cond, &S.lock);
    int stopped = S.shutdown;
    pthread_mutex_unlock(&S.lock);
    return stopped;
}

/* post=short: a 202 whose body stops one byte before its Content-Length,
 * and the connection stays open. */
static ssize_t short_body(void *cls, uint64_t pos, char *buf, size_t max)
{
    static const char body[] = "{\"status\":\"OK\"}";
    if (pos + 1 < sizeof body - 1) {
        size_t n = sizeof body - 2 - (size_t)pos;
        n = n < max ? n : max;
        memcpy(buf, body + pos, n);
        return (ssize_t)n;
    }
    hold_until_shutdown(0);
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

static MHD_RESULT reply_short(struct MHD_Connection *c)
{
    struct MHD_Response *r = MHD_create_response_from_callback(sizeof "{\"status\":\"OK\"}" - 1, 64,
                                                               short_body, NULL, NULL);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_RESULT ret = MHD_queue_response(c, 202, r);
    MHD_destroy_response(r);
    return ret;
}

static void log_request(const char *method, const char *url, unsigned status)
{
    fprintf(S.requests, "%s %s %u\n", method, url, status);
    fflush(S.requests);
}

static const step *find_invoke(const char *id)
{
    for (int i = 0; i < S.nsteps; i++)
        if (S.steps[i].kind == STEP_INVOKE && strcmp(S.steps[i].id, id) == 0)
            return &S.steps[i];
    return NULL;
}

static MHD_RESULT serve_next(struct MHD_Connection *c, const char *url)
{
    pthread_mutex_lock(&S.lock);
    if (S.first_next_us < 0)
        S.first_next_us = now_us() - S.started_us;
    int k = ++S.gets;
    long idx = S.served++;
    const step *st = idx < (long)S.nsteps * S.repeat ? &S.steps[idx % S.nsteps] : NULL;
    if (!S.quiet) {
        char name[64];
        snprintf(name, sizeof name, "next-%d.headers", k);
        record_headers(c, name);
    }
    if (!st) {
        /* the script is over: hold the long poll until the runtime is stopped */
        log_request("GET", url, 0);
        S.done = 1;
        pthread_cond_broadcast(&S.cond);
        while (!S.shutdown)
            pthread_cond_wait(&S.cond, &S.lock);
        pthread_mutex_unlock(&S.lock);
        return MHD_NO;
    }
    if (st->kind == STEP_VANISH) {
        log_request("GET", url, 0);
        S.vanished = 1;
        pthread_cond_broadcast(&S.cond);
        pthread_mutex_unlock(&S.lock);
        return MHD_NO;
    }
    if (st->kind == STEP_STATUS) {
        log_request("GET", url, st->status);
        pthread_mutex_unlock(&S.lock);
        return reply(c, st->status,
                     "{\"errorMessage\":\"scripted failure\",\"errorType\":\"Test.Scripted\"}");
    }
    log_request("GET", url, 200);
    S.unanswered++;
    if (st->term_ms >= 0)
        S.term_at_us = now_us() + st->term_ms * 1000;
    pthread_mutex_unlock(&S.lock);
    if (st->delay_ms > 0 && hold_until_shutdown(st->delay_ms))
        return MHD_NO; /* stopped while holding */

    struct MHD_Response *r =
        MHD_create_response_from_buffer(st->event_len, st->event, MHD_RESPMEM_PERSISTENT);
    char deadline[32];
    snprintf(deadline, sizeof deadline, "%lld", epoch_ms() + st->deadline);
    if (!st->noid)
        MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id", st->id);
    MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms", deadline);
    MHD_add_response_header(r, "Lambda-Runtime-Invoked-Function-Arn",
                            "arn:aws:lambda:us-east-1:123456789012:function:test");
    MHD_add_response_header(r, "Content-Type", "application/json");
    for (int i = 0; i < st->nheaders; i++) {
        char name[256];
        const char *colon = strchr(st->headers[i], ':');
        snprintf(name, sizeof name, "%.*s", (int)(colon - st->headers[i]), st->headers[i]);
        const char *value = colon + 1;
        while (*value == ' ')
            value++;
        MHD_add_response_header(r, name, value);
    }
    MHD_RESULT ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

typedef struct upload {
    char *data;
    size_t len, cap;
} upload;

/* The scripted answer to a post to url. */
static unsigned post_answer(const char *url)
{
    const char *path = url + strlen(S.prefix) + strlen("/2018-06-01");
    unsigned status = 202;
    char id[1024];
    if (sscanf(path, "/runtime/invocation/%1023[^/]/", id) == 1) {
        const step *st = find_invoke(id);
        status = st ? st->post_status : 404;
    } else if (strcmp(path, "/runtime/init/error") == 0) {
        status = S.init_post;
    } else {
        status = 404;
    }
    return status;
}

static MHD_RESULT finish_post(struct MHD_Connection *c, const char *url, upload *u)
{
    unsigned status = post_answer(url);
    pthread_mutex_lock(&S.lock);
    int k = ++S.posts;
    if (strncmp(url + strlen(S.prefix), "/2018-06-01/runtime/invocation/", 31) == 0)
        S.unanswered--;
    log_request("POST", url, status);
    pthread_mutex_unlock(&S.lock);
    if (!S.quiet) {
        char name[64];
        snprintf(name, sizeof name, "post-%d.path", k);
        write_file(name, url, strlen(url));
        snprintf(name, sizeof name, "post-%d.body", k);
        write_file(name, u->data ? u->data : "", u->len);
        snprintf(name, sizeof name, "post-%d.headers", k);
        record_headers(c, name);
    }
    if (status == POST_HANG) {
        hold_until_shutdown(0);
        return MHD_NO;
    }
    if (status == POST_SHORT)
        return reply_short(c);
    if (status == 202)
        return reply(c, status, "{\"status\":\"OK\"}");
    char body[256];
    snprintf(body, sizeof body,
             "{\"errorMessage\":\"scripted answer %u\",\"errorType\":\"Test.Status%u\"}", status,
             status);
    return reply(c, status, body);
}

static MHD_RESULT on_request(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *data,
                             size_t *data_size, void **con_cls)
{
    pthread_mutex_lock(&S.lock);
    int gone = S.vanished || S.shutdown;
    pthread_mutex_unlock(&S.lock);
    if (gone)
        return MHD_NO;
    size_t plen = strlen(S.prefix);
    int ours = strncmp(url, S.prefix, plen) == 0 && strncmp(url + plen, "/2018-06-01/", 12) == 0;
    if (strcmp(method, "GET") == 0) {
        if (ours && strcmp(url + plen, "/2018-06-01/runtime/invocation/next") == 0)
            return serve_next(c, url);
        log_request(method, url, 404);
        return reply(c, 404, "{\"errorMessage\":\"no such path\",\"errorType\":\"Test.NotFound\"}");
    }
    if (strcmp(method, "POST") != 0 || !ours) {
        log_request(method, url, 404);
        return reply(c, 404, "{\"errorMessage\":\"no such path\",\"errorType\":\"Test.NotFound\"}");
    }
    upload *u = *con_cls;
    if (!u) {
        *con_cls = u = calloc(1, sizeof *u);
        return u ? MHD_YES : MHD_NO;
    }
    if (*data_size) {
        if (u->len == 0 && post_answer(url) == POST_STALL) {
            pthread_mutex_lock(&S.lock);
            log_request("POST", url, POST_STALL);
            pthread_mutex_unlock(&S.lock);
            hold_until_shutdown(0); /* read no more: the sender's buffers fill */
            return MHD_NO;
        }
        if (u->len + *data_size > u->cap) {
            size_t cap = u->cap ? u->cap * 2 : 65536;
            while (cap < u->len + *data_size)
                cap *= 2;
            char *p = realloc(u->data, cap);
            if (!p)
                return MHD_NO;
            u->data = p;
            u->cap = cap;
        }
        memcpy(u->data + u->len, data, *data_size);
        u->len += *data_size;
        *data_size = 0;
        return MHD_YES;
    }
    return finish_post(c, url, u);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    upload *u = *con_cls;
    if (u) {
        free(u->data);
        free(u);
        *con_cls = NULL;
    }
}

static void record_status(int wstatus)
{
    char text[64];
    if (WIFEXITED(wstatus))
        snprintf(text, sizeof text, "exit %d\n", WEXITSTATUS(wstatus));
    else
        snprintf(text, sizeof text, "signal %d\n", WTERMSIG(wstatus));
    write_file("status", text, strlen(text));
}

/* After COMMAND failed: is this server still listening where it said?
 * Records in `listener` the port given to COMMAND, the port the listening
 * socket is bound to, and the outcome of a connect to the given one (a
 * runtime that could not connect is then told apart from one that gave up
 * for a reason of its own). */
static void record_listener(struct MHD_Daemon *d, unsigned port)
{
    char text[256];
    if (!d) { /* stopped by the script's vanish */
        snprintf(text, sizeof text, "given port %u; not listening (vanish)\n", port);
        write_file("listener", text, strlen(text));
        return;
    }
    const union MHD_DaemonInfo *fd = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_in bound = {0}, to = {.sin_family = AF_INET,
                                          .sin_port = htons((uint16_t)port),
                                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof bound;
    if (!fd || getsockname(fd->listen_fd, (struct sockaddr *)&bound, &len) != 0)
        bound.sin_port = 0;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = s < 0 ? -1 : connect(s, (struct sockaddr *)&to, sizeof to);
    snprintf(text, sizeof text,
             "given port %u; listening socket bound to port %u; connect to it: %s\n", port,
             (unsigned)ntohs(bound.sin_port), rc == 0 ? "ok" : strerror(errno));
    if (s >= 0)
        close(s);
    write_file("listener", text, strlen(text));
}

static long vmhwm_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = 0;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

/* COMMAND's peak RSS, and its children's (bootstrap's workers). */
static void record_vmhwm(pid_t pid)
{
    char path[96], text[64];
    snprintf(text, sizeof text, "%ld\n", vmhwm_kb(pid));
    write_file("vmhwm-kb", text, strlen(text));
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    long child, sum = 0;
    while (f && fscanf(f, "%ld", &child) == 1)
        sum += vmhwm_kb((pid_t)child);
    if (f)
        fclose(f);
    snprintf(text, sizeof text, "%ld\n", sum);
    write_file("vmhwm-children-kb", text, strlen(text));
}

int main(int argc, char **argv)
{
    const char *script = NULL;
    double timeout = 30;
    int opt;
    while ((opt = getopt(argc, argv, "+d:s:t:p:r:i:aq")) != -1) {
        switch (opt) {
        case 'd': S.dir = optarg; break;
        case 's': script = optarg; break;
        case 't': timeout = atof(optarg); break;
        case 'p': S.prefix = optarg; break;
        case 'r': S.repeat = atoi(optarg); break;
        case 'q': S.quiet = 1; break;
        case 'a': S.await_answers = 1; break;
        case 'i':
            S.init_post = strcmp(optarg, "hang") == 0    ? POST_HANG
                          : strcmp(optarg, "short") == 0 ? POST_SHORT
                                                         : (unsigned)atoi(optarg);
            break;
        default:
            die("usage: rapi-server -d DIR -s SCRIPT [-t SECONDS] [-p PREFIX] [-r N] [-i MODE] "
                "[-a] [-q] -- COMMAND...");
        }
    }
    if (!S.dir || !script || optind >= argc || S.repeat < 1)
        die("usage: rapi-server -d DIR -s SCRIPT [-t SECONDS] [-p PREFIX] [-r N] [-i MODE] [-a] "
            "[-q] -- COMMAND...");
    load_script(script);
    char path[4096];
    snprintf(path, sizeof path, "%s/requests", S.dir);
    if (!(S.requests = fopen(path, "w")))
        die("cannot write %s: %s", path, strerror(errno));

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, on_request,
        NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_SOCK_ADDR,
        (const struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET,
                                                       .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_END);
    if (!d)
        die("cannot start the HTTP server on 127.0.0.1");
    /* info points into d: keep the port, d may be stopped early (vanish) */
    unsigned port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    char api[512];
    snprintf(api, sizeof api, "127.0.0.1:%u%s", port, S.prefix);
    setenv("AWS_LAMBDA_RUNTIME_API", api, 1);

    S.started_us = now_us();
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "rapi-server: cannot run %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }

    int wstatus = 0, exited = 0, rc = 0, stopped = 0;
    long long deadline = now_us() + (long long)(timeout * 1e6);
    for (;;) {
        if (waitpid(pid, &wstatus, WNOHANG) == pid) {
            exited = 1;
            break;
        }
        pthread_mutex_lock(&S.lock);
        int done = S.done && (!S.await_answers || S.unanswered <= 0), vanished = S.vanished;
        if (S.term_at_us && now_us() >= S.term_at_us) {
            S.term_at_us = 0;
            kill(pid, SIGTERM);
        }
        pthread_mutex_unlock(&S.lock);
        if (vanished && !stopped) {
            MHD_stop_daemon(d); /* nobody listens any more */
            stopped = 1;
        }
        if (done)
            break;
        if (now_us() > deadline) {
            rc = 3;
            break;
        }
        usleep(2000);
    }
    if (!exited) {
        record_vmhwm(pid);
        kill(pid, rc == 3 ? SIGKILL : SIGTERM);
        waitpid(pid, &wstatus, 0);
    }
    if (rc == 3) {
        write_file("status", "timeout\n", 8);
        fprintf(stderr, "rapi-server: timed out after %.0f s; killed %s\n", timeout, argv[optind]);
    } else {
        record_status(wstatus);
        if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
            record_listener(stopped ? NULL : d, port);
    }
    pthread_mutex_lock(&S.lock);
    long long first_next_us = S.first_next_us;
    pthread_mutex_unlock(&S.lock);
    if (first_next_us >= 0) {
        char us[32];
        snprintf(us, sizeof us, "%lld\n", first_next_us);
        write_file("first-next-us", us, strlen(us));
    }
    pthread_mutex_lock(&S.lock);
    S.shutdown = 1;
    pthread_cond_broadcast(&S.cond);
    pthread_mutex_unlock(&S.lock);
    if (!stopped)
        MHD_stop_daemon(d);
    fclose(S.requests);
    for (int i = 0; i < S.nsteps; i++) {
        free(S.steps[i].event);
        for (int h = 0; h < S.steps[i].nheaders; h++)
            free(S.steps[i].headers[h]);
    }
    free(S.steps);
    return rc;
}
