/* clock.h -- wall and monotonic time in the units Lambda uses. */
#ifndef LR_CLOCK_H
#define LR_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Unix epoch milliseconds (CLOCK_REALTIME). */
int64_t clock_epoch_ms(void);
/* Monotonic nanoseconds, for durations. */
int64_t clock_mono_ns(void);
/* The CLOCK_REALTIME instant ms milliseconds from now, for
 * pthread_cond_timedwait on a condition variable with the default clock. */
struct timespec;
void clock_realtime_after(struct timespec *ts, int64_t ms);
/* "2026-11-27T07:09:31.123Z" into buf (at least 25 bytes). */
void clock_iso8601_ms(int64_t epoch_ms, char *buf, size_t n);

#endif
