/* threads.c -- see threads.h. */
#include "config.h"
#include "threads.h"
#include "clock.h"
#include "shutdown.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The signal that wakes a loop out of its GET /next poll (its handler does
 * nothing: the interrupted poll makes libcurl ask shutdown_requested()). */
#define WAKE_SIGNAL SIGUSR2
/* How often the loops still polling are woken again once a stop began (a
 * signal that arrives just before the poll starts is not seen). */
#define REWAKE_MS 100

typedef struct loop_thread {
    pthread_t id;
    runtime *rt;
    sem_t *ended;
    int status;
    int running;
} loop_thread;

static void on_wake(int signo)
{
    (void)signo;
}

static void *run(void *arg)
{
    loop_thread *t = arg;
    t->status = loop_run(t->rt);
    sem_post(t->ended);
    return NULL;
}

/* Wake the loops still waiting for an invocation. */
static void wake_polling(loop_thread *t, int n)
{
    for (int i = 0; i < n; i++)
        if (t[i].running && __atomic_load_n(&t[i].rt->polling, __ATOMIC_SEQ_CST))
            pthread_kill(t[i].id, WAKE_SIGNAL);
}

int threads_run(runtime *rts, int n)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_wake;
    sigemptyset(&sa.sa_mask);
    /* SA_RESTART, and the loops unblock the signal only while they wait
     * for /next (loop.c): a thread that took an invocation never sees EINTR
     * from it; poll() is never restarted, so a waiting poll still ends */
    sa.sa_flags = SA_RESTART;
    sigaction(WAKE_SIGNAL, &sa, NULL);

    loop_thread *t = calloc((size_t)n, sizeof *t);
    sem_t ended;
    if (!t || sem_init(&ended, 0, 0) != 0) {
        free(t);
        lr_log(NULL, LAMBDA_LOG_FATAL, "cannot start %d invoke threads: out of memory", n);
        return 1;
    }
    /* The loop threads start with SIGTERM, SIGINT and the wake signal
     * blocked: the stop signals reach the main thread only (its sem_wait
     * returns, it wakes the polling loops), never a handler's system call. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, WAKE_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int started = 0, status = 0;
    for (; started < n; started++) {
        rts[started].wake_signal = WAKE_SIGNAL;
        t[started].rt = &rts[started];
        t[started].ended = &ended;
        t[started].running = 1;
        int rc = pthread_create(&t[started].id, NULL, run, &t[started]);
        if (rc != 0) {
            t[started].running = 0;
            lr_log(NULL, LAMBDA_LOG_FATAL,
                   "cannot start invoke thread %d of %d: %s (lower AWS_LAMBDA_MAX_CONCURRENCY "
                   "or set concurrency_model = processes in [runtime])",
                   started + 1, n, strerror(rc));
            status = 1;
            shutdown_request();
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    int left = started, stopping = status != 0;
    while (left > 0) {
        struct timespec until;
        clock_realtime_after(&until, REWAKE_MS);
        int rc = stopping ? sem_timedwait(&ended, &until) : sem_wait(&ended);
        if (rc == 0) {
            left--;
            /* a loop returns only to stop: the others follow */
            stopping = 1;
            shutdown_request();
        } else if (shutdown_requested(NULL)) {
            stopping = 1;
        }
        if (stopping)
            wake_polling(t, started);
    }
    for (int i = 0; i < started; i++) {
        pthread_join(t[i].id, NULL);
        if (t[i].status != 0)
            status = 1;
    }
    sem_destroy(&ended);
    free(t);
    return status;
}
