/* test-evbus.c -- the invocation event bus: records in order, the ring's
 * bounds (count and bytes) with the loss told to a late reader, texts cut at
 * EVBUS_TEXT_MAX, one-shot subscribers, shutdown, and nothing kept while
 * closed. */
#include "config.h"
#include "evbus.h"

#include <check.h>

#include "check-run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void publish_line(const char *rid, const char *text)
{
    evbus_rec r;
    memset(&r, 0, sizeof r);
    r.type = EVB_LOG;
    snprintf(r.function, sizeof r.function, "fn");
    snprintf(r.request_id, sizeof r.request_id, "%s", rid);
    r.fd = 1;
    r.text = text;
    r.len = strlen(text);
    evbus_publish(&r);
}

typedef struct seen {
    char texts[64][32];
    uint64_t seqs[64];
    size_t n, stop_at;
} seen;

static int collect(const evbus_rec *r, void *ud)
{
    seen *s = ud;
    if (s->n == s->stop_at)
        return 1;
    snprintf(s->texts[s->n], sizeof s->texts[0], "%s", r->text);
    s->seqs[s->n++] = r->seq;
    return 0;
}

START_TEST(records_in_order_with_cursor)
{
    ck_assert_int_eq(evbus_open(16, 4096), 0);
    publish_line("a", "one\n");
    publish_line("a", "two\n");
    uint64_t cursor = 0, lost = 9;
    seen s = {.stop_at = 64};
    ck_assert_uint_eq(evbus_read(&cursor, 10, collect, &s, &lost), 2);
    ck_assert_uint_eq(lost, 0);
    ck_assert_str_eq(s.texts[0], "one\n");
    ck_assert_str_eq(s.texts[1], "two\n");
    ck_assert_uint_eq(cursor, s.seqs[1]);
    ck_assert_uint_eq(evbus_last(), cursor);
    publish_line("b", "three\n");
    s.n = 0;
    ck_assert_uint_eq(evbus_read(&cursor, 10, collect, &s, NULL), 1);
    ck_assert_str_eq(s.texts[0], "three\n");
    /* A visitor that stops leaves its record for the next read. */
    publish_line("b", "four\n");
    publish_line("b", "five\n");
    s.n = 0;
    s.stop_at = 1;
    ck_assert_uint_eq(evbus_read(&cursor, 10, collect, &s, NULL), 1);
    s.n = 0;
    s.stop_at = 64;
    ck_assert_uint_eq(evbus_read(&cursor, 10, collect, &s, NULL), 1);
    ck_assert_str_eq(s.texts[0], "five\n");
    evbus_close();
}
END_TEST

START_TEST(ring_bounded_by_count_and_bytes)
{
    ck_assert_int_eq(evbus_open(8, 40), 0);
    char text[32];
    for (int i = 0; i < 20; i++) {
        snprintf(text, sizeof text, "line %02d\n", i); /* 8 bytes */
        publish_line("a", text);
    }
    uint64_t cursor = 0, lost = 0;
    seen s = {.stop_at = 64};
    /* 40 bytes hold 5 of them. */
    ck_assert_uint_eq(evbus_read(&cursor, 64, collect, &s, &lost), 5);
    ck_assert_uint_eq(lost, 15);
    ck_assert_str_eq(s.texts[0], "line 15\n");
    ck_assert_str_eq(s.texts[4], "line 19\n");
    evbus_close();

    ck_assert_int_eq(evbus_open(4, 1 << 20), 0);
    for (int i = 0; i < 10; i++)
        publish_line("a", "x\n");
    cursor = 0;
    s.n = 0;
    ck_assert_uint_eq(evbus_read(&cursor, 64, collect, &s, &lost), 4);
    evbus_close();
}
END_TEST

static int measure(const evbus_rec *r, void *ud)
{
    *(size_t *)ud = strlen(r->text);
    ck_assert_uint_eq(r->len, strlen(r->text));
    return 0;
}

START_TEST(long_text_is_cut)
{
    ck_assert_int_eq(evbus_open(4, 1 << 20), 0);
    size_t n = EVBUS_TEXT_MAX * 2;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    publish_line("a", big);
    free(big);
    uint64_t cursor = 0;
    size_t len = 0;
    ck_assert_uint_eq(evbus_read(&cursor, 1, measure, &len, NULL), 1);
    ck_assert_uint_eq(len, EVBUS_TEXT_MAX);
    evbus_close();
}
END_TEST

static int notified, suspended;
static void on_notify(void *ud)
{
    notified++;
}
static void on_suspend(void *arg)
{
    suspended++;
}

START_TEST(subscriber_notified_once_per_wait)
{
    ck_assert_int_eq(evbus_open(16, 4096), 0);
    evbus_sub *sub = evbus_subscribe(on_notify, NULL);
    ck_assert_ptr_nonnull(sub);
    publish_line("a", "before\n");
    ck_assert_int_eq(notified, 0); /* not waiting */
    /* Something newer than cursor 0 is there: read now, no suspension. */
    ck_assert_int_eq(evbus_wait(sub, 0, on_suspend, NULL), 1);
    ck_assert_int_eq(suspended, 0);
    uint64_t cursor = evbus_last();
    ck_assert_int_eq(evbus_wait(sub, cursor, on_suspend, NULL), 0);
    ck_assert_int_eq(suspended, 1);
    publish_line("a", "after\n");
    publish_line("a", "again\n");
    ck_assert_int_eq(notified, 1);
    cursor = evbus_last();
    ck_assert_int_eq(evbus_wait(sub, cursor, on_suspend, NULL), 0);
    /* A kick notifies with nothing new; the subscriber may wait again. */
    evbus_kick();
    evbus_kick();
    ck_assert_int_eq(notified, 2);
    ck_assert_int_eq(evbus_wait(sub, cursor, on_suspend, NULL), 0);
    evbus_shutdown();
    ck_assert_int_eq(notified, 3);
    ck_assert_int_eq(evbus_wait(sub, cursor, on_suspend, NULL), 1);
    evbus_unsubscribe(sub);
    evbus_close();
}
END_TEST

START_TEST(closed_bus_keeps_nothing)
{
    ck_assert_int_eq(evbus_active(), 0);
    publish_line("a", "lost\n");
    ck_assert_uint_eq(evbus_last(), 0);
    ck_assert_int_eq(evbus_open(4, 4096), 0);
    ck_assert_int_eq(evbus_open(4, 4096), 0); /* a second user */
    evbus_close();
    ck_assert_int_eq(evbus_active(), 1);
    publish_line("a", "kept\n");
    ck_assert_uint_eq(evbus_last(), 1);
    evbus_close();
    ck_assert_int_eq(evbus_active(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("evbus");
    TCase *tc = tcase_create("bus");
    tcase_add_test(tc, records_in_order_with_cursor);
    tcase_add_test(tc, ring_bounded_by_count_and_bytes);
    tcase_add_test(tc, long_text_is_cut);
    tcase_add_test(tc, subscriber_notified_once_per_wait);
    tcase_add_test(tc, closed_bus_keeps_nothing);
    suite_add_tcase(s, tc);
    return check_run(s);
}
