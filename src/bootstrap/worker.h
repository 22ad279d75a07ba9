/*
 * worker.h -- one runtime: load the handler plugin (posting an init error
 * when that fails), run the invoke loop, and on a graceful stop run the
 * plugin's shutdown hook.  Runs in the bootstrap process itself
 * (supervisor = false) or in a worker process the supervisor starts.
 */
#ifndef BOOTSTRAP_WORKER_H
#define BOOTSTRAP_WORKER_H

#include "settings.h"
#include "slot.h"

/* Returns the exit status: 0 after a graceful stop, 1 after an init error
 * or a Runtime API failure, 2 if the Runtime API is not configured.  slot
 * may be NULL (no supervisor). */
int worker_run(const settings *s, worker_slot *slot);

#endif
