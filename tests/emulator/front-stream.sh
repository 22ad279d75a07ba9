#!/bin/bash
# front-stream.sh -- a function URL in RESPONSE_STREAM mode through the HTTP
# front: status and headers from the streamed prelude, the body forwarded
# chunk by chunk as the handler writes it (plugins/sse.c), checked with curl
# and with a Python client that notes when each event arrives: every event
# is there before the handler writes its last one (the "end" event carries
# the time it was written).
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
[ -x "$bootstrap" ] || { echo "SKIP: $bootstrap is not built"; exit 77; }
ln -s "$top_builddir/plugins/.libs/sse.so" "$top_builddir/plugins/.libs/lambda_function.so" "$task_root/"

cfg=$work/lambda-runtime.ini
cat >"$cfg" <<INI
[emulator]
runtime = $bootstrap
task_root = $task_root
http_listen = 127.0.0.1:0
[function sse]
handler = sse.handler
invoke_mode = RESPONSE_STREAM
[function hello]
handler = lambda_function.handler
invoke_mode = RESPONSE_STREAM
[route "GET /hello"]
function = hello
[route "\$default"]
function = sse
INI
start_emulator --config "$cfg"
front=$(front_url)
h=$work/h

# curl: chunked, the prelude's status and headers, every event.
body=$(curl -sN -D "$h" "$front/events?count=3&interval_ms=50")
grep -qi '^HTTP/1.1 200' "$h" || fail "stream status: $(cat "$h")"
grep -qi '^Transfer-Encoding: chunked' "$h" || fail "stream not chunked: $(cat "$h")"
grep -qi '^Content-Type: text/event-stream' "$h" && grep -qi '^Cache-Control: no-cache' "$h" \
  || fail "prelude headers not applied: $(cat "$h")"
[ "$(echo "$body" | grep -c '^data: {"n":')" = 3 ] && echo "$body" | grep -q '^event: end' \
  || fail "stream body: $body"
# The page the browser test opens comes through the same function.
curl -s "$front/" | grep -q "new EventSource('/events'" || fail "the SSE page"
# A buffered handler behind a RESPONSE_STREAM function answers normally.
[ "$(jget "$(curl -s "$front/hello?name=Chris")" 'j["message"]')" = "Hello, Chris" ] || fail "buffered result in stream mode"

# Arrival times: each event reaches the client before the last is written.
python3 - "$front/events?count=4&interval_ms=300" <<'PY' || fail "events were not forwarded as written"
import json, sys, time, urllib.request
arrived, end = [], None
with urllib.request.urlopen(sys.argv[1], timeout=30) as r:
    for line in r:
        line = line.decode().strip()
        if line.startswith("data: ") and end is None and "n" in json.loads(line[6:]):
            arrived.append((json.loads(line[6:]), time.time() * 1000))
        elif line == "event: end":
            end = True
        elif line.startswith("data: ") and end:
            end = json.loads(line[6:])["ms"]
assert len(arrived) == 4, arrived
for ev, t in arrived:
    assert t < end, f"event {ev} arrived at {t:.0f}, after the stream's end was written at {end}"
print("events arrived before the end:", [round(end - t) for _, t in arrived], "ms ahead")
PY
stop_emulator
