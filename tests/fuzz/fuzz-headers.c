/*
 * fuzz-headers.c -- the header lines of a Runtime API /next answer parsed
 * into an invocation (src/lib/headers.c: lr_invocation_header, then
 * lr_invocation_check).  The input is split into lines at '\n' as the
 * Runtime API client hands them over.  Invariants: every stored value is
 * trimmed and holds no line break; a request id that passes the check can
 * be put into a URL path; each line is either taken, ignored or refused with
 * a message; nothing leaks across lines (ASan checks that).
 */
#include "config.h"
#include "fuzz.h"
#include "host.h"

#include <string.h>

static void check_value(const char *v)
{
    if (!v)
        return;
    size_t n = strlen(v);
    if (n > 0) {
        FUZZ_CHECK(v[0] != ' ' && v[0] != '\t' && v[0] != '\r' && v[0] != '\n');
        FUZZ_CHECK(v[n - 1] != ' ' && v[n - 1] != '\t' && v[n - 1] != '\r' && v[n - 1] != '\n');
    }
}

static void check_request_id(const char *id)
{
    FUZZ_CHECK(id && *id);
    FUZZ_CHECK(strcmp(id, ".") != 0 && strcmp(id, "..") != 0);
    for (const char *p = id; *p; p++) {
        unsigned char c = (unsigned char)*p;
        FUZZ_CHECK(c > ' ' && c < 0x7f && !strchr("/?#%\\\"<>", c));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lambda_invocation inv;
    lr_invocation_init(&inv, NULL, NULL, NULL);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        char err[256];
        err[0] = '\0';
        int rc = lr_invocation_header(&inv, p, len, err, sizeof err);
        FUZZ_CHECK(rc == 1 || rc == 0 || rc == -1);
        if (rc < 0)
            FUZZ_CHECK(err[0] != '\0');
        p += len;
    }
    const char *values[] = {lambda_request_id(&inv),
                            lambda_invoked_function_arn(&inv),
                            lambda_trace_id(&inv),
                            lambda_client_context(&inv),
                            lambda_cognito_identity(&inv),
                            lambda_tenant_id(&inv),
                            inv.invocation_id};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        check_value(values[i]);
    FUZZ_CHECK(lambda_deadline_ms(&inv) >= 0);
    char err[512];
    err[0] = '\0';
    if (lr_invocation_check(&inv, err, sizeof err) == 0)
        check_request_id(lambda_request_id(&inv));
    else
        FUZZ_CHECK(err[0] != '\0');
    /* the next invocation starts clean */
    lr_invocation_reset(&inv);
    FUZZ_CHECK(lambda_request_id(&inv) == NULL && lambda_deadline_ms(&inv) == 0);
    lr_invocation_free(&inv);
    return 0;
}
