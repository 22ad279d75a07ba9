/*
 * echo.c -- returns the event unchanged, whatever its bytes (binary safe).
 * Handler: echo.handler.  Used by the tests and the benchmarks.
 */
#include <lambda/lambda.h>

int handler(lambda_invocation *inv);

int handler(lambda_invocation *inv)
{
    size_t len;
    const char *event = lambda_event(inv, &len);
    return lambda_respond(inv, event, len, NULL);
}

LAMBDA_PLUGIN("echo", "1.0", LAMBDA_PLUGIN_THREAD_SAFE, NULL, NULL);
