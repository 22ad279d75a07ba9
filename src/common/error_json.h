/* error_json.h -- the error body every Lambda runtime and the service use:
 * {"errorMessage": "...", "errorType": "...", "stackTrace": [...]}. */
#ifndef LR_ERROR_JSON_H
#define LR_ERROR_JSON_H

#include <stddef.h>

/* Returns a malloc'd NUL-terminated JSON document (length in *len if len is
 * not NULL), or NULL when out of memory.  stack may be NULL (empty array) or a
 * NULL-terminated list of frames. */
char *error_json(const char *type, const char *message, const char *const *stack, size_t *len);

#endif
