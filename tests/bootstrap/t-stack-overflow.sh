#!/bin/sh
# t-stack-overflow.sh -- a stack overflow in a handler thread of the thread
# model (issue 8 item 12): every loop thread has its own alternate signal
# stack, so the crash handler runs, records the backtrace and marks its
# invocation the culprit.  Before, only the main thread had one: the
# worker died with no backtrace and both invocations in flight were told
# "one of them may have caused it".
. "$SRC/tests/bootstrap/lib.sh"
export ASAN_OPTIONS=handle_segv=0:detect_leaks=0 # our handler, also in sanitized builds
export AWS_LAMBDA_MAX_CONCURRENCY=2 # conc.so is thread-safe: 2 threads of one worker
event slow.json '{"i":0,"ms":3000}'
event boom.json '{"i":1,"ms":1,"overflow":true}'
event ok.json '{"i":2,"ms":1}'
# the overflowing invocation is held 500 ms, so the slow one is in flight
script "invoke${TAB}$T/slow.json${TAB}id=slow" "invoke${TAB}$T/boom.json${TAB}id=boom${TAB}delay=500" \
       "invoke${TAB}$T/ok.json${TAB}id=after"
# -a: stopped only once "after" is answered (the second thread's poll must
# not stop the worker while the first still reads "after")
run --server -a conc.crash
body() { for k in 1 2 3; do [ "$(post_path $k)" = "/2018-06-01/runtime/invocation/$1/$2" ] && post_body $k; done; }
check "the overflow answered as a segmentation fault" \
    [ "$(body boom error | jq -r .errorType)" = Runtime.ExitError ]
check "the overflow's backtrace recorded" [ "$(body boom error | jq '.stackTrace | length')" -gt 0 ]
check "the overflow is the culprit (not 'may have caused')" \
    sh -c "! grep -l 'RequestId: boom ' '$T/rec/'post-*.body | xargs grep -q -e 'may have caused' -e 'another invocation'"
check "the slow one is told another invocation crashed the worker" \
    sh -c "grep -l 'RequestId: slow ' '$T/rec/'post-*.body | xargs grep -q 'another invocation running in the same worker process crashed it'"
check "a new worker serves the next" [ "$(body after response | jq -r .i)" = 2 ]
[ "$failures" = 0 ] || show_stderr
finish
