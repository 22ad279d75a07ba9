/* rstream.c -- see rstream.h. */
#include "config.h"
#include "rstream.h"
#include "base64.h"
#include "clock.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNIPPET_MAX 256
/* How long one wait for the socket may last before the loop looks again. */
#define POLL_MS 1000

struct rstream {
    CURLM *multi;
    CURL *curl;
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];
    /* the bytes of the write in progress (the handler's buffer, not copied) */
    const char *pending;
    size_t left;
    int paused;   /* the read callback paused the upload: all bytes sent */
    int closing;  /* the next empty read ends the body */
    int done;     /* the transfer ended */
    int attached; /* curl is in multi */
    int used;     /* curl has run a transfer: not to be used again */
    CURLcode result;
    char *trailer_type, *trailer_body; /* "Name: value" lines, or NULL */
    unsigned long long bytes;
    double stall_timeout;
    char snippet[SNIPPET_MAX + 1];
    size_t snippet_len;
};

/* libcurl pulls the body: hand over the pending bytes, pause when there are
 * none (the handler has not written more yet), end the body when closing. */
static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
    rstream *s = ud;
    size_t room = size * n;
    if (s->left == 0) {
        if (s->closing)
            return 0;
        s->paused = 1;
        return CURL_READFUNC_PAUSE;
    }
    size_t take = s->left < room ? s->left : room;
    memcpy(buf, s->pending, take);
    s->pending += take;
    s->left -= take;
    return take;
}

static int on_trailers(struct curl_slist **list, void *ud)
{
    rstream *s = ud;
    const char *lines[] = {s->trailer_type, s->trailer_body};
    for (size_t i = 0; i < 2; i++) {
        if (!lines[i])
            continue;
        struct curl_slist *l = curl_slist_append(*list, lines[i]);
        if (!l)
            return CURL_TRAILERFUNC_ABORT;
        *list = l;
    }
    return CURL_TRAILERFUNC_OK;
}

/* The Runtime API's answer: keep its start for messages. */
static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    rstream *s = ud;
    size_t len = size * n, take = SNIPPET_MAX - s->snippet_len;
    if (take > len)
        take = len;
    memcpy(s->snippet + s->snippet_len, data, take);
    s->snippet_len += take;
    return len;
}

/* A new easy handle for s.  Its connections live in the multi handle, so a
 * new one still reuses the keep-alive connection of the last stream. */
static CURL *new_easy(rstream *s)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L); /* a small write goes out now */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_err);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, s);
    curl_easy_setopt(c, CURLOPT_TRAILERFUNCTION, on_trailers);
    curl_easy_setopt(c, CURLOPT_TRAILERDATA, s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    return c;
}

rstream *rstream_new(double stall_timeout)
{
    rstream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->stall_timeout = stall_timeout;
    s->multi = curl_multi_init();
    s->curl = new_easy(s);
    if (!s->multi || !s->curl) {
        rstream_free(s);
        return NULL;
    }
    return s;
}

static void detach(rstream *s)
{
    if (s->attached)
        curl_multi_remove_handle(s->multi, s->curl);
    s->attached = 0;
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(s->headers);
    s->headers = NULL;
    free(s->trailer_type);
    free(s->trailer_body);
    s->trailer_type = s->trailer_body = NULL;
}

void rstream_free(rstream *s)
{
    if (!s)
        return;
    if (s->curl)
        detach(s);
    if (s->curl)
        curl_easy_cleanup(s->curl);
    if (s->multi)
        curl_multi_cleanup(s->multi);
    free(s);
}

/* Bytes sent and received so far by the transfer. */
static curl_off_t moved(rstream *s)
{
    curl_off_t up = 0, down = 0;
    curl_easy_getinfo(s->curl, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(s->curl, CURLINFO_SIZE_DOWNLOAD_T, &down);
    return up + down;
}

/* Has the transfer stalled: nothing moved for stall_timeout since drive()
 * began or last saw a byte move?  Ends it if so.  (Only time spent in
 * drive() counts: the handler computing its next write is not a stall.) */
static int stalled(rstream *s, curl_off_t *seen, int64_t *since)
{
    curl_off_t now_moved = moved(s);
    int64_t now = clock_mono_ns();
    if (now_moved != *seen) {
        *seen = now_moved;
        *since = now;
    }
    if ((double)(now - *since) / 1e9 < s->stall_timeout)
        return 0;
    rapi_timeout_detail(s->stall_timeout,
                        s->closing ? "waiting for the answer to the stream" : "sending the stream",
                        NULL, s->curl_err, sizeof s->curl_err);
    s->done = 1;
    s->result = CURLE_OPERATION_TIMEDOUT;
    return 1;
}

/* Run the transfer until the read callback paused it with every pending
 * byte sent, or it ended or stalled.  Returns 0, or -1 when it ended. */
static int drive(rstream *s)
{
    curl_off_t seen = moved(s);
    int64_t since = clock_mono_ns();
    while (!s->done) {
        int running;
        CURLMcode mc = curl_multi_perform(s->multi, &running);
        CURLMsg *msg;
        int queued;
        while ((msg = curl_multi_info_read(s->multi, &queued)))
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->curl) {
                s->done = 1;
                s->result = msg->data.result;
            }
        if (mc != CURLM_OK && !s->done) {
            snprintf(s->curl_err, sizeof s->curl_err, "%s", curl_multi_strerror(mc));
            s->done = 1;
            s->result = CURLE_SEND_ERROR;
        }
        if (s->done || (s->paused && s->left == 0) || stalled(s, &seen, &since))
            break;
        curl_multi_poll(s->multi, NULL, 0, POLL_MS, NULL);
    }
    return s->done ? -1 : 0;
}

/* Let the paused upload go on (after new bytes or the close were set). */
static void resume(rstream *s)
{
    if (s->paused) {
        s->paused = 0;
        curl_easy_pause(s->curl, CURLPAUSE_CONT);
    }
}

static int add(rstream *s, const char *name, const char *value)
{
    char *line = rapi_header_line(name, value);
    struct curl_slist *l = line ? curl_slist_append(s->headers, line) : NULL;
    free(line);
    if (!l)
        return -1;
    s->headers = l;
    return 0;
}

/* Fill res from the ended transfer. */
static void result(rstream *s, rapi_result *res)
{
    res->status = 0;
    res->detail[0] = '\0';
    if (s->result != CURLE_OK) {
        rapi_failure_text(s->curl, s->result, s->curl_err, res->detail, sizeof res->detail);
        return;
    }
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &res->status);
    s->snippet[s->snippet_len] = '\0';
    for (size_t i = 0; i < s->snippet_len; i++)
        if ((unsigned char)s->snippet[i] < ' ')
            s->snippet[i] = ' ';
    snprintf(res->detail, sizeof res->detail, "%s", s->snippet);
}

int rstream_open(rstream *s, const char *url, const char *content_type, const char *invocation_id,
                 rapi_result *res)
{
    detach(s);
    if (s->used) {
        /* libcurl 7.88 keeps an easy handle's trailer state (set at the end
         * of every chunked upload with a trailer callback) into its next
         * request, whose chunk framing then writes before its upload buffer:
         * each stream gets a new handle (the connection is kept: it lives in
         * the multi handle) */
        CURL *c = new_easy(s);
        if (!c) {
            res->status = 0;
            snprintf(res->detail, sizeof res->detail, "out of memory creating a libcurl handle");
            return -1;
        }
        curl_easy_cleanup(s->curl);
        s->curl = c;
        s->used = 0;
    }
    s->pending = NULL;
    s->left = 0;
    s->paused = s->closing = s->done = 0;
    s->result = CURLE_OK;
    s->bytes = 0;
    s->snippet_len = 0;
    s->curl_err[0] = '\0';
    /* "Expect:" off: no 100-continue round trip before the first byte */
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    s->headers = l;
    if (!l || add(s, "Content-Type", content_type) < 0 ||
        add(s, "Lambda-Runtime-Function-Response-Mode", "streaming") < 0 ||
        add(s, "Transfer-Encoding", "chunked") < 0 ||
        add(s, "Trailer", "Lambda-Runtime-Function-Error-Type") < 0 ||
        add(s, "Trailer", "Lambda-Runtime-Function-Error-Body") < 0 ||
        (invocation_id && add(s, "Lambda-Runtime-Invocation-Id", invocation_id) < 0)) {
        detach(s);
        res->status = 0;
        snprintf(res->detail, sizeof res->detail, "out of memory preparing the streamed response");
        return -1;
    }
    curl_easy_setopt(s->curl, CURLOPT_URL, url);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
    if (curl_multi_add_handle(s->multi, s->curl) != CURLM_OK) {
        detach(s);
        res->status = 0;
        snprintf(res->detail, sizeof res->detail, "libcurl refused the streamed response transfer");
        return -1;
    }
    s->attached = 1;
    s->used = 1;
    if (drive(s) < 0) {
        result(s, res);
        return -1;
    }
    return 0;
}

int rstream_write(rstream *s, const void *data, size_t len)
{
    if (s->done || !s->attached)
        return -1;
    s->pending = data;
    s->left = len;
    resume(s);
    int rc = drive(s);
    if (rc == 0)
        s->bytes += len;
    s->pending = NULL;
    s->left = 0;
    return rc;
}

void rstream_close(rstream *s, const char *error_type, const char *body, size_t len,
                   rapi_result *res)
{
    if (!s->attached) {
        res->status = 0;
        snprintf(res->detail, sizeof res->detail, "no streamed response is in progress");
        return;
    }
    if (error_type) {
        char *b64 = lr_base64_encode(body ? body : "", body ? len : 0, NULL);
        s->trailer_type = rapi_header_line("Lambda-Runtime-Function-Error-Type", error_type);
        s->trailer_body = b64 ? rapi_header_line("Lambda-Runtime-Function-Error-Body", b64) : NULL;
        free(b64);
    }
    s->closing = 1;
    resume(s);
    drive(s); /* the read callback no longer pauses: runs to the answer */
    result(s, res);
    detach(s);
}

unsigned long long rstream_bytes(const rstream *s)
{
    return s->bytes;
}
