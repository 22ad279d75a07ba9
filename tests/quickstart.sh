#!/bin/bash
# quickstart.sh -- the README's quick start, as a test: the emulator started by
# scripts/run (the README's run command) answers the article's curl with
# 200 and "Hello, Chris".
set -u
. "$top_srcdir/tests/lib/common.sh"

port=$(free_port)
log=$(scratch)/emulator.log
spawn "$top_srcdir/scripts/run" --no-deps --no-build --build "$top_builddir" \
  --listen "127.0.0.1:$port" >"$log" 2>&1
wait_http "http://127.0.0.1:$port/" 20 || { cat "$log"; fail "emulator did not start"; }

# The article's request, verbatim but for the port.
out=$(curl -s -w '\n%{http_code}' "http://localhost:$port/2015-03-31/functions/function/invocations" -H "Content-Type: application/json" -d '{"version":"2.0","routeKey":"GET /hello","rawPath":"/hello","rawQueryString":"name=Chris","queryStringParameters":{"name":"Chris"},"requestContext":{"http":{"method":"GET","path":"/hello"}}}')
code=$(echo "$out" | tail -n 1)
body=$(echo "$out" | sed '$d')
echo "HTTP $code: $body"
[ "$code" = 200 ] || { cat "$log"; fail "expected HTTP 200, got $code"; }
msg=$(echo "$body" | jq -r '.body | fromjson | .message') || fail "response is not a proxy result with a JSON body"
[ "$msg" = "Hello, Chris" ] || fail "expected message 'Hello, Chris', got '$msg'"
echo "$body" | jq -e '.statusCode == 200 and .headers["Content-Type"] == "application/json"' >/dev/null \
  || fail "expected statusCode 200 and Content-Type application/json"
echo "$body" | jq -e '.body | fromjson | (.status == 200 and (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")))' >/dev/null \
  || fail "body lacks status 200 or an ISO-8601 UTC timestamp"
echo "PASS: the article's curl answers Hello, Chris"
