/*
 * fuzz.h -- what every fuzz target in tests/fuzz/ shares.
 *
 * A target defines LLVMFuzzerTestOneInput() (the libFuzzer entry point) and
 * checks the invariants of the code it feeds with FUZZ_CHECK: a broken
 * invariant aborts, which libFuzzer reports as a crash and saves the input.
 * The same target links either with libFuzzer (--enable-fuzzing, CC=clang)
 * or with replay.c, which runs the files named on its command line once
 * each: that is how `make check` replays the seed corpus in every build.
 */
#ifndef LR_FUZZ_H
#define LR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* A NUL-terminated copy of the input (malloc'd; the caller frees it). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    FUZZ_CHECK(s != NULL);
    for (size_t i = 0; i < size; i++)
        s[i] = (char)data[i];
    s[size] = '\0';
    return s;
}

#endif
