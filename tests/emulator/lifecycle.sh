#!/bin/bash
# lifecycle.sh -- Lambda's lifecycle, several functions from one INI file:
# a handler that runs past its timeout (Sandbox.Timedout, instance killed and
# replaced), one that segfaults or exits (Runtime.ExitError naming the signal
# or status), an init error (returned to the caller, instance replaced), a
# runtime that dies or hangs in init; after each, the next invoke succeeds on
# a fresh instance.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

cfg=$work/lambda-runtime.ini
cat >"$cfg" <<INI
[runtime]
; read by bootstrap, skipped by the emulator
[emulator]
runtime = $script_runtime
task_root = $task_root
timeout = 1
; generous for a busy machine; initsleep tests the timeout with its own
init_timeout = 120
[function fast]
handler = fast.handler
[function initfail]
handler = initfail
[function initcrash]
handler = initcrash
[function initsleep]
handler = initsleep
init_timeout = 500ms
INI
init_timeout_arg='' start_emulator --config "$cfg"

pid_of() { curl -s "$(invoke_url fast)" -d '{"action":"memory","mb":1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }
h=$work/h

# Timeout: 1 s budget, the handler sleeps 60 s (the answer is the timeout's,
# not the sleep's, whatever the load).
pid1=$(pid_of)
body=$(curl -s -D "$h" --max-time 50 "$(invoke_url fast)" -d '{"action":"sleep","seconds":60}')
grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "timeout: no X-Amz-Function-Error"
[ "$(jget "$body" 'j["errorType"]')" = Sandbox.Timedout ] || fail "timeout body: $body"
jget "$body" 'j["errorMessage"]' | grep -q 'Task timed out after 1.00 seconds' || fail "timeout message: $body"
wait_for 'Task timed out after 1.00 seconds' "$emu_out"
grep -q 'REPORT RequestId: .*Status: timeout' "$emu_out" || fail "no REPORT with Status: timeout"
pid2=$(pid_of)
[ -n "$pid2" ] && [ "$pid1" != "$pid2" ] || fail "after a timeout the next invoke must run on a fresh instance ($pid1 / $pid2)"
kill -0 "$pid1" 2>/dev/null && fail "the timed-out instance $pid1 is still alive"

# Segfault mid-invocation.
body=$(curl -s -D "$h" "$(invoke_url fast)" -d '{"action":"segv"}')
grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "crash: no X-Amz-Function-Error"
[ "$(jget "$body" 'j["errorType"]')" = Runtime.ExitError ] || fail "crash body: $body"
jget "$body" 'j["errorMessage"]' | grep -q '^RequestId: [0-9a-f-]* Error: Runtime exited with error: signal: segmentation fault$' \
  || fail "crash message: $body"
pid3=$(pid_of)
[ -n "$pid3" ] && [ "$pid3" != "$pid2" ] || fail "after a crash the next invoke must run on a fresh instance"

# Exit with a status mid-invocation.
body=$(curl -s "$(invoke_url fast)" -d '{"action":"exit","status":7}')
jget "$body" 'j["errorMessage"]' | grep -q 'Runtime exited with error: exit status 7$' || fail "exit message: $body"
[ "$(curl -s "$(invoke_url fast)" -d '{"ok":1}')" = '{"ok":1}' ] || fail "no recovery after exit"

# Init error: the runtime's own error document, each time on a fresh instance.
for i in 1 2; do
  body=$(curl -s -D "$h" "$(invoke_url initfail)" -d '{}')
  grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "init error: no X-Amz-Function-Error"
  [ "$(jget "$body" 'j["errorType"] + "|" + j["errorMessage"]')" = "Runtime.ImportModuleError|cannot load module initfail" ] \
    || fail "init error body: $body"
done
[ "$(grep -c 'runtime.py: init, handler initfail' "$emu_out")" -ge 2 ] || fail "init error: instance not replaced"
grep -q 'INIT_REPORT Init Duration: .*Status: error.*Error Type: Runtime.ImportModuleError' "$emu_out" \
  || fail "no INIT_REPORT line for the failed init"

# A runtime that exits during init without a word.
body=$(curl -s "$(invoke_url initcrash)" -d '{}')
[ "$(jget "$body" 'j["errorType"]')" = Runtime.ExitError ] || fail "init crash body: $body"
jget "$body" 'j["errorMessage"]' | grep -q 'exit status 3$' || fail "init crash message: $body"

# A runtime that hangs in init: init_timeout applies.
body=$(curl -s --max-time 10 "$(invoke_url initsleep)" -d '{}')
[ "$(jget "$body" 'j["errorType"]')" = Sandbox.Timedout ] || fail "init timeout body: $body"
jget "$body" 'j["errorMessage"]' | grep -q 'Init timed out after 0.50 seconds' || fail "init timeout message: $body"
wait_for 'INIT_REPORT Init Duration: .*Status: timeout.*Error Type: Sandbox.Timedout' "$emu_out" \
  || fail "no INIT_REPORT line for the init timeout"

# The healthy function never noticed.
[ "$(curl -s "$(invoke_url fast)" -d '{"end":1}')" = '{"end":1}' ] || fail "fast function broken at the end"
stop_emulator

# SIGTERM with invocations running and queued: every caller gets an answer
# (the runtime's exit, or the shutdown: not the end of its 20 s sleep), and
# the emulator exits 0.
start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 2 --timeout 30
pids=""
for i in 1 2 3 4; do
  curl -s "$(invoke_url)" -d '{"action":"sleep","seconds":20}' >"$work/inflight$i" & pids="$pids $!"
done
for _ in $(seq 1 200); do [ "$(grep -c '^START' "$emu_out")" = 2 ] && break; sleep 0.05; done
stop_emulator
wait $pids
for i in 1 2 3 4; do
  body=$(cat "$work/inflight$i")
  [ "$(jget "$body" 'j["errorType"]')" = Runtime.ExitError ] || fail "in-flight caller $i at shutdown got '$body'"
done
echo "PASS: lifecycle"
