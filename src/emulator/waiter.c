/*
 * waiter.c -- a connection suspended until the state it waits for changes:
 * a caller waiting for its result, a /next poll waiting for work.  Whoever
 * makes the change resumes it (emu->lock held for both).
 */
#include "config.h"
#include <microhttpd.h>

#include "emulator.h"
#include "http.h"

void waiter_suspend(waiter *w, struct MHD_Connection *c)
{
    w->conn = c;
    w->suspended = 1;
    MHD_suspend_connection(c);
}

void waiter_resume(waiter *w)
{
    if (!w || !w->suspended)
        return;
    w->suspended = 0;
    http_resume(w->conn);
}
