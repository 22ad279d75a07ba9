/* stream_ops.c -- see stream_ops.h. */
#include "config.h"
#include "stream_ops.h"
#include "post.h"
#include "rstream.h"

#include <stdio.h>

int stream_host_open(void *host, lambda_invocation *inv, const char *content_type)
{
    runtime *rt = host;
    if (!rt->stream && !(rt->stream = rstream_new(rapi_post_timeout(rt->api)))) {
        lr_log(inv->request_id, LAMBDA_LOG_ERROR,
               "cannot start a streamed response: out of memory creating a libcurl handle");
        return LAMBDA_ERR;
    }
    char url[1024];
    snprintf(url, sizeof url, "%s/runtime/invocation/%s/response", rapi_base_url(rt->api),
             inv->request_id);
    rapi_result res;
    if (rstream_open(rt->stream, url, content_type, inv->invocation_id, &res) < 0) {
        if (post_verdict(rt, inv->request_id, "streamed response", &res) == LAMBDA_OK)
            lr_log(inv->request_id, LAMBDA_LOG_ERROR,
                   "the Runtime API answered the streamed response (HTTP %ld) before it began",
                   res.status);
        return LAMBDA_ERR;
    }
    return LAMBDA_OK;
}

int stream_host_write(void *host, lambda_invocation *inv, const void *data, size_t len)
{
    runtime *rt = host;
    if (rstream_write(rt->stream, data, len) == 0)
        return LAMBDA_OK;
    lr_log(inv->request_id, LAMBDA_LOG_ERROR,
           "the Runtime API stopped taking the streamed response after %llu bytes; later "
           "writes are refused (the handler should return)",
           rstream_bytes(rt->stream));
    return LAMBDA_ERR;
}

int stream_host_close(void *host, lambda_invocation *inv, const char *error_type, const char *body,
                      size_t len)
{
    runtime *rt = host;
    if (error_type)
        lr_log(inv->request_id, LAMBDA_LOG_ERROR, "invocation failed mid-stream: %.*s",
               (int)(len > 2000 ? 2000 : len), body);
    rapi_result res;
    rstream_close(rt->stream, error_type, body, len, &res);
    /* after the post, as for buffered answers: a crash before this line may
     * answer twice (refused by the Runtime API), never zero times */
    slot_set(rt->slot, SLOT_ANSWERED);
    char what[96];
    snprintf(what, sizeof what, "streamed response (%llu bytes%s)", rstream_bytes(rt->stream),
             error_type ? ", ended by an error" : "");
    return post_verdict(rt, inv->request_id, what, &res);
}
