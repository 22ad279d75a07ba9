/*
 * pool.h -- the hub of the emulator: its objects (emu, function, instance,
 * invocation, waiter) and the pool that schedules them (pool.c, async.c,
 * inv.c, freeze.c).  The servers around it (the Invoke API, each
 * instance's Runtime API, the HTTP front, the extensions), the instances'
 * processes and the log writer call into it; it calls them only through
 * the pool_ops table of its emu, so it builds and is tested on its own
 * (tests/unit/test-pool.c).  emulator.h declares those parts.
 *
 *   emu ── function (one per [function NAME]) ── instance (child process
 *   running the runtime, with its own loopback Runtime API) ── invocation.
 *
 * Every scheduling field below is protected by the one mutex emu->lock.  A
 * caller waiting for its result and a /next poll waiting for work are
 * suspended connections (waiters) that whoever changes the state resumes.
 * docs/internals.md has the threads, what each owns, the lock order, and
 * one invocation traced through these files.
 */
#ifndef EMU_POOL_H
#define EMU_POOL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "emu_settings.h"

struct MHD_Daemon;
struct MHD_Connection;
struct emu;
struct instance;

/* A suspended connection waiting for a change of state (emu->lock). */
typedef struct waiter {
    struct MHD_Connection *conn;
    int suspended;
    struct instance *inst; /* a /next poll: the instance polling */
    pid_t pid;             /* the process polling, and when it started */
    int64_t pid_start_ns;  /* (CLOCK_BOOTTIME), or 0 when unknown */
    double reinit_ms;      /* > 0: a process started after the instance's
                                 first poll; its init, for what it takes */
    struct waiter *next;   /* in its function's list of polls */
} waiter;

/* Buffered limits of the Invoke API (bytes). */
#define EMU_SYNC_LIMIT 6291456
#define EMU_EVENT_LIMIT 1048576
#define EMU_STREAM_LIMIT 209715200 /* a streamed response, to a streaming caller */
#define EMU_TAIL_BYTES 4096
/* Bytes of a streamed response held for a streaming caller before the
 * runtime's post stops being read (TCP back-pressure reaches the runtime). */
#define EMU_STREAM_BUFFER 1048576

enum inv_kind { INV_SYNC, INV_EVENT, INV_STREAM };
enum inv_state { INV_QUEUED, INV_RUNNING, INV_DONE };

typedef struct invocation {
    int refs;
    struct function *fn;
    enum inv_kind kind;
    int tail;       /* X-Amz-Log-Type: Tail */
    char id[40];    /* request id */
    char nonce[40]; /* Lambda-Runtime-Invocation-Id */
    char trace[96];
    char *arn;
    char *client_context; /* decoded JSON, or NULL */
    char *tenant_id;
    lr_buf event;

    enum inv_state state;
    int finished;              /* the result may be read by the caller */
    struct instance *inst;     /* RUNNING (and until reported) */
    struct invocation *q_next; /* function queue (or its Event queue, or retries) */
    int attempt;               /* Event: 0, then 1 and 2 for AWS's retries */
    int64_t accepted_ns;       /* Event: when first accepted (its age) */
    int64_t retry_at_ns;       /* Event: when a retry may run */
    struct invocation *r_next; /* instance's running list */
    int64_t queued_ns, start_ns, end_ns, deadline_ns, deadline_ms;
    int64_t resp_begin_ns; /* the runtime's response post began (0: none) */
    size_t produced;       /* the bytes of the response the runtime posted */
    int64_t phase_end_ns;  /* the invoke phase ended: the runtime (end_ns) and the
                              extensions are done (0: not yet known) */

    /* The result. */
    lr_buf resp;      /* response bytes (streamed ones too) */
    size_t sent;      /* bytes already forwarded to a streaming caller */
    size_t streamed;  /* bytes the runtime has streamed in all */
    waiter *producer; /* the runtime's streamed post, suspended while
                                 EMU_STREAM_BUFFER bytes wait for the caller */
    int caller_gone;  /* the streaming caller hung up: discard */
    char *content_type;
    char *err_type; /* non-NULL: a function error; body in err */
    lr_buf err;
    const char *status; /* success, error, timeout, failure */

    /* For the REPORT line. */
    int has_init;
    double init_ms;
    lr_buf log;     /* what the Tail header returns */
    waiter *caller; /* the caller's connection, while suspended */
} invocation;

typedef struct instance {
    struct function *fn;
    unsigned id;
    pid_t pid;
    struct MHD_Daemon *rapi;
    unsigned port;
    int out_fd, err_fd; /* the runtime's stdout and stderr */
    pthread_t log_thread;
    pthread_mutex_t log_lock; /* the pipes and the partial lines */
    lr_buf partial[2];
    int reaped; /* set before the log thread is joined */

    /* Under emu->lock. */
    int refs;  /* invocations not yet reported, the reaper */
    int ready; /* has asked for work */
    int dead;
    int killed;
    const char *kill_reason;
    int64_t spawn_ns, init_deadline_ns, kill_at_ns;
    double init_ms;
    int init_reported;
    long slots, busy;
    invocation *running;
    long ntail; /* running invocations with Tail */
    char *init_error_type;
    lr_buf init_error;
    int echoes_nonce;    /* has posted Lambda-Runtime-Invocation-Id */
    char recent[16][40]; /* request ids recently finished here */
    unsigned recent_i;
    int64_t ready_boot_ns; /* first /next (CLOCK_BOOTTIME) */
    struct {               /* processes that have polled (most recent) */
        pid_t pid;
        int64_t start_ns;
    } pollers[32];
    unsigned pollers_i;
    unsigned gen;         /* the function's code generation it runs (--watch) */
    struct ext_set *ext;  /* its extensions (extensions.h), or NULL */
    int frozen;           /* SIGSTOPped between invocations (freeze.c) */
    int64_t freeze_at_ns; /* idle: to be frozen then, or 0 */
    long hwm_kb;          /* last measured peak RSS of the live processes */
    int64_t hwm_at_ns;    /* when (writer thread only) */
    struct instance *next;
} instance;

typedef struct function {
    struct emu *emu;
    const char *name;
    const fn_settings *s;
    char *arn;
    char *log_stream;
    invocation *q_head, *q_tail;
    long queued, running;
    invocation *ev_head, *ev_tail; /* accepted Event invocations (async.c) */
    long ev_queued;
    invocation *retries; /* failed Event invocations waiting to run again */
    instance *instances;
    long n_instances;
    int eager_hold; /* no eager replacement after a failed init */
    waiter *polls;  /* suspended /next polls of its instances */
    unsigned gen;   /* bumped when the code changes (--watch): older instances retire */
    struct function *next;
} function;

/* What the pool needs from the rest of the emulator, so that it depends on
 * no server, process or thread: emulator.c wires the real parts
 * (emu_start), tests/unit/test-pool.c its own.  The pool calls them with
 * emu->lock held unless said. */
typedef struct pool_ops {
    /* The HTTP loop (waiter.c): suspend connection c until resume(w). */
    void (*suspend)(waiter *w, struct MHD_Connection *c);
    void (*resume)(waiter *w);
    /* The runtime's processes (instance.c, proctree.c).  start: fork the
     * runtime of an instance the pool added (emu->lock not held); 0, or -1
     * with err.  signal: its process tree.  peak_rss_kb: measured before a
     * kill.  stop: its process has gone, stop its Runtime API (emu->lock
     * not held).  release: free what start made (the instance is then freed
     * by the pool). */
    int (*start)(instance *inst, char *err, size_t errlen);
    void (*signal)(instance *inst, int sig);
    long (*peak_rss_kb)(instance *inst);
    void (*stop)(instance *inst);
    void (*release)(instance *inst);
    /* The log writer (report.c): a line for fd 1 or 2; the START of inv;
     * its END and REPORT, after which the writer calls pool_reported(inv). */
    void (*line)(int fd, const char *text, size_t len);
    void (*inv_start)(invocation *inv);
    void (*inv_end)(invocation *inv);
} pool_ops;

typedef struct emu {
    emu_settings *st;
    const pool_ops *ops; /* the rest of the emulator, as the pool sees it */
    pthread_mutex_t lock;
    pthread_cond_t idle_cv; /* instances went away */
    pthread_cond_t wd_cv;   /* work for the manager (CLOCK_MONOTONIC) */
    pthread_t manager;
    int stop_manager;
    int64_t wd_next; /* when the manager wakes up next (monotonic ns) */
    int shutdown;
    unsigned port;      /* the Invoke API's port */
    unsigned http_port; /* the HTTP front's port (front.c), if any */
    long calls;         /* Invoke API requests not yet completed */
    unsigned next_instance_id;
    function *functions;
    struct MHD_Daemon *invoke_api;
} emu;
/* inv.c */
invocation *inv_new(function *fn, enum inv_kind kind);
void inv_ref(invocation *inv);   /* emu->lock held */
void inv_unref(invocation *inv); /* emu->lock held */
/* Record the function error TYPE with body BODY (or a generated one, with
 * BODY as its message, when body is NULL or not a valid JSON object);
 * emu->lock held. */
void inv_set_error(invocation *inv, const char *type, const char *body, size_t len);
/* Make the result visible to the caller and wake it; emu->lock held. */
void inv_publish(invocation *inv);
/* Wake the caller of a streaming invocation: bytes arrived (emu->lock held). */
void inv_wake(invocation *inv);
/* The streaming caller took bytes, hung up, or the invocation ended: resume
 * the runtime's suspended post once at most half of EMU_STREAM_BUFFER waits
 * (emu->lock held). */
void inv_drained(invocation *inv);
/* Keep text in the lines Tail returns (emu->lock held). */
void inv_tail_append(invocation *inv, const char *text, size_t len);
/* Format "RequestId: ID Error: WHAT" errors of the service. */
void inv_service_error(invocation *inv, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* pool.c */
/* Start the manager thread (instance starts, deadlines); 0 or -1 with err. */
int pool_start(emu *e, char *err, size_t errlen);
/* One round of the manager (emu->lock held, released while starting
 * instances): start the instances added, enforce the deadlines due by now,
 * queue the Event retries due; returns when the next round is due. */
int64_t pool_tick(emu *e, int64_t now);
/* Add the instances each function starts with (eager init). */
void pool_spawn_initial(emu *e);
/* Fail what is queued, SIGTERM the runtimes (SIGKILL after 500 ms), wait
 * until every instance is gone, stop the manager (emu->lock not held). */
void pool_shutdown(emu *e);
/* Whether the HTTP loop should poll a little before it sleeps: at most one
 * invocation in flight (a sequential caller), where catching the next
 * message awake saves a wake-up; with more, the CPU is better left to the
 * runtimes. */
int pool_spin_worthwhile(void);
/* Queue an invocation; -1 when the function's pool and queue (its Event
 * queue for an Event) are full. */
int pool_submit(invocation *inv);
/* Put inv, with the pool's reference, in its function's queue and wake a
 * poll (emu->lock held). */
void pool_enqueue(invocation *inv);
/* Slots (instances x max_concurrency) neither running nor queued for. */
long pool_free_slots(const function *fn);
void pool_in_flight(long delta);

/* async.c: Event invocations, queued apart (emu->lock held for all). */
/* Accept inv (reference taken); -1 when the Event queue is full. */
int async_submit(invocation *inv);
/* Move Event invocations into the function's queue while slots are free. */
void async_feed(function *fn);
/* inv ended: a failed Event is retried later, as AWS does, or dropped. */
void async_ended(invocation *inv);
/* Queue the retries due by now; when the next one is due. */
int64_t async_due(emu *e, int64_t now);
/* Shutting down: end every Event not yet run. */
void async_drain(function *fn);
/* A /next poll of inst on connection c: an invocation assigned to it
 * (returned with a reference for the caller), or NULL: *wait set when the
 * poll was suspended (w resumes it; ask again then), else the instance is
 * going away. */
invocation *pool_next(instance *inst, waiter *w, struct MHD_Connection *c, int *wait);
/* A poll's connection closed (emu->lock not held). */
void pool_poll_gone(instance *inst, waiter *w);
/* Find the running invocation ID of inst for a /response or /error post:
 * returns it with a reference, or NULL with *status set to 410 (finished or
 * stale nonce), 400 (unknown) or 428 (no nonce from a runtime that echoes
 * it). */
invocation *pool_lookup(instance *inst, const char *id, const char *nonce, int *status);
/* End a running invocation with the result already stored (resp, or
 * err_type/err): DONE, off the instance, then published and reported.
 * Returns 0, or -1 if it had already ended (the post is stale). */
int pool_finish(invocation *inv);
/* The runtime of inst reported an init error (body = error JSON). */
int pool_init_error(instance *inst, const char *type, const char *body, size_t len);
/* Called by an instance's reaper once its process has exited. */
void pool_instance_exited(instance *inst, int status, long maxrss_kb);
/* Retire inst once its process has exited: stop its Runtime API, wait
 * until its invocations are reported (pool_reported), free it, replace it
 * if needed (emu->lock not held). */
void pool_retire(instance *inst);
/* pool_instance_exited, then pool_retire. */
void pool_instance_gone(instance *inst, int status, long maxrss_kb);
/* The log writer has written inv's END and REPORT (LINES, also kept for a
 * Tail caller, who now gets the result): the instance and the pool let go
 * of inv (emu->lock not held). */
void pool_reported(invocation *inv, const char *lines, size_t len);
void pool_kill_instance(instance *inst, const char *reason); /* emu->lock held */
/* The code changed (--watch): every instance of every function is retired,
 * the idle ones now, the busy ones once their invocations end (they take no
 * more); new ones start on demand.  Counts what was stopped and what is
 * finishing (emu->lock not held). */
void pool_reload(emu *e, long *stopped, long *finishing);
/* inst's extensions all wait in event/next now: its polls look again for
 * work (emu->lock held). */
void pool_ext_ready(instance *inst);

/* freeze.c: Lambda's freeze between invocations (emu->lock held for all). */
/* inst may have gone idle (its runtime waits in /next): freeze it soon. */
void freeze_idle(instance *inst);
/* The manager's check: freeze inst if it has stayed idle; *next lowered. */
void freeze_check(instance *inst, int64_t now, int64_t *next);
/* Let inst's processes run again (before an invocation, a signal, a
 * SHUTDOWN). */
void freeze_thaw(instance *inst);
/* evpub.c: what the emulator publishes on the event bus (evbus.h); each is
 * a no-op while the bus is closed.  Start, init, throttle and line: emu->lock
 * held; end: the invocation is done (no lock needed). */
void evpub_start(invocation *inv);
void evpub_end(invocation *inv, double dur_ms, long long billed_ms, long max_mb);
/* The END record of inv (what evpub_end publishes). */
struct evbus_rec;
void evpub_fill_end(struct evbus_rec *r, invocation *inv, double dur_ms, long long billed_ms,
                    long max_mb);
/* The record of platform.runtimeDone for END record r, in AWS's schema
 * (requestId, status, errorType, metrics durationMs and producedBytes, the
 * responseLatency and responseDuration spans). */
void evpub_runtime_done(const struct evbus_rec *r, lr_buf *out);
void evpub_line(instance *inst, invocation *owner, int fd, const char *line, size_t len);
/* A line of extension ext's output (ext_log.c). */
void evpub_ext_line(instance *inst, invocation *owner, const char *ext, int fd, const char *line,
                    size_t len);
void evpub_init(instance *inst, const char *status, const char *error_type, double init_ms);
void evpub_throttle(invocation *inv);
#endif
