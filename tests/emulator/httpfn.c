/*
 * httpfn.c -- test plugin for the HTTP front: httpfn.handler answers API
 * Gateway events (payload 2.0 or 1.0) by the last segment of the path:
 *   /event    200, the event it received as the JSON body
 *   /reply    the request body (base64-decoded if so sent) is the result
 *   /fail     a function error (lambda_fail)
 *   /sleep    sleeps ?seconds=N, then 200 "slept"
 *   /crash    abort()
 *   /env      {"GREETING","STAGE","SECRET": environment, "memory": MB}
 *   otherwise the request body back, same content type and encoding
 */
#include <lambda/lambda.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

int handler(lambda_invocation *inv);

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static json_object *obj(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object)
               ? v
               : NULL;
}

static int is_b64(json_object *ev)
{
    json_object *v;
    return json_object_object_get_ex(ev, "isBase64Encoded", &v) && json_object_get_boolean(v);
}

static int reply(lambda_invocation *inv, json_object *ev)
{
    const char *body = str(ev, "body");
    if (!body)
        return lambda_fail(inv, "HttpFnError", "/reply needs a body");
    if (!is_b64(ev))
        return lambda_respond(inv, body, strlen(body), "application/json");
    /* Decode through a tiny base64 reader of our own: the plugin API has none. */
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(body), o = 0;
    unsigned char *out = malloc(n);
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; out && i < n && body[i] != '='; i++) {
        const char *p = strchr(tbl, body[i]);
        if (!p)
            continue;
        acc = (acc << 6) | (unsigned)(p - tbl);
        if ((bits += 6) >= 8)
            out[o++] = (unsigned char)(acc >> (bits -= 8));
    }
    int rc = lambda_respond(inv, out, o, "application/json");
    free(out);
    return rc;
}

static int echo(lambda_invocation *inv, json_object *ev)
{
    json_object *r = json_object_new_object(), *h = json_object_new_object();
    const char *ct = str(obj(ev, "headers"), "content-type");
    json_object_object_add(h, "content-type", json_object_new_string(ct ? ct : "text/plain"));
    json_object_object_add(r, "statusCode", json_object_new_int(200));
    json_object_object_add(r, "headers", h);
    json_object_object_add(r, "body",
                           json_object_new_string(str(ev, "body") ? str(ev, "body") : ""));
    json_object_object_add(r, "isBase64Encoded", json_object_new_boolean(is_b64(ev)));
    return lambda_respond_json(inv, r);
}

int handler(lambda_invocation *inv)
{
    json_object *ev = lambda_event_json(inv);
    const char *path = str(ev, "rawPath") ? str(ev, "rawPath") : str(ev, "path");
    if (!path)
        return lambda_fail(inv, "HttpFnError", "not an API Gateway event");
    path = strrchr(path, '/'); /* routes may put the action under a prefix */
    if (strcmp(path, "/event") == 0) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "statusCode", json_object_new_int(200));
        json_object_object_add(r, "body", json_object_new_string(json_object_to_json_string(ev)));
        return lambda_respond_json(inv, r);
    }
    if (strcmp(path, "/reply") == 0)
        return reply(inv, ev);
    if (strcmp(path, "/fail") == 0)
        return lambda_fail(inv, "HttpFnError", "failed on purpose");
    if (strcmp(path, "/crash") == 0)
        abort();
    if (strcmp(path, "/env") == 0) {
        json_object *r = json_object_new_object();
        static const char *const vars[] = {"GREETING", "STAGE", "SECRET", NULL};
        for (int i = 0; vars[i]; i++)
            if (getenv(vars[i]))
                json_object_object_add(r, vars[i], json_object_new_string(getenv(vars[i])));
        json_object_object_add(r, "memory",
                               json_object_new_int((int)lambda_function_memory_mb(inv)));
        return lambda_respond_json(inv, r);
    }
    if (strcmp(path, "/sleep") == 0) {
        const char *s = str(obj(ev, "queryStringParameters"), "seconds");
        double secs = s ? atof(s) : 1;
        struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
        nanosleep(&ts, NULL);
        return lambda_respond(inv, "\"slept\"", 7, "application/json");
    }
    return echo(inv, ev);
}

LAMBDA_PLUGIN("httpfn", "1.0", LAMBDA_PLUGIN_THREAD_SAFE, NULL, NULL);
