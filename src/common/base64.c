/* base64.c -- see base64.h.  A table-driven RFC 4648 codec: the emulator
 * encodes log tails and decodes client contexts (a few KB), which did not
 * justify linking libcrypto (4.5 MB mapped in every process that linked
 * src/common) for EVP_EncodeBlock. */
#include "base64.h"

#include <stdint.h>
#include <stdlib.h>

static const char alphabet[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *lr_base64_encode(const void *data, size_t len, size_t *outlen)
{
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    const unsigned char *in = data;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (; len >= 3; in += 3, len -= 3) {
        uint32_t v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    if (len) {
        uint32_t v = (uint32_t)in[0] << 16 | (len == 2 ? (uint32_t)in[1] << 8 : 0);
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = len == 2 ? alphabet[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    if (outlen)
        *outlen = (size_t)(o - out);
    return out;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The 6-bit value of c, or -1 if c is not in the alphabet. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

void *lr_base64_decode(const char *text, size_t len, size_t *outlen)
{
    while (len && is_space(*text))
        text++, len--;
    while (len && is_space(text[len - 1]))
        len--;
    if (len % 4 != 0 || len > (size_t)1 << 30)
        return NULL;
    /* Padding: at most two '=', only at the very end. */
    size_t pad = len && text[len - 1] == '=' ? (len > 1 && text[len - 2] == '=' ? 2 : 1) : 0;
    unsigned char *out = malloc(len / 4 * 3 + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            int s = i + k >= len - pad ? 0 : sextet((unsigned char)text[i + k]);
            if (s < 0) {
                free(out);
                return NULL;
            }
            v = v << 6 | (uint32_t)s;
        }
        out[n++] = (unsigned char)(v >> 16);
        out[n++] = (unsigned char)(v >> 8);
        out[n++] = (unsigned char)v;
    }
    n -= pad;
    out[n] = '\0';
    if (outlen)
        *outlen = n;
    return out;
}
