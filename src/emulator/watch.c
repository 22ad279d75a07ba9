/*
 * watch.c -- hot reload (--watch, watch = true): an inotify watch on the
 * task root and its subdirectories.  Symbolic links are followed: one to a
 * directory is watched as part of the task root, one to a file (a plugin
 * linked from its build directory) has that directory watched for that
 * file only.  A change -- a file written and closed in place, moved in by a
 * rename as make and install do, created or deleted; temporary files
 * (.name, name~, name.swp, name.tmp) only once renamed -- starts a short
 * quiet period that gathers what else changes with it (a build writes
 * several files); then every function is reloaded (pool_reload: idle
 * instances stop, busy ones finish their invocations on the old code and
 * stop, new ones start on demand with the new code), one line says so on
 * stderr, and the event bus gets an EVB_RELOAD record.
 */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "emulator.h"
#include "evbus.h"
#include "watch.h"

#define MAX_WATCHES 1024 /* directories watched, the task root first */
#define MAX_DEPTH 8
#define MAX_LINKS 256 /* symbolic links to files outside the watched directories */
#define QUIET_MS 100  /* a reload waits for this long without a change */
#define GATHER_MS 400 /* but no longer than this after the first one */
#define MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)

static struct {
    emu *e;
    int fd, stop_fd;
    pthread_t thread;
    int running;
    struct {
        int wd;
        char *path;
    } dirs[MAX_WATCHES];
    int ndirs;
    struct { /* a symbolic link to a file elsewhere: its directory is watched */
        int wd;
        char *target; /* the file's name in that directory */
        char *name;   /* the link's path */
    } links[MAX_LINKS];
    int nlinks;
    char changed[512]; /* what changed, for the reload line */
    int nchanged;
} w = {.fd = -1, .stop_fd = -1};

static void add_dir(const char *path, int depth);

/* A symbolic link: a directory is watched as one of the task root's; for a
 * file, the directory it is in (a build directory) is watched for it. */
static void add_link(const char *path, int depth)
{
    struct stat st;
    char *real = realpath(path, NULL);
    if (!real || stat(real, &st) < 0 || w.nlinks >= MAX_LINKS) {
        free(real);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        add_dir(real, depth);
        free(real);
        return;
    }
    char *slash = strrchr(real, '/');
    *slash = '\0';
    int wd = inotify_add_watch(w.fd, *real ? real : "/", MASK | IN_ONLYDIR);
    if (wd >= 0) {
        w.links[w.nlinks].wd = wd;
        w.links[w.nlinks].target = strdup(slash + 1);
        w.links[w.nlinks].name = strdup(path);
        w.nlinks++;
    }
    free(real);
}

static void add_dir(const char *path, int depth)
{
    if (w.ndirs >= MAX_WATCHES || depth > MAX_DEPTH)
        return;
    int wd = inotify_add_watch(w.fd, path, MASK | IN_ONLYDIR);
    if (wd < 0)
        return;
    for (int i = 0; i < w.ndirs; i++)
        if (w.dirs[i].wd == wd)
            return; /* already watched (a directory seen twice) */
    w.dirs[w.ndirs].wd = wd;
    w.dirs[w.ndirs].path = strdup(path);
    w.ndirs++;
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || strcmp(de->d_name, "..") == 0))
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_LNK)
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        if (de->d_type == DT_LNK)
            add_link(sub, depth + 1);
        else
            add_dir(sub, depth + 1);
    }
    if (d)
        closedir(d);
}

static const char *dir_of(int wd)
{
    for (int i = 0; i < w.ndirs; i++)
        if (w.dirs[i].wd == wd)
            return w.dirs[i].path;
    return NULL;
}

/* The link whose target is name in the directory watched as wd, or NULL. */
static const char *link_named(int wd, const char *name)
{
    for (int i = 0; i < w.nlinks; i++)
        if (w.links[i].wd == wd && strcmp(w.links[i].target, name) == 0)
            return w.links[i].name;
    return NULL;
}

/* A temporary file of an editor or a build (.name, name~, name.swp,
 * name.tmp): it changes nothing until it is renamed. */
static int temporary(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' || (n && name[n - 1] == '~') ||
           (n > 4 && (strcmp(name + n - 4, ".swp") == 0 || strcmp(name + n - 4, ".tmp") == 0));
}

/* Note one event (0 when it is ignored): a new directory is watched too;
 * the name is kept for the reload line (the first few). */
static int note(const struct inotify_event *ev)
{
    if (ev->len && temporary(ev->name))
        return 0;
    char path[4096];
    const char *dir = dir_of(ev->wd), *link = NULL;
    if (!dir && !(link = ev->len ? link_named(ev->wd, ev->name) : NULL))
        return 0; /* another file of a linked file's directory */
    if (link)
        snprintf(path, sizeof path, "%s", link);
    else
        snprintf(path, sizeof path, "%s/%s", dir, ev->len ? ev->name : "");
    if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
        add_dir(path, 1);
    const char *how = ev->mask & IN_MOVED_TO      ? "replaced"
                      : ev->mask & IN_CLOSE_WRITE ? "rewritten"
                      : ev->mask & IN_CREATE      ? "created"
                      : ev->mask & IN_ATTRIB      ? "attributes changed"
                                                  : "removed";
    size_t root = strlen(w.dirs[0].path);
    const char *name =
        strncmp(path, w.dirs[0].path, root) == 0 && path[root] == '/' ? path + root + 1 : path;
    if (w.nchanged < 4) {
        size_t used = strlen(w.changed);
        snprintf(w.changed + used, sizeof w.changed - used, "%s%s (%s)", used ? ", " : "", name,
                 how);
    }
    w.nchanged++;
    return 1;
}

/* Read what inotify has; 1 if anything changed. */
static int drain(void)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int any = 0;
    for (;;) {
        ssize_t n = read(w.fd, buf, sizeof buf);
        if (n <= 0)
            return any;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->mask & IN_Q_OVERFLOW) {
                snprintf(w.changed, sizeof w.changed, "many files");
                any = 1;
            } else if (!(ev->mask & IN_IGNORED))
                any |= note(ev);
            p += sizeof *ev + ev->len;
        }
    }
}

static void reload(void)
{
    long stopped, finishing;
    pool_reload(w.e, &stopped, &finishing);
    lr_buf b = {0};
    lr_buf_printf(&b, "%s%s; idle instances stopped: %ld, finishing their invocations: %ld",
                  w.changed, w.nchanged > 4 ? " and more" : "", stopped, finishing);
    fprintf(stderr, "lambda-emulator: reload: %s\n", b.data ? b.data : "");
    evbus_rec r;
    memset(&r, 0, sizeof r);
    r.type = EVB_RELOAD;
    r.text = b.data ? b.data : "";
    r.len = b.len;
    evbus_publish(&r);
    lr_buf_free(&b);
    w.changed[0] = '\0';
    w.nchanged = 0;
}

/* Wait for fds (timeout ms, -1 = none); 0 on stop. */
static int wait_for(int timeout)
{
    struct pollfd p[2] = {{w.fd, POLLIN, 0}, {w.stop_fd, POLLIN, 0}};
    int rc = poll(p, 2, timeout);
    if (rc < 0 && errno != EINTR)
        return 0;
    return !p[1].revents;
}

static void *watch_main(void *arg)
{
    while (wait_for(-1)) {
        if (!drain())
            continue;
        /* Gather: until QUIET_MS pass without a change (GATHER_MS at most). */
        int64_t until = clock_mono_ns() + GATHER_MS * 1000000LL;
        int more = 1;
        while (more && clock_mono_ns() < until) {
            if (!wait_for(QUIET_MS))
                return NULL;
            more = drain();
        }
        reload();
    }
    return NULL;
}

int watch_start(emu *e, char *err, size_t errlen)
{
    if (!e->st->watch)
        return 0;
    w.e = e;
    w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    w.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w.fd < 0 || w.stop_fd < 0) {
        snprintf(err, errlen, "--watch: inotify: %s", strerror(errno));
        watch_stop();
        return -1;
    }
    add_dir(e->st->task_root, 0);
    if (w.ndirs == 0) {
        snprintf(err, errlen, "--watch: cannot watch the task root %s: %s", e->st->task_root,
                 strerror(errno));
        watch_stop();
        return -1;
    }
    if (pthread_create(&w.thread, NULL, watch_main, NULL) != 0) {
        snprintf(err, errlen, "--watch: cannot start the watch thread");
        watch_stop();
        return -1;
    }
    w.running = 1;
    return 0;
}

void watch_stop(void)
{
    if (w.running) {
        uint64_t one = 1;
        if (write(w.stop_fd, &one, sizeof one) < 0)
            perror("lambda-emulator: --watch: eventfd");
        pthread_join(w.thread, NULL);
        w.running = 0;
    }
    for (int i = 0; i < w.ndirs; i++)
        free(w.dirs[i].path);
    for (int i = 0; i < w.nlinks; i++) {
        free(w.links[i].target);
        free(w.links[i].name);
    }
    w.ndirs = w.nlinks = 0;
    if (w.fd >= 0)
        close(w.fd);
    if (w.stop_fd >= 0)
        close(w.stop_fd);
    w.fd = w.stop_fd = -1;
}
