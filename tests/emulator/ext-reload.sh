#!/bin/bash
# ext-reload.sh -- an instance that a reload (--watch) retires gives its
# extensions SHUTDOWN with shutdownReason "spindown", as when the emulator
# stops: the environment is replaced by new code, nothing failed (it said
# "failure").  The next invocation runs on a fresh instance whose extension
# gets INVOKE.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

exts=$work/opt/extensions ctl=$work/ctl
mkdir -p "$exts" "$ctl"
ln -s "$top_srcdir/tests/emulator/ext.py" "$exts/ext-a"
echo 1 >"$task_root/data.txt"
cfg=$work/lambda-runtime.ini
ext_config "$cfg" "$exts"
cat >>"$cfg" <<INI
watch = true
handler = fast.handler
env.EXT_CTL = $ctl
INI
start_emulator --config "$cfg"
curl -sS -o /dev/null "$(invoke_url)" -d '{}' || fail "first invocation"
wait_for '^ext-a: INVOKE ' "$emu_out" 30 || fail "no INVOKE: $(cat "$emu_out")"
echo 2 >"$task_root/data.txt.tmp"
mv "$task_root/data.txt.tmp" "$task_root/data.txt"
wait_for '^lambda-emulator: reload: ' "$emu_err" 30 || fail "no reload line: $(cat "$emu_err")"
wait_for '^ext-a: SHUTDOWN ' "$emu_out" 30 || fail "no SHUTDOWN after the reload: $(cat "$emu_out")"
grep -q '^ext-a: SHUTDOWN spindown$' "$emu_out" ||
  fail "SHUTDOWN after a reload: $(grep '^ext-a: SHUTDOWN' "$emu_out")"
curl -sS -o /dev/null "$(invoke_url)" -d '{}' || fail "the invocation after the reload"
# The extension prints its INVOKE line when it has handled the event, which
# can be after the caller has its answer: wait for the second line.
wait_for '^ext-a: INVOKE ' "$emu_out" 30 2 || fail "no second INVOKE"
[ "$(grep -c '^ext-a: INVOKE ' "$emu_out")" = 2 ] || fail "INVOKE lines: $(grep '^ext-a:' "$emu_out")"
stop_emulator
exit 0
