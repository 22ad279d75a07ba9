#!/bin/bash
# http-edge.sh -- the Invoke API at the edges (http_edge.py, raw sockets):
# ambiguous framing refused at once, values that cannot be Runtime API
# headers refused with AWS's errors, unknown ARNs and qualifiers 404, a
# payload that is not JSON 400 as on AWS, an empty one passed as {}, error
# bodies always valid JSON for the caller, InvokeAsync 202 and run.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

printf '[emulator]\nqualifiers = live\n' >"$work/q.ini"
start_emulator --config "$work/q.ini" --task-root "$task_root" --runtime "$script_runtime" --timeout 30
python3 "$top_srcdir/tests/emulator/http_edge.py" "$port" 2>"$work/async-id" || fail "Invoke API edge cases"
id=$(cat "$work/async-id")
wait_for "^REPORT RequestId: $id" "$emu_out" 30 || fail "InvokeAsync $id never ran"
stop_emulator
echo "PASS: http-edge"
