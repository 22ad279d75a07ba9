#!/bin/sh
# t-abi.sh -- the plugin ABI can grow: liblambda-runtime.so exports the
# lambda_* API, and only it, in the version node LAMBDA_RUNTIME_1 and the host
# side in LAMBDA_RUNTIME_PRIVATE; plugins built with an older (smaller) or a
# newer (larger) descriptor load, and a descriptor smaller than ABI 1's
# minimum is refused.  bootstrap carries the same API under the library's
# soname, so a plugin's DT_NEEDED liblambda-runtime.so.N is bootstrap itself:
# the library is never mapped, and no worker loads libgcc_s (the crash
# handler's unwinder is linked in).
. "$SRC/tests/bootstrap/lib.sh"

LIB=$BUILD/src/lib/.libs/liblambda-runtime.so
# "T lambda_event@@LAMBDA_RUNTIME_1" lines, without the version definitions.
nm -D --defined-only "$LIB" | awk '$3 ~ /@/ && $3 !~ /^LAMBDA_RUNTIME/ {print $3}' | sed 's/@@*/ /' > "$T/syms"
check "every exported symbol is versioned" \
    [ "$(nm -D --defined-only "$LIB" | awk '$3 !~ /@/ && $3 !~ /^LAMBDA_RUNTIME/' | wc -l)" = 0 ]
check "LAMBDA_RUNTIME_1 holds only lambda_* symbols" \
    [ "$(awk '$2 == "LAMBDA_RUNTIME_1" && $1 !~ /^lambda_/' "$T/syms" | wc -l)" = 0 ]
check "every lambda_* symbol is in LAMBDA_RUNTIME_1" \
    [ "$(awk '$1 ~ /^lambda_/ && $2 != "LAMBDA_RUNTIME_1"' "$T/syms" | wc -l)" = 0 ]
check "the host side (lr_*) is in LAMBDA_RUNTIME_PRIVATE, nothing else is exported" \
    [ "$(awk '$2 != "LAMBDA_RUNTIME_1" && !($2 == "LAMBDA_RUNTIME_PRIVATE" && $1 ~ /^lr_/)' "$T/syms" | wc -l)" = 0 ]
# Every function <lambda/lambda.h> declares is exported (in the public node).
grep -o 'LAMBDA_EXPORT [^(]*(' "$SRC/include/lambda/lambda.h" | sed 's/.*[ *]\([a-z_0-9]*\)($/\1/' | grep '^lambda_' \
    | sort -u > "$T/declared"
awk '$2 == "LAMBDA_RUNTIME_1" {print $1}' "$T/syms" | sort -u > "$T/public"
check "every function of lambda.h is in LAMBDA_RUNTIME_1" \
    [ -z "$(comm -23 "$T/declared" "$T/public")" ]
check "a plugin's undefined references carry the version" \
    sh -c "nm -D --undefined-only '$BUILD/plugins/.libs/echo.so' | grep -q 'lambda_respond@LAMBDA_RUNTIME_1'"

soname() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p'; }
check "bootstrap's soname is liblambda-runtime's ($(soname "$LIB"))" \
    [ "$(soname "$BOOTSTRAP")" = "$(soname "$LIB")" ]
nm -D --defined-only "$BOOTSTRAP" | awk '$3 ~ /@/ && $3 !~ /^LAMBDA_RUNTIME/ {print $3}' \
    | sed 's/@@*/ /' | sort > "$T/bsyms"
check "bootstrap exports the library's symbols with the same versions" \
    [ -z "$(sort "$T/syms" | comm -23 - "$T/bsyms")" ]

event any.json '{}'
script "invoke${TAB}$T/any.json" "invoke${TAB}$T/any.json"
# LD_DEBUG=files: one file per process started (rapi-server's maps
# libmicrohttpd; the worker, forked, writes into the supervisor's).
export LD_DEBUG=files LD_DEBUG_OUTPUT=$T/ld
run echo.handler
unset LD_DEBUG LD_DEBUG_OUTPUT
for f in "$T"/ld.*; do grep -q libmicrohttpd "$f" || cat "$f"; done > "$T/ld-bootstrap"
check "echo.handler (linked against liblambda-runtime) answers under bootstrap" \
    [ "$(post_body 1)" = '{}' ]
check "the dynamic loader's record of bootstrap's loads is there" \
    grep -q 'file=[^ ]*/echo\.so ' "$T/ld-bootstrap"
check "bootstrap stands in for liblambda-runtime: the library is never loaded" \
    sh -c "! grep 'file=liblambda-runtime' '$T/ld-bootstrap'"
check "no worker loads libgcc_s at start (the crash handler needs no dlopen)" \
    sh -c "! grep 'file=libgcc_s.*dynamically loaded' '$T/ld-bootstrap'"
run oldabi.handler
check "a plugin with an older, smaller descriptor loads and answers" \
    [ "$(post_body 1)" = '{"abi":"old"}' ]
run newabi.handler
check "a plugin with a newer, larger descriptor loads; its init hook ran once" \
    [ "$(post_body 2 | jq -c .)" = '{"inits":1}' ]
init_error "a descriptor smaller than ABI 1's minimum is refused" Runtime.IncompatiblePlugin \
    "descriptor is 8 bytes, less than the 28 every ABI 1 descriptor has" tinyabi.handler
[ "$failures" = 0 ] || show_stderr
finish
