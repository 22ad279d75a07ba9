/*
 * sam.c -- functions and HTTP routes from an AWS SAM template (YAML, read
 * with libyaml's document loader), the way `sam local start-api` reads it:
 *
 *   Resources.X of Type AWS::Serverless::Function -> function X:
 *     ImageConfig.Command[0] or Handler -> handler; Timeout, MemorySize,
 *     Environment.Variables; FunctionUrlConfig.InvokeMode; Globals.Function
 *     gives the defaults.
 *   Events.E of Type HttpApi -> route "METHOD PATH" (payload format from
 *     PayloadFormatVersion, 2.0 by default; no Path/Method: $default);
 *   Events.E of Type Api (REST API) -> route "METHOD PATH", payload 1.0.
 *   FunctionUrlConfig -> the $default route (unless one exists).
 *
 * Values may use !Ref / Ref to a parameter with a Default or to a pseudo
 * parameter, and !Sub / Fn::Sub over those.  Everything else the template
 * holds is listed on stderr at start-up as not emulated, one line each.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "front.h"
#include "emu_settings.h"

typedef struct sam {
    emu_settings *st;
    yaml_document_t doc;
    yaml_node_t *params; /* Parameters, or NULL */
    const char *path;
    char *err;
    size_t errlen;
} sam;

static void note(const sam *t, const char *where, const char *what)
{
    fprintf(stderr, "lambda-emulator: %s: %s: %s\n", t->path, where, what);
}

/* w = "WHERE.KEY" (the place a note names), cut to WHERE_MAX bytes. */
#define WHERE_MAX 512
static char *at(char *w, const char *where, const char *key)
{
    if (snprintf(w, WHERE_MAX, "%s.%s", where, key ? key : "?") >= WHERE_MAX)
        w[WHERE_MAX - 2] = '~';
    return w;
}

static yaml_node_t *node(sam *t, int id)
{
    return yaml_document_get_node(&t->doc, id);
}

/* The value of KEY in mapping m (NULL when m is not a mapping or lacks it). */
static yaml_node_t *get(sam *t, yaml_node_t *m, const char *key)
{
    if (!m || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(t, p->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
            return node(t, p->value);
    }
    return NULL;
}

static const char *plain(yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE || (n->tag && n->tag[0] == '!'))
        return NULL;
    return (const char *)n->data.scalar.value;
}

static int ref(sam *t, const char *name, lr_buf *out)
{
    static const struct {
        const char *name, *value;
    } pseudo[] = {
        {"AWS::StackName", "local"},
        {"AWS::Partition", "aws"},
        {"AWS::URLSuffix", "amazonaws.com"},
    };
    for (size_t i = 0; i < sizeof pseudo / sizeof pseudo[0]; i++)
        if (strcmp(name, pseudo[i].name) == 0)
            return lr_buf_printf(out, "%s", pseudo[i].value);
    if (strcmp(name, "AWS::Region") == 0)
        return lr_buf_printf(out, "%s", t->st->region);
    if (strcmp(name, "AWS::AccountId") == 0)
        return lr_buf_printf(out, "%s", t->st->account_id);
    const char *def = plain(get(t, get(t, t->params, name), "Default"));
    return def ? lr_buf_printf(out, "%s", def) : -1;
}

/* ${NAME} replaced by ref(NAME); ${!X} is a literal ${X}. */
static int sub(sam *t, const char *s, lr_buf *out)
{
    while (*s) {
        const char *open = strstr(s, "${");
        const char *close = open ? strchr(open, '}') : NULL;
        if (!close) {
            return lr_buf_printf(out, "%s", s);
        }
        lr_buf_append(out, s, (size_t)(open - s));
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(close - open - 2), open + 2);
        if (name[0] == '!' ? lr_buf_printf(out, "${%s}", name + 1) < 0 : ref(t, name, out) < 0)
            return -1;
        s = close + 1;
    }
    return 0;
}

/* A scalar value with !Ref / !Sub (tag or long form) resolved; a malloc'd
 * string, or NULL when it cannot be. */
static char *value(sam *t, yaml_node_t *n)
{
    lr_buf out = {0};
    int rc = -1;
    yaml_node_t *arg;
    if (!n) {
        return NULL;
    } else if (plain(n)) {
        rc = lr_buf_printf(&out, "%s", plain(n));
    } else if (n->type == YAML_SCALAR_NODE && n->tag && strcmp((char *)n->tag, "!Ref") == 0) {
        rc = ref(t, (char *)n->data.scalar.value, &out);
    } else if (n->type == YAML_SCALAR_NODE && n->tag && strcmp((char *)n->tag, "!Sub") == 0) {
        rc = sub(t, (char *)n->data.scalar.value, &out);
    } else if ((arg = get(t, n, "Ref")) && plain(arg)) {
        rc = ref(t, plain(arg), &out);
    } else if ((arg = get(t, n, "Fn::Sub")) && plain(arg)) {
        rc = sub(t, plain(arg), &out);
    }
    if (rc < 0) {
        lr_buf_free(&out);
        return NULL;
    }
    return out.data ? lr_buf_take(&out, NULL) : strdup("");
}

/* Set key of function fn (NULL: defaults) from node n; notes what fails. */
static int set(sam *t, const char *fn, const char *key, yaml_node_t *n, const char *where)
{
    char *v = value(t, n);
    if (!v) {
        note(t, where,
             "not emulated: the value is not a plain scalar, !Ref or !Sub of a parameter with a "
             "Default");
        return 0;
    }
    char msg[512];
    int rc = emu_settings_set(t->st, fn, key, v, msg, sizeof msg);
    free(v);
    if (rc < 0)
        snprintf(t->err, t->errlen, "%s: %s: %s", t->path, where, msg);
    return rc;
}

static int environment(sam *t, const char *fn, yaml_node_t *env, const char *where)
{
    char w[WHERE_MAX];
    yaml_node_t *vars = get(t, env, "Variables");
    if (!vars || vars->type != YAML_MAPPING_NODE) {
        note(t, where, "not emulated: expected Variables: {NAME: value}");
        return 0;
    }
    for (yaml_node_pair_t *p = vars->data.mapping.pairs.start; p < vars->data.mapping.pairs.top;
         p++) {
        const char *name = plain(node(t, p->key));
        char key[300];
        snprintf(key, sizeof key, "env.%s", name ? name : "");
        char v[WHERE_MAX];
        at(w, at(v, where, "Variables"), name);
        if (set(t, fn, key, node(t, p->value), w) < 0)
            return -1;
    }
    return 0;
}

static int image_config(sam *t, const char *fn, yaml_node_t *ic, const char *where)
{
    char w[WHERE_MAX];
    if (!ic || ic->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = ic->data.mapping.pairs.start; p < ic->data.mapping.pairs.top; p++) {
        const char *k = plain(node(t, p->key));
        yaml_node_t *v = node(t, p->value);
        at(w, where, k);
        if (k && strcmp(k, "Command") == 0 && v->type == YAML_SEQUENCE_NODE &&
            v->data.sequence.items.top > v->data.sequence.items.start) {
            if (set(t, fn, "handler", node(t, *v->data.sequence.items.start), w) < 0)
                return -1;
            if (v->data.sequence.items.top - v->data.sequence.items.start > 1)
                note(t, w, "only the first item (the handler) is used");
        } else {
            note(t, w,
                 "not emulated (the emulator runs the runtime with the handler as its argument)");
        }
    }
    return 0;
}

/* A route KEY to function fn with payload format pf and timeout (s, or -1). */
static int add_route(sam *t, const char *key, const char *fn, int pf, double timeout)
{
    char msg[512];
    front_route *r = front_route_target(t->st, key, msg, sizeof msg);
    if (!r) {
        snprintf(t->err, t->errlen, "%s: %s", t->path, msg);
        return -1;
    }
    free(r->function);
    r->function = strdup(fn);
    r->payload_format = pf;
    r->timeout = timeout;
    return r->function ? 0 : -1;
}

/* One event of function fn: HttpApi or Api become routes. */
static int event(sam *t, const char *fn, yaml_node_t *ev, const char *where)
{
    char w[WHERE_MAX];
    const char *type = plain(get(t, ev, "Type"));
    int http = type && strcmp(type, "HttpApi") == 0;
    if (!type || (!http && strcmp(type, "Api") != 0)) {
        note(t, where, "not emulated: only HttpApi and Api events become routes");
        return 0;
    }
    yaml_node_t *props = get(t, ev, "Properties");
    char *method = value(t, get(t, props, "Method")), *path = value(t, get(t, props, "Path"));
    char *pfv = value(t, get(t, props, "PayloadFormatVersion"));
    char *tmo = value(t, get(t, props, "TimeoutInMillis"));
    int pf = !http || (pfv && strcmp(pfv, "1.0") == 0) ? FRONT_PAYLOAD_1_0 : FRONT_PAYLOAD_2_0;
    double timeout = tmo ? atof(tmo) / 1000.0 : -1;
    char key[1024];
    if (method && path) {
        snprintf(key, sizeof key, "%s %s", method, path);
        for (char *p = key; *p != ' '; p++)
            *p = (char)toupper((unsigned char)*p);
    } else {
        snprintf(key, sizeof key, "$default");
    }
    int rc = add_route(t, key, fn, pf, timeout);
    free(method), free(path), free(pfv), free(tmo);
    if (props && props->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *p = props->data.mapping.pairs.start;
             p < props->data.mapping.pairs.top; p++) {
            const char *k = plain(node(t, p->key));
            static const char *const used[] = {"Method", "Path", "PayloadFormatVersion",
                                               "TimeoutInMillis", NULL};
            int known = 0;
            for (int i = 0; k && used[i]; i++)
                known |= strcmp(k, used[i]) == 0;
            char pw[WHERE_MAX];
            at(w, at(pw, where, "Properties"), k);
            if (k && strcmp(k, "ApiId") == 0)
                note(t, w, "every API is served by the one HTTP front");
            else if (!known)
                note(t, w, "not emulated");
        }
    return rc;
}

static int events(sam *t, const char *fn, yaml_node_t *evs, const char *where)
{
    char w[WHERE_MAX];
    if (!evs || evs->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = evs->data.mapping.pairs.start; p < evs->data.mapping.pairs.top;
         p++) {
        const char *name = plain(node(t, p->key));
        at(w, where, name);
        if (event(t, fn, node(t, p->value), w) < 0)
            return -1;
    }
    return 0;
}

static int url_config(sam *t, const char *fn, yaml_node_t *u, const char *where)
{
    char w[WHERE_MAX];
    yaml_node_t *mode = get(t, u, "InvokeMode");
    at(w, where, "InvokeMode");
    if (mode && set(t, fn, "invoke_mode", mode, w) < 0)
        return -1;
    for (const front_route *r = t->st->routes; r; r = r->next)
        if (!r->method)
            return 0;
    return add_route(t, "$default", fn, FRONT_PAYLOAD_2_0, -1);
}

/* The Properties of a function (fn) or Globals.Function (fn NULL). */
static int properties(sam *t, const char *fn, yaml_node_t *props, const char *where)
{
    static const struct {
        const char *name, *key;
    } simple[] = {
        {"Handler", "handler"},
        {"Timeout", "timeout"},
        {"MemorySize", "memory_size"},
    };
    char w[WHERE_MAX];
    if (!props || props->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = props->data.mapping.pairs.start; p < props->data.mapping.pairs.top;
         p++) {
        const char *k = plain(node(t, p->key));
        yaml_node_t *v = node(t, p->value);
        int rc = 0, done = 0;
        at(w, where, k);
        for (size_t i = 0; k && i < sizeof simple / sizeof simple[0] && !done; i++)
            if (strcmp(k, simple[i].name) == 0)
                rc = set(t, fn, simple[i].key, v, w), done = 1;
        if (done)
            ;
        else if (k && strcmp(k, "Environment") == 0)
            rc = environment(t, fn, v, w);
        else if (k && strcmp(k, "ImageConfig") == 0)
            rc = image_config(t, fn, v, w);
        else if (k && fn && strcmp(k, "Events") == 0)
            rc = events(t, fn, v, w);
        else if (k && fn && strcmp(k, "FunctionUrlConfig") == 0)
            rc = url_config(t, fn, v, w);
        else
            note(t, w, "not emulated");
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int resources(sam *t, yaml_node_t *res)
{
    char w[WHERE_MAX];
    if (!res || res->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = res->data.mapping.pairs.start; p < res->data.mapping.pairs.top;
         p++) {
        const char *name = plain(node(t, p->key));
        yaml_node_t *r = node(t, p->value);
        const char *type = plain(get(t, r, "Type"));
        at(w, "Resources", name);
        if (!name || !type || strcmp(type, "AWS::Serverless::Function") != 0) {
            char what[256];
            snprintf(
                what, sizeof what, "%s not emulated%s", type ? type : "a resource without Type",
                type && strstr(type, "Api") ? " (its routes are served by the HTTP front)" : "");
            note(t, w, what);
            continue;
        }
        char msg[512];
        if (emu_settings_set(t->st, name, NULL, NULL, msg, sizeof msg) < 0) { /* creates it */
            snprintf(t->err, t->errlen, "%s: %s: %s", t->path, w, msg);
            return -1;
        }
        char rw[WHERE_MAX];
        at(w, at(rw, "Resources", name), "Properties");
        if (properties(t, name, get(t, r, "Properties"), w) < 0)
            return -1;
    }
    return 0;
}

static int globals(sam *t, yaml_node_t *g)
{
    char w[WHERE_MAX];
    if (!g || g->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = g->data.mapping.pairs.start; p < g->data.mapping.pairs.top; p++) {
        const char *k = plain(node(t, p->key));
        at(w, "Globals", k);
        if (k && strcmp(k, "Function") == 0) {
            if (properties(t, NULL, node(t, p->value), w) < 0)
                return -1;
        } else {
            note(t, w, "not emulated");
        }
    }
    return 0;
}

static int top_level(sam *t, yaml_node_t *root)
{
    static const char *const quiet[] = {"AWSTemplateFormatVersion",
                                        "Transform",
                                        "Description",
                                        "Parameters",
                                        "Globals",
                                        "Resources",
                                        NULL};
    if (!root || root->type != YAML_MAPPING_NODE) {
        snprintf(t->err, t->errlen, "%s: not a SAM template (expected a mapping with Resources)",
                 t->path);
        return -1;
    }
    t->params = get(t, root, "Parameters");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const char *k = plain(node(t, p->key));
        int known = 0;
        for (int i = 0; k && quiet[i]; i++)
            known |= strcmp(k, quiet[i]) == 0;
        if (!known)
            note(t, k ? k : "?", "not emulated");
    }
    if (globals(t, get(t, root, "Globals")) < 0 || resources(t, get(t, root, "Resources")) < 0)
        return -1;
    return 0;
}

int sam_load(emu_settings *st, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open the template %s: %s", path, strerror(errno));
        return -1;
    }
    sam t = {.st = st, .path = path, .err = err, .errlen = errlen};
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int ok = yaml_parser_load(&parser, &t.doc);
    if (!ok) {
        snprintf(err, errlen, "%s:%lu:%lu: YAML error: %s%s%s", path,
                 (unsigned long)parser.problem_mark.line + 1,
                 (unsigned long)parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "unreadable", parser.context ? " " : "",
                 parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        fclose(f);
        return -1;
    }
    int rc = top_level(&t, yaml_document_get_root_node(&t.doc));
    yaml_document_delete(&t.doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}
