#!/bin/sh
# t-vanish.sh -- the Runtime API going away mid-run: bounded retries, then
# exit 1 with a clear message; a 500 on /next ends bootstrap at once.
. "$SRC/tests/bootstrap/lib.sh"

event e.json '{}'
script "invoke${TAB}$T/e.json" "vanish"
run echo.handler
check "first invocation answered" [ "$(post_count)" = 1 ]
check "exit 1 after the API vanished" [ "$(status)" = "exit 1" ]
check "retries logged (3 attempts from test.ini)" [ "$(grep -c 'not reachable' "$T/stderr")" = 2 ]
check "clear final message" stderr_has "Runtime API unreachable: GET .*/runtime/invocation/next failed after 3 attempts"

script "status${TAB}500"
run echo.handler
check "500 on /next: exit 1" [ "$(status)" = "exit 1" ]
check "500 on /next explained" stderr_has "answered HTTP 500 (container error, non-recoverable); exiting"

# No Runtime API at all: a port nobody listens on.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
AWS_LAMBDA_RUNTIME_API=127.0.0.1:$port "$BOOTSTRAP" echo.handler 2> "$T/stderr"
rc=$?
check "no Runtime API: exit 1" [ "$rc" = 1 ]
check "no Runtime API: says it is unreachable" stderr_has "Runtime API unreachable"
check "no Runtime API: names the system's error" stderr_has "Couldn't connect to server (Connection refused)"
[ "$failures" = 0 ] || show_stderr
finish
