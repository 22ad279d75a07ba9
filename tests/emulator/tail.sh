#!/bin/bash
# tail.sh -- X-Amz-Log-Type: Tail with several invocations at once on one
# instance (--max-concurrency 2): each caller's X-Amz-Log-Result holds the
# lines that carry its request id, none of the other's, and no line without
# a request id (those are the instance's: they appear in the emulator's
# output only).  At concurrency 1 every line of the invocation is its own.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 1 --max-concurrency 2 --timeout 30
mkdir "$work/barrier"
python3 - "$(invoke_url)" "$work/barrier" <<'PY' || fail "Tail with two invocations at once"
import base64, http.client, json, sys, threading, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
logs = {}
def one(i):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request("POST", u.path, json.dumps({"action": "print", "lines": 3, "plain": 2,
                                          "barrier": sys.argv[2], "n": 2}),
              {"X-Amz-Log-Type": "Tail"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
    logs[i] = (r.getheader("x-amzn-RequestId"), base64.b64decode(r.getheader("X-Amz-Log-Result")).decode())
ts = [threading.Thread(target=one, args=(i,)) for i in range(2)]
[t.start() for t in ts]; [t.join() for t in ts]
assert len(logs) == 2, logs
for i, (rid, log) in logs.items():
    other = logs[1 - i][0]
    for n in range(3):
        assert "line %d of %s" % (n, rid) in log, (rid, log)
    assert other not in log, ("crosstalk: %s's Tail has %s's lines" % (rid, other), log)
    assert "plain line" not in log, ("a line without a request id reached a caller", log)
    assert "START RequestId: %s" % rid in log and "REPORT RequestId: %s" % rid in log, log
PY
[ "$(grep -c '^plain line' "$emu_out")" = 4 ] || fail "the lines without a request id are missing from the emulator's output"
stop_emulator

# Concurrency 1: a line without the request id is the invocation's too.
start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 1 --timeout 30
h=$work/h
curl -s -D "$h" --max-time 20 -H 'X-Amz-Log-Type: Tail' "$(invoke_url)" -d '{"action":"print","lines":1,"plain":1}' >/dev/null
log=$(sed -n 's/^X-Amz-Log-Result: *//Ip' "$h" | tr -d '\r' | base64 -d)
echo "$log" | grep -q '^plain line 0' || fail "concurrency 1: Tail lacks the line without a request id: $log"
stop_emulator
echo "PASS: tail"
