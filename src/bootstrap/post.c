/* post.c -- see post.h. */
#include "config.h"
#include "post.h"
#include "error_json.h"

#include <stdio.h>
#include <stdlib.h>

int post_verdict(runtime *rt, const char *request_id, const char *what, const rapi_result *res)
{
    if (res->status >= 200 && res->status < 300)
        return LAMBDA_OK;
    if (res->status >= 400 && res->status < 500) {
        lr_log(
            request_id, LAMBDA_LOG_ERROR,
            "the Runtime API refused the %s with HTTP %ld%s%s%s; going on with the next invocation",
            what, res->status, res->detail[0] ? " (" : "", res->detail, res->detail[0] ? ")" : "");
        return LAMBDA_ERR;
    }
    if (!rt->fatal) {
        rt->fatal = 1;
        if (res->status)
            snprintf(rt->fatal_msg, sizeof rt->fatal_msg,
                     "the Runtime API answered the %s with HTTP %ld (%s)%s%s; exiting", what,
                     res->status,
                     res->status >= 500 ? "container error, non-recoverable" : "unexpected status",
                     res->detail[0] ? ": " : "", res->detail);
        else
            snprintf(rt->fatal_msg, sizeof rt->fatal_msg,
                     "posting the %s to the Runtime API (%s) failed: %s; exiting", what,
                     rapi_base_url(rt->api), res->detail);
    }
    return LAMBDA_ERR;
}

void post_init_error(rapi *api, const char *type, const char *message)
{
    lr_log(NULL, LAMBDA_LOG_FATAL, "%s: %s", type, message);
    if (!api)
        return;
    size_t len;
    char *body = error_json(type, message, NULL, &len);
    if (!body)
        return;
    rapi_result res;
    rapi_post(api, "/runtime/init/error", body, len, "application/json", type, NULL, &res);
    if (res.status < 200 || res.status >= 300) {
        if (res.status)
            lr_log(NULL, LAMBDA_LOG_ERROR,
                   "could not report the init error to the Runtime API (%s): HTTP %ld",
                   rapi_base_url(api), res.status);
        else
            lr_log(NULL, LAMBDA_LOG_ERROR,
                   "could not report the init error to the Runtime API (%s): %s",
                   rapi_base_url(api), res.detail);
    }
    free(body);
}
