/*
 * supervisor.h -- crash isolation: bootstrap runs the plugin in a worker
 * process and watches it.  When the worker dies during an invocation
 * (signal, exit(), OOM kill), the supervisor posts a Runtime.ExitError for
 * exactly that request id (signal or status, and the worker's backtrace)
 * and starts a fresh worker, which runs the plugin's init again.  A worker
 * that keeps dying during init is restarted with a growing pause and
 * finally reported as an init error.  SIGTERM/SIGINT are passed on to the
 * worker, which stops gracefully.
 */
#ifndef BOOTSTRAP_SUPERVISOR_H
#define BOOTSTRAP_SUPERVISOR_H

#include "settings.h"

/* Returns the exit status (0 after a graceful stop, 1 otherwise). */
int supervise(const settings *s);

#endif
