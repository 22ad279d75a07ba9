/* posix.h -- small POSIX helpers both programs and the library use. */
#ifndef LR_POSIX_H
#define LR_POSIX_H

#include <stddef.h>

/* Write all n bytes to fd, retrying after EINTR and short writes.
 * Returns 0, or -1 when the fd takes no more (errno set). */
int write_full(int fd, const void *p, size_t n);

/* How a process ended, worded as Lambda (Go's os.ProcessState) words it:
 * "signal: segmentation fault", "signal: aborted (core dumped)",
 * "exit status 3".  *signo is the signal, 0 for an exit (signo may be NULL). */
void exit_status_text(int wstatus, char *buf, size_t n, int *signo);

#endif
