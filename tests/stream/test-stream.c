/*
 * test-stream.c -- the streaming rules of liblambda-runtime (src/lib/stream.c)
 * through the host ops table: a recording host stands in for bootstrap's
 * Runtime API client and collects what would go on the wire.
 */
#include "config.h"
#include "host.h"

#include <check.h>
#include <stdio.h>

#include "check-run.h"
#include <stdlib.h>
#include <string.h>

static struct {
    int opens, writes, closes, responds, fails;
    char content_type[128];
    char wire[4096]; /* every byte written, in order */
    size_t wire_len;
    char close_type[64];
    char *close_body;
    int fail_open, fail_write; /* make that op return LAMBDA_ERR */
} h;

static int rec_respond(void *host, lambda_invocation *inv, const void *d, size_t n, const char *ct)
{
    h.responds++;
    return LAMBDA_OK;
}

static int rec_fail(void *host, lambda_invocation *inv, const char *type, const char *b, size_t n)
{
    h.fails++;
    return LAMBDA_OK;
}

static int rec_open(void *host, lambda_invocation *inv, const char *ct)
{
    h.opens++;
    snprintf(h.content_type, sizeof h.content_type, "%s", ct);
    return h.fail_open ? LAMBDA_ERR : LAMBDA_OK;
}

static int rec_write(void *host, lambda_invocation *inv, const void *d, size_t n)
{
    h.writes++;
    ck_assert_uint_gt(n, 0);
    if (h.fail_write)
        return LAMBDA_ERR;
    ck_assert_uint_le(h.wire_len + n, sizeof h.wire);
    memcpy(h.wire + h.wire_len, d, n);
    h.wire_len += n;
    return LAMBDA_OK;
}

static int rec_close(void *host, lambda_invocation *inv, const char *type, const char *b, size_t n)
{
    h.closes++;
    snprintf(h.close_type, sizeof h.close_type, "%s", type ? type : "");
    free(h.close_body);
    h.close_body = b ? strndup(b, n) : NULL;
    return LAMBDA_OK;
}

static const lr_host_ops stream_ops = {.respond = rec_respond,
                                       .fail = rec_fail,
                                       .stream_open = rec_open,
                                       .stream_write = rec_write,
                                       .stream_close = rec_close};
static const lr_host_ops buffered_ops = {.respond = rec_respond, .fail = rec_fail};
static lambda_invocation inv;
static lr_function_info fn;

static void setup(void)
{
    memset(&h, 0, sizeof h);
    memset(&fn, 0, sizeof fn);
    lr_invocation_init(&inv, &stream_ops, NULL, &fn);
    lr_log_configure(LAMBDA_LOG_FATAL, LR_LOG_TEXT); /* keep test output quiet */
}

static void teardown(void)
{
    lr_invocation_free(&inv);
    free(h.close_body);
    h.close_body = NULL;
}

START_TEST(write_without_open_is_refused)
{
    ck_assert_int_eq(lambda_stream_write(&inv, "x", 1), LAMBDA_ERR);
    ck_assert_int_eq(lambda_stream_printf(&inv, "%d", 1), LAMBDA_ERR);
    ck_assert_int_eq(h.writes, 0);
    ck_assert(!lambda_answered(&inv));
    /* and the invocation can still be answered */
    ck_assert_int_eq(lambda_respond(&inv, "{}", 2, NULL), LAMBDA_OK);
    ck_assert_int_eq(h.responds, 1);
}
END_TEST

START_TEST(open_write_return)
{
    ck_assert_int_eq(lambda_stream_open(&inv, NULL), LAMBDA_OK);
    ck_assert_str_eq(h.content_type, "application/octet-stream");
    ck_assert(lambda_answered(&inv));
    ck_assert_int_eq(lambda_stream_write(&inv, "ab\0c", 4), LAMBDA_OK);
    ck_assert_int_eq(lambda_stream_write(&inv, "", 0), LAMBDA_OK); /* nothing sent */
    ck_assert_int_eq(lambda_stream_printf(&inv, "-%d-", 42), LAMBDA_OK);
    ck_assert_int_eq(h.writes, 2); /* one host write per call: flushed each time */
    ck_assert_int_eq(h.closes, 0);
    /* returning from the handler ends the stream, cleanly */
    ck_assert_int_eq(lr_invocation_finish(&inv, "m.f", LAMBDA_OK), LAMBDA_OK);
    ck_assert_int_eq(h.closes, 1);
    ck_assert_str_eq(h.close_type, "");
    ck_assert_uint_eq(h.wire_len, 8);
    ck_assert(memcmp(h.wire, "ab\0c-42-", 8) == 0);
    ck_assert_int_eq(h.responds + h.fails, 0); /* no Runtime.NoResponse */
}
END_TEST

START_TEST(open_twice_and_respond_after_open_are_refused)
{
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_OK);
    ck_assert_int_eq(lambda_stream_open(&inv, "text/html"), LAMBDA_ERR);
    ck_assert_int_eq(lambda_stream_open_http(&inv, 200, json_object_new_object(), NULL),
                     LAMBDA_ERR);
    ck_assert_int_eq(lambda_respond(&inv, "{}", 2, NULL), LAMBDA_ERR);
    ck_assert_int_eq(lambda_respond_json(&inv, json_object_new_object()), LAMBDA_ERR);
    ck_assert_int_eq(h.opens, 1);
    ck_assert_str_eq(h.content_type, "text/plain");
    ck_assert_int_eq(h.responds, 0);
    ck_assert_int_eq(h.writes, 0);
    /* the stream is still usable */
    ck_assert_int_eq(lambda_stream_write(&inv, "ok", 2), LAMBDA_OK);
    lr_invocation_finish(&inv, "m.f", LAMBDA_OK);
    ck_assert_int_eq(h.closes, 1);
}
END_TEST

START_TEST(open_after_respond_is_refused)
{
    ck_assert_int_eq(lambda_respond(&inv, "{}", 2, NULL), LAMBDA_OK);
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_ERR);
    ck_assert_int_eq(h.opens, 0);
}
END_TEST

START_TEST(fail_after_open_goes_in_the_trailers)
{
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_OK);
    ck_assert_int_eq(lambda_stream_write(&inv, "part", 4), LAMBDA_OK);
    ck_assert_int_eq(lambda_fail(&inv, "Oops", "broke at %d", 4), LAMBDA_OK);
    ck_assert_int_eq(h.fails, 0); /* not a separate /error post */
    ck_assert_int_eq(h.closes, 1);
    ck_assert_str_eq(h.close_type, "Oops");
    json_object *err = json_tokener_parse(h.close_body);
    ck_assert_ptr_nonnull(err);
    json_object *v;
    ck_assert(json_object_object_get_ex(err, "errorType", &v));
    ck_assert_str_eq(json_object_get_string(v), "Oops");
    ck_assert(json_object_object_get_ex(err, "errorMessage", &v));
    ck_assert_str_eq(json_object_get_string(v), "broke at 4");
    json_object_put(err);
    /* ended: later writes and a second error are refused; returning adds nothing */
    ck_assert_int_eq(lambda_stream_write(&inv, "late", 4), LAMBDA_ERR);
    ck_assert_int_eq(lambda_fail(&inv, "Again", "x"), LAMBDA_ERR);
    ck_assert_int_eq(lr_invocation_finish(&inv, "m.f", LAMBDA_ERR), LAMBDA_OK);
    ck_assert_int_eq(h.closes, 1);
    ck_assert_int_eq(h.writes, 1);
    ck_assert_int_eq(h.responds + h.fails, 0);
}
END_TEST

START_TEST(open_http_writes_the_prelude)
{
    json_object *headers = json_object_new_object();
    json_object_object_add(headers, "Content-Type", json_object_new_string("text/event-stream"));
    json_object *cookies = json_object_new_array();
    json_object_array_add(cookies, json_object_new_string("a=1; Path=/"));
    ck_assert_int_eq(lambda_stream_open_http(&inv, 201, headers, cookies), LAMBDA_OK);
    ck_assert_str_eq(h.content_type, "application/vnd.awslambda.http-integration-response");
    static const char want[] =
        "{\"statusCode\":201,\"headers\":{\"Content-Type\":\"text/event-stream\"},"
        "\"cookies\":[\"a=1; Path=/\"]}";
    size_t plen = sizeof want - 1;
    ck_assert_uint_eq(h.wire_len, plen + 8);
    ck_assert(memcmp(h.wire, want, plen) == 0);
    ck_assert(memcmp(h.wire + plen, "\0\0\0\0\0\0\0\0", 8) == 0);
    lr_invocation_finish(&inv, "m.f", LAMBDA_OK);
}
END_TEST

START_TEST(open_http_without_headers)
{
    ck_assert_int_eq(lambda_stream_open_http(&inv, 204, NULL, NULL), LAMBDA_OK);
    static const char want[] = "{\"statusCode\":204}";
    ck_assert_uint_eq(h.wire_len, sizeof want - 1 + 8);
    ck_assert(memcmp(h.wire, want, sizeof want - 1) == 0);
    lr_invocation_finish(&inv, "m.f", LAMBDA_OK);
}
END_TEST

START_TEST(long_printf)
{
    char big[2000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_OK);
    ck_assert_int_eq(lambda_stream_printf(&inv, "<%s>", big), LAMBDA_OK);
    ck_assert_uint_eq(h.wire_len, sizeof big + 1);
    ck_assert(h.wire[0] == '<' && h.wire[h.wire_len - 1] == '>');
    lr_invocation_finish(&inv, "m.f", LAMBDA_OK);
}
END_TEST

START_TEST(broken_stream_refuses_writes_and_still_ends)
{
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_OK);
    h.fail_write = 1;
    ck_assert_int_eq(lambda_stream_write(&inv, "a", 1), LAMBDA_ERR);
    ck_assert_int_eq(lambda_stream_write(&inv, "b", 1), LAMBDA_ERR);
    ck_assert_int_eq(h.writes, 1); /* not retried on a broken stream */
    lr_invocation_finish(&inv, "m.f", LAMBDA_ERR);
    ck_assert_int_eq(h.closes, 1); /* the transfer is still wound up */
}
END_TEST

START_TEST(failed_open_leaves_the_invocation_unanswered)
{
    h.fail_open = 1;
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_ERR);
    ck_assert(!lambda_answered(&inv));
    ck_assert_int_eq(lambda_stream_write(&inv, "a", 1), LAMBDA_ERR);
    ck_assert_int_eq(lambda_respond(&inv, "{}", 2, NULL), LAMBDA_OK);
    ck_assert_int_eq(h.closes, 0);
}
END_TEST

START_TEST(host_without_streaming)
{
    lr_invocation_free(&inv);
    lr_invocation_init(&inv, &buffered_ops, NULL, &fn);
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_ERR);
    ck_assert(!lambda_answered(&inv));
    ck_assert_int_eq(lambda_respond(&inv, "{}", 2, NULL), LAMBDA_OK);
}
END_TEST

START_TEST(reset_forgets_the_stream)
{
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_OK);
    lr_invocation_finish(&inv, "m.f", LAMBDA_OK);
    lr_invocation_reset(&inv);
    ck_assert_int_eq(lambda_stream_write(&inv, "a", 1), LAMBDA_ERR);
    ck_assert_int_eq(lambda_stream_open(&inv, "text/plain"), LAMBDA_OK);
    ck_assert_int_eq(h.opens, 2);
    lr_invocation_finish(&inv, "m.f", LAMBDA_OK);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, write_without_open_is_refused);
    tcase_add_test(tc, open_write_return);
    tcase_add_test(tc, open_twice_and_respond_after_open_are_refused);
    tcase_add_test(tc, open_after_respond_is_refused);
    tcase_add_test(tc, fail_after_open_goes_in_the_trailers);
    tcase_add_test(tc, open_http_writes_the_prelude);
    tcase_add_test(tc, open_http_without_headers);
    tcase_add_test(tc, long_printf);
    tcase_add_test(tc, broken_stream_refuses_writes_and_still_ends);
    tcase_add_test(tc, failed_open_leaves_the_invocation_unanswered);
    tcase_add_test(tc, host_without_streaming);
    tcase_add_test(tc, reset_forgets_the_stream);
    suite_add_tcase(s, tc);
    return check_run(s);
}
