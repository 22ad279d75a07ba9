/* initcrash.c -- test plugin: the init hook crashes (SIGSEGV), every time. */
#include <lambda/lambda.h>

#include <signal.h>

int handler(lambda_invocation *inv);
int handler(lambda_invocation *inv)
{
    return lambda_respond(inv, "{}", 2, NULL);
}

static int init(lambda_init *ctx)
{
    raise(SIGSEGV);
    return LAMBDA_OK;
}

LAMBDA_PLUGIN("initcrash", "1.0", 0, init, NULL);
