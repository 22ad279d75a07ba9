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
# each with its own /next poll; 4 invocations meet at a barrier in that one
# process (run one after another, the first would wait in vain).
start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 1 --max-concurrency 4 --timeout 30
ctx=$(curl -s "$(invoke_url)" -d '{"action":"context"}')
[ "$(jget "$ctx" 'j["env"]["AWS_LAMBDA_MAX_CONCURRENCY"] + j["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"]')" = 4lambda-managed-instances ] \
  || fail "AWS_LAMBDA_MAX_CONCURRENCY not set: $ctx"
pids=""
for i in 1 2 3 4; do
  curl -s "$(invoke_url)" -d '{"action":"barrier","name":"four","n":4,"limit":20}' >"$work/b$i" & pids="$pids $!"
done
wait $pids
for i in 1 2 3 4; do
  [ "$(cat "$work/b$i")" = '{"barrier": "passed"}' ] \
    || fail "4 invocations on one instance with max concurrency 4 did not run at once: $(cat "$work/b$i")"
done
n=$(python3 "$top_srcdir/tests/emulator/concurrency.py" "$(invoke_url)" 20) || fail "concurrent invokes (max concurrency)"
[ "$n" = 1 ] || fail "expected one instance, saw $n"
stop_emulator

# Overload: 100 at once against 2 instances and a queue of 10: exactly 12
# answered 200 (each its own), the other 88 refused with 429, none lost.
printf '[emulator]\nqueue = 10\nconcurrency = 2\ntimeout = 30\n' >"$work/ov.ini"
start_emulator --config "$work/ov.ini" --task-root "$task_root" --runtime "$script_runtime"
python3 - "$port" <<'PY' || fail "overload"
import collections, http.client, json, sys, threading
port = int(sys.argv[1])
res, bad, lock, bar = collections.Counter(), [], threading.Lock(), threading.Barrier(100)
def one(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    bar.wait()
    c.request("POST", "/2015-03-31/functions/function/invocations",
              json.dumps({"action": "context", "seconds": 0.3, "i": i}))
    r = c.getresponse(); b = r.read()
    with lock:
        res[r.status] += 1
        if r.status == 200 and json.loads(b)["event"]["i"] != i:
            bad.append(i)
ts = [threading.Thread(target=one, args=(i,)) for i in range(100)]
[t.start() for t in ts]; [t.join() for t in ts]
assert res == {200: 12, 429: 88} and not bad, (dict(res), bad)
PY
stop_emulator
echo "PASS: concurrency"
