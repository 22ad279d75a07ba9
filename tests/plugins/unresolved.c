/* unresolved.c -- test plugin: needs a symbol nothing defines, so dlopen
 * (RTLD_NOW) refuses it. */
#include <lambda/lambda.h>

int handler(lambda_invocation *inv);
void lr_test_symbol_nobody_defines(void);

int handler(lambda_invocation *inv)
{
    lr_test_symbol_nobody_defines();
    return lambda_respond(inv, "{}", 2, NULL);
}

LAMBDA_PLUGIN("unresolved", "1.0", 0, NULL, NULL);
