#!/bin/bash
# event.sh -- an Event invocation returns 202 without waiting for the
# function (held at a gate until the 202 is back) and runs in the
# background (its effect, the REPORT of its request id, shows up later);
# REPORT's Max Memory Used is within 20% of the instance's VmHWM.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" --timeout 120
h=$work/h
gatef=$work/gate
code=$(curl -s -D "$h" -o /dev/null -w '%{http_code}' -H 'X-Amz-Invocation-Type: Event' \
  "$(invoke_url)" -d '{"action":"gate","path":"'"$gatef"'","limit":8}')
[ "$code" = 202 ] || fail "Event: expected 202, got $code"
id=$(sed -n 's/^x-amzn-RequestId: //Ip' "$h" | tr -d '\r')
[ -n "$id" ] || fail "Event: no request id"
# The function cannot end before the gate opens: an END now means the 202
# waited for it (until it gave up).
grep -q "^END RequestId: $id" "$emu_out" && fail "Event: the 202 waited for the function"
touch "$gatef"
wait_for "^REPORT RequestId: $id" "$emu_out" 10 || fail "Event: never ran"

# Event payloads are limited to 1 MB.
evfile=$work/ev
head -c 1048577 /dev/zero | tr "\0" a >"$evfile"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect:' -H 'X-Amz-Invocation-Type: Event' \
  "$(invoke_url)" --data-binary @"$evfile")
[ "$code" = 413 ] || fail "Event over 1 MB: expected 413, got $code"

# Max Memory Used: the runtime touches 80 MB and stays alive; compare with
# the VmHWM of its process.
body=$(curl -s -D "$h" "$(invoke_url)" -d '{"action":"memory","mb":80}')
id=$(sed -n 's/^x-amzn-RequestId: //Ip' "$h" | tr -d '\r')
pid=$(jget "$body" 'j["pid"]')
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
wait_for "^REPORT RequestId: $id" "$emu_out"
used=$(sed -n "s/^REPORT RequestId: $id.*Max Memory Used: \([0-9]*\) MB.*/\1/p" "$emu_out")
python3 -c "import sys; u, h = $used, $hwm / 1024; sys.exit(0 if abs(u - h) <= 0.2 * h else 1)" \
  || fail "Max Memory Used $used MB is not within 20% of VmHWM $((hwm / 1024)) MB"
[ "$used" -ge 80 ] || fail "Max Memory Used $used MB, but the runtime holds 80 MB"
grep "^REPORT RequestId: $id" "$emu_out" | grep -q "Memory Size: 128 MB" || fail "REPORT without Memory Size"
stop_emulator
echo "PASS: event and report"
