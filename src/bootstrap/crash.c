/* crash.c -- see crash.h.  Only async-signal-safe calls in the handler:
 * the frames come from libgcc's unwinder linked into bootstrap
 * (-static-libgcc), which neither loads a library nor allocates, and
 * backtrace_symbols_fd() writes without allocating.  (glibc's backtrace()
 * would dlopen libgcc_s at its first call: unsafe in a handler, and priming
 * it at start put a library load on every worker's way to its first /next.) */
#include "config.h"
#include "crash.h"
#include "slot.h"

#include <execinfo.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unwind.h>

#define MAX_FRAMES 64
/* Room for the handler (the unwinder and backtrace_symbols_fd()) once the
 * thread's own stack is exhausted. */
#define ALTSTACK_SIZE (64 * 1024)

static int crash_fd = -1;
static __thread worker_slot *crash_slot;
static __thread void *thread_altstack; /* made by crash_watch, or NULL */

void crash_watch(worker_slot *slot)
{
    crash_slot = slot;
    stack_t cur;
    if (crash_fd < 0 || thread_altstack || sigaltstack(NULL, &cur) != 0 ||
        !(cur.ss_flags & SS_DISABLE))
        return; /* no handlers, or this thread has a stack (the main one) */
    void *mem = malloc(ALTSTACK_SIZE);
    stack_t ss = {.ss_sp = mem, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (mem && sigaltstack(&ss, NULL) == 0)
        thread_altstack = mem;
    else
        free(mem);
}

void crash_unwatch(void)
{
    crash_slot = NULL;
    if (!thread_altstack)
        return;
    stack_t off = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    if (sigaltstack(&off, NULL) == 0) {
        free(thread_altstack);
        thread_altstack = NULL;
    }
}

typedef struct unwind_state {
    void **ip;
    int n, max, skip;
} unwind_state;

static _Unwind_Reason_Code add_frame(struct _Unwind_Context *ctx, void *arg)
{
    unwind_state *f = arg;
    if (f->skip > 0) { /* unwind_frames' own frame */
        f->skip--;
        return _URC_NO_REASON;
    }
    if (f->n >= f->max)
        return _URC_END_OF_STACK;
    f->ip[f->n++] = (void *)_Unwind_GetIP(ctx);
    return _URC_NO_REASON;
}

/* What glibc's backtrace() returns: the return addresses of the calling
 * frames, innermost first (the handler's own first), without a null one
 * above _start.  Not inlined, so that the frame skipped is this one. */
__attribute__((noinline)) static int unwind_frames(void **ip, int max)
{
    unwind_state f = {.ip = ip, .n = 0, .max = max, .skip = 1};
    _Unwind_Backtrace(add_frame, &f);
    if (f.n > 1 && ip[f.n - 1] == NULL)
        f.n--;
    return f.n;
}

static void on_crash(int signo)
{
    if (crash_slot)
        __atomic_store_n(&crash_slot->culprit, 1, __ATOMIC_SEQ_CST);
    void *frames[MAX_FRAMES];
    int n = unwind_frames(frames, MAX_FRAMES);
    if (crash_fd >= 0 && n > 0)
        backtrace_symbols_fd(frames, n, crash_fd);
    /* SA_RESETHAND restored the default action: a fault re-executes and
     * kills; a raised signal (abort) needs raising again */
    raise(signo);
}

void crash_handlers_install(int fd)
{
    static const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    static char altstack[64 * 1024]; /* survives a stack overflow */
    crash_fd = fd;
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaction(signals[i], &sa, NULL);
}
