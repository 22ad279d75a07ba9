/* lambda-entrypoint.c -- the image's ENTRYPOINT, following the contract of
 * AWS's Lambda base images: exactly one argument, the handler
 * ("module.function", normally the image's CMD or the function's
 * ImageConfig.Command), exported as _HANDLER.  On AWS Lambda the service sets
 * AWS_LAMBDA_RUNTIME_API and the runtime daemon bootstrap runs directly;
 * anywhere else (docker run -p 9000:8080 IMAGE) the local Lambda emulator
 * serves the Invoke API on port 8080 and runs bootstrap itself.
 *
 * A C program rather than a shell script so that the minimal image needs no
 * shell; it execs, so the program it starts is PID 1 and gets SIGTERM. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ME "lambda-entrypoint"

/* The exit status of AWS's entrypoint for a bad handler argument. */
#define EXIT_BAD_ARGS 142

static int usage(int argc, char **argv)
{
    fprintf(stderr,
            ME ": expected exactly one argument, the handler as module.function "
               "(e.g. lambda_function.handler), but got %d argument(s)",
            argc - 1);
    for (int i = 1; i < argc; i++)
        fprintf(stderr, "%s%s", i == 1 ? ": " : " ", argv[i]);
    fprintf(stderr, ".\n" ME ": set it with CMD [\"module.function\"] in your Dockerfile, "
                    "ImageConfig.Command on AWS Lambda, or as the single argument after the "
                    "image name in docker run.\n");
    return EXIT_BAD_ARGS;
}

int main(int argc, char **argv)
{
    if (argc != 2 || !argv[1][0])
        return usage(argc, argv);
    const char *handler = argv[1];
    if (setenv("_HANDLER", handler, 1) != 0) {
        fprintf(stderr, ME ": cannot set _HANDLER: %s\n", strerror(errno));
        return 1;
    }
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    char path[PATH_MAX];
    if (!api || !*api) {
        snprintf(path, sizeof path, "%s", LR_EMULATOR_PATH);
        /* The extensions of /opt/extensions (image layers) run as on Lambda. */
        execl(path, "lambda-emulator", "--listen", "0.0.0.0:8080", "--extensions",
              "/opt/extensions", handler, (char *)NULL);
    } else {
        const char *dir = getenv("LAMBDA_RUNTIME_DIR");
        if (!dir || !*dir)
            dir = LR_RUNTIME_DIR;
        if ((size_t)snprintf(path, sizeof path, "%s/bootstrap", dir) >= sizeof path) {
            fprintf(stderr, ME ": LAMBDA_RUNTIME_DIR is too long (%zu bytes)\n", strlen(dir));
            return 127;
        }
        execl(path, path, handler, (char *)NULL);
    }
    fprintf(stderr, ME ": cannot run %s: %s (is the image complete? %s)\n", path, strerror(errno),
            api && *api ? "LAMBDA_RUNTIME_DIR names the directory holding bootstrap"
                        : "the emulator is installed with the runtime");
    return 127;
}
