#!/bin/sh
# t-http-app.sh -- the sample HTTP API app's routes through the real
# bootstrap: /hello and /goodbye with and without a name, an unknown path,
# the per-route handlers, and a malformed (non-JSON) event.
. "$SRC/tests/bootstrap/lib.sh"

http_event() { # NAME PATH [QUERY-NAME]
    q='null'; [ -n "${3:-}" ] && q="{\"name\":\"$3\"}"
    event "$1" "{\"version\":\"2.0\",\"routeKey\":\"\$default\",\"rawPath\":\"$2\",\"rawQueryString\":\"\",\"queryStringParameters\":$q,\"requestContext\":{\"http\":{\"method\":\"GET\",\"path\":\"$2\"}},\"isBase64Encoded\":false}"
}
http_event hello.json /hello Chris
http_event hello-anon.json /hello
http_event goodbye.json /goodbye Ana
http_event other.json /nope
event junk.json 'this is { not json'

script "invoke${TAB}$T/hello.json" "invoke${TAB}$T/hello-anon.json" "invoke${TAB}$T/goodbye.json" \
       "invoke${TAB}$T/other.json" "invoke${TAB}$T/junk.json"
run lambda_function.handler

inner() { post_body "$1" | jq -r .body | jq -r "$2"; }
check "five answers, still serving" [ "$(post_count)|$(status)" = "5|exit 0" ]
check "/hello?name=Chris" [ "$(inner 1 .message)" = "Hello, Chris" ]
check "/hello without a name" [ "$(inner 2 .message)" = "Hello, World" ]
check "/goodbye?name=Ana" [ "$(inner 3 .message)" = "Goodbye, Ana" ]
check "200 with a JSON content type" [ "$(post_body 3 | jq -r '.statusCode, .headers["Content-Type"]' | tr '\n' ' ')" = "200 application/json " ]
check "timestamp is ISO-8601 UTC" matches "$(inner 1 .timestamp)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'
check "other path: 404 Not found" [ "$(post_body 4 | jq -r .statusCode) $(inner 4 .message) $(inner 4 .status)" = "404 Not found 404" ]
check "malformed event: an error post" [ "$(post_path 5)" = "/2018-06-01/runtime/invocation/req-5/error" ]
check "malformed event: InvalidEvent" [ "$(post_header 5 Lambda-Runtime-Function-Error-Type)|$(post_body 5 | jq -r .errorType)" = "InvalidEvent|InvalidEvent" ]

# One handler per route, as CMD picks them.
script "invoke${TAB}$T/other.json"
run lambda_function.hello
check "lambda_function.hello answers hello whatever the path" [ "$(inner 1 .message)" = "Hello, World" ]
run lambda_function.goodbye
check "lambda_function.goodbye answers goodbye" [ "$(inner 1 .message)" = "Goodbye, World" ]
[ "$failures" = 0 ] || show_stderr
finish
