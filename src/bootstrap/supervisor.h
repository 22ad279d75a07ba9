/*
 * supervisor.h -- crash isolation: bootstrap runs the plugin in a worker
 * process and watches it.  When the worker dies during an invocation
 * (signal, exit(), OOM kill), the supervisor posts a Runtime.ExitError for
 * exactly that request id (signal or status, and the worker's backtrace)
 * and starts a fresh worker, which runs the plugin's init again.  A worker
 * that keeps dying during init is restarted with a growing pause and
 * finally reported as an init error.  SIGTERM/SIGINT are passed on to the
 * worker, which stops gracefully.
 *
 * With AWS_LAMBDA_MAX_CONCURRENCY=N (N > 1) there are N invoke loops: in N
 * threads of one worker (thread model) or in N single-loop workers (process
 * model, chosen for plugins not declared LAMBDA_PLUGIN_THREAD_SAFE; see
 * concurrency_model).  Each loop has its own slot, so a dead worker's
 * every in-flight invocation is answered; only that worker is restarted.
 * One worker stopping (graceful or fatal) stops the others.
 */
#ifndef BOOTSTRAP_SUPERVISOR_H
#define BOOTSTRAP_SUPERVISOR_H

#include "boot_settings.h"

/* Returns the exit status (0 after a graceful stop, 1 otherwise). */
int supervise(const settings *s);

#endif
