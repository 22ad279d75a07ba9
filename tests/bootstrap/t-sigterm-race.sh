#!/bin/sh
# t-sigterm-race.sh -- a SIGTERM that reaches the supervisor between its
# check for a shutdown request and its blocking waitpid() is passed to the
# worker all the same (issue 8 item 12).  waitpid-gate.so holds the
# supervisor exactly there until the test has sent SIGTERM; the worker's
# GET /next is held 8 s.  Passed on (from the signal handler), the SIGTERM
# stops the worker in its poll: no invocation taken, exit 0.  Lost (the old
# code), the worker took the invocation 8 s later and the supervisor only
# stopped when the script ran out.
. "$SRC/tests/bootstrap/lib.sh"

shim=$BUILD/tests/bootstrap/.libs/waitpid-gate.so
[ -f "$shim" ] || { fail "$shim is not built"; finish; }
# sanitized builds: the shim comes before libasan in the library list
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
event e.json '{}'
script "invoke${TAB}$T/e.json${TAB}delay=8000"
gate=$T/gate
(
    i=0
    while [ ! -s "$gate.entered" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$gate.entered" ] && kill -TERM "$(cat "$gate.entered")"
    touch "$gate.go"
) &
signaller=$!
"$SERVER" -d "$T/rec" -s "$T/script" -t 60 -- \
    env LD_PRELOAD="$shim" WAITPID_GATE="$gate" WAITPID_GATE_NAME=bootstrap "$BOOTSTRAP" probe.report \
    2> "$T/stderr"
wait $signaller
check "the supervisor was held between its check and its wait" [ -s "$gate.entered" ]
check "exit 0 (graceful)" [ "$(status)" = "exit 0" ]
check "the worker got the SIGTERM: no invocation taken" [ "$(post_count)" = 0 ]
check "the worker logged it" stderr_has "SIGTERM received: shutting down"
[ "$failures" = 0 ] || show_stderr
finish
