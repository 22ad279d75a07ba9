/*
 * freeze.c -- Lambda freezes an execution environment between invocations:
 * once the runtime waits in /next and every extension in event/next, none
 * of the environment's processes runs until the next event (background
 * threads and timers of the function stop).  The emulator does the same
 * with SIGSTOP / SIGCONT of the instance's processes (the runtime's tree
 * and each extension's), so that code relying on work after its response
 * fails locally as it would on Lambda.  `freeze = false` ([emulator]) or
 * --no-freeze turns it off.
 *
 * The freeze comes `freeze_delay` (default 100 ms) after the instance went
 * idle (the manager thread does it): a back-to-back invocation then finds
 * the instance running and pays nothing (bench/freeze-ext has the figures).
 * Nothing is timed while an instance is frozen: its invocations' deadlines
 * start when they are given to it, after the thaw.
 */
#include "config.h"
#include <signal.h>

#include "clock.h"
#include "pool.h"
#include "extensions.h"

static int can_freeze(const instance *inst)
{
    return inst->fn->emu->st->freeze && inst->ready && !inst->dead && !inst->killed &&
           inst->busy == 0 && inst->pid > 0 && ext_idle(inst);
}

static void signal_all(instance *inst, int sig)
{
    inst->fn->emu->ops->signal(inst, sig);
    ext_signal(inst, sig);
}

void freeze_idle(instance *inst)
{
    if (inst->frozen || inst->freeze_at_ns || !can_freeze(inst))
        return;
    emu *e = inst->fn->emu;
    inst->freeze_at_ns = clock_mono_ns() + (int64_t)(e->st->freeze_delay * 1e9) + 1;
    if (inst->freeze_at_ns < e->wd_next)
        pthread_cond_signal(&e->wd_cv);
}

void freeze_check(instance *inst, int64_t now, int64_t *next)
{
    if (!inst->freeze_at_ns)
        return;
    if (!can_freeze(inst)) {
        inst->freeze_at_ns = 0;
        return;
    }
    if (now < inst->freeze_at_ns) {
        if (inst->freeze_at_ns < *next)
            *next = inst->freeze_at_ns;
        return;
    }
    inst->freeze_at_ns = 0;
    __atomic_store_n(&inst->frozen, 1, __ATOMIC_RELAXED); /* telemetry.c reads it */
    signal_all(inst, SIGSTOP);
}

void freeze_thaw(instance *inst)
{
    inst->freeze_at_ns = 0;
    if (!inst->frozen)
        return;
    __atomic_store_n(&inst->frozen, 0, __ATOMIC_RELAXED);
    signal_all(inst, SIGCONT);
}
