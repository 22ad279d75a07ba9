/*
 * handler_name.h -- parsing the handler setting `module.function` (README,
 * "Handler name") into the plugin file's base name and the symbol.  Anything
 * that is not two plain names joined by one dot is refused before a file is
 * opened.
 */
#ifndef BOOTSTRAP_HANDLER_NAME_H
#define BOOTSTRAP_HANDLER_NAME_H

#include <stddef.h>

#define HANDLER_PART_MAX 128

typedef struct handler_name {
    char module[HANDLER_PART_MAX + 1];   /* [A-Za-z0-9_-]+ */
    char function[HANDLER_PART_MAX + 1]; /* a C identifier */
} handler_name;

/* Returns 0, or -1 with a message saying what is wrong and the expected form. */
int handler_name_parse(const char *text, handler_name *out, char *err, size_t errlen);

#endif
