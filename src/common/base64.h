/* base64.h -- standard base64 (RFC 4648, with padding). */
#ifndef LR_BASE64_H
#define LR_BASE64_H

#include <stddef.h>

/* Returns a malloc'd NUL-terminated encoding (length in *outlen if not
 * NULL), or NULL when out of memory. */
char *lr_base64_encode(const void *data, size_t len, size_t *outlen);

/* Decodes len characters (surrounding whitespace allowed).  Returns a
 * malloc'd NUL-terminated buffer with the bytes (count in *outlen), or NULL
 * if the text is not valid base64 or memory ran out. */
void *lr_base64_decode(const char *text, size_t len, size_t *outlen);

#endif
