/* supervisor.c -- see supervisor.h. */
#include "config.h"
#include "supervisor.h"
#include "crash.h"
#include "error_json.h"
#include "handler_name.h"
#include "host.h"
#include "loader.h"
#include "post.h"
#include "posix.h"
#include "shutdown.h"
#include "slot.h"
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Consecutive deaths during init before giving up, and the first pause. */
#define INIT_CRASH_LIMIT 4
#define INIT_CRASH_PAUSE_MS 100

/* The backtrace the worker wrote, as a NULL-terminated list of lines
 * (*text owns the storage). */
static char **read_backtrace(int fd, char **text)
{
    *text = NULL;
    off_t len = lseek(fd, 0, SEEK_END);
    if (len <= 0 || len > 1 << 20)
        return NULL;
    char *buf = malloc((size_t)len + 1);
    if (!buf || pread(fd, buf, (size_t)len, 0) != len) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    size_t lines = 1;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    char **frames = calloc(lines + 1, sizeof *frames);
    if (!frames) {
        free(buf);
        return NULL;
    }
    size_t k = 0;
    char *save;
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        frames[k++] = l;
    *text = buf;
    return frames;
}

/* Post the error for an invocation the worker was running when it died.
 * shared: 0 when it is the one that crashed the worker (or the only one in
 * flight), 2 when another one's thread crashed, 1 when that is unknown
 * (exit(), SIGKILL). */
static void answer_for_dead_worker(rapi *api, const worker_slot *slot, const char *handler,
                                   const char *how, int signo, char **frames, int shared)
{
    char msg[1024], path[SLOT_ID_MAX + 64];
    const char *abbrev = signo ? sigabbrev_np(signo) : NULL;
    snprintf(msg, sizeof msg,
             "RequestId: %s Error: Runtime exited with error: %s (%s%s%shandler %s; %sbootstrap "
             "starts a new worker for the next invocation)",
             slot->request_id, how, abbrev ? "SIG" : "", abbrev ? abbrev : "", abbrev ? " in " : "",
             handler ? handler : "?",
             shared == 2 ? "another invocation running in the same worker process crashed it; "
             : shared    ? "the worker process was running other invocations at the same time and "
                           "one of them may have caused it; "
                         : "");
    lr_log(slot->request_id, LAMBDA_LOG_ERROR, "%s", msg);
    size_t len;
    char *body = error_json("Runtime.ExitError", msg, (const char *const *)frames, &len);
    if (!body)
        return;
    snprintf(path, sizeof path, "/runtime/invocation/%s/error", slot->request_id);
    rapi_result res;
    rapi_post(api, path, body, len, "application/json", "Runtime.ExitError",
              slot->invocation_id[0] ? slot->invocation_id : NULL, &res);
    if (res.status < 200 || res.status >= 300)
        lr_log(slot->request_id, LAMBDA_LOG_ERROR,
               "the Runtime API did not take the error for the dead worker's invocation: %s%ld %s",
               res.status ? "HTTP " : "", res.status, res.detail);
    free(body);
}

/* One worker process and what it shares with the supervisor. */
typedef struct worker {
    int index;          /* in the supervisor's table (shutdown_forward) */
    pid_t pid;          /* 0 when not running */
    worker_slot *slots; /* nslots entries in the shared mapping */
    int bt_fd;          /* its crashing thread's backtrace */
} worker;

/* Start a worker; returns its pid (or -1). */
static pid_t spawn(const settings *s, worker *w, int nslots, int model)
{
    memset(w->slots, 0, (size_t)nslots * sizeof *w->slots);
    for (int i = 0; i < nslots; i++)
        w->slots[i].state = SLOT_INIT;
    /* empty the backtrace file; the offset is shared with the worker */
    if (ftruncate(w->bt_fd, 0) != 0 || lseek(w->bt_fd, 0, SEEK_SET) != 0)
        return -1;
    pid_t parent = getpid();
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0) {
        /* a worker never outlives its supervisor (e.g. one killed by
         * SIGKILL after a timeout): it would keep taking invocations */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(1);
        crash_handlers_install(w->bt_fd);
        int status = worker_run(s, w->slots, model);
        fflush(NULL); /* what the plugin printed last; _exit() would drop it */
        _exit(status);
    }
    w->pid = pid;
    if (pid > 0)
        shutdown_forward(w->index, pid);
    return pid;
}

/* The concurrency model, decided before any worker starts: with
 * concurrency_model = auto, a short-lived child loads the plugin (without
 * running its init) to read its LAMBDA_PLUGIN_THREAD_SAFE flag, so the
 * supervisor never maps plugin code itself.  A plugin that cannot be loaded
 * gets one worker, which posts the init error once. */
static int choose_model(const settings *s)
{
    if (s->max_concurrency <= 1 || s->concurrency_model != MODEL_AUTO)
        return s->concurrency_model;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        handler_name name;
        char err[256];
        plugin p;
        load_error e;
        if (handler_name_parse(s->handler, &name, err, sizeof err) < 0 ||
            plugin_load(&p, s->task_root, &name, &e) < 0)
            _exit(2);
        _exit(p.desc->flags & LAMBDA_PLUGIN_THREAD_SAFE ? 0 : 1);
    }
    int wstatus = 0;
    while (pid > 0 && waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    if (pid < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) == 2)
        return MODEL_THREADS;
    return WEXITSTATUS(wstatus) == 0 ? MODEL_THREADS : MODEL_PROCESSES;
}

/* Pass SIGTERM/SIGINT (or, for a stop the supervisor decides, SIGTERM) on
 * to every running worker. */
static void stop_all(worker *w, int n, int signo)
{
    for (int i = 0; i < n; i++)
        if (w[i].pid > 0)
            kill(w[i].pid, signo ? signo : SIGTERM);
}

/* Wait for any worker to end, passing a shutdown request on once. */
static worker *wait_any(worker *w, int n, int *forwarded, int *wstatus)
{
    int signo;
    for (;;) {
        if (!*forwarded && shutdown_requested(&signo)) {
            stop_all(w, n, signo);
            *forwarded = 1;
        }
        pid_t pid = waitpid(-1, wstatus, 0);
        if (pid > 0) {
            for (int i = 0; i < n; i++)
                if (w[i].pid == pid) {
                    w[i].pid = 0;
                    shutdown_forward(i, 0);
                    return &w[i];
                }
            continue; /* not a worker (e.g. a stray child) */
        }
        if (errno != EINTR)
            return NULL;
    }
}

/* A worker died without choosing to: answer what it had in flight. */
static void answer_all(rapi *api, const worker *w, int nslots, const char *handler, const char *how,
                       int signo, char **frames)
{
    int busy = 0, culprits = 0;
    for (int i = 0; i < nslots; i++)
        if (slot_get(&w->slots[i]) == SLOT_BUSY) {
            busy++;
            culprits += w->slots[i].culprit != 0;
        }
    if (busy == 0) {
        lr_log(NULL, LAMBDA_LOG_WARN, "worker died between invocations (%s); starting a new one",
               how);
        return;
    }
    for (int i = 0; i < nslots; i++) {
        const worker_slot *sl = &w->slots[i];
        if (slot_get(sl) != SLOT_BUSY)
            continue;
        int guilty = busy == 1 || sl->culprit;
        /* the backtrace is the crashing thread's: only with its invocation
         * when that one is known */
        answer_for_dead_worker(api, sl, handler, how, signo,
                               guilty || culprits == 0 ? frames : NULL,
                               guilty     ? 0
                               : culprits ? 2
                                          : 1);
    }
}

/* The supervisor's state. */
typedef struct sup {
    const settings *s;
    int model, nworkers, nslots;
    size_t map_len;
    worker_slot *slots; /* shared with the workers: nworkers * nslots */
    worker *w;
    rapi *api;        /* the supervisor's own client, made when first needed */
    int forwarded;    /* the workers were told to stop */
    int live;         /* workers running */
    int init_crashes; /* consecutive deaths during init */
    long pause;       /* before the next worker after an init death */
    int status;       /* bootstrap's exit status; -1: not decided yet */
} sup;

/* Stop the environment: every worker gets SIGTERM; status (unless -1)
 * becomes bootstrap's. */
static void sup_stop(sup *u, int status)
{
    stop_all(u->w, u->nworkers, SIGTERM);
    u->forwarded = 1;
    if (status >= 0)
        u->status = status;
}

/* Start worker w; a failure stops the environment. */
static void sup_spawn(sup *u, worker *w)
{
    if (spawn(u->s, w, u->nslots, u->model) < 0) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "cannot start a worker process: %s", strerror(errno));
        sup_stop(u, 1);
        return;
    }
    u->live++;
}

/* The shared slots and the worker table.  Returns 0, or -1 (logged). */
static int sup_setup(sup *u, const settings *s)
{
    memset(u, 0, sizeof *u);
    u->s = s;
    u->status = -1;
    u->pause = INIT_CRASH_PAUSE_MS;
    u->model = choose_model(s);
    int conc = s->max_concurrency > 1 ? (int)s->max_concurrency : 1;
    int nthreads =
        worker_threads(s, u->model, u->model == MODEL_THREADS ? LAMBDA_PLUGIN_THREAD_SAFE : 0);
    u->nworkers = conc / nthreads;
    u->nslots = nthreads;
    u->map_len = (size_t)u->nworkers * (size_t)u->nslots * sizeof(worker_slot);
    u->slots = mmap(NULL, u->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    u->w = calloc((size_t)u->nworkers, sizeof *u->w);
    int ok = u->slots != MAP_FAILED && u->w;
    for (int i = 0; ok && i < u->nworkers; i++) {
        u->w[i].index = i;
        u->w[i].slots = u->slots + (size_t)i * (size_t)u->nslots;
        u->w[i].bt_fd = memfd_create("bootstrap-backtrace", MFD_CLOEXEC);
        ok = u->w[i].bt_fd >= 0;
    }
    if (!ok) {
        lr_log(NULL, LAMBDA_LOG_FATAL,
               "cannot set up the worker processes (%s); set supervisor = false in [runtime] to "
               "run without them",
               strerror(errno));
        return -1;
    }
    if (u->nworkers > 1)
        lr_log(NULL, LAMBDA_LOG_INFO, "running %d invocations at once in %d worker processes (%s)",
               conc, u->nworkers,
               s->concurrency_model == MODEL_PROCESSES ? "concurrency_model = processes"
                                                       : "the plugin is not declared thread-safe");
    return 0;
}

static void sup_teardown(sup *u)
{
    if (u->api)
        rapi_free(u->api);
    for (int i = 0; u->w && i < u->nworkers; i++)
        if (u->w[i].bt_fd > 0)
            close(u->w[i].bt_fd);
    free(u->w);
    if (u->slots != MAP_FAILED && u->slots)
        munmap(u->slots, u->map_len);
}

/* A worker died during plugin init: pause (doubling) and let it be
 * replaced, or after INIT_CRASH_LIMIT in a row give up with an init error.
 * Returns whether to start a new worker. */
static int sup_init_crash(sup *u, const char *how)
{
    u->init_crashes++;
    lr_log(NULL, LAMBDA_LOG_ERROR, "worker died during plugin init (%s), %d time%s in a row", how,
           u->init_crashes, u->init_crashes == 1 ? "" : "s");
    if (u->init_crashes < INIT_CRASH_LIMIT) {
        shutdown_pause_ms(u->pause);
        u->pause *= 2;
        return 1;
    }
    char msg[512];
    snprintf(msg, sizeof msg,
             "the plugin of handler %s crashed during init %d times in a row (last: %s); fix its "
             "init hook (run bootstrap with supervisor = false to see the crash directly)",
             u->s->handler ? u->s->handler : "?", u->init_crashes, how);
    post_init_error(u->api, "Runtime.ExitError", msg);
    sup_stop(u, 1);
    return 0;
}

/* A worker died without choosing to: report what it had in flight (or
 * count an init death).  Returns whether to start a new worker. */
static int sup_report_death(sup *u, worker *dead, int wstatus)
{
    char err[1024], how[160];
    int signo, respawn = 0;
    exit_status_text(wstatus, how, sizeof how, &signo);
    char *bt_text, **frames = read_backtrace(dead->bt_fd, &bt_text);
    if (!u->api && !(u->api = rapi_new(u->s, err, sizeof err))) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "worker died (%s) and the error cannot be reported: %s", how,
               err);
        sup_stop(u, 1);
    } else if (slot_get(&dead->slots[0]) == SLOT_INIT) {
        respawn = sup_init_crash(u, how);
    } else {
        u->init_crashes = 0;
        u->pause = INIT_CRASH_PAUSE_MS;
        answer_all(u->api, dead, u->nslots, u->s->handler, how, signo, frames);
        respawn = 1;
    }
    free(frames);
    free(bt_text);
    return respawn;
}

/* A worker ended: its own choice (a graceful or fatal exit stops the
 * environment) or a death, after which a new worker takes its place unless
 * the environment is stopping. */
static void sup_reap(sup *u, worker *dead, int wstatus)
{
    u->live--;
    int reason = dead->slots[0].exit_reason;
    if (reason == SLOT_EXIT_GRACEFUL || reason == SLOT_EXIT_FATAL) {
        if (reason == SLOT_EXIT_FATAL)
            u->status = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) ? WEXITSTATUS(wstatus) : 1;
        else if (u->status < 0)
            u->status = 0;
        /* one worker stopping stops the environment: the others follow */
        if (!u->forwarded)
            sup_stop(u, -1);
        return;
    }
    int respawn = sup_report_death(u, dead, wstatus);
    if (u->forwarded || shutdown_requested(NULL)) {
        /* stopping: no new worker */
        if (u->status < 0 && shutdown_requested(NULL))
            u->status = 0;
        return;
    }
    if (respawn)
        sup_spawn(u, dead);
}

int supervise(const settings *s)
{
    sup u;
    if (sup_setup(&u, s) == 0) {
        for (int i = 0; i < u.nworkers && !u.forwarded; i++)
            sup_spawn(&u, &u.w[i]);
        while (u.live > 0) {
            int wstatus;
            worker *dead = wait_any(u.w, u.nworkers, &u.forwarded, &wstatus);
            if (!dead)
                break;
            sup_reap(&u, dead, wstatus);
        }
    }
    sup_teardown(&u);
    return u.status < 0 ? 1 : u.status;
}
