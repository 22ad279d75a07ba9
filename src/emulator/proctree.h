/* proctree.h -- the processes of an execution environment, from /proc. */
#ifndef EMU_PROCTREE_H
#define EMU_PROCTREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* At most this many processes, this deep, are looked at per environment. */
#define PROCTREE_MAX 256
#define PROCTREE_MAX_DEPTH 8

/* root and its living descendants, a parent before its children (into out,
 * at most max); returns how many. */
size_t proctree_list(pid_t root, pid_t *out, size_t max);
/* Whether process pid has socket inode open (looks at /proc/PID/fd). */
int proctree_holds_socket(pid_t pid, unsigned long inode);
/* When pid started, on CLOCK_BOOTTIME in ns (clock-tick resolution, 10 ms
 * usually), or -1 when it is gone. */
int64_t proctree_start_ns(pid_t pid);
int64_t proctree_boot_ns(void);
/* Send sig to root's process group and to each of its living descendants
 * (those that left the group: a daemon started with setsid, a container's
 * processes under its engine). */
void proctree_signal(pid_t root, int sig);
/* In a child just forked to become an environment's process (the runtime,
 * an extension): its own process group, SIGKILL when the emulator dies, a
 * child subreaper (kept across exec: what it daemonizes -- a container
 * engine's monitor, a setsid helper -- is reparented to it, not to init, so
 * it stays in the tree the Runtime API admits and the kill reaches), no
 * blocked signal, SIGPIPE as default, out and err as stdout and stderr;
 * then it waits until the parent closes go[1] (the parent has recorded its
 * pid). */
void proctree_child_setup(int out, int err, int go[2]);
/* Sum of the peak RSS (VmHWM) of root and its living descendants, in kB. */
long proctree_hwm_kb(pid_t root);

#endif
