/*
 * streamprobe.c -- test-only streaming handlers (streamprobe.so, never
 * installed) for what the sample plugin must not do:
 *
 *   streamprobe.crash_midway   writes "line 0\n" and "line 1\n", then abort():
 *                              the worker dies with the stream open.
 *   streamprobe.rules          the exactly-once rules seen from a handler:
 *                              writes before open, respond after open, a
 *                              second open, writes after lambda_fail; streams
 *                              one line per check ("NAME refused" or
 *                              "NAME ACCEPTED") and ends with lambda_fail
 *                              (type Rules) after "write-after-fail" has been
 *                              tried, so the caller sees the error after the
 *                              lines.
 */
#include <lambda/lambda.h>

#include <stdlib.h>

int crash_midway(lambda_invocation *inv);
int rules(lambda_invocation *inv);

int crash_midway(lambda_invocation *inv)
{
    if (lambda_stream_open(inv, "text/plain") != LAMBDA_OK ||
        lambda_stream_printf(inv, "line 0\n") != LAMBDA_OK ||
        lambda_stream_printf(inv, "line 1\n") != LAMBDA_OK)
        return LAMBDA_ERR;
    abort();
}

static void report(lambda_invocation *inv, const char *name, int rc)
{
    lambda_stream_printf(inv, "%s %s\n", name, rc == LAMBDA_OK ? "ACCEPTED" : "refused");
}

int rules(lambda_invocation *inv)
{
    int before = lambda_stream_write(inv, "x", 1);
    if (lambda_stream_open(inv, "text/plain") != LAMBDA_OK)
        return LAMBDA_ERR;
    report(inv, "write-before-open", before);
    report(inv, "respond-after-open", lambda_respond(inv, "{}", 2, NULL));
    report(inv, "second-open", lambda_stream_open(inv, "text/plain"));
    int failed = lambda_fail(inv, "Rules", "ended by lambda_fail");
    /* the stream has ended: these go nowhere and must be refused */
    if (lambda_stream_write(inv, "late\n", 5) == LAMBDA_OK ||
        lambda_fail(inv, "Rules", "a second error") == LAMBDA_OK)
        abort(); /* the caller then sees Runtime.ExitError, not "Rules" */
    return failed;
}

LAMBDA_PLUGIN("streamprobe", "1.0", 0, NULL, NULL);
