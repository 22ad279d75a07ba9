#!/bin/sh
# t-invoke.sh -- a normal invoke of the sample HTTP app; what goes over the
# wire (User-Agent, no Expect, one keep-alive connection, Content-Type).
. "$SRC/tests/bootstrap/lib.sh"

event hello.json '{"version":"2.0","rawPath":"/hello","rawQueryString":"name=Chris","queryStringParameters":{"name":"Chris"},"requestContext":{"http":{"method":"GET","path":"/hello"}}}'
script "invoke${TAB}$T/hello.json${TAB}id=abc-123"
run lambda_function.handler

check "bootstrap was stopped by the server (still serving, then stopped cleanly)" [ "$(status)" = "exit 0" ]
check "one post" [ "$(post_count)" = 1 ]
check "posted to the response path" [ "$(post_path 1)" = "/2018-06-01/runtime/invocation/abc-123/response" ]
check "message is Hello, Chris" [ "$(post_body 1 | jq -r .body | jq -r .message)" = "Hello, Chris" ]
check "statusCode 200" [ "$(post_body 1 | jq -r .statusCode)" = 200 ]
check "Content-Type application/json" [ "$(post_header 1 Content-Type)" = "application/json" ]
check "User-Agent names the project and version" \
    sh -c "grep -qi '^User-Agent: lambda-c-runtime/[0-9]' '$T/rec/next-1.headers'"
check "no Expect header" sh -c "! grep -qi '^Expect:' '$T/rec/post-1.headers'"
check "the GETs and the POST" [ "$(cut -d' ' -f1 "$T/rec/requests" | tr '\n' ' ')" = "GET POST GET " ]
[ "$failures" = 0 ] || show_stderr
finish
