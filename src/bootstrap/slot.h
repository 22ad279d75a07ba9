/*
 * slot.h -- what a worker process shares with its supervisor: which
 * invocation it is running and whether it has been answered, so that when
 * the worker dies the supervisor can answer exactly that invocation, and
 * why the worker chose to exit, so that a deliberate exit is not taken for
 * a crash.  One slot per invoke loop, in a MAP_SHARED mapping: a worker
 * running N threads (AWS_LAMBDA_MAX_CONCURRENCY) has N consecutive slots,
 * its exit reason is kept in the first.  The protocol, state by state:
 * docs/internals.md, "bootstrap's processes and the slot protocol".
 */
#ifndef BOOTSTRAP_SLOT_H
#define BOOTSTRAP_SLOT_H

#define SLOT_ID_MAX 160

typedef enum slot_state {
    SLOT_INIT,    /* loading the plugin and running its init hook */
    SLOT_IDLE,    /* waiting for /next */
    SLOT_BUSY,    /* running the handler for request_id, not answered yet */
    SLOT_ANSWERED /* the answer for request_id was posted */
} slot_state;

typedef enum slot_exit {
    SLOT_EXIT_NONE,     /* the worker did not choose to exit: a crash */
    SLOT_EXIT_GRACEFUL, /* SIGTERM/SIGINT handled: the supervisor exits 0 */
    SLOT_EXIT_FATAL     /* init error posted or the Runtime API failed: exit 1 */
} slot_exit;

typedef struct worker_slot {
    int state;       /* slot_state, written with __atomic_store_n */
    int exit_reason; /* slot_exit (of the worker: read in its first slot) */
    int culprit;     /* set by the crash handler of the thread running request_id */
    char request_id[SLOT_ID_MAX];
    char invocation_id[SLOT_ID_MAX]; /* "" when the Runtime API gave none */
} worker_slot;

static inline void slot_set(worker_slot *s, int state)
{
    if (s)
        __atomic_store_n(&s->state, state, __ATOMIC_SEQ_CST);
}

static inline int slot_get(const worker_slot *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_SEQ_CST);
}

#endif
