#!/bin/bash
# readme.sh -- the streaming plugin in README.md ("Streaming responses", the
# ```c block that starts with "/* ticker.c") compiles as shown and streams its
# five server-sent events through the emulator.  Skipped until that section
# is in the README.
. "$top_srcdir/tests/stream/lib.sh"
src=$work/ticker.c
awk '/^```c$/ {on=1; first=1; next} on && first && !/^\/\* ticker\.c/ {on=0} on && /^```$/ {exit}
     on {print; first=0}' "$top_srcdir/README.md" >"$src"
[ -s "$src" ] || { echo "SKIP: README.md has no ticker.c example"; exit 77; }
${CC:-cc} -shared -fPIC -Wall -Werror ${SANITIZER_FLAGS:-} -o "$task_root/ticker.so" "$src" -I"$top_srcdir/include" \
  $(pkg-config --cflags json-c) -L"$top_builddir/src/lib/.libs" -llambda-runtime \
  $(pkg-config --libs json-c) || fail "the README's streaming plugin does not compile"
start_emulator --config /dev/null --task-root "$task_root" --runtime "$bootstrap" ticker.handler
out=$(tmpf)
curl -s -X POST "$(stream_url function)" -d '{}' -o "$out" || fail "curl on the streaming endpoint"
for n in 1 2 3 4 5; do grep -aq "data: {\"n\":$n}" "$out" || fail "event $n missing from $(cat -v "$out")"; done
grep -aq InvokeComplete "$out" || fail "no InvokeComplete"
grep -aq ErrorCode "$out" && fail "the stream ended with an error: $(cat -v "$out")"
stop_emulator
echo "PASS: readme"
