/*
 * fuzz-handler-name.c -- the handler setting `module.function`
 * (src/bootstrap/handler_name.c).  Whatever the text, the parser either
 * refuses it with a message or returns two parts that are safe to turn into
 * "$LAMBDA_TASK_ROOT/MODULE.so" and a symbol name, and that join back into
 * the text.
 */
#include "fuzz.h"
#include "handler_name.h"

#include <string.h>

static int module_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static int ident_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    handler_name h;
    char err[512];
    err[0] = '\0';
    memset(&h, 0x5a, sizeof h); /* no stale NUL helps the checks below */
    int rc = handler_name_parse(text, &h, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc < 0) {
        FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
    } else {
        size_t ml = strnlen(h.module, sizeof h.module), fl = strnlen(h.function, sizeof h.function);
        FUZZ_CHECK(ml >= 1 && ml <= HANDLER_PART_MAX);
        FUZZ_CHECK(fl >= 1 && fl <= HANDLER_PART_MAX);
        for (size_t i = 0; i < ml; i++)
            FUZZ_CHECK(module_char(h.module[i]));
        for (size_t i = 0; i < fl; i++)
            FUZZ_CHECK(ident_char(h.function[i], i == 0));
        /* module "." function is exactly the text: nothing dropped or added */
        FUZZ_CHECK(strlen(text) == ml + 1 + fl);
        FUZZ_CHECK(memcmp(text, h.module, ml) == 0 && text[ml] == '.');
        FUZZ_CHECK(strcmp(text + ml + 1, h.function) == 0);
    }
    free(text);
    return 0;
}
