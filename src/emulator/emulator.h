/*
 * emulator.h -- the parts of the emulator around the pool (pool.h, the hub):
 * start and stop, the suspended connections of the HTTP loop, the
 * instances' processes, the two servers, the log writer.  Each depends on
 * the pool; the pool reaches them only through the pool_ops table that
 * emu_start fills in.  docs/internals.md has the component map.
 */
#ifndef EMU_EMULATOR_H
#define EMU_EMULATOR_H

#include "pool.h"

/* waiter.c */
/* Suspend connection c (from its handler or content reader) until
 * waiter_resume(w); emu->lock held for both. */
void waiter_suspend(waiter *w, struct MHD_Connection *c);
void waiter_resume(waiter *w);

/* emulator.c: start every part (0, or -1 with err), stop them in reverse. */
int emu_start(emu *e, emu_settings *st, char *err, size_t errlen);
void emu_stop(emu *e);
function *emu_function(emu *e, const char *name);

/* instance.c */
/* Start the process of an instance the pool added (emu->lock not held). */
int instance_start(instance *inst, char *err, size_t errlen);
/* Read what the runtime has written so far and queue its lines. */
void instance_drain(instance *inst);
/* The peak RSS of inst's live processes (the sum of their VmHWM), measured
 * now, or its last measure once it is dead (emu->lock not held). */
long instance_peak_rss_kb(instance *inst);
/* The process of inst holding socket inode (the deepest, when a child
 * inherited it), or 0 when none of them does.  inst's processes are its
 * runtime and the runtime's descendants. */
pid_t instance_process_holding(instance *inst, unsigned long inode);
/* Free what instance_start made (pipes, lines, extensions); the pool frees
 * the instance. */
void instance_release(instance *inst);

/* runtime_api.c */
struct MHD_Daemon *runtime_api_start(instance *inst, unsigned *port, char *err, size_t errlen);

/* invoke_api.c */
struct MHD_Daemon *invoke_api_start(emu *e, const char *listen, unsigned *port, char *err,
                                    size_t errlen);

/* report.c: the log writer */
int report_start_writer(void);
void report_stop_writer(void);
/* Queue a line (with its newline) for fd 1 or 2. */
void report_line(int fd, const char *text, size_t len);
/* START line of inv (emu->lock held; also copied to its Tail log). */
void report_invocation_start(invocation *inv);
/* Write what is queued, from the HTTP loop (unless the writer is busy). */
void report_flush(void);
/* END and REPORT lines (emu->lock held), then pool_reported(inv). */
void report_invocation_end(invocation *inv);

#endif
