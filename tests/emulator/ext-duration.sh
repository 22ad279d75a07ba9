#!/bin/bash
# ext-duration.sh -- AWS's invoke phase: it ends when the runtime has
# answered and every extension has called event/next again.  An extension
# that takes 1 s over each INVOKE (ext.py, EXT_MODE=slow): platform.report's
# durationMs (the REPORT line's Duration) counts that second and Billed
# Duration with it; platform.runtimeDone's durationMs is the runtime's part,
# no more than the report's.  The caller has its answer before the
# extension is done.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

exts=$work/opt/extensions ctl=$work/ctl
mkdir -p "$exts" "$ctl"
ln -s "$top_srcdir/tests/emulator/ext.py" "$exts/ext-a"
cfg=$work/lambda-runtime.ini
ext_config "$cfg" "$exts"
cat >>"$cfg" <<INI
handler = fast.handler
env.EXT_CTL = $ctl
env.EXT_MODE = slow
INI
start_emulator --config "$cfg" --log-format JSON
h=$work/h want=""
for n in 1 2; do
  curl -sS -D "$h" -o /dev/null "$(invoke_url)" -d '{}' || fail "invocation $n"
  want="$want $(tr -d '\r' <"$h" | sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: //p')"
done
# A third invocation starts once the extension is done with the second
# (stopping now would end the second's invoke phase with the Shutdown).
curl -sS -o /dev/null "$(invoke_url)" -d '{}' || fail "invocation 3"
stop_emulator
python3 - "$emu_out" $want <<'PY' || fail "durations: $(grep -E 'runtimeDone|platform.report' "$emu_out")"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"time"')]
for rid in sys.argv[2:]:
    done = [e["record"] for e in events if e["type"] == "platform.runtimeDone"
            and e["record"]["requestId"] == rid]
    rep = [e["record"] for e in events if e["type"] == "platform.report"
           and e["record"]["requestId"] == rid]
    assert len(done) == 1 and len(rep) == 1, (rid, done, rep)
    rt, m = done[0]["metrics"]["durationMs"], rep[0]["metrics"]
    assert m["durationMs"] >= 1000, ("the report leaves out the extension's second", rid, m)
    assert rt <= m["durationMs"], (rid, rt, m)
    assert m["billedDurationMs"] >= m["durationMs"], (rid, m)
    print("%s: runtimeDone %.3f ms, report %.3f ms" % (rid, rt, m["durationMs"]))
PY
exit 0
