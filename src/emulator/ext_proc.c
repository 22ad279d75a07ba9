/*
 * ext_proc.c -- the extension processes of an instance: every executable
 * file of the extensions directory, in name order, started before the
 * runtime (each in its own process group, a child subreaper, with the
 * environment Lambda gives extensions and stdout/stderr pipes of their own,
 * ext_log.c); the runtime starts once they have all registered.  One reaper
 * thread per instance with extensions reads their output, notices their
 * exits and kills what is left when the instance goes away.  See
 * extensions.h.
 */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "emulator.h"
#include "extensions.h"
#include "proctree.h"
#include "telemetry.h"

/* What Lambda does not give extensions (AWS: "Extensions API", environment
 * variables not available to extensions). */
static const char *const hidden[] = {"AWS_EXECUTION_ENV",
                                     "AWS_LAMBDA_LOG_GROUP_NAME",
                                     "AWS_LAMBDA_LOG_STREAM_NAME",
                                     "AWS_XRAY_CONTEXT_MISSING",
                                     "AWS_XRAY_DAEMON_ADDRESS",
                                     "LAMBDA_RUNTIME_DIR",
                                     "LAMBDA_TASK_ROOT",
                                     "_AWS_XRAY_DAEMON_ADDRESS",
                                     "_AWS_XRAY_DAEMON_PORT",
                                     "_HANDLER",
                                     NULL};

static char **ext_env(char *const *env)
{
    size_t n = 0;
    while (env[n])
        n++;
    char **out = malloc((n + 1) * sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(env[i], "=");
        int hide = 0;
        for (int h = 0; hidden[h] && !hide; h++)
            hide = strlen(hidden[h]) == len && strncmp(env[i], hidden[h], len) == 0;
        if (!hide)
            out[k++] = env[i];
    }
    out[k] = NULL;
    return out;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The executable regular files of dir, sorted (at most EXT_MAX + 1, so that
 * too many is told apart); -1 with err when dir cannot be read. */
static int scan(const char *dir, char *names[EXT_MAX + 1], char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0; /* no extensions, as on Lambda without layers */
        snprintf(err, errlen, "cannot read the extensions directory %s: %s", dir, strerror(errno));
        return -1;
    }
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n <= EXT_MAX) {
        struct stat sb;
        if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof((ext_proc *)0)->name ||
            fstatat(dirfd(d), de->d_name, &sb, 0) < 0 || !S_ISREG(sb.st_mode) ||
            faccessat(dirfd(d), de->d_name, X_OK, 0) < 0)
            continue;
        if (!(names[n] = strdup(de->d_name)))
            break;
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    return n;
}

/* The forked child: async-signal-safe calls only; waits until the parent
 * has recorded its pid (go closed), as the runtime does. */
static void run_ext(int out, int errfd, int go[2], const char *dir, const char *path,
                    char *const *env, const char *oops)
{
    proctree_child_setup(out, errfd, go);
    char *const argv[] = {(char *)path, NULL};
    if (chdir(dir) == 0)
        execve(path, argv, env);
    ssize_t w = write(2, oops, strlen(oops));
    (void)w;
    _exit(127);
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
}

/* Fork the extensions of x from dir, each with its own output pipes;
 * their pids (and, when one cannot start, the count) recorded under
 * emu->lock. */
static int fork_all(instance *inst, ext_set *x, const char *dir, char **names, char **env,
                    char *err, size_t errlen)
{
    emu *e = inst->fn->emu;
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe for the extensions: %s", strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&e->lock);
    for (int i = 0; i < x->n; i++) {
        char path[4400], oops[4600];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(oops, sizeof oops,
                 "lambda-emulator: cannot run the extension %s (not an executable for this "
                 "machine, or its interpreter is missing)\n",
                 path);
        int w[2];
        if (ext_log_pipes(&x->p[i], w, err, errlen) < 0) {
            x->n = x->external = i;
            break;
        }
        pid_t pid = fork();
        if (pid == 0)
            run_ext(w[0], w[1], go, dir, path, env, oops);
        close(w[0]);
        close(w[1]);
        if (pid < 0) {
            snprintf(err, errlen, "cannot start extension %s: fork: %s", names[i], strerror(errno));
            x->n = x->external = i;
            break;
        }
        setpgid(pid, pid);
        x->p[i].pid = pid;
        x->p[i].pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    }
    pthread_mutex_unlock(&e->lock);
    close(go[0]);
    close(go[1]); /* the pids are known: the extensions may start */
    return err[0] ? -1 : 0;
}

int ext_launch(instance *inst, char *const *env, char *err, size_t errlen)
{
    const char *given = inst->fn->emu->st->extensions_dir;
    if (!given || !*given)
        return 0;
    /* Absolute: the extensions run in it. */
    char dir[4096];
    if (!realpath(given, dir))
        snprintf(dir, sizeof dir, "%s", given); /* missing: none (scan says so) */
    char *names[EXT_MAX + 1];
    int n = scan(dir, names, err, errlen);
    if (n <= 0)
        return n;
    if (n > EXT_MAX) {
        snprintf(err, errlen, "more than %d extensions in %s (Lambda's limit); remove some",
                 EXT_MAX, dir);
        free_names(names, n);
        return -1;
    }
    ext_set *x = calloc(1, sizeof *x);
    char **xenv = ext_env(env);
    if (!x || !xenv || (x->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        snprintf(err, errlen, "cannot prepare the extensions: %s", strerror(errno));
        free(x);
        free(xenv);
        free_names(names, n);
        return -1;
    }
    x->gate_fd = -1;
    x->n = x->external = n;
    for (int i = 0; i < EXT_MAX; i++)
        x->p[i].log_fd[0] = x->p[i].log_fd[1] = -1;
    for (int i = 0; i < n; i++) {
        snprintf(x->p[i].name, sizeof x->p[i].name, "%s", names[i]);
        x->p[i].pidfd = -1;
    }
    /* The instance's Runtime API is already listening: its admission check
     * (live_roots) reads the set, its count and the pids under emu->lock. */
    pthread_mutex_lock(&inst->fn->emu->lock);
    inst->ext = x;
    pthread_mutex_unlock(&inst->fn->emu->lock);
    err[0] = '\0';
    int rc = fork_all(inst, x, dir, names, xenv, err, errlen);
    free(xenv);
    free_names(names, n);
    return rc;
}

/* ------------------------------------------------------------------------
 * The reaper
 * ------------------------------------------------------------------------ */

void ext_wake_reaper(ext_set *x)
{
    uint64_t one = 1;
    if (x->wake_fd < 0)
        return;
    ssize_t w = write(x->wake_fd, &one, sizeof one);
    (void)w;
}

/* Reap the extension processes that have exited (emu->lock not held). */
static void reap(instance *inst, struct pollfd *pf, const int *idx, int npf)
{
    emu *e = inst->fn->emu;
    for (int k = 0; k < npf; k++) {
        if (!pf[k].revents && pf[k].fd >= 0)
            continue; /* still running (fd -1: no pidfd, ask waitpid) */
        int status = 0;
        pid_t pid = inst->ext->p[idx[k]].pid;
        if (waitpid(pid, &status, WNOHANG) != pid)
            continue;
        pthread_mutex_lock(&e->lock);
        ext_exited(inst, idx[k], status);
        pthread_mutex_unlock(&e->lock);
    }
}

/* One round (emu->lock held): the pidfds to watch, the SIGKILL when due;
 * the poll timeout in ms, or -2 when every extension is gone and the
 * instance is going away. */
static int round_setup(ext_set *x, struct pollfd *pf, int *idx, int *npf)
{
    int64_t now = clock_mono_ns();
    int alive = 0, blind = 0;
    int due = x->kill_at_ns && now >= x->kill_at_ns;
    *npf = 0;
    pf[(*npf)++] = (struct pollfd){x->wake_fd, POLLIN, 0};
    for (int i = 0; i < x->external; i++) {
        if (x->p[i].exited)
            continue;
        alive++;
        if (due)
            proctree_signal(x->p[i].pid, SIGKILL);
        if (x->p[i].pidfd < 0) {
            blind = 1; /* no pidfd (old kernel): look every 50 ms */
            idx[*npf] = i;
            pf[(*npf)++] = (struct pollfd){-1, 0, 0};
            continue;
        }
        idx[*npf] = i;
        pf[(*npf)++] = (struct pollfd){x->p[i].pidfd, POLLIN, 0};
    }
    if (!alive && x->kill_at_ns)
        return -2;
    if (due || blind)
        return 50;
    return x->kill_at_ns ? (int)((x->kill_at_ns - now) / 1000000 + 1) : -1;
}

/* The output pipes still open, after the npf entries of pf (the reaper's
 * alone: no lock); returns the new count. */
static int log_setup(ext_set *x, struct pollfd *pf, int *idx, int npf)
{
    for (int i = 0; i < x->external; i++)
        for (int k = 0; k < 2; k++)
            if (x->p[i].log_fd[k] >= 0) {
                idx[npf] = i * 2 + k;
                pf[npf++] = (struct pollfd){x->p[i].log_fd[k], POLLIN, 0};
            }
    return npf;
}

static void *reaper_main(void *arg)
{
    instance *inst = arg;
    ext_set *x = inst->ext;
    emu *e = inst->fn->emu;
    for (;;) {
        struct pollfd pf[3 * EXT_MAX + 1];
        int idx[3 * EXT_MAX + 1], npf;
        pthread_mutex_lock(&e->lock);
        int timeout = round_setup(x, pf, idx, &npf);
        if (timeout == -2) {
            pthread_mutex_unlock(&e->lock);
            for (int i = 0; i < x->external; i++)
                ext_log_finish(inst, &x->p[i]);
            /* Every extension is gone: answer their polls, whose sockets
             * libmicrohttpd does not watch while they are suspended. */
            pthread_mutex_lock(&e->lock);
            x->closed = 1;
            for (int i = 0; i < x->n; i++)
                waiter_resume(x->p[i].poll);
            pthread_mutex_unlock(&e->lock);
            return NULL;
        }
        pthread_mutex_unlock(&e->lock);
        int nproc = npf;
        npf = log_setup(x, pf, idx, npf);
        if (poll(pf, (nfds_t)npf, timeout) < 0 && errno != EINTR)
            continue;
        uint64_t v;
        if (pf[0].revents && read(x->wake_fd, &v, sizeof v) < 0)
            v = 0;
        for (int k = nproc; k < npf; k++)
            if (pf[k].revents)
                ext_log_read(inst, &x->p[idx[k] / 2], idx[k] % 2);
        reap(inst, pf + 1, idx + 1, nproc - 1);
    }
}

int ext_gate(instance *inst, int fd, char *err, size_t errlen)
{
    emu *e = inst->fn->emu;
    ext_set *x = inst->ext;
    if (!x) {
        close(fd);
        return 0;
    }
    int rc = pthread_create(&x->reaper, NULL, reaper_main, inst);
    pthread_mutex_lock(&e->lock);
    x->reaper_started = rc == 0;
    int registered = 0;
    for (int i = 0; i < x->external; i++)
        registered += x->p[i].id[0] != '\0';
    if (registered == x->external)
        close(fd);
    else
        x->gate_fd = fd;
    pthread_mutex_unlock(&e->lock);
    if (rc != 0)
        snprintf(err, errlen, "cannot start a thread for the extensions: %s", strerror(rc));
    return rc == 0 ? 0 : -1;
}

static void free_set(instance *inst)
{
    ext_set *x = inst->ext;
    for (int i = 0; i < EXT_MAX; i++) {
        if (x->p[i].pidfd >= 0 && i < x->external)
            close(x->p[i].pidfd);
        lr_buf_free(&x->p[i].pending);
        for (int k = 0; k < 2; k++) {
            if (x->p[i].log_fd[k] >= 0)
                close(x->p[i].log_fd[k]);
            lr_buf_free(&x->p[i].log_part[k]);
        }
    }
    if (x->gate_fd >= 0)
        close(x->gate_fd);
    if (x->wake_fd >= 0)
        close(x->wake_fd);
    free(x);
    inst->ext = NULL;
}

void ext_abort(instance *inst)
{
    ext_set *x = inst->ext;
    if (!x)
        return;
    for (int i = 0; i < x->external; i++)
        if (x->p[i].pid > 0) {
            proctree_signal(x->p[i].pid, SIGKILL);
            waitpid(x->p[i].pid, NULL, 0);
        }
    if (x->reaper_started) {
        emu *e = inst->fn->emu;
        pthread_mutex_lock(&e->lock);
        for (int i = 0; i < x->external; i++)
            x->p[i].exited = 1;
        x->kill_at_ns = clock_mono_ns();
        ext_wake_reaper(x);
        pthread_mutex_unlock(&e->lock);
        pthread_join(x->reaper, NULL);
    }
    free_set(inst);
}

void ext_retire(instance *inst)
{
    if (!inst->ext)
        return;
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    ext_shutdown(inst, ext_shutdown_reason(inst)); /* if not yet */
    pthread_mutex_unlock(&e->lock);
    if (inst->ext->reaper_started)
        pthread_join(inst->ext->reaper, NULL);
    tel_halt(inst); /* nobody is left to deliver to */
    /* Its connections are answered: nothing refers to the set any more
     * once the Runtime API is stopped (retire() does that next). */
}

/* The pids of inst's living extension processes (emu->lock not held). */
static int live_roots(instance *inst, pid_t roots[EXT_MAX])
{
    emu *e = inst->fn->emu;
    int n = 0;
    pthread_mutex_lock(&e->lock);
    for (int i = 0; inst->ext && i < inst->ext->external; i++)
        if (!inst->ext->p[i].exited && inst->ext->p[i].pid > 0)
            roots[n++] = inst->ext->p[i].pid;
    pthread_mutex_unlock(&e->lock);
    return n;
}

void ext_signal(instance *inst, int sig)
{
    for (int i = 0; inst->ext && i < inst->ext->external; i++)
        if (!inst->ext->p[i].exited)
            proctree_signal(inst->ext->p[i].pid, sig);
}

long ext_hwm_kb(instance *inst)
{
    pid_t roots[EXT_MAX];
    int n = live_roots(inst, roots);
    long kb = 0;
    for (int i = 0; i < n; i++)
        kb += proctree_hwm_kb(roots[i]);
    return kb;
}

pid_t ext_process_holding(instance *inst, unsigned long inode)
{
    pid_t roots[EXT_MAX];
    int n = live_roots(inst, roots);
    for (int i = 0; i < n; i++) {
        pid_t pids[PROCTREE_MAX];
        size_t k = proctree_list(roots[i], pids, PROCTREE_MAX);
        while (k-- > 0)
            if (proctree_holds_socket(pids[k], inode))
                return pids[k];
    }
    return 0;
}

void ext_free(instance *inst)
{
    if (inst->ext) {
        tel_free(inst);
        free_set(inst);
    }
}
