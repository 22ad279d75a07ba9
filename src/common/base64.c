/* base64.c -- see base64.h. */
#include "base64.h"

#include <openssl/evp.h>
#include <stdlib.h>

char *lr_base64_encode(const void *data, size_t len, size_t *outlen)
{
    size_t n = 4 * ((len + 2) / 3);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t done = 0;
    const unsigned char *in = data;
    /* EVP_EncodeBlock takes an int length: feed it in whole 3-byte groups. */
    while (len > 0) {
        size_t part = len > 1536 * 1024 ? 1536 * 1024 : len;
        done += (size_t)EVP_EncodeBlock((unsigned char *)out + done, in, (int)part);
        in += part;
        len -= part;
    }
    out[done] = '\0';
    if (outlen)
        *outlen = done;
    return out;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void *lr_base64_decode(const char *text, size_t len, size_t *outlen)
{
    while (len && is_space(*text))
        text++, len--;
    while (len && is_space(text[len - 1]))
        len--;
    if (len % 4 != 0 || len > (size_t)1 << 30)
        return NULL;
    unsigned char *out = malloc(len / 4 * 3 + 1);
    if (!out)
        return NULL;
    int n = len ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)len) : 0;
    if (n < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    if (len && text[len - 1] == '=')
        n--;
    if (len > 1 && text[len - 2] == '=')
        n--;
    out[n] = '\0';
    if (outlen)
        *outlen = (size_t)n;
    return out;
}
