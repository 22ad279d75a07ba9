/*
 * bench-invoke.c -- the emulator's benchmark: starts lambda-emulator serving
 * echo.handler, then measures over the Invoke API with libcurl:
 *   - time from emulator start to the first invoke answered (cold start)
 *   - sequential invoke latency (p50/p99) and throughput, one keep-alive
 *     connection
 *   - throughput at concurrency 2 and 8 (one keep-alive connection each)
 *   - a 6 MB payload round trip
 * and, in the same run, the floor: one plain keep-alive HTTP round trip to a
 * trivial libmicrohttpd responder in this process.  Prints a table with the
 * ratio of each latency to the floor.  The floor and the sequential invokes
 * are measured in alternating blocks, so both see the same machine.
 *
 *   bench-invoke --emulator PATH --bootstrap PATH --task-root DIR [-n N]
 *                [--label NAME --csv FILE] [--latencies FILE] [--sweep 1,2,4,...]
 *   bench-invoke --emulator PATH --bootstrap PATH --task-root DIR --cold N
 *
 * --cold N measures only the cold start, with N fresh emulators one after
 * the other, and prints their median, min and max.
 * --csv appends "label,measure,value,unit" rows (bench/run draws its plots
 * from them); --latencies writes every sequential invoke's latency in ms,
 * sorted, one a line; --sweep measures the throughput at each concurrency
 * listed (the emulator then allows as many instances as the largest).
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- a response sink that keeps the body (to verify echoes) ---- */

struct sink {
    char *buf;
    size_t len, cap;
};

static size_t sink_write(char *data, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t add = size * n;
    if (s->len + add > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + add)
            cap *= 2;
        char *p = realloc(s->buf, cap);
        if (!p)
            return 0;
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, add);
    s->len += add;
    return add;
}

/* One client: a curl handle and header list reused for every request, so
 * the connection stays alive across requests. */
struct client {
    CURL *curl;
    struct curl_slist *headers;
    struct sink body;
};

static void client_init(struct client *c, const char *url)
{
    memset(c, 0, sizeof *c);
    c->curl = curl_easy_init();
    c->headers = curl_slist_append(NULL, "Expect:");
    c->headers = curl_slist_append(c->headers, "Content-Type: application/json");
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 60L);
}

static void client_free(struct client *c)
{
    curl_slist_free_all(c->headers);
    curl_easy_cleanup(c->curl);
    free(c->body.buf);
}

/* POST data; returns the HTTP status (0 on transport error). */
static long client_post(struct client *c, const char *data, size_t len)
{
    c->body.len = 0;
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (curl_easy_perform(c->curl) != CURLE_OK)
        return 0;
    long code = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

/* ---- the floor: a trivial libmicrohttpd responder ---- */

static enum MHD_Result floor_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version, const char *upload,
                                     size_t *upload_size, void **state)
{
    static int marker;
    if (*state == NULL) {
        *state = &marker;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* consume */
        return MHD_YES;
    }
    static const char ok[] = "{}";
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)ok, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
        perror("bench-invoke: free port");
        exit(1);
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p / 100.0 * (n - 1) + 0.5);
    return v[i];
}

struct latency {
    double p50, p99, per_sec;
};

/* Sequential POSTs of one body to one URL over one keep-alive connection,
 * run in blocks so that two series can be interleaved: the floor and the
 * invocations then see the same machine (an idle CPU wakes slowly here, and
 * other load comes and goes). */
struct series {
    struct client c;
    const char *url, *body;
    size_t blen;
    int echo; /* the answer must equal the body */
    double *t, busy_ms;
    int n, done;
};

static int series_init(struct series *s, const char *url, const char *body, int n, int echo)
{
    memset(s, 0, sizeof *s);
    client_init(&s->c, url);
    s->url = url;
    s->body = body;
    s->blen = strlen(body);
    s->echo = echo;
    s->n = n;
    s->t = calloc((size_t)n, sizeof *s->t);
    for (int i = 0; i < 50; i++) /* warm up */
        client_post(&s->c, body, s->blen);
    return s->t ? 0 : -1;
}

/* Run up to k more requests; -1 on a wrong answer. */
static int series_run(struct series *s, int k)
{
    double start = now_ms();
    for (; k > 0 && s->done < s->n; k--) {
        double t0 = now_ms();
        long code = client_post(&s->c, s->body, s->blen);
        s->t[s->done++] = now_ms() - t0;
        if (code != 200 ||
            (s->echo && (s->c.body.len != s->blen || memcmp(s->c.body.buf, s->body, s->blen)))) {
            fprintf(stderr,
                    "bench-invoke: %s answered HTTP %ld with %zu bytes, not the echo: %.*s\n",
                    s->url, code, s->c.body.len, (int)(s->c.body.len < 300 ? s->c.body.len : 300),
                    s->c.body.buf ? s->c.body.buf : "");
            return -1;
        }
    }
    s->busy_ms += now_ms() - start;
    return 0;
}

/* The series' figures; its latencies, sorted, go to `dump` (if not NULL). */
static void series_result(struct series *s, struct latency *out, FILE *dump)
{
    out->per_sec = s->done / (s->busy_ms / 1e3);
    out->p50 = percentile(s->t, s->done, 50);
    out->p99 = percentile(s->t, s->done, 99);
    for (int i = 0; dump && i < s->done; i++)
        fprintf(dump, "%.4f\n", s->t[i]);
    free(s->t);
    client_free(&s->c);
}

struct worker {
    const char *url;
    int n, errors;
    pthread_t th;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct client c;
    client_init(&c, w->url);
    char body[64];
    for (int i = 0; i < w->n; i++) {
        int len = snprintf(body, sizeof body, "{\"i\":%d}", i);
        if (client_post(&c, body, (size_t)len) != 200 || c.body.len != (size_t)len ||
            memcmp(c.body.buf, body, (size_t)len) != 0)
            w->errors++;
    }
    client_free(&c);
    return NULL;
}

/* Requests per second with `conc` clients, each sending n requests. */
static double measure_concurrent(const char *url, int conc, int n, int *errors)
{
    struct worker *w = calloc((size_t)conc, sizeof *w);
    double t0 = now_ms();
    for (int i = 0; i < conc; i++) {
        w[i] = (struct worker){.url = url, .n = n};
        pthread_create(&w[i].th, NULL, worker_run, &w[i]);
    }
    *errors = 0;
    for (int i = 0; i < conc; i++) {
        pthread_join(w[i].th, NULL);
        *errors += w[i].errors;
    }
    double secs = (now_ms() - t0) / 1e3;
    free(w);
    return conc * n / secs;
}

/* ---- machine-readable output ---- */

static FILE *csv;
static const char *label = "lambda-c-runtime";

static void csv_row(const char *measure, double value, const char *unit)
{
    if (csv)
        fprintf(csv, "%s,%s,%.4f,%s\n", label, measure, value, unit);
}

/* Throughput at each concurrency of the comma-separated `list`; total
 * requests per step about n.  Returns the number of failed requests. */
static int sweep(const char *url, const char *list, int n)
{
    int failed = 0;
    for (const char *p = list; p && *p;) {
        int conc = atoi(p), errors = 0;
        if (conc > 0) {
            int per = n / conc > 50 ? n / conc : 50;
            double rate = measure_concurrent(url, conc, per, &errors);
            char name[48];
            snprintf(name, sizeof name, "throughput_c%d", conc);
            csv_row(name, rate, "per_s");
            printf("%-44s %9.0f /s %s\n", name, rate, errors ? "ERRORS" : "");
            failed += errors;
        }
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return failed;
}

/* The largest number in the comma-separated list (at least 8). */
static int sweep_max(const char *list)
{
    int max = 8;
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        max = atoi(p) > max ? atoi(p) : max;
    return max;
}

/* ---- the emulator under test ---- */

/* AWS's emulator (aws-lambda-rie) instead of ours: its command line is
 * RIE [--runtime-interface-emulator-address ADDR] RUNTIME [ARGS]. */
static int rie;

static pid_t start_emulator(const char *emulator, const char *bootstrap, const char *task_root,
                            int port, int concurrency)
{
    char listen[64], conc[16];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(conc, sizeof conc, "%d", concurrency);
    pid_t pid = fork();
    if (pid == 0) {
        /* keep the table readable: the emulator's logs go to a file */
        FILE *f = freopen("bench-emulator.log", "w", stdout);
        if (f)
            dup2(fileno(stdout), 2);
        if (rie) {
            setenv("LAMBDA_TASK_ROOT", task_root, 1);
            execl(emulator, emulator, "--runtime-interface-emulator-address", listen, bootstrap,
                  "echo.handler", (char *)NULL);
        }
        execl(emulator, emulator, "--listen", listen, "--task-root", task_root, "--runtime",
              bootstrap, "--concurrency", conc, "echo.handler", (char *)NULL);
        perror("bench-invoke: exec emulator");
        _exit(127);
    }
    return pid;
}

/* Emulator exec to the first invoke answered, in ms; the emulator stays up
 * (*pid).  -1 when it exited or did not answer within 10 s. */
static double measure_cold(const char *emulator, const char *bootstrap, const char *task_root,
                           int port, int concurrency, pid_t *pid)
{
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/2015-03-31/functions/function/invocations",
             port);
    double t0 = now_ms(), cold = -1;
    *pid = start_emulator(emulator, bootstrap, task_root, port, concurrency);
    struct client c;
    client_init(&c, url);
    curl_easy_setopt(c.curl, CURLOPT_CONNECTTIMEOUT_MS, 200L);
    while (now_ms() - t0 < 10000) {
        if (client_post(&c, "{}", 2) == 200) {
            cold = now_ms() - t0;
            break;
        }
        int st;
        if (waitpid(*pid, &st, WNOHANG) == *pid) {
            fprintf(stderr, "bench-invoke: the emulator exited (see bench-emulator.log)\n");
            *pid = -1;
            break;
        }
        usleep(500);
    }
    client_free(&c);
    if (cold < 0 && *pid > 0)
        fprintf(stderr,
                "bench-invoke: no answer from the emulator within 10 s (see bench-emulator.log)\n");
    return cold;
}

/* --cold N: N fresh emulators, one after the other; the median, min and
 * max of their first invoke. */
static int cold_series(const char *emulator, const char *bootstrap, const char *task_root, int n)
{
    double *t = calloc((size_t)n, sizeof *t);
    if (!t)
        return 1;
    for (int i = 0; i < n; i++) {
        pid_t pid = -1;
        t[i] = measure_cold(emulator, bootstrap, task_root, free_port(), 1, &pid);
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
        }
        if (t[i] < 0) {
            free(t);
            return 1;
        }
    }
    double p50 = percentile(t, n, 50); /* sorts t */
    printf("%-44s %9.1f ms (min %.1f, max %.1f, %d runs)\n",
           "emulator start to first invoke answered", p50, t[0], t[n - 1], n);
    csv_row("cold_first_invoke_p50", p50, "ms");
    free(t);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench-invoke --emulator PATH --bootstrap PATH --task-root DIR [-n REQUESTS]\n"
            "                    [--label NAME --csv FILE] [--latencies FILE] [--sweep 1,2,4,...]\n"
            "                    [--rie]  (the emulator is AWS's aws-lambda-rie)\n"
            "                    [--cold N]  (only the cold start, N times: median, min, max)\n"
            "Starts lambda-emulator with echo.handler and prints latency and throughput\n"
            "next to the floor (a plain keep-alive round trip to libmicrohttpd).\n");
}

int main(int argc, char **argv)
{
    const char *emulator = NULL, *bootstrap = NULL, *task_root = NULL, *sweep_list = NULL;
    FILE *lat = NULL;
    int n = 2000, cold_runs = 0;
    static const struct option opts[] = {{"emulator", required_argument, 0, 'e'},
                                         {"bootstrap", required_argument, 0, 'b'},
                                         {"task-root", required_argument, 0, 't'},
                                         {"requests", required_argument, 0, 'n'},
                                         {"label", required_argument, 0, 'l'},
                                         {"csv", required_argument, 0, 'c'},
                                         {"latencies", required_argument, 0, 'L'},
                                         {"sweep", required_argument, 0, 's'},
                                         {"rie", no_argument, &rie, 1},
                                         {"cold", required_argument, 0, 'C'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "e:b:t:n:l:c:L:s:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'e': emulator = optarg; break;
        case 'b': bootstrap = optarg; break;
        case 't': task_root = optarg; break;
        case 'n': n = atoi(optarg); break;
        case 'l': label = optarg; break;
        case 's': sweep_list = optarg; break;
        case 'C': cold_runs = atoi(optarg); break;
        case 'c':
        case 'L':
            if (!(*(ch == 'c' ? &csv : &lat) = fopen(optarg, ch == 'c' ? "a" : "w"))) {
                fprintf(stderr, "bench-invoke: cannot write %s: %s\n", optarg, strerror(errno));
                return 2;
            }
            break;
        case 0: break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!emulator || !bootstrap || !task_root || n < 100) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cold_runs > 0) {
        int crc = cold_series(emulator, bootstrap, task_root, cold_runs);
        if (csv)
            fclose(csv);
        curl_global_cleanup();
        return crc;
    }

    /* The floor, in this process. */
    int fport = free_port();
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)fport, NULL,
                         NULL, floor_handler, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench-invoke: cannot start the floor responder\n");
        return 1;
    }
    char furl[128];
    snprintf(furl, sizeof furl, "http://127.0.0.1:%d/", fport);

    /* Cold start: emulator exec to first answered invoke. */
    int port = free_port();
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/2015-03-31/functions/function/invocations",
             port);
    pid_t pid = -1;
    double cold = measure_cold(emulator, bootstrap, task_root, port, sweep_max(sweep_list), &pid);
    struct client c;
    int rc = 1;
    if (cold < 0)
        goto out;

    /* The floor and sequential invokes, interleaved in blocks of 100. */
    struct latency floor, seq;
    struct series fs, is;
    if (series_init(&fs, furl, "{}", n, 0) < 0 ||
        series_init(&is, url, "{\"hello\":\"world\"}", n, 1) < 0)
        goto out;
    while (fs.done < n || is.done < n)
        if (series_run(&fs, 100) < 0 || series_run(&is, 100) < 0)
            goto out;
    series_result(&fs, &floor, NULL);
    series_result(&is, &seq, lat);
    MHD_stop_daemon(d);
    d = NULL;
    int err2, err8;
    /* warm all 8 instances before measuring */
    measure_concurrent(url, 8, 20, &err8);
    double c2 = measure_concurrent(url, 2, n / 2, &err2);
    double c8 = measure_concurrent(url, 8, n / 8, &err8);

    /* 6 MB round trip (the largest synchronous payload: 6291456 bytes). */
    size_t big = 6291456;
    char *payload = malloc(big);
    payload[0] = '"';
    for (size_t i = 1; i < big - 1; i++)
        payload[i] = (char)('a' + i % 26);
    payload[big - 1] = '"';
    client_init(&c, url);
    client_post(&c, payload, big); /* warm */
    double b0 = now_ms();
    long code = client_post(&c, payload, big);
    double big_ms = now_ms() - b0;
    int big_ok = code == 200 && c.body.len == big && memcmp(c.body.buf, payload, big) == 0;
    client_free(&c);
    free(payload);

    printf("%-44s %12s %10s\n", "measure", "value", "vs floor");
    printf("%-44s %9.3f ms %10s\n", "floor: keep-alive round trip p50", floor.p50, "1.00x");
    printf("%-44s %9.3f ms %9.2fx\n", "floor: keep-alive round trip p99", floor.p99,
           floor.p99 / floor.p50);
    printf("%-44s %9.0f /s\n", "floor: sequential throughput", floor.per_sec);
    printf("%-44s %9.3f ms %9.2fx\n", "invoke echo, sequential p50", seq.p50, seq.p50 / floor.p50);
    printf("%-44s %9.3f ms %9.2fx\n", "invoke echo, sequential p99", seq.p99, seq.p99 / floor.p50);
    printf("%-44s %9.0f /s\n", "invoke echo, sequential throughput", seq.per_sec);
    printf("%-44s %9.0f /s %s\n", "invoke echo, concurrency 2 throughput", c2,
           err2 ? "ERRORS" : "");
    printf("%-44s %9.0f /s %s\n", "invoke echo, concurrency 8 throughput", c8,
           err8 ? "ERRORS" : "");
    printf("%-44s %9.1f ms\n", "emulator start to first invoke answered", cold);
    printf("%-44s %9.1f ms %s\n", "6 MB payload round trip", big_ms, big_ok ? "" : "MISMATCH");
    printf("target: sequential p50 under 3x the floor: %s (%.2fx)\n",
           seq.p50 < 3 * floor.p50 ? "met" : "NOT met", seq.p50 / floor.p50);
    csv_row("floor_p50", floor.p50, "ms");
    csv_row("seq_p50", seq.p50, "ms");
    csv_row("seq_p99", seq.p99, "ms");
    csv_row("seq_throughput", seq.per_sec, "per_s");
    csv_row("cold_first_invoke", cold, "ms");
    csv_row("payload_6mb_round_trip", big_ms, "ms");
    int sweep_errors = sweep(url, sweep_list, n);
    rc = (err2 || err8 || !big_ok || sweep_errors) ? 1 : 0;
out:
    if (csv)
        fclose(csv);
    if (lat)
        fclose(lat);
    if (d)
        MHD_stop_daemon(d);
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    curl_global_cleanup();
    return rc;
}
