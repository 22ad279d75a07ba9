#!/bin/bash
# watch.sh -- hot reload (--watch): a plugin "rebuilt" (a new build moved
# over it, as make and install do) while an invocation is in flight: that
# invocation answers from the old code, the next one from the new (while
# the old one is still running); one reload line names the file.  Then a
# build whose init fails, written in place over the file: the next callers
# get its init error (no old instance answers in its stead), and the
# console's stream has the reload.  A good build moved in again recovers.
# Last, a plugin linked into the task root from its build directory.
# Prints how long each reload took from the file change to its line.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
libs="$top_builddir/tests/emulator/.libs"
for v in reloadv1 reloadv2 reloadbad; do
  [ -f "$libs/$v.so" ] || fail "$libs/$v.so is not built (make check builds it)"
done
cp "$libs/reloadv1.so" "$task_root/reload.so"
start_emulator --watch --runtime "$bootstrap" --task-root "$task_root" --timeout 60 reload.handler
grep -q "^lambda-emulator: watching $task_root: functions reload when it changes$" "$emu_err" \
  || fail "no watching line: $(cat "$emu_err")"

answer() { curl -sS -d "${1:-{\}}" "$(invoke_url)"; }
[ "$(answer)" = '{"version": 1}' ] || fail "first answer: $(answer)"

# An invocation in flight on version 1 (the plugin says when it is in).
gate=$work/gate
answer "{\"gate\": \"$gate\"}" >"$work/slow" 2>&1 &
slow_pid=$!
for _ in $(seq 600); do [ -e "$gate.in" ] && break; sleep 0.05; done
[ -e "$gate.in" ] || fail "the slow invocation did not start"

# "make": the new build written beside, then renamed over the old.
cp "$libs/reloadv2.so" "$task_root/.reload.so.tmp"
t0=$(date +%s%3N)
mv "$task_root/.reload.so.tmp" "$task_root/reload.so"
wait_for "^lambda-emulator: reload: reload.so (replaced)" "$emu_err" 10 || fail "no reload line"
t1=$(date +%s%3N)
echo "reload line $((t1 - t0)) ms after the rename (polled every 50 ms)"
new=$(answer)
[ "$new" = '{"version": 2}' ] || fail "the invocation after the reload answered $new"
t2=$(date +%s%3N)
echo "new code answered $((t2 - t0)) ms after the rename"
kill -0 "$slow_pid" 2>/dev/null || fail "the slow invocation ended before its gate opened"
touch "$gate"
wait "$slow_pid"
[ "$(cat "$work/slow")" = '{"version": 1}' ] \
  || fail "the invocation in flight did not finish on the old code: $(cat "$work/slow")"
[ "$(grep -c '^lambda-emulator: reload:' "$emu_err")" = 1 ] \
  || fail "one change, one reload line: $(grep reload: "$emu_err")"

# A build whose init fails, rewritten in place (same file, same inode).
sse=$(curl -sN --max-time 2 "$url/console/api/events" | sed -n 's/^id: //p' | tail -1)
cat "$libs/reloadbad.so" >"$task_root/reload.so"
wait_for "^lambda-emulator: reload: reload.so (rewritten)" "$emu_err" 10 \
  || fail "no reload line for the rewrite"
for i in 1 2; do
  out=$(curl -sS -D "$work/h$i" -d '{}' "$(invoke_url)")
  grep -qi '^X-Amz-Function-Error: Unhandled' "$work/h$i" \
    || fail "call $i after the bad build: no function error ($out)"
  [ "$(jget "$out" 'j["errorType"]')" = ReloadInitError ] \
    || fail "call $i after the bad build did not get its init error: $out"
done
curl -sN --max-time 2 -H "Last-Event-ID: ${sse:-0}" "$url/console/api/events" >"$work/sse"
grep -q '"type":"reload",.*"text":"reload.so (rewritten)' "$work/sse" \
  || fail "the console's stream has no reload record: $(cat "$work/sse")"
grep -q '"type":"init",.*"status":"error",.*"text":"ReloadInitError"' "$work/sse" \
  || fail "the console's stream has no init error"

# A good build again.
cp "$libs/reloadv2.so" "$task_root/.reload.so.tmp"
mv "$task_root/.reload.so.tmp" "$task_root/reload.so"
for _ in $(seq 200); do
  [ "$(grep -c '^lambda-emulator: reload:' "$emu_err")" = 3 ] && break; sleep 0.05
done
[ "$(grep -c '^lambda-emulator: reload:' "$emu_err")" = 3 ] || fail "no third reload line"
[ "$(answer)" = '{"version": 2}' ] || fail "no recovery after a good build: $(answer)"
stop_emulator

# A plugin linked into the task root from its build directory: a new build
# there reloads; another file of that directory does not.
mkdir "$work/build" "$work/task2"
cp "$libs/reloadv1.so" "$work/build/reload.so"
ln -s "$work/build/reload.so" "$work/task2/reload.so"
start_emulator --watch --runtime "$bootstrap" --task-root "$work/task2" reload.handler
[ "$(answer)" = '{"version": 1}' ] || fail "linked plugin, first answer: $(answer)"
echo unrelated >"$work/build/notes.txt"
cp "$libs/reloadv2.so" "$work/build/new.so"
mv "$work/build/new.so" "$work/build/reload.so"
wait_for "^lambda-emulator: reload: reload.so (replaced); idle" "$emu_err" 10 \
  || fail "no reload for a new build behind a symbolic link"
grep -q "notes.txt\|new.so" "$emu_err" && fail "another file of the build directory counted"
[ "$(answer)" = '{"version": 2}' ] || fail "linked plugin, after the build: $(answer)"
stop_emulator
