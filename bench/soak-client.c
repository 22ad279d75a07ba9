/*
 * soak-client.c -- the load and the judge of the soak bench (bench/soak).
 * CLIENTS threads, each with its own keep-alive connection (libcurl), take
 * invocation ids 0..N-1 in turn and invoke URL with the soak plugin's event:
 * id % 100 (spread by a multiplier) below CRASH_PCT segfaults, the next
 * SLEEP_PCT sleep past the function's timeout, the rest echo.  Each answer
 * is judged against what that event must give; then the plugin's record of
 * executions (--log) tells how often each id ran.  Prints
 *   sent / answered / lost / duplicated / wrong
 * and the emulator's RSS (--pid) after 10,000 answers and at the end.
 * Exit status 0 when lost, duplicated and wrong are all 0.
 *
 *   soak-client --url URL --log FILE [--pid PID] [-n N] [-c CLIENTS]
 *               [--crash-pct P] [--sleep-pct P] [--sleep SECONDS]
 */
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum kind { ECHO, CRASH, SLEEP };
enum { RSS_SAMPLE_AT = 10000, PROGRESS_EVERY = 10000, MAX_BODY = 64 * 1024 };

static struct {
    const char *url, *log;
    long pid, n, clients, crash_pct, sleep_pct;
    double sleep_s;
} opt = {NULL, NULL, 0, 100000, 50, 2, 1, 2.0};

static atomic_long next_id, answered, wrong, done_count;
static atomic_long rss_at_sample = -1;
static unsigned char *got; /* per id: 1 once answered */

static enum kind kind_of(long id)
{
    /* 37 is prime to 100: crashes and sleeps spread over the run */
    long slot = (id * 37) % 100;
    if (slot < opt.crash_pct)
        return CRASH;
    if (slot < opt.crash_pct + opt.sleep_pct)
        return SLEEP;
    return ECHO;
}

static long rss_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

struct body {
    char data[MAX_BODY];
    size_t len;
    int function_error;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct body *b = ud;
    size_t add = size * n, room = sizeof b->data - 1 - b->len;
    memcpy(b->data + b->len, p, add < room ? add : room);
    b->len += add < room ? add : room;
    b->data[b->len] = '\0';
    return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    if (size * n >= 22 && strncasecmp(p, "X-Amz-Function-Error:", 21) == 0)
        ((struct body *)ud)->function_error = 1;
    return size * n;
}

/* Is the answer the one this event must give? */
static int judge(long id, long status, const struct body *b)
{
    char want[64];
    if (status != 200)
        return 0;
    switch (kind_of(id)) {
    case ECHO: {
        /* {"id":N}, however json-c spaces it */
        char plain[64];
        size_t k = 0;
        for (const char *p = b->data; *p && k < sizeof plain - 1; p++)
            if (*p != ' ' && *p != '\n')
                plain[k++] = *p;
        plain[k] = '\0';
        snprintf(want, sizeof want, "{\"id\":%ld}", id);
        return !b->function_error && strcmp(plain, want) == 0;
    }
    case CRASH:
        return b->function_error && strstr(b->data, "\"Runtime.ExitError\"") &&
               strstr(b->data, "segmentation fault");
    case SLEEP: return b->function_error && strstr(b->data, "\"Sandbox.Timedout\"");
    }
    return 0;
}

static void invoke(CURL *c, long id)
{
    static const char *const what[] = {"echo", "crash", "sleep"};
    char event[128];
    struct body b = {.len = 0};
    b.data[0] = '\0';
    snprintf(event, sizeof event, "{\"id\":%ld,\"do\":\"%s\",\"seconds\":%.3f}", id,
             what[kind_of(id)], opt.sleep_s);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, event);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &b);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        got[id] = 1;
        atomic_fetch_add(&answered, 1);
        if (!judge(id, status, &b)) {
            if (atomic_fetch_add(&wrong, 1) < 10)
                fprintf(stderr, "soak: wrong answer to id %ld (%s): HTTP %ld %s\n", id,
                        what[kind_of(id)], status, b.data);
        }
    } else {
        fprintf(stderr, "soak: no answer to id %ld: %s\n", id, curl_easy_strerror(rc));
    }
    long done = atomic_fetch_add(&done_count, 1) + 1;
    if (done == RSS_SAMPLE_AT && opt.pid)
        atomic_store(&rss_at_sample, rss_kb(opt.pid));
    /* progress, so that a long run that is cut short still tells */
    if (done % PROGRESS_EVERY == 0) {
        printf("  %ld done: answered %ld, wrong %ld, emulator RSS %ld kB\n", done,
               atomic_load(&answered), atomic_load(&wrong), opt.pid ? rss_kb(opt.pid) : -1);
        fflush(stdout);
    }
}

static void *client(void *unused)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c || !h) {
        fprintf(stderr, "soak: cannot set up a libcurl handle\n");
        exit(2);
    }
    curl_easy_setopt(c, CURLOPT_URL, opt.url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    /* bounded: a request unanswered for a minute counts as lost */
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    for (long id; (id = atomic_fetch_add(&next_id, 1)) < opt.n;)
        invoke(c, id);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* How many ids the plugin recorded more than once (ran twice). */
static long count_duplicates(void)
{
    FILE *f = fopen(opt.log, "r");
    if (!f) {
        fprintf(stderr, "soak: cannot read the plugin's record %s\n", opt.log);
        return -1;
    }
    unsigned char *runs = calloc((size_t)opt.n, 1);
    long id, dup = 0;
    while (runs && fscanf(f, "%ld", &id) == 1)
        if (id >= 0 && id < opt.n && runs[id]++ == 1)
            dup++;
    fclose(f);
    free(runs);
    return dup;
}

static void usage(void)
{
    fprintf(stderr, "usage: soak-client --url URL --log FILE [--pid PID] [-n N] [-c CLIENTS]\n"
                    "                   [--crash-pct P] [--sleep-pct P] [--sleep SECONDS]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    static const struct option longs[] = {{"url", required_argument, NULL, 'u'},
                                          {"log", required_argument, NULL, 'l'},
                                          {"pid", required_argument, NULL, 'p'},
                                          {"crash-pct", required_argument, NULL, 'C'},
                                          {"sleep-pct", required_argument, NULL, 'S'},
                                          {"sleep", required_argument, NULL, 's'},
                                          {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "n:c:", longs, NULL)) != -1) {
        switch (o) {
        case 'u': opt.url = optarg; break;
        case 'l': opt.log = optarg; break;
        case 'p': opt.pid = atol(optarg); break;
        case 'n': opt.n = atol(optarg); break;
        case 'c': opt.clients = atol(optarg); break;
        case 'C': opt.crash_pct = atol(optarg); break;
        case 'S': opt.sleep_pct = atol(optarg); break;
        case 's': opt.sleep_s = atof(optarg); break;
        default: usage();
        }
    }
    if (!opt.url || !opt.log || opt.n < 1 || opt.clients < 1 || opt.clients > 1000 ||
        opt.crash_pct < 0 || opt.sleep_pct < 0 || opt.crash_pct + opt.sleep_pct > 100)
        usage();
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    got = calloc((size_t)opt.n, 1);
    pthread_t *t = calloc((size_t)opt.clients, sizeof *t);
    if (!got || !t || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "soak: out of memory\n");
        return 2;
    }
    for (long i = 0; i < opt.clients; i++)
        if (pthread_create(&t[i], NULL, client, NULL) != 0) {
            fprintf(stderr, "soak: cannot start client thread %ld\n", i);
            return 2;
        }
    for (long i = 0; i < opt.clients; i++)
        pthread_join(t[i], NULL);
    long rss_end = opt.pid ? rss_kb(opt.pid) : -1, rss_10k = atomic_load(&rss_at_sample);
    long lost = 0;
    for (long id = 0; id < opt.n; id++)
        lost += !got[id];
    long dup = count_duplicates();
    printf("sent %ld / answered %ld / lost %ld / duplicated %ld / wrong %ld\n", opt.n,
           atomic_load(&answered), lost, dup, atomic_load(&wrong));
    if (rss_10k > 0 && rss_end > 0) {
        double change = 100.0 * (double)(rss_end - rss_10k) / (double)rss_10k;
        printf("emulator RSS: %ld kB after %d invocations, %ld kB after %ld (%+.1f%%: %s)\n",
               rss_10k, RSS_SAMPLE_AT, rss_end, opt.n, change,
               change < 10.0 && change > -10.0 ? "flat within 10%" : "NOT flat within 10%");
    } else if (rss_end > 0)
        printf("emulator RSS: %ld kB after %ld invocations\n", rss_end, opt.n);
    curl_global_cleanup();
    free(got);
    free(t);
    return lost == 0 && dup == 0 && atomic_load(&wrong) == 0 ? 0 : 1;
}
