/* handler_name.c -- see handler_name.h. */
#include "config.h"
#include "handler_name.h"

#include <stdio.h>
#include <string.h>

#define EXPECTED                                                  \
    "expected module.function, e.g. lambda_function.handler for " \
    "$LAMBDA_TASK_ROOT/lambda_function.so and its function handler"

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int handler_name_parse(const char *text, handler_name *out, char *err, size_t errlen)
{
    if (!text || !*text) {
        snprintf(err, errlen,
                 "no handler given: pass it as the first argument (the image's CMD), "
                 "set _HANDLER, or set handler in [runtime]; " EXPECTED);
        return -1;
    }
    if (strchr(text, '/')) {
        snprintf(err, errlen,
                 "bad handler name '%s': it contains '/', but plugins are only loaded "
                 "from $LAMBDA_TASK_ROOT by name; " EXPECTED,
                 text);
        return -1;
    }
    const char *dot = strchr(text, '.');
    if (!dot) {
        snprintf(err, errlen,
                 "bad handler name '%s': no '.' between module and function; " EXPECTED, text);
        return -1;
    }
    if (strchr(dot + 1, '.')) {
        snprintf(err, errlen, "bad handler name '%s': more than one '.'; " EXPECTED, text);
        return -1;
    }
    size_t mlen = (size_t)(dot - text), flen = strlen(dot + 1);
    if (mlen == 0 || flen == 0) {
        snprintf(err, errlen, "bad handler name '%s': the %s part is empty; " EXPECTED, text,
                 mlen == 0 ? "module" : "function");
        return -1;
    }
    if (mlen > HANDLER_PART_MAX || flen > HANDLER_PART_MAX) {
        snprintf(err, errlen,
                 "bad handler name '%.40s...': the %s part is longer than %d characters", text,
                 mlen > HANDLER_PART_MAX ? "module" : "function", HANDLER_PART_MAX);
        return -1;
    }
    for (size_t i = 0; i < mlen; i++) {
        char c = text[i];
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '-') {
            snprintf(err, errlen,
                     "bad handler name '%s': the module name may only contain letters, "
                     "digits, '_' and '-' (found '%c' at position %zu); " EXPECTED,
                     text, (c > ' ' && c < 0x7f) ? c : '?', i + 1);
            return -1;
        }
    }
    const char *fn = dot + 1;
    for (size_t i = 0; i < flen; i++) {
        char c = fn[i];
        if (!is_alpha(c) && c != '_' && !(i > 0 && is_digit(c))) {
            snprintf(err, errlen,
                     "bad handler name '%s': the function must be a C identifier "
                     "(letters, digits and '_', not starting with a digit; found '%c'); " EXPECTED,
                     text, (c > ' ' && c < 0x7f) ? c : '?');
            return -1;
        }
    }
    memcpy(out->module, text, mlen);
    out->module[mlen] = '\0';
    memcpy(out->function, fn, flen + 1);
    return 0;
}
