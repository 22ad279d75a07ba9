/*
 * config.c -- typed, validated INI loading on top of inih (see config.h).
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct load_state {
    const char *path;
    const cfg_section *sections;
    void *ud;
    /* the section being read */
    char cur_name[128];
    const cfg_section *cur;
    void *cur_target;
    FILE *file;
    int line;
    int failed;
    char *err;
    size_t errlen;
};

int cfg_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0')
        return -1;
    if ((min || max) && (v < min || v > max))
        return -1;
    *out = v;
    return 0;
}

int cfg_parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v < 0)
        return -1;
    if (strcmp(end, "ms") == 0)
        v /= 1000.0;
    else if (strcmp(end, "s") != 0 && *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on", NULL};
    static const char *const no[] = {"0", "false", "no", "off", NULL};
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
    for (int i = 0; no[i]; i++)
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}

static void join_choices(const char *const *choices, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; choices[i] && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", choices[i]);
}

int cfg_set(const cfg_key *keys, void *target, const char *key,
            const char *value, char *err, size_t errlen)
{
    const cfg_key *k;
    for (k = keys; k->name; k++)
        if (strcmp(k->name, key) == 0)
            break;
    if (!k->name)
        return 1;

    char *field = (char *)target + k->offset;
    switch (k->type) {
    case CFG_STRING: {
        char *copy = strdup(value);
        if (!copy) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(*(char **)field);
        *(char **)field = copy;
        return 0;
    }
    case CFG_INT: {
        long v;
        if (cfg_parse_long(value, k->min, k->max, &v) == 0) {
            *(long *)field = v;
            return 0;
        }
        if (k->min || k->max)
            snprintf(err, errlen, "bad value '%s' for %s: expected an integer from %ld to %ld",
                     value, key, k->min, k->max);
        else
            snprintf(err, errlen, "bad value '%s' for %s: expected an integer", value, key);
        return -1;
    }
    case CFG_BOOL:
        if (parse_bool(value, (int *)field) == 0)
            return 0;
        snprintf(err, errlen, "bad value '%s' for %s: expected true or false", value, key);
        return -1;
    case CFG_ENUM:
        for (int i = 0; k->choices[i]; i++)
            if (strcasecmp(value, k->choices[i]) == 0) {
                *(int *)field = i;
                return 0;
            }
        {
            char list[256];
            join_choices(k->choices, list, sizeof list);
            snprintf(err, errlen, "bad value '%s' for %s: expected one of %s", value, key, list);
        }
        return -1;
    case CFG_SECONDS: {
        double v;
        if (cfg_parse_seconds(value, &v) == 0 &&
            (!(k->min || k->max) || (v >= (double)k->min && v <= (double)k->max))) {
            *(double *)field = v;
            return 0;
        }
        if (k->min || k->max)
            snprintf(err, errlen, "bad value '%s' for %s: expected seconds from %ld to %ld (e.g. 3, 2.5 or 500ms)",
                     value, key, k->min, k->max);
        else
            snprintf(err, errlen, "bad value '%s' for %s: expected seconds (e.g. 3, 2.5 or 500ms)",
                     value, key);
        return -1;
    }
    }
    snprintf(err, errlen, "internal error: key %s has no type", key);
    return -1;
}

int cfg_set_from(const cfg_key *keys, void *target, const char *key,
                 const char *value, const char *source, char *err, size_t errlen)
{
    if (!value || !*value)
        return 0;
    char msg[512];
    int rc = cfg_set(keys, target, key, value, msg, sizeof msg);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", source, msg);
    else if (rc > 0)
        snprintf(err, errlen, "%s: internal error: no key %s", source, key);
    return rc ? -1 : 0;
}

void cfg_free(const cfg_key *keys, void *target)
{
    for (const cfg_key *k = keys; k->name; k++)
        if (k->type == CFG_STRING) {
            char **p = (char **)((char *)target + k->offset);
            free(*p);
            *p = NULL;
        }
}

__attribute__((format(printf, 3, 4)))
static void fail(struct load_state *st, int line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(st->err, st->errlen, "%s:%d: %s", st->path, line, msg);
    st->failed = 1;
}

static int enter_section(struct load_state *st, const char *header, int line)
{
    char name[128];
    const char *arg = NULL;
    snprintf(name, sizeof name, "%s", header);
    char *sp = strpbrk(name, " \t");
    if (sp) {
        *sp++ = '\0';
        while (*sp == ' ' || *sp == '\t')
            sp++;
        arg = *sp ? sp : NULL;
    }
    snprintf(st->cur_name, sizeof st->cur_name, "%s", header);
    st->cur = NULL;
    st->cur_target = NULL;
    for (const cfg_section *s = st->sections; s->name; s++) {
        if (strcmp(s->name, name) != 0)
            continue;
        if (s->has_arg && !arg) {
            fail(st, line, "section [%s] needs a name: [%s NAME]", name, name);
            return -1;
        }
        if (!s->has_arg && arg) {
            fail(st, line, "section [%s] takes no name (found '%s')", name, arg);
            return -1;
        }
        st->cur = s;
        if (!s->keys)
            return 0;
        char msg[256] = "";
        st->cur_target = s->target(st->ud, arg, msg, sizeof msg);
        if (!st->cur_target) {
            fail(st, line, "%s", msg);
            return -1;
        }
        return 0;
    }
    char list[256] = "";
    size_t used = 0;
    for (const cfg_section *s = st->sections; s->name && used < sizeof list; s++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s[%s%s]",
                                 s == st->sections ? "" : ", ", s->name, s->has_arg ? " NAME" : "");
    fail(st, line, "unknown section [%s]; known sections: %s", header, list);
    return -1;
}

/* Debian's inih is built without INI_HANDLER_LINENO, so the line number is
 * counted by our own reader: inih calls the handler right after each line. */
static char *read_line(char *buf, int size, void *user)
{
    struct load_state *st = user;
    char *s = fgets(buf, size, st->file);
    if (!s)
        return NULL;
    st->line++;
    /* Check a section header as soon as it is read, so that an unknown
     * section is refused even when no key follows it. */
    const char *p = s + strspn(s, " \t");
    const char *end = *p == '[' ? strchr(p, ']') : NULL;
    if (end && !st->failed) {
        char header[128];
        snprintf(header, sizeof header, "%.*s", (int)(end - p - 1), p + 1);
        if (enter_section(st, header, st->line) < 0)
            return NULL; /* ends the parse; cfg_load reports st->err */
    }
    return s;
}

static int on_value(void *user, const char *section, const char *key,
                    const char *value)
{
    struct load_state *st = user;
    int line = st->line;
    if (st->failed)
        return 0;
    if (!section[0]) {
        fail(st, line, "key '%s' is outside any section; put it under [runtime], [log], [emulator] or [function NAME]", key);
        return 0;
    }
    if (!st->cur || strcmp(st->cur_name, section) != 0)
        if (enter_section(st, section, line) < 0)
            return 0;
    if (!key) /* section header only (INI_CALL_HANDLER_ON_NEW_SECTION) */
        return 1;
    if (!st->cur->keys)
        return 1;
    char msg[512];
    int rc = cfg_set(st->cur->keys, st->cur_target, key, value, msg, sizeof msg);
    if (rc > 0 && st->cur->other)
        rc = st->cur->other(st->cur_target, key, value, msg, sizeof msg) ? -1 : 0;
    else if (rc > 0) {
        char list[512];
        size_t used = 0;
        list[0] = '\0';
        for (const cfg_key *k = st->cur->keys; k->name && used < sizeof list; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     k == st->cur->keys ? "" : ", ", k->name);
        snprintf(msg, sizeof msg, "unknown key '%s' in [%s]; known keys: %s", key, section, list);
        rc = -1;
    }
    if (rc < 0) {
        fail(st, line, "%s", msg);
        return 0;
    }
    return 1;
}

int cfg_load(const char *path, const cfg_section *sections, void *ud,
             int missing_ok, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (missing_ok && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: cannot open configuration file: %s", path, strerror(errno));
        return -1;
    }
    struct load_state st = {.path = path, .sections = sections, .ud = ud,
                            .err = err, .errlen = errlen, .file = f};
    int rc = ini_parse_stream(read_line, &st, on_value, &st);
    fclose(f);
    if (st.failed)
        return -1;
    if (rc > 0) {
        snprintf(err, errlen, "%s:%d: syntax error: expected [section], key = value, or a ; comment", path, rc);
        return -1;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot read configuration file", path);
        return -1;
    }
    return 0;
}
