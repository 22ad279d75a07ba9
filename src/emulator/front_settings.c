/*
 * front_settings.c -- the HTTP front's part of the configuration:
 *
 *   [route "GET /hello"]
 *   function = hello          ; the function (optional with one function)
 *   payload_format = 2.0      ; or 1.0 (REST API style events)
 *   timeout = 30              ; integration timeout, at most 30 s
 *
 * and the checks made once every function is known (INI sections and a
 * SAM template alike): each route names a function that exists; with no
 * route at all, one function gets every request ($default).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "front.h"
#include "emu_settings.h"

#define DEFAULT_TIMEOUT 30.0

static const char *const payload_formats[] = {"1.0", "2.0", NULL};

extern const cfg_key front_route_keys[];
const cfg_key front_route_keys[] = {
    {"function", CFG_STRING, offsetof(front_route, function), 0, 0, NULL},
    {"payload_format", CFG_ENUM, offsetof(front_route, payload_format), 0, 0, payload_formats},
    {"timeout", CFG_SECONDS, offsetof(front_route, timeout), 0, 30, NULL},
    CFG_KEY_END};

void *front_route_target(void *ud, const char *arg, char *err, size_t errlen)
{
    emu_settings *st = ud;
    char key[256];
    size_t n = strlen(arg);
    if (n >= 2 && arg[0] == '"' && arg[n - 1] == '"') /* [route "GET /x"] */
        snprintf(key, sizeof key, "%.*s", (int)(n - 2), arg + 1);
    else
        snprintf(key, sizeof key, "%s", arg);
    front_route **tail = &st->routes;
    for (; *tail; tail = &(*tail)->next)
        if (strcmp((*tail)->key, key) == 0)
            return *tail; /* a repeated section adds to the first */
    front_route *r = calloc(1, sizeof *r);
    if (!r || !(r->key = strdup(key))) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->payload_format = -1;
    r->timeout = -1;
    if (front_route_parse(r, key, err, errlen) < 0) {
        front_routes_free(r);
        return NULL;
    }
    *tail = r;
    return r;
}

static int function_exists(const emu_settings *st, const char *name)
{
    for (const function_cfg *f = st->functions; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return 1;
    return 0;
}

int front_settings_finish(emu_settings *st, char *err, size_t errlen)
{
    if (st->http_listen && !*st->http_listen) {
        free(st->http_listen); /* LAMBDA_HTTP_LISTEN= : off */
        st->http_listen = NULL;
    }
    int nfunctions = 0;
    for (const function_cfg *f = st->functions; f; f = f->next)
        nfunctions++;
    for (front_route *r = st->routes; r; r = r->next) {
        if (r->payload_format < 0)
            r->payload_format = FRONT_PAYLOAD_2_0;
        if (r->timeout < 0)
            r->timeout = DEFAULT_TIMEOUT;
        if (r->timeout < 0.05) {
            snprintf(err, errlen, "route %s: timeout must be from 50ms to 30 seconds", r->key);
            return -1;
        }
        if (!r->function && nfunctions == 1 && !(r->function = strdup(st->functions->name))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (!r->function || !function_exists(st, r->function)) {
            snprintf(err, errlen,
                     "route %s: %s%s%s; set function = NAME of a [function NAME] "
                     "section (or of the template's functions)",
                     r->key, r->function ? "no function named '" : "no function given",
                     r->function ? r->function : "", r->function ? "'" : "");
            return -1;
        }
    }
    if (st->http_listen && !st->routes) {
        if (nfunctions != 1) {
            snprintf(err, errlen,
                     "the HTTP front needs routes to choose among %d functions: "
                     "add [route \"METHOD /path\"] sections with function = NAME, or a template",
                     nfunctions);
            return -1;
        }
        char msg[256];
        front_route *r = front_route_target(st, "$default", msg, sizeof msg);
        if (!r || !(r->function = strdup(st->functions->name))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        r->payload_format = FRONT_PAYLOAD_2_0;
        r->timeout = DEFAULT_TIMEOUT;
    }
    return 0;
}

void front_settings_free(emu_settings *st)
{
    front_routes_free(st->routes);
    st->routes = NULL;
}
