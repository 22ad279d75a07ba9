/* shutdown.c -- see shutdown.h. */
#include "config.h"
#include "shutdown.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t stop_asked; /* shutdown_request(); atomic accesses */

static void on_stop(int signo)
{
    stop_signal = signo;
}

static void on_alarm(int signo)
{
    static const char msg[] = "bootstrap: the plugin's shutdown hook did not return in time; exiting\n";
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
    sa.sa_flags = 0; /* no SA_RESTART: a blocking poll returns at once */
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    return 0;
}

int shutdown_requested(int *signo)
{
    if (signo)
        *signo = stop_signal;
    return stop_signal != 0 || __atomic_load_n(&stop_asked, __ATOMIC_SEQ_CST);
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
