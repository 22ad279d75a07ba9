#!/bin/bash
# front-stream.sh -- a function URL in RESPONSE_STREAM mode through the HTTP
# front: status and headers from the streamed prelude, the body forwarded
# chunk by chunk as the handler writes it (plugins/sse.c), checked with curl;
# and a Python client that must receive each chunk of the test runtime's
# stream before the runtime writes the next (it waits for a gate file the
# client creates on receipt), so a front that held the body back fails.
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
[function gated]
runtime = $script_runtime
handler = gated
invoke_mode = RESPONSE_STREAM
[route "POST /gated"]
function = gated
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

# Each chunk reaches the client before the runtime writes the next one: the
# runtime waits for GATE.i (at most 30 s, then it says it gave up) before
# chunk i, and the client creates GATE.i once it has chunk i - 1.
python3 - "$front" "$work/gate" <<'PY' || fail "the stream's chunks were not forwarded as written"
import http.client, json, sys, urllib.parse
front, gate = sys.argv[1], sys.argv[2]
u = urllib.parse.urlsplit(front)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=90)
c.request("POST", "/gated", json.dumps({"action": "stream", "chunks": 4, "gate": gate, "pause": 0}),
          {"Content-Type": "application/json"})
r = c.getresponse()
assert r.status == 200, r.status
assert r.getheader("Transfer-Encoding") == "chunked", r.getheaders()
for i in range(4):
    line = r.readline()
    assert line == b"chunk %d\n" % i, f"chunk {i}: {line!r}"
    open("%s.%d" % (gate, i + 1), "w").close()
assert r.read() == b"", "bytes after the last chunk"
print("4 chunks, each received before the next was written")
PY
stop_emulator
