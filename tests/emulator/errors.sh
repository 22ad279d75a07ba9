#!/bin/bash
# errors.sh -- what callers get, as AWS returns it: function errors (200 +
# X-Amz-Function-Error: Unhandled + the error JSON), 404 for an unknown
# function, 413 over 6291456 bytes, 429 when pool and queue are full, 204 for
# DryRun, Tail logs, client context, a bad invocation type or client context.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" \
  --concurrency 1 --timeout 30

h=$work/h
# A function error.
body=$(curl -s -D "$h" "$(invoke_url)" -d '{"action":"error","message":"bad input"}')
grep -qi '^HTTP/1.1 200' "$h" || fail "function error: expected HTTP 200"
grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "function error: no X-Amz-Function-Error: Unhandled"
[ "$(jget "$body" 'j["errorType"] == "HandlerError" and j["errorMessage"] == "bad input"')" = True ] \
  || fail "function error body: $body"

# 404 for a function that does not exist.
body=$(curl -s -D "$h" "$(invoke_url nosuch)" -d '{}')
grep -qi '^HTTP/1.1 404' "$h" || fail "unknown function: expected 404"
grep -qi '^x-amzn-ErrorType: ResourceNotFoundException' "$h" || fail "404 without ResourceNotFoundException"
[ "$(jget "$body" 'j["message"] == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nosuch"')" = True ] \
  || fail "404 body: $body"

# 413: 6 MB + 1 byte, with and without Expect: 100-continue; 6 MB exactly passes.
big=$work/big
head -c 6291457 /dev/zero | tr '\0' 'a' >"$big"
for expect in "Expect: 100-continue" "Expect:"; do
  body=$(curl -s -D "$h" -H "$expect" -H 'Content-Type: application/octet-stream' "$(invoke_url)" --data-binary @"$big")
  grep -qi '^HTTP/1.1 413' "$h" || fail "6 MB + 1 ($expect): expected 413"
  grep -qi '^x-amzn-ErrorType: RequestTooLargeException' "$h" || fail "413 without RequestTooLargeException"
  [ "$(jget "$body" 'j["message"]')" = "Request must be smaller than 6291456 bytes for the InvokeFunction operation" ] \
    || fail "413 message: $body"
done
# (a JSON string: the payload must be JSON)
{ printf '"'; head -c 6291454 /dev/zero | tr '\0' a; printf '"'; } >"$big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect:' "$(invoke_url)" --data-binary @"$big")
[ "$code" = 200 ] || fail "exactly 6291456 bytes: expected 200, got $code"

# A buffered response over 6291456 bytes: the runtime gets 413, the caller
# Function.ResponseSizeTooLarge; the runtime goes on.
body=$(curl -s -D "$h" "$(invoke_url)" -d '{"action":"big","bytes":6291457}')
grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "too large response: no X-Amz-Function-Error"
[ "$(jget "$body" 'j["errorType"]')" = Function.ResponseSizeTooLarge ] || fail "too large response: $body"
wait_for 'big response answered 413' "$emu_out"
n=$(curl -s "$(invoke_url)" -d '{"action":"big","bytes":6291456}' | wc -c)
[ "$n" = 6291456 ] || fail "a 6291456-byte response came back as $n bytes"

# DryRun: 204, nothing runs.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Amz-Invocation-Type: DryRun' "$(invoke_url)" -d '{}')
[ "$code" = 204 ] || fail "DryRun: expected 204, got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Amz-Invocation-Type: Sometimes' "$(invoke_url)" -d '{}')
[ "$code" = 400 ] || fail "bad invocation type: expected 400, got $code"

# Client context: base64 JSON in, JSON to the runtime; bad base64 refused.
cc=$(printf '{"custom":{"k":"v"},"env":{"x":"y"}}' | base64 -w0)
ctx=$(curl -s -H "X-Amz-Client-Context: $cc" "$(invoke_url)" -d '{"action":"context"}')
[ "$(jget "$ctx" 'json.loads(j["headers"]["Lambda-Runtime-Client-Context"])["custom"]["k"]')" = v ] \
  || fail "client context not passed: $ctx"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Amz-Client-Context: not*base64" "$(invoke_url)" -d '{}')
[ "$code" = 400 ] || fail "bad client context: expected 400, got $code"

# Tail: the last 4 KB of this invocation's log, base64, with START/END/REPORT.
curl -s -D "$h" -H 'X-Amz-Log-Type: Tail' "$(invoke_url)" -d '{"action":"print","lines":3}' >/dev/null
log=$(sed -n 's/^X-Amz-Log-Result: //Ip' "$h" | tr -d '\r' | base64 -d)
echo "$log" | grep -q '^START RequestId: ' || fail "Tail without START: $log"
echo "$log" | grep -q '^line 2 of ' || fail "Tail without the runtime's lines: $log"
echo "$log" | grep -q '^END RequestId: ' || fail "Tail without END: $log"
echo "$log" | grep -q '^REPORT RequestId: .*Max Memory Used: [1-9][0-9]* MB' || fail "Tail without REPORT: $log"
id=$(sed -n 's/^x-amzn-RequestId: //Ip' "$h" | tr -d '\r')
echo "$log" | grep -q "RequestId: $id" || fail "Tail of another invocation: $log"
curl -s -D "$h" -H 'X-Amz-Log-Type: Tail' "$(invoke_url)" -d '{"action":"print","lines":400}' >/dev/null
n=$(sed -n 's/^X-Amz-Log-Result: //Ip' "$h" | tr -d '\r' | base64 -d | wc -c)
[ "$n" -le 4096 ] && [ "$n" -gt 3000 ] || fail "Tail of a long log: $n bytes, expected the last 4096"

# 429: one instance, no queue, one invocation running -> the next is refused.
stop_emulator
cfg=$work/q.ini
printf '[emulator]\nqueue = 0\nconcurrency = 1\ntimeout = 30\n' >"$cfg"
start_emulator --config "$cfg" --task-root "$task_root" --runtime "$script_runtime"
gatef=$work/gate
curl -s "$(invoke_url)" -d '{"action":"gate","path":"'"$gatef"'"}' >"$work/slow" &
slow=$!
wait_for '^START' "$emu_out" 10
body=$(curl -s -D "$h" "$(invoke_url)" -d '{}')
touch "$gatef"
grep -qi '^HTTP/1.1 429' "$h" || fail "full pool and queue: expected 429"
grep -qi '^x-amzn-ErrorType: TooManyRequestsException' "$h" || fail "429 without TooManyRequestsException"
[ "$(jget "$body" 'j["Reason"]')" = ReservedFunctionConcurrentInvocationLimitExceeded ] || fail "429 body: $body"
wait $slow
[ "$(cat "$work/slow")" = '{"gate": "passed"}' ] || fail "the invocation holding the pool: $(cat "$work/slow")"
[ "$(curl -s "$(invoke_url)" -d '{"after":1}')" = '{"after":1}' ] || fail "after the 429 the function must work"
stop_emulator
echo "PASS: errors"
