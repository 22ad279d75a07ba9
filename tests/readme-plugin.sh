#!/bin/bash
# readme-plugin.sh -- the plugin in README.md's "Writing a plugin" compiles as
# shown (against this build tree instead of an installed runtime) and answers
# through the emulator.
set -u
. "$top_srcdir/tests/lib/common.sh"

dir=$(scratch)
# The first ```c block of the README is the example plugin.
awk '/^```c$/ {on=1; next} on && /^```$/ {exit} on {print}' "$top_srcdir/README.md" > "$dir/hello.c"
grep -q LAMBDA_PLUGIN "$dir/hello.c" || fail "no plugin found in README.md"
${CC:-cc} -shared -fPIC -Wall -Werror ${SANITIZER_FLAGS:-} -o "$dir/hello.so" "$dir/hello.c" \
  -I"$top_srcdir/include" $(pkg-config --cflags json-c) \
  -L"$top_builddir/src/lib/.libs" -llambda-runtime $(pkg-config --libs json-c) \
  || fail "the README's plugin does not compile"

port=$(free_port)
spawn "$top_builddir/src/emulator/lambda-emulator" --listen "127.0.0.1:$port" \
  --task-root "$dir" --runtime "$top_builddir/src/bootstrap/bootstrap" hello.handler
wait_http "http://127.0.0.1:$port/" 20 || fail "emulator did not start"
out=$(curl -s -d '{"name":"C"}' "http://127.0.0.1:$port/2015-03-31/functions/function/invocations")
echo "answer: $out"
[ "$(echo "$out" | jq -r .message)" = C ] || fail "expected {\"message\":\"C\"}, got $out"
out=$(curl -s -d '{}' "http://127.0.0.1:$port/2015-03-31/functions/function/invocations")
[ "$(echo "$out" | jq -r .message)" = World ] || fail "expected {\"message\":\"World\"}, got $out"
echo "PASS: README plugin builds and answers"
