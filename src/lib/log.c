/*
 * log.c -- log lines on stderr, in Lambda's Text or JSON format (advanced
 * logging controls), filtered by level.  Each line is formatted in full and
 * written with one write(2) so lines from several threads or worker
 * processes never interleave.
 */
#include "config.h"
#include "host.h"
#include "clock.h"
#include "posix.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const lr_log_level_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", NULL};
const char *const lr_log_format_names[] = {"Text", "JSON", NULL};

static lambda_log_level min_level = LAMBDA_LOG_INFO;
static lr_log_format log_format = LR_LOG_TEXT;

void lr_log_configure(lambda_log_level level, lr_log_format format)
{
    min_level = level;
    log_format = format;
}

static int reserved(const char *key)
{
    return !strcmp(key, "timestamp") || !strcmp(key, "level") || !strcmp(key, "requestId") ||
           !strcmp(key, "message");
}

/* One line; fields (may be NULL) is an object of extra members. */
static void emit(const char *request_id, lambda_log_level level, const char *msg,
                 json_object *fields)
{
    if (level < min_level || level > LAMBDA_LOG_FATAL)
        return;
    if (fields && !json_object_is_type(fields, json_type_object))
        fields = NULL;
    char stamp[32];
    clock_iso8601_ms(clock_epoch_ms(), stamp, sizeof stamp);
    if (log_format == LR_LOG_JSON) {
        json_object *o = json_object_new_object();
        if (!o)
            return;
        json_object_object_add(o, "timestamp", json_object_new_string(stamp));
        json_object_object_add(o, "level", json_object_new_string(lr_log_level_names[level]));
        if (request_id)
            json_object_object_add(o, "requestId", json_object_new_string(request_id));
        json_object_object_add(o, "message", json_object_new_string(msg));
        if (fields) {
            json_object_object_foreach(fields, key, value)
            {
                if (!reserved(key))
                    json_object_object_add(o, key, json_object_get(value));
            }
        }
        size_t n;
        const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
        char *line = malloc(n + 1);
        if (line) {
            memcpy(line, s, n);
            line[n] = '\n';
            (void)write_full(STDERR_FILENO, line, n + 1);
            free(line);
        }
        json_object_put(o);
        return;
    }
    char *line = NULL;
    const char *extra = fields && json_object_object_length(fields) > 0
                            ? json_object_to_json_string_ext(fields, JSON_C_TO_STRING_PLAIN)
                            : NULL;
    int n = asprintf(&line, "%s\t%s\t%s\t%s%s%s\n", stamp, request_id ? request_id : "-",
                     lr_log_level_names[level], msg, extra ? " " : "", extra ? extra : "");
    if (n > 0)
        (void)write_full(STDERR_FILENO, line, (size_t)n);
    free(line);
}

__attribute__((format(printf, 4, 0))) static void vlog(const char *request_id,
                                                       lambda_log_level level, json_object *fields,
                                                       const char *fmt, va_list ap)
{
    if (level < min_level || !fmt)
        return;
    char small[512];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        emit(request_id, level, small, fields);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        return;
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    emit(request_id, level, big, fields);
    free(big);
}

void lambda_log(const lambda_invocation *inv, lambda_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(inv ? inv->request_id : NULL, level, NULL, fmt, ap);
    va_end(ap);
}

void lambda_log_fields(const lambda_invocation *inv, lambda_log_level level, json_object *fields,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(inv ? inv->request_id : NULL, level, fields, fmt, ap);
    va_end(ap);
    json_object_put(fields);
}

void lr_log(const char *request_id, lambda_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(request_id, level, NULL, fmt, ap);
    va_end(ap);
}
