#!/bin/bash
# front.sh -- the HTTP front (--http) with the real runtime and plugins, curl
# as the client: routes from the INI file, payload 2.0 and 1.0 events, the
# results mapped back as API Gateway HTTP APIs do (status, headers,
# multi-value headers, cookies, base64 bodies, JSON without statusCode), and
# the gateway's own answers: 404 no route, 500 function error, crash,
# function timeout or malformed result, 503 integration timeout.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
[ -x "$bootstrap" ] || { echo "SKIP: $bootstrap is not built"; exit 77; }
for so in plugins/.libs/lambda_function.so tests/emulator/.libs/httpfn.so; do
  [ -f "$top_builddir/$so" ] || fail "$so is not built"
  ln -s "$top_builddir/$so" "$task_root/"
done

cfg=$work/lambda-runtime.ini
cat >"$cfg" <<INI
[emulator]
runtime = $bootstrap
task_root = $task_root
http_listen = 127.0.0.1:0
[function hello]
handler = lambda_function.hello
[function goodbye]
handler = lambda_function.goodbye
[function http]
handler = httpfn.handler
; sanitized builds: let abort() kill the runtime, as it does unsanitized
env.ASAN_OPTIONS = handle_abort=0:detect_leaks=0
[function slow]
handler = httpfn.handler
timeout = 1
[function slowgw]
handler = httpfn.handler
timeout = 30
[route "GET /hello"]
function = hello
[route "GET /goodbye"]
function = goodbye
[route "ANY /event"]
function = http
[route "POST /reply"]
function = http
[route "POST /echo"]
function = http
[route "GET /fail"]
function = http
[route "GET /crash"]
function = http
[route "GET /sleep"]
function = slow
[route "GET /gw/sleep"]
function = slowgw
timeout = 1
[route "POST /v1/{proxy+}"]
function = http
payload_format = 1.0
INI
start_emulator --config "$cfg"
front=$(front_url)
h=$work/h

# The article's request.
body=$(curl -s -D "$h" "$front/hello?name=Chris")
grep -qi '^HTTP/1.1 200' "$h" || fail "GET /hello: expected 200: $(cat "$h")"
grep -qi '^Content-Type: application/json' "$h" || fail "GET /hello: not application/json"
grep -qi '^Apigw-Requestid: ' "$h" || fail "GET /hello: no Apigw-Requestid"
[ "$(jget "$body" 'j["message"]')" = "Hello, Chris" ] || fail "GET /hello: $body"
[ "$(jget "$(curl -s "$front/goodbye")" 'j["message"]')" = "Goodbye, World" ] || fail "GET /goodbye"

# No route: 404 {"message":"Not Found"}; a known path with another method too.
for req in "GET /nothing" "DELETE /hello"; do
  body=$(curl -s -D "$h" -X "${req% *}" "$front${req#* }")
  grep -qi '^HTTP/1.1 404' "$h" || fail "$req: expected 404"
  [ "$body" = '{"message":"Not Found"}' ] || fail "$req: body $body"
done

# The 2.0 event: repeated headers joined, cookies, repeated query keys.
ev=$(curl -s -H 'X-Rep: a' -H 'X-Rep: b' -b 'c1=v1; c2=v2' "$front/event?k=1&k=2&name=x%20y")
[ "$(jget "$ev" '(j["version"], j["routeKey"], j["rawPath"], j["rawQueryString"])')" = \
  "('2.0', 'ANY /event', '/event', 'k=1&k=2&name=x%20y')" ] || fail "2.0 event basics: $ev"
[ "$(jget "$ev" '(j["headers"]["x-rep"], j["cookies"], "cookie" in j["headers"])')" = \
  "('a,b', ['c1=v1', 'c2=v2'], False)" ] || fail "2.0 headers/cookies: $ev"
[ "$(jget "$ev" 'j["queryStringParameters"]')" = "{'k': '1,2', 'name': 'x y'}" ] || fail "2.0 query: $ev"
[ "$(jget "$ev" '(j["requestContext"]["http"]["method"], j["requestContext"]["stage"], j["requestContext"]["routeKey"], j["isBase64Encoded"], "body" in j)')" = \
  "('GET', '\$default', 'ANY /event', False, False)" ] || fail "2.0 requestContext: $ev"
[ "$(jget "$ev" 'j["requestContext"]["http"]["sourceIp"] == "127.0.0.1" and j["requestContext"]["accountId"] == "123456789012" and j["requestContext"]["timeEpoch"] > 0')" = True ] \
  || fail "2.0 requestContext ids: $ev"

# Binary request and response bodies: base64 in the event, raw on the wire.
bin=$work/bin; head -c 3000 /dev/urandom >"$bin"; printf '\0\377' >>"$bin"
ev=$(curl -s -H 'Content-Type: application/octet-stream' --data-binary @"$bin" "$front/event")
[ "$(jget "$ev" 'j["isBase64Encoded"]')" = True ] || fail "binary body not base64 in the event"
jget "$ev" 'j["body"]' | base64 -d | cmp -s - "$bin" || fail "binary body changed in the event"
curl -s -D "$h" -H 'Content-Type: image/png' --data-binary @"$bin" "$front/echo" -o "$work/bin.out"
cmp -s "$bin" "$work/bin.out" || fail "binary body round trip"
grep -qi '^Content-Type: image/png' "$h" || fail "binary response content type"

# The result mapped back: status, headers, multi-value headers, cookies.
result='{"statusCode":201,"headers":{"X-One":"1","X-Num":7},"multiValueHeaders":{"X-Multi":["a","b"]},"cookies":["s=1; Path=/","t=2"],"body":"made"}'
body=$(curl -s -D "$h" -H 'Content-Type: application/json' -d "$result" "$front/reply")
grep -qi '^HTTP/1.1 201' "$h" || fail "statusCode 201 not kept"
[ "$body" = made ] || fail "proxy body: $body"
[ "$(grep -ci '^Set-Cookie: ' "$h")" = 2 ] && grep -qi '^Set-Cookie: s=1; Path=/' "$h" || fail "cookies: $(cat "$h")"
[ "$(grep -ci '^X-Multi: ' "$h")" = 2 ] && grep -qi '^X-Num: 7' "$h" && grep -qi '^X-One: 1' "$h" \
  || fail "headers: $(cat "$h")"
# JSON without statusCode: 200 application/json, the JSON as the body.
body=$(curl -s -D "$h" -H 'Content-Type: application/json' -d '{"just":["json"]}' "$front/reply")
grep -qi '^HTTP/1.1 200' "$h" && grep -qi '^Content-Type: application/json' "$h" || fail "inferred result: $(cat "$h")"
[ "$body" = '{"just":["json"]}' ] || fail "inferred result body: $body"

# The gateway's answers to failures.
expect_500() {
  body=$(curl -s -D "$h" "$@")
  grep -qi '^HTTP/1.1 500' "$h" || fail "$*: expected 500: $(cat "$h")"
  [ "$body" = '{"message":"Internal Server Error"}' ] || fail "$*: body $body"
}
expect_500 "$front/fail"
expect_500 -H 'Content-Type: text/plain' -d 'not json' "$front/reply"
expect_500 "$front/sleep?seconds=5"          # the function's 1 s timeout
expect_500 "$front/crash"
[ "$(jget "$(curl -s "$front/event")" 'j["rawPath"]')" = /event ] || fail "no answer after a crash"
# Past the route's 1 s integration timeout (the function may run 30 s): 503.
body=$(curl -s -D "$h" "$front/gw/sleep?seconds=4")
grep -qi '^HTTP/1.1 503' "$h" || fail "integration timeout: expected 503: $(cat "$h")"
[ "$body" = '{"message":"Service Unavailable"}' ] || fail "integration timeout body: $body"

# Payload format 1.0 on a greedy route.
ev=$(curl -s -H 'X-Rep: a' -H 'X-Rep: b' -d 'x=1' "$front/v1/a/event?k=1&k=2")
[ "$(jget "$ev" '(j["version"], j["httpMethod"], j["path"], j["resource"], j["pathParameters"])')" = \
  "('1.0', 'POST', '/v1/a/event', '/v1/{proxy+}', {'proxy': 'a/event'})" ] || fail "1.0 event: $ev"
[ "$(jget "$ev" '(j["headers"]["x-rep"], j["multiValueHeaders"]["x-rep"], j["queryStringParameters"], j["multiValueQueryStringParameters"])')" = \
  "('b', ['a', 'b'], {'k': '2'}, {'k': ['1', '2']})" ] || fail "1.0 multi values: $ev"
[ "$(jget "$ev" '(j["requestContext"]["resourcePath"], j["requestContext"]["stage"], j["stageVariables"])')" = \
  "('/v1/{proxy+}', '\$default', None)" ] || fail "1.0 requestContext: $ev"

# The Invoke API still answers beside the front.
out=$(curl -s "$(invoke_url hello)" -d '{"rawPath":"/hello"}')
[ "$(jget "$(jget "$out" 'j["body"]')" 'j["message"]')" = "Hello, World" ] || fail "Invoke API beside the front: $out"
stop_emulator

# One function, no routes: every request goes to it ($default); the
# address from LAMBDA_HTTP_LISTEN.
LAMBDA_HTTP_LISTEN=127.0.0.1:0 start_emulator --config /dev/null --task-root "$task_root" \
  --runtime "$bootstrap" lambda_function.handler
front=$(front_url)
grep -q 'route \$default -> function function' "$emu_err" || fail "no \$default route line: $(cat "$emu_err")"
[ "$(jget "$(curl -s "$front/hello?name=Chris")" 'j["message"]')" = "Hello, Chris" ] || fail "\$default /hello"
[ "$(jget "$(curl -s "$front/goodbye?name=Chris")" 'j["message"]')" = "Goodbye, Chris" ] || fail "\$default /goodbye"
code=$(curl -s -o /dev/null -w '%{http_code}' "$front/elsewhere")
[ "$code" = 404 ] || fail "\$default: the function's own 404 expected, got $code"
stop_emulator

# Configuration mistakes stop the emulator at start with a message.
bad_config() {
  local out rc
  out=$("$emulator" --config "$1" --listen 127.0.0.1:0 --task-root "$task_root" 2>&1); rc=$?
  [ $rc = 2 ] || fail "expected exit 2 for $(cat "$1"), got $rc: $out"
  echo "$out" | grep -q -- "$2" || fail "expected '$2' in: $out"
}
printf '[route "FETCH /x"]\nfunction = a\n' >"$work/bad1.ini"
bad_config "$work/bad1.ini" "bad route 'FETCH /x'"
printf '[emulator]\nhttp_listen = 127.0.0.1:0\n[function a]\n[route "GET /x"]\nfunction = b\n' >"$work/bad2.ini"
bad_config "$work/bad2.ini" "route GET /x: no function named 'b'"
printf '[emulator]\nhttp_listen = 127.0.0.1:0\n[function a]\n[function b]\n' >"$work/bad3.ini"
bad_config "$work/bad3.ini" "the HTTP front needs routes to choose among 2 functions"
printf '[emulator]\nhttp_listen = nowhere\n' >"$work/bad4.ini"
bad_config "$work/bad4.ini" "bad listen address 'nowhere'"
exit 0
