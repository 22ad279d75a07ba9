/*
 * stream.c -- the response streaming sample plugin (stream.so).
 *
 *   stream.handler      server-sent events for a function URL: an HTTP
 *                       integration prelude (200, text/event-stream), then
 *                       `data: {"n":N,"of":COUNT,"ms":EPOCH_MS}` + blank line,
 *                       one every interval_ms.  Event: {"count": 5,
 *                       "interval_ms": 100} (both optional).
 *   stream.bulk         a large body in 64 KiB writes: `bytes` bytes (default
 *                       1 MiB) of the repeating pattern 0, 1, ..., 250, 0, ...
 *                       Event: {"bytes": N, "chunk": 65536}.
 *   stream.fail_midway  `lines` lines (default 3) of text, then lambda_fail():
 *                       the caller gets the lines, then the error
 *                       StreamFailed.  Event: {"lines": N}.
 *
 * Invoke with InvokeWithResponseStream (boto3 invoke_with_response_stream,
 * or the Invoke API's /2021-11-15/.../response-streaming-invocations).
 */
#include <lambda/lambda.h>

#include <errno.h>
#include <stdint.h>
#include <time.h>

#define PATTERN_PERIOD 251
#define MAX_CHUNK 65536

/* bulk data: the pattern, long enough to start a chunk at any phase */
static unsigned char pattern[MAX_CHUNK + PATTERN_PERIOD];

/* An integer member of the event, or def when absent or out of [lo, hi]. */
static int64_t event_int(lambda_invocation *inv, const char *key, int64_t def, int64_t lo,
                         int64_t hi)
{
    json_object *ev = lambda_event_json(inv), *v;
    if (!ev || !json_object_object_get_ex(ev, key, &v) || !json_object_is_type(v, json_type_int))
        return def;
    int64_t n = json_object_get_int64(v);
    return n < lo || n > hi ? def : n;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

LAMBDA_EXPORT int handler(lambda_invocation *inv);
LAMBDA_EXPORT int bulk(lambda_invocation *inv);
LAMBDA_EXPORT int fail_midway(lambda_invocation *inv);

int handler(lambda_invocation *inv)
{
    int64_t count = event_int(inv, "count", 5, 0, 1000000);
    int64_t interval = event_int(inv, "interval_ms", 100, 0, 3600000);
    json_object *headers = json_object_new_object();
    json_object_object_add(headers, "Content-Type", json_object_new_string("text/event-stream"));
    json_object_object_add(headers, "Cache-Control", json_object_new_string("no-cache"));
    if (lambda_stream_open_http(inv, 200, headers, NULL) != LAMBDA_OK)
        return LAMBDA_ERR;
    for (int64_t n = 1; n <= count; n++) {
        if (n > 1)
            sleep_ms(interval);
        if (lambda_stream_printf(inv, "data: {\"n\":%lld,\"of\":%lld,\"ms\":%lld}\n\n",
                                 (long long)n, (long long)count, (long long)now_ms()) != LAMBDA_OK)
            return LAMBDA_ERR; /* the caller is gone */
    }
    return LAMBDA_OK;
}

int bulk(lambda_invocation *inv)
{
    int64_t bytes = event_int(inv, "bytes", 1 << 20, 0, INT64_MAX);
    int64_t chunk = event_int(inv, "chunk", MAX_CHUNK, 1, MAX_CHUNK);
    if (lambda_stream_open(inv, "application/octet-stream") != LAMBDA_OK)
        return LAMBDA_ERR;
    for (int64_t sent = 0; sent < bytes;) {
        int64_t n = bytes - sent < chunk ? bytes - sent : chunk;
        if (lambda_stream_write(inv, pattern + sent % PATTERN_PERIOD, (size_t)n) != LAMBDA_OK)
            return LAMBDA_ERR;
        sent += n;
    }
    return LAMBDA_OK;
}

int fail_midway(lambda_invocation *inv)
{
    int64_t lines = event_int(inv, "lines", 3, 0, 1000000);
    if (lambda_stream_open(inv, "text/plain") != LAMBDA_OK)
        return LAMBDA_ERR;
    for (int64_t i = 0; i < lines; i++)
        if (lambda_stream_printf(inv, "line %lld\n", (long long)i) != LAMBDA_OK)
            return LAMBDA_ERR;
    return lambda_fail(inv, "StreamFailed", "failed after %lld lines", (long long)lines);
}

static int init(lambda_init *ctx)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (unsigned char)(i % PATTERN_PERIOD);
    return LAMBDA_OK;
}

LAMBDA_PLUGIN("stream", "1.0", LAMBDA_PLUGIN_THREAD_SAFE, init, NULL);
