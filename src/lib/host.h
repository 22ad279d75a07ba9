/*
 * host.h -- the host side of liblambda-runtime: what `bootstrap` (and the
 * unit tests) use to create invocations and to plug in the code that talks
 * to the Runtime API.  Private: not installed, not part of the plugin ABI.
 *
 * The invocation is owned by the host.  The library calls back into the host
 * through an lr_host_ops table when the handler answers, so a response is
 * posted straight from the handler's buffer (no copy).  The table is the
 * seam for response streaming and for worker processes/threads: each worker
 * owns its own invocation and host context.
 */
#ifndef LR_HOST_H
#define LR_HOST_H

#include <lambda/lambda.h>
#include <stddef.h>
#include <stdint.h>

#define LR_EXPORT LAMBDA_EXPORT

typedef struct lr_host_ops {
    /* Post the response (data, len, content type never NULL).  Return
     * LAMBDA_OK when the Runtime API accepted it, LAMBDA_ERR otherwise. */
    int (*respond)(void *host, lambda_invocation *inv, const void *data, size_t len,
                   const char *content_type);
    /* Post an error: error_type for the Lambda-Runtime-Function-Error-Type
     * header, body the error JSON document. */
    int (*fail)(void *host, lambda_invocation *inv, const char *error_type, const char *body,
                size_t len);
    /* Response streaming (stream.c); NULL when the host cannot stream.
     * stream_open starts the streamed /response post, stream_write sends
     * len > 0 bytes before it returns, stream_close ends the stream: cleanly
     * when error_type is NULL, else with the error JSON body in the trailers.
     * Each returns LAMBDA_OK or LAMBDA_ERR. */
    int (*stream_open)(void *host, lambda_invocation *inv, const char *content_type);
    int (*stream_write)(void *host, lambda_invocation *inv, const void *data, size_t len);
    int (*stream_close)(void *host, lambda_invocation *inv, const char *error_type,
                        const char *body, size_t len);
} lr_host_ops;

/* Where an invocation's stream is (lambda_invocation.stream). */
enum { LR_STREAM_NONE, LR_STREAM_OPEN, LR_STREAM_BROKEN, LR_STREAM_ENDED };

/* The function's static settings, read once from the environment. */
typedef struct lr_function_info {
    char *name, *version, *log_group, *log_stream;
    int memory_mb;
} lr_function_info;

struct lambda_invocation {
    const lr_host_ops *ops;
    void *host;
    const lr_function_info *fn;
    /* event bytes, NUL-terminated; the buffer is reused across invocations */
    char *event;
    size_t event_len, event_cap;
    json_object *event_json;
    int json_parsed;
    /* from the /next headers; NULL when absent */
    char *request_id, *arn, *trace_id, *client_context, *cognito_identity, *tenant_id,
        *invocation_id;
    int64_t deadline_ms;
    int answered;
    int stream; /* LR_STREAM_* */
};

struct lambda_init {
    char *error_type;
    char *message;
};

/* --- function info ---------------------------------------------------- */
/* Fill fn from AWS_LAMBDA_FUNCTION_NAME, _VERSION, _MEMORY_SIZE,
 * AWS_LAMBDA_LOG_GROUP_NAME and AWS_LAMBDA_LOG_STREAM_NAME. */
LR_EXPORT int lr_function_info_from_env(lr_function_info *fn);
LR_EXPORT void lr_function_info_free(lr_function_info *fn);

/* --- invocations ------------------------------------------------------ */
LR_EXPORT void lr_invocation_init(lambda_invocation *inv, const lr_host_ops *ops, void *host,
                                  const lr_function_info *fn);
/* Forget the current invocation (headers, parsed JSON, answered flag); the
 * event buffer is kept for the next one unless it grew beyond 1 MiB. */
LR_EXPORT void lr_invocation_reset(lambda_invocation *inv);
LR_EXPORT void lr_invocation_free(lambda_invocation *inv);

/* Make room for at least len event bytes (plus the NUL). */
LR_EXPORT int lr_invocation_reserve(lambda_invocation *inv, size_t len);
/* Append event bytes (keeps the NUL terminator). */
LR_EXPORT int lr_invocation_append(lambda_invocation *inv, const void *data, size_t len);

/* One raw header line of the /next response ("Name: value\r\n").  Returns 1
 * if it was a Runtime API header and was stored, 0 if it is some other line
 * (status line, unknown header, blank), -1 if out of memory or the value of a
 * known header is malformed (err says which). */
LR_EXPORT int lr_invocation_header(lambda_invocation *inv, const char *line, size_t len, char *err,
                                   size_t errlen);
/* After all headers: check the invocation can be answered (a request id that
 * is safe in a URL path).  Returns 0 or -1 with err set. */
LR_EXPORT int lr_invocation_check(const lambda_invocation *inv, char *err, size_t errlen);

/* After the handler returned rc: if it did not answer, post the
 * Runtime.NoResponse error for it.  handler names the handler in that
 * message.  Returns LAMBDA_OK if an answer was (or had been) posted. */
LR_EXPORT int lr_invocation_finish(lambda_invocation *inv, const char *handler, int rc);

/* --- streaming (stream.c; library-internal) ----------------------------- */
/* While a stream is open: end it with the error (lambda_fail), or cleanly
 * (the handler returned).  Return LAMBDA_OK if the stream ended as asked. */
int lr_stream_fail(lambda_invocation *inv, const char *error_type, const char *message);
int lr_stream_end(lambda_invocation *inv);

/* --- plugin init ------------------------------------------------------ */
LR_EXPORT void lr_init_ctx_init(lambda_init *ctx);
LR_EXPORT void lr_init_ctx_free(lambda_init *ctx);

/* --- logging ---------------------------------------------------------- */
typedef enum lr_log_format { LR_LOG_TEXT, LR_LOG_JSON } lr_log_format;
/* Level names in order (TRACE..FATAL, NULL-terminated) and format names
 * (Text, JSON), as the INI file and AWS_LAMBDA_LOG_* spell them. */
LR_EXPORT extern const char *const lr_log_level_names[];
LR_EXPORT extern const char *const lr_log_format_names[];
LR_EXPORT void lr_log_configure(lambda_log_level min_level, lr_log_format format);
/* One line from the runtime itself (request_id may be NULL). */
LR_EXPORT void lr_log(const char *request_id, lambda_log_level level, const char *fmt, ...)
    LAMBDA_PRINTF(3, 4);

#endif
