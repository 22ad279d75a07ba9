/*
 * shutdown.h -- graceful shutdown on SIGTERM (what Lambda sends before it
 * stops an execution environment) and SIGINT (local runs): the signal only
 * sets a flag; the Runtime API client abandons a waiting GET /next, an
 * invocation in flight is finished and answered, then bootstrap runs the
 * plugin's shutdown hook once, bounded by a timer, and exits 0.
 */
#ifndef BOOTSTRAP_SHUTDOWN_H
#define BOOTSTRAP_SHUTDOWN_H

#include <sys/types.h>

/* Worker processes a supervisor passes SIGTERM/SIGINT on to (the largest
 * max_concurrency). */
#define SHUTDOWN_FORWARD_MAX 1024

/* Install the SIGTERM/SIGINT handlers. */
int shutdown_install(void);

/* Record worker i's pid (0: none) in the calling process, whose SIGTERM or
 * SIGINT handler then sends the same signal to it at once -- also when the
 * signal came already. */
void shutdown_forward(int i, pid_t pid);

/* Non-zero once SIGTERM or SIGINT arrived; *signo (if not NULL) says which. */
int shutdown_requested(int *signo);

/* Ask every invoke loop of this process to stop as if a signal had come
 * (used when one thread of a worker must end: the others follow);
 * shutdown_requested() then reports *signo 0. */
void shutdown_request(void);

/* Sleep ms milliseconds, or less if a shutdown is requested meanwhile. */
void shutdown_pause_ms(long ms);

/* Arm a timer that ends the process (status 1, with a message) if the
 * shutdown hook has not returned within ms milliseconds; 0 disarms it. */
void shutdown_bound(long ms);

#endif
