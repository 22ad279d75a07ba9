#!/bin/bash
# console.sh -- who may reach the console (curl is the judge): on by
# default on loopback and announced at start-up; refused to a request
# whose Host is not a loopback name (a rebound DNS name); not reachable
# from another address of the machine; off by default when the emulator
# listens on every address, on with --console, off with --no-console.  Its
# JSON: the functions, the saved events of --events DIR (the built-in
# sample first), and the live stream (Server-Sent Events) of an invocation;
# the streams of clients that have gone are closed.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

mkdir "$work/events"
echo '{"action": "echo", "saved": 1}' >"$work/events/one.json"
echo 'not an event' >"$work/events/notes.txt"
start_emulator --runtime "$script_runtime" --task-root "$task_root" --events "$work/events"
grep -q "^lambda-emulator: console on http://127.0.0.1:$port/console/$" "$emu_err" \
  || fail "no console line at start-up: $(cat "$emu_err")"
grep -q "^lambda-emulator: function function (handler .*) at $url/2015-03-31/functions/function/invocations$" \
  "$emu_err" || fail "no Invoke API URL at start-up"

page=$(curl -sS -D "$work/h" "$url/console/") || fail "GET /console/"
grep -q '<script src="console.js"' <<<"$page" || fail "the page is not the console's: $page"
grep -qi '^Content-Security-Policy: default-src .self.' "$work/h" || fail "no CSP header"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/console/console.js")" = 200 ] || fail "console.js"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/console/nothing")" = 404 ] || fail "404 for others"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: rebound.example:80' "$url/console/")
[ "$code" = 403 ] || fail "a request for another host name got $code, not 403"
# The Invoke API itself still answers any Host.
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: rebound.example' -d '{}' "$(invoke_url)")" = 200 ] \
  || fail "the Invoke API refused a Host"

fns=$(curl -sS "$url/console/api/functions")
[ "$(jget "$fns" 'j["functions"][0]["name"]')" = function ] || fail "functions: $fns"
samples=$(curl -sS "$url/console/api/samples")
[ "$(jget "$samples" '[s["name"] for s in j["samples"]][1:]')" = "['one.json']" ] \
  || fail "saved events: $samples"
jget "$samples" 'j["samples"][0]["name"]' | grep -q 'GET /hello?name=Chris' \
  || fail "the built-in sample is not first: $samples"
[ "$(jget "$samples" 'json.loads(j["samples"][0]["event"])["queryStringParameters"]["name"]')" = Chris ] \
  || fail "the built-in sample: $samples"

# The live stream: an invocation made while it is open arrives.
last=$(curl -sN --max-time 2 "$url/console/api/events" | sed -n 's/^id: //p' | tail -1)
curl -sN --max-time 20 -H "Last-Event-ID: ${last:-0}" "$url/console/api/events" >"$work/sse" &
sse_pid=$!
rid=$(curl -sS -D - -o /dev/null -d '{"action": "say", "text": "hi there"}' "$(invoke_url)" \
  | tr -d '\r' | sed -n 's/^x-amzn-RequestId: //ip')
wait_for "\"type\":\"end\",.*\"id\":\"$rid\"" "$work/sse" 20 || fail "no end record for $rid"
grep -q "\"type\":\"log\",.*\"id\":\"$rid\",.*\"text\":\"hi there\\\\n\"" "$work/sse" \
  || fail "no log record for $rid: $(cat "$work/sse")"
kill "$sse_pid" 2>/dev/null; wait "$sse_pid" 2>/dev/null

# Live streams whose client is gone are closed: a keep-alive every 5 s finds
# them out (else each would hold a connection until the next invocation).
open_streams() { ss -Htn state established state close-wait "( sport = :$port )" | wc -l; }
pids=""
for _ in 1 2 3; do
  curl -sN --max-time 60 "$url/console/api/events" >/dev/null & pids="$pids $!"
done
for _ in $(seq 200); do [ "$(open_streams)" -ge 3 ] && break; sleep 0.05; done
[ "$(open_streams)" -ge 3 ] || fail "the live streams did not connect: $(open_streams)"
kill $pids; wait $pids 2>/dev/null
for _ in $(seq 600); do [ "$(open_streams)" = 0 ] && break; sleep 0.05; done
[ "$(open_streams)" = 0 ] || fail "the emulator keeps $(open_streams) streams of gone clients"

# Another address of this machine does not reach it.
other=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep -m1 '^[0-9.]*$')
if [ -n "$other" ]; then
  curl -s --max-time 5 -o /dev/null "http://$other:$port/console/" \
    && fail "the console answered on $other, the emulator listens on loopback"
else
  echo "no non-loopback IPv4 address here: the other-address check is skipped"
fi
stop_emulator

# On every address: off unless asked for.
start_emulator --listen 0.0.0.0:0 --runtime "$script_runtime" --task-root "$task_root"
grep -q "console on" "$emu_err" && fail "console announced on 0.0.0.0 without --console"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/console/")" = 404 ] \
  || fail "the console answers on 0.0.0.0 without --console"
stop_emulator
start_emulator --listen 0.0.0.0:0 --console --runtime "$script_runtime" --task-root "$task_root"
grep -q "^lambda-emulator: console on http://0.0.0.0:$port/console/$" "$emu_err" \
  || fail "--console: no console line"
if [ -n "$other" ]; then
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$other:$port/console/")" = 200 ] \
    || fail "--console on 0.0.0.0: not reachable from $other"
fi
stop_emulator
start_emulator --no-console --runtime "$script_runtime" --task-root "$task_root"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/console/")" = 404 ] || fail "--no-console"
grep -q "console on" "$emu_err" && fail "--no-console announced a console"
stop_emulator
