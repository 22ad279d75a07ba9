/*
 * worker.h -- one runtime: load the handler plugin (posting an init error
 * when that fails), run the invoke loop -- or, with
 * AWS_LAMBDA_MAX_CONCURRENCY=N in the thread model, N invoke loops in N
 * threads (threads.h) -- and on a graceful stop run the plugin's shutdown
 * hook.  Runs in the bootstrap process itself (supervisor = false) or in a
 * worker process the supervisor starts.
 */
#ifndef BOOTSTRAP_WORKER_H
#define BOOTSTRAP_WORKER_H

#include "boot_settings.h"
#include "slot.h"

#include <stdint.h>

/* How many invoke loops one process runs: max_concurrency in the thread
 * model, else 1.  model is MODEL_* (MODEL_AUTO: decided by the plugin's
 * LAMBDA_PLUGIN_THREAD_SAFE flag, plugin_flags). */
int worker_threads(const settings *s, int model, uint32_t plugin_flags);

/* Returns the exit status: 0 after a graceful stop, 1 after an init error
 * or a Runtime API failure, 2 if the Runtime API is not configured.
 * slots: NULL (no supervisor), or max_concurrency slots shared with the
 * supervisor (the worker uses as many as it runs loops).  model: as for
 * worker_threads(). */
int worker_run(const settings *s, worker_slot *slots, int model);

#endif
