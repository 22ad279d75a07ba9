#!/bin/bash
# extensions.sh -- Lambda extensions beside the function (--extensions DIR):
# two extensions written against AWS's Extensions API alone (ext.py with
# Python's http.client, a shell one with curl) register, each gets INVOKE
# with the caller's request id for every invocation, and SHUTDOWN on stop;
# our bootstrap works unchanged beside them.  The failures (a crash in init,
# init/error, an exit after registering, an extension that never calls
# event/next again) give the caller AWS's error type and the next
# invocation succeeds on a fresh environment.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
[ -x "$bootstrap" ] || { echo "SKIP: $bootstrap is not built"; exit 77; }
ln -s "$top_builddir/plugins/.libs/echo.so" "$task_root/"

exts=$work/opt/extensions
mkdir -p "$exts"
ln -s "$top_srcdir/tests/emulator/ext.py" "$exts/ext-a"
cat >"$exts/ext-sh" <<'SH'
#!/bin/sh
# An extension in curl: INVOKE only; one line per event in $EXT_CTL/ext-sh.events.
api="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
id=$(curl -sS -D - -o /dev/null -H "Lambda-Extension-Name: ext-sh" \
       -d '{"events":["INVOKE"]}' "$api/register" | tr -d '\r' |
     sed -n 's/^[Ll]ambda-[Ee]xtension-[Ii]dentifier: //p')
[ -n "$id" ] || { echo "ext-sh: register failed"; exit 2; }
while :; do
  ev=$(curl -sS -H "Lambda-Extension-Identifier: $id" "$api/event/next") || exit 2
  printf '%s\n' "$ev" >>"$EXT_CTL/ext-sh.events"
done
SH
chmod +x "$exts/ext-sh"

for d in ok boot crash initerr exitreg stall; do mkdir -p "$work/ctl-$d"; done
cfg=$work/lambda-runtime.ini
ext_config "$cfg" "$exts"
cat >>"$cfg" <<INI
[function ok]
handler = fast.handler
env.EXT_CTL = $work/ctl-ok
[function boot]
runtime = $bootstrap
handler = echo.handler
env.EXT_CTL = $work/ctl-boot
[function crash]
env.EXT_CTL = $work/ctl-crash
env.EXT_MODE = crash-init
[function initerr]
env.EXT_CTL = $work/ctl-initerr
env.EXT_MODE = init-error
[function exitreg]
env.EXT_CTL = $work/ctl-exitreg
env.EXT_MODE = exit-after-register
[function stall]
timeout = 1
env.EXT_CTL = $work/ctl-stall
env.EXT_MODE = stall
INI
start_emulator --config "$cfg"
h=$work/h

# ids FILE: the request ids of the INVOKE events in FILE, one a line.
ids() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["eventType"] == "INVOKE": print(e["requestId"])' "$1"; }
rid() { tr -d '\r' <"$h" | sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: //p'; }

# Every invocation: INVOKE with the caller's request id, to both.
want=""
for n in 1 2 3; do
  body=$(curl -sS -D "$h" "$(invoke_url ok)" -d "{\"n\":$n}")
  [ "$(jget "$body" 'j["n"]')" = $n ] || fail "invocation $n: $body"
  want="$want$(rid)
"
done
[ "$(ids "$work/ctl-ok/ext-a.events")
" = "$want" ] || fail "ext-a's INVOKE request ids: $(cat "$work/ctl-ok/ext-a.events") want $want"
[ "$(ids "$work/ctl-ok/ext-sh.events")
" = "$want" ] || fail "ext-sh's INVOKE request ids: $(cat "$work/ctl-ok/ext-sh.events")"
python3 - "$work/ctl-ok/ext-a.events" <<'PY' || fail "INVOKE events lack AWS's fields"
import json, sys, time
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:ok", e
    assert e["tracing"]["type"] == "X-Amzn-Trace-Id" and e["tracing"]["value"].startswith("Root="), e
    assert abs(e["deadlineMs"] - time.time() * 1000) < 600000, e
PY
jget "$(cat "$work/ctl-ok/ext-a.register")" \
  'j["functionName"] == "ok" and j["functionVersion"] == "$LATEST" and j["handler"] == "fast.handler" and j["accountId"] == "123456789012"' \
  | grep -q True || fail "register answer: $(cat "$work/ctl-ok/ext-a.register")"
grep -q "^EXTENSION	Name: ext-a	State: Ready	Events: \[INVOKE,SHUTDOWN\]$" "$emu_out" || fail "no EXTENSION line for ext-a"
grep -q "^EXTENSION	Name: ext-sh	State: Ready	Events: \[INVOKE\]$" "$emu_out" || fail "no EXTENSION line for ext-sh"
grep -q "^ext-a: INVOKE " "$emu_out" || fail "the extension's output is not in the log"

# Our bootstrap, unchanged, beside the extensions.
body=$(curl -sS -D "$h" "$(invoke_url boot)" -d '{"echo":1}')
[ "$body" = '{"echo":1}' ] || fail "bootstrap beside extensions: $body"
[ "$(ids "$work/ctl-boot/ext-a.events")" = "$(rid)" ] || fail "bootstrap: ext-a's INVOKE"

# fails FUNCTION TYPE: the first invocation gets TYPE, the next succeeds.
fails() {
  body=$(curl -sS -D "$h" "$(invoke_url "$1")" -d '{"n":1}')
  [ "$(jget "$body" 'j["errorType"]')" = "$2" ] || fail "$1: want $2, got $body"
  grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "$1: no X-Amz-Function-Error"
  body=$(curl -sS "$(invoke_url "$1")" -d '{"n":2}')
  [ "$(jget "$body" 'j["n"]')" = 2 ] || fail "$1: the next invocation failed: $body"
}
fails crash Extension.Crash
grep -q "extension ext-a exited: exit status 3 (Extension.Crash)" "$emu_err" || fail "crash: no log line"
grep -q "INIT_REPORT .*Status: error	Error Type: Extension.Crash" "$emu_out" || fail "crash: no INIT_REPORT"
fails initerr Extension.InitError
grep -q "extension ext-a reported an init error: Extension.TestFailure" "$emu_err" || fail "init/error: no log line"
fails exitreg Extension.Crash
grep -q "extension ext-a exited: exit code 0 (Extension.Crash)" "$emu_err" || fail "exit after register: no log line"

# An extension that never calls event/next again: the invocation is
# answered, the next waits until the first one's deadline, then runs on a
# fresh environment.
for n in 1 2; do
  body=$(curl -sS "$(invoke_url stall)" -d "{\"n\":$n}")
  [ "$(jget "$body" 'j["n"]')" = $n ] || fail "stall: invocation $n: $body"
done
grep -q "extension ext-a did not call event/next again before the invocation's deadline" "$emu_err" \
  || fail "stall: no reset line"
[ "$(grep -c INVOKE "$work/ctl-stall/ext-a.events")" = 2 ] || fail "stall: INVOKE events: $(cat "$work/ctl-stall/ext-a.events")"

# SHUTDOWN (spindown) to the extensions registered for it on stop.
stop_emulator
python3 - "$work/ctl-ok/ext-a.events" <<'PY' || fail "no SHUTDOWN: $(cat "$work/ctl-ok/ext-a.events")"
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert last["eventType"] == "SHUTDOWN" and last["shutdownReason"] == "spindown", last
assert last["deadlineMs"] > 0, last
PY
grep -q SHUTDOWN "$work/ctl-ok/ext-sh.events" && fail "ext-sh registered for INVOKE only got SHUTDOWN"
exit 0
