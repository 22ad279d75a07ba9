/*
 * cfg.h -- the one INI file both programs read (/etc/lambda-runtime.ini).
 *
 * A program describes each section it understands with a table of typed keys
 * (cfg_key) that point into a struct of its own.  cfg_load() parses the file
 * with inih and stores every value through those tables; an unknown section,
 * an unknown key or a bad value is an error naming FILE:LINE and what is
 * accepted.  The same tables apply environment variables and command-line
 * options (cfg_set), so every source is validated by one mechanism.
 */
#ifndef LR_CFG_H
#define LR_CFG_H

#include <stddef.h>

typedef enum cfg_type {
    CFG_STRING, /* char *, strdup'd; free with cfg_free() */
    CFG_INT,    /* long, within [min, max] */
    CFG_BOOL,   /* int 0/1: true/false, yes/no, on/off, 1/0 */
    CFG_ENUM,   /* int: index into choices (matched case-insensitively) */
    CFG_SECONDS /* double seconds: "3", "2.5", "500ms", within [min, max] s */
} cfg_type;

typedef struct cfg_key {
    const char *name;
    cfg_type type;
    size_t offset;              /* offsetof(struct, field) */
    long min, max;              /* CFG_INT, CFG_SECONDS (0,0 = unbounded) */
    const char *const *choices; /* CFG_ENUM: NULL-terminated */
} cfg_key;

#define CFG_KEY_END                     \
    {                                   \
        NULL, CFG_STRING, 0, 0, 0, NULL \
    }

typedef struct cfg_section {
    const char *name;    /* "runtime", "emulator", "function", ... */
    int has_arg;         /* 1: the header is [name ARG] (e.g. [function hello]) */
    const cfg_key *keys; /* NULL: the section belongs to another program; skipped */
    /* Returns the struct the keys write into for this section (ARG is the
     * section argument or NULL); NULL with err set refuses the section. */
    void *(*target)(void *ud, const char *arg, char *err, size_t errlen);
    /* Optional: keys not in the table (e.g. "env.NAME" -> environment).
     * Return 0 if handled, -1 with err set otherwise. */
    int (*other)(void *target, const char *key, const char *value, char *err, size_t errlen);
} cfg_section;

/* The longest line cfg_load accepts, in bytes (values such as tokens and
 * ARNs run to hundreds of bytes; inih's own buffer is 200 on Debian, see
 * read_line in cfg.c). */
#define CFG_MAX_LINE (1024 * 1024)

/*
 * Load PATH (a directory is refused).  A missing file is not an error when missing_ok is set (the
 * built-in defaults then stand).  Returns 0, or -1 with "PATH:LINE: message"
 * in err.
 */
int cfg_load(const char *path, const cfg_section *sections, void *ud, int missing_ok, char *err,
             size_t errlen);

/* Store one value through a key table.  Returns 0, 1 if KEY is not in the
 * table, or -1 with a message ("bad value 'x' for key: expected ...") in err. */
int cfg_set(const cfg_key *keys, void *target, const char *key, const char *value, char *err,
            size_t errlen);

/* Store VALUE (if non-NULL and non-empty) under KEY, naming SOURCE (e.g.
 * "environment variable AWS_LAMBDA_LOG_LEVEL") in any error. */
int cfg_set_from(const cfg_key *keys, void *target, const char *key, const char *value,
                 const char *source, char *err, size_t errlen);

/* Free the CFG_STRING members of target. */
void cfg_free(const cfg_key *keys, void *target);

/* Parse helpers shared with command-line handling. */
int cfg_parse_long(const char *s, long min, long max, long *out);
int cfg_parse_seconds(const char *s, double *out);

#endif
