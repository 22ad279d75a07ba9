#!/bin/bash
# idle.sh -- connections that send nothing cannot exhaust the Invoke API:
# beside 4,200 idle connections (more than max_connections, 4096) a normal
# invoke is answered, the oldest idle ones being closed to keep a reserve
# free; with idle_timeout = 1 s idle connections are closed by the emulator,
# while a caller that waits longer than that for its result is not cut.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" --timeout 30
[ "$(curl -s "$(invoke_url)" -d '{"warm":1}')" = '{"warm":1}' ] || fail "first invoke"
out=$(python3 "$top_srcdir/tests/emulator/idle.py" "$port" 4200) || fail "$out"
echo "$out"
grep -q "closing the oldest without a request" "$emu_err" || fail "no message about the idle connections closed"
stop_emulator

printf '[emulator]\nidle_timeout = 1\n' >"$work/idle.ini"
start_emulator --config "$work/idle.ini" --task-root "$task_root" --runtime "$script_runtime" --timeout 60
out=$(python3 "$top_srcdir/tests/emulator/idle.py" "$port" 100 1) || fail "$out"
echo "$out"
stop_emulator

# A per-address cap does not apply on loopback (every local caller shares
# 127.0.0.1): 50 connections with a cap of 20 still leave invokes served.
printf '[emulator]\nmax_connections_per_address = 20\n' >"$work/cap.ini"
start_emulator --config "$work/cap.ini" --task-root "$task_root" --runtime "$script_runtime"
out=$(python3 "$top_srcdir/tests/emulator/idle.py" "$port" 50) || fail "loopback with a per-address cap: $out"
stop_emulator
echo "PASS: idle connections"
