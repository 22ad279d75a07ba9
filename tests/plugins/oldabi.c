/* oldabi.c -- test plugin: an ABI 1 descriptor from an older, smaller
 * header, one that ended at `flags` (no init or shutdown hook).  The loader
 * must accept it and read the missing hooks as absent. */
#include <lambda/lambda.h>

int handler(lambda_invocation *inv);
int handler(lambda_invocation *inv)
{
    return lambda_respond(inv, "{\"abi\":\"old\"}", 13, NULL);
}

struct old_descriptor {
    uint32_t abi_version, size;
    const char *name, *version;
    uint32_t flags;
};
LAMBDA_EXPORT extern const struct old_descriptor lambda_plugin_descriptor;
LAMBDA_EXPORT const struct old_descriptor lambda_plugin_descriptor = {
    1, (uint32_t)sizeof(struct old_descriptor), "oldabi", "1.0", 0};
