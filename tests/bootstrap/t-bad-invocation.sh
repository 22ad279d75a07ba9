#!/bin/sh
# t-bad-invocation.sh -- invocations that cannot be answered (issue 8 item
# 5): a /next answer without Lambda-Runtime-Aws-Request-Id, or with an id
# that cannot be put in a URL path (../../x, a slash, a control character,
# over-long).  Each is logged once and skipped with a doubling pause; a good
# invocation resets the count; after 6 in a row bootstrap exits 1 instead
# of spinning (it used to loop on /next, one ERROR line each, forever).
. "$SRC/tests/bootstrap/lib.sh"

event e.json '{}'
long=$(head -c 200 /dev/zero | tr '\0' i)
ctl=$(printf 'bad\001id')
script "invoke${TAB}$T/e.json${TAB}id=good-1" \
       "invoke${TAB}$T/e.json${TAB}noid" \
       "invoke${TAB}$T/e.json${TAB}id=../../x" \
       "invoke${TAB}$T/e.json${TAB}id=good-2" \
       "invoke${TAB}$T/e.json${TAB}noid" \
       "invoke${TAB}$T/e.json${TAB}id=a/b" \
       "invoke${TAB}$T/e.json${TAB}id=$ctl" \
       "invoke${TAB}$T/e.json${TAB}id=$long" \
       "invoke${TAB}$T/e.json${TAB}id=x?y" \
       "invoke${TAB}$T/e.json${TAB}id=.." \
       "invoke${TAB}$T/e.json${TAB}id=never-served"
run echo.handler
check "exit 1 after 6 unusable invocations in a row" [ "$(status)" = "exit 1" ]
check "the two good invocations answered, nothing else posted" \
    [ "$(post_count)|$(post_path 1)|$(post_path 2)" = \
      "2|/2018-06-01/runtime/invocation/good-1/response|/2018-06-01/runtime/invocation/good-2/response" ]
check "10 GET /next, not one more (the last invocation never taken)" \
    [ "$(grep -c '^GET .*/next 200$' "$T/rec/requests")" = 10 ]
check "each unusable invocation logged once" [ "$(grep -c 'cannot be answered: skipping it' "$T/stderr")" = 7 ]
check "no request id: named" stderr_has "without a Lambda-Runtime-Aws-Request-Id header"
check "../../x: named" stderr_has "request id '../../x', which cannot be used in a URL path"
check "over-long id: named" stderr_has "request id of 200 bytes (at most 159 are accepted)"
check "pauses double, and a good invocation resets the count" \
    [ "$(sed -n 's/.*(\([0-9]\) in a row; pausing \([0-9]*\) ms.*/\1:\2/p' "$T/stderr" | tr '\n' ' ')" = \
      "1:100 2:200 1:100 2:200 3:400 4:800 5:1600 " ]
check "the exit explained" stderr_has "6 unusable invocations in a row: the Runtime API at .* is not one bootstrap can serve; exiting"

# The same without a supervisor: the invoke loop itself exits 1.
script "invoke${TAB}$T/e.json${TAB}noid" "invoke${TAB}$T/e.json${TAB}noid" "invoke${TAB}$T/e.json${TAB}noid" \
       "invoke${TAB}$T/e.json${TAB}noid" "invoke${TAB}$T/e.json${TAB}noid" "invoke${TAB}$T/e.json${TAB}noid" \
       "invoke${TAB}$T/e.json${TAB}id=never-served"
printf '[runtime]\nsupervisor = false\n' > "$T/nosup.ini"
LAMBDA_RUNTIME_CONFIG=$T/nosup.ini run echo.handler
check "supervisor = false: exit 1 after 6" [ "$(status)|$(post_count)" = "exit 1|0" ]
[ "$failures" = 0 ] || show_stderr
finish
