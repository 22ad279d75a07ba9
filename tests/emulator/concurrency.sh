#!/bin/bash
# concurrency.sh -- 50 concurrent invokes with a pool of 4 instances: all
# succeed, each answered exactly once, none lost, none crossed; at most 4
# instances ran them, in parallel (more than one).  Then the same with
# AWS_LAMBDA_MAX_CONCURRENCY: one instance holding several /next polls.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 4 --timeout 30
n=$(python3 "$top_srcdir/tests/emulator/concurrency.py" "$(invoke_url)" 50) || fail "concurrent invokes"
[ "$n" -ge 2 ] && [ "$n" -le 4 ] || fail "expected 2 to 4 instances to share the work, saw $n"
wait_for '' "$emu_out"
ends=0
for _ in $(seq 1 100); do
  ends=$(grep -c '^REPORT RequestId' "$emu_out"); [ "$ends" -ge 50 ] && break; sleep 0.05
done
[ "$ends" = 50 ] || fail "expected 50 REPORT lines, found $ends"
[ "$(grep -c 'runtime.py: init' "$emu_out")" = "$n" ] || fail "more instances started than answered"
stop_emulator

# One instance, AWS_LAMBDA_MAX_CONCURRENCY=4: runtime.py then runs 4 threads,
# each with its own /next poll; 4 invocations of 1 s overlap in that one
# process.
start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 1 --max-concurrency 4 --timeout 30
ctx=$(curl -s "$(invoke_url)" -d '{"action":"context"}')
[ "$(jget "$ctx" 'j["env"]["AWS_LAMBDA_MAX_CONCURRENCY"] + j["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"]')" = 4lambda-managed-instances ] \
  || fail "AWS_LAMBDA_MAX_CONCURRENCY not set: $ctx"
start=$(date +%s%N)
pids=""
for i in 1 2 3 4; do curl -s "$(invoke_url)" -d '{"action":"context","seconds":1}' >/dev/null & pids="$pids $!"; done
wait $pids
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -lt 1900 ] || fail "4 invocations of 1 s on one instance with max concurrency 4 took $ms ms (not parallel)"
n=$(python3 "$top_srcdir/tests/emulator/concurrency.py" "$(invoke_url)" 20) || fail "concurrent invokes (max concurrency)"
[ "$n" = 1 ] || fail "expected one instance, saw $n"
stop_emulator
echo "PASS: concurrency"
