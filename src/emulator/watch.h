/* watch.h -- hot reload of the functions when the task root changes
 * (--watch, watch = true); see watch.c. */
#ifndef EMU_WATCH_H
#define EMU_WATCH_H

#include <stddef.h>

struct emu;

/* Start watching when the settings ask for it; 0, or -1 with err. */
int watch_start(struct emu *e, char *err, size_t errlen);
/* Stop the watch thread (before the pool shuts down). */
void watch_stop(void);

#endif
