#!/bin/bash
# stream-bound.sh -- a streamed response is buffered for its caller up to
# 1 MB: a 150 MB stream to a caller that never reads, or that hangs up after
# the first bytes, leaves the emulator's peak RSS (VmHWM) under a bound.  The
# runtime is held back by TCP back-pressure (the first case ends at the
# invocation's timeout); in the second its post is answered 410 at the end.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

rss_bound 40
# "hold" ends at its timeout; "drop" has the time to stream it all.
printf '[emulator]\nconcurrency = 1\n[function hold]\ntimeout = 20\n[function drop]\ntimeout = 300\n' >"$work/sb.ini"
start_emulator --config "$work/sb.ini" --task-root "$task_root" --runtime "$script_runtime"
# 150 chunks of 1 MB (131072 x "chunk N\n", 8 or more bytes each).
event='{"action":"stream","chunks":150,"repeat":131072,"pause":0}'
hwm_mb() { echo $(( $(awk '/^VmHWM:/ {print $2}' "/proc/$emu_pid/status") / 1024 )); }

# caller FUNCTION: read the answer's first 64 KB, then hold the connection
# without reading (function "hold") until $work/release exists, or hang up
# (function "drop").
caller() {
  python3 - "$url/2021-11-15/functions/$1/response-streaming-invocations" "$event" "$1" "$work/release" <<'PY'
import os, socket, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
s = socket.create_connection((u.hostname, u.port), timeout=30)
s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
          % (u.path.encode(), len(sys.argv[2]), sys.argv[2].encode()))
got = b""
while len(got) < 65536:
    b = s.recv(65536 - len(got))
    if not b:
        break
    got += b
assert got.startswith(b"HTTP/1.1 200"), got[:200]
print("caller: got the first bytes", flush=True)
for _ in range(2400 if sys.argv[3] == "hold" else 0):
    if os.path.exists(sys.argv[4]):
        break
    time.sleep(0.05)
s.close()
PY
}

# 1. A caller that never reads: the runtime blocks; the invocation times out.
caller hold >"$work/hold.out" &
hold=$!
wait_for 'caller: got the first bytes' "$work/hold.out" 30 || fail "the holding caller got no bytes"
wait_for 'Status: timeout' "$emu_out" 60 || fail "the blocked stream did not end at its timeout"
used=$(hwm_mb)
[ "$used" -lt $bound_mb ] || fail "a 150 MB stream to a caller that never reads: emulator peak RSS $used MB (bound $bound_mb MB)"
touch "$work/release"
wait $hold

# 2. A caller that hangs up after the first bytes: the rest is dropped and
# the runtime's post answered 410.
caller drop >/dev/null || fail "the hanging-up caller got no bytes"
wait_for 'runtime.py: stream answered' "$emu_out" 240 || fail "the runtime's stream did not end"
grep -q 'runtime.py: stream answered 410' "$emu_out" || fail "the stream whose caller hung up was answered $(grep 'stream answered' "$emu_out")"
used=$(hwm_mb)
[ "$used" -lt $bound_mb ] || fail "a 150 MB stream whose caller hung up: emulator peak RSS $used MB (bound $bound_mb MB)"
echo "emulator peak RSS: $used MB (bound $bound_mb MB)"
body=$(curl -s --max-time 20 "$(invoke_url drop)" -d '{"after":1}')
[ "$body" = '{"after":1}' ] || fail "after the streams, an invoke answered '$body'"
stop_emulator
echo "PASS: stream-bound"
