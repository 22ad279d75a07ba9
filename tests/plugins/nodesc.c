/* nodesc.c -- test plugin: a handler but no LAMBDA_PLUGIN() descriptor. */
#include <lambda/lambda.h>

int handler(lambda_invocation *inv);
int handler(lambda_invocation *inv)
{
    return lambda_respond(inv, "{}", 2, NULL);
}
