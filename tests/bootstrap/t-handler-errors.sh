#!/bin/sh
# t-handler-errors.sh -- a handler's error reaches /error with its type; a
# handler that returns without answering gets Runtime.NoResponse; a second
# answer is refused; the loop goes on after each.
. "$SRC/tests/bootstrap/lib.sh"

event e.json '{}'
script "invoke${TAB}$T/e.json${TAB}id=r1${TAB}Lambda-Runtime-Invocation-Id: n1" "invoke${TAB}$T/e.json${TAB}id=r2"
run probe.fail
check "error posted to /error" [ "$(post_path 1)" = "/2018-06-01/runtime/invocation/r1/error" ]
check "error type header" [ "$(post_header 1 Lambda-Runtime-Function-Error-Type)" = Probe.Failure ]
check "error body" [ "$(post_body 1 | jq -c '[.errorType, .errorMessage, .stackTrace]')" = '["Probe.Failure","failed on purpose for r1",[]]' ]
check "invocation id echoed on /error" [ "$(post_header 1 Lambda-Runtime-Invocation-Id)" = n1 ]
check "next invocation served after an error" [ "$(post_path 2)" = "/2018-06-01/runtime/invocation/r2/error" ]

run probe.noanswer
check "no answer: Runtime.NoResponse posted" [ "$(post_header 1 Lambda-Runtime-Function-Error-Type)" = Runtime.NoResponse ]
check "no answer: message names the handler and the fix" \
    sh -c "jq -r .errorMessage '$T/rec/post-1.body' | grep -q 'handler probe.noanswer returned 7 without answering.*lambda_respond()'"
check "no answer: one post per invocation, still serving" [ "$(post_count)|$(status)" = "2|exit 0" ]

run probe.twice
check "two answers attempted: only the first posted" [ "$(post_count)|$(post_body 1)|$(post_body 2)" = "2|first|first" ]
check "second answer refused and logged" stderr_has "second answer returned -1"
check "refusal explained" stderr_has "already answered"
[ "$failures" = 0 ] || show_stderr
finish
