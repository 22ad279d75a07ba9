/*
 * evbus.h -- the emulator's invocation event bus: what happens to every
 * invocation (start, each log line, end with its figures), each instance's
 * init, throttles and reloads, as records in one bounded ring (a record
 * count and a byte budget for the texts: the oldest go first).  Any number
 * of readers (the console's Server-Sent Events, the Telemetry API, ...)
 * follow it at their own pace with a cursor, the sequence number of the last
 * record they have seen; one that falls behind the ring is told how many it
 * lost.  A subscriber is notified once, when a record newer than its cursor
 * arrives, after it asked to be (evbus_wait): it then reads again.
 *
 * Publishing costs nothing while the bus is closed (nobody opened it).
 * bus_lock is a leaf, except that notify and suspend callbacks run under it:
 * they must not block nor take emu->lock (resuming a connection is fine).
 * docs/internals.md has where each record is published.
 */
#ifndef EMU_EVBUS_H
#define EMU_EVBUS_H

#include <stddef.h>
#include <stdint.h>

enum evbus_type {
    EVB_START,    /* an invocation starts on an instance (platform.start) */
    EVB_LOG,      /* a line of a runtime's output (text, with its newline) */
    EVB_END,      /* an invocation ended: status and figures (runtimeDone, report);
                     text: the error type of a function error */
    EVB_INIT,     /* an instance's init ended: status, init_ms; text: error type */
    EVB_THROTTLE, /* an invocation refused: queue full (status "throttled") */
    EVB_RELOAD,   /* the task root changed (--watch); text: what changed */
};

/* Longest text kept with a record (a longer line is cut). */
#define EVBUS_TEXT_MAX 16384

typedef struct evbus_rec {
    uint64_t seq; /* 1, 2, ... in publishing order */
    enum evbus_type type;
    int64_t time_ms;               /* when (epoch ms) */
    char function[72];             /* "" for a reload */
    char request_id[40];           /* "" when no invocation owns the record */
    unsigned instance;             /* the instance's number, 0 when none */
    int fd;                        /* EVB_LOG: 1 (stdout) or 2 (stderr) */
    char ext[64];                  /* EVB_LOG: the extension whose line it is; "" the runtime's */
    char status[16];               /* END: success, error, timeout, failure; INIT: success,
                            error, timeout; THROTTLE: throttled */
    char kind[8];                  /* END, THROTTLE: sync, event, stream */
    double duration_ms;            /* END */
    long long billed_ms;           /* END */
    double init_ms;                /* END: > 0 when the invocation ran an init; INIT */
    long memory_mb, max_memory_mb; /* END */
    /* END, for platform.runtimeDone: the bytes of the response, and its
     * spans (epoch ms starts; durations in ms; resp_start_ms 0: the
     * runtime posted no response) */
    long long produced;
    double runtime_ms; /* the runtime's part of duration_ms (runtimeDone's) */
    int64_t start_ms, resp_start_ms;
    double latency_ms, resp_ms;
    const char *text; /* NUL-terminated copy, or "" */
    size_t len;
} evbus_rec;

/* Open the bus (the ring is made by the first opener: at most max_records
 * records and max_bytes of texts); every opener closes it once.  0, or -1
 * when out of memory. */
int evbus_open(size_t max_records, size_t max_bytes);
void evbus_close(void);
/* Whether the bus is open (publishers may skip work when it is not). */
int evbus_active(void);

/* Publish r (seq and time_ms are set here; text/len copied, cut at
 * EVBUS_TEXT_MAX) and notify the subscribers waiting. */
void evbus_publish(const evbus_rec *r);

/* Visit the records after *cursor, oldest first, at most max (visit may
 * return nonzero to stop before its record: that one is not consumed); the
 * record is only valid during the call (bus_lock held: copy, do not block).
 * *cursor becomes the last visited seq; *lost (may be NULL) the number of
 * records that left the ring before this reader saw them.  Returns how many
 * were visited. */
typedef int (*evbus_visit)(const evbus_rec *r, void *ud);
size_t evbus_read(uint64_t *cursor, size_t max, evbus_visit visit, void *ud, uint64_t *lost);
/* The last published seq (0: none yet). */
uint64_t evbus_last(void);

typedef struct evbus_sub evbus_sub;
/* A subscriber: notify(ud) runs (bus_lock held) at most once per
 * evbus_wait, when a record after its cursor is published or the bus is
 * shut down. */
evbus_sub *evbus_subscribe(void (*notify)(void *ud), void *ud);
void evbus_unsubscribe(evbus_sub *s);
/* Have lost(r, ud) called (bus_lock held: it must not block nor take a
 * lock held around evbus_read) for each record that leaves the ring before
 * the reader whose cursor is *cursor (updated by evbus_read) has seen it:
 * a reader can then count what it lost of its own records, where
 * evbus_read's lost count covers every record. */
void evbus_track(evbus_sub *s, const uint64_t *cursor, void (*lost)(const evbus_rec *r, void *ud));
/* Ask to be notified of the next record after cursor: returns 1 (read
 * again now) when there is one already or the bus is shutting down, else
 * runs suspend(arg) under bus_lock (so the notification cannot come before
 * it) and returns 0. */
int evbus_wait(evbus_sub *s, uint64_t cursor, void (*suspend)(void *arg), void *arg);
/* Notify every subscriber waiting, with nothing new: a reader that keeps a
 * connection open may send a keep-alive (and so learn the peer is gone). */
void evbus_kick(void);
/* Shutting down: notify every subscriber; evbus_wait answers 1 from now on. */
void evbus_shutdown(void);
int evbus_shutting_down(void);

#endif
