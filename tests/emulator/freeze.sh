#!/bin/bash
# freeze.sh -- Lambda freezes an environment between invocations, and so
# does the emulator (SIGSTOP of the instance's processes): a handler starts
# a background thread that writes a counter to a file every 10 ms; once the
# invocation is over and the instance frozen, the file does not change, and
# it changes again during the next invocation.  With --no-freeze the thread
# keeps running between invocations.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

c=$work/counter
# stopped PID: every thread of PID is stopped (State: T).
stopped() {
  local s
  for s in /proc/"$1"/task/*/status; do
    grep -q '^State:[[:space:]]*T' "$s" || return 1
  done
}
invoke() { curl -sS "$(invoke_url)" -d "$1"; }

start_emulator --runtime "$script_runtime" --task-root "$task_root" --concurrency 1
pid=$(jget "$(invoke "{\"action\":\"counter\",\"path\":\"$c\"}")" 'j["pid"]')
i=0
until stopped "$pid"; do
  [ $i -lt 200 ] || fail "the runtime $pid was not frozen within 10 s of its answer: $(grep State /proc/"$pid"/task/*/status)"
  sleep 0.05; i=$((i + 1))
done
v1=$(cat "$c")
sleep 0.3 # a window for the thread to run, were it not frozen
v2=$(cat "$c")
[ "$v1" = "$v2" ] || fail "the counter moved while the environment was frozen: $v1 then $v2"
v3=$(jget "$(invoke "{\"action\":\"counter_wait\",\"path\":\"$c\",\"above\":$v2}")" 'j["value"]')
[ "$v3" -gt "$v2" ] || fail "the counter did not move during the next invocation: $v2 then $v3"
stop_emulator

rm -f "$c"
start_emulator --runtime "$script_runtime" --task-root "$task_root" --concurrency 1 --no-freeze
pid=$(jget "$(invoke "{\"action\":\"counter\",\"path\":\"$c\"}")" 'j["pid"]')
wait_for . "$c"
v1=$(cat "$c") i=0
until [ "$(cat "$c")" -gt "$v1" ]; do
  [ $i -lt 200 ] || fail "--no-freeze: the counter did not move between invocations"
  sleep 0.05; i=$((i + 1))
done
stopped "$pid" && fail "--no-freeze: the runtime is stopped"
stop_emulator
exit 0
