/*
 * report.c -- the log writer: one thread prints, in order, the runtime's
 * output lines and the START / END / REPORT lines (Text) or platform events
 * (JSON) of every invocation, with the real figures: Duration, Billed
 * Duration, Memory Size, Max Memory Used (peak RSS of the instance's process
 * tree) and Init Duration.  Once an invocation's lines are out it tells the
 * pool (pool_reported), which hands a Tail caller its result and lets go of
 * the invocation and its instance.
 *
 * Lines queued by the HTTP event-loop thread do not wake the writer: the
 * loop writes them itself once it has sent its answers (report_flush), which
 * spares two context switches per invocation.  drain_lock keeps the batches
 * of the two in order.  Every other thread wakes the writer, so an idle
 * writer sleeps without a timeout: an idle emulator makes no system call.
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "emulator.h"
#include "evbus.h"
#include "http.h"
#include "posix.h"

typedef struct logev {
    int fd; /* 1 or 2; 0 = END of inv */
    invocation *inv;
    size_t len;
    struct logev *next;
    char text[];
} logev;

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t drain_lock = PTHREAD_MUTEX_INITIALIZER;
static logev *q_head, *q_tail;
static int q_stop;
static pthread_t writer;

/* wake = 0 (on the event loop's thread only) leaves the event to the
 * loop's report_flush at the end of its turn, or to the writer if that is
 * writing a batch then (it looks at the queue again before it sleeps). */
static void push(logev *ev, int wake)
{
    pthread_mutex_lock(&q_lock);
    if (q_tail)
        q_tail->next = ev;
    else
        q_head = ev;
    q_tail = ev;
    if (wake)
        pthread_cond_signal(&q_cv);
    pthread_mutex_unlock(&q_lock);
}

static void queue_line(int fd, const char *text, size_t len, int wake)
{
    logev *ev = malloc(sizeof *ev + len + 1);
    if (!ev)
        return;
    ev->fd = fd;
    ev->inv = NULL;
    ev->len = len;
    ev->next = NULL;
    memcpy(ev->text, text, len);
    ev->text[len] = '\0';
    push(ev, wake);
}

void report_line(int fd, const char *text, size_t len)
{
    queue_line(fd, text, len, !http_in_loop());
}

typedef struct end_fig {
    double dur;          /* ms */
    long long billed_ms; /* Duration + Init Duration, rounded up */
    long mb;             /* Max Memory Used */
} end_fig;

static void now_iso(char *buf, size_t n)
{
    clock_iso8601_ms(clock_epoch_ms(), buf, n);
}

void report_invocation_start(invocation *inv)
{
    char line[256], t[32];
    int n;
    if (inv->fn->s->log_format == LOGFMT_JSON) {
        now_iso(t, sizeof t);
        n = snprintf(line, sizeof line,
                     "{\"time\":\"%s\",\"type\":\"platform.start\",\"record\":{\"requestId\":\"%"
                     "s\",\"version\":\"$LATEST\"}}\n",
                     t, inv->id);
    } else {
        n = snprintf(line, sizeof line, "START RequestId: %s Version: $LATEST\n", inv->id);
    }
    if (inv->tail)
        inv_tail_append(inv, line, (size_t)n);
    queue_line(1, line, (size_t)n, !http_in_loop());
    evpub_start(inv);
}

void report_invocation_end(invocation *inv)
{
    logev *ev = calloc(1, sizeof *ev);
    if (!ev) /* cannot report: at least release the invocation */
        abort();
    ev->inv = inv;
    push(ev, !http_in_loop());
}

/* The figures of inv's END and REPORT lines. */
static void end_figures(invocation *inv, end_fig *f)
{
    instance *inst = inv->inst;
    /* Reading /proc costs more than a short invocation: a sample taken in
     * the last 100 ms stands for invocations under 1 ms (the peak is
     * monotonic, so the next sample catches up).  Longer ones, or after a
     * pause, read it afresh. */
    long kb = 0;
    if (inst) {
        /* An invocation that reports an init (a new process) reads it afresh. */
        int64_t now = clock_mono_ns();
        if (inv->end_ns - inv->start_ns >= 1000000 || now - inst->hwm_at_ns > 100000000 ||
            inv->has_init) {
            kb = instance_peak_rss_kb(inst);
            inst->hwm_at_ns = now;
        } else {
            emu *e = inv->fn->emu;
            pthread_mutex_lock(&e->lock);
            kb = inst->hwm_kb;
            pthread_mutex_unlock(&e->lock);
        }
    }
    f->mb = (kb + 512) / 1024;
    if (f->mb < 1 && kb > 0)
        f->mb = 1;
    /* The invoke phase: the runtime's time and the extensions' after it. */
    int64_t end = inv->phase_end_ns > inv->end_ns ? inv->phase_end_ns : inv->end_ns;
    f->dur = (double)(end - inv->start_ns) / 1e6;
    double billed = f->dur + (inv->has_init ? inv->init_ms : 0);
    /* Rounded up (billed is never negative); not ceil(), the emulator's
       only libm call: without it the emulator maps no libm at start. */
    f->billed_ms = (long long)billed;
    if ((double)f->billed_ms < billed)
        f->billed_ms++;
    if (f->billed_ms < 1)
        f->billed_ms = 1;
}

/* The JSON log format's platform.runtimeDone and platform.report. */
static void format_end_json(invocation *inv, const end_fig *f, const char *t, lr_buf *out)
{
    evbus_rec r;
    lr_buf done = {0};
    evpub_fill_end(&r, inv, f->dur, f->billed_ms, f->mb);
    evpub_runtime_done(&r, &done);
    lr_buf_printf(out, "{\"time\":\"%s\",\"type\":\"platform.runtimeDone\",\"record\":", t);
    lr_buf_append(out, done.data ? done.data : "{}", done.data ? done.len : 2);
    lr_buf_printf(out, "}\n");
    lr_buf_free(&done);
    lr_buf_printf(
        out,
        "{\"time\":\"%s\",\"type\":\"platform.report\",\"record\":"
        "{\"requestId\":\"%s\",\"metrics\":{\"durationMs\":%.3f,\"billedDurationMs\":%lld,"
        "\"memorySizeMB\":%ld,\"maxMemoryUsedMB\":%ld",
        t, inv->id, f->dur, f->billed_ms, inv->fn->s->memory_size, f->mb);
    if (inv->has_init)
        lr_buf_printf(out, ",\"initDurationMs\":%.3f", inv->init_ms);
    lr_buf_printf(out, "},\"status\":\"%s\"}}\n", inv->status);
}

static void format_end(invocation *inv, const end_fig *f, lr_buf *out)
{
    const fn_settings *s = inv->fn->s;
    double dur = f->dur;
    long long billed_ms = f->billed_ms;
    long mb = f->mb;
    char t[32];
    now_iso(t, sizeof t);
    int timeout = strcmp(inv->status, "timeout") == 0;
    if (s->log_format == LOGFMT_JSON) {
        format_end_json(inv, f, t, out);
        return;
    }
    if (timeout)
        lr_buf_printf(out, "%s %s Task timed out after %.2f seconds\n", t, inv->id, s->timeout);
    lr_buf_printf(out, "END RequestId: %s\n", inv->id);
    lr_buf_printf(out,
                  "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\t"
                  "Memory Size: %ld MB\tMax Memory Used: %ld MB",
                  inv->id, dur, billed_ms, s->memory_size, mb);
    if (inv->has_init)
        lr_buf_printf(out, "\tInit Duration: %.2f ms", inv->init_ms);
    if (strcmp(inv->status, "success") != 0)
        lr_buf_printf(out, "\tStatus: %s", inv->status);
    lr_buf_printf(out, "\n");
}

static void finish_end(invocation *inv)
{
    lr_buf out = {0};
    end_fig f;
    end_figures(inv, &f);
    format_end(inv, &f, &out);
    evpub_end(inv, f.dur, f.billed_ms, f.mb);
    if (out.len)
        (void)write_full(1, out.data, out.len);            /* nowhere to log to: drop */
    pool_reported(inv, out.data ? out.data : "", out.len); /* the pool lets go */
    lr_buf_free(&out);
}

static void write_batch(logev *ev)
{
    while (ev) {
        logev *next = ev->next;
        if (ev->inv)
            finish_end(ev->inv);
        else
            (void)write_full(ev->fd, ev->text, ev->len);
        free(ev);
        ev = next;
    }
}

void report_flush(void)
{
    if (pthread_mutex_trylock(&drain_lock) != 0)
        return; /* the writer is at it, and looks at the queue again after */
    pthread_mutex_lock(&q_lock);
    logev *ev = q_head;
    q_head = q_tail = NULL;
    pthread_mutex_unlock(&q_lock);
    write_batch(ev);
    pthread_mutex_unlock(&drain_lock);
}

static void *writer_main(void *arg)
{
    for (;;) {
        pthread_mutex_lock(&drain_lock);
        pthread_mutex_lock(&q_lock);
        while (!q_head && !q_stop) {
            pthread_mutex_unlock(&drain_lock); /* the loop may flush meanwhile */
            pthread_cond_wait(&q_cv, &q_lock);
            pthread_mutex_unlock(&q_lock);
            pthread_mutex_lock(&drain_lock);
            pthread_mutex_lock(&q_lock);
        }
        logev *ev = q_head;
        q_head = q_tail = NULL;
        int stop = q_stop;
        pthread_mutex_unlock(&q_lock);
        if (!ev && stop) {
            pthread_mutex_unlock(&drain_lock);
            return NULL;
        }
        write_batch(ev);
        pthread_mutex_unlock(&drain_lock);
    }
}

int report_start_writer(void)
{
    q_stop = 0;
    return pthread_create(&writer, NULL, writer_main, NULL) == 0 ? 0 : -1;
}

void report_stop_writer(void)
{
    pthread_mutex_lock(&q_lock);
    q_stop = 1;
    pthread_cond_signal(&q_cv);
    pthread_mutex_unlock(&q_lock);
    pthread_join(writer, NULL);
}
