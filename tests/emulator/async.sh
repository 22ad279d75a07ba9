#!/bin/bash
# async.sh -- Event invocations have their own queue, as on AWS: 300 sent at
# once all get 202 and all run (they used to share the synchronous queue of
# 100 and 99 got 429); a failing one is retried max_retry_attempts times
# (AWS's default: 2) under the same request id, then dropped with a
# message; with max_retry_attempts = 0 it runs once.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

cat >"$work/async.ini" <<INI
[emulator]
timeout = 30
; AWS waits about a minute, then two; short here
retry_delay = 100ms
[function function]
[function once]
max_retry_attempts = 0
INI
start_emulator --config "$work/async.ini" --task-root "$task_root" --runtime "$script_runtime"

python3 - "$port" >"$work/ids" <<'PY' || fail "300 Event invocations"
import collections, http.client, sys, threading
port, n, nthreads = int(sys.argv[1]), 300, 20
codes, ids, lock = collections.Counter(), [], threading.Lock()
bar = threading.Barrier(nthreads)
def sender(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    bar.wait()
    for i in range(k, n, nthreads):
        c.request("POST", "/2015-03-31/functions/function/invocations", '{"i": %d}' % i,
                  {"X-Amz-Invocation-Type": "Event"})
        r = c.getresponse(); r.read()
        with lock:
            codes[r.status] += 1
            ids.append(r.getheader("x-amzn-RequestId"))
ts = [threading.Thread(target=sender, args=(k,)) for k in range(nthreads)]
[t.start() for t in ts]; [t.join() for t in ts]
if codes != {202: n}:
    sys.exit("expected %d x 202, got %r" % (n, dict(codes)))
print("\n".join(ids))
PY
for _ in $(seq 1 2400); do [ "$(grep -c '^REPORT RequestId' "$emu_out")" -ge 300 ] && break; sleep 0.05; done
python3 - "$work/ids" "$emu_out" <<'PY' || fail "not every accepted Event ran exactly once"
import re, sys
ids = set(open(sys.argv[1]).read().split())
ran = re.findall(r"^REPORT RequestId: (\S+)", open(sys.argv[2]).read(), re.M)
assert len(ids) == 300 and sorted(ran) == sorted(ids), (len(ids), len(ran), len(set(ran)))
PY

# A failing Event: 1 + 2 attempts, the same request id, then dropped.
event_id() { # event_id FUNCTION EVENT: invoke as Event, print the request id
  curl -s -D - -o /dev/null -H 'X-Amz-Invocation-Type: Event' "$(invoke_url "$1")" -d "$2" \
    | sed -n 's/^x-amzn-RequestId: //Ip' | tr -d '\r'
}
id=$(event_id function '{"action":"error","message":"always"}')
[ -n "$id" ] || fail "no request id for the failing Event"
wait_for "Event $id failed after 3 attempts: dropped" "$emu_err" 60 || fail "no retries of $id"
grep -q "Event $id failed (HandlerError); retry 1 of 2 in 0.1 s" "$emu_err" || fail "first retry not announced"
grep -q "Event $id failed (HandlerError); retry 2 of 2 in 0.2 s" "$emu_err" || fail "second retry not announced"
for _ in $(seq 1 200); do [ "$(grep -c "^REPORT RequestId: $id" "$emu_out")" -ge 3 ] && break; sleep 0.05; done
[ "$(grep -c "^REPORT RequestId: $id" "$emu_out")" = 3 ] || fail "$id: expected 3 attempts, saw $(grep -c "^REPORT RequestId: $id" "$emu_out")"

# max_retry_attempts = 0: one attempt.
id=$(event_id once '{"action":"error"}')
wait_for "Event $id failed after 1 attempts: dropped" "$emu_err" 60 || fail "no give-up line for $id"
[ "$(grep -c "^REPORT RequestId: $id" "$emu_out")" = 1 ] || fail "max_retry_attempts = 0: $id ran more than once"
stop_emulator
echo "PASS: async"
