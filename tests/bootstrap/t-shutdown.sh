#!/bin/sh
# t-shutdown.sh -- graceful shutdown: SIGTERM while waiting for /next ends
# bootstrap with status 0 after running the plugin's shutdown hook once;
# SIGTERM during an invocation lets it finish and post its answer first.
. "$SRC/tests/bootstrap/lib.sh"
export PROBE_SHUTDOWN_FILE=$T/shutdown.log

event e.json '{}'
script "invoke${TAB}$T/e.json"
: > "$PROBE_SHUTDOWN_FILE"
run probe.report
check "SIGTERM while waiting: exit 0" [ "$(status)" = "exit 0" ]
check "shutdown hook ran once" [ "$(cat "$PROBE_SHUTDOWN_FILE")" = shutdown ]
check "shutdown logged" stderr_has "SIGTERM received: shutting down"
# This case and the last failed about once in 300 runs beside four CPU hogs:
# show what rapi-server recorded and what bootstrap said (it was bootstrap's
# GET /next refused by rapi-server's port: bootstrap exited 1; `listener`
# says whether rapi-server was still listening there).
explain() {
    [ "$failures" = 0 ] && return
    echo "status: $(status)"; show_stderr; cat "$T/rec/requests" "$T/rec/listener" 2>/dev/null
}
explain

: > "$PROBE_SHUTDOWN_FILE"
script "invoke${TAB}$T/e.json${TAB}id=inflight${TAB}term=100" "invoke${TAB}$T/e.json"
PROBE_SLEEP_MS=400 run probe.slow
check "SIGTERM during an invocation: its answer posted" [ "$(post_count)|$(post_path 1)|$(post_body 1)" = '1|/2018-06-01/runtime/invocation/inflight/response|"slept"' ]
check "then no further /next" [ "$(grep -c '^GET' "$T/rec/requests")" = 1 ]
check "then exit 0" [ "$(status)" = "exit 0" ]
check "shutdown hook ran once after the answer" [ "$(cat "$PROBE_SHUTDOWN_FILE")" = shutdown ]

# The same without the supervisor.
: > "$PROBE_SHUTDOWN_FILE"
printf '[runtime]\nsupervisor = false\n' > "$T/nosup.ini"
LAMBDA_RUNTIME_CONFIG=$T/nosup.ini PROBE_SLEEP_MS=400 run probe.slow
check "supervisor = false: the answer in flight posted, exit 0, hook once" \
    [ "$(post_count)|$(post_body 1)|$(status)|$(cat "$PROBE_SHUTDOWN_FILE")" = '1|"slept"|exit 0|shutdown' ]

# Plugins without a shutdown hook stop cleanly too.
run echo.handler
check "no hook: exit 0" [ "$(status)" = "exit 0" ]
explain
finish
