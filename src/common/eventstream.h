/*
 * eventstream.h -- AWS event-stream framing (application/vnd.amazon.eventstream),
 * the body of InvokeWithResponseStream:
 *
 *   total length (4, BE) | headers length (4, BE) | CRC32 of those 8 bytes
 *   headers: name length (1) | name | type 7 = string (1) | value length (2, BE) | value
 *   payload | CRC32 of everything before it
 */
#ifndef LR_EVENTSTREAM_H
#define LR_EVENTSTREAM_H

#include <stddef.h>

#include "buf.h"

/* Append one message with headers :event-type = event_type,
 * :content-type = content_type and :message-type = event.
 * Returns 0, or -1 when out of memory. */
int lr_eventstream_event(lr_buf *out, const char *event_type, const char *content_type,
                         const void *payload, size_t len);

/* Decode the message at the start of data (for tests): returns its total
 * length and sets *payload, *payload_len and the :event-type value into data,
 * or 0 if data holds no complete message, or -1 if the framing or a CRC is
 * wrong. */
long lr_eventstream_decode(const void *data, size_t len, const char **event_type,
                           size_t *event_type_len, const void **payload, size_t *payload_len);

#endif
