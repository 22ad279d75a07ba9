/* newabi.c -- test plugin: an ABI 1 descriptor from a newer, larger header
 * (a field after `shutdown` this runtime does not know).  The loader must
 * accept it, use the fields it knows (the init hook runs) and ignore the
 * rest. */
#include <stdio.h>
#include <lambda/lambda.h>

static int inits;

static int init(lambda_init *ctx)
{
    (void)ctx;
    inits++;
    return LAMBDA_OK;
}

int handler(lambda_invocation *inv);
int handler(lambda_invocation *inv)
{
    char body[32];
    int n = snprintf(body, sizeof body, "{\"inits\":%d}", inits);
    return lambda_respond(inv, body, (size_t)n, NULL);
}

struct new_descriptor {
    lambda_plugin known;
    const char *future_field;
};
LAMBDA_EXPORT extern const struct new_descriptor lambda_plugin_descriptor;
LAMBDA_EXPORT const struct new_descriptor lambda_plugin_descriptor = {
    {LAMBDA_ABI_VERSION, (uint32_t)sizeof(struct new_descriptor), "newabi", "2.0", 0, init, NULL},
    "a field from a later header"};
