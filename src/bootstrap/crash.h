/*
 * crash.h -- in a worker process: on a fatal signal (SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE, SIGABRT), write a symbolised backtrace of the crashing
 * thread to a file the supervisor reads, then die of the same signal.
 */
#ifndef BOOTSTRAP_CRASH_H
#define BOOTSTRAP_CRASH_H

struct worker_slot;

/* Install the handlers; backtraces go to fd (a memfd the supervisor owns). */
void crash_handlers_install(int fd);

/* The slot of the calling thread's invoke loop: a crash in this thread
 * marks it (culprit), so the supervisor can tell which of a worker's
 * invocations crashed it.  NULL: none.  Also gives the calling thread an
 * alternate signal stack of its own when it has none (each thread needs
 * one: a stack overflow leaves no room to run the handler on its stack). */
void crash_watch(struct worker_slot *slot);

/* The calling thread's loop is over: drop the stack crash_watch made. */
void crash_unwatch(void);

#endif
