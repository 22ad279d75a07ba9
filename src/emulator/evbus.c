/*
 * evbus.c -- the invocation event bus (evbus.h): a ring of records with a
 * count and a byte bound, readers with cursors, one-shot subscribers.
 */
#include "config.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "evbus.h"

struct evbus_sub {
    void (*notify)(void *ud);
    void *ud;
    int armed;
    const uint64_t *cursor;                     /* evbus_track: its reader's cursor */
    void (*lost)(const evbus_rec *r, void *ud); /* ... told of each record it loses */
    struct evbus_sub *next;
};

static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static int opened;      /* openers (atomic reads by evbus_active) */
static evbus_rec *ring; /* cap records; the oldest at seq first */
static size_t cap, bytes, max_bytes;
static uint64_t first, last; /* seqs in the ring: first..last (none: first > last) */
static evbus_sub *subs;
static int shutting;

/* Notify the subscribers waiting (bus_lock held). */
static void wake(void)
{
    for (evbus_sub *s = subs; s; s = s->next)
        if (s->armed) {
            s->armed = 0;
            s->notify(s->ud);
        }
}

int evbus_open(size_t max_records, size_t budget)
{
    pthread_mutex_lock(&bus_lock);
    if (!ring) {
        ring = calloc(max_records ? max_records : 1, sizeof *ring);
        if (!ring) {
            pthread_mutex_unlock(&bus_lock);
            return -1;
        }
        cap = max_records ? max_records : 1;
        max_bytes = budget;
        first = last + 1;
        shutting = 0;
    }
    __atomic_add_fetch(&opened, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&bus_lock);
    return 0;
}

static evbus_rec *slot(uint64_t seq)
{
    return &ring[seq % cap];
}

static void drop_oldest(void)
{
    evbus_rec *r = slot(first);
    for (evbus_sub *s = subs; s; s = s->next)
        if (s->lost && *s->cursor < first)
            s->lost(r, s->ud);
    bytes -= r->len;
    free((char *)r->text);
    r->text = NULL;
    first++;
}

void evbus_close(void)
{
    pthread_mutex_lock(&bus_lock);
    if (__atomic_sub_fetch(&opened, 1, __ATOMIC_RELAXED) == 0 && ring) {
        while (first <= last)
            drop_oldest();
        free(ring);
        ring = NULL;
        bytes = 0;
    }
    pthread_mutex_unlock(&bus_lock);
}

int evbus_active(void)
{
    return __atomic_load_n(&opened, __ATOMIC_RELAXED) > 0;
}

void evbus_publish(const evbus_rec *r)
{
    if (!evbus_active())
        return;
    size_t len = r->text ? r->len : 0;
    if (len > EVBUS_TEXT_MAX)
        len = EVBUS_TEXT_MAX;
    char *text = malloc(len + 1);
    if (!text)
        return;
    if (len)
        memcpy(text, r->text, len);
    text[len] = '\0';
    pthread_mutex_lock(&bus_lock);
    if (!ring) {
        pthread_mutex_unlock(&bus_lock);
        free(text);
        return;
    }
    while (first <= last && (last - first + 1 >= cap || bytes + len > max_bytes))
        drop_oldest();
    evbus_rec *dst = slot(++last);
    *dst = *r;
    dst->seq = last;
    if (!dst->time_ms)
        dst->time_ms = clock_epoch_ms();
    dst->text = text;
    dst->len = len;
    bytes += len;
    wake(); /* bus_lock held */
    pthread_mutex_unlock(&bus_lock);
}

size_t evbus_read(uint64_t *cursor, size_t max, evbus_visit visit, void *ud, uint64_t *lost)
{
    size_t n = 0;
    pthread_mutex_lock(&bus_lock);
    uint64_t seq = *cursor + 1;
    if (lost)
        *lost = ring && seq < first ? first - seq : 0;
    if (ring && seq < first)
        seq = first;
    for (; ring && seq <= last && n < max; seq++, n++) {
        if (visit(slot(seq), ud))
            break;
        *cursor = seq;
    }
    pthread_mutex_unlock(&bus_lock);
    return n;
}

uint64_t evbus_last(void)
{
    pthread_mutex_lock(&bus_lock);
    uint64_t v = last;
    pthread_mutex_unlock(&bus_lock);
    return v;
}

evbus_sub *evbus_subscribe(void (*notify)(void *ud), void *ud)
{
    evbus_sub *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->notify = notify;
    s->ud = ud;
    pthread_mutex_lock(&bus_lock);
    s->next = subs;
    subs = s;
    pthread_mutex_unlock(&bus_lock);
    return s;
}

void evbus_track(evbus_sub *s, const uint64_t *cursor, void (*lost)(const evbus_rec *r, void *ud))
{
    pthread_mutex_lock(&bus_lock);
    s->cursor = cursor;
    s->lost = lost;
    pthread_mutex_unlock(&bus_lock);
}

void evbus_unsubscribe(evbus_sub *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&bus_lock);
    for (evbus_sub **p = &subs; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    pthread_mutex_unlock(&bus_lock);
    free(s);
}

int evbus_wait(evbus_sub *s, uint64_t cursor, void (*suspend)(void *arg), void *arg)
{
    pthread_mutex_lock(&bus_lock);
    int now = shutting || last > cursor;
    if (!now) {
        s->armed = 1;
        suspend(arg);
    }
    pthread_mutex_unlock(&bus_lock);
    return now;
}

static void notify_all(int shut)
{
    pthread_mutex_lock(&bus_lock);
    shutting |= shut;
    wake();
    pthread_mutex_unlock(&bus_lock);
}

void evbus_kick(void)
{
    notify_all(0);
}

void evbus_shutdown(void)
{
    notify_all(1);
}

int evbus_shutting_down(void)
{
    pthread_mutex_lock(&bus_lock);
    int v = shutting;
    pthread_mutex_unlock(&bus_lock);
    return v;
}
