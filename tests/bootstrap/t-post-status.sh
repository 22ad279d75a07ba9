#!/bin/sh
# t-post-status.sh -- 4xx answers to a post (410 stale invocation, 413 too
# large, 400) are logged and the loop goes on; a 500 ends bootstrap.
. "$SRC/tests/bootstrap/lib.sh"

event e.json '{"x":1}'
script "invoke${TAB}$T/e.json${TAB}id=gone${TAB}post=410${TAB}Lambda-Runtime-Invocation-Id: stale" \
       "invoke${TAB}$T/e.json${TAB}id=big${TAB}post=413" \
       "invoke${TAB}$T/e.json${TAB}id=bad${TAB}post=400" \
       "invoke${TAB}$T/e.json${TAB}id=fine"
run echo.handler
check "all four invocations answered, still serving" [ "$(post_count)|$(status)" = "4|exit 0" ]
check "410 logged" stderr_has "refused the response (7 bytes) with HTTP 410"
check "413 logged" stderr_has "refused the response (7 bytes) with HTTP 413"
check "the server's explanation quoted" stderr_has "scripted answer 413"
check "the invocation after the refusals answered" [ "$(post_path 4)" = "/2018-06-01/runtime/invocation/fine/response" ]

script "invoke${TAB}$T/e.json${TAB}id=boom${TAB}post=500" "invoke${TAB}$T/e.json"
run echo.handler
check "500 on a post: exit 1" [ "$(status)" = "exit 1" ]
check "500 on a post: no further GET" [ "$(grep -c '^GET' "$T/rec/requests")" = 1 ]
check "500 explained" stderr_has "answered the response (7 bytes) with HTTP 500 (container error, non-recoverable)"
[ "$failures" = 0 ] || show_stderr
finish
