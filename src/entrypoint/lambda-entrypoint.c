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

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* The host name extensions listen on (Telemetry API destinations): on
 * Lambda it names the sandbox's loopback. */
#define SANDBOX_HOST "sandbox.localdomain"
#define HOSTS_FILE "/etc/hosts"

/* Whether the hosts file names SANDBOX_HOST (a whole word after the address). */
static int hosts_has_sandbox(FILE *f)
{
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p && *p != '#') {
            while (isspace((unsigned char)*p))
                p++;
            size_t n = strcspn(p, " \t\r\n#");
            if (n == strlen(SANDBOX_HOST) && strncasecmp(p, SANDBOX_HOST, n) == 0)
                return 1;
            if (n == 0)
                break;
            p += n;
        }
    }
    return 0;
}

/* Locally (not on Lambda) make sandbox.localdomain resolve to 127.0.0.1 for
 * the extensions, as on Lambda: docker and podman write /etc/hosts when the
 * container starts (the image's own is not used), so the entrypoint appends
 * the name then.  Reads the file only (no DNS lookup, which could wait for a
 * resolver the container cannot reach).  If /etc/hosts cannot be written (run
 * as another user), a note says how to add the name instead. */
static void ensure_sandbox_host(void)
{
    FILE *f = fopen(HOSTS_FILE, "r");
    if (f) {
        int found = hosts_has_sandbox(f);
        fclose(f);
        if (found)
            return;
    }
    f = fopen(HOSTS_FILE, "a");
    if (f) {
        int written = fprintf(f, "127.0.0.1\t" SANDBOX_HOST "\n") > 0;
        if (fclose(f) == 0 && written)
            return;
    }
    fprintf(stderr,
            ME ": note: cannot add " SANDBOX_HOST " to " HOSTS_FILE " (%s); extensions that "
               "listen on it need docker run --add-host " SANDBOX_HOST ":127.0.0.1\n",
            strerror(errno));
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
        ensure_sandbox_host();
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
