/* rapi.c -- see rapi.h. */
#include "config.h"
#include "rapi.h"
#include "host.h"
#include "shutdown.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define API_VERSION "/2018-06-01"
#define NEXT_PATH "/runtime/invocation/next"

struct rapi {
    CURL *curl;
    char *base;      /* http://API/2018-06-01 */
    char *url;       /* scratch: base + path */
    CURLU *next_url; /* base + /runtime/invocation/next, parsed once */
    size_t url_cap;
    long retries;
    double retry_delay;
    double post_timeout;
    char curl_err[CURL_ERROR_SIZE];
    char fail_text[CURL_ERROR_SIZE + 64]; /* failure_text()'s */
    /* the transfer in progress */
    lambda_invocation *inv; /* GET /next: headers and body go here */
    char header_err[256];
    char *snippet; /* POST: the start of the answer's body */
    size_t snippet_len, snippet_cap;
};

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    rapi *r = ud;
    size_t len = size * n;
    if (!r->inv)
        return len;
    if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* a new response (e.g. after "100 Continue"): start over */
        lr_invocation_reset(r->inv);
        return len;
    }
    if (len > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
        unsigned long long cl = strtoull(line + 15, NULL, 10);
        if (cl > 0 && cl < ((size_t)1 << 31))
            lr_invocation_reserve(r->inv, (size_t)cl);
        return len;
    }
    char err[256];
    if (lr_invocation_header(r->inv, line, len, err, sizeof err) < 0 && !r->header_err[0])
        snprintf(r->header_err, sizeof r->header_err, "%s", err);
    return len;
}

/* While waiting for /next, a shutdown request abandons the long poll (the
 * signal interrupts curl's poll, curl then calls this). */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    rapi *r = ud;
    return r->inv && shutdown_requested(NULL);
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    rapi *r = ud;
    size_t len = size * n;
    if (r->inv)
        return lr_invocation_append(r->inv, data, len) == LAMBDA_OK ? len : 0;
    size_t room = r->snippet_cap - r->snippet_len;
    size_t take = len < room ? len : room;
    memcpy(r->snippet + r->snippet_len, data, take);
    r->snippet_len += take;
    return len;
}

rapi *rapi_new(const settings *s, char *err, size_t errlen)
{
    const char *api = s->runtime_api;
    if (!api || !*api) {
        snprintf(err, errlen,
                 "AWS_LAMBDA_RUNTIME_API is not set: bootstrap must run inside "
                 "AWS Lambda or under lambda-emulator (or set runtime_api in [runtime])");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
        snprintf(err, errlen, "cannot initialise libcurl");
        return NULL;
    }
    rapi *r = calloc(1, sizeof *r);
    if (!r || asprintf(&r->base, "http://%s" API_VERSION, api) < 0) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->retries = s->api_retries > 0 ? s->api_retries : 1;
    r->retry_delay = s->api_retry_delay;
    r->post_timeout = s->post_timeout;
    r->snippet_cap = 256;
    r->snippet = malloc(r->snippet_cap + 1);
    r->curl = curl_easy_init();
    if (!r->curl || !r->snippet) {
        snprintf(err, errlen, "cannot create a libcurl handle");
        rapi_free(r);
        return NULL;
    }
    CURL *c = r->curl;
    curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never through a proxy */
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 0L); /* /next is a long poll */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, r);
    return r;
}

void rapi_free(rapi *r)
{
    if (!r)
        return;
    if (r->curl)
        curl_easy_cleanup(r->curl);
    curl_url_cleanup(r->next_url);
    free(r->base);
    free(r->url);
    free(r->snippet);
    free(r);
    curl_global_cleanup();
}

const char *rapi_base_url(const rapi *r)
{
    return r->base;
}

double rapi_post_timeout(const rapi *r)
{
    return r->post_timeout;
}

void rapi_timeout_detail(double seconds, const char *what, const char *curl_err, char *buf,
                         size_t n)
{
    snprintf(buf, n,
             "timed out after %g s %s (post_timeout in [runtime] or "
             "LAMBDA_RUNTIME_POST_TIMEOUT)%s%s",
             seconds, what, curl_err && *curl_err ? ": " : "", curl_err ? curl_err : "");
}

static const char *url_for(rapi *r, const char *path)
{
    size_t need = strlen(r->base) + strlen(path) + 1;
    if (need > r->url_cap) {
        char *u = realloc(r->url, need);
        if (!u)
            return NULL;
        r->url = u;
        r->url_cap = need;
    }
    snprintf(r->url, r->url_cap, "%s%s", r->base, path);
    return r->url;
}

/* Errors after which nothing reached the server: safe to try again.  A
 * timeout counts only if not a byte of the request was sent (the connect
 * timed out); after that, the Runtime API may have taken the post. */
static int not_connected(rapi *r, CURLcode rc)
{
    long sent = 0;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return curl_easy_getinfo(r->curl, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent == 0;
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
}

/* libcurl's text and, for a connection that could not be made, the
 * system's error (connect()'s "Connection refused" or "Cannot assign
 * requested address", which libcurl's text does not tell apart).  Only
 * then: libcurl keeps the last system error across transfers. */
void rapi_failure_text(CURL *curl, CURLcode rc, const char *curl_err, char *buf, size_t n)
{
    const char *text = curl_err[0] ? curl_err : curl_easy_strerror(rc);
    long os_errno = 0;
    if (rc != CURLE_COULDNT_CONNECT ||
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK || os_errno == 0)
        snprintf(buf, n, "%s", text);
    else
        snprintf(buf, n, "%s (%s)", text, strerror((int)os_errno));
}

static const char *failure_text(rapi *r, CURLcode rc)
{
    rapi_failure_text(r->curl, rc, r->curl_err, r->fail_text, sizeof r->fail_text);
    return r->fail_text;
}

/* Perform the prepared transfer, retrying while retry_ok(rc) up to the
 * retry budget.  Returns the last curl code. */
static CURLcode perform(rapi *r, int (*retry_ok)(rapi *, CURLcode), int *attempts)
{
    double delay = r->retry_delay;
    CURLcode rc;
    for (*attempts = 1;; (*attempts)++) {
        r->curl_err[0] = '\0';
        r->header_err[0] = '\0';
        r->snippet_len = 0;
        if (r->inv)
            lr_invocation_reset(r->inv);
        rc = curl_easy_perform(r->curl);
        if (rc == CURLE_OK || !retry_ok(r, rc) || *attempts >= r->retries)
            return rc;
        if (r->inv && shutdown_requested(NULL))
            return CURLE_ABORTED_BY_CALLBACK;
        lr_log(NULL, LAMBDA_LOG_WARN,
               "Runtime API %s not reachable (%s); attempt %d of %ld, retrying in %.0f ms", r->base,
               failure_text(r, rc), *attempts, r->retries, delay * 1000);
        shutdown_pause_ms((long)(delay * 1000));
        delay *= 2;
    }
}

/* For /next every transport failure is worth another try: the GET is
 * idempotent, and a service that restarts drops the long poll. */
static int any_transport_error(rapi *r, CURLcode rc)
{
    (void)r;
    return rc != CURLE_OK && rc != CURLE_WRITE_ERROR && rc != CURLE_OUT_OF_MEMORY &&
           rc != CURLE_ABORTED_BY_CALLBACK;
}

int rapi_next(rapi *r, lambda_invocation *inv, char *err, size_t errlen)
{
    const char *url = url_for(r, NEXT_PATH);
    if (!url) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* /next's URL never changes: hand libcurl the parsed form, so that it
     * is not parsed again for every poll (bench/profile-invoke). */
    if (!r->next_url && (r->next_url = curl_url()) &&
        curl_url_set(r->next_url, CURLUPART_URL, url, 0) != CURLUE_OK) {
        curl_url_cleanup(r->next_url);
        r->next_url = NULL;
    }
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    curl_easy_setopt(r->curl, CURLOPT_CURLU, r->next_url);
    curl_easy_setopt(r->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, 0L); /* a long poll */
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
    r->inv = inv;
    int attempts;
    CURLcode rc = perform(r, any_transport_error, &attempts);
    r->inv = NULL;
    if (rc == CURLE_ABORTED_BY_CALLBACK && shutdown_requested(NULL))
        return 1;
    if (rc != CURLE_OK) {
        snprintf(err, errlen,
                 "%s: GET %s failed after %d attempt%s: %s. The Runtime API went away; "
                 "exiting (check AWS_LAMBDA_RUNTIME_API and that the service or "
                 "lambda-emulator is running)",
                 rc == CURLE_WRITE_ERROR ? "out of memory storing the event"
                                         : "Runtime API unreachable",
                 url, attempts, attempts == 1 ? "" : "s", failure_text(r, rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        snprintf(err, errlen, "GET %s answered HTTP %ld (%s); exiting", url, status,
                 status >= 500 ? "container error, non-recoverable" : "unexpected status");
        return -1;
    }
    if (r->header_err[0])
        lr_log(inv->request_id, LAMBDA_LOG_WARN, "ignoring a malformed Runtime API header: %s",
               r->header_err);
    return 0;
}

char *rapi_header_line(const char *name, const char *value)
{
    char *line;
    if (asprintf(&line, "%s: %s", name, value) < 0)
        return NULL;
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = ' ';
    return line;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value,
                                     int *ok)
{
    if (!*ok || !value)
        return list;
    char *line = rapi_header_line(name, value);
    struct curl_slist *l = line ? curl_slist_append(list, line) : NULL;
    free(line);
    if (!l) {
        *ok = 0;
        return list;
    }
    return l;
}

void rapi_post(rapi *r, const char *path, const void *body, size_t len, const char *content_type,
               const char *error_type, const char *invocation_id, rapi_result *res)
{
    res->status = 0;
    res->detail[0] = '\0';
    int ok = 1;
    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
    if (!hdrs)
        ok = 0;
    hdrs = add_header(hdrs, "Content-Type", content_type, &ok);
    hdrs = add_header(hdrs, "Lambda-Runtime-Function-Error-Type", error_type, &ok);
    hdrs = add_header(hdrs, "Lambda-Runtime-Invocation-Id", invocation_id, &ok);
    const char *url = ok ? url_for(r, path) : NULL;
    if (!url) {
        curl_slist_free_all(hdrs);
        snprintf(res->detail, sizeof res->detail, "out of memory preparing POST %s", path);
        return;
    }
    curl_easy_setopt(r->curl, CURLOPT_CURLU, NULL);
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, (long)(r->post_timeout * 1000));
    int attempts;
    CURLcode rc = perform(r, not_connected, &attempts);
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(hdrs);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        rapi_timeout_detail(r->post_timeout, "waiting for the answer", r->curl_err, res->detail,
                            sizeof res->detail);
    else if (rc != CURLE_OK)
        snprintf(res->detail, sizeof res->detail, "%s", failure_text(r, rc));
    if (rc != CURLE_OK)
        return;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &res->status);
    r->snippet[r->snippet_len] = '\0';
    for (size_t i = 0; i < r->snippet_len; i++)
        if ((unsigned char)r->snippet[i] < ' ')
            r->snippet[i] = ' ';
    snprintf(res->detail, sizeof res->detail, "%s", r->snippet);
}
