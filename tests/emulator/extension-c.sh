#!/bin/bash
# extension-c.sh -- an extension written in C: lambda-extension (the host)
# as /opt/extensions/summary loads the sample plugin summary.so, registers,
# subscribes to the Telemetry API, and prints one SUMMARY line per
# invocation from platform.report, beside a C function (bootstrap, echo);
# its Duration and Max Memory Used are the REPORT line's.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
host="$top_builddir/src/extension/lambda-extension"
[ -x "$bootstrap" ] && [ -x "$host" ] || { echo "SKIP: bootstrap or lambda-extension is not built"; exit 77; }
[ -f "$top_builddir/plugins/.libs/summary.so" ] || fail "plugins/.libs/summary.so is not built"
ln -s "$top_builddir/plugins/.libs/echo.so" "$task_root/"
exts=$work/opt/extensions plugdir=$work/opt/lambda-extensions
mkdir -p "$exts" "$plugdir"
ln -s "$host" "$exts/summary"
ln -s "$top_builddir/plugins/.libs/summary.so" "$plugdir/summary.so"

h=$work/h want=""
cfg=$work/lambda-runtime.ini
cat >"$cfg" <<INI
[emulator]
runtime = $bootstrap
task_root = $task_root
extensions_dir = $exts
concurrency = 1
handler = echo.handler
env.LAMBDA_EXTENSION_PLUGIN_DIR = $plugdir
INI
start_emulator --config "$cfg"
for n in 1 2 3; do
  body=$(curl -sS -D "$h" "$(invoke_url)" -d "{\"n\":$n}")
  [ "$body" = "{\"n\":$n}" ] || fail "invocation $n: $body; $(cat "$emu_err")"
  want="$want $(tr -d '\r' <"$h" | sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: //p')"
done
grep -q "^EXTENSION	Name: summary	State: Ready	Events: \[INVOKE,SHUTDOWN\]$" "$emu_out" ||
  fail "the C extension did not register: $(cat "$emu_out" "$emu_err")"
stop_emulator # the last report arrives in the Shutdown phase
python3 "$top_srcdir/tests/lib/summary_lines.py" "$emu_out" $want || fail "SUMMARY lines (above)"
exit 0
