/* test-base64.c -- the RFC 4648 codec: the RFC's test vectors, all byte
 * values round-trip, and malformed text is refused. */
#include "config.h"
#include "base64.h"

#include <check.h>

#include "check-run.h"
#include <stdlib.h>
#include <string.h>

/* RFC 4648, section 10. */
static const char *const vectors[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

START_TEST(rfc4648_vectors)
{
    const char *plain = vectors[_i][0], *coded = vectors[_i][1];
    size_t n = 99;
    char *e = lr_base64_encode(plain, strlen(plain), &n);
    ck_assert_str_eq(e, coded);
    ck_assert_uint_eq(n, strlen(coded));
    char *d = lr_base64_decode(coded, strlen(coded), &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(n, strlen(plain));
    ck_assert_mem_eq(d, plain, n);
    ck_assert_int_eq(d[n], '\0');
    free(e);
    free(d);
}
END_TEST

START_TEST(every_byte_round_trips)
{
    unsigned char bytes[256 + 2];
    for (int i = 0; i < 258; i++)
        bytes[i] = (unsigned char)(255 - i % 256);
    for (size_t len = 256; len <= 258; len++) {
        size_t elen, dlen;
        char *e = lr_base64_encode(bytes, len, &elen);
        ck_assert_uint_eq(elen, 4 * ((len + 2) / 3));
        ck_assert_uint_eq(
            strspn(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="), elen);
        unsigned char *d = lr_base64_decode(e, elen, &dlen);
        ck_assert_uint_eq(dlen, len);
        ck_assert_mem_eq(d, bytes, len);
        free(e);
        free(d);
    }
}
END_TEST

START_TEST(whitespace_around_is_allowed)
{
    size_t n;
    char *d = lr_base64_decode(" \r\nZm9vYmE=\n", 12, &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d, "fooba");
    free(d);
}
END_TEST

static const char *const malformed[] = {
    "Zm9", "Zm9v!A==", "Zg=a", "Z===", "=Zm9", "Zm 9v", "Zm9v\x80Zg==", "Zg==Zm9v",
};

START_TEST(malformed_is_refused)
{
    size_t n = 7;
    ck_assert_ptr_null(lr_base64_decode(malformed[_i], strlen(malformed[_i]), &n));
    ck_assert_uint_eq(n, 7);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base64");
    TCase *tc = tcase_create("codec");
    tcase_add_loop_test(tc, rfc4648_vectors, 0, sizeof vectors / sizeof vectors[0]);
    tcase_add_test(tc, every_byte_round_trips);
    tcase_add_test(tc, whitespace_around_is_allowed);
    tcase_add_loop_test(tc, malformed_is_refused, 0, sizeof malformed / sizeof malformed[0]);
    suite_add_tcase(s, tc);
    return check_run(s);
}
