/*
 * lambda/lambda.h -- the plugin API of lambda-c-runtime.
 *
 * A plugin is a shared object in $LAMBDA_TASK_ROOT that the `bootstrap`
 * runtime loads with dlopen().  It exports exactly one descriptor, written
 * with LAMBDA_PLUGIN(), and one or more handler functions of the type
 * lambda_handler_fn.  The handler name `module.function` (the image's CMD,
 * or _HANDLER) selects $LAMBDA_TASK_ROOT/module.so and its symbol `function`.
 *
 *     #include <lambda/lambda.h>
 *
 *     int hello(lambda_invocation *inv)      // handlers: plain exported functions
 *     {
 *         json_object *out = json_object_new_object();
 *         json_object_object_add(out, "message", json_object_new_string("hi"));
 *         return lambda_respond_json(inv, out);
 *     }
 *     LAMBDA_PLUGIN("hello", "1.0", 0, NULL, NULL);
 *
 * Build:  cc -shared -fPIC -o hello.so hello.c $(pkg-config --cflags --libs lambda-runtime)
 *
 * Rules every function below follows:
 *   - Everything about an invocation is reached through the opaque
 *     lambda_invocation; its layout is private so it can grow without
 *     breaking plugins that were built against an older header.
 *   - Strings returned by accessors belong to the invocation and stay valid
 *     until the handler returns.  Accessors for optional values return NULL
 *     when the value is absent.
 *   - A handler ends its invocation exactly once: lambda_respond(),
 *     lambda_respond_json(), lambda_fail(), or a stream (lambda_stream_open()
 *     and writes, ended by returning).  A second attempt is refused
 *     with LAMBDA_ERR and logged; returning without any is reported to the
 *     caller as an error of type "Runtime.NoResponse".
 *   - Functions that can fail return LAMBDA_OK (0) or LAMBDA_ERR (-1).
 */
#ifndef LAMBDA_LAMBDA_H
#define LAMBDA_LAMBDA_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes.  Bumped on any incompatible change to the
 * descriptor or to a function's signature; the runtime refuses a plugin whose
 * descriptor carries a different value. */
#define LAMBDA_ABI_VERSION 1

#define LAMBDA_OK 0
#define LAMBDA_ERR (-1)

#if defined(__GNUC__)
#define LAMBDA_EXPORT __attribute__((visibility("default")))
#define LAMBDA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LAMBDA_EXPORT
#define LAMBDA_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------------
 * The plugin descriptor
 * ------------------------------------------------------------------------ */

typedef struct lambda_invocation lambda_invocation;
typedef struct lambda_init lambda_init;

/* The one handler signature.  Return LAMBDA_OK after answering; any other
 * value without an answer is reported as an error for this invocation. */
typedef int (*lambda_handler_fn)(lambda_invocation *inv);

/* Plugin flags. */
enum {
    /* Handlers may run concurrently in several threads of one process
     * (AWS_LAMBDA_MAX_CONCURRENCY > 1).  Without it the runtime uses one
     * process per concurrent invocation. */
    LAMBDA_PLUGIN_THREAD_SAFE = 1u << 0
};

/* The descriptor grows without an ABI bump by these rules (the ABI as a
 * whole, symbol versions included, is described in docs/plugin-abi.md of
 * the source tree):
 *  - a new field is added at the end, never between or instead of others,
 *    and its zero value means "absent" (the behaviour before the field);
 *  - `size` is sizeof(lambda_plugin) of the header the plugin was built
 *    with; the runtime reads a field only when `size` covers it, so a
 *    plugin built with a smaller (older) descriptor loads and its missing
 *    fields read as zero, and a larger (newer) one's extra fields are
 *    ignored by an older runtime;
 *  - every descriptor has at least the fields up to `flags`
 *    (LAMBDA_PLUGIN_MIN_SIZE); removing, reordering or retyping a field is
 *    an incompatible change and bumps LAMBDA_ABI_VERSION. */
typedef struct lambda_plugin {
    uint32_t abi_version; /* LAMBDA_ABI_VERSION at build time */
    uint32_t size;        /* sizeof(lambda_plugin) at build time */
    const char *name;     /* plugin name, for logs and errors */
    const char *version;  /* plugin version, free form */
    uint32_t flags;       /* LAMBDA_PLUGIN_* */
    /* Optional: called once per process before the first invocation.  Return
     * LAMBDA_OK, or call lambda_init_fail() and return LAMBDA_ERR. */
    int (*init)(lambda_init *ctx);
    /* Optional: called once at shutdown, after the last invocation. */
    void (*shutdown)(void);
} lambda_plugin;

/* The smallest descriptor of this ABI: the fields up to flags. */
#define LAMBDA_PLUGIN_MIN_SIZE (offsetof(lambda_plugin, flags) + sizeof(uint32_t))

/* The symbol name the loader looks up. */
#define LAMBDA_PLUGIN_SYMBOL "lambda_plugin_descriptor"

#define LAMBDA_PLUGIN(name_, version_, flags_, init_, shutdown_)                                   \
    LAMBDA_EXPORT extern const lambda_plugin lambda_plugin_descriptor;                             \
    LAMBDA_EXPORT const lambda_plugin lambda_plugin_descriptor = {LAMBDA_ABI_VERSION,              \
                                                                  (uint32_t)sizeof(lambda_plugin), \
                                                                  (name_),                         \
                                                                  (version_),                      \
                                                                  (flags_),                        \
                                                                  (init_),                         \
                                                                  (shutdown_)}

/* Report why init failed.  error_type is e.g. "Plugin.ConfigError"; the
 * message says what went wrong and what to do.  Returns LAMBDA_ERR so init can
 * `return lambda_init_fail(ctx, ...);`. */
LAMBDA_EXPORT int lambda_init_fail(lambda_init *ctx, const char *error_type, const char *fmt, ...)
    LAMBDA_PRINTF(3, 4);

/* ------------------------------------------------------------------------
 * The invocation: what the handler can learn
 * ------------------------------------------------------------------------ */

/* The raw event bytes, exactly as the Runtime API delivered them (binary
 * safe; a NUL is always appended after the last byte for convenience). */
LAMBDA_EXPORT const char *lambda_event(const lambda_invocation *inv, size_t *len);

/* The event parsed as JSON, parsed on first call and kept; owned by the
 * invocation (do not put it).  NULL if the event is not valid JSON. */
LAMBDA_EXPORT json_object *lambda_event_json(lambda_invocation *inv);

LAMBDA_EXPORT const char *lambda_request_id(const lambda_invocation *inv);
/* Unix epoch milliseconds after which Lambda stops the invocation. */
LAMBDA_EXPORT int64_t lambda_deadline_ms(const lambda_invocation *inv);
/* Milliseconds left until the deadline (0 when past it). */
LAMBDA_EXPORT int64_t lambda_remaining_ms(const lambda_invocation *inv);
LAMBDA_EXPORT const char *lambda_invoked_function_arn(const lambda_invocation *inv);
LAMBDA_EXPORT const char *lambda_trace_id(const lambda_invocation *inv);
LAMBDA_EXPORT const char *lambda_client_context(const lambda_invocation *inv);
LAMBDA_EXPORT const char *lambda_cognito_identity(const lambda_invocation *inv);
LAMBDA_EXPORT const char *lambda_tenant_id(const lambda_invocation *inv);

/* The function's static settings (AWS_LAMBDA_FUNCTION_NAME, ...). */
LAMBDA_EXPORT const char *lambda_function_name(const lambda_invocation *inv);
LAMBDA_EXPORT const char *lambda_function_version(const lambda_invocation *inv);
LAMBDA_EXPORT int lambda_function_memory_mb(const lambda_invocation *inv);
LAMBDA_EXPORT const char *lambda_log_group_name(const lambda_invocation *inv);
LAMBDA_EXPORT const char *lambda_log_stream_name(const lambda_invocation *inv);

/* ------------------------------------------------------------------------
 * Ending the invocation (exactly once)
 * ------------------------------------------------------------------------ */

/* Answer with bytes.  content_type may be NULL (application/json).  The bytes
 * are sent before the call returns; the handler keeps ownership of data. */
LAMBDA_EXPORT int lambda_respond(lambda_invocation *inv, const void *data, size_t len,
                                 const char *content_type);

/* Answer with a JSON value.  Consumes the caller's reference to obj (it is
 * put, even on failure), so `return lambda_respond_json(inv, obj);` is safe. */
LAMBDA_EXPORT int lambda_respond_json(lambda_invocation *inv, json_object *obj);

/* Answer with an error: error_type like "InvalidInput", a printf message.
 * The caller receives {"errorMessage", "errorType", "stackTrace"}.  Returns
 * LAMBDA_OK when the error was delivered, so a handler can
 * `return lambda_fail(inv, ...)` and the invocation counts as answered.
 * After lambda_stream_open() it ends the stream with this error instead. */
LAMBDA_EXPORT int lambda_fail(lambda_invocation *inv, const char *error_type, const char *fmt, ...)
    LAMBDA_PRINTF(3, 4);

/* Non-zero once the invocation has been answered. */
LAMBDA_EXPORT int lambda_answered(const lambda_invocation *inv);

/* ------------------------------------------------------------------------
 * Streaming the answer (response streaming: InvokeWithResponseStream and
 * function URLs in RESPONSE_STREAM mode)
 * ------------------------------------------------------------------------
 *
 *     int sse(lambda_invocation *inv)
 *     {
 *         if (lambda_stream_open(inv, "text/plain") != LAMBDA_OK)
 *             return LAMBDA_ERR;
 *         for (int i = 0; i < 3; i++)
 *             lambda_stream_printf(inv, "line %d\n", i);   // reaches the caller now
 *         return LAMBDA_OK;                                  // the stream ends here
 *     }
 *
 * A stream is the invocation's one answer: once it is open, lambda_respond()
 * and lambda_respond_json() are refused.  Bytes are sent as each write
 * returns (no buffering in the runtime, so memory stays flat however long
 * the stream); a write blocks while the caller is slower than the handler.
 * The stream ends when the handler returns.  lambda_fail() after the stream
 * opened ends it with an error: the caller gets the bytes written so far,
 * then the error (sent in the Lambda-Runtime-Function-Error-Type and
 * -Error-Body trailers).  If the handler's process dies mid-stream, the
 * caller gets the partial body and a Runtime.ExitError, never a hang.
 * Streamed answers may exceed the 6 MB buffered limit (AWS: up to 200 MB). */

/* Start a streamed answer with content_type (NULL: application/octet-stream).
 * Nothing is sent to the caller before the first write.  Returns LAMBDA_ERR
 * if the invocation was already answered or the stream could not start. */
LAMBDA_EXPORT int lambda_stream_open(lambda_invocation *inv, const char *content_type);

/* Start a streamed answer for an HTTP integration (function URL): content
 * type application/vnd.awslambda.http-integration-response, then the prelude
 * {"statusCode":…,"headers":{…},"cookies":[…]} and 8 NUL bytes are written;
 * what the handler writes next is the HTTP body.  headers (an object of
 * strings, e.g. {"Content-Type":"text/event-stream"}) and cookies (an array
 * of Set-Cookie strings) may be NULL (left out of the prelude); the caller's
 * references to both are consumed, even on failure. */
LAMBDA_EXPORT int lambda_stream_open_http(lambda_invocation *inv, int status_code,
                                          json_object *headers, json_object *cookies);

/* Send len bytes to the caller now (binary safe; len 0 sends nothing).
 * Returns LAMBDA_ERR if no stream is open (never opened, or already ended)
 * or the Runtime API stopped taking the stream (then every later write fails
 * too; the handler should return). */
LAMBDA_EXPORT int lambda_stream_write(lambda_invocation *inv, const void *data, size_t len);

/* lambda_stream_write() of a printf-formatted string (without its NUL). */
LAMBDA_EXPORT int lambda_stream_printf(lambda_invocation *inv, const char *fmt, ...)
    LAMBDA_PRINTF(2, 3);

/* ------------------------------------------------------------------------
 * Logging
 * ------------------------------------------------------------------------ */

typedef enum lambda_log_level {
    LAMBDA_LOG_TRACE,
    LAMBDA_LOG_DEBUG,
    LAMBDA_LOG_INFO,
    LAMBDA_LOG_WARN,
    LAMBDA_LOG_ERROR,
    LAMBDA_LOG_FATAL
} lambda_log_level;

/* One log line on stderr tagged with the request id (inv may be NULL outside
 * an invocation, e.g. in init).  Honours AWS_LAMBDA_LOG_LEVEL/FORMAT. */
LAMBDA_EXPORT void lambda_log(const lambda_invocation *inv, lambda_log_level level, const char *fmt,
                              ...) LAMBDA_PRINTF(3, 4);

/* lambda_log() with extra fields: in JSON format (AWS_LAMBDA_LOG_FORMAT=JSON)
 * the members of the object `fields` join timestamp, level, requestId and
 * message in the line (members with those four names are ignored); in Text
 * format they follow the message as one JSON object.  Consumes the caller's
 * reference to fields (which may be NULL). */
LAMBDA_EXPORT void lambda_log_fields(const lambda_invocation *inv, lambda_log_level level,
                                     json_object *fields, const char *fmt, ...) LAMBDA_PRINTF(4, 5);

/* The runtime's version string, e.g. "0.1.0". */
LAMBDA_EXPORT const char *lambda_runtime_version(void);

#ifdef __cplusplus
}
#endif
#endif /* LAMBDA_LAMBDA_H */
