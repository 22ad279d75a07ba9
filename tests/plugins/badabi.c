/* badabi.c -- test plugin: a descriptor from a future plugin ABI (999). */
#include <lambda/lambda.h>

int handler(lambda_invocation *inv);
int handler(lambda_invocation *inv)
{
    return lambda_respond(inv, "{}", 2, NULL);
}

LAMBDA_EXPORT extern const lambda_plugin lambda_plugin_descriptor;
LAMBDA_EXPORT const lambda_plugin lambda_plugin_descriptor = {
    999, (uint32_t)sizeof(lambda_plugin), "badabi", "1.0", 0, NULL, NULL};
