#!/bin/bash
# runtime-api.sh -- the Runtime API as a runtime sees it: the answer of an
# invocation whose streamed response broke is the later buffered post, with
# that post's Content-Type (none: application/json), not the broken one's.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 1 --timeout 30
h=$work/h

body=$(curl -s -D "$h" --max-time 20 "$(invoke_url)" -d '{"action":"brokenstream"}')
[ "$body" = '{"buffered":true}' ] || fail "broken stream then buffered post: body '$body'"
grep -qi '^Content-Type: application/json' "$h" \
  || fail "broken stream then buffered post: the broken post's Content-Type leaked: $(grep -i content-type "$h")"

# Only the instance's own processes may use its Runtime API.  Another local
# process (python3 here) that finds the port gets 403 at once, for /next and
# for a forged /response, logged once per connection; the runtime still
# serves the caller, who gets the real answer.
ctx=$(curl -s --max-time 20 "$(invoke_url)" -d '{"action":"context"}')
rapi=$(jget "$ctx" 'j["env"]["AWS_LAMBDA_RUNTIME_API"]')
[ -n "$rapi" ] || fail "no AWS_LAMBDA_RUNTIME_API in $ctx"
attack() { # attack ID: /next then a forged /response for ID on one connection
  python3 - "$rapi" "$1" <<'PY'
import http.client, json, sys
host, port = sys.argv[1].split(":")
c = http.client.HTTPConnection(host, int(port), timeout=10)
out = []
c.request("GET", "/2018-06-01/runtime/invocation/next")
r = c.getresponse(); body = r.read()
out.append((r.status, json.loads(body).get("errorType") if r.status != 200 else body.decode()))
c.request("POST", "/2018-06-01/runtime/invocation/%s/response" % sys.argv[2], b'{"forged":true}')
r = c.getresponse(); r.read()
out.append((r.status,))
print(json.dumps(out))
PY
}
res=$(attack 00000000-0000-4000-8000-000000000000) || fail "the attacker's /next was not answered in 10 s (it waits for work)"
[ "$res" = '[[403, "AccessDeniedException"], [403]]' ] || fail "another process used the Runtime API: $res"
# A forged /response for an invocation that is running.
curl -s --max-time 20 "$(invoke_url)" -d '{"action":"sleep","seconds":1}' >"$work/slept" &
caller=$!
wait_for '^START RequestId' "$emu_out"
id=$(sed -n 's/^START RequestId: \([^ ]*\) .*/\1/p' "$emu_out" | tail -1)
res=$(attack "$id") || fail "attacker"
[ "$res" = '[[403, "AccessDeniedException"], [403]]' ] || fail "forged /response for $id: $res"
wait $caller
[ "$(cat "$work/slept")" = '{"slept": 1}' ] || fail "the caller got '$(cat "$work/slept")', not the runtime's answer"
body=$(curl -s --max-time 20 "$(invoke_url)" -d '{"n":1}')
[ "$body" = '{"n":1}' ] || fail "after the attacks, an invoke answered '$body'"
n=$(grep -c 'refused a Runtime API connection from 127.0.0.1:[0-9]* .*not a process of execution environment' "$emu_err")
[ "$n" = 2 ] || fail "expected one log line per refused connection (2), found $n: $(cat "$emu_err")"

# A post without the nonce, from a runtime that echoes it, is refused; the
# caller gets the real answer.
body=$(curl -s --max-time 20 "$(invoke_url)" -d '{"action":"nononce"}')
[ "$body" = '{"action":"nononce"}' ] || fail "post without the nonce reached the caller: '$body'"
wait_for 'post without nonce answered 400' "$emu_out"
stop_emulator

# A runtime that never echoes the nonce (older than the header) works.
start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 1 --timeout 30 noecho
for i in 1 2; do
  body=$(curl -s --max-time 20 "$(invoke_url)" -d "{\"i\":$i}")
  [ "$body" = "{\"i\":$i}" ] || fail "runtime without nonce echo: '$body'"
done
stop_emulator

# Waiting /next polls are served oldest first: the runtime's poll A was
# read by the emulator before B was sent; A gets the first invocation.
start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 1 --max-concurrency 2 --timeout 30 fifo
wait_for 'polls A and B waiting' "$emu_out"
body=$(curl -s --max-time 20 "$(invoke_url)" -d '{}')
[ "$body" = '{"poll": "A"}' ] || fail "the first invocation went to '$body', not the oldest poll A"
body=$(curl -s --max-time 20 "$(invoke_url)" -d '{}')
[ "$body" = '{"poll": "B"}' ] || fail "the second invocation went to '$body', not B"
stop_emulator

# A runtime whose process daemonizes the real one (as `podman run` does via
# conmon, or `setsid -f`) still owns its Runtime API: the daemon is
# reparented to the runtime, stays in its tree, is admitted, and is killed
# with it when the emulator stops.
daemonizing=$work/daemonizing
cp "$script_runtime" "$work/daemon-runtime.py" # a path only this test's daemon has
cat >"$daemonizing" <<EOS
#!/bin/sh
setsid -f "$work/daemon-runtime.py" </dev/null
exec sleep 600
EOS
chmod +x "$daemonizing"
start_emulator --config /dev/null --task-root "$task_root" --runtime "$daemonizing" \
  --concurrency 1 --timeout 30
body=$(curl -s --max-time 20 "$(invoke_url)" -d '{"n":2}')
[ "$body" = '{"n":2}' ] || fail "a daemonized runtime was not admitted: '$body'; $(cat "$emu_err")"
grep -q 'refused a Runtime API connection' "$emu_err" && fail "a daemonized runtime was refused: $(cat "$emu_err")"
stop_emulator
i=0
while pgrep -f "$work/daemon-runtime.py" >/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
pgrep -f "$work/daemon-runtime.py" >/dev/null && fail "the daemonized runtime outlived the emulator by 5 s"
echo "PASS: runtime-api"
