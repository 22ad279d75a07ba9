#!/bin/bash
# front-browser.sh -- a real browser (headless Chromium, Debian's chromium
# package) opens a page served through the HTTP front by plugins/sse.c; the
# page reads the function's Server-Sent Events with EventSource and writes
# each one's arrival time into the DOM.  Every event must have arrived
# before the stream's end was written (the "end" event carries that time),
# i.e. the front forwarded them live.  The screenshot is kept as
# tests/emulator/front-browser.png in the build tree.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

require_package chromium "a real browser" command -v chromium
chromium=$(command -v chromium)
bootstrap="$top_builddir/src/bootstrap/bootstrap"
ln -s "$top_builddir/plugins/.libs/sse.so" "$task_root/"
printf '[emulator]\nhttp_listen = 127.0.0.1:0\ninvoke_mode = RESPONSE_STREAM\n' >"$work/cfg.ini"
start_emulator --config "$work/cfg.ini" --task-root "$task_root" --runtime "$bootstrap" sse.handler

shot="$top_builddir/tests/emulator/front-browser.png"
rm -f "$shot"
result=$(python3 "$top_srcdir/tests/emulator/cdp.py" "$chromium" \
  "$(front_url)/?count=5&interval_ms=300" "$shot" 60) || fail "the browser did not finish the page"
echo "$result"
python3 - "$result" <<'PY' || fail "events did not reach the browser live: $result"
import json, sys
r = json.loads(sys.argv[1])
events, end = r["events"], r["end_sent"]
assert [e["n"] for e in events] == [1, 2, 3, 4, 5], events
for e in events:
    assert e["ms"] <= e["arrived"] < end, f"event {e} not before the end ({end})"
PY
file "$shot" | grep -q 'PNG image data' || fail "no PNG screenshot: $(file "$shot")"
stop_emulator
