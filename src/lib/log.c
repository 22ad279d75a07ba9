/*
 * log.c -- log lines on stderr, in Lambda's Text or JSON format (advanced
 * logging controls), filtered by level.  Each line is formatted in full and
 * written with one write(2) so lines from several threads or worker
 * processes never interleave.
 */
#include "config.h"
#include "host.h"
#include "clock.h"

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

static void write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

static void emit(const char *request_id, lambda_log_level level, const char *msg)
{
    if (level < min_level || level > LAMBDA_LOG_FATAL)
        return;
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
        size_t n;
        const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
        char *line = malloc(n + 1);
        if (line) {
            memcpy(line, s, n);
            line[n] = '\n';
            write_all(line, n + 1);
            free(line);
        }
        json_object_put(o);
        return;
    }
    char *line = NULL;
    int n = asprintf(&line, "%s\t%s\t%s\t%s\n", stamp, request_id ? request_id : "-",
                     lr_log_level_names[level], msg);
    if (n > 0)
        write_all(line, (size_t)n);
    free(line);
}

static void vlog(const char *request_id, lambda_log_level level, const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    char small[512];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        emit(request_id, level, small);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        return;
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    emit(request_id, level, big);
    free(big);
}

void lambda_log(const lambda_invocation *inv, lambda_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(inv ? inv->request_id : NULL, level, fmt, ap);
    va_end(ap);
}

void lr_log(const char *request_id, lambda_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(request_id, level, fmt, ap);
    va_end(ap);
}
