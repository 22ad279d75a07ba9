#!/bin/bash
# console-browser.sh -- the console (/console/) in a real browser (headless
# Chromium, Debian's chromium package): invocations listed live with their
# statuses and log lines, HTML shown as text, the Test tab with the saved
# API Gateway event, and 10,000 invocations with the page open (the
# emulator's memory and the page's render times are printed).
# console_browser.py says what it checks.  Screenshots are kept as
# tests/emulator/console-*.png in the build tree.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

require_package chromium "a real browser" command -v chromium
chromium=$(command -v chromium)
bootstrap="$top_builddir/src/bootstrap/bootstrap"
ln -s "$top_builddir/plugins/.libs/lambda_function.so" "$task_root/"
mkdir "$work/events"
printf '{"action": "say", "text": "<script>window.pwned=3</script><b>bold</b>"}\n' \
  >"$work/events/evil.json"
cat >"$work/cfg.ini" <<INI
[function fn]
runtime = $script_runtime
handler = loop
timeout = 1
[function hello]
runtime = $bootstrap
handler = lambda_function.handler
INI
start_emulator --config "$work/cfg.ini" --task-root "$task_root" --events "$work/events"
grep -q "^lambda-emulator: console on http://127.0.0.1:$port/console/$" "$emu_err" \
  || fail "no start-up line with the console's URL: $(cat "$emu_err")"

prefix="$top_builddir/tests/emulator/console"
rm -f "$prefix"-*.png
python3 "$top_srcdir/tests/emulator/console_browser.py" "$chromium" "$url" "$emu_pid" "$prefix" \
  || fail "the console in the browser"
for s in invocations test load; do
  file "$prefix-$s.png" | grep -q 'PNG image data' || fail "no screenshot $prefix-$s.png"
done
stop_emulator
