/*
 * sse.c -- Server-Sent Events through a function URL in RESPONSE_STREAM
 * mode (or lambda-emulator's HTTP front with invoke_mode = RESPONSE_STREAM):
 *
 *   GET /events?count=5&interval_ms=200
 *        200 text/event-stream: COUNT events "data: {"n":N,"ms":EPOCH_MS}",
 *        one every interval_ms, then "event: end" with the time it was sent.
 *        Each event leaves the function as it is written.
 *   any other path
 *        a small HTML page whose script reads /events with EventSource and
 *        writes what arrived, and when, into the page (for a browser).
 *
 * Handler: sse.handler (one function serves both, $default route).
 */
#include <lambda/lambda.h>

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

int handler(lambda_invocation *inv);

static const char page[] =
    "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>SSE through the HTTP "
    "front</title>\n"
    "<style>body{font:16px sans-serif;margin:2em}li{margin:.2em "
    "0}pre{white-space:pre-wrap}</style></head>\n"
    "<body><h1>Server-Sent Events from a Lambda function</h1><ol id=\"events\"></ol>\n"
    "<pre id=\"result\"></pre>\n<script>\n"
    "const q = location.search || '?count=5&interval_ms=300';\n"
    "const got = [];\n"
    "const es = new EventSource('/events' + q);\n"
    "es.onmessage = (e) => {\n"
    "  const d = JSON.parse(e.data); d.arrived = Date.now(); got.push(d);\n"
    "  const li = document.createElement('li');\n"
    "  li.textContent = 'event ' + d.n + ' sent ' + d.ms + ' arrived ' + d.arrived;\n"
    "  document.getElementById('events').appendChild(li);\n"
    "};\n"
    "es.addEventListener('end', (e) => {\n"
    "  es.close();\n"
    "  document.getElementById('result').textContent =\n"
    "    JSON.stringify({events: got, end_sent: JSON.parse(e.data).ms});\n"
    "});\n"
    "</script></body></html>\n";

static long long now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static long query_long(json_object *event, const char *key, long def, long max)
{
    json_object *q, *v;
    if (!event || !json_object_object_get_ex(event, "queryStringParameters", &q) ||
        !json_object_object_get_ex(q, key, &v))
        return def;
    long n = atol(json_object_get_string(v));
    return n < 0 ? 0 : n > max ? max : n;
}

static int open_http(lambda_invocation *inv, const char *content_type)
{
    json_object *headers = json_object_new_object();
    json_object_object_add(headers, "Content-Type", json_object_new_string(content_type));
    json_object_object_add(headers, "Cache-Control", json_object_new_string("no-cache"));
    return lambda_stream_open_http(inv, 200, headers, NULL);
}

static int events(lambda_invocation *inv, json_object *event)
{
    long count = query_long(event, "count", 5, 1000);
    long interval = query_long(event, "interval_ms", 200, 10000);
    if (open_http(inv, "text/event-stream") != LAMBDA_OK)
        return LAMBDA_ERR;
    for (long n = 1; n <= count; n++) {
        if (lambda_stream_printf(inv, "id: %ld\ndata: {\"n\":%ld,\"ms\":%lld}\n\n", n, n,
                                 now_ms()) != LAMBDA_OK)
            return LAMBDA_ERR; /* the client went away */
        struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return lambda_stream_printf(inv, "event: end\ndata: {\"ms\":%lld}\n\n", now_ms());
}

int handler(lambda_invocation *inv)
{
    json_object *event = lambda_event_json(inv), *v;
    const char *path = "";
    if (event && json_object_object_get_ex(event, "rawPath", &v))
        path = json_object_get_string(v);
    if (strcmp(path, "/events") == 0)
        return events(inv, event);
    if (open_http(inv, "text/html; charset=utf-8") != LAMBDA_OK)
        return LAMBDA_ERR;
    return lambda_stream_write(inv, page, sizeof page - 1);
}

LAMBDA_PLUGIN("sse", "1.0", LAMBDA_PLUGIN_THREAD_SAFE, NULL, NULL);
