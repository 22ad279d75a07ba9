/* test-error-json.c -- the {"errorMessage","errorType","stackTrace"} body. */
#include "config.h"
#include "error_json.h"

#include <check.h>

#include "check-run.h"
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static json_object *field(json_object *o, const char *key)
{
    json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
    return v;
}

START_TEST(fields)
{
    size_t len = 0;
    const char *stack[] = {"frame one", "frame \"two\"", NULL};
    char *s = error_json("Runtime.ImportModuleError", "line1\nline2 \"quoted\" \\ /", stack, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(len, strlen(s));
    json_object *o = json_tokener_parse(s);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_object_get_string(field(o, "errorType")), "Runtime.ImportModuleError");
    ck_assert_str_eq(json_object_get_string(field(o, "errorMessage")),
                     "line1\nline2 \"quoted\" \\ /");
    json_object *st = field(o, "stackTrace");
    ck_assert(json_object_is_type(st, json_type_array));
    ck_assert_uint_eq(json_object_array_length(st), 2);
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(st, 1)), "frame \"two\"");
    ck_assert_int_eq(json_object_object_length(o), 3);
    json_object_put(o);
    free(s);
}
END_TEST

START_TEST(defaults)
{
    char *s = error_json(NULL, NULL, NULL, NULL);
    json_object *o = json_tokener_parse(s);
    ck_assert_str_eq(json_object_get_string(field(o, "errorType")), "Error");
    ck_assert_str_eq(json_object_get_string(field(o, "errorMessage")), "");
    ck_assert_uint_eq(json_object_array_length(field(o, "stackTrace")), 0);
    json_object_put(o);
    free(s);
}
END_TEST

START_TEST(utf8_and_control)
{
    char *s = error_json("T", "caf\xc3\xa9 \x01 tab\t", NULL, NULL);
    json_object *o = json_tokener_parse(s);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_object_get_string(field(o, "errorMessage")), "caf\xc3\xa9 \x01 tab\t");
    ck_assert_ptr_null(strchr(s, '\x01')); /* escaped on the wire */
    json_object_put(o);
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("error_json");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, fields);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, utf8_and_control);
    suite_add_tcase(s, tc);
    return check_run(s);
}
