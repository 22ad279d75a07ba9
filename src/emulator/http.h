/* http.h -- small libmicrohttpd helpers both servers use. */
#ifndef EMU_HTTP_H
#define EMU_HTTP_H

#include <stddef.h>
#include <microhttpd.h>

/* Queue a response with body (copied) and Content-Type; extra headers as
 * NULL-terminated name, value pairs.  Returns MHD_YES/MHD_NO. */
enum MHD_Result http_reply(struct MHD_Connection *c, unsigned status, const char *content_type,
                           const void *body, size_t len, ...);
/* Queue a response whose body reader produces as it comes (chunked, at
 * most block bytes a call), with Content-Type and extra headers as above. */
enum MHD_Result http_reply_stream(struct MHD_Connection *c, unsigned status, size_t block,
                                  MHD_ContentReaderCallback reader, void *cls,
                                  const char *content_type, ...);
/* An error answer by an internal code: the table ends with an entry of code
 * 0, the answer for any other code. */
typedef struct http_error {
    unsigned code, status;
    const char *type, *message;
} http_error;
const http_error *http_error_of(const http_error *table, unsigned code);
/* Queue a JSON error {"errorMessage":..., "errorType":...}. */
enum MHD_Result http_reply_error(struct MHD_Connection *c, unsigned status, const char *type,
                                 const char *message);
/* 0 if addr is a valid "HOST:PORT" for http_start(), else -1 with err. */
int http_check_addr(const char *addr, char *err, size_t errlen);
/* Start a loopback or public server run by the event-loop thread
 * (http_loop.c): handlers must not block; they suspend their connection
 * (MHD_suspend_connection) and whoever has what they wait for resumes it.
 * addr: "HOST:PORT" (port 0 = any); the bound port in *port. */
struct MHD_Daemon *http_start(const char *addr, MHD_AccessHandlerCallback handler, void *cls,
                              MHD_RequestCompletedCallback done, unsigned *port, char *err,
                              size_t errlen);
/* The same, with notify (may be NULL) called as each connection opens and
 * closes: the socket context it sets lives as long as the connection. */
struct MHD_Daemon *http_start_notify(const char *addr, MHD_AccessHandlerCallback handler, void *cls,
                                     MHD_RequestCompletedCallback done,
                                     MHD_NotifyConnectionCallback notify, unsigned *port, char *err,
                                     size_t errlen);

/* http_start(), with a callback that sees each request's URI as sent (before
 * any decoding, query string included); what it returns is the request's
 * *con_cls. */
typedef void *(*http_uri_log_fn)(void *cls, const char *uri, struct MHD_Connection *c);
struct MHD_Daemon *http_start_uri(const char *addr, MHD_AccessHandlerCallback handler, void *cls,
                                  MHD_RequestCompletedCallback done, http_uri_log_fn uri_log,
                                  unsigned *port, char *err, size_t errlen);

/* http_guard.c: the limits of a server facing callers we do not control
 * (the Invoke API): an idle timeout, max_connections with a reserve that
 * idle connections may not take (the oldest idle one is closed to make
 * room), and a per-address cap off loopback.  Set the first four fields;
 * the rest belongs to http_guard.c.  It must outlive the daemon. */
typedef struct http_guard {
    const char *name;      /* in messages, e.g. "Invoke API" */
    unsigned idle_timeout; /* seconds without progress; 0 = none */
    unsigned max_connections;
    unsigned per_address; /* connections from one non-loopback address; 0 = any */

    MHD_AccessHandlerCallback handler;
    void *cls;
    MHD_RequestCompletedCallback done;
    struct gconn *head, *tail; /* open connections, oldest first */
    unsigned open, closing;
    unsigned warned_idle, warned_address;
} http_guard;
/* http_start() with a guard (the handler, cls and done are wrapped). */
struct MHD_Daemon *http_start_guarded(const char *addr, MHD_AccessHandlerCallback handler,
                                      void *cls, MHD_RequestCompletedCallback done, http_guard *g,
                                      unsigned *port, char *err, size_t errlen);
/* max_connections lowered to what the open-file limit allows. */
unsigned http_guard_clamp(unsigned max_connections);
enum MHD_Result http_guard_accept(void *cls, const struct sockaddr *sa, socklen_t len);
void http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe);
void http_guard_busy(struct MHD_Connection *c, int busy);

/* http_loop.c: the one thread that runs every server.  The calls below are
 * made from other threads, never with emu->lock held (handlers take it). */
/* Run d in the loop (started on first use); 0, or -1 with err. */
int http_loop_add(struct MHD_Daemon *d, char *err, size_t errlen);
/* Stop accepting on d; returns its listening socket (to close after
 * http_stop), or -1. */
int http_quiesce(struct MHD_Daemon *d);
/* Let d finish what was resumed, take it out of the loop and stop it.  Every
 * connection it suspended must have been resumed. */
void http_stop(struct MHD_Daemon *d);
/* Resume a suspended connection (any thread, any lock) and have the loop
 * run its daemon: libmicrohttpd 0.9.75 has no wake-up channel of its own in
 * external-polling mode. */
void http_resume(struct MHD_Connection *c);
/* Whether this is the loop thread. */
int http_in_loop(void);
/* Have the loop call idle each time it has run its daemons, before it waits
 * (loop_lock held, as for handlers); and poll for a while before it sleeps
 * only when spin() says so. */
void http_loop_hooks(void (*idle)(void), int (*spin)(void));
/* Stop the loop thread (no daemon left). */
void http_loop_end(void);

#endif
