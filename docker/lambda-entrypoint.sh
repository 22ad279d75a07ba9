#!/bin/sh
# lambda-entrypoint.sh -- the image's ENTRYPOINT, following the contract of
# AWS's Lambda base images: exactly one argument, the handler
# ("module.function", normally the image's CMD or the function's
# ImageConfig.Command), exported as _HANDLER.  On AWS Lambda the service sets
# AWS_LAMBDA_RUNTIME_API and the runtime daemon `bootstrap` runs directly;
# anywhere else (docker run -p 9000:8080 IMAGE) the local Lambda emulator
# serves the Invoke API on port 8080 and runs bootstrap itself.
if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "lambda-entrypoint.sh: expected exactly one argument, the handler as module.function (e.g. lambda_function.handler), but got $# argument(s)${1+: $*}." >&2
    echo "lambda-entrypoint.sh: set it with CMD [\"module.function\"] in your Dockerfile, ImageConfig.Command on AWS Lambda, or as the single argument after the image name in docker run." >&2
    exit 142
fi
export _HANDLER="$1"
runtime_dir=${LAMBDA_RUNTIME_DIR:-/var/runtime}

if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    exec /usr/bin/lambda-emulator --listen 0.0.0.0:8080 "$_HANDLER"
fi
exec "$runtime_dir/bootstrap" "$_HANDLER"
