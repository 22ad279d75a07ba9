/*
 * probe.c -- test plugin: handlers that report what the API shows them or
 * misbehave on purpose.
 *   probe.report    answers a JSON object with every accessor's value and
 *                   the _X_AMZN_TRACE_ID seen by the handler
 *   probe.fail      answers with lambda_fail("Probe.Failure", ...)
 *   probe.noanswer  returns without answering
 *   probe.twice     answers, then tries again (refused) and answers the
 *                   refusal's return code in the log
 *   probe.crash     raises SIGSEGV
 *   probe.logs      logs one line at every level and one with extra fields
 *                   (lambda_log_fields), then answers
 *   probe.slow      sleeps $PROBE_SLEEP_MS (default 300) ms, then answers
 *   probe.heap      answers the process's heap bytes in use (glibc's
 *                   mallinfo2, or the sanitizer allocator's count)
 *   probe.chaos     the event names what to do: "segv", "abort", "exit"
 *                   (exit(3)), "kill" (SIGKILL, as the OOM killer does),
 *                   "print" (or the JSON string "print": printf()s a line to
 *                   stdout, then answers "ok")
 *                   or anything else (answers "ok")
 * The init hook counts its calls (report shows the count) and appends
 * "init" to $PROBE_INIT_FILE; the shutdown hook appends "shutdown" to
 * $PROBE_SHUTDOWN_FILE (when those are set).
 */
#include <lambda/lambda.h>

#include <signal.h>
#include <stdio.h>
#if defined(__SANITIZE_ADDRESS__)
/* from libasan (<sanitizer/allocator_interface.h>, which gcc does not ship) */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

int report(lambda_invocation *inv);
int fail(lambda_invocation *inv);
int noanswer(lambda_invocation *inv);
int twice(lambda_invocation *inv);
int crash(lambda_invocation *inv);
int logs(lambda_invocation *inv);
int slow(lambda_invocation *inv);
int chaos(lambda_invocation *inv);
int heap(lambda_invocation *inv);

static int init_calls;

static void append_line(const char *env, const char *line)
{
    const char *path = getenv(env);
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fputs(line, f);
        fclose(f);
    }
}

static int probe_init(lambda_init *ctx)
{
    init_calls++;
    append_line("PROBE_INIT_FILE", "init\n");
    lambda_log(NULL, LAMBDA_LOG_INFO, "probe init");
    return LAMBDA_OK;
}

static void add_str(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

int report(lambda_invocation *inv)
{
    json_object *o = json_object_new_object();
    size_t len;
    lambda_event(inv, &len);
    add_str(o, "requestId", lambda_request_id(inv));
    json_object_object_add(o, "deadlineMs", json_object_new_int64(lambda_deadline_ms(inv)));
    json_object_object_add(o, "remainingMs", json_object_new_int64(lambda_remaining_ms(inv)));
    add_str(o, "arn", lambda_invoked_function_arn(inv));
    add_str(o, "traceId", lambda_trace_id(inv));
    add_str(o, "traceEnv", getenv("_X_AMZN_TRACE_ID"));
    add_str(o, "clientContext", lambda_client_context(inv));
    add_str(o, "cognitoIdentity", lambda_cognito_identity(inv));
    add_str(o, "tenantId", lambda_tenant_id(inv));
    add_str(o, "functionName", lambda_function_name(inv));
    add_str(o, "functionVersion", lambda_function_version(inv));
    json_object_object_add(o, "memoryMb", json_object_new_int(lambda_function_memory_mb(inv)));
    add_str(o, "logGroup", lambda_log_group_name(inv));
    add_str(o, "logStream", lambda_log_stream_name(inv));
    json_object_object_add(o, "eventLength", json_object_new_int64((int64_t)len));
    json_object_object_add(o, "eventIsJson",
                           json_object_new_boolean(lambda_event_json(inv) != NULL));
    json_object_object_add(o, "initCalls", json_object_new_int(init_calls));
    json_object_object_add(o, "answeredBefore", json_object_new_boolean(lambda_answered(inv)));
    add_str(o, "runtimeVersion", lambda_runtime_version());
    return lambda_respond_json(inv, o);
}

int fail(lambda_invocation *inv)
{
    return lambda_fail(inv, "Probe.Failure", "failed on purpose for %s", lambda_request_id(inv));
}

int noanswer(lambda_invocation *inv)
{
    return 7;
}

int twice(lambda_invocation *inv)
{
    lambda_respond(inv, "first", 5, "text/plain");
    int rc = lambda_respond(inv, "second", 6, "text/plain");
    lambda_log(inv, LAMBDA_LOG_INFO, "second answer returned %d", rc);
    return LAMBDA_OK;
}

int crash(lambda_invocation *inv)
{
    raise(SIGSEGV);
    return LAMBDA_OK;
}

int logs(lambda_invocation *inv)
{
    for (int l = LAMBDA_LOG_TRACE; l <= LAMBDA_LOG_FATAL; l++)
        lambda_log(inv, (lambda_log_level)l, "probe line at level %d", l);
    json_object *fields = json_object_new_object();
    json_object_object_add(fields, "orderId", json_object_new_int(42));
    json_object_object_add(fields, "level", json_object_new_string("ignored"));
    lambda_log_fields(inv, LAMBDA_LOG_WARN, fields, "probe fields %d", 1);
    return lambda_respond(inv, "{}", 2, NULL);
}

int slow(lambda_invocation *inv)
{
    const char *ms = getenv("PROBE_SLEEP_MS");
    long v = ms ? atol(ms) : 300;
    struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    return lambda_respond(inv, "\"slept\"", 7, NULL);
}

int chaos(lambda_invocation *inv)
{
    const char *what = lambda_event(inv, NULL);
    if (strcmp(what, "segv") == 0)
        raise(SIGSEGV);
    else if (strcmp(what, "abort") == 0)
        abort();
    else if (strcmp(what, "exit") == 0)
        exit(3);
    else if (strcmp(what, "kill") == 0)
        raise(SIGKILL);
    else if (strcmp(what, "print") == 0 || strcmp(what, "\"print\"") == 0)
        printf("printed by probe.chaos\n");
    return lambda_respond(inv, "ok", 2, "text/plain");
}

static void probe_shutdown(void)
{
    append_line("PROBE_SHUTDOWN_FILE", "shutdown\n");
}

int heap(lambda_invocation *inv)
{
#if defined(__SANITIZE_ADDRESS__)
    size_t used = __sanitizer_get_current_allocated_bytes();
#else
    size_t used = mallinfo2().uordblks;
#endif
    char text[32];
    int n = snprintf(text, sizeof text, "%zu", used);
    return lambda_respond(inv, text, (size_t)n, NULL);
}

LAMBDA_PLUGIN("probe", "1.0", 0, probe_init, probe_shutdown);
