/* buf.h -- a growable byte buffer (always NUL-terminated after len). */
#ifndef LR_BUF_H
#define LR_BUF_H

#include <stddef.h>

typedef struct lr_buf {
    char *data;
    size_t len, cap;
} lr_buf;

/* Append n bytes; returns 0, or -1 when out of memory (buffer unchanged). */
int lr_buf_append(lr_buf *b, const void *p, size_t n);
/* Append a formatted string; returns 0 or -1. */
int lr_buf_printf(lr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void lr_buf_consume(lr_buf *b, size_t n);
/* Hand the bytes over to the caller (malloc'd, NUL-terminated, may be NULL
 * when empty); the buffer is left empty. */
char *lr_buf_take(lr_buf *b, size_t *len);
void lr_buf_free(lr_buf *b);

#endif
