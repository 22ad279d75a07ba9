/* supervisor.c -- see supervisor.h. */
#include "config.h"
#include "supervisor.h"
#include "crash.h"
#include "error_json.h"
#include "host.h"
#include "loop.h"
#include "shutdown.h"
#include "slot.h"
#include "worker.h"

#include <ctype.h>
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

/* How the worker ended, worded as Lambda words it ("signal: segmentation
 * fault", "exit status 3"); *signo is the signal (0 for an exit). */
static void describe(int wstatus, char *buf, size_t n, int *signo)
{
    *signo = 0;
    if (WIFSIGNALED(wstatus)) {
        *signo = WTERMSIG(wstatus);
        snprintf(buf, n, "signal: %s%s", strsignal(*signo),
                 WCOREDUMP(wstatus) ? " (core dumped)" : "");
        buf[8] = (char)tolower((unsigned char)buf[8]);
    } else {
        snprintf(buf, n, "exit status %d", WEXITSTATUS(wstatus));
    }
}

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

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && !shutdown_requested(NULL))
        ;
}

/* Post the error for the invocation the worker died in. */
static void answer_for_dead_worker(rapi *api, const worker_slot *slot, const char *handler,
                                   const char *how, int signo, char **frames)
{
    char msg[1024], path[SLOT_ID_MAX + 64];
    const char *abbrev = signo ? sigabbrev_np(signo) : NULL;
    snprintf(msg, sizeof msg,
             "RequestId: %s Error: Runtime exited with error: %s (%s%s%shandler %s; bootstrap "
             "starts a new worker for the next invocation)",
             slot->request_id, how, abbrev ? "SIG" : "", abbrev ? abbrev : "", abbrev ? " in " : "",
             handler ? handler : "?");
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

/* Start a worker; returns its pid (or -1). */
static pid_t spawn(const settings *s, worker_slot *slot, int bt_fd)
{
    memset(slot, 0, sizeof *slot);
    slot->state = SLOT_INIT;
    /* empty the backtrace file; the offset is shared with the worker */
    if (ftruncate(bt_fd, 0) != 0 || lseek(bt_fd, 0, SEEK_SET) != 0)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* a worker never outlives its supervisor (e.g. one killed by
         * SIGKILL after a timeout): it would keep taking invocations */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(1);
        crash_handlers_install(bt_fd);
        fflush(NULL);
        _exit(worker_run(s, slot));
    }
    return pid;
}

/* Wait for the worker, passing SIGTERM/SIGINT on to it once. */
static int wait_worker(pid_t pid)
{
    int wstatus, forwarded = 0, signo;
    for (;;) {
        if (!forwarded && shutdown_requested(&signo)) {
            kill(pid, signo);
            forwarded = 1;
        }
        if (waitpid(pid, &wstatus, 0) == pid)
            return wstatus;
        if (errno != EINTR)
            return 0;
    }
}

int supervise(const settings *s)
{
    worker_slot *slot = mmap(NULL, sizeof *slot, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int bt_fd = memfd_create("bootstrap-backtrace", MFD_CLOEXEC);
    if (slot == MAP_FAILED || bt_fd < 0) {
        lr_log(NULL, LAMBDA_LOG_FATAL, "cannot set up the worker process (%s); set supervisor = false in [runtime] to run without one",
               strerror(errno));
        return 1;
    }
    rapi *api = NULL; /* the supervisor's own client, made when first needed */
    char err[1024], how[160];
    int signo;
    int init_crashes = 0, status = 1;
    long pause = INIT_CRASH_PAUSE_MS;
    for (;;) {
        pid_t pid = spawn(s, slot, bt_fd);
        if (pid < 0) {
            lr_log(NULL, LAMBDA_LOG_FATAL, "cannot start a worker process: %s", strerror(errno));
            break;
        }
        int wstatus = wait_worker(pid);
        if (slot->exit_reason == SLOT_EXIT_GRACEFUL) {
            status = 0;
            break;
        }
        if (slot->exit_reason == SLOT_EXIT_FATAL) {
            status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1;
            break;
        }
        describe(wstatus, how, sizeof how, &signo);
        char *bt_text, **frames = read_backtrace(bt_fd, &bt_text);
        if (!api && !(api = rapi_new(s->runtime_api, s->api_retries, s->api_retry_delay, err, sizeof err))) {
            lr_log(NULL, LAMBDA_LOG_FATAL, "worker died (%s) and the error cannot be reported: %s", how, err);
            free(frames);
            free(bt_text);
            break;
        }
        int state = slot_get(slot);
        if (state == SLOT_INIT) {
            init_crashes++;
            lr_log(NULL, LAMBDA_LOG_ERROR, "worker died during plugin init (%s), %d time%s in a row",
                   how, init_crashes, init_crashes == 1 ? "" : "s");
            if (init_crashes >= INIT_CRASH_LIMIT) {
                char msg[512];
                snprintf(msg, sizeof msg,
                         "the plugin of handler %s crashed during init %d times in a row (last: %s); "
                         "fix its init hook (run bootstrap with supervisor = false to see the crash "
                         "directly)", s->handler ? s->handler : "?", init_crashes, how);
                post_init_error(api, "Runtime.ExitError", msg);
                free(frames);
                free(bt_text);
                break;
            }
            pause_ms(pause);
            pause *= 2;
        } else {
            init_crashes = 0;
            pause = INIT_CRASH_PAUSE_MS;
            if (state == SLOT_BUSY)
                answer_for_dead_worker(api, slot, s->handler, how, signo, frames);
            else
                lr_log(NULL, LAMBDA_LOG_WARN, "worker died between invocations (%s); starting a new one", how);
        }
        free(frames);
        free(bt_text);
        if (shutdown_requested(NULL)) {
            status = 0;
            break;
        }
    }
    if (api)
        rapi_free(api);
    close(bt_fd);
    munmap(slot, sizeof *slot);
    return status;
}
