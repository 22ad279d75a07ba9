/* initfail.c -- test plugin: the init hook reports Plugin.ConfigError. */
#include <lambda/lambda.h>

int handler(lambda_invocation *inv);
int handler(lambda_invocation *inv)
{
    return lambda_respond(inv, "{}", 2, NULL);
}

static int init(lambda_init *ctx)
{
    return lambda_init_fail(ctx, "Plugin.ConfigError",
                            "setting %s is missing; set it in the function's environment",
                            "GREETING");
}

LAMBDA_PLUGIN("initfail", "1.0", 0, init, NULL);
