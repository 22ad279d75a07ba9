#!/bin/sh
# t-arch.sh -- a plugin built for another architecture than bootstrap's is
# refused with a Runtime.ImportModuleError that names both architectures and
# how to rebuild (glibc alone says "No such file or directory").  The x86_64
# build gets an aarch64 plugin; the aarch64 build (run under qemu-aarch64,
# see tests/cross/run) an x86_64 one.
. "$SRC/tests/bootstrap/lib.sh"

: "${HOST_CPU:?HOST_CPU (the build's host CPU) must be set}"
case $HOST_CPU in
x86_64) cc=aarch64-linux-gnu-gcc other="aarch64 (ELF machine 183, 64-bit)"
        self="x86_64 (ELF machine 62, 64-bit)" platform=linux/amd64 pkg=gcc-aarch64-linux-gnu ;;
aarch64) cc=x86_64-linux-gnu-gcc other="x86_64 (ELF machine 62, 64-bit)"
        self="aarch64 (ELF machine 183, 64-bit)" platform=linux/arm64 pkg=gcc-x86-64-linux-gnu ;;
*) echo "SKIP: no other-architecture compiler is known for a $HOST_CPU build"; exit 77 ;;
esac
if ! command -v "$cc" > /dev/null; then
    echo "SKIP: $cc not found; install $pkg (scripts/deps) to build a plugin for the other architecture"
    exit 77
fi

# The sample plugin, unchanged, compiled for the other architecture.
mkdir -p "$T/other"
"$cc" -shared -fPIC -I"$SRC/include" -o "$T/other/lambda_function.so" "$SRC/plugins/lambda_function.c" \
    || { fail "$cc could not build the sample plugin"; finish; }
event any.json '{}'
script "invoke${TAB}$T/any.json${TAB}id=arch-1"
LAMBDA_TASK_ROOT=$T/other
init_error "plugin of another architecture" Runtime.ImportModuleError \
    "Unable to import module 'lambda_function': lambda_function.so is built for $other but this runtime is $self: rebuild it for ${self%% *} (the SDK stage for --platform $platform, or a cross compiler)" \
    lambda_function.handler
check "the message keeps dlopen's own words" \
    matches "$(post_body 1 | jq -r .errorMessage)" "\(dlopen\($T/other/lambda_function.so\): .+\)$"

# The same source built for bootstrap's own architecture loads and answers.
cp "$BUILD/plugins/.libs/lambda_function.so" "$T/other/"
run lambda_function.handler
check "the native build of the same plugin answers" \
    [ "$(post_path 1)" = "/2018-06-01/runtime/invocation/arch-1/response" ]
finish
