/* eventstream.c -- see eventstream.h. */
#include "eventstream.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t put_header(unsigned char *p, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    p[0] = (unsigned char)nl;
    memcpy(p + 1, name, nl);
    p[1 + nl] = 7; /* string */
    p[2 + nl] = (unsigned char)(vl >> 8);
    p[3 + nl] = (unsigned char)vl;
    memcpy(p + 4 + nl, value, vl);
    return 4 + nl + vl;
}

int lr_eventstream_event(lr_buf *out, const char *event_type, const char *content_type,
                         const void *payload, size_t len)
{
    unsigned char head[12 + 512];
    if (strlen(event_type) > 128 || strlen(content_type) > 200)
        return -1;
    size_t h = 12;
    h += put_header(head + h, ":event-type", event_type);
    h += put_header(head + h, ":content-type", content_type);
    h += put_header(head + h, ":message-type", "event");
    size_t total = h + len + 4;
    if (total > UINT32_MAX)
        return -1;
    put32(head, (uint32_t)total);
    put32(head + 4, (uint32_t)(h - 12));
    put32(head + 8, (uint32_t)crc32(0, head, 8));
    uLong crc = crc32(0, head, (uInt)h);
    crc = crc32(crc, payload, (uInt)len);
    unsigned char tail[4];
    put32(tail, (uint32_t)crc);
    size_t before = out->len;
    if (lr_buf_append(out, head, h) < 0 || lr_buf_append(out, payload, len) < 0 ||
        lr_buf_append(out, tail, 4) < 0) {
        out->len = before;
        return -1;
    }
    return 0;
}

long lr_eventstream_decode(const void *data, size_t len, const char **event_type,
                           size_t *event_type_len, const void **payload, size_t *payload_len)
{
    const unsigned char *p = data;
    if (len < 16)
        return 0;
    uint32_t total = get32(p), hlen = get32(p + 4);
    if (total < 16 || hlen > total - 16 || get32(p + 8) != (uint32_t)crc32(0, p, 8))
        return -1;
    if (len < total)
        return 0;
    if (get32(p + total - 4) != (uint32_t)crc32(0, p, total - 4))
        return -1;
    *event_type = NULL;
    *event_type_len = 0;
    const unsigned char *h = p + 12, *end = p + 12 + hlen;
    while (h < end) {
        size_t nl = h[0];
        if (h + 1 + nl + 3 > end || h[1 + nl] != 7)
            return -1;
        size_t vl = (size_t)h[2 + nl] << 8 | h[3 + nl];
        if (h + 4 + nl + vl > end)
            return -1;
        if (nl == 11 && memcmp(h + 1, ":event-type", 11) == 0) {
            *event_type = (const char *)h + 4 + nl;
            *event_type_len = vl;
        }
        h += 4 + nl + vl;
    }
    *payload = end;
    *payload_len = total - 16 - hlen;
    return (long)total;
}
