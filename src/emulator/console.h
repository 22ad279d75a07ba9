/*
 * console.h -- the browser console served under /console/ on the Invoke
 * API's address (console.c: the page, the functions, the saved test events;
 * console_sse.c: invocations live as Server-Sent Events from the event bus;
 * console_assets.c: the page's files, compiled in).
 */
#ifndef EMU_CONSOLE_H
#define EMU_CONSOLE_H

#include <stddef.h>
#include <microhttpd.h>

struct emu;

/* Seconds between keep-alives of an idle live stream. */
#define CONSOLE_KEEPALIVE_S 5

/* Decide whether the console is on (console = on, or auto and the Invoke
 * API listens on loopback) and open the event bus for it; 0 or -1 with err. */
int console_start(struct emu *e, char *err, size_t errlen);
/* Whether it is on (after console_start). */
int console_enabled(void);
/* End the live streams (before the Invoke API stops), then close the bus. */
void console_shutdown(void);
void console_stop(void);

/* Whether a request for url is the console's (when it is on). */
int console_request(const char *url);
/* Answer a console request; *state belongs to the console until
 * console_done(*state). */
enum MHD_Result console_handle(struct emu *e, struct MHD_Connection *c, const char *url,
                               const char *method, void **state);
void console_done(void *state);

/* A live stream opened (-1: the keep-alive thread could not start) or
 * closed: the keep-alive thread runs while any is open. */
int console_stream_opened(void);
void console_stream_closed(void);

/* console_sse.c: GET /console/api/events (Last-Event-ID resumes). */
enum MHD_Result console_sse(struct MHD_Connection *c, void **state);
void console_sse_done(void *state);

/* console_assets.c: a file of the page by its name under /console/ ("" is
 * index.html); NULL when there is none. */
typedef struct console_asset {
    const char *name, *type;
    const char *data;
    size_t len;
} console_asset;
const console_asset *console_asset_find(const char *name);

#endif
