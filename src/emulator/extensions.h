/*
 * extensions.h -- Lambda extensions in an execution environment.
 *
 *   ext_proc.c    their processes: found in the extensions directory, started
 *                 before the runtime, reaped, killed when the instance goes
 *   extensions.c  their lifecycle (register, event/next, INVOKE, SHUTDOWN,
 *                 init/error, exit/error, failures) and the Extensions API
 *                 (/2020-01-01/extension/...) on the instance's Runtime API
 *
 * An instance with extensions has inst->ext; every field below is under
 * emu->lock.  docs/extensions.md has the lifecycle and how it maps onto
 * AWS's.
 */
#ifndef EMU_EXTENSIONS_H
#define EMU_EXTENSIONS_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "pool.h"

#define EXT_MAX 10           /* extensions per function, as on Lambda */
#define EXT_SHUTDOWN_MS 2000 /* the Shutdown phase with external extensions */
#define EXT_BODY_LIMIT 65536 /* a request body of the Extensions API */
#define EXT_AWAIT_MAX 64     /* reports held for the extensions (then: at once) */

enum ext_state {
    EXT_LAUNCHED,   /* started, not registered */
    EXT_REGISTERED, /* registered, has not called event/next yet */
    EXT_READY,      /* waiting in event/next */
    EXT_BUSY,       /* given an event (or one is pending for it) */
    EXT_INIT_ERROR, /* posted init/error */
    EXT_EXIT_ERROR  /* posted exit/error */
};
enum { EXT_EV_INVOKE = 1, EXT_EV_SHUTDOWN = 2 };

typedef struct ext_proc {
    char name[256]; /* the file name (Lambda-Extension-Name) */
    pid_t pid;      /* 0: an internal extension (the runtime's own thread) */
    int pidfd;
    int exited;
    char id[40]; /* Lambda-Extension-Identifier; "" until registered */
    enum ext_state state;
    int events;               /* EXT_EV_* it registered for */
    waiter *poll;             /* its event/next, suspended */
    lr_buf pending;           /* the next event, not yet delivered */
    int64_t busy_deadline_ns; /* an INVOKE must be done by then */
    int log_fd[2];            /* its stdout and stderr pipes (read ends; -1 closed) */
    lr_buf log_part[2];       /* their partial lines (the reaper thread's alone) */
} ext_proc;

typedef struct ext_set {
    int n;        /* extensions (external, then internal ones) */
    int external; /* the first n started as processes */
    ext_proc p[EXT_MAX];
    int gate_fd;        /* the runtime waits until all have registered */
    int wake_fd;        /* eventfd: the reaper looks again */
    int64_t kill_at_ns; /* going away: SIGKILL what is left then */
    int closed;         /* all gone: event/next answers an error */
    int announced;      /* the EXTENSION lines are out */
    const char *fail_type;
    char fail_msg[320];
    pthread_t reaper;
    int reaper_started;
    struct tsub *subs[EXT_MAX]; /* Telemetry API subscriptions (telemetry.c) */
    int nsubs;
    /* Invocations the runtime has answered whose REPORT waits for the
     * extensions to be done with them (ext_report_end). */
    invocation *awaiting[EXT_AWAIT_MAX];
    int nawait;
} ext_set;

/* ext_proc.c (emu->lock not held unless said) */
/* Start the executables of the extensions directory for inst, each with
 * output pipes of its own (ext_log.c) and env (the runtime's; what Lambda
 * hides from extensions is left out).  0 (inst->ext NULL when there are
 * none), or -1 with err. */
int ext_launch(instance *inst, char *const *env, char *err, size_t errlen);
/* The runtime's start gate: closed now when every extension has registered
 * (or there are none), else when the last one does; starts the reaper. */
int ext_gate(instance *inst, int fd, char *err, size_t errlen);
/* Kill and reap the extensions of an instance whose start failed. */
void ext_abort(instance *inst);
/* The extension process of inst (or one of its children) holding socket
 * inode, or 0. */
pid_t ext_process_holding(instance *inst, unsigned long inode);
/* Send sig to inst's extension processes and their descendants (emu->lock
 * held). */
void ext_signal(instance *inst, int sig);
/* The peak RSS of inst's extension processes (the sum of their VmHWM). */
long ext_hwm_kb(instance *inst);
/* The instance's process is gone: wait until its extensions are (they get
 * the Shutdown phase), then free them. */
void ext_retire(instance *inst);
/* Have the reaper look again (emu->lock held). */
void ext_wake_reaper(ext_set *x);
/* Free what instance_release() frees of inst's extensions. */
void ext_free(instance *inst);

/* ext_log.c: an extension's output (the reaper thread's, or after it is
 * joined; emu->lock not held) */
/* Pipes for p's stdout and stderr: the read ends in p->log_fd, the write
 * ends (for the child) in w.  0, or -1 with err. */
int ext_log_pipes(ext_proc *p, int w[2], char *err, size_t errlen);
/* Pass on what p's pipe k (0 stdout, 1 stderr) holds now, line by line. */
void ext_log_read(instance *inst, ext_proc *p, int k);
/* p is gone: pass on the rest, partial lines included; close the pipes. */
void ext_log_finish(instance *inst, ext_proc *p);

/* extensions.c (emu->lock held unless said) */
/* Whether inst's extensions all wait in event/next (an instance without
 * extensions always does): only then may it take an invocation. */
int ext_idle(const instance *inst);
/* The instance has finished its init: print the EXTENSION lines. */
void ext_announce(instance *inst);
/* The runtime has answered inv (the pool's inv_end, emu->lock held): its
 * REPORT (report_invocation_end) now, or once the extensions have all
 * called event/next again -- AWS's invoke phase, whose length is the
 * REPORT's Duration, ends then (inv->phase_end_ns). */
void ext_report_end(invocation *inv);
/* inv starts on inst: INVOKE to the extensions registered for it. */
void ext_invoke(instance *inst, invocation *inv);
/* The instance is going away (reason: spindown, timeout, failure):
 * SHUTDOWN to the extensions registered for it, SIGKILL for all after
 * EXT_SHUTDOWN_MS (at once when none is waiting for SHUTDOWN). */
void ext_shutdown(instance *inst, const char *reason);
/* The shutdownReason for inst going away now: spindown when the emulator
 * stops or a reload (--watch) retires it, timeout after a timeout, else
 * failure. */
const char *ext_shutdown_reason(const instance *inst);
/* An extension process exited with wstatus. */
void ext_exited(instance *inst, int i, int wstatus);
/* An extension failed: the error type reported for the running invocations,
 * with its message in msg, or NULL. */
const char *ext_failure(const instance *inst, char *msg, size_t len);
/* The manager's check: a reason to reset inst (an extension has not called
 * event/next again by its invocation's deadline), or NULL; *next lowered
 * to the next deadline. */
const char *ext_overdue(instance *inst, int64_t now, int64_t *next);

/* The Extensions API, from runtime_api.c's handler (emu->lock not held). */
int ext_route(const char *url);
void *ext_begin(struct MHD_Connection *c, const char *method, const char *url);
void ext_data(void *xc, const char *data, size_t n);
enum MHD_Result ext_finish(struct MHD_Connection *c, instance *inst, void *xc);
void ext_done(instance *inst, void *xc);

#endif
