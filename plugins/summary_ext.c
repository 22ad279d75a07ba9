/*
 * summary_ext.c -- a sample Lambda extension in C (lambda/extension.h),
 * run by lambda-extension: one line per invocation, from the Telemetry
 * API's platform.report record:
 *
 *   SUMMARY RequestId: ID Status: success Duration: 1.52 ms Billed Duration: 2 ms
 *   Max Memory Used: 21 MB
 *
 * (on one line).  Build it as summary.so, put it in /opt/lambda-extensions
 * and lambda-extension as /opt/extensions/summary.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "lambda/extension.h"

static double num(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void on_telemetry(json_object *records)
{
    for (size_t i = 0; i < json_object_array_length(records); i++) {
        json_object *r = json_object_array_get_idx(records, i), *rec, *m;
        if (strcmp(str(r, "type"), "platform.report") != 0 ||
            !json_object_object_get_ex(r, "record", &rec) ||
            !json_object_object_get_ex(rec, "metrics", &m))
            continue;
        printf("SUMMARY RequestId: %s Status: %s Duration: %.2f ms Billed Duration: %.0f ms "
               "Max Memory Used: %.0f MB\n",
               str(rec, "requestId"), str(rec, "status"), num(m, "durationMs"),
               num(m, "billedDurationMs"), num(m, "maxMemoryUsedMB"));
        fflush(stdout);
    }
}

LAMBDA_EXTENSION("summary", LAMBDA_EXT_INVOKE | LAMBDA_EXT_SHUTDOWN, LAMBDA_TEL_PLATFORM, NULL,
                 NULL, NULL, on_telemetry);
