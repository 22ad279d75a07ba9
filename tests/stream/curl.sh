#!/bin/bash
# curl.sh -- curl against the emulator's InvokeWithResponseStream endpoint
# (raw event-stream) and its buffered Invoke endpoint, with the real
# bootstrap and plugins/stream.so: server-sent events arrive while the
# handler is still writing; a streamed body and a mid-stream error reach a
# buffered caller whole.
. "$top_srcdir/tests/stream/lib.sh"
start_stream_emulator
out=$(tmpf)

# 4 events 500 ms apart: the first arrives before the handler wrote the last
curl -s -o /dev/null -X POST "$(stream_url sse)" -d '{"count":1}' || fail "warm-up"
spawn curl -sN -X POST "$(stream_url sse)" -d '{"count":4,"interval_ms":500}' -o "$out"
curl_pid=$spawned
wait_for '"n":1,' "$out" 10 || fail "the first event did not arrive"
grep -q '"n":4,' "$out" && fail "the first event arrived only with the last one"
wait "$curl_pid" || fail "curl on the streaming endpoint failed"
for n in 1 2 3 4; do grep -q "data: {\"n\":$n,\"of\":4," "$out" || fail "event $n missing"; done
grep -q 'InvokeComplete' "$out" || fail "no InvokeComplete event"
grep -q 'ErrorCode' "$out" && fail "sse ended with an error"

# a mid-stream error in the raw event stream: the lines, then InvokeComplete
curl -s -X POST "$(stream_url failer)" -d '{"lines":2}' -o "$out" || fail "curl failer"
python3 - "$out" <<'PY' || fail "failer's event stream"
import sys
d = open(sys.argv[1], "rb").read()
i, j = d.find(b"line 1\n"), d.find(b'"ErrorCode":"StreamFailed"')
sys.exit(0 if 0 <= i < j and b"failed after 2 lines" in d[j:] else "bad event stream %r" % d)
PY

# the buffered Invoke API: the whole streamed body, or the error
curl -s "$(invoke_url bulk)" -d '{"bytes":300000,"chunk":7000}' -o "$out" || fail "curl bulk"
python3 -c 'import sys; sys.stdout.buffer.write((bytes(range(251)) * 1200)[:300000])' | cmp -s - "$out" ||
  fail "buffered invoke of stream.bulk: wrong bytes ($(wc -c <"$out") bytes)"
h=$(tmpf)
body=$(curl -s -D "$h" "$(invoke_url failer)" -d '{"lines":2}')
grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "buffered failer: no X-Amz-Function-Error"
[ "$(jget "$body" 'j["errorType"]')" = StreamFailed ] || fail "buffered failer: $body"
stop_emulator
echo "PASS: curl"
