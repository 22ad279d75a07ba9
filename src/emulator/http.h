/* http.h -- small libmicrohttpd helpers both servers use. */
#ifndef EMU_HTTP_H
#define EMU_HTTP_H

#include <stddef.h>
#include <microhttpd.h>

/* Queue a response with body (copied) and Content-Type; extra headers as
 * NULL-terminated name, value pairs.  Returns MHD_YES/MHD_NO. */
enum MHD_Result http_reply(struct MHD_Connection *c, unsigned status,
                           const char *content_type, const void *body,
                           size_t len, ...);
/* Queue a JSON error {"errorMessage":..., "errorType":...}. */
enum MHD_Result http_reply_error(struct MHD_Connection *c, unsigned status,
                                 const char *type, const char *message);
/* 0 if addr is a valid "HOST:PORT" for http_start(), else -1 with err. */
int http_check_addr(const char *addr, char *err, size_t errlen);
/* Start a loopback or public server with thread-per-connection, so handlers
 * may block while they wait for an invocation.  addr: "HOST:PORT" (port 0 =
 * any); the bound port in *port. */
struct MHD_Daemon *http_start(const char *addr, MHD_AccessHandlerCallback handler,
                              void *cls, MHD_RequestCompletedCallback done,
                              unsigned *port, char *err, size_t errlen);

#endif
