/* initsilent.c -- test plugin: the init hook fails without saying why. */
#include <lambda/lambda.h>

int handler(lambda_invocation *inv);
int handler(lambda_invocation *inv)
{
    return lambda_respond(inv, "{}", 2, NULL);
}

static int init(lambda_init *ctx)
{
    return 3;
}

LAMBDA_PLUGIN("initsilent", "1.0", 0, init, NULL);
