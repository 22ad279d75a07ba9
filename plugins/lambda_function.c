/*
 * lambda_function.c -- the sample HTTP API application.
 *
 * Receives API Gateway HTTP API (payload 2.0) or function URL events and
 * answers in the proxy-integration result format.  Routes:
 *   /hello    -> 200 {"timestamp": ..., "status": 200, "message": "Hello, NAME"}
 *   /goodbye  -> 200 {... "message": "Goodbye, NAME"}
 *   otherwise -> 404 {... "status": 404, "message": "Not found"}
 * NAME is the `name` query parameter, "World" when absent or empty.
 *
 * Handlers (pick one per function with CMD / _HANDLER):
 *   lambda_function.handler  routes by path
 *   lambda_function.hello    always the /hello answer
 *   lambda_function.goodbye  always the /goodbye answer
 */
#define _GNU_SOURCE /* asprintf */
#include <lambda/lambda.h>

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

int handler(lambda_invocation *inv);
int hello(lambda_invocation *inv);
int goodbye(lambda_invocation *inv);

/* A string member of obj, or NULL. */
static const char *get_str(json_object *obj, const char *key)
{
    json_object *v;
    if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static json_object *get_obj(json_object *obj, const char *key)
{
    json_object *v;
    if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_object))
        return v;
    return NULL;
}

/* The request path: rawPath (HTTP API 2.0), requestContext.http.path, or
 * path (REST API 1.0). */
static const char *request_path(json_object *event)
{
    const char *p = get_str(event, "rawPath");
    if (!p)
        p = get_str(get_obj(get_obj(event, "requestContext"), "http"), "path");
    if (!p)
        p = get_str(event, "path");
    return p ? p : "";
}

static const char *query_name(json_object *event)
{
    const char *name = get_str(get_obj(event, "queryStringParameters"), "name");
    return name && *name ? name : "World";
}

/* The proxy result: statusCode, JSON headers, and a body formatted the way
 * the article's Python handler formats it (json.dumps spacing). */
static int answer(lambda_invocation *inv, int status, const char *greeting, const char *name)
{
    char stamp[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

    json_object *message =
        greeting ? json_object_new_string_len("", 0) : json_object_new_string("Not found");
    if (greeting) {
        json_object_put(message);
        char *text = NULL;
        if (asprintf(&text, "%s, %s", greeting, name) < 0)
            return lambda_fail(inv, "Runtime.OutOfMemory", "cannot format the message");
        message = json_object_new_string(text);
        free(text);
    }
    const char *quoted = json_object_to_json_string_ext(message, JSON_C_TO_STRING_NOSLASHESCAPE);
    char *body = NULL;
    int n = asprintf(&body, "{\"timestamp\": \"%s\", \"status\": %d, \"message\": %s}", stamp,
                     status, quoted);
    json_object_put(message);
    if (n < 0)
        return lambda_fail(inv, "Runtime.OutOfMemory", "cannot format the body");

    json_object *result = json_object_new_object();
    json_object *headers = json_object_new_object();
    json_object_object_add(headers, "Content-Type", json_object_new_string("application/json"));
    json_object_object_add(result, "statusCode", json_object_new_int(status));
    json_object_object_add(result, "headers", headers);
    json_object_object_add(result, "body", json_object_new_string_len(body, n));
    free(body);
    return lambda_respond_json(inv, result);
}

/* The event as JSON, or NULL after answering an error. */
static json_object *event_or_fail(lambda_invocation *inv)
{
    json_object *event = lambda_event_json(inv);
    if (!event || !json_object_is_type(event, json_type_object)) {
        lambda_fail(inv, "InvalidEvent",
                    "the event is not a JSON object; send an API Gateway HTTP API "
                    "(payload 2.0) or function URL event");
        return NULL;
    }
    return event;
}

int handler(lambda_invocation *inv)
{
    json_object *event = event_or_fail(inv);
    if (!event)
        return LAMBDA_OK;
    const char *path = request_path(event);
    if (strcmp(path, "/hello") == 0)
        return answer(inv, 200, "Hello", query_name(event));
    if (strcmp(path, "/goodbye") == 0)
        return answer(inv, 200, "Goodbye", query_name(event));
    return answer(inv, 404, NULL, NULL);
}

int hello(lambda_invocation *inv)
{
    json_object *event = event_or_fail(inv);
    return event ? answer(inv, 200, "Hello", query_name(event)) : LAMBDA_OK;
}

int goodbye(lambda_invocation *inv)
{
    json_object *event = event_or_fail(inv);
    return event ? answer(inv, 200, "Goodbye", query_name(event)) : LAMBDA_OK;
}

LAMBDA_PLUGIN("lambda_function", "1.0", LAMBDA_PLUGIN_THREAD_SAFE, NULL, NULL);
