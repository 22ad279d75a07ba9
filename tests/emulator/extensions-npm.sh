#!/bin/bash
# extensions-npm.sh -- an unmodified public extension written by others
# against AWS's Extensions API: @serverless/aws-lambda-otel-extension-dist
# from npm, whose extension.zip is a layer (extensions/otel-extension, a
# bash wrapper that execs /opt/otel-extension/index.js, a Node.js program).
# The layer is unpacked into a directory mounted on /opt in a private mount
# namespace (the wrapper names /opt).  It registers, receives INVOKE with
# the caller's request id for every invocation (read by a JSON.parse spy
# preloaded with NODE_OPTIONS: the extension's own code is untouched), and
# SHUTDOWN when the emulator stops; it then waits for logs that never come
# and is killed at the end of the Shutdown phase, as on Lambda.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

pkg=@serverless/aws-lambda-otel-extension-dist@0.1.11
command -v node >/dev/null && command -v npm >/dev/null || { echo "SKIP: node and npm are needed"; exit 77; }
require_package unzip "the npm extension's layer is a zip file" command -v unzip
mnt=""
for u in "unshare -m --propagation private" "unshare -Urm --propagation private"; do
  $u true 2>/dev/null && { mnt=$u; break; }
done
[ -n "$mnt" ] || { echo "SKIP: no private mount namespace (unshare -m) to put the layer on /opt"; exit 77; }
(cd "$work" && timeout 300 npm pack --prefer-offline "$pkg" >npm.log 2>&1) ||
  { cat "$work/npm.log"; echo "SKIP: npm pack $pkg failed (registry unreachable?)"; exit 77; }
opt=$work/opt
mkdir -p "$opt"
tar -xzf "$work"/serverless-aws-lambda-otel-extension-dist-*.tgz -C "$work"
unzip -q "$work/package/extension.zip" -d "$opt"
[ -x "$opt/extensions/otel-extension" ] || fail "the layer has no extensions/otel-extension"

spy=$work/spy.js events=$work/events
cat >"$spy" <<'JS'
// Records each Extensions API event the extension parses (node-fetch's res.json()).
const parse = JSON.parse;
JSON.parse = function (text, ...rest) {
  const v = parse.call(this, text, ...rest);
  if (v && typeof v === 'object' && typeof v.eventType === 'string')
    require('fs').appendFileSync(process.env.EXT_SPY, JSON.stringify(v) + '\n');
  return v;
};
JS
# DO_NOT_WAIT: it would wait for spans from Serverless's own function layer;
# AWS_SAM_LOCAL: it listens on 0.0.0.0 rather than the name "sandbox".
cfg=$work/lambda-runtime.ini
cat >"$cfg" <<INI
[emulator]
runtime = $script_runtime
task_root = $task_root
extensions_dir = /opt/extensions
concurrency = 1
env.DO_NOT_WAIT = 1
env.AWS_SAM_LOCAL = true
env.DEBUG_SLS_OTEL_LAYER = 1
env.NODE_OPTIONS = --require $spy
env.EXT_SPY = $events
INI
# The extension listens on a fixed port (2772) of every address: one run at
# a time on this machine (scripts/test runs the sanitizer builds' make check
# at the same time).  The lock is held by this script only (fd 9 is closed
# for what it starts) and released when it exits.
exec 9>"${TMPDIR:-/tmp}/lambda-c-runtime-otel-2772.lock"
flock -w 900 9 || fail "another run of extensions-npm.sh held port 2772's lock for 900 s"
# The extension keeps its unsent logs in /tmp/sls-save-log.json, a fixed
# path, and sends the whole file again at every event.  On Lambda /tmp is the
# execution environment's own; here it is the machine's, so the file of every
# earlier run was read back and grew (60 KB after a day of runs: the INVOKEs
# were handled ever later).  Each run starts from none, under the lock.
rm -f /tmp/sls-save-log.json
_n=$((_n + 1)); emu_out=$work/stdout.$_n; emu_err=$work/stderr.$_n
spawn $mnt sh -c 'mount --bind "$1" /opt && shift && exec "$@"' sh "$opt" \
  "$emulator" --listen 127.0.0.1:0 --init-timeout 120 --config "$cfg" >"$emu_out" 2>"$emu_err" 9>&-
emu_pid=$spawned
wait_for 'listening on' "$emu_err" 20
port=$(sed -n 's/^lambda-emulator: listening on [0-9.]*:\([0-9]*\)$/\1/p' "$emu_err")
url="http://127.0.0.1:$port"

h=$work/h want=""
for n in 1 2 3; do
  body=$(curl -sS -D "$h" "$(invoke_url)" -d "{\"n\":$n}")
  [ "$(jget "$body" 'j["n"]')" = $n ] || fail "invocation $n: $body; $(cat "$emu_out" "$emu_err")"
  want="$want$(tr -d '\r' <"$h" | sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: //p')
"
done
grep -q "^EXTENSION	Name: otel-extension	State: Ready	Events: \[INVOKE,SHUTDOWN\]$" "$emu_out" ||
  fail "otel-extension did not register: $(cat "$emu_out")"
got=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["eventType"] == "INVOKE": print(e["requestId"])' "$events")
[ "$got
" = "$want" ] || fail "otel-extension's INVOKE request ids: $got; want $want"
# The extension prints the line when it has handled the event, which may be
# after the caller has its answer: wait for the third (at most 60 s).
wait_for '^Processing event:  INVOKE$' "$emu_out" 60 3 || true
[ "$(grep -c '^Processing event:  INVOKE$' "$emu_out")" = 3 ] || fail "the extension did not handle 3 INVOKE: $(cat "$emu_out")"

# Stop: SHUTDOWN (spindown); it then waits for logs forever and is killed
# when the Shutdown phase ends (the emulator still exits 0 within 5 s).
kill -TERM "$emu_pid"
i=0
while kill -0 "$emu_pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -0 "$emu_pid" 2>/dev/null && fail "the emulator did not stop within 5 s"
wait "$emu_pid" || fail "the emulator's exit status after SIGTERM: $?"
tail -1 "$events" | grep -q '"eventType": *"SHUTDOWN".*"shutdownReason": *"spindown"' ||
  fail "no SHUTDOWN: $(cat "$events")"
grep -q '^Processing event:  SHUTDOWN$' "$emu_out" || fail "the extension did not handle SHUTDOWN"
exit 0
