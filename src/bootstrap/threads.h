/*
 * threads.h -- the thread model of multi-concurrency: N invoke loops in N
 * threads of one process, sharing the plugin (loaded and initialised once)
 * and nothing else: each loop has its own Runtime API client (libcurl
 * handle and keep-alive connection), invocation, stream and slot.  When one
 * loop ends (shutdown, or the Runtime API failed) the others are stopped
 * too: a loop waiting in GET /next is woken by a signal; one running a
 * handler finishes it and answers first.
 */
#ifndef BOOTSTRAP_THREADS_H
#define BOOTSTRAP_THREADS_H

#include "loop.h"

/* Run loop_run() on each of the n runtimes in its own thread and wait for
 * all.  Returns 0 if every loop stopped gracefully, 1 otherwise. */
int threads_run(runtime *rts, int n);

#endif
