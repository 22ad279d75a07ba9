#!/bin/bash
# reinit.sh -- REPORT after bootstrap's supervisor replaces a crashed worker:
# the replacement ran the plugin's init again (sleeper's init sleeps 300 ms),
# so the next REPORT carries its Init Duration, and Max Memory Used is the
# live processes' peak, not the dead worker's (which held 100 MB).
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
[ -x "$bootstrap" ] || { echo "SKIP: $bootstrap is not built"; exit 77; }
ln -s "$top_builddir/tests/emulator/.libs/sleeper.so" "$task_root/"
cat >"$work/r.ini" <<INI
[emulator]
runtime = $bootstrap
concurrency = 1
timeout = 30
[function sleepy]
handler = sleeper.handler
env.SLEEPER_INIT_MS = 300
; sanitized builds: let the SIGSEGV kill the worker, as it does unsanitized
env.ASAN_OPTIONS = handle_segv=0:detect_leaks=0
INI
start_emulator --config "$work/r.ini" --task-root "$task_root"
h=$work/h
# report ID FIELD: the number after "FIELD: " in ID's REPORT line ("" if none)
report() {
  wait_for "^REPORT RequestId: $1" "$emu_out" >/dev/null || fail "no REPORT for $1"
  sed -n "s/^REPORT RequestId: $1.*\t$2: \([0-9]*\)[.0-9]* [mM][Bs].*/\1/p" "$emu_out"
}
invoke() { curl -s -D "$h" --max-time 30 "$(invoke_url sleepy)" -d "$1" >/dev/null; sed -n 's/^x-amzn-RequestId: //Ip' "$h" | tr -d '\r'; }

id=$(invoke '{"mb":100}')
init=$(report "$id" 'Init Duration')
[ -n "$init" ] && [ "$init" -ge 300 ] || fail "first REPORT: Init Duration '$init' (the init sleeps 300 ms): $(grep "$id" "$emu_out")"
used=$(report "$id" 'Max Memory Used')
[ "$used" -ge 100 ] || fail "first REPORT: Max Memory Used $used MB, the worker holds 100 MB"

id=$(invoke '{"crash":true}')
grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "the crash was not answered with a function error"
report "$id" 'Duration' >/dev/null

id=$(invoke '{}')
grep -qi '^X-Amz-Function-Error' "$h" && fail "the invocation after the crash failed"
init=$(report "$id" 'Init Duration')
[ -n "$init" ] && [ "$init" -ge 300 ] \
  || fail "REPORT after the worker was replaced: no Init Duration of the new worker's init: $(grep "$id" "$emu_out")"
used=$(report "$id" 'Max Memory Used')
[ "$used" -lt 100 ] || fail "REPORT after the worker was replaced: Max Memory Used $used MB is the dead worker's peak"

id=$(invoke '{}')
[ -z "$(report "$id" 'Init Duration')" ] || fail "a warm invocation reported an Init Duration: $(grep "$id" "$emu_out")"
stop_emulator
echo "PASS: reinit"
