/*
 * instance.c -- one execution environment: the runtime as a child process
 * (its own process group, the Lambda environment, cwd = task root, stdout
 * and stderr on pipes), the thread that passes its output through line by
 * line (keeping lines for Tail) and reaps it, and its peak memory.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include <microhttpd.h>

#include "clock.h"
#include "emulator.h"
#include "evbus.h"
#include "extensions.h"
#include "proctree.h"

#ifndef LR_RUNTIME_DIR
#define LR_RUNTIME_DIR "/var/runtime"
#endif

extern char **environ;

#define MAX_LINE (256 * 1024)

/* ------------------------------------------------------------------------
 * The environment Lambda gives a runtime (AWS: "Defined Lambda environment variables")
 * ------------------------------------------------------------------------ */

typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

static int strv_add(strv *s, char *str)
{
    if (!str)
        return -1;
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            free(str);
            return -1;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    s->v[s->n] = NULL;
    return 0;
}

static void strv_free(strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static char *kv(const char *name, const char *value)
{
    lr_buf b = {0};
    if (lr_buf_printf(&b, "%s=%s", name, value) < 0) {
        lr_buf_free(&b);
        return NULL;
    }
    return lr_buf_take(&b, NULL);
}

/* Is NAME=... in list (of "NAME=VALUE" strings or env_var)? */
static int named(const char *entry, const char *const *names, const env_var *env)
{
    size_t n = strcspn(entry, "=");
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == n && strncmp(entry, names[i], n) == 0)
            return 1;
    for (; env; env = env->next)
        if (strlen(env->name) == n && strncmp(entry, env->name, n) == 0)
            return 1;
    return 0;
}

static int build_env(instance *inst, strv *out)
{
    function *fn = inst->fn;
    const fn_settings *s = fn->s;
    const emu_settings *st = fn->emu->st;
    char port[64], mem[32], conc[32], stream[96];
    snprintf(port, sizeof port, "127.0.0.1:%u", inst->port);
    snprintf(mem, sizeof mem, "%ld", s->memory_size);
    snprintf(conc, sizeof conc, "%ld", s->max_concurrency);
    {
        char day[16], hexid[40];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(day, sizeof day, "%Y/%m/%d", &tm);
        uuid_t u;
        uuid_generate_random(u);
        for (int i = 0; i < 16; i++)
            snprintf(hexid + 2 * i, 3, "%02x", u[i]);
        snprintf(stream, sizeof stream, "%s/[$LATEST]%s", day, hexid);
    }
    char group[160];
    snprintf(group, sizeof group, "/aws/lambda/%s", fn->name);
    const char *init_type = s->max_concurrency > 0  ? "lambda-managed-instances"
                            : s->init == INIT_EAGER ? "provisioned-concurrency"
                                                    : "on-demand";
    const char *const ours[][2] = {
        {"_HANDLER", s->handler},
        {"LAMBDA_TASK_ROOT", st->task_root},
        {"LAMBDA_RUNTIME_DIR", LR_RUNTIME_DIR},
        {"AWS_LAMBDA_RUNTIME_API", port},
        {"AWS_REGION", st->region},
        {"AWS_DEFAULT_REGION", st->region},
        {"AWS_LAMBDA_FUNCTION_NAME", fn->name},
        {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
        {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", mem},
        {"AWS_LAMBDA_LOG_GROUP_NAME", group},
        {"AWS_LAMBDA_LOG_STREAM_NAME", stream},
        {"AWS_LAMBDA_INITIALIZATION_TYPE", init_type},
        {"AWS_LAMBDA_LOG_FORMAT", s->log_format < 0              ? NULL
                                  : s->log_format == LOGFMT_JSON ? "JSON"
                                                                 : "Text"},
        {"AWS_LAMBDA_LOG_LEVEL", s->log_level >= 0 ? settings_log_levels[s->log_level] : NULL},
        {"AWS_LAMBDA_MAX_CONCURRENCY", s->max_concurrency > 0 ? conc : NULL},
        {"LAMBDA_RUNTIME_CONFIG", st->config_path},
        {"TZ", ":UTC"},
    };
    const size_t nours = sizeof ours / sizeof ours[0];
    const char *names[sizeof ours / sizeof ours[0] + 1];
    for (size_t i = 0; i < nours; i++)
        names[i] = ours[i][0];
    names[nours] = NULL;
    /* The emulator's own environment (PATH, credentials, ...), then the
     * function's env.NAME values, then what Lambda itself sets. */
    for (char **e = environ; *e; e++)
        if (!named(*e, names, s->env) && strv_add(out, strdup(*e)) < 0)
            return -1;
    for (const env_var *v = s->env; v; v = v->next)
        if (!named(v->name, names, NULL) && strv_add(out, kv(v->name, v->value)) < 0)
            return -1;
    for (size_t i = 0; i < nours; i++) {
        if (!ours[i][1])
            continue;
        if (strcmp(ours[i][0], "TZ") == 0) {
            int user_tz = 0;
            for (const env_var *v = s->env; v; v = v->next)
                user_tz |= strcmp(v->name, "TZ") == 0;
            if (user_tz) {
                for (const env_var *v = s->env; v; v = v->next)
                    if (strcmp(v->name, "TZ") == 0 && strv_add(out, kv("TZ", v->value)) < 0)
                        return -1;
                continue;
            }
        }
        if (strv_add(out, kv(ours[i][0], ours[i][1])) < 0)
            return -1;
    }
    return 0;
}

#define SHELL_CHARS ";&|<>()$`\\\"'=*?\n"

/* "exec CMD" when CMD is a plain command line, so the runtime replaces the
 * shell and its exit status and signals are its own. */
static char *shell_command(const char *cmd)
{
    lr_buf b = {0};
    if (strpbrk(cmd, SHELL_CHARS) == NULL)
        lr_buf_printf(&b, "exec %s", cmd);
    else
        lr_buf_printf(&b, "%s", cmd);
    return lr_buf_take(&b, NULL);
}

/* ------------------------------------------------------------------------
 * Output lines
 * ------------------------------------------------------------------------ */

/* The running invocation of inst whose request id the line carries (the
 * Text and JSON log formats both do, as does anything that prints it), or
 * with one slot, the one running: at concurrency 1 all output is the
 * invocation's, as on Lambda.  NULL otherwise: the line is the instance's,
 * no caller's (emu->lock held). */
static invocation *line_owner(instance *inst, const char *line, size_t len)
{
    for (invocation *inv = inst->running; inv; inv = inv->r_next)
        if (memmem(line, len, inv->id, strlen(inv->id)))
            return inv;
    return inst->slots == 1 ? inst->running : NULL;
}

static void emit_line(instance *inst, int idx, const char *line, size_t len)
{
    report_line(idx == 0 ? 1 : 2, line, len);
    int bus = evbus_active();
    if (bus || __atomic_load_n(&inst->ntail, __ATOMIC_RELAXED) > 0) {
        emu *e = inst->fn->emu;
        pthread_mutex_lock(&e->lock);
        invocation *inv = line_owner(inst, line, len);
        if (inv && inv->tail)
            inv_tail_append(inv, line, len);
        if (bus)
            evpub_line(inst, inv, idx == 0 ? 1 : 2, line, len);
        pthread_mutex_unlock(&e->lock);
    }
}

static void emit_lines(instance *inst, int idx, int flush)
{
    lr_buf *p = &inst->partial[idx];
    size_t start = 0;
    for (size_t i = 0; i < p->len; i++)
        if (p->data[i] == '\n') {
            emit_line(inst, idx, p->data + start, i + 1 - start);
            start = i + 1;
        }
    if ((flush || p->len - start > MAX_LINE) && p->len > start) {
        lr_buf_append(p, "\n", 1);
        emit_line(inst, idx, p->data + start, p->len - start);
        start = p->len;
    }
    lr_buf_consume(p, start);
}

/* Read what fd idx holds now (log_lock held).  Closes it at end of file. */
static void read_fd(instance *inst, int idx)
{
    int *fd = idx == 0 ? &inst->out_fd : &inst->err_fd;
    char buf[65536];
    while (*fd >= 0) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            lr_buf_append(&inst->partial[idx], buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        close(*fd);
        *fd = -1;
        emit_lines(inst, idx, 1);
        return;
    }
    emit_lines(inst, idx, 0);
}

void instance_drain(instance *inst)
{
    pthread_mutex_lock(&inst->log_lock);
    /* One system call when, as usual, there is nothing to read. */
    struct pollfd p[2] = {{inst->out_fd, POLLIN, 0}, {inst->err_fd, POLLIN, 0}};
    if (poll(p, 2, 0) > 0) {
        if (p[0].revents)
            read_fd(inst, 0);
        if (p[1].revents)
            read_fd(inst, 1);
    }
    pthread_mutex_unlock(&inst->log_lock);
}

/* ------------------------------------------------------------------------
 * Memory: peak RSS of the process and its descendants
 * ------------------------------------------------------------------------ */

long instance_peak_rss_kb(instance *inst)
{
    /* Processes that died (a crashed worker) no longer count: the figure is
     * that of the processes alive now, as for a fresh environment. */
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    pid_t root = inst->dead ? 0 : inst->pid;
    long kb = inst->hwm_kb;
    pthread_mutex_unlock(&e->lock);
    if (root <= 0)
        return kb;
    /* Lambda's figure is the whole environment's: extensions count. */
    kb = proctree_hwm_kb(root) + ext_hwm_kb(inst);
    pthread_mutex_lock(&e->lock);
    if (inst->dead) /* died meanwhile: the reaper's figure stands */
        kb = inst->hwm_kb > kb ? inst->hwm_kb : kb;
    inst->hwm_kb = kb;
    pthread_mutex_unlock(&e->lock);
    return kb;
}

pid_t instance_process_holding(instance *inst, unsigned long inode)
{
    emu *e = inst->fn->emu;
    pthread_mutex_lock(&e->lock);
    pid_t root = inst->dead ? 0 : inst->pid;
    pthread_mutex_unlock(&e->lock);
    pid_t pids[PROCTREE_MAX];
    size_t n = proctree_list(root, pids, PROCTREE_MAX);
    /* Children come after their parent: look from the deepest. */
    while (n-- > 0)
        if (proctree_holds_socket(pids[n], inode))
            return pids[n];
    return ext_process_holding(inst, inode);
}

/* ------------------------------------------------------------------------
 * The process
 * ------------------------------------------------------------------------ */

static void *instance_main(void *arg)
{
    instance *inst = arg;
    pid_t pid = inst->pid;
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    for (;;) {
        struct pollfd p[3] = {
            {inst->out_fd, POLLIN, 0}, {inst->err_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
        int rc = poll(p, 3, pidfd >= 0 ? -1 : 50);
        if (rc < 0 && errno != EINTR)
            break;
        if (p[0].revents || p[1].revents)
            instance_drain(inst);
        pid_t r = wait4(pid, &status, WNOHANG, &ru);
        if (r == pid || (r < 0 && errno == ECHILD))
            break;
        if (p[2].revents && r == 0) /* pidfd says exited, wait4 disagrees: block */
            if (wait4(pid, &status, 0, &ru) == pid)
                break;
    }
    if (pidfd >= 0)
        close(pidfd);
    /* Whatever it left behind (workers) goes too; read their last words. */
    kill(-pid, SIGKILL);
    int64_t until = clock_mono_ns() + 300 * 1000000LL;
    while ((inst->out_fd >= 0 || inst->err_fd >= 0) && clock_mono_ns() < until) {
        struct pollfd p[2] = {{inst->out_fd, POLLIN, 0}, {inst->err_fd, POLLIN, 0}};
        if (poll(p, 2, 50) > 0)
            instance_drain(inst);
    }
    pthread_mutex_lock(&inst->log_lock);
    emit_lines(inst, 0, 1);
    emit_lines(inst, 1, 1);
    pthread_mutex_unlock(&inst->log_lock);
    pool_instance_gone(inst, status, ru.ru_maxrss);
    return NULL;
}

/* A plain command line whose program is a path (the default, LAMBDA_RUNTIME_DIR/
 * bootstrap) runs without a shell, split at blanks: the minimal image has no
 * /bin/sh.  NULL (run by /bin/sh) otherwise, or when out of memory. */
static char **direct_argv(const char *cmd)
{
    cmd += strspn(cmd, " \t");
    if (strpbrk(cmd, SHELL_CHARS "#~") || !strchr(cmd, '/') || *cmd == '\0')
        return NULL;
    size_t len = strlen(cmd), n = 0;
    char **argv = malloc((len / 2 + 2) * sizeof *argv + len + 1);
    if (!argv)
        return NULL;
    char *words = (char *)(argv + len / 2 + 2);
    memcpy(words, cmd, len + 1);
    char *save = NULL;
    for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        argv[n++] = w;
    argv[n] = NULL;
    if (!strchr(argv[0], '/')) {
        free(argv);
        return NULL;
    }
    return argv;
}

/* The forked child: async-signal-safe calls only.  It waits until the
 * parent has recorded its pid (go closed): the Runtime API admits only the
 * processes of a known pid's tree. */
static void run_child(int out, int err, int go[2], const char *task_root, const char *cmd,
                      char **argv, char **env)
{
    proctree_child_setup(out, err, go);
    if (chdir(task_root) < 0) {
        static const char msg[] = "lambda-emulator: cannot enter the task root directory\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(127);
    }
    if (argv)
        execve(argv[0], argv, env);
    else
        execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, env);
    _exit(127);
}

/* A started runtime (and its extensions) that cannot go on: killed and reaped
 * here, as no thread of its own will. */
static void abandon(instance *inst, pid_t pid)
{
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ext_abort(inst);
}

/* Once the runtime's pid is recorded: let it start (with extensions, once
 * they have all registered; closing go_w) and start the thread that reads
 * its output and reaps it.  -2 when it had to be abandoned. */
static int instance_go(instance *inst, pid_t pid, int go_w, char *err, size_t errlen)
{
    if (ext_gate(inst, go_w, err, errlen) < 0) {
        abandon(inst, pid);
        return -2;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&inst->log_thread, &attr, instance_main, inst);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        abandon(inst, pid);
        snprintf(err, errlen, "cannot start a thread for the runtime: %s", strerror(rc));
        return -2;
    }
    return 0;
}

int instance_start(instance *inst, char *err, size_t errlen)
{
    function *fn = inst->fn;
    emu *e = fn->emu;
    int out[2] = {-1, -1}, errp[2] = {-1, -1}, go[2] = {-1, -1};
    strv env = {0};
    char *cmd = NULL;
    char **argv = NULL;
    pthread_mutex_init(&inst->log_lock, NULL);
    inst->rapi = runtime_api_start(inst, &inst->port, err, errlen);
    if (!inst->rapi)
        return -1;
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create pipes for the runtime: %s", strerror(errno));
        goto fail;
    }
    argv = direct_argv(fn->s->runtime);
    if (build_env(inst, &env) < 0 || !(cmd = shell_command(fn->s->runtime))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    /* The extensions first: the runtime starts once they have registered. */
    if (ext_launch(inst, env.v, err, errlen) < 0)
        goto fail;
    const char *task_root = e->st->task_root;
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start the runtime: fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        run_child(out[1], errp[1], go, task_root, cmd, argv, env.v);
    setpgid(pid, pid);
    close(out[1]);
    close(errp[1]);
    close(go[0]);
    inst->out_fd = out[0];
    inst->err_fd = errp[0];
    fcntl(inst->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(inst->err_fd, F_SETFL, O_NONBLOCK);
    strv_free(&env);
    free(cmd);
    free(argv);

    pthread_mutex_lock(&e->lock);
    inst->pid = pid;
    inst->spawn_ns = clock_mono_ns();
    inst->init_deadline_ns = inst->spawn_ns + (int64_t)(fn->s->init_timeout * 1e9);
    if (inst->killed)
        kill(-pid, SIGKILL);
    pthread_mutex_unlock(&e->lock);
    return instance_go(inst, pid, go[1], err, errlen);
fail:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0)
            close(out[i]);
        if (errp[i] >= 0)
            close(errp[i]);
        if (go[i] >= 0)
            close(go[i]);
    }
    inst->out_fd = inst->err_fd = -1;
    ext_abort(inst);
    strv_free(&env);
    free(cmd);
    free(argv);
    return -1;
}

void instance_release(instance *inst)
{
    if (inst->out_fd >= 0)
        close(inst->out_fd);
    if (inst->err_fd >= 0)
        close(inst->err_fd);
    inst->out_fd = inst->err_fd = -1;
    lr_buf_free(&inst->partial[0]);
    lr_buf_free(&inst->partial[1]);
    ext_free(inst);
    if (inst->pid != 0)
        pthread_mutex_destroy(&inst->log_lock);
}
