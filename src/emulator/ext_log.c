/*
 * ext_log.c -- the output of an instance's extensions: each extension
 * process writes to pipes of its own (not the runtime's), read by the
 * instance's extension reaper thread (ext_proc.c).  Every line goes to the
 * emulator's log as it is (on Lambda an extension's lines reach CloudWatch
 * unchanged) and to the event bus as the extension's, so that Telemetry and
 * Logs API subscribers get it as an "extension" record, not a "function"
 * one.  See extensions.h.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emulator.h"
#include "evbus.h"
#include "extensions.h"

/* A line longer than this is passed on in pieces (as the runtime's are). */
#define EXT_LINE_MAX 65536

int ext_log_pipes(ext_proc *p, int w[2], char *err, size_t errlen)
{
    for (int k = 0; k < 2; k++) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) {
            snprintf(err, errlen, "cannot create a pipe for the extension %s: %s", p->name,
                     strerror(errno));
            if (k == 1) {
                close(p->log_fd[0]);
                close(w[0]);
                p->log_fd[0] = -1;
            }
            return -1;
        }
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        p->log_fd[k] = fds[0];
        w[k] = fds[1];
    }
    return 0;
}

static void emit(instance *inst, ext_proc *p, int k, const char *line, size_t len)
{
    report_line(k + 1, line, len);
    if (!evbus_active())
        return;
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    /* With one slot, all output is the running invocation's (as instance.c
     * does for the runtime's lines). */
    invocation *owner = inst->slots == 1 ? inst->running : NULL;
    evpub_ext_line(inst, owner, p->name, k + 1, line, len);
    pthread_mutex_unlock(&e->lock);
}

static void emit_lines(instance *inst, ext_proc *p, int k, int flush)
{
    lr_buf *b = &p->log_part[k];
    size_t start = 0;
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] == '\n') {
            emit(inst, p, k, b->data + start, i + 1 - start);
            start = i + 1;
        }
    if ((flush || b->len - start > EXT_LINE_MAX) && b->len > start) {
        lr_buf_append(b, "\n", 1);
        emit(inst, p, k, b->data + start, b->len - start);
        start = b->len;
    }
    lr_buf_consume(b, start);
}

void ext_log_read(instance *inst, ext_proc *p, int k)
{
    char buf[16384];
    while (p->log_fd[k] >= 0) {
        ssize_t n = read(p->log_fd[k], buf, sizeof buf);
        if (n > 0) {
            lr_buf_append(&p->log_part[k], buf, (size_t)n);
            if (p->log_part[k].len > EXT_LINE_MAX)
                emit_lines(inst, p, k, 0);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        close(p->log_fd[k]); /* end of file: it and its children are done writing */
        p->log_fd[k] = -1;
        emit_lines(inst, p, k, 1);
        return;
    }
    emit_lines(inst, p, k, 0);
}

void ext_log_finish(instance *inst, ext_proc *p)
{
    for (int k = 0; k < 2; k++) {
        ext_log_read(inst, p, k);
        emit_lines(inst, p, k, 1);
        if (p->log_fd[k] >= 0)
            close(p->log_fd[k]);
        p->log_fd[k] = -1;
        lr_buf_free(&p->log_part[k]);
    }
}
