/*
 * lambda/extension.h -- Lambda extensions written in C: an extension plugin
 * is a shared object that defines one descriptor with LAMBDA_EXTENSION();
 * the host program lambda-extension (installed as, or linked from, the
 * executable in /opt/extensions) loads it, registers with the Extensions
 * API, subscribes to the Telemetry API when asked, and calls the plugin:
 *
 *     #include <json-c/json.h>
 *     #include <lambda/extension.h>
 *
 *     static void on_telemetry(struct json_object *records) { ... }
 *     LAMBDA_EXTENSION("summary", LAMBDA_EXT_INVOKE | LAMBDA_EXT_SHUTDOWN,
 *                      LAMBDA_TEL_PLATFORM, NULL, NULL, NULL, on_telemetry);
 *
 * The descriptor follows the handler plugins' discipline (lambda.h):
 * abi_version and size are checked before any other field is read, fields
 * are only ever appended.  Callbacks are called one at a time (never two at
 * once), with json-c objects the host owns (valid for the call only).
 */
#ifndef LAMBDA_EXTENSION_H
#define LAMBDA_EXTENSION_H

#include <stddef.h>
#include <stdint.h>

#ifndef LAMBDA_EXPORT
#define LAMBDA_EXPORT __attribute__((visibility("default")))
#endif

#define LAMBDA_EXTENSION_ABI_VERSION 1u

struct json_object;

/* events: what the extension registers for */
enum { LAMBDA_EXT_INVOKE = 1u << 0, LAMBDA_EXT_SHUTDOWN = 1u << 1 };
/* telemetry: the Telemetry API types it subscribes to (0: none) */
enum {
    LAMBDA_TEL_PLATFORM = 1u << 0,
    LAMBDA_TEL_FUNCTION = 1u << 1,
    LAMBDA_TEL_EXTENSION = 1u << 2
};

typedef struct lambda_extension {
    uint32_t abi_version; /* LAMBDA_EXTENSION_ABI_VERSION at build time */
    uint32_t size;        /* sizeof(lambda_extension) at build time */
    const char *name;     /* for messages; Lambda knows it by its file name */
    uint32_t events;      /* LAMBDA_EXT_* */
    uint32_t telemetry;   /* LAMBDA_TEL_* */
    /* Optional: once, after registering; non-zero fails the extension's
     * init (the host posts init/error and exits). */
    int (*init)(void);
    /* Optional: an INVOKE event ({"eventType", "requestId", "deadlineMs",
     * "invokedFunctionArn", "tracing"}). */
    void (*on_invoke)(struct json_object *event);
    /* Optional: the SHUTDOWN event ({"shutdownReason", "deadlineMs"}); the
     * host exits after it (and after the telemetry still arriving). */
    void (*on_shutdown)(struct json_object *event);
    /* Optional: a batch of Telemetry API records (a JSON array). */
    void (*on_telemetry)(struct json_object *records);
} lambda_extension;

/* The smallest descriptor of this ABI: the fields up to telemetry. */
#define LAMBDA_EXTENSION_MIN_SIZE (offsetof(lambda_extension, telemetry) + sizeof(uint32_t))
#define LAMBDA_EXTENSION_SYMBOL "lambda_extension_descriptor"

#define LAMBDA_EXTENSION(name_, events_, telemetry_, init_, invoke_, shutdown_, telemetry_cb_) \
    LAMBDA_EXPORT extern const lambda_extension lambda_extension_descriptor;                   \
    LAMBDA_EXPORT const lambda_extension lambda_extension_descriptor = {                       \
        LAMBDA_EXTENSION_ABI_VERSION,                                                          \
        (uint32_t)sizeof(lambda_extension),                                                    \
        (name_),                                                                               \
        (events_),                                                                             \
        (telemetry_),                                                                          \
        (init_),                                                                               \
        (invoke_),                                                                             \
        (shutdown_),                                                                           \
        (telemetry_cb_)}

#endif
