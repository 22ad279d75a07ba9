#!/bin/bash
# cli.sh -- the command line and the configuration file: --help, --version,
# bad options and bad INI lines (FILE:LINE, exit 2), a busy port (exit 1),
# precedence (INI < environment < command line), env.NAME, JSON platform
# events with --log-format JSON, the Runtime API refusing other processes.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

out=$("$emulator" --help) || fail "--help exited non-zero"
echo "$out" | grep -q '^Usage: lambda-emulator \[OPTION\]... \[HANDLER\]' || fail "--help: $out"
for o in --config --listen --task-root --runtime --concurrency --timeout; do
  echo "$out" | grep -q -- "$o" || fail "--help does not mention $o"
done
"$emulator" --version | grep -q '^lambda-emulator (lambda-c-runtime) [0-9]' || fail "--version"

expect_error() { # expect_error STATUS PATTERN ARGS...
  local status=$1 pattern=$2; shift 2
  local err; err=$("$emulator" "$@" 2>&1 >/dev/null); local rc=$?
  [ $rc = "$status" ] || fail "'$*': exit status $rc, expected $status ($err)"
  echo "$err" | grep -q -- "$pattern" || fail "'$*': message '$err' lacks '$pattern'"
}
expect_error 2 "unknown option '--bogus'" --bogus
# Every option that takes a value, given none, is named in the message.
for o in --config --listen --task-root --runtime --concurrency --max-concurrency --timeout \
         --memory-size --init --log-format -c -l; do
  expect_error 2 "^lambda-emulator: option $o needs a value (see --help)\$" $o
done
expect_error 2 "at most one HANDLER" a.b c.d
expect_error 2 "bad value 'many' for concurrency" --config /dev/null --concurrency many
expect_error 2 "bad listen address" --config /dev/null --task-root "$task_root" --listen nowhere
expect_error 2 "is not a directory" --config /dev/null --task-root /nonexistent
cfg=$work/bad.ini
printf '[emulator]\ntimeout = 3\n\n[function f]\nmemory = 128\n' >"$cfg"
expect_error 2 "$cfg:5: unknown key 'memory'" --config "$cfg"
printf '[emulator]\ntimeout = soon\n' >"$cfg"
expect_error 2 "$cfg:2: bad value 'soon' for timeout" --config "$cfg"
printf '[function bad/name]\nhandler = x.y\n' >"$cfg"
expect_error 2 "$cfg:1: bad function name" --config "$cfg"
printf '[emulatorr]\nlisten = 1\n' >"$cfg"
expect_error 2 "$cfg:1: unknown section \[emulatorr\]" --config "$cfg"
expect_error 2 "cannot open configuration file" --config "$work/missing.ini"
LAMBDA_RUNTIME_CONFIG=$cfg expect_error 2 "$cfg:1: unknown section" --task-root "$task_root"

# Every key the shipped file documents, uncommented, is accepted.
sed 's/^;\([A-Za-z_.]* =\)/\1/; s/^;\[function NAME\]/[function NAME]/; s/^;\[route /[route /' \
  "$top_srcdir/etc/lambda-runtime.ini" >"$work/all.ini"
grep -q '^\[function NAME\]' "$work/all.ini" || fail "etc/lambda-runtime.ini documents no [function NAME]"
start_emulator --config "$work/all.ini" --task-root "$task_root" --runtime "$script_runtime"
grep -q 'function NAME (handler lambda_function.handler' "$emu_err" || fail "shipped file: $(cat "$emu_err")"
stop_emulator

# A port in use.
start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime"
expect_error 1 "cannot listen on 127.0.0.1:$port" --config /dev/null --task-root "$task_root" --listen "127.0.0.1:$port"
stop_emulator

# Precedence: INI < environment < command line; [emulator] env.NAME for
# every function, [function] env.NAME for its own; [runtime] and [log]
# belong to bootstrap and are skipped.
cat >"$cfg" <<INI
[runtime]
api_retries = 3
[log]
level = WARN
[emulator]
runtime = /bin/false
task_root = $task_root
timeout = 4
memory_size = 512
env.CUSTOM_ALL = all
[function one]
handler = from.ini
env.CUSTOM_ONE = one
[function two]
memory_size = 1024
INI
AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256 _HANDLER=from.env \
  start_emulator --config "$cfg" --runtime "$script_runtime" --timeout 9 --log-format JSON
before=$(epoch_ms)
ctx=$(curl -s "$(invoke_url one)" -d '{"action":"context"}')
after=$(epoch_ms)
[ "$(jget "$ctx" 'j["env"]["_HANDLER"]')" = from.ini ] || fail "[function] handler must win over _HANDLER: $ctx"
[ "$(jget "$ctx" 'j["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]')" = 256 ] || fail "env must win over [emulator]: $ctx"
[ "$(jget "$ctx" 'j["env"]["CUSTOM_ALL"] + j["env"]["CUSTOM_ONE"]')" = allone ] || fail "env.NAME: $ctx"
[ "$(jget "$ctx" 'j["env"]["AWS_LAMBDA_LOG_FORMAT"]')" = JSON ] || fail "--log-format JSON not passed"
[ "$(jget "$ctx" 'j["env"]["LAMBDA_RUNTIME_CONFIG"]')" = "$cfg" ] || fail "LAMBDA_RUNTIME_CONFIG not passed"
# The invocation started between before and after: its deadline is 9 s
# later (4 s would be the INI's), whatever the machine's load.
deadline_within "$ctx" $((before + 9000)) $((after + 9000)) || fail "--timeout 9 must override timeout = 4"
ctx=$(curl -s "$(invoke_url two)" -d '{"action":"context"}')
[ "$(jget "$ctx" 'j["env"]["_HANDLER"] + j["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]')" = from.env1024 ] \
  || fail "function two: handler from _HANDLER, its own memory size: $ctx"
[ "$(jget "$ctx" '"CUSTOM_ONE" in j["env"]')" = False ] || fail "env.CUSTOM_ONE leaked into function two"
wait_for '"type":"platform.report"' "$emu_out"
python3 - "$emu_out" <<'PY' || fail "JSON platform events"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"time"')]
types = [e["type"] for e in events]
assert types.count("platform.start") == 2 and types.count("platform.report") == 2, types
r = [e for e in events if e["type"] == "platform.report"][0]["record"]
m = r["metrics"]
assert m["memorySizeMB"] == 256 and m["maxMemoryUsedMB"] > 0 and m["billedDurationMs"] >= 1, m
assert "initDurationMs" in m and r["status"] == "success", r
d = [e for e in events if e["type"] == "platform.runtimeDone"][0]["record"]
assert d["status"] == "success" and d["metrics"]["producedBytes"] > 0, d
assert [s["name"] for s in d["spans"]] == ["responseLatency", "responseDuration"], d
PY

# The Runtime API serves only the instance's own processes: curl, from
# outside, is refused whatever it asks (runtime-api.sh tests the rest).
rapi=$(jget "$ctx" 'j["env"]["AWS_LAMBDA_RUNTIME_API"]')
id=$(jget "$ctx" 'j["headers"]["Lambda-Runtime-Aws-Request-Id"]')
for path in invocation/nosuch/response "invocation/$id/response" init/error nothing; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://$rapi/2018-06-01/runtime/$path" -d '{}')
  [ "$code" = 403 ] || fail "Runtime API $path from another process: expected 403, got $code"
done
stop_emulator
echo "PASS: cli"
