/*
 * extensions.c -- the lifecycle of an instance's extensions and the
 * Extensions API (2020-01-01) they use on the instance's Runtime API
 * address: POST register, GET event/next (long poll: INVOKE, SHUTDOWN),
 * POST init/error, POST exit/error.
 *
 * Init ends when every extension has registered and waits in event/next
 * and the runtime has called /next (pool.c asks ext_idle()); an invocation
 * is given to the runtime and, as INVOKE, to every extension registered for
 * it; the instance takes the next one only once they have all called
 * event/next again.  An extension that exits (or posted init/error or
 * exit/error) outside the Shutdown phase fails the instance with AWS's
 * error type; it is killed and replaced.  See extensions.h.
 */
#include "config.h"
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "clock.h"
#include "error_json.h"
#include "emulator.h"
#include "extensions.h"
#include "http.h"
#include "posix.h"
#include "telemetry.h"

#define XPREFIX "/2020-01-01/extension/"

static void new_uuid(char out[40])
{
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

int ext_idle(const instance *inst)
{
    const ext_set *x = inst->ext;
    if (!x)
        return 1;
    if (x->fail_type || x->kill_at_ns)
        return 0;
    for (int i = 0; i < x->n; i++)
        if (x->p[i].state != EXT_READY || x->p[i].pending.len)
            return 0;
    return 1;
}

/* The REPORTs held for the extensions, out now (their invoke phase ends). */
static void flush_reports(ext_set *x)
{
    int64_t now = clock_mono_ns();
    for (int i = 0; i < x->nawait; i++) {
        x->awaiting[i]->phase_end_ns = now;
        report_invocation_end(x->awaiting[i]);
    }
    x->nawait = 0;
}

void ext_report_end(invocation *inv)
{
    instance *inst = inv->inst;
    ext_set *x = inst ? inst->ext : NULL;
    /* Failing or going away: nobody waits for the extensions any more. */
    if (!x || ext_idle(inst) || x->fail_type || x->kill_at_ns || x->nawait >= EXT_AWAIT_MAX) {
        inv->phase_end_ns = inv->end_ns;
        report_invocation_end(inv);
        return;
    }
    x->awaiting[x->nawait++] = inv;
}

static const char *events_text(int events)
{
    return events == (EXT_EV_INVOKE | EXT_EV_SHUTDOWN) ? "INVOKE,SHUTDOWN"
           : events == EXT_EV_INVOKE                   ? "INVOKE"
           : events == EXT_EV_SHUTDOWN                 ? "SHUTDOWN"
                                                       : "";
}

/* platform.extension for the Telemetry API's subscribers. */
static void extension_event(instance *inst, const ext_proc *p)
{
    json_object *rec = json_object_new_object(), *evs = json_object_new_array();
    if (p->events & EXT_EV_INVOKE)
        json_object_array_add(evs, json_object_new_string("INVOKE"));
    if (p->events & EXT_EV_SHUTDOWN)
        json_object_array_add(evs, json_object_new_string("SHUTDOWN"));
    json_object_object_add(rec, "name", json_object_new_string(p->name));
    json_object_object_add(rec, "state", json_object_new_string("Ready"));
    json_object_object_add(rec, "events", evs);
    const char *s = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
    tel_emit(inst, "platform.extension", s, strlen(s));
    json_object_put(rec);
}

void ext_announce(instance *inst)
{
    ext_set *x = inst->ext;
    if (!x || x->announced)
        return;
    x->announced = 1;
    for (int i = 0; i < x->n; i++) {
        const char *ev = events_text(x->p[i].events);
        lr_buf line = {0};
        if (inst->fn->s->log_format == LOGFMT_JSON) {
            char t[32];
            clock_iso8601_ms(clock_epoch_ms(), t, sizeof t);
            json_object *doc = json_object_new_object(), *rec = json_object_new_object(),
                        *evs = json_object_new_array();
            if (x->p[i].events & EXT_EV_INVOKE)
                json_object_array_add(evs, json_object_new_string("INVOKE"));
            if (x->p[i].events & EXT_EV_SHUTDOWN)
                json_object_array_add(evs, json_object_new_string("SHUTDOWN"));
            json_object_object_add(doc, "time", json_object_new_string(t));
            json_object_object_add(doc, "type", json_object_new_string("platform.extension"));
            json_object_object_add(rec, "name", json_object_new_string(x->p[i].name));
            json_object_object_add(rec, "state", json_object_new_string("Ready"));
            json_object_object_add(rec, "events", evs);
            json_object_object_add(doc, "record", rec);
            lr_buf_printf(&line, "%s\n",
                          json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
            json_object_put(doc);
        } else {
            lr_buf_printf(&line, "EXTENSION\tName: %s\tState: Ready\tEvents: [%s]\n", x->p[i].name,
                          ev);
        }
        if (line.len)
            report_line(1, line.data, line.len);
        lr_buf_free(&line);
        extension_event(inst, &x->p[i]);
    }
}

/* Queue ev (taken) as p's next event and wake its poll. */
static void give(ext_proc *p, json_object *ev)
{
    const char *s = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN);
    p->pending.len = 0;
    lr_buf_append(&p->pending, s, strlen(s));
    json_object_put(ev);
    p->state = EXT_BUSY;
    waiter_resume(p->poll);
}

void ext_invoke(instance *inst, invocation *inv)
{
    ext_set *x = inst->ext;
    if (!x)
        return;
    for (int i = 0; i < x->n; i++) {
        ext_proc *p = &x->p[i];
        if (!(p->events & EXT_EV_INVOKE) || p->state != EXT_READY)
            continue;
        json_object *ev = json_object_new_object(), *tr = json_object_new_object();
        json_object_object_add(ev, "eventType", json_object_new_string("INVOKE"));
        json_object_object_add(ev, "deadlineMs", json_object_new_int64(inv->deadline_ms));
        json_object_object_add(ev, "requestId", json_object_new_string(inv->id));
        json_object_object_add(ev, "invokedFunctionArn",
                               json_object_new_string(inv->arn ? inv->arn : inv->fn->arn));
        json_object_object_add(tr, "type", json_object_new_string("X-Amzn-Trace-Id"));
        json_object_object_add(tr, "value", json_object_new_string(inv->trace));
        json_object_object_add(ev, "tracing", tr);
        p->busy_deadline_ns = inv->deadline_ns;
        give(p, ev);
    }
}

const char *ext_shutdown_reason(const instance *inst)
{
    const char *why = inst->kill_reason;
    if (inst->fn->emu->shutdown || (why && strcmp(why, "reload") == 0))
        return "spindown"; /* stopped, or replaced by new code: nothing failed */
    return why && strcmp(why, "timeout") == 0 ? "timeout" : "failure";
}

void ext_shutdown(instance *inst, const char *reason)
{
    ext_set *x = inst->ext;
    if (!x || x->kill_at_ns)
        return;
    flush_reports(x);
    freeze_thaw(inst); /* they must run to take SHUTDOWN */
    int64_t now = clock_mono_ns();
    int waiting = 0;
    for (int i = 0; i < x->n; i++) {
        ext_proc *p = &x->p[i];
        int alive = i < x->external ? !p->exited : 1;
        if (!alive || !(p->events & EXT_EV_SHUTDOWN) || p->state == EXT_LAUNCHED ||
            p->state == EXT_INIT_ERROR || p->state == EXT_EXIT_ERROR)
            continue;
        json_object *ev = json_object_new_object();
        json_object_object_add(ev, "eventType", json_object_new_string("SHUTDOWN"));
        json_object_object_add(ev, "shutdownReason", json_object_new_string(reason));
        json_object_object_add(ev, "deadlineMs",
                               json_object_new_int64(clock_epoch_ms() + EXT_SHUTDOWN_MS));
        give(p, ev);
        waiting = 1;
    }
    x->kill_at_ns = now + (waiting ? EXT_SHUTDOWN_MS * 1000000LL : 1);
    if (x->reaper_started) {
        ext_wake_reaper(x);
    } else { /* internal extensions only: they go with the runtime */
        x->closed = 1;
        for (int i = 0; i < x->n; i++)
            waiter_resume(x->p[i].poll);
    }
}

/* An extension failed (emu->lock held): the instance is reset; during init
 * the caller gets type as the init error. */
static void ext_fail(instance *inst, const char *type, const char *msg)
{
    ext_set *x = inst->ext;
    if (x->fail_type)
        return;
    flush_reports(x);
    x->fail_type = type;
    snprintf(x->fail_msg, sizeof x->fail_msg, "%s", msg);
    char line[512];
    int n = snprintf(line, sizeof line,
                     "lambda-emulator: function %s: execution environment %u: %s (%s); "
                     "the environment is reset\n",
                     inst->fn->name, inst->id, msg, type);
    report_line(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    if (!inst->ready && !inst->init_error_type) {
        inst->init_error_type = strdup(type);
        char *doc = error_json(type, msg, NULL, NULL);
        inst->init_error.len = 0;
        if (doc)
            lr_buf_append(&inst->init_error, doc, strlen(doc));
        free(doc);
    }
    pool_kill_instance(inst, "extension failure");
}

void ext_exited(instance *inst, int i, int wstatus)
{
    ext_set *x = inst->ext;
    ext_proc *p = &x->p[i];
    p->exited = 1;
    if (x->kill_at_ns || inst->fn->emu->shutdown)
        return; /* the Shutdown phase: expected */
    char how[96], msg[400];
    exit_status_text(wstatus, how, sizeof how, NULL);
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
        snprintf(how, sizeof how, "exit code 0");
    snprintf(msg, sizeof msg, "extension %s exited: %s", p->name, how);
    ext_fail(inst,
             p->state == EXT_INIT_ERROR   ? "Extension.InitError"
             : p->state == EXT_EXIT_ERROR ? "Extension.ExitError"
                                          : "Extension.Crash",
             msg);
}

const char *ext_failure(const instance *inst, char *msg, size_t len)
{
    if (!inst->ext || !inst->ext->fail_type)
        return NULL;
    snprintf(msg, len, "%s", inst->ext->fail_msg);
    return inst->ext->fail_type;
}

const char *ext_overdue(instance *inst, int64_t now, int64_t *next)
{
    ext_set *x = inst->ext;
    /* While the runtime runs an invocation, its own deadline applies. */
    if (!x || x->kill_at_ns || inst->busy > 0)
        return NULL;
    for (int i = 0; i < x->n; i++) {
        ext_proc *p = &x->p[i];
        if (p->state != EXT_BUSY || !p->busy_deadline_ns)
            continue;
        if (now < p->busy_deadline_ns) {
            if (p->busy_deadline_ns < *next)
                *next = p->busy_deadline_ns;
            continue;
        }
        char line[512];
        int n = snprintf(line, sizeof line,
                         "lambda-emulator: function %s: execution environment %u: extension %s "
                         "did not call event/next again before the invocation's deadline; the "
                         "environment is reset\n",
                         inst->fn->name, inst->id, p->name);
        report_line(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        return "timeout";
    }
    return NULL;
}

/* ------------------------------------------------------------------------
 * The Extensions API
 * ------------------------------------------------------------------------ */

enum xroute { X_NONE, X_REGISTER, X_NEXT, X_INIT_ERROR, X_EXIT_ERROR, X_TELEMETRY };

typedef struct xconn {
    enum xroute route;
    int too_large;
    lr_buf body;
    waiter w; /* event/next, waiting */
} xconn;

int ext_route(const char *url)
{
    return strncmp(url, XPREFIX, strlen(XPREFIX)) == 0 || tel_route(url);
}

void *ext_begin(struct MHD_Connection *c, const char *method, const char *url)
{
    (void)c;
    xconn *xc = calloc(1, sizeof *xc);
    if (!xc)
        return NULL;
    int post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
    if (tel_route(url)) {
        xc->route = strcmp(method, "PUT") == 0 ? X_TELEMETRY : X_NONE;
        return xc;
    }
    const char *r = url + strlen(XPREFIX);
    xc->route = post && strcmp(r, "register") == 0     ? X_REGISTER
                : get && strcmp(r, "event/next") == 0  ? X_NEXT
                : post && strcmp(r, "init/error") == 0 ? X_INIT_ERROR
                : post && strcmp(r, "exit/error") == 0 ? X_EXIT_ERROR
                                                       : X_NONE;
    return xc;
}

void ext_data(void *p, const char *data, size_t n)
{
    xconn *xc = p;
    if (xc->body.len + n > EXT_BODY_LIMIT)
        xc->too_large = 1;
    else
        lr_buf_append(&xc->body, data, n);
}

static ext_proc *by_id(ext_set *x, const char *id)
{
    for (int i = 0; x && id && *id && i < x->n; i++)
        if (strcmp(x->p[i].id, id) == 0)
            return &x->p[i];
    return NULL;
}

/* The events of a register body ({"events": ["INVOKE", "SHUTDOWN"]}), or -1. */
static int parse_events(const lr_buf *body)
{
    json_tokener *tok = json_tokener_new();
    json_object *doc =
        tok ? json_tokener_parse_ex(tok, body->data ? body->data : "", (int)body->len) : NULL;
    if (tok)
        json_tokener_free(tok);
    json_object *list;
    int events = -1;
    if (doc && json_object_object_get_ex(doc, "events", &list) &&
        json_object_is_type(list, json_type_array)) {
        events = 0;
        for (size_t i = 0; i < json_object_array_length(list) && events >= 0; i++) {
            const char *s = json_object_get_string(json_object_array_get_idx(list, i));
            events = !s                           ? -1
                     : strcmp(s, "INVOKE") == 0   ? events | EXT_EV_INVOKE
                     : strcmp(s, "SHUTDOWN") == 0 ? events | EXT_EV_SHUTDOWN
                                                  : -1;
        }
    }
    json_object_put(doc);
    return events;
}

/* The extension registering as name (emu->lock held): an external one not
 * yet registered, else a new internal one while init lasts; NULL with
 * *why set. */
static ext_proc *registrant(instance *inst, const char *name, const char **why)
{
    ext_set *x = inst->ext;
    for (int i = 0; x && i < x->external; i++)
        if (strcmp(x->p[i].name, name) == 0) {
            *why = x->p[i].id[0] ? "this extension has already registered" : NULL;
            return *why ? NULL : &x->p[i];
        }
    if (inst->ready) {
        *why = "extensions register during init only";
        return NULL;
    }
    if (!x) {
        if (!(x = inst->ext = calloc(1, sizeof *x)))
            return NULL;
        x->gate_fd = x->wake_fd = -1;
        for (int i = 0; i < EXT_MAX; i++)
            x->p[i].pidfd = -1;
    }
    if (x->n >= EXT_MAX) {
        *why = "too many extensions (Lambda allows 10)";
        return NULL;
    }
    ext_proc *p = &x->p[x->n++];
    snprintf(p->name, sizeof p->name, "%s", name);
    return p;
}

static enum MHD_Result registered(struct MHD_Connection *c, instance *inst, const char *id,
                                  const char *features)
{
    function *fn = inst->fn;
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "functionName", json_object_new_string(fn->name));
    json_object_object_add(doc, "functionVersion", json_object_new_string("$LATEST"));
    json_object_object_add(doc, "handler", json_object_new_string(fn->s->handler));
    if (features && strstr(features, "accountId"))
        json_object_object_add(doc, "accountId", json_object_new_string(fn->emu->st->account_id));
    const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
    enum MHD_Result r = http_reply(c, 200, "application/json", s, strlen(s),
                                   "Lambda-Extension-Identifier", id, (char *)NULL);
    json_object_put(doc);
    return r;
}

static enum MHD_Result do_register(struct MHD_Connection *c, instance *inst, xconn *xc)
{
    emu *e = inst->fn->emu;
    const char *name = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Extension-Name");
    if (!name || !*name || strlen(name) >= sizeof((ext_proc *)0)->name)
        return http_reply_error(c, 400, "InvalidRequest",
                                "Lambda-Extension-Name is missing or too long: send the "
                                "extension's file name");
    int events = xc->too_large ? -1 : parse_events(&xc->body);
    if (events < 0)
        return http_reply_error(c, 400, "InvalidRequestFormat",
                                "the body must be {\"events\": [...]} with INVOKE and/or SHUTDOWN");
    const char *why = "out of memory";
    char id[40];
    pthread_mutex_lock(&e->lock);
    ext_proc *p = registrant(inst, name, &why);
    if (p) {
        new_uuid(id);
        memcpy(p->id, id, sizeof id);
        p->events = events;
        p->state = EXT_REGISTERED;
        ext_set *x = inst->ext;
        int left = 0;
        for (int i = 0; i < x->external; i++)
            left += x->p[i].id[0] == '\0';
        if (!left && x->gate_fd >= 0) { /* all registered: the runtime starts */
            close(x->gate_fd);
            x->gate_fd = -1;
        }
    }
    pthread_mutex_unlock(&e->lock);
    if (!p)
        return http_reply_error(c, 403, "Extension.RegistrationError", why);
    return registered(
        c, inst, id,
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Extension-Accept-Feature"));
}

/* event/next: the pending event, or wait for one (emu->lock held; *reply
 * set to the event to send, or an error status). */
static int next_event(struct MHD_Connection *c, instance *inst, xconn *xc, ext_proc *p,
                      lr_buf *reply)
{
    if (p->pending.len) {
        *reply = p->pending;
        memset(&p->pending, 0, sizeof p->pending);
        if (p->poll == &xc->w)
            p->poll = NULL;
        return 200;
    }
    if (inst->ext->closed)
        return 500;
    if (p->state == EXT_INIT_ERROR || p->state == EXT_EXIT_ERROR || (p->poll && p->poll != &xc->w))
        return 409;
    p->state = EXT_READY;
    p->busy_deadline_ns = 0;
    p->poll = &xc->w;
    xc->w.inst = inst;
    waiter_suspend(&xc->w, c);
    if (ext_idle(inst)) {
        flush_reports(inst->ext);
        pool_ext_ready(inst);
    }
    return 0;
}

static enum MHD_Result do_next(struct MHD_Connection *c, instance *inst, xconn *xc)
{
    emu *e = inst->fn->emu;
    const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Extension-Identifier");
    lr_buf ev = {0};
    pthread_mutex_lock(&e->lock);
    ext_proc *p = by_id(inst->ext, id);
    int status = p ? next_event(c, inst, xc, p, &ev) : 403;
    pthread_mutex_unlock(&e->lock);
    if (status == 0)
        return MHD_YES; /* suspended */
    if (status == 403)
        return http_reply_error(c, 403, "Extension.Unregistered",
                                "unknown Lambda-Extension-Identifier: register first and send "
                                "the identifier the register call returned");
    if (status == 409)
        return http_reply_error(c, 403, "Extension.InvalidState",
                                "this extension has reported an error or already waits in "
                                "event/next; exit");
    if (status == 500)
        return http_reply_error(c, 500, "Extension.Terminated",
                                "this execution environment is shutting down; exit");
    char eid[40];
    new_uuid(eid);
    enum MHD_Result r = http_reply(c, 200, "application/json", ev.data, ev.len,
                                   "Lambda-Extension-Event-Identifier", eid, (char *)NULL);
    lr_buf_free(&ev);
    return r;
}

/* init/error and exit/error: recorded; the failure is the extension's exit
 * (init/error fails the init at once: the extension is to exit next). */
static enum MHD_Result do_error(struct MHD_Connection *c, instance *inst, xconn *xc)
{
    emu *e = inst->fn->emu;
    const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Extension-Identifier");
    const char *type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Extension-Function-Error-Type");
    int init = xc->route == X_INIT_ERROR;
    pthread_mutex_lock(&e->lock);
    ext_proc *p = by_id(inst->ext, id);
    int ok = p && (!init || !inst->ready);
    if (ok) {
        p->state = init ? EXT_INIT_ERROR : EXT_EXIT_ERROR;
        if (init) {
            char msg[400];
            snprintf(msg, sizeof msg, "extension %s reported an init error: %s", p->name,
                     type && *type ? type : "(no Lambda-Extension-Function-Error-Type)");
            ext_fail(inst, "Extension.InitError", msg);
        }
    }
    pthread_mutex_unlock(&e->lock);
    if (!p)
        return http_reply_error(c, 403, "Extension.Unregistered",
                                "unknown Lambda-Extension-Identifier: register first");
    if (!ok)
        return http_reply_error(c, 403, "Extension.InvalidState",
                                "init/error is accepted during init only");
    static const char okdoc[] = "{\"status\":\"OK\"}";
    return http_reply(c, 202, "application/json", okdoc, sizeof okdoc - 1, (char *)NULL);
}

enum MHD_Result ext_finish(struct MHD_Connection *c, instance *inst, void *p)
{
    xconn *xc = p;
    switch (xc->route) {
    case X_REGISTER: return do_register(c, inst, xc);
    case X_NEXT: return do_next(c, inst, xc);
    case X_INIT_ERROR:
    case X_EXIT_ERROR: return do_error(c, inst, xc);
    case X_TELEMETRY: return tel_subscribe(c, inst, &xc->body, xc->too_large);
    default: return http_reply_error(c, 404, "NotFound", "no such Extensions API call");
    }
}

void ext_done(instance *inst, void *p)
{
    xconn *xc = p;
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    for (int i = 0; inst->ext && i < inst->ext->n; i++)
        if (inst->ext->p[i].poll == &xc->w)
            inst->ext->p[i].poll = NULL;
    pthread_mutex_unlock(&e->lock);
    lr_buf_free(&xc->body);
    free(xc);
}
