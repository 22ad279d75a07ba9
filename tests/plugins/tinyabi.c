/* tinyabi.c -- test plugin: a descriptor that claims ABI 1 but is smaller
 * than every ABI 1 descriptor (it has no name, version or flags). */
#include <lambda/lambda.h>

int handler(lambda_invocation *inv);
int handler(lambda_invocation *inv)
{
    return lambda_respond(inv, "{}", 2, NULL);
}

struct tiny_descriptor {
    uint32_t abi_version, size;
};
LAMBDA_EXPORT extern const struct tiny_descriptor lambda_plugin_descriptor;
LAMBDA_EXPORT const struct tiny_descriptor lambda_plugin_descriptor = {
    1, (uint32_t)sizeof(struct tiny_descriptor)};
