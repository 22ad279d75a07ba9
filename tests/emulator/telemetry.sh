#!/bin/bash
# telemetry.sh -- the Telemetry API: an extension (tel_ext.py) subscribes
# for platform, function and extension records with an HTTP destination on
# sandbox.localdomain; for a sequence of invocations it receives every
# platform event in order with the callers' request ids, the function's
# log lines as "function" records and its own output as "extension" ones.  A subscriber that stops answering while the function floods
# its log leaves the emulator's peak RSS bounded, and gets
# platform.logsDropped once it answers again.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

rss_bound 48 120

exts=$work/opt/extensions ctl=$work/ctl
mkdir -p "$exts" "$ctl"
ln -s "$top_srcdir/tests/emulator/tel_ext.py" "$exts/tel"
cfg=$work/lambda-runtime.ini
ext_config "$cfg" "$exts"
cat >>"$cfg" <<INI
; the flood below takes a while on a busy machine
timeout = 120
env.EXT_CTL = $ctl
INI
start_emulator --config "$cfg"
tel=$ctl/telemetry h=$work/h want=""
for n in 1 2 3; do
  body=$(curl -sS -D "$h" "$(invoke_url)" -d '{"action":"print","lines":2}')
  [ "$body" = '{"printed": true}' ] || fail "invocation $n: $body"
  want="$want $(tr -d '\r' <"$h" | sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: //p')"
done
grep -q '^tel: subscribe: 200 OK$' "$emu_out" || fail "subscribe: $(grep '^tel:' "$emu_out")"
# The last report reaches it during the Shutdown phase, as on Lambda (the
# environment is frozen in between).
stop_emulator
for rid in $want; do # the extension's lines are still in the log, as they were
  grep -qx "tel: INVOKE $rid" "$emu_out" || fail "no 'tel: INVOKE $rid' in the log: $(cat "$emu_out")"
done
python3 - "$tel" $want <<'PY' || fail "telemetry records: $(cat "$tel")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
want = sys.argv[2:]
types = [r["type"] for r in recs]
for t in ("platform.telemetrySubscription", "platform.initStart", "platform.initRuntimeDone",
          "platform.initReport", "platform.extension"):
    assert t in types, (t, types)
for r in recs:
    assert r["time"].endswith("Z") and "T" in r["time"], r
# The extension's own lines are "extension" records (in AWS's schema: the
# line, no name), never "function" ones.
mine = [r["record"] for r in recs if r["type"] == "extension"]
assert mine == ["tel: subscribe: 200 OK"] + ["tel: INVOKE %s" % w for w in want], mine
assert not [r for r in recs if r["type"] == "function" and r["record"].startswith("tel: ")], recs
per = {}
for r in recs:
    rid = r["record"].get("requestId") if isinstance(r["record"], dict) else None
    if r["type"] == "function":
        rid = next((w for w in want if w in r["record"]), None)
    if rid:
        per.setdefault(rid, []).append(r)
starts = [r["record"]["requestId"] for r in recs if r["type"] == "platform.start"]
assert starts == want, (starts, want)
for rid in want:
    seq = [r["type"] for r in per[rid]]
    assert seq == ["platform.start", "function", "function", "platform.runtimeDone",
                   "platform.report"], (rid, seq)
    lines = [r["record"] for r in per[rid] if r["type"] == "function"]
    assert lines == ["line 0 of %s" % rid, "line 1 of %s" % rid], lines
    done, rep = per[rid][3]["record"], per[rid][4]["record"]
    assert done["status"] == "success" and done["metrics"]["durationMs"] >= 0, done
    # AWS's runtimeDone: the response's bytes, and its two spans.
    assert done["metrics"]["producedBytes"] == len('{"printed": true}'), done
    spans = done["spans"]
    assert [s["name"] for s in spans] == ["responseLatency", "responseDuration"], done
    assert all(s["durationMs"] >= 0 and s["start"].endswith("Z") for s in spans), done
    assert spans[0]["start"] <= spans[1]["start"], done
    m = rep["metrics"]
    assert m["memorySizeMB"] == 128 and m["maxMemoryUsedMB"] > 0 and m["billedDurationMs"] >= 1, rep
assert "initDurationMs" in per[want[0]][4]["record"]["metrics"]
assert "initDurationMs" not in per[want[1]][4]["record"]["metrics"]
PY

# A subscriber that stops answering: the function logs 600,000 lines (about
# 50 MB as records) while its delivery is stalled; what is queued for it
# stays bounded (262144 bytes, its maxBytes).
rm -f "$tel"
touch "$ctl/stall"
start_emulator --config "$cfg"
hwm_mb() { echo $(( $(awk '/^VmHWM:/ {print $2}' "/proc/$emu_pid/status") / 1024 )); }
for n in 1 2 3; do
  body=$(curl -sS "$(invoke_url)" -d '{"action":"print","lines":0,"plain":200000}')
  [ "$body" = '{"printed": true}' ] || fail "flood $n: $body"
done
hwm=$(hwm_mb)
echo "emulator VmHWM after 600,000 log lines with a stalled subscriber: $hwm MB"
[ "$hwm" -lt "$bound_mb" ] || fail "the emulator's peak RSS grew to $hwm MB with a stalled subscriber"
touch "$ctl/release"
# Deliveries happen while the environment runs (it is frozen in between, as
# on Lambda): invoke until the backlog is through, at most 100 times.
i=0
until grep -q '"platform.logsDropped"' "$tel" 2>/dev/null; do
  [ $i -lt 100 ] || fail "no platform.logsDropped: $(tail -3 "$tel")"
  curl -sS "$(invoke_url)" -d '{"action":"sleep","seconds":0.2}' >/dev/null
  i=$((i + 1))
done
grep '"platform.logsDropped"' "$tel" | head -1 | grep -q '"droppedRecords": [1-9]' || fail "logsDropped without a count"
stop_emulator

# droppedRecords counts a subscriber's own records only.  Function a's
# subscriber stalls on the batch of a's first invocation (a is frozen
# meanwhile: its sender waits for the thaw and reads nothing from the
# event bus, which every instance shares); function b then logs 50,000
# lines, far more than the bus's ring holds, which pushes out whatever of
# a's first invocation was still on the bus.  a's subscriber is told of
# those (at most the 6 records of an invocation), not of b's lines (it
# was told of every record that left the ring, some 35,000).
ctl_a=$work/ctl-a ctl_b=$work/ctl-b
mkdir -p "$ctl_a" "$ctl_b"
touch "$ctl_a/stall" "$ctl_a/stall-invoke"
ext_config "$cfg" "$exts"
cat >>"$cfg" <<INI
timeout = 120
[function a]
env.EXT_CTL = $ctl_a
[function b]
env.EXT_CTL = $ctl_b
INI
start_emulator --config "$cfg"
[ "$(curl -sS "$(invoke_url a)" -d '{"action":"print","lines":2}')" = '{"printed": true}' ] || fail "a"
i=0
until [ -e "$ctl_a/stalled" ]; do
  [ $i -lt 600 ] || fail "a's subscriber never got a batch"
  sleep 0.1; i=$((i + 1))
done
body=$(curl -sS "$(invoke_url b)" -d '{"action":"print","lines":0,"plain":50000}')
[ "$body" = '{"printed": true}' ] || fail "b's flood: $body"
touch "$ctl_a/release"
[ "$(curl -sS -D "$h" "$(invoke_url a)" -d '{"action":"print","lines":2}')" = '{"printed": true}' ] ||
  fail "a again"
second=$(tr -d '\r' <"$h" | sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: //p')
stop_emulator
python3 - "$ctl_a/telemetry" "$second" <<'PY' || fail "a's records: $(grep -v '"function"' "$ctl_a/telemetry")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
dropped = sum(r["record"]["droppedRecords"] for r in recs if r["type"] == "platform.logsDropped")
assert dropped <= 6, "droppedRecords %d: more than a's own records" % dropped
assert sys.argv[2] in [r["record"]["requestId"] for r in recs if r["type"] == "platform.report"], recs
print("a's subscriber: %d dropped records reported" % dropped)
PY
exit 0
