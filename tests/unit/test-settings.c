/*
 * test-settings.c -- bootstrap's configuration: precedence (defaults < INI <
 * environment < command line), validation with FILE:LINE, the other
 * program's sections skipped, --help/--version, --config.
 */
#include "config.h"
#include "boot_settings.h"
#include "cfg.h"

#include <check.h>

#include "check-run.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static settings s;
static char err[1024];
static char ini[64];

static const char *const env_vars[] = {"_HANDLER",
                                       "LAMBDA_TASK_ROOT",
                                       "AWS_LAMBDA_RUNTIME_API",
                                       "AWS_LAMBDA_LOG_LEVEL",
                                       "AWS_LAMBDA_LOG_FORMAT",
                                       "LAMBDA_RUNTIME_CONFIG",
                                       "AWS_LAMBDA_MAX_CONCURRENCY",
                                       "LAMBDA_RUNTIME_POST_TIMEOUT",
                                       NULL};

static void setup(void)
{
    for (int i = 0; env_vars[i]; i++)
        unsetenv(env_vars[i]);
    boot_settings_defaults(&s);
    err[0] = '\0';
    strcpy(ini, "/tmp/lr-settings-XXXXXX");
    int fd = mkstemp(ini);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

static void teardown(void)
{
    boot_settings_free(&s);
    unlink(ini);
}

static void write_ini(const char *text)
{
    FILE *f = fopen(ini, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Load with argv built from the NULL-terminated arguments. */
static int load(const char *first, ...)
{
    char *argv[16] = {"bootstrap"};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return boot_settings_load(&s, argc, argv, ini, err, sizeof err);
}

START_TEST(defaults)
{
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_ptr_null(s.handler);
    ck_assert_ptr_null(s.runtime_api);
    ck_assert_str_eq(s.task_root, LR_TASK_ROOT_EXPECTED);
    ck_assert_int_eq(s.api_retries, 5);
    ck_assert(s.api_retry_delay > 0.09 && s.api_retry_delay < 0.11);
    ck_assert(s.post_timeout > 119.9 && s.post_timeout < 120.1);
    ck_assert_int_eq(s.log_level, 2);
    ck_assert_int_eq(s.log_format, 0);
    ck_assert_int_eq(s.supervisor, 1);
    ck_assert_int_eq(s.max_concurrency, 1);
    ck_assert_int_eq(s.concurrency_model, MODEL_AUTO);
}
END_TEST

static void refused(const char *text, const char *want);

START_TEST(concurrency)
{
    write_ini("[runtime]\nmax_concurrency = 3\nconcurrency_model = Processes\n");
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_int_eq(s.max_concurrency, 3);
    ck_assert_int_eq(s.concurrency_model, MODEL_PROCESSES);
    boot_settings_free(&s);
    boot_settings_defaults(&s);
    setenv("AWS_LAMBDA_MAX_CONCURRENCY", "8", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_int_eq(s.max_concurrency, 8); /* the environment beats the INI file */
    boot_settings_free(&s);
    boot_settings_defaults(&s);
    setenv("AWS_LAMBDA_MAX_CONCURRENCY", "many", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, "environment variable AWS_LAMBDA_MAX_CONCURRENCY: bad value 'many'"),
                  "%s", err);
    unsetenv("AWS_LAMBDA_MAX_CONCURRENCY");
    refused("[runtime]\nmax_concurrency = 0\n",
            ":2: bad value '0' for max_concurrency: expected an integer from 1 to 1024");
    refused(
        "[runtime]\nconcurrency_model = fibers\n",
        ":2: bad value 'fibers' for concurrency_model: expected one of auto, threads, processes");
}
END_TEST

START_TEST(precedence)
{
    write_ini("; comment\n[runtime]\nhandler = ini.handler\ntask_root = /ini\nruntime_api = ini:1\n"
              "api_retries = 9\napi_retry_delay = 250ms\nsupervisor = off\n[log]\nlevel = "
              "warn\nformat = JSON\n");
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, "ini.handler");
    ck_assert_str_eq(s.task_root, "/ini");
    ck_assert_str_eq(s.runtime_api, "ini:1");
    ck_assert_int_eq(s.api_retries, 9);
    ck_assert(s.api_retry_delay > 0.249 && s.api_retry_delay < 0.251);
    ck_assert_int_eq(s.supervisor, 0);
    ck_assert_int_eq(s.log_level, 3);
    ck_assert_int_eq(s.log_format, 1);
    ck_assert_str_eq(s.config_path, ini);

    boot_settings_free(&s);
    boot_settings_defaults(&s);
    setenv("_HANDLER", "env.handler", 1);
    setenv("LAMBDA_TASK_ROOT", "/env", 1);
    setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001/prefix", 1);
    setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR", 1);
    setenv("AWS_LAMBDA_LOG_FORMAT", "Text", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, "env.handler");
    ck_assert_str_eq(s.task_root, "/env");
    ck_assert_str_eq(s.runtime_api, "127.0.0.1:9001/prefix");
    ck_assert_int_eq(s.log_level, 4);
    ck_assert_int_eq(s.log_format, 0);
    ck_assert_int_eq(s.api_retries, 9); /* not in the environment: the INI value stands */

    boot_settings_free(&s);
    boot_settings_defaults(&s);
    ck_assert_int_eq(load("argv.handler", NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, "argv.handler");
}
END_TEST

START_TEST(post_timeout)
{
    write_ini("[runtime]\npost_timeout = 30\n");
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert(s.post_timeout > 29.9 && s.post_timeout < 30.1);
    setenv("LAMBDA_RUNTIME_POST_TIMEOUT", "2.5", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert(s.post_timeout > 2.49 && s.post_timeout < 2.51); /* the environment beats the file */
    setenv("LAMBDA_RUNTIME_POST_TIMEOUT", "0", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, "LAMBDA_RUNTIME_POST_TIMEOUT: bad value '0' for post_timeout: "
                              "expected seconds from 1 to 3600"),
                  "%s", err);
    unsetenv("LAMBDA_RUNTIME_POST_TIMEOUT");
    refused("[runtime]\npost_timeout = forever\n", ":2: bad value 'forever' for post_timeout");
}
END_TEST

START_TEST(empty_env_ignored)
{
    write_ini("[runtime]\nhandler = ini.handler\n");
    setenv("_HANDLER", "", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, "ini.handler");
}
END_TEST

static void refused(const char *text, const char *want)
{
    write_ini(text);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
    ck_assert_msg(strncmp(err, ini, strlen(ini)) == 0, "message '%s' does not start with the file",
                  err);
}

START_TEST(validation)
{
    char want[128];
    refused("[runtime]\nhandlr = x.y\n",
            ":2: unknown key 'handlr' in [runtime]; known keys: handler, task_root");
    refused("[runtime]\n\napi_retries = lots\n",
            ":3: bad value 'lots' for api_retries: expected an integer from 1 to 100");
    refused("[runtime]\napi_retries = 0\n", ":2: bad value '0'");
    refused("[runtime]\napi_retry_delay = 11s\n", ":2: bad value '11s' for api_retry_delay");
    refused("[runtime]\nsupervisor = maybe\n",
            ":2: bad value 'maybe' for supervisor: expected true or false");
    refused(
        "[log]\nlevel = LOUD\n",
        ":2: bad value 'LOUD' for level: expected one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL");
    refused("[log]\nformat = xml\n", ":2: bad value 'xml' for format: expected one of Text, JSON");
    refused(
        "[runtim]\nhandler = a.b\n",
        "unknown section [runtim]; known sections: [runtime], [log], [emulator], [function NAME]");
    /* refused at the header line, even with no key under it */
    refused("[log]\nlevel = INFO\n\n[runtim]\n", ":4: unknown section [runtim]");
    refused("[runtime]\n[function]\n", ":2: section [function] needs a name");
    refused("handler = x.y\n", ":1: key 'handler' is outside any section");
    refused("[runtime\n", ":1: syntax error");
    refused("[function]\nmemory = 3\n", "section [function] needs a name");
    snprintf(want, sizeof want, "%s", "section [runtime] takes no name");
    refused("[runtime extra]\nhandler = a.b\n", want);
}
END_TEST

/* A string of N copies of C (static buffer, overwritten by the next call). */
static char *repeat(char c, size_t n)
{
    static char *buf;
    free(buf);
    buf = malloc(n + 1);
    ck_assert_ptr_nonnull(buf);
    memset(buf, c, n);
    buf[n] = '\0';
    return buf;
}

/* Write TEMPLATE with its one "%s" replaced by FILL. */
static void write_ini_with(const char *template, const char *fill)
{
    const char *at = strstr(template, "%s");
    ck_assert_ptr_nonnull(at);
    FILE *f = fopen(ini, "w");
    ck_assert_ptr_nonnull(f);
    fwrite(template, 1, (size_t)(at - template), f);
    fputs(fill, f);
    fputs(at + 2, f);
    fclose(f);
}

START_TEST(long_lines)
{
    /* a value of 300 bytes and one of 64 KB + 1, stored whole */
    char *v = repeat('t', 300);
    write_ini_with("[runtime]\nhandler = %s\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, v);
    boot_settings_free(&s);
    boot_settings_defaults(&s);
    v = repeat('u', 65537);
    write_ini_with("[runtime]\n  handler:%s   ; an inline comment\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, v);

    /* a 250-byte comment (either prefix) changes no line number */
    v = repeat('c', 250);
    write_ini_with("; %s\n[runtime]\napi_retries = lots\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":3: bad value 'lots' for api_retries"), "%s", err);
    write_ini_with("[runtime]\n# %s\n\nhandlr = x.y\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":4: unknown key 'handlr'"), "%s", err);

    /* errors on a long line name that line */
    v = repeat('9', 400);
    write_ini_with("[runtime]\n\napi_retries = %s\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":3: bad value '999"), "%s", err);
    v = repeat('x', 300);
    write_ini_with("[runtime]\nhandler = a.b\n%s\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":3: syntax error"), "%s", err);
    /* the first error is reported, whichever kind it is */
    write_ini_with("[runtime]\nnot a pair\napi_retries = %s\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":2: syntax error"), "%s", err);
    write_ini_with("[runtime]\napi_retries = %s\nnot a pair\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":2: bad value 'xxx"), "%s", err);
    write_ini_with("[%s]\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":1: unknown section [xxx"), "%s", err);

    /* past CFG_MAX_LINE: refused, naming the line */
    v = repeat('y', CFG_MAX_LINE + 1);
    write_ini_with("[runtime]\n;%s\n", v);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":2: line longer than"), "%s", err);
}
END_TEST

START_TEST(line_forms)
{
    /* indented lines are ordinary lines, not continuations; CRLF; a BOM */
    write_ini("\xEF\xBB\xBF[runtime]\r\n  handler = a.b\r\n\tapi_retries = 7\r\n");
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, "a.b");
    ck_assert_int_eq(s.api_retries, 7);
    boot_settings_free(&s);
    boot_settings_defaults(&s);
    /* no newline at the end of the file */
    write_ini("[runtime]\nhandler = c.d");
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, "c.d");
    FILE *f = fopen(ini, "w");
    fwrite("[runtime]\nhandler = a\0b\n", 1, 25, f);
    fclose(f);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, ":2: the line contains a NUL byte"), "%s", err);
}
END_TEST

START_TEST(config_is_a_directory)
{
    ck_assert_int_eq(load("--config", "/tmp", NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, "/tmp: is a directory, not a configuration file"), "%s", err);
    setenv("LAMBDA_RUNTIME_CONFIG", "/", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_msg(strstr(err, "/: is a directory"), "%s", err);
    unsetenv("LAMBDA_RUNTIME_CONFIG");
}
END_TEST

START_TEST(other_programs_sections_skipped)
{
    write_ini("[emulator]\nlisten = 127.0.0.1:9000\nanything = goes\n"
              "[function hello]\nhandler = lambda_function.hello\nenv.GREETING = hi\n"
              "[runtime]\nhandler = lambda_function.handler\n");
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, "lambda_function.handler");
}
END_TEST

START_TEST(bad_environment)
{
    setenv("AWS_LAMBDA_LOG_LEVEL", "CHATTY", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_ptr_nonnull(
        strstr(err, "environment variable AWS_LAMBDA_LOG_LEVEL: bad value 'CHATTY'"));
}
END_TEST

START_TEST(config_file_choice)
{
    /* a missing default file is fine */
    unlink(ini);
    ck_assert_int_eq(load(NULL), SETTINGS_OK);
    ck_assert_ptr_null(s.config_path);
    /* a missing file named by LAMBDA_RUNTIME_CONFIG or --config is not */
    setenv("LAMBDA_RUNTIME_CONFIG", "/nonexistent/x.ini", 1);
    ck_assert_int_eq(load(NULL), SETTINGS_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.ini: cannot open configuration file"));
    unsetenv("LAMBDA_RUNTIME_CONFIG");
    ck_assert_int_eq(load("--config", "/nonexistent/y.ini", NULL), SETTINGS_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/y.ini"));
    /* --config beats LAMBDA_RUNTIME_CONFIG */
    write_ini("[runtime]\nhandler = from.config\n");
    setenv("LAMBDA_RUNTIME_CONFIG", "/nonexistent/x.ini", 1);
    ck_assert_int_eq(load("-c", ini, NULL), SETTINGS_OK);
    ck_assert_str_eq(s.handler, "from.config");
    boot_settings_free(&s);
    boot_settings_defaults(&s);
    ck_assert_int_eq(load("--config=/nonexistent/z.ini", NULL), SETTINGS_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "z.ini"));
}
END_TEST

START_TEST(command_line_errors)
{
    ck_assert_int_eq(load("a.b", "c.d", NULL), SETTINGS_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "too many arguments"));
    ck_assert_int_eq(load("--bogus", NULL), SETTINGS_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "unknown option --bogus"));
    ck_assert_int_eq(load("--config", NULL), SETTINGS_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "needs an argument"));
}
END_TEST

START_TEST(help_and_version)
{
    ck_assert_int_eq(load("--help", NULL), SETTINGS_EXIT);
    ck_assert_int_eq(load("-h", NULL), SETTINGS_EXIT);
    ck_assert_int_eq(load("--version", NULL), SETTINGS_EXIT);
    ck_assert_int_eq(load("-V", NULL), SETTINGS_EXIT);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("settings");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, precedence);
    tcase_add_test(tc, empty_env_ignored);
    tcase_add_test(tc, post_timeout);
    tcase_add_test(tc, validation);
    tcase_add_test(tc, concurrency);
    tcase_add_test(tc, long_lines);
    tcase_add_test(tc, line_forms);
    tcase_add_test(tc, config_is_a_directory);
    tcase_add_test(tc, other_programs_sections_skipped);
    tcase_add_test(tc, bad_environment);
    tcase_add_test(tc, config_file_choice);
    tcase_add_test(tc, command_line_errors);
    tcase_add_test(tc, help_and_version);
    suite_add_tcase(su, tc);
    return check_run(su);
}
