#!/bin/bash
# front-browser.sh -- a real browser (headless Chromium, Debian's chromium
# package) opens a page served through the HTTP front by plugins/sse.c; the
# page reads Server-Sent Events from a RESPONSE_STREAM function with
# EventSource and lists each one in the DOM.  The function (the test
# runtime's sse action) writes event n + 1, and the end, only once the page
# shows event n (cdp.py creates the gate file it waits for), so the events
# can only all arrive if the front forwards each one as it is written.  The
# screenshot is kept as tests/emulator/front-browser.png in the build tree.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

require_package chromium "a real browser" command -v chromium
chromium=$(command -v chromium)
bootstrap="$top_builddir/src/bootstrap/bootstrap"
ln -s "$top_builddir/plugins/.libs/sse.so" "$task_root/"
cat >"$work/cfg.ini" <<INI
[emulator]
http_listen = 127.0.0.1:0
invoke_mode = RESPONSE_STREAM
[function page]
runtime = $bootstrap
handler = sse.handler
[function events]
runtime = $script_runtime
handler = events
[route "GET /events"]
function = events
[route "\$default"]
function = page
INI
start_emulator --config "$work/cfg.ini" --task-root "$task_root"

shot="$top_builddir/tests/emulator/front-browser.png"
rm -f "$shot"
gate=$work/gate
result=$(python3 "$top_srcdir/tests/emulator/cdp.py" "$chromium" \
  "$(front_url)/?action=sse&count=5&gate=$gate" "$shot" 120 "$gate") \
  || fail "the browser did not finish the page"
echo "$result"
python3 - "$result" <<'PY' || fail "events did not reach the browser live: $result"
import json, sys
r = json.loads(sys.argv[1])
events, end = r["events"], r["end_sent"]
assert [e["n"] for e in events] == [1, 2, 3, 4, 5], events
for e in events:
    assert e["ms"] <= e["arrived"] <= end, f"event {e} not between its sending and the end ({end})"
PY
file "$shot" | grep -q 'PNG image data' || fail "no PNG screenshot: $(file "$shot")"
stop_emulator
