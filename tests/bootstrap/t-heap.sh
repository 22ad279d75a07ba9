#!/bin/sh
# t-heap.sh -- bootstrap's heap stays flat over many invocations (issue 8
# item 0): through lambda-emulator (a new trace id per invocation, exported
# as _X_AMZN_TRACE_ID), probe.heap answers the worker's heap bytes in use;
# after a warm-up, 2,000 more invocations may not grow it by more than
# 16 bytes each (setenv() per trace id grew it by ~100).  Bytes, not time.
. "$SRC/tests/bootstrap/lib.sh"

EMULATOR=$BUILD/src/emulator/lambda-emulator
"$EMULATOR" --config /dev/null --listen 127.0.0.1:0 --task-root "$TASK" --runtime "$BOOTSTRAP" \
    --concurrency 1 probe.heap > "$T/emu.out" 2> "$T/emu.err" &
emu=$!
trap 'kill $emu 2>/dev/null; wait $emu 2>/dev/null; rm -rf "$T"' EXIT
port=""
i=0
while [ -z "$port" ] && [ $i -lt 200 ]; do
    port=$(sed -n 's/^lambda-emulator: listening on [0-9.]*:\([0-9]*\)$/\1/p' "$T/emu.err")
    [ -n "$port" ] || sleep 0.05
    i=$((i + 1))
done
check "the emulator listens" [ -n "$port" ]
[ -n "$port" ] || { cat "$T/emu.err" >&2; finish; }

python3 - "$port" > "$T/heap" <<'PY'
import http.client, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
def heap():
    conn.request("POST", "/2015-03-31/functions/function/invocations", body=b"{}")
    r = conn.getresponse()
    body = r.read()
    assert r.status == 200, (r.status, body)
    return int(body)
for _ in range(300):  # warm-up: every buffer at its working size
    heap()
first = heap()
n = 2000
for _ in range(n - 1):
    last = heap()
print(first, last, n)
PY
check "2,300 invocations answered" [ -s "$T/heap" ]
read first last n < "$T/heap"
echo "worker heap in use: $first bytes, then $last bytes $n invocations later"
check "heap growth under 16 bytes per invocation ($first -> $last over $n)" \
    [ $((last - first)) -lt $((16 * n)) ]
finish
