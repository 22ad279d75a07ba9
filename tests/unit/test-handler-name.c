/* test-handler-name.c -- handler_name_parse: accepted forms and every refused one. */
#include "config.h"
#include "handler_name.h"

#include <check.h>

#include "check-run.h"
#include <stdlib.h>
#include <string.h>

static void accepts(const char *text, const char *module, const char *function)
{
    handler_name n;
    char err[512] = "";
    ck_assert_msg(handler_name_parse(text, &n, err, sizeof err) == 0, "%s refused: %s", text, err);
    ck_assert_str_eq(n.module, module);
    ck_assert_str_eq(n.function, function);
}

static void refuses(const char *text, const char *why)
{
    handler_name n;
    char err[512] = "";
    ck_assert_msg(handler_name_parse(text, &n, err, sizeof err) == -1, "'%s' accepted",
                  text ? text : "(null)");
    ck_assert_msg(strstr(err, why) != NULL, "'%s': message '%s' lacks '%s'", text ? text : "(null)",
                  err, why);
    ck_assert_msg(strstr(err, "module.function") != NULL || strstr(err, "longer than") != NULL,
                  "message '%s' does not show the expected form", err);
}

START_TEST(accepted)
{
    accepts("lambda_function.handler", "lambda_function", "handler");
    accepts("echo.handler", "echo", "handler");
    accepts("my-module.fn_2", "my-module", "fn_2");
    accepts("M0d._x", "M0d", "_x");
    accepts("9lives.go", "9lives", "go");
}
END_TEST

START_TEST(refused)
{
    refuses(NULL, "no handler given");
    refuses("", "no handler given");
    refuses("lambda_function", "no '.'");
    refuses("../etc/passwd.handler", "contains '/'");
    refuses("/etc/passwd.handler", "contains '/'");
    refuses("dir/mod.handler", "contains '/'");
    refuses("mod.sub/handler", "contains '/'");
    refuses("a.b.c", "more than one '.'");
    refuses("a..b", "more than one '.'");
    refuses("..handler", "more than one '.'");
    refuses("mod.handler.", "more than one '.'");
    refuses(".handler", "module part is empty");
    refuses("mod.", "function part is empty");
    refuses(".", "module part is empty");
    refuses("mo d.handler", "module name may only contain");
    refuses("mod~.handler", "module name may only contain");
    refuses("m\xc3\xa9.handler", "module name may only contain");
    refuses("mod.1handler", "C identifier");
    refuses("mod.hand-ler", "C identifier");
    refuses("mod.handler ", "C identifier");
    refuses("mod.han\tdler", "C identifier");
}
END_TEST

START_TEST(too_long)
{
    char text[400];
    memset(text, 'a', 200);
    strcpy(text + 200, ".handler");
    refuses(text, "longer than");
    strcpy(text, "mod.");
    memset(text + 4, 'f', 200);
    text[204] = '\0';
    refuses(text, "longer than");
    /* exactly at the limit is fine */
    memset(text, 'a', HANDLER_PART_MAX);
    strcpy(text + HANDLER_PART_MAX, ".h");
    handler_name n;
    char err[256];
    ck_assert_int_eq(handler_name_parse(text, &n, err, sizeof err), 0);
    ck_assert_uint_eq(strlen(n.module), HANDLER_PART_MAX);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("handler_name");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, accepted);
    tcase_add_test(tc, refused);
    tcase_add_test(tc, too_long);
    suite_add_tcase(s, tc);
    return check_run(s);
}
