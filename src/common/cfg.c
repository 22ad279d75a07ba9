/*
 * cfg.c -- typed, validated INI loading on top of inih (see cfg.h).
 */
#include "config.h"
#include "cfg.h"

#include <errno.h>
#include <ctype.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct load_state {
    const char *path;
    const cfg_section *sections;
    void *ud;
    /* the section being read */
    char cur_name[128];
    const cfg_section *cur;
    void *cur_target;
    int in_section; /* a [section] header has been read */
    FILE *file;
    char *line_buf; /* the physical line being parsed */
    size_t line_cap;
    int line;
    int failed; /* 0, or the line of the first error */
    /* the key = value line too long for inih's buffer (see read_line) */
    int long_line;
    const char *long_key, *long_value;
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

int cfg_set(const cfg_key *keys, void *target, const char *key, const char *value, char *err,
            size_t errlen)
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
            snprintf(
                err, errlen,
                "bad value '%s' for %s: expected seconds from %ld to %ld (e.g. 3, 2.5 or 500ms)",
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

int cfg_set_from(const cfg_key *keys, void *target, const char *key, const char *value,
                 const char *source, char *err, size_t errlen)
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

__attribute__((format(printf, 3, 4))) static void fail(struct load_state *st, int line,
                                                       const char *fmt, ...)
{
    if (st->failed)
        return; /* the first error is the one reported */
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(st->err, st->errlen, "%s:%d: %s", st->path, line, msg);
    st->failed = line;
}

static const char syntax_msg[] = "syntax error: expected [section], key = value, or a ; comment";

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

/* Read one physical line into st->line_buf (without its end of line), at
 * most CFG_MAX_LINE bytes.  Returns its length, or -1 at the end of the file
 * or on an error (st->failed then set). */
/* Room in st->line_buf for len + 1 bytes and the NUL.  Returns 0 or -1. */
static int line_room(struct load_state *st, size_t len)
{
    if (len + 1 < st->line_cap)
        return 0;
    size_t cap = st->line_cap ? st->line_cap * 2 : 256;
    if (cap > CFG_MAX_LINE + 1)
        cap = CFG_MAX_LINE + 1;
    char *p = realloc(st->line_buf, cap);
    if (!p) {
        fail(st, st->line + 1, "out of memory reading the line");
        return -1;
    }
    st->line_buf = p;
    st->line_cap = cap;
    return 0;
}

static long read_physical_line(struct load_state *st)
{
    size_t len = 0;
    int c;
    /* the buffer exists even when the first line is empty (found by
     * tests/fuzz/fuzz-ini: "\n[runtime]..." wrote through NULL) */
    if (line_room(st, 0) < 0)
        return -1;
    while ((c = getc(st->file)) != EOF && c != '\n') {
        if (len >= CFG_MAX_LINE) {
            fail(st, st->line + 1, "line longer than %d bytes", CFG_MAX_LINE);
            return -1;
        }
        if (line_room(st, len) < 0)
            return -1;
        if (c == '\0') {
            fail(st, st->line + 1, "the line contains a NUL byte: not a text file?");
            return -1;
        }
        st->line_buf[len++] = (char)c;
    }
    if (c == EOF && len == 0)
        return -1;
    if (len > 0 && st->line_buf[len - 1] == '\r')
        len--;
    st->line_buf[len] = '\0';
    st->line++;
    return (long)len;
}

static char *rstrip(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Where inih's rules end a name or a value: at one of CHARS, or at an
 * inline comment (';' after a blank). */
static char *find_chars_or_comment(char *s, const char *chars)
{
    int was_space = 0;
    while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

/* A key = value line too long for inih's buffer: split it by inih's rules
 * (name[=:]value, an inline "; comment" dropped, blanks stripped) and keep
 * the pair for on_value.  Returns -1 if the line is not a pair. */
static int stash_long_pair(struct load_state *st, char *line)
{
    char *end = find_chars_or_comment(line, "=:");
    if (*end != '=' && *end != ':') {
        fail(st, st->line, "%s", syntax_msg);
        return -1;
    }
    *end = '\0';
    char *value = end + 1;
    *find_chars_or_comment(value, NULL) = '\0';
    value += strspn(value, " \t\f\v");
    st->long_key = rstrip(line);
    st->long_value = rstrip(value);
    st->long_line = st->line;
    return 0;
}

/*
 * The reader inih calls for each line.  Debian builds inih with a fixed
 * 200-byte line buffer (INI_MAX_LINE, not changeable by a program), so this
 * reader reads whole lines itself (up to CFG_MAX_LINE) and hands inih what
 * fits in its buffer:
 *   - blank and comment lines: an empty line (a comment may be any length);
 *   - [section] headers: checked here, as soon as they are read (so an
 *     unknown section is refused even with no key under it), then a short
 *     stand-in header -- on_value keeps the section itself;
 *   - key = value lines that fit: unchanged; longer ones: split here and a
 *     stand-in "k=v" handed on, which on_value maps back to the real pair.
 * Leading blanks are dropped from every line, so an indented line is an
 * ordinary line, never a continuation of the previous value.  inih still
 * parses every line that fits and so counts lines as we do: its syntax
 * errors carry the right line number.
 */
static char *read_line(char *buf, int size, void *user)
{
    struct load_state *st = user;
    if (st->failed || read_physical_line(st) < 0)
        return NULL;
    char *p = st->line_buf;
    if (st->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* UTF-8 byte order mark */
    p += strspn(p, " \t\f\v");
    const char *hand = p;
    if (*p == ';' || *p == '#') {
        hand = "";
    } else if (*p == '[') {
        char *close = find_chars_or_comment(p + 1, "]");
        if (*close != ']') {
            fail(st, st->line, "%s", syntax_msg);
            return NULL;
        }
        *close = '\0';
        if (enter_section(st, p + 1, st->line) < 0)
            return NULL; /* ends the parse; cfg_load reports st->err */
        st->in_section = 1;
        hand = "[s]";
    } else if (strlen(p) + 1 > (size_t)size) {
        if (stash_long_pair(st, p) < 0)
            return NULL;
        hand = "k=v";
    }
    if (strlen(hand) + 1 > (size_t)size)
        return NULL; /* an inih built with a buffer under 4 bytes */
    strcpy(buf, hand);
    return buf;
}

static void unknown_key(struct load_state *st, const char *key, char *msg, size_t n)
{
    char list[512];
    size_t used = 0;
    list[0] = '\0';
    for (const cfg_key *k = st->cur->keys; k->name && used < sizeof list; k++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 k == st->cur->keys ? "" : ", ", k->name);
    snprintf(msg, n, "unknown key '%s' in [%s]; known keys: %s", key, st->cur_name, list);
}

static int on_value(void *user, const char *section, const char *key, const char *value)
{
    struct load_state *st = user;
    int line = st->line;
    (void)section; /* read_line keeps the section: inih's may be a stand-in */
    if (st->failed)
        return 0;
    if (st->long_line == line) {
        key = st->long_key;
        value = st->long_value;
    }
    if (!st->in_section) {
        fail(st, line,
             "key '%s' is outside any section; put it under [runtime], [log], [emulator] or "
             "[function NAME]",
             key);
        return 0;
    }
    if (!key || !st->cur->keys) /* header only, or another program's section */
        return 1;
    char msg[512];
    int rc = cfg_set(st->cur->keys, st->cur_target, key, value, msg, sizeof msg);
    if (rc > 0 && st->cur->other)
        rc = st->cur->other(st->cur_target, key, value, msg, sizeof msg) ? -1 : 0;
    else if (rc > 0) {
        unknown_key(st, key, msg, sizeof msg);
        rc = -1;
    }
    if (rc < 0) {
        fail(st, line, "%s", msg);
        return 0;
    }
    return 1;
}

/* Open PATH for reading; refuse what cannot be a configuration file. */
static FILE *open_config(const char *path, int missing_ok, int *missing, char *err, size_t errlen)
{
    *missing = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (missing_ok && errno == ENOENT)
            return *missing = 1, NULL;
        snprintf(err, errlen, "%s: cannot open configuration file: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen,
                 "%s: is a directory, not a configuration file; "
                 "name an INI file (e.g. %s/lambda-runtime.ini)",
                 path, path);
        fclose(f);
        return NULL;
    }
    return f;
}

int cfg_load(const char *path, const cfg_section *sections, void *ud, int missing_ok, char *err,
             size_t errlen)
{
    int missing;
    FILE *f = open_config(path, missing_ok, &missing, err, errlen);
    if (!f)
        return missing ? 0 : -1;
    struct load_state st = {
        .path = path, .sections = sections, .ud = ud, .err = err, .errlen = errlen, .file = f};
    int rc = ini_parse_stream(read_line, &st, on_value, &st);
    int read_error = ferror(f) ? errno : 0;
    fclose(f);
    free(st.line_buf);
    /* inih goes on after a syntax error: report whichever error came first */
    if (rc > 0 && (!st.failed || rc < st.failed)) {
        snprintf(err, errlen, "%s:%d: %s", path, rc, syntax_msg);
        return -1;
    }
    if (st.failed)
        return -1;
    if (read_error || rc < 0) {
        snprintf(err, errlen, "%s: cannot read configuration file: %s", path,
                 read_error ? strerror(read_error) : "inih failed");
        return -1;
    }
    return 0;
}
