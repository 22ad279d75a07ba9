#!/bin/bash
# basic.sh -- one function, a runtime that is not ours (tests/emulator/runtime.py):
# the event comes back; the Runtime API carries every header of the AWS Lambda Runtime API
# (2018-06-01); the runtime gets Lambda's environment; keep-alive works; the
# emulator stops cleanly on SIGTERM.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

printf '[emulator]\nqualifiers = live\n' >"$work/basic.ini"
start_emulator --config "$work/basic.ini" --task-root "$task_root" --runtime "$script_runtime" \
  --timeout 7 --memory-size 256 my_module.my_handler

hdrs=$work/h
body=$(curl -s -D "$hdrs" "$(invoke_url)" -d '{"hello":"world","n":[1,2,3]}')
[ "$body" = '{"hello":"world","n":[1,2,3]}' ] || fail "echo: got '$body'"
grep -qi '^X-Amz-Executed-Version: \$LATEST' "$hdrs" || fail "no X-Amz-Executed-Version"
grep -qi '^x-amzn-RequestId: [0-9a-f-]\{36\}' "$hdrs" || fail "no x-amzn-RequestId"
grep -qi '^HTTP/1.1 200' "$hdrs" || fail "not 200"
grep -qi 'X-Amz-Function-Error' "$hdrs" && fail "a success carries X-Amz-Function-Error"

# What the runtime saw: headers of /next and its environment.
before=$(epoch_ms)
ctx=$(curl -s "$(invoke_url)" -d '{"action":"context"}')
after=$(epoch_ms)
deadline_within "$ctx" $((before + 7000)) $((after + 7000)) || fail "the deadline is not the start + --timeout 7"
check() { [ "$(jget "$ctx" "$1")" = True ] || fail "runtime context: $1 is false in $ctx"; }
check 'j["headers"]["Content-Type"] == "application/json"'
check 'len(j["headers"]["Lambda-Runtime-Aws-Request-Id"]) == 36'
check 'j["headers"]["Lambda-Runtime-Invoked-Function-Arn"] == "arn:aws:lambda:us-east-1:123456789012:function:function"'
check '__import__("re").match(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$", j["headers"]["Lambda-Runtime-Trace-Id"]) is not None'
check 'len(j["headers"]["Lambda-Runtime-Invocation-Id"]) == 36'
check 'j["env"]["_HANDLER"] == "my_module.my_handler"'
check 'j["env"]["LAMBDA_TASK_ROOT"] == "'"$task_root"'" and j["cwd"] == "'"$task_root"'"'
check 'j["env"]["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")'
check 'j["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "function" and j["env"]["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"'
check 'j["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"'
check 'j["env"]["AWS_REGION"] == "us-east-1" and j["env"]["AWS_DEFAULT_REGION"] == "us-east-1"'
check 'j["env"]["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/function"'
check '"[$LATEST]" in j["env"]["AWS_LAMBDA_LOG_STREAM_NAME"]'
check 'j["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand" and j["env"]["TZ"] == ":UTC"'
check '"AWS_LAMBDA_LOG_FORMAT" not in j["env"] and "AWS_LAMBDA_MAX_CONCURRENCY" not in j["env"]'

# Qualified names and ARNs reach the same function; the ARN keeps the
# qualifier (one the configuration declares: qualifiers = live).
ctx=$(curl -s "$url/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afunction/invocations?Qualifier=live" -d '{"action":"context"}')
check 'j["headers"]["Lambda-Runtime-Invoked-Function-Arn"] == "arn:aws:lambda:us-east-1:123456789012:function:function:live"'

# Tenant id passes through.
ctx=$(curl -s -H 'X-Amz-Tenant-Id: tenant-7' "$(invoke_url)" -d '{"action":"context"}')
check 'j["headers"]["Lambda-Runtime-Aws-Tenant-Id"] == "tenant-7"'

# Keep-alive: two invocations over one connection.
out=$(curl -s -v "$(invoke_url)" -d '{"a":1}' --next "$(invoke_url)" -d '{"a":2}' 2>&1)
echo "$out" | grep -q 'Re-using existing connection' || fail "the Invoke API closed a keep-alive connection"
echo "$out" | grep -q '{"a":2}' || fail "second keep-alive invocation lost"

# START/END/REPORT for each, and the runtime's own output passed through.
wait_for 'runtime.py: init, handler my_module.my_handler' "$emu_out"
[ "$(grep -c '^START RequestId: .* Version: \$LATEST$' "$emu_out")" -ge 6 ] || { cat "$emu_out"; fail "START lines missing"; }
[ "$(grep -c '^END RequestId: ' "$emu_out")" -ge 5 ] || fail "END lines missing"
[ "$(grep -c 'Init Duration' "$emu_out")" = 1 ] || fail "Init Duration must appear once (first invoke of the one instance)"
stop_emulator

# init = eager: the pool starts before any invocation, and that init is not
# reported with the first invocation (like provisioned concurrency).
start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --init eager --concurrency 2
wait_for 'runtime.py: init' "$emu_out"
for _ in $(seq 1 100); do [ "$(grep -c 'runtime.py: init' "$emu_out")" = 2 ] && break; sleep 0.05; done
[ "$(grep -c 'runtime.py: init' "$emu_out")" = 2 ] || fail "init = eager: expected 2 instances before any invoke"
grep -q '^START' "$emu_out" && fail "init = eager: an invocation ran before any invoke"
ctx=$(curl -s "$(invoke_url)" -d '{"action":"context"}')
check 'j["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency"'
wait_for '^REPORT' "$emu_out"
grep -q 'Init Duration' "$emu_out" && fail "init = eager: Init Duration reported"
stop_emulator
echo "PASS: basic"
