/*
 * test-lib.c -- liblambda-runtime seen from both sides: the accessors a
 * plugin calls, and answering exactly once through the host ops table (a
 * recording host stands in for bootstrap's Runtime API client).
 */
#include "config.h"
#include "host.h"

#include <check.h>
#include <stdio.h>

#include "check-run.h"
#include <stdlib.h>
#include <string.h>

/* What the host was asked to post. */
static struct {
    int responds, fails;
    char content_type[64];
    char error_type[64];
    char *body;
    size_t len;
    const void *data_ptr;
    int answer; /* what the host ops return */
} host;

static int rec_respond(void *h, lambda_invocation *inv, const void *data, size_t len,
                       const char *ct)
{
    host.responds++;
    host.data_ptr = data;
    snprintf(host.content_type, sizeof host.content_type, "%s", ct);
    free(host.body);
    host.body = malloc(len + 1);
    memcpy(host.body, data, len);
    host.body[len] = '\0';
    host.len = len;
    return host.answer;
}

static int rec_fail(void *h, lambda_invocation *inv, const char *type, const char *body, size_t len)
{
    host.fails++;
    snprintf(host.error_type, sizeof host.error_type, "%s", type);
    free(host.body);
    host.body = strndup(body, len);
    host.len = len;
    return host.answer;
}

static const lr_host_ops ops = {.respond = rec_respond, .fail = rec_fail};
static lambda_invocation inv;
static lr_function_info fn;

static void setup(void)
{
    memset(&host, 0, sizeof host);
    memset(&fn, 0, sizeof fn);
    lr_invocation_init(&inv, &ops, NULL, &fn);
    lr_log_configure(LAMBDA_LOG_FATAL, LR_LOG_TEXT); /* keep test output quiet */
}

static void teardown(void)
{
    lr_invocation_free(&inv);
    lr_function_info_free(&fn);
    free(host.body);
    host.body = NULL;
}

static void set_event(const void *data, size_t len)
{
    lr_invocation_reset(&inv);
    ck_assert_int_eq(lr_invocation_append(&inv, data, len), LAMBDA_OK);
}

static json_object *body_json(void)
{
    json_object *o = json_tokener_parse(host.body);
    ck_assert_ptr_nonnull(o);
    return o;
}

static const char *str_field(json_object *o, const char *key)
{
    json_object *v;
    ck_assert(json_object_object_get_ex(o, key, &v));
    return json_object_get_string(v);
}

START_TEST(event_bytes_binary_safe)
{
    char bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (char)i;
    set_event(bin, 128);
    ck_assert_int_eq(lr_invocation_append(&inv, bin + 128, 128), LAMBDA_OK);
    size_t len = 0;
    const char *e = lambda_event(&inv, &len);
    ck_assert_uint_eq(len, 256);
    ck_assert_mem_eq(e, bin, 256);
    ck_assert_int_eq(e[256], '\0');
    ck_assert_ptr_null(lambda_event_json(&inv));
}
END_TEST

START_TEST(event_empty)
{
    size_t len = 99;
    const char *e = lambda_event(&inv, &len);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(e, "");
    ck_assert_ptr_null(lambda_event_json(&inv));
}
END_TEST

START_TEST(event_json_lazy_once)
{
    const char *doc = "{\"rawPath\":\"/hello\",\"n\":[1,2]}\n";
    set_event(doc, strlen(doc));
    json_object *a = lambda_event_json(&inv);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_eq(lambda_event_json(&inv), a);
    ck_assert_str_eq(str_field(a, "rawPath"), "/hello");
}
END_TEST

START_TEST(event_json_forms)
{
    struct {
        const char *text;
        int valid;
    } cases[] = {
        {"42", 1}, {"\"s\"", 1}, {"[]", 1},   {"null", 0},     {" {} \r\n", 1},
        {"{", 0},  {"{} x", 0},  {"{}{}", 0}, {"not json", 0}, {"{\"a\":}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        set_event(cases[i].text, strlen(cases[i].text));
        json_object *o = lambda_event_json(&inv);
        /* "null" parses to a NULL object: the accessor cannot tell it apart */
        ck_assert_msg((o != NULL) == cases[i].valid, "event '%s'", cases[i].text);
    }
    /* an embedded NUL is not JSON */
    set_event("{}\0{}", 5);
    ck_assert_ptr_null(lambda_event_json(&inv));
}
END_TEST

START_TEST(respond_once)
{
    host.answer = LAMBDA_OK;
    static const char data[] = "hello";
    ck_assert_int_eq(lambda_answered(&inv), 0);
    ck_assert_int_eq(lambda_respond(&inv, data, 5, "text/plain"), LAMBDA_OK);
    ck_assert_ptr_eq(host.data_ptr, data); /* posted from the handler's buffer */
    ck_assert_str_eq(host.content_type, "text/plain");
    ck_assert_int_eq(lambda_answered(&inv), 1);
    ck_assert_int_eq(lambda_respond(&inv, "x", 1, NULL), LAMBDA_ERR);
    ck_assert_int_eq(lambda_fail(&inv, "T", "m"), LAMBDA_ERR);
    json_object *o = json_object_new_object();
    ck_assert_int_eq(lambda_respond_json(&inv, o), LAMBDA_ERR); /* o is put: no leak */
    ck_assert_int_eq(host.responds, 1);
    ck_assert_int_eq(host.fails, 0);
    ck_assert_int_eq(lr_invocation_finish(&inv, "m.f", 0), LAMBDA_OK);
    ck_assert_int_eq(host.fails, 0);
}
END_TEST

START_TEST(respond_defaults)
{
    ck_assert_int_eq(lambda_respond(&inv, NULL, 10, NULL), LAMBDA_OK);
    ck_assert_str_eq(host.content_type, "application/json");
    ck_assert_uint_eq(host.len, 0);
}
END_TEST

START_TEST(respond_reports_host_failure)
{
    host.answer = LAMBDA_ERR;
    ck_assert_int_eq(lambda_respond(&inv, "x", 1, NULL), LAMBDA_ERR);
    ck_assert_int_eq(lambda_answered(&inv), 1); /* still answered: exactly once */
}
END_TEST

START_TEST(respond_json)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "message", json_object_new_string("Hello, \"Chris\""));
    ck_assert_int_eq(lambda_respond_json(&inv, o), LAMBDA_OK);
    ck_assert_str_eq(host.content_type, "application/json");
    json_object *b = body_json();
    ck_assert_str_eq(str_field(b, "message"), "Hello, \"Chris\"");
    json_object_put(b);
}
END_TEST

START_TEST(fail_formats_error)
{
    ck_assert_int_eq(lambda_fail(&inv, "InvalidInput", "bad %s #%d", "name", 3), LAMBDA_OK);
    ck_assert_int_eq(host.fails, 1);
    ck_assert_str_eq(host.error_type, "InvalidInput");
    json_object *b = body_json();
    ck_assert_str_eq(str_field(b, "errorType"), "InvalidInput");
    ck_assert_str_eq(str_field(b, "errorMessage"), "bad name #3");
    json_object_put(b);
    lr_invocation_reset(&inv);
    ck_assert_int_eq(lambda_fail(&inv, NULL, "x"), LAMBDA_OK);
    ck_assert_str_eq(host.error_type, "Error");
}
END_TEST

START_TEST(no_response)
{
    inv.request_id = strdup("r1");
    ck_assert_int_eq(lr_invocation_finish(&inv, "probe.noanswer", 7), LAMBDA_OK);
    ck_assert_int_eq(host.fails, 1);
    ck_assert_str_eq(host.error_type, "Runtime.NoResponse");
    json_object *b = body_json();
    ck_assert_ptr_nonnull(
        strstr(str_field(b, "errorMessage"), "probe.noanswer returned 7 without answering"));
    json_object_put(b);
    /* and only once */
    ck_assert_int_eq(lr_invocation_finish(&inv, "probe.noanswer", 7), LAMBDA_OK);
    ck_assert_int_eq(host.fails, 1);
}
END_TEST

START_TEST(reset_allows_next_answer)
{
    lambda_respond(&inv, "a", 1, NULL);
    lr_invocation_reset(&inv);
    ck_assert_int_eq(lambda_answered(&inv), 0);
    ck_assert_int_eq(lambda_respond(&inv, "b", 1, NULL), LAMBDA_OK);
    ck_assert_int_eq(host.responds, 2);
}
END_TEST

START_TEST(big_event_buffer_released)
{
    size_t big = 3u << 20;
    ck_assert_int_eq(lr_invocation_reserve(&inv, big), LAMBDA_OK);
    ck_assert_uint_ge(inv.event_cap, big);
    lr_invocation_reset(&inv);
    ck_assert_uint_eq(inv.event_cap, 0);
    ck_assert_int_eq(lr_invocation_reserve(&inv, 100), LAMBDA_OK);
    lr_invocation_reset(&inv);
    ck_assert_uint_ge(inv.event_cap, 101); /* small buffers are kept */
}
END_TEST

START_TEST(deadline_and_remaining)
{
    inv.deadline_ms = 1;
    ck_assert_int_eq(lambda_remaining_ms(&inv), 0);
    const char *line = "Lambda-Runtime-Deadline-Ms: 99999999999999\r\n";
    char err[128];
    ck_assert_int_eq(lr_invocation_header(&inv, line, strlen(line), err, sizeof err), 1);
    ck_assert_int_gt(lambda_remaining_ms(&inv), 1000000);
}
END_TEST

START_TEST(function_info)
{
    setenv("AWS_LAMBDA_FUNCTION_NAME", "fn", 1);
    setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST", 1);
    setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256", 1);
    setenv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/fn", 1);
    setenv("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/27/[$LATEST]abc", 1);
    lr_function_info_from_env(&fn);
    ck_assert_str_eq(lambda_function_name(&inv), "fn");
    ck_assert_str_eq(lambda_function_version(&inv), "$LATEST");
    ck_assert_int_eq(lambda_function_memory_mb(&inv), 256);
    ck_assert_str_eq(lambda_log_group_name(&inv), "/aws/lambda/fn");
    ck_assert_str_eq(lambda_log_stream_name(&inv), "2026/11/27/[$LATEST]abc");
    lr_function_info_free(&fn);
    setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots", 1);
    unsetenv("AWS_LAMBDA_FUNCTION_NAME");
    lr_function_info_from_env(&fn);
    ck_assert_int_eq(lambda_function_memory_mb(&inv), 0);
    ck_assert_ptr_null(lambda_function_name(&inv));
}
END_TEST

START_TEST(optional_accessors_absent)
{
    ck_assert_ptr_null(lambda_request_id(&inv));
    ck_assert_ptr_null(lambda_invoked_function_arn(&inv));
    ck_assert_ptr_null(lambda_trace_id(&inv));
    ck_assert_ptr_null(lambda_client_context(&inv));
    ck_assert_ptr_null(lambda_cognito_identity(&inv));
    ck_assert_ptr_null(lambda_tenant_id(&inv));
    ck_assert_str_eq(lambda_runtime_version(), PACKAGE_VERSION);
}
END_TEST

START_TEST(init_fail)
{
    lambda_init ctx;
    lr_init_ctx_init(&ctx);
    ck_assert_int_eq(lambda_init_fail(&ctx, "Plugin.ConfigError", "missing %s", "X"), LAMBDA_ERR);
    ck_assert_str_eq(ctx.error_type, "Plugin.ConfigError");
    ck_assert_str_eq(ctx.message, "missing X");
    ck_assert_int_eq(lambda_init_fail(&ctx, NULL, "again"), LAMBDA_ERR);
    ck_assert_str_eq(ctx.error_type, "Runtime.InitError");
    ck_assert_str_eq(ctx.message, "again");
    lr_init_ctx_free(&ctx);
    ck_assert_int_eq(lambda_init_fail(NULL, "T", "m"), LAMBDA_ERR);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("liblambda-runtime");
    TCase *tc = tcase_create("invocation");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, event_bytes_binary_safe);
    tcase_add_test(tc, event_empty);
    tcase_add_test(tc, event_json_lazy_once);
    tcase_add_test(tc, event_json_forms);
    tcase_add_test(tc, respond_once);
    tcase_add_test(tc, respond_defaults);
    tcase_add_test(tc, respond_reports_host_failure);
    tcase_add_test(tc, respond_json);
    tcase_add_test(tc, fail_formats_error);
    tcase_add_test(tc, no_response);
    tcase_add_test(tc, reset_allows_next_answer);
    tcase_add_test(tc, big_event_buffer_released);
    tcase_add_test(tc, deadline_and_remaining);
    tcase_add_test(tc, function_info);
    tcase_add_test(tc, optional_accessors_absent);
    tcase_add_test(tc, init_fail);
    suite_add_tcase(s, tc);
    return check_run(s);
}
