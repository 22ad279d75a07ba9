/*
 * replay.c -- main() for the fuzz targets in builds without libFuzzer: runs
 * each file named on the command line through LLVMFuzzerTestOneInput once
 * (as a libFuzzer binary does when given files), so `make check` replays
 * the seed corpus and every crash input saved there.
 */
#include "fuzz.h"

#include <errno.h>
#include <string.h>

/* Inputs are small seed files; a bigger one is a mistake in the corpus. */
#define MAX_INPUT (1u << 20)

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(MAX_INPUT);
    FUZZ_CHECK(buf != NULL);
    size_t n = fread(buf, 1, MAX_INPUT, f);
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s (or it is larger than %u bytes)\n", path,
                MAX_INPUT);
        free(buf);
        return -1;
    }
    /* libFuzzer hands over a buffer of exactly the input's size: so do we,
     * so that ASan sees a read past the end. */
    uint8_t *exact = malloc(n ? n : 1);
    FUZZ_CHECK(exact != NULL);
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s INPUT_FILE...  (runs each input once)\n", argv[0]);
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++)
        if (run_file(argv[i]) < 0)
            failed = 1;
    if (!failed)
        printf("replay: %d input(s) ran cleanly\n", argc - 1);
    return failed;
}
