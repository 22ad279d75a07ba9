/* http.c -- see http.h. */
#include "config.h"

#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_json.h"

/* Add Content-Type and the name, value pairs of ap to r, queue it with
 * status and let go of it. */
static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
                             const char *content_type, va_list ap)
{
    if (!r)
        return MHD_NO;
    if (content_type)
        MHD_add_response_header(r, "Content-Type", content_type);
    const char *name;
    while ((name = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        if (value)
            MHD_add_response_header(r, name, value);
    }
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

enum MHD_Result http_reply(struct MHD_Connection *c, unsigned status, const char *content_type,
                           const void *body, size_t len, ...)
{
    va_list ap;
    va_start(ap, len);
    enum MHD_Result rc =
        queue(c, status, MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY),
              content_type, ap);
    va_end(ap);
    return rc;
}

enum MHD_Result http_reply_stream(struct MHD_Connection *c, unsigned status, size_t block,
                                  MHD_ContentReaderCallback reader, void *cls,
                                  const char *content_type, ...)
{
    va_list ap;
    va_start(ap, content_type);
    enum MHD_Result rc = queue(
        c, status, MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, block, reader, cls, NULL),
        content_type, ap);
    va_end(ap);
    return rc;
}

const http_error *http_error_of(const http_error *table, unsigned code)
{
    while (table->code && table->code != code)
        table++;
    return table;
}

enum MHD_Result http_reply_error(struct MHD_Connection *c, unsigned status, const char *type,
                                 const char *message)
{
    size_t len = 0;
    char *doc = error_json(type, message, NULL, &len);
    enum MHD_Result rc =
        http_reply(c, status, "application/json", doc ? doc : "{}", doc ? len : 2, (char *)NULL);
    free(doc);
    return rc;
}

static int parse_addr(const char *addr, struct sockaddr_in *sa, char *err, size_t errlen)
{
    const char *colon = strrchr(addr, ':');
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    char host[64];
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    char *end;
    errno = 0;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || hl >= sizeof host || errno || end == colon + 1 || *end || port < 0 ||
        port > 65535) {
        snprintf(
            err, errlen,
            "bad listen address '%s': expected ADDRESS:PORT, e.g. 127.0.0.1:9000 or 0.0.0.0:8080",
            addr);
        return -1;
    }
    memcpy(host, addr, hl);
    host[hl] = '\0';
    if (!*host || strcmp(host, "*") == 0)
        snprintf(host, sizeof host, "0.0.0.0");
    else if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        snprintf(
            err, errlen,
            "bad listen address '%s': '%s' is not an IPv4 address (use e.g. 127.0.0.1 or 0.0.0.0)",
            addr, host);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

int http_check_addr(const char *addr, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    return parse_addr(addr, &sa, err, errlen);
}

/* A guarded server's handler and completion: a connection is busy from its
 * request's headers to its answer (then idle, waiting for the next). */
static enum MHD_Result guarded_handler(void *cls, struct MHD_Connection *c, const char *url,
                                       const char *method, const char *version,
                                       const char *upload_data, size_t *upload_data_size,
                                       void **con_cls)
{
    http_guard *g = cls;
    if (!*con_cls)
        http_guard_busy(c, 1);
    return g->handler(g->cls, c, url, method, version, upload_data, upload_data_size, con_cls);
}

static void guarded_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_guard *g = cls;
    http_guard_busy(c, 0);
    if (g->done)
        g->done(g->cls, c, con_cls, toe);
}

/* One way to start every server: notify, or a guard (which has its own);
 * uri_log (the HTTP front's, never with a guard) may be NULL. */
static struct MHD_Daemon *start(const char *addr, MHD_AccessHandlerCallback handler, void *cls,
                                MHD_RequestCompletedCallback done,
                                MHD_NotifyConnectionCallback notify, http_guard *g,
                                http_uri_log_fn uri_log, unsigned *port, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (parse_addr(addr, &sa, err, errlen) < 0)
        return NULL;
    if (g) {
        g->handler = handler;
        g->cls = cls;
        g->done = done;
        g->max_connections = http_guard_clamp(g->max_connections);
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0,
        g ? http_guard_accept : NULL, g, g ? guarded_handler : handler, g ? (void *)g : cls,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT,
        g ? g->idle_timeout : 0U, MHD_OPTION_CONNECTION_LIMIT, g ? g->max_connections : 4096U,
        MHD_OPTION_NOTIFY_COMPLETED, g ? guarded_done : done, g ? (void *)g : cls,
        MHD_OPTION_NOTIFY_CONNECTION, g ? http_guard_notify : notify, g ? (void *)g : cls,
        MHD_OPTION_URI_LOG_CALLBACK, g ? NULL : uri_log, cls, MHD_OPTION_END);
    if (!d) {
        snprintf(err, errlen,
                 "cannot listen on %s: %s (is the port in use? choose another address)", addr,
                 errno ? strerror(errno) : "libmicrohttpd refused to start");
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : ntohs(sa.sin_port);
    if (http_loop_add(d, err, errlen) < 0) {
        MHD_stop_daemon(d);
        return NULL;
    }
    return d;
}

struct MHD_Daemon *http_start(const char *addr, MHD_AccessHandlerCallback handler, void *cls,
                              MHD_RequestCompletedCallback done, unsigned *port, char *err,
                              size_t errlen)
{
    return start(addr, handler, cls, done, NULL, NULL, NULL, port, err, errlen);
}

struct MHD_Daemon *http_start_notify(const char *addr, MHD_AccessHandlerCallback handler, void *cls,
                                     MHD_RequestCompletedCallback done,
                                     MHD_NotifyConnectionCallback notify, unsigned *port, char *err,
                                     size_t errlen)
{
    return start(addr, handler, cls, done, notify, NULL, NULL, port, err, errlen);
}

struct MHD_Daemon *http_start_guarded(const char *addr, MHD_AccessHandlerCallback handler,
                                      void *cls, MHD_RequestCompletedCallback done, http_guard *g,
                                      unsigned *port, char *err, size_t errlen)
{
    return start(addr, handler, cls, done, NULL, g, NULL, port, err, errlen);
}

struct MHD_Daemon *http_start_uri(const char *addr, MHD_AccessHandlerCallback handler, void *cls,
                                  MHD_RequestCompletedCallback done, http_uri_log_fn uri_log,
                                  unsigned *port, char *err, size_t errlen)
{
    return start(addr, handler, cls, done, NULL, NULL, uri_log, port, err, errlen);
}
