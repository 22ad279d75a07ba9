/*
 * fuzz-ini.c -- the INI reader (src/common/cfg.c, cfg_load on top of
 * inih).  The input is the file; the key tables cover every key type, a
 * section with a name ([function NAME]), a section skipped by this program
 * and a handler for keys outside the table (env.NAME).  Invariants: the load
 * succeeds or fails with "PATH:LINE: message" (or "PATH: ..."), the line is
 * within the file, stored values respect their bounds, and nothing leaks or
 * is read out of bounds (ASan).
 */
#include "config.h" /* autoconf's: _GNU_SOURCE for memfd_create */
#include "fuzz.h"
#include "src/common/cfg.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct conf {
    char *text;
    long count;
    int flag, choice;
    double wait;
    int env_seen;
};

struct fn {
    char *handler;
    long memory;
};

static const char *const choices[] = {"Text", "JSON", NULL};

static const cfg_key main_keys[] = {
    {"text", CFG_STRING, offsetof(struct conf, text), 0, 0, NULL},
    {"count", CFG_INT, offsetof(struct conf, count), 1, 1000, NULL},
    {"flag", CFG_BOOL, offsetof(struct conf, flag), 0, 0, NULL},
    {"choice", CFG_ENUM, offsetof(struct conf, choice), 0, 0, choices},
    {"wait", CFG_SECONDS, offsetof(struct conf, wait), 0, 900, NULL},
    CFG_KEY_END,
};

static const cfg_key fn_keys[] = {
    {"handler", CFG_STRING, offsetof(struct fn, handler), 0, 0, NULL},
    {"memory", CFG_INT, offsetof(struct fn, memory), 128, 10240, NULL},
    CFG_KEY_END,
};

struct loaded {
    struct conf conf;
    struct fn fns[4];
    int nfns;
};

static void *whole(void *ud, const char *arg, char *err, size_t errlen)
{
    return &((struct loaded *)ud)->conf;
}

/* [function NAME]: up to 4 of them, as a program with a fixed table would */
static void *function(void *ud, const char *arg, char *err, size_t errlen)
{
    struct loaded *l = ud;
    FUZZ_CHECK(arg && *arg);
    if (l->nfns == 4) {
        snprintf(err, errlen, "too many [function] sections");
        return NULL;
    }
    return &l->fns[l->nfns++];
}

static int other(void *target, const char *key, const char *value, char *err, size_t errlen)
{
    if (strncmp(key, "env.", 4) == 0 && key[4]) {
        ((struct conf *)target)->env_seen++;
        return 0;
    }
    snprintf(err, errlen, "unknown key '%s'", key);
    return -1;
}

static const cfg_section sections[] = {
    {"runtime", 0, main_keys, whole, other},
    {"function", 1, fn_keys, function, NULL},
    {"emulator", 0, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL},
};

static int file_fd = -1;
static char file_path[64];

static int count_lines(const uint8_t *data, size_t size)
{
    int n = 1;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

static void check_error(const char *err, const uint8_t *data, size_t size)
{
    size_t pl = strlen(file_path);
    FUZZ_CHECK(strncmp(err, file_path, pl) == 0 && err[pl] == ':');
    if (err[pl + 1] >= '0' && err[pl + 1] <= '9') {
        int line = atoi(err + pl + 1);
        FUZZ_CHECK(line >= 1 && line <= count_lines(data, size));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (file_fd < 0) {
        /* an in-memory file: cfg_load opens it by name like any other */
        file_fd = memfd_create("fuzz-ini", 0);
        FUZZ_CHECK(file_fd >= 0);
        snprintf(file_path, sizeof file_path, "/proc/self/fd/%d", file_fd);
    }
    FUZZ_CHECK(ftruncate(file_fd, 0) == 0);
    FUZZ_CHECK(pwrite(file_fd, data, size, 0) == (ssize_t)size);

    struct loaded l;
    memset(&l, 0, sizeof l);
    char err[1024];
    err[0] = '\0';
    int rc = cfg_load(file_path, sections, &l, 0, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc < 0) {
        check_error(err, data, size);
    } else {
        FUZZ_CHECK(l.conf.count == 0 || (l.conf.count >= 1 && l.conf.count <= 1000));
        FUZZ_CHECK(l.conf.flag == 0 || l.conf.flag == 1);
        FUZZ_CHECK(l.conf.choice == 0 || l.conf.choice == 1);
        FUZZ_CHECK(l.conf.wait >= 0 && l.conf.wait <= 900);
        for (int i = 0; i < l.nfns; i++)
            FUZZ_CHECK(l.fns[i].memory == 0 ||
                       (l.fns[i].memory >= 128 && l.fns[i].memory <= 10240));
    }
    cfg_free(main_keys, &l.conf);
    for (int i = 0; i < l.nfns; i++)
        cfg_free(fn_keys, &l.fns[i]);
    return 0;
}
