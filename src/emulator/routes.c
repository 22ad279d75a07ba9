/*
 * routes.c -- HTTP API routes and how API Gateway picks one (see front.h).
 *
 * A route key is "$default" or "METHOD /path": METHOD is an HTTP method or
 * ANY; a path segment is literal, {name} (any one segment) or, last only,
 * {name+} (one or more segments, greedy).  Of the routes that match,
 * API Gateway takes the most specific ("Working with routes for HTTP APIs"):
 * a full match before a greedy one ({proxy+}), then $default.  Between two
 * full matches the first segment where they differ decides (a literal
 * before a {param}); between two greedy ones the longer prefix; at equal
 * paths a named method before ANY.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "front.h"

#define MAX_SEGMENTS 64

static const char *const methods[] = {"ANY",   "GET",    "HEAD",    "POST", "PUT",
                                      "PATCH", "DELETE", "OPTIONS", NULL};

static int valid_segment(const char *s, size_t n, int last)
{
    if (n == 0)
        return 0;
    if (s[0] != '{')
        return memchr(s, '}', n) == NULL;
    if (s[n - 1] != '}' || n < 3)
        return 0;
    int greedy = s[n - 2] == '+';
    if (greedy && (!last || n < 4))
        return 0;
    for (size_t i = 1; i < n - 1 - (size_t)greedy; i++)
        if (s[i] == '{' || s[i] == '}' || s[i] == '+' || s[i] == '/')
            return 0;
    return 1;
}

int front_route_parse(front_route *r, const char *key, char *err, size_t errlen)
{
    if (strcmp(key, "$default") == 0)
        return 0;
    const char *sp = strchr(key, ' ');
    int ok = 0;
    for (int i = 0; sp && sp[1] == '/' && methods[i]; i++)
        if (strlen(methods[i]) == (size_t)(sp - key) &&
            strncmp(key, methods[i], (size_t)(sp - key)) == 0)
            ok = 1;
    const char *path = ok ? sp + 1 : "";
    /* "/" alone is the root; otherwise segments between slashes. */
    for (const char *p = path + 1; ok && strcmp(path, "/") != 0;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        ok = valid_segment(p, n, !slash);
        if (!slash)
            break;
        p = slash + 1;
    }
    if (!ok) {
        snprintf(err, errlen,
                 "bad route '%s': expected $default or METHOD /path, METHOD one of "
                 "ANY, GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, path segments literal, "
                 "{name}, or {name+} last (e.g. \"GET /pets/{id}\", \"ANY /{proxy+}\")",
                 key);
        return -1;
    }
    r->method = strndup(key, (size_t)(sp - key));
    r->path = strdup(path);
    if (!r->method || !r->path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Split "/a/b/c" into segments (pointers into a copy in buf). */
static size_t split(const char *path, char *buf, size_t buflen, char **seg)
{
    snprintf(buf, buflen, "%s", path[0] == '/' ? path + 1 : path);
    size_t n = 0;
    if (!*buf)
        return 0;
    for (char *p = buf; n < MAX_SEGMENTS;) {
        seg[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return n;
}

/* How well route r's path matches the request segments: -1 no match, else
 * fills kind[] (2 literal, 1 {param}, 0 greedy) and *greedy, and adds path
 * parameters to params when not NULL. */
static int path_match(const front_route *r, char **req, size_t nreq, int *kind, size_t *nkind,
                      int *greedy, json_object *params)
{
    char buf[4096];
    char *seg[MAX_SEGMENTS];
    size_t n = split(r->path, buf, sizeof buf, seg);
    *greedy = 0;
    *nkind = n;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(seg[i]);
        int is_param = seg[i][0] == '{';
        int is_greedy = is_param && seg[i][len - 2] == '+';
        if (is_greedy) {
            if (i >= nreq)
                return -1;
            kind[i] = 0;
            *greedy = 1;
            if (params) {
                lr_buf rest = {0};
                for (size_t j = i; j < nreq; j++)
                    lr_buf_printf(&rest, "%s%s", j > i ? "/" : "", req[j]);
                json_object_object_add(params, (seg[i][len - 2] = '\0', seg[i] + 1),
                                       json_object_new_string(rest.data ? rest.data : ""));
                lr_buf_free(&rest);
            }
            return 0;
        }
        if (i >= nreq || !*req[i])
            return -1;
        if (is_param) {
            kind[i] = 1;
            if (params)
                json_object_object_add(params, (seg[i][len - 1] = '\0', seg[i] + 1),
                                       json_object_new_string(req[i]));
        } else if (strcmp(seg[i], req[i]) == 0) {
            kind[i] = 2;
        } else {
            return -1;
        }
    }
    return n == nreq ? 0 : -1;
}

typedef struct candidate {
    const front_route *r;
    int kind[MAX_SEGMENTS];
    size_t nkind;
    int greedy, any;
} candidate;

/* > 0 when a is more specific than b. */
static int compare(const candidate *a, const candidate *b)
{
    if (a->greedy != b->greedy)
        return b->greedy - a->greedy;
    if (a->greedy && a->nkind != b->nkind)
        return (int)a->nkind - (int)b->nkind;
    for (size_t i = 0; i < a->nkind && i < b->nkind; i++)
        if (a->kind[i] != b->kind[i])
            return a->kind[i] - b->kind[i];
    return b->any - a->any;
}

int front_route_match(const front_route *routes, const char *method, const char *path,
                      front_match *m)
{
    char buf[4096];
    char *req[MAX_SEGMENTS];
    size_t nreq = split(path, buf, sizeof buf, req);
    candidate best = {0}, c;
    const front_route *def = NULL;
    memset(m, 0, sizeof *m);
    if (strlen(path) >= sizeof buf || nreq >= MAX_SEGMENTS)
        return -1;
    for (const front_route *r = routes; r; r = r->next) {
        if (!r->method) {
            def = def ? def : r;
            continue;
        }
        c.r = r;
        c.any = strcmp(r->method, "ANY") == 0;
        if (!c.any && strcasecmp(r->method, method) != 0)
            continue;
        if (path_match(r, req, nreq, c.kind, &c.nkind, &c.greedy, NULL) < 0)
            continue;
        if (!best.r || compare(&c, &best) > 0)
            best = c;
    }
    m->route = best.r ? best.r : def;
    if (!m->route)
        return -1;
    if (best.r) {
        m->path_params = json_object_new_object();
        path_match(best.r, req, nreq, c.kind, &c.nkind, &c.greedy, m->path_params);
        if (json_object_object_length(m->path_params) == 0) {
            json_object_put(m->path_params);
            m->path_params = NULL;
        }
    }
    return 0;
}

void front_match_free(front_match *m)
{
    json_object_put(m->path_params);
    m->path_params = NULL;
}

void front_routes_free(front_route *r)
{
    while (r) {
        front_route *next = r->next;
        free(r->key);
        free(r->method);
        free(r->path);
        free(r->function);
        free(r);
        r = next;
    }
}
