#!/bin/sh
# t-crash.sh -- crash isolation.  With the supervisor (the default) a
# handler that kills its worker (SIGSEGV, abort(), exit()) costs exactly
# that invocation: Runtime.ExitError is posted for its request id with the
# signal or status and a backtrace, a new worker (plugin init again) serves
# the rest.  A plugin whose init keeps crashing ends in an init error.
# With supervisor = false a crash ends the process.
. "$SRC/tests/bootstrap/lib.sh"
export PROBE_INIT_FILE=$T/init.log
: > "$PROBE_INIT_FILE"
for w in ok segv ok2 abort exit ok3; do event "$w" "$w"; done
script "invoke${TAB}$T/ok${TAB}id=a" "invoke${TAB}$T/segv${TAB}id=b${TAB}Lambda-Runtime-Invocation-Id: nb" \
       "invoke${TAB}$T/ok2${TAB}id=c" "invoke${TAB}$T/abort${TAB}id=d" "invoke${TAB}$T/exit${TAB}id=e" \
       "invoke${TAB}$T/ok3${TAB}id=f"
run probe.chaos

kind() { basename "$(post_path "$1")"; }
check "one answer per invocation, in order" \
    [ "$(for k in 1 2 3 4 5 6; do post_path $k | cut -d/ -f5; done | tr '\n' ' ')" = "a b c d e f " ]
check "answers vs errors" [ "$(for k in 1 2 3 4 5 6; do kind $k; done | tr '\n' ' ')" = "response error response error error response " ]
check "errors are Runtime.ExitError" \
    [ "$(for k in 2 4 5; do post_header $k Lambda-Runtime-Function-Error-Type; done | sort -u)" = Runtime.ExitError ]
# ASan's own SEGV handler may win the race for SIGSEGV (it then exits 1)
check "SIGSEGV named" sh -c "jq -r .errorMessage '$T/rec/post-2.body' | grep -qE 'RequestId: b Error: Runtime exited with error: (signal: segmentation fault \(SIGSEGV in handler probe.chaos|exit status 1)'"
check "SIGABRT named" sh -c "jq -r .errorMessage '$T/rec/post-4.body' | grep -q 'RequestId: d Error: Runtime exited with error: signal: aborted (SIGABRT in handler probe.chaos'"
check "exit status named" sh -c "jq -r .errorMessage '$T/rec/post-5.body' | grep -q 'RequestId: e Error: Runtime exited with error: exit status 3'"
check "backtrace of the crashing thread" sh -c "jq -r '.stackTrace[]' '$T/rec/post-4.body' | grep -q 'libc.so.6(abort+' && jq -r '.stackTrace[]' '$T/rec/post-4.body' | grep -q 'probe.so('"
check "invocation id echoed on the supervisor's post" [ "$(post_header 2 Lambda-Runtime-Invocation-Id)" = nb ]
check "the rest succeed" [ "$(post_body 1)$(post_body 3)$(post_body 6)" = okokok ]
check "a fresh worker (init again) after each crash" [ "$(grep -c init "$PROBE_INIT_FILE")" = 4 ]
check "still serving, then stopped cleanly" [ "$(status)" = "exit 0" ]

script "invoke${TAB}$T/ok"
run initcrash.handler
check "init crash loop: init error posted" [ "$(post_count)|$(post_path 1)" = "1|/2018-06-01/runtime/init/error" ]
check "init crash loop: Runtime.ExitError naming the count" \
    sh -c "jq -r .errorMessage '$T/rec/post-1.body' | grep -q 'crashed during init 4 times in a row'"
check "init crash loop: backed off, then exit 1" [ "$(grep -c 'died during plugin init' "$T/stderr")|$(status)" = "4|exit 1" ]

# A handler's printf() to stdout (a file here, so fully buffered by
# default) reaches it: stdout is line-buffered in the worker, and a worker
# flushes before it exits (it used to _exit() with the line still buffered).
event print print
script "invoke${TAB}$T/print"
run probe.chaos > "$T/stdout"
check "a handler's printf() line reaches stdout" grep -qx 'printed by probe.chaos' "$T/stdout"

printf '[runtime]\nsupervisor = false\n' > "$T/nosup.ini"
script "invoke${TAB}$T/segv"
LAMBDA_RUNTIME_CONFIG=$T/nosup.ini run probe.chaos
st=$(status)
# Plain builds die of SIGSEGV; under AddressSanitizer its handler reports
# the SEGV and exits 1.
check "supervisor = false: the crash ends the process ($st)" sh -c "[ '$st' = 'signal 11' ] || { [ '$st' = 'exit 1' ] && grep -q SEGV '$T/stderr'; }"
check "supervisor = false: nothing posted" [ "$(post_count)" = 0 ]
[ "$failures" = 0 ] || show_stderr
finish
