/*
 * telemetry.h -- the Telemetry API and the Logs API of an instance
 * (telemetry.c): subscriptions of its extensions, and the events and log
 * lines they receive.  docs/extensions.md describes the schema served.
 */
#ifndef EMU_TELEMETRY_H
#define EMU_TELEMETRY_H

#include <microhttpd.h>
#include <stddef.h>

#include "buf.h"
#include "pool.h"

enum { TEL_PLATFORM = 1, TEL_FUNCTION = 2, TEL_EXTENSION = 4 };

typedef struct tsub tsub;

/* Whether url is the Telemetry API's or the Logs API's subscribe call. */
int tel_route(const char *url);
/* PUT a subscription (body: AWS's subscription request) for the extension
 * named by Lambda-Extension-Identifier (emu->lock not held). */
enum MHD_Result tel_subscribe(struct MHD_Connection *c, instance *inst, const lr_buf *body,
                              int too_large);
/* Queue a record of TYPE ("platform.start", "function", "extension") whose
 * "record" is the JSON text rec, for the subscriptions taking it (any
 * thread, any lock: the queues' locks are leaves). */
void tel_emit(instance *inst, const char *type, const char *rec, size_t len);
/* Stop the senders (they exit once their current post ends), then free the
 * subscriptions once nothing emits any more (instance_release). */
void tel_halt(instance *inst);
void tel_free(instance *inst);

#endif
