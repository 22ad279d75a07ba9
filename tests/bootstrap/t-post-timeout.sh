#!/bin/sh
# t-post-timeout.sh -- every post is bounded (issue 8 item 6): a Runtime API
# that never answers a /response, /error or /init/error post, answers one
# byte short of its Content-Length, or stops reading a streamed response,
# ends bootstrap with exit 1 and a message naming what timed out (it used
# to wait forever).  post_timeout comes from [runtime] or
# LAMBDA_RUNTIME_POST_TIMEOUT.  GET /next keeps no timeout.
. "$SRC/tests/bootstrap/lib.sh"

printf '[runtime]\napi_retries = 3\napi_retry_delay = 20ms\npost_timeout = 1\n' > "$T/test.ini"
event e.json '{"bytes": 16777216}'

# expect_timeout WHAT MESSAGE: after the last run, bootstrap exited 1
# having sent one post (no retry of a post the API may have taken), and
# said MESSAGE.
expect_timeout() {
    check "$1: exit 1" [ "$(status)" = "exit 1" ]
    check "$1: posted once, not retried" [ "$(grep -c '^POST ' "$T/rec/requests")" = 1 ]
    check "$1: what timed out is named" stderr_has "$2"
}
# times_out WHAT SCRIPT-LINE SERVER-OPTIONS HANDLER MESSAGE
times_out() {
    script "$2"
    run --server "-t 30 $3" "$4"
    expect_timeout "$1" "$5"
}

times_out "/response never answered" "invoke${TAB}$T/e.json${TAB}post=hang" "" echo.handler \
    "FATAL.*posting the response ([0-9]* bytes) to the Runtime API (.*) failed: timed out after 1 s waiting for the answer (post_timeout in \[runtime\]"
times_out "/response answered one byte short" "invoke${TAB}$T/e.json${TAB}post=short" "" echo.handler \
    "posting the response ([0-9]* bytes) .* failed: timed out after 1 s"
times_out "/error never answered" "invoke${TAB}$T/e.json${TAB}post=hang" "" probe.fail \
    "posting the error (.* bytes) .* failed: timed out after 1 s"
times_out "/init/error never answered" "invoke${TAB}$T/e.json" "-i hang" initfail.handler \
    "could not report the init error to the Runtime API (.*): timed out after 1 s"
# A streamed response: the Runtime API stops reading 16 MB in, or reads
# it all and never answers.
times_out "streamed response not read" "invoke${TAB}$T/e.json${TAB}post=stall" "" stream.bulk \
    "posting the streamed response (.*) failed: timed out after 1 s sending the stream"
event small.json '{"bytes": 1000}'
times_out "streamed response never answered" "invoke${TAB}$T/small.json${TAB}post=hang" "" stream.bulk \
    "posting the streamed response (1000 bytes) .* failed: timed out after 1 s waiting for the answer to the stream"

# The environment variable instead of the file.
printf '[runtime]\n' > "$T/empty.ini"
script "invoke${TAB}$T/e.json${TAB}post=short"
LAMBDA_RUNTIME_CONFIG=$T/empty.ini LAMBDA_RUNTIME_POST_TIMEOUT=1 run --server "-t 30" echo.handler
expect_timeout "LAMBDA_RUNTIME_POST_TIMEOUT=1" "timed out after 1 s waiting for the answer"

# GET /next is a long poll: held 2.5 s (past post_timeout = 1), it is served.
script "invoke${TAB}$T/e.json${TAB}delay=2500"
run echo.handler
check "a /next held past post_timeout is served" [ "$(post_count)|$(status)" = "1|exit 0" ]
[ "$failures" = 0 ] || show_stderr
finish
