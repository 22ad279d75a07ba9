#!/bin/sh
# t-crash.sh -- a handler that crashes ends the process (Lambda then reports
# Runtime.ExitError); nothing is posted for it by bootstrap.
. "$SRC/tests/bootstrap/lib.sh"

event e.json '{}'
script "invoke${TAB}$T/e.json"
run probe.crash
st=$(status)
# Plain builds die of SIGSEGV; under AddressSanitizer its handler reports
# the SEGV and exits 1.
check "the process died of the crash ($st)" sh -c "[ '$st' = 'signal 11' ] || { [ '$st' = 'exit 1' ] && grep -q SEGV '$T/stderr'; }"
check "nothing posted" [ "$(post_count)" = 0 ]
finish
