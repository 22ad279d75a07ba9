/*
 * http_loop.c -- the event-loop thread that runs every libmicrohttpd daemon
 * of the emulator: the Invoke API and each instance's Runtime API.  Each
 * daemon runs in external-polling mode with epoll; its epoll descriptor sits
 * in this thread's epoll set and MHD_run() is called when it is ready (or
 * when MHD_get_timeout() asks for it).  Resuming a suspended connection
 * (http_resume, any thread) puts its daemon on a pending list the loop runs
 * before it waits again, and wakes the loop from another thread.
 *
 * Because one thread runs both servers, an invocation goes from the caller's
 * connection to a suspended /next poll and back without a thread switch.
 * loop_lock is held while daemons run; other threads take it (never with
 * emu->lock held) to add, quiesce or stop a daemon.
 *
 * Before it sleeps, the loop polls for up to SPIN_NS: the next message of an
 * exchange (the runtime's post, its next poll, the caller's next request)
 * usually comes within that, and catching it awake saves a wake-up of an
 * idle CPU, the dearest step of a round trip on a virtual machine.  Only
 * when the spin hook allows it (one invocation in flight at most) and the
 * machine has a CPU to spare (runnable tasks, sampled from /proc/loadavg
 * every 20 ms, no more than CPUs): on a busy machine wake-ups are cheap and
 * the CPU is better left to the runtimes (an unconditional spin measured
 * worse there, in p50 and p99).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"

typedef struct entry {
    struct MHD_Daemon *d;
    uint64_t id;    /* epoll data; 0 is the loop's own eventfd */
    int ready;      /* reported by epoll this round */
    int64_t due_ns; /* MHD_get_timeout(): run by then; -1 none */
    struct entry *next;
} entry;

static pthread_mutex_t loop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int ep = -1, wake_fd = -1, started, stopping;
static pthread_t loop_thread;
static entry *entries;
static uint64_t next_id = 1;
#define SPIN_NS 50000

static __thread int in_loop;
static void (*idle_hook)(void);
static int (*spin_hook)(void);

/* Daemons with resumed connections: pend_lock is a leaf lock. */
#define MAX_PENDING 64
static pthread_mutex_t pend_lock = PTHREAD_MUTEX_INITIALIZER;
static struct MHD_Daemon *pending[MAX_PENDING];
static int npending, pending_overflow;

/* Run d until it has nothing left to do at once (bounded: the loop comes
 * back to it with a zero timeout). */
static void run_entry(entry *en)
{
    for (int i = 0; i < 16; i++) {
        MHD_run(en->d);
        MHD_UNSIGNED_LONG_LONG t;
        if (MHD_get_timeout(en->d, &t) != MHD_YES) {
            en->due_ns = -1;
            return;
        }
        en->due_ns = clock_mono_ns() + (int64_t)t * 1000000;
        if (t > 0)
            return;
    }
}

/* Run the daemons that have resumed connections (loop_lock held).  Returns
 * whether some are left (resumed again and again): the loop must not sleep. */
static int run_pending(void)
{
    for (int round = 0; round < 64; round++) {
        struct MHD_Daemon *take[MAX_PENDING];
        pthread_mutex_lock(&pend_lock);
        int n = npending, all = pending_overflow;
        memcpy(take, pending, (size_t)n * sizeof *take);
        npending = pending_overflow = 0;
        pthread_mutex_unlock(&pend_lock);
        if (!n && !all)
            return 0;
        for (entry *en = entries; en; en = en->next) {
            int hit = all;
            for (int i = 0; i < n && !hit; i++)
                hit = take[i] == en->d;
            if (hit)
                run_entry(en);
        }
    }
    pthread_mutex_lock(&pend_lock);
    int left = npending > 0 || pending_overflow;
    pthread_mutex_unlock(&pend_lock);
    return left;
}

/* Whether the machine has an idle CPU now (sampled every 20 ms). */
static int cpu_to_spare(void)
{
    static int64_t next_ns;
    static int spare;
    static long ncpu;
    int64_t now = clock_mono_ns();
    if (now < next_ns)
        return spare;
    next_ns = now + 20000000;
    if (!ncpu)
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    char buf[128];
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    long running = 0;
    if (n > 0) {
        buf[n] = '\0';
        /* "0.20 0.18 0.12 RUNNABLE/TOTAL LASTPID" */
        if (sscanf(buf, "%*s %*s %*s %ld/", &running) != 1)
            running = 0;
    }
    spare = n > 0 && running > 0 && running <= ncpu;
    return spare;
}

static void *loop_main(void *arg)
{
    (void)arg;
    in_loop = 1;
    struct epoll_event ev[32];
    int timeout = -1;
    for (;;) {
        int n = 0;
        if (timeout != 0 && spin_hook && spin_hook() && cpu_to_spare()) {
            int64_t until = clock_mono_ns() + SPIN_NS;
            while ((n = epoll_wait(ep, ev, 32, 0)) == 0 && clock_mono_ns() < until)
                ;
        }
        if (n == 0)
            n = epoll_wait(ep, ev, 32, timeout);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "lambda-emulator: the HTTP event loop failed: epoll_wait: %s\n",
                    strerror(errno));
            return NULL;
        }
        pthread_mutex_lock(&loop_lock);
        if (stopping) {
            pthread_mutex_unlock(&loop_lock);
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.u64 == 0) {
                uint64_t v;
                if (read(wake_fd, &v, sizeof v) < 0 && errno != EAGAIN)
                    fprintf(stderr, "lambda-emulator: event loop: read eventfd: %s\n",
                            strerror(errno));
                continue;
            }
            for (entry *en = entries; en; en = en->next)
                if (en->id == ev[i].data.u64)
                    en->ready = 1;
        }
        int64_t now = clock_mono_ns(), next = -1;
        for (entry *en = entries; en; en = en->next) {
            if (en->ready || (en->due_ns >= 0 && en->due_ns <= now)) {
                en->ready = 0;
                run_entry(en);
            }
        }
        int left = run_pending();
        if (idle_hook) {
            idle_hook();
            left = run_pending();
        }
        for (entry *en = entries; en; en = en->next)
            if (en->due_ns >= 0 && (next < 0 || en->due_ns < next))
                next = en->due_ns;
        pthread_mutex_unlock(&loop_lock);
        if (next < 0) {
            timeout = -1;
        } else {
            now = clock_mono_ns();
            timeout = next <= now ? 0 : (int)((next - now + 999999) / 1000000);
        }
        if (left)
            timeout = 0;
    }
}

static void loop_init(void)
{
    ep = epoll_create1(EPOLL_CLOEXEC);
    wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ep < 0 || wake_fd < 0)
        return;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &ev) < 0)
        return;
    started = pthread_create(&loop_thread, NULL, loop_main, NULL) == 0;
}

/* Make the loop recompute its timeout (loop_lock held). */
static void poke(void)
{
    uint64_t one = 1;
    if (write(wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        fprintf(stderr, "lambda-emulator: event loop: write eventfd: %s\n", strerror(errno));
}

int http_in_loop(void)
{
    return in_loop;
}

void http_loop_hooks(void (*idle)(void), int (*spin)(void))
{
    pthread_mutex_lock(&loop_lock);
    idle_hook = idle;
    spin_hook = spin;
    pthread_mutex_unlock(&loop_lock);
}

void http_resume(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
    MHD_resume_connection(c);
    struct MHD_Daemon *d = ci ? ci->daemon : NULL;
    pthread_mutex_lock(&pend_lock);
    int known = 0;
    for (int i = 0; i < npending && !known; i++)
        known = pending[i] == d;
    if (!known) {
        if (d && npending < MAX_PENDING)
            pending[npending++] = d;
        else
            pending_overflow = 1; /* run them all */
    }
    pthread_mutex_unlock(&pend_lock);
    if (!in_loop) {
        uint64_t one = 1;
        if (write(wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
            fprintf(stderr, "lambda-emulator: event loop: write eventfd: %s\n", strerror(errno));
    }
}

int http_loop_add(struct MHD_Daemon *d, char *err, size_t errlen)
{
    pthread_once(&once, loop_init);
    if (!started) {
        snprintf(err, errlen, "cannot start the HTTP event-loop thread: %s", strerror(errno));
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
    entry *en = calloc(1, sizeof *en);
    if (!info || !en) {
        free(en);
        snprintf(err, errlen,
                 "cannot run the HTTP server: no epoll descriptor (libmicrohttpd without epoll?)");
        return -1;
    }
    en->d = d;
    en->due_ns = 0; /* run once at once */
    pthread_mutex_lock(&loop_lock);
    en->id = next_id++;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = en->id};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, info->epoll_fd, &ev) < 0) {
        snprintf(err, errlen, "cannot add the HTTP server to the event loop: epoll_ctl: %s",
                 strerror(errno));
        pthread_mutex_unlock(&loop_lock);
        free(en);
        return -1;
    }
    en->next = entries;
    entries = en;
    poke();
    pthread_mutex_unlock(&loop_lock);
    return 0;
}

int http_quiesce(struct MHD_Daemon *d)
{
    pthread_mutex_lock(&loop_lock);
    MHD_socket s = MHD_quiesce_daemon(d);
    pthread_mutex_unlock(&loop_lock);
    return s == MHD_INVALID_SOCKET ? -1 : (int)s;
}

void http_stop(struct MHD_Daemon *d)
{
    pthread_mutex_lock(&loop_lock);
    for (entry **p = &entries; *p; p = &(*p)->next) {
        entry *en = *p;
        if (en->d != d)
            continue;
        run_entry(en); /* resumed connections answer first */
        pthread_mutex_lock(&pend_lock);
        for (int i = 0; i < npending; i++)
            if (pending[i] == d)
                pending[i--] = pending[--npending];
        pthread_mutex_unlock(&pend_lock);
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
        if (info)
            epoll_ctl(ep, EPOLL_CTL_DEL, info->epoll_fd, NULL);
        *p = en->next;
        free(en);
        break;
    }
    MHD_stop_daemon(d);
    pthread_mutex_unlock(&loop_lock);
}

void http_loop_end(void)
{
    pthread_mutex_lock(&loop_lock);
    int run = started;
    stopping = 1;
    if (run)
        poke();
    pthread_mutex_unlock(&loop_lock);
    if (run)
        pthread_join(loop_thread, NULL);
    started = 0;
    if (ep >= 0)
        close(ep);
    if (wake_fd >= 0)
        close(wake_fd);
    ep = wake_fd = -1;
}
