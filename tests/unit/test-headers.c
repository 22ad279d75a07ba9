/* test-headers.c -- parsing the /next response headers into the invocation. */
#include "config.h"
#include "host.h"

#include <check.h>

#include "check-run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lambda_invocation inv;
static char err[256];

static int feed(const char *line)
{
    err[0] = '\0';
    return lr_invocation_header(&inv, line, strlen(line), err, sizeof err);
}

static void setup(void)
{
    lr_invocation_init(&inv, NULL, NULL, NULL);
}
static void teardown(void)
{
    lr_invocation_free(&inv);
}

START_TEST(every_header)
{
    ck_assert_int_eq(
        feed("Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n"), 1);
    ck_assert_int_eq(feed("Lambda-Runtime-Deadline-Ms: 1542409706888\r\n"), 1);
    ck_assert_int_eq(feed("Lambda-Runtime-Invoked-Function-Arn: "
                          "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime\r\n"),
                     1);
    ck_assert_int_eq(
        feed("Lambda-Runtime-Trace-Id: "
             "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n"),
        1);
    ck_assert_int_eq(feed("Lambda-Runtime-Client-Context: {\"client\":{\"app_title\":\"x\"}}\r\n"),
                     1);
    ck_assert_int_eq(feed("Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"id\"}\r\n"),
                     1);
    ck_assert_int_eq(feed("Lambda-Runtime-Aws-Tenant-Id: tenant-42\r\n"), 1);
    ck_assert_int_eq(feed("Lambda-Runtime-Invocation-Id: nonce-1\r\n"), 1);
    ck_assert_str_eq(lambda_request_id(&inv), "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    ck_assert_int_eq(lambda_deadline_ms(&inv), 1542409706888LL);
    ck_assert_str_eq(lambda_invoked_function_arn(&inv),
                     "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime");
    ck_assert_str_eq(lambda_trace_id(&inv),
                     "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
    ck_assert_str_eq(lambda_client_context(&inv), "{\"client\":{\"app_title\":\"x\"}}");
    ck_assert_str_eq(lambda_cognito_identity(&inv), "{\"cognitoIdentityId\":\"id\"}");
    ck_assert_str_eq(lambda_tenant_id(&inv), "tenant-42");
    ck_assert_str_eq(inv.invocation_id, "nonce-1");
    ck_assert_int_eq(lr_invocation_check(&inv, err, sizeof err), 0);
}
END_TEST

START_TEST(case_and_blanks)
{
    ck_assert_int_eq(feed("lambda-runtime-aws-request-id:   abc \t\r\n"), 1);
    ck_assert_str_eq(lambda_request_id(&inv), "abc");
    ck_assert_int_eq(feed("LAMBDA-RUNTIME-TRACE-ID:Root=1\n"), 1);
    ck_assert_str_eq(lambda_trace_id(&inv), "Root=1");
    /* a repeated header: the last one wins, the first is not leaked */
    ck_assert_int_eq(feed("Lambda-Runtime-Aws-Request-Id: second\r\n"), 1);
    ck_assert_str_eq(lambda_request_id(&inv), "second");
    /* an empty value is stored as empty */
    ck_assert_int_eq(feed("Lambda-Runtime-Aws-Tenant-Id:\r\n"), 1);
    ck_assert_str_eq(lambda_tenant_id(&inv), "");
}
END_TEST

START_TEST(ignored_lines)
{
    ck_assert_int_eq(feed("HTTP/1.1 200 OK\r\n"), 0);
    ck_assert_int_eq(feed("\r\n"), 0);
    ck_assert_int_eq(feed("Content-Type: application/json\r\n"), 0);
    ck_assert_int_eq(feed("Lambda-Runtime-Aws-Request-Id-Extra: x\r\n"), 0);
    ck_assert_int_eq(feed("X-Lambda-Runtime-Aws-Request-Id: x\r\n"), 0);
    ck_assert_int_eq(feed("no colon at all\r\n"), 0);
    ck_assert_ptr_null(lambda_request_id(&inv));
    ck_assert_ptr_null(lambda_trace_id(&inv));
    ck_assert_ptr_null(lambda_tenant_id(&inv));
    ck_assert_int_eq(lambda_deadline_ms(&inv), 0);
}
END_TEST

START_TEST(bad_deadline)
{
    ck_assert_int_eq(feed("Lambda-Runtime-Deadline-Ms: soon\r\n"), -1);
    ck_assert_ptr_nonnull(strstr(err, "Deadline-Ms"));
    ck_assert_int_eq(feed("Lambda-Runtime-Deadline-Ms: 12x\r\n"), -1);
    ck_assert_int_eq(feed("Lambda-Runtime-Deadline-Ms: -5\r\n"), -1);
    ck_assert_int_eq(feed("Lambda-Runtime-Deadline-Ms: \r\n"), -1);
    ck_assert_int_eq(feed("Lambda-Runtime-Deadline-Ms: 99999999999999999999999\r\n"), -1);
    ck_assert_int_eq(lambda_deadline_ms(&inv), 0);
}
END_TEST

START_TEST(request_id_check)
{
    ck_assert_int_eq(lr_invocation_check(&inv, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "without a Lambda-Runtime-Aws-Request-Id"));
    const char *bad[] = {"a/b", "..", ".", "a b", "a?b", "a#b", "a%2F", "a\\b", "\xc3\xa9", NULL};
    for (int i = 0; bad[i]; i++) {
        char line[64];
        snprintf(line, sizeof line, "Lambda-Runtime-Aws-Request-Id: %s\r\n", bad[i]);
        ck_assert_int_eq(feed(line), 1);
        ck_assert_msg(lr_invocation_check(&inv, err, sizeof err) == -1, "'%s' accepted", bad[i]);
    }
    feed("Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n");
    ck_assert_int_eq(lr_invocation_check(&inv, err, sizeof err), 0);
}
END_TEST

START_TEST(reset_clears)
{
    feed("Lambda-Runtime-Aws-Request-Id: a\r\n");
    feed("Lambda-Runtime-Deadline-Ms: 5\r\n");
    feed("Lambda-Runtime-Invocation-Id: n\r\n");
    lr_invocation_reset(&inv);
    ck_assert_ptr_null(lambda_request_id(&inv));
    ck_assert_ptr_null(inv.invocation_id);
    ck_assert_int_eq(lambda_deadline_ms(&inv), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("headers");
    TCase *tc = tcase_create("next");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_header);
    tcase_add_test(tc, case_and_blanks);
    tcase_add_test(tc, ignored_lines);
    tcase_add_test(tc, bad_deadline);
    tcase_add_test(tc, request_id_check);
    tcase_add_test(tc, reset_clears);
    suite_add_tcase(s, tc);
    return check_run(s);
}
