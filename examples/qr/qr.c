/*
 * qr.c -- an example function with a native dependency: a QR code as a PNG
 * image, drawn with libqrencode and written with libpng (both installed
 * with apt-get in this directory's Dockerfile).
 *
 *   GET /qr?text=hello     (API Gateway payload 2.0 / function URL event)
 *   -> 200 image/png; the Lambda result carries the PNG in base64 with
 *      "isBase64Encoded": true, which API Gateway (or lambda-emulator's
 *      HTTP front) turns back into raw bytes for the client.
 *
 * Handler: qr.handler
 */
#include <lambda/lambda.h>

#include <png.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

int handler(lambda_invocation *inv);

#define SCALE 8  /* pixels per module */
#define MARGIN 4 /* quiet zone, in modules */
#define MAX_TEXT 1024

typedef struct out {
    unsigned char *data;
    size_t len, cap;
    int failed;
} out;

static void write_bytes(png_structp png, png_bytep p, png_size_t n)
{
    out *o = png_get_io_ptr(png);
    if (o->len + n > o->cap) {
        size_t cap = (o->cap ? o->cap * 2 : 4096) + n;
        unsigned char *d = realloc(o->data, cap);
        if (!d) {
            o->failed = 1;
            return;
        }
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
}

static void flush_bytes(png_structp png)
{
    (void)png;
}

/* The QR code as an 8-bit grayscale PNG in o; 0 or -1. */
static int render(const QRcode *qr, out *o)
{
    int size = (qr->width + 2 * MARGIN) * SCALE;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *row = malloc((size_t)size);
    if (!png || !info || !row || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return -1;
    }
    png_set_write_fn(png, o, write_bytes, flush_bytes);
    png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < size; y++) {
        int my = y / SCALE - MARGIN;
        for (int x = 0; x < size; x++) {
            int mx = x / SCALE - MARGIN;
            int dark = mx >= 0 && my >= 0 && mx < qr->width && my < qr->width &&
                       (qr->data[my * qr->width + mx] & 1);
            row[x] = dark ? 0 : 255;
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return o->failed ? -1 : 0;
}

static char *base64(const unsigned char *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = malloc((n + 2) / 3 * 4 + 1), *o = s;
    for (size_t i = 0; s && i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = tbl[v >> 18 & 63];
        *o++ = tbl[v >> 12 & 63];
        *o++ = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tbl[v & 63] : '=';
    }
    if (s)
        *o = '\0';
    return s;
}

static const char *text_of(json_object *event)
{
    json_object *q, *t;
    if (event && json_object_object_get_ex(event, "queryStringParameters", &q) &&
        json_object_object_get_ex(q, "text", &t) && json_object_get_string_len(t) > 0)
        return json_object_get_string(t);
    return "https://aws.amazon.com/lambda/";
}

int handler(lambda_invocation *inv)
{
    const char *text = text_of(lambda_event_json(inv));
    if (strlen(text) > MAX_TEXT)
        return lambda_fail(inv, "QR.TextTooLong", "text is %zu bytes; at most %d", strlen(text),
                           MAX_TEXT);
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return lambda_fail(inv, "QR.EncodeFailed", "libqrencode could not encode the text");
    out o = {0};
    int rc = render(qr, &o);
    QRcode_free(qr);
    char *b64 = rc == 0 ? base64(o.data, o.len) : NULL;
    free(o.data);
    if (!b64)
        return lambda_fail(inv, "QR.RenderFailed", "cannot write the PNG (out of memory?)");
    json_object *r = json_object_new_object(), *h = json_object_new_object();
    json_object_object_add(h, "Content-Type", json_object_new_string("image/png"));
    json_object_object_add(r, "statusCode", json_object_new_int(200));
    json_object_object_add(r, "headers", h);
    json_object_object_add(r, "body", json_object_new_string(b64));
    json_object_object_add(r, "isBase64Encoded", json_object_new_boolean(1));
    free(b64);
    return lambda_respond_json(inv, r);
}

LAMBDA_PLUGIN("qr", "1.0", LAMBDA_PLUGIN_THREAD_SAFE, NULL, NULL);
