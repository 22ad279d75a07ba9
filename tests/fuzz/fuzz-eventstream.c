/*
 * fuzz-eventstream.c -- the event-stream encoder (src/common/eventstream.c)
 * that frames InvokeWithResponseStream bodies.  The input is cut into an
 * event type, a content type and a payload; each message the encoder
 * produces is checked here independently (lengths, the prelude CRC, the
 * message CRC, the headers) and by the decoder, which must give back the
 * same event type and payload.  The raw input is also fed to the decoder,
 * which must never read outside it.
 */
#include "eventstream.h"
#include "fuzz.h"

#include <string.h>
#include <zlib.h>

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Our own reading of the framing (see eventstream.h); returns the header
 * bytes' end, checking every length and both CRCs. */
static const unsigned char *check_frame(const unsigned char *m, size_t len)
{
    FUZZ_CHECK(len >= 16);
    uint32_t total = get32(m), hlen = get32(m + 4);
    FUZZ_CHECK(total == len);
    FUZZ_CHECK(hlen <= total - 16);
    FUZZ_CHECK(get32(m + 8) == (uint32_t)crc32(0, m, 8));
    FUZZ_CHECK(get32(m + total - 4) == (uint32_t)crc32(0, m, total - 4));
    const unsigned char *h = m + 12, *end = m + 12 + hlen;
    int headers = 0;
    while (h < end) {
        size_t nl = h[0];
        FUZZ_CHECK(nl > 0 && h + 1 + nl + 3 <= end && h[1 + nl] == 7);
        size_t vl = (size_t)h[2 + nl] << 8 | h[3 + nl];
        FUZZ_CHECK(h + 4 + nl + vl <= end);
        h += 4 + nl + vl;
        headers++;
    }
    FUZZ_CHECK(headers == 3);
    return end;
}

static void roundtrip(const char *type, const char *ctype, const uint8_t *payload, size_t plen)
{
    lr_buf out = {0};
    if (lr_eventstream_event(&out, type, ctype, payload, plen) < 0) {
        /* refused: only for over-long header values, and nothing appended */
        FUZZ_CHECK(strlen(type) > 128 || strlen(ctype) > 200);
        FUZZ_CHECK(out.len == 0);
        lr_buf_free(&out);
        return;
    }
    /* two messages back to back, as a stream carries them */
    FUZZ_CHECK(lr_eventstream_event(&out, type, ctype, payload, plen) == 0);
    size_t one = out.len / 2;
    const unsigned char *m = (const unsigned char *)out.data;
    for (int i = 0; i < 2; i++, m += one) {
        const unsigned char *body = check_frame(m, one);
        FUZZ_CHECK((size_t)(m + one - 4 - body) == plen);
        FUZZ_CHECK(plen == 0 || memcmp(body, payload, plen) == 0);
        const char *et;
        const void *pl;
        size_t etl, pll;
        FUZZ_CHECK(lr_eventstream_decode(m, out.len - (size_t)i * one, &et, &etl, &pl, &pll) ==
                   (long)one);
        FUZZ_CHECK(et && etl == strlen(type) && memcmp(et, type, etl) == 0);
        FUZZ_CHECK(pll == plen && (plen == 0 || memcmp(pl, payload, plen) == 0));
        /* a message cut short is "incomplete", never a message */
        FUZZ_CHECK(lr_eventstream_decode(m, one - 1, &et, &etl, &pl, &pll) <= 0);
    }
    lr_buf_free(&out);
}

/* The decoder on arbitrary bytes: a result fits inside the input. */
static void decode_raw(const uint8_t *data, size_t size)
{
    const char *et = NULL;
    const void *pl = NULL;
    size_t etl = 0, pll = 0;
    long n = lr_eventstream_decode(data, size, &et, &etl, &pl, &pll);
    FUZZ_CHECK(n >= -1 && n <= (long)size);
    if (n > 0) {
        const uint8_t *end = data + n;
        FUZZ_CHECK((const uint8_t *)pl >= data && (const uint8_t *)pl + pll <= end);
        FUZZ_CHECK(!et || ((const uint8_t *)et >= data && (const uint8_t *)et + etl <= end));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_raw(data, size);
    /* byte 0: event type length, byte 1: content type length, then the two
     * strings (cut at any NUL, as C strings are), then the payload */
    if (size < 2)
        return 0;
    size_t tl = data[0], cl = data[1] + (size_t)(data[0] & 0x80 ? 64 : 0);
    data += 2, size -= 2;
    tl = tl < size ? tl : size;
    char *type = fuzz_string(data, tl);
    data += tl, size -= tl;
    cl = cl < size ? cl : size;
    char *ctype = fuzz_string(data, cl);
    data += cl, size -= cl;
    roundtrip(type, ctype, data, size);
    free(type);
    free(ctype);
    return 0;
}
