/* shutdown.c -- see shutdown.h. */
#include "config.h"
#include "shutdown.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Written by the signal handler, read by every invoke loop's thread: all
 * accesses are __atomic (lock-free on an int, so async-signal-safe). */
static int stop_signal;
static int stop_asked; /* shutdown_request() */

/* The supervisor's workers, to which the handler itself passes the signal
 * on (kill() is async-signal-safe): a signal between the supervisor's check
 * of shutdown_requested() and its blocking waitpid() is then never lost. */
static pid_t forward_pid[SHUTDOWN_FORWARD_MAX];
static pid_t forward_owner; /* the process whose handler forwards */

static void on_stop(int signo)
{
    __atomic_store_n(&stop_signal, signo, __ATOMIC_SEQ_CST);
    if (getpid() != __atomic_load_n(&forward_owner, __ATOMIC_SEQ_CST))
        return; /* a worker forked from the supervisor: not its to pass on */
    for (int i = 0; i < SHUTDOWN_FORWARD_MAX; i++) {
        pid_t pid = __atomic_load_n(&forward_pid[i], __ATOMIC_SEQ_CST);
        if (pid > 0)
            kill(pid, signo);
    }
}

void shutdown_forward(int i, pid_t pid)
{
    if (i < 0 || i >= SHUTDOWN_FORWARD_MAX)
        return;
    __atomic_store_n(&forward_owner, getpid(), __ATOMIC_SEQ_CST);
    __atomic_store_n(&forward_pid[i], pid, __ATOMIC_SEQ_CST);
    /* a signal that came before the store found no pid here: pass it now */
    int signo = __atomic_load_n(&stop_signal, __ATOMIC_SEQ_CST);
    if (pid > 0 && signo)
        kill(pid, signo);
}

static void on_alarm(int signo)
{
    static const char msg[] =
        "bootstrap: the plugin's shutdown hook did not return in time; exiting\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)n;
    _exit(1);
}

int shutdown_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: a blocking wait (libcurl's poll, sem_wait in
     * threads.c, waitpid in the supervisor) returns at once.  In the thread
     * model only the main thread takes these signals (threads.c). */
    sa.sa_flags = 0;
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    return 0;
}

int shutdown_requested(int *signo)
{
    int sig = __atomic_load_n(&stop_signal, __ATOMIC_SEQ_CST);
    if (signo)
        *signo = sig;
    return sig != 0 || __atomic_load_n(&stop_asked, __ATOMIC_SEQ_CST);
}

void shutdown_request(void)
{
    __atomic_store_n(&stop_asked, 1, __ATOMIC_SEQ_CST);
}

void shutdown_pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && !shutdown_requested(NULL))
        ;
}

void shutdown_bound(long ms)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}
